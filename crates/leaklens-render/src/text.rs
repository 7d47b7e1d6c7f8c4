//! The text report: the guide's 📊 / 🔍 / 🚨 layout, with the better analysis.

use std::fmt::Write;

use leaklens_core::report::{Report, Severity, Verdict};
use leaklens_core::Metric;

use leaklens_core::text::interval_label;

use super::{cleanup_text, forecast_text, sanitize, signed_unit, trend_word, with_unit};

pub fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴 CRITICAL",
        Severity::Warning => "⚠️ WARNING",
        Severity::Info => "ℹ️ INFO",
    }
}

pub fn verdict_line(v: Verdict) -> &'static str {
    match v {
        Verdict::Leak => "🚨 VERDICT: LEAK",
        Verdict::NoLeak => "✅ VERDICT: NO LEAK",
        Verdict::Inconclusive => "❔ VERDICT: INCONCLUSIVE",
    }
}

/// A window's verdict in capitals, as the worker prints its trend.
fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Leak => "LEAK",
        Verdict::NoLeak => "NO LEAK",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

pub fn report(r: &Report, title: &str) -> String {
    let mut o = String::new();
    head(&mut o, r, title);
    metrics_table(&mut o, r);
    evidence(&mut o, r);
    issues(&mut o, r);
    windows(&mut o, r);
    operations(&mut o, r);
    lingering_urls(&mut o, r);
    forecasts(&mut o, r);
    worker_verdicts(&mut o, r);
    input_warnings(&mut o, r);
    o
}

/// The title, the facts, the verdict and why.
fn head(o: &mut String, r: &Report, title: &str) {
    let s = &r.summary;
    let _ = writeln!(o, "leaklens — {}", sanitize(title));
    let facts = super::facts(s);
    let _ = writeln!(o, "{}", facts.join(" · "));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", verdict_line(s.verdict));
    let _ = writeln!(o, "   {}", sanitize(&s.reason));
    for w in &s.watch {
        let _ = writeln!(o, "   👀 {}", sanitize(w));
    }
    let _ = writeln!(o);
}

/// The metrics table.
fn metrics_table(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "📊 Retained level after GC (start → now), growth per cycle"
    );
    let _ = writeln!(
        o,
        "   {:<17} {:>10} {:>10} {:>12} {:>22}  {:<11} {:<15} Pattern",
        "Metric",
        "Start",
        "Now",
        "Slope/cycle",
        interval_label(r.config.alpha),
        "Trend",
        "Judged"
    );
    for (m, mr) in &r.metrics {
        let ci = format!(
            "[{}, {}]",
            signed_unit(*m, mr.slope_ci[0]),
            signed_unit(*m, mr.slope_ci[1])
        );
        let _ = writeln!(
            o,
            "   {:<17} {:>10} {:>10} {:>12} {:>22}  {:<11} {:<15} {}",
            m.display_name(),
            with_unit(*m, mr.baseline),
            with_unit(*m, mr.current),
            signed_unit(*m, mr.slope_per_cycle),
            ci,
            trend_word(mr.trend),
            mr.assessment.words(),
            mr.pattern.as_str()
        );
    }
    let _ = writeln!(o);
}

/// The evidence behind each judgement.
fn evidence(o: &mut String, r: &Report) {
    let _ = writeln!(o, "🧾 Evidence");
    for (m, mr) in &r.metrics {
        let _ = writeln!(o, "   {}: {}", m.display_name(), sanitize(&mr.judgement));
    }
    let _ = writeln!(o);
}

/// The issues, and what they point to.
fn issues(o: &mut String, r: &Report) {
    if r.issues.is_empty() {
        let _ = writeln!(o, "✅ No issues found.");
    } else {
        let _ = writeln!(o, "🚨 Potential Issues:");
        for i in &r.issues {
            let range = match i.last_cycle {
                Some(l) if l != i.first_cycle => format!("cycles {}–{}", i.first_cycle, l),
                _ => format!("cycle {}", i.first_cycle),
            };
            let _ = writeln!(
                o,
                "   {} {} ({}, {})",
                severity_tag(i.severity),
                i.kind.as_str(),
                i.metric,
                range
            );
            let _ = writeln!(o, "      {}", sanitize(&i.message));
        }
    }
    if !r.hints.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "💡 What it points to:");
        for h in &r.hints {
            let _ = writeln!(o, "   • {}", h.message);
        }
    }
    let _ = writeln!(o);
}

/// The windows, as the worker prints them.
fn windows(o: &mut String, r: &Report) {
    if !r.windows.is_empty() {
        let _ = writeln!(
            o,
            "🔍 MEMORY LEAK ANALYSIS — every {} cycles",
            r.config.interval
        );
        let _ = writeln!(o, "{}", "=".repeat(60));
        for w in &r.windows {
            let _ = writeln!(
                o,
                "   Cycles {}–{}: {} (trend {})",
                w.start_cycle,
                w.end_cycle,
                verdict_word(w.verdict),
                w.trend.as_str()
            );
            let parts: Vec<String> = Metric::ALL
                .iter()
                .filter_map(|m| {
                    w.changes
                        .get(m)
                        .map(|v| format!("{}: {}", m.display_name(), signed_unit(*m, *v)))
                })
                .collect();
            let _ = writeln!(o, "      {}", parts.join("  "));
            for f in &w.flags {
                let _ = writeln!(o, "      ⚠️ {f}");
            }
        }
        let _ = writeln!(o);
    }
}

/// The operations: the mean change at each step.
fn operations(o: &mut String, r: &Report) {
    if !r.phases.is_empty() {
        let shown: Vec<Metric> = [
            Metric::HeapUsed,
            Metric::Rss,
            Metric::External,
            Metric::Pages,
        ]
        .into_iter()
        .filter(|m| r.metrics.contains_key(m))
        .collect();
        let _ = writeln!(o, "🧹 Operations: mean change at each step");
        let mut header = format!("   {:<24} {:>6}", "Step", "n");
        for m in &shown {
            let _ = write!(header, " {:>12}", m.display_name());
        }
        let _ = writeln!(o, "{header}");
        for p in &r.phases {
            let mut line = format!(
                "   {:<24} {:>6}",
                truncate(&sanitize(&p.label), 24),
                p.count
            );
            for m in &shown {
                let v = p
                    .mean_change
                    .get(m)
                    .map(|v| signed_unit(*m, *v))
                    .unwrap_or_else(|| "—".into());
                let _ = write!(line, " {v:>12}");
            }
            let _ = writeln!(o, "{line}");
        }
        if let Some(c) = &r.cleanup {
            let _ = writeln!(o, "   {}", cleanup_text(c));
        }
        let _ = writeln!(o);
    }
}

/// The pages left open.
fn lingering_urls(o: &mut String, r: &Report) {
    if !r.lingering_urls.is_empty() {
        let _ = writeln!(
            o,
            "🔗 Pages left open (open at the quiet point, beyond the baseline pool):"
        );
        for u in r.lingering_urls.iter().take(10) {
            let _ = writeln!(
                o,
                "   {}  cycles {}–{} ({} cycles)",
                sanitize(&u.url),
                u.first_cycle,
                u.last_cycle,
                u.cycles_open
            );
        }
        if r.lingering_urls.len() > 10 {
            let _ = writeln!(o, "   … and {} more", r.lingering_urls.len() - 10);
        }
        let _ = writeln!(o);
    }
}

/// The forecasts.
fn forecasts(o: &mut String, r: &Report) {
    if !r.forecasts.is_empty() {
        let _ = writeln!(o, "⏳ Forecast:");
        for f in &r.forecasts {
            let _ = writeln!(o, "   {}", forecast_text(f));
        }
        let _ = writeln!(o);
    }
}

/// The worker's own analyses.
fn worker_verdicts(o: &mut String, r: &Report) {
    if !r.worker_verdicts.is_empty() {
        let _ = writeln!(o, "🗣  The worker's own analyses:");
        for v in &r.worker_verdicts {
            let _ = writeln!(
                o,
                "   {}:{} after cycle {}: {} — {} issue(s)",
                sanitize(&v.source),
                v.line,
                v.after_cycle.map(|c| c.to_string()).unwrap_or("?".into()),
                v.trend
                    .as_deref()
                    .map(sanitize)
                    .unwrap_or("?".into())
                    .to_uppercase(),
                v.issues.len()
            );
        }
        let _ = writeln!(o);
    }
}

/// The first input warnings.
fn input_warnings(o: &mut String, r: &Report) {
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "⚠ {} input warning(s):", r.warnings.len());
        for w in r.warnings.iter().take(5) {
            let _ = writeln!(o, "   {}", sanitize(&w.to_string()));
        }
        if r.warnings.len() > 5 {
            let _ = writeln!(o, "   … and {} more", r.warnings.len() - 5);
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
