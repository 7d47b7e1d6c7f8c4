//! The content pass: the lines, shapes and boxes the layers draw, in data
//! coordinates (and backend pixels for the legend and the key), computed
//! from the [`Layout`] before anything is drawn.

use leaklens_core::point::CyclePoint;
use leaklens_core::report::{Pattern, TrendLine};
use leaklens_core::{Report, Run};
use plotters::style::{Color, RGBColor, ShapeStyle};

use crate::clip::{clip_polyline, P};
use crate::evidence::{dashed, to_plot, trend_reason};
use crate::layout::{Data, Layout};
use crate::legend::{legend, Glyph, Legend};
use crate::points::Points;
use crate::prepared::Series;
use crate::pyramid::{decimate, Bins};
use crate::style::{MarkerSize, Style};
use crate::{ChartSpec, XAxis};

/// The point of the cycle a marker stands for: core's one rule.
pub(crate) type Phase = CyclePoint;

/// Polylines in data coordinates.
pub(crate) type Lines = Vec<Vec<P>>;

/// A horizontal reference line within the y range, dashed, and its label.
pub(crate) struct RefLine {
    pub line: Stroked,
    pub color: RGBColor,
    pub label: String,
    /// Where the label's bottom right corner goes.
    pub at: P,
}

/// Lines of one colour and width.
pub(crate) struct Stroked {
    pub style: ShapeStyle,
    pub lines: Lines,
}

/// Everything drawn on the plot, layer by layer.
pub(crate) struct Scene {
    /// The shaded x range of the highlighted cycles.
    pub highlight: Option<P>,
    pub thresholds: Vec<RefLine>,
    pub change_points: Vec<Stroked>,
    pub trends: Vec<Stroked>,
    /// Why each trend starts where it does: the text, where its bottom
    /// left corner goes, its colour.
    pub reasons: Vec<(String, P, RGBColor)>,
    /// The other run's series, drawn first, dashed and greyer.
    pub ghosts: Vec<Stroked>,
    pub series: Vec<Stroked>,
    /// The retained levels, dashed, over the series.
    pub retained: Vec<Stroked>,
    /// Per series, its colour and its points by point of the cycle.
    pub markers: Vec<(RGBColor, [Vec<P>; 5])>,
    pub marker_size: MarkerSize,
    pub legend: Option<Legend>,
    /// The phase-marker key, right to left: each entry's text position.
    pub key: Vec<(Phase, (i32, i32))>,
    /// Said in the middle of the plot when there is nothing to draw.
    pub note: Option<&'static str>,
}

impl Scene {
    pub fn new(
        l: &Layout,
        data: &Data,
        run: &Run,
        report: &Report,
        spec: &ChartSpec,
        style: &Style,
    ) -> Scene {
        let (markers, phases_shown, marker_size) = markers(l, data, run, style);
        let (mut change_points, mut trends) = (Vec::new(), Vec::new());
        let mut reasons = Vec::new();
        for &m in &data.metrics {
            let Some(r) = report.metrics.get(&m) else {
                continue;
            };
            if spec.show_change_points && r.pattern != Pattern::Stable {
                let color = style.series(m);
                change_points_of(
                    l,
                    data.pts,
                    color,
                    &r.change_points,
                    style,
                    &mut change_points,
                );
            }
            if !spec.show_trend_lines {
                continue;
            }
            let tl = r.trend_line.as_ref();
            let Some(line) = tl.and_then(|tl| trend(l, data, style.dark(m), tl, style)) else {
                continue;
            };
            let start = line.lines[0][0];
            let fresh = |r: &String| !reasons.iter().any(|e: &(String, P, _)| &e.0 == r);
            if let Some(why) = trend_reason(report, r).filter(|_| spec.show_trend_reason) {
                if fresh(&why) {
                    let up = l.sc.len(style.trend_reason_above) * l.per_px().1;
                    let at = clear_of(l, style, &reasons, &why, (start.0, start.1 + up));
                    reasons.push((why, at, style.dark(m)));
                }
            }
            trends.push(line);
        }
        let ghosts = ghosts(l, data, style);
        let retained = retained_lines(l, data, style);
        let mut entries = Vec::new();
        let mut series = Vec::new();
        let mut points: Vec<P> = Vec::new();
        let dense = l.view.len() > style.series_dense_above;
        let base = if dense {
            style.series_stroke_dense
        } else {
            style.series_stroke
        };
        let bins = Bins::new(&data.pts.xs, l.x.range, l.columns());
        for (&m, col) in data.metrics.iter().zip(&data.columns) {
            let lines = series_lines(l, &data.pts.xs, &bins, col, style);
            points.extend(lines.iter().flatten().copied());
            let lit = spec.highlight.is_some_and(|(hm, _, _)| hm == m);
            let extra = if lit { style.highlight_extra_stroke } else { 0 };
            let color = style.series(m);
            let width = l.sc.stroke(base + extra);
            let style = color.stroke_width(width);
            series.push(Stroked { style, lines });
            entries.push((m.display_name().to_string(), Glyph::Line(color.to_rgba())));
        }
        if !retained.is_empty() {
            let glyph = Glyph::Dashed(style.text.to_rgba());
            entries.push(("retained level".to_string(), glyph));
            points.extend(retained.iter().flat_map(|s| s.lines.iter().flatten()));
        }
        // The legend box keeps off the trends' reasons too (their start and
        // about where their text ends).
        for (text, at, _) in &reasons {
            let w = reason_width(l, style, text);
            points.extend([*at, (at.0 + w / 2.0, at.1), (at.0 + w, at.1)]);
        }
        if !trends.is_empty() {
            entries.push(("trend".to_string(), Glyph::Line(style.text.to_rgba())));
        }
        if !change_points.is_empty() {
            entries.push(("change point".to_string(), Glyph::Tick));
        }
        Scene {
            highlight: highlight(l, data.pts, spec, style),
            thresholds: ref_lines(l, style),
            change_points,
            trends,
            reasons,
            ghosts,
            series,
            retained,
            markers,
            marker_size,
            legend: match &l.strip {
                Some(strip) => Some(strip.clone()),
                None => legend(l, entries, &points, style),
            },
            key: if l.markers {
                key(l, phases_shown, style)
            } else {
                Vec::new()
            },
            note: note(l, run, data),
        }
    }
}

/// Where a trend's reason `text` goes, from `at` (its bottom left corner):
/// a row higher each time its box would cross one of those placed before
/// (two trends that start near each other would write over each other).
fn clear_of(l: &Layout, style: &Style, placed: &[(String, P, RGBColor)], text: &str, at: P) -> P {
    let width = |t: &str| reason_width(l, style, t);
    let row = l.sc.len(style.legend_row) * l.per_px().1;
    let mut at = at;
    // Each step ends above the reason met (a row, less a hair for the
    // rounding of the sum): a step for each of them at most.
    for _ in placed {
        let met = placed.iter().find(|(t, p, _)| {
            at.0 < p.0 + width(t) && p.0 < at.0 + width(text) && (at.1 - p.1).abs() < row * 0.999
        });
        match met {
            Some((_, p, _)) => at.1 = p.1 + row,
            None => break,
        }
    }
    at
}

/// About how wide a trend's reason `text` is drawn, in x units.
fn reason_width(l: &Layout, style: &Style, text: &str) -> f64 {
    l.sc.len(text.len() as f64 * style.legend_char) * l.per_px().0
}

/// A dashed line from `a` to `b` (data coordinates), as short segments so
/// that every backend draws it the same.
fn dashes(l: &Layout, a: P, b: P, (dash, gap): (f64, f64)) -> Lines {
    let (dash_px, gap_px) = (l.sc.len(dash), l.sc.len(gap));
    let (pa, pb) = (l.px(a), l.px(b));
    let len = crate::evidence::px_len(pa, pb);
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
    segments
}

/// The highlighted cycle range, at least a few pixels wide, within the plot.
fn highlight(l: &Layout, pts: &Points, spec: &ChartSpec, style: &Style) -> Option<P> {
    let (_, c0, c1) = spec.highlight?;
    let (c0, c1) = (c0.min(c1), c0.max(c1));
    let (mut a, mut b) = (pts.cycle_x(c0)?, pts.cycle_last_x(c1)?);
    let min_w = l.sc.len(style.highlight_min_width) * l.per_px().0;
    if b - a < min_w {
        let mid = (a + b) / 2.0;
        (a, b) = (mid - min_w / 2.0, mid + min_w / 2.0);
    }
    let (x0, x1) = l.x.range;
    let (a, b) = (a.max(x0), b.min(x1));
    (a < b).then_some((a, b))
}

/// The thresholds and limits within the y range.
fn ref_lines(l: &Layout, style: &Style) -> Vec<RefLine> {
    let ((x0, x1), (y0, y1)) = (l.x.range, l.y.range);
    let (x_per_px, y_per_px) = l.per_px();
    let (dx, dy) = style.threshold_label;
    l.thresholds
        .iter()
        .filter(|t| t.value >= y0 && t.value <= y1)
        .map(|t| RefLine {
            color: t.color,
            line: Stroked {
                style: t.color.stroke_width(l.sc.stroke(style.dash_stroke)),
                lines: dashes(l, (x0, t.value), (x1, t.value), style.threshold_dash),
            },
            label: t.label.clone(),
            at: (
                x1 - l.sc.len(dx) * x_per_px,
                t.value + l.sc.len(dy) * y_per_px,
            ),
        })
        .collect()
}

/// Vertical dashes at the change points of a metric within the x range,
/// added to `out`.
fn change_points_of(
    l: &Layout,
    pts: &Points,
    color: RGBColor,
    cps: &[u64],
    style: &Style,
    out: &mut Vec<Stroked>,
) {
    let ((x0, x1), (y0, y1)) = (l.x.range, l.y.range);
    let line = color
        .mix(style.change_point_alpha)
        .stroke_width(l.sc.stroke(style.dash_stroke));
    for &cp in cps {
        if let Some(x) = pts.cycle_x(cp).filter(|x| (x0..=x1).contains(x)) {
            out.push(Stroked {
                style: line,
                lines: dashes(l, (x, y0), (x, y1), style.change_point_dash),
            });
        }
    }
}

/// A trend line of the retained level, clipped to the plot (None when
/// nothing of it is inside).
fn trend(
    l: &Layout,
    data: &Data,
    color: RGBColor,
    tl: &TrendLine,
    style: &Style,
) -> Option<Stroked> {
    if !(tl.slope.is_finite() && tl.intercept.is_finite()) {
        return None;
    }
    let pts = &data.pts;
    let value = |c: u64| {
        let v = (tl.intercept + tl.slope * c as f64).clamp(-style.clamp, style.clamp);
        to_plot(data.y_log, v)
    };
    let (c0, c1) = (
        tl.from_cycle.min(tl.to_cycle),
        tl.from_cycle.max(tl.to_cycle),
    );
    let mut line: Vec<P> = Vec::new();
    match (pts.axis, data.y_log) {
        (XAxis::Cycle, false) => line.extend([(c0 as f64, value(c0)), (c1 as f64, value(c1))]),
        _ => {
            // Cycles are not evenly spaced in time, and a line is curved
            // on a logarithmic axis: follow them.
            let inner: Vec<u64> = pts
                .cycles
                .iter()
                .map(|e| e.0)
                .filter(|&c| c > c0 && c < c1)
                .collect();
            let step = (inner.len() / l.columns().max(1)).max(1);
            let cs = std::iter::once(c0)
                .chain(inner.into_iter().step_by(step))
                .chain(std::iter::once(c1));
            let at = |c| pts.cycle_x(c).map(|x| (x, value(c)));
            line.extend(cs.filter_map(at).filter(|p| p.1.is_finite()));
        }
    }
    let lines = clip_polyline(&line, l.x.range, l.y.range);
    let style = color.stroke_width(l.sc.stroke(style.trend_stroke));
    (!lines.is_empty()).then_some(Stroked { style, lines })
}

/// A series decimated to one column per backend pixel, clamped, clipped.
fn series_lines(l: &Layout, xs: &[f64], bins: &Option<Bins>, col: &Series, style: &Style) -> Lines {
    let Some(bins) = bins else {
        return Vec::new();
    };
    let points: Vec<P> = decimate(xs, &col.values, &col.pyr, bins)
        .into_iter()
        .map(|(x, y)| (x, y.clamp(-style.clamp, style.clamp)))
        .collect();
    clip_polyline(&points, l.x.range, l.y.range)
}

/// The other run's series: dashed, in greyer colours (the legend strip
/// says which run is which).
fn ghosts(l: &Layout, data: &Data, style: &Style) -> Vec<Stroked> {
    let Some(g) = &data.ghost else {
        return Vec::new();
    };
    let bins = Bins::new(&g.pts.xs, l.x.range, l.columns());
    let line = |(m, col): &(_, &Series)| {
        let lines = series_lines(l, &g.pts.xs, &bins, col, style);
        let lines = lines.iter().flat_map(|p| dashed(l, p, style.ghost_dash));
        Stroked {
            style: style
                .muted(*m)
                .stroke_width(l.sc.stroke(style.ghost_stroke)),
            lines: lines.collect(),
        }
    };
    g.cols.iter().map(line).collect()
}

/// The retained levels, dashed in their metric's colour, clipped to the
/// plot.
fn retained_lines(l: &Layout, data: &Data, style: &Style) -> Vec<Stroked> {
    let (xr, yr) = (l.x.range, l.y.range);
    let width = l.sc.stroke(style.retained_stroke);
    data.retained
        .iter()
        .map(|(m, points)| {
            let clipped = clip_polyline(points, xr, yr);
            let lines = clipped
                .iter()
                .flat_map(|p| dashed(l, p, style.retained_dash));
            Stroked {
                style: style.series(*m).stroke_width(width),
                lines: lines.collect(),
            }
        })
        .filter(|s| !s.lines.is_empty())
        .collect()
}

/// The phase markers of each series, which points of the cycle they show,
/// and their size.
#[allow(clippy::type_complexity)]
fn markers(
    l: &Layout,
    data: &Data,
    run: &Run,
    style: &Style,
) -> (Vec<(RGBColor, [Vec<P>; 5])>, [bool; 5], MarkerSize) {
    let dense = l.view.len() > style.marker_dense_above;
    let size = if dense {
        style.marker_dense
    } else {
        style.marker
    };
    let size = MarkerSize::new(size, l.sc, style);
    let mut shown = [false; 5];
    let mut out = Vec::new();
    if !l.markers {
        return (out, shown, size);
    }
    let phase_of_label: Vec<Phase> = run.label_names().names().map(Phase::of).collect();
    for (&m, col) in data.metrics.iter().zip(&data.columns) {
        let mut by_phase: [Vec<P>; 5] = Default::default();
        let values = col.values.iter().enumerate();
        for (k, &y) in values.take(l.view.end).skip(l.view.start) {
            if !y.is_finite() {
                continue;
            }
            let i = data.pts.snapshot(k);
            let phase = phase_of_label
                .get(run.label_id(i) as usize)
                .copied()
                .unwrap_or(Phase::Other);
            by_phase[phase as usize].push((data.pts.xs[k], y.clamp(-style.clamp, style.clamp)));
        }
        for (seen, points) in shown.iter_mut().zip(&by_phase) {
            *seen |= !points.is_empty();
        }
        out.push((style.series(m), by_phase));
    }
    (out, shown, size)
}

/// The key of the phase markers shown, above the plot on the right: each
/// entry's text position, right to left.
fn key(l: &Layout, shown: [bool; 5], style: &Style) -> Vec<(Phase, (i32, i32))> {
    let sc = l.sc;
    let (_, top, right, _) = l.chart.plot_px;
    let y = top - sc.px(style.key_above);
    let mut x = right;
    let mut out = Vec::new();
    for p in Phase::ALL.into_iter().rev().filter(|p| shown[*p as usize]) {
        x -= sc.px(p.as_str().len() as f64 * style.key_char + style.key_extra);
        out.push((p, (x, y)));
        x -= sc.px(style.key_gap);
    }
    out
}

/// What to say when nothing is drawn.
fn note(l: &Layout, run: &Run, data: &Data) -> Option<&'static str> {
    if l.has_data {
        None
    } else if run.is_empty() {
        Some("no snapshots")
    } else if data.metrics.is_empty() {
        Some("no data to show")
    } else {
        Some("no data in this range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::STYLE;
    use leaklens_core::generate::{generate, Spec};
    use leaklens_core::{analyze, Config, Metric};

    fn scene(run: &Run, ghost: Option<(&Run, &str)>, spec: &ChartSpec) -> (Layout, Scene) {
        scene_of(run, ghost, spec, (900, 480))
    }

    fn scene_of(
        run: &Run,
        ghost: Option<(&Run, &str)>,
        spec: &ChartSpec,
        size: (u32, u32),
    ) -> (Layout, Scene) {
        let report = analyze(run, &Config::default());
        let sc = Layout::scale(size, spec, &STYLE).unwrap();
        let data = Data::new(run, &report, ghost, spec, &STYLE);
        let l = Layout::new(size, sc, &data, &report, spec, &STYLE);
        let scene = Scene::new(&l, &data, run, &report, spec, &STYLE);
        (l, scene)
    }

    fn run(cycles: usize) -> Run {
        generate(&Spec {
            cycles,
            ..Spec::default()
        })
    }

    #[test]
    fn the_legend_sits_in_the_plot_corner_it_hides_least() {
        let (l, s) = scene(&run(60), None, &ChartSpec::memory());
        let legend = s.legend.as_ref().expect("a legend");
        let (r, p) = (legend.rect, l.frame.plot);
        let m = l.sc.px(STYLE.legend_margin);
        assert!(r.x0 >= p.x0 + m && r.x1 <= p.x1 - m, "{r:?} in {p:?}");
        assert!(r.y0 >= p.y0 + m && r.y1 <= p.y1 - m, "{r:?} in {p:?}");
        // The series rise from the lower left: the upper left is free.
        assert_eq!((r.x0, r.y0), (l.chart.plot_px.0 + m, l.chart.plot_px.1 + m));
        let points: Vec<P> = (s.series.iter().chain(&s.retained))
            .flat_map(|s| s.lines.iter().flatten().copied())
            .collect();
        let hidden = points
            .iter()
            .map(|&p| l.px(p))
            .filter(|&(x, y)| (r.x0..=r.x1).contains(&x) && (r.y0..=r.y1).contains(&y))
            .count();
        assert_eq!(hidden, 0);
        // One row per series, then the retained level, the trend and
        // change-point styles used.
        let labels: Vec<&str> = legend.entries.iter().map(|e| e.0.as_str()).collect();
        assert!(
            !s.retained.is_empty(),
            "several snapshots a cycle: floors differ"
        );
        assert_eq!(
            labels.len(),
            s.series.len() + 2 + usize::from(!s.change_points.is_empty())
        );
        assert_eq!(labels[0], "Heap Used");
        assert!(labels.contains(&"trend") && labels.contains(&"retained level"));
        let rows: Vec<(i32, i32)> = (0..labels.len()).map(|k| legend.row(k)).collect();
        assert!(rows
            .windows(2)
            .all(|w| w[1].1 - w[0].1 == l.sc.px(STYLE.legend_row)));
        assert!(rows.iter().all(|&(x, y)| x > r.x0 && y > r.y0 && y < r.y1));
    }

    #[test]
    fn the_marker_key_runs_right_to_left_above_the_plot() {
        let (l, s) = scene(&run(60), None, &ChartSpec::memory());
        let names: Vec<&str> = s.key.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(names, ["recreate", "cleanup", "scrape", "before"]);
        let (left, top, right, _) = l.chart.plot_px;
        assert!(s.key.windows(2).all(|w| w[1].1 .0 < w[0].1 .0));
        assert!(s
            .key
            .iter()
            .all(|&(_, (x, y))| left < x && x < right && y < top && y > 0));
        let off = ChartSpec {
            show_phase_markers: false,
            ..ChartSpec::memory()
        };
        let (_, s) = scene(&run(60), None, &off);
        assert!(s.key.is_empty() && s.markers.is_empty());
    }

    #[test]
    fn the_other_run_is_named_in_the_legend_and_cut_short() {
        let before = run(90);
        let name = "a-very-long-file-name-of-the-run-before.ndjson";
        let spec = ChartSpec {
            visible: vec![Metric::HeapUsed],
            ..ChartSpec::memory()
        };
        let (l, s) = scene(&run(60), Some((&before, name)), &spec);
        assert!(l.x.range.1 >= 90.0, "the x range covers both runs");
        // The strip names the other run once, cut short; no retained level
        // (its dashes would read as the other run's).
        let legend = s.legend.as_ref().unwrap();
        let labels: Vec<&str> = legend.entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(labels[..2], ["Heap Used", "after: this run"]);
        assert_eq!(labels[2], "before: a-very-long-file-name-of-the-ru…");
        assert!(!legend.boxed && s.retained.is_empty());
        assert_eq!(s.ghosts.len(), 1);
    }

    #[test]
    fn the_reasons_of_two_trends_do_not_overlap() {
        // Heap used and RSS grow from cycles 46 and 48, their reasons about
        // as high on the chart.
        let text = include_str!("../../../static/samples/leak-plateau-then-growth.ndjson");
        let run = leaklens_core::ingest::parse("s.ndjson", text.as_bytes())
            .unwrap()
            .run;
        let spec = ChartSpec {
            show_trend_reason: true,
            ..ChartSpec::memory()
        };
        // At every size (the page's canvases are as wide as the window).
        for size in (300..1500).step_by(37).map(|w| (w, 200 + w / 4)) {
            let (l, s) = scene_of(&run, None, &spec, size);
            assert!(s.reasons.len() >= 2, "{:?}", s.reasons);
            apart(&l, &s);
        }
    }

    /// The reasons' boxes (as `clear_of` sees them) do not overlap.
    fn apart(l: &Layout, s: &Scene) {
        let boxes: Vec<(i32, i32, i32, i32)> = (s.reasons.iter())
            .map(|(t, at, _)| {
                let (x, y) = l.px(*at);
                let w = l.sc.len(t.len() as f64 * STYLE.legend_char) as i32;
                (x, y - l.sc.px(STYLE.legend_row), x + w, y)
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{a:?} and {b:?} overlap: {:?}", s.reasons);
            }
        }
    }

    #[test]
    fn nothing_to_draw_says_why() {
        let (l, s) = scene(&Run::new(), None, &ChartSpec::memory());
        assert!(!l.has_data && s.legend.is_none());
        assert_eq!(s.note, Some("no snapshots"));
        let none = ChartSpec {
            visible: vec![],
            ..ChartSpec::memory()
        };
        let (_, s) = scene(&run(5), None, &none);
        assert_eq!(s.note, Some("no data to show"));
        let zoom = ChartSpec {
            x_range: Some((50.0, 60.0)),
            ..ChartSpec::memory()
        };
        let (_, s) = scene(&run(5), None, &zoom);
        assert_eq!(s.note, Some("no data in this range"));
    }
}
