//! Sen's slope (the median of the pairwise slopes) with its interval, and
//! the Mann–Kendall test of the series detrended by it.

use super::describe::{median_of, median_sorted};
use super::kendall::mann_kendall_detrended;
use super::{median, norm_quantile, MannKendall};

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

/// All pairwise slopes (y_j - y_i) / (x_j - x_i) for x_j > x_i, sorted.
pub(super) fn pairwise_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut out = unsorted_pairwise_slopes(x, y);
    out.sort_unstable_by(f64::total_cmp);
    out
}

pub(super) fn unsorted_pairwise_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
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
