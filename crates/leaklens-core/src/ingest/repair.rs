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
        || memchr::memchr_iter(b'\r', bytes)
            .any(|i| !matches!(bytes.get(i + 1), Some(b'\n' | b'\r')))
        || !is_utf8(bytes)
}

/// Whether `bytes` are all UTF-8 (natively checked with SIMD).
fn is_utf8(bytes: &[u8]) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    return simdutf8::basic::from_utf8(bytes).is_ok();
    #[cfg(target_arch = "wasm32")]
    return std::str::from_utf8(bytes).is_ok();
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
            b'\r' => {
                // `\r\n` and `\r\r\n` (a double conversion) end a line as
                // written; a CR not followed by LF is a line end of its own.
                let run = bytes[i..].iter().take_while(|&&c| c == b'\r').count();
                if bytes.get(i + run) == Some(&b'\n') {
                    out.extend_from_slice(&bytes[i..i + run]);
                } else {
                    out.extend(std::iter::repeat_n(b'\n', run));
                    r.lone_cr += run;
                }
                i += run;
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
/// ESC and one more ASCII character. One pass that stops at a line end
/// (a sequence cut off there ends there), and every byte it passes is
/// removed with the sequence: linear time whatever the input.
fn escape_len(s: &[u8]) -> usize {
    let line_end = |c: u8| c == b'\n' || c == b'\r';
    match s.get(1) {
        Some(b'[') => {
            for (k, &c) in s.iter().enumerate().skip(2) {
                match c {
                    // Parameters and intermediates.
                    0x20..=0x3F => {}
                    // The final byte.
                    0x40..=0x7E => return k + 1,
                    // Cut off (a line end, another control, non-ASCII).
                    _ => return k,
                }
            }
            s.len()
        }
        Some(b']') => {
            for (k, &c) in s.iter().enumerate().skip(2) {
                if c == 0x07 {
                    return k + 1;
                }
                if c == 0x1B {
                    return if s.get(k + 1) == Some(&b'\\') {
                        k + 2
                    } else {
                        k
                    };
                }
                if line_end(c) {
                    return k;
                }
            }
            s.len()
        }
        Some(&c) if c.is_ascii() && !line_end(c) => 2,
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
    fn double_crlf_is_a_line_end_as_written() {
        let (out, r) = repair(b"a\r\r\nb\r\nc");
        assert_eq!(&*out, b"a\r\r\nb\r\nc");
        assert_eq!(r, Repairs::default());
    }

    #[test]
    fn many_escapes_without_a_line_end_take_linear_time() {
        // 3 MB of `ESC [ m` and no newline: was a scan to the end per escape.
        let bytes = b"\x1b[m".repeat(1 << 20);
        let (out, r) = repair(&bytes);
        assert!(out.is_empty());
        assert_eq!(r.escapes, 1 << 20);
        let osc = b"\x1b]0;t".repeat(1 << 18);
        assert!(repair(&osc).0.is_empty() || repair(&osc).1.escapes > 0);
    }

    #[test]
    fn an_escape_before_a_non_ascii_character_keeps_it() {
        let (out, r) = repair("x\u{1b}é".as_bytes());
        assert_eq!(String::from_utf8(out.into_owned()).unwrap(), "xé");
        assert_eq!(r.invalid_utf8, 0);
    }

    #[test]
    fn a_cut_escape_stops_at_the_line_end() {
        let (out, _) = repair(b"x\x1b[31\ny\x1b");
        assert_eq!(&*out, b"x\ny");
    }
}
