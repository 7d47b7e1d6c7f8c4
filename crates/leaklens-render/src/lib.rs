//! # leaklens-render
//!
//! Report renderers shared by the CLI and the browser viewer: text (the
//! guide's layout), Markdown (CI summaries, PR comments), self-contained
//! HTML. Pure string building: compiles to wasm32. Every string that came from an input file
//! (labels, page URLs, worker messages, file names) is untrusted: escaped for
//! the medium it goes to.

pub mod compare;
pub mod html;
pub mod markdown;
pub mod tables;
pub mod text;

use leaklens_core::report::Trend;
pub use leaklens_core::text::{cleanup_text, duration, forecast_text, num, signed_unit, with_unit};

/// Removes control characters (terminal escape sequences) from file text.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '�'
            } else {
                c
            }
        })
        .collect()
}

pub use leaklens_core::text::html_escape;

/// Escapes text for Markdown (GitHub renders inline HTML, so HTML too).
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
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
    }
}
