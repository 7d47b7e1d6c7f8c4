use super::kendall::{mahonian, mann_kendall_detrended};
use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// A series with tied values and repeated x: `ys` scaled, each x `gaps`
/// after the one before (0: the same x), then 1 apart.
fn tied_series(ys: &[u8], gaps: &[u8]) -> (Vec<f64>, Vec<f64>) {
    let ys: Vec<f64> = ys.iter().map(|&v| f64::from(v) * 1.5).collect();
    let mut x = 0.0;
    let xs = ys
        .iter()
        .zip(gaps.iter().chain(std::iter::repeat(&1)))
        .map(|(_, &g)| {
            x += f64::from(g);
            x
        })
        .collect();
    (xs, ys)
}

proptest::proptest! {
    /// The windows' shortcut gives the full test's values exactly, ties
    /// and repeated x included.
    #[test]
    fn trend_and_slope_equals_trend_test(
        ys in proptest::collection::vec(0u8..12, 0..40),
        gaps in proptest::collection::vec(0u8..3, 0..40),
    ) {
        let (xs, ys) = tied_series(&ys, &gaps);
        let (full, sen) = trend_test(&xs, &ys, 0.05);
        let (mk, slope) = trend_and_slope(&xs, &ys);
        proptest::prop_assert_eq!(mk, full);
        proptest::prop_assert_eq!(slope, sen.map(|s| s.slope));
    }
}

proptest::proptest! {
    /// The median found among integer keys is the one a sort gives, to
    /// the bit (signed zeros, subnormals and infinities included).
    #[test]
    fn median_equals_the_sorted_median(
        v in proptest::collection::vec(
            proptest::num::f64::POSITIVE | proptest::num::f64::NEGATIVE | proptest::num::f64::ZERO
                | proptest::num::f64::SUBNORMAL | proptest::num::f64::INFINITE,
            1..60,
        ),
    ) {
        let mut sorted = v.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let want = describe::median_sorted(&sorted);
        proptest::prop_assert_eq!(median(&v).map(f64::to_bits), Some(want.to_bits()));
    }

    /// The slope test counts S and the ties in its one pass over the pairs
    /// as the Mann–Kendall test does over them on its own (repeated x and
    /// tied y included).
    #[test]
    fn slope_test_counts_s_as_mann_kendall(
        ys in proptest::collection::vec(0u8..12, 3..40),
        gaps in proptest::collection::vec(0u8..3, 3..40),
    ) {
        let (xs, ys) = tied_series(&ys, &gaps);
        if let Some(t) = slope_test(&xs, &ys, 0.05) {
            proptest::prop_assert_eq!(t.mk, mann_kendall_detrended(&xs, &ys, t.slope));
        }
    }
}

proptest::proptest! {
    /// The label, the p-value and the interval of a slope test never
    /// disagree: a significant rise has its interval at or above zero,
    /// no significant trend has zero inside it.
    #[test]
    fn slope_test_is_self_consistent(
        ys in proptest::collection::vec(-50i32..50, 3..60),
        drift in -3i32..4,
    ) {
        let xs: Vec<f64> = (0..ys.len()).map(|i| i as f64).collect();
        let ys: Vec<f64> = ys
            .iter()
            .enumerate()
            .map(|(i, &v)| f64::from(v) * 0.1 + f64::from(drift) * i as f64 * 0.05)
            .collect();
        let t = slope_test(&xs, &ys, 0.01).unwrap();
        proptest::prop_assert!(t.lower <= t.slope && t.slope <= t.upper);
        proptest::prop_assert_eq!(t.rising(), t.mk.p < 0.01 && t.mk.s > 0.0);
        proptest::prop_assert_eq!(t.falling(), t.mk.p < 0.01 && t.mk.s < 0.0);
        if t.rising() {
            proptest::prop_assert!(t.lower >= 0.0, "{:?}", t);
        } else {
            proptest::prop_assert!(t.lower <= 0.0, "{:?}", t);
        }
        if t.falling() {
            proptest::prop_assert!(t.upper <= 0.0, "{:?}", t);
        } else {
            proptest::prop_assert!(t.upper >= 0.0, "{:?}", t);
        }
    }
}

#[test]
fn t_quantiles_match_tables() {
    // Two-sided 5% and 1% points of Student's t.
    for (p, df, t) in [
        (0.05, 1, 12.706_2),
        (0.05, 2, 4.302_7),
        (0.05, 10, 2.228_1),
        (0.01, 1, 63.656_7),
        (0.01, 3, 5.840_9),
        (0.01, 30, 2.749_996),
        (0.05, 1000, 1.962_339),
    ] {
        let q = t_quantile_two_sided(p, df);
        assert!(close(q, t, 1e-3 * t), "df {df} p {p}: {q} vs {t}");
    }
}

#[test]
fn line_test_bounds_a_flat_handful() {
    // Heap after three major collections far apart: flat within 0.2 MB.
    let t = line_test(&[2.0, 148.0, 150.0], &[36.1, 35.88, 35.95], 0.01, 0.01).unwrap();
    assert!(t.upper < 0.1 && t.lower > -0.1, "{t:?}");
    assert!(t.p > 0.01);
}

fn walk(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut x = 0.0;
    (0..n)
        .map(|_| {
            // Sum of 12 uniforms − 6: close enough to a standard normal.
            let mut g = -6.0;
            for _ in 0..12 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                g += (state >> 11) as f64 / (1u64 << 53) as f64;
            }
            x += g;
            x
        })
        .collect()
}

#[test]
fn a_random_walk_does_not_revert_and_noise_around_a_line_does() {
    let mut walks_rejected = 0;
    let mut lines_rejected = 0;
    for seed in 0..40 {
        let w = walk(100, seed);
        walks_rejected += usize::from(reverts_to_trend(&w, UnitRootLevel::Five));
        let steps = walk(101, seed + 1000);
        let line: Vec<f64> = (0..100)
            .map(|i| 0.3 * i as f64 + (steps[i + 1] - steps[i]))
            .collect();
        lines_rejected += usize::from(reverts_to_trend(&line, UnitRootLevel::Five));
    }
    // 5% test: about 2 of 40 walks by chance; white noise around a line
    // is rejected (nearly) always.
    assert!(walks_rejected <= 6, "{walks_rejected}");
    assert!(lines_rejected >= 39, "{lines_rejected}");
}

#[test]
fn step_test_of_a_walk_is_wide() {
    let w = walk(100, 7);
    let x: Vec<f64> = (0..100).map(f64::from).collect();
    let t = step_test(&x, &w, 0, 0.01, 0.01).unwrap();
    // Steps of sd 1 over 99 cycles: the interval is about ±0.26 wide.
    assert!(t.upper - t.lower > 0.4, "{t:?}");
}

#[test]
fn median_even_and_odd() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    assert_eq!(median(&[]), None);
}

#[test]
fn normal_quantile_round_trips() {
    assert!(close(norm_quantile(0.975), 1.959_963_984_540_054, 1e-9));
    assert!(close(norm_quantile(0.5), 0.0, 1e-12));
    assert!(close(norm_quantile(0.005), -2.575_829_303_548_901, 1e-9));
    assert!(close(norm_cdf(1.959_963_984_540_054), 0.975, 1e-12));
}

#[test]
fn sen_slope_hand_computed() {
    // Pairwise slopes of (1,1),(2,3),(3,2),(4,5): 2, 0.5, 4/3, -1, 1, 3 → median of
    // sorted [-1, 0.5, 1, 4/3, 2, 3] = (1 + 4/3) / 2.
    let x = [1.0, 2.0, 3.0, 4.0];
    let y = [1.0, 3.0, 2.0, 5.0];
    let s = sen_slope(&x, &y).unwrap();
    assert!(close(s, (1.0 + 4.0 / 3.0) / 2.0, 1e-12));
}

#[test]
fn sen_slope_ignores_one_outlier() {
    let x: Vec<f64> = (0..20).map(f64::from).collect();
    let mut y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
    y[10] = 500.0;
    let s = sen_slope(&x, &y).unwrap();
    assert!(close(s, 2.0, 1e-12));
}

#[test]
fn mann_kendall_exact_small_sample() {
    // Strictly increasing, n = 5: S = 10; only 1 of 120 permutations has S = 10,
    // one has S = -10 → two-sided p = 2/120.
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [1.0, 2.0, 3.0, 4.0, 5.0];
    let mk = mann_kendall(&x, &y);
    assert_eq!(mk.s, 10.0);
    assert!(mk.exact);
    assert!(close(mk.p, 2.0 / 120.0, 1e-12));
    // Var(S) = n(n-1)(2n+5)/18 = 5*4*15/18.
    assert!(close(mk.var_s, 5.0 * 4.0 * 15.0 / 18.0, 1e-12));
}

#[test]
fn mahonian_numbers() {
    // n = 4: 1 3 5 6 5 3 1.
    assert_eq!(mahonian(4), vec![1.0, 3.0, 5.0, 6.0, 5.0, 3.0, 1.0]);
}

#[test]
fn mann_kendall_with_ties_uses_tie_correction() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let y = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
    let mk = mann_kendall(&x, &y);
    // S: 15 pairs, 3 tied → S = 12.
    assert_eq!(mk.s, 12.0);
    // Var = [6*5*17 - 3 * (2*1*9)] / 18 = (510 - 54) / 18.
    assert!(close(mk.var_s, (510.0 - 54.0) / 18.0, 1e-12));
    assert!(!mk.exact);
    // z = (12 - 1) / sqrt(var) with a factor of 1 for this short series.
    let z = 11.0 / ((510.0f64 - 54.0) / 18.0).sqrt();
    assert!(close(mk.z * mk.autocorrelation_factor.sqrt(), z, 1e-9));
}

#[test]
fn mann_kendall_no_trend_in_alternating_series() {
    let x: Vec<f64> = (0..40).map(f64::from).collect();
    let y: Vec<f64> = (0..40)
        .map(|i| if i % 2 == 0 { 1.0 } else { 2.0 })
        .collect();
    let mk = mann_kendall(&x, &y);
    assert!(mk.p > 0.5, "p = {}", mk.p);
}

#[test]
fn autocorrelation_inflates_variance_for_a_slow_wave() {
    // A slow sine wave on a trend is strongly autocorrelated after detrending.
    let x: Vec<f64> = (0..60).map(f64::from).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|t| libm::sin(t / 4.0) * 5.0 + 0.01 * t)
        .collect();
    let mk = mann_kendall(&x, &y);
    assert!(
        mk.autocorrelation_factor > 1.5,
        "factor {}",
        mk.autocorrelation_factor
    );
}

#[test]
fn sen_ci_brackets_the_slope() {
    let x: Vec<f64> = (0..30).map(f64::from).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|t| 0.5 * t + if (*t as i64) % 3 == 0 { 2.0 } else { -1.0 })
        .collect();
    let mk = mann_kendall(&x, &y);
    let s = sen_slope_ci(&x, &y, mk.var_s, 0.05).unwrap();
    assert!(s.lower <= s.slope && s.slope <= s.upper);
    assert!(s.lower > 0.3 && s.upper < 0.7, "{s:?}");
}

#[test]
fn ols_fits_a_line() {
    let x = [0.0, 1.0, 2.0, 3.0];
    let y = [1.0, 3.0, 5.0, 7.0];
    let (a, b, rss) = ols(&x, &y);
    assert!(close(a, 1.0, 1e-12) && close(b, 2.0, 1e-12) && rss < 1e-20);
}

#[test]
fn ranks_average_ties() {
    assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
}

proptest::proptest! {
    /// Ranking a short series by counting gives what sorting gives: ties,
    /// −0.0 beside 0.0, and repeated values included.
    #[test]
    fn ranks_by_counting_equal_ranks_by_sorting(
        picks in proptest::collection::vec(0usize..7, 0..33),
    ) {
        let pool = [-0.0, 0.0, 1.5, -2.25, 1e300, -1e-300, 7.0];
        let v: Vec<f64> = picks.iter().map(|&i| pool[i]).collect();
        proptest::prop_assert_eq!(
            describe::ranks_counted(&v),
            describe::ranks_sorted(&v)
        );
    }
}

#[test]
fn t_central_has_the_closed_forms_and_its_limits() {
    use super::dist::t_central;
    for k in 0..2000 {
        let t = f64::from(k) * 0.01;
        // One degree of freedom: Cauchy; two: t / sqrt(2 + t²).
        let cauchy = 2.0 / std::f64::consts::PI * libm::atan(t);
        assert!((t_central(t, 1) - cauchy).abs() < 1e-15, "{t}");
        let two = t / libm::sqrt(2.0 + t * t);
        assert!((t_central(t, 2) - two).abs() < 1e-15, "{t}");
        assert!((0.0..=1.0).contains(&t_central(t, 9)));
    }
    for df in [1, 2, 3, 10, 101] {
        assert_eq!(t_central(0.0, df), 0.0);
        assert!(t_central(1e300, df) > 1.0 - 1e-12, "{df}");
        assert!(t_central(f64::INFINITY, df) > 1.0 - 1e-12, "{df}");
    }
}
