//! Histograms: days from creation to Customer, and lead scores.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::Bands;
use super::style::{self, Palette};
use super::{ChartLabels, DrawResult};
use crate::kpi::report::KpiReport;
use crate::kpi::series::HistogramBin;

/// Draws the distribution of the period's times to conversion.
pub fn draw_conversion_days<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let title = &labels.time_to_conversion_title;
    let histogram = (
        title.as_str(),
        labels.days.as_str(),
        &report.conversion_days[..],
    );
    draw_histogram(root, histogram, palette, labels, bands)
}

/// Draws the distribution of the scores of the period's new leads.
pub fn draw_scores<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let histogram = (
        labels.scores_title.as_str(),
        labels.score.as_str(),
        &report.scores[..],
    );
    draw_histogram(root, histogram, palette, labels, bands)
}

pub(super) fn bin_label(bin: &HistogramBin, labels: &ChartLabels) -> String {
    let from = labels.number(bin.from, 0);
    match bin.to {
        Some(to) => format!("{from}–{}", labels.number(to, 0)),
        None => format!("{from}+"),
    }
}

/// Title, axis name and bins of a histogram.
type Bins<'a> = (&'a str, &'a str, &'a [HistogramBin]);

fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (title, axis, bins): Bins<'_>,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = style::titled(root, title, palette)?;
    let highest = bins.iter().map(|bin| bin.count).max().unwrap_or(0);
    if highest == 0 {
        return style::empty(&area, &labels.no_data, palette);
    }

    let names: Vec<String> = bins.iter().map(|bin| bin_label(bin, labels)).collect();
    let mut chart = ChartBuilder::on(&area)
        .margin(6)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(style::slots(bins.len()), 0u32..highest + highest / 10 + 1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette.grid)
        .y_labels(6)
        .axis_style(palette.muted)
        .label_style(style::text(12, &palette.text))
        .axis_desc_style(style::text(12, &palette.muted))
        .x_labels(bins.len())
        .x_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => {
                names.get(*index as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_desc(axis)
        .y_desc(labels.leads.as_str())
        .draw()?;
    bands.push(super::over_time::columns(&chart, bins.len()));
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(palette.series[1].filled())
            .margin(4)
            .data(
                bins.iter()
                    .enumerate()
                    .map(|(index, bin)| (index as u32, bin.count)),
            ),
    )?;
    Ok(())
}
