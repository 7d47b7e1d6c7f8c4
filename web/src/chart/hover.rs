//! What the charts show under the pointer: a crosshair on the nearest
//! snapshot, across every panel of a chart, a dot on each visible series
//! and, on the panel under the pointer, a tooltip with every series. Pure
//! logic, no DOM: tested natively.

use leaklens_chart::{ChartLayout, Prepared};
use leaklens_core::text::{signed_unit as signed, with_unit as unit};
use leaklens_core::Metric;

use super::interact::{to_css, TOOLTIP_OFFSET};
use crate::load::Analysed;
use crate::shown;
use crate::state::ViewState;

/// What a panel shows of the hover.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Hover {
    pub left: f64,
    pub top: f64,
    /// Right of the middle of the plot the tooltip's right edge is at
    /// `left`, so that it stays on the chart (and on a phone's screen).
    pub flip: bool,
    /// The tooltip's lines: none on the panels the pointer is not on.
    pub lines: Vec<String>,
    /// The crosshair, CSS pixels: x of the snapshot, top and height of the plot.
    pub cross: (f64, f64, f64),
    /// A dot on each visible series at that snapshot: (top, color).
    pub dots: Vec<(f64, String)>,
}

/// The pointer on the chart.
#[derive(Clone, Copy, Debug)]
pub struct Pointer {
    /// Its offset in the canvas, CSS pixels.
    pub css: (i32, i32),
    /// The same in device pixels.
    pub device: (i32, i32),
}

/// The snapshot nearest to the pointer's column, when the pointer is on the
/// plot of the chart laid out as `l`.
pub fn snapshot_at(p: &Prepared, l: &ChartLayout, at: Pointer) -> Option<usize> {
    l.contains(at.device.0, at.device.1)
        .then(|| p.nearest(l.x_at(at.device.0)))
        .flatten()
}

/// What the panel of `metrics` laid out as `l` shows of snapshot `i` (at
/// `x` on its axis): the crosshair, a dot on each visible series, and with
/// the pointer on it (`tip`) the tooltip of every series of `all` there.
pub fn hover_of(
    a: &Analysed,
    (i, x): (usize, f64),
    (metrics, l): (&[Metric], &ChartLayout),
    dpr: f64,
    tip: Option<(Pointer, &[Metric])>,
    v: &ViewState,
) -> Hover {
    let css = |px: i32| to_css(px, dpr);
    let (_, top, _, bottom) = l.plot_px;
    let data = &a.parsed.run;
    let dots = metrics
        .iter()
        .filter(|m| !v.hidden.contains(m) && data.has_metric(**m))
        .filter_map(|&m| {
            let y = data.value(m, i);
            let py = l.px_at_y(y);
            (y.is_finite() && (top..=bottom).contains(&py)).then(|| {
                let (r, g, b) = leaklens_chart::metric_color(m);
                (css(py), format!("rgb({r},{g},{b})"))
            })
        })
        .collect();
    let mut h = Hover {
        cross: (css(l.px_at_x(x)), css(top), css(bottom - top)),
        dots,
        ..Hover::default()
    };
    if let Some((p, all)) = tip {
        h.flip = 2 * p.device.0 > l.plot_px.0 + l.plot_px.2;
        let side = if h.flip { -1.0 } else { 1.0 };
        h.left = f64::from(p.css.0) + side * TOOLTIP_OFFSET.0;
        h.top = f64::from(p.css.1) + TOOLTIP_OFFSET.1;
        h.lines = describe(a, i, all, v);
    }
    h
}

/// The tooltip of snapshot `i`: its cycle and label, every visible value of
/// `metrics`, the change since the previous snapshot and since the start.
pub fn describe(a: &Analysed, i: usize, metrics: &[Metric], v: &ViewState) -> Vec<String> {
    let run = &a.parsed.run;
    let mut lines = vec![format!("Cycle {} — {}", run.cycle(i), shown(run.label(i)))];
    if let Some(t) = run.timestamp(i) {
        lines.push(clock(t));
    }
    for &m in metrics {
        if v.hidden.contains(&m) || !run.has_metric(m) {
            continue;
        }
        let val = run.value(m, i);
        if !val.is_finite() {
            continue;
        }
        let prev = if i > 0 { run.value(m, i - 1) } else { f64::NAN };
        let first = run
            .column(m)
            .iter()
            .find(|x| x.is_finite())
            .unwrap_or(f64::NAN);
        let mut line = format!("{}: {}", m.display_name(), unit(m, val));
        if prev.is_finite() {
            line.push_str(&format!("  (Δprev {}", signed(m, val - prev)));
            line.push_str(&format!(", Δstart {})", signed(m, val - first)));
        }
        lines.push(line);
    }
    lines
}

/// The time of day of a timestamp (ms since the epoch), UTC.
fn clock(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{analyse, ParsedInput};
    use leaklens_chart::ChartKind;
    use leaklens_core::ingest;
    use std::sync::Arc;

    fn run() -> Arc<Analysed> {
        let text = (1..=3)
            .map(|c| {
                format!(
                    "{{\"cycle\":{c},\"label\":\"After\\u202escrape\",\"timestamp\":{},\"nodejs\":{{\"heapUsed\":{},\"heapTotal\":90,\"rss\":150,\"external\":4,\"arrayBuffers\":1}}}}\n",
                    3_600_000 + c * 1000,
                    50 + c * 2,
                )
            })
            .collect::<String>();
        let parsed = ingest::parse("t.ndjson", text.as_bytes()).expect("a run");
        let input = ParsedInput {
            name: "t.ndjson".into(),
            result: Ok(Arc::new(parsed)),
        };
        analyse(&[input], None, &[]).runs.remove(0)
    }

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock(0), "00:00:00 UTC");
        assert_eq!(clock(90_061_000), "01:01:01 UTC");
    }

    #[test]
    fn the_tooltip_says_the_snapshot_and_its_changes() {
        let a = run();
        let v = ViewState::default();
        let memory = ChartKind::Memory.metrics();
        let lines = describe(&a, 1, memory, &v);
        assert_eq!(lines[0], "Cycle 2 — After\u{fffd}scrape");
        assert_eq!(lines[1], "01:00:02 UTC");
        let heap = lines
            .iter()
            .find(|l| l.starts_with(Metric::HeapUsed.display_name()))
            .expect("heap used");
        assert!(heap.contains("Δprev") && heap.contains("Δstart"), "{heap}");
        // A hidden series is not described; the first snapshot has no change.
        let hidden = ViewState {
            hidden: vec![Metric::HeapUsed],
            ..ViewState::default()
        };
        let lines = describe(&a, 0, memory, &hidden);
        assert!(lines
            .iter()
            .all(|l| !l.starts_with(Metric::HeapUsed.display_name())));
        assert!(lines.iter().all(|l| !l.contains("Δprev")));
    }

    #[test]
    fn hover_finds_the_nearest_snapshot_on_the_plot_only() {
        let a = run();
        let p = a.prepared(false, false);
        let l = super::super::interact::tests::layout((0, 0, 200, 100), (1.0, 3.0));
        let v = ViewState::default();
        let at = |x: i32, y: i32| Pointer {
            css: (x / 2, y / 2),
            device: (x, y),
        };
        let memory = ChartKind::Memory.metrics();
        let hover = |pt: Pointer, tip: bool| {
            let i = snapshot_at(p, &l, pt)?;
            let tip = tip.then_some((pt, memory));
            Some(hover_of(&a, (i, p.x_of(i)), (memory, &l), 2.0, tip, &v))
        };
        let h = hover(at(96, 50), true).expect("on the plot");
        assert_eq!(h.lines, describe(&a, 1, memory, &v));
        assert_eq!(h.cross, (50.0, 0.0, 50.0));
        assert_eq!(
            (h.left - TOOLTIP_OFFSET.0, h.top - TOOLTIP_OFFSET.1),
            (48.0, 25.0)
        );
        assert_eq!(h.dots.len(), 5, "a dot per memory series the run has");
        // Right of the middle, the tooltip is left of the pointer.
        assert!(!h.flip);
        let right = hover(at(150, 50), true).expect("on the plot");
        assert!(right.flip && right.left == 75.0 - TOOLTIP_OFFSET.0);
        assert!(hover(at(300, 50), true).is_none());
        // Another panel: the crosshair and its own dots, no tooltip.
        let heap = [Metric::HeapUsed, Metric::HeapTotal];
        let i = snapshot_at(p, &l, at(96, 50)).unwrap();
        let other = hover_of(&a, (i, p.x_of(i)), (&heap, &l), 2.0, None, &v);
        assert_eq!(other.cross, h.cross);
        assert!(other.lines.is_empty() && other.dots.len() == 2);
    }
}
