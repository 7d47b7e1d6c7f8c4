//! Reading a metrics export into a run (the `metrics` feature).

use std::collections::BTreeMap;

use super::{otlp, prometheus, puppeteer, Kind};
use crate::ingest::{Diag, Ingested, InputFormat, WarnKind};
use crate::{Metric, Run, SnapshotIn};

/// The label every sample gets: no point of a work cycle.
const SAMPLE: &str = "sample";

/// Reads a metrics export of kind `k`.
pub(crate) fn read(source: &str, body: &[u8], k: Kind, pin: Option<&[u8]>) -> Ingested {
    let mut diag = Diag::new(source);
    let series = series_of_kind(body, k, &mut diag);
    assemble(series, k.name(), pin, diag)
}

fn series_of_kind(body: &[u8], k: Kind, diag: &mut Diag) -> Vec<Series> {
    match k {
        Kind::Prometheus => prometheus::read_json(body, diag),
        Kind::GrafanaCsv => prometheus::read_csv(body, diag),
        Kind::Otlp => otlp::read(body, diag),
        Kind::Puppeteer => puppeteer::read(body, diag),
    }
}

/// Every process of export `body` (of kind `k`) as its own run, in name
/// order (a receiver keeps one live run per process).
pub(crate) fn read_all(body: &[u8], k: Kind) -> Vec<(String, Run)> {
    let series = series_of_kind(body, k, &mut Diag::new(""));
    let mut by_process: BTreeMap<&str, Vec<&Series>> = BTreeMap::new();
    for s in &series {
        by_process.entry(s.process.as_str()).or_default().push(s);
    }
    by_process
        .into_iter()
        .map(|(p, list)| (p.to_owned(), run_of(&list)))
        .filter(|(_, run)| !run.is_empty())
        .collect()
}

/// One metric of one process over time.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// Which process (`instance="…"`, `service.instance.id=…`); empty when
    /// the export does not say.
    pub process: String,
    pub metric: Metric,
    /// Where it came from, for the note (`nodejs_heap_size_used_bytes`).
    pub name: String,
    /// (time in ms since the epoch, or a sample's order when there is no
    /// clock; value in MB).
    pub points: Vec<(i64, f64)>,
    /// True when `points`' times are epoch milliseconds.
    pub clock: bool,
}

/// What a metric name of these exports measures, and its unit's factor
/// to MB (memory in bytes).
pub(crate) fn metric_of(name: &str) -> Option<Metric> {
    Some(match name {
        "nodejs_heap_size_used_bytes"
        | "v8js.memory.heap.used"
        | "v8js.heap.space.used_size"
        | "v8js.heap.used"
        | "JSHeapUsedSize" => Metric::HeapUsed,
        "nodejs_heap_size_total_bytes"
        | "v8js.heap.space.size"
        | "v8js.heap.size"
        | "JSHeapTotalSize" => Metric::HeapTotal,
        "nodejs_external_memory_bytes" | "v8js.memory.external" => Metric::External,
        "process_resident_memory_bytes"
        | "process.memory.usage"
        | "process.runtime.nodejs.memory.rss" => Metric::Rss,
        _ => return None,
    })
}

const BYTES_TO_MB: f64 = 1.0 / 1_048_576.0;

/// The chosen process's series as a run: one snapshot per sample time.
fn assemble(series: Vec<Series>, what: &str, pin: Option<&[u8]>, mut diag: Diag) -> Ingested {
    let format = InputFormat::Metrics;
    let mut by_process: BTreeMap<&str, Vec<&Series>> = BTreeMap::new();
    for s in &series {
        by_process.entry(s.process.as_str()).or_default().push(s);
    }
    let samples = |list: &[&Series]| list.iter().map(|s| s.points.len()).sum::<usize>();
    let pinned = pin.map(|p| String::from_utf8_lossy(p).into_owned());
    let chosen = match &pinned {
        Some(p) => by_process.get_key_value(p.as_str()).map(|(k, _)| *k),
        // The most samples; the first in name order on a tie.
        None => by_process
            .iter()
            .max_by(|a, b| samples(a.1).cmp(&samples(b.1)).then(b.0.cmp(a.0)))
            .map(|(k, _)| *k),
    };
    let empty = |diag: Diag, hint: Option<String>| Ingested {
        run: Run::new(),
        diag,
        verdicts: Vec::new(),
        format,
        converted_from_bytes: false,
        fatal: None,
        empty_hint: hint,
        interleaved: false,
        worker: None,
        needs_whole: false,
    };
    let Some(chosen) = chosen else {
        let hint = Some(match &pinned {
            Some(p) => format!(
                "no series of process {p:?} in {what}; it has: {}",
                names(by_process.keys().copied())
            ),
            None => format!(
                "{what} with no memory series leaklens judges (heap used and total, external, RSS: \
                 nodejs_heap_size_used_bytes, v8js.memory.heap.used, process_resident_memory_bytes, \
                 JSHeapUsedSize …)"
            ),
        });
        return empty(diag, hint);
    };
    let others: Vec<&str> = by_process
        .keys()
        .copied()
        .filter(|&p| p != chosen)
        .collect();
    if !others.is_empty() && pinned.is_none() {
        diag.warn(WarnKind::Other, None, || {
            format!(
                "{} processes in this file: read {chosen:?} (the most samples); the others: {} \
                 (read one with --worker NAME)",
                others.len() + 1,
                names(others.iter().copied())
            )
        });
    }
    let list = &by_process[chosen];
    let run = run_of(list);
    let clock = list.iter().all(|s| s.clock);
    diag.warn(WarnKind::Other, None, || {
        let read: Vec<String> = list
            .iter()
            .map(|s| format!("{} from {}", s.metric.key(), s.name))
            .collect();
        format!(
            "read as {what}{}: {}; each sample {} is a cycle",
            if chosen.is_empty() {
                String::new()
            } else {
                format!(" of process {chosen:?}")
            },
            read.join(", "),
            if clock { "time" } else { "in order" }
        )
    });
    let mut ingested = empty(diag, None);
    ingested.run = run;
    ingested.converted_from_bytes = true;
    ingested.worker = (!chosen.is_empty()).then(|| chosen.as_bytes().to_vec());
    ingested
}

/// Up to eight names, quoted, then how many more.
fn names<'a>(all: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = all.collect();
    let mut out: Vec<String> = all.iter().take(8).map(|n| format!("{n:?}")).collect();
    if all.len() > 8 {
        out.push(format!("and {} more", all.len() - 8));
    }
    out.join(", ")
}

/// One snapshot per distinct time of the series, cycle k for the k-th; a
/// metric with two series (say, two exports of it) takes the last value.
fn run_of(list: &[&Series]) -> Run {
    let mut times: Vec<i64> = list
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    times.sort_unstable();
    times.dedup();
    let mut values = vec![[f64::NAN; Metric::COUNT]; times.len()];
    for s in list {
        for &(t, v) in &s.points {
            if let Ok(k) = times.binary_search(&t) {
                values[k][s.metric.index()] = v;
            }
        }
    }
    let clock = list.iter().all(|s| s.clock);
    let mut run = Run::with_capacity(times.len());
    for (k, (&t, v)) in times.iter().zip(&values).enumerate() {
        let mut snap = SnapshotIn::new(k as u64 + 1, SAMPLE);
        snap.timestamp = clock.then_some(t);
        snap.values = *v;
        if snap.has_any_value() {
            run.push(&snap, std::iter::empty());
        }
    }
    run
}

/// Adds `v` (bytes) at time `t` to the series of (`process`, `metric`),
/// summing values at the same time (V8's heap spaces of one sample).
pub(crate) fn add_point(
    acc: &mut BTreeMap<(String, Metric, String), BTreeMap<i64, f64>>,
    key: (String, Metric, String),
    t: i64,
    bytes: f64,
) {
    *acc.entry(key).or_default().entry(t).or_insert(0.0) += bytes;
}

/// The accumulated points as series, values in MB.
pub(crate) fn series_of(
    acc: BTreeMap<(String, Metric, String), BTreeMap<i64, f64>>,
    clock: bool,
) -> Vec<Series> {
    acc.into_iter()
        .map(|((process, metric, name), points)| Series {
            process,
            metric,
            name,
            points: points
                .into_iter()
                .map(|(t, v)| (t, v * BYTES_TO_MB))
                .collect(),
            clock,
        })
        .collect()
}
