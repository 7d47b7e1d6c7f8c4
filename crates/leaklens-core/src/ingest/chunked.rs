//! Reading a big file piece by piece, so a caller that must stay responsive
//! (the browser's main thread) can hand control back between pieces and
//! show progress. The result is the same as [`parse`](super::parse) of the
//! whole file: pieces end on record boundaries (an NDJSON line, a worker
//! log's snapshot header, an element of a JSON array), their snapshots are
//! concatenated in file order and normalised once, their warnings keep the
//! file's line numbers and the per-kind caps.
//!
//! Files that cannot be cut safely (a `{"snapshots": [...]}` object,
//! UTF-16 text) and small files are read in one step.

use memchr::{memchr, memmem, memrchr};

use super::detect::{self, Shape, LOG_MARKER};
use super::{conclude, json, log, IngestError, Ingested, Parsed, Progress};
use crate::run::Run;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// One step: `parse` of the whole file.
    Whole,
    /// A file starting with a JSON object: NDJSON if its first piece says so.
    Probe,
    Ndjson,
    Log,
    /// The elements between `[` and the `]` at `close`.
    Array {
        close: usize,
    },
}

/// A parse in steps: `new`, `step` until `is_done`, then `finish`.
pub struct ChunkedParse<'a> {
    source: String,
    bytes: &'a [u8],
    /// `bytes` without a byte order mark.
    body: &'a [u8],
    piece_bytes: usize,
    mode: Mode,
    /// Next byte of `body` to read.
    pos: usize,
    /// Newlines in `body[..pos]`.
    lines_before: usize,
    pieces: Vec<(Ingested, usize)>,
    whole: Option<Result<Parsed, IngestError>>,
}

impl<'a> ChunkedParse<'a> {
    /// Prepares reading `bytes` in pieces of about `piece_bytes`.
    pub fn new(source: &str, bytes: &'a [u8], piece_bytes: usize) -> Self {
        let body = detect::skip_bom(bytes);
        let piece_bytes = piece_bytes.max(1);
        let mode = if bytes.len() <= piece_bytes
            || detect::decode_utf16(bytes).is_some()
            || detect::compression(bytes).is_some()
        {
            Mode::Whole
        } else {
            match detect::detect(body) {
                Shape::Blank => Mode::Whole,
                Shape::Log => Mode::Log,
                // A JSON line atop a worker log is decided on the whole
                // file: such a file is read at once.
                Shape::JsonObject if detect::has_log_marker(body) => Mode::Whole,
                Shape::JsonObject => Mode::Probe,
                Shape::JsonArray => array_bounds(body)
                    .map(|(_, close)| Mode::Array { close })
                    .unwrap_or(Mode::Whole),
            }
        };
        let pos = match mode {
            Mode::Array { .. } => array_bounds(body).map(|(open, _)| open + 1).unwrap_or(0),
            _ => 0,
        };
        ChunkedParse {
            source: source.to_owned(),
            bytes,
            body,
            piece_bytes,
            mode,
            pos,
            lines_before: memchr::memchr_iter(b'\n', &body[..pos]).count(),
            pieces: Vec::new(),
            whole: None,
        }
    }

    /// Bytes of the file (the progress bar's total).
    pub fn total_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes read so far.
    pub fn done_bytes(&self) -> usize {
        if self.is_done() {
            self.bytes.len()
        } else {
            self.pos + (self.bytes.len() - self.body.len())
        }
    }

    pub fn is_done(&self) -> bool {
        match self.mode {
            Mode::Whole => self.whole.is_some(),
            Mode::Array { close } => self.pos >= close,
            _ => self.pos >= self.body.len(),
        }
    }

    /// Reads the next piece (the whole file in `Whole` mode).
    pub fn step(&mut self) {
        if self.is_done() {
            return;
        }
        if self.mode == Mode::Whole {
            self.whole = Some(super::parse(&self.source, self.bytes));
            return;
        }
        let start = self.pos;
        let (end, next) = match self.piece_end(start) {
            // Every piece moves forward; the rest as one piece otherwise.
            (end, next) if next > start => (end, next),
            _ => match self.mode {
                Mode::Array { close } => (close, close),
                _ => (self.body.len(), self.body.len()),
            },
        };
        let piece = &self.body[start..end];
        // Text that needs repair (see `repair`) is read whole: repaired
        // pieces would report their repairs piece by piece. Checked piece
        // by piece, so a big file is not scanned once more up front.
        if super::repair::needed(piece) {
            self.mode = Mode::Whole;
            self.pieces.clear();
            self.whole = Some(super::parse(&self.source, self.bytes));
            return;
        }
        let ingested = match self.mode {
            Mode::Probe => json::read_object_or_ndjson(&self.source, piece, Progress::default()),
            Mode::Ndjson => json::read_ndjson(&self.source, piece, Progress::default()),
            Mode::Log => log::read_log(&self.source, piece, Progress::default(), None),
            Mode::Array { .. } => {
                let mut wrapped = Vec::with_capacity(piece.len() + 2);
                wrapped.push(b'[');
                wrapped.extend_from_slice(piece);
                wrapped.push(b']');
                json::read_array(&self.source, &wrapped, Progress::default())
            }
            Mode::Whole => unreachable!("handled above"),
        };
        // A log of several workers: which one is read is decided on the
        // whole file (also when another service shows up in a later piece);
        // so is what a piece cannot tell alone (`needs_whole`).
        let other_worker = self
            .pieces
            .first()
            .is_some_and(|(first, _)| first.worker != ingested.worker);
        if ingested.interleaved || ingested.needs_whole || other_worker {
            self.mode = Mode::Whole;
            self.pieces.clear();
            self.whole = Some(super::parse(&self.source, self.bytes));
            return;
        }
        // (A blank piece is an empty element: `[a,,b]` or a trailing comma.)
        let broken_array = matches!(self.mode, Mode::Array { .. })
            && (ingested.fatal.is_some()
                || ingested.diag.has(super::WarnKind::BadJson)
                || piece.iter().all(u8::is_ascii_whitespace));
        if broken_array {
            // A JSON syntax error stops the reading of a whole array where
            // it is: read it whole, so the answer is the same.
            self.mode = Mode::Whole;
            self.pieces.clear();
            self.whole = Some(super::parse(&self.source, self.bytes));
            return;
        }
        if self.mode == Mode::Probe {
            if ingested.format != super::InputFormat::Ndjson || ingested.run.is_empty() {
                // One JSON document (it cannot be cut), or a JSON line atop
                // a log, or no snapshot yet to be sure: read it whole.
                self.mode = Mode::Whole;
                self.pieces.clear();
                self.whole = Some(super::parse(&self.source, self.bytes));
                return;
            }
            self.mode = Mode::Ndjson;
        }
        self.pieces.push((ingested, self.lines_before));
        self.lines_before += memchr::memchr_iter(b'\n', &self.body[start..next]).count();
        self.pos = next;
    }

    /// Where the piece starting at `start` ends, and where the next starts.
    fn piece_end(&self, start: usize) -> (usize, usize) {
        let body = self.body;
        let target = start.saturating_add(self.piece_bytes);
        match self.mode {
            Mode::Array { close } => {
                if target >= close {
                    return (close, close);
                }
                match next_top_level_comma(body, start, target, close) {
                    Some(comma) => (comma, comma + 1),
                    None => (close, close),
                }
            }
            Mode::Log => {
                if target >= body.len() {
                    return (body.len(), body.len());
                }
                // The start of the first line after `start` that holds a
                // snapshot header at or after `target` (a line may hold
                // several markers: the cut is at a line start, past `start`).
                let mut from = target;
                while let Some(at) = memmem::find(&body[from..], LOG_MARKER).map(|i| from + i) {
                    let line_start = memrchr(b'\n', &body[..at]).map(|i| i + 1).unwrap_or(0);
                    if line_start > start {
                        return (line_start, line_start);
                    }
                    from = at + LOG_MARKER.len();
                }
                (body.len(), body.len())
            }
            _ => {
                // The probe needs two lines to tell NDJSON from one object.
                let target = if self.mode == Mode::Probe {
                    let first = memchr(b'\n', &body[start..]).map(|i| start + i + 1);
                    let second = first.and_then(|f| memchr(b'\n', &body[f..]).map(|i| f + i));
                    target.max(second.unwrap_or(body.len()))
                } else {
                    target
                };
                if target >= body.len() {
                    return (body.len(), body.len());
                }
                match memchr(b'\n', &body[target..]) {
                    Some(i) => (target + i + 1, target + i + 1),
                    None => (body.len(), body.len()),
                }
            }
        }
    }

    /// The parse of the whole file.
    pub fn finish(mut self) -> Result<Parsed, IngestError> {
        while !self.is_done() {
            self.step();
        }
        if let Some(whole) = self.whole {
            return whole;
        }
        let source = self.source.clone();
        let error = |line, message: String, hint: Option<String>| IngestError {
            source_name: source.clone(),
            line,
            message,
            hint,
        };
        let mut pieces = self.pieces.into_iter();
        let Some((first, _)) = pieces.next() else {
            return super::parse(&self.source, self.bytes);
        };
        let mut combined = first;
        let first_run = std::mem::replace(&mut combined.run, Run::with_capacity(0));
        let mut runs = vec![first_run];
        for (p, line_offset) in pieces {
            combined.diag.absorb(p.diag, line_offset);
            combined
                .verdicts
                .extend(p.verdicts.into_iter().map(|mut v| {
                    v.line += line_offset;
                    v
                }));
            combined.converted_from_bytes |= p.converted_from_bytes;
            if combined.fatal.is_none() && runs.iter().all(Run::is_empty) {
                combined.fatal = p.fatal.map(|(l, m)| (l + line_offset, m));
            }
            runs.push(p.run);
        }
        let total = runs.iter().map(Run::len).sum();
        let mut run = Run::with_capacity(total);
        for r in &runs {
            for i in 0..r.len() {
                run.push_from(r, i);
            }
        }
        drop(runs);
        if !run.is_empty() {
            combined.fatal = None;
        }
        combined.run = run;
        let ingested = conclude(&self.source, self.body, combined, None, error)?;
        Ok(super::assemble(vec![ingested], &self.source))
    }
}

/// The `[` that opens a JSON array file and the `]` that closes it.
fn array_bounds(body: &[u8]) -> Option<(usize, usize)> {
    let open = detect::first_non_space(body)?;
    let close = body.iter().rposition(|c| !c.is_ascii_whitespace())?;
    (body.get(open) == Some(&b'[') && body.get(close) == Some(&b']') && close > open)
        .then_some((open, close))
}

/// The first comma at the array's top level at or after `from`, scanning
/// from `start` (a top-level position) to know the nesting and strings.
fn next_top_level_comma(body: &[u8], start: usize, from: usize, close: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in body[start..close].iter().enumerate() {
        let i = start + i;
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 && i >= from => return Some(i),
            _ => {}
        }
    }
    None
}
