//! `GET /metrics`: every live run's verdict, growth and time to a limit in
//! the OpenMetrics text format, so Prometheus scrapes the fleet and
//! Alertmanager does the alerting (`leaklens_verdict{verdict="leak"} == 1`).
//!
//! A run is analysed again only when it grew since, and not more often than
//! its analysis takes a hundredth of the time between two (at least every
//! 10 s): a run of 100,000 snapshots (a third of a second to judge) is
//! judged about every half minute, so judging a fleet costs at most about
//! one core however long its runs grow, instead of work quadratic in a
//! run's length (`docs/benchmarks.md`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leaklens_core::ingest::{self, Parsed};
use leaklens_core::report::Severity;
use leaklens_core::{analyze, Config, Metric};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::{blocking, ApiError, AppState, ReportId, Store};

/// What a scrape says of one run, as of its size then.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    pub(crate) size: u64,
    pub(crate) name: String,
    pub(crate) snapshots: usize,
    pub(crate) verdict: &'static str,
    /// Growth per cycle of each metric judged.
    pub(crate) slopes: Vec<(Metric, f64)>,
    /// Cycles until a metric reaches its limit, where one is forecast.
    pub(crate) to_limit: Vec<(Metric, f64)>,
    /// The last snapshot's time, seconds since the epoch.
    pub(crate) last_seen: Option<f64>,
    /// The most severe issue: severity, kind and message.
    pub(crate) top_issue: Option<(Severity, &'static str, String)>,
    /// Hours until a metric reaches its limit, the soonest forecast.
    pub(crate) hours_to_limit: Option<(Metric, f64)>,
    /// When it was judged, and how long that took.
    at: std::time::Instant,
    took: std::time::Duration,
}

impl Judged {
    /// True when this judgement still stands for a run now `size` bytes.
    fn stands(&self, size: u64) -> bool {
        size == self.size || self.due_in() > std::time::Duration::ZERO
    }

    /// How long until the run may be judged again.
    fn due_in(&self) -> std::time::Duration {
        (self.took * 100)
            .max(std::time::Duration::from_secs(10))
            .saturating_sub(self.at.elapsed())
    }
}

/// Runs analysed at their last scrape, by id.
#[derive(Default)]
pub struct Judgements(Mutex<HashMap<String, Judged>>);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    run: String,
    name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    run: String,
    name: String,
    verdict: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MetricLabels {
    run: String,
    name: String,
    metric: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// The verdicts a run can have: each gets a series (1 for the run's, 0 for
/// the others), so an alert on `verdict="leak"` also sees it resolve.
const VERDICTS: [&str; 3] = ["leak", "no_leak", "inconclusive"];

pub(crate) async fn metrics(
    axum::extract::State(st): State<AppState>,
) -> Result<Response, ApiError> {
    let (store, cache) = (st.store.clone(), st.judged.clone());
    let text = blocking(move || Ok(exposition(store.as_ref(), &cache))).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

fn exposition(store: &dyn Store, cache: &Arc<Judgements>) -> String {
    render(&current(store, cache))
}

/// Every live run as judged now: from the cache, or analysed again when it
/// grew since.
fn current(store: &dyn Store, cache: &Arc<Judgements>) -> Vec<(String, Judged)> {
    let mut judged = Vec::new();
    {
        let mut known = cache.0.lock().unwrap_or_else(|e| e.into_inner());
        let ids = store.run_ids();
        known.retain(|id, _| ids.iter().any(|i| i.as_str() == id));
        for id in ids {
            let Ok(meta) = store.run_meta(&id) else {
                continue;
            };
            let key = id.as_str().to_string();
            let fresh = known.get(&key).is_some_and(|j| j.stands(meta.size));
            if !fresh {
                if let Some(j) = judge(store, &id) {
                    known.insert(key.clone(), j);
                }
            }
            if let Some(j) = known.get(&key) {
                judged.push((key, j.clone()));
            }
        }
    }
    judged
}

/// Run `id` as judged now: from the cache while that stands, else
/// analysed again (and cached). With it, when the run grew since the
/// judgement (which stood), how long until it can be judged again.
pub(crate) fn judge_now(
    store: &dyn Store,
    cache: &Judgements,
    id: &ReportId,
) -> Option<(Judged, Option<std::time::Duration>)> {
    let meta = store.run_meta(id).ok()?;
    let key = id.as_str().to_string();
    let mut known = cache.0.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(j) = known.get(&key).filter(|j| j.stands(meta.size)) {
        let later = (j.size != meta.size).then(|| j.due_in());
        return Some((j.clone(), later));
    }
    let j = judge(store, id)?;
    known.insert(key, j.clone());
    Some((j, None))
}

/// Reads and analyses a run as it is now.
fn judge(store: &dyn Store, id: &ReportId) -> Option<Judged> {
    let at = std::time::Instant::now();
    let (meta, data) = store.get_run(id, 0).ok()?;
    let parsed: Parsed = ingest::parse(&meta.name, &data).ok()?;
    let report = analyze(&parsed.run, &Config::default());
    let last_seen = (0..parsed.run.len())
        .rev()
        .find_map(|i| parsed.run.timestamp(i))
        .map(|ms| ms as f64 / 1000.0);
    Some(Judged {
        size: meta.size,
        name: meta.name,
        snapshots: parsed.run.len(),
        verdict: report.summary.verdict.as_str(),
        slopes: report
            .metrics
            .iter()
            .map(|(&m, r)| (m, r.slope_per_cycle))
            .collect(),
        to_limit: report
            .forecasts
            .iter()
            .filter_map(|f| Some((f.metric, f.cycles?)))
            .collect(),
        last_seen,
        top_issue: report
            .issues
            .iter()
            .max_by_key(|i| i.severity)
            .map(|i| (i.severity, i.kind.as_str(), i.message.clone())),
        hours_to_limit: report
            .forecasts
            .iter()
            .filter_map(|f| Some((f.metric, f.hours?)))
            .min_by(|a, b| a.1.total_cmp(&b.1)),
        at,
        took: at.elapsed(),
    })
}

/// `GET /fleet[?service=NAME]`: every live run on one page, most severe
/// first (leaks, then the worst issue, then the soonest limit), each linked
/// to its live view; `service` keeps the runs whose name contains it.
pub(crate) async fn fleet(
    State(st): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (store, cache) = (st.store.clone(), st.judged.clone());
    let service = q.get("service").cloned().unwrap_or_default();
    let page = blocking(move || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Ok(crate::fleet::page(
            &current(store.as_ref(), &cache),
            &service,
            now,
        ))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response())
}

/// A label value as the text format needs it: prometheus-client writes
/// values as given, and a run's name comes from the worker (a quote or a
/// newline in it would end the value, or the line, and forge series).
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn render(runs: &[(String, Judged)]) -> String {
    let mut registry = Registry::with_prefix("leaklens");
    let verdict = Family::<VerdictLabels, Gauge>::default();
    let snapshots = Family::<RunLabels, Gauge>::default();
    let last_seen = Family::<RunLabels, FloatGauge>::default();
    let slope = Family::<MetricLabels, FloatGauge>::default();
    let to_limit = Family::<MetricLabels, FloatGauge>::default();
    for (id, j) in runs {
        let (id, name) = (&label(id), &label(&j.name));
        let run = RunLabels {
            run: id.clone(),
            name: name.clone(),
        };
        for v in VERDICTS {
            let labels = VerdictLabels {
                run: id.clone(),
                name: name.clone(),
                verdict: v.to_string(),
            };
            verdict
                .get_or_create(&labels)
                .set(i64::from(v == j.verdict));
        }
        snapshots
            .get_or_create(&run)
            .set(i64::try_from(j.snapshots).unwrap_or(i64::MAX));
        if let Some(t) = j.last_seen {
            last_seen.get_or_create(&run).set(t);
        }
        let of = |m: Metric| MetricLabels {
            run: id.clone(),
            name: name.clone(),
            metric: m.key().to_string(),
        };
        for &(m, s) in &j.slopes {
            slope.get_or_create(&of(m)).set(s);
        }
        for &(m, c) in &j.to_limit {
            to_limit.get_or_create(&of(m)).set(c);
        }
    }
    registry.register(
        "verdict",
        "1 for the live run's verdict, 0 for the others",
        verdict,
    );
    registry.register("snapshots", "Snapshots the live run holds", snapshots);
    registry.register(
        "last_seen_seconds",
        "Time of the live run's last snapshot (Unix seconds)",
        last_seen,
    );
    registry.register(
        "slope_per_cycle",
        "Growth of the retained level per cycle (MB, or a count)",
        slope,
    );
    registry.register(
        "cycles_to_limit",
        "Cycles until the metric reaches its limit, at its growth",
        to_limit,
    );
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &registry);
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    fn judged(took: Duration, ago: Duration) -> super::Judged {
        super::Judged {
            size: 100,
            name: "w".into(),
            snapshots: 1,
            verdict: "leak",
            slopes: vec![],
            to_limit: vec![],
            last_seen: None,
            top_issue: None,
            hours_to_limit: None,
            at: Instant::now().checked_sub(ago).unwrap(),
            took,
        }
    }

    #[test]
    fn a_run_is_judged_again_when_it_grew_and_its_judging_is_a_hundredth_of_the_wait() {
        // Unchanged: stands for ever.
        assert!(judged(Duration::from_millis(5), Duration::from_secs(3600)).stands(100));
        // Grew, judged 3 s ago in 5 ms: the 10 s floor holds it.
        assert!(judged(Duration::from_millis(5), Duration::from_secs(3)).stands(150));
        assert!(!judged(Duration::from_millis(5), Duration::from_secs(11)).stands(150));
        // A long run, 0.3 s to judge: 30 s between two.
        assert!(judged(Duration::from_millis(300), Duration::from_secs(20)).stands(150));
        assert!(!judged(Duration::from_millis(300), Duration::from_secs(31)).stands(150));
    }

    #[test]
    fn label_values_escape_what_would_end_them() {
        assert_eq!(super::label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(super::label("plain-1.ndjson"), "plain-1.ndjson");
    }
}
