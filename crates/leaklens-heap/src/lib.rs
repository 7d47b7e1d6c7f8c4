//! # leaklens-heap
//!
//! V8 heap snapshots (`.heapsnapshot`, from Node's `v8.writeHeapSnapshot`,
//! Chrome DevTools or Bun's `generateHeapSnapshot("v8")`): a streaming
//! reader into columns ([`Reader`]), the dominator tree and retained sizes
//! ([`dominators`]), a summary per constructor ([`summary`]), what grew in
//! every interval of a series of snapshots ([`growth`]) and the retainer
//! paths that hold it ([`paths`]), as one report ([`report`]).
//!
//! Sans-IO like `leaklens-core`: bytes in, data out; no file, clock or
//! thread, so it builds for `wasm32-unknown-unknown` (the browser viewer).
//! Bad input is an error with its byte offset, never a panic.

pub mod error;
mod meta;
pub mod reader;
pub mod snapshot;

pub use error::HeapError;
pub use reader::Reader;
pub use snapshot::{EdgeKind, Snapshot};

/// Reads a whole snapshot held in memory (tests, small files).
pub fn parse(name: &str, bytes: &[u8]) -> Result<Snapshot, HeapError> {
    let mut r = Reader::with_size_hint(name, bytes.len() as u64);
    r.push(bytes);
    r.finish()
}

pub mod dominators;
pub mod growth;
pub mod paths;
pub mod report;
pub mod summary;

pub use report::{Analysis, ClassRow, HeapReport, Options, Verdict};
