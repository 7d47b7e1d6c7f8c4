//! The receiver of one file's snapshots: each one checked (unit, cycle,
//! timestamp, label, values of the wrong type) and pushed into the [`Run`],
//! and the counters the file's warnings are made of.

use std::borrow::Cow;

use super::fields::{Bad, Raw, Scalar};
use crate::ingest::scan::KeyMemo;
use crate::ingest::timestamp::parse_iso8601;
use crate::ingest::units::Unit;
use crate::ingest::{Diag, Ingested, InputFormat, WarnKind};
use crate::run::{Run, SnapshotIn};
use crate::Metric;

/// A raw `process.memoryUsage()` value above this is in bytes: no worker has
/// a terabyte, and every real one has more than one megabyte.
const BYTES_THRESHOLD: f64 = 1e6;
/// Where a snapshot object sits, for messages.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ctx {
    /// NDJSON line.
    pub(super) line: Option<usize>,
    /// Position in its array (0-based).
    pub(super) index: Option<usize>,
    /// A top-level object: may be a `{"snapshots": [...]}` wrapper.
    pub(super) top: bool,
}

impl Ctx {
    pub(super) fn what(self) -> String {
        match self.index {
            Some(i) => format!("snapshot #{}", i + 1),
            None => "snapshot".to_owned(),
        }
    }
}

/// Receives the snapshots of one file and keeps the counters its warnings
/// are made of.
pub(super) struct Sink<'de> {
    pub(super) bytes: &'de [u8],
    /// Address of `bytes`, to turn borrowed keys into byte offsets.
    pub(super) base: usize,
    /// `bytes` as text when it is all UTF-8 (checked in one pass when
    /// NDJSON lines are read): their strings need no check each then.
    pub(super) text: Option<&'de str>,
    pub(super) run: Run,
    pub(super) diag: Diag,
    /// Page URLs of the snapshot being read (reused, never shrunk).
    pub(super) urls: Vec<Cow<'de, str>>,
    /// Key order seen so far, for the fast path.
    pub(super) keys: KeyMemo<'de>,
    /// Use the fast path (off only to test it against serde).
    pub(super) fast: bool,
    /// Byte offset of the last key read, for progress and line numbers.
    pub(super) last_pos: usize,
    lines: LineCounter,
    /// Snapshot objects seen, kept or not.
    pub(super) seen: usize,
    pub(super) with_cycle: usize,
    pub(super) without_cycle: usize,
    pub(super) wrong_types: usize,
    pub(super) first_wrong_type: Option<(Option<usize>, String)>,
    pub(super) unknown_unit: Option<String>,
    pub(super) converted_from_bytes: bool,
    /// Unit given by the enclosing wrapper (`{"unit": "KB", "snapshots": ...}`).
    pub(super) default_unit: Option<Unit>,
    /// While reading a wrapper whose unit is not known yet: run positions of
    /// snapshots that were read as MB only for want of a unit.
    pub(super) implicit_mb: Option<Vec<u32>>,
    pub(super) fatal: Option<(usize, String)>,
    /// List elements skipped after a syntax error.
    pub(super) resynced: usize,
}

impl<'de> Sink<'de> {
    pub(super) fn new(source: &str, bytes: &'de [u8]) -> Self {
        Sink {
            bytes,
            base: bytes.as_ptr() as usize,
            text: None,
            // Sized by the reader that knows the shape: documents count
            // their snapshots first, NDJSON estimates from its first lines.
            run: Run::new(),
            diag: Diag::new(source),
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
    pub(super) fn reset(&mut self) {
        let source = std::mem::take(&mut self.diag.source);
        let fast = self.fast;
        *self = Sink::new(&source, self.bytes);
        self.fast = fast;
    }

    /// Start of a wrapper's list; `unit` is the wrapper's, if read yet.
    pub(super) fn begin_wrapper(&mut self, unit: &Scalar<'de>) {
        let mut bad = Bad::default();
        self.default_unit = self.unit_of(unit, &mut bad);
        // Unknown yet: remember which snapshots are read as MB by default.
        self.implicit_mb = matches!(unit, Scalar::Null).then(Vec::new);
    }

    /// Makes room for `n` snapshots (called when the few read so far
    /// showed the file to be NDJSON: they are copied over).
    pub(super) fn reserve(&mut self, n: usize) {
        self.run = copy_run(&self.run, Run::with_capacity(n), &[], 1.0);
    }

    pub(super) fn line_of(&mut self, pos: usize) -> usize {
        self.lines.line_at(self.bytes, pos)
    }

    /// The line of a snapshot object for a message: its NDJSON line, or
    /// the line of its first key (counted only when a message needs it).
    pub(super) fn line_for(&mut self, ctx: Ctx, pos: Option<usize>) -> Option<usize> {
        ctx.line.or_else(|| pos.map(|p| self.line_of(p)))
    }

    pub(super) fn wrong_type(
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

    pub(super) fn unit_of(&mut self, value: &Scalar<'_>, bad: &mut Bad) -> Option<Unit> {
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
    pub(super) fn accept(&mut self, raw: &mut Raw<'de>, ctx: Ctx) {
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
    pub(super) fn end_wrapper(&mut self, raw: &Raw<'de>) {
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

    pub(super) fn finish(mut self, format: InputFormat) -> Ingested {
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
                InputFormat::Metrics => "a metrics export",
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
