//! Big pushes of NDJSON read where they land (see [`Reader::push`]).

use super::Reader;

impl Reader {
    /// NDJSON pushed in big pushes (a file read a megabyte at a time):
    /// the complete lines of `bytes` are read where they are, not copied
    /// into `pending` first; only the unfinished last line is kept:
    /// `Some(true)`. `Some(false)` when a piece needs more than itself:
    /// then `bytes` is pending, for the usual way to sort it out. None
    /// when nothing was done (not such a push).
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn read_in_place(&mut self, bytes: &[u8]) -> Option<bool> {
        use super::{absorb_all, read_piece, Mode};
        use memchr::{memchr, memrchr};
        let usual = self.mode != Mode::Ndjson
            || self.ended
            || self.taken
            || self.options.as_written
            || bytes.len() < self.piece_bytes
            || self.pending.len() >= self.piece_bytes;
        if usual {
            return None;
        }
        let (first, last) = (memchr(b'\n', bytes)?, memrchr(b'\n', bytes)?);
        // The line left unfinished by the last push, finished.
        self.pending.extend_from_slice(&bytes[..=first]);
        let rest = &bytes[first + 1..=last];
        // The rest in as many pieces as there are cores to read them.
        let mut pieces: Vec<&[u8]> = vec![&self.pending];
        let parts = (crate::par::batch() / 2).max(1);
        let mut start = 0;
        while start < rest.len() {
            let target = (start + rest.len() / parts).max(start + 1).min(rest.len());
            let end = memchr(b'\n', &rest[target - 1..]).map_or(rest.len(), |i| target + i);
            pieces.push(&rest[start..end]);
            start = end;
        }
        let (mode, source) = (self.mode, self.source.as_str());
        let pin = self.options.worker.as_deref().map(str::as_bytes);
        let (combined, deferred) = (&mut self.combined, std::mem::take(&mut self.deferred));
        let (read, ()) = crate::par::join(
            || {
                crate::par::map(&pieces, |piece| {
                    let lines = memchr::memchr_iter(b'\n', piece).count();
                    (read_piece(mode, source, piece, pin), lines)
                })
            },
            || absorb_all(combined, deferred),
        );
        let all_alone = pieces.iter().zip(&read).all(|(piece, (ingested, _))| {
            ingested
                .as_ref()
                .is_some_and(|i| !self.needs_the_whole(i, piece))
        });
        if !all_alone {
            self.pending.extend_from_slice(&bytes[first + 1..]);
            return Some(false);
        }
        for (ingested, lines) in read {
            self.defer(ingested.expect("checked above"));
            self.lines_before += lines;
        }
        self.pending.clear();
        self.pending.extend_from_slice(&bytes[last + 1..]);
        self.scan.at = 0;
        Some(true)
    }

    /// (The page keeps the one way of reading: no room for a second.)
    #[cfg(target_arch = "wasm32")]
    pub(super) fn read_in_place(&mut self, _: &[u8]) -> Option<bool> {
        None
    }
}
