//! The judgement of a metric in one sentence, with the numbers it rests on.

use super::super::retained::Retained;
use super::decide::Outcome;
use super::slope::{fmt_p, MIN_POINTS};
use crate::report::{Decision, RetainedSource};
use crate::text::num;
use crate::Metric;

fn source_words(s: RetainedSource) -> &'static str {
    match s {
        RetainedSource::AllPoints => "per-cycle floor",
        RetainedSource::Troughs => "level after each collection",
        RetainedSource::AfterReturns => "level after each deep collection",
        RetainedSource::AfterMajorGc => "heap after each major collection",
        RetainedSource::QuietPoints => "count at each cycle's quiet point",
    }
}

/// The judgement in one sentence, with the numbers it rests on.
pub(super) fn judgement_sentence(
    m: Metric,
    o: &Outcome,
    ret: &Retained,
    min: f64,
    baseline: f64,
    current: f64,
) -> String {
    let t = &o.shown;
    let unit = if m.is_count() { "" } else { " MB" };
    let rate = |v: f64| format!("{}{unit}/cycle", num(v));
    let interval = format!(
        "{} (interval {} to {}, {})",
        rate(t.slope),
        num(t.lower),
        num(t.upper),
        fmt_p(t.p)
    );
    let over = format!(
        "the {} over cycles {}–{}",
        source_words(ret.source),
        num(t.from),
        num(t.to)
    );
    match o.decision {
        Decision::SustainedGrowth => format!(
            "{over} rises {interval}, at least the practical minimum {}; retained level {} → {}{unit}",
            rate(min),
            num(baseline),
            num(current)
        ),
        Decision::ContainedGrowth => format!(
            "{over} rises {interval} with a metric that contains it and leaks"
        ),
        Decision::IntervalBelowMinimum if ret.uncollected.is_some() || ret.points.len() < MIN_POINTS => {
            format!(
                "no collection since cycle {}, but the lowest levels since then change {interval}: at most {}, below the practical minimum {}",
                num(t.from),
                rate(t.upper),
                rate(min)
            )
        }
        Decision::IntervalBelowMinimum => format!(
            "{over} changes {interval}: at most {}, below the practical minimum {}",
            rate(t.upper),
            rate(min)
        ),
        Decision::BoundedModel => format!(
            "{over} levels off: a bounded shape fits decisively better than growth ({interval})"
        ),
        Decision::Falling => format!("{over} falls {interval}"),
        Decision::StillRising => format!(
            "{over} still rises {interval}, but levelling off (a warm-up, a cache filling) fits as well"
        ),
        Decision::Unsettled => format!(
            "{over} changes {interval}: the interval holds both the practical minimum {} and no growth",
            rate(min)
        ),
        Decision::Uncollected => {
            let kind = if ret.source == RetainedSource::AfterMajorGc {
                "major collection"
            } else {
                "deep collection"
            };
            let when = match &ret.uncollected {
                Some(u) if u.after_collection => format!("since cycle {}", num(u.since)),
                _ => "in the run".to_string(),
            };
            format!(
                "no {kind} {when} while the lowest levels changed {interval}: garbage not collected yet, or a leak"
            )
        }
        Decision::ReservedHeap => format!(
            "{over} rises {interval} with V8's reserved heap (heap total) while the live heap holds"
        ),
        Decision::TooFewPoints => format!(
            "only {} retained level{} to judge",
            ret.points.len(),
            if ret.points.len() == 1 { "" } else { "s" }
        ),
    }
}
