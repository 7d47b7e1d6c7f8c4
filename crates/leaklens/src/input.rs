//! Reading input files (or standard input) into one parsed run.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use leaklens_core::ingest::{self, Parsed};

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
/// anything bigger (or endless, like `/dev/zero` or a pipe that never
/// closes) is refused before it exhausts the machine's memory.
const MAX_INPUT_BYTES: u64 = 4 << 30;

fn read_bytes(p: &Path) -> anyhow::Result<Vec<u8>> {
    let shown = || {
        if p.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            p.display().to_string()
        }
    };
    let mut buf = Vec::new();
    let read = if p.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
    } else {
        let file = std::fs::File::open(p).with_context(|| format!("cannot read {}", shown()))?;
        if let Ok(meta) = file.metadata() {
            if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
                anyhow::bail!(too_big(&shown()));
            }
            if meta.is_file() {
                buf.reserve(meta.len() as usize);
            }
        }
        file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf)
    };
    read.with_context(|| format!("cannot read {}", shown()))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        anyhow::bail!(too_big(&shown()));
    }
    Ok(buf)
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
