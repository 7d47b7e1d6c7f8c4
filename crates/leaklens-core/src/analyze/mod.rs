//! `analyze(&Run, &Config) -> Report`: from snapshots to a verdict with
//! evidence.
//!
//! The pipeline, one module a step:
//!
//! 1. [`cycles`]: per cycle, the floor (minimum over its snapshots), the
//!    peak, and for counts the quiet point (`After cleanup`), with the
//!    garbage collections the recorder wrote.
//! 2. [`segments`]: a restart (the cycle counter starting again, the floor
//!    of RSS halving) starts a new process; the last long-enough one is
//!    judged, and earlier ones are judged too (a worker that leaked until it
//!    was restarted leaked).
//! 3. [`retained`]: what survives garbage collection, per metric: the heap
//!    after each recorded major collection, or the troughs of the GC
//!    sawtooth where the floors have one, else every floor; and the stretch
//!    no collection has tested.
//! 4. [`judge`]: per metric, leaking / bounded / decreasing / undecided,
//!    each with the evidence that decided it (see that module).
//! 5. [`relations`]: metrics that contain each other, and RSS following
//!    V8's reserved heap.
//! 6. [`issues`], [`windows`], [`phases`], [`forecast`], [`hints`].
//! 7. [`verdict`]: `leak`, `no_leak` or `inconclusive`, and why.

mod config;
mod cycles;
mod forecast;
mod hints;
mod issues;
mod judge;
mod levels;
mod phases;
mod relations;
mod retained;
mod segments;
mod verdict;
mod windows;

use std::collections::BTreeMap;
use std::ops::Range;

pub use config::Config;
pub(crate) use judge::rnd;
pub use levels::{retained_levels, RetainedLevel};

use crate::ingest::Parsed;
use crate::report::*;
use crate::{Metric, Run};
use cycles::Cycles;
use judge::{judge, MetricAnalysis};

/// Only the most recent this many earlier segments are judged: a file that
/// restarts thousands of times (or a sawtooth that looks like it) costs no
/// more than that.
const MAX_EARLIER_SEGMENTS: usize = 64;

/// Judges every metric of `metrics` over `seg`, then what they say together.
fn judge_all(
    c: &Cycles,
    metrics: &[Metric],
    seg: &Range<usize>,
    cfg: &Config,
    hours: Option<f64>,
) -> BTreeMap<Metric, MetricAnalysis> {
    let judged = crate::par::map(metrics, |&m| judge(c, m, seg, cfg, hours).map(|a| (m, a)));
    // One by one, not collected: collecting sorts the pairs first, a copy
    // of the stable sort for them alone in the page's wasm.
    let mut analyses = BTreeMap::new();
    for (m, a) in judged.into_iter().flatten() {
        analyses.insert(m, a);
    }
    relations::reserved_heap(&mut analyses, c, seg, cfg.alpha);
    relations::corroborate(&mut analyses);
    analyses
}

/// Growth issues of the segments before the judged one. A worker that
/// leaked until it restarted (often why it restarted) leaks, however young
/// or flat the stretch since the restart is. Each earlier segment long enough
/// to judge is judged like the last one; a metric already flagged in the
/// judged segment is not flagged twice.
fn leaks_before_restarts(
    c: &Cycles,
    segs: &[Range<usize>],
    judged: usize,
    metrics: &[Metric],
    cfg: &Config,
    flagged: &[Issue],
) -> Vec<Issue> {
    let mut out: Vec<Issue> = Vec::new();
    // The most recent judgeable ones (a crash loop of short segments does
    // not push an earlier long leak out of the window).
    let mut recent: Vec<usize> = (0..judged.min(segs.len()))
        .rev()
        .filter(|&k| segs[k].len() >= cfg.min_cycles)
        .take(MAX_EARLIER_SEGMENTS)
        .collect();
    recent.reverse();
    for k in recent {
        let s = &segs[k];
        let (first, last) = (c.cycle[s.start], c.cycle[s.end - 1]);
        let restart = c.cycle.get(s.end).copied().unwrap_or(last);
        let analyses = judge_all(c, metrics, s, cfg, c.hours_per_cycle(s));
        for (&m, a) in &analyses {
            let Some(mut issue) = issues::growth_issue(m, a, cfg, first, last) else {
                continue;
            };
            let seen = |i: &Issue| i.kind == issue.kind && i.metric == m;
            if flagged.iter().any(seen) || out.iter().any(seen) {
                continue;
            }
            issue.message = format!(
                "Before the restart at cycle {restart} (segment {} of {}, cycles {first}–{last}): {}",
                k + 1,
                segs.len(),
                issue.message
            );
            issue.last_cycle = Some(last);
            out.push(issue);
        }
    }
    out
}

/// Analyses a run.
pub fn analyze(run: &Run, cfg: &Config) -> Report {
    let c = Cycles::of(run);
    let metrics_present = run.metrics();
    // The windowed table needs only the cycles: it is worked on while the
    // run is cut into segments and judged, and the phases and the
    // thresholds are read (all at the same time with `parallel`).
    let ((segs, seg_idx, cycle_hours, (analyses, phases), thresholds), windows) = crate::par::join(
        || {
            let segs = segments::segments(&c, run.restarts());
            let seg_idx = segments::judged(&segs, cfg.min_cycles);
            let seg = segs.get(seg_idx).cloned().unwrap_or(0..0);
            let seg_starts: Vec<u64> = segs.iter().skip(1).map(|s| c.cycle[s.start]).collect();
            let hours = c.hours_per_cycle(&seg);
            let judged = crate::par::join(
                || judge_all(&c, &metrics_present, &seg, cfg, hours),
                || phases::phases(run, &metrics_present, &seg_starts),
            );
            let thresholds = issues::thresholds_exceeded(run, cfg);
            (segs, seg_idx, hours, judged, thresholds)
        },
        || windows::windows(&c, &metrics_present, cfg),
    );
    let seg = segs.get(seg_idx).cloned().unwrap_or(0..0);
    let seg_first = c.cycle.get(seg.start).copied().unwrap_or(0);
    let seg_last = c.cycle.get(seg.end.saturating_sub(1)).copied().unwrap_or(0);

    let mut issues: Vec<Issue> = analyses
        .iter()
        .filter_map(|(&m, a)| issues::growth_issue(m, a, cfg, seg_first, seg_last))
        .collect();
    issues.extend(leaks_before_restarts(
        &c,
        &segs,
        seg_idx,
        &metrics_present,
        cfg,
        &issues,
    ));
    issues.extend(thresholds);

    // Forecasts: every configured limit, plus the heap threshold.
    let mut limits: BTreeMap<Metric, f64> = BTreeMap::new();
    limits.insert(Metric::HeapUsed, cfg.heap_threshold_mb);
    if let Some(r) = cfg.rss_threshold_mb {
        limits.insert(Metric::Rss, r);
    }
    limits.extend(cfg.limits.iter().map(|(k, v)| (*k, *v)));
    let forecasts: Vec<Forecast> = limits
        .iter()
        .filter_map(|(&m, &l)| {
            analyses
                .get(&m)
                .map(|a| forecast::forecast(m, l, a, seg_last, cycle_hours))
        })
        .collect();
    issues.extend(issues::imminent_exhaustion(&forecasts, cfg, seg_last));

    let cleanup = phases::cleanup_stats(&phases);
    if let (Some(cl), Some(heap)) = (&cleanup, analyses.get(&Metric::HeapUsed)) {
        issues.extend(issues::cleanup_ineffective(
            cl,
            &heap.report,
            seg_first,
            seg_last,
        ));
    }
    issues::sort(&mut issues);

    let pool = analyses
        .get(&Metric::Pages)
        .map(|a| a.report.baseline)
        .unwrap_or(f64::INFINITY);
    let lingering = phases::lingering_urls(run, &c, &seg, pool);
    let hints = hints::hints(&analyses);
    let decided = verdict::verdict(&analyses, &issues, seg.len(), seg_last, cfg);

    let (first, last) =
        run.timestamps()
            .flatten()
            .fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), t| {
                (
                    Some(lo.map_or(t, |l| l.min(t))),
                    Some(hi.map_or(t, |h| h.max(t))),
                )
            });
    let duration_hours = match (first, last) {
        (Some(a), Some(b)) if b > a => Some(rnd((b as f64 - a as f64) / 3_600_000.0)),
        _ => None,
    };
    let summary = Summary {
        verdict: decided.verdict,
        reason: decided.reason,
        snapshots: run.len(),
        cycles: c.len(),
        first_cycle: c.cycle.first().copied().unwrap_or(0),
        last_cycle: c.cycle.last().copied().unwrap_or(0),
        duration_hours,
        cycle_seconds: cycle_hours.map(|h| rnd(h * 3600.0)),
        cycles_needed: decided.cycles_needed,
        segments: segs
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| Segment {
                start_cycle: c.cycle[s.start],
                end_cycle: c.cycle[s.end - 1],
            })
            .collect(),
        analysed_segment: seg_idx,
        watch: decided.watch,
    };

    Report {
        schema_version: SCHEMA_VERSION,
        summary,
        metrics: map_of(analyses.into_iter().map(|(m, a)| (m, a.report))),
        issues,
        windows,
        phases,
        cleanup,
        hints,
        lingering_urls: lingering,
        forecasts,
        worker_verdicts: Vec::new(),
        warnings: Vec::new(),
        config: ConfigEcho {
            interval: cfg.interval,
            heap_threshold_mb: cfg.heap_threshold_mb,
            rss_threshold_mb: cfg.rss_threshold_mb,
            alpha: cfg.alpha,
            limits: map_of(cfg.limits.iter().map(|(m, v)| (m.key().to_string(), *v))),
        },
    }
}

/// Analyses parsed input, carrying its warnings and the worker's own
/// verdicts into the report.
pub fn analyze_parsed(parsed: &Parsed, cfg: &Config) -> Report {
    let mut r = analyze(&parsed.run, cfg);
    r.warnings = parsed.warnings.clone();
    r.worker_verdicts = parsed.worker_verdicts.clone();
    r
}
