//! `analyze(&Run, &Config) -> Report`: from snapshots to a verdict with evidence.
//!
//! The method, per metric:
//! 1. Per cycle, the floor (minimum over the cycle's snapshots) and the peak
//!    (maximum); for page/context counts the quiet point (`After cleanup`, or
//!    the minimum) so a page recreate's transient extra page is not counted.
//! 2. GC makes heapUsed a sawtooth across cycles too, so for memory the
//!    retained level is the lower envelope of the floors: their troughs.
//! 3. A restart (the floor of RSS, else the heap, halves) starts a new
//!    segment; the last long-enough segment is judged.
//! 4. "Is it still growing now?": Mann–Kendall (autocorrelation-corrected) and
//!    Sen's slope with its interval on the recent half of the retained level,
//!    against a practical minimum slope.
//! 5. "Does it grow forever?": bounded models (flat, saturating, single step,
//!    ramp then flat) against growing ones (linear, exponential, plateau then
//!    growth, staircase) by BIC. Only a clear win of a growing model makes a
//!    leak; still rising without one is inconclusive, never a false alarm.

use std::collections::BTreeMap;

use crate::ingest::Parsed;
use crate::models::{self, Fit};
use crate::report::*;
use crate::stats::{self, median, trend_test};
use crate::text::num;
use crate::{Metric, Run};

/// Knobs of the analysis. Defaults follow the guide.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Windowed analysis every N cycles (the worker's `PROFILING_ANALYSIS_INTERVAL`).
    pub interval: usize,
    /// Absolute heapUsed threshold (MB): `threshold_exceeded` above it.
    pub heap_threshold_mb: f64,
    /// Absolute RSS threshold (MB), if any.
    pub rss_threshold_mb: Option<f64>,
    /// Limits to forecast against (MB, or count for pages/contexts).
    pub limits: BTreeMap<Metric, f64>,
    /// Significance level of the trend tests.
    pub alpha: f64,
    /// Discounted ΔBIC a growing model needs over every bounded one.
    pub evidence_threshold: f64,
    /// Heap growth per cycle the guide calls critical (MB).
    pub heap_critical_slope: f64,
    /// RSS growth per cycle the guide calls critical (MB).
    pub rss_critical_slope: f64,
    /// Practical minimum growth of a memory metric worth reporting (MB/cycle).
    pub min_slope_mb: f64,
    /// Practical minimum growth of a count (per cycle).
    pub min_slope_count: f64,
    /// Pages/contexts above the baseline pool before accumulation is a leak.
    pub min_count_excess: f64,
    /// Growth over the judged stretch, as a fraction of the level, below
    /// which a memory metric's rise is not worth a verdict (yet).
    pub min_relative_growth: f64,
    /// A slow leak on a long run: growth over the judged stretch (MB) that is
    /// worth a verdict even when the slope per cycle is below `min_slope_mb`,
    /// if it is also `slow_leak_relative_growth` of the level.
    pub min_total_growth_mb: f64,
    pub slow_leak_relative_growth: f64,
    /// Cycles needed before a run can be called leak-free.
    pub min_cycles: usize,
    /// A limit this many cycles away (or fewer) is imminent.
    pub imminent_cycles: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interval: 20,
            heap_threshold_mb: 500.0,
            rss_threshold_mb: None,
            limits: BTreeMap::new(),
            alpha: 0.01,
            evidence_threshold: 10.0,
            heap_critical_slope: 10.0,
            rss_critical_slope: 50.0,
            min_slope_mb: 0.1,
            min_slope_count: 0.02,
            min_count_excess: 2.0,
            min_relative_growth: 0.01,
            min_total_growth_mb: 20.0,
            slow_leak_relative_growth: 0.1,
            min_cycles: 15,
            imminent_cycles: 10.0,
        }
    }
}

/// Rounds to 6 significant digits: reports stay readable and identical on
/// every target.
pub(crate) fn rnd(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return if x.is_finite() { 0.0 } else { x };
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// Per-cycle aggregates of a run.
struct Cycles {
    cycle: Vec<u64>,
    floor: [Vec<f64>; 7],
    peak: [Vec<f64>; 7],
    quiet: [Vec<f64>; 7],
    /// First timestamp of the cycle (ms).
    ts: Vec<Option<i64>>,
    /// Index range of the cycle's snapshots in the run.
    ranges: Vec<std::ops::Range<usize>>,
}

fn is_cleanup_label(s: &str) -> bool {
    s.to_ascii_lowercase().contains("cleanup")
}

/// Ids of the labels that name the cleanup point of a cycle.
fn cleanup_label_ids(run: &Run) -> Vec<u32> {
    run.label_names()
        .names()
        .enumerate()
        .filter(|(_, s)| is_cleanup_label(s))
        .map(|(i, _)| i as u32)
        .collect()
}

fn per_cycle(run: &Run) -> Cycles {
    let ranges = run.cycle_ranges();
    let n = ranges.len();
    let mut c = Cycles {
        cycle: Vec::with_capacity(n),
        floor: Default::default(),
        peak: Default::default(),
        quiet: Default::default(),
        ts: Vec::with_capacity(n),
        ranges: Vec::with_capacity(n),
    };
    let cleanup_ids = cleanup_label_ids(run);
    for m in Metric::ALL {
        let col = run.column(m);
        let (floor, peak, quiet) = (
            &mut c.floor[m.index()],
            &mut c.peak[m.index()],
            &mut c.quiet[m.index()],
        );
        floor.reserve(n);
        peak.reserve(n);
        quiet.reserve(n);
        for (_, r) in &ranges {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            let mut q = f64::NAN;
            for i in r.clone() {
                let v = col[i];
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                    if q.is_nan() && cleanup_ids.contains(&run.label_id(i)) {
                        q = v;
                    }
                }
            }
            if lo.is_finite() {
                floor.push(lo);
                peak.push(hi);
                quiet.push(if q.is_nan() { lo } else { q });
            } else {
                floor.push(f64::NAN);
                peak.push(f64::NAN);
                quiet.push(f64::NAN);
            }
        }
    }
    for (cy, r) in ranges {
        c.cycle.push(cy);
        c.ts.push(r.clone().find_map(|i| run.timestamp(i)));
        c.ranges.push(r);
    }
    c
}

/// Splits cycles into segments at restarts: where the cycle counter started
/// again (`restarts`, see [`Run::restarts`]), and where the floor of RSS
/// (else heap total, else heap used) drops below half of its recent level.
fn segments(c: &Cycles, restarts: &[u64]) -> Vec<std::ops::Range<usize>> {
    let n = c.cycle.len();
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
        let mut recent: Vec<f64> = Vec::new();
        let mut new_process = false;
        for i in 0..n {
            // A new process: its level is not compared with the old one's
            // (also when its first cycles lack the metric).
            new_process |= restart_at.binary_search(&i).is_ok();
            let v = s[i];
            if !v.is_finite() {
                continue;
            }
            if std::mem::take(&mut new_process) {
                recent.clear();
            }
            if let Some(level) = median(&recent) {
                if v < 0.5 * level && level - v > 5.0 {
                    cuts.push(i);
                    recent.clear();
                }
            }
            recent.push(v);
            if recent.len() > 3 {
                recent.remove(0);
            }
        }
    }
    cuts.sort_unstable();
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

/// Fewer troughs than this are too few to judge a run on by themselves:
/// on 5 points even a perfectly monotone rise has an exact Mann–Kendall
/// p of 2/5! = 0.017, never significant at the default α = 0.01.
const MIN_TROUGHS: usize = 6;
/// A collection giving back less than this share of the series' range is
/// minor next to its growth.
const MINOR_FALL: f64 = 0.25;

/// The envelope of a per-cycle series (the lower one for `lower`, else the
/// upper one, mirrored). GC makes a sawtooth: each tooth starts at a trough
/// (what survived the collection), rises with garbage and falls back when it
/// is collected. The troughs are the retained levels.
///
/// Not every dip is a collection: a tooth ends in a fall clear of the noise
/// (3 × the MAD of the cycle-to-cycle steps). A series with dips but no such
/// fall anywhere has no GC sawtooth (a steady leak whose noise dips now and
/// then, RSS holding its high-water mark): every point of it is a retained
/// level. Judging it on its few dips lost clear leaks. Where collections do
/// happen, a dip without one is noise inside a tooth and only the troughs
/// count. A stretch with no trough at the start or the end of the run that
/// is much longer than any tooth is growth without collection: there every
/// block of a tooth's length contributes its minimum. Minima are defined
/// symmetrically in time, so noise gets no direction. Fewer troughs than
/// [`MIN_TROUGHS`], from collections that give back little of the range,
/// are no envelope: every point is kept.
fn envelope(v: &[(f64, f64)], lower: bool) -> Vec<(f64, f64)> {
    let n = v.len();
    if n < 3 {
        return v.to_vec();
    }
    let y = |i: usize| if lower { v[i].1 } else { -v[i].1 };
    let extrema: Vec<usize> = (1..n - 1)
        .filter(|&i| y(i) <= y(i - 1) && y(i) <= y(i + 1))
        .collect();
    let noise = first_difference_noise(v, lower);
    // A collection: the fall from the stretch's top into its closing trough
    // is clear of the noise.
    // How far the series falls into trough `b` from the top of `a..b`.
    let fall = |a: usize, b: usize| {
        let top = (a + 1..b).map(y).fold(f64::NEG_INFINITY, f64::max);
        (top - y(b), top)
    };
    let collected = |a: usize, b: usize| {
        let (f, top) = fall(a, b);
        f > 3.0 * noise + 1e-9 * top.abs()
    };
    let mut largest_fall: f64 = 0.0;
    let mut teeth: Vec<usize> = Vec::new();
    for w in extrema.windows(2) {
        if w[1] - w[0] >= 2 && collected(w[0], w[1]) {
            teeth.push(w[1] - w[0]);
            largest_fall = largest_fall.max(fall(w[0], w[1]).0);
        }
    }
    let (Some(&first), Some(&last)) = (extrema.first(), extrema.last()) else {
        // Monotone: every point is a retained level.
        return v.to_vec();
    };
    // The head counts as a tooth when it ends in a collection.
    if first >= 2 && collected(0, first) {
        teeth.push(first);
        largest_fall = largest_fall.max(fall(0, first).0);
    }
    if teeth.is_empty() {
        // Dips, but no collection anywhere: every point is a retained level.
        return v.to_vec();
    }
    teeth.sort_unstable();
    // A tooth's typical length (the block size) and its longest one: only a
    // stretch longer than twice the longest tooth seen is growth without
    // collection rather than a tooth still filling with garbage.
    let tooth = teeth[teeth.len() / 2].max(1);
    let longest = teeth[teeth.len() - 1].max(1);
    let block_minima = |range: std::ops::Range<usize>, out: &mut Vec<usize>| {
        let mut start = range.start;
        while start < range.end {
            let end = (start + tooth).min(range.end);
            if let Some(i) = (start..end).min_by(|&a, &b| y(a).total_cmp(&y(b))) {
                out.push(i);
            }
            start = end;
        }
    };
    let mut keep: Vec<usize> = Vec::with_capacity(extrema.len() + 8);
    // Head: before the first trough.
    if first > 2 * longest {
        block_minima(0..first, &mut keep);
    } else if y(0) <= y(1) {
        keep.push(0);
    }
    keep.extend(&extrema);
    // Tail: after the last trough.
    if n - 1 - last > 2 * longest {
        block_minima(last + 1..n, &mut keep);
    } else if y(n - 1) <= y(n - 2) {
        keep.push(n - 1);
    }
    keep.sort_unstable();
    keep.dedup();
    // Too few troughs to judge, and collections that give back little of
    // what the series gained (a fast leak with rare major GCs, RSS that
    // now and then returns a few MB): the series moves with its growth, not
    // its collections, and every point is a better picture of the retained
    // level than a handful of troughs.
    let (lo, hi) = (0..n)
        .map(y)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    if keep.len() < MIN_TROUGHS && largest_fall < MINOR_FALL * (hi - lo) {
        return v.to_vec();
    }
    keep.into_iter().map(|i| v[i]).collect()
}

/// The noise of a series, from its steps: the spread (MAD, scaled to a
/// standard deviation) of the differences between neighbours. GC drops are
/// few and large, so they do not inflate it; a steady trend only shifts the
/// differences, so it does not either.
fn first_difference_noise(v: &[(f64, f64)], lower: bool) -> f64 {
    let d: Vec<f64> = v
        .windows(2)
        .map(|w| {
            if lower {
                w[1].1 - w[0].1
            } else {
                w[0].1 - w[1].1
            }
        })
        .collect();
    let Some(mid) = median(&d) else {
        return 0.0;
    };
    let dev: Vec<f64> = d.iter().map(|x| (x - mid).abs()).collect();
    1.4826 * median(&dev).unwrap_or(0.0)
}

/// At most `MAX_POINTS` points: consecutive groups replaced by their medians.
const MAX_POINTS: usize = 400;

fn bin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let size = points.len().div_ceil(MAX_POINTS);
    points
        .chunks(size)
        .map(|ch| {
            let xs: Vec<f64> = ch.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = ch.iter().map(|p| p.1).collect();
            (
                median(&xs).unwrap_or(f64::NAN),
                median(&ys).unwrap_or(f64::NAN),
            )
        })
        .collect()
}

/// The retained-level series of a metric over a segment: (cycle, value).
fn retained(c: &Cycles, m: Metric, seg: &std::ops::Range<usize>) -> Vec<(f64, f64)> {
    let source = if m.is_count() {
        &c.quiet[m.index()]
    } else {
        &c.floor[m.index()]
    };
    let pts: Vec<(f64, f64)> = seg
        .clone()
        .filter(|&i| source[i].is_finite())
        .map(|i| (c.cycle[i] as f64, source[i]))
        .collect();
    if m.is_count() {
        return bin(pts);
    }
    bin(envelope(&pts, true))
}

fn peaks(c: &Cycles, m: Metric, seg: &std::ops::Range<usize>) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = seg
        .clone()
        .filter(|&i| c.peak[m.index()][i].is_finite())
        .map(|i| (c.cycle[i] as f64, c.peak[m.index()][i]))
        .collect();
    bin(envelope(&pts, false))
}

/// Fewer retained points than this are a handful: too few for a trend test
/// to tell a slow rise from none.
const FEW_RETAINED: usize = 20;
/// The level at which a trend test on a handful of points leans to a rise.
const WEAK_ALPHA: f64 = 0.05;

/// The fewest retained points a recent half is judged on by itself.
const MIN_RECENT_JUDGED: usize = 20;

/// Recent part: the second half of the points (at least 8 of them, or all).
fn recent_start(pts: &[(f64, f64)]) -> usize {
    let n = pts.len();
    if n <= 8 {
        return 0;
    }
    let mid_x = pts[0].0 + (pts[n - 1].0 - pts[0].0) / 2.0;
    let by_x = pts.iter().position(|p| p.0 >= mid_x).unwrap_or(0);
    by_x.min(n - 8)
}

/// Places a level change of a piecewise-constant fit on the cycle where the
/// floor first crosses the midpoint of the two levels: the envelope only has
/// a point every GC period, the floors have one every cycle.
fn refine_step(
    c: &Cycles,
    m: Metric,
    seg: &std::ops::Range<usize>,
    xs: &[f64],
    fit: &Fit,
    x: f64,
) -> u64 {
    let fallback = x.round() as u64;
    if !matches!(fit.name, "staircase" | "step") {
        return fallback;
    }
    let Some(b) = xs.iter().position(|&v| v >= x) else {
        return fallback;
    };
    if b == 0 || b >= fit.fitted.len() {
        return fallback;
    }
    let (before, after) = (fit.fitted[b - 1], fit.fitted[b]);
    let mid = (before + after) / 2.0;
    let (lo, hi) = (xs[b - 1], xs[b]);
    let floor = &c.floor[m.index()];
    seg.clone()
        .filter(|&i| {
            let cy = c.cycle[i] as f64;
            cy > lo && cy <= hi && floor[i].is_finite()
        })
        .find(|&i| {
            if after >= before {
                floor[i] >= mid
            } else {
                floor[i] <= mid
            }
        })
        .map(|i| c.cycle[i])
        .unwrap_or(fallback)
}

/// A rise of `slope` per cycle over the stretch `xs` is of a practical size:
/// a fraction of a percent of a big RSS over a short stretch is noise even
/// when it happens to be monotone; and fast enough per cycle, or (a slow
/// leak on a long run) a lot over the stretch, in MB and against the level.
fn practical_size(slope: f64, xs: &[f64], m: Metric, cfg: &Config, current: f64) -> bool {
    let span = xs.last().copied().unwrap_or(0.0) - xs.first().copied().unwrap_or(0.0);
    let growth = slope * span;
    let big_enough = m.is_count() || growth >= cfg.min_relative_growth * current.abs();
    let min_slope = if m.is_count() {
        cfg.min_slope_count
    } else {
        cfg.min_slope_mb
    };
    let slow_but_large = !m.is_count()
        && growth >= cfg.min_total_growth_mb
        && growth >= cfg.slow_leak_relative_growth * current.abs();
    (slope >= min_slope || slow_but_large) && big_enough
}

/// True when each quarter of `ys` ends higher than it starts (the medians
/// of its first and last three points), on at least 8 points a quarter.
fn rises_in_every_quarter(ys: &[f64]) -> bool {
    let q = ys.len() / 4;
    if q < 8 {
        return false;
    }
    ys.chunks(q).take(4).all(|part| {
        let head = median(&part[..3]).unwrap_or(f64::NAN);
        let tail = median(&part[part.len() - 3..]).unwrap_or(f64::NAN);
        tail > head
    })
}

/// A metric's analysis, with what later stages need beside the report part.
struct MetricAnalysis {
    report: MetricReport,
    /// Recent slope interval of the peaks (for forecasts).
    peak_slope: Option<stats::SenSlope>,
    current_peak: f64,
    /// "Still rising, undecided" only because too few points cannot rule a
    /// rise out: too weak to count as growth against another explanation.
    not_ruled_out: bool,
}

fn model_fit_report(f: &Fit) -> ModelFit {
    ModelFit {
        name: f.name.to_string(),
        growing: f.growing,
        bic: rnd(f.bic),
        params: map_of(f.params.iter().map(|(k, v)| (k.clone(), rnd(*v)))),
    }
}

fn pattern_of(fit: &Fit) -> Pattern {
    match fit.name {
        "exponential" => Pattern::Exponential,
        "staircase" => Pattern::Step,
        "plateau_then_growth" => Pattern::PlateauThenGrowth,
        _ => Pattern::Linear,
    }
}

fn analyze_metric(
    c: &Cycles,
    m: Metric,
    seg: &std::ops::Range<usize>,
    cfg: &Config,
    cycle_hours: Option<f64>,
) -> Option<MetricAnalysis> {
    let col = &c.floor[m.index()];
    let raw: Vec<f64> = seg
        .clone()
        .filter_map(|i| col[i].is_finite().then_some(col[i]))
        .collect();
    if raw.is_empty() {
        return None;
    }
    let pts = retained(c, m, seg);
    let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let selection = models::select(&xs, &ys);
    let mut grows_forever = selection.evidence >= cfg.evidence_threshold;
    // A warm-up (a fast rise over the first cycles) ahead of a steady leak:
    // no model of the whole run has both, so the best one (a line) misses
    // the warm-up, its residuals run in long streaks and the evidence is
    // discounted away. When a growing model still fits the whole run best,
    // the recent half, past the warm-up, is judged on its own: a cache still
    // filling bends there (a bounded model wins), a leak stays straight.
    if !grows_forever && selection.fits.first().is_some_and(|f| f.growing) {
        let r0 = recent_start(&pts);
        // Model choice on a handful of points is a coin toss.
        if r0 > 0 && pts.len() - r0 >= MIN_RECENT_JUDGED {
            let recent = models::select(&xs[r0..], &ys[r0..]);
            grows_forever = recent.evidence >= cfg.evidence_threshold
                && recent.fits.first().is_some_and(|f| f.growing);
        }
    }
    // The current regime, where "is it still growing now?" is asked: after
    // the onset of a plateau-then-growth, the whole segment for a staircase
    // (its steps are sparse events), else the recent half.
    let winner = selection
        .best_growing
        .filter(|_| grows_forever)
        .map(|i| &selection.fits[i]);
    let rs = match winner.map(|f| (f.name, f.change_points.first())) {
        Some(("staircase", _)) => 0,
        Some(("plateau_then_growth", Some(&onset))) => xs
            .iter()
            .position(|&x| x >= onset)
            .filter(|&i| xs.len() - i >= 4)
            .unwrap_or_else(|| recent_start(&pts)),
        _ => recent_start(&pts),
    };
    let (rx, ry) = (&xs[rs..], &ys[rs..]);
    let (mk, sen) = trend_test(rx, ry, cfg.alpha);
    let min_slope = if m.is_count() {
        cfg.min_slope_count
    } else {
        cfg.min_slope_mb
    };

    let k = (ys.len() / 10).clamp(1, 3);
    // For counts the baseline is the pool the worker starts with.
    let baseline = if m.is_count() {
        ys[..k.min(ys.len())]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    } else {
        median(&ys[..k.min(ys.len())]).unwrap_or(f64::NAN)
    };
    let current = median(&ys[ys.len() - k.min(ys.len())..]).unwrap_or(f64::NAN);

    let (slope, lo, hi, intercept) = match sen {
        Some(s) => (s.slope, s.lower, s.upper, s.intercept),
        None => (0.0, 0.0, 0.0, ys.first().copied().unwrap_or(0.0)),
    };
    let significant = mk.p < cfg.alpha;
    let rising = significant && mk.s > 0.0 && practical_size(slope, rx, m, cfg, current);
    let falling = significant && mk.s < 0.0 && slope <= -min_slope && hi < 0.0;
    // Growth over the whole run that the recent half alone does not confirm
    // (a leak under a big, irregular sawtooth leaves few and noisy recent
    // troughs): still rising, undecided, rather than bounded, when a growing
    // model also fits the whole run better than every bounded one. Never a
    // leak by itself: only "is it still growing now?" can make one.
    let rising_overall = !rising && rs > 0 && selection.evidence > 0.0 && {
        let (mk_all, sen_all) = trend_test(&xs, &ys, cfg.alpha);
        mk_all.p < cfg.alpha
            && mk_all.s > 0.0
            && sen_all.is_some_and(|s| practical_size(s.slope, &xs, m, cfg, current))
    };
    let enough = pts.len() >= 5;
    // A rise of practical size on a handful of retained points (a heap
    // collected a few times in the run): a trend test on so few cannot
    // reach α unless nearly every pair is in order, so its failing to is no
    // evidence that the level is bounded. When the test still leans to a
    // rise and no bounded model fits decisively better, the run cannot rule
    // a leak out: still rising, undecided. Never a leak by itself.
    let cannot_rule_out = !rising
        && enough
        && pts.len() < FEW_RETAINED
        && mk.s > 0.0
        && mk.p < WEAK_ALPHA.max(cfg.alpha)
        && selection.evidence > -cfg.evidence_threshold
        && practical_size(slope, rx, m, cfg, current);
    let count_excess_ok = !m.is_count() || current - baseline >= cfg.min_count_excess;

    // A page or a context is open or it is not: a count creeps towards no
    // cap the way a cache's bytes do, it steps. Steps that keep coming in
    // every quarter of the run are no pool filling up (a pool's steps stop
    // when it is full), however irregular their timing makes a line's
    // residuals.
    let steps_throughout = m.is_count() && rises_in_every_quarter(&ys);
    let assessment = if !enough {
        Assessment::InsufficientData
    } else if rising && (grows_forever || steps_throughout) && count_excess_ok {
        Assessment::Leaking
    } else if rising || rising_overall || cannot_rule_out {
        Assessment::RisingUndecided
    } else if falling {
        Assessment::Decreasing
    } else {
        Assessment::Bounded
    };
    // The leak's shape: linear unless another growing model beats the line
    // clearly (Occam: a name has to be earned).
    let best_growing = selection.best_growing.map(|i| {
        let best = &selection.fits[i];
        match selection
            .fits
            .iter()
            .find(|f| f.name == "linear" && f.growing)
        {
            Some(line)
                if best.name != "linear"
                    && (line.bic - best.bic) * selection.discount < cfg.evidence_threshold =>
            {
                line.clone()
            }
            _ => best.clone(),
        }
    });
    let trend = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => Trend::Increasing,
        Assessment::Decreasing => Trend::Decreasing,
        _ => Trend::Stable,
    };
    let pattern = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => best_growing
            .as_ref()
            .map(pattern_of)
            .unwrap_or(Pattern::Linear),
        Assessment::Decreasing => Pattern::Decreasing,
        _ => Pattern::Stable,
    };
    let shown_fit = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => best_growing.as_ref(),
        _ => selection.fits.first(),
    };
    let change_points: Vec<u64> = shown_fit
        .map(|f| {
            f.change_points
                .iter()
                .map(|&x| refine_step(c, m, seg, &xs, f, x))
                .collect()
        })
        .unwrap_or_default();

    let pk = peaks(c, m, seg);
    let peak_slope = if pk.len() >= 3 {
        let ps = recent_start(&pk);
        let px: Vec<f64> = pk[ps..].iter().map(|p| p.0).collect();
        let py: Vec<f64> = pk[ps..].iter().map(|p| p.1).collect();
        trend_test(&px, &py, cfg.alpha).1
    } else {
        None
    };
    let peaks_col = &c.peak[m.index()];
    let tail = (seg.len() / 10).max(3).min(seg.len());
    let current_peak = seg
        .clone()
        .skip(seg.len() - tail)
        .map(|i| peaks_col[i])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);

    let first = raw[0];
    let last = raw[raw.len() - 1];
    let min = raw.iter().copied().fold(f64::INFINITY, f64::min);
    let max = seg
        .clone()
        .map(|i| peaks_col[i])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let recent_from = rx.first().copied().unwrap_or(0.0) as u64;
    let last_cycle = xs.last().copied().unwrap_or(0.0) as u64;
    // Growth in steps: Sen's slope (the median of all pairwise slopes)
    // counts the many pairs inside one level as flat and understates the
    // rate; the staircase's own rate (mean step over the typical wait) is
    // what the run grows by, when the interval allows it.
    let rate = match (&pattern, shown_fit) {
        (Pattern::Step, Some(f)) if f.name == "staircase" => f
            .params
            .get("slope")
            .copied()
            .filter(|r| r.is_finite() && *r >= lo && *r <= hi)
            .unwrap_or(slope),
        _ => slope,
    };
    let report = MetricReport {
        trend,
        slope_per_cycle: rnd(rate),
        slope_ci: [rnd(lo), rnd(hi)],
        slope_per_hour: cycle_hours.filter(|h| *h > 0.0).map(|h| rnd(rate / h)),
        pattern,
        assessment,
        p_value: rnd(mk.p),
        mann_kendall_s: mk.s,
        points: pts.len(),
        recent_from_cycle: recent_from,
        change_points,
        models: selection
            .fits
            .iter()
            .take(4)
            .map(model_fit_report)
            .collect(),
        growth_evidence: rnd(if selection.evidence.is_finite() {
            selection.evidence
        } else {
            -1e9
        }),
        first: rnd(first),
        last: rnd(last),
        min: rnd(min),
        max: rnd(max),
        baseline: rnd(baseline),
        current: rnd(current),
        trend_line: sen.map(|_| TrendLine {
            from_cycle: recent_from,
            to_cycle: last_cycle,
            intercept: rnd(intercept),
            slope: rnd(slope),
        }),
    };
    Some(MetricAnalysis {
        report,
        peak_slope,
        current_peak,
        not_ruled_out: cannot_rule_out && !rising_overall,
    })
}

fn growth_issue(
    m: Metric,
    a: &MetricAnalysis,
    cfg: &Config,
    seg_first: u64,
    seg_last: u64,
) -> Option<Issue> {
    let r = &a.report;
    let kind = IssueKind::growth_of(m)?;
    if r.assessment != Assessment::Leaking {
        return None;
    }
    let severity = match m {
        Metric::HeapUsed if r.slope_per_cycle > cfg.heap_critical_slope => Severity::Critical,
        Metric::Rss if r.slope_per_cycle > cfg.rss_critical_slope => Severity::Critical,
        Metric::External | Metric::Pages | Metric::Contexts => Severity::Critical,
        _ => Severity::Warning,
    };
    let first_cycle = r
        .change_points
        .first()
        .copied()
        .filter(|_| matches!(r.pattern, Pattern::PlateauThenGrowth | Pattern::Step));
    let first_cycle = first_cycle.unwrap_or(seg_first);
    let what = match m {
        Metric::HeapUsed => "possible JavaScript object leak",
        Metric::Rss => "the process keeps memory it never returns",
        Metric::External => "Buffers or other C++ objects bound to JS are kept alive",
        Metric::ArrayBuffers => "ArrayBuffers/typed arrays are kept alive",
        Metric::Pages => "pages are not being closed",
        Metric::Contexts => "browser contexts are not being closed",
        Metric::HeapTotal => "",
    };
    let unit = if m.is_count() { "" } else { " MB" };
    let shape = match r.pattern {
        Pattern::Step => format!(
            "in steps (at cycles {})",
            r.change_points
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Pattern::PlateauThenGrowth => format!("since cycle {first_cycle} after a plateau"),
        Pattern::Exponential => "exponentially".to_string(),
        _ => "linearly".to_string(),
    };
    let level = if m.is_count() {
        format!(
            "{} at the quiet point, baseline pool {}",
            num(r.current),
            num(r.baseline)
        )
    } else {
        format!(
            "retained level {} → {}{unit}",
            num(r.baseline),
            num(r.current)
        )
    };
    let message = format!(
        "{} grows {}{unit}/cycle (CI {}–{}, {}) {shape}; {level}: {what}",
        m.display_name(),
        num(r.slope_per_cycle),
        num(r.slope_ci[0]),
        num(r.slope_ci[1]),
        fmt_p(r.p_value),
    );
    let mut evidence = BTreeMap::new();
    evidence.insert("slope_per_cycle".into(), r.slope_per_cycle);
    evidence.insert("slope_ci_low".into(), r.slope_ci[0]);
    evidence.insert("slope_ci_high".into(), r.slope_ci[1]);
    evidence.insert("p_value".into(), r.p_value);
    evidence.insert("baseline".into(), r.baseline);
    evidence.insert("current".into(), r.current);
    evidence.insert("growth_evidence".into(), r.growth_evidence);
    evidence.insert("points".into(), r.points as f64);
    if let Some(h) = r.slope_per_hour {
        evidence.insert("slope_per_hour".into(), h);
    }
    Some(Issue {
        kind,
        severity,
        metric: m,
        message,
        first_cycle,
        last_cycle: Some(seg_last),
        evidence,
    })
}

fn median_cycle_hours(c: &Cycles, seg: &std::ops::Range<usize>) -> Option<f64> {
    let mut d = Vec::new();
    let mut prev: Option<(u64, i64)> = None;
    for i in seg.clone() {
        if let Some(t) = c.ts[i] {
            if let Some((pc, pt)) = prev {
                let dc = c.cycle[i].saturating_sub(pc);
                if dc > 0 && t > pt {
                    d.push((t as f64 - pt as f64) / dc as f64);
                }
            }
            prev = Some((c.cycle[i], t));
        }
    }
    median(&d).map(|ms| ms / 3_600_000.0)
}

fn windows(c: &Cycles, metrics: &[Metric], cfg: &Config) -> Vec<Window> {
    let n = c.cycle.len();
    let interval = cfg.interval.max(2) as u64;
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let first = c.cycle[0];
    let mut i = 0;
    while i < n {
        let w_start = first + ((c.cycle[i] - first) / interval) * interval;
        let w_end = w_start.saturating_add(interval - 1);
        let mut j = i;
        while j < n && c.cycle[j] <= w_end {
            j += 1;
        }
        let len = j - i;
        if len >= 5 || (out.is_empty() && j == n && len >= 3) {
            let mut changes = BTreeMap::new();
            let mut trends = BTreeMap::new();
            let mut flags = Vec::new();
            for &m in metrics {
                let src = if m.is_count() { &c.quiet } else { &c.floor };
                let all: Vec<(f64, f64)> = (i..j)
                    .filter(|&k| src[m.index()][k].is_finite())
                    .map(|k| (c.cycle[k] as f64, src[m.index()][k]))
                    .collect();
                // Memory is judged on what survives GC, as for the whole run;
                // a huge --interval is binned like the whole run is.
                let pts = bin(if m.is_count() {
                    all
                } else {
                    envelope(&all, true)
                });
                if pts.len() < 2 {
                    continue;
                }
                let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
                let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
                let (mk, slope) = stats::trend_and_slope(&xs, &ys);
                let slope = slope.unwrap_or(0.0);
                let span = xs[xs.len() - 1] - xs[0];
                let min_slope = if m.is_count() {
                    cfg.min_slope_count
                } else {
                    cfg.min_slope_mb
                };
                let trend = if mk.p < 0.05 && slope >= min_slope {
                    Trend::Increasing
                } else if mk.p < 0.05 && slope <= -min_slope {
                    Trend::Decreasing
                } else {
                    Trend::Stable
                };
                changes.insert(m, rnd(slope * span));
                trends.insert(m, trend);
                if trend == Trend::Increasing {
                    match m {
                        Metric::HeapUsed if slope > cfg.heap_critical_slope => flags.push(
                            "Significant heap growth detected - possible JavaScript object leak"
                                .to_string(),
                        ),
                        Metric::External => flags.push(
                            "External memory growing - Buffers/native objects kept alive"
                                .to_string(),
                        ),
                        Metric::Rss if slope > cfg.rss_critical_slope => flags.push(
                            "RSS growing significantly - overall process memory leak".to_string(),
                        ),
                        Metric::Pages => {
                            flags.push("Page count increasing - pages not being closed".to_string())
                        }
                        Metric::Contexts => flags.push(
                            "Context count increasing - browser contexts not cleaned up"
                                .to_string(),
                        ),
                        _ => {}
                    }
                }
            }
            // The window's headline: growing if any leak-relevant metric
            // grows, else the heap's own trend.
            let any_up = trends
                .iter()
                .any(|(k, t)| *t == Trend::Increasing && *k != Metric::HeapTotal);
            let trend = if any_up {
                Trend::Increasing
            } else {
                trends
                    .get(&Metric::HeapUsed)
                    .copied()
                    .unwrap_or(Trend::Stable)
            };
            out.push(Window {
                start_cycle: c.cycle[i],
                end_cycle: c.cycle[j - 1],
                trend,
                changes,
                trends,
                flags,
            });
        }
        i = j;
    }
    out
}

fn phases(run: &Run, metrics: &[Metric], seg_starts: &[u64]) -> Vec<Phase> {
    // Per label id: count and sums per metric (with per-metric counts).
    let nl = run.label_names().len();
    let mut count = vec![0usize; nl];
    let mut sums = vec![[0.0f64; 7]; nl];
    let mut ns = vec![[0usize; 7]; nl];
    let mut order: Vec<u32> = Vec::new();
    for i in 1..run.len() {
        // Do not measure across a restart.
        if run.cycle(i) != run.cycle(i - 1) && seg_starts.contains(&run.cycle(i)) {
            continue;
        }
        let l = run.label_id(i) as usize;
        if count[l] == 0 {
            order.push(l as u32);
        }
        count[l] += 1;
        for &m in metrics {
            let d = run.value(m, i) - run.value(m, i - 1);
            if d.is_finite() {
                sums[l][m.index()] += d;
                ns[l][m.index()] += 1;
            }
        }
    }
    order
        .into_iter()
        .map(|l| {
            let l = l as usize;
            let mean_change = map_of(
                metrics
                    .iter()
                    .filter(|m| ns[l][m.index()] > 0)
                    .map(|m| (*m, rnd(sums[l][m.index()] / ns[l][m.index()] as f64))),
            );
            Phase {
                label: run.label_names().get(l as u32).to_string(),
                count: count[l],
                mean_change,
            }
        })
        .collect()
}

fn cleanup_stats(phases: &[Phase]) -> Option<Cleanup> {
    let heap = &Metric::HeapUsed;
    let lower = |p: &Phase| p.label.to_ascii_lowercase();
    let scrape = phases
        .iter()
        .find(|p| lower(p).contains("scrape") && !lower(p).contains("before"))?;
    let cleanup = phases.iter().find(|p| lower(p).contains("cleanup"))?;
    let added = *scrape.mean_change.get(heap)?;
    let returned = -*cleanup.mean_change.get(heap)?;
    let recreate = phases
        .iter()
        .find(|p| lower(p).contains("recreate"))
        .and_then(|p| p.mean_change.get(heap))
        .map(|v| rnd(-v));
    let eff = if added > 0.0 {
        returned / added * 100.0
    } else {
        100.0
    };
    Some(Cleanup {
        scrape_added: rnd(added),
        cleanup_returned: rnd(returned),
        page_recreate_returned: recreate,
        effectiveness_pct: rnd(eff),
    })
}

fn lingering_urls(
    run: &Run,
    c: &Cycles,
    seg: &std::ops::Range<usize>,
    pool: f64,
) -> Vec<LingeringUrl> {
    if run.url_names().is_empty() {
        return Vec::new();
    }
    let pages = &c.quiet[Metric::Pages.index()];
    let cleanup_ids = cleanup_label_ids(run);
    // url id → (first, last, cycles open beyond the pool)
    let mut seen: BTreeMap<u32, (u64, u64, usize)> = BTreeMap::new();
    for i in seg.clone() {
        if pages[i].partial_cmp(&pool) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let r = c.ranges[i].clone();
        // The quiet snapshot of the cycle: its cleanup point, else the one with fewest pages.
        let snap = r
            .clone()
            .find(|&k| cleanup_ids.contains(&run.label_id(k)))
            .or_else(|| {
                r.clone()
                    .min_by(|&a, &b| run.page_url_ids(a).len().cmp(&run.page_url_ids(b).len()))
            });
        let Some(s) = snap else { continue };
        for &u in run.page_url_ids(s) {
            let e = seen.entry(u).or_insert((c.cycle[i], c.cycle[i], 0));
            e.1 = c.cycle[i];
            e.2 += 1;
        }
    }
    let min_open = (seg.len() / 10).clamp(3, 20);
    let mut out: Vec<LingeringUrl> = seen
        .into_iter()
        .filter(|(_, v)| v.2 >= min_open)
        .map(|(u, (f, l, n))| LingeringUrl {
            url: run.url_names().get(u).to_string(),
            first_cycle: f,
            last_cycle: l,
            cycles_open: n,
        })
        .collect();
    out.sort_unstable_by(|a, b| {
        b.cycles_open
            .cmp(&a.cycles_open)
            .then(a.first_cycle.cmp(&b.first_cycle))
            .then(a.url.cmp(&b.url))
    });
    out.truncate(20);
    out
}

fn hints(m: &BTreeMap<Metric, MetricAnalysis>) -> Vec<Hint> {
    let leaking = |x: Metric| {
        m.get(&x)
            .is_some_and(|a| a.report.assessment == Assessment::Leaking)
    };
    let up = |x: Metric| {
        m.get(&x)
            .is_some_and(|a| a.report.trend == Trend::Increasing)
    };
    let mut out = Vec::new();
    let mut push = |kind: &str, message: &str| {
        out.push(Hint {
            kind: kind.to_string(),
            message: message.to_string(),
        })
    };
    if leaking(Metric::Rss) && !up(Metric::HeapUsed) {
        push(
            "native_memory",
            "RSS grows while the JS heap is flat: the leak is outside the V8 heap \
             (native addons, Buffers, memory-mapped files, allocator fragmentation). \
             Check external/arrayBuffers; Chromium's own processes never show in this process's RSS.",
        );
    }
    if leaking(Metric::External) || leaking(Metric::ArrayBuffers) {
        push(
            "buffers",
            "External/ArrayBuffers memory is C++ memory bound to JS objects (Buffers, typed arrays, \
             response bodies), not the Chromium processes: look for Buffers kept in caches, \
             queues or closures.",
        );
    }
    if leaking(Metric::HeapUsed) && leaking(Metric::Pages) {
        push(
            "unclosed_pages",
            "Heap and page count grow together: pages are opened and never closed, and the JS \
             objects that reference them stay alive. Close every page in a finally block.",
        );
    }
    if leaking(Metric::Contexts) && !up(Metric::Pages) {
        push(
            "context_leak",
            "Browser contexts accumulate while the page count is flat: contexts are created per \
             task and never closed (browser.newContext() without context.close()).",
        );
    }
    if leaking(Metric::Contexts) && leaking(Metric::Pages) {
        push(
            "contexts_with_pages",
            "Pages and contexts grow together: each task opens a context with its page and \
             neither is closed; closing the context closes its pages.",
        );
    }
    if leaking(Metric::Pages) && !leaking(Metric::Contexts) && m.contains_key(&Metric::Contexts) {
        push(
            "page_leak",
            "Pages accumulate inside a stable set of contexts: page.close() is missed on some path \
             (errors, timeouts, redirects opening popups).",
        );
    }
    if up(Metric::HeapTotal) && !up(Metric::HeapUsed) {
        push(
            "heap_reserve",
            "Heap total grows while heap used does not: V8 is reserving more heap, which by itself \
             is not a leak.",
        );
    }
    out
}

fn forecast(
    m: Metric,
    limit: f64,
    a: &MetricAnalysis,
    last_cycle: u64,
    cycle_hours: Option<f64>,
) -> Forecast {
    let cp = a.current_peak;
    let mut f = Forecast {
        metric: m,
        limit,
        status: ForecastStatus::Never,
        current_peak: rnd(cp),
        cycles: None,
        cycles_interval: None,
        hours: None,
        at_cycle: None,
    };
    if cp >= limit {
        f.status = ForecastStatus::Reached;
        f.cycles = Some(0.0);
        return f;
    }
    let growing = matches!(
        a.report.assessment,
        Assessment::Leaking | Assessment::RisingUndecided | Assessment::InsufficientData
    );
    let Some(ps) = a.peak_slope.filter(|s| growing && s.slope > 0.0) else {
        return f;
    };
    // For a leak the retained level's slope is the better estimate when the
    // peaks are noisy; use the larger (more cautious) of the two.
    let slope = if a.report.assessment == Assessment::Leaking {
        ps.slope.max(a.report.slope_per_cycle)
    } else {
        ps.slope
    };
    let gap = limit - cp;
    let cycles = gap / slope;
    f.status = ForecastStatus::Projected;
    f.cycles = Some(rnd(cycles));
    let soonest = if ps.upper > 0.0 {
        Some(rnd(gap / ps.upper.max(slope)))
    } else {
        None
    };
    let latest = if ps.lower > 0.0 {
        Some(rnd(gap / ps.lower.min(slope)))
    } else {
        None
    };
    f.cycles_interval = Some([soonest, latest]);
    f.hours = cycle_hours.map(|h| rnd(cycles * h));
    f.at_cycle = Some(rnd(last_cycle as f64 + cycles));
    f
}

/// A metric still rising but not decided on its own is a leak when a metric
/// that contains it (heap used ⊂ RSS; array buffers ⊂ external ⊂ RSS) leaks
/// and it accounts for at least half of that growth: the container is the
/// same growth seen with less GC noise. Heap total is not used: V8 reserves
/// heap in chunks, a staircase even during a warm-up.
fn corroborate(analyses: &mut BTreeMap<Metric, MetricAnalysis>) {
    let containers: [(Metric, &[Metric]); 3] = [
        (Metric::HeapUsed, &[Metric::Rss]),
        (Metric::ArrayBuffers, &[Metric::External, Metric::Rss]),
        (Metric::External, &[Metric::Rss]),
    ];
    for (inner, outer) in containers {
        let Some(a) = analyses.get(&inner) else {
            continue;
        };
        // Still rising, or too few post-GC points to tell on its own (a heap
        // collected only a handful of times in the run).
        let candidate = match a.report.assessment {
            Assessment::RisingUndecided => true,
            Assessment::InsufficientData => a.report.mann_kendall_s > 0.0 && a.report.points >= 3,
            _ => false,
        };
        if !candidate {
            continue;
        }
        let slope = a.report.slope_per_cycle;
        let backed = outer.iter().any(|o| {
            analyses.get(o).is_some_and(|b| {
                b.report.assessment == Assessment::Leaking
                    && slope > 0.0
                    && slope >= 0.5 * b.report.slope_per_cycle
            })
        });
        if backed {
            if let Some(a) = analyses.get_mut(&inner) {
                a.report.assessment = Assessment::Leaking;
                a.report.trend = Trend::Increasing;
                if a.report.pattern == Pattern::Stable {
                    a.report.pattern = Pattern::Linear;
                }
            }
        }
    }
}

/// RSS that grows with V8's reserved heap (heapTotal) while the live heap
/// (heapUsed) holds is V8 keeping the high-water mark of its heap, bounded
/// by its limit: not a leak by itself. It stays "still rising, undecided"
/// (a native leak does not move heapTotal; a heap leak moves heapUsed).
fn reserved_heap(analyses: &mut BTreeMap<Metric, MetricAnalysis>) {
    let growth = |m: Metric| {
        analyses
            .get(&m)
            .map(|a| (a.report.assessment, a.report.current - a.report.baseline))
    };
    let (Some((rss, rss_up)), Some((_, total_up)), Some((used, used_up))) = (
        growth(Metric::Rss),
        growth(Metric::HeapTotal),
        growth(Metric::HeapUsed),
    ) else {
        return;
    };
    // (A heap undecided only for want of points is no growth here.)
    let weak = analyses
        .get(&Metric::HeapUsed)
        .is_some_and(|a| a.not_ruled_out);
    // The live heap holds: not judged growing, and its retained level rose
    // by a small part of what RSS did.
    let heap_holds = used_up.is_finite() && used_up < 0.25 * rss_up;
    let heap_grows = match used {
        Assessment::Leaking => true,
        Assessment::RisingUndecided => !weak,
        _ => false,
    } || !heap_holds;
    if rss == Assessment::Leaking && !heap_grows && rss_up > 0.0 && total_up >= 0.8 * rss_up {
        if let Some(a) = analyses.get_mut(&Metric::Rss) {
            a.report.assessment = Assessment::RisingUndecided;
        }
    }
}

/// Growth issues of the segments before the judged one. A worker that
/// leaked until it restarted (often why it restarted) leaks, however young
/// or flat the stretch since the restart is. Each earlier segment long enough
/// to judge is judged like the last one; a metric already flagged in the
/// judged segment is not flagged twice. Only the most recent
/// [`MAX_EARLIER_SEGMENTS`] are judged: a file that restarts thousands of
/// times (or a sawtooth that looks like it) costs no more than that.
const MAX_EARLIER_SEGMENTS: usize = 64;

fn leaks_before_restarts(
    c: &Cycles,
    segs: &[std::ops::Range<usize>],
    judged: usize,
    metrics: &[Metric],
    cfg: &Config,
    flagged: &[Issue],
) -> Vec<Issue> {
    let mut out: Vec<Issue> = Vec::new();
    // The most recent judgeable ones (a crash loop of short segments does
    // not push an earlier long leak out of the window).
    let mut recent: Vec<usize> = (0..judged.min(segs.len()))
        .rev()
        .filter(|&k| segs[k].len() >= cfg.min_cycles)
        .take(MAX_EARLIER_SEGMENTS)
        .collect();
    recent.reverse();
    for k in recent {
        let s = &segs[k];
        let (first, last) = (c.cycle[s.start], c.cycle[s.end - 1]);
        let restart = c.cycle.get(s.end).copied().unwrap_or(last);
        let hours = median_cycle_hours(c, s);
        let mut analyses: BTreeMap<Metric, MetricAnalysis> = BTreeMap::new();
        for &m in metrics {
            if let Some(a) = analyze_metric(c, m, s, cfg, hours) {
                analyses.insert(m, a);
            }
        }
        corroborate(&mut analyses);
        reserved_heap(&mut analyses);
        for (&m, a) in &analyses {
            let Some(mut issue) = growth_issue(m, a, cfg, first, last) else {
                continue;
            };
            let seen = |i: &Issue| i.kind == issue.kind && i.metric == m;
            if flagged.iter().any(seen) || out.iter().any(seen) {
                continue;
            }
            issue.message = format!(
                "Before the restart at cycle {restart} (segment {} of {}, cycles {first}–{last}): {}",
                k + 1,
                segs.len(),
                issue.message
            );
            issue.last_cycle = Some(last);
            out.push(issue);
        }
    }
    out
}

/// Analyses a run.
pub fn analyze(run: &Run, cfg: &Config) -> Report {
    let c = per_cycle(run);
    let metrics_present = run.metrics();
    let segs = segments(&c, run.restarts());
    // The last segment long enough to judge (else the longest).
    let min_len = 3;
    let seg_idx = segs
        .iter()
        .rposition(|s| s.len() >= min_len.max(cfg.min_cycles / 2))
        .or_else(|| {
            segs.iter()
                .enumerate()
                .max_by_key(|(i, s)| (s.len(), *i))
                .map(|(i, _)| i)
        })
        .unwrap_or(0);
    let seg = segs.get(seg_idx).cloned().unwrap_or(0..0);
    let n_cycles = c.cycle.len();
    let seg_first = c.cycle.get(seg.start).copied().unwrap_or(0);
    let seg_last = c.cycle.get(seg.end.saturating_sub(1)).copied().unwrap_or(0);
    let cycle_hours = median_cycle_hours(&c, &seg);

    let mut analyses: BTreeMap<Metric, MetricAnalysis> = BTreeMap::new();
    for &m in &metrics_present {
        if let Some(a) = analyze_metric(&c, m, &seg, cfg, cycle_hours) {
            analyses.insert(m, a);
        }
    }

    corroborate(&mut analyses);
    reserved_heap(&mut analyses);

    let mut issues: Vec<Issue> = analyses
        .iter()
        .filter_map(|(&m, a)| growth_issue(m, a, cfg, seg_first, seg_last))
        .collect();
    issues.extend(leaks_before_restarts(
        &c,
        &segs,
        seg_idx,
        &metrics_present,
        cfg,
        &issues,
    ));

    // Absolute thresholds.
    let mut thresholds: Vec<(Metric, f64, bool)> =
        vec![(Metric::HeapUsed, cfg.heap_threshold_mb, false)];
    if let Some(r) = cfg.rss_threshold_mb {
        thresholds.push((Metric::Rss, r, false));
    }
    for (&m, &l) in &cfg.limits {
        thresholds.push((m, l, true));
    }
    for (m, limit, is_limit) in &thresholds {
        let col = run.column(*m);
        let first_over = (0..run.len()).find(|&i| col[i] > *limit);
        if let Some(i) = first_over {
            let max = col
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f64::MIN, f64::max);
            let over = col.iter().filter(|v| **v > *limit).count();
            let mut evidence = BTreeMap::new();
            evidence.insert("threshold".into(), rnd(*limit));
            evidence.insert("max".into(), rnd(max));
            evidence.insert("snapshots_over".into(), over as f64);
            let unit = m.unit();
            issues.push(Issue {
                kind: IssueKind::ThresholdExceeded,
                severity: if *is_limit {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                metric: *m,
                message: format!(
                    "{} exceeded {}{unit} at cycle {} ({} snapshots over, max {}{unit})",
                    m.display_name(),
                    num(*limit),
                    run.cycle(i),
                    over,
                    num(max)
                ),
                first_cycle: run.cycle(i),
                last_cycle: None,
                evidence,
            });
        }
    }

    // Forecasts: every configured limit, plus the heap threshold.
    let mut limits: BTreeMap<Metric, f64> = BTreeMap::new();
    limits.insert(Metric::HeapUsed, cfg.heap_threshold_mb);
    if let Some(r) = cfg.rss_threshold_mb {
        limits.insert(Metric::Rss, r);
    }
    limits.extend(cfg.limits.iter().map(|(k, v)| (*k, *v)));
    let forecasts: Vec<Forecast> = limits
        .iter()
        .filter_map(|(&m, &l)| {
            analyses
                .get(&m)
                .map(|a| forecast(m, l, a, seg_last, cycle_hours))
        })
        .collect();
    for f in &forecasts {
        if f.status == ForecastStatus::Projected
            && f.cycles.is_some_and(|k| k <= cfg.imminent_cycles)
        {
            let k = f.cycles.unwrap_or(0.0);
            let mut evidence = BTreeMap::new();
            evidence.insert("limit".into(), f.limit);
            evidence.insert("current_peak".into(), f.current_peak);
            evidence.insert("cycles".into(), k);
            issues.push(Issue {
                kind: IssueKind::ImminentExhaustion,
                severity: Severity::Critical,
                metric: f.metric,
                message: format!(
                    "{} peaks at {}{} and will reach the limit {}{} in about {} cycles at the current rate",
                    f.metric.display_name(),
                    num(f.current_peak),
                    f.metric.unit(),
                    num(f.limit),
                    f.metric.unit(),
                    num(k.max(0.0))
                ),
                first_cycle: seg_last,
                last_cycle: None,
                evidence,
            });
        }
    }

    let seg_starts: Vec<u64> = segs.iter().skip(1).map(|s| c.cycle[s.start]).collect();
    let phases = phases(run, &metrics_present, &seg_starts);
    let cleanup = cleanup_stats(&phases);
    if let (Some(cl), Some(heap)) = (&cleanup, analyses.get(&Metric::HeapUsed)) {
        let heap_up = matches!(
            heap.report.assessment,
            Assessment::Leaking | Assessment::RisingUndecided
        );
        if heap_up && cl.scrape_added > 0.0 && cl.effectiveness_pct < 25.0 {
            let mut evidence = BTreeMap::new();
            evidence.insert("scrape_added".into(), cl.scrape_added);
            evidence.insert("cleanup_returned".into(), cl.cleanup_returned);
            evidence.insert("effectiveness_pct".into(), cl.effectiveness_pct);
            issues.push(Issue {
                kind: IssueKind::CleanupIneffective,
                severity: Severity::Warning,
                metric: Metric::HeapUsed,
                message: if cl.cleanup_returned > 0.0 {
                    format!(
                        "Cleanup gives back only {}% of the {} MB a scrape adds while the heap keeps growing: \
                         what the scrape retains is not released by cleanup",
                        num(cl.effectiveness_pct),
                        num(cl.scrape_added)
                    )
                } else {
                    format!(
                        "Cleanup gives back nothing of the {} MB a scrape adds (the heap is {} MB higher after it) \
                         while the heap keeps growing: what the scrape retains is not released by cleanup",
                        num(cl.scrape_added),
                        num(-cl.cleanup_returned)
                    )
                },
                first_cycle: seg_first,
                last_cycle: Some(seg_last),
                evidence,
            });
        }
    }
    issues.sort_unstable_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.metric.cmp(&b.metric))
            .then(a.first_cycle.cmp(&b.first_cycle))
            .then(a.message.cmp(&b.message))
    });

    let pool = analyses
        .get(&Metric::Pages)
        .map(|a| a.report.baseline)
        .unwrap_or(f64::INFINITY);
    let lingering = lingering_urls(run, &c, &seg, pool);
    let hints = hints(&analyses);
    let windows = windows(&c, &metrics_present, cfg);

    // Verdict.
    let verdict_metrics = [
        Metric::HeapUsed,
        Metric::Rss,
        Metric::External,
        Metric::ArrayBuffers,
        Metric::Pages,
        Metric::Contexts,
    ];
    let growth: Vec<&Issue> = issues.iter().filter(|i| i.kind.is_growth()).collect();
    let undecided: Vec<(Metric, &MetricAnalysis)> = verdict_metrics
        .iter()
        .filter_map(|m| analyses.get(m).map(|a| (*m, a)))
        .filter(|(_, a)| a.report.assessment == Assessment::RisingUndecided)
        .collect();
    let seg_cycles = seg.len();
    let mut watch = Vec::new();
    let (verdict, reason, cycles_needed) = if let Some(top) = growth.first() {
        (Verdict::Leak, top.message.clone(), None)
    } else if seg_cycles < cfg.min_cycles {
        let need = cfg.min_cycles - seg_cycles;
        watch.push(format!(
            "Run at least {need} more cycles: a slow leak cannot be told from GC noise in {seg_cycles}."
        ));
        (
            Verdict::Inconclusive,
            format!(
                "Only {seg_cycles} cycle{} to judge: at least {} are needed to tell a slow leak from GC noise",
                if seg_cycles == 1 { "" } else { "s" },
                cfg.min_cycles
            ),
            Some(need),
        )
    } else if !undecided.is_empty() {
        let need = (seg_cycles / 2).max(20);
        for (m, a) in &undecided {
            watch.push(format!(
                "{} still rises {}{}/cycle but a levelling-off (warm-up, cache filling) fits as well: \
                 watch whether it flattens by cycle {}",
                m.display_name(),
                num(a.report.slope_per_cycle),
                m.unit(),
                seg_last.saturating_add(need as u64)
            ));
        }
        let names: Vec<&str> = undecided.iter().map(|(m, _)| m.display_name()).collect();
        (
            Verdict::Inconclusive,
            format!(
                "{} still rising but not yet distinguishable from a warm-up or a filling cache",
                names.join(", ")
            ),
            Some(need),
        )
    } else {
        let heap = analyses
            .get(&Metric::HeapUsed)
            .or_else(|| analyses.values().next());
        let detail = heap
            .map(|a| {
                format!(
                    ": retained heap {} → {} MB, slope {} MB/cycle (CI {}–{})",
                    num(a.report.baseline),
                    num(a.report.current),
                    num(a.report.slope_per_cycle),
                    num(a.report.slope_ci[0]),
                    num(a.report.slope_ci[1])
                )
            })
            .unwrap_or_default();
        (
            Verdict::NoLeak,
            format!("No sustained growth over {seg_cycles} cycles{detail}"),
            None,
        )
    };

    let timestamps: Vec<i64> = run.timestamps().iter().flatten().copied().collect();
    let duration_hours = match (timestamps.iter().min(), timestamps.iter().max()) {
        (Some(a), Some(b)) if b > a => Some(rnd((*b as f64 - *a as f64) / 3_600_000.0)),
        _ => None,
    };
    let summary = Summary {
        verdict,
        reason,
        snapshots: run.len(),
        cycles: n_cycles,
        first_cycle: c.cycle.first().copied().unwrap_or(0),
        last_cycle: c.cycle.last().copied().unwrap_or(0),
        duration_hours,
        cycle_seconds: cycle_hours.map(|h| rnd(h * 3600.0)),
        cycles_needed,
        segments: segs
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| Segment {
                start_cycle: c.cycle[s.start],
                end_cycle: c.cycle[s.end - 1],
            })
            .collect(),
        analysed_segment: seg_idx,
        watch,
    };

    Report {
        schema_version: SCHEMA_VERSION,
        summary,
        metrics: map_of(analyses.into_iter().map(|(m, a)| (m, a.report))),
        issues,
        windows,
        phases,
        cleanup,
        hints,
        lingering_urls: lingering,
        forecasts,
        worker_verdicts: Vec::new(),
        warnings: Vec::new(),
        config: ConfigEcho {
            interval: cfg.interval,
            heap_threshold_mb: cfg.heap_threshold_mb,
            rss_threshold_mb: cfg.rss_threshold_mb,
            alpha: cfg.alpha,
            limits: map_of(cfg.limits.iter().map(|(m, v)| (m.key().to_string(), *v))),
        },
    }
}

/// Analyses parsed input, carrying its warnings and the worker's own verdicts into the report.
pub fn analyze_parsed(parsed: &Parsed, cfg: &Config) -> Report {
    let mut r = analyze(&parsed.run, cfg);
    r.warnings = parsed.warnings.clone();
    r.worker_verdicts = parsed.worker_verdicts.clone();
    r
}
