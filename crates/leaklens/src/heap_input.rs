//! Reading heap snapshot files: streamed in 1 MB pieces into the
//! `leaklens-heap` reader (gzip decompressed on the way), with a progress
//! bar on a terminal; the file is never held whole.

use std::io::IsTerminal;
use std::path::Path;

use leaklens_heap::{Reader, Snapshot};

use crate::input;

/// The file's display name and its snapshot.
pub fn read(p: &Path) -> anyhow::Result<(String, Snapshot)> {
    let name = input::display_name(p);
    let (mut source, what, counted) = input::open(p)?;
    let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let stdin = p.as_os_str() == "-";
    let bar =
        (!stdin && size >= input::PROGRESS_MIN_BYTES as u64 && std::io::stderr().is_terminal())
            .then(|| input::progress_bar(size, &name));
    let mut reader = if size > 0 && !what.ends_with("(gzip)") {
        Reader::with_size_hint(&name, size)
    } else {
        Reader::new(&name)
    };
    let mut piece = Vec::with_capacity(1 << 20);
    while input::read_piece(&mut source, &mut piece, &what)? > 0 {
        reader.push(&piece);
        if reader.failed() {
            break;
        }
        if let Some(b) = &bar {
            b.set_position(counted.0.get());
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok((name, reader.finish()?))
}
