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
    /// First timestamp of the cycle (ms).
    pub ts: Vec<Option<i64>>,
    /// Index range of the cycle's snapshots in the run.
    pub ranges: Vec<Range<usize>>,
    /// Garbage collections per cycle, when the run records them.
    pub gc: Option<Vec<CycleGc>>,
}

impl Cycles {
    pub fn of(run: &Run) -> Cycles {
        let ranges = run.cycle_ranges();
        let n = ranges.len();
        let mut c = Cycles {
            cycle: Vec::with_capacity(n),
            floor: Default::default(),
            peak: Default::default(),
            quiet: Default::default(),
            ts: Vec::with_capacity(n),
            ranges: Vec::with_capacity(n),
            gc: None,
        };
        let cleanup = cleanup_label_ids(run);
        for m in Metric::ALL {
            // Counts are always there (page URLs are judged against them).
            let count = m.is_count();
            if !count && !run.has_metric(m) {
                continue;
            }
            let col = run.column(m);
            let (floor, peak) = (&mut c.floor[m.index()], &mut c.peak[m.index()]);
            let mut quiet = Column::default();
            floor.reserve(n);
            peak.reserve(n);
            for (_, r) in &ranges {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                let mut q = f64::NAN;
                for i in r.clone() {
                    let v = col.get(i);
                    if v.is_finite() {
                        lo = lo.min(v);
                        hi = hi.max(v);
                        if count && q.is_nan() && cleanup.contains(&run.label_id(i)) {
                            q = v;
                        }
                    }
                }
                if lo.is_finite() {
                    floor.push(lo);
                    peak.push(hi);
                    if count {
                        quiet.push(if q.is_nan() { lo } else { q });
                    }
                } else {
                    floor.push(f64::NAN);
                    peak.push(f64::NAN);
                    if count {
                        quiet.push(f64::NAN);
                    }
                }
            }
            c.quiet[m.index()] = quiet;
        }
        if run.has_gc() {
            let mut out = Vec::with_capacity(n);
            let mut last = CycleGc {
                major: 0,
                heap_after_major: f64::NAN,
                external_after_major: f64::NAN,
            };
            for (_, r) in &ranges {
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
        for (cy, r) in ranges {
            c.cycle.push(cy);
            c.ts.push(r.clone().find_map(|i| run.timestamp(i)));
            c.ranges.push(r);
        }
        c
    }

    pub fn len(&self) -> usize {
        self.cycle.len()
    }

    /// Median duration of a cycle over `seg`, in hours.
    pub fn hours_per_cycle(&self, seg: &Range<usize>) -> Option<f64> {
        let mut d = Vec::new();
        let mut prev: Option<(u64, i64)> = None;
        for i in seg.clone() {
            if let Some(t) = self.ts[i] {
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

/// Ids of the labels that name the cleanup point of a cycle.
pub(crate) fn cleanup_label_ids(run: &Run) -> Vec<u32> {
    run.label_names()
        .names()
        .enumerate()
        .filter(|(_, s)| CyclePoint::of(s) == CyclePoint::Cleanup)
        .map(|(i, _)| i as u32)
        .collect()
}
