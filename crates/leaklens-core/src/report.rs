//! The report: a serde type whose JSON is the contract of `docs/formats.md` §4
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
    /// Neither clearly growing nor clearly bounded: the interval holds
    /// both, or no collection has tested the level yet.
    Undecided,
    /// Too few points to judge.
    InsufficientData,
}

/// What a metric's retained level (what survives garbage collection) was
/// read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetainedSource {
    /// Every per-cycle floor: no GC sawtooth (the collector runs within each
    /// cycle, or the metric is not collected).
    AllPoints,
    /// The lowest point of each tooth of a GC sawtooth of the floors.
    Troughs,
    /// The levels after the deep collections that take the troughs back
    /// down (V8's major collections, seen from memory numbers alone).
    AfterReturns,
    /// The heap right after each recorded major collection (the recorder's
    /// `gc` fields).
    AfterMajorGc,
    /// Page and context counts at each cycle's quiet point.
    QuietPoints,
}

impl RetainedSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RetainedSource::AllPoints => "all_points",
            RetainedSource::Troughs => "troughs",
            RetainedSource::AfterReturns => "after_returns",
            RetainedSource::AfterMajorGc => "after_major_gc",
            RetainedSource::QuietPoints => "quiet_points",
        }
    }
}

/// What decided a metric's assessment: the evidence behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Leaking: the recent retained level rises significantly, at or above
    /// the practical minimum, and no bounded shape fits decisively better.
    SustainedGrowth,
    /// Leaking: it rises with a metric that contains it and leaks.
    ContainedGrowth,
    /// Bounded: the interval's upper end is below the practical minimum.
    IntervalBelowMinimum,
    /// Bounded: a bounded model (flat, levelling off, one step) fits
    /// decisively better than every growing one.
    BoundedModel,
    /// Decreasing: a significant fall.
    Falling,
    /// Undecided: still rising, but levelling off fits as well (a warm-up,
    /// a cache filling).
    StillRising,
    /// Undecided: the interval holds both the practical minimum and a
    /// bound; more cycles narrow it.
    Unsettled,
    /// Undecided: no collection has tested the level for longer than ever
    /// before in the run (what it added may be garbage not collected yet).
    Uncollected,
    /// Undecided: RSS rising with V8's reserved heap while the live heap
    /// holds.
    ReservedHeap,
    /// Too few points to judge.
    TooFewPoints,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::SustainedGrowth => "sustained_growth",
            Decision::ContainedGrowth => "contained_growth",
            Decision::IntervalBelowMinimum => "interval_below_minimum",
            Decision::BoundedModel => "bounded_model",
            Decision::Falling => "falling",
            Decision::StillRising => "still_rising",
            Decision::Unsettled => "unsettled",
            Decision::Uncollected => "uncollected",
            Decision::ReservedHeap => "reserved_heap",
            Decision::TooFewPoints => "too_few_points",
        }
    }
}

/// The test behind a slope, its interval and its p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlopeMethod {
    /// Sen's slope, the Mann–Kendall test (autocorrelation-corrected) and
    /// the interval that inverts it.
    MannKendall,
    /// Least squares with a Student t interval: for a handful of precise
    /// levels (after major collections), where a rank test cannot reach α.
    LeastSquares,
    /// The mean step per cycle with a t interval from the spread of the
    /// steps: for a level that wanders like a random walk (a unit root is
    /// not rejected), where the other tests take wandering for a trend.
    MeanStep,
    /// Two levels after major collections, each known to within what a
    /// cycle holds in flight: a normal interval of their difference.
    TwoLevels,
}

impl Assessment {
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Leaking => "leaking",
            Assessment::RisingUndecided => "rising_undecided",
            Assessment::Bounded => "bounded",
            Assessment::Decreasing => "decreasing",
            Assessment::Undecided => "undecided",
            Assessment::InsufficientData => "insufficient_data",
        }
    }

    /// In a few words, for tables.
    pub fn words(self) -> &'static str {
        match self {
            Assessment::Leaking => "leaking",
            Assessment::RisingUndecided => "still rising",
            Assessment::Bounded => "bounded",
            Assessment::Decreasing => "decreasing",
            Assessment::Undecided => "undecided",
            Assessment::InsufficientData => "too few points",
        }
    }
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
    /// The browser's own processes keep memory (recorded by the recorder
    /// where it launched the browser).
    BrowserMemoryGrowth,
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
            IssueKind::BrowserMemoryGrowth => "browser_memory_growth",
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
            Metric::BrowserMemory => IssueKind::BrowserMemoryGrowth,
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
    /// From the same test as `p_value` and `slope_ci`: increasing when the
    /// rise is significant at α (the interval at or above zero), decreasing
    /// for a significant fall, else stable.
    pub trend: Trend,
    /// Slope of the retained level over the recent part, per cycle (the
    /// estimator `test` names).
    pub slope_per_cycle: f64,
    /// Confidence interval of that slope (`1 - alpha`), from the same test.
    pub slope_ci: [f64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slope_per_hour: Option<f64>,
    pub pattern: Pattern,
    pub assessment: Assessment,
    /// What decided `assessment`.
    pub decided_by: Decision,
    /// The evidence for `assessment` in one sentence, with its numbers.
    pub judgement: String,
    /// The practical minimum slope for this metric and run: `leak` needs a
    /// rise at least this fast, `no_leak` an interval below it.
    pub practical_slope: f64,
    /// For an undecided metric: about how many more cycles would decide it
    /// (from the width of the interval), when a longer run can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles_needed: Option<u64>,
    /// The test behind slope, interval and p-value.
    pub test: SlopeMethod,
    /// Two-sided p-value of that test on the recent part.
    pub p_value: f64,
    pub mann_kendall_s: f64,
    /// Points of the retained-level series used (after GC troughs, per cycle quiet points).
    pub points: usize,
    /// What the retained level was read from.
    pub retained_from: RetainedSource,
    /// Collections seen in the judged segment (teeth, returns, major GCs).
    pub collections: usize,
    /// The cycle since which no collection has tested the level, when that
    /// is longer than any gap between collections before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncollected_since: Option<u64>,
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

/// A slope over a window with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowSlope {
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start_cycle: u64,
    pub end_cycle: u64,
    /// The window's headline trend: increasing when any metric but heap total
    /// grows in it, else the heap's trend.
    pub trend: Trend,
    /// The window in the verdict's words: `leak` when a metric's retained
    /// level rises significantly at or above its practical minimum in it,
    /// `no_leak` when every metric's interval is below it, else
    /// `inconclusive` (a window is short: most are).
    pub verdict: Verdict,
    /// Per metric: change of the retained level over the window (slope × span).
    pub changes: BTreeMap<Metric, f64>,
    /// Per metric trend, from the same test as `slopes`.
    pub trends: BTreeMap<Metric, Trend>,
    /// Per metric: slope of the retained level and its interval.
    pub slopes: BTreeMap<Metric, WindowSlope>,
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
