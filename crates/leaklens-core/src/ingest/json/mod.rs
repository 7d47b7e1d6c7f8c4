//! JSON exports: an array of snapshots, a `{"snapshots": [...]}` wrapper, a
//! single snapshot object, and NDJSON.
//!
//! Every snapshot object is read into a small stack value ([`Raw`]) that
//! borrows its strings from the input, checked and pushed straight into the
//! [`Run`](crate::run::Run) by [`Sink::accept`]; no `Vec` of snapshots and no
//! `serde_json::Value` is ever built.
//!
//! Two readers fill a `Raw`: the fast [`Scan`](super::scan::Scan) for the usual object, and
//! serde seeds (the visitors in `seeds`) for the rest of an element it declines
//! and for a whole document with a syntax error, so that the good prefix and
//! serde's message (line, column) are kept. The visitors accept any JSON
//! value for any field (a value of the wrong type is counted and ignored),
//! so only a syntax error can stop a document.
//!
//! The files: this one holds the entry points and the choice between
//! array, object and NDJSON; `sink` checks each snapshot and stores it;
//! `fast` is the fast path over `Scan`; `errors` the warnings for syntax
//! errors and where reading goes on after one; `fields` what a key means
//! (the aliases) and the values read; `seeds` the serde visitors.

use memchr::memchr;
use serde::de::DeserializeSeed;

use super::detect::{first_non_space, has_log_marker};
use super::{Ingested, InputFormat};

mod errors;
mod fast;
mod fields;
mod seeds;
mod sink;

pub(super) use fields::{field, Field, Num, Raw, Scalar};

use seeds::{ElementSeed, ListSeed};
use sink::{Ctx, Sink};

/// Reads a file that starts with `[`.
pub(super) fn read_array(source: &str, bytes: &[u8]) -> Ingested {
    read_documents(Sink::new(source, bytes), InputFormat::JsonArray)
}

/// Reads a file that starts with `{`: one object (possibly pretty-printed
/// over many lines), or NDJSON. The first line is parsed on its own: if it
/// is a complete object and more lines follow, the file is NDJSON and that
/// parse is kept; if it is an unfinished object, the file is one object. So
/// no byte is parsed twice, except the first line of a multi-line object.
pub(super) fn read_object_or_ndjson(source: &str, bytes: &[u8]) -> Ingested {
    read_object_or_ndjson_into(Sink::new(source, bytes))
}

/// NDJSON lines only (a piece of a file already known to be NDJSON).
pub(super) fn read_ndjson(source: &str, bytes: &[u8]) -> Ingested {
    read_ndjson_from(Sink::new(source, bytes), 0, 1)
}

/// The same readers without the fast path: the reference it is tested against.
#[cfg(test)]
pub(super) fn read_with_serde_only(source: &str, bytes: &[u8], array: bool) -> Ingested {
    let mut sink = Sink::new(source, bytes);
    sink.fast = false;
    if array {
        read_documents(sink, InputFormat::JsonArray)
    } else {
        read_object_or_ndjson_into(sink)
    }
}

/// The whole input as JSON documents: a list of snapshots (`format` is
/// [`InputFormat::JsonArray`]), or a wrapper or a single snapshot object.
/// Fast, else (a single snapshot, or a syntax error) serde reads it again,
/// keeps the same good prefix and says where and what the error is.
fn read_documents(mut sink: Sink<'_>, format: InputFormat) -> Ingested {
    let snapshots = crate::ingest::estimate_snapshots(sink.bytes, b"\"rss\"");
    if snapshots > 0 {
        sink.reserve(snapshots);
    }
    if sink.fast && sink.fast_documents().is_some() {
        return sink.finish(format);
    }
    sink.reset();
    let bytes = sink.bytes;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = if format == InputFormat::JsonArray {
        let ctx = Ctx::default();
        ListSeed {
            sink: &mut sink,
            ctx,
        }
        .deserialize(&mut de)
    } else {
        let ctx = Ctx {
            top: true,
            ..Ctx::default()
        };
        ElementSeed {
            sink: &mut sink,
            ctx,
        }
        .deserialize(&mut de)
    };
    if let Err(e) = result.and_then(|()| de.end()) {
        sink.syntax_error(&e);
    }
    sink.finish(format)
}

fn read_object_or_ndjson_into(mut sink: Sink<'_>) -> Ingested {
    let bytes = sink.bytes;
    let start = first_non_space(bytes).unwrap_or(0);
    let first_end = memchr(b'\n', bytes.get(start..).unwrap_or_default()).map(|i| start + i);
    let next_line = first_end.and_then(|e| {
        let rest = bytes.get(e..)?;
        first_non_space(rest).map(|i| e + i)
    });
    let (Some(first_end), Some(next_line)) = (first_end, next_line) else {
        return read_documents(sink, InputFormat::JsonObject);
    };
    let first_line_no =
        1 + memchr::memchr_iter(b'\n', bytes.get(..start).unwrap_or_default()).count();
    let first_line = bytes.get(..first_end).unwrap_or_default();
    let next_starts_object = matches!(bytes.get(next_line), Some(b'{' | b'['));
    match sink.ndjson_line(first_line, first_line_no) {
        Ok(()) if next_starts_object || !has_log_marker(bytes) => {}
        // A JSON line (say, a config dump) at the top of a worker log.
        Ok(()) => {
            sink.reset();
            return sink.finish(InputFormat::Ndjson);
        }
        Err(e) if e.is_eof() => {
            sink.reset();
            return read_documents(sink, InputFormat::JsonObject);
        }
        Err(e) if next_starts_object => sink.bad_line(&e, first_line_no),
        Err(_) => {
            sink.reset();
            return read_documents(sink, InputFormat::JsonObject);
        }
    }
    read_ndjson_from(sink, first_end + 1, first_line_no + 1)
}

/// NDJSON from byte `pos`, which starts line `line_no`.
fn read_ndjson_from(mut sink: Sink<'_>, mut pos: usize, mut line_no: usize) -> Ingested {
    let bytes = sink.bytes;
    // One pass over all of it beats checking each string of each line.
    sink.text = crate::ingest::scan::Scan::known_text(bytes);
    // One snapshot per line: reserving up front avoids regrowing the
    // columns. Lines are estimated from the first 64 KB (counting them all
    // would cost a pass); the margin is only address space until touched.
    let rest = bytes.get(pos..).unwrap_or_default();
    let head = rest.get(..1 << 16).unwrap_or(rest);
    let head_lines = memchr::memchr_iter(b'\n', head).count() + 1;
    let estimate = (rest.len() / head.len().max(1)).saturating_mul(head_lines);
    sink.reserve(
        estimate
            .saturating_add(estimate / 8)
            .min(bytes.len() / 16 + 1),
    );
    while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
        let len = memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..len).unwrap_or_default();
        if let Err(e) = sink.ndjson_line(line, line_no) {
            sink.bad_line(&e, line_no);
        }
        pos += len + 1;
        line_no += 1;
    }
    sink.finish(InputFormat::Ndjson)
}

/// Parses one NDJSON line with serde (blank lines are skipped).
fn parse_line<'de>(
    sink: &mut Sink<'de>,
    line: &'de [u8],
    line_no: usize,
) -> Result<(), serde_json::Error> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let ctx = Ctx {
        line: Some(line_no),
        top: true,
        index: None,
    };
    ElementSeed { sink, ctx }.deserialize(&mut de)?;
    de.end()
}
