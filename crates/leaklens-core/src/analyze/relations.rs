//! What metrics say about each other: memory is nested (heap used and
//! external inside RSS; array buffers inside external) and V8 reserves heap
//! (heap total) ahead of what it uses.

use std::collections::BTreeMap;

use std::ops::Range;

use super::cycles::Cycles;
use super::judge::{MetricAnalysis, Slope};
use super::retained::bin;
use crate::report::{Assessment, Decision};
use crate::Metric;

/// A contained metric's growth is the container's when it accounts for at
/// least this share of the container's slope.
const CONTAINED_SHARE: f64 = 0.5;
/// The live heap "holds" when its retained level rose by less than this
/// share of RSS's rise.
const HEAP_HOLDS_SHARE: f64 = 0.25;

/// A metric still rising but not decided on its own is leaking when a metric
/// that contains it (heap used ⊂ RSS; array buffers ⊂ external ⊂ RSS) leaks
/// and it accounts for at least half of that growth: the container is the
/// same growth seen with less GC noise. Heap total is not used: V8 reserves
/// heap in chunks, a staircase even during a warm-up.
pub(crate) fn corroborate(analyses: &mut BTreeMap<Metric, MetricAnalysis>) {
    let containers: [(Metric, &[Metric]); 3] = [
        (Metric::HeapUsed, &[Metric::Rss]),
        (Metric::ArrayBuffers, &[Metric::External, Metric::Rss]),
        (Metric::External, &[Metric::Rss]),
    ];
    for (inner, outer) in containers {
        let Some(a) = analyses.get(&inner) else {
            continue;
        };
        // Rising (significantly, fast enough) but undecided on its own.
        let r = &a.report;
        let candidate = r.assessment == Assessment::RisingUndecided
            && r.decided_by == Decision::StillRising
            && r.slope_per_cycle > 0.0;
        if !candidate {
            continue;
        }
        let slope = r.slope_per_cycle;
        let backed = outer.iter().any(|o| {
            analyses.get(o).is_some_and(|b| {
                b.report.assessment == Assessment::Leaking
                    && slope >= CONTAINED_SHARE * b.report.slope_per_cycle
            })
        });
        if backed {
            if let Some(a) = analyses.get_mut(&inner) {
                a.report.assessment = Assessment::Leaking;
                a.report.decided_by = Decision::ContainedGrowth;
                a.report.judgement = format!(
                    "{}, and a metric that contains it leaks: the same growth",
                    a.report.judgement
                );
            }
        }
    }
}

/// RSS holds V8's committed heap (heap total) and the native memory
/// beside it. RSS judged leaking, whose part beyond heap total (RSS − heap
/// total per cycle) does not itself rise at the practical minimum, grows
/// because V8 reserves heap; when the live heap holds (bounded, or rising
/// by a small part of RSS's rise), or is untested by any collection, that
/// is no evidence of a leak by itself (V8 keeps the
/// high-water mark of a heap whose garbage it has not collected yet, up to
/// its limit), and RSS stays undecided. A heap undecided for its noise
/// alone leaves RSS's verdict standing: the same growth, seen cleaner.
pub(crate) fn reserved_heap(
    analyses: &mut BTreeMap<Metric, MetricAnalysis>,
    c: &Cycles,
    seg: &Range<usize>,
    alpha: f64,
) {
    let rise = |m: Metric| {
        analyses
            .get(&m)
            .map(|a| a.report.current - a.report.baseline)
            .unwrap_or(f64::NAN)
    };
    // The live heap holds: its retained level rose by a small part of
    // RSS's rise, however noisy its own judgement.
    let heap_holds = rise(Metric::HeapUsed) < HEAP_HOLDS_SHARE * rise(Metric::Rss);
    let heap = analyses.get(&Metric::HeapUsed).map(|a| a.report.decided_by);
    let heap_says_nothing = heap_holds
        || matches!(
            heap,
            Some(
                Decision::Uncollected
                    | Decision::IntervalBelowMinimum
                    | Decision::BoundedModel
                    | Decision::Falling
            )
        );
    let rss = analyses.get(&Metric::Rss).map(|a| a.report.assessment);
    if rss != Some(Assessment::Leaking)
        || !analyses.contains_key(&Metric::HeapTotal)
        || !heap_says_nothing
    {
        return;
    }
    let (rss, total) = (
        &c.floor[Metric::Rss.index()],
        &c.floor[Metric::HeapTotal.index()],
    );
    let native: Vec<(f64, f64)> = bin(seg
        .clone()
        .filter(|&i| rss.get(i).is_finite() && total.get(i).is_finite())
        .map(|i| (c.cycle[i] as f64, rss.get(i) - total.get(i)))
        .collect());
    let Some(a) = analyses.get_mut(&Metric::Rss) else {
        return;
    };
    // Over the stretch RSS's own rise was judged on.
    let from = a.report.recent_from_cycle as f64;
    let xs: Vec<f64> = native.iter().filter(|p| p.0 >= from).map(|p| p.0).collect();
    let ys: Vec<f64> = native.iter().filter(|p| p.0 >= from).map(|p| p.1).collect();
    let min = a.report.practical_slope;
    let beyond_heap_rises = Slope::of(&xs, &ys, alpha).is_none_or(|t| t.rising && t.slope >= min);
    if beyond_heap_rises {
        return;
    }
    a.report.assessment = Assessment::RisingUndecided;
    a.report.decided_by = Decision::ReservedHeap;
    a.report.judgement = format!(
        "{}; but what RSS holds beyond heap total does not rise: V8 reserving heap for a heap that is bounded or not yet collected",
        a.report.judgement
    );
    a.report.cycles_needed = None;
}
