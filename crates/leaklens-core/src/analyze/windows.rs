//! The windowed analysis: every `interval` cycles, as the worker prints it,
//! but judged like the whole run: on retained levels (what survives GC,
//! not the raw first and last values a GC tooth swamps), with the same
//! test, and said in the verdict's words.

use std::collections::BTreeMap;

use super::config::Config;
use super::cycles::Cycles;
use super::judge::{rnd, Slope};
use super::retained::{bin, troughs};
use crate::report::{Trend, Verdict, Window, WindowSlope};
use crate::Metric;

/// A window has at least this many cycles (the first may have 3, so a short
/// run still gets one).
const MIN_WINDOW_CYCLES: usize = 5;

fn red_flag(m: Metric, slope: f64, cfg: &Config) -> Option<&'static str> {
    match m {
        Metric::HeapUsed if slope > cfg.heap_critical_slope => {
            Some("Significant heap growth detected - possible JavaScript object leak")
        }
        Metric::External => Some("External memory growing - Buffers/native objects kept alive"),
        Metric::Rss if slope > cfg.rss_critical_slope => {
            Some("RSS growing significantly - overall process memory leak")
        }
        Metric::BrowserMemory if slope > cfg.rss_critical_slope => {
            Some("Browser memory growing - the browser's processes keep memory")
        }
        Metric::Pages => Some("Page count increasing - pages not being closed"),
        Metric::Contexts => Some("Context count increasing - browser contexts not cleaned up"),
        _ => None,
    }
}

pub(crate) fn windows(c: &Cycles, metrics: &[Metric], cfg: &Config) -> Vec<Window> {
    let n = c.len();
    let interval = cfg.interval.max(2) as u64;
    if n == 0 {
        return Vec::new();
    }
    let first = c.cycle[0];
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < n {
        let w_start = first + ((c.cycle[i] - first) / interval) * interval;
        let w_end = w_start.saturating_add(interval - 1);
        let mut j = i;
        while j < n && c.cycle[j] <= w_end {
            j += 1;
        }
        let len = j - i;
        if len >= MIN_WINDOW_CYCLES || (ranges.is_empty() && j == n && len >= 3) {
            ranges.push(i..j);
        }
        i = j;
    }
    crate::par::map(&ranges, |r| window(c, r.clone(), metrics, cfg))
}

fn window(c: &Cycles, r: std::ops::Range<usize>, metrics: &[Metric], cfg: &Config) -> Window {
    let mut changes = BTreeMap::new();
    let mut trends = BTreeMap::new();
    let mut slopes = BTreeMap::new();
    let mut flags = Vec::new();
    let (mut growing, mut all_bounded, mut judged) = (false, true, 0);
    for &m in metrics {
        let src = if m.is_count() { &c.quiet } else { &c.floor };
        let all: Vec<(f64, f64)> = r
            .clone()
            .filter(|&k| src[m.index()].get(k).is_finite())
            .map(|k| (c.cycle[k] as f64, src[m.index()].get(k)))
            .collect();
        // Memory is judged on what survives GC, as for the whole run.
        // (A huge --interval is binned as the whole run is.)
        let pts = bin(if m.is_count() { all } else { troughs(&all).0 });
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let Some(t) = Slope::of(&xs, &ys, cfg.alpha) else {
            if m.is_verdict_metric() {
                all_bounded = false;
            }
            continue;
        };
        let span = xs[xs.len() - 1] - xs[0];
        let level = ys[ys.len() - 1];
        let min = rnd(cfg.practical_slope(m, level, span));
        let trend = if t.rising {
            Trend::Increasing
        } else if t.falling {
            Trend::Decreasing
        } else {
            Trend::Stable
        };
        changes.insert(m, rnd(t.slope * span));
        trends.insert(m, trend);
        slopes.insert(
            m,
            WindowSlope {
                slope: rnd(t.slope),
                lower: rnd(t.lower),
                upper: rnd(t.upper),
            },
        );
        if m.is_verdict_metric() {
            judged += 1;
            growing |= t.rising && t.slope >= min;
            all_bounded &= t.upper < min;
        }
        if trend == Trend::Increasing {
            flags.extend(red_flag(m, t.slope, cfg).map(String::from));
        }
    }
    // The window's headline: growing if any leak-relevant metric grows,
    // else the heap's own trend.
    let any_up = trends
        .iter()
        .any(|(k, t)| *t == Trend::Increasing && k.is_verdict_metric());
    let trend = if any_up {
        Trend::Increasing
    } else {
        trends
            .get(&Metric::HeapUsed)
            .copied()
            .unwrap_or(Trend::Stable)
    };
    let verdict = if growing {
        Verdict::Leak
    } else if all_bounded && judged > 0 {
        Verdict::NoLeak
    } else {
        Verdict::Inconclusive
    };
    Window {
        start_cycle: c.cycle[r.start],
        end_cycle: c.cycle[r.end - 1],
        trend,
        verdict,
        changes,
        trends,
        slopes,
        flags,
    }
}
