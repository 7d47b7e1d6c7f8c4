use super::*;

fn skip(text: &str) -> Option<usize> {
    let mut s = Scan::new(text.as_bytes(), 0);
    s.skip_value()?;
    Some(s.i)
}

#[test]
fn skips_valid_values_exactly() {
    for v in [
        "1",
        "-0.5e+3",
        "\"a\\\"b\\u00e9\"",
        "null",
        "[]",
        "{}",
        "[1, [2, {\"a\": [true, false]}], \"x\"]",
        "{\"a\": {\"b\": {\"c\": []}}, \"d\": null}",
    ] {
        assert_eq!(skip(&format!("{v} ,")), Some(v.len()), "{v}");
    }
}

#[test]
fn refuses_invalid_values() {
    for v in [
        "",
        "-",
        "01x",
        "1.",
        "1e",
        "nul",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\": 1,}",
        "{1: 2}",
        "\"\\x\"",
        "\"\u{1}\"",
        "\"abc",
        "[",
        "{\"a\":",
        "+1",
    ] {
        let mut s = Scan::new(v.as_bytes(), 0);
        let ok = s.skip_value().is_some() && s.at_end();
        assert!(!ok, "{v:?}");
    }
    let deep = "[".repeat(100) + &"]".repeat(100);
    assert_eq!(skip(&deep), None);
}

#[test]
fn short_strings_compare() {
    for (a, b) in [
        ("", ""),
        ("a", "a"),
        ("\"heapUsed\": ", "\"heapUsed\": "),
        ("0123456789abcdefg", "0123456789abcdefg"),
    ] {
        assert!(same(a.as_bytes(), b.as_bytes()));
    }
    for (a, b) in [
        ("a", ""),
        ("a", "b"),
        ("\"heapUsed\": ", "\"heapUsad\": "),
        ("0123456789abcdefg", "0123456789abcdefh"),
        ("x0123456", "y0123456"),
    ] {
        assert!(!same(a.as_bytes(), b.as_bytes()));
    }
}

#[test]
fn numbers_typed_like_serde() {
    fn num(t: &str) -> (Option<Scalar<'_>>, usize) {
        let mut s = Scan::new(t.as_bytes(), 0);
        let v = s.number();
        (v, s.i)
    }
    assert!(matches!(num("42").0, Some(Scalar::Int(42))));
    assert!(matches!(num("-42").0, Some(Scalar::Neg(-42))));
    assert!(matches!(
        num("18446744073709551615").0,
        Some(Scalar::Int(u64::MAX))
    ));
    assert!(matches!(
        num("18446744073709551616").0,
        Some(Scalar::Float(_))
    ));
    assert!(matches!(
        num("-9223372036854775808").0,
        Some(Scalar::Neg(i64::MIN))
    ));
    assert!(matches!(
        num("-9223372036854775809").0,
        Some(Scalar::Float(_))
    ));
    assert!(matches!(num("-0").0, Some(Scalar::Float(f)) if f == 0.0 && f.is_sign_negative()));
    assert!(matches!(num("245.32").0, Some(Scalar::Float(f)) if f == 245.32));
    assert!(matches!(num("-0.0").0, Some(Scalar::Float(f)) if f == 0.0));
    assert!(num("1e400").0.is_none());
    assert!(matches!(num("1.5x"), (Some(Scalar::Float(_)), 3)));
}

proptest::proptest! {
    /// A metric number read by the fast path is the very number (and
    /// leaves the cursor where) the general reader does; where the fast
    /// path declines, the cursor has not moved.
    #[test]
    fn short_decimals_read_as_numbers(
        t in "[0-9]{1,22}(\\.[0-9]{0,24})?[eE.,x]?[0-9]?",
        // What follows, so that numbers end inside or past an 8-byte word.
        after in "[,}\\] x0-9.eE]{0,9}",
    ) {
        let t = format!("{t}{after}");
        let mut fast = Scan::new(t.as_bytes(), 0);
        let mut general = Scan::new(t.as_bytes(), 0);
        let reference = general.number().map(|n| n.as_num());
        match fast.short_decimal() {
            Some(Num::Val(v)) => {
                let Some(Num::Val(r)) = reference else {
                    return Err(proptest::test_runner::TestCaseError::fail("general reader disagrees"));
                };
                proptest::prop_assert_eq!(v.to_bits(), r.to_bits());
                proptest::prop_assert_eq!(fast.i, general.i);
            }
            Some(_) => proptest::prop_assert!(false, "a value or nothing"),
            None => proptest::prop_assert_eq!(fast.i, 0),
        }
    }
}

proptest::proptest! {
    /// `same` is byte equality.
    #[test]
    fn same_is_equality(a in proptest::collection::vec(0u8..4, 0..24), b in proptest::collection::vec(0u8..4, 0..24)) {
        proptest::prop_assert_eq!(same(&a, &b), a == b);
        proptest::prop_assert!(same(&a, &a.clone()));
    }
}

proptest::proptest! {
    /// An integer read by the fast path is what the general reader
    /// reads, with the cursor at the same place.
    #[test]
    fn integers_read_as_numbers(t in "[1-9][0-9]{0,21}[eE.,x]?[0-9]?") {
        let mut fast = Scan::new(t.as_bytes(), 0);
        let mut general = Scan::new(t.as_bytes(), 0);
        let reference = general.number();
        match fast.integer() {
            Some(Scalar::Int(v)) => {
                proptest::prop_assert!(matches!(reference, Some(Scalar::Int(r)) if r == v));
                proptest::prop_assert_eq!(fast.i, general.i);
            }
            Some(_) => proptest::prop_assert!(false, "an integer or nothing"),
            None => proptest::prop_assert_eq!(fast.i, 0),
        }
    }
}

proptest::proptest! {
    /// The first stop byte (quote, backslash, control, not ASCII) is found
    /// where a byte-by-byte look finds it, wherever it is in the words.
    #[test]
    fn stop_at_finds_the_first_stop_byte(
        b in proptest::collection::vec(
            proptest::prop_oneof![
                8 => 0x20u8..=0x7f,
                1 => proptest::strategy::Just(b'"'),
                1 => proptest::strategy::Just(b'\\'),
                1 => 0u8..0x20,
                1 => 0x80u8..=0xff,
            ],
            0..40,
        ),
    ) {
        proptest::prop_assert_eq!(stop_at(&b), b.iter().position(|&c| STOP[c as usize]));
    }
}
