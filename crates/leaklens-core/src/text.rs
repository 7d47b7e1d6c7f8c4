//! Numbers and sentences for people, shared by every front end (CLI text,
//! Markdown, HTML, the browser viewer), so they all say the same thing.

use crate::report::{Cleanup, Forecast, ForecastStatus};
use crate::Metric;

/// A number for people: three significant digits or so, integers as integers.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    if a >= 1e15 {
        // Not a memory size any worker has: keep the tables readable.
        format!("{x:.3e}")
    } else if a < 0.0005 {
        "0".into()
    } else if x.fract() == 0.0 || a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

pub fn signed(x: f64) -> String {
    let n = num(x);
    if x > 0.0 && n != "0" {
        format!("+{n}")
    } else {
        n
    }
}

/// The name of the slope interval's column: "99% CI" at α = 0.01.
pub fn interval_label(alpha: f64) -> String {
    format!("{}% CI", num(100.0 * (1.0 - alpha)))
}

/// A value with its metric's unit.
pub fn with_unit(m: Metric, x: f64) -> String {
    if m.is_count() {
        num(x)
    } else {
        format!("{}MB", num(x))
    }
}

pub fn signed_unit(m: Metric, x: f64) -> String {
    if m.is_count() {
        signed(x)
    } else {
        format!("{}MB", signed(x))
    }
}

pub fn duration(hours: f64) -> String {
    if !hours.is_finite() {
        return "—".into();
    }
    if hours < 1.0 / 60.0 {
        format!("{:.0} s", hours * 3600.0)
    } else if hours < 1.0 {
        format!("{:.0} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.1} h")
    } else if hours < 24.0 * 3650.0 {
        format!("{:.1} days", hours / 24.0)
    } else {
        format!("{} years", num(hours / (24.0 * 365.25)))
    }
}

/// What a scrape adds and what cleanup gives back, in one sentence.
pub fn cleanup_text(c: &Cleanup) -> String {
    let mut s = if c.scrape_added > 0.0 {
        format!("A scrape adds {} MB of heap; ", num(c.scrape_added))
    } else {
        format!(
            "A scrape leaves the heap {} MB lower on average (a GC ran during it); ",
            num(-c.scrape_added)
        )
    };
    if c.cleanup_returned > 0.0 {
        s.push_str(&format!(
            "cleanup gives back {} MB ({}%)",
            num(c.cleanup_returned),
            num(c.effectiveness_pct.round())
        ));
    } else {
        s.push_str(&format!(
            "cleanup gives back nothing (the heap is {} MB higher after it)",
            num(-c.cleanup_returned)
        ));
    }
    if let Some(v) = c.page_recreate_returned {
        if v > 0.0 {
            s.push_str(&format!("; a page recreate gives back {} MB", num(v)));
        } else {
            s.push_str("; a page recreate gives back nothing");
        }
    }
    s.push('.');
    s
}

/// "in ~120 cycles (~4.2 h), between 90 and 170 cycles" and the like.
pub fn forecast_text(f: &Forecast) -> String {
    let unit = f.metric.unit();
    match f.status {
        ForecastStatus::Reached => format!(
            "{} already at {}{unit} (limit {}{unit})",
            f.metric.display_name(),
            num(f.current_peak),
            num(f.limit)
        ),
        ForecastStatus::Never => format!(
            "{} peaks at {}{unit}, bounded: never reaches {}{unit} at the current behaviour",
            f.metric.display_name(),
            num(f.current_peak),
            num(f.limit)
        ),
        ForecastStatus::Projected => {
            let cycles = f.cycles.unwrap_or(f64::NAN);
            let mut s = format!(
                "{} peaks at {}{unit}, reaches {}{unit} in ~{} cycles",
                f.metric.display_name(),
                num(f.current_peak),
                num(f.limit),
                num(cycles.ceil())
            );
            if let Some(h) = f.hours {
                s.push_str(&format!(" (~{})", duration(h)));
            }
            if let Some([lo, hi]) = f.cycles_interval {
                match (lo, hi) {
                    (Some(lo), Some(hi)) => s.push_str(&format!(
                        ", between {} and {} cycles",
                        num(lo.ceil()),
                        num(hi.ceil())
                    )),
                    (Some(lo), None) => s.push_str(&format!(
                        ", at the soonest in {} cycles (it may also level off)",
                        num(lo.ceil())
                    )),
                    _ => {}
                }
            }
            s
        }
    }
}

/// A slope with its interval: `+1.20MB (+0.90MB … +1.50MB)`.
pub fn slope_with_ci(m: Metric, slope: f64, ci: [f64; 2]) -> String {
    format!(
        "{} ({} … {})",
        signed_unit(m, slope),
        signed_unit(m, ci[0]),
        signed_unit(m, ci[1])
    )
}

/// Characters file text must not carry into a report as they are: control
/// characters (terminal escapes, line breaks that would forge report
/// lines), Unicode line and paragraph separators, and the bidirectional
/// controls that make text display in another order than it reads
/// ("Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn html_escape(s: &str) -> String {
    escape_markup(s, |c, out| {
        match c {
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push('\n'),
            _ => return false,
        }
        true
    })
}

/// Escapes text for a markup medium (HTML, Markdown): `special` writes the
/// characters the medium escapes its own way (and says it did); of the
/// others, `&`, `<` and `>` become HTML entities, a character
/// [`is_unsafe_char`] flags becomes U+FFFD, and the rest stay.
pub fn escape_markup(s: &str, special: impl Fn(char, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if special(c, &mut out) {
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_unsafe_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(1234.6), "1235");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(0.01234), "0.012");
        assert_eq!(num(0.00234), "0.0023");
        assert_eq!(num(59.0), "59");
        assert_eq!(num(0.0001), "0");
        assert_eq!(signed(2.5), "+2.50");
        assert_eq!(num(1e300), "1.000e300");
    }
}
