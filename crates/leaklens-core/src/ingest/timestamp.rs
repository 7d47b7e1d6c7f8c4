//! Timestamps: ISO-8601 / RFC 3339 dates and epoch numbers, to milliseconds
//! since the Unix epoch (UTC). Hand-written so that it accepts what real logs
//! carry (any fraction length, `T` or space, offset optional) and never panics.

/// Reads an ISO-8601 date-time: `YYYY-MM-DD`, optionally followed by `T` (or
/// a space) and `HH:MM[:SS[.fraction]]`, optionally followed by `Z` or an
/// offset `±HH[:MM]`. Without an offset the time is taken as UTC. The whole
/// input must match.
pub(crate) fn parse_iso8601(s: &[u8]) -> Option<i64> {
    let mut p = Cursor { s, i: 0 };
    let year = p.digits(4)?;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    if p.at_end() {
        return Some(ms);
    }
    match p.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = p.digits(2)?;
    p.expect(b':')?;
    let minute = p.digits(2)?;
    let mut second = 0;
    let mut millis = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2)?;
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.i += 1;
            let start = p.i;
            let mut scale = 100;
            while let Some(d) = p.peek().filter(u8::is_ascii_digit) {
                millis += i64::from(d - b'0') * scale;
                scale /= 10;
                p.i += 1;
            }
            if p.i == start {
                return None;
            }
        }
    }
    // 24:00 and leap seconds are not worth the ambiguity.
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    match p.next() {
        None => Some(ms),
        Some(b'Z' | b'z') if p.at_end() => Some(ms),
        Some(sign @ (b'+' | b'-')) => {
            let oh = p.digits(2)?;
            if p.peek() == Some(b':') {
                p.i += 1;
            }
            let om = if p.at_end() { 0 } else { p.digits(2)? };
            if !p.at_end() || oh > 23 || om > 59 {
                return None;
            }
            let offset = (oh * 60 + om) * 60_000;
            Some(if sign == b'+' {
                ms - offset
            } else {
                ms + offset
            })
        }
        _ => None,
    }
}

/// Reads an epoch number written as digits: 12–13 digits are milliseconds,
/// 10–11 digits seconds. Anything else is not an epoch timestamp.
pub(crate) fn parse_epoch_digits(s: &[u8]) -> Option<i64> {
    if !(10..=13).contains(&s.len()) || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = s.iter().fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
    Some(if s.len() >= 12 { v } else { v * 1000 })
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0i64;
        for _ in 0..n {
            let d = self.next().filter(u8::is_ascii_digit)?;
            v = v * 10 + i64::from(d - b'0');
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_25_2025: i64 = 1_764_028_800_000; // 2025-11-25T00:00:00Z

    #[test]
    fn iso_forms() {
        assert_eq!(parse_iso8601(b"2025-11-25"), Some(NOV_25_2025));
        assert_eq!(
            parse_iso8601(b"2025-11-26T00:00:00Z"),
            Some(1_764_115_200_000)
        );
        assert_eq!(
            parse_iso8601(b"2025-11-26T00:00:00.123Z"),
            Some(1_764_115_200_123)
        );
        assert_eq!(
            parse_iso8601(b"2025-11-26T00:00:00.123456789Z"),
            Some(1_764_115_200_123)
        );
        assert_eq!(
            parse_iso8601(b"2025-11-26 00:00:00.5"),
            Some(1_764_115_200_500)
        );
        assert_eq!(
            parse_iso8601(b"2025-11-26T01:30:00+01:30"),
            Some(1_764_115_200_000)
        );
        assert_eq!(
            parse_iso8601(b"2025-11-25T19:00:00-0500"),
            Some(1_764_115_200_000)
        );
        assert_eq!(parse_iso8601(b"2025-11-26T00:00"), Some(1_764_115_200_000));
        assert_eq!(parse_iso8601(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601(b"1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(
            parse_iso8601(b"2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
    }

    #[test]
    fn iso_rejects_nonsense() {
        for bad in [
            &b""[..],
            b"2025",
            b"2025-13-01",
            b"2025-02-30",
            b"2023-02-29",
            b"2025-11-26T25:00:00Z",
            b"2025-11-26T00:00:00.Z",
            b"2025-11-26T00:00:00Zjunk",
            b"2025-11-26X00:00",
            b"yesterday",
            b"2025-11-26T00:00:00+99:00",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn epoch_digits() {
        assert_eq!(
            parse_epoch_digits(b"1764115200000"),
            Some(1_764_115_200_000)
        );
        assert_eq!(parse_epoch_digits(b"1764115200"), Some(1_764_115_200_000));
        assert_eq!(parse_epoch_digits(b"123"), None);
        assert_eq!(parse_epoch_digits(b"17641152000001"), None);
        assert_eq!(parse_epoch_digits(b"17641152x0"), None);
    }
}
