//! Reading snapshot exports: every shape of `docs/formats.md` §2–3, detected from
//! the content (never from the file name), into a column-wise [`Run`].
//!
//! | shape | detected by | read by |
//! |---|---|---|
//! | JSON array of snapshots | first byte `[` followed by `{` or `]` | `json` + `scan` |
//! | `{"snapshots": [...], ...}` or one snapshot object | first byte `{`, one top-level value | `json` + `scan` |
//! | NDJSON | first line is a complete object and more lines follow | `json` + `scan`, line by line |
//! | worker log | anything else | `log` |
//!
//! A UTF-8 byte order mark is skipped; UTF-16 text is converted first.
//!
//! Every reader appends straight into one [`Run`], without building a list
//! of snapshot structs. JSON goes through a hand-written fast path (`scan`)
//! with serde as the reference for anything unusual; the bytes are read
//! once, except a JSON document with a syntax error (re-read by serde for
//! its message, keeping what came before the error) and JSON that held no
//! snapshot but contains the log's header text (then read as a log).
//! Problems that affect one snapshot or line become [`Warning`]s (at most
//! 20 of a kind, then counted); only a file with no snapshot at all is an
//! [`IngestError`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::run::{Dropped, Run};

pub use chunked::ChunkedParse;
pub use metrics::export_kind as metrics_export;
pub use stream::{Finished, Keep, Reader, PIECE_BYTES};

mod chunked;
mod detect;
mod json;
mod log;
mod metrics;
mod repair;
mod scan;
mod stream;
mod timestamp;
mod units;

#[cfg(test)]
mod tests;

/// The container shape a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// `[ {...}, ... ]`
    JsonArray,
    /// `{ "snapshots": [ ... ], ... }`
    JsonObject,
    /// One JSON object per line.
    Ndjson,
    /// The profiler's console output.
    WorkerLog,
    /// Metrics exported from Prometheus, Grafana, OpenTelemetry or
    /// Puppeteer (`ingest::metrics`).
    Metrics,
}

/// A recoverable problem: something skipped, the rest kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// File name as given by the caller.
    pub source: String,
    /// 1-based line number, when the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// The worker's own "MEMORY LEAK ANALYSIS" block, kept from a log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerVerdict {
    pub source: String,
    /// Line of the `MEMORY LEAK ANALYSIS` header.
    pub line: usize,
    /// The cycle of the last snapshot before the block, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_cycle: Option<u64>,
    /// `INCREASING`, `STABLE`, `DECREASING` as printed, lower-cased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<String>,
    /// Metric name as printed (e.g. `Heap Used`) → change in MB (or count).
    pub changes: BTreeMap<String, f64>,
    /// The "Potential Issues" lines, emoji and mojibake stripped.
    pub issues: Vec<String>,
}

/// A file that could not be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{source_name}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct IngestError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

/// The result of reading one or more files of one run.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub run: Run,
    pub warnings: Vec<Warning>,
    pub worker_verdicts: Vec<WorkerVerdict>,
    /// One entry per input file, in input order.
    pub formats: Vec<InputFormat>,
    /// True when some values were in bytes and were converted to MB.
    pub converted_from_bytes: bool,
    /// The `docker compose` service whose snapshots were read, when a log's
    /// lines carry service names (several workers interleaved: the one
    /// read; one worker: its name); of the first file that has one.
    pub worker: Option<String>,
    /// The names of the files read, in input order.
    pub sources: Vec<String>,
}

/// What every "no snapshot" error says the file should have been.
const EXPECTED: &str = "expected a JSON array of snapshots, {\"snapshots\": [...]}, NDJSON, \
or the profiler's log (\"📊 Memory Snapshot [Cycle N] - <label>:\")";

/// How many warnings of one kind are listed; the rest are only counted.
const WARNINGS_PER_KIND: usize = 20;

/// Reads one file. `source` is the file name used in warnings and errors.
///
/// The shape is detected from the content (see the module docs). The
/// returned run is normalized: sorted by cycle, repeated (cycle, label)
/// pairs dropped with a warning.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    parse_with(source, bytes, &ReadOptions::default())
}

/// How a file is read (the default: as [`parse`] reads it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The snapshots exactly as written: in file order, cycles as the file
    /// numbers them (no sorting, no de-duplication, no renumbering after a
    /// restart). For tools that forward a file piece by piece, like
    /// `leaklens push`: the reader of the whole does all that once.
    pub as_written: bool,
    /// Read only this `docker compose` service of a log: the lines of the
    /// others are passed over, with no warning about them.
    pub worker: Option<String>,
}

/// [`parse`] with options.
pub fn parse_with(
    source: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Parsed, IngestError> {
    let pin = options.worker.as_deref().map(str::as_bytes);
    let ingested = read_file(source, bytes, pin)?;
    Ok(if options.as_written {
        as_written(ingested)
    } else {
        assemble(vec![ingested], source)
    })
}

/// One file's snapshots as read, in file order.
fn as_written(ingested: Ingested) -> Parsed {
    let mut parsed = Parsed {
        sources: vec![ingested.diag.source.clone()],
        warnings: ingested.diag.finish(),
        worker_verdicts: ingested.verdicts,
        formats: vec![ingested.format],
        converted_from_bytes: ingested.converted_from_bytes,
        worker: ingested
            .worker
            .map(|w| String::from_utf8_lossy(&w).into_owned()),
        run: ingested.run,
    };
    parsed.run.compact();
    parsed
}

/// Every process of a metrics export (Prometheus, Grafana CSV, OTLP JSON,
/// page.metrics(); see `docs/formats.md`) as its own run, cycles 1… in
/// time order, in process-name order: for a receiver that keeps a live
/// run per process. An error when `bytes` is no metrics export.
#[cfg(feature = "metrics")]
pub fn metrics_runs(bytes: &[u8]) -> Result<Vec<(String, Run)>, String> {
    let body = detect::skip_bom(bytes);
    let kind = metrics::kind(body)
        .ok_or("not a metrics export (OTLP JSON, a Prometheus range query, …)")?;
    Ok(metrics::read_all(body, kind))
}

/// The distinct `docker compose` services named on a log's snapshot
/// headers, in order of appearance (none for a log of one unnamed worker,
/// or a file that is no log).
pub fn log_workers(bytes: &[u8]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    log::header_names(bytes)
        .flatten()
        .filter(|n| seen.insert(*n))
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// Several exports of one run (say, successive `keepLast` windows): each is
/// parsed, then all are merged with [`Run::merge`] (sorted by cycle, the
/// first of repeated (cycle, label) pairs kept). Warnings of all files are
/// concatenated, plus one saying how many duplicates were dropped. If a
/// file cannot be read at all, that file's error is returned.
pub fn parse_many(inputs: &[(&str, &[u8])]) -> Result<Parsed, IngestError> {
    if inputs.is_empty() {
        return Err(IngestError {
            source_name: String::new(),
            line: None,
            message: "no input files".to_owned(),
            hint: Some("give at least one snapshot export".to_owned()),
        });
    }
    let files = inputs
        .iter()
        .map(|&(source, bytes)| read_file(source, bytes, None))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<&str> = inputs.iter().map(|&(name, _)| name).collect();
    let mut parsed = assemble(files, &names.join(", "));
    parsed.sources = names.iter().map(|n| (*n).to_owned()).collect();
    Ok(parsed)
}

/// Merges files parsed one by one (say, each with its own progress bar) as
/// exports of one run, exactly as [`parse_many`] would have.
pub fn merge_parsed(mut files: Vec<Parsed>) -> Parsed {
    if files.len() <= 1 {
        return files.pop().unwrap_or_default();
    }
    merge_files(&files)
}

/// [`merge_parsed`] of files the caller keeps (their runs are not copied
/// before merging).
pub(crate) fn merge_files<P: std::borrow::Borrow<Parsed>>(files: &[P]) -> Parsed {
    let mut out = Parsed::default();
    let mut runs = Vec::with_capacity(files.len());
    for f in files.iter().map(std::borrow::Borrow::borrow) {
        out.sources.extend_from_slice(&f.sources);
        out.warnings.extend_from_slice(&f.warnings);
        out.worker_verdicts.extend_from_slice(&f.worker_verdicts);
        out.formats.extend_from_slice(&f.formats);
        out.converted_from_bytes |= f.converted_from_bytes;
        out.worker = out.worker.or_else(|| f.worker.clone());
        runs.push(&f.run);
    }
    let (run, dropped) = Run::merge_reporting(&runs);
    if let Some(message) = dropped.message(" while merging the files") {
        out.warnings.push(Warning {
            source: out.sources.join(", "),
            line: None,
            message,
        });
    }
    out.run = run;
    out
}

/// How many snapshots a file holds, about: occurrences of a key every
/// snapshot has once. Reserving the columns up front keeps a big file from
/// doubling its vectors (and the peak memory) as it is read.
/// Texts from this size on are counted for their snapshots before reading.
const ESTIMATE_FROM: usize = 4 * PIECE_BYTES;

pub(crate) fn estimate_snapshots(bytes: &[u8], needle: &[u8]) -> usize {
    // Not worth a pass over small files, nor over the incremental reader's
    // pieces of about a megabyte (a pass costs more than their columns'
    // growing: 15% of reading a big NDJSON file, callgrind); the cap guards
    // against a file made of the needle alone.
    if bytes.len() < ESTIMATE_FROM {
        return 0;
    }
    memchr::memmem::find_iter(bytes, needle)
        .count()
        .min(bytes.len() / 32)
}

/// One file, read but not yet normalized.
pub(crate) struct Ingested {
    run: Run,
    diag: Diag,
    verdicts: Vec<WorkerVerdict>,
    format: InputFormat,
    converted_from_bytes: bool,
    /// A syntax error before any snapshot was read: (line, message).
    fatal: Option<(usize, String)>,
    /// Why the run is empty, when it is.
    empty_hint: Option<String>,
    /// A log whose headers carry several `docker compose` service names
    /// (interleaved workers: which one is read is decided on the whole).
    interleaved: bool,
    /// The service read, when the log's lines carry service names.
    worker: Option<Vec<u8>>,
    /// What a piece of a file cannot tell on its own: cycle numbers given by
    /// position (snapshots without one), or a summary warning made for the
    /// whole file (values of a wrong type, an unknown unit). Read whole.
    needs_whole: bool,
}

/// `pin`: read only this `docker compose` service of a log.
fn read_file(source: &str, bytes: &[u8], pin: Option<&[u8]>) -> Result<Ingested, IngestError> {
    let error = |line, message: String, hint: Option<String>| IngestError {
        source_name: source.to_owned(),
        line,
        message,
        hint,
    };
    if bytes.is_empty() {
        return Err(error(
            None,
            "file is empty".to_owned(),
            Some(EXPECTED.to_owned()),
        ));
    }
    match detect::compression(bytes) {
        Some(detect::Compression::Gzip) => {
            let text = gunzip(bytes, MAX_DECOMPRESSED_BYTES)
                .map_err(|(message, hint)| error(None, message, hint))?;
            return read_file(source, &text, pin);
        }
        Some(detect::Compression::Zstd) => {
            return Err(error(
                None,
                "the file is zstd-compressed".to_owned(),
                Some("decompress it first (zstd -d FILE), or compress with gzip, which leaklens reads".to_owned()),
            ));
        }
        None => {}
    }
    if let Some(text) = detect::decode_utf16(bytes) {
        return read_text(source, text.as_bytes(), pin, error);
    }
    read_text(source, bytes, pin, error)
}

/// What the first bytes of a file say, for a reader that streams and wants
/// to decompress or refuse early (the CLI, the viewer): the same tests
/// [`parse`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Gzip-compressed (by its magic bytes).
    Gzip,
    /// Zstd-compressed (refused by the readers).
    Zstd,
    /// UTF-16 text (the readers decode it).
    Utf16,
    /// NUL or many control bytes: no text export.
    Binary,
    /// Text, as far as the start shows.
    Text,
}

/// What the first bytes of a file (64 KB is plenty) say it is.
pub fn sniff(head: &[u8]) -> Sniffed {
    match detect::compression(head) {
        Some(detect::Compression::Gzip) => Sniffed::Gzip,
        Some(detect::Compression::Zstd) => Sniffed::Zstd,
        None if detect::is_utf16(head) => Sniffed::Utf16,
        None if detect::looks_binary(head) => Sniffed::Binary,
        None => Sniffed::Text,
    }
}

/// A gzip-compressed file decompresses to at most this much; more is taken
/// for a decompression bomb (an export of ten million snapshots is 3 GB,
/// and the CLI decompresses as it reads, without this bound).
pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 30;

/// The text of gzip-compressed `bytes` (every member of a multi-member
/// file, as `cat a.gz b.gz` makes), at most `limit` bytes of it.
#[cfg(feature = "gzip")]
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, (String, Option<String>)> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| (format!("the gzip data is damaged: {e}"), None))?;
    if out.len() as u64 > limit {
        return Err((
            format!("the file decompresses to more than {} MB", limit >> 20),
            Some("decompress it and pass the text (the CLI reads any size it can hold)".to_owned()),
        ));
    }
    Ok(out)
}

/// Without the `gzip` feature (the browser decompresses before parsing).
#[cfg(not(feature = "gzip"))]
pub fn gunzip(_bytes: &[u8], _limit: u64) -> Result<Vec<u8>, (String, Option<String>)> {
    Err((
        "the file is gzip-compressed".to_owned(),
        Some("decompress it first (gunzip FILE)".to_owned()),
    ))
}

fn read_text(
    source: &str,
    bytes: &[u8],
    pin: Option<&[u8]>,
    error: impl Fn(Option<usize>, String, Option<String>) -> IngestError,
) -> Result<Ingested, IngestError> {
    let (text, repairs) = repair::repair(bytes);
    let body = detect::skip_bom(&text);
    let own = match detect::detect(body) {
        detect::Shape::Blank => {
            return Err(error(
                None,
                "file is empty (only whitespace)".to_owned(),
                Some(EXPECTED.to_owned()),
            ))
        }
        _ if metrics::kind(body).is_some() => None,
        detect::Shape::JsonArray => Some(json::read_array(source, body)),
        detect::Shape::JsonObject => Some(json::read_object_or_ndjson(source, body)),
        detect::Shape::Log => Some(log::read_log(source, body, pin)),
    };
    // After `conclude`: a fallback reading (NDJSON after a junk line, a log
    // after a JSON line) comes with a diagnosis of its own.
    let read = match own {
        Some(ingested) => conclude(source, body, ingested, pin, &error),
        None => read_metrics(source, body, pin, &error),
    };
    read.map(|mut ingested| {
        for message in repairs.messages() {
            ingested.diag.warn(WarnKind::Other, None, || message);
        }
        ingested
    })
}

/// A metrics export (`metrics::kind`), or our own format after all when
/// it reads as none (text like `"resultType":` in a damaged line of ours).
fn read_metrics(
    source: &str,
    body: &[u8],
    pin: Option<&[u8]>,
    error: impl Fn(Option<usize>, String, Option<String>) -> IngestError,
) -> Result<Ingested, IngestError> {
    let own = |body: &[u8]| match detect::detect(body) {
        detect::Shape::JsonArray => json::read_array(source, body),
        detect::Shape::JsonObject => json::read_object_or_ndjson(source, body),
        _ => log::read_log(source, body, pin),
    };
    #[cfg(feature = "metrics")]
    {
        let kind = metrics::kind(body);
        let read = kind.map(|k| metrics::read(source, body, k, pin));
        match read {
            Some(m) if !m.run.is_empty() => Ok(m),
            Some(m) => {
                let ours = own(body);
                if ours.run.is_empty() {
                    conclude(source, body, m, pin, error)
                } else {
                    conclude(source, body, ours, pin, error)
                }
            }
            None => conclude(source, body, own(body), pin, error),
        }
    }
    #[cfg(not(feature = "metrics"))]
    {
        let ours = own(body);
        if !ours.run.is_empty() {
            return conclude(source, body, ours, pin, error);
        }
        let what = metrics::kind(body).map_or("a metrics export", |k| k.name());
        Err(error(
            None,
            format!("this is {what}, which this build does not read"),
            Some("analyse it with the leaklens command line: leaklens analyze FILE".to_owned()),
        ))
    }
}

/// What a file read to its end comes to: its snapshots, or an error that
/// says why there are none.
fn conclude(
    source: &str,
    body: &[u8],
    ingested: Ingested,
    pin: Option<&[u8]>,
    error: impl Fn(Option<usize>, String, Option<String>) -> IngestError,
) -> Result<Ingested, IngestError> {
    if !ingested.run.is_empty() {
        return Ok(ingested);
    }
    // JSON that holds no snapshot but a log's header text: a log after all
    // (say, one that starts with a JSON config line).
    if ingested.format != InputFormat::WorkerLog && detect::has_log_marker(body) {
        let as_log = log::read_log(source, body, pin);
        if !as_log.run.is_empty() {
            return Ok(as_log);
        }
    }
    // Not a log either, but JSON lines after a first line that is not JSON
    // (a banner, a stray line): NDJSON, that line skipped with a warning.
    if ingested.format == InputFormat::WorkerLog
        && !detect::has_log_marker(body)
        && memchr::memmem::find(body, b"\n{").is_some()
    {
        let as_ndjson = json::read_ndjson(source, body);
        if !as_ndjson.run.is_empty() {
            return Ok(as_ndjson);
        }
    }
    if let Some((line, message)) = ingested.fatal {
        return Err(error(Some(line), message, Some(EXPECTED.to_owned())));
    }
    let hint = if detect::looks_binary(body) {
        "the file looks like binary data, not a text export".to_owned()
    } else {
        let mut hint = ingested.empty_hint.unwrap_or_default();
        if let Some(w) = ingested.diag.first() {
            let at = w.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            hint.push_str(&format!("; first problem: {at}{}", w.message));
        }
        hint
    };
    Err(error(
        None,
        format!("no memory snapshot found: {EXPECTED}"),
        Some(hint),
    ))
}

/// Builds the result of one or more files: merged, normalized, with every
/// file's warnings, verdicts and format.
fn assemble(files: Vec<Ingested>, sources: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut runs = Vec::with_capacity(files.len());
    for mut file in files {
        for (cycle, count, before, after) in file.run.drop_stray_cycles() {
            let place = match (before, after) {
                (Some(b), Some(a)) => format!("between cycles {b} and {a}"),
                (Some(b), None) => format!("after cycle {b}, at the end"),
                (None, Some(a)) => format!("before cycle {a}, at the start"),
                (None, None) => String::new(),
            };
            file.diag.warn(WarnKind::Other, None, || {
                format!(
                    "cycle {cycle} is far out of sequence ({place}; a corrupted cycle number?): \
                     its {count} snapshot{} dropped",
                    if count == 1 { "" } else { "s" }
                )
            });
        }
        if let Some(first) = file.run.rebase_huge_cycles() {
            file.diag.warn(WarnKind::Other, None, || {
                format!(
                    "cycle numbers start at {first}, too large to compute with: \
                     numbered from 1 on, the gaps kept"
                )
            });
        }
        for (before, now) in file.run.continue_restarted_cycles() {
            file.diag.warn(WarnKind::Other, None, || {
                format!(
                    "the cycle counter starts again after cycle {before} (a restarted worker?): \
                     its cycles are numbered on from {now}"
                )
            });
        }
        parsed.warnings.extend(file.diag.finish());
        parsed.worker_verdicts.extend(file.verdicts);
        parsed.formats.push(file.format);
        parsed.converted_from_bytes |= file.converted_from_bytes;
        if parsed.worker.is_none() {
            parsed.worker = file
                .worker
                .map(|w| String::from_utf8_lossy(&w).into_owned());
        }
        runs.push(file.run);
    }
    let (run, dropped) = match runs.pop() {
        Some(mut run) if runs.is_empty() => {
            // Run::normalize copies the run; most files need nothing done.
            let dropped = if is_normalized(&run) {
                Dropped::default()
            } else {
                run.normalize_reporting()
            };
            (run, dropped)
        }
        Some(last) => {
            runs.push(last);
            Run::merge_reporting(&runs)
        }
        None => (Run::new(), Dropped::default()),
    };
    if let Some(message) = dropped.message("") {
        parsed.warnings.push(Warning {
            source: sources.to_owned(),
            line: None,
            message,
        });
    }
    parsed.run = run;
    parsed.run.compact();
    parsed.sources = vec![sources.to_owned()];
    if let Some(w) = no_memory_warning(&parsed.run, sources) {
        parsed.warnings.push(w);
    }
    parsed
}

/// Snapshots with counts but no memory value at all (no `nodejs` block):
/// the verdict is then about pages and contexts only, which a user must
/// not read as "no memory leak".
fn no_memory_warning(run: &Run, sources: &str) -> Option<Warning> {
    let memory = crate::Metric::MEMORY.iter().any(|&m| run.has_metric(m));
    (!run.is_empty() && !memory).then(|| Warning {
        source: sources.to_owned(),
        line: None,
        message: "no snapshot has a memory value (heapUsed, heapTotal, rss, external, \
                  arrayBuffers; under \"nodejs\" or flat): only the page and context counts \
                  are judged, memory is not"
            .to_owned(),
    })
}

/// True when the run is sorted by cycle and has no repeated (cycle, label).
fn is_normalized(run: &Run) -> bool {
    let cycles = run.cycles();
    let labels = run.label_ids();
    let mut group = 0;
    let mut seen = std::collections::HashSet::new();
    for i in 1..cycles.len().min(labels.len()) {
        let (prev, cur) = (cycles[i - 1], cycles[i]);
        if cur < prev {
            return false;
        }
        if cur != prev {
            group = i;
            seen.clear();
            continue;
        }
        // Few snapshots per cycle: scan; many (a hostile file): hash.
        let earlier = &labels[group..i];
        let repeated = if earlier.len() <= 16 {
            earlier.contains(&labels[i])
        } else {
            if seen.is_empty() {
                seen.extend(earlier.iter().copied());
            }
            !seen.insert(labels[i])
        };
        if repeated {
            return false;
        }
    }
    true
}

/// The kinds of warning, each capped at [`WARNINGS_PER_KIND`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WarnKind {
    NoValues,
    BadJson,
    BadTimestamp,
    BadValue,
    BadHeader,
    NotSnapshot,
    Other,
}

impl WarnKind {
    const ALL: [WarnKind; 7] = [
        WarnKind::NoValues,
        WarnKind::BadJson,
        WarnKind::BadTimestamp,
        WarnKind::BadValue,
        WarnKind::BadHeader,
        WarnKind::NotSnapshot,
        WarnKind::Other,
    ];

    fn plural(self) -> &'static str {
        match self {
            WarnKind::NoValues => "snapshots without memory values",
            WarnKind::BadJson => "invalid JSON lines",
            WarnKind::BadTimestamp => "unreadable timestamps",
            WarnKind::BadValue => "unreadable values",
            WarnKind::BadHeader => "skipped snapshot headers",
            WarnKind::NotSnapshot => "entries that are not snapshot objects",
            WarnKind::Other => "other problems",
        }
    }
}

/// Collects the warnings of one file, listing at most
/// [`WARNINGS_PER_KIND`] of each kind (a broken 1 GB file must not produce
/// a million warnings) and counting the rest.
#[derive(Debug, Default)]
pub(crate) struct Diag {
    source: String,
    list: Vec<Warning>,
    /// The kind of each listed warning.
    kinds: Vec<WarnKind>,
    counts: [usize; WarnKind::ALL.len()],
}

impl Diag {
    pub(crate) fn new(source: &str) -> Self {
        Diag {
            source: source.to_owned(),
            ..Diag::default()
        }
    }

    /// Records a warning; `message` is only built when it is listed.
    pub(crate) fn warn(
        &mut self,
        kind: WarnKind,
        line: Option<usize>,
        message: impl FnOnce() -> String,
    ) {
        let Some(count) = self.counts.get_mut(kind as usize) else {
            return;
        };
        *count += 1;
        if *count <= WARNINGS_PER_KIND {
            self.list.push(Warning {
                source: self.source.clone(),
                line,
                message: message(),
            });
            self.kinds.push(kind);
        }
    }

    /// Adds the warnings of a later piece of the same file, whose line 1 is
    /// line `line_offset + 1` of the file; the per-kind caps still hold.
    pub(crate) fn absorb(&mut self, other: Diag, line_offset: usize) {
        let mut listed = [0usize; WarnKind::ALL.len()];
        for (kind, mut w) in other.kinds.into_iter().zip(other.list) {
            let k = kind as usize;
            listed[k] += 1;
            self.counts[k] += 1;
            if self.counts[k] <= WARNINGS_PER_KIND {
                w.line = w.line.map(|l| l + line_offset);
                self.list.push(w);
                self.kinds.push(kind);
            }
        }
        for k in 0..listed.len() {
            self.counts[k] += other.counts[k].saturating_sub(listed[k]);
        }
    }

    /// True when a warning of this kind was recorded.
    pub(crate) fn has(&self, kind: WarnKind) -> bool {
        self.counts.get(kind as usize).is_some_and(|&c| c > 0)
    }

    pub(crate) fn first(&self) -> Option<&Warning> {
        self.list.first()
    }

    pub(crate) fn finish(mut self) -> Vec<Warning> {
        for (kind, &count) in WarnKind::ALL.iter().zip(&self.counts) {
            if count > WARNINGS_PER_KIND {
                self.list.push(Warning {
                    source: self.source.clone(),
                    line: None,
                    message: format!(
                        "{} more {} not listed",
                        count - WARNINGS_PER_KIND,
                        kind.plural()
                    ),
                });
            }
        }
        self.list
    }
}
