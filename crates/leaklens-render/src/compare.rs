//! Before/after comparison, as text and Markdown.

use std::fmt::Write;

use leaklens_core::compare::{Change, Comparison};

use super::{md_escape, sanitize, signed_unit};

fn badge(c: Change) -> &'static str {
    match c {
        Change::Fixed => "✅ FIXED",
        Change::Improved => "📉 IMPROVED",
        Change::Unchanged => "➖ UNCHANGED",
        Change::Regressed => "🚨 REGRESSED",
    }
}

pub fn text(c: &Comparison, names: &(String, String)) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "leaklens compare — before: {} ({} cycles, {}) · after: {} ({} cycles, {})",
        sanitize(&names.0),
        c.before.cycles,
        c.before.verdict.as_str(),
        sanitize(&names.1),
        c.after.cycles,
        c.after.verdict.as_str()
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "{}: {}", badge(c.verdict), c.reason);
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "   {:<17} {:>26} {:>26}  verdict",
        "Metric", "before slope/cycle [CI]", "after slope/cycle [CI]"
    );
    for (m, mc) in &c.metrics {
        let b = format!(
            "{} [{}, {}]",
            signed_unit(*m, mc.before_slope),
            signed_unit(*m, mc.before_ci[0]),
            signed_unit(*m, mc.before_ci[1])
        );
        let a = format!(
            "{} [{}, {}]",
            signed_unit(*m, mc.after_slope),
            signed_unit(*m, mc.after_ci[0]),
            signed_unit(*m, mc.after_ci[1])
        );
        let _ = writeln!(
            o,
            "   {:<17} {:>26} {:>26}  {}",
            m.display_name(),
            b,
            a,
            mc.verdict.as_str()
        );
    }
    for (title, list) in [
        ("Issues gone", &c.disappeared),
        ("New issues", &c.appeared),
        ("Still there", &c.remaining),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "{title}:");
        for i in list {
            let _ = writeln!(
                o,
                "   {} {} ({}): {}",
                i.severity.as_str(),
                i.kind.as_str(),
                i.metric,
                sanitize(&i.message)
            );
        }
    }
    o
}

pub fn markdown(c: &Comparison, names: &(String, String)) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## leaklens compare: {} → {}",
        md_escape(&names.0),
        md_escape(&names.1)
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "**{}** — {}", badge(c.verdict), md_escape(&c.reason));
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| metric | before (slope/cycle, CI) | after (slope/cycle, CI) | verdict |"
    );
    let _ = writeln!(o, "|---|---|---|---|");
    for (m, mc) in &c.metrics {
        let _ = writeln!(
            o,
            "| {} | {} ({} … {}) | {} ({} … {}) | {} |",
            m.display_name(),
            signed_unit(*m, mc.before_slope),
            signed_unit(*m, mc.before_ci[0]),
            signed_unit(*m, mc.before_ci[1]),
            signed_unit(*m, mc.after_slope),
            signed_unit(*m, mc.after_ci[0]),
            signed_unit(*m, mc.after_ci[1]),
            mc.verdict.as_str()
        );
    }
    for (title, list) in [
        ("Issues gone", &c.disappeared),
        ("New issues", &c.appeared),
        ("Still there", &c.remaining),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "**{title}**");
        let _ = writeln!(o);
        for i in list {
            let _ = writeln!(
                o,
                "- {} `{}` ({}): {}",
                i.severity.as_str(),
                i.kind.as_str(),
                i.metric,
                md_escape(&i.message)
            );
        }
    }
    o
}
