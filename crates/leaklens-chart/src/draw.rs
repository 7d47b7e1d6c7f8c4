//! The drawing itself, generic over the plotters backend.

use std::borrow::Cow;

use leaklens_core::point::CyclePoint;
use leaklens_core::report::Pattern;
use leaklens_core::{Metric, Report, Run};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::record::Recorder;
use crate::ticks::{
    decimals_for, format_number, format_time, nice_step, ticks as tick_values, time_step,
};
use crate::{decimate_min_max, metric_color, ChartError, ChartKind, ChartLayout, ChartSpec, XAxis};

type Coord = Cartesian2d<TickAxis, TickAxis>;
type Chart<'a, DB> = ChartContext<'a, DB, Coord>;
type P = (f64, f64);

/// Above this many snapshots in view, phase markers are left out.
const MAX_MARKER_POINTS: usize = 600;
/// Values are clamped to ±this before drawing, so ranges stay finite.
const CLAMP: f64 = 1e300;
/// Font sizes, in CSS pixels: the phase-marker key, tick and legend labels,
/// axis captions, the "no data" note, the title.
const FONT_KEY: f64 = 11.0;
const FONT_LABEL: f64 = 12.0;
const FONT_DESC: f64 = 13.0;
const FONT_NOTE: f64 = 14.0;
const FONT_TITLE: f64 = 16.0;
/// The smallest chart drawn, in CSS pixels.
const MIN_SIZE: (u32, u32) = (120, 80);

const GRID: RGBColor = RGBColor(225, 225, 225);
const AXIS: RGBColor = RGBColor(110, 110, 110);
const TEXT: RGBColor = RGBColor(60, 60, 60);
const THRESHOLD: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const HIGHLIGHT: RGBColor = RGBColor(0xff, 0xb3, 0x00);

/// A linear f64 axis whose ticks are chosen here (nice numbers, or
/// minute-aligned times) rather than by plotters.
#[derive(Debug, Clone)]
struct TickAxis {
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

/// Device pixels per CSS pixel ([`ChartSpec::scale`], made safe): turns the
/// CSS pixel sizes of this module into backend pixels.
#[derive(Debug, Clone, Copy)]
struct Scale(f64);

impl Scale {
    fn new(scale: f64) -> Scale {
        Scale(if scale.is_finite() {
            scale.clamp(0.5, 4.0)
        } else {
            1.0
        })
    }

    /// A length, unrounded (dashes, offsets in data units).
    fn len(self, css: f64) -> f64 {
        css * self.0
    }

    /// A length in whole pixels.
    fn px(self, css: f64) -> i32 {
        (css * self.0).round() as i32
    }

    /// A size in whole pixels (margins, label areas).
    fn upx(self, css: f64) -> u32 {
        (css * self.0).round().max(0.0) as u32
    }

    /// A line width in whole pixels, at least 1.
    fn stroke(self, css: u32) -> u32 {
        (f64::from(css) * self.0).round().max(1.0) as u32
    }

    /// A font of `css` pixels.
    fn font(self, css: f64) -> FontDesc<'static> {
        (FontFamily::SansSerif, css * self.0).into_font()
    }
}

fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Drawing(e.to_string())
}

fn rgb(m: Metric) -> RGBColor {
    let (r, g, b) = metric_color(m);
    RGBColor(r, g, b)
}

/// The metric's color, darkened (trend lines).
fn dark(m: Metric) -> RGBColor {
    let (r, g, b) = metric_color(m);
    let d = |c: u8| (f64::from(c) * 0.55) as u8;
    RGBColor(d(r), d(g), d(b))
}

/// The snapshots as points along the x axis.
struct Points {
    axis: XAxis,
    /// The snapshot index of each point, in x order; `None` when it is `0..n`.
    order: Option<Vec<usize>>,
    /// x of each point, ascending.
    xs: Vec<f64>,
    /// (cycle, x of its first snapshot, x of its last), ascending by cycle.
    cycles: Vec<(u64, f64, f64)>,
}

impl Points {
    fn new(run: &Run, want: XAxis) -> Points {
        let n = run.len();
        let has_time = run.timestamps().iter().any(Option::is_some);
        let axis = if want == XAxis::Time && has_time {
            XAxis::Time
        } else {
            XAxis::Cycle
        };
        let ranges = run.cycle_ranges();
        let mut x_of = vec![f64::NAN; n];
        match axis {
            XAxis::Cycle => {
                for (c, r) in &ranges {
                    let len = r.len() as f64;
                    for (j, i) in r.clone().enumerate() {
                        x_of[i] = *c as f64 + j as f64 / len;
                    }
                }
            }
            XAxis::Time => {
                for (x, t) in x_of.iter_mut().zip(run.timestamps()) {
                    if let Some(t) = t {
                        *x = *t as f64;
                    }
                }
            }
        }
        let mut cycles: Vec<(u64, f64, f64)> = Vec::with_capacity(ranges.len());
        for (c, r) in &ranges {
            let (mut a, mut b) = (f64::INFINITY, f64::NEG_INFINITY);
            for &x in &x_of[r.clone()] {
                if x.is_finite() {
                    a = a.min(x);
                    b = b.max(x);
                }
            }
            if a <= b {
                cycles.push((*c, a, b));
            }
        }
        if !cycles.windows(2).all(|w| w[0].0 < w[1].0) {
            // Not normalized: sort and merge repeated cycles.
            cycles.sort_unstable_by_key(|e| e.0);
            let mut merged: Vec<(u64, f64, f64)> = Vec::with_capacity(cycles.len());
            for e in cycles {
                match merged.last_mut() {
                    Some(last) if last.0 == e.0 => {
                        last.1 = last.1.min(e.1);
                        last.2 = last.2.max(e.2);
                    }
                    _ => merged.push(e),
                }
            }
            cycles = merged;
        }
        let in_order = x_of.iter().all(|x| x.is_finite()) && x_of.windows(2).all(|w| w[0] <= w[1]);
        if in_order {
            return Points {
                axis,
                order: None,
                xs: x_of,
                cycles,
            };
        }
        let mut by_x: Vec<(f64, usize)> = x_of
            .iter()
            .copied()
            .zip(0..)
            .filter(|(x, _)| x.is_finite())
            .collect();
        leaklens_core::stats::sort_by_value(&mut by_x);
        let (xs, idx) = by_x.into_iter().unzip();
        Points {
            axis,
            order: Some(idx),
            xs,
            cycles,
        }
    }

    /// The metric's values, one per point.
    fn ys<'r>(&self, run: &'r Run, m: Metric) -> Cow<'r, [f64]> {
        let col = run.column(m);
        match &self.order {
            None => Cow::Borrowed(col),
            Some(idx) => Cow::Owned(idx.iter().map(|&i| col[i]).collect()),
        }
    }

    /// The snapshot index of point `k`.
    fn snapshot(&self, k: usize) -> usize {
        match &self.order {
            None => k,
            Some(idx) => idx[k],
        }
    }

    /// Where cycle `c` starts on the x axis (interpolated or extrapolated
    /// for cycles without snapshots on a time axis).
    fn cycle_x(&self, c: u64) -> Option<f64> {
        if self.axis == XAxis::Cycle {
            return Some(c as f64);
        }
        let t = &self.cycles;
        match t.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => Some(t[i].1),
            Err(_) if t.len() < 2 => None,
            Err(i) => {
                let (a, b) = if i == 0 {
                    (0, 1)
                } else if i >= t.len() {
                    (t.len() - 2, t.len() - 1)
                } else {
                    (i - 1, i)
                };
                let (ca, xa, cb, xb) = (t[a].0 as f64, t[a].1, t[b].0 as f64, t[b].1);
                Some(xa + (c as f64 - ca) * (xb - xa) / (cb - ca))
            }
        }
    }

    /// Where the last snapshot of cycle `c` is on the x axis.
    fn cycle_last_x(&self, c: u64) -> Option<f64> {
        match self.cycles.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => Some(self.cycles[i].2),
            Err(_) => self.cycle_x(c),
        }
    }
}

/// The x range: the zoom if valid, else the data's, padded when empty.
fn x_range(spec: Option<P>, xs: &[f64], axis: XAxis) -> P {
    let valid = spec
        .filter(|r| r.0.is_finite() && r.1.is_finite())
        .map(|r| (r.0.min(r.1), r.0.max(r.1)));
    let data = match (xs.first(), xs.last()) {
        (Some(&a), Some(&b)) => Some((a, b)),
        _ => None,
    };
    let (lo, hi) = valid.or(data).unwrap_or((0.0, 1.0));
    if hi - lo > lo.abs().max(hi.abs()) * 1e-12 {
        return (lo, hi);
    }
    let unit: f64 = match axis {
        XAxis::Cycle => 1.0,
        XAxis::Time => 30_000.0,
    };
    let pad = unit.max(lo.abs() * 1e-9);
    (lo - pad, hi + pad)
}

/// The y range around `[lo, hi]`: from zero when the data is not far from
/// it (and always for counts), 5% headroom.
fn y_range(lo: f64, hi: f64, kind: ChartKind) -> P {
    if lo > hi {
        return (0.0, 1.0);
    }
    let zero_based = lo >= 0.0 && (kind == ChartKind::Browser || lo <= 0.35 * hi);
    let lo = if zero_based { 0.0 } else { lo };
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        (hi.abs() * 0.05).max(1.0)
    };
    let mut y0 = if zero_based { 0.0 } else { lo - pad };
    if lo >= 0.0 && y0 < 0.0 {
        y0 = 0.0;
    }
    (y0, hi + pad)
}

/// A horizontal reference line.
struct Threshold {
    value: f64,
    label: String,
    color: RGBColor,
}

fn fmt_value(v: f64, unit: &str) -> String {
    let s = format_number(v, if v.fract() == 0.0 { 0 } else { 1 });
    if unit.is_empty() {
        s
    } else {
        format!("{s} {unit}")
    }
}

/// Thresholds and limits worth drawing: those of visible metrics that the
/// data reaches at least half of.
fn thresholds(report: &Report, metrics: &[Metric], data_hi: f64) -> Vec<Threshold> {
    let shown = |v: f64| v.is_finite() && v > 0.0 && data_hi >= 0.5 * v;
    let mut out: Vec<Threshold> = Vec::new();
    let cfg = &report.config;
    if metrics.contains(&Metric::HeapUsed) && shown(cfg.heap_threshold_mb) {
        out.push(Threshold {
            value: cfg.heap_threshold_mb,
            label: format!("heap threshold {}", fmt_value(cfg.heap_threshold_mb, "MB")),
            color: THRESHOLD,
        });
    }
    if let Some(v) = cfg.rss_threshold_mb {
        if metrics.contains(&Metric::Rss) && shown(v) {
            out.push(Threshold {
                value: v,
                label: format!("RSS threshold {}", fmt_value(v, "MB")),
                color: THRESHOLD,
            });
        }
    }
    for f in &report.forecasts {
        if !metrics.contains(&f.metric) || !shown(f.limit) {
            continue;
        }
        if out.iter().any(|t| t.value == f.limit) {
            continue;
        }
        out.push(Threshold {
            value: f.limit,
            label: format!(
                "{} limit {}",
                f.metric.display_name(),
                fmt_value(f.limit, f.metric.unit())
            ),
            color: dark(f.metric),
        });
    }
    out
}

/// Liang–Barsky: the part of segment `a`–`b` inside the rectangle.
fn clip_segment(a: P, b: P, xr: P, yr: P) -> Option<(P, P)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - xr.0),
        (dx, xr.1 - a.0),
        (-dy, a.1 - yr.0),
        (dy, yr.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// The parts of a polyline inside the rectangle.
fn clip_polyline(points: &[P], xr: P, yr: P) -> Vec<Vec<P>> {
    let inside = |p: &P| (xr.0..=xr.1).contains(&p.0) && (yr.0..=yr.1).contains(&p.1);
    if points.len() == 1 {
        return if inside(&points[0]) {
            vec![points.to_vec()]
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::new();
    let mut current: Vec<P> = Vec::new();
    for w in points.windows(2) {
        if let Some((p, q)) = clip_segment(w[0], w[1], xr, yr) {
            if current.last() != Some(&p) {
                if current.len() > 1 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                current.push(p);
            }
            current.push(q);
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// The point of the cycle a marker stands for: core's one rule.
type Phase = CyclePoint;

/// The backend pixel sizes of the markers of CSS size `size`.
#[derive(Debug, Clone, Copy)]
struct MarkerSize {
    /// Circle radius, square half side.
    base: i32,
    /// Triangle and cross size.
    big: i32,
    /// Radius of the small circle ([`Phase::Other`]).
    small: i32,
    /// Cross stroke width.
    stroke: u32,
}

impl MarkerSize {
    fn new(size: i32, scale: Scale) -> MarkerSize {
        let s = |v: i32| scale.px(f64::from(v)).max(1);
        MarkerSize {
            base: s(size),
            big: s(size + 1),
            small: s((size - 1).max(1)),
            stroke: scale.stroke(2),
        }
    }
}

/// Draws a marker of `phase` at backend pixel `c` (legend and key).
fn draw_marker_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    phase: Phase,
    c: (i32, i32),
    size: MarkerSize,
    color: RGBColor,
) -> Result<(), ChartError> {
    let fill = color.filled();
    let b = size.base;
    match phase {
        Phase::Before => area.draw(&Circle::new(c, b, fill)),
        Phase::Scrape => area.draw(&TriangleMarker::new(c, size.big, fill)),
        Phase::Cleanup => area.draw(&Rectangle::new(
            [(c.0 - b, c.1 - b), (c.0 + b, c.1 + b)],
            fill,
        )),
        Phase::Recreate => area.draw(&Cross::new(c, size.big, color.stroke_width(size.stroke))),
        Phase::Other => area.draw(&Circle::new(c, size.small, fill)),
    }
    .map_err(err)
}

/// Draws markers of one phase at data points.
fn draw_markers<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    phase: Phase,
    points: Vec<P>,
    size: MarkerSize,
    color: RGBColor,
) -> Result<(), ChartError> {
    if points.is_empty() {
        return Ok(());
    }
    let fill = color.filled();
    let b = size.base;
    let r = match phase {
        Phase::Before => chart.draw_series(points.into_iter().map(|p| Circle::new(p, b, fill))),
        Phase::Scrape => chart.draw_series(
            points
                .into_iter()
                .map(|p| TriangleMarker::new(p, size.big, fill)),
        ),
        Phase::Cleanup => chart.draw_series(
            points
                .into_iter()
                .map(|p| EmptyElement::at(p) + Rectangle::new([(-b, -b), (b, b)], fill)),
        ),
        Phase::Recreate => chart.draw_series(
            points
                .into_iter()
                .map(|p| Cross::new(p, size.big, color.stroke_width(size.stroke))),
        ),
        Phase::Other => {
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, size.small, fill)))
        }
    };
    r.map(|_| ()).map_err(err)
}

/// A dashed line from `a` to `b` (data coordinates), as short segments so
/// that every backend draws it the same.
fn dashed<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    a: P,
    b: P,
    style: ShapeStyle,
    dash_px: f64,
    gap_px: f64,
) -> Result<(), ChartError> {
    let (pa, pb) = (chart.backend_coord(&a), chart.backend_coord(&b));
    let len = f64::from(pb.0 - pa.0).hypot(f64::from(pb.1 - pa.1));
    let period = dash_px + gap_px;
    let at = |t: f64| (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
    let mut segments = Vec::new();
    if len <= dash_px || len > 100_000.0 {
        segments.push(vec![a, b]);
    } else {
        let mut s = 0.0;
        while s < len {
            let e = (s + dash_px).min(len);
            segments.push(vec![at(s / len), at(e / len)]);
            s += period;
        }
    }
    chart
        .draw_series(segments.into_iter().map(|s| PathElement::new(s, style)))
        .map(|_| ())
        .map_err(err)
}

/// What a legend entry shows before its label.
enum Glyph {
    /// A short line in the series' colour.
    Line(RGBAColor),
    /// A short vertical tick, as change points are drawn.
    Tick,
}

/// Draws the legend box in the plot corner it hides least of: one row per
/// entry, its glyph then its label. Drawn here rather than by plotters'
/// series labels, which measure text with the DOM on wasm32 (a worker has
/// none) and so would lay the box out differently in the CLI, the browser
/// and the recorder.
fn draw_legend(
    root: &DrawingArea<Recorder, Shift>,
    layout: &ChartLayout,
    entries: &[(String, Glyph)],
    points: &[P],
    sc: Scale,
) -> Result<(), ChartError> {
    if entries.is_empty() {
        return Ok(());
    }
    let chars = entries
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let (row, glyph_w, pad) = (sc.px(18.0), sc.px(20.0), sc.px(8.0));
    let size = (
        sc.px(chars * 7.0 + 40.0),
        sc.px(entries.len() as f64 * 18.0 + 8.0),
    );
    let margin = sc.px(8.0);
    let (l, t, r, b) = layout.plot_px;
    let (x0, y0) = match legend_corner(layout, points, size, sc.px(12.0)) {
        Corner::UpperLeft => (l + margin, t + margin),
        Corner::UpperRight => (r - margin - size.0, t + margin),
        Corner::LowerRight => (r - margin - size.0, b - margin - size.1),
        Corner::LowerLeft => (l + margin, b - margin - size.1),
    };
    let base = root.get_base_pixel();
    let (x0, y0) = (x0 - base.0, y0 - base.1);
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + size.0, y0 + size.1)],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + size.0, y0 + size.1)],
        GRID.stroke_width(sc.stroke(1)),
    ))
    .map_err(err)?;
    for (k, (label, glyph)) in entries.iter().enumerate() {
        let y = y0 + pad / 2 + row / 2 + row * k as i32;
        let x = x0 + pad;
        match glyph {
            Glyph::Line(color) => root.draw(&PathElement::new(
                vec![(x, y), (x + glyph_w, y)],
                color.stroke_width(sc.stroke(2)),
            )),
            Glyph::Tick => {
                let (dx, dy) = (sc.px(10.0), sc.px(6.0));
                root.draw(&PathElement::new(
                    vec![(x + dx, y - dy), (x + dx, y + dy)],
                    TEXT.stroke_width(sc.stroke(1)),
                ))
            }
        }
        .map_err(err)?;
        root.draw(&Text::new(
            label.as_str(),
            (x + glyph_w + sc.px(8.0), y),
            sc.font(FONT_LABEL)
                .color(&TEXT)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// A corner of the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
    LowerLeft,
}

/// Picks the plot corner whose legend box (`size` plus `pad`, in backend
/// pixels) would cover the fewest points.
fn legend_corner(layout: &ChartLayout, points: &[P], size: (i32, i32), pad: i32) -> Corner {
    let (l, t, r, b) = layout.plot_px;
    let (w, h) = (size.0 + pad, size.1 + pad);
    let boxes = [
        (Corner::UpperLeft, (l, t, l + w, t + h)),
        (Corner::UpperRight, (r - w, t, r, t + h)),
        (Corner::LowerRight, (r - w, b - h, r, b)),
        (Corner::LowerLeft, (l, b - h, l + w, b)),
    ];
    let mut counts = [0usize; 4];
    for &(x, y) in points {
        let (px, py) = (layout.px_at_x(x), layout.px_at_y(y));
        for (k, (_, (x0, y0, x1, y1))) in boxes.iter().enumerate() {
            if (*x0..=*x1).contains(&px) && (*y0..=*y1).contains(&py) {
                counts[k] += 1;
            }
        }
    }
    let best = (0..4).min_by_key(|&k| (counts[k], k)).unwrap_or(0);
    [
        Corner::UpperLeft,
        Corner::UpperRight,
        Corner::LowerRight,
        Corner::LowerLeft,
    ][best]
}

/// Draws the chart `spec` describes for `run` and its `report` on
/// `backend`, and returns where the plot ended up.
///
/// Works with any plotters backend: SVG for reports, a canvas in the web
/// viewer. Sizes (fonts, lines, margins, markers) are CSS pixels times
/// [`ChartSpec::scale`]; the returned layout is in backend pixels. The
/// backend is presented when the chart is drawn.
pub fn draw<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    draw_overlaid(backend, run, report, None, spec)
}

/// [`draw`], with another run's series drawn faintly under this one's,
/// aligned by cycle: a before/after comparison on one chart. `ghost` is the
/// other run and its name (the legend says "Heap Used (name)").
pub fn draw_overlaid<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    ghost: Option<(&Run, &str)>,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    // Drawn once into shapes, whatever the backend: the chart code below is
    // compiled for the recorder only (see `record`).
    let recorder = Recorder::new(backend.get_size());
    let layout = {
        let root = recorder.clone().into_drawing_area();
        let layout = draw_shapes(&root, run, report, ghost, spec)?;
        root.present().map_err(err)?;
        layout
    };
    recorder
        .replay(backend)
        .map_err(|e| ChartError::Drawing(e.to_string()))?;
    Ok(layout)
}

fn draw_shapes(
    root: &DrawingArea<Recorder, Shift>,
    run: &Run,
    report: &Report,
    ghost: Option<(&Run, &str)>,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    let (w, h) = root.dim_in_pixel();
    let sc = Scale::new(spec.scale);
    if f64::from(w) < sc.len(f64::from(MIN_SIZE.0)) || f64::from(h) < sc.len(f64::from(MIN_SIZE.1))
    {
        return Err(ChartError::TooSmall(w, h));
    }
    root.fill(&WHITE).map_err(err)?;

    let pts = Points::new(run, spec.x_axis);
    let axis = pts.axis;
    let metrics: Vec<Metric> = spec
        .kind
        .metrics()
        .iter()
        .copied()
        .filter(|m| spec.visible.contains(m) && run.has_metric(*m))
        .collect();
    let columns: Vec<Cow<'_, [f64]>> = metrics.iter().map(|&m| pts.ys(run, m)).collect();
    // The other run of a comparison, by cycle (their wall-clock times differ).
    let ghost = ghost.filter(|_| axis == XAxis::Cycle).map(|(g, name)| {
        // A long file name must not make the legend wider than the chart.
        let name: String = if name.chars().count() > 32 {
            name.chars().take(31).chain(std::iter::once('…')).collect()
        } else {
            name.to_string()
        };
        let gp = Points::new(g, XAxis::Cycle);
        let cols: Vec<(Metric, Vec<f64>)> = metrics
            .iter()
            .filter(|m| g.has_metric(**m))
            .map(|&m| (m, gp.ys(g, m).into_owned()))
            .collect();
        (gp, cols, name)
    });

    // Ranges (both runs, when there is a ghost).
    let x_all: Cow<'_, [f64]> = match &ghost {
        Some((gp, _, _)) if !gp.xs.is_empty() && !pts.xs.is_empty() => Cow::Owned(vec![
            pts.xs[0].min(gp.xs[0]),
            pts.xs[pts.xs.len() - 1].max(gp.xs[gp.xs.len() - 1]),
        ]),
        _ => Cow::Borrowed(&pts.xs),
    };
    let (x0, x1) = x_range(spec.x_range, &x_all, axis);
    let start = pts.xs.partition_point(|&x| x < x0);
    let end = pts.xs.partition_point(|&x| x <= x1).max(start);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for col in &columns {
        for &v in &col[start..end] {
            if v.is_finite() {
                let v = v.clamp(-CLAMP, CLAMP);
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if let Some((gp, cols, _)) = &ghost {
        let gs = gp.xs.partition_point(|&x| x < x0);
        let ge = gp.xs.partition_point(|&x| x <= x1).max(gs);
        for (_, col) in cols {
            for &v in &col[gs..ge] {
                if v.is_finite() {
                    let v = v.clamp(-CLAMP, CLAMP);
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let has_data = lo <= hi;
    let refs = if spec.show_thresholds && has_data {
        thresholds(report, &metrics, hi)
    } else {
        Vec::new()
    };
    for t in &refs {
        lo = lo.min(t.value);
        hi = hi.max(t.value);
    }
    let (y0, y1) = y_range(lo, hi, spec.kind);

    let in_view = end - start;
    let markers = spec.show_phase_markers && has_data && in_view <= MAX_MARKER_POINTS;

    // Ticks, from an estimate of the plot size in CSS pixels.
    let top_margin_css: u32 = if markers { 28 } else { 12 };
    let top_margin = sc.upx(f64::from(top_margin_css));
    let (css_w, css_h) = (f64::from(w) / sc.0, f64::from(h) / sc.0);
    let est_w = (css_w - 110.0).max(40.0);
    let title_h = if spec.title.is_some() { 24 } else { 0 };
    let est_h = (css_h - f64::from(60 + top_margin_css + title_h)).max(30.0);
    let x_ticks_max = (est_w / 90.0) as usize;
    let y_ticks_max = (est_h / 40.0) as usize;
    let x_step = match axis {
        XAxis::Cycle => nice_step(x1 - x0, x_ticks_max, if x1 - x0 >= 2.0 { 1.0 } else { 0.0 }),
        XAxis::Time => time_step(x1 - x0, x_ticks_max),
    };
    let y_step = nice_step(
        y1 - y0,
        y_ticks_max,
        if spec.kind == ChartKind::Browser && y1 - y0 >= 3.0 {
            1.0
        } else {
            0.0
        },
    );
    let x_ticks = tick_values(x0, x1, x_step);
    let y_ticks = tick_values(y0, y1, y_step);
    let (x_dec, y_dec) = (decimals_for(x_step), decimals_for(y_step));
    let x_fmt = move |v: &f64| match axis {
        XAxis::Cycle => format_number(*v, x_dec),
        XAxis::Time => format_time(*v, x_step, x1 - x0),
    };
    let y_fmt = move |v: &f64| format_number(*v, y_dec);
    let y_label_chars = y_ticks.iter().map(|v| y_fmt(v).len()).max().unwrap_or(1);
    let y_area = sc.upx(y_label_chars as f64 * 7.0 + 30.0).min(w / 3);

    // Margins, then the title, as plotters' ChartBuilder lays them out, but
    // with the title's padding scaled too.
    let inner = root.margin(top_margin, sc.upx(6.0), sc.upx(6.0), sc.upx(20.0));
    let below_title = match &spec.title {
        None => inner,
        Some(title) => {
            let style = sc
                .font(FONT_TITLE)
                .color(&TEXT)
                .pos(Pos::new(HPos::Center, VPos::Top));
            let (_, text_h) = inner.estimate_text_size(title, &style).map_err(err)?;
            let pad = (text_h / 2).min(sc.upx(5.0)) as i32;
            let (inner_w, _) = inner.dim_in_pixel();
            inner
                .draw(&Text::new(title.as_str(), (inner_w as i32 / 2, pad), style))
                .map_err(err)?;
            inner.split_vertically(pad * 2 + text_h as i32).1
        }
    };
    let mut builder = ChartBuilder::on(&below_title);
    builder
        .x_label_area_size(sc.upx(42.0))
        .y_label_area_size(y_area);
    let mut chart = builder
        .build_cartesian_2d(
            TickAxis {
                range: (x0, x1),
                ticks: x_ticks,
            },
            TickAxis {
                range: (y0, y1),
                ticks: y_ticks,
            },
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID.stroke_width(sc.stroke(1)))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS.stroke_width(sc.stroke(1)))
        .x_desc(match axis {
            XAxis::Cycle => "cycle",
            XAxis::Time => "time (UTC)",
        })
        .y_desc(spec.kind.y_label())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(sc.font(FONT_LABEL).color(&TEXT))
        .axis_desc_style(sc.font(FONT_DESC).color(&TEXT))
        .draw()
        .map_err(err)?;

    let (left, top) = chart.backend_coord(&(x0, y1));
    let (right, bottom) = chart.backend_coord(&(x1, y0));
    let layout = ChartLayout {
        plot_px: (left, top, right, bottom),
        x_range: (x0, x1),
        x_data: x_range(None, &x_all, axis),
        y_range: (y0, y1),
        x_axis: axis,
    };
    let x_per_px = (x1 - x0) / f64::from((right - left).max(1));
    let y_per_px = (y1 - y0) / f64::from((bottom - top).max(1));

    // Highlighted cycle range.
    if let Some((_, c0, c1)) = spec.highlight {
        let (c0, c1) = (c0.min(c1), c0.max(c1));
        if let (Some(mut a), Some(mut b)) = (pts.cycle_x(c0), pts.cycle_last_x(c1)) {
            let min_w = sc.len(4.0) * x_per_px;
            if b - a < min_w {
                let mid = (a + b) / 2.0;
                (a, b) = (mid - min_w / 2.0, mid + min_w / 2.0);
            }
            let (a, b) = (a.max(x0), b.min(x1));
            if a < b {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(a, y1), (b, y0)],
                        HIGHLIGHT.mix(0.15).filled(),
                    )))
                    .map_err(err)?;
            }
        }
    }

    // Thresholds and limits.
    for t in &refs {
        if t.value < y0 || t.value > y1 {
            continue;
        }
        dashed(
            &mut chart,
            (x0, t.value),
            (x1, t.value),
            t.color.stroke_width(sc.stroke(1)),
            sc.len(8.0),
            sc.len(5.0),
        )?;
        let style = sc
            .font(FONT_LABEL)
            .color(&t.color)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .plotting_area()
            .draw(&Text::new(
                t.label.clone(),
                (
                    x1 - sc.len(4.0) * x_per_px,
                    t.value + sc.len(3.0) * y_per_px,
                ),
                style,
            ))
            .map_err(err)?;
    }

    // Change points of metrics that are not flat.
    let mut drew_change_point = false;
    if spec.show_change_points {
        for &m in &metrics {
            let Some(mr) = report.metrics.get(&m) else {
                continue;
            };
            if mr.pattern == Pattern::Stable {
                continue;
            }
            for &cp in &mr.change_points {
                let Some(x) = pts.cycle_x(cp).filter(|x| (x0..=x1).contains(x)) else {
                    continue;
                };
                dashed(
                    &mut chart,
                    (x, y0),
                    (x, y1),
                    rgb(m).mix(0.8).stroke_width(sc.stroke(1)),
                    sc.len(4.0),
                    sc.len(4.0),
                )?;
                drew_change_point = true;
            }
        }
    }

    // Trend lines of the retained level (under the series, which stay readable).
    // One decimation column per backend (device) pixel.
    let plot_columns = (right - left + 1).max(1) as usize;
    let mut drew_trend = false;
    if spec.show_trend_lines {
        for &m in &metrics {
            let Some(tl) = report.metrics.get(&m).and_then(|r| r.trend_line.as_ref()) else {
                continue;
            };
            if !(tl.slope.is_finite() && tl.intercept.is_finite()) {
                continue;
            }
            let value = |c: u64| (tl.intercept + tl.slope * c as f64).clamp(-CLAMP, CLAMP);
            let (c0, c1) = (
                tl.from_cycle.min(tl.to_cycle),
                tl.from_cycle.max(tl.to_cycle),
            );
            let mut line: Vec<P> = Vec::new();
            match axis {
                XAxis::Cycle => line.extend([(c0 as f64, value(c0)), (c1 as f64, value(c1))]),
                XAxis::Time => {
                    // Cycles are not evenly spaced in time: follow them.
                    let inner: Vec<u64> = pts
                        .cycles
                        .iter()
                        .map(|e| e.0)
                        .filter(|&c| c > c0 && c < c1)
                        .collect();
                    let step = (inner.len() / plot_columns.max(1)).max(1);
                    let cs = std::iter::once(c0)
                        .chain(inner.into_iter().step_by(step))
                        .chain(std::iter::once(c1));
                    line.extend(cs.filter_map(|c| pts.cycle_x(c).map(|x| (x, value(c)))));
                }
            }
            let color = dark(m);
            let parts = clip_polyline(&line, (x0, x1), (y0, y1));
            if parts.is_empty() {
                continue;
            }
            chart
                .draw_series(
                    parts
                        .into_iter()
                        .map(move |p| PathElement::new(p, color.stroke_width(sc.stroke(2)))),
                )
                .map_err(err)?;
            drew_trend = true;
        }
    }

    // Series, decimated to the plot width; the other run's first, faint.
    let base_width: u32 = if in_view <= 300 { 2 } else { 1 };
    let mut legend_points: Vec<P> = Vec::new();
    let mut legend: Vec<(String, Glyph)> = Vec::new();
    let mut ghost_entries: Vec<(String, Glyph)> = Vec::new();
    if let Some((gp, cols, name)) = &ghost {
        for (m, col) in cols {
            let pts_m: Vec<P> = decimate_min_max(&gp.xs, col, (x0, x1), plot_columns)
                .into_iter()
                .map(|(x, y)| (x, y.clamp(-CLAMP, CLAMP)))
                .collect();
            let lines = clip_polyline(&pts_m, (x0, x1), (y0, y1));
            let color = rgb(*m).mix(0.35);
            let label = format!("{} ({name})", m.display_name());
            chart
                .draw_series(
                    lines
                        .into_iter()
                        .map(move |line| PathElement::new(line, color.stroke_width(sc.stroke(1)))),
                )
                .map_err(err)?;
            ghost_entries.push((label, Glyph::Line(color)));
        }
    }
    for (&m, col) in metrics.iter().zip(&columns) {
        let pts_m: Vec<P> = decimate_min_max(&pts.xs, col, (x0, x1), plot_columns)
            .into_iter()
            .map(|(x, y)| (x, y.clamp(-CLAMP, CLAMP)))
            .collect();
        let lines = clip_polyline(&pts_m, (x0, x1), (y0, y1));
        legend_points.extend(lines.iter().flatten().copied());
        let highlighted = spec.highlight.is_some_and(|(hm, _, _)| hm == m);
        let width = sc.stroke(base_width + if highlighted { 2 } else { 0 });
        let color = rgb(m);
        chart
            .draw_series(
                lines
                    .into_iter()
                    .map(move |line| PathElement::new(line, color.stroke_width(width))),
            )
            .map_err(err)?;
        legend.push((m.display_name().to_string(), Glyph::Line(color.to_rgba())));
    }

    // Phase markers.
    let mut phases_shown = [false; 5];
    if markers {
        let phase_of_label: Vec<Phase> = run.label_names().names().map(Phase::of).collect();
        let size = MarkerSize::new(if in_view > 200 { 2 } else { 3 }, sc);
        for (&m, col) in metrics.iter().zip(&columns) {
            let mut by_phase: [Vec<P>; 5] = Default::default();
            for (k, &y) in col.iter().enumerate().take(end).skip(start) {
                if !y.is_finite() {
                    continue;
                }
                let i = pts.snapshot(k);
                let phase = phase_of_label
                    .get(run.label_id(i) as usize)
                    .copied()
                    .unwrap_or(Phase::Other);
                by_phase[phase as usize].push((pts.xs[k], y.clamp(-CLAMP, CLAMP)));
            }
            for (p, points) in Phase::ALL.into_iter().zip(by_phase) {
                phases_shown[p as usize] |= !points.is_empty();
                draw_markers(&mut chart, p, points, size, rgb(m))?;
            }
        }
    }

    // Legend: series, then the trend and change-point styles used.
    legend.extend(ghost_entries);
    if drew_trend {
        legend.push(("trend".to_string(), Glyph::Line(TEXT.to_rgba())));
    }
    if drew_change_point {
        legend.push(("change point".to_string(), Glyph::Tick));
    }
    draw_legend(root, &layout, &legend, &legend_points, sc)?;

    // Key of the phase markers, above the plot on the right.
    if markers {
        let base = root.get_base_pixel();
        let y = top - base.1 - sc.px(12.0);
        let mut x = right - base.0;
        let key_marker = MarkerSize::new(3, sc);
        let shown: Vec<Phase> = Phase::ALL
            .into_iter()
            .filter(|p| phases_shown[*p as usize])
            .collect();
        for &p in shown.iter().rev() {
            let text_w = sc.px(p.as_str().len() as f64 * 6.0 + 4.0);
            x -= text_w;
            root.draw(&Text::new(
                p.as_str(),
                (x, y),
                sc.font(FONT_KEY)
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
            draw_marker_px(root, p, (x - sc.px(8.0), y), key_marker, AXIS)?;
            x -= sc.px(22.0);
        }
    }

    if !has_data {
        let msg = if run.is_empty() {
            "no snapshots"
        } else if metrics.is_empty() {
            "no data to show"
        } else {
            "no data in this range"
        };
        chart
            .plotting_area()
            .draw(&Text::new(
                msg,
                ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
                sc.font(FONT_NOTE)
                    .color(&AXIS)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(err)?;
    }

    Ok(layout)
}

/// Where each snapshot sits on a chart's x axis, for hover: build it once
/// per run and axis, then look snapshots up by x in O(log n).
pub struct XIndex {
    points: Points,
}

impl XIndex {
    pub fn new(run: &Run, axis: XAxis) -> XIndex {
        XIndex {
            points: Points::new(run, axis),
        }
    }

    /// The axis actually used (Time falls back to Cycle without timestamps).
    pub fn axis(&self) -> XAxis {
        self.points.axis
    }

    /// The snapshot nearest to `x`, if any.
    pub fn nearest(&self, x: f64) -> Option<usize> {
        let xs = &self.points.xs;
        if xs.is_empty() || !x.is_finite() {
            return None;
        }
        let k = xs.partition_point(|&v| v < x);
        let best = match (k.checked_sub(1), (k < xs.len()).then_some(k)) {
            (Some(a), Some(b)) => {
                if (x - xs[a]).abs() <= (xs[b] - x).abs() {
                    a
                } else {
                    b
                }
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        Some(self.points.snapshot(best))
    }

    /// x of snapshot `i` (NaN when it has no place on this axis).
    pub fn x_of(&self, i: usize) -> f64 {
        match &self.points.order {
            None => self.points.xs.get(i).copied().unwrap_or(f64::NAN),
            Some(idx) => idx
                .iter()
                .position(|&s| s == i)
                .map(|k| self.points.xs[k])
                .unwrap_or(f64::NAN),
        }
    }

    /// The full x extent.
    pub fn extent(&self) -> Option<(f64, f64)> {
        Some((*self.points.xs.first()?, *self.points.xs.last()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        let (xr, yr) = ((0.0, 10.0), (0.0, 10.0));
        assert_eq!(
            clip_segment((-5.0, 5.0), (5.0, 5.0), xr, yr),
            Some(((0.0, 5.0), (5.0, 5.0)))
        );
        assert_eq!(clip_segment((-5.0, 20.0), (5.0, 20.0), xr, yr), None);
        let parts = clip_polyline(&[(1.0, 1.0), (2.0, 20.0), (3.0, 1.0)], xr, yr);
        assert_eq!(parts.len(), 2);
        let whole = clip_polyline(&[(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)], xr, yr);
        assert_eq!(whole, vec![vec![(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)]]);
    }

    #[test]
    fn phases_from_labels() {
        assert_eq!(CyclePoint::of("Before scrape"), Phase::Before);
        assert_eq!(CyclePoint::of("After scrape"), Phase::Scrape);
        assert_eq!(CyclePoint::of("After cleanup"), Phase::Cleanup);
        assert_eq!(CyclePoint::of("After page recreate"), Phase::Recreate);
        assert_eq!(CyclePoint::of("idle"), Phase::Other);
    }

    #[test]
    fn ranges() {
        assert_eq!(x_range(None, &[], XAxis::Cycle), (0.0, 1.0));
        assert_eq!(x_range(None, &[5.0], XAxis::Cycle), (4.0, 6.0));
        assert_eq!(x_range(Some((9.0, 3.0)), &[5.0], XAxis::Cycle), (3.0, 9.0));
        assert_eq!(
            x_range(Some((f64::NAN, 3.0)), &[1.0, 2.0], XAxis::Cycle),
            (1.0, 2.0)
        );
        assert_eq!(y_range(60.0, 200.0, ChartKind::Memory).0, 0.0);
        let (a, b) = y_range(100.0, 110.0, ChartKind::Memory);
        assert!(a > 90.0 && a < 100.0 && b > 110.0);
        let (a, b) = y_range(-5.0, -5.0, ChartKind::Memory);
        assert!(a < -5.0 && b > -5.0);
        assert_eq!(
            y_range(f64::INFINITY, f64::NEG_INFINITY, ChartKind::Memory),
            (0.0, 1.0)
        );
        let (a, b) = y_range(-CLAMP, CLAMP, ChartKind::Memory);
        assert!(a.is_finite() && b.is_finite());
    }
}
