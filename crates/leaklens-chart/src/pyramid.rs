//! Min-max pyramids: the lowest and the highest point of a series over any
//! range of its points in O(log n), built once per series. A chart of a
//! million snapshots is then decimated at each zoom in time proportional to
//! its width, not to the run, with exactly the points of
//! [`decimate_min_max`](crate::decimate_min_max).

use crate::clip::P;
use crate::decimate::column_of;

/// The lowest stored level holds buckets of `1 << BASE` points; shorter
/// stretches are read point by point (a pyramid costs 2 bytes a point).
const BASE: u32 = 3;

/// A bucket without a finite point.
const NONE: (u32, u32) = (u32::MAX, u32::MAX);

/// Blocks of `1 << EDGE` points, whose points know the extremes of their
/// block before and after them (4 bytes a point).
const EDGE: u32 = 7;

/// An offset within a block where there is no finite point.
const NO: u8 = u8::MAX;

/// Per level `k`, per bucket of `1 << (BASE + k)` points (whole buckets
/// only), the index of its first lowest and first highest point; and per
/// point, the offsets within its block of the first lowest and highest
/// point from the block's start to it, then from it to the block's end.
///
/// A range over several blocks is then its first block's end (one read),
/// the whole blocks between (a few buckets), and its last block's start
/// (one read): a pixel column of a million-point chart reads a handful of
/// points, not two per bucket of every size down to single points.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pyramid {
    levels: Vec<Vec<(u32, u32)>>,
    edges: Vec<[u8; 4]>,
}

impl Pyramid {
    /// The pyramid of the values `y` (of points whose x are finite);
    /// values that are not finite are left out.
    pub fn new(y: &[f64]) -> Pyramid {
        let n = y.len().min(u32::MAX as usize);
        let y = &y[..n];
        let size = 1usize << BASE;
        let mut level: Vec<(u32, u32)> = (0..n / size)
            .map(|b| {
                let mut e = Extremes::default();
                e.scan(y, b * size, (b + 1) * size);
                e.pair()
            })
            .collect();
        let mut levels = Vec::new();
        while !level.is_empty() {
            let up = (level.chunks_exact(2))
                .map(|w| {
                    let mut e = Extremes::default();
                    e.bucket(y, w[0]);
                    e.bucket(y, w[1]);
                    e.pair()
                })
                .collect();
            levels.push(std::mem::replace(&mut level, up));
        }
        let mut edges = Vec::with_capacity(n);
        y.chunks(1 << EDGE).for_each(|b| edges_of(b, &mut edges));
        Pyramid { levels, edges }
    }

    /// The indices of the first lowest and the first highest point within
    /// `a..b` (None without a finite point), as a scan would find them:
    /// over several blocks, the rest of the first block, the whole blocks
    /// as [`Pyramid::buckets`] reads them, then the start of the last
    /// block; within one block, by [`Pyramid::buckets`] alone.
    pub fn extremes(&self, y: &[f64], a: usize, b: usize) -> Option<(usize, usize)> {
        let mut acc = Extremes::default();
        let block = 1usize << EDGE;
        let (first, last) = (a.next_multiple_of(block), b / block * block);
        let n = self.edges.len();
        if first > last || b > n {
            self.buckets(y, a, b, &mut acc);
        } else {
            if a < first {
                acc.bucket(y, self.edge(a, 2));
            }
            self.buckets(y, first, last, &mut acc);
            if last < b {
                acc.bucket(y, self.edge(b - 1, 0));
            }
        }
        (acc.pair() != NONE).then_some((acc.lo.0, acc.hi.0))
    }

    /// The points of the block of point `i` that `edges[i][at..at + 2]`
    /// names, as a bucket's pair.
    fn edge(&self, i: usize, at: usize) -> (u32, u32) {
        let (lo, hi) = (self.edges[i][at], self.edges[i][at + 1]);
        let start = (i >> EDGE << EDGE) as u32;
        match lo == NO {
            true => NONE,
            false => (start + u32::from(lo), start + u32::from(hi)),
        }
    }

    /// `a..b` into `acc`: the points up to the first whole bucket one by
    /// one, then the largest whole buckets that fit, then the points after
    /// the last one.
    fn buckets(&self, y: &[f64], a: usize, b: usize, acc: &mut Extremes) {
        let size = 1usize << BASE;
        let whole = (a.next_multiple_of(size).min(b), b / size * size);
        acc.scan(y, a, whole.0);
        let mut i = whole.0;
        if let Some(top) = self.levels.len().checked_sub(1) {
            while i < whole.1 {
                // Both ends are whole buckets apart: k is at least 0.
                let fit = (whole.1 - i).ilog2().min(i.trailing_zeros()) - BASE;
                let k = (fit as usize).min(top);
                acc.bucket(y, self.levels[k][i >> (BASE as usize + k)]);
                i += size << k;
            }
        }
        acc.scan(y, i, b);
    }
}

/// The edges of the points of one block, after `out`'s: the offsets of
/// the first lowest and highest point up to each point (a scan forward),
/// then from it to the block's end (backward: an equal value further on
/// does not replace the one found first).
fn edges_of(block: &[f64], out: &mut Vec<[u8; 4]>) {
    let off = |i: usize| if i == usize::MAX { NO } else { i as u8 };
    let at = out.len();
    let mut e = Extremes::default();
    for (i, &v) in block.iter().enumerate() {
        if v.is_finite() {
            e.take(i, v, i, v);
        }
        out.push([off(e.lo.0), off(e.hi.0), NO, NO]);
    }
    let mut e = Extremes::default();
    for (i, &v) in block.iter().enumerate().rev() {
        if v.is_finite() {
            if v <= e.lo.1 {
                e.lo = (i, v);
            }
            if v >= e.hi.1 {
                e.hi = (i, v);
            }
        }
        out[at + i][2..].copy_from_slice(&[off(e.lo.0), off(e.hi.0)]);
    }
}

/// The first lowest and first highest point seen, with their values.
struct Extremes {
    lo: (usize, f64),
    hi: (usize, f64),
}

impl Default for Extremes {
    fn default() -> Self {
        Extremes {
            lo: (usize::MAX, f64::INFINITY),
            hi: (usize::MAX, f64::NEG_INFINITY),
        }
    }
}

impl Extremes {
    /// Point `i` of value `v` (finite), after those seen.
    fn take(&mut self, i: usize, lo: f64, hi_i: usize, hi: f64) {
        if lo < self.lo.1 {
            self.lo = (i, lo);
        }
        if hi > self.hi.1 {
            self.hi = (hi_i, hi);
        }
    }

    fn scan(&mut self, y: &[f64], a: usize, b: usize) {
        for (i, &v) in y.iter().enumerate().take(b).skip(a) {
            if v.is_finite() {
                self.take(i, v, i, v);
            }
        }
    }

    /// The indices as a bucket keeps them ([`NONE`]: nothing seen).
    fn pair(&self) -> (u32, u32) {
        (self.lo.0 as u32, self.hi.0 as u32)
    }

    fn bucket(&mut self, y: &[f64], (lo, hi): (u32, u32)) {
        if (lo, hi) != NONE {
            let (lo, hi) = (lo as usize, hi as usize);
            self.take(lo, y[lo], hi, y[hi]);
        }
    }
}

/// The pixel columns of a plot over sorted, finite `x`: which points each
/// column holds. Computed once per drawing, shared by every series on `x`.
pub(crate) struct Bins {
    n: usize,
    start: usize,
    end: usize,
    /// Where each non-empty column's points start, then `end`; empty when
    /// the range holds few enough points to be drawn as they are.
    bounds: Vec<usize>,
}

impl Bins {
    /// The columns of `x_range` (either way round) in `columns` pixel
    /// columns, as [`decimate_min_max`](crate::decimate_min_max) cuts it.
    pub fn new(x: &[f64], x_range: P, columns: usize) -> Option<Bins> {
        if x_range.0.is_nan() || x_range.1.is_nan() {
            return None;
        }
        let (lo, hi) = (x_range.0.min(x_range.1), x_range.0.max(x_range.1));
        let columns = columns.max(1);
        let start = x.partition_point(|&v| v < lo);
        let end = x.partition_point(|&v| v <= hi).max(start);
        let mut bounds = Vec::new();
        if end - start > 2 * columns {
            let column_of = column_of(lo, hi, columns);
            // Columns hold about as many points as the one before: the
            // search starts there.
            let mut guess = (end - start) / columns;
            let mut i = start;
            while i < end {
                bounds.push(i);
                let c = column_of(x[i]);
                let len = first_after(&x[i..end], guess, |v| column_of(v) <= c);
                // A little short of it: the search then runs forwards,
                // over the points just read.
                (i, guess) = (i + len, len.saturating_sub(2));
            }
            bounds.push(end);
        }
        let n = x.len();
        Some(Bins {
            n,
            start,
            end,
            bounds,
        })
    }
}

/// `s.partition_point(before)` (`before` true on a prefix of `s`, and on
/// `s[0]`), looked for first at `guess`: beyond it in steps that double,
/// then by halves within the last; or by halves before it. A column's end
/// is near where the last one's length puts it, and each step of a search
/// over the whole rest of a long run would read another part of memory.
fn first_after(s: &[f64], guess: usize, before: impl Fn(f64) -> bool) -> usize {
    let n = s.len();
    let mut lo = guess.clamp(1, n.max(1)) - 1;
    // `before` holds at lo, and fails at hi (or hi is n).
    let mut hi = lo;
    if before(s[lo]) {
        let mut step = 1;
        while lo + step < n && before(s[lo + step]) {
            lo += step;
            step *= 2;
        }
        hi = n.min(lo + step);
    } else {
        lo = 0;
    }
    lo + 1 + s[lo + 1..hi].partition_point(|&v| before(v))
}

/// [`decimate_min_max`](crate::decimate_min_max) of `(x, y)` read through
/// its pyramid: the same points, each pixel column's extremes found in
/// O(log n). `x` must be sorted ascending and finite, and `bins` its
/// columns.
pub(crate) fn decimate(x: &[f64], y: &[f64], pyr: &Pyramid, bins: &Bins) -> Vec<P> {
    let n = bins.n.min(y.len());
    if n == 0 {
        return Vec::new();
    }
    let (start, end) = (bins.start.min(n), bins.end.min(n));
    let ok = |i: &usize| y[*i].is_finite();
    let mut out: Vec<P> = Vec::new();
    let mut push = |i: usize| out.push((x[i], y[i]));
    if let Some(i) = (0..start).rev().find(ok) {
        push(i);
    }
    if bins.bounds.is_empty() {
        (start..end).filter(ok).for_each(&mut push);
    } else {
        for w in bins.bounds.windows(2) {
            if let Some((a, b)) = pyr.extremes(y, w[0], w[1].min(n)) {
                push(a.min(b));
                if a != b {
                    push(a.max(b));
                }
            }
        }
    }
    if let Some(i) = (end..n).find(ok) {
        push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimate_min_max;
    use proptest::prelude::*;

    /// The first lowest and highest of `a..b` by a plain scan.
    fn scanned(y: &[f64], a: usize, b: usize) -> Option<(usize, usize)> {
        let ok = |i: &usize| y[*i].is_finite();
        let lo = (a..b)
            .filter(ok)
            .min_by(|&i, &j| y[i].partial_cmp(&y[j]).unwrap().then(i.cmp(&j)))?;
        let hi = (a..b)
            .filter(ok)
            .max_by(|&i, &j| y[i].partial_cmp(&y[j]).unwrap().then(j.cmp(&i)))?;
        Some((lo, hi))
    }

    /// Values with repeats (ties), NaN, infinities and -0 now and then.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => (0u8..20).prop_map(f64::from),
            4 => -1e6f64..1e6,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(-0.0),
        ]
    }

    /// Sorted finite x with repeats (several snapshots at one time).
    fn xs(n: usize) -> impl Strategy<Value = Vec<f64>> {
        proptest::collection::vec(0u8..4, n).prop_map(|steps| {
            let mut x = 0.0;
            steps
                .into_iter()
                .map(|s| {
                    x += f64::from(s) * 0.25;
                    x
                })
                .collect()
        })
    }

    fn series() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
        (0usize..700).prop_flat_map(|n| (xs(n), proptest::collection::vec(value(), n)))
    }

    #[test]
    fn nan_ranges_have_no_columns() {
        assert!(Bins::new(&[1.0], (f64::NAN, 2.0), 10).is_none());
        assert!(Bins::new(&[1.0], (0.0, f64::NAN), 10).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The doubling search ends where a binary search over the whole
        /// slice does.
        #[test]
        fn first_after_is_the_partition_point(
            x in xs(300),
            at in -1.0f64..400.0,
            guess in 0usize..400,
        ) {
            // As Bins asks: `before` holds at the first point.
            prop_assume!(x.first().is_some_and(|&v| v <= at));
            proptest::prop_assert_eq!(
                first_after(&x, guess, |v| v <= at),
                x.partition_point(|&v| v <= at)
            );
        }

        #[test]
        fn extremes_are_those_of_a_scan((x, y) in series(), a in 0usize..800, len in 0usize..800) {
            let p = Pyramid::new(&y);
            let a = a.min(x.len());
            let b = (a + len).min(x.len());
            prop_assert_eq!(p.extremes(&y, a, b), scanned(&y, a, b));
        }

        #[test]
        fn decimation_through_the_pyramid_draws_the_same_points(
            (x, y) in series(),
            from in -10.0f64..200.0,
            width in -5.0f64..200.0,
            columns in 0usize..120,
        ) {
            let p = Pyramid::new(&y);
            let range = (from, from + width);
            let bins = Bins::new(&x, range, columns).unwrap();
            prop_assert_eq!(
                decimate(&x, &y, &p, &bins),
                decimate_min_max(&x, &y, range, columns)
            );
        }
    }

    #[test]
    fn a_million_points_agree_at_every_zoom() {
        let n = 1_000_000;
        let x: Vec<f64> = (0..n).map(|i| i as f64 / 3.0).collect();
        let mut s = 7u64;
        let y: Vec<f64> = (0..n)
            .map(|i| {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let v = (s >> 40) as f64 + i as f64 * 0.01;
                if i % 9_973 == 0 {
                    f64::NAN
                } else {
                    v
                }
            })
            .collect();
        let p = Pyramid::new(&y);
        let end = x[n - 1];
        for (a, b) in [
            (0.0, end),
            (1000.0, 1300.5),
            (-5.0, 17.0),
            (end - 40.0, end + 9.0),
        ] {
            for columns in [1, 799, 1600] {
                let bins = Bins::new(&x, (a, b), columns).unwrap();
                assert_eq!(
                    decimate(&x, &y, &p, &bins),
                    decimate_min_max(&x, &y, (a, b), columns),
                    "{a}..{b} in {columns} columns"
                );
            }
        }
    }
}
