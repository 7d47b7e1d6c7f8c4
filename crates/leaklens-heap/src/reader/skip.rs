//! Skipping a value the analysis does not need (`trace_tree`, `samples`,
//! `locations`…), or keeping it (the `snapshot` header): one pass over its
//! bytes, tracking nesting and strings, never building anything.

use memchr::memchr2;

use super::{is_ws, Reader, Section, State, MAX_HEADER_BYTES};
use crate::error::HeapError;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Skip {
    started: bool,
    depth: u32,
    in_str: bool,
    escaped: bool,
    scalar: bool,
}

impl Reader {
    pub(super) fn skip_value(&mut self, b: &[u8], mut i: usize) -> Result<usize, HeapError> {
        let keep = self.section == Section::Snapshot;
        let mut sk = self.skip;
        let start = i;
        let mut end = None;
        while i < b.len() {
            let c = b[i];
            if !sk.started {
                if !is_ws(c) {
                    sk.started = true;
                    match c {
                        b'{' | b'[' => sk.depth = 1,
                        b'"' => sk.in_str = true,
                        b'}' | b']' | b',' | b':' => {
                            return Err(self.unexpected(i, c, "expected a value"))
                        }
                        _ => sk.scalar = true,
                    }
                }
                i += 1;
                continue;
            }
            if sk.in_str {
                if sk.escaped {
                    sk.escaped = false;
                    i += 1;
                    continue;
                }
                let Some(k) = memchr2(b'"', b'\\', &b[i..]) else {
                    i = b.len();
                    break;
                };
                i += k;
                if b[i] == b'\\' {
                    sk.escaped = true;
                } else {
                    sk.in_str = false;
                    if sk.depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                i += 1;
                continue;
            }
            if sk.scalar {
                if matches!(c, b',' | b'}' | b']') || is_ws(c) {
                    end = Some(i);
                    break;
                }
                if !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+')) {
                    return Err(self.unexpected(i, c, "in a number or literal"));
                }
                i += 1;
                continue;
            }
            match c {
                b'"' => sk.in_str = true,
                b'{' | b'[' => sk.depth += 1,
                b'}' | b']' => {
                    sk.depth -= 1;
                    if sk.depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let upto = end.unwrap_or(i);
        if keep {
            self.header.extend_from_slice(&b[start..upto]);
            if self.header.len() > MAX_HEADER_BYTES {
                return Err(self.bad_value(upto, "a `snapshot` header over 1 MB".into()));
            }
        }
        self.skip = sk;
        if end.is_some() {
            self.state = State::AfterValue;
            if keep {
                self.header_done(upto)?;
            }
        }
        Ok(upto)
    }
}
