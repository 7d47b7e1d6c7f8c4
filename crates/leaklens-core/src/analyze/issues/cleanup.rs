//! `cleanup_ineffective`: cleanup gives back little of what a scrape adds
//! while the heap grows.

use std::collections::BTreeMap;

use crate::report::{Assessment, Cleanup, Issue, IssueKind, MetricReport, Severity};
use crate::text::num;
use crate::Metric;

/// Cleanup returning less than this share of what a scrape adds is
/// ineffective (when the heap grows).
const INEFFECTIVE_PCT: f64 = 25.0;

/// The issue, when the heap grows (leaking or still rising) and cleanup
/// gives back under a quarter of what a scrape adds.
pub(crate) fn cleanup_ineffective(
    cl: &Cleanup,
    heap: &MetricReport,
    first: u64,
    last: u64,
) -> Option<Issue> {
    let heap_up = matches!(
        heap.assessment,
        Assessment::Leaking | Assessment::RisingUndecided
    );
    if !(heap_up && cl.scrape_added > 0.0 && cl.effectiveness_pct < INEFFECTIVE_PCT) {
        return None;
    }
    let mut evidence = BTreeMap::new();
    evidence.insert("scrape_added".into(), cl.scrape_added);
    evidence.insert("cleanup_returned".into(), cl.cleanup_returned);
    evidence.insert("effectiveness_pct".into(), cl.effectiveness_pct);
    Some(Issue {
        kind: IssueKind::CleanupIneffective,
        severity: Severity::Warning,
        metric: Metric::HeapUsed,
        message: if cl.cleanup_returned > 0.0 {
            format!(
                "Cleanup gives back only {}% of the {} MB a scrape adds while the heap keeps growing: \
                 what the scrape retains is not released by cleanup",
                num(cl.effectiveness_pct),
                num(cl.scrape_added)
            )
        } else {
            format!(
                "Cleanup gives back nothing of the {} MB a scrape adds (the heap is {} MB higher after it) \
                 while the heap keeps growing: what the scrape retains is not released by cleanup",
                num(cl.scrape_added),
                num(-cl.cleanup_returned)
            )
        },
        first_cycle: first,
        last_cycle: Some(last),
        evidence,
    })
}
