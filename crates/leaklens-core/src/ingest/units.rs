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

/// Exact powers of ten representable in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `mantissa × 10^exp10` when it can be computed exactly rounded with one
/// multiplication or division (Clinger's fast path: both operands exact).
#[inline]
pub(crate) fn fast_decimal(mantissa: u64, exp10: i32) -> Option<f64> {
    if mantissa > 1 << 53 {
        return None;
    }
    let m = mantissa as f64;
    let p = *POW10.get(exp10.unsigned_abs() as usize)?;
    Some(if exp10 >= 0 { m * p } else { m / p })
}

/// The value of a decimal number already scanned, written `text`: by
/// [`fast_decimal`] from its `(mantissa, exp10)` when given (at most 19
/// digits, no exponent), else parsed from the text; None when it is not
/// finite.
#[inline]
pub(crate) fn decimal_value(text: &[u8], negative: bool, fast: Option<(u64, i32)>) -> Option<f64> {
    let v = match fast.and_then(|(mantissa, exp10)| fast_decimal(mantissa, exp10)) {
        Some(v) if negative => -v,
        Some(v) => v,
        None => {
            let text = std::str::from_utf8(text).ok()?;
            text.strip_prefix('+').unwrap_or(text).parse().ok()?
        }
    };
    v.is_finite().then_some(v)
}

/// Splits `s` (leading whitespace already removed) into a decimal number
/// (`-12`, `+4.5`, `.5`, `1e3`) and the rest. None when `s` does not start
/// with a number.
fn split_number(s: &[u8]) -> Option<(f64, &[u8])> {
    let mut i = 0;
    let negative = s.first() == Some(&b'-');
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    // Up to 19 digits fit in the mantissa; longer numbers take the slow path.
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut exp10: i32 = 0;
    while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        digits += 1;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        let mut j = i + 1;
        let mut frac = 0;
        while let Some(&c) = s.get(j).filter(|c| c.is_ascii_digit()) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            frac += 1;
            j += 1;
        }
        if frac > 0 || digits > 0 {
            digits += frac;
            exp10 -= frac;
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    let mut simple = digits <= 19;
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
            simple = false;
        }
    }
    let v = decimal_value(s.get(..i)?, negative, simple.then_some((mantissa, exp10)))?;
    Some((v, s.get(i..)?))
}

/// Reads a memory amount such as `245.32MB`, `512 KB`, `+45.23MB` or `0`
/// and returns it in MB with the unit it was written in (MB when none).
/// Text after the unit that starts with a space or a bracket is ignored
/// (`12MB (peak)`); anything else makes the amount unreadable.
pub(crate) fn parse_amount(s: &[u8]) -> Option<(f64, Unit)> {
    let s = trim(s);
    let grouped = without_thousands_separators(s);
    let (v, rest) = split_number(grouped.as_deref().unwrap_or(s))?;
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

/// `1,105.50MB` as `1105.50MB`: a number written with thousands
/// separators (a digit, then groups of a comma and exactly three digits).
/// None when `s` does not start that way (`12MB, 13MB` keeps its comma).
fn without_thousands_separators(s: &[u8]) -> Option<Vec<u8>> {
    let sign = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let lead = s[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    if lead == 0 || lead > 3 {
        return None;
    }
    let mut i = sign + lead;
    let mut groups = 0;
    while s.get(i) == Some(&b',')
        && s.get(i + 1..i + 4)
            .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
        && !s.get(i + 4).is_some_and(u8::is_ascii_digit)
    {
        i += 4;
        groups += 1;
    }
    if groups == 0 {
        return None;
    }
    let mut out: Vec<u8> = s[..i].iter().copied().filter(|&c| c != b',').collect();
    out.extend_from_slice(&s[i..]);
    Some(out)
}

/// Reads a count such as `1` or `+0` (a number without a unit).
pub(crate) fn parse_count(s: &[u8]) -> Option<f64> {
    let s = trim(s);
    let grouped = without_thousands_separators(s);
    let (v, rest) = split_number(grouped.as_deref().unwrap_or(s))?;
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
    fn thousands_separators_are_read() {
        assert_eq!(parse_amount(b"1,105.50MB"), Some((1105.5, Unit::Mb)));
        assert_eq!(parse_amount(b"12,345,678 KB").map(|a| a.1), Some(Unit::Kb));
        assert_eq!(parse_count(b"1,024"), Some(1024.0));
        // Not a group of three: the comma ends the amount, as before.
        assert_eq!(parse_amount(b"12MB, then"), Some((12.0, Unit::Mb)));
        assert_eq!(parse_amount(b"1,05MB"), Some((1.0, Unit::Mb)));
    }

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
    fn fast_and_slow_numbers_agree() {
        for text in [
            "0",
            "245.32",
            "-0.5",
            "123456789.123456789",
            "0.1",
            "9007199254740993",
            "1e3",
            "12345678901234567890123",
            "3.14159265358979323846",
            ".25",
            "7.",
        ] {
            let want: f64 = text.parse().unwrap();
            let (got, rest) = split_number(text.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            assert!(rest.is_empty(), "{text}");
        }
        assert_eq!(fast_decimal(24532, -2), Some(245.32));
        assert_eq!(fast_decimal(1, 23), None);
        assert_eq!(fast_decimal(u64::MAX, 0), None);
    }

    #[test]
    fn counts_have_no_unit() {
        assert_eq!(parse_count(b" 1"), Some(1.0));
        assert_eq!(parse_count(b"+0"), Some(0.0));
        assert_eq!(parse_count(b"3MB"), None);
        assert_eq!(parse_count(b"many"), None);
    }
}
