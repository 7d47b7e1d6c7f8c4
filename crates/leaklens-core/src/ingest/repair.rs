//! Text the readers can rely on. Real exports break the rules in a few
//! common ways that would otherwise lose good snapshots around the fault:
//! a stray byte that is not UTF-8 (one bad label made a JSON array stop
//! there), lone CR line ends (old Mac tools: the whole file was one line),
//! and terminal colour codes from colour loggers (`\x1b[32m`), which split
//! a log's "RSS: 1.2MB" from its value. Each is repaired and reported.

use std::borrow::Cow;

/// What [`repair`] changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Repairs {
    /// Byte sequences that were not UTF-8, each now U+FFFD.
    pub invalid_utf8: usize,
    /// Lone CR line ends, now LF.
    pub lone_cr: usize,
    /// Terminal escape sequences removed.
    pub escapes: usize,
}

impl Repairs {
    /// The warnings that say what was repaired.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.invalid_utf8 > 0 {
            out.push(format!(
                "{} byte sequence{} not valid UTF-8 (a damaged or mis-encoded label or URL?): \
                 shown as \u{FFFD}, the snapshots kept",
                self.invalid_utf8,
                if self.invalid_utf8 == 1 {
                    " is"
                } else {
                    "s are"
                }
            ));
        }
        if self.lone_cr > 0 {
            out.push(format!(
                "lines end with a lone CR ({} of them): read as line ends",
                self.lone_cr
            ));
        }
        if self.escapes > 0 {
            out.push(format!(
                "{} terminal colour code{} (ANSI escape sequences) removed",
                self.escapes,
                if self.escapes == 1 { "" } else { "s" }
            ));
        }
        out
    }
}

/// True when [`repair`] would change something (a quick scan).
pub(crate) fn needed(bytes: &[u8]) -> bool {
    memchr::memchr(0x1B, bytes).is_some()
        || memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
        || std::str::from_utf8(bytes).is_err()
}

/// The bytes as valid UTF-8 with LF or CRLF line ends and no terminal
/// escape sequences; borrowed when nothing needed repair.
pub(crate) fn repair(bytes: &[u8]) -> (Cow<'_, [u8]>, Repairs) {
    let mut r = Repairs::default();
    if !needed(bytes) {
        return (Cow::Borrowed(bytes), r);
    }
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x1B => {
                i += escape_len(&bytes[i..]);
                r.escapes += 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                out.push(b'\n');
                r.lone_cr += 1;
                i += 1;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    let text = match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            r.invalid_utf8 = invalid_sequences(&bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    (Cow::Owned(text.into_bytes()), r)
}

/// How many invalid sequences `from_utf8_lossy` replaces in `bytes`.
fn invalid_sequences(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .filter(|c| !c.invalid().is_empty())
        .count()
}

/// Length of the escape sequence at the start of `s` (which starts with
/// ESC): CSI (`ESC [ params final`), OSC (`ESC ] ... BEL` or `ESC \`), or
/// ESC and one more character.
fn escape_len(s: &[u8]) -> usize {
    match s.get(1) {
        Some(b'[') => {
            // Parameters and intermediates, then one final byte @..~.
            let end = s[2..]
                .iter()
                .position(|c| (0x40..=0x7E).contains(c))
                .map(|p| 2 + p + 1);
            // A sequence cut off by a line end or the file's end stops there.
            let line_end = s.iter().position(|&c| c == b'\n').unwrap_or(s.len());
            end.unwrap_or(line_end).min(line_end.max(2))
        }
        Some(b']') => {
            let line_end = s.iter().position(|&c| c == b'\n').unwrap_or(s.len());
            let body = &s[..line_end];
            match body.iter().position(|&c| c == 0x07) {
                Some(p) => p + 1,
                None => memchr::memmem::find(body, b"\x1b\\").map_or(line_end, |p| p + 2),
            }
        }
        Some(c) if *c != b'\n' && *c != b'\r' => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        let (out, r) = repair(b"{\"a\": 1}\r\n{\"a\": 2}\n");
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(r, Repairs::default());
    }

    #[test]
    fn each_fault_is_repaired_and_counted() {
        let (out, r) = repair(b"a\xFFb\rc\x1b[32mRSS: 1.2MB\x1b[0m\r\nd\x1b]0;title\x07e");
        assert_eq!(
            String::from_utf8(out.into_owned()).unwrap(),
            "a\u{FFFD}b\ncRSS: 1.2MB\r\nde"
        );
        assert_eq!(
            r,
            Repairs {
                invalid_utf8: 1,
                lone_cr: 1,
                escapes: 3
            }
        );
        assert_eq!(r.messages().len(), 3);
    }

    #[test]
    fn a_cut_escape_stops_at_the_line_end() {
        let (out, _) = repair(b"x\x1b[31\ny\x1b");
        assert_eq!(&*out, b"x\ny");
    }
}
