//! The dashboard charts, drawn with plotters from a [`KpiReport`] into SVG
//! text or PNG bytes. Every word in a chart comes from [`ChartLabels`], which
//! the caller passes in its own language.
//!
//! Each chart is drawn by a function generic over the plotters backend, so
//! the SVG and the PNG show the same picture. PNG text is rendered with the
//! bundled font (see [`crate::charts::register_fonts`]).

mod channels;
mod distribution;
mod funnel;
pub mod hits;
mod labels;
mod over_time;
mod raster;
pub mod sheet;
mod style;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use hits::{ChartHit, ChartImage};
pub use labels::{currency_symbol, ChartLabels};

use super::report::{KpiReport, KpiRequest};
use crate::charts::Theme;
use crate::error::{Error, Result};

/// The charts of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChartKind {
    /// New -> MQL -> Warm -> SQL -> Customer for the period's cohort.
    Funnel,
    /// Leads per day, week or month, stacked by channel.
    Leads,
    /// MQL-to-SQL ratio and conversion rate over time.
    Ratios,
    /// Cost per lead and ROI per channel.
    Channels,
    /// Distribution of the days from creation to Customer.
    TimeToConversion,
    /// Distribution of the lead scores of the period's new leads.
    Scores,
}

impl ChartKind {
    /// Every chart, in dashboard order.
    pub const ALL: [ChartKind; 6] = [
        ChartKind::Funnel,
        ChartKind::Leads,
        ChartKind::Ratios,
        ChartKind::Channels,
        ChartKind::TimeToConversion,
        ChartKind::Scores,
    ];

    /// Returns the name used on the command line, such as `time-to-conversion`.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Funnel => "funnel",
            ChartKind::Leads => "leads",
            ChartKind::Ratios => "ratios",
            ChartKind::Channels => "channels",
            ChartKind::TimeToConversion => "time-to-conversion",
            ChartKind::Scores => "scores",
        }
    }

    /// Parses a command-line chart name.
    pub fn parse(text: &str) -> Result<ChartKind> {
        let requested = text.trim().to_ascii_lowercase().replace('_', "-");
        ChartKind::ALL
            .into_iter()
            .find(|kind| kind.name() == requested)
            .ok_or_else(|| {
                let names: Vec<&str> = ChartKind::ALL.iter().map(|k| k.name()).collect();
                Error::invalid("chart", text, format!("use one of {}", names.join(", ")))
            })
    }
}

/// File format of an exported chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ChartFormat {
    Svg,
    Png,
}

/// A request for one chart of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartRequest {
    pub chart: ChartKind,
    pub kpi: KpiRequest,
    pub theme: Theme,
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    pub labels: ChartLabels,
}

/// Smallest and largest chart side, in pixels.
pub const SIDE_LIMITS: (u32, u32) = (200, 4_000);

/// Draws `kind` from `report` as SVG text.
pub fn svg(
    report: &KpiReport,
    kind: ChartKind,
    size: (u32, u32),
    theme: Theme,
    labels: &ChartLabels,
) -> Result<String> {
    check_size(size)?;
    crate::charts::register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw(&root, report, kind, theme, labels, &mut Vec::new())
            .map_err(|e| drawing_failed(kind, &e))?;
        root.present().map_err(|e| drawing_failed(kind, &e))?;
    }
    Ok(text)
}

/// Draws `kind` from `report` as PNG bytes.
pub fn png(
    report: &KpiReport,
    kind: ChartKind,
    size: (u32, u32),
    theme: Theme,
    labels: &ChartLabels,
) -> Result<Vec<u8>> {
    check_size(size)?;
    crate::charts::register_fonts();
    let font = ab_glyph::FontRef::try_from_slice(crate::charts::SANS_SERIF)
        .map_err(|e| drawing_failed(kind, &e))?;
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, size);
        let root = raster::GlyphBackend::new(bitmap, font).into_drawing_area();
        draw(&root, report, kind, theme, labels, &mut Vec::new())
            .map_err(|e| drawing_failed(kind, &e))?;
        root.present().map_err(|e| drawing_failed(kind, &e))?;
    }
    encode_png(&pixels, size).map_err(|e| drawing_failed(kind, &e))
}

/// Draws `kind` from `report` as SVG text with its hover regions.
pub fn svg_with_hits(
    report: &KpiReport,
    kind: ChartKind,
    size: (u32, u32),
    theme: Theme,
    labels: &ChartLabels,
) -> Result<ChartImage> {
    check_size(size)?;
    crate::charts::register_fonts();
    let mut svg = String::new();
    let mut bands = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, report, kind, theme, labels, &mut bands)
            .map_err(|e| drawing_failed(kind, &e))?;
        root.present().map_err(|e| drawing_failed(kind, &e))?;
    }
    let hits = hits::hits(report, kind, &bands, size, labels);
    Ok(ChartImage { svg, hits })
}

/// Draws `kind` in `format`. SVG comes back as UTF-8 bytes.
pub fn render(
    report: &KpiReport,
    kind: ChartKind,
    format: ChartFormat,
    size: (u32, u32),
    theme: Theme,
    labels: &ChartLabels,
) -> Result<Vec<u8>> {
    match format {
        ChartFormat::Svg => svg(report, kind, size, theme, labels).map(String::into_bytes),
        ChartFormat::Png => png(report, kind, size, theme, labels),
    }
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    kind: ChartKind,
    theme: Theme,
    labels: &ChartLabels,
    bands: &mut Vec<hits::Bands>,
) -> DrawResult<DB> {
    let palette = style::palette(theme);
    root.fill(&palette.background)?;
    let palette = &palette;
    match kind {
        ChartKind::Funnel => funnel::draw(root, report, palette, labels, bands),
        ChartKind::Leads => over_time::draw_leads(root, report, palette, labels, bands),
        ChartKind::Ratios => over_time::draw_ratios(root, report, palette, labels, bands),
        ChartKind::Channels => channels::draw(root, report, palette, labels, bands),
        ChartKind::TimeToConversion => {
            distribution::draw_conversion_days(root, report, palette, labels, bands)
        }
        ChartKind::Scores => distribution::draw_scores(root, report, palette, labels, bands),
    }
}

fn check_size(size: (u32, u32)) -> Result<()> {
    let (min, max) = SIDE_LIMITS;
    if (min..=max).contains(&size.0) && (min..=max).contains(&size.1) {
        return Ok(());
    }
    Err(Error::invalid(
        "chart size",
        format!("{}x{}", size.0, size.1),
        format!("use a width and height between {min} and {max} pixels"),
    ))
}

fn drawing_failed(kind: ChartKind, error: &dyn std::fmt::Display) -> Error {
    Error::invalid("chart", kind.name(), format!("drawing failed: {error}"))
}

fn encode_png(pixels: &[u8], size: (u32, u32)) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, size.0, size.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()?;
    }
    Ok(bytes)
}
