//! Distributions: the standard normal (CDF, quantile, two-sided p) and
//! Student's t (central probability, two-sided quantile).

/// Standard normal CDF.
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
}

/// Two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * (1.0 - norm_cdf(z.abs()))).clamp(0.0, 1.0)
}

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// refined by one Halley step; |error| < 1e-12).
pub fn norm_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = libm::sqrt(-2.0 * libm::log(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = libm::sqrt(-2.0 * libm::log(1.0 - p));
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement step.
    let e = norm_cdf(x) - p;
    let u = e * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// P(|T| < t) for Student's t with `df` degrees of freedom (Abramowitz &
/// Stegun 26.7.3–4: finite series, exact for integer df).
pub(super) fn t_central(t: f64, df: usize) -> f64 {
    let df = df.max(1);
    // The series has df/2 terms; past this the normal is exact enough.
    if df > 20_000 {
        return 1.0 - two_sided_p(t);
    }
    let x = t.abs() / libm::sqrt(df as f64);
    let theta = libm::atan(x);
    // sin and cos of atan(x) without sine and cosine (4 KB of the page's
    // wasm): x and 1 over the hypotenuse, the small side first so that a
    // huge or infinite x still gives 1 and 0.
    let (s, c) = if x > 1.0 {
        let r = 1.0 / x;
        let s = 1.0 / libm::sqrt(1.0 + r * r);
        (s, r * s)
    } else {
        let c = 1.0 / libm::sqrt(1.0 + x * x);
        (x * c, c)
    };
    let c2 = c * c;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = c;
            sum = term;
            let mut k = 2;
            while k < df - 1 {
                term *= c2 * k as f64 / (k + 1) as f64;
                sum += term;
                k += 2;
            }
        }
        (2.0 / core::f64::consts::PI * (theta + s * sum)).clamp(0.0, 1.0)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        let mut k = 1;
        while k < df - 1 {
            term *= c2 * k as f64 / (k + 1) as f64;
            sum += term;
            k += 2;
        }
        (s * sum).clamp(0.0, 1.0)
    }
}

/// The t with P(|T| > t) = p, for `df` degrees of freedom (bisection on
/// [`t_central`]).
pub fn t_quantile_two_sided(p: f64, df: usize) -> f64 {
    let target = 1.0 - p.clamp(1e-12, 1.0);
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_central(hi, df) < target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_central(mid, df) < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}
