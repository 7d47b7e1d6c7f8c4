//! Per-cycle aggregates of a run: what every later stage reads.

use std::ops::Range;

use crate::point::CyclePoint;
use crate::stats::median;
use crate::{Column, Metric, Run};

/// The garbage collections of one cycle, from the recorder's `gc` fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CycleGc {
    /// Major collections during the cycle.
    pub major: u32,
    /// heapUsed right after the most recent major collection, as of the
    /// cycle's end (MB); NaN before the first.
    pub heap_after_major: f64,
    /// `external` right after it, when recorded.
    pub external_after_major: f64,
}

const NO_TIME: i64 = i64::MIN;

/// A snapshot index in 4 bytes (the reader refuses inputs over 4 GiB, so a
/// run holds fewer than 2³² snapshots).
fn index(i: usize) -> u32 {
    u32::try_from(i).expect("a run holds fewer than 2^32 snapshots")
}

/// Per-cycle aggregates of a run.
pub(crate) struct Cycles {
    pub cycle: Vec<u64>,
    /// Minimum over the cycle's snapshots, per metric (empty for a memory
    /// metric the run does not have).
    pub floor: [Column; Metric::COUNT],
    /// Maximum over the cycle's snapshots, per metric.
    pub peak: [Column; Metric::COUNT],
    /// The cycle's quiet point (its cleanup snapshot, else its minimum): for
    /// counts, so a page recreate's transient extra page is not counted.
    /// Empty for memory metrics, which are judged on their floors.
    pub quiet: [Column; Metric::COUNT],
    /// First timestamp of the cycle (ms; `i64::MIN` for none), empty when
    /// the run has no timestamps.
    ts: Vec<i64>,
    /// Index of the cycle's first snapshot in the run, and the run's length
    /// last (4 bytes each: a run holds fewer than 2³² snapshots).
    starts: Vec<u32>,
    /// Garbage collections per cycle, when the run records them.
    pub gc: Option<Vec<CycleGc>>,
}

impl Cycles {
    pub fn of(run: &Run) -> Cycles {
        // The cycles and where each starts, first: every pass below walks them.
        let (mut cycle, mut starts) = (Vec::new(), Vec::new());
        let all = run.cycles();
        for (i, &cy) in all.iter().enumerate() {
            if i == 0 || cy != all[i - 1] {
                cycle.push(cy);
                starts.push(index(i));
            }
        }
        starts.push(index(run.len()));
        cycle.shrink_to_fit();
        starts.shrink_to_fit();
        let mut c = Cycles {
            cycle,
            floor: Default::default(),
            peak: Default::default(),
            quiet: Default::default(),
            ts: Vec::new(),
            starts: Vec::new(),
            gc: None,
        };
        let n = c.cycle.len();
        let ranges = || starts.windows(2).map(|w| w[0] as usize..w[1] as usize);
        let cleanup = &cleanup_label_ids(run);
        // Counts are always there (page URLs are judged against them).
        let metrics: Vec<Metric> = Metric::ALL
            .into_iter()
            .filter(|&m| m.is_count() || run.has_metric(m))
            .collect();
        // Each metric on its own (on several cores with `parallel`).
        let columns = crate::par::map(&metrics, |&m| {
            let quiet = m.is_count().then(|| {
                let labels = run.label_ids();
                move |i: usize| cleanup.contains(&labels[i])
            });
            extremes(run.column(m), n, ranges(), quiet)
        });
        for (m, [floor, peak, quiet]) in metrics.into_iter().zip(columns) {
            c.floor[m.index()] = floor;
            c.peak[m.index()] = peak;
            c.quiet[m.index()] = quiet;
        }
        if run.has_gc() {
            let mut out = Vec::with_capacity(n);
            let mut last = CycleGc {
                major: 0,
                heap_after_major: f64::NAN,
                external_after_major: f64::NAN,
            };
            for r in ranges() {
                let mut g = CycleGc { major: 0, ..last };
                for i in r.clone() {
                    if let Some(s) = run.gc(i) {
                        g.major = g.major.saturating_add(s.major);
                        if s.heap_after_major.is_finite() {
                            g.heap_after_major = s.heap_after_major;
                        }
                        if s.external_after_major.is_finite() {
                            g.external_after_major = s.external_after_major;
                        }
                    }
                }
                last = g;
                out.push(g);
            }
            c.gc = Some(out);
        }
        if run.timestamps().any(|t| t.is_some()) {
            let ts = ranges()
                .map(|r| r.clone().find_map(|i| run.timestamp(i)).unwrap_or(NO_TIME))
                .collect();
            c.ts = ts;
        }
        c.starts = starts;
        c
    }

    /// Index range of cycle `i`'s snapshots in the run.
    pub fn range(&self, i: usize) -> Range<usize> {
        self.starts[i] as usize..self.starts[i + 1] as usize
    }

    /// First timestamp of cycle `i` (ms).
    fn timestamp(&self, i: usize) -> Option<i64> {
        self.ts.get(i).copied().filter(|&t| t != NO_TIME)
    }

    pub fn len(&self) -> usize {
        self.cycle.len()
    }

    /// Median duration of a cycle over `seg`, in hours.
    pub fn hours_per_cycle(&self, seg: &Range<usize>) -> Option<f64> {
        let mut d = Vec::new();
        let mut prev: Option<(u64, i64)> = None;
        for i in seg.clone() {
            if let Some(t) = self.timestamp(i) {
                if let Some((pc, pt)) = prev {
                    let dc = self.cycle[i].saturating_sub(pc);
                    if dc > 0 && t > pt {
                        d.push((t as f64 - pt as f64) / dc as f64);
                    }
                }
                prev = Some((self.cycle[i], t));
            }
        }
        median(&d).map(|ms| ms / 3_600_000.0)
    }
}

/// Per cycle (`ranges`, `n` of them) of one metric's column: its minimum,
/// its maximum, and with `quiet` (which snapshots are cleanup points) the
/// first cleanup value, else the minimum. Only finite values count; a cycle
/// without one gets a missing value. Each column in the smallest lossless
/// form, with no spare capacity.
fn extremes(
    col: &Column,
    n: usize,
    ranges: impl Iterator<Item = Range<usize>>,
    quiet: Option<impl Fn(usize) -> bool>,
) -> [Column; 3] {
    match col {
        // Whole hundredths: the extremes are some of them, found without
        // decoding (the order of the integers is that of the values). Not
        // in the browser, whose page has no room for a second copy of the
        // pass; the doubles give the same columns.
        #[cfg(not(target_arch = "wasm32"))]
        Column::Hundredths(v) => {
            let [floor, peak, q] = extremes_in(v, n, ranges, quiet, |&h| h != i32::MIN);
            let column = |h: Vec<i32>| {
                if h.iter().all(|&h| h == i32::MIN) {
                    Column::Missing(h.len())
                } else {
                    Column::Hundredths(h)
                }
            };
            [column(floor), column(peak), column(q)]
        }
        _ => {
            let (mut floor, mut peak) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let mut q = Vec::with_capacity(if quiet.is_some() { n } else { 0 });
            for r in ranges {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                let mut first_quiet = f64::NAN;
                for i in r {
                    let v = col.get(i);
                    if v.is_finite() {
                        lo = lo.min(v);
                        hi = hi.max(v);
                        if first_quiet.is_nan() && quiet.as_ref().is_some_and(|f| f(i)) {
                            first_quiet = v;
                        }
                    }
                }
                let found = lo.is_finite();
                floor.push(if found { lo } else { f64::NAN });
                peak.push(if found { hi } else { f64::NAN });
                if quiet.is_some() {
                    q.push(match (found, first_quiet.is_nan()) {
                        (false, _) => f64::NAN,
                        (true, true) => lo,
                        (true, false) => first_quiet,
                    });
                }
            }
            [floor, peak, q].map(|v| Column::from_slice(&v))
        }
    }
}

/// [`extremes`] over values of an ordered type (`present`: not missing;
/// a cycle with none gets its first value, the missing marker).
#[cfg(not(target_arch = "wasm32"))]
fn extremes_in<T: Copy + Ord>(
    v: &[T],
    n: usize,
    ranges: impl Iterator<Item = Range<usize>>,
    quiet: Option<impl Fn(usize) -> bool>,
    present: impl Fn(&T) -> bool,
) -> [Vec<T>; 3] {
    let (mut floor, mut peak) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut q = Vec::with_capacity(if quiet.is_some() { n } else { 0 });
    for r in ranges {
        let missing = v[r.start];
        let (mut lo, mut hi, mut first_quiet) = (None::<T>, None::<T>, None::<T>);
        for i in r {
            let x = v[i];
            if present(&x) {
                lo = Some(lo.map_or(x, |l| l.min(x)));
                hi = Some(hi.map_or(x, |h| h.max(x)));
                if first_quiet.is_none() && quiet.as_ref().is_some_and(|f| f(i)) {
                    first_quiet = Some(x);
                }
            }
        }
        floor.push(lo.unwrap_or(missing));
        peak.push(hi.unwrap_or(missing));
        if quiet.is_some() {
            q.push(first_quiet.or(lo).unwrap_or(missing));
        }
    }
    [floor, peak, q]
}

/// Ids of the labels that name the cleanup point of a cycle.
pub(crate) fn cleanup_label_ids(run: &Run) -> Vec<u32> {
    run.label_names()
        .names()
        .enumerate()
        .filter(|(_, s)| CyclePoint::of(s) == CyclePoint::Cleanup)
        .map(|(i, _)| i as u32)
        .collect()
}
