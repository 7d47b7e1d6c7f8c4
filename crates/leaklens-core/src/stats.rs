//! Robust trend statistics: Sen's slope with its confidence interval,
//! Mann–Kendall (exact for small samples, tie- and autocorrelation-corrected
//! otherwise), least squares and a few helpers.
//!
//! Every transcendental function goes through `libm` so results are the same
//! bit for bit on every target.

/// Median of a slice (NaNs must already be removed). `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    median_of(v.to_vec())
}

/// [`median`] of values the caller no longer needs (reordered in place).
fn median_of(mut s: Vec<f64>) -> Option<f64> {
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

fn median_sorted(s: &[f64]) -> f64 {
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

/// Standard normal CDF.
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
}

/// Two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * (1.0 - norm_cdf(z.abs()))).clamp(0.0, 1.0)
}

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// refined by one Halley step; |error| < 1e-12).
pub fn norm_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = libm::sqrt(-2.0 * libm::log(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = libm::sqrt(-2.0 * libm::log(1.0 - p));
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement step.
    let e = norm_cdf(x) - p;
    let u = e * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

fn sign(d: f64) -> f64 {
    if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The result of a Mann–Kendall trend test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    pub n: usize,
    /// Kendall's S: concordant minus discordant pairs.
    pub s: f64,
    /// Variance of S under H0, tie-corrected.
    pub var_s: f64,
    /// Variance correction factor for autocorrelation (Hamed & Rao), ≥ 1.
    pub autocorrelation_factor: f64,
    pub z: f64,
    /// Two-sided p-value (exact for small samples without ties or autocorrelation).
    pub p: f64,
    pub exact: bool,
}

/// Number of permutations of `n` items with exactly `k` inversions, for
/// every k (Mahonian numbers), as f64 (n ≤ 20 keeps them exact enough).
fn mahonian(n: usize) -> Vec<f64> {
    let mut row = vec![1.0];
    for m in 2..=n {
        let max = row.len() - 1 + (m - 1);
        let mut next = vec![0.0; max + 1];
        for (k, slot) in next.iter_mut().enumerate() {
            let lo = k.saturating_sub(m - 1);
            for j in lo..=k.min(row.len() - 1) {
                *slot += row[j];
            }
        }
        row = next;
    }
    row
}

/// Exact two-sided p-value of S for n untied observations.
fn exact_mk_p(n: usize, s: f64) -> f64 {
    let counts = mahonian(n);
    let total: f64 = counts.iter().sum();
    let pairs = (n * (n - 1) / 2) as f64;
    // S = pairs - 2 * inversions.
    let abs_s = s.abs();
    let mut tail = 0.0;
    for (inv, c) in counts.iter().enumerate() {
        let s_k = pairs - 2.0 * inv as f64;
        if s_k.abs() >= abs_s - 1e-9 {
            tail += c;
        }
    }
    (tail / total).clamp(0.0, 1.0)
}

/// Ranks (1-based, ties get the average rank).
pub fn ranks(v: &[f64]) -> Vec<f64> {
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

/// Hamed & Rao (1998) variance correction for the Mann–Kendall test,
/// computed on the ranks of the series detrended by Sen's slope. The sum runs
/// over the contiguous significant positive autocorrelations from lag 1 (a
/// periodic residual such as a GC sawtooth would otherwise cancel itself
/// out). Never below 1: we do not make a test more confident than the iid one.
fn hamed_rao_factor(x: &[f64], y: &[f64], slope: f64) -> f64 {
    let n = y.len();
    if n < 6 {
        return 1.0;
    }
    let detrended: Vec<f64> = x.iter().zip(y).map(|(xi, yi)| yi - slope * xi).collect();
    let r = ranks(&detrended);
    let nf = n as f64;
    let max_lag = (n / 3).max(1);
    let mut sum = 0.0;
    for k in 1..=max_lag {
        let rho = autocorrelation(&r, k);
        // 95% bound of an autocorrelation estimate at lag k.
        let bound = 1.96 * libm::sqrt((nf - k as f64 - 1.0).max(1.0)) / (nf - k as f64);
        if rho <= bound {
            break;
        }
        let kf = k as f64;
        sum += (nf - kf) * (nf - kf - 1.0) * (nf - kf - 2.0) * rho;
    }
    let eta = 1.0 + 2.0 / (nf * (nf - 1.0) * (nf - 2.0)) * sum;
    eta.max(1.0)
}

/// Mann–Kendall test and Sen's slope with its interval together, the
/// pairwise slopes computed once. The interval uses the
/// autocorrelation-corrected variance of S.
pub fn trend_test(x: &[f64], y: &[f64], alpha: f64) -> (MannKendall, Option<SenSlope>) {
    let slopes = pairwise_slopes(x, y);
    let slope = if slopes.is_empty() {
        0.0
    } else {
        median_sorted(&slopes)
    };
    let mk = mann_kendall_detrended(x, y, slope);
    let sen = sen_from_slopes(x, y, &slopes, mk.var_s * mk.autocorrelation_factor, alpha);
    (mk, sen)
}

/// Mann–Kendall test of `y` ordered by `x` (x must be sorted ascending).
pub fn mann_kendall(x: &[f64], y: &[f64]) -> MannKendall {
    let slope = sen_slope(x, y).unwrap_or(0.0);
    mann_kendall_detrended(x, y, slope)
}

fn mann_kendall_detrended(x: &[f64], y: &[f64], slope: f64) -> MannKendall {
    let n = y.len().min(x.len());
    let (x, y) = (&x[..n], &y[..n]);
    if n < 3 {
        return MannKendall {
            n,
            s: 0.0,
            var_s: 0.0,
            autocorrelation_factor: 1.0,
            z: 0.0,
            p: 1.0,
            exact: false,
        };
    }
    let mut s = 0.0;
    let mut equal_pairs = false;
    for i in 0..n {
        for j in i + 1..n {
            s += sign(y[j] - y[i]);
            equal_pairs |= y[j] == y[i];
        }
    }
    // Tie correction (values are seldom tied: sorted only when some are).
    let mut tie_term = 0.0;
    let mut has_ties = false;
    if equal_pairs {
        let mut sorted = y.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut i = 0;
        while i < n {
            let mut j = i + 1;
            while j < n && sorted[j] == sorted[i] {
                j += 1;
            }
            let t = (j - i) as f64;
            if t > 1.0 {
                has_ties = true;
                tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
            }
            i = j;
        }
    }
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    let factor = hamed_rao_factor(x, y, slope);
    let var_corr = var_s * factor;
    let z = if var_corr <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / libm::sqrt(var_corr)
    } else if s < 0.0 {
        (s + 1.0) / libm::sqrt(var_corr)
    } else {
        0.0
    };
    let exact = !has_ties && n <= 10 && factor <= 1.0;
    let p = if var_s <= 0.0 {
        1.0
    } else if exact {
        exact_mk_p(n, s)
    } else {
        two_sided_p(z)
    };
    MannKendall {
        n,
        s,
        var_s,
        autocorrelation_factor: factor,
        z,
        p,
        exact,
    }
}

/// All pairwise slopes (y_j - y_i) / (x_j - x_i) for x_j > x_i, sorted.
fn pairwise_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut out = unsorted_pairwise_slopes(x, y);
    out.sort_unstable_by(f64::total_cmp);
    out
}

fn unsorted_pairwise_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len().min(y.len());
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[j] - x[i];
            if dx > 0.0 {
                out.push((y[j] - y[i]) / dx);
            }
        }
    }
    out
}

/// [`trend_test`] without the slope's interval: the test and Sen's slope,
/// the same values, for the thousands of short windows of a long run (the
/// median slope found by selection, not a sort).
pub fn trend_and_slope(x: &[f64], y: &[f64]) -> (MannKendall, Option<f64>) {
    let slope = median_of(unsorted_pairwise_slopes(x, y));
    (mann_kendall_detrended(x, y, slope.unwrap_or(0.0)), slope)
}

/// Sen's slope: the median of pairwise slopes.
pub fn sen_slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let s = pairwise_slopes(x, y);
    if s.is_empty() {
        None
    } else {
        Some(median_sorted(&s))
    }
}

/// Sen's slope with its (1 − alpha) confidence interval, computed from the
/// (possibly autocorrelation-inflated) variance of the Mann–Kendall S.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SenSlope {
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    /// Median of y − slope·x: the line's intercept.
    pub intercept: f64,
}

pub fn sen_slope_ci(x: &[f64], y: &[f64], var_s: f64, alpha: f64) -> Option<SenSlope> {
    let slopes = pairwise_slopes(x, y);
    sen_from_slopes(x, y, &slopes, var_s, alpha)
}

fn sen_from_slopes(
    x: &[f64],
    y: &[f64],
    slopes: &[f64],
    var_s: f64,
    alpha: f64,
) -> Option<SenSlope> {
    if slopes.is_empty() {
        return None;
    }
    let slope = median_sorted(slopes);
    let nn = slopes.len() as f64;
    let c = norm_quantile(1.0 - alpha / 2.0) * libm::sqrt(var_s.max(0.0));
    let m1 = ((nn - c) / 2.0).floor();
    let m2 = ((nn + c) / 2.0).ceil();
    let last = slopes.len() - 1;
    let lo_idx = if m1 < 1.0 {
        0
    } else {
        (m1 as usize - 1).min(last)
    };
    let hi_idx = if m2 < 0.0 { 0 } else { (m2 as usize).min(last) };
    let resid: Vec<f64> = x.iter().zip(y).map(|(xi, yi)| yi - slope * xi).collect();
    let intercept = median(&resid).unwrap_or(0.0);
    Some(SenSlope {
        slope,
        lower: slopes[lo_idx],
        upper: slopes[hi_idx],
        intercept,
    })
}

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

/// Two-sided p-value of a Mann–Kendall statistic `s` under the null
/// distribution of `mk` (exact or normal).
fn mk_p_of(mk: &MannKendall, s: f64, mahonian_counts: Option<&[f64]>) -> f64 {
    if let Some(counts) = mahonian_counts {
        let total: f64 = counts.iter().sum();
        let n = mk.n;
        let pairs = (n * (n - 1) / 2) as f64;
        let tail: f64 = counts
            .iter()
            .enumerate()
            .filter(|(inv, _)| (pairs - 2.0 * *inv as f64).abs() >= s.abs() - 1e-9)
            .map(|(_, c)| c)
            .sum();
        return (tail / total).clamp(0.0, 1.0);
    }
    let var = mk.var_s * mk.autocorrelation_factor;
    if var <= 0.0 {
        return 1.0;
    }
    let z = if s > 0.0 {
        (s - 1.0) / libm::sqrt(var)
    } else if s < 0.0 {
        (s + 1.0) / libm::sqrt(var)
    } else {
        0.0
    };
    two_sided_p(z)
}

/// [`SlopeTest`] of `y` on `x` (x ascending).
pub fn slope_test(x: &[f64], y: &[f64], alpha: f64) -> Option<SlopeTest> {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let slopes = pairwise_slopes(x, y);
    if slopes.is_empty() {
        return None;
    }
    let slope = median_sorted(&slopes);
    let mk = mann_kendall_detrended(x, y, slope);
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
    let below = slopes.partition_point(|&s| s < 0.0) as f64;
    let not_above = slopes.partition_point(|&s| s <= 0.0) as f64;
    let offset = mk.s - ((total - not_above) - below);
    // Lower end: sup{β : S(β) ≥ s_crit}. Just left of the value at sorted
    // position k, S is at least N − 2k + offset (its group starts at or
    // before k), so the largest k with N − 2k + offset ≥ s_crit gives it.
    // Upper end: inf{β : S(β) ≤ −s_crit}: just right of the value at
    // position t − 1, S is at most N − 2t + offset, so the smallest t with
    // N − 2t + offset ≤ −s_crit gives it. (Found by position, not by a
    // search over values: the windowed table asks for thousands.)
    let k = libm::floor((total + offset - s_crit) / 2.0);
    let lower = if k >= 0.0 {
        slopes[(k as usize).min(slopes.len() - 1)]
    } else {
        slopes[0]
    };
    let t = libm::ceil((total + offset + s_crit) / 2.0);
    let upper = if t >= 1.0 && t <= total {
        slopes[t as usize - 1]
    } else {
        slopes[slopes.len() - 1]
    };
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

/// P(|T| < t) for Student's t with `df` degrees of freedom (Abramowitz &
/// Stegun 26.7.3–4: finite series, exact for integer df).
fn t_central(t: f64, df: usize) -> f64 {
    let df = df.max(1);
    // The series has df/2 terms; past this the normal is exact enough.
    if df > 20_000 {
        return 1.0 - two_sided_p(t);
    }
    let theta = libm::atan(t.abs() / libm::sqrt(df as f64));
    let (s, c) = (libm::sin(theta), libm::cos(theta));
    let c2 = c * c;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = c;
            sum = term;
            let mut k = 2;
            while k < df - 1 {
                term *= c2 * k as f64 / (k + 1) as f64;
                sum += term;
                k += 2;
            }
        }
        (2.0 / core::f64::consts::PI * (theta + s * sum)).clamp(0.0, 1.0)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        let mut k = 1;
        while k < df - 1 {
            term *= c2 * k as f64 / (k + 1) as f64;
            sum += term;
            k += 2;
        }
        (s * sum).clamp(0.0, 1.0)
    }
}

/// The t with P(|T| > t) = p, for `df` degrees of freedom (bisection on
/// [`t_central`]).
pub fn t_quantile_two_sided(p: f64, df: usize) -> f64 {
    let target = 1.0 - p.clamp(1e-12, 1.0);
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_central(hi, df) < target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_central(mid, df) < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// A least-squares line with its t interval: for a handful of precise
/// measurements (the heap right after each major collection), where a rank
/// test cannot reach α on so few points but the spread around the line
/// still bounds the slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineTest {
    pub n: usize,
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    pub intercept: f64,
    /// Two-sided p-value of the slope against 0.
    pub p: f64,
}

/// [`LineTest`] of `y` on `x`; `None` on fewer than 3 points or a single x.
/// The residual spread is floored at `resolution` (values are rounded), so
/// three points exactly on a line do not claim an exact slope.
pub fn line_test(x: &[f64], y: &[f64], alpha: f64, resolution: f64) -> Option<LineTest> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let (a, b, rss) = ols(&x[..n], &y[..n]);
    let mx = mean(&x[..n]);
    let sxx: f64 = x[..n].iter().map(|v| (v - mx) * (v - mx)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let df = n - 2;
    let sigma = libm::sqrt(rss / df as f64).max(resolution);
    let se = sigma / libm::sqrt(sxx);
    let t = b / se;
    let p = 1.0 - t_central(t, df);
    let q = t_quantile_two_sided(alpha, df);
    Some(LineTest {
        n,
        slope: b,
        lower: b - q * se,
        upper: b + q * se,
        intercept: a,
        p,
    })
}

/// Least squares of `y` on the columns of `x` (row-major, `k` columns):
/// the coefficients, the residual sum of squares and the diagonal of
/// (XᵀX)⁻¹; `None` when XᵀX is singular.
fn least_squares(x: &[f64], k: usize, y: &[f64]) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let n = y.len();
    if k == 0 || x.len() != n * k || n <= k {
        return None;
    }
    // Augmented [XᵀX | I | Xᵀy], Gauss–Jordan with partial pivoting.
    let w = 2 * k + 1;
    let mut a = vec![0.0; k * w];
    for r in 0..n {
        let row = &x[r * k..(r + 1) * k];
        for i in 0..k {
            for j in 0..k {
                a[i * w + j] += row[i] * row[j];
            }
            a[i * w + 2 * k] += row[i] * y[r];
        }
    }
    for i in 0..k {
        a[i * w + k + i] = 1.0;
    }
    for col in 0..k {
        let piv =
            (col..k).max_by(|&p, &q| a[p * w + col].abs().total_cmp(&a[q * w + col].abs()))?;
        let scale = (0..k).map(|j| a[col * w + j].abs()).fold(0.0, f64::max);
        if a[piv * w + col].abs() <= 1e-12 * scale.max(1e-300) {
            return None;
        }
        if piv != col {
            for j in 0..w {
                a.swap(piv * w + j, col * w + j);
            }
        }
        let d = a[col * w + col];
        for j in 0..w {
            a[col * w + j] /= d;
        }
        for r in 0..k {
            if r != col {
                let f = a[r * w + col];
                if f != 0.0 {
                    for j in 0..w {
                        a[r * w + j] -= f * a[col * w + j];
                    }
                }
            }
        }
    }
    let beta: Vec<f64> = (0..k).map(|i| a[i * w + 2 * k]).collect();
    let inv_diag: Vec<f64> = (0..k).map(|i| a[i * w + k + i]).collect();
    let rss = (0..n)
        .map(|r| {
            let fit: f64 = (0..k).map(|j| x[r * k + j] * beta[j]).sum();
            (y[r] - fit) * (y[r] - fit)
        })
        .sum();
    Some((beta, rss, inv_diag))
}

/// The regression of the augmented Dickey–Fuller test with a constant and
/// a trend, with `lags` lagged differences, over the steps from `start`:
/// Δy_t = a + b·t + γ·y_{t−1} + Σ φ_j Δy_{t−j}. Returns (γ / se(γ), rss,
/// observations, regressors).
fn adf_regression(y: &[f64], lags: usize, start: usize) -> Option<(f64, f64, usize, usize)> {
    let d: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    let k = 3 + lags;
    let mut x = Vec::new();
    let mut dy = Vec::new();
    for t in start.max(lags)..d.len() {
        x.push(1.0);
        x.push(t as f64);
        x.push(y[t]);
        for j in 1..=lags {
            x.push(d[t - j]);
        }
        dy.push(d[t]);
    }
    let (beta, rss, inv) = least_squares(&x, k, &dy)?;
    let dof = dy.len().checked_sub(k).filter(|&v| v > 0)? as f64;
    let se = libm::sqrt(rss / dof * inv[2]);
    (se > 0.0 && se.is_finite()).then_some((beta[2] / se, rss, dy.len(), k))
}

/// The augmented Dickey–Fuller statistic of `y` with a constant and a
/// trend: strongly negative when `y` reverts to a trend line, near zero for
/// a random walk. The number of lagged differences (0 to ⌊∛(n − 1)⌋, at
/// most 8) is chosen by BIC on a common sample, then the test is run on
/// every step it allows (as statsmodels' `adfuller(autolag="BIC")` does).
/// Returns (τ, observations); `None` on too short or degenerate series.
pub fn adf_tau(y: &[f64]) -> Option<(f64, usize)> {
    let n = y.len();
    let max_lags = (libm::cbrt(n.saturating_sub(1) as f64) as usize).min(8);
    if n < max_lags + 8 {
        return None;
    }
    let mut best: Option<(f64, usize)> = None;
    for lags in 0..=max_lags {
        let Some((_, rss, m, k)) = adf_regression(y, lags, max_lags) else {
            continue;
        };
        let mf = m as f64;
        let bic = mf * libm::log((rss / mf).max(1e-300)) + k as f64 * libm::log(mf);
        if best.is_none_or(|(b, _)| bic < b) {
            best = Some((bic, lags));
        }
    }
    let (_, lags) = best?;
    adf_regression(y, lags, 0).map(|(tau, _, m, _)| (tau, m))
}

/// The level of a unit-root test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRootLevel {
    Five,
    One,
}

/// True when a unit root is rejected at `level`: `y` reverts to a trend
/// line (trend plus stationary noise) rather than wandering like a random
/// walk. Critical values from MacKinnon's (2010) response surface for the
/// constant-and-trend case.
pub fn reverts_to_trend(y: &[f64], level: UnitRootLevel) -> bool {
    let Some((tau, m)) = adf_tau(y) else {
        return true;
    };
    let t = m as f64;
    let (b0, b1, b2, b3) = match level {
        UnitRootLevel::Five => (-3.41049, -4.3904, -9.036, -45.374),
        UnitRootLevel::One => (-3.95877, -9.0531, -28.428, -134.155),
    };
    tau < b0 + b1 / t + b2 / (t * t) + b3 / (t * t * t)
}

/// A slope from the steps of a series that wanders like a random walk:
/// its growth is the sum of its steps, so the slope is the mean step per
/// cycle, (y_n − y_1) / (x_n − x_1), and its t interval comes from the
/// spread of the steps (each weighted by the cycles it spans), inflated for
/// positive autocorrelation of the steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepTest {
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    pub p: f64,
}

/// The mean step of `y` over points `from..` of a series, its spread
/// estimated from every step of the series (the noise of a walk is a
/// property of the process: twice the steps, a steadier estimate), each
/// step centred on the mean step of its own part (before and after `from`).
pub fn step_test(
    x: &[f64],
    y: &[f64],
    from: usize,
    alpha: f64,
    resolution: f64,
) -> Option<StepTest> {
    let n = x.len().min(y.len());
    if from + 4 > n {
        return None;
    }
    let mean_step = |a: usize, b: usize| {
        let span = x[b - 1] - x[a];
        (span > 0.0).then(|| ((y[b - 1] - y[a]) / span, span))
    };
    let (slope, span) = mean_step(from, n)?;
    let before = if from >= 2 {
        mean_step(0, from + 1)
    } else {
        None
    };
    let mut z = Vec::with_capacity(n - 1);
    for i in 1..n {
        let dx = x[i] - x[i - 1];
        if dx > 0.0 {
            let centre = if i <= from {
                before.map_or(slope, |b| b.0)
            } else {
                slope
            };
            // Standardised step: (Δy − centre·Δx) / √Δx has variance σ².
            z.push((y[i] - y[i - 1] - centre * dx) / libm::sqrt(dx));
        }
    }
    let m = z.len();
    if m < 3 {
        return None;
    }
    let parts = if before.is_some() { 2 } else { 1 };
    let df = m.saturating_sub(parts).max(1);
    let var = z.iter().map(|v| v * v).sum::<f64>() / df as f64;
    let rho = autocorrelation(&z, 1).max(0.0);
    let var = var * (1.0 + rho) / (1.0 - rho).max(0.05);
    let se = (libm::sqrt(var / span)).max(resolution / span);
    let q = t_quantile_two_sided(alpha, df);
    let p = 1.0 - t_central(slope / se, df);
    Some(StepTest {
        slope,
        lower: slope - q * se,
        upper: slope + q * se,
        p,
    })
}

/// Ordinary least squares of y on one regressor: returns (intercept, slope, rss).
pub fn ols(x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let n = x.len().min(y.len());
    if n == 0 {
        return (f64::NAN, 0.0, 0.0);
    }
    let mx = mean(&x[..n]);
    let my = mean(&y[..n]);
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    for i in 0..n {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let intercept = my - slope * mx;
    let rss = (0..n)
        .map(|i| {
            let e = y[i] - intercept - slope * x[i];
            e * e
        })
        .sum();
    (intercept, slope, rss)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    proptest::proptest! {
        /// The windows' shortcut gives the full test's values exactly, ties
        /// and repeated x included.
        #[test]
        fn trend_and_slope_equals_trend_test(
            ys in proptest::collection::vec(0u8..12, 0..40),
            gaps in proptest::collection::vec(0u8..3, 0..40),
        ) {
            let ys: Vec<f64> = ys.iter().map(|&v| f64::from(v) * 1.5).collect();
            let mut x = 0.0;
            let xs: Vec<f64> = ys
                .iter()
                .zip(gaps.iter().chain(std::iter::repeat(&1)))
                .map(|(_, &g)| {
                    x += f64::from(g);
                    x
                })
                .collect();
            let (full, sen) = trend_test(&xs, &ys, 0.05);
            let (mk, slope) = trend_and_slope(&xs, &ys);
            proptest::prop_assert_eq!(mk, full);
            proptest::prop_assert_eq!(slope, sen.map(|s| s.slope));
        }
    }

    proptest::proptest! {
        /// The label, the p-value and the interval of a slope test never
        /// disagree: a significant rise has its interval at or above zero,
        /// no significant trend has zero inside it.
        #[test]
        fn slope_test_is_self_consistent(
            ys in proptest::collection::vec(-50i32..50, 3..60),
            drift in -3i32..4,
        ) {
            let xs: Vec<f64> = (0..ys.len()).map(|i| i as f64).collect();
            let ys: Vec<f64> = ys
                .iter()
                .enumerate()
                .map(|(i, &v)| f64::from(v) * 0.1 + f64::from(drift) * i as f64 * 0.05)
                .collect();
            let t = slope_test(&xs, &ys, 0.01).unwrap();
            proptest::prop_assert!(t.lower <= t.slope && t.slope <= t.upper);
            proptest::prop_assert_eq!(t.rising(), t.mk.p < 0.01 && t.mk.s > 0.0);
            proptest::prop_assert_eq!(t.falling(), t.mk.p < 0.01 && t.mk.s < 0.0);
            if t.rising() {
                proptest::prop_assert!(t.lower >= 0.0, "{:?}", t);
            } else {
                proptest::prop_assert!(t.lower <= 0.0, "{:?}", t);
            }
            if t.falling() {
                proptest::prop_assert!(t.upper <= 0.0, "{:?}", t);
            } else {
                proptest::prop_assert!(t.upper >= 0.0, "{:?}", t);
            }
        }
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Two-sided 5% and 1% points of Student's t.
        for (p, df, t) in [
            (0.05, 1, 12.706_2),
            (0.05, 2, 4.302_7),
            (0.05, 10, 2.228_1),
            (0.01, 1, 63.656_7),
            (0.01, 3, 5.840_9),
            (0.01, 30, 2.749_996),
            (0.05, 1000, 1.962_339),
        ] {
            let q = t_quantile_two_sided(p, df);
            assert!(close(q, t, 1e-3 * t), "df {df} p {p}: {q} vs {t}");
        }
    }

    #[test]
    fn line_test_bounds_a_flat_handful() {
        // Heap after three major collections far apart: flat within 0.2 MB.
        let t = line_test(&[2.0, 148.0, 150.0], &[36.1, 35.88, 35.95], 0.01, 0.01).unwrap();
        assert!(t.upper < 0.1 && t.lower > -0.1, "{t:?}");
        assert!(t.p > 0.01);
    }

    fn walk(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                // Sum of 12 uniforms − 6: close enough to a standard normal.
                let mut g = -6.0;
                for _ in 0..12 {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    g += (state >> 11) as f64 / (1u64 << 53) as f64;
                }
                x += g;
                x
            })
            .collect()
    }

    #[test]
    fn a_random_walk_does_not_revert_and_noise_around_a_line_does() {
        let mut walks_rejected = 0;
        let mut lines_rejected = 0;
        for seed in 0..40 {
            let w = walk(100, seed);
            walks_rejected += usize::from(reverts_to_trend(&w, UnitRootLevel::Five));
            let steps = walk(101, seed + 1000);
            let line: Vec<f64> = (0..100)
                .map(|i| 0.3 * i as f64 + (steps[i + 1] - steps[i]))
                .collect();
            lines_rejected += usize::from(reverts_to_trend(&line, UnitRootLevel::Five));
        }
        // 5% test: about 2 of 40 walks by chance; white noise around a line
        // is rejected (nearly) always.
        assert!(walks_rejected <= 6, "{walks_rejected}");
        assert!(lines_rejected >= 39, "{lines_rejected}");
    }

    #[test]
    fn step_test_of_a_walk_is_wide() {
        let w = walk(100, 7);
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let t = step_test(&x, &w, 0, 0.01, 0.01).unwrap();
        // Steps of sd 1 over 99 cycles: the interval is about ±0.26 wide.
        assert!(t.upper - t.lower > 0.4, "{t:?}");
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn normal_quantile_round_trips() {
        assert!(close(norm_quantile(0.975), 1.959_963_984_540_054, 1e-9));
        assert!(close(norm_quantile(0.5), 0.0, 1e-12));
        assert!(close(norm_quantile(0.005), -2.575_829_303_548_901, 1e-9));
        assert!(close(norm_cdf(1.959_963_984_540_054), 0.975, 1e-12));
    }

    #[test]
    fn sen_slope_hand_computed() {
        // Pairwise slopes of (1,1),(2,3),(3,2),(4,5): 2, 0.5, 4/3, -1, 1, 3 → median of
        // sorted [-1, 0.5, 1, 4/3, 2, 3] = (1 + 4/3) / 2.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 3.0, 2.0, 5.0];
        let s = sen_slope(&x, &y).unwrap();
        assert!(close(s, (1.0 + 4.0 / 3.0) / 2.0, 1e-12));
    }

    #[test]
    fn sen_slope_ignores_one_outlier() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        y[10] = 500.0;
        let s = sen_slope(&x, &y).unwrap();
        assert!(close(s, 2.0, 1e-12));
    }

    #[test]
    fn mann_kendall_exact_small_sample() {
        // Strictly increasing, n = 5: S = 10; only 1 of 120 permutations has S = 10,
        // one has S = -10 → two-sided p = 2/120.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        let mk = mann_kendall(&x, &y);
        assert_eq!(mk.s, 10.0);
        assert!(mk.exact);
        assert!(close(mk.p, 2.0 / 120.0, 1e-12));
        // Var(S) = n(n-1)(2n+5)/18 = 5*4*15/18.
        assert!(close(mk.var_s, 5.0 * 4.0 * 15.0 / 18.0, 1e-12));
    }

    #[test]
    fn mahonian_numbers() {
        // n = 4: 1 3 5 6 5 3 1.
        assert_eq!(mahonian(4), vec![1.0, 3.0, 5.0, 6.0, 5.0, 3.0, 1.0]);
    }

    #[test]
    fn mann_kendall_with_ties_uses_tie_correction() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let mk = mann_kendall(&x, &y);
        // S: 15 pairs, 3 tied → S = 12.
        assert_eq!(mk.s, 12.0);
        // Var = [6*5*17 - 3 * (2*1*9)] / 18 = (510 - 54) / 18.
        assert!(close(mk.var_s, (510.0 - 54.0) / 18.0, 1e-12));
        assert!(!mk.exact);
        // z = (12 - 1) / sqrt(var) with a factor of 1 for this short series.
        let z = 11.0 / ((510.0f64 - 54.0) / 18.0).sqrt();
        assert!(close(mk.z * mk.autocorrelation_factor.sqrt(), z, 1e-9));
    }

    #[test]
    fn mann_kendall_no_trend_in_alternating_series() {
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let y: Vec<f64> = (0..40)
            .map(|i| if i % 2 == 0 { 1.0 } else { 2.0 })
            .collect();
        let mk = mann_kendall(&x, &y);
        assert!(mk.p > 0.5, "p = {}", mk.p);
    }

    #[test]
    fn autocorrelation_inflates_variance_for_a_slow_wave() {
        // A slow sine wave on a trend is strongly autocorrelated after detrending.
        let x: Vec<f64> = (0..60).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|t| libm::sin(t / 4.0) * 5.0 + 0.01 * t)
            .collect();
        let mk = mann_kendall(&x, &y);
        assert!(
            mk.autocorrelation_factor > 1.5,
            "factor {}",
            mk.autocorrelation_factor
        );
    }

    #[test]
    fn sen_ci_brackets_the_slope() {
        let x: Vec<f64> = (0..30).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|t| 0.5 * t + if (*t as i64) % 3 == 0 { 2.0 } else { -1.0 })
            .collect();
        let mk = mann_kendall(&x, &y);
        let s = sen_slope_ci(&x, &y, mk.var_s, 0.05).unwrap();
        assert!(s.lower <= s.slope && s.slope <= s.upper);
        assert!(s.lower > 0.3 && s.upper < 0.7, "{s:?}");
    }

    #[test]
    fn ols_fits_a_line() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [1.0, 3.0, 5.0, 7.0];
        let (a, b, rss) = ols(&x, &y);
        assert!(close(a, 1.0, 1e-12) && close(b, 2.0, 1e-12) && rss < 1e-20);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
    }
}
