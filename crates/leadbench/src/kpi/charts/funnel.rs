//! The funnel chart: one centred bar per stage, its width the number of the
//! period's new leads that reached the stage, with the conversion from the
//! step before.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::hits::{BandLayout, Bands};
use super::style::{self, Palette};
use super::{ChartLabels, DrawResult};
use crate::kpi::report::KpiReport;

/// Draws the funnel of `report`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &KpiReport,
    palette: &Palette,
    labels: &ChartLabels,
    bands: &mut Vec<Bands>,
) -> DrawResult<DB> {
    let area = style::titled(root, &labels.funnel_title, palette)?;
    let largest = report
        .funnel
        .iter()
        .map(|step| step.count)
        .max()
        .unwrap_or(0);
    if largest == 0 {
        return style::empty(&area, &labels.no_data, palette);
    }

    let (xs, ys) = area.get_pixel_range();
    bands.push(Bands {
        bounds: (xs.start, ys.start, xs.end, ys.end),
        count: report.funnel.len(),
        layout: BandLayout::Rows,
    });

    // Layout: stage names on the left, bars in the middle, figures right.
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let name_width = (width / 6).max(70);
    let figure_width = (width / 4).max(120);
    let bar_space = (width - name_width - figure_width).max(40);
    let row = height / report.funnel.len().max(1) as i32;
    let bar_height = (row * 7 / 10).max(4);

    let name_style = style::text(14, &palette.text).pos(Pos::new(HPos::Right, VPos::Center));
    let figure_style = style::text(13, &palette.text).pos(Pos::new(HPos::Left, VPos::Center));
    for (index, step) in report.funnel.iter().enumerate() {
        let middle_y = row * index as i32 + row / 2;
        let bar_width = (f64::from(step.count) / f64::from(largest) * f64::from(bar_space)) as i32;
        let centre_x = name_width + 10 + bar_space / 2;
        let left = centre_x - bar_width / 2;
        let color = palette.series[0].mix(1.0 - 0.12 * index as f64);
        area.draw(&Rectangle::new(
            [
                (left, middle_y - bar_height / 2),
                (left + bar_width.max(1), middle_y + bar_height / 2),
            ],
            color.filled(),
        ))?;

        let name = labels.stages.get(index).cloned().unwrap_or_default();
        area.draw(&Text::new(name, (name_width, middle_y), name_style.clone()))?;

        let mut figure = labels.number(f64::from(step.count), 0);
        if index > 0 {
            let conversion = match step.step_conversion {
                Some(value) => labels.percent(value),
                None => labels.not_available.clone(),
            };
            figure = format!("{figure}  ({conversion})");
        }
        let figure_x = name_width + 20 + bar_space;
        area.draw(&Text::new(
            figure,
            (figure_x, middle_y),
            figure_style.clone(),
        ))?;
    }
    Ok(())
}
