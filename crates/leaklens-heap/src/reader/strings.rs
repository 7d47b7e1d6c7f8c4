//! The `strings` array: JSON strings decoded (escapes, surrogate pairs) into
//! the snapshot's one string buffer, a piece at a time.

use memchr::memchr2;

use super::{is_ws, Reader, State};
use crate::error::HeapError;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum St {
    #[default]
    Open,
    First,
    Need,
    In,
    Escape,
    Hex,
    After,
}

#[derive(Debug, Default)]
pub(super) struct Decoder {
    st: St,
    buf: Vec<u8>,
    hex: u32,
    hex_digits: u8,
    /// A high surrogate waiting for its low half.
    high: Option<u32>,
}

impl Decoder {
    fn push_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.buf
            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }

    /// A high surrogate not followed by its low half is U+FFFD.
    fn flush_high(&mut self) {
        if self.high.take().is_some() {
            self.push_char('\u{FFFD}');
        }
    }

    fn code_unit(&mut self, u: u32) {
        if let Some(h) = self.high.take() {
            if (0xDC00..=0xDFFF).contains(&u) {
                let c = 0x10000 + ((h - 0xD800) << 10) + (u - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
                return;
            }
            self.push_char('\u{FFFD}');
        }
        if (0xD800..=0xDBFF).contains(&u) {
            self.high = Some(u);
        } else {
            self.push_char(char::from_u32(u).unwrap_or('\u{FFFD}'));
        }
    }
}

impl Reader {
    pub(super) fn read_strings(&mut self, b: &[u8], mut i: usize) -> Result<usize, HeapError> {
        while i < b.len() {
            let c = b[i];
            let d = &mut self.strings;
            match d.st {
                St::In => {
                    let Some(k) = memchr2(b'"', b'\\', &b[i..]) else {
                        if i < b.len() {
                            d.flush_high();
                        }
                        d.buf.extend_from_slice(&b[i..]);
                        return Ok(b.len());
                    };
                    if k > 0 {
                        d.flush_high();
                        d.buf.extend_from_slice(&b[i..i + k]);
                    }
                    i += k;
                    if b[i] == b'"' {
                        d.flush_high();
                        let s = String::from_utf8_lossy(&d.buf);
                        self.snap.strings.push(&s);
                        d.buf.clear();
                        d.st = St::After;
                    } else {
                        d.st = St::Escape;
                    }
                }
                St::Escape => {
                    let plain = match c {
                        b'"' | b'\\' | b'/' => Some(c),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.unexpected(i, c, "an escape in a string")),
                    };
                    match plain {
                        Some(p) => {
                            d.flush_high();
                            d.buf.push(p);
                            d.st = St::In;
                        }
                        None => {
                            d.hex = 0;
                            d.hex_digits = 0;
                            d.st = St::Hex;
                        }
                    }
                }
                St::Hex => {
                    let Some(v) = (c as char).to_digit(16) else {
                        return Err(self.unexpected(i, c, "a \\u escape needs four hex digits"));
                    };
                    d.hex = d.hex * 16 + v;
                    d.hex_digits += 1;
                    if d.hex_digits == 4 {
                        let u = d.hex;
                        d.code_unit(u);
                        d.st = St::In;
                    }
                }
                St::Open => {
                    if c == b'[' {
                        d.st = St::First;
                    } else if !is_ws(c) {
                        return Err(self.unexpected(i, c, "`strings` is an array of strings"));
                    }
                }
                St::First | St::Need => {
                    if c == b'"' {
                        d.buf.clear();
                        d.high = None;
                        d.st = St::In;
                    } else if c == b']' && d.st == St::First {
                        self.state = State::AfterValue;
                        return Ok(i + 1);
                    } else if !is_ws(c) {
                        return Err(self.unexpected(i, c, "`strings` is an array of strings"));
                    }
                }
                St::After => match c {
                    b',' => d.st = St::Need,
                    b']' => {
                        self.state = State::AfterValue;
                        return Ok(i + 1);
                    }
                    _ if is_ws(c) => {}
                    _ => return Err(self.unexpected(i, c, "expected ',' or ']' in `strings`")),
                },
            }
            i += 1;
        }
        Ok(i)
    }
}
