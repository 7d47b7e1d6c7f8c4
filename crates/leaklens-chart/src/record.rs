//! A chart drawn once into a list of shapes, then played on any backend.
//!
//! plotters' chart code is generic over the backend: drawn straight onto a
//! canvas and onto SVG, all of it would be compiled twice (in the browser
//! build, twice the size). [`Recorder`] is the one backend the chart code is
//! compiled for; [`Recorder::replay`] hands the shapes it kept to the real
//! backend, whose own code for each shape is small. The shapes reach the
//! backend exactly as plotters made them (clipped, in backend pixels), so
//! the picture is the same as drawing on the backend directly.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use plotters_backend::text_anchor::Pos;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontFamily, FontStyle, FontTransform,
};

/// A line's color and width.
#[derive(Clone, Copy)]
struct Stroke {
    color: BackendColor,
    width: u32,
}

impl Stroke {
    fn of<S: BackendStyle>(s: &S) -> Stroke {
        Stroke {
            color: s.color(),
            width: s.stroke_width(),
        }
    }
}

impl BackendStyle for Stroke {
    fn color(&self) -> BackendColor {
        self.color
    }

    fn stroke_width(&self) -> u32 {
        self.width
    }
}

/// How a text is set: everything the backends read of a text style.
#[derive(Clone)]
struct Font {
    family: String,
    size: f64,
    style: FontStyle,
    color: BackendColor,
    anchor: Pos,
    transform: FontTransform,
}

impl Font {
    fn of<S: BackendTextStyle>(s: &S) -> Font {
        Font {
            family: s.family().as_str().to_string(),
            size: s.size(),
            style: s.style(),
            color: s.color(),
            anchor: s.anchor(),
            transform: s.transform(),
        }
    }
}

impl BackendTextStyle for Font {
    type FontError = Infallible;

    fn color(&self) -> BackendColor {
        self.color
    }

    fn size(&self) -> f64 {
        self.size
    }

    fn transform(&self) -> FontTransform {
        self.transform.clone()
    }

    fn style(&self) -> FontStyle {
        self.style
    }

    fn anchor(&self) -> Pos {
        self.anchor
    }

    fn family(&self) -> FontFamily<'_> {
        FontFamily::from(self.family.as_str())
    }

    /// Backends that set text themselves (SVG, canvas) never ask; a
    /// rasterising one would get an empty box and draw nothing.
    fn layout_box(&self, _text: &str) -> Result<((i32, i32), (i32, i32)), Infallible> {
        Ok(((0, 0), (0, 0)))
    }

    fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        _text: &str,
        _pos: BackendCoord,
        _draw: F,
    ) -> Result<Result<(), E>, Infallible> {
        Ok(Ok(()))
    }
}

/// One shape, as the backend was asked to draw it.
enum Shape {
    Pixel(BackendCoord, BackendColor),
    Line(BackendCoord, BackendCoord, Stroke),
    Rect(BackendCoord, BackendCoord, Stroke, bool),
    Path(Vec<BackendCoord>, Stroke),
    Circle(BackendCoord, u32, Stroke, bool),
    Polygon(Vec<BackendCoord>, Stroke),
    Text(String, Font, BackendCoord),
}

/// A backend that keeps the shapes drawn on it, to [`replay`](Self::replay)
/// them on another. Clones share the shapes: a clone handed to plotters
/// (which keeps its backend) records for the one kept here.
#[derive(Clone)]
pub(crate) struct Recorder {
    size: (u32, u32),
    shapes: Rc<RefCell<Vec<Shape>>>,
}

impl Recorder {
    pub(crate) fn new(size: (u32, u32)) -> Recorder {
        Recorder {
            size,
            shapes: Rc::default(),
        }
    }

    fn keep(&self, shape: Shape) -> Done {
        self.shapes.borrow_mut().push(shape);
        Ok(())
    }

    /// A straight line, kept as the backend's own line (as plotters draws
    /// grid lines), not as a path.
    pub(crate) fn line<S: BackendStyle>(&self, from: BackendCoord, to: BackendCoord, s: &S) {
        self.shapes
            .borrow_mut()
            .push(Shape::Line(from, to, Stroke::of(s)));
    }

    /// Draws every shape kept, in order, on `target`, and presents it.
    pub(crate) fn replay<DB: DrawingBackend>(
        &self,
        target: &mut DB,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        target.ensure_prepared()?;
        for shape in self.shapes.borrow().iter() {
            match shape {
                Shape::Pixel(p, c) => target.draw_pixel(*p, *c)?,
                Shape::Line(a, b, s) => target.draw_line(*a, *b, s)?,
                Shape::Rect(a, b, s, fill) => target.draw_rect(*a, *b, s, *fill)?,
                Shape::Path(points, s) => target.draw_path(points.iter().copied(), s)?,
                Shape::Circle(c, r, s, fill) => target.draw_circle(*c, *r, s, *fill)?,
                Shape::Polygon(points, s) => target.fill_polygon(points.iter().copied(), s)?,
                Shape::Text(text, font, pos) => target.draw_text(text, font, *pos)?,
            }
        }
        target.present()
    }
}

type Done = Result<(), DrawingErrorKind<Infallible>>;

impl DrawingBackend for Recorder {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Done {
        Ok(())
    }

    fn present(&mut self) -> Done {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Done {
        self.keep(Shape::Pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> Done {
        self.keep(Shape::Line(from, to, Stroke::of(s)))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Done {
        self.keep(Shape::Rect(upper_left, bottom_right, Stroke::of(s), fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Done {
        self.keep(Shape::Path(path.into_iter().collect(), Stroke::of(s)))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        s: &S,
        fill: bool,
    ) -> Done {
        self.keep(Shape::Circle(center, radius, Stroke::of(s), fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Done {
        self.keep(Shape::Polygon(vert.into_iter().collect(), Stroke::of(s)))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, s: &S, pos: BackendCoord) -> Done {
        self.keep(Shape::Text(text.to_string(), Font::of(s), pos))
    }

    /// The same estimate on every target. plotters measures text with the
    /// DOM on wasm32, which a worker running the recorder (Node, Bun) does
    /// not have; the estimate only places labels, and one formula keeps the
    /// SVG the CLI writes and the one the recorder writes byte for byte
    /// equal. This is the estimate plotters itself makes natively.
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        s: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        Ok(text_size(text, s.size()))
    }
}

/// The size (width, height) of `text` set in a font of `size` pixels: the
/// estimate every target makes ([`Recorder`]'s `estimate_text_size`, and
/// the layout, which places the title with it).
pub(crate) fn text_size(text: &str, size: f64) -> (u32, u32) {
    let em = size / 1.24 / 1.24;
    let width = (em * 0.7 * text.len() as f64).round();
    let height = em.round() + (em * 0.24).round();
    (width as u32, height as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, VPos};

    /// Every kind of shape, drawn through plotters' own API.
    fn scene<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>) {
        root.fill(&WHITE).unwrap();
        let red = RGBColor(200, 10, 10);
        root.draw(&PathElement::new(
            vec![(1, 1), (50, 40), (90, 5)],
            Color::stroke_width(&red, 3),
        ))
        .unwrap();
        root.draw(&Circle::new((30, 30), 6, red.filled())).unwrap();
        root.draw(&Rectangle::new([(5, 5), (20, 25)], BLUE.mix(0.3).filled()))
            .unwrap();
        root.draw(&Polygon::new(vec![(60, 60), (80, 70), (70, 90)], GREEN))
            .unwrap();
        let font = ("sans-serif", 13.0)
            .into_font()
            .style(FontStyle::Bold)
            .transform(FontTransform::Rotate270)
            .color(&RGBColor(1, 2, 3))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        root.draw(&Text::new("a <b> & é", (40, 80), font)).unwrap();
        root.draw_pixel((99, 99), &BLACK).unwrap();
        root.present().unwrap();
    }

    #[test]
    fn replay_draws_what_plotters_drew() {
        let mut direct = String::new();
        scene(&SVGBackend::with_string(&mut direct, (100, 100)).into_drawing_area());

        let recorder = Recorder::new((100, 100));
        scene(&recorder.clone().into_drawing_area());
        let mut replayed = String::new();
        recorder
            .replay(&mut SVGBackend::with_string(&mut replayed, (100, 100)))
            .unwrap();
        assert_eq!(replayed, direct);
        assert!(direct.contains("rotate(270") && direct.contains("font-weight=\"bold\""));
    }
}
