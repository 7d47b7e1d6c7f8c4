//! The layers of the chart, each drawn from the [`Layout`] and the
//! [`Scene`], bottom to top: background and title, grid and axes,
//! highlight, thresholds, change points, trend lines, series, markers,
//! legend, marker key, note.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::clip::P;
use crate::layout::Layout;
use crate::record::Recorder;
use crate::scene::{Glyph, Legend, Phase, Scene, Stroked};
use crate::style::{MarkerSize, Style};
use crate::{ChartError, XAxis};

pub(crate) type Root = DrawingArea<Recorder, Shift>;
pub(crate) type Chart<'a> = ChartContext<'a, Recorder, Cartesian2d<TickAxis, TickAxis>>;

pub(crate) fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Drawing(e.to_string())
}

/// A linear f64 axis whose ticks are chosen by the layout (nice numbers, or
/// minute-aligned times) rather than by plotters.
#[derive(Debug, Clone)]
pub(crate) struct TickAxis {
    range: P,
    ticks: Vec<f64>,
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        crate::lerp(*value, self.range, limit.0, limit.1)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.0..self.range.1
    }
}

/// The background and the title.
pub(crate) fn background(root: &Root, l: &Layout, style: &Style) -> Result<(), ChartError> {
    root.fill(&style.background).map_err(err)?;
    if let Some(title) = &l.frame.title {
        let font = l.sc.font(style.font_title).color(&style.text);
        let font = font.pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(title.text.as_str(), title.at, font))
            .map_err(err)?;
    }
    Ok(())
}

/// The grid, the axes, their ticks, labels and captions; returns the plot
/// to draw the data on.
pub(crate) fn mesh<'a>(root: &'a Root, l: &Layout, style: &Style) -> Result<Chart<'a>, ChartError> {
    let f = &l.frame;
    // The frame's boxes, cut the way plotters cuts them (it clamps nothing).
    let (w, h) = (l.size.0 as i32, l.size.1 as i32);
    let (inner, chart) = (f.inner, f.chart);
    let area = root.margin(inner.y0, h - inner.y1, inner.x0, w - inner.x1);
    let area = match f.title {
        None => area,
        Some(_) => area.split_vertically(chart.y0 - inner.y0).1,
    };
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(f.x_area)
        .y_label_area_size(f.y_area)
        .build_cartesian_2d(
            TickAxis {
                range: l.x.range,
                ticks: l.x.ticks.clone(),
            },
            TickAxis {
                range: l.y.range,
                ticks: l.y.ticks.clone(),
            },
        )
        .map_err(err)?;
    let sc = l.sc;
    let x_fmt = |v: &f64| l.x.label(*v);
    let y_fmt = |v: &f64| l.y.label(*v);
    chart
        .configure_mesh()
        .bold_line_style(style.grid.stroke_width(sc.stroke(style.grid_stroke)))
        .light_line_style(TRANSPARENT)
        .axis_style(style.axis.stroke_width(sc.stroke(style.grid_stroke)))
        .x_desc(match l.chart.x_axis {
            XAxis::Cycle => "cycle",
            XAxis::Time => "time (UTC)",
        })
        .y_desc(l.kind.y_label())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(sc.font(style.font_label).color(&style.text))
        .axis_desc_style(sc.font(style.font_desc).color(&style.text))
        .draw()
        .map_err(err)?;
    debug_assert_eq!(
        (
            chart.backend_coord(&(l.x.range.0, l.y.range.1)),
            chart.backend_coord(&(l.x.range.1, l.y.range.0))
        ),
        (
            (l.chart.plot_px.0, l.chart.plot_px.1),
            (l.chart.plot_px.2, l.chart.plot_px.3)
        ),
        "the layout pass places the plot where plotters does"
    );
    Ok(chart)
}

/// Polylines of one colour and width.
fn lines<C: Color>(chart: &mut Chart<'_>, s: &Stroked<C>) -> Result<(), ChartError> {
    let style = s.color.stroke_width(s.width);
    chart
        .draw_series(
            s.lines
                .iter()
                .map(|line| PathElement::new(line.clone(), style)),
        )
        .map(|_| ())
        .map_err(err)
}

/// The highlighted cycle range, the thresholds and change points, the
/// trend lines, then the series (the other run's first, faint).
pub(crate) fn plot(
    chart: &mut Chart<'_>,
    l: &Layout,
    scene: &Scene,
    style: &Style,
) -> Result<(), ChartError> {
    let (y0, y1) = l.y.range;
    if let Some((a, b)) = scene.highlight {
        let fill = style.highlight.mix(style.highlight_alpha).filled();
        chart
            .draw_series(std::iter::once(Rectangle::new([(a, y1), (b, y0)], fill)))
            .map_err(err)?;
    }
    for t in &scene.thresholds {
        lines(chart, &t.line)?;
        let font = l.sc.font(style.font_label).color(&t.line.color);
        let font = font.pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .plotting_area()
            .draw(&Text::new(t.label.clone(), t.at, font))
            .map_err(err)?;
    }
    for s in &scene.change_points {
        lines(chart, s)?;
    }
    for s in &scene.trends {
        lines(chart, s)?;
    }
    for s in &scene.ghosts {
        lines(chart, s)?;
    }
    for s in &scene.series {
        lines(chart, s)?;
    }
    Ok(())
}

/// The phase markers of every series.
pub(crate) fn markers(chart: &mut Chart<'_>, scene: &Scene) -> Result<(), ChartError> {
    let size = scene.marker_size;
    for (color, by_phase) in &scene.markers {
        for (p, points) in Phase::ALL.into_iter().zip(by_phase) {
            if points.is_empty() {
                continue;
            }
            let fill = color.filled();
            let (b, big, small) = (size.base, size.big, size.small);
            let at = points.iter().copied();
            let r = match p {
                Phase::Before => chart.draw_series(at.map(|p| Circle::new(p, b, fill))),
                Phase::Scrape => chart.draw_series(at.map(|p| TriangleMarker::new(p, big, fill))),
                Phase::Cleanup => chart.draw_series(
                    at.map(|p| EmptyElement::at(p) + Rectangle::new([(-b, -b), (b, b)], fill)),
                ),
                Phase::Recreate => {
                    let line = color.stroke_width(size.stroke);
                    chart.draw_series(at.map(|p| Cross::new(p, big, line)))
                }
                Phase::Other => chart.draw_series(at.map(|p| Circle::new(p, small, fill))),
            };
            r.map_err(err)?;
        }
    }
    Ok(())
}

/// Draws a marker of `phase` at backend pixel `c` (the key).
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
        Phase::Scrape => root.draw(&TriangleMarker::new(c, size.big, fill)),
        Phase::Cleanup => root.draw(&Rectangle::new(
            [(c.0 - b, c.1 - b), (c.0 + b, c.1 + b)],
            fill,
        )),
        Phase::Recreate => root.draw(&Cross::new(c, size.big, color.stroke_width(size.stroke))),
        Phase::Other => root.draw(&Circle::new(c, size.small, fill)),
    }
    .map_err(err)
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
    let fill = style.background.mix(style.legend_alpha).filled();
    root.draw(&Rectangle::new(corners, fill)).map_err(err)?;
    let border = style.grid.stroke_width(sc.stroke(style.grid_stroke));
    root.draw(&Rectangle::new(corners, border)).map_err(err)?;
    let glyph_w = sc.px(style.legend_glyph);
    for (k, (label, glyph)) in legend.entries.iter().enumerate() {
        let (x, y) = legend.row(k);
        match glyph {
            Glyph::Line(color) => root.draw(&PathElement::new(
                vec![(x, y), (x + glyph_w, y)],
                color.stroke_width(sc.stroke(style.legend_stroke)),
            )),
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
pub(crate) fn note(
    chart: &Chart<'_>,
    l: &Layout,
    note: &str,
    style: &Style,
) -> Result<(), ChartError> {
    let ((x0, x1), (y0, y1)) = (l.x.range, l.y.range);
    let font = l.sc.font(style.font_note).color(&style.axis);
    let font = font.pos(Pos::new(HPos::Center, VPos::Center));
    let at = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    chart
        .plotting_area()
        .draw(&Text::new(note, at, font))
        .map_err(err)
}
