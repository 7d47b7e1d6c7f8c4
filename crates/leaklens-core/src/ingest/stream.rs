//! The one incremental reader: bytes go in as they arrive ([`Reader::push`]),
//! snapshots come out at the end ([`Reader::finish`]), the same as
//! [`parse`](super::parse) of the whole file would give.
//!
//! Every complete record (an NDJSON line, a worker log's snapshot block, an
//! element of a JSON array) is read as soon as a piece of about
//! `piece_bytes` has arrived, and its bytes are let go: a file is never held
//! whole when its shape allows reading it in pieces. What a piece cannot
//! decide alone (one JSON document such as `{"snapshots": [...]}`, UTF-16
//! text, text that needs repair, interleaved workers, cycle numbers given by
//! position …) is read whole: from the bytes the reader kept ([`Keep::All`]),
//! or by the caller again from its source ([`Finished::ReadWhole`]), so a
//! reader of a file on disk need not hold a copy of it just in case.
//!
//! Sans-IO: the caller reads (a file, standard input, a browser `Blob`, a
//! growing log) and shows progress ([`Reader::bytes_read`]).
//!
//! A forwarder (`leaklens push --follow`) reads [`ReadOptions::as_written`]
//! and [`take`](Reader::take)s the snapshots of the complete records as they
//! arrive, the unfinished record kept for the next take. Once anything was
//! taken (or, without [`Keep::All`], let go) nothing can be read whole any
//! more: a piece that would need the whole file is read alone, as a file of
//! its own.

use memchr::{memchr, memmem, memrchr};

use super::detect::{self, Shape, LOG_MARKER};
use super::{conclude, json, log, IngestError, Ingested, Parsed, ReadOptions};
use crate::run::Run;

mod in_place;

/// What the reader keeps of the bytes it has read and let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every byte, so that a file that turns out to need reading whole is
    /// read from this copy (input that cannot be read twice: a pipe).
    All,
    /// Nothing: such a file ends in [`Finished::ReadWhole`], and the caller
    /// reads it again with [`parse`](super::parse).
    Nothing,
}

/// The end of a reading.
#[derive(Debug)]
// Made once per file and taken apart at once: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Finished {
    /// The file's snapshots, or why it has none.
    Done(Result<Parsed, IngestError>),
    /// The file must be read whole and its bytes were not kept
    /// ([`Keep::Nothing`]): `parse` it from its source.
    ReadWhole,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Not known yet: every byte is pending.
    Undecided,
    /// Read at the end, whole (every byte is pending).
    Whole,
    /// A file starting with a JSON object: NDJSON if its first piece says so.
    Probe,
    Ndjson,
    Log,
    /// The elements of a JSON array, after its `[`.
    Array,
    /// A piece needed the whole file, which was not kept.
    Lost,
}

/// Where the search for the next piece's end stands (so a long record is
/// not scanned again on every push).
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    /// Bytes of `pending` already searched.
    at: usize,
    /// Array mode: nesting and string state at `at`.
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// An incremental reading of one file: [`push`](Reader::push) its bytes in
/// order, then [`finish`](Reader::finish).
pub struct Reader {
    source: String,
    keep: Keep,
    options: ReadOptions,
    /// Something was taken ([`Reader::take`]): nothing is read whole now.
    taken: bool,
    piece_bytes: usize,
    mode: Mode,
    /// Bytes pushed and not read yet; they start on a record boundary.
    pending: Vec<u8>,
    /// Every byte pushed, while [`Keep::All`] and reading in pieces.
    all: Vec<u8>,
    pushed: u64,
    /// The bytes before the first piece: a byte order mark, and an
    /// array's `[` with the whitespace before it.
    opening: Vec<u8>,
    /// Newlines in the bytes before `pending` (the BOM excluded).
    lines_before: usize,
    scan: Scan,
    /// The last piece was read (the rest is no piece).
    ended: bool,
    /// The pieces read so far, combined.
    combined: Option<Ingested>,
    /// Pieces read and decided on, with the lines before each, not yet
    /// added to `combined`: they are added while the next batch is read.
    deferred: Vec<(Ingested, usize)>,
}

/// Pieces of this size by default: big enough that the per-piece cost is
/// nothing, small enough that memory stays near the snapshots' own.
pub const PIECE_BYTES: usize = 1 << 20;

impl Reader {
    /// A reading of the file called `source` (the name in warnings and
    /// errors), in pieces of about `piece_bytes`.
    pub fn new(source: &str, keep: Keep, piece_bytes: usize) -> Self {
        Self::with_options(source, keep, piece_bytes, ReadOptions::default())
    }

    /// [`new`](Reader::new), reading as `options` say.
    pub fn with_options(
        source: &str,
        keep: Keep,
        piece_bytes: usize,
        options: ReadOptions,
    ) -> Self {
        Reader {
            source: source.to_owned(),
            keep,
            options,
            taken: false,
            piece_bytes: piece_bytes.max(1),
            mode: Mode::Undecided,
            pending: Vec::new(),
            all: Vec::new(),
            pushed: 0,
            opening: Vec::new(),
            lines_before: 0,
            scan: Scan::default(),
            ended: false,
            combined: None,
            deferred: Vec::new(),
        }
    }

    /// The file's name, as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Bytes pushed so far (a progress bar's position).
    pub fn bytes_read(&self) -> u64 {
        self.pushed
    }

    /// Bytes the reader holds: those not read yet, and the kept copy.
    pub fn bytes_held(&self) -> usize {
        self.pending.len() + self.all.len()
    }

    /// True when the file must be read whole and its bytes were not kept:
    /// the rest of it need not be pushed ([`finish`](Reader::finish) says
    /// [`Finished::ReadWhole`]).
    pub fn needs_whole(&self) -> bool {
        self.mode == Mode::Lost
    }

    /// The next bytes of the file; every record they complete is read.
    pub fn push(&mut self, bytes: &[u8]) {
        self.pushed += bytes.len() as u64;
        if self.keep == Keep::All {
            self.all.extend_from_slice(bytes);
        }
        match self.mode {
            Mode::Lost => return,
            // The kept copy is the whole file.
            Mode::Whole if self.keep == Keep::All => return,
            _ => {}
        }
        match self.read_in_place(bytes) {
            Some(true) => return,
            Some(false) => {}
            None => self.pending.extend_from_slice(bytes),
        }
        // (At least the start a metrics export is told by, as the
        // whole-file reader sees it.)
        if self.mode == Mode::Undecided
            && self.pending.len() > self.piece_bytes.max(super::metrics::HEAD + 3)
        {
            self.decide();
        }
        // Pieces are read a batch at a time (on several cores, when the
        // `parallel` feature has them).
        if self.pending.len() > self.piece_bytes.saturating_mul(crate::par::batch()) {
            self.read_pieces(false);
        }
    }

    /// Reads what is left and returns the file's snapshots.
    pub fn finish(mut self) -> Finished {
        if self.mode == Mode::Undecided {
            self.decide();
        }
        self.read_pieces(true);
        if self.streams() && !self.ended {
            // What is left is no piece: an array without its closing `]`.
            if self.reads_alone() {
                let len = self.pending.len();
                self.read_batch(&[(0, len, len)]);
            } else {
                self.fall_back();
            }
        }
        match self.mode {
            Mode::Lost | Mode::Whole => self.finish_whole(),
            _ => self.conclude(),
        }
    }

    fn streams(&self) -> bool {
        matches!(
            self.mode,
            Mode::Probe | Mode::Ndjson | Mode::Log | Mode::Array
        )
    }

    /// Decides how the file is read from its first bytes (the same tests
    /// as the whole-file reader makes).
    fn decide(&mut self) {
        let head = &self.pending;
        if detect::is_utf16(head)
            || detect::compression(head).is_some()
            || super::metrics::kind(detect::skip_bom(head)).is_some()
        {
            return self.read_whole_at_end();
        }
        self.mode = match detect::detect(detect::skip_bom(head)) {
            Shape::Blank => return self.read_whole_at_end(),
            Shape::Log => Mode::Log,
            Shape::JsonObject => Mode::Probe,
            Shape::JsonArray => Mode::Array,
        };
        // Pieces start after a byte order mark, and an array's at its first
        // element (put back if the file is read whole after all).
        let bom = if self.pending.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let opening = match self.mode {
            Mode::Array => bom + detect::first_non_space(&self.pending[bom..]).unwrap_or(0) + 1,
            _ => bom,
        };
        self.lines_before = memchr::memchr_iter(b'\n', &self.pending[bom..opening]).count();
        self.opening = self.pending.drain(..opening).collect();
    }

    fn read_whole_at_end(&mut self) {
        self.mode = Mode::Whole;
        if self.keep == Keep::All {
            self.pending = Vec::new();
        }
    }

    /// Where the next piece ends and the one after starts, in `pending`;
    /// None when no boundary has arrived yet (`last`: none will, the rest
    /// is the last piece).
    fn piece_end(&mut self, base: usize, last: bool) -> Option<(usize, usize)> {
        let len = self.pending.len();
        if !last && len - base <= self.piece_bytes {
            return None;
        }
        let target = (base + self.piece_bytes).min(len);
        let found = match self.mode {
            Mode::Array => self.next_top_level_comma(target),
            Mode::Log => self.next_log_block(base, target),
            _ => self.next_line(base, target),
        };
        match found {
            Some(cut) => Some(cut),
            None if last => self.last_piece(base),
            None => None,
        }
    }

    /// The rest as the last piece: for an array, up to its closing `]`.
    fn last_piece(&mut self, base: usize) -> Option<(usize, usize)> {
        let len = self.pending.len();
        if self.mode != Mode::Array {
            self.ended = true;
            return (len > base || self.combined.is_none()).then_some((len, len));
        }
        let close = self.pending[base..]
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())?;
        self.ended = self.pending[base + close] == b']';
        self.ended.then_some((base + close, len))
    }

    /// NDJSON: the end of the first line that ends at or after `target`
    /// (the probe wants two lines to tell NDJSON from one object).
    fn next_line(&mut self, base: usize, target: usize) -> Option<(usize, usize)> {
        let p = &self.pending;
        let target = if self.mode == Mode::Probe {
            let first = memchr(b'\n', &p[base..]).map(|i| base + i + 1)?;
            let second = memchr(b'\n', &p[first..]).map(|i| first + i)?;
            target.max(second)
        } else {
            target
        };
        let from = target.max(self.scan.at);
        match memchr(b'\n', p.get(from..)?) {
            Some(i) => Some((from + i + 1, from + i + 1)),
            None => {
                self.scan.at = p.len();
                None
            }
        }
    }

    /// A worker log: the start of the first line after the piece's start
    /// holding a snapshot header at or after `target`.
    fn next_log_block(&mut self, base: usize, target: usize) -> Option<(usize, usize)> {
        let p = &self.pending;
        let mut from = target.max(self.scan.at);
        while let Some(at) = memmem::find(&p[from..], LOG_MARKER).map(|i| from + i) {
            let line_start = memrchr(b'\n', &p[..at]).map(|i| i + 1).unwrap_or(0);
            if line_start > base && self.header_is_read(&p[line_start..at]) {
                return Some((line_start, line_start));
            }
            from = at + LOG_MARKER.len();
        }
        // A header may straddle the end: search its last bytes again.
        self.scan.at = p.len().saturating_sub(LOG_MARKER.len()).max(target);
        None
    }

    /// True for a header (`before`: its line up to the marker) of the
    /// worker read: another one's may start while a block of this one's
    /// is still being written, its lines interleaved.
    fn header_is_read(&self, before: &[u8]) -> bool {
        match (self.pin(), log::compose_name(before)) {
            (Some(pin), Some(name)) => name == pin,
            _ => true,
        }
    }

    /// The end of the last complete record in `pending`, for a take.
    fn last_cut(&mut self) -> Option<(usize, usize)> {
        let p = &self.pending;
        match self.mode {
            Mode::Array => {
                let mut last = None;
                while let Some(cut) = self.next_top_level_comma(0) {
                    last = Some(cut);
                }
                last
            }
            Mode::Log => {
                let mut end = p.len();
                while let Some(at) = memmem::rfind(&p[..end], LOG_MARKER) {
                    let line_start = memrchr(b'\n', &p[..at]).map_or(0, |i| i + 1);
                    if self.header_is_read(&p[line_start..at]) {
                        return (line_start > 0).then_some((line_start, line_start));
                    }
                    end = line_start;
                }
                None
            }
            _ => memrchr(b'\n', p).map(|i| (i + 1, i + 1)),
        }
    }

    /// A JSON array: the first comma at its top level at or after `target`.
    fn next_top_level_comma(&mut self, target: usize) -> Option<(usize, usize)> {
        let s = &mut self.scan;
        for (i, &c) in self.pending.iter().enumerate().skip(s.at) {
            if s.in_string {
                if s.escaped {
                    s.escaped = false;
                } else if c == b'\\' {
                    s.escaped = true;
                } else if c == b'"' {
                    s.in_string = false;
                }
                continue;
            }
            match c {
                b'"' => s.in_string = true,
                b'{' | b'[' => s.depth += 1,
                b'}' | b']' => s.depth = s.depth.saturating_sub(1),
                b',' if s.depth == 0 && i >= target => {
                    s.at = i + 1;
                    return Some((i, i + 1));
                }
                _ => {}
            }
        }
        s.at = self.pending.len();
        None
    }

    /// Reads every complete piece of `pending` (`last`: the rest too) and
    /// lets their bytes go.
    fn read_pieces(&mut self, last: bool) {
        while self.streams() && !self.ended {
            // The first piece of a file of JSON objects decides whether it
            // is NDJSON: it is read alone.
            let most = if self.mode == Mode::Probe {
                1
            } else {
                usize::MAX
            };
            let mut cuts = Vec::new();
            let mut base = 0;
            while cuts.len() < most && !self.ended {
                let Some((end, next)) = self.piece_end(base, last) else {
                    break;
                };
                cuts.push((base, end, next));
                base = next;
            }
            // NDJSON: the batch's last piece runs to the last complete
            // line, so what stays pending (and is moved to the front of
            // the buffer) is one unfinished line, not most of a piece.
            // (Native only: the page has no room for it.)
            #[cfg(not(target_arch = "wasm32"))]
            if let (Mode::Ndjson, Some((_, end, next))) = (self.mode, cuts.last_mut()) {
                if let Some(nl) = memrchr(b'\n', &self.pending[*next..]) {
                    *next += nl + 1;
                    *end = *next;
                }
            }
            if cuts.is_empty() {
                return;
            }
            self.read_batch(&cuts);
        }
    }

    /// Reads the pieces `pending[start..end]` (at the same time when it
    /// can), adds them in order, and lets `pending[..next]` of the last go.
    fn read_batch(&mut self, cuts: &[(usize, usize, usize)]) {
        let (mode, source, pending) = (self.mode, self.source.as_str(), &self.pending);
        let pin = self.options.worker.as_deref().map(str::as_bytes);
        // The pieces of the batch before are added to the run while these
        // are read (at the same time with `parallel`).
        let (combined, deferred) = (&mut self.combined, std::mem::take(&mut self.deferred));
        // Each piece's lines are counted where it is read, not in turn
        // after: a pass over every byte the calling thread need not make.
        // (Only for the pieces after it: not for the file's last piece, the
        // whole of a file the page reads at once.)
        let last = self.ended.then(|| cuts.last().map(|c| c.0)).flatten();
        let (read, ()) = crate::par::join(
            || {
                crate::par::map(cuts, |&(start, end, next)| {
                    let lines = if last == Some(start) {
                        0
                    } else {
                        memchr::memchr_iter(b'\n', &pending[start..next]).count()
                    };
                    (read_piece(mode, source, &pending[start..end], pin), lines)
                })
            },
            || absorb_all(combined, deferred),
        );
        for (&(start, end, _), (ingested, lines)) in cuts.iter().zip(read) {
            let streamed = ingested.filter(|i| !self.needs_the_whole(i, &self.pending[start..end]));
            let ingested = match streamed {
                Some(ingested) => {
                    if self.mode == Mode::Probe {
                        self.mode = Mode::Ndjson;
                    }
                    Some(ingested)
                }
                // What needs the whole file is read whole, or when that
                // is no longer possible (see the module docs), alone.
                None if self.reads_alone() => self.read_alone(start, end),
                None => return self.fall_back(),
            };
            if let Some(ingested) = ingested {
                // A forwarder keeps to the worker the first piece chose.
                if self.options.as_written && self.options.worker.is_none() {
                    self.options.worker = ingested
                        .worker
                        .as_deref()
                        .map(|w| String::from_utf8_lossy(w).into_owned());
                }
                self.defer(ingested);
            }
            self.lines_before += lines;
        }
        let consumed = cuts.last().map_or(0, |c| c.2);
        self.pending.drain(..consumed);
        self.scan.at = self.scan.at.saturating_sub(consumed);
    }

    /// The worker read, as bytes.
    fn pin(&self) -> Option<&[u8]> {
        self.options.worker.as_deref().map(str::as_bytes)
    }

    /// True when a piece that needs the whole file is read alone.
    fn reads_alone(&self) -> bool {
        self.taken || (self.options.as_written && self.keep == Keep::Nothing && self.consumed_any())
    }

    /// `pending[start..end]` read as a file of its own, as written.
    fn read_alone(&mut self, start: usize, end: usize) -> Option<Ingested> {
        let piece = &self.pending[start..end];
        let wrapped;
        let piece = if self.mode == Mode::Array {
            wrapped = as_array(piece);
            &wrapped[..]
        } else {
            piece
        };
        let read = |pin: Option<&[u8]>| super::read_file(&self.source, piece, pin).ok();
        let ingested = read(self.pin());
        // Headers of several workers and too few of each to choose one:
        // the first named is read (not their fields mixed).
        let first = ingested
            .as_ref()
            .filter(|i| i.interleaved && i.worker.is_none() && self.pin().is_none())
            .and_then(|_| {
                log::header_names(piece)
                    .flatten()
                    .next()
                    .map(<[u8]>::to_vec)
            });
        let Some(first) = first else {
            return ingested;
        };
        let ingested = read(Some(&first));
        self.options.worker = Some(String::from_utf8_lossy(&first).into_owned());
        ingested
    }

    /// What a piece cannot decide alone: which worker of an interleaved log
    /// is read, a summary made for the whole file, a JSON syntax error in an
    /// array, one JSON document rather than NDJSON.
    fn needs_the_whole(&self, ingested: &Ingested, piece: &[u8]) -> bool {
        let other_worker = self
            .combined
            .as_ref()
            .is_some_and(|first| first.worker != ingested.worker);
        // (A blank piece is an empty element: `[a,,b]` or a trailing comma.)
        let broken_array = self.mode == Mode::Array
            && (ingested.fatal.is_some()
                || ingested.diag.has(super::WarnKind::BadJson)
                || piece.iter().all(u8::is_ascii_whitespace));
        let not_ndjson = self.mode == Mode::Probe
            && (ingested.format != super::InputFormat::Ndjson || ingested.run.is_empty());
        let interleaved = ingested.interleaved && self.pin().is_none();
        interleaved || ingested.needs_whole || other_worker || broken_array || not_ndjson
    }

    /// Sets a piece's snapshots, warnings and verdicts aside to be added to
    /// those before it (its line numbers counted from the file's start);
    /// the combined reading exists from its first piece on.
    fn defer(&mut self, p: Ingested) {
        self.combined.get_or_insert_with(|| Ingested {
            run: Run::new(),
            diag: super::Diag::new(&p.diag.source),
            verdicts: Vec::new(),
            format: p.format,
            converted_from_bytes: false,
            fatal: None,
            empty_hint: p.empty_hint.clone(),
            interleaved: false,
            worker: p.worker.clone(),
            needs_whole: false,
        });
        self.deferred.push((p, self.lines_before));
    }

    /// Adds the pieces set aside.
    fn flush(&mut self) {
        absorb_all(&mut self.combined, std::mem::take(&mut self.deferred));
    }

    /// The file is read whole after all: from the kept bytes, from the
    /// pending ones when none was let go, or by the caller.
    fn fall_back(&mut self) {
        self.combined = None;
        self.deferred.clear();
        if self.keep == Keep::All {
            self.read_whole_at_end();
        } else if !self.consumed_any() {
            // Put back what `decide` let go: the file is all pending.
            self.mode = Mode::Whole;
            self.restore_opening();
        } else {
            self.mode = Mode::Lost;
            self.pending = Vec::new();
        }
    }

    /// True when a piece was read and let go.
    fn consumed_any(&self) -> bool {
        self.pushed != (self.pending.len() + self.opening.len()) as u64
    }

    /// Puts the bytes `decide` let go (a byte order mark, the array's
    /// opening) back in front of the pending ones.
    fn restore_opening(&mut self) {
        let opening = std::mem::take(&mut self.opening);
        self.pending.splice(0..0, opening);
    }

    /// Every byte of the file, for the whole-file reader.
    fn whole_bytes(&mut self) -> Vec<u8> {
        if self.keep == Keep::All {
            std::mem::take(&mut self.all)
        } else {
            std::mem::take(&mut self.pending)
        }
    }

    fn finish_whole(mut self) -> Finished {
        match self.mode {
            Mode::Whole => {
                let bytes = self.whole_bytes();
                Finished::Done(super::parse_with(&self.source, &bytes, &self.options))
            }
            _ => Finished::ReadWhole,
        }
    }

    fn conclude(mut self) -> Finished {
        self.flush();
        let combined = self.combined.take().filter(|c| !c.run.is_empty());
        let Some(mut combined) = combined else {
            if self.taken {
                // Nothing since the last take.
                return Finished::Done(Ok(Parsed {
                    sources: vec![self.source.clone()],
                    ..Parsed::default()
                }));
            }
            if self.reads_alone() {
                return Finished::Done(Err(IngestError {
                    source_name: self.source.clone(),
                    line: None,
                    message: format!("no memory snapshot found: {}", super::EXPECTED),
                    hint: None,
                }));
            }
            // No snapshot in any piece: why is decided on the whole file.
            self.fall_back();
            return self.finish_whole();
        };
        combined.fatal = None;
        let source = self.source.clone();
        let error = |line, message: String, hint: Option<String>| IngestError {
            source_name: source.clone(),
            line,
            message,
            hint,
        };
        let as_written = self.options.as_written;
        Finished::Done(
            conclude(&self.source, &[], combined, None, error).map(|ingested| {
                if as_written {
                    super::as_written(ingested)
                } else {
                    super::assemble(vec![ingested], &self.source)
                }
            }),
        )
    }

    /// [`finish`](Reader::finish) for a caller that still holds the whole
    /// file: read from `whole` when it must be read whole.
    pub fn finish_with(self, whole: &[u8]) -> Result<Parsed, IngestError> {
        let (source, options) = (self.source.clone(), self.options.clone());
        match self.finish() {
            Finished::Done(parsed) => parsed,
            Finished::ReadWhole => super::parse_with(&source, whole, &options),
        }
    }

    /// The snapshots of the complete records pushed since the last take, as
    /// written (see [`ReadOptions::as_written`]); the unfinished record at
    /// the end stays for the next take.
    pub fn take(&mut self) -> Parsed {
        self.take_to(false)
    }

    /// [`take`](Reader::take), the unfinished end too, as if the file ended
    /// there (a growing file that has been quiet a while); the reading goes
    /// on with the bytes pushed next.
    pub fn take_rest(&mut self) -> Parsed {
        self.take_to(true)
    }

    fn take_to(&mut self, rest: bool) -> Parsed {
        self.taken = true;
        // Nothing will be read whole: the kept copy is of no use.
        if self.keep == Keep::All {
            self.keep = Keep::Nothing;
            let all = std::mem::take(&mut self.all);
            if self.mode == Mode::Whole {
                // The copy is the file, its opening included.
                self.pending = all;
                self.opening.clear();
            }
        }
        if self.mode == Mode::Whole {
            // Read in pieces after all (alone where they need the whole).
            self.mode = Mode::Undecided;
            self.restore_opening();
            self.lines_before = 0;
        }
        if self.mode == Mode::Undecided && !self.pending.iter().all(u8::is_ascii_whitespace) {
            self.decide();
        }
        if self.streams() {
            let cut = match rest {
                true if self.mode != Mode::Array => {
                    let len = self.pending.len();
                    (len > 0).then_some((len, len))
                }
                _ => self.last_cut(),
            };
            if let Some((end, next)) = cut {
                self.read_batch(&[(0, end, next)]);
            }
        }
        self.flush();
        let source = self.source.clone();
        let mut parsed = self
            .combined
            .take()
            .map(super::as_written)
            .unwrap_or_default();
        parsed.sources = vec![source];
        parsed
    }
}

/// Adds pieces' snapshots, warnings and verdicts to those before them, in
/// order (`combined` exists once a piece was set aside).
fn absorb_all(combined: &mut Option<Ingested>, pieces: Vec<(Ingested, usize)>) {
    let Some(combined) = combined else {
        return;
    };
    for (p, offset) in pieces {
        combined.diag.absorb(p.diag, offset);
        combined
            .verdicts
            .extend(p.verdicts.into_iter().map(|mut v| {
                v.line += offset;
                v
            }));
        combined.converted_from_bytes |= p.converted_from_bytes;
        if combined.fatal.is_none() && combined.run.is_empty() {
            combined.fatal = p.fatal.map(|(l, m)| (l + offset, m));
        }
        combined.run.append(p.run);
    }
}

/// One piece read alone; None when it must be read with the whole file:
/// text that needs repair (repaired pieces would report their repairs
/// piece by piece), or a worker log's header among JSON lines.
fn read_piece(mode: Mode, source: &str, piece: &[u8], pin: Option<&[u8]>) -> Option<Ingested> {
    if super::repair::needed(piece)
        || (matches!(mode, Mode::Probe | Mode::Ndjson) && detect::has_log_marker(piece))
    {
        return None;
    }
    Some(match mode {
        Mode::Probe => json::read_object_or_ndjson(source, piece),
        Mode::Ndjson => json::read_ndjson(source, piece),
        Mode::Log => log::read_log(source, piece, pin),
        _ => json::read_array(source, &as_array(piece)),
    })
}

/// Elements of an array (between its brackets) as an array document.
fn as_array(elements: &[u8]) -> Vec<u8> {
    let mut doc = Vec::with_capacity(elements.len() + 2);
    doc.push(b'[');
    doc.extend_from_slice(elements);
    doc.push(b']');
    doc
}
