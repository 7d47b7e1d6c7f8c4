//! Restarts split a run into the lifetimes of its processes (segments),
//! judged apart: a new process's level is not compared with the old one's.

use std::ops::Range;

use super::cycles::Cycles;
use crate::stats::median_in;
use crate::Metric;

/// A fall of the floor below this share of its recent level (and by more
/// than [`RESTART_MIN_DROP_MB`]) is a new process, not a collection: a
/// garbage collection gives back garbage, not half of RSS.
const RESTART_FRACTION: f64 = 0.5;
const RESTART_MIN_DROP_MB: f64 = 5.0;

/// Splits cycles into segments at restarts: where the cycle counter started
/// again (`restarts`, see [`crate::Run::restarts`]), and where the floor of
/// RSS (else heap total, else heap used) drops below half of its recent
/// level.
pub(crate) fn segments(c: &Cycles, restarts: &[u64]) -> Vec<Range<usize>> {
    let n = c.len();
    let restart_at: Vec<usize> = restarts
        .iter()
        .map(|&r| c.cycle.partition_point(|&x| x < r))
        .filter(|&i| i > 0 && i < n)
        .collect();
    let mut cuts = restart_at.clone();
    let series = [Metric::Rss, Metric::HeapTotal, Metric::HeapUsed]
        .into_iter()
        .map(|m| &c.floor[m.index()])
        .find(|s| s.iter().filter(|v| v.is_finite()).count() >= 2);
    if let Some(s) = series {
        // The last three levels, oldest first (their median: no allocation
        // for each of a long run's cycles).
        let mut recent = [0.0; 3];
        let mut held = 0;
        let mut new_process = false;
        for i in 0..n {
            // A new process: its level is not compared with the old one's
            // (also when its first cycles lack the metric).
            new_process |= restart_at.binary_search(&i).is_ok();
            let v = s.get(i);
            if !v.is_finite() {
                continue;
            }
            if std::mem::take(&mut new_process) {
                held = 0;
            }
            let mut sorted = recent;
            if let Some(level) = median_in(&mut sorted[..held]) {
                if v < RESTART_FRACTION * level && level - v > RESTART_MIN_DROP_MB {
                    cuts.push(i);
                    held = 0;
                }
            }
            if held == 3 {
                recent.rotate_left(1);
                held = 2;
            }
            recent[held] = v;
            held += 1;
        }
    }
    crate::stats::sort_small(&mut cuts, usize::cmp);
    cuts.dedup();
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        out.push(start..cut);
        start = cut;
    }
    out.push(start..n);
    out
}

/// The segment judged: the last one long enough (half of `min_cycles`, at
/// least 3 cycles), else the longest.
pub(crate) fn judged(segs: &[Range<usize>], min_cycles: usize) -> usize {
    segs.iter()
        .rposition(|s| s.len() >= 3.max(min_cycles / 2))
        .or_else(|| {
            segs.iter()
                .enumerate()
                .max_by_key(|(i, s)| (s.len(), *i))
                .map(|(i, _)| i)
        })
        .unwrap_or(0)
}
