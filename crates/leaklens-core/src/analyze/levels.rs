//! The retained levels a report judged, for charts: read by the same code
//! the verdict reads them with ([`retained`](super::retained)).

use super::cycles::Cycles;
use super::{retained, segments};
use crate::report::{Report, RetainedSource};
use crate::{Metric, Run};

/// The retained level of one metric over the judged segment.
#[derive(Debug, Clone, PartialEq)]
pub struct RetainedLevel {
    pub metric: Metric,
    /// What it was read from (as the report's `retained_from` says).
    pub source: RetainedSource,
    /// (cycle, level) points, in cycle order: what survived collection.
    /// Long series are binned (medians of consecutive groups), as judged.
    pub points: Vec<(f64, f64)>,
}

/// The retained level of every metric `report` judged, over the segment it
/// judged. `run` must be the run `report` was made from; the levels are the
/// very points the verdict was decided on (their count is each metric's
/// `points`).
pub fn retained_levels(run: &Run, report: &Report) -> Vec<RetainedLevel> {
    if report.metrics.is_empty() {
        return Vec::new();
    }
    let c = Cycles::of(run);
    let segs = segments::segments(&c, run.restarts());
    let seg = segs
        .get(report.summary.analysed_segment)
        .cloned()
        .unwrap_or(0..0);
    report
        .metrics
        .keys()
        .filter(|m| run.has_metric(**m))
        .map(|&m| {
            let r = retained::retained(&c, m, &seg);
            RetainedLevel {
                metric: m,
                source: r.source,
                points: r.points,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate, Spec};
    use crate::{analyze, Config};

    #[test]
    fn the_levels_are_the_points_the_verdict_judged() {
        for seed in 0..6 {
            let run = generate(&Spec {
                cycles: 80,
                seed,
                ..Spec::default()
            });
            let report = analyze(&run, &Config::default());
            let levels = retained_levels(&run, &report);
            assert_eq!(levels.len(), report.metrics.len());
            for l in &levels {
                let r = &report.metrics[&l.metric];
                assert_eq!(l.points.len(), r.points, "{:?}", l.metric);
                assert_eq!(l.source, r.retained_from);
                assert!(l.points.windows(2).all(|w| w[0].0 <= w[1].0));
            }
        }
        assert!(retained_levels(&Run::new(), &analyze(&Run::new(), &Config::default())).is_empty());
    }
}
