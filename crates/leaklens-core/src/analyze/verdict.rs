//! The run's verdict, each one a promise with its evidence:
//!
//! - `leak`: some metric's retained level grows, significantly and at least
//!   as fast as the practical minimum, and no bounded shape fits better;
//! - `no_leak`: every metric's retained level is bounded (its slope's
//!   interval below the practical minimum, or a bounded shape decisively
//!   better), including what no collection has tested yet;
//! - `inconclusive`: anything else, with what would decide it.

use std::collections::BTreeMap;

use super::config::Config;
use super::judge::MetricAnalysis;
use crate::report::{Assessment, Decision, Issue, Verdict};
use crate::Metric;

pub(crate) struct Decided {
    pub verdict: Verdict,
    pub reason: String,
    pub cycles_needed: Option<usize>,
    pub watch: Vec<String>,
}

pub(crate) fn verdict(
    analyses: &BTreeMap<Metric, MetricAnalysis>,
    issues: &[Issue],
    seg_cycles: usize,
    seg_last: u64,
    cfg: &Config,
) -> Decided {
    if let Some(top) = issues.iter().find(|i| i.kind.is_growth()) {
        return Decided {
            verdict: Verdict::Leak,
            reason: top.message.clone(),
            cycles_needed: None,
            watch: Vec::new(),
        };
    }
    if seg_cycles < cfg.min_cycles {
        let need = cfg.min_cycles - seg_cycles;
        return Decided {
            verdict: Verdict::Inconclusive,
            reason: format!(
                "Only {seg_cycles} cycle{} to judge: at least {} are needed to tell a slow leak from GC noise",
                if seg_cycles == 1 { "" } else { "s" },
                cfg.min_cycles
            ),
            cycles_needed: Some(need),
            watch: vec![format!(
                "Run at least {need} more cycles: a slow leak cannot be told from GC noise in {seg_cycles}."
            )],
        };
    }
    let open: Vec<(Metric, &MetricAnalysis)> = analyses
        .iter()
        .filter(|(m, a)| {
            m.is_verdict_metric()
                && matches!(
                    a.report.assessment,
                    Assessment::RisingUndecided
                        | Assessment::Undecided
                        | Assessment::InsufficientData
                )
        })
        .map(|(m, a)| (*m, a))
        .collect();
    if !open.is_empty() {
        let mut watch = Vec::new();
        let mut needed: Option<usize> = Some(0);
        for (m, a) in &open {
            let r = &a.report;
            let decide = match (r.decided_by, r.cycles_needed) {
                (Decision::Uncollected, _) => {
                    needed = None;
                    "a major collection will tell (record GC events with the recorder to see them)"
                        .to_string()
                }
                (Decision::ReservedHeap, _) => {
                    needed = None;
                    "watch whether heap total stops at V8's heap limit".to_string()
                }
                (_, Some(k)) => {
                    needed = needed.map(|n| n.max(k as usize));
                    format!(
                        "about {k} more cycles would decide it (by cycle {})",
                        seg_last.saturating_add(k)
                    )
                }
                (_, None) => {
                    needed = None;
                    "a longer run only decides it if the rate changes".to_string()
                }
            };
            watch.push(format!("{}: {}; {decide}", m.display_name(), r.judgement));
        }
        // Each open metric with why; metrics open for the same reason
        // together.
        let mut parts: Vec<(&str, Vec<&str>)> = Vec::new();
        for (m, a) in &open {
            let why = match a.report.decided_by {
                Decision::Uncollected => "not yet tested by a garbage collection",
                Decision::StillRising => {
                    "still rising but not yet distinguishable from a warm-up or a filling cache"
                }
                Decision::ReservedHeap => {
                    "rising with V8's reserved heap while the live heap holds"
                }
                Decision::TooFewPoints => "too few retained levels to judge",
                _ => "neither clearly growing nor clearly bounded yet",
            };
            match parts.iter_mut().find(|(w, _)| *w == why) {
                Some((_, names)) => names.push(m.display_name()),
                None => parts.push((why, vec![m.display_name()])),
            }
        }
        let reason = parts
            .iter()
            .map(|(why, names)| format!("{}: {why}", names.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        return Decided {
            verdict: Verdict::Inconclusive,
            reason,
            cycles_needed: needed.filter(|&n| n > 0),
            watch,
        };
    }
    let main = analyses
        .get_key_value(&Metric::HeapUsed)
        .or_else(|| analyses.iter().next());
    let detail = main
        .map(|(m, a)| format!(": {}: {}", m.display_name(), a.report.judgement))
        .unwrap_or_default();
    Decided {
        verdict: Verdict::NoLeak,
        reason: format!("Every metric is bounded over {seg_cycles} cycles{detail}"),
        cycles_needed: None,
        watch: Vec::new(),
    }
}
