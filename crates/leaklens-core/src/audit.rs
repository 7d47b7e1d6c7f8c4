//! Checks that a report agrees with itself: every label with the numbers
//! beside it, every verdict with its evidence. A report is a promise a user
//! acts on; a label that contradicts its own figures (trend `stable` next
//! to a significant rise, a slope outside its own interval, `no_leak` over a
//! metric still rising) breaks it.
//!
//! [`contradictions`] lists what is wrong, in words; an empty list is a
//! consistent report. The corpus tests run it over every report of every
//! corpus.

use crate::report::{Assessment, Decision, Pattern, Report, Trend, Verdict};

/// Relative slack for numbers rounded to 6 significant digits.
fn le(a: f64, b: f64) -> bool {
    a <= b + 1e-5 * a.abs().max(b.abs()).max(1e-9)
}

/// What in `r` contradicts its own numbers (empty: nothing).
pub fn contradictions(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let alpha = r.config.alpha;
    for (m, mr) in &r.metrics {
        let name = m.key();
        let [lo, hi] = mr.slope_ci;
        if !(le(lo, mr.slope_per_cycle) && le(mr.slope_per_cycle, hi)) {
            out.push(format!(
                "{name}: slope {} outside its own interval [{lo}, {hi}]",
                mr.slope_per_cycle
            ));
        }
        let significant = mr.p_value < alpha;
        match mr.trend {
            Trend::Increasing if !(significant && le(0.0, lo)) => out.push(format!(
                "{name}: trend increasing but p = {} (α = {alpha}) and interval [{lo}, {hi}]",
                mr.p_value
            )),
            Trend::Decreasing if !(significant && le(hi, 0.0)) => out.push(format!(
                "{name}: trend decreasing but p = {} (α = {alpha}) and interval [{lo}, {hi}]",
                mr.p_value
            )),
            Trend::Stable if significant || lo > 0.0 || hi < 0.0 => out.push(format!(
                "{name}: trend stable but p = {} (α = {alpha}) and interval [{lo}, {hi}]",
                mr.p_value
            )),
            _ => {}
        }
        let min = mr.practical_slope;
        let decided = mr.decided_by;
        let agrees = match decided {
            Decision::SustainedGrowth => {
                mr.assessment == Assessment::Leaking
                    && mr.trend == Trend::Increasing
                    && le(min, mr.slope_per_cycle)
            }
            Decision::ContainedGrowth => mr.assessment == Assessment::Leaking,
            Decision::IntervalBelowMinimum => mr.assessment == Assessment::Bounded && hi < min,
            Decision::BoundedModel => mr.assessment == Assessment::Bounded,
            Decision::Falling => {
                mr.assessment == Assessment::Decreasing && mr.trend == Trend::Decreasing
            }
            Decision::StillRising | Decision::ReservedHeap => {
                mr.assessment == Assessment::RisingUndecided
            }
            Decision::Unsettled | Decision::Uncollected => mr.assessment == Assessment::Undecided,
            Decision::TooFewPoints => mr.assessment == Assessment::InsufficientData,
        };
        if !agrees {
            out.push(format!(
                "{name}: {:?} decided by {} with trend {}, slope {} (interval [{lo}, {hi}]) and practical minimum {min}",
                mr.assessment,
                decided.as_str(),
                mr.trend.as_str(),
                mr.slope_per_cycle
            ));
        }
        // The pattern names growth only where there is some.
        let growth_pattern = !matches!(mr.pattern, Pattern::Stable | Pattern::Decreasing);
        if mr.assessment == Assessment::Bounded && growth_pattern && mr.trend != Trend::Increasing {
            out.push(format!(
                "{name}: bounded and not rising, yet its pattern is {}",
                mr.pattern.as_str()
            ));
        }
    }
    let growth: Vec<_> = r.issues.iter().filter(|i| i.kind.is_growth()).collect();
    match r.summary.verdict {
        Verdict::Leak if growth.is_empty() => {
            out.push("verdict leak without a growth issue".into())
        }
        Verdict::NoLeak | Verdict::Inconclusive if !growth.is_empty() => out.push(format!(
            "verdict {} with {} growth issue(s)",
            r.summary.verdict.as_str(),
            growth.len()
        )),
        _ => {}
    }
    if r.summary.verdict == Verdict::NoLeak {
        for (m, mr) in &r.metrics {
            if !matches!(mr.assessment, Assessment::Bounded | Assessment::Decreasing)
                && m.is_verdict_metric()
            {
                out.push(format!(
                    "verdict no_leak while {} is {:?}",
                    m.key(),
                    mr.assessment
                ));
            }
        }
    }
    // A growth issue of the judged segment is the metric's own judgement.
    let seg_start = r
        .summary
        .segments
        .get(r.summary.analysed_segment)
        .map(|s| s.start_cycle)
        .unwrap_or(0);
    for i in &growth {
        if i.last_cycle.is_some_and(|l| l < seg_start) {
            continue;
        }
        match r.metrics.get(&i.metric) {
            Some(mr) if mr.assessment == Assessment::Leaking => {
                let slope = i.evidence.get("slope_per_cycle").copied();
                if slope.is_some_and(|s| !le(s, mr.slope_per_cycle) || !le(mr.slope_per_cycle, s)) {
                    out.push(format!(
                        "{} issue slope {:?} differs from the metric's {}",
                        i.kind.as_str(),
                        slope,
                        mr.slope_per_cycle
                    ));
                }
            }
            _ => out.push(format!(
                "{} issue on {} whose metric is not judged leaking",
                i.kind.as_str(),
                i.metric.key()
            )),
        }
    }
    for w in &r.windows {
        for (m, t) in &w.trends {
            if let Some(s) = w.slopes.get(m) {
                // An end at exactly zero is open: the test rejects every
                // slope beyond it (ties at zero make it land there).
                let ok = match t {
                    Trend::Increasing => le(0.0, s.lower),
                    Trend::Decreasing => le(s.upper, 0.0),
                    Trend::Stable => le(s.lower, 0.0) && le(0.0, s.upper),
                };
                if !ok {
                    out.push(format!(
                        "window {}–{}: {} {} with interval [{}, {}]",
                        w.start_cycle,
                        w.end_cycle,
                        m.key(),
                        t.as_str(),
                        s.lower,
                        s.upper
                    ));
                }
            }
        }
    }
    out
}
