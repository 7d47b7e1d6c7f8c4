//! A trend test whose slope, interval and p-value come from one
//! statistic: the interval is the inversion of the Mann–Kendall test.

use super::kendall::{mahonian, mann_kendall_of, mk_p_of, sign};
use super::{median, norm_quantile, MannKendall};

/// A trend test of `y` on `x` whose three answers cannot disagree: Sen's
/// slope, its (1 − α) interval, and the Mann–Kendall p-value all come from
/// one statistic, S, under one null distribution (exact for a short untied
/// series, else normal with the tie and autocorrelation corrected variance
/// and a continuity correction). The interval is the inversion of that test:
/// the slopes β for which the series detrended by β shows no trend at α.
/// So `rising()` ⇔ `p < α` with S > 0 ⇔ `lower ≥ 0` (and `lower > 0`
/// whenever no pair of points is tied), and likewise for falling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlopeTest {
    pub n: usize,
    /// Sen's slope: the median of the pairwise slopes.
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    /// Median of y − slope·x.
    pub intercept: f64,
    pub mk: MannKendall,
    pub alpha: f64,
    /// The smallest |S| that is significant at `alpha`.
    pub s_crit: f64,
}

impl SlopeTest {
    /// A rise significant at α.
    pub fn rising(&self) -> bool {
        self.mk.s >= self.s_crit
    }
    /// A fall significant at α.
    pub fn falling(&self) -> bool {
        self.mk.s <= -self.s_crit
    }
}

/// A pairwise slope as the selections see it: natively an integer in the
/// order of [`f64::total_cmp`] (see [`key`]).
#[cfg(not(target_arch = "wasm32"))]
type Key = i64;
/// (In the browser the doubles themselves, in `total_cmp`'s order: the
/// page has no room for a second copy of the selection.)
#[cfg(target_arch = "wasm32")]
type Key = f64;

#[cfg(not(target_arch = "wasm32"))]
use super::describe::{key, value};

#[cfg(target_arch = "wasm32")]
fn key(v: f64) -> f64 {
    v
}

#[cfg(target_arch = "wasm32")]
fn value(k: f64) -> f64 {
    k
}

/// Puts the key of rank `k` at `k`, the smaller before it, the larger after.
fn select(s: &mut [Key], k: usize) -> Key {
    #[cfg(not(target_arch = "wasm32"))]
    return *s.select_nth_unstable(k).1;
    #[cfg(target_arch = "wasm32")]
    return *s.select_nth_unstable_by(k, f64::total_cmp).1;
}

/// What one pass over every pair of points gives the test.
struct Pairs {
    /// The slopes of the pairs with different x (x ascending), as [`key`]s.
    keys: Vec<Key>,
    /// Kendall's S of y, over every pair.
    s: f64,
    /// Whether any two y are equal.
    equal: bool,
    /// How many slopes are below zero, and at most zero.
    below: usize,
    not_above: usize,
}

impl Pairs {
    fn of(x: &[f64], y: &[f64]) -> Pairs {
        let n = x.len();
        let mut p = Pairs {
            keys: Vec::with_capacity(n * n.saturating_sub(1) / 2),
            s: 0.0,
            equal: false,
            below: 0,
            not_above: 0,
        };
        for i in 0..n {
            for j in i + 1..n {
                let dy = y[j] - y[i];
                p.s += sign(dy);
                p.equal |= y[j] == y[i];
                let dx = x[j] - x[i];
                if dx > 0.0 {
                    let slope = dy / dx;
                    p.below += usize::from(slope < 0.0);
                    p.not_above += usize::from(slope <= 0.0);
                    p.keys.push(key(slope));
                }
            }
        }
        p
    }
}

/// The key at position `k` of `s` sorted, `s` being already partitioned
/// around its position `mid` (as the median's selection leaves it): only
/// the side that holds `k` is searched.
fn nth_beside(s: &mut [Key], mid: usize, k: usize) -> Key {
    use std::cmp::Ordering::*;
    match k.cmp(&mid) {
        Equal => s[mid],
        Less => select(&mut s[..mid], k),
        Greater => select(&mut s[mid + 1..], k - mid - 1),
    }
}

/// [`SlopeTest`] of `y` on `x` (x ascending).
pub fn slope_test(x: &[f64], y: &[f64], alpha: f64) -> Option<SlopeTest> {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    // Order statistics by selection, not a sort (the windowed table tests
    // tens of thousands of windows): the values are those of the sorted
    // slopes at the same positions.
    let Pairs {
        keys: mut slopes,
        s,
        equal,
        below,
        not_above,
    } = Pairs::of(x, y);
    if slopes.is_empty() {
        return None;
    }
    // The median as `median_in` takes it (the mean of the two middle
    // values of an even count), selected among keys.
    let mid = slopes.len() / 2;
    let upper_mid = value(select(&mut slopes, mid));
    let slope = if slopes.len() % 2 == 1 {
        upper_mid
    } else {
        let lower_mid = slopes[..mid]
            .iter()
            .copied()
            .max_by(|a, b| value(*a).total_cmp(&value(*b)))
            .map_or(upper_mid, value);
        (lower_mid + upper_mid) / 2.0
    };
    let mk = mann_kendall_of(x, y, slope, s, equal);
    let counts = mk.exact.then(|| mahonian(mk.n));
    let counts = counts.as_deref();
    let pairs = (n * (n - 1) / 2) as f64;
    // The critical |S|: the smallest value whose p is below α. S moves in
    // steps of 1 (ties, repeated x) or 2, so search the integers.
    let p_at = |s: f64| mk_p_of(&mk, s, counts);
    let mut s_crit = if counts.is_some() {
        1.0
    } else {
        let var = mk.var_s * mk.autocorrelation_factor;
        libm::floor(1.0 + norm_quantile(1.0 - alpha / 2.0) * libm::sqrt(var.max(0.0)))
    };
    while s_crit > 1.0 && p_at(s_crit - 1.0) < alpha {
        s_crit -= 1.0;
    }
    while s_crit <= pairs && p_at(s_crit) >= alpha {
        s_crit += 1.0;
    }
    // The significance at β = 0 is decided by the same p as the report's.
    let significant = mk.p < alpha;
    debug_assert_eq!(significant, mk.s.abs() >= s_crit);
    // S(β) = #(slopes > β) − #(slopes < β) (+ the pairs with equal x,
    // which do not move with β): the MK statistic of y − βx. It steps down
    // at each slope value; just left of a value v it is #(≥ v) − #(< v),
    // just right #(> v) − #(≤ v).
    let total = slopes.len() as f64;
    let (below, not_above) = (below as f64, not_above as f64);
    let offset = mk.s - ((total - not_above) - below);
    // Lower end: sup{β : S(β) ≥ s_crit}. Just left of the value at sorted
    // position k, S is at least N − 2k + offset (its group starts at or
    // before k), so the largest k with N − 2k + offset ≥ s_crit gives it.
    // Upper end: inf{β : S(β) ≤ −s_crit}: just right of the value at
    // position t − 1, S is at most N − 2t + offset, so the smallest t with
    // N − 2t + offset ≤ −s_crit gives it. (Found by position, not by a
    // search over values: the windowed table asks for thousands.)
    let last = slopes.len() - 1;
    let k = libm::floor((total + offset - s_crit) / 2.0);
    let lower = value(nth_beside(
        &mut slopes,
        mid,
        if k >= 0.0 { (k as usize).min(last) } else { 0 },
    ));
    let t = libm::ceil((total + offset + s_crit) / 2.0);
    let upper = value(nth_beside(
        &mut slopes,
        mid,
        if t >= 1.0 && t <= total {
            t as usize - 1
        } else {
            last
        },
    ));
    // Where no β is significant at all (too few points for α), the interval
    // reaches zero on both sides: nothing is excluded.
    let (lower, upper) = if s_crit > pairs {
        (lower.min(0.0), upper.max(0.0))
    } else {
        (lower, upper)
    };
    let resid: Vec<f64> = x.iter().zip(y).map(|(xi, yi)| yi - slope * xi).collect();
    Some(SlopeTest {
        n,
        slope,
        lower: lower.min(slope),
        upper: upper.max(slope),
        intercept: median(&resid).unwrap_or(0.0),
        mk,
        alpha,
        s_crit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Keys order doubles as `total_cmp` does and give each back to the
        /// bit.
        #[test]
        fn keys_keep_the_order_and_the_bits(a in proptest::num::f64::ANY, b in proptest::num::f64::ANY) {
            proptest::prop_assert_eq!(value(key(a)).to_bits(), a.to_bits());
            proptest::prop_assert_eq!(key(a).cmp(&key(b)), a.total_cmp(&b));
        }

        /// Selecting beside the median finds what a full sort puts there.
        #[test]
        fn selection_beside_the_median_equals_a_sort(
            v in proptest::collection::vec(-50i64..50, 1..200),
            at in 0usize..200,
        ) {
            let k = at % v.len();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let mut s = v;
            let mid = s.len() / 2;
            s.select_nth_unstable(mid);
            proptest::prop_assert_eq!(nth_beside(&mut s, mid, k), sorted[k]);
        }
    }
}
