//! Descriptive statistics: the median (by selection), the mean, ranks,
//! autocorrelation, and the one sort of values by position.

/// Median of a slice (NaNs must already be removed). `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    // Natively selected among integer keys in the values' order (one
    // comparison each instead of `total_cmp`'s flips): the same value.
    #[cfg(not(target_arch = "wasm32"))]
    return if v.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
        // (Cycles, binned: already in order.)
        (!v.is_empty()).then(|| median_sorted(v))
    } else if v.len() <= SHORT {
        short_median(v)
    } else {
        median_of_keys(v.iter().map(|&x| key(x)).collect())
    };
    #[cfg(target_arch = "wasm32")]
    median_of(v.to_vec())
}

/// `v` as an integer in the order of [`f64::total_cmp`] (the bit flip it
/// makes on every comparison, made once): selecting among keys is
/// selecting among the values, and [`value`] gives each back bit for bit.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn key(v: f64) -> i64 {
    let bits = v.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The value of a [`key`] (the flip undoes itself).
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn value(k: i64) -> f64 {
    f64::from_bits((k ^ ((((k >> 63) as u64) >> 1) as i64)) as u64)
}

/// A series this short (a window's steps, the points around a trough) is
/// sorted on the stack: no allocation, and a sort of a few keys costs less
/// than a selection's partitions.
#[cfg(not(target_arch = "wasm32"))]
const SHORT: usize = 32;

/// [`median`] of at most [`SHORT`] values.
#[cfg(not(target_arch = "wasm32"))]
fn short_median(v: &[f64]) -> Option<f64> {
    let mut keys = [0i64; SHORT];
    let keys = keys.get_mut(..v.len())?;
    for (k, &x) in keys.iter_mut().zip(v) {
        *k = key(x);
    }
    keys.sort_unstable();
    let n = keys.len();
    let upper = value(*keys.get(n / 2)?);
    Some(if n % 2 == 1 {
        upper
    } else {
        (value(keys[n / 2 - 1]) + upper) / 2.0
    })
}

/// [`median_in`] of values given as [`key`]s.
#[cfg(not(target_arch = "wasm32"))]
fn median_of_keys(mut s: Vec<i64>) -> Option<f64> {
    let n = s.len();
    if n == 0 {
        return None;
    }
    let (left, &mut upper, _) = s.select_nth_unstable(n / 2);
    let upper = value(upper);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = left.iter().copied().max().map_or(upper, value);
    Some((lower + upper) / 2.0)
}

/// [`median`] of values the caller no longer needs (reordered in place).
pub(super) fn median_of(mut s: Vec<f64>) -> Option<f64> {
    median_in(&mut s)
}

/// The median of `s`, reordering it (mean of the two middle values of an
/// even count, as of `s` sorted); `None` when empty.
pub(crate) fn median_in(s: &mut [f64]) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // Selection, not a sort: linear time (the envelope asks for the median
    // of every step of a long run).
    let n = s.len();
    let (left, &mut upper, _) = s.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = left.iter().copied().max_by(f64::total_cmp).unwrap_or(upper);
    Some((lower + upper) / 2.0)
}

/// Sorts `(value, index)` pairs by value (total order: NaNs last), ties by
/// index: a stable order by value whatever the sort does.
///
/// Every ordering of values by position in leaklens goes through this one
/// function, so the browser build carries one copy of the sort for them.
pub fn sort_by_value(pairs: &mut [(f64, usize)]) {
    pairs.sort_unstable_by(by_value);
}

fn by_value(a: &(f64, usize), b: &(f64, usize)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// Sorts `v` by `cmp`, ties in their order in `v` (a stable sort): for the
/// lists sorted off the hot paths (issues, pages left open, cut points,
/// restarts, a chart's cycles read out of order). Their positions are
/// sorted by one compiled copy of the sort, whatever `T`, then the items
/// moved to them: each list's own copy of the sort would add about 2.5 KB
/// to the page's wasm. An already sorted list is only checked.
pub fn sort_small<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if v.windows(2).all(|w| cmp(&w[0], &w[1]).is_le()) {
        return;
    }
    let order = positions_sorted(v.len(), &|i, j| cmp(&v[i], &v[j]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// `0..n` sorted by `cmp`, ties by position.
fn positions_sorted(n: usize, cmp: &dyn Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&i, &j| cmp(i, j).then(i.cmp(&j)));
    order
}

pub(super) fn median_sorted(s: &[f64]) -> f64 {
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// Ranks (1-based, ties get the average rank).
pub fn ranks(v: &[f64]) -> Vec<f64> {
    // A short series of numbers (every window of the windowed table) is
    // ranked by counting, without a sort.
    // (Natively: the browser's page has no room for the second way.)
    if cfg!(not(target_arch = "wasm32")) && v.len() <= 32 && v.iter().all(|x| x.is_finite()) {
        ranks_counted(v)
    } else {
        ranks_sorted(v)
    }
}

/// [`ranks`] by counting (numbers only): a tied group sorted would take the
/// positions [#below, #below-or-equal), whose mean rank this is (−0.0 and
/// 0.0 are one group either way).
pub(super) fn ranks_counted(v: &[f64]) -> Vec<f64> {
    v.iter()
        .map(|&a| {
            let (mut below, mut not_above) = (0usize, 0usize);
            for &b in v {
                below += usize::from(b < a);
                not_above += usize::from(b <= a);
            }
            (below + not_above + 1) as f64 / 2.0
        })
        .collect()
}

/// [`ranks`] by sorting.
pub(super) fn ranks_sorted(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<(f64, usize)> = v.iter().copied().zip(0..).collect();
    sort_by_value(&mut idx);
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && idx[j].0 == idx[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        for &(_, k) in &idx[i..j] {
            r[k] = avg;
        }
        i = j;
    }
    r
}

/// Lag-k autocorrelation of a series.
pub fn autocorrelation(v: &[f64], k: usize) -> f64 {
    let n = v.len();
    if k == 0 {
        return 1.0;
    }
    if n <= k + 1 {
        return 0.0;
    }
    let m = mean(v);
    let den: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    if den <= 0.0 {
        return 0.0;
    }
    let num: f64 = (0..n - k).map(|i| (v[i] - m) * (v[i + k] - m)).sum();
    num / den
}
