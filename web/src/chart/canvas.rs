//! plotters-canvas, with the paths of one colour and width stroked as one
//! path: a chart's dashed lines (the retained levels, thresholds, change
//! points) are hundreds of paths of a few points each, and plotters-canvas
//! sets the style, begins and strokes each one (a zoom step at a million
//! snapshots spent about 3 ms on them).

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

type Error = <CanvasBackend as DrawingBackend>::ErrorType;
type Done = Result<(), DrawingErrorKind<Error>>;

/// A canvas as plotters draws on it; paths wait, begun, until a path of
/// another style or another shape comes (or the drawing ends).
pub(super) struct Canvas {
    inner: CanvasBackend,
    ctx: CanvasRenderingContext2d,
    /// The colour, opacity (its bits) and width of the path begun.
    open: Option<((u8, u8, u8), u64, u32)>,
}

impl Canvas {
    pub fn new(el: &HtmlCanvasElement) -> Option<Canvas> {
        let ctx = el.get_context("2d").ok()??.dyn_into().ok()?;
        let inner = CanvasBackend::with_canvas_object(el.clone())?;
        Some(Canvas {
            inner,
            ctx,
            open: None,
        })
    }

    /// Strokes the path begun, if any.
    fn flush(&mut self) -> &mut CanvasBackend {
        if self.open.take().is_some() {
            self.ctx.stroke();
        }
        &mut self.inner
    }
}

impl DrawingBackend for Canvas {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Done {
        Ok(())
    }

    fn present(&mut self) -> Done {
        self.flush();
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Done {
        self.flush().draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S) -> Done {
        self.flush().draw_line(a, b, s)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Done {
        self.flush().draw_rect(a, b, s, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Done {
        let c = s.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let style = Some((c.rgb, c.alpha.to_bits(), s.stroke_width()));
        if self.open != style {
            self.flush();
            let (r, g, b) = c.rgb;
            let ctx = &self.ctx;
            ctx.set_stroke_style_str(&format!("rgba({r},{g},{b},{})", c.alpha));
            ctx.set_line_width(f64::from(s.stroke_width()));
            ctx.begin_path();
            self.open = style;
        }
        let mut path = path.into_iter().map(|(x, y)| (f64::from(x), f64::from(y)));
        if let Some((x, y)) = path.next() {
            self.ctx.move_to(x, y);
            path.for_each(|(x, y)| self.ctx.line_to(x, y));
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        s: &S,
    ) -> Done {
        self.flush().fill_polygon(vertices, s)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        s: &S,
        fill: bool,
    ) -> Done {
        self.flush().draw_circle(center, radius, s, fill)
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, s: &S, pos: BackendCoord) -> Done {
        self.flush().draw_text(text, s, pos)
    }
}
