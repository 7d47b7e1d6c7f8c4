//! `imminent_exhaustion`: a configured limit a few cycles away.

use std::collections::BTreeMap;

use super::super::config::Config;
use crate::report::{Forecast, ForecastStatus, Issue, IssueKind, Severity};
use crate::text::num;

/// An issue for each forecast that reaches its limit within
/// `cfg.imminent_cycles` at the current rate.
pub(crate) fn imminent_exhaustion(forecasts: &[Forecast], cfg: &Config, at: u64) -> Vec<Issue> {
    forecasts
        .iter()
        .filter(|f| f.status == ForecastStatus::Projected)
        .filter_map(|f| {
            let k = f.cycles.filter(|&k| k <= cfg.imminent_cycles)?;
            let mut evidence = BTreeMap::new();
            evidence.insert("limit".into(), f.limit);
            evidence.insert("current_peak".into(), f.current_peak);
            evidence.insert("cycles".into(), k);
            Some(Issue {
                kind: IssueKind::ImminentExhaustion,
                severity: Severity::Critical,
                metric: f.metric,
                message: format!(
                    "{} peaks at {}{} and will reach the limit {}{} in about {} cycles at the current rate",
                    f.metric.display_name(),
                    num(f.current_peak),
                    f.metric.unit(),
                    num(f.limit),
                    f.metric.unit(),
                    num(k.max(0.0))
                ),
                first_cycle: at,
                last_cycle: None,
                evidence,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metric;

    fn forecast(cycles: f64) -> Forecast {
        Forecast {
            metric: Metric::Rss,
            limit: 1000.0,
            status: ForecastStatus::Projected,
            current_peak: 900.0,
            cycles: Some(cycles),
            cycles_interval: None,
            hours: None,
            at_cycle: None,
        }
    }

    #[test]
    fn only_a_near_limit_is_imminent() {
        let cfg = Config::default();
        assert_eq!(imminent_exhaustion(&[forecast(4.0)], &cfg, 50).len(), 1);
        assert!(imminent_exhaustion(&[forecast(40.0)], &cfg, 50).is_empty());
    }
}
