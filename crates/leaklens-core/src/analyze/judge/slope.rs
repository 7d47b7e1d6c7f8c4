//! A slope with its interval and p-value, from the one test that suits the
//! points: a rank test, least squares on a handful, two levels of known
//! noise, or the mean step of a level that wanders.

use super::super::retained::Retained;
use crate::report::{SlopeMethod, Trend};
use crate::stats;

/// A slope test on this many points or more is a rank test (robust to the
/// outliers of GC noise); on fewer, least squares with a t interval (a rank
/// test cannot reach α = 0.01 on five points whatever they show).
const RANK_TEST_POINTS: usize = 10;
/// The fewest points any claim is made on.
pub(super) const MIN_POINTS: usize = 3;

/// A slope with its interval and p-value, from one test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slope {
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    pub p: f64,
    pub intercept: f64,
    pub rising: bool,
    pub falling: bool,
    /// Kendall's S (0 for least squares).
    pub s: f64,
    pub method: SlopeMethod,
    /// Points and first x of the stretch tested.
    pub n: usize,
    pub from: f64,
    pub to: f64,
}

impl Slope {
    /// The test of `y` on `x`: a rank test on enough points, least squares
    /// on a handful. `None` on fewer than [`MIN_POINTS`].
    pub fn of(x: &[f64], y: &[f64], alpha: f64) -> Option<Slope> {
        let n = x.len().min(y.len());
        if n < MIN_POINTS {
            return None;
        }
        let (from, to) = (x[0], x[n - 1]);
        if y[..n].iter().all(|&v| v == y[0]) {
            // A level that never moves (a page count, a heap total between
            // two reservations): no slope, and every test says so.
            return Some(Slope {
                slope: 0.0,
                lower: 0.0,
                upper: 0.0,
                p: 1.0,
                intercept: y[0],
                rising: false,
                falling: false,
                s: 0.0,
                method: if n >= RANK_TEST_POINTS {
                    SlopeMethod::MannKendall
                } else {
                    SlopeMethod::LeastSquares
                },
                n,
                from,
                to,
            });
        }
        let level = y.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let resolution = 0.01 + 1e-9 * level;
        if n >= RANK_TEST_POINTS {
            let t = stats::slope_test(x, y, alpha)?;
            // Rounded as the report shows them, so every decision made on
            // them reads the same in the report.
            return Some(Slope {
                slope: rnd(t.slope),
                lower: rnd(t.lower),
                upper: rnd(t.upper),
                p: rnd(t.mk.p),
                intercept: t.intercept,
                rising: t.rising(),
                falling: t.falling(),
                s: t.mk.s,
                method: SlopeMethod::MannKendall,
                n,
                from,
                to,
            });
        }
        let t = stats::line_test(x, y, alpha, resolution)?;
        let significant = rnd(t.p) < alpha;
        Some(Slope {
            slope: rnd(t.slope),
            lower: rnd(t.lower),
            upper: rnd(t.upper),
            p: rnd(t.p),
            intercept: t.intercept,
            rising: significant && t.slope > 0.0,
            falling: significant && t.slope < 0.0,
            s: 0.0,
            method: SlopeMethod::LeastSquares,
            n,
            from,
            to,
        })
    }

    /// Two levels of known noise `sd` each (the heap after two major
    /// collections): their difference over the cycles between them, with a
    /// normal interval.
    pub fn two_levels(a: (f64, f64), b: (f64, f64), sd: f64, alpha: f64) -> Option<Slope> {
        let span = b.0 - a.0;
        if span <= 0.0 || sd.is_nan() || sd <= 0.0 {
            return None;
        }
        let slope = (b.1 - a.1) / span;
        let se = sd * std::f64::consts::SQRT_2 / span;
        let z = stats::norm_quantile(1.0 - alpha / 2.0);
        let p = rnd(stats::two_sided_p(slope / se));
        let significant = p < alpha;
        Some(Slope {
            slope: rnd(slope),
            lower: rnd(slope - z * se),
            upper: rnd(slope + z * se),
            p,
            intercept: a.1 - slope * a.0,
            rising: significant && slope > 0.0,
            falling: significant && slope < 0.0,
            s: 0.0,
            method: SlopeMethod::TwoLevels,
            n: 2,
            from: a.0,
            to: b.0,
        })
    }

    /// The mean-step test of the points `from..` of `y` on `x`: for a
    /// level that may wander like a random walk, whose growth is the sum of
    /// its steps.
    pub fn steps(x: &[f64], y: &[f64], from: usize, alpha: f64) -> Option<Slope> {
        let n = x.len().min(y.len());
        let level = y.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let t = stats::step_test(&x[..n], &y[..n], from, alpha, 0.01 + 1e-9 * level)?;
        let p = rnd(t.p);
        let significant = p < alpha;
        Some(Slope {
            slope: rnd(t.slope),
            lower: rnd(t.lower),
            upper: rnd(t.upper),
            p,
            intercept: y[from] - t.slope * x[from],
            rising: significant && t.slope > 0.0,
            falling: significant && t.slope < 0.0,
            s: 0.0,
            method: SlopeMethod::MeanStep,
            n: n - from,
            from: x[from],
            to: x[n - 1],
        })
    }

    pub(super) fn trend(&self) -> Trend {
        if self.rising {
            Trend::Increasing
        } else if self.falling {
            Trend::Decreasing
        } else {
            Trend::Stable
        }
    }
}

/// Rounds to 6 significant digits: reports stay readable and identical on
/// every target.
pub(crate) fn rnd(x: f64) -> f64 {
    crate::round::six_digits(x)
}

pub(crate) fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// The slope shown when there is nothing to test: flat, no interval.
pub(super) fn empty_slope(ret: &Retained) -> Slope {
    let (from, to) = match (ret.points.first(), ret.points.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => (0.0, 0.0),
    };
    Slope {
        slope: 0.0,
        lower: 0.0,
        upper: 0.0,
        p: 1.0,
        intercept: ret.points.first().map_or(0.0, |p| p.1),
        rising: false,
        falling: false,
        s: 0.0,
        method: SlopeMethod::MannKendall,
        n: ret.points.len(),
        from,
        to,
    }
}
