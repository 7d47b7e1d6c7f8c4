//! Before/after comparison of two runs, to verify a fix.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{Assessment, IssueKind, Report, Severity, Verdict, SCHEMA_VERSION};
use crate::Metric;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Fixed,
    Improved,
    Unchanged,
    Regressed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Fixed => "fixed",
            Change::Improved => "improved",
            Change::Unchanged => "unchanged",
            Change::Regressed => "regressed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricChange {
    pub before_slope: f64,
    pub before_ci: [f64; 2],
    pub after_slope: f64,
    pub after_ci: [f64; 2],
    pub before_assessment: Assessment,
    pub after_assessment: Assessment,
    pub verdict: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueRef {
    pub kind: IssueKind,
    pub metric: Metric,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSide {
    pub verdict: Verdict,
    pub snapshots: usize,
    pub cycles: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub verdict: Change,
    /// One line: why.
    pub reason: String,
    pub before: RunSide,
    pub after: RunSide,
    pub metrics: BTreeMap<Metric, MetricChange>,
    /// Issues of the before run that are gone after.
    pub disappeared: Vec<IssueRef>,
    /// Issues that are new in the after run.
    pub appeared: Vec<IssueRef>,
    /// Issues present in both.
    pub remaining: Vec<IssueRef>,
}

impl Comparison {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn refs(r: &Report) -> Vec<IssueRef> {
    r.issues
        .iter()
        .map(|i| IssueRef {
            kind: i.kind,
            metric: i.metric,
            severity: i.severity,
            message: i.message.clone(),
        })
        .collect()
}

fn same(a: &IssueRef, b: &IssueRef) -> bool {
    a.kind == b.kind && a.metric == b.metric
}

/// Compares a report of the run before a fix with one after it.
pub fn compare(before: &Report, after: &Report) -> Comparison {
    let mut metrics = BTreeMap::new();
    for (m, b) in &before.metrics {
        let Some(a) = after.metrics.get(m) else {
            continue;
        };
        let leaking = |x: Assessment| x == Assessment::Leaking;
        let rising = |x: Assessment| matches!(x, Assessment::Leaking | Assessment::RisingUndecided);
        let verdict = if leaking(b.assessment) && !rising(a.assessment) {
            Change::Fixed
        } else if !leaking(b.assessment) && leaking(a.assessment) {
            Change::Regressed
        } else if rising(b.assessment) && rising(a.assessment) {
            // Both grow: the intervals of the slopes decide.
            if a.slope_ci[1] < b.slope_ci[0] {
                Change::Improved
            } else if a.slope_ci[0] > b.slope_ci[1] {
                Change::Regressed
            } else {
                Change::Unchanged
            }
        } else if rising(b.assessment) && !rising(a.assessment) {
            Change::Improved
        } else if !rising(b.assessment) && rising(a.assessment) {
            Change::Regressed
        } else {
            Change::Unchanged
        };
        metrics.insert(
            *m,
            MetricChange {
                before_slope: b.slope_per_cycle,
                before_ci: b.slope_ci,
                after_slope: a.slope_per_cycle,
                after_ci: a.slope_ci,
                before_assessment: b.assessment,
                after_assessment: a.assessment,
                verdict,
            },
        );
    }
    let before_issues = refs(before);
    let after_issues = refs(after);
    let disappeared: Vec<IssueRef> = before_issues
        .iter()
        .filter(|b| !after_issues.iter().any(|a| same(a, b)))
        .cloned()
        .collect();
    let appeared: Vec<IssueRef> = after_issues
        .iter()
        .filter(|a| !before_issues.iter().any(|b| same(a, b)))
        .cloned()
        .collect();
    let remaining: Vec<IssueRef> = after_issues
        .iter()
        .filter(|a| before_issues.iter().any(|b| same(a, b)))
        .cloned()
        .collect();

    let any = |c: Change| metrics.values().any(|m| m.verdict == c);
    let new_growth = appeared.iter().any(|i| i.kind.is_growth());
    let (verdict, reason) = if any(Change::Regressed) || new_growth {
        let names: Vec<&str> = metrics
            .iter()
            .filter(|(_, c)| c.verdict == Change::Regressed)
            .map(|(m, _)| m.display_name())
            .collect();
        (
            Change::Regressed,
            if names.is_empty() {
                "new growth issues appeared after the change".to_string()
            } else {
                format!("{} grows faster after the change", names.join(", "))
            },
        )
    } else if before.summary.verdict == Verdict::Leak && after.summary.verdict != Verdict::Leak {
        (
            Change::Fixed,
            format!(
                "the leak is gone: {} issue(s) disappeared and the after run shows no sustained growth",
                disappeared.len()
            ),
        )
    } else if any(Change::Fixed) || any(Change::Improved) {
        let names: Vec<&str> = metrics
            .iter()
            .filter(|(_, c)| matches!(c.verdict, Change::Fixed | Change::Improved))
            .map(|(m, _)| m.display_name())
            .collect();
        (
            Change::Improved,
            format!(
                "{} improved, but the after run still has {} issue(s)",
                names.join(", "),
                after.issues.len()
            ),
        )
    } else {
        (
            Change::Unchanged,
            "no metric's growth changed beyond its confidence interval".to_string(),
        )
    };
    Comparison {
        schema_version: SCHEMA_VERSION,
        verdict,
        reason,
        before: RunSide {
            verdict: before.summary.verdict,
            snapshots: before.summary.snapshots,
            cycles: before.summary.cycles,
        },
        after: RunSide {
            verdict: after.summary.verdict,
            snapshots: after.summary.snapshots,
            cycles: after.summary.cycles,
        },
        metrics,
        disappeared,
        appeared,
        remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate, Scenario, Spec};
    use crate::{analyze, Config};

    fn report(scenario: Scenario, rate: f64, seed: u64) -> Report {
        let spec = Spec {
            scenario,
            rate,
            seed,
            cycles: 80,
            ..Spec::default()
        };
        analyze(&generate(&spec), &Config::default())
    }

    #[test]
    fn leak_then_stable_is_fixed() {
        let c = compare(
            &report(Scenario::Linear, 3.0, 1),
            &report(Scenario::Stable, 0.0, 2),
        );
        assert_eq!(c.verdict, Change::Fixed);
        assert_eq!(c.metrics[&Metric::HeapUsed].verdict, Change::Fixed);
        assert!(c
            .disappeared
            .iter()
            .any(|i| i.kind == IssueKind::HeapGrowth));
        assert!(c.appeared.is_empty());
    }

    #[test]
    fn stable_then_leak_is_regressed() {
        let c = compare(
            &report(Scenario::Stable, 0.0, 2),
            &report(Scenario::Linear, 3.0, 1),
        );
        assert_eq!(c.verdict, Change::Regressed);
        assert!(c.appeared.iter().any(|i| i.kind == IssueKind::HeapGrowth));
    }

    #[test]
    fn slower_leak_is_improved() {
        let c = compare(
            &report(Scenario::Linear, 8.0, 3),
            &report(Scenario::Linear, 1.0, 4),
        );
        assert_eq!(c.metrics[&Metric::HeapUsed].verdict, Change::Improved);
        assert_eq!(c.verdict, Change::Improved);
    }

    #[test]
    fn same_leak_is_unchanged() {
        let c = compare(
            &report(Scenario::Linear, 3.0, 5),
            &report(Scenario::Linear, 3.0, 6),
        );
        assert_eq!(c.metrics[&Metric::HeapUsed].verdict, Change::Unchanged);
        assert_eq!(c.verdict, Change::Unchanged);
    }
}
