//! Axis ticks and their labels: "nice" numbers for cycles, MB and counts,
//! minute/hour-aligned ticks for UTC times (formatted by hand, no date crate).

const MINUTE: f64 = 60_000.0;
const HOUR: f64 = 60.0 * MINUTE;
const DAY: f64 = 24.0 * HOUR;

/// A step of 1, 2 or 5 × 10^k giving at most about `max_ticks` ticks over `span`.
pub(crate) fn nice_step(span: f64, max_ticks: usize, min_step: f64) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return min_step.max(f64::MIN_POSITIVE);
    }
    // libm, as the core: one copy of pow and log10 in the page's wasm.
    let mag = libm::pow(10.0, libm::floor(libm::log10(raw)));
    let norm = raw / mag;
    let mult = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    (mult * mag).max(min_step)
}

/// Multiples of `step` inside `[lo, hi]`.
pub(crate) fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(step > 0.0 && lo.is_finite() && hi.is_finite() && hi >= lo) {
        return Vec::new();
    }
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    if !(first.is_finite() && last.is_finite()) || last - first > 1000.0 {
        return vec![lo, hi];
    }
    let mut out = Vec::new();
    let mut k = first;
    while k <= last {
        // Snap tiny float noise (0.30000000000000004) to the step grid.
        let v = k * step;
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    out
}

/// The ticks of a logarithmic axis over `[lo, hi]` (both above zero): 1, 2
/// and 5 of each decade; only the 1s when those would be more than about
/// `max_ticks` (every so many decades when even the 1s would be); plain
/// nice steps when the range is too narrow to hold two of them.
pub(crate) fn log_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
        return Vec::new();
    }
    let (d0, d1) = (
        libm::log10(lo).floor() as i32,
        libm::log10(hi).ceil() as i32,
    );
    let decades = (d1 - d0).max(1) as usize;
    let max = max_ticks.max(2);
    let inside = |v: &f64| (lo..=hi).contains(v);
    let of = |mantissas: &[f64], every: usize| -> Vec<f64> {
        (d0..=d1)
            .step_by(every)
            .flat_map(|d| {
                mantissas
                    .iter()
                    .map(move |m| m * libm::pow(10.0, f64::from(d)))
            })
            .filter(inside)
            .collect()
    };
    let dense = of(&[1.0, 2.0, 5.0], 1);
    if dense.len() < 2 {
        let step = nice_step(hi - lo, max, 0.0);
        return ticks(lo, hi, step);
    }
    if dense.len() <= max {
        return dense;
    }
    of(&[1.0], decades.div_ceil(max))
}

/// Decimals that show `v` (a tick of a logarithmic axis) as it is.
pub(crate) fn decimals_of(v: f64) -> usize {
    (0..9)
        .find(|&d| {
            let s = v * libm::pow(10.0, d as f64);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(9)
}

/// Decimals needed to tell ticks `step` apart.
pub(crate) fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        0
    } else {
        (libm::ceil(-libm::log10(step)) as usize).min(9)
    }
}

/// A tick label: plain for ordinary numbers, scientific for huge or tiny ones.
pub(crate) fn format_number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a >= 1e7 || (a > 0.0 && a < 1e-4) {
        return format!("{v:.2e}");
    }
    let s = format!("{v:.decimals$}");
    // "-0" → "0"
    if s.trim_start_matches('-')
        .trim_matches(|c| c == '0' || c == '.')
        .is_empty()
    {
        return format!("{:.decimals$}", 0.0);
    }
    s
}

/// Tick steps for a time axis, in ms.
const TIME_STEPS: [f64; 20] = [
    1_000.0,
    2_000.0,
    5_000.0,
    10_000.0,
    15_000.0,
    30_000.0,
    MINUTE,
    2.0 * MINUTE,
    5.0 * MINUTE,
    10.0 * MINUTE,
    15.0 * MINUTE,
    30.0 * MINUTE,
    HOUR,
    2.0 * HOUR,
    3.0 * HOUR,
    6.0 * HOUR,
    12.0 * HOUR,
    DAY,
    2.0 * DAY,
    7.0 * DAY,
];

/// A time step (ms) aligned to seconds, minutes, hours or days.
pub(crate) fn time_step(span_ms: f64, max_ticks: usize) -> f64 {
    let raw = span_ms / max_ticks.max(1) as f64;
    TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= raw)
        .unwrap_or_else(|| (raw / DAY).ceil() * DAY)
}

/// Formats ms since the Unix epoch as UTC: `HH:MM`, `HH:MM:SS` when the
/// step is under a minute, `MM-DD` when it is a day or more, and at
/// midnight when the axis spans more than a day (so days can be told apart).
pub(crate) fn format_time(ms: f64, step: f64, span: f64) -> String {
    if !ms.is_finite() {
        return String::new();
    }
    let secs = (ms / 1000.0).round() as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (h, m, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
    if step >= DAY || (span > DAY && sod == 0) {
        let (_, month, day) = civil_from_days(days);
        format!("{month:02}-{day:02}")
    } else if step < MINUTE {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}")
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 10, 0.0), 10.0);
        assert_eq!(nice_step(100.0, 6, 0.0), 20.0);
        assert_eq!(nice_step(3.0, 10, 1.0), 1.0);
        assert_eq!(nice_step(0.0, 10, 0.0), f64::MIN_POSITIVE);
        assert_eq!(ticks(0.5, 4.2, 1.0), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(ticks(-0.25, 0.25, 0.1).len(), 5);
    }

    #[test]
    fn log_ticks_are_1_2_5_of_each_decade() {
        assert_eq!(
            log_ticks(1.0, 1000.0, 12),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        // Too many for the room: the decades only.
        assert_eq!(log_ticks(1.0, 1000.0, 5), [1.0, 10.0, 100.0, 1000.0]);
        // Many decades: every other one.
        let wide = log_ticks(1e-3, 1e6, 5);
        assert_eq!(wide, [1e-3, 1e-1, 1e1, 1e3, 1e5]);
        // Within the range, below 1 too.
        let small = log_ticks(0.03, 0.6, 10);
        assert_eq!(small, [0.05, 0.1, 0.2, 0.5]);
        assert_eq!(decimals_of(0.05), 2);
        assert_eq!(decimals_of(200.0), 0);
        assert_eq!(decimals_of(libm::pow(10.0, libm::log10(2.0))), 0);
        // Too narrow for two of them: plain steps.
        assert_eq!(log_ticks(120.0, 180.0, 4), [120.0, 140.0, 160.0, 180.0]);
        // Nothing at or below zero.
        assert!(log_ticks(0.0, 10.0, 5).is_empty());
        assert!(log_ticks(-1.0, 10.0, 5).is_empty());
    }

    #[test]
    fn number_labels() {
        assert_eq!(format_number(120.0, 0), "120");
        assert_eq!(format_number(0.5, 1), "0.5");
        assert_eq!(format_number(-0.0, 1), "0.0");
        assert_eq!(format_number(3.0e12, 0), "3.00e12");
        assert_eq!(decimals_for(0.2), 1);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(50.0), 0);
    }

    #[test]
    fn time_labels_are_utc() {
        // 2025-11-26T00:00:00Z
        let t = 1_764_115_200_000.0;
        assert_eq!(format_time(t, MINUTE, HOUR), "00:00");
        assert_eq!(
            format_time(t + 13.0 * HOUR + 7.0 * MINUTE, MINUTE, HOUR),
            "13:07"
        );
        assert_eq!(format_time(t + 61_000.0, 1_000.0, MINUTE), "00:01:01");
        assert_eq!(format_time(t, DAY, 9.0 * DAY), "11-26");
        assert_eq!(format_time(t + DAY, 6.0 * HOUR, 3.0 * DAY), "11-27");
        assert_eq!(
            format_time(t + DAY + 6.0 * HOUR, 6.0 * HOUR, 3.0 * DAY),
            "06:00"
        );
        assert_eq!(format_time(-MINUTE, MINUTE, HOUR), "23:59");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(time_step(HOUR, 6), 10.0 * MINUTE);
    }
}
