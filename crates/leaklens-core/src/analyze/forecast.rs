//! When a limit will be reached: from the peaks' slope and its interval.

use super::judge::{rnd, MetricAnalysis};
use crate::report::{Assessment, Forecast, ForecastStatus};
use crate::Metric;

pub(crate) fn forecast(
    m: Metric,
    limit: f64,
    a: &MetricAnalysis,
    last_cycle: u64,
    cycle_hours: Option<f64>,
) -> Forecast {
    let cp = a.current_peak;
    let mut f = Forecast {
        metric: m,
        limit,
        status: ForecastStatus::Never,
        current_peak: rnd(cp),
        cycles: None,
        cycles_interval: None,
        hours: None,
        at_cycle: None,
    };
    if cp >= limit {
        f.status = ForecastStatus::Reached;
        f.cycles = Some(0.0);
        return f;
    }
    let growing = matches!(
        a.report.assessment,
        Assessment::Leaking
            | Assessment::RisingUndecided
            | Assessment::Undecided
            | Assessment::InsufficientData
    );
    let Some(ps) = a.peak_slope.filter(|s| growing && s.slope > 0.0) else {
        return f;
    };
    // For a leak the retained level's slope is the better estimate when the
    // peaks are noisy; use the larger (more cautious) of the two.
    let slope = if a.report.assessment == Assessment::Leaking {
        ps.slope.max(a.report.slope_per_cycle)
    } else {
        ps.slope
    };
    let gap = limit - cp;
    let cycles = gap / slope;
    f.status = ForecastStatus::Projected;
    f.cycles = Some(rnd(cycles));
    let soonest = (ps.upper > 0.0).then(|| rnd(gap / ps.upper.max(slope)));
    let latest = (ps.lower > 0.0).then(|| rnd(gap / ps.lower.min(slope)));
    f.cycles_interval = Some([soonest, latest]);
    f.hours = cycle_hours.map(|h| rnd(cycles * h));
    f.at_cycle = Some(rnd(last_cycle as f64 + cycles));
    f
}
