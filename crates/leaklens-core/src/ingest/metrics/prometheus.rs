//! Prometheus: the HTTP API's range query answer (`/api/v1/query_range`,
//! `data.result[].{metric, values: [[seconds, "value"], …]}`; several
//! answers one a line are read together) and Grafana's CSV export of a
//! panel (`Time` first, then a column per series).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{add_point, metric_of, series_of, split_csv, Series};
use crate::ingest::timestamp::{parse_epoch_digits, parse_iso8601};
use crate::ingest::units::{parse_amount, Unit};
use crate::ingest::{Diag, WarnKind};
use crate::Metric;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    data: Option<Data>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    #[serde(default)]
    result: Vec<Result>,
}

#[derive(Deserialize)]
struct Result {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
    /// An instant query's one sample.
    #[serde(default)]
    value: Option<(f64, String)>,
}

/// The labels that name a process, in order of preference.
const PROCESS_LABELS: [&str; 4] = ["instance", "pid", "service_instance_id", "pod"];

type Acc = BTreeMap<(String, Metric, String), BTreeMap<i64, f64>>;

/// A range query's answer (or several, one a line).
pub(super) fn read_json(body: &[u8], diag: &mut Diag) -> Vec<Series> {
    let mut acc = Acc::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (i, doc) in serde_json::Deserializer::from_slice(body)
        .into_iter::<Answer>()
        .enumerate()
    {
        let answer = match doc {
            Ok(a) => a,
            Err(e) => {
                diag.warn(WarnKind::BadJson, Some(e.line()), || {
                    format!("not a Prometheus query answer ({e}); the rest of the file is not read")
                });
                break;
            }
        };
        if answer.status.as_deref() == Some("error") {
            let why = answer.error.unwrap_or_default();
            diag.warn(WarnKind::Other, None, || {
                format!("answer {} is Prometheus's error: {why}", i + 1)
            });
            continue;
        }
        let Some(data) = answer.data else { continue };
        if data.result_type != "matrix" && data.result_type != "vector" {
            diag.warn(WarnKind::Other, None, || {
                format!(
                    "answer {} is a {:?} result, not a range query's matrix",
                    i + 1,
                    data.result_type
                )
            });
            continue;
        }
        for r in data.result {
            let name = r.metric.get("__name__").cloned().unwrap_or_default();
            let Some(metric) = metric_of(&name) else {
                *skipped.entry(name).or_default() += 1;
                continue;
            };
            let process = PROCESS_LABELS
                .iter()
                .find_map(|l| r.metric.get(*l).cloned())
                .unwrap_or_default();
            for (t, v) in r.values.iter().chain(r.value.iter()) {
                match v.trim().parse::<f64>() {
                    Ok(bytes) if bytes.is_finite() && t.is_finite() => {
                        let ms = (t * 1000.0).round() as i64;
                        add_point(&mut acc, (process.clone(), metric, name.clone()), ms, bytes);
                    }
                    _ => diag.warn(WarnKind::BadValue, None, || {
                        format!("{name}: sample {v:?} at {t} is not a number; skipped")
                    }),
                }
            }
        }
    }
    say_skipped(diag, &skipped);
    series_of(acc, true)
}

fn say_skipped(diag: &mut Diag, skipped: &BTreeMap<String, usize>) {
    if skipped.is_empty() {
        return;
    }
    let list: Vec<String> = skipped
        .keys()
        .take(8)
        .map(|n| {
            if n.is_empty() {
                "(unnamed)".to_owned()
            } else {
                n.clone()
            }
        })
        .collect();
    diag.warn(WarnKind::Other, None, || {
        format!(
            "series not judged (no memory metric leaklens knows): {}",
            list.join(", ")
        )
    });
}

/// A column's metric and process, from its header: a metric name with
/// optional labels (`nodejs_heap_size_used_bytes{instance="w1:9100"}`), or
/// a display name that contains one.
fn column_of(header: &str) -> Option<(Metric, String, String)> {
    let (name, labels) = match header.split_once('{') {
        Some((n, l)) => (n.trim(), l.trim_end_matches('}')),
        None => (header.trim(), ""),
    };
    let metric = metric_of(name).or_else(|| {
        name.split(|c: char| c.is_whitespace() || c == ':')
            .find_map(metric_of)
    })?;
    let process = PROCESS_LABELS
        .iter()
        .find_map(|l| {
            labels.split(',').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k.trim() == *l).then(|| v.trim().trim_matches('"').to_owned())
            })
        })
        .unwrap_or_default();
    Some((metric, process, name.to_owned()))
}

/// A Grafana CSV export: times (epoch ms or seconds, or ISO 8601) and
/// values in bytes (or with a unit: `45.2 MiB`).
pub(super) fn read_csv(body: &[u8], diag: &mut Diag) -> Vec<Series> {
    let mut lines = body.split(|&b| b == b'\n').enumerate();
    let Some((_, header)) = lines.next() else {
        return Vec::new();
    };
    let headers = split_csv(header);
    let columns: Vec<Option<(Metric, String, String)>> =
        headers.iter().skip(1).map(|h| column_of(h)).collect();
    let skipped: BTreeMap<String, usize> = headers
        .iter()
        .skip(1)
        .zip(&columns)
        .filter(|(_, c)| c.is_none())
        .map(|(h, _)| (h.clone(), 1))
        .collect();
    let mut acc = Acc::new();
    for (i, line) in lines {
        let cells = split_csv(line);
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let Some(t) = time_of(cells[0].as_bytes()) else {
            diag.warn(WarnKind::BadTimestamp, Some(i + 1), || {
                format!(
                    "time {:?} is neither epoch milliseconds nor ISO 8601; row skipped",
                    cells[0]
                )
            });
            continue;
        };
        for (cell, column) in cells.iter().skip(1).zip(&columns) {
            let Some((metric, process, name)) = column else {
                continue;
            };
            if cell.is_empty() {
                continue;
            }
            match bytes_of(cell.as_bytes()) {
                Some(b) => add_point(&mut acc, (process.clone(), *metric, name.clone()), t, b),
                None => diag.warn(WarnKind::BadValue, Some(i + 1), || {
                    format!("{name}: {cell:?} is not an amount of memory; skipped")
                }),
            }
        }
    }
    say_skipped(diag, &skipped);
    series_of(acc, true)
}

fn time_of(cell: &[u8]) -> Option<i64> {
    parse_epoch_digits(cell).or_else(|| parse_iso8601(cell))
}

/// A cell's amount in bytes: a plain number is bytes (what Prometheus
/// stores), a number with a unit is read in that unit.
fn bytes_of(cell: &[u8]) -> Option<f64> {
    if let Ok(v) = std::str::from_utf8(cell).ok()?.trim().parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    let (mb, unit) = parse_amount(cell)?;
    (unit != Unit::Mb || cell.iter().any(u8::is_ascii_alphabetic)).then_some(mb * 1_048_576.0)
}
