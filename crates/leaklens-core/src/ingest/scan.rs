//! A hand-written fast path for the usual snapshot object.
//!
//! serde_json spends most of its time on generic dispatch and on validating
//! every key as UTF-8; a snapshot object is small and regular, so this
//! scanner reads it directly: keys compared as bytes, numbers through
//! Clinger's exact fast path, strings borrowed when they hold no escape.
//! It is strict: it accepts only valid JSON, and whenever it meets something
//! it does not handle (an escape in a read string, a value of an unexpected
//! type, a syntax error) it returns `None` and the caller hands the same
//! bytes to the serde visitors in [`super::json`], which stay the reference
//! for both results and error messages.

use std::borrow::Cow;

use super::json::{field, Field, Num, Raw, Scalar};
use super::units::{decimal_value, fast_decimal};
use crate::Metric;

/// A cursor over JSON text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scan<'de> {
    b: &'de [u8],
    pub(super) i: usize,
    /// `b` as text, when all of it is UTF-8 (checked once, in one pass):
    /// strings are then cut from it without checking each again.
    /// (Native only: the page checks each string, see `known_text`.)
    #[cfg(not(target_arch = "wasm32"))]
    text: Option<&'de str>,
}

/// Containers deeper than this inside an ignored value go to serde.
const MAX_DEPTH: u32 = 64;

/// Bytes that end the fast run of a string: quote, backslash, control
/// characters and non-ASCII (looked at separately).
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize || i >= 0x80;
        i += 1;
    }
    t
};

/// Where the first byte of [`STOP`] is in `b`.
#[cfg(target_arch = "wasm32")]
fn stop_at(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| STOP[c as usize])
}

/// Where the first byte of [`STOP`] is in `b`: natively eight bytes at a
/// time (a page URL is read in a few steps, not a step a byte).
#[cfg(not(target_arch = "wasm32"))]
#[inline]
fn stop_at(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte that is zero (exact for the lowest such
    // byte: a borrow only reaches the bytes above a true one).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut at = 0;
    while let Some(word) = b.get(at..at + 8).and_then(|w| w.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*word);
        let found = (w & HIGH)
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = b.get(at..)?;
    tail.iter().position(|&c| STOP[c as usize]).map(|k| at + k)
}

impl<'de> Scan<'de> {
    #[cfg(test)]
    pub(super) fn new(b: &'de [u8], i: usize) -> Self {
        Scan {
            b,
            i,
            #[cfg(not(target_arch = "wasm32"))]
            text: None,
        }
    }

    /// A cursor at the start of `b`; `text` is `b` itself as text when
    /// known to be UTF-8 (strings are then cut from it, unchecked).
    pub(super) fn with_text(b: &'de [u8], text: Option<&'de str>) -> Self {
        debug_assert!(text.is_none_or(|t| t.as_bytes() == b));
        #[cfg(target_arch = "wasm32")]
        let _ = text;
        Scan {
            b,
            i: 0,
            #[cfg(not(target_arch = "wasm32"))]
            text,
        }
    }

    #[inline]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    pub(super) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// Skips JSON whitespace.
    #[inline]
    pub(super) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    pub(super) fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    /// Only whitespace from the cursor on.
    pub(super) fn rest_is_blank(&mut self) -> bool {
        self.ws();
        self.at_end()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// The bytes of a string with no escape, checked as serde would (no
    /// control character; valid UTF-8, looked at only when not ASCII).
    /// None for an escape: serde decodes those.
    #[inline]
    fn plain_bytes(&mut self) -> Option<&'de [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let mut ascii = true;
        loop {
            let rest = self.b.get(self.i..)?;
            self.i += stop_at(rest)?;
            match self.next()? {
                b'"' => break,
                b'\\' | 0..=0x1F => return None,
                _ => ascii = false,
            }
        }
        let bytes = self.b.get(start..self.i - 1)?;
        // (The page never has the text: see `known_text`.)
        #[cfg(target_arch = "wasm32")]
        let checked = false;
        #[cfg(not(target_arch = "wasm32"))]
        let checked = self.text.is_some();
        if !ascii && !checked {
            std::str::from_utf8(bytes).ok()?;
        }
        Some(bytes)
    }

    /// A string with no escape, borrowed from the input.
    #[inline]
    fn plain_str(&mut self) -> Option<&'de str> {
        let bytes = self.plain_bytes()?;
        #[cfg(target_arch = "wasm32")]
        return std::str::from_utf8(bytes).ok();
        #[cfg(not(target_arch = "wasm32"))]
        match self.text {
            Some(text) => text.get(self.i - 1 - bytes.len()..self.i - 1),
            None => std::str::from_utf8(bytes).ok(),
        }
    }

    /// `b` as text when it is all UTF-8, for [`Scan::with_text`] (checked
    /// in one pass; in the page, never: one way to read strings there).
    pub(super) fn known_text(b: &'de [u8]) -> Option<&'de str> {
        #[cfg(not(target_arch = "wasm32"))]
        return simdutf8::basic::from_utf8(b).ok();
        #[cfg(target_arch = "wasm32")]
        return {
            let _ = b;
            None
        };
    }

    /// Skips a string, escapes included, checking it as serde would.
    fn skip_str(&mut self) -> Option<()> {
        self.eat(b'"')?;
        let start = self.i;
        let mut ascii = true;
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        for _ in 0..4 {
                            self.next().filter(u8::is_ascii_hexdigit)?;
                        }
                    }
                    _ => return None,
                },
                0..=0x1F => return None,
                c => ascii &= c < 0x80,
            }
        }
        if !ascii {
            std::str::from_utf8(self.b.get(start..self.i - 1)?).ok()?;
        }
        Some(())
    }

    /// A JSON number, typed as serde_json types it: integers that fit are
    /// `Int`/`Neg`, everything else a float (out of range: None).
    fn number(&mut self) -> Option<Scalar<'de>> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let mut mantissa: u64 = 0;
        let mut digits = 0;
        match self.peek()? {
            b'0' => {
                self.i += 1;
                digits = 1;
            }
            b'1'..=b'9' => {
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                    digits += 1;
                    self.i += 1;
                }
            }
            _ => return None,
        }
        let mut exp10: i32 = 0;
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            float = true;
            let frac_start = self.i;
            while let Some(c @ b'0'..=b'9') = self.peek() {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                digits += 1;
                self.i += 1;
            }
            if self.i == frac_start {
                return None;
            }
            exp10 = -i32::try_from(self.i - frac_start).ok()?;
        }
        let mut simple = digits <= 19;
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            float = true;
            simple = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            let exp_start = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            if self.i == exp_start {
                return None;
            }
        }
        if !float {
            let text = self.b.get(start..self.i)?;
            let int = if simple && !negative {
                Some(Scalar::Int(mantissa))
            } else if simple {
                // As serde_json: i64::MIN fits; `-0` is a float.
                let v = (mantissa as i64).wrapping_neg();
                Some(if v < 0 && mantissa <= 1 << 63 {
                    Scalar::Neg(v)
                } else {
                    Scalar::Float(-(mantissa as f64))
                })
            } else {
                // 20 digits and more: serde_json keeps what fits 64 bits.
                let text = std::str::from_utf8(text).ok()?;
                text.parse::<u64>()
                    .map(Scalar::Int)
                    .or_else(|_| text.parse::<i64>().map(Scalar::Neg))
                    .ok()
            };
            if int.is_some() {
                return int;
            }
        }
        let text = self.b.get(start..self.i)?;
        decimal_value(text, negative, simple.then_some((mantissa, exp10))).map(Scalar::Float)
    }

    /// A metric value, read as [`Scalar::as_num`] reads it.
    #[inline]
    fn num(&mut self) -> Option<Num> {
        match self.peek()? {
            b'0'..=b'9' => self
                .short_decimal()
                .or_else(|| self.number().map(|n| n.as_num())),
            b'-' if !self.non_finite_next() => self.number().map(|n| n.as_num()),
            _ => Some(self.scalar()?.as_num()),
        }
    }

    /// True when `-Infinity` starts at the cursor.
    fn non_finite_next(&self) -> bool {
        self.b.get(self.i + 1) == Some(&b'I')
    }

    /// `NaN`, `Infinity` or `-Infinity` at the cursor (not JSON; written by
    /// Python's `json.dumps` and loose JavaScript writers).
    fn non_finite(&mut self) -> Option<Scalar<'de>> {
        match self.peek()? {
            b'N' => self
                .literal(b"NaN")
                .map(|()| Scalar::NonFinite("NaN, which JSON does not allow (read as missing)")),
            b'I' => self.literal(b"Infinity").map(|()| {
                Scalar::NonFinite("Infinity, which JSON does not allow (read as missing)")
            }),
            _ => self.literal(b"-Infinity").map(|()| {
                Scalar::NonFinite("-Infinity, which JSON does not allow (read as missing)")
            }),
        }
    }

    /// The common metric number: `digits[.digits]` (at most 19 digits, no
    /// exponent) parsed straight to f64. None, cursor unmoved, otherwise.
    #[inline]
    fn short_decimal(&mut self) -> Option<Num> {
        let start = self.i;
        let (int_end, mantissa) = digits(self.b, start, 0);
        let (end, mantissa, frac) = if self.b.get(int_end) == Some(&b'.') {
            let (end, mantissa) = digits(self.b, int_end + 1, mantissa);
            (end, mantissa, end - int_end - 1)
        } else {
            (int_end, mantissa, 0)
        };
        let whole = int_end - start;
        let leading_zero = whole > 1 && self.b.get(start) == Some(&b'0');
        let well_formed = whole > 0
            && whole + frac <= 19
            && !leading_zero
            && (end == int_end || frac > 0)
            && !matches!(self.b.get(end), Some(b'e' | b'E'));
        let v = fast_decimal(mantissa, -(frac as i32)).filter(|_| well_formed)?;
        self.i = end;
        Some(Num::Val(v))
    }

    /// A positive integer of at most 19 digits (a cycle, a timestamp) at
    /// the cursor, as [`Scan::number`] reads it; None, cursor unmoved, for
    /// anything else.
    #[cfg(any(test, not(target_arch = "wasm32")))]
    #[inline]
    fn integer(&mut self) -> Option<Scalar<'de>> {
        let (end, mantissa) = digits(self.b, self.i, 0);
        let plain = end - self.i <= 19 && !matches!(self.b.get(end), Some(b'.' | b'e' | b'E'));
        plain.then(|| {
            self.i = end;
            Scalar::Int(mantissa)
        })
    }

    /// A scalar field value; None for arrays and objects (serde names them).
    #[inline]
    fn scalar(&mut self) -> Option<Scalar<'de>> {
        match self.peek()? {
            b'"' => Some(Scalar::Str(Cow::Borrowed(self.plain_str()?))),
            b'N' | b'I' => self.non_finite(),
            b'-' if self.non_finite_next() => self.non_finite(),
            #[cfg(not(target_arch = "wasm32"))]
            b'1'..=b'9' => self.integer().or_else(|| self.number()),
            b'-' | b'0'..=b'9' => self.number(),
            b'n' => self.literal(b"null").map(|()| Scalar::Null),
            b't' => self.literal(b"true").map(|()| Scalar::Bool),
            b'f' => self.literal(b"false").map(|()| Scalar::Bool),
            _ => None,
        }
    }

    /// An object key and the colon after it.
    #[inline]
    fn key(&mut self) -> Option<(Field, usize)> {
        let pos = self.i + 1;
        let key = self.plain_bytes()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some((field(key), pos))
    }

    /// [`Scan::key`], trying first the key text that followed the key in
    /// `after` last time (snapshot objects repeat their key order). A hit is
    /// a byte-for-byte match of `"key": `, so it means exactly that key.
    #[inline]
    fn key_memo(&mut self, memo: &mut KeyMemo<'de>, after: usize) -> Option<(Field, usize)> {
        let start = self.i;
        let slot = memo.next.get_mut(after)?;
        if let Some((text, field)) = *slot {
            let end = start.checked_add(text.len())?;
            if self.b.get(start..end).is_some_and(|here| same(here, text)) {
                self.i = end;
                self.ws();
                return Some((field, start + 1));
            }
        }
        let (field, pos) = self.key()?;
        *slot = Some((self.b.get(start..self.i)?, field));
        Some((field, pos))
    }

    /// After a member: true for `,` (another follows), false for `}`.
    #[inline]
    fn member_end(&mut self) -> Option<bool> {
        self.ws();
        match self.next()? {
            b',' => {
                self.ws();
                Some(true)
            }
            b'}' => Some(false),
            _ => None,
        }
    }

    /// Skips any JSON value without recursion.
    pub(super) fn skip_value(&mut self) -> Option<()> {
        // Bit set: the open container at that depth is an object.
        let mut objects: u64 = 0;
        let mut depth: u32 = 0;
        loop {
            self.ws();
            match self.peek()? {
                open @ (b'{' | b'[') => {
                    self.i += 1;
                    self.ws();
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                    } else {
                        if depth == MAX_DEPTH {
                            return None;
                        }
                        depth += 1;
                        objects = (objects << 1) | u64::from(open == b'{');
                        if open == b'{' {
                            self.skip_str()?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        continue;
                    }
                }
                b'"' => self.skip_str()?,
                b'N' | b'I' => {
                    self.non_finite()?;
                }
                b'-' if self.non_finite_next() => {
                    self.non_finite()?;
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                _ => return None,
            }
            // A value ended: close containers until one expects more.
            loop {
                if depth == 0 {
                    return Some(());
                }
                self.ws();
                let in_object = objects & 1 == 1;
                match self.next()? {
                    b',' => {
                        if in_object {
                            self.ws();
                            self.skip_str()?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        break;
                    }
                    b'}' if in_object => {}
                    b']' if !in_object => {}
                    _ => return None,
                }
                objects >>= 1;
                depth -= 1;
            }
        }
    }

    /// `["url", ...]` or null; None for anything else (serde counts it).
    fn urls(&mut self, urls: &mut Vec<Cow<'de, str>>) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        self.eat(b'[')?;
        urls.clear();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            urls.push(Cow::Borrowed(self.plain_str()?));
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// `nodejs: {...}` / `browser: {...}` or null.
    fn nested(
        &mut self,
        raw: &mut Raw<'de>,
        urls: &mut Vec<Cow<'de, str>>,
        memo: &mut KeyMemo<'de>,
        first: usize,
    ) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let mut after = first;
        loop {
            let (key, _) = self.key_memo(memo, after)?;
            after = KeyMemo::slot(key);
            match key {
                Field::Value(m) => {
                    let v = self.num()?;
                    raw.set(m, v);
                }
                Field::Unit => raw.unit = self.scalar()?,
                Field::Urls => self.urls(urls)?,
                _ => self.skip_value()?,
            }
            if !self.member_end()? {
                return Some(());
            }
        }
    }

    /// Reads one snapshot object into `raw` (and its page URLs into
    /// `urls`). A `snapshots` key makes it a wrapper, which this fast path
    /// leaves to the caller: None.
    pub(super) fn snapshot(
        &mut self,
        raw: &mut Raw<'de>,
        urls: &mut Vec<Cow<'de, str>>,
        memo: &mut KeyMemo<'de>,
    ) -> Option<()> {
        urls.clear();
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let mut after = KeyMemo::FIRST;
        loop {
            let (key, pos) = self.key_memo(memo, after)?;
            after = KeyMemo::slot(key);
            raw.pos.get_or_insert(pos);
            match key {
                Field::Cycle => raw.cycle = self.scalar()?,
                Field::Label => raw.label = self.scalar()?,
                Field::Timestamp => raw.timestamp = self.scalar()?,
                Field::Unit => raw.unit = self.scalar()?,
                Field::Value(m) => {
                    let v = self.num()?;
                    raw.set(m, v);
                }
                Field::Urls => self.urls(urls)?,
                Field::Memory => self.nested(raw, urls, memo, KeyMemo::FIRST_MEMORY)?,
                Field::Browser => self.nested(raw, urls, memo, KeyMemo::FIRST_BROWSER)?,
                Field::Gc => self.gc(raw)?,
                Field::Snapshots => return None,
                Field::Other => self.skip_value()?,
            }
            if !self.member_end()? {
                return Some(());
            }
        }
    }

    /// A snapshot's `gc` object of numbers; anything else is left to serde.
    fn gc(&mut self, raw: &mut Raw<'de>) -> Option<()> {
        self.members(|scan, key| {
            let n = scan.num()?;
            raw.set_gc(key, n);
            Some(())
        })
    }

    /// Reads an object's members, calling `member(scan, key)` with the key's
    /// text and the cursor on its value; `member` must consume the value.
    fn members(
        &mut self,
        mut member: impl FnMut(&mut Scan<'de>, &'de [u8]) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.plain_bytes()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            if !self.member_end()? {
                return Some(());
            }
        }
    }

    /// Reads a top-level object's members, calling `member(scan, key)` for
    /// each with the cursor on its value; `member` must consume the value.
    pub(super) fn object_members(
        &mut self,
        mut member: impl FnMut(&mut Scan<'de>, Field) -> Option<()>,
    ) -> Option<()> {
        self.members(|scan, key| member(scan, field(key)))
    }

    /// A scalar member value (for a wrapper's `unit`).
    pub(super) fn scalar_value(&mut self) -> Option<Scalar<'de>> {
        self.scalar()
    }
}

/// The decimal digits of `b` from `i` on, added to `mantissa` (wrapping
/// past 19 digits): where they end, and the mantissa.
#[inline]
fn digits(b: &[u8], mut i: usize, mut mantissa: u64) -> (usize, u64) {
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    (i, mantissa)
}

/// Equality of two short byte strings (a key with its quotes and colon),
/// inline: up to 16 bytes as two overlapping words each (a `memcmp` call
/// costs more than the comparison for keys this short).
#[cfg(not(target_arch = "wasm32"))]
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| s.get(at..at + 8).map(|w| w.first_chunk::<8>().copied());
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if (4..8).contains(&n) {
        let word = |s: &[u8], at: usize| s.get(at..at + 4).map(|w| w.first_chunk::<4>().copied());
        word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4)
    } else {
        a == b
    }
}

/// (In the page, a plain comparison: the smallest code.)
#[cfg(target_arch = "wasm32")]
fn same(a: &[u8], b: &[u8]) -> bool {
    a == b
}

/// For each key (by [`KeyMemo::slot`]), the text of the key that followed
/// it last time, with its colon and spaces, and what that key means.
#[derive(Debug, Default)]
pub(super) struct KeyMemo<'de> {
    next: [Option<(&'de [u8], Field)>; KeyMemo::SLOTS],
}

impl KeyMemo<'_> {
    /// One slot per metric, then per other kind of key, then the three
    /// "no key yet" slots.
    const SLOTS: usize = Metric::COUNT + 13;
    /// Slots of "no key yet" in a snapshot, a `nodejs` and a `browser` object.
    const FIRST: usize = Metric::COUNT + 10;
    const FIRST_MEMORY: usize = Metric::COUNT + 11;
    const FIRST_BROWSER: usize = Metric::COUNT + 12;

    fn slot(field: Field) -> usize {
        Metric::COUNT
            + match field {
                Field::Value(m) => return m.index(),
                Field::Cycle => 0,
                Field::Label => 1,
                Field::Timestamp => 2,
                Field::Unit => 3,
                Field::Urls => 4,
                Field::Memory => 5,
                Field::Browser => 6,
                Field::Snapshots => 7,
                Field::Other => 8,
                Field::Gc => 9,
            }
    }
}

#[cfg(test)]
mod tests;
