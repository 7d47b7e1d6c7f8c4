//! What the chart shows under the pointer: a crosshair on the nearest
//! snapshot, a dot on each visible series and a tooltip. Pure logic, no
//! DOM: tested natively.

use leaklens_chart::{ChartKind, ChartLayout};
use leaklens_core::text::{signed_unit as signed, with_unit as unit};

use super::interact::{to_css, TOOLTIP_OFFSET};
use crate::load::Analysed;
use crate::shown;
use crate::state::ViewState;

/// What the hover tooltip shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    pub left: f64,
    pub top: f64,
    /// Right of the middle of the plot the tooltip's right edge is at
    /// `left`, so that it stays on the chart (and on a phone's screen).
    pub flip: bool,
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
    /// The device pixel ratio between the two.
    pub dpr: f64,
}

/// The hover at pointer `p` over the chart of `kind` laid out as `l`; `None`
/// off the plot or without data.
pub fn hover_at(
    run: &Analysed,
    kind: ChartKind,
    l: &ChartLayout,
    p: Pointer,
    v: &ViewState,
) -> Option<Hover> {
    if !l.contains(p.device.0, p.device.1) {
        return None;
    }
    let index = run.prepared(v.time_axis, v.log_y);
    let i = index.nearest(l.x_at(p.device.0))?;
    let css = |px: i32| to_css(px, p.dpr);
    let (_, top, _, bottom) = l.plot_px;
    let data = &run.parsed.run;
    let dots = kind
        .metrics()
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
    let flip = 2 * p.device.0 > l.plot_px.0 + l.plot_px.2;
    let side = if flip { -1.0 } else { 1.0 };
    Some(Hover {
        left: f64::from(p.css.0) + side * TOOLTIP_OFFSET.0,
        flip,
        top: f64::from(p.css.1) + TOOLTIP_OFFSET.1,
        lines: describe(run, i, kind, v),
        cross: (css(l.px_at_x(index.x_of(i))), css(top), css(bottom - top)),
        dots,
    })
}

/// The tooltip of snapshot `i`: its cycle and label, every visible value,
/// the change since the previous snapshot and since the start.
pub fn describe(a: &Analysed, i: usize, kind: ChartKind, v: &ViewState) -> Vec<String> {
    let run = &a.parsed.run;
    let mut lines = vec![format!("Cycle {} — {}", run.cycle(i), shown(run.label(i)))];
    if let Some(t) = run.timestamp(i) {
        lines.push(clock(t));
    }
    for &m in kind.metrics() {
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
    use leaklens_core::ingest;
    use leaklens_core::Metric;
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
        let lines = describe(&a, 1, ChartKind::Memory, &v);
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
        let lines = describe(&a, 0, ChartKind::Memory, &hidden);
        assert!(lines
            .iter()
            .all(|l| !l.starts_with(Metric::HeapUsed.display_name())));
        assert!(lines.iter().all(|l| !l.contains("Δprev")));
    }

    #[test]
    fn hover_finds_the_nearest_snapshot_on_the_plot_only() {
        let a = run();
        let l = super::super::interact::tests::layout((0, 0, 200, 100), (1.0, 3.0));
        let v = ViewState::default();
        let at = |x: i32, y: i32| Pointer {
            css: (x / 2, y / 2),
            device: (x, y),
            dpr: 2.0,
        };
        let h = hover_at(&a, ChartKind::Memory, &l, at(96, 50), &v).expect("on the plot");
        assert_eq!(h.lines[0], describe(&a, 1, ChartKind::Memory, &v)[0]);
        assert_eq!(h.cross, (50.0, 0.0, 50.0));
        assert_eq!(
            (h.left - TOOLTIP_OFFSET.0, h.top - TOOLTIP_OFFSET.1),
            (48.0, 25.0)
        );
        assert!(!h.dots.is_empty());
        // Right of the middle, the tooltip is left of the pointer.
        assert!(!h.flip);
        let right = hover_at(&a, ChartKind::Memory, &l, at(150, 50), &v).expect("on the plot");
        assert!(right.flip && right.left == 75.0 - TOOLTIP_OFFSET.0);
        assert!(hover_at(&a, ChartKind::Memory, &l, at(300, 50), &v).is_none());
    }
}
