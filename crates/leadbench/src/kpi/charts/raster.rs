//! A bitmap backend that lays out text glyph by glyph with ab_glyph.
//!
//! Plotters 0.3.7 draws ab_glyph text without each glyph's left side
//! bearing, so letters in a PNG sit unevenly ("R OI"). This wrapper draws
//! text itself from the glyph outlines and passes every other shape to the
//! wrapped backend unchanged.

use ab_glyph::{point, Font, FontRef, PxScaleFont, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Bitmap backend wrapper that draws text with its own font.
pub struct GlyphBackend<'font, B> {
    inner: B,
    font: FontRef<'font>,
}

impl<'font, B: DrawingBackend> GlyphBackend<'font, B> {
    /// Wraps `inner`, drawing every text with the TrueType `font`.
    pub fn new(inner: B, font: FontRef<'font>) -> Self {
        GlyphBackend { inner, font }
    }
}

type DrawResult<E> = Result<(), DrawingErrorKind<E>>;

impl<B: DrawingBackend> DrawingBackend for GlyphBackend<'_, B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> DrawResult<B::ErrorType> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> DrawResult<B::ErrorType> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> DrawResult<B::ErrorType> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> DrawResult<B::ErrorType> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> DrawResult<B::ErrorType> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> DrawResult<B::ErrorType> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> DrawResult<B::ErrorType> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> DrawResult<B::ErrorType> {
        self.inner.fill_polygon(vertices, style)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        let scaled = self.font.as_scaled(style.size() as f32);
        let (width, height) = measure(&scaled, text);
        Ok((width.ceil() as u32, height.ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        position: BackendCoord,
    ) -> DrawResult<B::ErrorType> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let scaled = self.font.as_scaled(style.size() as f32);

        // Offset of the text box from the anchor point, before rotation.
        let (width, height) = measure(&scaled, text);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };

        // Coverage of every glyph pixel, relative to the anchor point.
        let transform = style.transform();
        let mut pixels: Vec<(BackendCoord, f32)> = Vec::new();
        let mut caret = 0.0f32;
        let mut previous = None;
        for character in text.chars() {
            let id = scaled.glyph_id(character);
            if let Some(before) = previous {
                caret += scaled.kern(before, id);
            }
            let glyph = id.with_scale_and_position(scaled.scale(), point(caret, scaled.ascent()));
            caret += scaled.h_advance(id);
            previous = Some(id);
            let Some(outline) = scaled.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                let x = (bounds.min.x + dx).round() as i32 + x as i32;
                let y = (bounds.min.y + dy).round() as i32 + y as i32;
                pixels.push((transform.transform(x, y), coverage));
            });
        }

        let (canvas_width, canvas_height) = self.inner.get_size();
        for ((x, y), coverage) in pixels {
            let (x, y) = (position.0 + x, position.1 + y);
            let inside = x >= 0 && y >= 0 && x < canvas_width as i32 && y < canvas_height as i32;
            if !inside || coverage <= 0.0 {
                continue;
            }
            let blended = BackendColor {
                alpha: color.alpha * f64::from(coverage.min(1.0)),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((x, y), blended)?;
        }
        Ok(())
    }

    fn blit_bitmap(
        &mut self,
        position: BackendCoord,
        size: (u32, u32),
        source: &[u8],
    ) -> DrawResult<B::ErrorType> {
        self.inner.blit_bitmap(position, size, source)
    }
}

/// Returns the width (advances and kerning) and height (ascent to descent)
/// of `text` in pixels.
fn measure(font: &PxScaleFont<&FontRef<'_>>, text: &str) -> (f32, f32) {
    let mut width = 0.0;
    let mut previous = None;
    for character in text.chars() {
        let id = font.glyph_id(character);
        if let Some(before) = previous {
            width += font.kern(before, id);
        }
        width += font.h_advance(id);
        previous = Some(id);
    }
    (width, font.ascent() - font.descent())
}
