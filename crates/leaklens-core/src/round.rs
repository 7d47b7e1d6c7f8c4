//! Rounding to six significant digits, as reports show numbers: the value
//! `format!("{x:.5e}")` prints, read back. Computed with arithmetic where
//! that is provably the same value, by the formatter where it is not (a
//! near-tie, an extreme exponent): the windowed table of a long run rounds
//! hundreds of thousands of numbers.

/// Powers of ten a double holds exactly.
#[cfg(not(target_arch = "wasm32"))]
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `x` rounded to six significant digits (0 and non-finite values as they
/// are).
pub(crate) fn six_digits(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return if x.is_finite() { 0.0 } else { x };
    }
    // The browser keeps to the formatter: the same values, less code in the
    // page's wasm (its size budget), and its runs are rarely that long.
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(v) = fast(x) {
        return v;
    }
    by_formatter(x)
}

fn by_formatter(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// The digits `r` (an integer of six digits) are `x · 10^(5 − e)` rounded to
/// the nearest; the product's rounding error (a few units in the last place,
/// under 1e-9 here) decides nothing unless the fraction is within 1e-6 of a
/// half, which is left to the formatter. `r · 10^(e − 5)` is then one
/// correctly rounded operation on exact operands: the double nearest the
/// decimal, which is what parsing the formatted text gives.
#[cfg(not(target_arch = "wasm32"))]
fn fast(x: f64) -> Option<f64> {
    let a = x.abs();
    let e = libm::floor(libm::log10(a)) as i32;
    let k = 5 - e;
    let scale = *EXACT_POW10.get(k.unsigned_abs() as usize)?;
    let m = if k >= 0 { a * scale } else { a / scale };
    if !(100_000.0..1_000_000.0).contains(&m) {
        return None;
    }
    let floor = libm::floor(m);
    let frac = m - floor;
    if (frac - 0.5).abs() < 1e-6 {
        return None;
    }
    let r = if frac > 0.5 { floor + 1.0 } else { floor };
    let v = if k >= 0 { r / scale } else { r * scale };
    Some(if x < 0.0 { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        for x in [
            1.0,
            0.1,
            123.456789,
            -2.5e-7,
            999_999.5,
            9_999_995.0,
            1.234_565,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e300,
            0.000_123_456_5,
        ] {
            assert_eq!(six_digits(x).to_bits(), by_formatter(x).to_bits(), "{x:e}");
        }
        assert!(six_digits(f64::NAN).is_nan());
        assert_eq!(six_digits(-0.0).to_bits(), 0.0f64.to_bits());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn equals_the_formatter_on_any_double(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite() && x != 0.0);
            prop_assert_eq!(six_digits(x).to_bits(), by_formatter(x).to_bits());
        }

        #[test]
        fn equals_the_formatter_on_report_sized_numbers(
            digits in 1u64..100_000_000_000, exp in -12i32..12
        ) {
            // Decimal numbers with few digits: ties and near-ties are common.
            let x = digits as f64 * 10f64.powi(exp);
            prop_assert_eq!(six_digits(x).to_bits(), by_formatter(x).to_bits());
            prop_assert_eq!(six_digits(-x).to_bits(), by_formatter(-x).to_bits());
        }
    }
}
