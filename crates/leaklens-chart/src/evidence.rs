//! The evidence the verdict rests on, drawn on the chart: each metric's
//! retained level (the after-GC floor the verdict judged, read by the
//! core's own code) and why its trend line starts where it does.

use leaklens_core::analyze::{retained_levels, RetainedLevel};
use leaklens_core::report::{MetricReport, Pattern, RetainedSource};
use leaklens_core::{Metric, Report, Run};

use crate::clip::P;
use crate::layout::Layout;
use crate::points::Points;
use crate::scene::Lines;

/// `v` where the y axis draws it: its `log10` on a logarithmic axis (NaN
/// at or below zero, which is left out), else itself.
pub(crate) fn to_plot(y_log: bool, v: f64) -> f64 {
    match y_log {
        false => v,
        true if v > 0.0 => libm::log10(v),
        true => f64::NAN,
    }
}

/// The retained level of each of `metrics` that differs from its series, in
/// plot coordinates (x of the cycle, y as drawn), in `metrics`' order.
/// `given`: the run's levels computed before (a viewer draws the same run
/// at every zoom), else they are computed here.
pub(crate) fn retained(
    run: &Run,
    report: &Report,
    given: Option<&[RetainedLevel]>,
    pts: &Points,
    metrics: &[Metric],
    y_log: bool,
) -> Vec<(Metric, Vec<P>)> {
    // One snapshot a cycle read as is: the level is the series itself.
    let one_per_cycle = run.len() == pts.cycles.len();
    let computed;
    let levels = match given {
        Some(levels) => levels,
        None => {
            computed = retained_levels(run, report);
            &computed[..]
        }
    };
    let shown = |l: &&RetainedLevel| {
        let as_is = matches!(
            l.source,
            RetainedSource::AllPoints | RetainedSource::QuietPoints
        );
        metrics.contains(&l.metric) && !(as_is && one_per_cycle)
    };
    metrics
        .iter()
        .filter_map(|&m| {
            let l = levels.iter().filter(shown).find(|l| l.metric == m)?;
            let points: Vec<P> = l
                .points
                .iter()
                .filter_map(|&(c, v)| {
                    let x = pts.cycle_x(c.round().max(0.0) as u64)?;
                    Some((x, to_plot(y_log, v))).filter(|p| p.1.is_finite())
                })
                .collect();
            (!points.is_empty()).then_some((m, points))
        })
        .collect()
}

/// The length between two pixels: the square root of a whole number (exact
/// in a double), correctly rounded on every target (`hypot` is within an
/// ulp of it, and its code is not in the page's wasm).
pub(crate) fn px_len(a: (i32, i32), b: (i32, i32)) -> f64 {
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    libm::sqrt(dx * dx + dy * dy)
}

/// A dashed polyline (data coordinates): its dashes, `(dash, gap)` CSS
/// pixels long, the pattern running on across its vertices.
pub(crate) fn dashed(l: &Layout, line: &[P], (dash, gap): (f64, f64)) -> Lines {
    let (dash, period) = (l.sc.len(dash), l.sc.len(dash + gap));
    let mut out: Lines = Vec::new();
    let mut cur: Vec<P> = Vec::new();
    // How far into the pattern the current vertex is.
    let mut phase = 0.0;
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (pa, pb) = (l.px(a), l.px(b));
        let len = px_len(pa, pb);
        let at = |s: f64| match len > 0.0 {
            true => (a.0 + s / len * (b.0 - a.0), a.1 + s / len * (b.1 - a.1)),
            false => b,
        };
        if len > 100_000.0 {
            out.extend([std::mem::take(&mut cur), vec![a, b]]);
            continue;
        }
        let mut s = 0.0;
        while s < len {
            let in_dash = phase < dash;
            let edge = if in_dash { dash } else { period };
            // To the dash's (or gap's) end, or the segment's.
            let (e, next) = match s + (edge - phase) {
                e if e < len => (e, edge),
                _ => (len, phase + (len - s)),
            };
            if in_dash {
                if cur.is_empty() {
                    cur.push(at(s));
                }
                cur.push(at(e));
                if next >= dash {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (s, phase) = (e, if next >= period { 0.0 } else { next });
        }
    }
    out.push(cur);
    out.retain(|d| d.len() >= 2);
    out
}

/// Why a metric's trend line starts where it does, said in a few words.
pub(crate) fn trend_reason(report: &Report, r: &MetricReport) -> Option<String> {
    let from = r.trend_line.as_ref()?.from_cycle;
    let s = &report.summary;
    let seg_start = s
        .segments
        .get(s.analysed_segment)
        .map_or(s.first_cycle, |g| g.start_cycle);
    let why = if r.pattern == Pattern::PlateauThenGrowth && r.change_points.contains(&from) {
        "where the growth starts"
    } else if from > seg_start {
        "the recent half"
    } else if s.analysed_segment > 0 {
        "since the restart"
    } else {
        "the whole run"
    };
    Some(format!("fitted from cycle {from}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Data;
    use crate::style::STYLE;
    use crate::ChartSpec;
    use leaklens_core::generate::{generate, Spec};
    use leaklens_core::{analyze, Config};

    #[test]
    fn dashes_run_on_across_vertices_and_end() {
        let run = generate(&Spec {
            cycles: 40,
            ..Spec::default()
        });
        let report = analyze(&run, &Config::default());
        let spec = ChartSpec::memory();
        let sc = Layout::scale((900, 480), &spec, &STYLE).unwrap();
        let data = Data::new(&run, &report, None, &spec, &STYLE);
        let l = Layout::new((900, 480), sc, &data, &report, &spec, &STYLE);
        let (x0, x1) = l.x.range;
        let y = (l.y.range.0 + l.y.range.1) / 2.0;
        let line: Vec<P> = (0..=20)
            .map(|k| (x0 + (x1 - x0) * f64::from(k) / 20.0, y))
            .collect();
        let d = dashed(&l, &line, (7.0, 4.0));
        let px = |p: P| l.px(p).0;
        // Dashes about 7 px long, 11 px apart, over the whole line.
        assert!(d.iter().all(|d| d.len() >= 2));
        let lens: Vec<i32> = d.iter().map(|d| px(d[d.len() - 1]) - px(d[0])).collect();
        assert!(
            lens[..lens.len() - 1].iter().all(|&n| (6..=8).contains(&n)),
            "{lens:?}"
        );
        let n = (px(line[20]) - px(line[0])) as usize / 11;
        assert!((n..=n + 1).contains(&d.len()), "{} dashes", d.len());
        assert!(dashed(&l, &line[..1], (7.0, 4.0)).is_empty());
    }

    #[test]
    fn pixel_lengths_are_hypot_within_an_ulp() {
        for dx in (-3000..3000).step_by(7) {
            for dy in (-2000..2000).step_by(11) {
                let h = f64::from(dx).hypot(f64::from(dy));
                let d = px_len((5, 9), (5 + dx, 9 + dy));
                assert!((d - h).abs() <= h * f64::EPSILON, "{dx} {dy}: {d} {h}");
            }
        }
    }
}
