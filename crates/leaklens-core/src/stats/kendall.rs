//! The Mann–Kendall statistic S and its null distribution: exact for a
//! short untied series, else normal with the tie and autocorrelation
//! (Hamed & Rao) corrected variance.

use super::{mean, ranks, two_sided_p};

pub(super) fn sign(d: f64) -> f64 {
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
pub(super) fn mahonian(n: usize) -> Vec<f64> {
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
    // Lag-k autocorrelations of the ranks, as `autocorrelation` gives them
    // (the mean and the denominator, the same sums, worked out once).
    let m = mean(&r);
    let den: f64 = r.iter().map(|x| (x - m) * (x - m)).sum();
    let autocorrelation = |k: usize| -> f64 {
        if n <= k + 1 || den <= 0.0 {
            return 0.0;
        }
        let num: f64 = (0..n - k).map(|i| (r[i] - m) * (r[i + k] - m)).sum();
        num / den
    };
    let mut sum = 0.0;
    for k in 1..=max_lag {
        let rho = autocorrelation(k);
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

pub(super) fn mann_kendall_detrended(x: &[f64], y: &[f64], slope: f64) -> MannKendall {
    let n = y.len().min(x.len());
    let (s, equal_pairs) = pair_signs(&y[..n]);
    mann_kendall_of(x, y, slope, s, equal_pairs)
}

/// Kendall's S of `y` (concordant minus discordant pairs), and whether any
/// two values are equal.
fn pair_signs(y: &[f64]) -> (f64, bool) {
    let n = y.len();
    let mut s = 0.0;
    let mut equal_pairs = false;
    for i in 0..n {
        for j in i + 1..n {
            s += sign(y[j] - y[i]);
            equal_pairs |= y[j] == y[i];
        }
    }
    (s, equal_pairs)
}

/// The Mann–Kendall test of `y` given its S and whether any two values are
/// equal ([`pair_signs`], or counted along with something else over the
/// same pairs), the autocorrelation correction on `y` detrended by `slope`.
pub(super) fn mann_kendall_of(
    x: &[f64],
    y: &[f64],
    slope: f64,
    s: f64,
    equal_pairs: bool,
) -> MannKendall {
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

/// Two-sided p-value of a Mann–Kendall statistic `s` under the null
/// distribution of `mk` (exact or normal).
pub(super) fn mk_p_of(mk: &MannKendall, s: f64, mahonian_counts: Option<&[f64]>) -> f64 {
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
