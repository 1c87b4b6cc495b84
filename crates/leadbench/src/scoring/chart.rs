//! Scoring charts as SVG text: the score histogram with the three
//! thresholds, backtest curves, and a lead's score over time.

use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::backtest::Backtest;
use super::explain::ScorePoint;
use super::preview::{HistogramBin, ScoreSnapshot, ThresholdPreview};
use super::stages::Thresholds;
use crate::charts::{palette, Theme};
use crate::error::{Error, Result};

const MQL_COLOR: RGBColor = RGBColor(230, 160, 20);
const WARM_COLOR: RGBColor = RGBColor(235, 100, 40);
const SQL_COLOR: RGBColor = RGBColor(30, 160, 90);

fn draw_error(chart: &str) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |error| Error::invalid("chart", chart, format!("drawing failed: {error}"))
}

/// Draws the histogram of scores with the MQL, Warm and SQL thresholds as
/// vertical lines. `title` is shown above the chart as given (it is
/// translated by the caller).
pub fn histogram_svg(
    title: &str,
    bins: &[HistogramBin],
    thresholds: &Thresholds,
    size: (u32, u32),
    theme: Theme,
) -> Result<String> {
    let colors = palette(theme);
    let fail = draw_error(title);
    let low = bins.first().map_or(0.0, |b| b.from).min(thresholds.mql);
    let high = bins
        .last()
        .map_or(100.0, |b| b.to)
        .max(thresholds.sql + 1.0);
    let tallest = f64::from(bins.iter().map(|b| b.count).max().unwrap_or(0).max(1));
    let top = tallest * 1.15;

    let mut svg = String::new();
    {
        crate::charts::register_fonts();
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&colors.background).map_err(|e| fail(&e))?;
        let font = ("sans-serif", 13).into_font().color(&colors.text);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16).into_font().color(&colors.text))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(low..high, 0.0..top)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(colors.grid)
            .axis_style(colors.text)
            .label_style(font.clone())
            .y_label_formatter(&|count| format!("{count:.0}"))
            .x_label_formatter(&|score| format!("{score:.0}"))
            .draw()
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(bins.iter().map(|bin| {
                Rectangle::new(
                    [(bin.from, 0.0), (bin.to, f64::from(bin.count))],
                    colors.bar.mix(0.85).filled(),
                )
            }))
            .map_err(|e| fail(&e))?;

        let lines = [
            ("MQL", thresholds.mql, MQL_COLOR),
            ("Warm", thresholds.warm, WARM_COLOR),
            ("SQL", thresholds.sql, SQL_COLOR),
        ];
        for (index, (label, value, color)) in lines.into_iter().enumerate() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(value, 0.0), (value, top)],
                    color.stroke_width(2),
                )))
                .map_err(|e| fail(&e))?;
            // Labels step down so close thresholds do not overlap.
            let label_y = top * (0.97 - 0.07 * index as f64);
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{label} {value}"),
                    (value, label_y),
                    ("sans-serif", 12).into_font().color(&color),
                )))
                .map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// One redraw of the tuning screen: the counts and the histogram SVG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreviewChart {
    pub preview: ThresholdPreview,
    pub svg: String,
}

/// Computes the preview of candidate thresholds and draws the histogram
/// with them, for one move of a threshold slider.
pub fn preview_chart(
    snapshot: &ScoreSnapshot,
    thresholds: &Thresholds,
    title: &str,
    size: (u32, u32),
    theme: Theme,
) -> Result<PreviewChart> {
    let preview = snapshot.preview(thresholds)?;
    let svg = histogram_svg(title, snapshot.histogram(), thresholds, size, theme)?;
    Ok(PreviewChart { preview, svg })
}

/// Draws recall and precision against the threshold, with the MQL, Warm
/// and SQL thresholds of `marks` as vertical lines when given. `labels` are
/// the translated names of the title, the recall curve and the precision
/// curve.
pub fn backtest_svg(
    labels: [&str; 3],
    backtest: &Backtest,
    marks: Option<&Thresholds>,
    size: (u32, u32),
    theme: Theme,
) -> Result<String> {
    let [title, recall_label, precision_label] = labels;
    let colors = palette(theme);
    let fail = draw_error(title);
    let high = backtest
        .points
        .last()
        .map_or(100.0, |p| p.threshold)
        .max(marks.map_or(1.0, |m| m.sql + 1.0));

    let mut svg = String::new();
    {
        crate::charts::register_fonts();
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&colors.background).map_err(|e| fail(&e))?;
        let font = ("sans-serif", 13).into_font().color(&colors.text);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16).into_font().color(&colors.text))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0.0..high, 0.0..1.05)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(colors.grid)
            .axis_style(colors.text)
            .label_style(font.clone())
            .x_label_formatter(&|threshold| format!("{threshold:.0}"))
            .y_label_formatter(&|share| format!("{:.0}%", share * 100.0))
            .draw()
            .map_err(|e| fail(&e))?;
        let curves = [
            (recall_label, SQL_COLOR, true),
            (precision_label, colors.bar, false),
        ];
        for (label, color, is_recall) in curves {
            let points = backtest.points.iter().filter_map(|p| {
                let share = if is_recall { p.recall } else { p.precision };
                share.map(|share| (p.threshold, share))
            });
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        if let Some(marks) = marks {
            for (value, color) in threshold_lines(marks) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(value, 0.0), (value, 1.05)],
                        color.mix(0.7).stroke_width(1),
                    )))
                    .map_err(|e| fail(&e))?;
            }
        }
        chart
            .configure_series_labels()
            .label_font(font)
            .border_style(colors.grid)
            .background_style(colors.background)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

fn threshold_lines(thresholds: &Thresholds) -> [(f64, RGBColor); 3] {
    [
        (thresholds.mql, MQL_COLOR),
        (thresholds.warm, WARM_COLOR),
        (thresholds.sql, SQL_COLOR),
    ]
}

/// Draws a small line chart of a lead's score over time.
pub fn series_svg(points: &[ScorePoint], size: (u32, u32), theme: Theme) -> Result<String> {
    let colors = palette(theme);
    let fail = draw_error("score over time");
    let first = points.first().map_or(0, |p| p.at);
    let last = points.last().map_or(1, |p| p.at).max(first + 1);
    let low = points.iter().map(|p| p.score).fold(0.0, f64::min);
    let high = points.iter().map(|p| p.score).fold(1.0, f64::max) * 1.1;

    let mut svg = String::new();
    {
        crate::charts::register_fonts();
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&colors.background).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(20)
            .y_label_area_size(34)
            .build_cartesian_2d(first..last, low..high)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(colors.grid)
            .axis_style(colors.text)
            .label_style(("sans-serif", 11).into_font().color(&colors.text))
            .x_labels(3)
            .y_labels(4)
            .x_label_formatter(&|at| crate::time::to_rfc3339(*at)[..10].to_owned())
            .y_label_formatter(&|score| format!("{score:.0}"))
            .draw()
            .map_err(|e| fail(&e))?;
        // Straight lines between the sampled moments; decay bends the real
        // curve between events, so this is an approximation.
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.at, p.score)),
                colors.bar.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}
