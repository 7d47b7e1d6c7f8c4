//! # leaklens-render
//!
//! Report renderers shared by the CLI and the browser viewer: text (the
//! guide's layout), Markdown (CI summaries, PR comments), self-contained
//! HTML. Pure string building: compiles to wasm32. Every string that came from an input file
//! (labels, page URLs, worker messages, file names) is untrusted: escaped for
//! the medium it goes to.

pub mod compare;
pub mod heap;
pub mod html;
pub mod markdown;
pub mod tables;
pub mod text;

use leaklens_core::report::Trend;
pub use leaklens_core::text::{cleanup_text, duration, forecast_text, num, signed_unit, with_unit};
use leaklens_core::text::{escape_markup, is_unsafe_char};

/// File text for a terminal or a text file: every character that could
/// forge a line, steer the terminal or reorder the text on screen (see
/// [`leaklens_core::text::is_unsafe_char`]) becomes U+FFFD.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
        .collect()
}

pub use leaklens_core::text::html_escape;

/// Escapes text for Markdown (GitHub renders inline HTML, so HTML too).
pub fn md_escape(s: &str) -> String {
    escape_markup(s, |c, out| {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => return false,
        }
        true
    })
}

/// The run's summary facts, one phrase each, in the order every report
/// (text, Markdown, HTML, the viewer) shows them: snapshots, cycles, how
/// long, how long a cycle takes, restarts. Plain text: escape to embed.
pub fn facts(s: &leaklens_core::report::Summary) -> Vec<String> {
    let mut facts = vec![
        format!("{} snapshots", s.snapshots),
        format!("{} cycles ({}–{})", s.cycles, s.first_cycle, s.last_cycle),
    ];
    if let Some(h) = s.duration_hours {
        facts.push(duration(h));
    }
    if let Some(cs) = s.cycle_seconds {
        facts.push(format!("~{} s/cycle", num(cs)));
    }
    if s.segments.len() > 1 {
        let seg = &s.segments[s.analysed_segment.min(s.segments.len() - 1)];
        facts.push(format!(
            "{} restarts, analysing cycles {}–{}",
            s.segments.len() - 1,
            seg.start_cycle,
            seg.end_cycle
        ));
    }
    facts
}

/// The verdict as a heading says it ("No leak").
pub fn verdict_title(v: leaklens_core::report::Verdict) -> &'static str {
    use leaklens_core::report::Verdict;
    match v {
        Verdict::Leak => "Leak",
        Verdict::NoLeak => "No leak",
        Verdict::Inconclusive => "Inconclusive",
    }
}

pub fn trend_word(t: Trend) -> &'static str {
    match t {
        Trend::Increasing => "INCREASING",
        Trend::Stable => "STABLE",
        Trend::Decreasing => "DECREASING",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape("<img src=x onerror=\"alert(1)\">"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
        );
        assert_eq!(md_escape("<script>|x"), "&lt;script&gt;\\|x");
        assert_eq!(sanitize("a\u{1b}[31mb"), "a�[31mb");
        // A URL must not forge a report line or reorder what is shown.
        assert_eq!(sanitize("u\n✅ VERDICT\u{2028}x"), "u�✅ VERDICT�x");
        assert_eq!(sanitize("a\u{202E}b\u{2066}"), "a�b�");
        assert_eq!(md_escape("a\u{7}\u{202E}b"), "a��b");
        assert_eq!(html_escape("a\u{202E}b\nc"), "a�b\nc");
    }
}
