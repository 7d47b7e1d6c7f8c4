//! Puppeteer's `page.metrics()` samples, as a JSON array or one object a
//! line: `JSHeapUsedSize` and `JSHeapTotalSize` in bytes are judged; the
//! DOM counts (`Documents`, `Frames`, `Nodes`, `JSEventListeners`) are
//! said in the note with their growth. `Timestamp` is a monotonic clock in
//! seconds: it orders the samples, it is no time of day.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{add_point, metric_of, series_of, Series};
use crate::ingest::{Diag, WarnKind};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Many(Vec<Sample>),
    One(Sample),
}

#[derive(Deserialize)]
struct Sample {
    #[serde(rename = "Timestamp")]
    timestamp: Option<f64>,
    #[serde(flatten)]
    fields: BTreeMap<String, serde_json::Value>,
}

/// The DOM counts Chrome reports, said (not judged) when they grow.
const COUNTS: [&str; 4] = ["Documents", "Frames", "Nodes", "JSEventListeners"];

pub(super) fn read(body: &[u8], diag: &mut Diag) -> Vec<Series> {
    let mut samples = Vec::new();
    for doc in serde_json::Deserializer::from_slice(body).into_iter::<Doc>() {
        match doc {
            Ok(Doc::Many(v)) => samples.extend(v),
            Ok(Doc::One(s)) => samples.push(s),
            Err(e) => {
                diag.warn(WarnKind::BadJson, Some(e.line()), || {
                    format!("not a page.metrics() sample ({e}); the rest of the file is not read")
                });
                break;
            }
        }
    }
    // In clock order when every sample has one, else as written.
    let clocked = samples
        .iter()
        .all(|s| s.timestamp.is_some_and(f64::is_finite));
    let mut acc = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        // Microseconds of the monotonic clock, as an order.
        let order = if clocked {
            (s.timestamp.unwrap_or(0.0) * 1e6).round() as i64
        } else {
            i as i64
        };
        for (name, v) in &s.fields {
            let (Some(metric), Some(bytes)) = (metric_of(name), v.as_f64()) else {
                continue;
            };
            add_point(
                &mut acc,
                (String::new(), metric, name.clone()),
                order,
                bytes,
            );
        }
    }
    say_counts(&samples, diag);
    series_of(acc, false)
}

/// The DOM counts' first and last values, in a note.
fn say_counts(samples: &[Sample], diag: &mut Diag) {
    let said: Vec<String> = COUNTS
        .iter()
        .filter_map(|&c| {
            let mut values = samples.iter().filter_map(|s| s.fields.get(c)?.as_f64());
            let first = values.next()?;
            let last = values.next_back().unwrap_or(first);
            Some(format!("{c} {first} → {last}"))
        })
        .collect();
    if !said.is_empty() {
        diag.warn(WarnKind::Other, None, || {
            format!("page counts (not judged): {}", said.join(", "))
        });
    }
}
