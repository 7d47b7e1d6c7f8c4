//! The knobs of the analysis, each with the reason for its default.

use std::collections::BTreeMap;

use crate::Metric;

/// Knobs of the analysis. Defaults follow the guide where it names a value,
/// statistics where a test needs a level, and a practical size otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Windowed analysis every N cycles: the worker's
    /// `PROFILING_ANALYSIS_INTERVAL` (the guide's default, 20).
    pub interval: usize,
    /// Absolute heapUsed threshold (MB): `threshold_exceeded` above it (the
    /// guide's production example, 500 MB).
    pub heap_threshold_mb: f64,
    /// Absolute RSS threshold (MB), if any.
    pub rss_threshold_mb: Option<f64>,
    /// Limits to forecast against (MB, or a count for pages/contexts).
    pub limits: BTreeMap<Metric, f64>,
    /// Significance level of every trend test and the coverage (1 − α) of
    /// every interval: 0.01, so that a verdict is a claim a user can act on
    /// (one false rise in a hundred flat metrics, before the practical
    /// minimum and the model checks cut that further).
    pub alpha: f64,
    /// ΔBIC one kind of model (growing forever, or bounded) needs over the
    /// other to decide by itself: 10, "very strong" evidence on the usual
    /// scale (Kass & Raftery), after the discount for autocorrelated
    /// residuals.
    pub evidence_threshold: f64,
    /// Heap growth per cycle the guide calls critical (MB).
    pub heap_critical_slope: f64,
    /// RSS growth per cycle the guide calls critical (MB).
    pub rss_critical_slope: f64,
    /// Practical minimum growth of a memory metric (MB/cycle): 0.1, what
    /// adds 1 GB over a 10,000-cycle day of a busy worker; slower growth is
    /// reported only when it adds up over the run (below).
    pub min_slope_mb: f64,
    /// Practical minimum growth of a page or context count (per cycle): one
    /// more every 50 cycles.
    pub min_slope_count: f64,
    /// Pages/contexts above the pool the worker starts with before their
    /// accumulation is a leak: a pool of 2 more is how workers often run.
    pub min_count_excess: f64,
    /// Growth over the judged run, as a fraction of the level, below which a
    /// memory metric's rise is not worth a verdict (1%: a 5 GB RSS moving
    /// 20 MB is noise, however steady).
    pub min_relative_growth: f64,
    /// A slow leak on a long run: growth over the run (MB) worth a verdict
    /// even below `min_slope_mb`, when it is also
    /// `slow_leak_relative_growth` of the level (20 MB and 10%).
    pub min_total_growth_mb: f64,
    pub slow_leak_relative_growth: f64,
    /// Cycles needed before a run can be judged at all: 15, below which a
    /// slow leak cannot be told from GC noise.
    pub min_cycles: usize,
    /// A limit this many cycles away (or fewer) is imminent.
    pub imminent_cycles: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interval: 20,
            heap_threshold_mb: 500.0,
            rss_threshold_mb: None,
            limits: BTreeMap::new(),
            alpha: 0.01,
            evidence_threshold: 10.0,
            heap_critical_slope: 10.0,
            rss_critical_slope: 50.0,
            min_slope_mb: 0.1,
            min_slope_count: 0.02,
            min_count_excess: 2.0,
            min_relative_growth: 0.01,
            min_total_growth_mb: 20.0,
            slow_leak_relative_growth: 0.1,
            min_cycles: 15,
            imminent_cycles: 10.0,
        }
    }
}

impl Config {
    /// The practical minimum slope of a metric at `level`, over a judged
    /// run of `span` cycles: the slope below which growth is not worth a
    /// leak verdict, and the one a bound must stay under for `no_leak`.
    ///
    /// For memory: `min_slope_mb`, or less on a long run where a slower rise
    /// still adds `min_total_growth_mb` and `slow_leak_relative_growth` of
    /// the level; never below `min_relative_growth` of the level over the
    /// run. For counts: `min_slope_count`.
    pub fn practical_slope(&self, m: Metric, level: f64, span: f64) -> f64 {
        if m.is_count() {
            return self.min_slope_count;
        }
        let span = span.max(1.0);
        let level = if level.is_finite() { level.abs() } else { 0.0 };
        let slow = self
            .min_total_growth_mb
            .max(self.slow_leak_relative_growth * level)
            / span;
        let floor = self.min_relative_growth * level / span;
        self.min_slope_mb.min(slow).max(floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practical_slope_shrinks_on_long_runs_and_grows_with_the_level() {
        let c = Config::default();
        // 100 cycles of a 60 MB heap: the per-cycle minimum.
        assert_eq!(c.practical_slope(Metric::HeapUsed, 60.0, 100.0), 0.1);
        // 3,000 cycles: 20 MB over the run is worth a verdict.
        let long = c.practical_slope(Metric::HeapUsed, 60.0, 3000.0);
        assert!((long - 20.0 / 3000.0).abs() < 1e-12);
        // A 5 GB RSS over 100 cycles: 1% of the level at least.
        assert!((c.practical_slope(Metric::Rss, 5000.0, 100.0) - 0.5).abs() < 1e-12);
        assert_eq!(c.practical_slope(Metric::Pages, 3.0, 100.0), 0.02);
    }
}
