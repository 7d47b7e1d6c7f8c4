//! Before/after comparison, as text and Markdown.

use std::fmt::Write;

use leaklens_core::compare::{Change, Comparison, IssueRef};
use leaklens_core::text::slope_with_ci;

use super::{md_escape, sanitize};
use crate::tables;

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
        "   {:<17} {:>30} {:>30}  verdict",
        "Metric", "before slope/cycle (CI)", "after slope/cycle (CI)"
    );
    for (m, mc) in &c.metrics {
        let _ = writeln!(
            o,
            "   {:<17} {:>30} {:>30}  {}",
            m.display_name(),
            slope_with_ci(*m, mc.before_slope, mc.before_ci),
            slope_with_ci(*m, mc.after_slope, mc.after_ci),
            mc.verdict.as_str()
        );
    }
    write_issue_groups(
        &mut o,
        c,
        |title| format!("{title}:"),
        |i| {
            format!(
                "   {} {} ({}): {}",
                i.severity.as_str(),
                i.kind.as_str(),
                i.metric,
                sanitize(&i.message)
            )
        },
    );
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
    crate::markdown::write_table(&mut o, &tables::comparison(c));
    write_issue_groups(
        &mut o,
        c,
        |title| format!("**{title}**\n"),
        |i| {
            format!(
                "- {} `{}` ({}): {}",
                i.severity.as_str(),
                i.kind.as_str(),
                i.metric,
                md_escape(&i.message)
            )
        },
    );
    o
}

/// Each non-empty group of issues after a blank line: its `heading`, then
/// one `line` an issue.
fn write_issue_groups(
    o: &mut String,
    c: &Comparison,
    heading: impl Fn(&str) -> String,
    line: impl Fn(&IssueRef) -> String,
) {
    for (title, list) in issue_groups(c) {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", heading(title));
        for i in list {
            let _ = writeln!(o, "{}", line(i));
        }
    }
}

/// The issues that disappeared, appeared and remain, titled, non-empty only.
pub fn issue_groups(c: &Comparison) -> Vec<(&'static str, &[IssueRef])> {
    [
        ("Issues gone", c.disappeared.as_slice()),
        ("New issues", c.appeared.as_slice()),
        ("Still there", c.remaining.as_slice()),
    ]
    .into_iter()
    .filter(|(_, l)| !l.is_empty())
    .collect()
}
