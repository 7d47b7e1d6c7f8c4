//! Where each snapshot sits on the x axis.

use leaklens_core::{Metric, Run};

use crate::XAxis;

/// The snapshots as points along the x axis.
pub(crate) struct Points {
    pub axis: XAxis,
    /// The snapshot index of each point, in x order; `None` when it is `0..n`.
    order: Option<Vec<usize>>,
    /// x of each point, ascending.
    pub xs: Vec<f64>,
    /// (cycle, x of its first snapshot, x of its last), ascending by cycle.
    pub cycles: Vec<(u64, f64, f64)>,
}

impl Points {
    pub fn new(run: &Run, want: XAxis) -> Points {
        let n = run.len();
        let has_time = run.timestamps().any(|t| t.is_some());
        let axis = if want == XAxis::Time && has_time {
            XAxis::Time
        } else {
            XAxis::Cycle
        };
        let ranges = run.cycle_ranges();
        let mut x_of = vec![f64::NAN; n];
        match axis {
            XAxis::Cycle => {
                for (c, r) in &ranges {
                    let len = r.len() as f64;
                    for (j, i) in r.clone().enumerate() {
                        x_of[i] = *c as f64 + j as f64 / len;
                    }
                }
            }
            XAxis::Time => {
                for (x, t) in x_of.iter_mut().zip(run.timestamps()) {
                    if let Some(t) = t {
                        *x = t as f64;
                    }
                }
            }
        }
        let mut cycles: Vec<(u64, f64, f64)> = Vec::with_capacity(ranges.len());
        for (c, r) in &ranges {
            let (mut a, mut b) = (f64::INFINITY, f64::NEG_INFINITY);
            for &x in &x_of[r.clone()] {
                if x.is_finite() {
                    a = a.min(x);
                    b = b.max(x);
                }
            }
            if a <= b {
                cycles.push((*c, a, b));
            }
        }
        if !cycles.windows(2).all(|w| w[0].0 < w[1].0) {
            // Not normalized: sort and merge repeated cycles.
            leaklens_core::stats::sort_small(&mut cycles, |a, b| a.0.cmp(&b.0));
            let mut merged: Vec<(u64, f64, f64)> = Vec::with_capacity(cycles.len());
            for e in cycles {
                match merged.last_mut() {
                    Some(last) if last.0 == e.0 => {
                        last.1 = last.1.min(e.1);
                        last.2 = last.2.max(e.2);
                    }
                    _ => merged.push(e),
                }
            }
            cycles = merged;
        }
        let in_order = x_of.iter().all(|x| x.is_finite()) && x_of.windows(2).all(|w| w[0] <= w[1]);
        if in_order {
            return Points {
                axis,
                order: None,
                xs: x_of,
                cycles,
            };
        }
        let mut by_x: Vec<(f64, usize)> = x_of
            .iter()
            .copied()
            .zip(0..)
            .filter(|(x, _)| x.is_finite())
            .collect();
        leaklens_core::stats::sort_by_value(&mut by_x);
        let (xs, idx) = by_x.into_iter().unzip();
        Points {
            axis,
            order: Some(idx),
            xs,
            cycles,
        }
    }

    /// The metric's values, one per point.
    pub fn ys(&self, run: &Run, m: Metric) -> Vec<f64> {
        // The run keeps 4 bytes a value where that is lossless: read out once.
        let col = run.column(m);
        match &self.order {
            None => col.to_vec(),
            Some(idx) => idx.iter().map(|&i| col.get(i)).collect(),
        }
    }

    /// The snapshot index of point `k`.
    pub fn snapshot(&self, k: usize) -> usize {
        match &self.order {
            None => k,
            Some(idx) => idx[k],
        }
    }

    /// The snapshot nearest to `x`, if any.
    pub fn nearest(&self, x: f64) -> Option<usize> {
        let xs = &self.xs;
        if xs.is_empty() || !x.is_finite() {
            return None;
        }
        let k = xs.partition_point(|&v| v < x);
        let best = match (k.checked_sub(1), (k < xs.len()).then_some(k)) {
            (Some(a), Some(b)) => {
                if (x - xs[a]).abs() <= (xs[b] - x).abs() {
                    a
                } else {
                    b
                }
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        Some(self.snapshot(best))
    }

    /// x of snapshot `i` (NaN when it has no place on this axis).
    pub fn x_of(&self, i: usize) -> f64 {
        match &self.order {
            None => self.xs.get(i).copied().unwrap_or(f64::NAN),
            Some(idx) => idx
                .iter()
                .position(|&s| s == i)
                .map(|k| self.xs[k])
                .unwrap_or(f64::NAN),
        }
    }

    /// Where cycle `c` starts on the x axis (interpolated or extrapolated
    /// for cycles without snapshots on a time axis).
    pub fn cycle_x(&self, c: u64) -> Option<f64> {
        if self.axis == XAxis::Cycle {
            return Some(c as f64);
        }
        let t = &self.cycles;
        match t.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => Some(t[i].1),
            Err(_) if t.len() < 2 => None,
            Err(i) => {
                let (a, b) = if i == 0 {
                    (0, 1)
                } else if i >= t.len() {
                    (t.len() - 2, t.len() - 1)
                } else {
                    (i - 1, i)
                };
                let (ca, xa, cb, xb) = (t[a].0 as f64, t[a].1, t[b].0 as f64, t[b].1);
                Some(xa + (c as f64 - ca) * (xb - xa) / (cb - ca))
            }
        }
    }

    /// Where the last snapshot of cycle `c` is on the x axis.
    pub fn cycle_last_x(&self, c: u64) -> Option<f64> {
        match self.cycles.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => Some(self.cycles[i].2),
            Err(_) => self.cycle_x(c),
        }
    }
}
