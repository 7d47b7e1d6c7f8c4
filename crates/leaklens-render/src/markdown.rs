//! Markdown for a CI job summary or a PR comment.

use std::fmt::Write;

use leaklens_core::report::{Report, Severity, Verdict};

use super::{cleanup_text, forecast_text, md_escape};
use crate::tables;

fn verdict_badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Leak => "🚨 **Leak**",
        Verdict::NoLeak => "✅ **No leak**",
        Verdict::Inconclusive => "❔ **Inconclusive**",
    }
}

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴 critical",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

pub fn report(r: &Report, title: &str) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(o, "## leaklens: {}", md_escape(title));
    let _ = writeln!(o);
    let _ = writeln!(o, "{} — {}", verdict_badge(s.verdict), md_escape(&s.reason));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", md_escape(&super::facts(s).join(" · ")));
    for w in &s.watch {
        let _ = writeln!(o, "\n> 👀 {}", md_escape(w));
    }
    let _ = writeln!(o);
    if !r.issues.is_empty() {
        let _ = writeln!(o, "### Issues");
        let _ = writeln!(o);
        let _ = writeln!(o, "| severity | kind | metric | from cycle | details |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for i in &r.issues {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} | {} |",
                sev(i.severity),
                i.kind.as_str(),
                i.metric,
                i.first_cycle,
                md_escape(&i.message)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "### Metrics (retained level after GC)");
    let _ = writeln!(o);
    write_table(&mut o, &tables::metrics(r));
    let _ = writeln!(o);
    let _ = writeln!(o, "### Evidence");
    let _ = writeln!(o);
    write_table(&mut o, &tables::evidence(r));
    let _ = writeln!(o);
    if !r.hints.is_empty() {
        for h in &r.hints {
            let _ = writeln!(o, "- 💡 {}", md_escape(&h.message));
        }
        let _ = writeln!(o);
    }
    if !r.forecasts.is_empty() {
        let _ = writeln!(o, "### Forecast");
        let _ = writeln!(o);
        for f in &r.forecasts {
            let _ = writeln!(o, "- {}", md_escape(&forecast_text(f)));
        }
        let _ = writeln!(o);
    }
    if !r.windows.is_empty() {
        let _ = writeln!(
            o,
            "<details><summary>Windows of {} cycles</summary>",
            r.config.interval
        );
        let _ = writeln!(o);
        write_table(&mut o, &tables::windows(r));
        let _ = writeln!(o);
        let _ = writeln!(o, "</details>");
        let _ = writeln!(o);
    }
    if !r.phases.is_empty() {
        let _ = writeln!(
            o,
            "<details><summary>Operations: mean change per step</summary>"
        );
        let _ = writeln!(o);
        write_table(&mut o, &tables::phases(r));
        if let Some(c) = &r.cleanup {
            let _ = writeln!(o);
            let _ = writeln!(o, "{}", cleanup_text(c));
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "</details>");
        let _ = writeln!(o);
    }
    if !r.lingering_urls.is_empty() {
        let _ = writeln!(o, "<details><summary>Pages left open</summary>");
        let _ = writeln!(o);
        for u in r.lingering_urls.iter().take(20) {
            let _ = writeln!(
                o,
                "- `{}` cycles {}–{} ({} cycles)",
                crate::sanitize(&u.url).replace('`', "'"),
                u.first_cycle,
                u.last_cycle,
                u.cycles_open
            );
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "</details>");
        let _ = writeln!(o);
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(
            o,
            "{} input warning(s); first: {}",
            r.warnings.len(),
            md_escape(&r.warnings[0].to_string())
        );
    }
    o
}

/// A table as GitHub Markdown, every cell escaped.
pub(crate) fn write_table(o: &mut String, t: &tables::Table) {
    let _ = writeln!(
        o,
        "| {} |",
        t.header
            .iter()
            .map(|h| md_escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        o,
        "|{}",
        t.numeric
            .iter()
            .map(|n| if *n { "---:|" } else { "---|" })
            .collect::<String>()
    );
    for row in &t.rows {
        let _ = writeln!(
            o,
            "| {} |",
            row.iter()
                .map(|c| md_escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
}
