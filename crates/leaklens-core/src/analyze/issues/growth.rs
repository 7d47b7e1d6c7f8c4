//! Growth issues: a metric whose retained level leaks.

use std::collections::BTreeMap;

use super::super::config::Config;
use super::super::judge::{fmt_p, MetricAnalysis};
use crate::report::{Assessment, Issue, IssueKind, Pattern, Severity};
use crate::text::num;
use crate::Metric;

/// The growth issue of a leaking metric over cycles `seg_first..=seg_last`.
pub(crate) fn growth_issue(
    m: Metric,
    a: &MetricAnalysis,
    cfg: &Config,
    seg_first: u64,
    seg_last: u64,
) -> Option<Issue> {
    let r = &a.report;
    let kind = IssueKind::growth_of(m)?;
    if r.assessment != Assessment::Leaking {
        return None;
    }
    let severity = match m {
        Metric::HeapUsed if r.slope_per_cycle > cfg.heap_critical_slope => Severity::Critical,
        Metric::Rss | Metric::BrowserMemory if r.slope_per_cycle > cfg.rss_critical_slope => {
            Severity::Critical
        }
        Metric::External | Metric::Pages | Metric::Contexts => Severity::Critical,
        _ => Severity::Warning,
    };
    let first_cycle = r
        .change_points
        .first()
        .copied()
        .filter(|_| matches!(r.pattern, Pattern::PlateauThenGrowth | Pattern::Step))
        .unwrap_or(seg_first);
    let what = match m {
        Metric::HeapUsed => "possible JavaScript object leak",
        Metric::Rss => "the process keeps memory it never returns",
        Metric::External => "Buffers or other C++ objects bound to JS are kept alive",
        Metric::ArrayBuffers => "ArrayBuffers/typed arrays are kept alive",
        Metric::BrowserMemory => {
            "the browser's own processes keep memory (pages, frames or their caches are not released)"
        }
        Metric::Pages => "pages are not being closed",
        Metric::Contexts => "browser contexts are not being closed",
        Metric::HeapTotal => "",
    };
    let unit = if m.is_count() { "" } else { " MB" };
    let shape = match r.pattern {
        Pattern::Step => format!(
            "in steps (at cycles {})",
            r.change_points
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Pattern::PlateauThenGrowth => format!("since cycle {first_cycle} after a plateau"),
        Pattern::Exponential => "exponentially".to_string(),
        _ => "linearly".to_string(),
    };
    let level = if m.is_count() {
        format!(
            "{} at the quiet point, baseline pool {}",
            num(r.current),
            num(r.baseline)
        )
    } else {
        format!(
            "retained level {} → {}{unit}",
            num(r.baseline),
            num(r.current)
        )
    };
    let message = format!(
        "{} grows {}{unit}/cycle (CI {}–{}, {}) {shape}; {level}: {what}",
        m.display_name(),
        num(r.slope_per_cycle),
        num(r.slope_ci[0]),
        num(r.slope_ci[1]),
        fmt_p(r.p_value),
    );
    let mut evidence = BTreeMap::new();
    evidence.insert("slope_per_cycle".into(), r.slope_per_cycle);
    evidence.insert("slope_ci_low".into(), r.slope_ci[0]);
    evidence.insert("slope_ci_high".into(), r.slope_ci[1]);
    evidence.insert("p_value".into(), r.p_value);
    evidence.insert("practical_slope".into(), r.practical_slope);
    evidence.insert("baseline".into(), r.baseline);
    evidence.insert("current".into(), r.current);
    evidence.insert("growth_evidence".into(), r.growth_evidence);
    evidence.insert("points".into(), r.points as f64);
    if let Some(h) = r.slope_per_hour {
        evidence.insert("slope_per_hour".into(), h);
    }
    Some(Issue {
        kind,
        severity,
        metric: m,
        message,
        first_cycle,
        last_cycle: Some(seg_last),
        evidence,
    })
}
