//! The report: a serde type whose JSON is the contract of `formats.md` §5
//! (`schema_version` 1). Field names here are public API: scripts and CI
//! gates read them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ingest::{Warning, WorkerVerdict};
use crate::Metric;

/// A map of the report from its entries, inserted one by one: collecting
/// would sort them first, and each collect site would carry its own copy of
/// the sort in the browser build. The maps are small.
pub(crate) fn map_of<K: Ord, V>(entries: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in entries {
        map.insert(k, v);
    }
    map
}

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Leak,
    NoLeak,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Leak => "leak",
            Verdict::NoLeak => "no_leak",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Increasing,
    Stable,
    Decreasing,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Increasing => "increasing",
            Trend::Stable => "stable",
            Trend::Decreasing => "decreasing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    Stable,
    Linear,
    Exponential,
    Step,
    PlateauThenGrowth,
    Decreasing,
}

impl Pattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Stable => "stable",
            Pattern::Linear => "linear",
            Pattern::Exponential => "exponential",
            Pattern::Step => "step",
            Pattern::PlateauThenGrowth => "plateau_then_growth",
            Pattern::Decreasing => "decreasing",
        }
    }
}

/// How a metric is judged after the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Grows without bound: a growing-forever model beats every bounded one.
    Leaking,
    /// Still rising now, but a bounded shape (warm-up, cache filling) fits as
    /// well: more cycles are needed to decide.
    RisingUndecided,
    /// Bounded: flat, or grew and levelled off.
    Bounded,
    Decreasing,
    /// Too few points to judge.
    InsufficientData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    HeapGrowth,
    RssGrowth,
    ExternalGrowth,
    ArrayBuffersGrowth,
    PageAccumulation,
    ContextAccumulation,
    ThresholdExceeded,
    CleanupIneffective,
    /// A configured limit is a few cycles away (even before a leak is confirmed).
    ImminentExhaustion,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::HeapGrowth => "heap_growth",
            IssueKind::RssGrowth => "rss_growth",
            IssueKind::ExternalGrowth => "external_growth",
            IssueKind::ArrayBuffersGrowth => "array_buffers_growth",
            IssueKind::PageAccumulation => "page_accumulation",
            IssueKind::ContextAccumulation => "context_accumulation",
            IssueKind::ThresholdExceeded => "threshold_exceeded",
            IssueKind::CleanupIneffective => "cleanup_ineffective",
            IssueKind::ImminentExhaustion => "imminent_exhaustion",
        }
    }

    /// The growth issue of a metric, if that metric has one.
    pub fn growth_of(m: Metric) -> Option<IssueKind> {
        Some(match m {
            Metric::HeapUsed => IssueKind::HeapGrowth,
            Metric::Rss => IssueKind::RssGrowth,
            Metric::External => IssueKind::ExternalGrowth,
            Metric::ArrayBuffers => IssueKind::ArrayBuffersGrowth,
            Metric::Pages => IssueKind::PageAccumulation,
            Metric::Contexts => IssueKind::ContextAccumulation,
            Metric::HeapTotal => return None,
        })
    }

    pub fn is_growth(self) -> bool {
        !matches!(
            self,
            IssueKind::ThresholdExceeded
                | IssueKind::CleanupIneffective
                | IssueKind::ImminentExhaustion
        )
    }
}

/// A fitted model of the metric's retained (post-GC) level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFit {
    /// `flat`, `linear`, `exponential`, `saturating`, `step`, `ramp_then_flat`,
    /// `plateau_then_growth`, `staircase`.
    pub name: String,
    /// True for models that grow without bound.
    pub growing: bool,
    pub bic: f64,
    /// Model parameters, by name (e.g. `slope`, `intercept`, `tau`, `onset`).
    pub params: BTreeMap<String, f64>,
}

/// A straight line `value = intercept + slope * cycle`, valid over `[from_cycle, to_cycle]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendLine {
    pub from_cycle: u64,
    pub to_cycle: u64,
    pub intercept: f64,
    pub slope: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricReport {
    pub trend: Trend,
    /// Sen's slope of the retained level over the recent part, per cycle.
    pub slope_per_cycle: f64,
    /// Confidence interval of the slope (`1 - alpha`).
    pub slope_ci: [f64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slope_per_hour: Option<f64>,
    pub pattern: Pattern,
    pub assessment: Assessment,
    /// Mann–Kendall p-value (two-sided, autocorrelation-corrected) on the recent part.
    pub p_value: f64,
    pub mann_kendall_s: f64,
    /// Points of the retained-level series used (after GC troughs, per cycle quiet points).
    pub points: usize,
    /// Cycles where the recent-part test starts.
    pub recent_from_cycle: u64,
    /// Cycles of steps, of the onset of growth, or where a warm-up levels off.
    pub change_points: Vec<u64>,
    /// Best-fitting models, best first.
    pub models: Vec<ModelFit>,
    /// ΔBIC of the best growing-forever model over the best bounded one (positive favours growth).
    pub growth_evidence: f64,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    /// Retained level at the start and at the end of the analysed segment.
    pub baseline: f64,
    pub current: f64,
    /// Fitted trend line of the retained level (for charts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_line: Option<TrendLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub kind: IssueKind,
    pub severity: Severity,
    pub metric: Metric,
    pub message: String,
    pub first_cycle: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_cycle: Option<u64>,
    /// Numbers a user can check (slope, interval, p-value, levels, ...).
    pub evidence: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start_cycle: u64,
    pub end_cycle: u64,
    /// The window's headline trend: increasing when any metric but heap total
    /// grows in it, else the heap's trend.
    pub trend: Trend,
    /// Per metric: robust change over the window (Sen's slope × span).
    pub changes: BTreeMap<Metric, f64>,
    /// Per metric trend.
    pub trends: BTreeMap<Metric, Trend>,
    /// The guide's red flags raised in this window.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub label: String,
    /// Snapshots with this label that follow another snapshot.
    pub count: usize,
    /// Mean change since the previous snapshot, per metric.
    pub mean_change: BTreeMap<Metric, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleanup {
    /// Mean heap_used added by the scrape step (MB).
    pub scrape_added: f64,
    /// Mean heap_used given back by cleanup (MB, positive = freed).
    pub cleanup_returned: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_recreate_returned: Option<f64>,
    /// `cleanup_returned / scrape_added`, in percent.
    pub effectiveness_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hint {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LingeringUrl {
    pub url: String,
    pub first_cycle: u64,
    pub last_cycle: u64,
    /// Cycles whose quiet point had this URL open.
    pub cycles_open: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastStatus {
    /// Already at or above the limit.
    Reached,
    /// Projected to reach it.
    Projected,
    /// Bounded below the limit, or not growing.
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub metric: Metric,
    pub limit: f64,
    pub status: ForecastStatus,
    /// Peak level now (upper envelope).
    pub current_peak: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<f64>,
    /// Interval from the slope's confidence interval: [soonest, latest] (latest may be absent = maybe never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles_interval: Option<[Option<f64>; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_cycle: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start_cycle: u64,
    pub end_cycle: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub verdict: Verdict,
    /// One line: why.
    pub reason: String,
    pub snapshots: usize,
    pub cycles: usize,
    pub first_cycle: u64,
    pub last_cycle: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_seconds: Option<f64>,
    /// For an inconclusive verdict: about how many more cycles are needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles_needed: Option<usize>,
    /// Restarts split a run; the last long-enough segment is analysed.
    pub segments: Vec<Segment>,
    pub analysed_segment: usize,
    /// What to watch (inconclusive runs).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub watch: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigEcho {
    pub interval: usize,
    pub heap_threshold_mb: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_threshold_mb: Option<f64>,
    pub alpha: f64,
    pub limits: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub summary: Summary,
    /// Present metrics only, keyed by `heap_used`, `rss`, ...
    pub metrics: BTreeMap<Metric, MetricReport>,
    pub issues: Vec<Issue>,
    pub windows: Vec<Window>,
    pub phases: Vec<Phase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<Cleanup>,
    pub hints: Vec<Hint>,
    pub lingering_urls: Vec<LingeringUrl>,
    pub forecasts: Vec<Forecast>,
    pub worker_verdicts: Vec<WorkerVerdict>,
    pub warnings: Vec<Warning>,
    pub config: ConfigEcho,
}

impl Report {
    /// Highest severity among the issues, if any.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.issues.iter().map(|i| i.severity).max()
    }

    /// The report as pretty JSON (the `--format json` output).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
