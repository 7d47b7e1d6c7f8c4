//! Which shape a file is, from its first bytes (never from its name).

use memchr::memmem;

/// The text that starts every snapshot block of a worker log.
pub(crate) const LOG_MARKER: &[u8] = b"Memory Snapshot [Cycle ";

/// The shape [`detect`] sees at the start of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Nothing but whitespace.
    Blank,
    /// `[` followed by `{` or `]`: a JSON array of snapshots.
    JsonArray,
    /// `{`: one JSON object (wrapper or snapshot) or NDJSON; the JSON reader
    /// tells them apart while it parses the first line.
    JsonObject,
    /// Anything else, including `[worker] ...` log lines.
    Log,
}

/// Drops a UTF-8 byte order mark.
pub(crate) fn skip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

pub(crate) fn detect(body: &[u8]) -> Shape {
    let Some(start) = first_non_space(body) else {
        return Shape::Blank;
    };
    let rest = body.get(start + 1..).unwrap_or_default();
    match body.get(start) {
        Some(b'[') => match first_non_space(rest).and_then(|i| rest.get(i)) {
            None | Some(b'{' | b']') => Shape::JsonArray,
            Some(_) => Shape::Log,
        },
        Some(b'{') => Shape::JsonObject,
        _ => Shape::Log,
    }
}

pub(crate) fn first_non_space(s: &[u8]) -> Option<usize> {
    s.iter().position(|c| !c.is_ascii_whitespace())
}

/// True when the bytes contain a worker log's snapshot header.
pub(crate) fn has_log_marker(body: &[u8]) -> bool {
    memmem::find(body, LOG_MARKER).is_some()
}

/// Text exported from Windows tools is often UTF-16 (PowerShell's `>`).
/// Returns it as UTF-8 when the file starts with a UTF-16 byte order mark,
/// or looks like UTF-16 ASCII (every other byte NUL); None otherwise.
pub(crate) fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (little, body) = utf16(bytes)?;
    let units = body.chunks_exact(2).map(|p| match p {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(match text.strip_prefix('\u{FEFF}') {
        Some(t) => t.to_owned(),
        None => text,
    })
}

/// UTF-16 text (by its byte-order mark, or ASCII text with a NUL beside
/// every character): little-endian or not, and the bytes after the mark.
fn utf16(bytes: &[u8]) -> Option<(bool, &[u8])> {
    let text = |c: &u8| c.is_ascii_graphic() || c.is_ascii_whitespace();
    match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((true, rest)),
        [0xFE, 0xFF, rest @ ..] => Some((false, rest)),
        [a, 0, b, 0, ..] if text(a) && text(b) => Some((true, bytes)),
        [0, a, 0, b, ..] if text(a) && text(b) => Some((false, bytes)),
        _ => None,
    }
}

/// True when the start of a file is UTF-16 text.
pub(crate) fn is_utf16(head: &[u8]) -> bool {
    utf16(head).is_some()
}

/// True when the start of the file holds NUL bytes or many control bytes:
/// binary data rather than a text export.
pub(crate) fn looks_binary(body: &[u8]) -> bool {
    let head = body.get(..4096).unwrap_or(body);
    let control = head
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    head.contains(&0) || control * 20 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(detect(b""), Shape::Blank);
        assert_eq!(detect(b" \n\t "), Shape::Blank);
        assert_eq!(detect(b"[{\"cycle\":1}]"), Shape::JsonArray);
        assert_eq!(detect(b"  [\n  {"), Shape::JsonArray);
        assert_eq!(detect(b"[]"), Shape::JsonArray);
        assert_eq!(detect(b"["), Shape::JsonArray);
        assert_eq!(detect(b"[worker] scraped"), Shape::Log);
        assert_eq!(detect(b"[2026-11-20] x"), Shape::Log);
        assert_eq!(detect(b"\n{\"a\":1}"), Shape::JsonObject);
        assert_eq!(detect(b"worker-1  | x"), Shape::Log);
    }

    #[test]
    fn utf16_is_decoded() {
        let text = "[{\"rss\": 1}]";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_utf16(&le).as_deref(), Some(text));
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_utf16(&be).as_deref(), Some(text));
        assert_eq!(decode_utf16(text.as_bytes()), None);
        assert_eq!(decode_utf16(b"\xFF"), None);
    }

    #[test]
    fn binary_is_recognised() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\0\0\0"));
        assert!(!looks_binary("📊 Memory Snapshot [Cycle 1]".as_bytes()));
    }
}

/// A compressed file, by its magic bytes (never by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zstd,
}

pub(crate) fn compression(bytes: &[u8]) -> Option<Compression> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else {
        None
    }
}
