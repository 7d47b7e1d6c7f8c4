//! Robust trend statistics: Sen's slope with its confidence interval,
//! Mann–Kendall (exact for small samples, tie- and autocorrelation-corrected
//! otherwise), least squares and a few helpers.
//!
//! Every transcendental function goes through `libm` so results are the same
//! bit for bit on every target.
//!
//! One file a concern: `describe` (median, mean, ranks, autocorrelation),
//! `dist` (normal and t distributions), `kendall` (the Mann–Kendall
//! statistic), `sen` (Sen's slope and interval), `slope_test` (the test
//! whose slope, interval and p-value agree), `regression` (least squares),
//! `walk` (unit root and the mean step of a random walk).

mod describe;
mod dist;
mod kendall;
mod regression;
mod sen;
mod slope_test;
mod walk;

pub(crate) use describe::median_in;
pub use describe::{autocorrelation, mean, median, ranks, sort_by_value, sort_small};
pub use dist::{norm_cdf, norm_quantile, t_quantile_two_sided, two_sided_p};
pub use kendall::MannKendall;
pub use regression::{line_test, ols, LineTest};
pub use sen::{mann_kendall, sen_slope, sen_slope_ci, trend_and_slope, trend_test, SenSlope};
pub use slope_test::{slope_test, SlopeTest};
pub use walk::{adf_tau, reverts_to_trend, step_test, StepTest, UnitRootLevel};

#[cfg(test)]
mod tests;
