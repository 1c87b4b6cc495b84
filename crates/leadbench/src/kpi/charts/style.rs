//! Colours and shared drawing steps of the dashboard charts.

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordu32;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawResult;
use crate::charts::Theme;

/// Colours of one theme.
pub struct Palette {
    pub background: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    /// Series colours, distinguishable on the theme's background. The
    /// first is the accent of single-series charts.
    pub series: [RGBColor; 9],
    /// Colour of negative values (a loss on the ROI chart).
    pub negative: RGBColor,
}

/// Returns the palette of `theme`.
pub fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(255, 255, 255),
            text: RGBColor(40, 44, 52),
            muted: RGBColor(110, 116, 128),
            grid: RGBColor(225, 228, 234),
            series: [
                RGBColor(47, 111, 235),
                RGBColor(20, 160, 133),
                RGBColor(240, 140, 30),
                RGBColor(150, 90, 210),
                RGBColor(220, 70, 110),
                RGBColor(90, 170, 60),
                RGBColor(30, 170, 210),
                RGBColor(190, 150, 20),
                RGBColor(140, 146, 158),
            ],
            negative: RGBColor(210, 60, 60),
        },
        Theme::Dark => Palette {
            background: RGBColor(30, 33, 40),
            text: RGBColor(220, 224, 230),
            muted: RGBColor(150, 156, 168),
            grid: RGBColor(60, 64, 72),
            series: [
                RGBColor(110, 160, 255),
                RGBColor(60, 200, 170),
                RGBColor(255, 170, 70),
                RGBColor(185, 135, 245),
                RGBColor(245, 110, 150),
                RGBColor(130, 205, 100),
                RGBColor(90, 200, 235),
                RGBColor(225, 190, 70),
                RGBColor(160, 166, 178),
            ],
            negative: RGBColor(245, 105, 105),
        },
    }
}

/// Returns a category axis with one segment per item. A plotters range
/// `0..n` has `n + 1` segments, so the range ends at the last index. A
/// single item gets an empty second segment, because plotters cannot map
/// the one-value range `0..0` to pixels.
pub fn slots(count: usize) -> SegmentedCoord<RangedCoordu32> {
    let last = u32::try_from(count.saturating_sub(1)).unwrap_or(u32::MAX);
    (0..last.max(1)).into_segmented()
}

/// Font family of every chart text, registered by `register_fonts`.
pub const FAMILY: &str = "sans-serif";

/// Returns a text style of `size` pixels in `color`.
pub fn text(size: u32, color: &RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(color)
}

/// Draws the chart title and returns the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    palette: &Palette,
) -> std::result::Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let area = root.margin(8, 8, 12, 12);
    area.titled(title, text(18, &palette.text))
}

/// Writes `message` in the middle of `area`, for a chart without data.
pub fn empty<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
    palette: &Palette,
) -> DrawResult<DB> {
    let (width, height) = area.dim_in_pixel();
    let style = text(15, &palette.muted).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_owned(),
        (width as i32 / 2, height as i32 / 2),
        style,
    ))
}

/// Draws a row of legend entries (colour square and name) along the top of
/// `area` and returns the area below it.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    palette: &Palette,
) -> std::result::Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    const ROW: i32 = 20;
    let (width, _) = area.dim_in_pixel();
    let style = text(12, &palette.text).pos(Pos::new(HPos::Left, VPos::Center));

    let mut x = 4;
    let mut y = ROW / 2;
    for (name, color) in entries {
        let (text_width, _) = area.estimate_text_size(name, &style)?;
        let entry_width = 16 + text_width as i32 + 14;
        if x > 4 && x + entry_width > width as i32 {
            x = 4;
            y += ROW;
        }
        area.draw(&Rectangle::new(
            [(x, y - 5), (x + 10, y + 5)],
            color.filled(),
        ))?;
        area.draw(&Text::new(name.clone(), (x + 16, y), style.clone()))?;
        x += entry_width;
    }
    let (_, rest) = area.split_vertically(y + ROW / 2 + 4);
    Ok(rest)
}
