//! The retained level: what survives garbage collection, the series every
//! verdict on a memory metric is judged on.
//!
//! Memory a collection gives back was garbage, not a leak; memory no
//! collection has been tested against is unknown. So:
//!
//! - **Recorded collections** (the recorder's `gc` fields): the heap right
//!   after each major collection *is* the retained level, to the byte.
//! - **Memory numbers alone**: a GC sawtooth shows itself by its falls: a
//!   collection drops the level in one step, far more than the noise of the
//!   steps, and nothing rises like that (in plain noise, a big step down is
//!   as likely as a big step up). Where the per-cycle floors have such a
//!   sawtooth, the lowest point of each tooth is a retained-level
//!   observation; where they do not, every floor is (the collector runs
//!   within each cycle, or not at all in the run). V8 collects at two
//!   levels: scavenges empty the young generation (the teeth above), and a
//!   major collection also frees the old generation, where garbage that
//!   survived a scavenge piles up. Their troughs creep up between major
//!   collections and drop back at one: a *return*, found by the same test on
//!   the troughs. Where returns happen, only the levels after them are
//!   retained levels.
//! - The stretch since the last collection of the kind that defines the
//!   level (a major one, a return) is **uncollected**: what it adds was
//!   never tested by a collection. It cannot make a leak (V8 may simply not
//!   have collected yet: a healthy worker's old space can grow for hundreds
//!   of cycles), but its floors still bound the retained level from above,
//!   so a flat one can show a bound.

use std::ops::Range;

use super::cycles::Cycles;
use crate::report::RetainedSource;
use crate::stats::median;
use crate::{Column, Metric};

/// A step is a collection (or a jump) when it is this many robust standard
/// deviations of the steps away from their median: under normal noise one
/// step in 740 goes that far down by chance, and as many go up.
const STEP_SIGMAS: f64 = 3.0;
/// A GC sawtooth has at least this many collections, and more than
/// [`FALLS_PER_RISE`] times as many big falls as big rises.
const MIN_TEETH: usize = 2;
const FALLS_PER_RISE: usize = 3;
/// One fall alone is a collection only when it is this far out and nothing
/// rises past [`STEP_SIGMAS`]: under normal noise, a fall of 6 robust
/// standard deviations happens about once in a billion steps.
const LONE_FALL_SIGMAS: f64 = 6.0;
/// A return gives back at least this share of the rise since the last low.
const RETURN_SHARE: f64 = 0.5;
/// Values are written with two decimals: steps smaller than this are
/// rounding, not noise.
const RESOLUTION: f64 = 0.01;
/// At most this many points: consecutive groups replaced by their medians.
const MAX_POINTS: usize = 400;

/// What the retained level of a metric over a segment is known to be.
#[derive(Debug, Clone)]
pub(crate) struct Retained {
    /// (cycle, level) observations of what survived collection, in cycle
    /// order. The uncollected stretch adds at most its first point.
    pub points: Vec<(f64, f64)>,
    pub source: RetainedSource,
    /// Collections seen: teeth of the sawtooth, returns, or major GCs.
    pub collections: usize,
    /// For levels after recorded major collections: how far one level may
    /// stray from the retained set (MB, as a standard deviation): what a
    /// cycle holds in flight when the collection runs, at most the cycle's
    /// own swing (its peak less its floor, the median over the cycles).
    pub level_noise: Option<f64>,
    /// The stretch at the end no collection has tested, when it is longer
    /// than any gap between collections seen before it.
    pub uncollected: Option<Uncollected>,
}

/// The end of a run since the last collection.
#[derive(Debug, Clone)]
pub(crate) struct Uncollected {
    /// The cycle of the last collection (or of the segment's start).
    pub since: f64,
    /// The lowest levels seen over it (the troughs of smaller collections,
    /// else the floors): each an upper bound of the retained level then.
    pub floors: Vec<(f64, f64)>,
    /// True when some collection was seen before it (so one was due).
    pub after_collection: bool,
}

/// The sawtooth of a series: the indices (into the series) of the points
/// reached by a collection, or `None` when it has none.
fn collections(v: &[(f64, f64)], lone: bool) -> Option<Vec<usize>> {
    if v.len() < 4 {
        return None;
    }
    let d: Vec<f64> = v.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let center = median(&d)?;
    let dev: Vec<f64> = d.iter().map(|x| (x - center).abs()).collect();
    let level = v.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let scale = (1.4826 * median(&dev).unwrap_or(0.0)).max(RESOLUTION + 1e-9 * level);
    // A collection gives memory back: a fall is a step down, far below the
    // typical step (which is a rise where garbage piles up steadily).
    let reach = STEP_SIGMAS * scale;
    let falls: Vec<usize> = (0..d.len())
        .filter(|&i| d[i] < (center - reach).min(-reach))
        .map(|i| i + 1)
        .collect();
    let rises = d
        .iter()
        .filter(|&&x| x > (center + reach).max(reach))
        .count();
    if lone {
        // Returns: falls that give back at least half of what the level
        // rose since its last low (a major collection takes it back near
        // where it was; a leak's noise dips a little off its rise).
        let mut low = v[0].1;
        let mut high = v[0].1;
        let mut returns = Vec::new();
        for i in 1..v.len() {
            let y = v[i].1;
            let is_fall = falls.binary_search(&i).is_ok();
            if is_fall && y <= low + RETURN_SHARE * (high - low) {
                returns.push(i);
                low = y;
                high = y;
            } else {
                low = low.min(y);
                high = high.max(y);
            }
        }
        let sawtooth = returns.len() >= MIN_TEETH && returns.len() > FALLS_PER_RISE * rises;
        let lone_fall = rises == 0
            && returns
                .iter()
                .any(|&i| d[i - 1] < center - LONE_FALL_SIGMAS * scale);
        return (sawtooth || lone_fall).then_some(returns);
    }
    (falls.len() >= MIN_TEETH && falls.len() > FALLS_PER_RISE * rises).then_some(falls)
}

/// The lowest point of each stretch `[cuts[k], cuts[k + 1])`, and of the
/// stretch before the first cut when `head` is set.
fn lows(v: &[(f64, f64)], cuts: &[usize], head: bool) -> Vec<(f64, f64)> {
    let low = |r: Range<usize>| {
        r.min_by(|&a, &b| v[a].1.total_cmp(&v[b].1).then(a.cmp(&b)))
            .map(|i| v[i])
    };
    let mut out = Vec::with_capacity(cuts.len() + 1);
    if head && cuts.first().is_some_and(|&f| f > 0) {
        out.extend(low(0..cuts[0]));
    }
    for (k, &start) in cuts.iter().enumerate() {
        let end = cuts.get(k + 1).copied().unwrap_or(v.len());
        out.extend(low(start..end));
    }
    out
}

/// Whether the stretch after the last cut is longer (in cycles) than every
/// gap between cuts before it (the stretch before the first cut counts as
/// one): no collection for longer than ever.
fn overdue(v: &[(f64, f64)], cuts: &[usize]) -> bool {
    let (Some(&last), Some(end)) = (cuts.last(), v.last()) else {
        return false;
    };
    let open = end.0 - v[last].0;
    let mut longest = v[cuts[0]].0 - v[0].0;
    for w in cuts.windows(2) {
        longest = longest.max(v[w[1]].0 - v[w[0]].0);
    }
    open > longest
}

pub(crate) fn bin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
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

/// Fewer troughs than this, from collections that give back under
/// [`MINOR_FALL`] of the series' range, are no picture of the retained
/// level: the series moves with its growth, not its collections (a fast
/// leak collected now and then), and every floor is kept instead. (On five
/// points even a perfectly monotone rise is never significant at α = 0.01.)
const MIN_TROUGHS: usize = 6;
const MINOR_FALL: f64 = 0.25;

/// The troughs of a series of floors (the lower envelope of its GC
/// sawtooth), or the floors themselves when they have no sawtooth; and how
/// many collections were seen.
///
/// Whether there is a sawtooth is decided by its big single-step falls
/// ([`collections`]). Its troughs are then its lower envelope: every local
/// minimum no higher than the median of the points within half a typical
/// tooth on either side. Where collections run within most cycles, most
/// floors sit on the retained level and most are kept; where teeth are
/// long, about one point a tooth is.
pub(crate) fn troughs(v: &[(f64, f64)]) -> (Vec<(f64, f64)>, usize) {
    let n = v.len();
    let Some(big) = collections(v, false) else {
        return (v.to_vec(), 0);
    };
    // The window a trough is judged in: half a typical tooth (the median
    // spacing of the big falls), at least 2 and at most 10 cycles' worth of
    // points on either side.
    let mut gaps: Vec<f64> = big.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    if gaps.is_empty() {
        gaps.push(n as f64);
    }
    let half = ((median(&gaps).unwrap_or(4.0) / 2.0) as usize).clamp(2, 10);
    // The lower envelope: every local minimum that is no higher than the
    // median of the points around it. Windows are centred, so a trend
    // cancels out (a steep leak still has troughs) and noise gets no
    // direction; a dip high up a tooth is no collection.
    let kept: Vec<(f64, f64)> = (0..n)
        .filter(|&i| {
            let left = i == 0 || v[i - 1].1 > v[i].1;
            let right = i + 1 == n || v[i + 1].1 >= v[i].1;
            if !(left && right) {
                return false;
            }
            let around: Vec<f64> = v[i.saturating_sub(half)..(i + half + 1).min(n)]
                .iter()
                .map(|p| p.1)
                .collect();
            median(&around).is_some_and(|m| v[i].1 <= m)
        })
        .map(|i| v[i])
        .collect();
    // Too few troughs, from collections that give back little of the
    // series' range: the series moves with its growth, not its collections.
    let largest_fall = big.iter().map(|&i| v[i - 1].1 - v[i].1).fold(0.0, f64::max);
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    if kept.len() < MIN_TROUGHS && largest_fall < MINOR_FALL * (hi - lo) {
        return (v.to_vec(), 0);
    }
    (kept, big.len())
}

/// (cycle, value) of the cycles of `seg` where `col` has a value, in a
/// vector of exactly that size (a long run has hundreds of thousands).
pub(crate) fn finite_points(c: &Cycles, col: &Column, seg: &Range<usize>) -> Vec<(f64, f64)> {
    let n = seg.clone().filter(|&i| col.get(i).is_finite()).count();
    let mut out = Vec::with_capacity(n);
    out.extend(
        seg.clone()
            .filter(|&i| col.get(i).is_finite())
            .map(|i| (c.cycle[i] as f64, col.get(i))),
    );
    out
}

/// The retained level of memory metric `m` over segment `seg`, or the
/// quiet points of a count.
pub(crate) fn retained(c: &Cycles, m: Metric, seg: &Range<usize>) -> Retained {
    if m.is_count() {
        return Retained {
            points: bin(finite_points(c, &c.quiet[m.index()], seg)),
            source: RetainedSource::QuietPoints,
            collections: 0,
            level_noise: None,
            uncollected: None,
        };
    }
    retained_of_floors(c, m, seg, &finite_points(c, &c.floor[m.index()], seg))
}

/// The retained level of memory metric `m` over `seg`, whose per-cycle
/// floors (the cycles that have one) the caller already holds.
pub(crate) fn retained_of_floors(
    c: &Cycles,
    m: Metric,
    seg: &Range<usize>,
    floors: &[(f64, f64)],
) -> Retained {
    if let Some(r) = after_major_gc(c, m, seg, floors) {
        return r;
    }
    let (level1, teeth) = troughs(floors);
    // Returns: falls of the troughs themselves (the troughs' own first
    // point, the lowest of a tooth whose start the run did not see, is no
    // collection and is left out of the test).
    let skip = usize::from(teeth > 0);
    let returns = level1
        .get(skip..)
        .and_then(|t| collections(t, true))
        .map(|r| r.into_iter().map(|i| i + skip).collect::<Vec<_>>());
    match returns {
        Some(cuts) => {
            let points = lows(&level1, &cuts, true);
            let last = cuts[cuts.len() - 1];
            let uncollected = overdue(&level1, &cuts).then(|| Uncollected {
                since: level1[last].0,
                floors: bin(level1[last..].to_vec()),
                after_collection: true,
            });
            Retained {
                points: bin(points),
                source: RetainedSource::AfterReturns,
                collections: cuts.len(),
                level_noise: None,
                uncollected,
            }
        }
        None => Retained {
            points: bin(level1),
            source: if teeth > 0 {
                RetainedSource::Troughs
            } else {
                RetainedSource::AllPoints
            },
            collections: teeth,
            level_noise: None,
            uncollected: None,
        },
    }
}

/// The retained level from recorded major collections: heap used (or
/// external) right after each one, else the floor of the cycle it ran in.
/// `None` when the run does not record collections for this metric.
fn after_major_gc(
    c: &Cycles,
    m: Metric,
    seg: &Range<usize>,
    floors: &[(f64, f64)],
) -> Option<Retained> {
    let gc = c.gc.as_ref()?;
    let value = |i: usize| match m {
        Metric::HeapUsed => gc[i].heap_after_major,
        Metric::External => gc[i].external_after_major,
        _ => f64::NAN,
    };
    let has_values = seg.clone().any(|i| value(i).is_finite());
    // Major collections free the heap; other metrics only where the
    // recorder wrote their level after one.
    if floors.is_empty() || (m != Metric::HeapUsed && !has_values) {
        return None;
    }
    let floor = &c.floor[m.index()];
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut majors = 0usize;
    for i in seg.clone() {
        let x = c.cycle[i] as f64;
        if gc[i].major > 0 {
            let v = if value(i).is_finite() {
                value(i)
            } else {
                floor.get(i)
            };
            if v.is_finite() {
                majors += gc[i].major as usize;
                points.push((x, v));
            }
        } else if points.is_empty() && value(i).is_finite() {
            // The level after a major collection before the segment's first
            // cycle: where the segment starts from.
            points.push((x, value(i)));
        }
    }
    // The uncollected end: since the last major collection, when longer
    // than every gap between collections before it.
    let start = floors[0].0;
    let end = floors[floors.len() - 1].0;
    let last = points.last().map_or(start, |p| p.0);
    let mut longest = 0.0f64;
    let mut prev = start;
    for p in &points {
        longest = longest.max(p.0 - prev);
        prev = p.0;
    }
    let uncollected = (end - last > longest || points.is_empty()).then(|| {
        let (level1, _) = troughs(floors);
        Uncollected {
            since: last,
            floors: bin(level1.into_iter().filter(|p| p.0 >= last).collect()),
            after_collection: majors > 0,
        }
    });
    // Half the median swing of a cycle: a level after a major collection
    // holds at most that cycle's transient allocation above the retained
    // set, so this is a generous standard deviation.
    let swings: Vec<f64> = seg
        .clone()
        .map(|i| c.peak[m.index()].get(i) - floor.get(i))
        .filter(|v| v.is_finite())
        .collect();
    let level_noise = median(&swings).map(|s| (s / 2.0).max(RESOLUTION));
    Some(Retained {
        points: bin(points),
        source: RetainedSource::AfterMajorGc,
        collections: majors,
        level_noise,
        uncollected,
    })
}

/// The upper envelope of the per-cycle peaks (for forecasts): the highest
/// point of each rise of the mirrored series.
pub(crate) fn peaks(c: &Cycles, m: Metric, seg: &Range<usize>) -> Vec<(f64, f64)> {
    let mirrored: Vec<(f64, f64)> = seg
        .clone()
        .filter(|&i| c.peak[m.index()].get(i).is_finite())
        .map(|i| (c.cycle[i] as f64, -c.peak[m.index()].get(i)))
        .collect();
    let (lows, _) = troughs(&mirrored);
    bin(lows.into_iter().map(|(x, y)| (x, -y)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(ys: &[f64]) -> Vec<(f64, f64)> {
        ys.iter()
            .enumerate()
            .map(|(i, &y)| (i as f64 + 1.0, y))
            .collect()
    }

    /// Deterministic noise, about standard normal (SplitMix64, twelve
    /// uniforms summed): symmetric, no pattern in its steps.
    fn noise(i: usize) -> f64 {
        let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut sum = -6.0;
        for _ in 0..12 {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^= x >> 31;
            sum += (x >> 11) as f64 / (1u64 << 53) as f64;
        }
        sum
    }

    #[test]
    fn a_sawtooth_is_found_by_its_falls() {
        // Garbage piles up 3 MB a cycle and is collected every 6 cycles.
        let ys: Vec<f64> = (0..60)
            .map(|i| 50.0 + 3.0 * (i % 6) as f64 + 0.2 * noise(i * 7919))
            .collect();
        let (t, teeth) = troughs(&series(&ys));
        assert!(teeth >= 8, "teeth {teeth}");
        assert!(t.iter().all(|p| p.1 < 51.0), "{t:?}");
    }

    #[test]
    fn plain_noise_has_no_sawtooth() {
        // Symmetric noise: big falls as likely as big rises.
        let ys: Vec<f64> = (0..200)
            .map(|i| 60.0 + 0.1 * i as f64 + 2.0 * noise(i * 7919 + 3))
            .collect();
        let (t, teeth) = troughs(&series(&ys));
        assert_eq!(teeth, 0);
        assert_eq!(t.len(), 200);
    }

    #[test]
    fn troughs_creeping_up_then_dropping_back_are_a_return() {
        // Scavenges every 5 cycles; their troughs creep up 1 MB each until a
        // major collection at cycle 61 takes the heap back to 40.
        let ys: Vec<f64> = (0..100)
            .map(|i| {
                let base = if i < 60 {
                    40.0 + (i / 5) as f64
                } else {
                    40.0 + ((i - 60) / 5) as f64
                };
                base + 4.0 * (i % 5) as f64
            })
            .collect();
        let floors = series(&ys);
        let (level1, teeth) = troughs(&floors);
        assert!(teeth >= 10);
        let returns = collections(&level1[1..], true).expect("a return");
        assert_eq!(returns.len(), 1);
    }
}
