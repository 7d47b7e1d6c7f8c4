//! Reading input files (or standard input) into one parsed run.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use leaklens_core::ingest::{self, Parsed};
use memchr::memmem;

/// Inputs above this size get a progress bar (when stderr is a terminal).
pub(crate) const PROGRESS_MIN_BYTES: usize = 4 << 20;

pub(crate) fn display_name(p: &Path) -> String {
    if p.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        p.display().to_string()
    }
}

/// The largest input read: a run of ten million snapshots is about 3 GB;
/// anything bigger is refused before it exhausts the machine's memory.
const MAX_INPUT_BYTES: u64 = 4 << 30;

/// Input read this far with no sign of a snapshot in it (endless input such
/// as `yes | leaklens analyze -`, a wrong file) is refused.
const NO_SNAPSHOT_LIMIT: usize = 256 << 20;

/// Input is read in pieces this big (and checked after each).
const PIECE: u64 = 1 << 20;

/// Text every snapshot format holds early: the profiler's log header and
/// the names of `process.memoryUsage()` and browser fields.
const SNAPSHOT_SIGNS: [&[u8]; 12] = [
    b"Memory Snapshot",
    b"heapUsed",
    b"heap_used",
    b"\"rss\"",
    b"pageCount",
    b"contextCount",
    b"RSS:",
    b"heap_size_used",
    b"heap.used",
    b"JSHeapUsedSize",
    b"resident_memory",
    b"memory.usage",
];

/// Opens a file (or standard input) for reading, decompressing gzip (by its
/// magic bytes, not the name) as it is read. Also returns the name to show
/// and a counter of the bytes taken from the file itself (the progress).
pub(crate) fn open(p: &Path) -> anyhow::Result<(Box<dyn Read>, String, Counted)> {
    let stdin = p.as_os_str() == "-";
    let shown = if stdin {
        "standard input".to_string()
    } else {
        p.display().to_string()
    };
    let source: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(p).with_context(|| format!("cannot read {shown}"))?;
        if let Ok(meta) = file.metadata() {
            if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
                anyhow::bail!(too_big(&shown));
            }
        }
        Box::new(file)
    };
    let counted = Counted::default();
    let source = CountingRead {
        inner: source,
        count: counted.clone(),
    };
    let mut source = BufReader::with_capacity(1 << 16, source);
    let head = source
        .fill_buf()
        .with_context(|| format!("cannot read {shown}"))?;
    let gzip = ingest::sniff(head) == ingest::Sniffed::Gzip;
    Ok(if gzip {
        (
            Box::new(MultiGzDecoder::new(source)),
            format!("{shown} (gzip)"),
            counted,
        )
    } else {
        (Box::new(source), shown, counted)
    })
}

/// Bytes read from a file so far, shared with the reader that counts them.
#[derive(Clone, Default)]
pub(crate) struct Counted(pub(crate) std::rc::Rc<std::cell::Cell<u64>>);

struct CountingRead<R> {
    inner: R,
    count: Counted,
}

impl<R: Read> Read for CountingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.0.set(self.count.0.get() + n as u64);
        Ok(n)
    }
}

/// Checks each piece as it is read: refuses binary data at once, input with
/// no snapshot in its first 256 MB, and more than 4 GiB.
struct Guard<'a> {
    what: &'a str,
    read: usize,
    seen: bool,
    /// The end of the previous piece (a sign may straddle two pieces).
    tail: Vec<u8>,
}

impl<'a> Guard<'a> {
    fn new(what: &'a str) -> Self {
        Guard {
            what,
            read: 0,
            seen: false,
            tail: Vec::new(),
        }
    }

    fn check(&mut self, piece: &[u8]) -> anyhow::Result<()> {
        let what = self.what;
        if self.read == 0 {
            match ingest::sniff(piece) {
                ingest::Sniffed::Binary => anyhow::bail!(
                    "{what} is binary data, not a text export of memory snapshots \
                     (JSON, NDJSON or the profiler's log; gzip-compressed is read too)"
                ),
                // UTF-16: the signs below are ASCII; the reader decodes it.
                ingest::Sniffed::Utf16 => self.seen = true,
                _ => {}
            }
        }
        self.read += piece.len();
        if !self.seen {
            self.tail.extend_from_slice(&piece[..piece.len().min(16)]);
            self.seen = [&self.tail[..], piece].iter().any(|text| {
                SNAPSHOT_SIGNS
                    .iter()
                    .any(|s| memmem::find(text, s).is_some())
            });
            self.tail = piece[piece.len().saturating_sub(16)..].to_vec();
            if !self.seen && self.read > NO_SNAPSHOT_LIMIT {
                anyhow::bail!(
                    "{what}: no memory snapshot in its first {} MB (no \"Memory Snapshot\" header, \
                     no heapUsed or rss field): not a snapshot export, or endless input",
                    NO_SNAPSHOT_LIMIT >> 20
                );
            }
        }
        if self.read as u64 > MAX_INPUT_BYTES {
            anyhow::bail!(too_big(what));
        }
        Ok(())
    }
}

fn too_big(what: &str) -> String {
    format!(
        "{what} is larger than {} GiB: not a snapshot export leaklens can hold in memory \
         (split the run, or analyse its most recent part)",
        MAX_INPUT_BYTES >> 30
    )
}

/// A file's display name and what was read from it.
pub type NamedParsed = (String, Parsed);

/// Reads and parses every file (for `leaklens_core::inputs`).
/// `worker`: the one worker (log service, or metrics process) to read.
pub fn read_inputs(files: &[PathBuf], worker: Option<&str>) -> anyhow::Result<Vec<NamedParsed>> {
    Ok(read_all(files, false, worker)?.0)
}

/// A file's display name and its bytes.
pub type NamedBytes = (String, Vec<u8>);

/// [`read_inputs`], also returning each file's name and bytes.
pub fn read_inputs_keeping_bytes(
    files: &[PathBuf],
    worker: Option<&str>,
) -> anyhow::Result<(Vec<NamedParsed>, Vec<NamedBytes>)> {
    read_all(files, true, worker)
}

fn read_all(
    files: &[PathBuf],
    keep: bool,
    worker: Option<&str>,
) -> anyhow::Result<(Vec<NamedParsed>, Vec<NamedBytes>)> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (`-`) can be read only once");
    }
    let mut parsed = Vec::with_capacity(files.len());
    let mut kept = Vec::with_capacity(files.len());
    for f in files {
        let name = display_name(f);
        let (one, bytes) = read_one(f, &name, keep, worker)?;
        if let Some(bytes) = bytes {
            kept.push((name.clone(), bytes));
        }
        parsed.push((name, one));
    }
    Ok((parsed, kept))
}

/// Reads one file as it arrives, in pieces, with a progress bar on a
/// terminal: the file is never held whole unless `keep` (or its shape needs
/// it read whole). Returns its snapshots, and its bytes when `keep`.
fn read_one(
    p: &Path,
    name: &str,
    keep: bool,
    worker: Option<&str>,
) -> anyhow::Result<(Parsed, Option<Vec<u8>>)> {
    let options = ingest::ReadOptions {
        worker: worker.map(str::to_owned),
        ..ingest::ReadOptions::default()
    };
    let (mut source, what, counted) = open(p)?;
    let stdin = p.as_os_str() == "-";
    let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let bar = (!stdin && size >= PROGRESS_MIN_BYTES as u64 && std::io::stderr().is_terminal())
        .then(|| progress_bar(size, name));
    // A pipe cannot be read twice: the reader keeps its bytes.
    let policy = if stdin && !keep {
        ingest::Keep::All
    } else {
        ingest::Keep::Nothing
    };
    let mut reader =
        ingest::Reader::with_options(name, policy, ingest::PIECE_BYTES, options.clone());
    let mut kept = keep.then(Vec::new);
    let mut guard = Guard::new(&what);
    let mut piece = Vec::with_capacity(PIECE as usize);
    while read_piece(&mut source, &mut piece, &what)? > 0 {
        guard.check(&piece)?;
        if let Some(kept) = kept.as_mut() {
            kept.extend_from_slice(&piece);
        }
        if !reader.needs_whole() {
            reader.push(&piece);
        }
        if let Some(b) = &bar {
            b.set_position(counted.0.get());
        }
        if reader.needs_whole() && kept.is_none() {
            // Read again from the start, whole (a file on disk).
            break;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let parsed = match (reader.finish(), &kept) {
        (ingest::Finished::Done(parsed), _) => parsed?,
        (ingest::Finished::ReadWhole, Some(bytes)) => ingest::parse_with(name, bytes, &options)?,
        (ingest::Finished::ReadWhole, None) => {
            // Read again from the start, whole (a file on disk).
            let (mut source, what, _) = open(p)?;
            let mut guard = Guard::new(&what);
            let mut bytes = Vec::new();
            while read_piece(&mut source, &mut piece, &what)? > 0 {
                guard.check(&piece)?;
                bytes.extend_from_slice(&piece);
            }
            ingest::parse_with(name, &bytes, &options)?
        }
    };
    Ok((parsed, kept))
}

/// The next piece of `source` (its size; 0 at the end) into `piece`.
pub(crate) fn read_piece(
    source: &mut dyn Read,
    piece: &mut Vec<u8>,
    what: &str,
) -> anyhow::Result<usize> {
    piece.clear();
    source
        .take(PIECE)
        .read_to_end(piece)
        .with_context(|| format!("cannot read {what}"))
}

pub(crate) fn progress_bar(total: u64, name: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("reading {name}"));
    bar
}

/// A short title for reports: the file names.
pub fn title_of(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                "<stdin>".to_string()
            } else {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
