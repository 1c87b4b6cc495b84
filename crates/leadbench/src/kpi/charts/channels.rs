//! Cost per lead and ROI per channel, as two bar panels side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::hits::{BandLayout, Bands};
use super::style::{self, Palette};
use super::{ChartLabels, DrawResult};
use crate::kpi::facts::NO_CHANNEL;
use crate::kpi::report::KpiReport;

/// Channels shown, busiest first.
const MAX_CHANNELS: usize = 8;

struct Panel<'a> {
    title: &'a str,
    values: Vec<Option<f64>>,
    format: &'a dyn Fn(f64) -> String,
}

/// Draws cost per lead and ROI for the busiest channels of `report`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = style::titled(root, &labels.channels_title, palette)?;
    let rows: Vec<_> = report.by_channel.iter().take(MAX_CHANNELS).collect();
    if rows.is_empty() {
        return style::empty(&area, &labels.no_data, palette);
    }
    let names: Vec<String> = rows
        .iter()
        .map(|row| match row.channel.as_str() {
            NO_CHANNEL => labels.no_channel.clone(),
            name => name.to_owned(),
        })
        .collect();

    let money = |value: f64| labels.money(value);
    let percent = |value: f64| labels.percent(value);
    let panels = [
        Panel {
            title: &labels.cost_per_lead,
            values: rows
                .iter()
                .map(|r| r.figures.cost_per_lead_cents.map(|c| c / 100.0))
                .collect(),
            format: &money,
        },
        Panel {
            title: &labels.roi,
            values: rows.iter().map(|r| r.figures.roi).collect(),
            format: &percent,
        },
    ];
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    for (panel, part) in panels.iter().zip([left, right]) {
        draw_panel(&part, panel, &names, palette, labels, bands)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel<'_>,
    names: &[String],
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = area.titled(panel.title, style::text(14, &palette.text))?;
    let defined = panel.values.iter().flatten();
    let low = defined.clone().fold(0f64, |m, v| m.min(*v));
    let high = defined.fold(0f64, |m, v| m.max(*v));
    let pad = ((high - low) * 0.12).max(1.0);
    let bottom = if low < 0.0 { low - pad } else { 0.0 };
    let high = if high > 0.0 || low >= 0.0 { high } else { 0.0 };
    // The y axis counts upwards, so the busiest channel gets the top slot.
    let last = names.len().saturating_sub(1);
    let slot_of = |row: usize| (last - row.min(last)) as u32;
    let row_of = |slot: u32| last.saturating_sub(slot as usize);

    let mut chart = ChartBuilder::on(&area)
        .margin(6)
        .x_label_area_size(28)
        .y_label_area_size(110)
        .build_cartesian_2d(bottom..high + pad, style::slots(names.len()))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette.grid)
        .x_labels(4)
        .y_labels(names.len())
        .axis_style(palette.muted)
        .label_style(style::text(11, &palette.text))
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(slot) => names.get(row_of(*slot)).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|value| (panel.format)(*value))
        .draw()?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    bands.push(Bands {
        bounds: (xs.start, ys.start, xs.end, ys.end),
        count: names.len(),
        layout: BandLayout::SlotRows,
    });

    // Bars grow from zero: to the right for a gain, to the left for a loss.
    let bars = panel
        .values
        .iter()
        .enumerate()
        .filter_map(|(index, value)| {
            let value = (*value)?;
            let color = if value < 0.0 {
                palette.negative
            } else {
                palette.series[0]
            };
            let slot = slot_of(index);
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(slot)),
                    (value, SegmentValue::Exact(slot + 1)),
                ],
                color.filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            Some(bar)
        });
    chart.draw_series(bars)?;

    // A channel without a value gets "n/a" next to the zero line, not a bar.
    let missing_style = style::text(11, &palette.muted).pos(Pos::new(HPos::Left, VPos::Center));
    let missing = panel
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(index, _)| {
            Text::new(
                format!(" {}", labels.not_available),
                (0.0, SegmentValue::CenterOf(slot_of(index))),
                missing_style.clone(),
            )
        });
    chart.draw_series(missing)?;
    Ok(())
}
