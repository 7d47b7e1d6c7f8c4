//! The layers of the chart, each drawn from the [`Layout`] and the
//! [`Scene`], bottom to top: background and title, grid and axes,
//! highlight, thresholds, change points, trend lines, series, markers,
//! legend, marker key, note. Everything is drawn in backend pixels, data
//! mapped by the layout.

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

use crate::layout::{Axis, Layout, Rect, Side};
use crate::legend::{Glyph, Legend};
use crate::record::Recorder;
use crate::scene::{Phase, Scene, Stroked};
use crate::style::{MarkerSize, Style};
use crate::{ChartError, XAxis};

pub(crate) type Root = DrawingArea<Recorder, Shift>;

pub(crate) fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Drawing(e.to_string())
}

/// The background and the title.
pub(crate) fn background(root: &Root, l: &Layout, style: &Style) -> Result<(), ChartError> {
    root.fill(&style.background).map_err(err)?;
    if let Some(title) = &l.frame.title {
        let font = l.sc.font(style.font_title).color(&style.text);
        let font = font.pos(Pos::new(HPos::Center, VPos::Top));
        let at = l.frame.inner.truncate(title.at);
        root.draw(&Text::new(title.text.as_str(), at, font))
            .map_err(err)?;
    }
    Ok(())
}

/// The axis captions, the grid, then each axis with its tick marks and
/// labels. Shape for shape what plotters' mesh draws (but its light lines,
/// transparent, which no backend draws).
pub(crate) fn mesh(
    root: &Root,
    recorder: &Recorder,
    l: &Layout,
    style: &Style,
) -> Result<(), ChartError> {
    let (f, sc) = (&l.frame, l.sc);
    let (pw, ph) = (
        (f.plot.x1 - f.plot.x0) as u32,
        (f.plot.y1 - f.plot.y0) as u32,
    );
    let tick = ((style.tick_share * f64::from(pw.min(ph))).round() as i32).min(style.tick_max);
    let desc = sc.font(style.font_desc).color(&style.text);
    for &(side, a) in &f.labels {
        let g = SideGeom::new(side, a, tick);
        let (text, font) = match side {
            Side::Left => (l.kind.y_label(), desc.transform(FontTransform::Rotate270)),
            _ => (x_caption(l.chart.x_axis), desc.clone()),
        };
        let font = font.pos(g.caption_anchor);
        root.draw(&Text::new(text, g.caption, font)).map_err(err)?;
    }
    let grid = style.grid.stroke_width(sc.stroke(style.grid_stroke));
    let xs = ticks_px(&l.x, f.x_px);
    let ys = ticks_px(&l.y, f.y_px);
    for &(x, _) in &xs {
        recorder.line((x, f.y_px.0), (x, f.y_px.1), &grid);
    }
    for &(y, _) in &ys {
        recorder.line((f.x_px.0, y), (f.x_px.1, y), &grid);
    }
    let line = style.axis.stroke_width(sc.stroke(style.grid_stroke));
    let label = sc.font(style.font_label).color(&style.text);
    let path = |p: Vec<(i32, i32)>| root.draw(&PathElement::new(p, line)).map_err(err);
    for &(side, a) in &f.labels {
        let g = SideGeom::new(side, a, tick);
        let (ticks, px, base) = match side {
            Side::Left => (&ys, f.y_px, f.plot.y0),
            _ => (&xs, f.x_px, f.plot.x0),
        };
        // The axis along the plot's edge, then each tick within it: its
        // label, then its mark.
        let (lo, hi) = (px.0.min(px.1) - base, px.0.max(px.1) - base);
        path(vec![g.mark(lo, g.line), g.mark(hi, g.line)])?;
        let font = label.pos(g.label_anchor);
        for (p, text) in ticks {
            let rp = p - base;
            if rp < lo || hi < rp {
                continue;
            }
            let at = g.at(rp, g.label);
            root.draw(&Text::new(text.as_str(), at, font.clone()))
                .map_err(err)?;
            if tick != 0 {
                path(vec![g.mark(rp, g.tick.0), g.mark(rp, g.tick.1)])?;
            }
        }
    }
    Ok(())
}

/// The x axis caption.
fn x_caption(axis: XAxis) -> &'static str {
    match axis {
        XAxis::Cycle => "cycle",
        XAxis::Time => "time (UTC)",
    }
}

/// The ticks of `axis` at their backend pixel (between `px`), labelled.
fn ticks_px(axis: &Axis, px: (i32, i32)) -> Vec<(i32, String)> {
    let at = |v: f64| crate::lerp(v, axis.range, px.0, px.1);
    axis.ticks.iter().map(|&v| (at(v), axis.label(v))).collect()
}

/// Where an axis' parts go in its label area, across the axis (pixels
/// from the area's top or left edge), as plotters places them.
struct SideGeom {
    side: Side,
    area: Rect,
    /// The axis line.
    line: i32,
    /// The tick labels, and how they are anchored there.
    label: i32,
    label_anchor: Pos,
    /// A tick mark's ends.
    tick: (i32, i32),
    /// The caption, absolute, and its anchor.
    caption: (i32, i32),
    caption_anchor: Pos,
}

impl SideGeom {
    fn new(side: Side, a: Rect, tick: i32) -> SideGeom {
        let (tw, th) = ((a.x1 - a.x0) as u32, (a.y1 - a.y0) as u32);
        let (w, h) = (tw as i32, th as i32);
        let dist = tick.abs() * 2;
        let (line, label, label_anchor, ticks, caption, caption_anchor) = match side {
            Side::Top => (
                h - 1,
                h - dist,
                Pos::new(HPos::Center, VPos::Bottom),
                (h - 1 - tick, h - 1),
                ((tw / 2) as i32, 0),
                Pos::new(HPos::Center, VPos::Top),
            ),
            Side::Left => (
                w - 1,
                w - dist,
                Pos::new(HPos::Right, VPos::Center),
                (w - 1 - tick, w - 1),
                (0, (th / 2) as i32),
                Pos::new(HPos::Center, VPos::Top),
            ),
            Side::Bottom => (
                0,
                dist,
                Pos::new(HPos::Center, VPos::Top),
                (0, tick),
                ((tw / 2) as i32, h),
                Pos::new(HPos::Center, VPos::Bottom),
            ),
        };
        SideGeom {
            side,
            area: a,
            line,
            label,
            label_anchor,
            tick: ticks,
            caption: (a.x0 + caption.0, a.y0 + caption.1),
            caption_anchor,
        }
    }

    /// The absolute pixel `along` the axis and `across` it.
    fn at(&self, along: i32, across: i32) -> (i32, i32) {
        let (x, y) = match self.side {
            Side::Left => (across, along),
            _ => (along, across),
        };
        (self.area.x0 + x, self.area.y0 + y)
    }

    /// [`at`](Self::at), moved into the label area (lines are, text not).
    fn mark(&self, along: i32, across: i32) -> (i32, i32) {
        self.area.truncate(self.at(along, across))
    }
}

/// Polylines of one colour and width.
fn lines(root: &Root, l: &Layout, s: Stroked) -> Result<(), ChartError> {
    for line in s.lines {
        let px: Vec<(i32, i32)> = line.into_iter().map(|p| l.plot_px(p)).collect();
        root.draw(&PathElement::new(px, s.style)).map_err(err)?;
    }
    Ok(())
}

/// The highlighted cycle range, the thresholds and change points, the
/// trend lines, then the series (the other run's first, faint).
pub(crate) fn plot(
    root: &Root,
    l: &Layout,
    scene: &mut Scene,
    style: &Style,
) -> Result<(), ChartError> {
    use std::mem::take;
    let (y0, y1) = l.y.range;
    if let Some((a, b)) = scene.highlight {
        let fill = style.highlight.mix(style.highlight_alpha).filled();
        let corners = [l.plot_px((a, y1)), l.plot_px((b, y0))];
        root.draw(&Rectangle::new(corners, fill)).map_err(err)?;
    }
    for t in take(&mut scene.thresholds) {
        lines(root, l, t.line)?;
        let font = l.sc.font(style.font_label).color(&t.color);
        let font = font.pos(Pos::new(HPos::Right, VPos::Bottom));
        root.draw(&Text::new(t.label, l.plot_px(t.at), font))
            .map_err(err)?;
    }
    let strokes = [
        take(&mut scene.change_points),
        take(&mut scene.trends),
        take(&mut scene.ghosts),
        take(&mut scene.series),
        take(&mut scene.retained),
    ];
    for s in strokes.into_iter().flatten() {
        lines(root, l, s)?;
    }
    for (text, at, color) in take(&mut scene.reasons) {
        let font = l.sc.font(style.font_label).color(&color);
        let font = font.pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw(&Text::new(text, l.plot_px(at), font))
            .map_err(err)?;
    }
    Ok(())
}

/// The phase markers of every series.
pub(crate) fn markers(root: &Root, l: &Layout, scene: &Scene) -> Result<(), ChartError> {
    for (color, by_phase) in &scene.markers {
        for (p, points) in Phase::ALL.into_iter().zip(by_phase) {
            for &point in points {
                marker_px(root, p, l.plot_px(point), scene.marker_size, *color)?;
            }
        }
    }
    Ok(())
}

/// Draws a marker of `phase` at backend pixel `c`.
fn marker_px(
    root: &Root,
    phase: Phase,
    c: (i32, i32),
    size: MarkerSize,
    color: RGBColor,
) -> Result<(), ChartError> {
    let fill = color.filled();
    let b = size.base;
    match phase {
        Phase::Before => root.draw(&Circle::new(c, b, fill)),
        Phase::Scrape => root.draw(&Triangle {
            c,
            size: size.big,
            color,
        }),
        Phase::Cleanup => root.draw(&Rectangle::new(
            [(c.0 - b, c.1 - b), (c.0 + b, c.1 + b)],
            fill,
        )),
        Phase::Recreate => root.draw(&Cross::new(c, size.big, color.stroke_width(size.stroke))),
        Phase::Other => root.draw(&Circle::new(c, size.small, fill)),
    }
    .map_err(err)
}

/// plotters' `TriangleMarker` (filled) without its trigonometry: the
/// cosines and sines of its −90°, −210° and −330° as it computes them, so
/// the very same pixels without sine and cosine in the page's wasm.
struct Triangle {
    c: (i32, i32),
    size: i32,
    color: RGBColor,
}

const TRIANGLE: [(f64, f64); 3] = [
    (6.123233995736766e-17, -1.0),
    (-0.8660254037844386, 0.5000000000000001),
    (0.8660254037844384, 0.5000000000000004),
];

impl<'a> PointCollection<'a, (i32, i32)> for &'a Triangle {
    type Point = &'a (i32, i32);
    type IntoIter = std::iter::Once<&'a (i32, i32)>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.c)
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Triangle {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = points.next() else {
            return Ok(());
        };
        let at = |v: f64, from: i32| (v * f64::from(self.size) + f64::from(from)).ceil() as i32;
        let corners = TRIANGLE.iter().map(|&(cos, sin)| (at(cos, x), at(sin, y)));
        backend.fill_polygon(corners, &self.color.to_backend_color())
    }
}

/// The legend box and its rows.
pub(crate) fn legend(
    root: &Root,
    l: &Layout,
    legend: &Legend,
    style: &Style,
) -> Result<(), ChartError> {
    let sc = l.sc;
    let r = legend.rect;
    let corners = [(r.x0, r.y0), (r.x1, r.y1)];
    if legend.boxed {
        let fill = style.background.mix(style.legend_alpha).filled();
        root.draw(&Rectangle::new(corners, fill)).map_err(err)?;
        let border = style.grid.stroke_width(sc.stroke(style.grid_stroke));
        root.draw(&Rectangle::new(corners, border)).map_err(err)?;
    }
    let glyph_w = sc.px(style.legend_glyph);
    for (k, (label, glyph)) in legend.entries.iter().enumerate() {
        let (x, y) = legend.row(k);
        let stroke = |c: &RGBAColor| c.stroke_width(sc.stroke(style.legend_stroke));
        match glyph {
            Glyph::Line(color) => root.draw(&PathElement::new(
                vec![(x, y), (x + glyph_w, y)],
                stroke(color),
            )),
            Glyph::Dashed(color) => {
                // Three dashes with two gaps of half a dash.
                let d = glyph_w * 2 / 8;
                (0..3).try_for_each(|k| {
                    let x0 = x + k * (d + d / 2);
                    root.draw(&PathElement::new(vec![(x0, y), (x0 + d, y)], stroke(color)))
                })
            }
            Glyph::Tick => {
                let (dx, dy) = (sc.px(style.legend_tick.0), sc.px(style.legend_tick.1));
                root.draw(&PathElement::new(
                    vec![(x + dx, y - dy), (x + dx, y + dy)],
                    style.text.stroke_width(sc.stroke(style.grid_stroke)),
                ))
            }
        }
        .map_err(err)?;
        let font = sc.font(style.font_label).color(&style.text);
        let font = font.pos(Pos::new(HPos::Left, VPos::Center));
        let at = (x + glyph_w + sc.px(style.legend_gap), y);
        root.draw(&Text::new(label.as_str(), at, font))
            .map_err(err)?;
    }
    Ok(())
}

/// The key of the phase markers, above the plot on the right.
pub(crate) fn key(root: &Root, l: &Layout, scene: &Scene, style: &Style) -> Result<(), ChartError> {
    let sc = l.sc;
    let size = MarkerSize::new(style.key_marker, sc, style);
    for &(p, (x, y)) in &scene.key {
        let font = sc.font(style.font_key).color(&style.text);
        let font = font.pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(p.as_str(), (x, y), font))
            .map_err(err)?;
        marker_px(
            root,
            p,
            (x - sc.px(style.key_marker_gap), y),
            size,
            style.axis,
        )?;
    }
    Ok(())
}

/// The note in the middle of an empty plot.
pub(crate) fn note(root: &Root, l: &Layout, note: &str, style: &Style) -> Result<(), ChartError> {
    let ((x0, x1), (y0, y1)) = (l.x.range, l.y.range);
    let font = l.sc.font(style.font_note).color(&style.axis);
    let font = font.pos(Pos::new(HPos::Center, VPos::Center));
    let at = l.plot_px(((x0 + x1) / 2.0, (y0 + y1) / 2.0));
    root.draw(&Text::new(note, at, font)).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same SVG as plotters' `TriangleMarker`, at every size and place
    /// (odd and even sizes: its sines are a hair over one half).
    #[test]
    fn triangle_is_plotters_triangle_marker() {
        for size in 0..40 {
            for c in [(0, 0), (13, 7), (-5, 250), (1234, 567)] {
                let svg = |marker: bool| {
                    let mut out = String::new();
                    {
                        let root = SVGBackend::with_string(&mut out, (64, 64)).into_drawing_area();
                        match marker {
                            true => root.draw(&TriangleMarker::new(c, size, RED.filled())),
                            false => root.draw(&Triangle {
                                c,
                                size,
                                color: RED,
                            }),
                        }
                        .unwrap();
                        root.present().unwrap();
                    }
                    out
                };
                assert_eq!(svg(false), svg(true), "size {size} at {c:?}");
            }
        }
    }
}
