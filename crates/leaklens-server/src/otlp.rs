//! `POST /v1/metrics`: the OTLP/HTTP metrics receiver, so an OpenTelemetry
//! Collector (the engine for fan-in, batching and retries) forwards a whole
//! fleet. Protobuf (`application/x-protobuf`, decoded with prost) or JSON,
//! gzip-compressed or not. Each process (`service.instance.id`, else
//! `process.pid`, `host.name`, `service.name`) becomes a live run, named
//! after it, that later exports append to: its viewers, `/metrics`,
//! `/fleet` and the webhook see it like any other live run.
//!
//! Which live run a process writes to (its id and write token) is saved in
//! the store (`state/otlp.json`, written whole or not at all), so after a
//! restart a process goes on appending to its run.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leaklens_core::ingest;
use leaklens_core::{Metric, Run, SnapshotIn};
use leaklens_protocol::Progress;
use prost::Message;
use serde_json::{json, Value};

use crate::{blocking, host_of, ApiError, AppState, Batch, ReportId, Store};

/// The subset of OTLP's protobuf messages a memory series needs (the field
/// numbers of opentelemetry-proto's `metrics/v1`, `common/v1` and
/// `collector/metrics/v1`); the rest of a message is skipped.
pub mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportMetricsServiceRequest {
        #[prost(message, repeated, tag = "1")]
        pub resource_metrics: Vec<ResourceMetrics>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceMetrics {
        #[prost(message, optional, tag = "1")]
        pub resource: Option<Resource>,
        #[prost(message, repeated, tag = "2")]
        pub scope_metrics: Vec<ScopeMetrics>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Resource {
        #[prost(message, repeated, tag = "1")]
        pub attributes: Vec<KeyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ScopeMetrics {
        #[prost(message, repeated, tag = "2")]
        pub metrics: Vec<Metric>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Metric {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "3")]
        pub unit: String,
        #[prost(message, optional, tag = "5")]
        pub gauge: Option<Points>,
        #[prost(message, optional, tag = "7")]
        pub sum: Option<Points>,
    }
    /// A `Gauge` or a `Sum` (their data points are field 1 of both).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Points {
        #[prost(message, repeated, tag = "1")]
        pub data_points: Vec<NumberDataPoint>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NumberDataPoint {
        #[prost(message, repeated, tag = "7")]
        pub attributes: Vec<KeyValue>,
        #[prost(fixed64, tag = "3")]
        pub time_unix_nano: u64,
        #[prost(double, optional, tag = "4")]
        pub as_double: Option<f64>,
        #[prost(sfixed64, optional, tag = "6")]
        pub as_int: Option<i64>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct KeyValue {
        #[prost(string, tag = "1")]
        pub key: String,
        #[prost(message, optional, tag = "2")]
        pub value: Option<AnyValue>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AnyValue {
        #[prost(string, optional, tag = "1")]
        pub string_value: Option<String>,
        #[prost(int64, optional, tag = "3")]
        pub int_value: Option<i64>,
    }
}

/// Where each process's snapshots go: its live run and the next cycle
/// (`None` until loaded from the store).
#[derive(Default)]
pub struct Receivers(Mutex<Option<HashMap<String, Receiving>>>);

/// The saved form: process → (run id, write token).
const STATE: &str = "otlp";

struct Receiving {
    id: ReportId,
    token: String,
    next_cycle: u64,
}

/// The largest export body once decompressed.
const MAX_DECOMPRESSED: u64 = 256 << 20;

/// Processes the receiver keeps a live run for: a client inventing a new
/// `service.instance.id` with every export cannot make it hold more.
const MAX_PROCESSES: usize = 10_000;

pub(crate) async fn receive(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(crate::body_error)?;
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let protobuf = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-protobuf"));
    let (store, receivers, max_run) = (st.store.clone(), st.otlp.clone(), st.max_run);
    let written = blocking(move || {
        let raw = if gzip {
            ingest::gunzip(&body, MAX_DECOMPRESSED)
                .map_err(|(m, _)| ApiError::BadInput(format!("gzip: {m}")))?
        } else {
            body.to_vec()
        };
        let json = if protobuf {
            let req = proto::ExportMetricsServiceRequest::decode(raw.as_slice())
                .map_err(|e| ApiError::BadInput(format!("not an OTLP metrics request: {e}")))?;
            serde_json::to_vec(&as_json(&req)).unwrap_or_default()
        } else {
            raw
        };
        let runs = ingest::metrics_runs(&json).map_err(ApiError::BadInput)?;
        let mut written = Vec::new();
        for (process, run) in runs {
            written.push(append(store.as_ref(), &receivers, &process, &run, max_run)?);
        }
        Ok(written)
    })
    .await?;
    let host = host_of(&headers);
    for (id, p) in written {
        st.live.publish(id.as_str(), p);
        if let Some(hook) = &st.webhook {
            hook.poke(id, host.clone(), st.store.clone(), st.judged.clone());
        }
    }
    // The OTLP answer: an empty ExportMetricsServiceResponse.
    Ok(if protobuf {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            Vec::new(),
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response()
    })
}

/// Adds `run`'s snapshots to the live run of `process` (made at its first
/// export), numbering its cycles on from the last.
fn append(
    store: &dyn Store,
    receivers: &Receivers,
    process: &str,
    run: &Run,
    max_run: u64,
) -> Result<(ReportId, Progress), ApiError> {
    let mut guard = receivers.0.lock().unwrap_or_else(|e| e.into_inner());
    let known = guard.get_or_insert_with(|| load(store));
    if !known.contains_key(process) {
        // Another server on the same store may have made its run since.
        *known = load(store);
    }
    // What its run holds now: another server may have appended to it, or
    // it expired (then a new one is made).
    let held = match known.get(process).map(|r| store.run_meta(&r.id)) {
        Some(Ok(meta)) => meta.snapshots as u64,
        Some(Err(crate::StoreError::NotFound)) => {
            known.remove(process);
            0
        }
        Some(Err(e)) => return Err(e.into()),
        None => 0,
    };
    if !known.contains_key(process) && known.len() >= MAX_PROCESSES {
        return Err(ApiError::BadInput(format!(
            "this server already receives {MAX_PROCESSES} processes; \
             process {process:?} is not added"
        )));
    }
    if !known.contains_key(process) {
        let name = if process.is_empty() { "otlp" } else { process };
        let (id, token) = store.create_run(name)?;
        tracing::info!(
            id = id.as_str(),
            process,
            "live run created for an OTLP process"
        );
        let fresh = Receiving {
            id,
            token,
            next_cycle: 1,
        };
        known.insert(process.to_owned(), fresh);
        save(store, known)?;
    }
    let Some(r) = known.get_mut(process) else {
        return Err(ApiError::NotFound);
    };
    r.next_cycle = held + 1;
    let mut numbered = Run::new();
    for i in 0..run.len() {
        let mut s = SnapshotIn::new(r.next_cycle + i as u64, run.label(i));
        s.timestamp = run.timestamp(i);
        for m in Metric::ALL {
            s.values[m.index()] = run.value(m, i);
        }
        numbered.push(&s, std::iter::empty());
    }
    let mut lines = String::new();
    leaklens_core::generate::to_ndjson_range(&numbered, 0..numbered.len(), &mut lines);
    let meta = store.append_run(
        &r.id,
        &r.token,
        Batch::new(lines.as_bytes(), numbered.len(), max_run),
    )?;
    r.next_cycle += run.len() as u64;
    Ok((
        r.id.clone(),
        Progress {
            snapshots: meta.snapshots,
            bytes: meta.size,
        },
    ))
}

/// The saved map (each run's next cycle is read from the run when it is
/// appended to).
fn load(store: &dyn Store) -> HashMap<String, Receiving> {
    let Some(bytes) = store.load_state(STATE) else {
        return HashMap::new();
    };
    let saved: HashMap<String, (String, String)> =
        serde_json::from_slice(&bytes).unwrap_or_default();
    saved
        .into_iter()
        .filter_map(|(process, (id, token))| {
            let id = ReportId::parse(&id)?;
            Some((
                process,
                Receiving {
                    id,
                    token,
                    next_cycle: 1,
                },
            ))
        })
        .collect()
}

/// Saves the map, with what other servers on the same store saved since
/// it was read.
fn save(store: &dyn Store, known: &HashMap<String, Receiving>) -> Result<(), ApiError> {
    let mut saved: HashMap<String, (String, String)> = store
        .load_state(STATE)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    for (p, r) in known {
        saved.insert(p.clone(), (r.id.as_str().to_string(), r.token.clone()));
    }
    let bytes = serde_json::to_vec(&saved).unwrap_or_default();
    Ok(store.save_state(STATE, &bytes)?)
}

/// A protobuf request as the OTLP JSON the core reads.
fn as_json(req: &proto::ExportMetricsServiceRequest) -> Value {
    let attrs = |a: &[proto::KeyValue]| -> Vec<Value> {
        a.iter()
            .map(|kv| {
                let v = kv.value.as_ref();
                let value = match (
                    v.and_then(|v| v.string_value.clone()),
                    v.and_then(|v| v.int_value),
                ) {
                    (Some(s), _) => json!({ "stringValue": s }),
                    (None, Some(i)) => json!({ "intValue": i.to_string() }),
                    _ => json!({}),
                };
                json!({ "key": kv.key, "value": value })
            })
            .collect()
    };
    let points = |p: &proto::Points| -> Value {
        let list: Vec<Value> = p
            .data_points
            .iter()
            .map(|d| {
                let mut o = json!({
                    "timeUnixNano": d.time_unix_nano.to_string(),
                    "attributes": attrs(&d.attributes),
                });
                if let Some(i) = d.as_int {
                    o["asInt"] = json!(i.to_string());
                } else if let Some(x) = d.as_double {
                    o["asDouble"] = json!(x);
                }
                o
            })
            .collect();
        json!({ "dataPoints": list })
    };
    let resource_metrics: Vec<Value> = req
        .resource_metrics
        .iter()
        .map(|rm| {
            let metrics: Vec<Value> = rm
                .scope_metrics
                .iter()
                .flat_map(|s| &s.metrics)
                .map(|m| {
                    let mut o = json!({ "name": m.name, "unit": m.unit });
                    if let Some(g) = &m.gauge {
                        o["gauge"] = points(g);
                    }
                    if let Some(s) = &m.sum {
                        o["sum"] = points(s);
                    }
                    o
                })
                .collect();
            let resource = rm.resource.as_ref().map_or(&[][..], |r| &r.attributes);
            json!({
                "resource": { "attributes": attrs(resource) },
                "scopeMetrics": [{ "metrics": metrics }],
            })
        })
        .collect();
    json!({ "resourceMetrics": resource_metrics })
}
