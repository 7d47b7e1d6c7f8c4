//! The layout pass: what is shown, its ranges and ticks, and where every
//! box of the chart goes, as plain data computed before anything is drawn.

use std::borrow::Cow;
use std::ops::Range;

#[cfg(test)]
use leaklens_core::Run;
use leaklens_core::{Metric, Report};

use crate::clip::P;
use crate::evidence::to_plot;
use crate::legend::{strip, strip_entries, Legend};
use crate::points::Points;
use crate::prepared::{Prepared, Series};
use crate::ranges::{log_y_range, thresholds, x_range, y_range, Threshold};
use crate::record::text_size;
use crate::style::{Scale, Style};
use crate::ticks::{
    decimals_for, decimals_of, format_number, format_time, log_ticks, nice_step, ticks, time_step,
};
use crate::{ChartError, ChartKind, ChartLayout, ChartSpec, XAxis};

/// The series a chart shows, one value per point, read from a
/// [`Prepared`] run.
pub(crate) struct Data<'a> {
    pub pts: &'a Points,
    /// The metrics drawn, in drawing order.
    pub metrics: Vec<Metric>,
    /// Their values, one series per metric.
    pub columns: Vec<&'a Series>,
    /// The other run of a comparison.
    pub ghost: Option<Ghost<'a>>,
    /// The retained level of each metric whose level differs from its
    /// series (none in a comparison).
    pub retained: Vec<(Metric, &'a [P])>,
    /// Values are drawn on a logarithmic axis: the columns hold `log10`.
    pub y_log: bool,
}

/// The other run of a comparison, by cycle (their wall-clock times differ).
pub(crate) struct Ghost<'a> {
    pub pts: &'a Points,
    /// The metrics it has of those drawn, and their values.
    pub cols: Vec<(Metric, &'a Series)>,
    /// Its name, cut short.
    pub name: String,
}

impl<'a> Data<'a> {
    /// The data of `run` prepared for `spec` (a test's shortcut: the
    /// prepared runs are leaked).
    #[cfg(test)]
    pub fn new(
        run: &Run,
        report: &Report,
        ghost: Option<(&Run, &str)>,
        spec: &ChartSpec,
        style: &Style,
    ) -> Data<'static> {
        let (this, other) = crate::draw::prepare(run, report, None, ghost, spec);
        let this: &'static Prepared = Box::leak(Box::new(this));
        let other = other.map(|(p, name)| {
            let p: &'static Prepared = Box::leak(Box::new(p));
            (p, name)
        });
        Data::of(this, other, spec, style)
    }

    /// What `spec` shows of the prepared run `this`, and of `ghost`, the
    /// other run of a comparison (prepared on the cycle axis) and its name.
    pub fn of(
        this: &'a Prepared,
        ghost: Option<(&'a Prepared, &str)>,
        spec: &ChartSpec,
        style: &Style,
    ) -> Data<'a> {
        let pts = &this.pts;
        let (mut metrics, mut columns) = (Vec::new(), Vec::new());
        for &m in spec.kind.metrics() {
            if let Some(s) = this.series(m).filter(|_| spec.visible.contains(&m)) {
                metrics.push(m);
                columns.push(s);
            }
        }
        let cycles = |p: &Prepared| p.pts.axis == XAxis::Cycle;
        let ghost = ghost
            .filter(|g| cycles(this) && cycles(g.0))
            .map(|(g, name)| {
                // A long file name must not make the legend wider than the chart.
                let max = style.ghost_name_chars;
                let name: String = if name.chars().count() > max {
                    name.chars()
                        .take(max - 1)
                        .chain(std::iter::once('…'))
                        .collect()
                } else {
                    name.to_string()
                };
                let cols = metrics
                    .iter()
                    .filter_map(|&m| Some((m, g.series(m)?)))
                    .collect();
                Ghost {
                    pts: &g.pts,
                    cols,
                    name,
                }
            });
        let retained = match spec.show_retained && ghost.is_none() {
            true => (this.retained.iter())
                .filter(|r| metrics.contains(&r.0))
                .map(|(m, points)| (*m, points.as_slice()))
                .collect(),
            false => Vec::new(),
        };
        Data {
            pts,
            metrics,
            columns,
            ghost,
            retained,
            y_log: this.y_log,
        }
    }

    /// The x values of both runs: the data's x range.
    fn x_all(&self) -> Cow<'_, [f64]> {
        let xs = &self.pts.xs;
        match &self.ghost {
            Some(g) if !g.pts.xs.is_empty() && !xs.is_empty() => Cow::Owned(vec![
                xs[0].min(g.pts.xs[0]),
                xs[xs.len() - 1].max(g.pts.xs[g.pts.xs.len() - 1]),
            ]),
            _ => Cow::Borrowed(xs),
        }
    }

    /// The lowest and highest finite value (clamped) of both runs within
    /// `xr`, and the points of this run within it.
    fn extent(&self, xr: P, clamp: f64) -> (f64, f64, Range<usize>) {
        let in_view = |xs: &[f64]| {
            let start = xs.partition_point(|&x| x < xr.0);
            start..xs.partition_point(|&x| x <= xr.1).max(start)
        };
        let view = in_view(&self.pts.xs);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut take = |v: f64| {
            if v.is_finite() {
                let v = v.clamp(-clamp, clamp);
                lo = lo.min(v);
                hi = hi.max(v);
            }
        };
        let mut series = |s: &Series, r: &Range<usize>| {
            if let Some((a, b)) = s.extremes(r.start, r.end) {
                take(a);
                take(b);
            }
        };
        for s in &self.columns {
            series(s, &view);
        }
        if let Some(g) = &self.ghost {
            let gv = in_view(&g.pts.xs);
            for (_, s) in &g.cols {
                series(s, &gv);
            }
        }
        for (_, points) in &self.retained {
            let inside = points.iter().filter(|p| (xr.0..=xr.1).contains(&p.0));
            inside.for_each(|p| take(p.1));
        }
        (lo, hi, view)
    }
}

/// One axis: its range, its ticks and how they are labelled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    pub range: P,
    pub ticks: Vec<f64>,
    pub step: f64,
    decimals: usize,
    /// A time axis: labelled as UTC clock times.
    time: bool,
    /// A logarithmic axis: ticks and range are `log10` of the values.
    log: bool,
}

impl Axis {
    /// Nice ticks over `range`, at most about `max_ticks`, `min_step` apart
    /// at least.
    fn numbers(range: P, max_ticks: usize, min_step: f64) -> Axis {
        let step = nice_step(range.1 - range.0, max_ticks, min_step);
        Axis::with_step(range, step, false)
    }

    /// Clock-aligned ticks over `range` (ms), at most about `max_ticks`.
    fn times(range: P, max_ticks: usize) -> Axis {
        Axis::with_step(range, time_step(range.1 - range.0, max_ticks), true)
    }

    fn with_step(range: P, step: f64, time: bool) -> Axis {
        Axis {
            range,
            ticks: ticks(range.0, range.1, step),
            step,
            decimals: decimals_for(step),
            time,
            log: false,
        }
    }

    /// Ticks at 1, 2 and 5 of each decade over `range` (`log10` of the
    /// values), at most about `max_ticks`.
    fn log(range: P, max_ticks: usize) -> Axis {
        let (lo, hi) = (libm::pow(10.0, range.0), libm::pow(10.0, range.1));
        let ticks = log_ticks(lo, hi, max_ticks);
        Axis {
            range,
            ticks: ticks.iter().map(|&v| libm::log10(v)).collect(),
            step: 0.0,
            decimals: 0,
            time: false,
            log: true,
        }
    }

    /// The label of tick `v`.
    pub fn label(&self, v: f64) -> String {
        if self.time {
            format_time(v, self.step, self.range.1 - self.range.0)
        } else if self.log {
            let v = libm::pow(10.0, v);
            format_number(v, decimals_of(v))
        } else {
            format_number(v, self.decimals)
        }
    }
}

/// A rectangle in backend pixels; `x1` and `y1` are just outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// `p` moved into the rectangle (its far edges included), as plotters
    /// moves every point it draws into the area it draws on.
    pub fn truncate(&self, p: (i32, i32)) -> (i32, i32) {
        (p.0.min(self.x1).max(self.x0), p.1.min(self.y1).max(self.y0))
    }
}

/// A side of the plot, where a label area goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Top,
    Left,
    Bottom,
}

/// The title and where its top centre goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Title {
    pub text: String,
    pub at: (i32, i32),
}

/// The boxes of the chart, in backend pixels, as plotters'
/// `ChartBuilder` lays them out (but with the title's padding scaled).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    /// The chart within its margins.
    pub inner: Rect,
    pub title: Option<Title>,
    /// Below the title: the plot and its label areas.
    pub chart: Rect,
    /// The plot itself.
    pub plot: Rect,
    /// The width kept for the y labels.
    pub y_area: u32,
    /// The label areas around the plot that have room, in drawing order:
    /// above it (only when the chart is too low for the labels below),
    /// left of it (y labels), below it (x labels). Never right of it: the
    /// y labels take a third of the width at most.
    pub labels: Vec<(Side, Rect)>,
    /// The backend pixels of the ends of the x axis (left, right) and of
    /// the y axis (bottom, top): the plot's last columns and rows.
    pub x_px: (i32, i32),
    pub y_px: (i32, i32),
}

impl Frame {
    fn new(
        size: (u32, u32),
        top: u32,
        title: Option<&str>,
        y_area: u32,
        sc: Scale,
        style: &Style,
    ) -> Frame {
        let (w, h) = (size.0 as i32, size.1 as i32);
        let inner = Rect {
            x0: sc.upx(style.margin_left) as i32,
            y0: top as i32,
            x1: w - sc.upx(style.margin_right) as i32,
            y1: h - sc.upx(style.margin_bottom) as i32,
        };
        let (title, chart) = match title {
            None => (None, inner),
            Some(text) => {
                let (_, text_h) = text_size(text, style.font_title * sc.0);
                let pad = (text_h / 2).min(sc.upx(style.title_pad)) as i32;
                let at = (inner.x0 + (inner.x1 - inner.x0) / 2, inner.y0 + pad);
                let chart = Rect {
                    y0: inner.y0 + pad * 2 + text_h as i32,
                    ..inner
                };
                let text = text.to_string();
                (Some(Title { text, at }), chart)
            }
        };
        let x_area = sc.upx(style.x_label_area) as i32;
        // The label areas cut off the left and the bottom: a 3×3 grid whose
        // breakpoints, when out of order, are sorted, as plotters does.
        let mut xs = [chart.x0, chart.x1, chart.x0 + y_area as i32, chart.x1];
        let mut ys = [chart.y0, chart.y1, chart.y0, chart.y1 - x_area];
        xs.sort_unstable();
        ys.sort_unstable();
        let cell = |col: usize, row: usize| Rect {
            x0: xs[col],
            y0: ys[row],
            x1: xs[col + 1],
            y1: ys[row + 1],
        };
        let plot = cell(1, 1);
        let labels = [
            (Side::Top, cell(1, 0)),
            (Side::Left, cell(0, 1)),
            (Side::Bottom, cell(1, 2)),
        ];
        let labels = labels
            .into_iter()
            .filter(|(_, r)| r.x1 > r.x0 && r.y1 > r.y0)
            .collect();
        Frame {
            inner,
            title,
            chart,
            plot,
            y_area,
            labels,
            x_px: (plot.x0, plot.x1 - 1),
            y_px: (plot.y1 - 1, plot.y0),
        }
    }
}

/// Everything the layers draw from but the content: the chart's ranges,
/// ticks and boxes.
pub(crate) struct Layout {
    pub sc: Scale,
    pub kind: ChartKind,
    pub x: Axis,
    pub y: Axis,
    /// The points of the run within the x range.
    pub view: Range<usize>,
    /// Some finite value lies within the x range.
    pub has_data: bool,
    /// Phase markers are drawn (and their key above the plot).
    pub markers: bool,
    /// Reference lines (thresholds and limits), included in the y range.
    pub thresholds: Vec<Threshold>,
    pub frame: Frame,
    /// Where the plot is and what it spans, as the caller gets it.
    pub chart: ChartLayout,
    /// A comparison's legend, in a strip above the plot.
    pub strip: Option<Legend>,
}

impl Layout {
    /// The scale of a chart of `size` backend pixels, or why it is too small.
    pub fn scale(size: (u32, u32), spec: &ChartSpec, style: &Style) -> Result<Scale, ChartError> {
        let sc = Scale::new(spec.scale);
        let (w, h) = size;
        let min = style.min_size;
        if f64::from(w) < sc.len(f64::from(min.0)) || f64::from(h) < sc.len(f64::from(min.1)) {
            return Err(ChartError::TooSmall(w, h));
        }
        Ok(sc)
    }

    pub fn new(
        size: (u32, u32),
        sc: Scale,
        data: &Data,
        report: &Report,
        spec: &ChartSpec,
        style: &Style,
    ) -> Layout {
        let axis = data.pts.axis;
        let x_all = data.x_all();
        let xr = x_range(spec.x_range, &x_all, axis);
        let (mut lo, mut hi, view) = data.extent(xr, style.clamp);
        let has_data = lo <= hi;
        let y_log = data.y_log;
        let mut refs = if spec.show_thresholds && has_data {
            let real_hi = if y_log { libm::pow(10.0, hi) } else { hi };
            thresholds(report, &data.metrics, real_hi, style)
        } else {
            Vec::new()
        };
        if y_log {
            refs.iter_mut()
                .for_each(|t| t.value = to_plot(true, t.value));
            refs.retain(|t| t.value.is_finite());
        }
        for t in &refs {
            lo = lo.min(t.value);
            hi = hi.max(t.value);
        }
        let yr = match y_log {
            true => log_y_range(lo, hi),
            false => y_range(lo, hi, spec.kind),
        };
        let markers = spec.show_phase_markers && has_data && view.len() <= style.max_marker_points;

        let (css_w, css_h) = (f64::from(size.0) / sc.0, f64::from(size.1) / sc.0);
        // A comparison's legend: a strip above everything else.
        let strip = data.ghost.as_ref().map(|_| {
            let entries = strip_entries(data, report, spec, style);
            let width = css_w - style.margin_left - style.margin_right;
            let at = (style.margin_left, f64::from(style.margin_top), width);
            strip(entries, at, sc, style)
        });
        let strip_h = strip
            .as_ref()
            .map_or(0, |s| style.margin_top + s.1.ceil() as u32);
        // Ticks, from an estimate of the plot size in CSS pixels.
        let top_css = strip_h
            + if markers {
                style.margin_top_key
            } else {
                style.margin_top
            };
        let est_w = (css_w - style.est_x_less).max(style.est_x_min);
        let title_h = if spec.title.is_some() {
            style.est_title
        } else {
            0
        };
        let est_h = (css_h - f64::from(style.est_y_less + top_css + title_h)).max(style.est_y_min);
        let (x_max, y_max) = (
            (est_w / style.x_tick_gap) as usize,
            (est_h / style.y_tick_gap) as usize,
        );
        let x = match axis {
            XAxis::Cycle => Axis::numbers(xr, x_max, if xr.1 - xr.0 >= 2.0 { 1.0 } else { 0.0 }),
            XAxis::Time => Axis::times(xr, x_max),
        };
        let counts = spec.kind == ChartKind::Browser && yr.1 - yr.0 >= 3.0;
        let y = match y_log {
            true => Axis::log(yr, y_max),
            false => Axis::numbers(yr, y_max, if counts { 1.0 } else { 0.0 }),
        };
        let y_chars = y.ticks.iter().map(|&v| y.label(v).len()).max().unwrap_or(1);
        let y_area = sc
            .upx(y_chars as f64 * style.y_label_char + style.y_label_pad)
            .min(size.0 / 3);

        let frame = Frame::new(
            size,
            sc.upx(f64::from(top_css)),
            spec.title.as_deref(),
            y_area,
            sc,
            style,
        );
        let mut chart = ChartLayout::of(&frame, xr, yr, x_range(None, &x_all, axis), axis);
        if y_log {
            chart.y_range = (libm::pow(10.0, yr.0), libm::pow(10.0, yr.1));
            chart.y_log = true;
        }
        Layout {
            sc,
            kind: spec.kind,
            x,
            y,
            view,
            has_data,
            markers,
            thresholds: refs,
            frame,
            chart,
            strip: strip.map(|s| s.0),
        }
    }

    /// The size of a backend pixel in x and y data units.
    pub fn per_px(&self) -> P {
        let (l, t, r, b) = self.chart.plot_px;
        let (xr, yr) = (self.x.range, self.y.range);
        (
            (xr.1 - xr.0) / f64::from((r - l).max(1)),
            (yr.1 - yr.0) / f64::from((b - t).max(1)),
        )
    }

    /// The plot's width in backend pixels: one decimation column each.
    pub fn columns(&self) -> usize {
        let (l, _, r, _) = self.chart.plot_px;
        (r - l + 1).max(1) as usize
    }

    /// The backend pixel of data point `p` (its y as drawn: `log10` on a
    /// logarithmic axis).
    pub fn px(&self, p: P) -> (i32, i32) {
        let (_, top, _, bottom) = self.chart.plot_px;
        let y = crate::lerp(p.1, self.y.range, bottom, top);
        (self.chart.px_at_x(p.0), y)
    }

    /// The backend pixel of data point `p`, moved into the plot.
    pub fn plot_px(&self, p: P) -> (i32, i32) {
        self.frame.plot.truncate(self.px(p))
    }
}

impl ChartLayout {
    /// The layout of a plot in `frame` spanning `x` and `y`, mapped the way
    /// plotters maps a `Cartesian2d` on it.
    fn of(frame: &Frame, x: P, y: P, x_data: P, x_axis: XAxis) -> ChartLayout {
        let (px, py) = (frame.x_px, frame.y_px);
        let at_x = |v: f64| crate::lerp(v, x, px.0, px.1);
        let at_y = |v: f64| crate::lerp(v, y, py.0, py.1);
        ChartLayout {
            plot_px: (at_x(x.0), at_y(y.1), at_x(x.1), at_y(y.0)),
            x_range: x,
            x_data,
            y_range: y,
            y_log: false,
            x_axis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Recorder;
    use crate::style::STYLE;
    use leaklens_core::generate::{generate, Spec};
    use leaklens_core::{analyze, Config};
    use plotters::prelude::{ChartBuilder, IntoDrawingArea};

    fn layout(run: &Run, spec: &ChartSpec, size: (u32, u32)) -> Layout {
        laid_out(run, &analyze(run, &Config::default()), spec, size)
    }

    fn laid_out(run: &Run, report: &Report, spec: &ChartSpec, size: (u32, u32)) -> Layout {
        let sc = Layout::scale(size, spec, &STYLE).unwrap();
        let data = Data::new(run, report, None, spec, &STYLE);
        Layout::new(size, sc, &data, report, spec, &STYLE)
    }

    fn run(cycles: usize) -> Run {
        generate(&Spec {
            cycles,
            ..Spec::default()
        })
    }

    /// Sizes, scales and titles from the smallest chart up.
    fn specs() -> Vec<(ChartSpec, (u32, u32))> {
        let mut out = Vec::new();
        for (scale, title) in [(1.0, None), (1.0, Some("t")), (2.0, Some("t")), (0.5, None)] {
            for (w, h) in [(120, 80), (121, 95), (300, 150), (900, 480), (1800, 700)] {
                let spec = ChartSpec {
                    scale,
                    title: title.map(String::from),
                    ..ChartSpec::memory()
                };
                let size = ((f64::from(w) * scale) as u32, (f64::from(h) * scale) as u32);
                out.push((spec, size));
            }
        }
        out
    }

    #[test]
    fn the_plot_is_where_plotters_chart_builder_puts_it() {
        let run = run(30);
        for (spec, size) in specs() {
            let l = layout(&run, &spec, size);
            let f = &l.frame;
            let root = Recorder::new(size).into_drawing_area();
            let (w, h) = (size.0 as i32, size.1 as i32);
            let area = root.margin(f.inner.y0, h - f.inner.y1, f.inner.x0, w - f.inner.x1);
            let area = area.split_vertically(f.chart.y0 - f.inner.y0).1;
            let chart = ChartBuilder::on(&area)
                .x_label_area_size(l.sc.upx(STYLE.x_label_area))
                .y_label_area_size(f.y_area)
                .build_cartesian_2d(l.x.range.0..l.x.range.1, l.y.range.0..l.y.range.1)
                .unwrap();
            let (xs, ys) = chart.plotting_area().get_pixel_range();
            let p = f.plot;
            assert_eq!((xs, ys), (p.x0..p.x1, p.y0..p.y1), "{size:?} {spec:?}");
            assert_eq!((l.chart.plot_px.0, l.chart.plot_px.1), (p.x0, p.y0));
            assert_eq!((l.chart.plot_px.2, l.chart.plot_px.3), (p.x1 - 1, p.y1 - 1));
        }
    }

    #[test]
    fn boxes_do_not_overlap_and_stay_on_the_chart() {
        let run = run(30);
        let overlap = |a: &Rect, b: &Rect| a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        for (spec, size) in specs() {
            let l = layout(&run, &spec, size);
            let f = &l.frame;
            for (side, a) in &f.labels {
                assert!(!overlap(a, &f.plot), "{side:?} {a:?} {:?}", f.plot);
                assert!(a.x0 >= 0 && a.y0 >= 0 && a.x1 <= size.0 as i32 && a.y1 <= size.1 as i32);
            }
            let p = f.plot;
            assert!(0 <= p.x0 && p.x0 <= p.x1 && p.x1 <= size.0 as i32, "{p:?}");
            assert!(0 <= p.y0 && p.y0 <= p.y1 && p.y1 <= size.1 as i32, "{p:?}");
            if let Some(t) = &f.title {
                assert!(t.at.1 < p.y0, "the title is above the plot");
            }
            // Labels below and left of a plot that has room.
            if p.y1 > p.y0 && size.1 as f64 >= 150.0 * l.sc.0 {
                let sides: Vec<Side> = f.labels.iter().map(|l| l.0).collect();
                assert_eq!(sides, [Side::Left, Side::Bottom], "{size:?}");
            }
        }
    }

    #[test]
    fn a_chart_too_low_for_its_x_labels_gets_them_above_too() {
        // As plotters does: the bottom label area pushes into the title,
        // leaving a strip above a plot of no height (and no room left of
        // it).
        let spec = ChartSpec {
            title: Some("t".into()),
            ..ChartSpec::memory()
        };
        let l = layout(&Run::new(), &spec, (120, 80));
        let sides: Vec<Side> = l.frame.labels.iter().map(|l| l.0).collect();
        assert_eq!(sides, [Side::Top, Side::Bottom]);
        assert_eq!(
            l.frame.plot.y0, l.frame.plot.y1,
            "no room left for the plot"
        );
    }

    #[test]
    fn ticks_stay_inside_their_ranges() {
        for cycles in [1, 2, 3, 10, 60, 1000] {
            let run = run(cycles);
            let report = analyze(&run, &Config::default());
            for x_axis in [XAxis::Cycle, XAxis::Time] {
                for (spec, size) in specs() {
                    let spec = ChartSpec { x_axis, ..spec };
                    let l = laid_out(&run, &report, &spec, size);
                    for a in [&l.x, &l.y] {
                        let (lo, hi) = a.range;
                        assert!(lo < hi, "{cycles}: {lo}..{hi}");
                        assert!(a.ticks.iter().all(|t| (lo..=hi).contains(t)), "{:?}", a);
                        assert!(a.ticks.windows(2).all(|w| w[0] < w[1]));
                        let labels: Vec<String> = a.ticks.iter().map(|&t| a.label(t)).collect();
                        let mut unique = labels.clone();
                        unique.dedup();
                        assert_eq!(labels, unique, "labels tell ticks apart");
                    }
                }
            }
        }
    }

    #[test]
    fn cycle_ticks_are_whole_from_two_cycles_on() {
        let spec = ChartSpec::memory();
        // One cycle spans less than 2 on the x axis: ticks fall between
        // whole cycles, labelled with a decimal.
        let l = layout(&run(1), &spec, (900, 480));
        assert!(l.x.range.1 - l.x.range.0 < 2.0, "{:?}", l.x.range);
        assert!(
            l.x.ticks.iter().any(|t| t.fract() != 0.0),
            "{:?}",
            l.x.ticks
        );
        assert!(l.x.label(l.x.ticks[0]).contains('.'));
        for cycles in [3, 10, 60] {
            let l = layout(&run(cycles), &spec, (900, 480));
            assert!(
                l.x.ticks.iter().all(|t| t.fract() == 0.0),
                "{:?}",
                l.x.ticks
            );
            assert!(!l.x.label(l.x.ticks[0]).contains('.'));
        }
    }

    #[test]
    fn markers_make_room_for_their_key() {
        let run = run(60);
        let with = layout(&run, &ChartSpec::memory(), (900, 480));
        let without = ChartSpec {
            show_phase_markers: false,
            ..ChartSpec::memory()
        };
        let without = layout(&run, &without, (900, 480));
        assert!(with.markers && !without.markers);
        let d = STYLE.margin_top_key - STYLE.margin_top;
        assert_eq!(with.frame.plot.y0 - without.frame.plot.y0, d as i32);
        // Too many snapshots in view: no markers, no key.
        let big = layout(
            &generate(&Spec {
                cycles: 300,
                ..Spec::default()
            }),
            &ChartSpec::memory(),
            (900, 480),
        );
        assert!(big.view.len() > STYLE.max_marker_points && !big.markers);
    }
}
