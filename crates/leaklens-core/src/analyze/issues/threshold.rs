//! `threshold_exceeded`: a snapshot above an absolute threshold or limit.

use std::collections::BTreeMap;

use super::super::config::Config;
use super::super::judge::rnd;
use crate::report::{Issue, IssueKind, Severity};
use crate::text::num;
use crate::{Metric, Run};

/// One issue per threshold some snapshot exceeded: the heap threshold and
/// the RSS one (warnings), and every configured limit (critical).
pub(crate) fn thresholds_exceeded(run: &Run, cfg: &Config) -> Vec<Issue> {
    let mut thresholds: Vec<(Metric, f64, bool)> =
        vec![(Metric::HeapUsed, cfg.heap_threshold_mb, false)];
    if let Some(r) = cfg.rss_threshold_mb {
        thresholds.push((Metric::Rss, r, false));
    }
    for (&m, &l) in &cfg.limits {
        thresholds.push((m, l, true));
    }
    let mut out = Vec::new();
    for (m, limit, is_limit) in thresholds {
        let col = run.column(m);
        let Some(i) = (0..run.len()).find(|&i| col.get(i) > limit) else {
            continue;
        };
        let max = col
            .iter()
            .filter(|v| v.is_finite())
            .fold(f64::MIN, f64::max);
        let over = col.iter().filter(|&v| v > limit).count();
        let mut evidence = BTreeMap::new();
        evidence.insert("threshold".into(), rnd(limit));
        evidence.insert("max".into(), rnd(max));
        evidence.insert("snapshots_over".into(), over as f64);
        let unit = m.unit();
        out.push(Issue {
            kind: IssueKind::ThresholdExceeded,
            severity: if is_limit {
                Severity::Critical
            } else {
                Severity::Warning
            },
            metric: m,
            message: format!(
                "{} exceeded {}{unit} at cycle {} ({} snapshots over, max {}{unit})",
                m.display_name(),
                num(limit),
                run.cycle(i),
                over,
                num(max)
            ),
            first_cycle: run.cycle(i),
            last_cycle: None,
            evidence,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SnapshotIn;

    #[test]
    fn a_heap_over_the_threshold_is_reported_once_with_its_count() {
        let mut run = Run::new();
        for (c, h) in [(1, 400.0), (2, 520.0), (3, 530.0)] {
            let mut s = SnapshotIn::new(c, "After cleanup");
            s.set(Metric::HeapUsed, h);
            run.push(&s, []);
        }
        let issues = thresholds_exceeded(&run, &Config::default());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].first_cycle, 2);
        assert_eq!(issues[0].evidence["snapshots_over"], 2.0);
        assert_eq!(issues[0].severity, Severity::Warning);
    }
}
