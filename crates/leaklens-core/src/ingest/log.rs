//! The profiler's console output (docs/formats.md §3), read line by line on bytes.
//!
//! Keys on text, never on emoji: a snapshot header is any line containing
//! `Memory Snapshot [Cycle N]` (found with `memmem`), whatever comes before
//! it (emoji, mojibake, a timestamp, `worker-1  | `). Field lines are found
//! by their key right before a colon (`Heap:`, `RSS:` ...), wherever the
//! line's prefix ends. Other output may be interleaved and is ignored. The
//! worker's own `MEMORY LEAK ANALYSIS` blocks are kept as [`WorkerVerdict`]s
//! and never read as snapshot fields.

use std::borrow::Cow;
use std::collections::BTreeMap;

use memchr::{memchr, memchr_iter, memmem, memrchr};

use super::detect::LOG_MARKER;
use super::timestamp::{parse_epoch_digits, parse_iso8601};
use super::units::{parse_amount, parse_count, Unit};
use super::{Diag, Ingested, InputFormat, WarnKind, WorkerVerdict};
use crate::run::{Run, SnapshotIn};
use crate::Metric;

const ANALYSIS_MARKER: &[u8] = b"MEMORY LEAK ANALYSIS";

/// A snapshot block also ends after this many lines in a row that are
/// neither fields nor blank (so a stray `RSS:` far below is not taken).
const MAX_GAP: u32 = 8;

/// A field line of a snapshot block: `Heap` (used / total), or one
/// metric's line, keyed by its display name (`RSS`, `Browser Pages`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Heap,
    Metric(Metric),
}

/// Every key, in the order they are tried.
const KEYS: [Key; 7] = [
    Key::Heap,
    Key::Metric(Metric::Rss),
    Key::Metric(Metric::External),
    Key::Metric(Metric::ArrayBuffers),
    Key::Metric(Metric::BrowserMemory),
    Key::Metric(Metric::Pages),
    Key::Metric(Metric::Contexts),
];

impl Key {
    /// Its bit in a set of keys (heap used's for `Heap`).
    fn bit(self) -> u8 {
        let m = match self {
            Key::Heap => Metric::HeapUsed,
            Key::Metric(m) => m,
        };
        1 << m.index()
    }

    /// The key as the profiler prints it.
    fn name(self) -> &'static str {
        match self {
            Key::Heap => "Heap",
            Key::Metric(m) => m.display_name(),
        }
    }
}

/// The snapshot block being read.
struct Block<'a> {
    line: usize,
    cycle: u64,
    label: Cow<'a, str>,
    timestamp: Option<i64>,
    values: [f64; Metric::COUNT],
    /// Keys seen, as [`Key::bit`]s.
    seen: u8,
    /// Keys whose value came from a line that mentions the key mid-line
    /// (other output, maybe): a field line proper replaces it.
    doubtful: u8,
    gap: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Trend and change lines.
    Head,
    /// A blank line after them: only `Potential Issues:` continues the block.
    AfterBlank,
    Issues,
}

struct VerdictBlock {
    verdict: WorkerVerdict,
    phase: Phase,
}

enum State<'a> {
    Idle,
    Snapshot(Block<'a>),
    Verdict(VerdictBlock),
}

struct Reader<'a> {
    source: &'a str,
    run: Run,
    diag: Diag,
    verdicts: Vec<WorkerVerdict>,
    converted_from_bytes: bool,
    last_cycle: Option<u64>,
    headers: usize,
    interleaved: bool,
    worker: Option<Vec<u8>>,
}

/// `pin`: read only this `docker compose` service (a piece of a log whose
/// worker an earlier piece chose), without a warning about the others.
pub(super) fn read_log(source: &str, bytes: &[u8], pin: Option<&[u8]>) -> Ingested {
    let mut reader = Reader {
        source,
        run: Run::with_capacity(super::estimate_snapshots(bytes, LOG_MARKER)),
        diag: Diag::new(source),
        verdicts: Vec::new(),
        converted_from_bytes: false,
        last_cycle: None,
        headers: 0,
        interleaved: false,
        worker: None,
    };
    // `docker compose logs` of several replicas interleaves their lines,
    // each behind its service name: a block's fields would be taken from
    // another worker's lines. One worker is read (the one with the most
    // snapshots); the others are named in a warning.
    let (workers, names, sole) = interleaved_workers(bytes);
    reader.interleaved = names >= 2;
    if let Some(pin) = pin {
        reader.worker = Some(pin.to_vec());
    } else if let Some((chosen, _)) = &workers {
        reader.worker = Some(chosen.clone());
    } else {
        // One service named on every header: said (a forwarder keeps to it
        // when another appears later) only if no line names another, so a
        // `LEVEL | message` log is not taken for one service.
        reader.worker = sole.filter(|name| {
            bytes
                .split(|&b| b == b'\n')
                .all(|line| compose_name(line).is_none_or(|n| n == name.as_slice()))
        });
    }
    let only = if let Some(pin) = pin {
        Some(pin.to_vec())
    } else {
        workers.map(|(chosen, others)| {
            reader.diag.warn(WarnKind::Other, None, || {
                let mut names: Vec<String> = std::iter::once(&chosen)
                    .chain(&others)
                    .take(10)
                    .map(|n| lossy(n).into_owned())
                    .collect();
                if others.len() + 1 > 10 {
                    names.push(format!("and {} more", others.len() + 1 - 10));
                }
                format!(
                    "this log interleaves {} workers ({}): read \"{}\" only; \
                 analyse each worker's own log for the others (docker compose logs <service>)",
                    others.len() + 1,
                    names.join(", "),
                    lossy(&chosen)
                )
            });
            chosen
        })
    };
    let mut headers = Marker::new(LOG_MARKER, bytes);
    let mut analyses = Marker::new(ANALYSIS_MARKER, bytes);
    let mut state = State::Idle;
    let mut pos = 0;
    // Lines before `pos`.
    let mut line_no = 0;
    loop {
        if matches!(state, State::Idle) {
            // Nothing to read before the next marker: jump to its line.
            let next = match (headers.at, analyses.at) {
                (Some(h), Some(a)) => h.min(a),
                (Some(at), None) | (None, Some(at)) => at,
                (None, None) => break,
            };
            let skipped = bytes.get(pos..next).unwrap_or_default();
            let line_start = memrchr(b'\n', skipped).map_or(pos, |i| pos + i + 1);
            line_no += memchr_iter(b'\n', bytes.get(pos..line_start).unwrap_or_default()).count();
            pos = line_start;
        }
        let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) else {
            break;
        };
        let len = memchr(b'\n', rest).unwrap_or(rest.len());
        let end = pos + len;
        let line = rest.get(..len).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line_no += 1;
        if let Some(keep) = &only {
            if compose_name(line).is_some_and(|n| n != keep.as_slice()) {
                // Another worker's line: as if it were not there (its
                // header markers are passed over too).
                if headers.at.is_some_and(|a| a < end) {
                    headers.in_line(pos, end);
                }
                if analyses.at.is_some_and(|a| a < end) {
                    analyses.in_line(pos, end);
                }
                pos = end + 1;
                continue;
            }
        }
        // The block before a header ends first (an analysis names the
        // cycle of the snapshot before it).
        if let Some(at) = headers.in_line(pos, end) {
            reader.close(std::mem::replace(&mut state, State::Idle));
            state = reader.header(line, at, line_no);
        } else if analyses.in_line(pos, end).is_some() {
            reader.close(std::mem::replace(&mut state, State::Idle));
            state = reader.analysis(line_no);
        } else if reader.body_line(&mut state, line, line_no) {
            reader.close(std::mem::replace(&mut state, State::Idle));
        }
        pos = end + 1;
    }
    reader.close(state);
    reader.finish()
}

/// The next occurrence of a marker, found with one `memmem` pass over the
/// whole input rather than a search per line.
struct Marker<'a> {
    finder: memmem::Finder<'static>,
    bytes: &'a [u8],
    /// Offset of the next occurrence at or after the current line.
    at: Option<usize>,
}

impl<'a> Marker<'a> {
    fn new(needle: &'static [u8], bytes: &'a [u8]) -> Self {
        let finder = memmem::Finder::new(needle);
        let at = finder.find(bytes);
        Marker { finder, bytes, at }
    }

    /// Where the marker starts in the line `start..end`, if it is there;
    /// moves on to the next occurrence after the line.
    fn in_line(&mut self, start: usize, end: usize) -> Option<usize> {
        let at = self.at.filter(|&at| at < end)?;
        let rest = self.bytes.get(end..).unwrap_or_default();
        self.at = self.finder.find(rest).map(|i| end + i);
        at.checked_sub(start)
    }
}

impl Reader<'_> {
    /// A `Memory Snapshot [Cycle N] - label:` line; `at` is where the marker starts.
    fn header<'a>(&mut self, line: &'a [u8], at: usize, line_no: usize) -> State<'a> {
        self.headers += 1;
        let after = line.get(at + LOG_MARKER.len()..).unwrap_or_default();
        let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
        let cycle = std::str::from_utf8(after.get(..digits).unwrap_or_default())
            .ok()
            .and_then(|d| d.parse::<u64>().ok());
        let rest = after.get(digits..).unwrap_or_default().trim_ascii_start();
        let (Some(cycle), Some(rest)) = (cycle, rest.strip_prefix(b"]")) else {
            self.diag.warn(WarnKind::BadHeader, Some(line_no), || {
                format!(
                    "cannot read the cycle number in \"{}\"; snapshot skipped",
                    lossy(line.get(at..).unwrap_or_default()).trim_end()
                )
            });
            return State::Idle;
        };
        let mut label = rest.trim_ascii();
        for dash in [&b"-"[..], "–".as_bytes(), "—".as_bytes()] {
            if let Some(l) = label.strip_prefix(dash) {
                label = l.trim_ascii_start();
                break;
            }
        }
        let label = label.strip_suffix(b":").unwrap_or(label).trim_ascii_end();
        let label = if label.is_empty() {
            Cow::Borrowed("snapshot")
        } else {
            String::from_utf8_lossy(label)
        };
        State::Snapshot(Block {
            line: line_no,
            cycle,
            label,
            timestamp: prefix_timestamp(line.get(..at).unwrap_or_default()),
            values: [f64::NAN; Metric::COUNT],
            seen: 0,
            doubtful: 0,
            gap: 0,
        })
    }

    fn analysis<'a>(&mut self, line_no: usize) -> State<'a> {
        State::Verdict(VerdictBlock {
            verdict: WorkerVerdict {
                source: self.source.to_owned(),
                line: line_no,
                after_cycle: self.last_cycle,
                trend: None,
                changes: BTreeMap::new(),
                issues: Vec::new(),
            },
            phase: Phase::Head,
        })
    }

    /// Any line that is not a header: a field, a blank, a verdict line or noise.
    /// Any line that is not a header: a field, a blank, a verdict line or
    /// noise. Updates the block in place; true when the line ended it.
    fn body_line(&mut self, state: &mut State<'_>, line: &[u8], line_no: usize) -> bool {
        match state {
            State::Idle => false,
            State::Snapshot(block) => {
                if is_blank(line) {
                    return true;
                }
                let Some((key, value)) = find_field(line) else {
                    block.gap += 1;
                    return block.gap > MAX_GAP;
                };
                let proper = starts_with_field(line);
                if block.seen & key.bit() != 0 {
                    if proper && block.doubtful & key.bit() != 0 {
                        // The field line itself, after other output that
                        // mentioned the key: its value is the one.
                        block.doubtful &= !key.bit();
                        block.gap = 0;
                        self.field(block, key, value, line_no);
                        return false;
                    }
                    // Other output that mentions a key mid-line (`GET /x 200
                    // Heap: ...` from the worker between two fields) is noise.
                    if !proper {
                        block.gap += 1;
                        return block.gap > MAX_GAP;
                    }
                    // A second `RSS:`: this is no longer the same block.
                    return true;
                }
                block.seen |= key.bit();
                if !proper {
                    block.doubtful |= key.bit();
                }
                block.gap = 0;
                self.field(block, key, value, line_no);
                false
            }
            State::Verdict(v) => !v.feed(line),
        }
    }

    fn field(&mut self, block: &mut Block<'_>, key: Key, value: &[u8], line_no: usize) {
        match key {
            Key::Heap => {
                let (used, total) = match memchr(b'/', value) {
                    Some(i) => (value.get(..i).unwrap_or_default(), value.get(i + 1..)),
                    None => (value, None),
                };
                self.amount(block, Metric::HeapUsed, "heap used", used, line_no);
                if let Some(total) = total {
                    self.amount(block, Metric::HeapTotal, "heap total", total, line_no);
                }
            }
            Key::Metric(m) if m.is_count() => match parse_count(value) {
                Some(v) if v < 0.0 => self.bad_value(key.name(), value, line_no),
                Some(v) => block.values[m.index()] = v,
                None => self.bad_value(key.name(), value, line_no),
            },
            Key::Metric(m) => self.amount(block, m, key.name(), value, line_no),
        }
    }

    fn amount(
        &mut self,
        block: &mut Block<'_>,
        m: Metric,
        name: &str,
        text: &[u8],
        line_no: usize,
    ) {
        match parse_amount(text) {
            // Memory is never below zero: a sign slipped in.
            Some((mb, _)) if mb < 0.0 => self.bad_value(name, text, line_no),
            Some((mb, unit)) => {
                block.values[m.index()] = mb;
                self.converted_from_bytes |= unit == Unit::Bytes;
            }
            None => self.bad_value(name, text, line_no),
        }
    }

    fn bad_value(&mut self, name: &str, text: &[u8], line_no: usize) {
        self.diag.warn(WarnKind::BadValue, Some(line_no), || {
            format!(
                "cannot read the {name} value \"{}\" (expected a number with an optional MB, KB, GB or B unit); left empty",
                lossy(text.trim_ascii())
            )
        });
    }

    /// Ends a block: stores the snapshot or verdict, or says why not.
    fn close(&mut self, state: State<'_>) {
        match state {
            State::Idle => {}
            State::Verdict(v) => self.verdicts.push(v.verdict),
            State::Snapshot(block) => {
                let what =
                    |b: &Block<'_>| format!("snapshot of cycle {} (\"{}\")", b.cycle, b.label);
                if block.seen & Key::Heap.bit() == 0 {
                    self.diag.warn(WarnKind::BadHeader, Some(block.line), || {
                        format!("{} has no \"Heap:\" line; skipped", what(&block))
                    });
                } else if !block.values.iter().any(|v| !v.is_nan()) {
                    self.diag.warn(WarnKind::NoValues, Some(block.line), || {
                        format!("{} has no readable memory value; skipped", what(&block))
                    });
                } else {
                    let mut snap = SnapshotIn::new(block.cycle, &block.label);
                    snap.timestamp = block.timestamp;
                    snap.values = block.values;
                    self.run.push(&snap, []);
                    self.last_cycle = Some(block.cycle);
                }
            }
        }
    }

    fn finish(self) -> Ingested {
        let empty_hint = self.run.is_empty().then(|| {
            if self.headers == 0 {
                "no line contains \"Memory Snapshot [Cycle \"; is the worker running with ENABLE_MEMORY_PROFILING=true?".to_owned()
            } else {
                format!(
                    "{} snapshot header{} found, but none with a readable \"Heap:\" line",
                    self.headers,
                    if self.headers == 1 { "" } else { "s" }
                )
            }
        });
        Ingested {
            run: self.run,
            diag: self.diag,
            verdicts: self.verdicts,
            format: InputFormat::WorkerLog,
            converted_from_bytes: self.converted_from_bytes,
            fatal: None,
            empty_hint,
            interleaved: self.interleaved,
            worker: self.worker,
            needs_whole: false,
        }
    }
}

impl VerdictBlock {
    /// Reads one line of the block; false when the block ended before it.
    fn feed(&mut self, line: &[u8]) -> bool {
        let content = strip_prefix(line);
        let text = content.trim_ascii();
        let v = &mut self.verdict;
        if text.is_empty() {
            match self.phase {
                Phase::Head if v.trend.is_some() || !v.changes.is_empty() => {
                    self.phase = Phase::AfterBlank;
                }
                Phase::Issues if !v.issues.is_empty() => return false,
                _ => {}
            }
            return true;
        }
        let words = from_first_letter(text);
        if memmem::find(words, b"Potential Issues").is_some() {
            self.phase = Phase::Issues;
            return true;
        }
        match self.phase {
            Phase::AfterBlank => false,
            Phase::Head => {
                let Some(colon) = memchr(b':', words) else {
                    return true;
                };
                let name = words.get(..colon).unwrap_or_default().trim_ascii();
                let value = words.get(colon + 1..).unwrap_or_default().trim_ascii();
                if name.eq_ignore_ascii_case(b"Trend") {
                    v.trend = Some(lossy(value).to_ascii_lowercase());
                } else if let (false, Some((change, _))) = (name.is_empty(), parse_amount(value)) {
                    v.changes.insert(lossy(name).into_owned(), change);
                }
                true
            }
            Phase::Issues => {
                // Issues are indented or start with an emoji or a bullet; a
                // line starting with a letter is other output in between.
                let listed = content.first().is_some_and(|&c| {
                    c.is_ascii_whitespace() || !c.is_ascii() || c == b'-' || c == b'*'
                });
                if listed && !words.is_empty() {
                    v.issues.push(lossy(words).into_owned());
                }
                true
            }
        }
    }
}

/// The part of a line after its key's colon, when the line is a snapshot
/// field (`   Heap: ...`, `worker-1  |    RSS: ...`, `<ts>    External: ...`).
fn find_field(line: &[u8]) -> Option<(Key, &[u8])> {
    for colon in memchr_iter(b':', line) {
        let before = line.get(..colon)?.trim_ascii_end();
        // Every key ends in one of these letters: most lines fail here.
        if !matches!(
            before.last(),
            Some(b'p' | b'P' | b's' | b'S' | b'l' | b'L' | b'y' | b'Y')
        ) {
            continue;
        }
        for key in KEYS {
            let name = key.name().as_bytes();
            let Some(start) = before.len().checked_sub(name.len()) else {
                continue;
            };
            let word = before.get(start..)?;
            let boundary = start == 0
                || before
                    .get(start - 1)
                    .is_some_and(|c| !c.is_ascii_alphanumeric());
            if boundary && word.eq_ignore_ascii_case(name) {
                return Some((key, line.get(colon + 1..)?));
            }
        }
    }
    None
}

/// True when the line's text (after a shipper's prefix and indentation)
/// starts with its field's key, as the profiler prints fields.
fn starts_with_field(line: &[u8]) -> bool {
    let text = strip_prefix(line).trim_ascii_start();
    let text = from_first_letter(text);
    find_field(text).is_some_and(|(_, value)| {
        let key_end = text.len() - value.len() - 1;
        KEYS.iter().any(|key| {
            text.get(..key_end).is_some_and(|k| {
                k.trim_ascii_end()
                    .eq_ignore_ascii_case(key.name().as_bytes())
            })
        })
    })
}

/// The service read from an interleaved log, and the others.
type Workers = (Vec<u8>, Vec<Vec<u8>>);

/// The service name of a `docker compose logs` line (`worker-1  | ...`):
/// a word, padding, then `| ` near the start of the line. (A timestamp
/// glued to a bar, `2025-01-01T10:00:00Z|...`, is no service name.)
pub(super) fn compose_name(line: &[u8]) -> Option<&[u8]> {
    let head = line.get(..64).unwrap_or(line);
    let bar = memchr(b'|', head)?;
    if head.get(bar.checked_sub(1)?) != Some(&b' ')
        || !matches!(line.get(bar + 1), None | Some(b' '))
    {
        return None;
    }
    let name = head.get(..bar)?.trim_ascii();
    (!name.is_empty() && !name.contains(&b' ')).then_some(name)
}

/// When snapshot headers come from two or more services, each with at
/// least two of them: the one with the most headers (the first seen on a
/// tie) and the others, in order of appearance. Also how many distinct
/// service names the headers have (a piece of a file may hold one header of
/// each: whether to read it whole is decided on that). One pass over the
/// headers. Last, the service name when every named header has the same.
fn interleaved_workers(bytes: &[u8]) -> (Option<Workers>, usize, Option<Vec<u8>>) {
    let mut order: Vec<&[u8]> = Vec::new();
    let mut counts: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    let mut headers = 0usize;
    for name in header_names(bytes) {
        headers += 1;
        let Some(name) = name else {
            continue;
        };
        let count = counts.entry(name).or_insert(0);
        if *count == 0 {
            order.push(name);
        }
        *count += 1;
    }
    let distinct = order.len();
    let sole = (distinct == 1).then(|| order[0].to_vec());
    let real: Vec<&[u8]> = order.into_iter().filter(|n| counts[n] >= 2).collect();
    if real.len() < 2 || real.len() > headers / 2 {
        return (None, distinct, sole);
    }
    let Some(best) = real
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (counts[*n], std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
    else {
        return (None, distinct, sole);
    };
    let chosen = real[best].to_vec();
    let others = real
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, n)| n.to_vec())
        .collect();
    (Some((chosen, others)), distinct, None)
}

/// The `docker compose` service named on each snapshot header's line (None
/// for a header without one), in order; linear over the log.
pub(super) fn header_names(bytes: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
    let mut line_start = 0;
    let mut searched_to = 0;
    memmem::find_iter(bytes, LOG_MARKER).map(move |at| {
        // The start of this header's line: searched back only as far as the
        // previous header.
        if let Some(i) = memrchr(b'\n', &bytes[searched_to..at]) {
            line_start = searched_to + i + 1;
        }
        searched_to = at;
        compose_name(&bytes[line_start..at])
    })
}

/// True for an empty line, or one holding only a prefix (`worker-1  | `,
/// `1764115200000 `).
fn is_blank(line: &[u8]) -> bool {
    strip_prefix(line).trim_ascii().is_empty()
}

/// Removes what log shippers put before a line's text: a docker compose
/// `name  | `, then timestamps and `[tags]`, each with one following space.
/// Indentation after the prefix is kept.
fn strip_prefix(line: &[u8]) -> &[u8] {
    let mut s = line;
    let head = s.get(..64).unwrap_or(s);
    if let Some(bar) = memchr(b'|', head) {
        let name = head.get(..bar).unwrap_or_default().trim_ascii();
        if !name.is_empty() && !name.contains(&b' ') {
            s = s.get(bar + 1..).unwrap_or_default();
            s = s.strip_prefix(b" ").unwrap_or(s);
        }
    }
    loop {
        let end = s
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(s.len());
        let token = s.get(..end).unwrap_or_default();
        if token.is_empty() || !is_prefix_token(token) {
            return s;
        }
        s = s.get(end..).unwrap_or_default();
        s = s.strip_prefix(b" ").unwrap_or(s);
    }
}

fn is_prefix_token(t: &[u8]) -> bool {
    let bracketed = t.len() >= 2 && t.first() == Some(&b'[') && t.last() == Some(&b']');
    let clock = t.first().is_some_and(u8::is_ascii_digit)
        && t.contains(&b':')
        && t.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b','));
    bracketed || clock || parse_epoch_digits(t).is_some() || parse_iso8601(t).is_some()
}

/// The timestamp in a header's prefix: epoch digits (10–13) or an ISO-8601
/// token (a date and a time may be two tokens).
fn prefix_timestamp(prefix: &[u8]) -> Option<i64> {
    let mut tokens = prefix
        .split(|&c| c.is_ascii_whitespace() || matches!(c, b'|' | b'[' | b']'))
        .filter(|t| !t.is_empty())
        .peekable();
    while let Some(token) = tokens.next() {
        if let Some(ms) = parse_epoch_digits(token) {
            return Some(ms);
        }
        if let Some(ms) = parse_iso8601(token) {
            if token.len() == 10 {
                if let Some(time) = tokens.peek() {
                    let joined = [token, b"T", time].concat();
                    if let Some(ms) = parse_iso8601(&joined) {
                        return Some(ms);
                    }
                }
            }
            return Some(ms);
        }
    }
    None
}

/// The text from its first ASCII letter on (drops emoji, mojibake, bullets).
fn from_first_letter(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(u8::is_ascii_alphabetic)
        .unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

fn lossy(s: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_behind_prefixes() {
        let f = |s: &str| {
            find_field(s.as_bytes()).map(|(k, v)| (k, String::from_utf8_lossy(v).into_owned()))
        };
        assert_eq!(
            f("   Heap: 1MB / 2MB"),
            Some((Key::Heap, " 1MB / 2MB".into()))
        );
        assert_eq!(
            f("worker-1  |    RSS: 3MB"),
            Some((Key::Metric(Metric::Rss), " 3MB".into()))
        );
        assert_eq!(
            f("2026-11-20T10:00:01.123Z    Browser Pages: 1"),
            Some((Key::Metric(Metric::Pages), " 1".into()))
        );
        assert_eq!(f("   Heap Used: +4MB"), None);
        assert_eq!(f("[worker] scraped https://x in 5ms"), None);
        assert_eq!(f("MyHeap: 5"), None);
    }

    #[test]
    fn prefixes_are_stripped() {
        let s = |l: &str| String::from_utf8_lossy(strip_prefix(l.as_bytes())).into_owned();
        assert_eq!(s("worker-1  |    ⚠️ x"), "   ⚠️ x");
        assert_eq!(s("1764115200000 "), "");
        assert_eq!(s("2026-11-20T10:00:01.123Z    Heap: 1"), "   Heap: 1");
        assert_eq!(s("2026-11-20 10:00:01,123 [worker] hi"), "hi");
        assert_eq!(s("   Heap: 1"), "   Heap: 1");
        assert!(is_blank(b"worker-1  | "));
        assert!(is_blank(b"1764115200000 "));
        assert!(!is_blank(b"[worker] scraped"));
    }

    #[test]
    fn header_timestamps() {
        assert_eq!(
            prefix_timestamp(b"1764115200000 \xF0\x9F\x93\x8A "),
            Some(1_764_115_200_000)
        );
        assert_eq!(prefix_timestamp(b"1764115200 "), Some(1_764_115_200_000));
        assert_eq!(
            prefix_timestamp(b"[2025-11-26T00:00:00.250Z] "),
            Some(1_764_115_200_250)
        );
        assert_eq!(
            prefix_timestamp(b"2025-11-26 00:00:01 worker | "),
            Some(1_764_115_201_000)
        );
        assert_eq!(prefix_timestamp(b"worker-1  | "), None);
        assert_eq!(prefix_timestamp("üìä ".as_bytes()), None);
    }
}
