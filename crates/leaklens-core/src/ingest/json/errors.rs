//! Syntax errors: the warning or error that says what and where, and
//! where reading goes on after a list element that could not be read.

use memchr::memchr;
use serde::de::IgnoredAny;

use super::sink::{Ctx, Sink};
use crate::ingest::WarnKind;

/// serde_json's message without its ` at line L column C` suffix.
pub(super) fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(t) => t.to_owned(),
        None => text,
    }
}

/// Where reading goes on after a list element that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resync {
    /// The next element starts here (a `{`).
    Element(usize),
    /// The list ends here (its `]`).
    End(usize),
    /// The file ends first.
    CutOff,
}

/// The next object of a list of objects after byte `from`: a `}` followed
/// by `,` and `{` (or `{` alone: a missing comma), or by the list's `]`.
/// Objects nested in a snapshot follow a key's `:`, so they do not match.
pub(super) fn next_list_item(bytes: &[u8], from: usize) -> Resync {
    let after_ws = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut at = from + 1;
    while let Some(close) = bytes.get(at..).and_then(|rest| memchr(b'}', rest)) {
        let close = at + close;
        let mut i = after_ws(close + 1);
        if bytes.get(i) == Some(&b',') {
            i = after_ws(i + 1);
        }
        match bytes.get(i) {
            Some(b'{') => return Resync::Element(i),
            Some(b']') => return Resync::End(i),
            _ => at = close + 1,
        }
    }
    Resync::CutOff
}

impl Sink<'_> {
    /// After a list element at `start` that could not be read: where the
    /// next one starts (or the list ends), with a warning that says what
    /// was wrong and where.
    pub(super) fn resync(
        &mut self,
        start: usize,
        ctx: Ctx,
        kept: bool,
        at: usize,
    ) -> Option<Resync> {
        self.resynced += 1;
        // After a snapshot that was read, garbage up to the next `{` or `]`;
        // else the rest of the broken snapshot first.
        let next = if kept {
            let rest = self.bytes.get(at..)?;
            match rest.iter().position(|&c| c == b'{' || c == b']') {
                Some(k) if rest[k] == b'{' => Resync::Element(at + k),
                Some(k) => Resync::End(at + k),
                None => Resync::CutOff,
            }
        } else {
            next_list_item(self.bytes, start)
        };
        let end = match next {
            Resync::Element(p) | Resync::End(p) => p,
            Resync::CutOff => self.bytes.len(),
        };
        let line = self.line_of(start);
        let slice = self.bytes.get(start..end)?;
        let what = ctx.what();
        let problem = match serde_json::from_slice::<IgnoredAny>(slice.trim_ascii_end()) {
            _ if kept => format!("no comma after {what} (line {line})"),
            Err(e) if next == Resync::CutOff && e.is_eof() => {
                format!("the file ends inside {what} (cut off while it was written?)")
            }
            Err(e) => format!(
                "invalid JSON in {what} at line {}: {}",
                line + e.line() - 1,
                bare_message(&e)
            ),
            Ok(_) => format!("{what} at line {line} could not be read"),
        };
        let then = match next {
            Resync::Element(p) if kept => {
                let at = self.line_of(p);
                format!("; reading goes on at line {at}")
            }
            _ if kept => String::new(),
            Resync::Element(p) => {
                let at = self.line_of(p);
                format!("; it is skipped, and reading goes on at line {at}")
            }
            Resync::End(_) => "; it is skipped".to_owned(),
            Resync::CutOff if slice.iter().all(u8::is_ascii_whitespace) => String::new(),
            Resync::CutOff => "; the snapshots before it are kept".to_owned(),
        };
        self.diag
            .warn(WarnKind::BadJson, Some(line), || format!("{problem}{then}"));
        Some(next)
    }

    /// A syntax error in a whole-document parse.
    pub(super) fn syntax_error(&mut self, e: &serde_json::Error) {
        let (line, column) = (e.line(), e.column());
        let msg = bare_message(e);
        if self.run.is_empty() {
            self.fatal = Some((
                line,
                format!("invalid JSON at line {line} column {column}: {msg}"),
            ));
        } else {
            let kept = self.run.len();
            self.diag.warn(WarnKind::BadJson, Some(line), || {
                format!(
                    "invalid JSON at line {line} column {column}: {msg}; kept {kept} snapshot{} read before it",
                    if kept == 1 { "" } else { "s" }
                )
            });
        }
    }

    /// A bad NDJSON line: skipped, the rest kept.
    pub(super) fn bad_line(&mut self, e: &serde_json::Error, line: usize) {
        self.diag.warn(WarnKind::BadJson, Some(line), || {
            format!(
                "invalid JSON at column {}: {}; line skipped",
                e.column(),
                bare_message(e)
            )
        });
    }
}
