//! The whole dashboard on one page: a title, the period, the six KPI values
//! and the six charts, as one SVG, PNG or PDF to share or print.
//!
//! The card texts come from the caller already formatted in the user's
//! language, the way the dashboard shows them, so the sheet and the screen
//! always read the same.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::style::{self, Palette};
use super::{drawing_failed, encode_png, raster, ChartKind, ChartLabels, DrawResult};
use crate::charts::Theme;
use crate::error::{Error, Result};
use crate::kpi::report::{KpiReport, KpiRequest};

/// One KPI box of the sheet: its name, value and a short note, in the
/// user's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SheetCard {
    pub name: String,
    pub value: String,
    pub note: String,
}

/// A request for the dashboard sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SheetRequest {
    pub kpi: KpiRequest,
    pub theme: Theme,
    pub labels: ChartLabels,
    pub title: String,
    /// The period and filters, such as "1 Oct 2024 to 31 Dec 2024 · Paid search".
    pub subtitle: String,
    /// The KPI boxes, in dashboard order; at most six are drawn.
    pub cards: Vec<SheetCard>,
}

/// File format of the dashboard sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SheetFormat {
    Svg,
    Png,
    /// The PNG picture on an A4 landscape page.
    Pdf,
}

impl SheetFormat {
    /// Returns the file name extension, such as `pdf`.
    pub fn extension(self) -> &'static str {
        match self {
            SheetFormat::Svg => "svg",
            SheetFormat::Png => "png",
            SheetFormat::Pdf => "pdf",
        }
    }
}

/// Size of each chart on the sheet, in pixels.
pub const CHART: (u32, u32) = (640, 360);
const MARGIN: u32 = 24;
const GAP: u32 = 16;
const HEADER: u32 = 64;
const CARD_HEIGHT: u32 = 86;
const CARDS: usize = 6;
/// KPI boxes per row.
const CARD_COLUMNS: u32 = 3;

/// Returns the size of the sheet in pixels.
pub fn size() -> (u32, u32) {
    let width = 2 * CHART.0 + GAP + 2 * MARGIN;
    let height = MARGIN + HEADER + 2 * CARD_HEIGHT + 2 * GAP + 3 * CHART.1 + 2 * GAP + MARGIN;
    (width, height)
}

/// Draws the sheet of `report` as SVG text.
pub fn svg(report: &KpiReport, request: &SheetRequest) -> Result<String> {
    crate::charts::register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size()).into_drawing_area();
        draw(&root, report, request).map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    Ok(text)
}

/// Draws the sheet of `report` as PNG bytes.
pub fn png(report: &KpiReport, request: &SheetRequest) -> Result<Vec<u8>> {
    let (pixels, size) = pixels(report, request)?;
    encode_png(&pixels, size).map_err(|e| failed(&e))
}

/// Draws the sheet of `report` as a one-page PDF created at `created`.
pub fn pdf(
    report: &KpiReport,
    request: &SheetRequest,
    created: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Vec<u8>> {
    let (pixels, (width, height)) = pixels(report, request)?;
    let image = crate::pdf::RgbImage {
        pixels: &pixels,
        width,
        height,
    };
    let info = crate::pdf::DocumentInfo {
        title: request.title.clone(),
        created,
    };
    crate::pdf::image_page(image, &info)
}

/// Draws the sheet into RGB pixels and returns them with their size.
fn pixels(report: &KpiReport, request: &SheetRequest) -> Result<(Vec<u8>, (u32, u32))> {
    crate::charts::register_fonts();
    let font =
        ab_glyph::FontRef::try_from_slice(crate::charts::SANS_SERIF).map_err(|e| failed(&e))?;
    let (width, height) = size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
        let root = raster::GlyphBackend::new(bitmap, font).into_drawing_area();
        draw(&root, report, request).map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    Ok((pixels, (width, height)))
}

/// Draws the sheet in `format`. SVG comes back as UTF-8 bytes; a PDF is
/// dated now, in the computer's time zone.
pub fn render(report: &KpiReport, request: &SheetRequest, format: SheetFormat) -> Result<Vec<u8>> {
    match format {
        SheetFormat::Svg => svg(report, request).map(String::into_bytes),
        SheetFormat::Png => png(report, request),
        SheetFormat::Pdf => pdf(report, request, chrono::Local::now().fixed_offset()),
    }
}

fn failed(error: &dyn std::fmt::Display) -> Error {
    drawing_failed(ChartKind::Funnel, error)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    request: &SheetRequest,
) -> DrawResult<DB> {
    let palette = style::palette(request.theme);
    root.fill(&palette.background)?;
    let left = MARGIN as i32;

    // Header: title and period.
    let title = style::text(26, &palette.text).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(
        request.title.clone(),
        (left, MARGIN as i32),
        title,
    ))?;
    let subtitle = style::text(15, &palette.muted).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(
        request.subtitle.clone(),
        (left, MARGIN as i32 + 36),
        subtitle,
    ))?;

    // The six KPI boxes in two rows of three.
    let inner_width = size().0 - 2 * MARGIN;
    let card_width = (inner_width - (CARD_COLUMNS - 1) * GAP) / CARD_COLUMNS;
    for (index, card) in request.cards.iter().take(CARDS).enumerate() {
        let (column, row) = (index as u32 % CARD_COLUMNS, index as u32 / CARD_COLUMNS);
        let x = MARGIN + column * (card_width + GAP);
        let y = MARGIN + HEADER + row * (CARD_HEIGHT + GAP);
        draw_card(root, card, (x as i32, y as i32), card_width, &palette)?;
    }

    // The charts, two per row.
    let charts_top = MARGIN + HEADER + 2 * (CARD_HEIGHT + GAP);
    for (index, kind) in ChartKind::ALL.iter().enumerate() {
        let column = (index % 2) as u32;
        let row = (index / 2) as u32;
        let x = MARGIN + column * (CHART.0 + GAP);
        let y = charts_top + row * (CHART.1 + GAP);
        let area = root.clone().shrink((x, y), CHART);
        super::draw(
            &area,
            report,
            *kind,
            request.theme,
            &request.labels,
            &mut Vec::new(),
        )?;
    }
    Ok(())
}

fn draw_card<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    card: &SheetCard,
    (x, y): (i32, i32),
    width: u32,
    palette: &Palette,
) -> DrawResult<DB> {
    let right = x + width as i32;
    let bottom = y + CARD_HEIGHT as i32;
    root.draw(&Rectangle::new(
        [(x, y), (right, bottom)],
        palette.grid.stroke_width(1),
    ))?;
    let at =
        |size: u32, color: &RGBColor| style::text(size, color).pos(Pos::new(HPos::Left, VPos::Top));
    let pad = 12;
    // About six pixels per character at these sizes.
    let limit = (width as usize).saturating_sub(2 * pad as usize) / 6;
    root.draw(&Text::new(
        shorten(&card.name, limit),
        (x + pad, y + 10),
        at(13, &palette.muted),
    ))?;
    root.draw(&Text::new(
        card.value.clone(),
        (x + pad, y + 30),
        at(24, &palette.text),
    ))?;
    root.draw(&Text::new(
        shorten(&card.note, limit),
        (x + pad, y + 62),
        at(12, &palette.muted),
    ))
}

/// Cuts `text` to `limit` characters with an ellipsis.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let kept: String = text.chars().take(limit.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Returns the labels an English sheet uses for `report`, for the command
/// line and tests.
pub fn english_request(kpi: KpiRequest, report: &KpiReport) -> SheetRequest {
    let labels = ChartLabels::english();
    let names = [
        "Conversion rate",
        "Cost per lead",
        "Lead quality",
        "MQL-to-SQL ratio",
        "Time to conversion",
        "ROI",
    ];
    let cards = report
        .cards
        .iter()
        .zip(names)
        .map(|(card, name)| SheetCard {
            name: name.to_owned(),
            value: match card.value {
                None => labels.not_available.clone(),
                Some(value) => match card.unit {
                    crate::kpi::KpiUnit::Percent => labels.percent(value),
                    crate::kpi::KpiUnit::Money => labels.money(value),
                    crate::kpi::KpiUnit::Days => format!("{} days", labels.number(value, 1)),
                    crate::kpi::KpiUnit::Score => labels.number(value, 1),
                },
            },
            note: card
                .not_available
                .as_ref()
                .map(|na| na.message.clone())
                .unwrap_or_default(),
        })
        .collect();
    SheetRequest {
        kpi,
        theme: Theme::Light,
        labels,
        title: "Leadbench dashboard".to_owned(),
        subtitle: format!("{} to {}", report.range.from, report.range.to),
        cards,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_draws_in_every_format() {
        let db = crate::Database::open_in_memory().unwrap();
        let request = KpiRequest {
            time_zone: Some("UTC".into()),
            ..KpiRequest::default()
        };
        let report = crate::kpi::dashboard(db.conn(), &request).unwrap();
        let sheet = english_request(request, &report);
        let svg = svg(&report, &sheet).unwrap();
        assert!(svg.contains("Leadbench dashboard"));
        assert!(svg.contains("Cost per lead"));
        let png = png(&report, &sheet).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let pdf = render(&report, &sheet, SheetFormat::Pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let (width, height) = size();
        let image = format!("/Width {width} /Height {height}");
        assert!(pdf.windows(image.len()).any(|w| w == image.as_bytes()));
    }

    #[test]
    fn long_note_is_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
