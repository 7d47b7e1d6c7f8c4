//! Reading input files (or standard input) into one parsed run.

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use leaklens_core::ingest::{self, Parsed};
use memchr::memmem;

/// Inputs above this size get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: usize = 4 << 20;

fn display_name(p: &Path) -> String {
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
const SNAPSHOT_SIGNS: [&[u8]; 7] = [
    b"Memory Snapshot",
    b"heapUsed",
    b"heap_used",
    b"\"rss\"",
    b"pageCount",
    b"contextCount",
    b"RSS:",
];

fn read_bytes(p: &Path) -> anyhow::Result<Vec<u8>> {
    let shown = if p.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        p.display().to_string()
    };
    let source: Box<dyn Read> = if p.as_os_str() == "-" {
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
    let mut source = BufReader::with_capacity(1 << 16, source);
    let head = source
        .fill_buf()
        .with_context(|| format!("cannot read {shown}"))?;
    // Gzip (by its magic bytes, not the name), decompressed as it is read.
    let gzip = ingest::sniff(head) == ingest::Sniffed::Gzip;
    let mut reader: Box<dyn Read> = if gzip {
        Box::new(MultiGzDecoder::new(source))
    } else {
        Box::new(source)
    };
    let what = if gzip {
        format!("{shown} (gzip)")
    } else {
        shown.clone()
    };
    read_guarded(&mut reader, &what)
}

/// Reads to the end in pieces, with bounded memory: refuses binary data at
/// once, input with no snapshot in its first 256 MB, and more than 4 GiB.
fn read_guarded(reader: &mut dyn Read, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut seen = false;
    let mut checked = 0usize;
    let mut first = true;
    loop {
        let n = reader
            .take(PIECE)
            .read_to_end(&mut buf)
            .with_context(|| format!("cannot read {what}"))?;
        if first {
            first = false;
            match ingest::sniff(&buf) {
                ingest::Sniffed::Binary => anyhow::bail!(
                    "{what} is binary data, not a text export of memory snapshots \
                     (JSON, NDJSON or the profiler's log; gzip-compressed is read too)"
                ),
                // UTF-16: the signs below are ASCII; the reader decodes it.
                ingest::Sniffed::Utf16 => seen = true,
                _ => {}
            }
        }
        if !seen {
            let from = checked.saturating_sub(16);
            seen = buf.get(from..).is_some_and(|new| {
                SNAPSHOT_SIGNS
                    .iter()
                    .any(|s| memmem::find(new, s).is_some())
            });
            checked = buf.len();
            if !seen && buf.len() > NO_SNAPSHOT_LIMIT {
                anyhow::bail!(
                    "{what}: no memory snapshot in its first {} MB (no \"Memory Snapshot\" header, \
                     no heapUsed or rss field): not a snapshot export, or endless input",
                    NO_SNAPSHOT_LIMIT >> 20
                );
            }
        }
        if buf.len() as u64 > MAX_INPUT_BYTES {
            anyhow::bail!(too_big(what));
        }
        if n == 0 {
            return Ok(buf);
        }
    }
}

fn too_big(what: &str) -> String {
    format!(
        "{what} is larger than {} GiB: not a snapshot export leaklens can hold in memory \
         (split the run, or analyse its most recent part)",
        MAX_INPUT_BYTES >> 30
    )
}

/// Reads and parses every file as exports of one run, merged.
pub fn read_inputs(files: &[PathBuf]) -> anyhow::Result<Parsed> {
    Ok(read_inputs_keeping_bytes(files)?.0)
}

/// A file's display name and its bytes.
pub type NamedBytes = (String, Vec<u8>);

/// [`read_inputs`], also returning each file's name and bytes.
pub fn read_inputs_keeping_bytes(files: &[PathBuf]) -> anyhow::Result<(Parsed, Vec<NamedBytes>)> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (`-`) can be read only once");
    }
    let mut parsed = Vec::with_capacity(files.len());
    let mut kept = Vec::with_capacity(files.len());
    for f in files {
        let bytes = read_bytes(f)?;
        let name = display_name(f);
        parsed.push(parse_one(&name, &bytes)?);
        kept.push((name, bytes));
    }
    Ok((ingest::merge_parsed(parsed), kept))
}

fn parse_one(name: &str, bytes: &[u8]) -> anyhow::Result<Parsed> {
    let bar = (bytes.len() >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(bytes.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(format!("reading {name}"));
        bar
    });
    let result = ingest::parse_with_progress(name, bytes, &mut |done| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(result?)
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
