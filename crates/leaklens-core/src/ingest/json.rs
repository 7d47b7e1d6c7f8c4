//! JSON exports: an array of snapshots, a `{"snapshots": [...]}` wrapper, a
//! single snapshot object, and NDJSON.
//!
//! Every snapshot object is read into a small stack value ([`Raw`]) that
//! borrows its strings from the input, checked and pushed straight into the
//! [`Run`] by [`Sink::accept`]; no `Vec` of snapshots and no
//! `serde_json::Value` is ever built.
//!
//! Two readers fill a `Raw`: the fast [`Scan`] for the usual object, and
//! serde seeds (the visitors below) for the rest of an element it declines
//! and for a whole document with a syntax error, so that the good prefix and
//! serde's message (line, column) are kept. The visitors accept any JSON
//! value for any field (a value of the wrong type is counted and ignored),
//! so only a syntax error can stop a document.

use std::borrow::Cow;
use std::fmt;

use memchr::memchr;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::detect::{first_non_space, has_log_marker};
use super::scan::{KeyMemo, Scan};
use super::timestamp::parse_iso8601;
use super::units::Unit;
use super::{Diag, Ingested, InputFormat, Progress, WarnKind};
use crate::run::{GcSince, Run, SnapshotIn};
use crate::Metric;

/// A raw `process.memoryUsage()` value above this is in bytes: no worker has
/// a terabyte, and every real one has more than one megabyte.
const BYTES_THRESHOLD: f64 = 1e6;

/// Reads a file that starts with `[`.
pub(super) fn read_array(source: &str, bytes: &[u8], progress: Progress<'_>) -> Ingested {
    read_array_into(Sink::new(source, bytes, progress))
}

/// Reads a file that starts with `{`: one object (possibly pretty-printed
/// over many lines), or NDJSON. The first line is parsed on its own: if it
/// is a complete object and more lines follow, the file is NDJSON and that
/// parse is kept; if it is an unfinished object, the file is one object. So
/// no byte is parsed twice, except the first line of a multi-line object.
pub(super) fn read_object_or_ndjson(
    source: &str,
    bytes: &[u8],
    progress: Progress<'_>,
) -> Ingested {
    read_object_or_ndjson_into(Sink::new(source, bytes, progress))
}

/// NDJSON lines only (a piece of a file already known to be NDJSON).
pub(super) fn read_ndjson(source: &str, bytes: &[u8], progress: Progress<'_>) -> Ingested {
    read_ndjson_from(Sink::new(source, bytes, progress), 0, 1)
}

/// The same readers without the fast path: the reference it is tested against.
#[cfg(test)]
pub(super) fn read_with_serde_only(source: &str, bytes: &[u8], array: bool) -> Ingested {
    let mut sink = Sink::new(source, bytes, Progress::default());
    sink.fast = false;
    if array {
        read_array_into(sink)
    } else {
        read_object_or_ndjson_into(sink)
    }
}

fn read_array_into(mut sink: Sink<'_, '_>) -> Ingested {
    let bytes = sink.bytes;
    if sink.fast && sink.fast_documents().is_some() {
        return sink.finish(InputFormat::JsonArray);
    }
    // A syntax error: serde reads it again, keeps the same good prefix and
    // says where and what the error is.
    sink.reset();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let ctx = Ctx::default();
    let result = ListSeed {
        sink: &mut sink,
        ctx,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = result {
        sink.syntax_error(&e);
    }
    sink.finish(InputFormat::JsonArray)
}

fn read_object_or_ndjson_into(mut sink: Sink<'_, '_>) -> Ingested {
    let bytes = sink.bytes;
    let start = first_non_space(bytes).unwrap_or(0);
    let first_end = memchr(b'\n', bytes.get(start..).unwrap_or_default()).map(|i| start + i);
    let next_line = first_end.and_then(|e| {
        let rest = bytes.get(e..)?;
        first_non_space(rest).map(|i| e + i)
    });
    let (Some(first_end), Some(next_line)) = (first_end, next_line) else {
        return read_whole_object(sink);
    };
    let first_line_no =
        1 + memchr::memchr_iter(b'\n', bytes.get(..start).unwrap_or_default()).count();
    let first_line = bytes.get(..first_end).unwrap_or_default();
    let next_starts_object = matches!(bytes.get(next_line), Some(b'{' | b'['));
    match sink.ndjson_line(first_line, first_line_no) {
        Ok(()) if next_starts_object || !has_log_marker(bytes) => {}
        // A JSON line (say, a config dump) at the top of a worker log.
        Ok(()) => {
            sink.reset();
            return sink.finish(InputFormat::Ndjson);
        }
        Err(e) if e.is_eof() => {
            sink.reset();
            return read_whole_object(sink);
        }
        Err(e) if next_starts_object => sink.bad_line(&e, first_line_no),
        Err(_) => {
            sink.reset();
            return read_whole_object(sink);
        }
    }
    read_ndjson_from(sink, first_end + 1, first_line_no + 1)
}

/// The whole input as one JSON object: a wrapper or a single snapshot.
fn read_whole_object(mut sink: Sink<'_, '_>) -> Ingested {
    if sink.fast && sink.fast_documents().is_some() {
        return sink.finish(InputFormat::JsonObject);
    }
    // A single snapshot, or a syntax error: serde reads it again.
    sink.reset();
    let bytes = sink.bytes;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let ctx = Ctx {
        top: true,
        ..Ctx::default()
    };
    let result = ElementSeed {
        sink: &mut sink,
        ctx,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = result {
        sink.syntax_error(&e);
    }
    sink.finish(InputFormat::JsonObject)
}

/// NDJSON from byte `pos`, which starts line `line_no`.
fn read_ndjson_from(mut sink: Sink<'_, '_>, mut pos: usize, mut line_no: usize) -> Ingested {
    let bytes = sink.bytes;
    // One snapshot per line: reserving up front avoids regrowing the
    // columns. Lines are estimated from the first 64 KB (counting them all
    // would cost a pass); the margin is only address space until touched.
    let rest = bytes.get(pos..).unwrap_or_default();
    let head = rest.get(..1 << 16).unwrap_or(rest);
    let head_lines = memchr::memchr_iter(b'\n', head).count() + 1;
    let estimate = (rest.len() / head.len().max(1)).saturating_mul(head_lines);
    sink.reserve(
        estimate
            .saturating_add(estimate / 8)
            .min(bytes.len() / 16 + 1),
    );
    while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
        let len = memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..len).unwrap_or_default();
        sink.progress.at(pos);
        if let Err(e) = sink.ndjson_line(line, line_no) {
            sink.bad_line(&e, line_no);
        }
        pos += len + 1;
        line_no += 1;
    }
    sink.finish(InputFormat::Ndjson)
}

/// Parses one NDJSON line with serde (blank lines are skipped).
fn parse_line<'de>(
    sink: &mut Sink<'de, '_>,
    line: &'de [u8],
    line_no: usize,
) -> Result<(), serde_json::Error> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let ctx = Ctx {
        line: Some(line_no),
        top: true,
        index: None,
    };
    ElementSeed { sink, ctx }.deserialize(&mut de)?;
    de.end()
}

/// serde_json's message without its ` at line L column C` suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(t) => t.to_owned(),
        None => text,
    }
}

/// Where reading goes on after a list element that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resync {
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
fn next_list_item(bytes: &[u8], from: usize) -> Resync {
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

/// Where a snapshot object sits, for messages.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// NDJSON line.
    line: Option<usize>,
    /// Position in its array (0-based).
    index: Option<usize>,
    /// A top-level object: may be a `{"snapshots": [...]}` wrapper.
    top: bool,
}

impl Ctx {
    fn what(self) -> String {
        match self.index {
            Some(i) => format!("snapshot #{}", i + 1),
            None => "snapshot".to_owned(),
        }
    }
}

/// Receives the snapshots of one file and keeps the counters its warnings
/// are made of.
struct Sink<'de, 'p> {
    bytes: &'de [u8],
    /// Address of `bytes`, to turn borrowed keys into byte offsets.
    base: usize,
    run: Run,
    diag: Diag,
    progress: Progress<'p>,
    /// Page URLs of the snapshot being read (reused, never shrunk).
    urls: Vec<Cow<'de, str>>,
    /// Key order seen so far, for the fast path.
    keys: KeyMemo<'de>,
    /// Use the fast path (off only to test it against serde).
    fast: bool,
    /// Byte offset of the last key read, for progress and line numbers.
    last_pos: usize,
    lines: LineCounter,
    /// Snapshot objects seen, kept or not.
    seen: usize,
    with_cycle: usize,
    without_cycle: usize,
    wrong_types: usize,
    first_wrong_type: Option<(Option<usize>, String)>,
    unknown_unit: Option<String>,
    converted_from_bytes: bool,
    /// Unit given by the enclosing wrapper (`{"unit": "KB", "snapshots": ...}`).
    default_unit: Option<Unit>,
    /// While reading a wrapper whose unit is not known yet: run positions of
    /// snapshots that were read as MB only for want of a unit.
    implicit_mb: Option<Vec<u32>>,
    fatal: Option<(usize, String)>,
    /// List elements skipped after a syntax error.
    resynced: usize,
}

impl<'de, 'p> Sink<'de, 'p> {
    fn new(source: &str, bytes: &'de [u8], progress: Progress<'p>) -> Self {
        Sink {
            bytes,
            base: bytes.as_ptr() as usize,
            run: Run::with_capacity(super::estimate_snapshots(bytes, b"\"rss\"")),
            diag: Diag::new(source),
            progress,
            urls: Vec::new(),
            keys: KeyMemo::default(),
            fast: true,
            last_pos: 0,
            lines: LineCounter::default(),
            seen: 0,
            with_cycle: 0,
            without_cycle: 0,
            wrong_types: 0,
            first_wrong_type: None,
            unknown_unit: None,
            converted_from_bytes: false,
            default_unit: None,
            implicit_mb: None,
            fatal: None,
            resynced: 0,
        }
    }

    /// Forgets everything read so far (the file turned out to be another shape).
    fn reset(&mut self) {
        let progress = std::mem::take(&mut self.progress);
        let source = std::mem::take(&mut self.diag.source);
        let fast = self.fast;
        *self = Sink::new(&source, self.bytes, progress);
        self.fast = fast;
    }

    /// One NDJSON line: the fast path, else serde (which also gives the
    /// error of a bad line).
    fn ndjson_line(&mut self, line: &'de [u8], line_no: usize) -> Result<(), serde_json::Error> {
        // Objects joined with ",\n" (an array without its brackets) are
        // taken as NDJSON too.
        let line = line.trim_ascii_end();
        let line = line.strip_suffix(b",").unwrap_or(line);
        let mut scan = Scan::new(line, 0);
        scan.ws();
        if scan.at_end() {
            return Ok(());
        }
        if self.fast && scan.peek() == Some(b'{') {
            let mut raw = Raw::new();
            if scan
                .snapshot(&mut raw, &mut self.urls, &mut self.keys)
                .is_some()
                && scan.rest_is_blank()
            {
                let ctx = Ctx {
                    line: Some(line_no),
                    top: true,
                    index: None,
                };
                self.accept(&mut raw, ctx);
                return Ok(());
            }
        }
        parse_line(self, line, line_no)
    }

    /// A list of snapshots at the cursor (`[`), each element through the
    /// fast path or, when it has something unusual, through serde. A
    /// snapshot with a syntax error is skipped with a warning that says
    /// where, and reading goes on at the next one; a list cut off by the end
    /// of the file ends there. None only when no snapshot can be found after
    /// an error.
    fn fast_list(&mut self, scan: &mut Scan<'de>, ctx: Ctx) -> Option<()> {
        if scan.next()? != b'[' {
            return None;
        }
        scan.ws();
        if scan.peek()? == b']' {
            scan.i += 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            let ctx = Ctx {
                index: Some(index),
                top: false,
                ..ctx
            };
            let start = scan.i;
            let kept = self.element(scan, ctx).is_some();
            let separated = kept && {
                scan.ws();
                matches!(scan.peek(), Some(b',' | b']'))
            };
            index += 1;
            if !separated {
                match self.resync(start, ctx, kept, scan.i)? {
                    Resync::Element(next) => {
                        scan.i = next;
                        continue;
                    }
                    Resync::End(close) => {
                        scan.i = close + 1;
                        return Some(());
                    }
                    Resync::CutOff => {
                        scan.i = self.bytes.len();
                        return Some(());
                    }
                }
            }
            self.progress.at(scan.i);
            match scan.next()? {
                b',' => scan.ws(),
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// After a list element at `start` that could not be read: where the
    /// next one starts (or the list ends), with a warning that says what
    /// was wrong and where.
    fn resync(&mut self, start: usize, ctx: Ctx, kept: bool, at: usize) -> Option<Resync> {
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
    /// One list element at the cursor. None on a syntax error.
    fn element(&mut self, scan: &mut Scan<'de>, ctx: Ctx) -> Option<()> {
        let start = scan.i;
        self.last_pos = start;
        if self.fast && scan.peek() == Some(b'{') {
            let mut raw = Raw::new();
            if scan
                .snapshot(&mut raw, &mut self.urls, &mut self.keys)
                .is_some()
            {
                self.accept(&mut raw, ctx);
                return Some(());
            }
            scan.i = start;
        }
        scan.skip_value()?;
        let slice = self.bytes.get(start..scan.i)?;
        let mut de = serde_json::Deserializer::from_slice(slice);
        let seed = ElementSeed { sink: self, ctx };
        seed.deserialize(&mut de).and_then(|()| de.end()).ok()
    }

    /// The whole input as JSON documents, fast: a list of snapshots or a
    /// `{"snapshots": [...], ...}` wrapper, or several of them one after
    /// another (`cat export1.json export2.json`). None when a document is
    /// neither (a single snapshot object) or has an error no snapshot
    /// follows.
    fn fast_documents(&mut self) -> Option<()> {
        let mut scan = Scan::new(self.bytes, 0);
        scan.ws();
        let mut docs = 0usize;
        let mut second_line = None;
        while !scan.at_end() {
            if docs == 1 {
                second_line = Some(self.line_of(scan.i));
            }
            match scan.peek()? {
                b'[' => self.fast_list(&mut scan, Ctx::default())?,
                b'{' => self.fast_wrapper(&mut scan)?,
                _ => return None,
            }
            docs += 1;
            scan.ws();
        }
        // Nothing read around an error: serde reads it again and says where
        // the error is (the file's error, not a warning).
        if self.run.is_empty() && self.resynced > 0 {
            return None;
        }
        if let Some(line) = second_line {
            self.diag.warn(WarnKind::Other, Some(line), || {
                format!(
                    "{docs} JSON documents one after another (exports joined with cat?): \
                     the snapshots of all of them are read"
                )
            });
        }
        Some(())
    }

    /// A `{"snapshots": [...], ...}` wrapper at the cursor. None when it is
    /// not one (a single snapshot) or has a syntax error.
    fn fast_wrapper(&mut self, scan: &mut Scan<'de>) -> Option<()> {
        let mut raw = Raw::new();
        scan.object_members(|scan, key| match key {
            Field::Snapshots if !raw.wrapper => {
                raw.wrapper = true;
                self.begin_wrapper(&raw.unit);
                self.fast_list(scan, Ctx::default())
            }
            Field::Unit => {
                raw.unit = scan.scalar_value()?;
                Some(())
            }
            _ => scan.skip_value(),
        })?;
        if !raw.wrapper {
            return None;
        }
        self.end_wrapper(&raw);
        Some(())
    }

    /// Start of a wrapper's list; `unit` is the wrapper's, if read yet.
    fn begin_wrapper(&mut self, unit: &Scalar<'de>) {
        let mut bad = Bad::default();
        self.default_unit = self.unit_of(unit, &mut bad);
        // Unknown yet: remember which snapshots are read as MB by default.
        self.implicit_mb = matches!(unit, Scalar::Null).then(Vec::new);
    }

    /// Makes room for `n` snapshots (called when the few read so far
    /// showed the file to be NDJSON: they are copied over).
    fn reserve(&mut self, n: usize) {
        self.run = copy_run(&self.run, Run::with_capacity(n), &[], 1.0);
    }

    fn line_of(&mut self, pos: usize) -> usize {
        self.lines.line_at(self.bytes, pos)
    }

    /// The line of a snapshot object for a message: its NDJSON line, or
    /// the line of its first key (counted only when a message needs it).
    fn line_for(&mut self, ctx: Ctx, pos: Option<usize>) -> Option<usize> {
        ctx.line.or_else(|| pos.map(|p| self.line_of(p)))
    }

    /// A syntax error in a whole-document parse.
    fn syntax_error(&mut self, e: &serde_json::Error) {
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
    fn bad_line(&mut self, e: &serde_json::Error, line: usize) {
        self.diag.warn(WarnKind::BadJson, Some(line), || {
            format!(
                "invalid JSON at column {}: {}; line skipped",
                e.column(),
                bare_message(e)
            )
        });
    }

    fn wrong_type(
        &mut self,
        ctx: Ctx,
        raw_pos: Option<usize>,
        count: u32,
        first: Option<(&str, &str)>,
    ) {
        if count == 0 {
            return;
        }
        self.wrong_types += count as usize;
        if self.first_wrong_type.is_none() {
            if let Some((key, ty)) = first {
                let line = self.line_for(ctx, raw_pos);
                self.first_wrong_type = Some((line, format!("{}: \"{key}\" is {ty}", ctx.what())));
            }
        }
    }

    fn unit_of(&mut self, value: &Scalar<'_>, bad: &mut Bad) -> Option<Unit> {
        match value {
            Scalar::Str(s) => {
                let unit = Unit::parse(s.as_bytes());
                if unit.is_none() && self.unknown_unit.is_none() {
                    self.unknown_unit = Some(truncate(s, 40));
                }
                unit
            }
            Scalar::Null => None,
            other => {
                bad.add("unit", other.type_name());
                None
            }
        }
    }

    /// Stores one snapshot object, or says why not.
    fn accept(&mut self, raw: &mut Raw<'de>, ctx: Ctx) {
        self.seen += 1;
        let mut bad = std::mem::take(&mut raw.bad);
        if raw.values[Metric::Pages.index()].is_nan() && !self.urls.is_empty() {
            raw.values[Metric::Pages.index()] = self.urls.len() as f64;
        }
        if !raw.values.iter().any(|v| !v.is_nan()) {
            self.wrong_type(ctx, raw.pos, bad.count, bad.first);
            let line = self.line_for(ctx, raw.pos);
            self.diag.warn(WarnKind::NoValues, line, || {
                format!("{} has no memory values; skipped", ctx.what())
            });
            return;
        }

        let unit = self.unit_of(&raw.unit, &mut bad).or(self.default_unit);
        let unit = unit.unwrap_or_else(|| {
            let big = [Metric::HeapUsed, Metric::HeapTotal, Metric::Rss]
                .iter()
                .any(|m| raw.values[m.index()] > BYTES_THRESHOLD);
            if big {
                Unit::Bytes
            } else {
                if let Some(implicit) = &mut self.implicit_mb {
                    implicit.push(self.run.len() as u32);
                }
                Unit::Mb
            }
        });
        if unit != Unit::Mb {
            for m in Metric::MEMORY {
                raw.values[m.index()] *= unit.to_mb();
            }
            if let Some(gc) = &mut raw.gc {
                gc.heap_after_major *= unit.to_mb();
                gc.external_after_major *= unit.to_mb();
            }
            self.converted_from_bytes |= unit == Unit::Bytes;
        }

        let cycle = match raw.cycle.as_cycle() {
            Ok(Some(c)) => {
                self.with_cycle += 1;
                Some(c)
            }
            Ok(None) => None,
            Err(ty) => {
                bad.add("cycle", ty);
                None
            }
        };
        let cycle = cycle.unwrap_or_else(|| {
            self.without_cycle += 1;
            self.run.len() as u64 + 1
        });

        let timestamp = match &raw.timestamp {
            Scalar::Null => None,
            Scalar::Int(v) => i64::try_from(*v).ok(),
            Scalar::Neg(v) => Some(*v),
            Scalar::Float(f) => ms_from_f64(*f),
            Scalar::Str(s) => {
                let t = s.trim();
                let ms = match t.parse::<i64>() {
                    Ok(v) => Some(v),
                    Err(_) => parse_iso8601(t.as_bytes()),
                };
                if ms.is_none() {
                    let line = self.line_for(ctx, raw.pos);
                    self.diag.warn(WarnKind::BadTimestamp, line, || {
                        format!(
                            "{}: timestamp \"{}\" is neither milliseconds since the epoch nor an ISO-8601 date; left empty",
                            ctx.what(),
                            truncate(t, 60)
                        )
                    });
                }
                ms
            }
            other => {
                bad.add("timestamp", other.type_name());
                None
            }
        };

        let label: &str = match &raw.label {
            Scalar::Str(s) => s,
            Scalar::Null => "snapshot",
            other => {
                bad.add("label", other.type_name());
                "snapshot"
            }
        };
        let mut snap = SnapshotIn::new(cycle, label);
        snap.timestamp = timestamp;
        snap.values = raw.values;
        snap.gc = raw.gc;
        self.run.push(&snap, self.urls.iter().map(|u| u.as_ref()));
        self.wrong_type(ctx, raw.pos, bad.count, bad.first);
    }

    /// End of a `{"snapshots": [...]}` wrapper whose own fields are in `raw`.
    fn end_wrapper(&mut self, raw: &Raw<'de>) {
        let implicit = self.implicit_mb.take();
        self.default_unit = None;
        let mut bad = Bad::default();
        let unit = self.unit_of(&raw.unit, &mut bad);
        // A unit that came after the snapshots: rescale those read as MB.
        if let (Some(unit), Some(implicit)) = (unit, implicit) {
            if unit != Unit::Mb && !implicit.is_empty() {
                self.run = copy_run(
                    &self.run,
                    Run::with_capacity(self.run.len()),
                    &implicit,
                    unit.to_mb(),
                );
                self.converted_from_bytes |= unit == Unit::Bytes;
            }
        }
    }

    fn finish(mut self, format: InputFormat) -> Ingested {
        if self.without_cycle > 0 && !self.run.is_empty() {
            let n = self.without_cycle;
            self.diag.warn(WarnKind::Other, None, || {
                if self.with_cycle == 0 {
                    "no snapshot has a cycle number: numbered 1, 2, 3, … in file order, each its own cycle".to_owned()
                } else {
                    format!(
                        "{n} snapshot{} without a usable cycle number: numbered by position in the file, which may not match the other cycles",
                        if n == 1 { "" } else { "s" }
                    )
                }
            });
        }
        if let Some(unit) = &self.unknown_unit {
            self.diag.warn(WarnKind::Other, None, || {
                format!("unknown unit \"{unit}\": values read as MB (as bytes when above 1000000)")
            });
        }
        if let Some((line, first)) = &self.first_wrong_type {
            let n = self.wrong_types;
            self.diag.warn(WarnKind::Other, *line, || {
                format!(
                    "{n} value{} of an unexpected type ignored (first: {first})",
                    if n == 1 { "" } else { "s" }
                )
            });
        }
        let empty_hint = self.run.is_empty().then(|| {
            let shape = match format {
                InputFormat::JsonArray => "a JSON array",
                InputFormat::JsonObject => "a JSON object",
                InputFormat::Ndjson => "NDJSON",
                InputFormat::WorkerLog => "a worker log",
            };
            if self.seen == 0 {
                format!("read as {shape}, but it holds no snapshot object")
            } else {
                format!(
                    "read as {shape}: {} object{}, none with a memory value (heapUsed, heapTotal, rss, external, arrayBuffers, flat or under \"nodejs\"; browser pageCount, contextCount)",
                    self.seen,
                    if self.seen == 1 { "" } else { "s" }
                )
            }
        });
        Ingested {
            run: self.run,
            diag: self.diag,
            verdicts: Vec::new(),
            format,
            converted_from_bytes: self.converted_from_bytes,
            fatal: self.fatal,
            empty_hint,
            interleaved: false,
            worker: None,
            needs_whole: self.without_cycle > 0
                || self.wrong_types > 0
                || self.unknown_unit.is_some(),
        }
    }
}

/// Counts lines up to a byte offset, incrementally (offsets mostly grow).
#[derive(Debug, Default)]
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], pos: usize) -> usize {
        if pos < self.pos {
            *self = LineCounter::default();
        }
        let seg = bytes.get(self.pos..pos).unwrap_or_default();
        self.line += memchr::memchr_iter(b'\n', seg).count();
        self.pos = pos.min(bytes.len());
        self.line + 1
    }
}

fn ms_from_f64(f: f64) -> Option<i64> {
    (f.is_finite() && f.abs() < 1e16).then(|| f.floor() as i64)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_owned(),
    }
}

/// `into` with every snapshot of `run` appended, the memory values of those
/// at `positions` (ascending) multiplied by `factor`.
fn copy_run(run: &Run, mut out: Run, positions: &[u32], factor: f64) -> Run {
    let mut next = positions.iter().peekable();
    for i in 0..run.len() {
        let mut s = SnapshotIn::new(run.cycle(i), run.label(i));
        s.timestamp = run.timestamp(i);
        for m in Metric::ALL {
            s.set(m, run.value(m, i));
        }
        s.gc = run.gc(i).copied();
        if next.peek().is_some_and(|&&p| p as usize == i) {
            next.next();
            for m in Metric::MEMORY {
                s.set(m, s.values[m.index()] * factor);
            }
            if let Some(gc) = &mut s.gc {
                gc.heap_after_major *= factor;
                gc.external_after_major *= factor;
            }
        }
        out.push(&s, run.page_urls(i));
    }
    out
}

/// What a key of a snapshot object means.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    Cycle,
    Label,
    Timestamp,
    Unit,
    Value(Metric),
    Urls,
    /// `nodejs: {...}` (the memory values).
    Memory,
    /// `browser: {...}`.
    Browser,
    /// `gc: {...}`: collections since the previous snapshot.
    Gc,
    Snapshots,
    Other,
}

pub(super) fn field(key: &[u8]) -> Field {
    match key {
        b"cycle" => Field::Cycle,
        b"label" => Field::Label,
        b"timestamp" => Field::Timestamp,
        b"unit" | b"units" => Field::Unit,
        b"heapUsed" | b"heap_used" => Field::Value(Metric::HeapUsed),
        b"heapTotal" | b"heap_total" => Field::Value(Metric::HeapTotal),
        b"rss" => Field::Value(Metric::Rss),
        b"external" => Field::Value(Metric::External),
        b"arrayBuffers" | b"array_buffers" => Field::Value(Metric::ArrayBuffers),
        b"browserMemory" | b"browser_memory" => Field::Value(Metric::BrowserMemory),
        b"pageCount" | b"page_count" | b"pages" => Field::Value(Metric::Pages),
        b"contextCount" | b"context_count" | b"contexts" => Field::Value(Metric::Contexts),
        b"pageUrls" | b"page_urls" => Field::Urls,
        b"nodejs" | b"node" | b"memory" | b"memoryUsage" | b"memory_usage" => Field::Memory,
        b"browser" => Field::Browser,
        b"gc" => Field::Gc,
        b"snapshots" => Field::Snapshots,
        _ => Field::Other,
    }
}

/// Values of the wrong type seen in one snapshot object.
#[derive(Debug, Default, Clone, Copy)]
struct Bad {
    count: u32,
    first: Option<(&'static str, &'static str)>,
}

impl Bad {
    fn add(&mut self, key: &'static str, ty: &'static str) {
        self.count += 1;
        self.first.get_or_insert((key, ty));
    }
}

/// One snapshot object as read, before it is checked and stored.
pub(super) struct Raw<'de> {
    pub(super) cycle: Scalar<'de>,
    pub(super) label: Scalar<'de>,
    pub(super) timestamp: Scalar<'de>,
    pub(super) unit: Scalar<'de>,
    values: [f64; Metric::COUNT],
    gc: Option<GcSince>,
    bad: Bad,
    /// Byte offset of its first key.
    pub(super) pos: Option<usize>,
    wrapper: bool,
}

impl Raw<'_> {
    pub(super) fn new() -> Self {
        Raw {
            cycle: Scalar::Null,
            label: Scalar::Null,
            timestamp: Scalar::Null,
            unit: Scalar::Null,
            values: [f64::NAN; Metric::COUNT],
            gc: None,
            bad: Bad::default(),
            pos: None,
            wrapper: false,
        }
    }

    /// One member of a snapshot's `gc` object (unknown keys are ignored).
    pub(super) fn set_gc(&mut self, key: &[u8], n: Num) {
        let v = match n {
            Num::Val(v) if v >= 0.0 => v,
            Num::Val(_) => return self.bad.add("gc", "a negative number"),
            Num::Absent => return,
            Num::Bad(ty) => return self.bad.add("gc", ty),
        };
        let count = v.min(u32::MAX as f64) as u32;
        let gc = self.gc.get_or_insert_with(GcSince::default);
        match key {
            b"major" => gc.major = count,
            b"minor" => gc.minor = count,
            b"incremental" => gc.incremental = count,
            b"weakcb" | b"weakCallbacks" | b"weak_callbacks" => gc.weak_callbacks = count,
            b"pauseMs" | b"pause_ms" => gc.pause_ms = v,
            b"heapAfterMajor" | b"heap_after_major" => gc.heap_after_major = v,
            b"externalAfterMajor" | b"external_after_major" => gc.external_after_major = v,
            _ => {}
        }
    }

    #[inline]
    pub(super) fn set(&mut self, m: Metric, n: Num) {
        match n {
            // Memory and counts are never below zero: a sign slipped in.
            Num::Val(v) if v < 0.0 => self.bad.add(m.key(), "a negative number"),
            Num::Val(v) => self.values[m.index()] = v,
            Num::Absent => {}
            Num::Bad(ty) => self.bad.add(m.key(), ty),
        }
    }
}

/// Reads the fields of one snapshot object (or wrapper, when `ctx.top`).
fn read_snapshot<'de, A: MapAccess<'de>>(
    mut map: A,
    sink: &mut Sink<'de, '_>,
    ctx: Ctx,
) -> Result<(), A::Error> {
    let mut raw = Raw::new();
    sink.urls.clear();
    while let Some((key, pos)) = map.next_key_seed(KeySeed { base: sink.base })? {
        if let Some(pos) = pos {
            sink.last_pos = pos;
            raw.pos.get_or_insert(pos);
        }
        match key {
            Field::Cycle => raw.cycle = map.next_value_seed(ScalarSeed)?,
            Field::Label => raw.label = map.next_value_seed(ScalarSeed)?,
            Field::Timestamp => raw.timestamp = map.next_value_seed(ScalarSeed)?,
            Field::Unit => raw.unit = map.next_value_seed(ScalarSeed)?,
            Field::Value(m) => {
                let n = map.next_value_seed(NumSeed)?;
                raw.set(m, n);
            }
            Field::Urls => {
                let bad = map.next_value_seed(UrlsSeed {
                    urls: &mut sink.urls,
                })?;
                if bad > 0 {
                    raw.bad.add("pageUrls", "not a list of strings");
                }
            }
            Field::Memory => map.next_value_seed(NestedSeed {
                raw: &mut raw,
                urls: &mut sink.urls,
                name: "nodejs",
            })?,
            Field::Browser => map.next_value_seed(NestedSeed {
                raw: &mut raw,
                urls: &mut sink.urls,
                name: "browser",
            })?,
            Field::Gc => map.next_value_seed(GcSeed { raw: &mut raw })?,
            Field::Snapshots if ctx.top && !raw.wrapper => {
                raw.wrapper = true;
                sink.begin_wrapper(&raw.unit);
                let list_ctx = Ctx {
                    index: None,
                    top: false,
                    ..ctx
                };
                map.next_value_seed(ListSeed {
                    sink: &mut *sink,
                    ctx: list_ctx,
                })?;
            }
            Field::Snapshots | Field::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    if raw.wrapper {
        sink.end_wrapper(&raw);
    } else {
        sink.accept(&mut raw, ctx);
    }
    Ok(())
}

/// A map key: what it means, and its byte offset when it is borrowed from
/// the input (it nearly always is: keys rarely hold escapes).
struct KeySeed {
    base: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = (Field, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = (Field, Option<usize>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        let pos = (v.as_ptr() as usize).wrapping_sub(self.base);
        Ok((field(v.as_bytes()), Some(pos)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((field(v.as_bytes()), None))
    }
}

/// A scalar field value; arrays and objects are skipped and only named.
#[derive(Debug)]
pub(super) enum Scalar<'de> {
    Null,
    Bool,
    Int(u64),
    Neg(i64),
    Float(f64),
    Str(Cow<'de, str>),
    Array,
    Object,
    /// `NaN`, `Infinity` or `-Infinity`: not JSON, but what Python's
    /// `json.dumps` and JavaScript's loose writers put for a missing value.
    NonFinite(&'static str),
}

impl Scalar<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Scalar::NonFinite(what) => what,
            Scalar::Null => "null",
            Scalar::Bool => "a boolean",
            Scalar::Int(_) | Scalar::Neg(_) | Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }

    /// A metric value, read as [`NumSeed`] reads it.
    pub(super) fn as_num(&self) -> Num {
        match self {
            Scalar::Null => Num::Absent,
            Scalar::Int(v) => Num::Val(*v as f64),
            Scalar::Neg(v) => Num::Val(*v as f64),
            Scalar::Float(f) => Num::Val(*f),
            Scalar::Str(s) => num_from_str(s),
            other => Num::Bad(other.type_name()),
        }
    }

    /// A cycle number: an integer, an integral float or a numeric string.
    fn as_cycle(&self) -> Result<Option<u64>, &'static str> {
        let from_f64 = |f: f64| (f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64);
        match self {
            Scalar::Null => Ok(None),
            Scalar::Int(v) => Ok(Some(*v)),
            Scalar::Neg(_) => Err("a negative number"),
            Scalar::Float(f) => from_f64(*f).map(Some).ok_or("not a whole number"),
            Scalar::Str(s) => {
                let s = s.trim();
                s.parse::<u64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(from_f64))
                    .map(Some)
                    .ok_or("not a whole number")
            }
            other => Err(other.type_name()),
        }
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool)
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => Scalar::Int(u),
            Err(_) => Scalar::Neg(v),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Scalar::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(Scalar::Object)
    }
}

/// A metric value: a number, or a numeric string. Null is absent.
pub(super) enum Num {
    Absent,
    Val(f64),
    Bad(&'static str),
}

fn num_from_str(s: &str) -> Num {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() => Num::Val(f),
        _ => Num::Bad("a non-numeric string"),
    }
}

struct NumSeed;

impl<'de> DeserializeSeed<'de> for NumSeed {
    type Value = Num;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumSeed {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_unit<E>(self) -> Result<Num, E> {
        Ok(Num::Absent)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
        Ok(Num::Bad("a boolean"))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
        Ok(Num::Val(v as f64))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
        Ok(Num::Val(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
        Ok(Num::Val(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Num, E> {
        Ok(num_from_str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
        drain_seq(seq)?;
        Ok(Num::Bad("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
        drain_map(map)?;
        Ok(Num::Bad("an object"))
    }
}

/// `nodejs: {...}` or `browser: {...}`: metric values, `unit`, `pageUrls`.
struct NestedSeed<'r, 'de> {
    raw: &'r mut Raw<'de>,
    urls: &'r mut Vec<Cow<'de, str>>,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for NestedSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NestedSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((key, _)) = map.next_key_seed(KeySeed { base: 0 })? {
            match key {
                Field::Value(m) => {
                    let n = map.next_value_seed(NumSeed)?;
                    self.raw.set(m, n);
                }
                Field::Unit => self.raw.unit = map.next_value_seed(ScalarSeed)?,
                Field::Urls => {
                    let bad = map.next_value_seed(UrlsSeed {
                        urls: &mut *self.urls,
                    })?;
                    if bad > 0 {
                        self.raw.bad.add("pageUrls", "not a list of strings");
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.raw.bad.add(self.name, "a boolean");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.raw.bad.add(self.name, "a number");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.raw.bad.add(self.name, "a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.raw.bad.add(self.name, "a number");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.raw.bad.add(self.name, "a string");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        drain_seq(seq)?;
        self.raw.bad.add(self.name, "an array");
        Ok(())
    }
}

/// `gc: {...}`: the collections since the previous snapshot (counts per
/// kind, pause, heap used right after the last major collection). Values
/// of the wrong type are counted as bad and left out; an object with none
/// of the fields is no record of collections.
struct GcSeed<'r, 'de> {
    raw: &'r mut Raw<'de>,
}

impl<'de> DeserializeSeed<'de> for GcSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GcSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of garbage collections")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let n = map.next_value_seed(NumSeed)?;
            self.raw.set_gc(key.as_bytes(), n);
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.raw.bad.add("gc", "a boolean");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.raw.bad.add("gc", "a number");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.raw.bad.add("gc", "a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.raw.bad.add("gc", "a number");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.raw.bad.add("gc", "a string");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        drain_seq(seq)?;
        self.raw.bad.add("gc", "an array");
        Ok(())
    }
}

/// `pageUrls: [...]`; returns how many entries were not strings.
struct UrlsSeed<'r, 'de> {
    urls: &'r mut Vec<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for UrlsSeed<'_, 'de> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UrlsSeed<'_, 'de> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of URLs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        self.urls.clear();
        let mut bad = 0;
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            match v {
                Scalar::Str(s) => self.urls.push(s),
                _ => bad += 1,
            }
        }
        Ok(bad)
    }

    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
        Ok(1)
    }

    fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
        Ok(1)
    }

    fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
        Ok(1)
    }

    fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
        Ok(1)
    }

    fn visit_str<E>(self, _: &str) -> Result<usize, E> {
        Ok(1)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<usize, A::Error> {
        drain_map(map)?;
        Ok(1)
    }
}

/// A list of snapshot objects: the top-level array or a wrapper's `snapshots`.
struct ListSeed<'s, 'de, 'p> {
    sink: &'s mut Sink<'de, 'p>,
    ctx: Ctx,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> ListSeed<'_, 'de, '_> {
    fn not_a_list(self, ty: &'static str) {
        let line = self.ctx.line;
        self.sink.diag.warn(WarnKind::NotSnapshot, line, || {
            format!("\"snapshots\" is {ty}, not a list; ignored")
        });
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of snapshots")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let ctx = Ctx {
                index: Some(index),
                top: false,
                ..self.ctx
            };
            let seed = ElementSeed {
                sink: &mut *self.sink,
                ctx,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            index += 1;
            self.sink.progress.at(self.sink.last_pos);
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        drain_map(map)?;
        self.not_a_list("an object");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.not_a_list("null");
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.not_a_list("a boolean");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.not_a_list("a number");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.not_a_list("a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.not_a_list("a number");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.not_a_list("a string");
        Ok(())
    }
}

/// One element of a list, one NDJSON line or the whole document: a snapshot
/// object (or, at the top, a wrapper or an array of snapshots). Anything
/// else is skipped with a warning.
struct ElementSeed<'s, 'de, 'p> {
    sink: &'s mut Sink<'de, 'p>,
    ctx: Ctx,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl ElementSeed<'_, '_, '_> {
    fn not_an_object(self, ty: &'static str) {
        let ctx = self.ctx;
        let line = ctx.line.or_else(|| {
            let pos = self.sink.last_pos;
            (pos > 0).then(|| self.sink.line_of(pos))
        });
        self.sink.diag.warn(WarnKind::NotSnapshot, line, || {
            format!("{} is {ty}, not an object; skipped", ctx.what())
        });
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        read_snapshot(map, self.sink, self.ctx)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if self.ctx.top {
            // An NDJSON line holding an array of snapshots.
            let ctx = Ctx {
                top: false,
                ..self.ctx
            };
            return ListSeed {
                sink: self.sink,
                ctx,
            }
            .visit_seq(seq);
        }
        drain_seq(seq)?;
        self.not_an_object("an array");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.not_an_object("null");
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.not_an_object("a boolean");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.not_an_object("a number");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.not_an_object("a string");
        Ok(())
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}
