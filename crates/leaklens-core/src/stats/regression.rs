//! Least squares: one regressor (with a t interval for the slope) or
//! several.

use super::dist::t_central;
use super::{mean, t_quantile_two_sided};

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
pub(super) fn least_squares(x: &[f64], k: usize, y: &[f64]) -> Option<(Vec<f64>, f64, Vec<f64>)> {
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
