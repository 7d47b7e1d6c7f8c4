//! OTLP JSON (`resourceMetrics[].scopeMetrics[].metrics[]` with `gauge` or
//! `sum` data points), as the OpenTelemetry Collector's file exporter
//! writes it: one document a line. Written for the JSON shape itself (the
//! generated protobuf types' serde support drops data points): 64-bit
//! integers may be decimal strings, timestamps strings or numbers.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::{add_point, metric_of, series_of, Series};
use crate::ingest::{Diag, WarnKind};
use crate::Metric;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    resource_metrics: Vec<ResourceMetrics>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceMetrics {
    #[serde(default)]
    resource: Resource,
    #[serde(default)]
    scope_metrics: Vec<ScopeMetrics>,
}

#[derive(Deserialize, Default)]
struct Resource {
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct ScopeMetrics {
    #[serde(default)]
    metrics: Vec<MetricData>,
}

#[derive(Deserialize)]
struct MetricData {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
    gauge: Option<Points>,
    sum: Option<Points>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Points {
    #[serde(default)]
    data_points: Vec<DataPoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataPoint {
    #[serde(default, deserialize_with = "number")]
    time_unix_nano: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    as_int: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    as_double: Option<f64>,
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct KeyValue {
    key: String,
    #[serde(default)]
    value: AnyValue,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AnyValue {
    string_value: Option<String>,
    #[serde(default, deserialize_with = "number")]
    int_value: Option<f64>,
}

impl AnyValue {
    fn text(&self) -> Option<String> {
        self.string_value
            .clone()
            .or_else(|| self.int_value.map(|v| format!("{v}")))
    }
}

/// A number written as a JSON number or as a decimal string (OTLP JSON's
/// 64-bit integers).
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        N(f64),
        S(String),
    }
    match Option::<Num>::deserialize(d)? {
        None => Ok(None),
        Some(Num::N(v)) => Ok(Some(v)),
        Some(Num::S(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not a number"))),
    }
}

/// The resource attributes that name a process, in order of preference.
const PROCESS_KEYS: [&str; 4] = [
    "service.instance.id",
    "process.pid",
    "host.name",
    "service.name",
];

pub(super) fn read(body: &[u8], diag: &mut Diag) -> Vec<Series> {
    let mut acc: BTreeMap<(String, Metric, String), BTreeMap<i64, f64>> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for doc in serde_json::Deserializer::from_slice(body).into_iter::<Document>() {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                diag.warn(WarnKind::BadJson, Some(e.line()), || {
                    format!("not an OTLP JSON document ({e}); the rest of the file is not read")
                });
                break;
            }
        };
        for rm in doc.resource_metrics {
            let process = PROCESS_KEYS
                .iter()
                .find_map(|k| {
                    rm.resource
                        .attributes
                        .iter()
                        .find(|a| a.key == *k)
                        .and_then(|a| a.value.text())
                })
                .unwrap_or_default();
            for m in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                let Some(metric) = metric_of(&m.name) else {
                    *skipped.entry(m.name.clone()).or_default() += 1;
                    continue;
                };
                add_points(&mut acc, &process, metric, m, diag);
            }
        }
    }
    if !skipped.is_empty() {
        let list: Vec<&str> = skipped.keys().take(8).map(String::as_str).collect();
        diag.warn(WarnKind::Other, None, || {
            format!(
                "metrics not judged (no memory metric leaklens knows): {}",
                list.join(", ")
            )
        });
    }
    series_of(acc, true)
}

fn add_points(
    acc: &mut BTreeMap<(String, Metric, String), BTreeMap<i64, f64>>,
    process: &str,
    metric: Metric,
    m: &MetricData,
    diag: &mut Diag,
) {
    // V8's heap is reported per space: a sample's spaces are summed.
    // process.memory.usage may carry a `type` (rss, heapUsed…): only rss.
    let factor = match m.unit.as_str() {
        "KiBy" | "kBy" => 1024.0,
        "MiBy" | "MBy" => 1_048_576.0,
        _ => 1.0,
    };
    for p in m
        .gauge
        .iter()
        .chain(m.sum.iter())
        .flat_map(|g| &g.data_points)
    {
        let kind = p
            .attributes
            .iter()
            .find(|a| a.key == "type" || a.key == "process.memory.type")
            .and_then(|a| a.value.text());
        if metric == Metric::Rss && kind.as_deref().is_some_and(|k| k != "rss") {
            continue;
        }
        let (Some(t), Some(v)) = (p.time_unix_nano, p.as_int.or(p.as_double)) else {
            diag.warn(WarnKind::BadValue, None, || {
                format!(
                    "{}: a data point without a time or a value; skipped",
                    m.name
                )
            });
            continue;
        };
        let ms = (t / 1e6).round() as i64;
        add_point(
            acc,
            (process.to_owned(), metric, m.name.clone()),
            ms,
            v * factor,
        );
    }
}
