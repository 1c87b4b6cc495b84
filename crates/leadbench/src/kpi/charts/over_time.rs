//! Charts over the range's buckets: leads stacked by channel, and the
//! MQL-to-SQL ratio with the conversion rate.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::{BandLayout, Bands};
use super::style::{self, Palette};
use super::{ChartLabels, DrawResult};
use crate::kpi::facts::NO_CHANNEL;
use crate::kpi::range::BucketSize;
use crate::kpi::report::KpiReport;

/// Maximum number of channels drawn as their own stack. The rest are
/// summed into one "other" stack.
const MAX_STACKS: usize = 8;

/// Returns one x-axis label per bucket, in the bucket size's format.
fn bucket_labels(report: &KpiReport, labels: &ChartLabels) -> Vec<String> {
    report
        .buckets
        .iter()
        .map(|bucket| match report.bucket_size {
            BucketSize::Month => labels.month_of(&bucket.from),
            BucketSize::Day | BucketSize::Week => labels.day(&bucket.from),
        })
        .collect()
}

/// Draws leads per bucket, stacked by channel.
pub fn draw_leads<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = style::titled(root, &labels.leads_title, palette)?;
    let buckets = report.buckets.len();
    let totals: Vec<u32> = (0..buckets)
        .map(|b| report.leads_by_channel.iter().map(|s| s.leads[b]).sum())
        .collect();
    let highest = totals.iter().copied().max().unwrap_or(0);
    if highest == 0 {
        return style::empty(&area, &labels.no_data, palette);
    }

    // The largest channels get their own stack, and the others are summed.
    let mut stacks: Vec<(String, Vec<u32>)> = Vec::new();
    for series in &report.leads_by_channel {
        let name = if series.channel == NO_CHANNEL {
            labels.no_channel.clone()
        } else {
            series.channel.clone()
        };
        if stacks.len() < MAX_STACKS {
            stacks.push((name, series.leads.clone()));
        } else if stacks.len() == MAX_STACKS {
            stacks.push((labels.other_channels.clone(), series.leads.clone()));
        } else if let Some((_, other)) = stacks.last_mut() {
            for (sum, count) in other.iter_mut().zip(&series.leads) {
                *sum += count;
            }
        }
    }
    let entries: Vec<(String, RGBColor)> = stacks
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.clone(), palette.series[i % palette.series.len()]))
        .collect();
    let area = style::legend(&area, &entries, palette)?;

    let x_labels = bucket_labels(report, labels);
    let mut chart = ChartBuilder::on(&area)
        .margin(6)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d(style::slots(buckets), 0u32..highest + highest / 10 + 1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette.grid)
        .y_labels(6)
        .axis_style(palette.muted)
        .label_style(style::text(12, &palette.text))
        .x_labels(buckets.min(12))
        .x_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => {
                x_labels.get(*index as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_desc(labels.leads.as_str())
        .draw()?;
    bands.push(columns(&chart, buckets));

    let mut base = vec![0u32; buckets];
    for (index, (_, counts)) in stacks.iter().enumerate() {
        let color = palette.series[index % palette.series.len()];
        let bars = counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(bucket, count)| {
                let bottom = base[bucket];
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(bucket as u32), bottom),
                        (SegmentValue::Exact(bucket as u32 + 1), bottom + count),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 2, 2);
                bar
            });
        chart.draw_series(bars)?;
        for (sum, count) in base.iter_mut().zip(counts) {
            *sum += count;
        }
    }
    Ok(())
}

/// Draws the MQL-to-SQL ratio and the conversion rate per bucket as lines.
/// An undefined value leaves a gap instead of dropping to zero.
pub fn draw_ratios<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = style::titled(root, &labels.ratios_title, palette)?;
    let lines: [(String, Vec<Option<f64>>, RGBColor); 2] = [
        (
            labels.mql_to_sql.clone(),
            report
                .per_bucket
                .iter()
                .map(|f| f.mql_to_sql_ratio)
                .collect(),
            palette.series[0],
        ),
        (
            labels.conversion_rate.clone(),
            report
                .per_bucket
                .iter()
                .map(|f| f.conversion_rate)
                .collect(),
            palette.series[2],
        ),
    ];
    let highest = lines
        .iter()
        .flat_map(|(_, values, _)| values.iter().flatten())
        .fold(None, |max: Option<f64>, v| {
            Some(max.map_or(*v, |m| m.max(*v)))
        });
    let Some(highest) = highest else {
        return style::empty(&area, &labels.no_data, palette);
    };

    let entries: Vec<(String, RGBColor)> = lines.iter().map(|(n, _, c)| (n.clone(), *c)).collect();
    let area = style::legend(&area, &entries, palette)?;
    let buckets = report.buckets.len() as u32;
    let x_labels = bucket_labels(report, labels);
    let top = (highest * 1.1).max(1.0);
    let mut chart = ChartBuilder::on(&area)
        .margin(6)
        .x_label_area_size(28)
        .y_label_area_size(52)
        .build_cartesian_2d(style::slots(buckets as usize), 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette.grid)
        .y_labels(6)
        .axis_style(palette.muted)
        .label_style(style::text(12, &palette.text))
        .x_labels((buckets as usize).min(12))
        .x_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => {
                x_labels.get(*index as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_label_formatter(&|value| labels.percent(*value))
        .draw()?;
    bands.push(columns(&chart, buckets as usize));

    for (_, values, color) in &lines {
        let line_style = ShapeStyle::from(color).stroke_width(2);
        for segment in runs(values) {
            let points = segment
                .iter()
                .map(|(i, v)| (SegmentValue::CenterOf(*i as u32), *v));
            chart.draw_series(LineSeries::new(points, line_style))?;
        }
        let dots = values.iter().enumerate().filter_map(|(i, v)| {
            v.map(|value| Circle::new((SegmentValue::CenterOf(i as u32), value), 3, color.filled()))
        });
        chart.draw_series(dots)?;
    }
    Ok(())
}

/// Returns the plot area of `chart` with one column per bucket.
pub(super) fn columns<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    count: usize,
) -> Bands {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    Bands {
        bounds: (xs.start, ys.start, xs.end, ys.end),
        count,
        layout: BandLayout::Columns,
    }
}

/// Splits `values` into runs of consecutive defined values with their index.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut result: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (index, value) in values.iter().enumerate() {
        match value {
            Some(value) => current.push((index, *value)),
            None if !current.is_empty() => result.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        result.push(current);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_runs() {
        let values = [Some(1.0), None, Some(2.0), Some(3.0), None];
        let runs = runs(&values);
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]);
    }
}
