//! Series that wander like a random walk: the augmented Dickey–Fuller
//! unit-root test, and a slope from the mean step with its interval.

use super::dist::t_central;
use super::regression::least_squares;
use super::{autocorrelation, t_quantile_two_sided};

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
