//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use leaklens_core::generate::{Scenario, Spec, Target};
use leaklens_core::report::Severity;
use leaklens_core::{Config, Metric};

/// Find memory leaks in long-running workers from their memory-profiler snapshots.
#[derive(Debug, Parser)]
#[command(name = "leaklens", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse one run (one or more overlapping exports of it) and report leaks.
    Analyze(AnalyzeArgs),
    /// Compare a run before a fix with a run after it.
    Compare(CompareArgs),
    /// What grows across V8 heap snapshots (`.heapsnapshot`, taken at
    /// increasing cycles) and what holds it.
    Heap(HeapArgs),
    /// Generate a realistic synthetic run (for tests, benchmarks and demos).
    Generate(GenerateArgs),
    /// Write a static site: the viewer, the data, and an index page that opens
    /// the viewer on it (serve it from any path by any static server).
    Report(ReportArgs),
    /// Host the viewer and uploaded snapshot files (share links for a team).
    Serve(ServeArgs),
    /// Send a run to a `leaklens serve` as a live run (`--follow`: keep
    /// sending what the worker appends), printing the live view's URL.
    Push(PushArgs),
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The worker's log or export (any shape; sent as NDJSON).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The `leaklens serve` to send to, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Keep watching the file and send new snapshots as they are written.
    #[arg(long, short)]
    pub follow: bool,
    /// Append to this existing live run (with --token) instead of creating one.
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// The write token printed when the run was created (or in
    /// LEAKLENS_TOKEN, which `ps` does not show).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "LEAKLENS_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// How often to look at the file while following, milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..))]
    pub poll_ms: u64,
    /// The `docker compose` service to send from a log of several replicas
    /// (default: the one with the most snapshots when push starts; say it
    /// again with --run, to keep appending the same worker).
    #[arg(long, value_name = "SERVICE")]
    pub worker: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Snapshot files of one run (several exports are merged).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The folder to write the site into (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Copy the viewer from this folder instead of the one built into the binary.
    #[arg(long, value_name = "DIR")]
    pub viewer: Option<PathBuf>,
    #[command(flatten)]
    pub options: AnalysisOptions,
    /// Exit with code 1 when an issue at this level or worse is found.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailLevel>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Where uploaded files are kept (a directory; see --store for an
    /// object store).
    #[arg(long, default_value = "leaklens-data")]
    pub data: PathBuf,
    /// Keep reports and live runs on an S3-compatible object store instead
    /// of --data: s3://bucket/prefix. Several `leaklens serve` can share
    /// one. Configured by the usual variables: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, and for MinIO, moto or another
    /// S3-compatible server AWS_ENDPOINT_URL=http://host:port with
    /// AWS_ALLOW_HTTP=true. The server must support conditional writes
    /// (If-None-Match: *): AWS S3, MinIO, R2 and moto do.
    #[arg(long, value_name = "s3://BUCKET/PREFIX")]
    pub store: Option<String>,
    /// Serve the viewer from this folder (./scripts/build-web.sh writes dist/)
    /// instead of the one built into the binary.
    #[arg(long, value_name = "DIR")]
    pub viewer: Option<PathBuf>,
    /// Largest upload, MB.
    #[arg(long, default_value_t = 64)]
    pub max_upload_mb: usize,
    /// Largest live run (all its appends together), MB.
    #[arg(long, default_value_t = 256)]
    pub max_run_mb: usize,
    /// Requests one client address may have in flight at once (more get
    /// 429). Behind a reverse proxy every client has the proxy's address:
    /// raise it, or set 0 (no cap) and let the proxy limit clients.
    #[arg(long, default_value_t = 64)]
    pub max_per_client: usize,
    /// Most the store holds (reports and live runs), MB; writes
    /// past it get 507 until something is deleted or expires. 0: no limit.
    #[arg(long, default_value_t = 10_240)]
    pub max_storage_mb: u64,
    /// Reports and live runs not written to for this many days are
    /// deleted (checked hourly). 0: keep them for ever.
    #[arg(long, default_value_t = 90)]
    pub retention_days: u64,
    /// Writes one client address may make a minute, after a burst of 300
    /// (more: 429). 0: no limit — for a proxy or an OpenTelemetry
    /// Collector that forwards a whole fleet from one address.
    #[arg(long, value_name = "N", default_value_t = 1200)]
    pub max_writes_per_minute: u32,
    /// POST a JSON message to this URL when a live run's verdict changes
    /// (its first verdict included; retried when the receiver fails).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Warning,
    Critical,
}

impl From<FailLevel> for Severity {
    fn from(l: FailLevel) -> Severity {
        match l {
            FailLevel::Warning => Severity::Warning,
            FailLevel::Critical => Severity::Critical,
        }
    }
}

/// A hint printed after an error.
#[derive(Debug)]
pub struct UsageHint(pub String);

impl std::fmt::Display for UsageHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageHint {}

#[derive(Debug, Args)]
pub struct AnalysisOptions {
    /// Read this worker only: a `docker compose` service of a log that
    /// interleaves several, or a process (its instance, pid or
    /// service.instance.id) of a metrics export that holds several.
    /// Default: the one with the most snapshots.
    #[arg(long, value_name = "NAME")]
    pub worker: Option<String>,
    /// Windowed analysis every N cycles (the worker's PROFILING_ANALYSIS_INTERVAL).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(2..))]
    pub interval: u64,
    /// Absolute heapUsed threshold in MB.
    #[arg(long, value_name = "MB", default_value_t = 500.0, value_parser = positive_mb)]
    pub heap_threshold: f64,
    /// Absolute RSS threshold in MB.
    #[arg(long, value_name = "MB", value_parser = positive_mb)]
    pub rss_threshold: Option<f64>,
    /// Forecast when METRIC reaches a limit, e.g. `rss=2048` (repeatable).
    #[arg(long = "limit", value_name = "METRIC=MB", value_parser = parse_limit)]
    pub limits: Vec<(Metric, f64)>,
}

/// `--limit METRIC=MB`: a metric by any of its names, and a positive size
/// (`MB` after it allowed).
fn parse_limit(s: &str) -> Result<(Metric, f64), String> {
    let (m, v) = s
        .split_once('=')
        .ok_or("write it as METRIC=VALUE, e.g. --limit rss=2048")?;
    let metric = Metric::parse(m.trim()).ok_or_else(|| {
        let keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
        format!("unknown metric '{m}' (metrics: {})", keys.join(", "))
    })?;
    let value = positive_mb(v.trim().trim_end_matches("MB"))?;
    Ok((metric, value))
}

/// A size in MB: a finite number above zero.
fn positive_mb(s: &str) -> Result<f64, String> {
    s.trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x > 0.0)
        .ok_or_else(|| format!("'{s}' is not a positive number of MB"))
}

impl AnalysisOptions {
    pub fn config(&self) -> Config {
        Config {
            interval: self.interval as usize,
            heap_threshold_mb: self.heap_threshold,
            rss_threshold_mb: self.rss_threshold,
            limits: self.limits.iter().copied().collect(),
            ..Config::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Snapshot files: JSON, NDJSON or worker logs (`-` reads standard input).
    /// Several files are several exports of one run: merged and de-duplicated.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub options: AnalysisOptions,
    /// Exit with code 1 when an issue at this level or worse is found.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailLevel>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

impl AnalyzeArgs {
    pub fn config(&self) -> Config {
        self.options.config()
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The run before the fix.
    pub before: PathBuf,
    /// The run after the fix.
    pub after: PathBuf,
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub options: AnalysisOptions,
    /// Exit with code 1 when the after run is worse.
    #[arg(long)]
    pub fail_on_regression: bool,
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

impl CompareArgs {
    pub fn config(&self) -> Config {
        self.options.config()
    }
}

#[derive(Debug, Args)]
pub struct HeapArgs {
    /// Heap snapshots of one process, in the order they were taken (two or
    /// more; three or more tell a leak from one-off growth).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with code 1 when some class grew in every interval.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<HeapFail>,
    /// Growers shown, each with its retainer paths.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub top: u64,
    /// Count V8's own classes too ((system), (object shape), (compiled
    /// code), system / …), which grow as code warms up.
    #[arg(long)]
    pub internal: bool,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeapFail {
    /// Some class grew in every interval.
    Grow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    Ndjson,
    Json,
    Log,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The shape of what grows.
    #[arg(long, value_enum, default_value_t = ScenarioArg::Linear)]
    pub scenario: ScenarioArg,
    /// What leaks.
    #[arg(long, value_enum, default_value_t = TargetArg::Heap)]
    pub target: TargetArg,
    /// Cycles to generate (1 to 1,000,000: about 1.2 GB of NDJSON).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub cycles: u64,
    /// Leak rate in MB per cycle (pages/contexts: per cycle).
    #[arg(long, default_value_t = 2.0)]
    pub rate: f64,
    /// GC noise: garbage a cycle allocates as a fraction of the heap.
    #[arg(long, default_value_t = 0.3)]
    pub noise: f64,
    /// Retained heap at the start, MB.
    #[arg(long, default_value_t = 60.0)]
    pub base_heap: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = GenFormat::Ndjson)]
    pub format: GenFormat,
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `generate --scenario`, named as [`Scenario::as_str`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ScenarioArg {
    Stable,
    Warmup,
    Cache,
    Linear,
    Exponential,
    Step,
    #[value(alias = "plateau")]
    PlateauThenGrowth,
}

impl From<ScenarioArg> for Scenario {
    fn from(s: ScenarioArg) -> Scenario {
        match s {
            ScenarioArg::Stable => Scenario::Stable,
            ScenarioArg::Warmup => Scenario::WarmupThenFlat,
            ScenarioArg::Cache => Scenario::CacheSaturating,
            ScenarioArg::Linear => Scenario::Linear,
            ScenarioArg::Exponential => Scenario::Exponential,
            ScenarioArg::Step => Scenario::Step,
            ScenarioArg::PlateauThenGrowth => Scenario::PlateauThenGrowth,
        }
    }
}

/// `generate --target`, named as [`Target::parse`] reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TargetArg {
    #[value(alias = "heap_used")]
    Heap,
    Rss,
    External,
    #[value(alias = "arraybuffers")]
    ArrayBuffers,
    Pages,
    Contexts,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::Heap => Target::Heap,
            TargetArg::Rss => Target::Rss,
            TargetArg::External => Target::External,
            TargetArg::ArrayBuffers => Target::ArrayBuffers,
            TargetArg::Pages => Target::Pages,
            TargetArg::Contexts => Target::Contexts,
        }
    }
}

impl GenerateArgs {
    pub fn spec(&self) -> anyhow::Result<Spec> {
        if !(self.rate.is_finite() && self.noise.is_finite() && self.base_heap.is_finite()) {
            anyhow::bail!("--rate, --noise and --base-heap must be finite numbers");
        }
        Ok(Spec {
            scenario: self.scenario.into(),
            target: self.target.into(),
            cycles: usize::try_from(self.cycles)?,
            seed: self.seed,
            rate: self.rate,
            gc_noise: self.noise.max(0.0),
            base_heap_mb: self.base_heap,
            ..Spec::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name clap accepts is the core's name of the same thing, and
    /// every scenario and target has one.
    #[test]
    fn generator_names_agree_with_the_core() {
        for arg in ScenarioArg::value_variants() {
            let value = arg.to_possible_value().expect("listed");
            for name in value.get_name_and_aliases() {
                assert_eq!(Scenario::parse(name), Some((*arg).into()), "{name}");
            }
            assert_eq!(Scenario::from(*arg).as_str(), value.get_name());
        }
        for arg in TargetArg::value_variants() {
            let value = arg.to_possible_value().expect("listed");
            for name in value.get_name_and_aliases() {
                assert_eq!(Target::parse(name), Some((*arg).into()), "{name}");
            }
        }
        assert_eq!(ScenarioArg::value_variants().len(), Scenario::ALL.len());
        assert_eq!(TargetArg::value_variants().len(), Target::ALL.len());
    }

    #[test]
    fn limits_are_read_with_their_metric() {
        assert_eq!(parse_limit("rss=2048"), Ok((Metric::Rss, 2048.0)));
        assert_eq!(parse_limit(" heap = 512MB"), Ok((Metric::HeapUsed, 512.0)));
        assert!(parse_limit("rss").unwrap_err().contains("METRIC=VALUE"));
        assert!(parse_limit("bogus=1")
            .unwrap_err()
            .contains("unknown metric 'bogus'"));
        for bad in ["rss=0", "rss=-3", "rss=inf", "rss=NaN", "rss=x"] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }
}
