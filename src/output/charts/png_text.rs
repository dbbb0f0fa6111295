//! Text in PNG charts, laid out glyph by glyph with each glyph's left side bearing.
//!
//! plotters' `ab_glyph` rasteriser places every glyph's bounding box at the pen position,
//! dropping the bearing, so narrow glyphs drift left and wide gaps open after them: `01:15`
//! came out as `01:1 5` and `:` looked like `·`. [`GlyphFix`] wraps a bitmap backend, hands
//! it everything else unchanged, and draws text itself: same anchor, size and rotation as
//! plotters (so the layout of the chart does not move), glyphs where the font puts them.

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::DrawingBackend;
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A backend whose text is drawn with correct glyph positions.
pub(super) struct GlyphFix<DB>(pub DB);

/// The embedded DejaVu Sans face of a style (charts use only regular and bold).
fn face(style: FontStyle) -> Option<FontRef<'static>> {
    let bytes = match style {
        FontStyle::Bold => dejavu::sans::bold(),
        _ => dejavu::sans::regular(),
    };
    FontRef::try_from_slice(bytes).ok()
}

impl<DB: DrawingBackend> DrawingBackend for GlyphFix<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, (iw, ih), src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = face(style.style()) else {
            return self.0.draw_text(text, style, pos);
        };
        // plotters' own estimate of the box, so anchors land exactly where they did.
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a font size in pixels, a few dozen at most, exact in f32"
        )]
        let size = style.size() as f32;
        let scaled = font.as_scaled(size);
        let mut pen = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(size, point(pen, 0.0));
            pen += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            // The vertical placement plotters uses (half the size above the glyph's top).
            #[allow(
                clippy::cast_possible_truncation,
                reason = "glyph bounds in pixels of a chart a thousand or so wide, truncated to a pixel on purpose"
            )]
            let top = (size / 2.0 + bounds.min.y) as i32;
            #[allow(
                clippy::cast_possible_truncation,
                reason = "glyph bounds in pixels of a chart a thousand or so wide, truncated to a pixel on purpose"
            )]
            let left = bounds.min.x as i32;
            let mut pixels = Vec::new();
            #[allow(
                clippy::cast_possible_wrap,
                reason = "a glyph's pixel offsets are a few dozen at most"
            )]
            outline.draw(|x, y, a| pixels.push((left + x as i32, top + y as i32, a)));
            for (x, y, a) in pixels {
                let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                let mixed = BackendColor {
                    alpha: color.alpha * f64::from(a),
                    rgb: color.rgb,
                };
                self.0.draw_pixel((pos.0 + x, pos.1 + y), mixed)?;
            }
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.0.estimate_text_size(text, style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    const SIZE: f32 = 80.0;
    const X0: i32 = 10;

    /// Columns of a rendered line of text holding any dark pixel.
    fn inked_columns(text: &str) -> Vec<bool> {
        super::super::register_fonts();
        let (w, h) = (200u32, 100u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = GlyphFix(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
            root.draw(&Text::new(text, (X0, 10), ("sans-serif", SIZE).into_font()))
                .unwrap();
            root.present().unwrap();
        }
        (0..w)
            .map(|x| (0..h).any(|y| buf[((y * w + x) * 3) as usize] < 128))
            .collect()
    }

    #[test]
    fn glyphs_keep_their_side_bearings() {
        // `1` sits in the middle of its advance: dropping its left bearing pulled it left
        // and opened a gap after it (`01:1 5`). Its ink must start where the font puts it.
        let font = face(FontStyle::Normal).unwrap();
        let s = font.as_scaled(SIZE);
        for c in ['1', ':', '5'] {
            let bearing = s.h_side_bearing(s.glyph_id(c));
            let cols = inked_columns(&c.to_string());
            let first = cols.iter().position(|&c| c).unwrap() as f32 - X0 as f32;
            assert!(
                (first - bearing).abs() <= 1.5,
                "`{c}`: ink starts {first} px after the pen, the font's bearing is {bearing}"
            );
        }
    }
}
