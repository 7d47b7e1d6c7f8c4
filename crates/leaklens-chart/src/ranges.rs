//! The ranges the data spans, and the reference lines that widen them.

use leaklens_core::{Metric, Report};
use plotters::style::RGBColor;

use crate::clip::P;
use crate::style::Style;
use crate::ticks::format_number;
use crate::{ChartKind, XAxis};

/// The x range: the zoom if valid, else the data's, padded when empty.
pub(crate) fn x_range(spec: Option<P>, xs: &[f64], axis: XAxis) -> P {
    let valid = spec
        .filter(|r| r.0.is_finite() && r.1.is_finite())
        .map(|r| (r.0.min(r.1), r.0.max(r.1)));
    let data = match (xs.first(), xs.last()) {
        (Some(&a), Some(&b)) => Some((a, b)),
        _ => None,
    };
    let (lo, hi) = valid.or(data).unwrap_or((0.0, 1.0));
    if hi - lo > lo.abs().max(hi.abs()) * 1e-12 {
        return (lo, hi);
    }
    let unit: f64 = match axis {
        XAxis::Cycle => 1.0,
        XAxis::Time => 30_000.0,
    };
    let pad = unit.max(lo.abs() * 1e-9);
    (lo - pad, hi + pad)
}

/// The y range around `[lo, hi]`: from zero when the data is not far from
/// it (and always for counts), 5% headroom.
pub(crate) fn y_range(lo: f64, hi: f64, kind: ChartKind) -> P {
    if lo > hi {
        return (0.0, 1.0);
    }
    let zero_based = lo >= 0.0 && (kind == ChartKind::Browser || lo <= 0.35 * hi);
    let lo = if zero_based { 0.0 } else { lo };
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        (hi.abs() * 0.05).max(1.0)
    };
    let mut y0 = if zero_based { 0.0 } else { lo - pad };
    if lo >= 0.0 && y0 < 0.0 {
        y0 = 0.0;
    }
    (y0, hi + pad)
}

/// The y range of a logarithmic axis around `[lo, hi]` (`log10` of the
/// values): 5% headroom either way, a decade around a single value.
pub(crate) fn log_y_range(lo: f64, hi: f64) -> P {
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    (lo - pad, hi + pad)
}

/// A horizontal reference line.
pub(crate) struct Threshold {
    pub value: f64,
    pub label: String,
    pub color: RGBColor,
}

fn fmt_value(v: f64, unit: &str) -> String {
    let s = format_number(v, if v.fract() == 0.0 { 0 } else { 1 });
    if unit.is_empty() {
        s
    } else {
        format!("{s} {unit}")
    }
}

/// Thresholds and limits worth drawing: those of visible metrics that the
/// data reaches at least half of.
pub(crate) fn thresholds(
    report: &Report,
    metrics: &[Metric],
    data_hi: f64,
    style: &Style,
) -> Vec<Threshold> {
    let shown = |v: f64| v.is_finite() && v > 0.0 && data_hi >= 0.5 * v;
    let mut out: Vec<Threshold> = Vec::new();
    let cfg = &report.config;
    if metrics.contains(&Metric::HeapUsed) && shown(cfg.heap_threshold_mb) {
        out.push(Threshold {
            value: cfg.heap_threshold_mb,
            label: format!("heap threshold {}", fmt_value(cfg.heap_threshold_mb, "MB")),
            color: style.threshold,
        });
    }
    if let Some(v) = cfg.rss_threshold_mb {
        if metrics.contains(&Metric::Rss) && shown(v) {
            out.push(Threshold {
                value: v,
                label: format!("RSS threshold {}", fmt_value(v, "MB")),
                color: style.threshold,
            });
        }
    }
    for f in &report.forecasts {
        if !metrics.contains(&f.metric) || !shown(f.limit) {
            continue;
        }
        if out.iter().any(|t| t.value == f.limit) {
            continue;
        }
        out.push(Threshold {
            value: f.limit,
            label: format!(
                "{} limit {}",
                f.metric.display_name(),
                fmt_value(f.limit, f.metric.unit())
            ),
            color: style.dark(f.metric),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::STYLE;

    #[test]
    fn ranges() {
        assert_eq!(x_range(None, &[], XAxis::Cycle), (0.0, 1.0));
        assert_eq!(x_range(None, &[5.0], XAxis::Cycle), (4.0, 6.0));
        assert_eq!(x_range(Some((9.0, 3.0)), &[5.0], XAxis::Cycle), (3.0, 9.0));
        assert_eq!(
            x_range(Some((f64::NAN, 3.0)), &[1.0, 2.0], XAxis::Cycle),
            (1.0, 2.0)
        );
        assert_eq!(y_range(60.0, 200.0, ChartKind::Memory).0, 0.0);
        let (a, b) = y_range(100.0, 110.0, ChartKind::Memory);
        assert!(a > 90.0 && a < 100.0 && b > 110.0);
        let (a, b) = y_range(-5.0, -5.0, ChartKind::Memory);
        assert!(a < -5.0 && b > -5.0);
        assert_eq!(
            y_range(f64::INFINITY, f64::NEG_INFINITY, ChartKind::Memory),
            (0.0, 1.0)
        );
        let (a, b) = y_range(-STYLE.clamp, STYLE.clamp, ChartKind::Memory);
        assert!(a.is_finite() && b.is_finite());
    }
}
