//! Charts drawn with plotters into SVG text. The app shows the SVG as an
//! image, so text inside a chart is never interpreted as markup or script.
//!
//! Plotters measures and draws text with the font that [`register_fonts`]
//! registers, so every function that draws a chart calls it first.

use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Colour scheme of a chart, following the app's light or dark theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// Liberation Sans Regular (SIL Open Font License 1.1, see
/// `assets/fonts/OFL.txt`), metric-compatible with Arial, so SVG text laid
/// out with it fits when a browser draws it with its own sans-serif font.
pub(crate) const SANS_SERIF: &[u8] = include_bytes!("../assets/fonts/LiberationSans-Regular.ttf");

/// Registers the bundled font as plotters' `sans-serif` family. Plotters is
/// built with `ab_glyph` and without system fonts, so text fails to draw
/// until this has run. Calling it again does nothing.
pub fn register_fonts() {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        if plotters::style::register_font("sans-serif", FontStyle::Normal, SANS_SERIF).is_err() {
            tracing::error!("the bundled chart font could not be read");
        }
    });
}

pub(crate) struct Palette {
    pub(crate) background: RGBColor,
    pub(crate) text: RGBColor,
    pub(crate) grid: RGBColor,
    pub(crate) bar: RGBColor,
}

pub(crate) fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(255, 255, 255),
            text: RGBColor(40, 44, 52),
            grid: RGBColor(225, 228, 234),
            bar: RGBColor(47, 111, 235),
        },
        Theme::Dark => Palette {
            background: RGBColor(30, 33, 40),
            text: RGBColor(220, 224, 230),
            grid: RGBColor(60, 64, 72),
            bar: RGBColor(110, 160, 255),
        },
    }
}

/// Draws a bar chart with one bar per label and returns it as SVG text.
pub fn bar_chart_svg(
    title: &str,
    labels: &[String],
    values: &[u32],
    size: (u32, u32),
    theme: Theme,
) -> Result<String> {
    if labels.len() != values.len() || labels.is_empty() {
        return Err(Error::invalid(
            "chart data",
            format!("{} labels, {} values", labels.len(), values.len()),
            "give one label for every value, and at least one value",
        ));
    }
    register_fonts();
    let colors = palette(theme);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let draw_error = |e: &dyn std::fmt::Display| {
            Error::invalid("chart", title, format!("drawing failed: {e}"))
        };
        root.fill(&colors.background).map_err(|e| draw_error(&e))?;
        let max = values.iter().copied().max().unwrap_or(0).max(1);
        let font = ("sans-serif", 14).into_font().color(&colors.text);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18).into_font().color(&colors.text))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (0..labels.len() - 1).into_segmented(),
                0u32..max + max / 10 + 1,
            )
            .map_err(|e| draw_error(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(colors.grid)
            .axis_style(colors.text)
            .label_style(font.clone())
            .x_labels(labels.len())
            .x_label_formatter(&|segment| match segment {
                SegmentValue::CenterOf(index) => labels.get(*index).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(|e| draw_error(&e))?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(colors.bar.filled())
                    .margin(10)
                    .data(
                        values
                            .iter()
                            .enumerate()
                            .map(|(index, value)| (index, *value)),
                    ),
            )
            .map_err(|e| draw_error(&e))?;
        root.present().map_err(|e| draw_error(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_label_is_escaped() {
        let labels = vec!["<script>alert(1)</script>".to_owned(), "MQL".to_owned()];
        let svg = bar_chart_svg("Leads", &labels, &[3, 4], (400, 300), Theme::Light).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("<script>"), "label must be escaped");
    }

    #[test]
    fn mismatched_data_rejected() {
        let error = bar_chart_svg("Leads", &["a".to_owned()], &[1, 2], (400, 300), Theme::Dark)
            .unwrap_err();
        assert!(error.to_string().contains("1 labels, 2 values"), "{error}");
    }
}
