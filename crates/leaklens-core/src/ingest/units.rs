//! Memory units (`B`, `KB`, `MB`, `GB`) and the numbers that carry them in a
//! worker log (`245.32MB`, `+45.23MB`, `1`).

/// A unit a memory value can be written in. MB means 1024 × 1024 bytes, as
/// the profiler prints it; KB and GB are the neighbouring powers of 1024.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Bytes,
    Kb,
    Mb,
    Gb,
}

impl Unit {
    /// Reads a unit name, ASCII case-insensitively: `B`, `byte(s)`, `KB`,
    /// `KiB`, `MB`, `MiB`, `GB`, `GiB` (and `k`, `m`, `g`).
    pub(crate) fn parse(name: &[u8]) -> Option<Unit> {
        let mut buf = [0u8; 8];
        let name = trim(name);
        if name.len() > buf.len() {
            return None;
        }
        for (b, c) in buf.iter_mut().zip(name) {
            *b = c.to_ascii_lowercase();
        }
        Some(match buf.get(..name.len())? {
            b"b" | b"byte" | b"bytes" => Unit::Bytes,
            b"k" | b"kb" | b"kib" => Unit::Kb,
            b"m" | b"mb" | b"mib" => Unit::Mb,
            b"g" | b"gb" | b"gib" => Unit::Gb,
            _ => return None,
        })
    }

    /// The factor that turns a value in this unit into MB. Every factor is a
    /// power of two, so multiplying is exactly dividing by 1048576 (bytes).
    pub(crate) fn to_mb(self) -> f64 {
        match self {
            Unit::Bytes => 1.0 / 1_048_576.0,
            Unit::Kb => 1.0 / 1024.0,
            Unit::Mb => 1.0,
            Unit::Gb => 1024.0,
        }
    }
}

/// Strips ASCII whitespace from both ends.
pub(crate) fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

/// Splits `s` (leading whitespace already removed) into a decimal number
/// (`-12`, `+4.5`, `.5`, `1e3`) and the rest. None when `s` does not start
/// with a number.
fn split_number(s: &[u8]) -> Option<(f64, &[u8])> {
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if s.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > frac_start || digits > 0 {
            digits += j - frac_start;
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    // An exponent only when digits follow it (so `5B` stays five bytes).
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_start = j;
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    let text = std::str::from_utf8(s.get(..i)?).ok()?;
    let text = text.strip_prefix('+').unwrap_or(text);
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some((v, s.get(i..)?))
}

/// Reads a memory amount such as `245.32MB`, `512 KB`, `+45.23MB` or `0`
/// and returns it in MB with the unit it was written in (MB when none).
/// Text after the unit that starts with a space or a bracket is ignored
/// (`12MB (peak)`); anything else makes the amount unreadable.
pub(crate) fn parse_amount(s: &[u8]) -> Option<(f64, Unit)> {
    let (v, rest) = split_number(trim(s))?;
    let rest = rest.trim_ascii_start();
    let unit_len = rest
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (name, tail) = rest.split_at(unit_len);
    let unit = if name.is_empty() {
        Unit::Mb
    } else {
        Unit::parse(name)?
    };
    match tail.first() {
        None | Some(b' ' | b'\t' | b'(' | b'[' | b',' | b';') => Some((v * unit.to_mb(), unit)),
        _ => None,
    }
}

/// Reads a count such as `1` or `+0` (a number without a unit).
pub(crate) fn parse_count(s: &[u8]) -> Option<f64> {
    let (v, rest) = split_number(trim(s))?;
    let rest = rest.trim_ascii_start();
    match rest.first() {
        None | Some(b'(' | b'[' | b',' | b';') => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_case_insensitively() {
        assert_eq!(Unit::parse(b"bytes"), Some(Unit::Bytes));
        assert_eq!(Unit::parse(b"B"), Some(Unit::Bytes));
        assert_eq!(Unit::parse(b" MB "), Some(Unit::Mb));
        assert_eq!(Unit::parse(b"KiB"), Some(Unit::Kb));
        assert_eq!(Unit::parse(b"gb"), Some(Unit::Gb));
        assert_eq!(Unit::parse(b"parsecs"), None);
        assert_eq!(Unit::parse(b"averyveryverylongname"), None);
    }

    #[test]
    fn amounts_carry_units() {
        assert_eq!(parse_amount(b"245.32MB"), Some((245.32, Unit::Mb)));
        assert_eq!(parse_amount(b" 512.00MB "), Some((512.0, Unit::Mb)));
        assert_eq!(parse_amount(b"+45.23MB"), Some((45.23, Unit::Mb)));
        assert_eq!(parse_amount(b"-3.5 MB"), Some((-3.5, Unit::Mb)));
        assert_eq!(parse_amount(b"12"), Some((12.0, Unit::Mb)));
        assert_eq!(parse_amount(b"2048KB"), Some((2.0, Unit::Kb)));
        assert_eq!(parse_amount(b"1GB"), Some((1024.0, Unit::Gb)));
        assert_eq!(parse_amount(b"1048576B"), Some((1.0, Unit::Bytes)));
        assert_eq!(parse_amount(b"2097152 bytes"), Some((2.0, Unit::Bytes)));
        assert_eq!(parse_amount(b"5MB (peak)"), Some((5.0, Unit::Mb)));
        assert_eq!(parse_amount(b"1e3MB"), Some((1000.0, Unit::Mb)));
        assert_eq!(parse_amount(b"abcMB"), None);
        assert_eq!(parse_amount(b"12.3.4MB"), None);
        assert_eq!(parse_amount(b"12 apples"), None);
        assert_eq!(parse_amount(b""), None);
        assert_eq!(parse_amount(b"-"), None);
        assert_eq!(parse_amount(b"."), None);
    }

    #[test]
    fn counts_have_no_unit() {
        assert_eq!(parse_count(b" 1"), Some(1.0));
        assert_eq!(parse_count(b"+0"), Some(0.0));
        assert_eq!(parse_count(b"3MB"), None);
        assert_eq!(parse_count(b"many"), None);
    }
}
