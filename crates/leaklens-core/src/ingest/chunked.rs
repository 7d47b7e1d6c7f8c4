//! Reading a file that is already in memory piece by piece, so a caller that
//! must stay responsive (the browser's main thread) can hand control back
//! between pieces and show progress: the [`Reader`] fed from a slice, read
//! whole from that slice when a piece cannot be read alone.

use super::stream::{Keep, Reader};
use super::{IngestError, Parsed};

/// A parse in steps: `new`, `step` until `is_done`, then `finish`.
pub struct ChunkedParse<'a> {
    bytes: &'a [u8],
    piece_bytes: usize,
    pos: usize,
    reader: Reader,
}

impl<'a> ChunkedParse<'a> {
    /// Prepares reading `bytes` in pieces of about `piece_bytes`.
    pub fn new(source: &str, bytes: &'a [u8], piece_bytes: usize) -> Self {
        let piece_bytes = piece_bytes.max(1);
        ChunkedParse {
            bytes,
            piece_bytes,
            pos: 0,
            reader: Reader::new(source, Keep::Nothing, piece_bytes),
        }
    }

    /// Bytes of the file (the progress bar's total).
    pub fn total_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes read so far.
    pub fn done_bytes(&self) -> usize {
        self.pos
    }

    pub fn is_done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Reads the next piece.
    pub fn step(&mut self) {
        let end = self
            .pos
            .saturating_add(self.piece_bytes)
            .min(self.bytes.len());
        self.reader.push(&self.bytes[self.pos..end]);
        // What must be read whole is read from the slice, at the end.
        self.pos = if self.reader.needs_whole() {
            self.bytes.len()
        } else {
            end
        };
    }

    /// The parse of the whole file.
    pub fn finish(mut self) -> Result<Parsed, IngestError> {
        while !self.is_done() {
            self.step();
        }
        self.reader.finish_with(self.bytes)
    }
}
