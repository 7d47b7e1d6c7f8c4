//! Issues: one file per kind, each a builder with its own tests.

mod cleanup;
mod exhaustion;
mod growth;
mod threshold;

pub(crate) use cleanup::cleanup_ineffective;
pub(crate) use exhaustion::imminent_exhaustion;
pub(crate) use growth::growth_issue;
pub(crate) use threshold::thresholds_exceeded;

use crate::report::Issue;

/// Most severe first, then by kind, metric, cycle and message: a stable
/// order on every target.
pub(crate) fn sort(issues: &mut Vec<Issue>) {
    crate::stats::sort_small(issues, |a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.metric.cmp(&b.metric))
            .then(a.first_cycle.cmp(&b.first_cycle))
            .then(a.message.cmp(&b.message))
    });
}
