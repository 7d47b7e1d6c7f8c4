//! The open byte ranges a live viewer reads a growing run with: it has the
//! first `N` bytes and asks for what follows (`Range: bytes=N-`); the
//! server answers 206 with `Content-Range: bytes N-last/size`, or 416 with
//! `Content-Range: bytes */size` when nothing follows. Committed data never
//! changes, it only grows, so each append is downloaded once.

/// The `Range` header value asking for everything from byte `start` on.
pub fn request(start: u64) -> String {
    format!("bytes={start}-")
}

/// The start of an open range (`bytes=N-`). Other forms (suffixes, closed
/// or several ranges) are not asked for by the viewer: `None`, and the
/// server sends the whole run, as HTTP allows.
pub fn parse_request(value: &str) -> Option<u64> {
    digits(value.trim().strip_prefix("bytes=")?.strip_suffix('-')?)
}

/// The `Content-Range` of a 206 carrying bytes `start..size` of `size`
/// (`start < size`).
pub fn partial(start: u64, size: u64) -> String {
    format!("bytes {start}-{}/{size}", size.saturating_sub(1))
}

/// The `Content-Range` of a 416: nothing follows, the data holds `size`
/// bytes.
pub fn unsatisfied(size: u64) -> String {
    format!("bytes */{size}")
}

/// Where the part of a 206 starts, from its `Content-Range`
/// (`bytes N-M/size`).
pub fn parse_partial_start(value: &str) -> Option<u64> {
    let (start, _) = value.trim().strip_prefix("bytes ")?.split_once('-')?;
    digits(start)
}

/// A decimal number written with digits only (no sign, no spaces).
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        for n in [0, 1, 35_000, u64::MAX] {
            assert_eq!(parse_request(&request(n)), Some(n));
        }
        assert_eq!(parse_request(" bytes=12- "), Some(12));
    }

    #[test]
    fn other_range_forms_are_not_open_ranges() {
        for odd in [
            "bytes=-100",
            "bytes=0-10",
            "bytes=x-",
            "bytes=-",
            "bytes=+3-",
            "items=3-",
            "bytes=1-,5-",
            "bytes=99999999999999999999-",
            "",
        ] {
            assert_eq!(parse_request(odd), None, "{odd}");
        }
    }

    #[test]
    fn content_ranges() {
        assert_eq!(partial(35, 60), "bytes 35-59/60");
        assert_eq!(parse_partial_start(&partial(35, 60)), Some(35));
        assert_eq!(unsatisfied(60), "bytes */60");
        assert_eq!(parse_partial_start(&unsatisfied(60)), None);
        assert_eq!(parse_partial_start("bytes x-1/2"), None);
        assert_eq!(parse_partial_start("items 1-2/3"), None);
    }
}
