//! The exports themselves, done in the export module (`leaklens-export`, a
//! Web Worker the page starts at its first export, so the page's wasm
//! carries neither the report's JSON writer nor the HTML renderer).
//!
//! The page sends what it analysed: the files, the mode and the limits,
//! and the charts as drawn (PNG data URLs). The module reads and analyses
//! the files again with the same code ([`load::parse_at_once`],
//! [`load::core_analysis`]: the same report, byte for byte) and renders it.
//!
//! The uploads of "Upload & copy permalink" and "Upload encrypted" are
//! made here too (sealed first when encrypted): the page's wasm carries
//! neither the form upload nor the sealing.
//!
//! So are the rarer steps of sharing: the `d=` text of "Copy link"
//! (`"pack"`: framed, deflated, base64url), the files of such a link
//! (`"unpack"`) and the files of an encrypted share opened with the link's
//! key (`"unseal"`): the page's wasm carries neither base64 nor the
//! opening of sealed files.
//!
//! And metrics exports are read here for the page (`"read"`: this module
//! is built with the core's `metrics` feature, the page is not; see
//! `metrics`).
//!
//! A request is a plain object: `id` (echoed in the answer), `kind`
//! (`"json"`, `"html"` or `"upload"`), `files` (`[{name, bytes:
//! Uint8Array}]`); for exports `compare` (bool, or none), `limits`
//! (`[[metric key, value]]`), `charts` (`{memory, browser}`: data URLs, or
//! empty), `worker` (the process of a metrics export to read, or none);
//! for uploads `encrypted` (bool). The answer is `{id, text}` (the export,
//! or the link's query) with `key` (an encrypted upload's key as text), or
//! `{id, error}`. A `"read"` request has one file and `worker`; its answer
//! is `{id, own: true}` (no metrics export after all: the page reads it),
//! `{id, kind: "read", name, why}` (it cannot be read: why, as the page
//! says it) or `{id, kind: "read", name, ndjson: Uint8Array, warnings:
//! [[line or null, message]], worker}` (the run as our NDJSON, see
//! `metrics`), with `processes: [[name, snapshots]]` when the file has
//! several or one was asked for. `"pack"` has `files` and is answered
//! `{id, text}`; `"unpack"` has `data` (the link's `d=` text) and
//! `"unseal"` has `files` (each with its `place` in the share), `count`
//! and `key` (the link's key as text, or none): both are answered `{id,
//! files, errors: [[source, why]]}` or `{id, error}`. `worker` is added to the page's requests
//! by `metrics-view.js` (the process picked, `w=` in the URL).

use std::sync::Arc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use leaklens_chart::ChartKind;
use leaklens_core::{inputs, Metric};
use wasm_bindgen::{JsCast, JsValue};

use crate::load::{self, Input};
use crate::metrics;

/// The fields of a request, named once for both sides.
pub mod field {
    pub const KIND: &str = "kind";
    pub const FILES: &str = "files";
    pub const NAME: &str = "name";
    pub const BYTES: &str = "bytes";
    pub const COMPARE: &str = "compare";
    pub const LIMITS: &str = "limits";
    pub const CHARTS: &str = "charts";
    pub const MEMORY: &str = "memory";
    pub const BROWSER: &str = "browser";
    pub const TEXT: &str = "text";
    pub const ERROR: &str = "error";
    pub const ID: &str = "id";
    pub const ENCRYPTED: &str = "encrypted";
    pub const KEY: &str = "key";
    pub const WORKER: &str = "worker";
    pub const OWN: &str = "own";
    pub const WHY: &str = "why";
    pub const NDJSON: &str = "ndjson";
    pub const WARNINGS: &str = "warnings";
    pub const PROCESSES: &str = "processes";
    pub const DATA: &str = "data";
    pub const PLACE: &str = "place";
    pub const COUNT: &str = "count";
    pub const ERRORS: &str = "errors";
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// The answer to the page's request `data`: `{id, text}` or `{id, error}`.
pub async fn answer(data: &JsValue) -> JsValue {
    let out: JsValue = Object::new().into();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&out, &k.into(), v);
    };
    set(field::ID, &get(data, field::ID));
    let done = match string(data, field::KIND).as_str() {
        "read" => {
            read(data, &set);
            return out;
        }
        "pack" => {
            let files: Vec<(String, Vec<u8>)> = (files(data).into_iter())
                .map(|i| (i.name, Arc::unwrap_or_clone(i.bytes)))
                .collect();
            crate::deflate::pack(&files).await
        }
        "unpack" | "unseal" => {
            let (good, errors) = open(data).await;
            set(field::FILES, &files_js(&good, None));
            let errors: Array = (errors.into_iter())
                .map(|(src, why)| JsValue::from(Array::of2(&src.into(), &why.into())))
                .collect();
            set(field::ERRORS, &errors);
            return out;
        }
        "upload" => upload(data).await.map(|(query, key)| {
            if let Some(key) = key {
                set(field::KEY, &key.into());
            }
            query
        }),
        _ => export(data),
    };
    match done {
        Ok(text) => set(field::TEXT, &text.into()),
        Err(why) => set(field::ERROR, &why.into()),
    }
    out
}

/// The files of a share link's `d=` text (`"unpack"`), or of an
/// encrypted share opened with its key (`"unseal"`); what could not be
/// read as (source, why).
async fn open(data: &JsValue) -> (Vec<Input>, Vec<(String, String)>) {
    if string(data, field::KIND) == "unpack" {
        return match crate::deflate::unpack(&string(data, field::DATA)).await {
            Ok(files) => (
                (files.into_iter())
                    .map(|(name, bytes)| Input {
                        name,
                        bytes: Arc::new(bytes),
                    })
                    .collect(),
                Vec::new(),
            ),
            Err(e) => (Vec::new(), vec![("shared link".into(), e)]),
        };
    }
    let sent = Array::from(&get(data, field::FILES));
    let places = (sent.iter()).map(|f| get(&f, field::PLACE).as_f64().unwrap_or(0.0) as usize);
    let inputs = places.zip(files(data)).collect();
    let count = get(data, field::COUNT).as_f64().unwrap_or(0.0) as usize;
    let key = get(data, field::KEY).as_string();
    load::unseal(inputs, count, key.as_deref()).await
}

/// `inputs` as a request or answer carries them (`[{name, bytes}]`),
/// their buffers added to `buffers` (to hand them over).
pub fn files_js(inputs: &[Input], buffers: Option<&Array>) -> Array {
    let files = Array::new();
    for input in inputs {
        let f: JsValue = Object::new().into();
        let bytes = Uint8Array::from(input.bytes.as_slice());
        if let Some(b) = buffers {
            b.push(&bytes.buffer());
        }
        let _ = Reflect::set(&f, &field::NAME.into(), &input.name.as_str().into());
        let _ = Reflect::set(&f, &field::BYTES.into(), &bytes);
        files.push(&f);
    }
    files
}

/// The files of a request (or of an answer).
pub fn files(data: &JsValue) -> Vec<Input> {
    Array::from(&get(data, field::FILES))
        .iter()
        .map(|f| Input {
            name: string(&f, field::NAME),
            bytes: Arc::new(
                get(&f, field::BYTES)
                    .dyn_into::<Uint8Array>()
                    .map(|b| b.to_vec())
                    .unwrap_or_default(),
            ),
        })
        .collect()
}

/// The upload a request asks for: the link's query, and the key as text
/// when it is encrypted.
async fn upload(data: &JsValue) -> Result<(String, Option<String>), String> {
    let encrypted = get(data, field::ENCRYPTED).as_bool() == Some(true);
    let key = encrypted.then(crate::crypto::new_key).transpose()?;
    let query = load::upload(&files(data), key.as_ref()).await?;
    Ok((query, key.as_ref().map(crate::crypto::key_to_text)))
}

/// The export a request asks for.
fn export(data: &JsValue) -> Result<String, String> {
    let files = files(data);
    // Merge or compare as the user chose, else as the files' kinship says.
    let compare = get(data, field::COMPARE).as_bool();
    let limits: Vec<(Metric, f64)> = Array::from(&get(data, field::LIMITS))
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((
                Metric::parse(&pair.get(0).as_string()?)?,
                pair.get(1).as_f64()?,
            ))
        })
        .collect();
    let worker = get(data, field::WORKER).as_string();
    let parsed: Vec<_> = files
        .iter()
        .map(|f| load::parse_at_once(f, worker.as_deref()))
        .collect();
    // The page exports its first run (the "before" one when comparing).
    let first = match load::core_analysis(&parsed, compare, &limits)
        .0
        .map(|a| a.0)
    {
        Some(inputs::Analysis::Merged(one)) => one,
        Some(inputs::Analysis::Compared(c)) => c.before,
        None => return Err("none of the files could be read".into()),
    };
    match string(data, field::KIND).as_str() {
        "json" => Ok(first.report.to_json()),
        "html" => {
            let charts = get(data, field::CHARTS);
            let title = first.names.join(" + ");
            Ok(leaklens_render::html::report_with_charts(
                &first.parsed.run,
                &first.report,
                &title,
                &|spec, width, _| chart_image(&charts, spec.kind, width),
            ))
        }
        other => Err(format!("no such export: {other}")),
    }
}

/// Reads the metrics export of a `"read"` request as the CLI does
/// (`leaklens analyze FILE [--worker NAME]`), answering with `set`.
fn read(data: &JsValue, set: &dyn Fn(&str, &JsValue)) {
    let Some(input) = files(data).into_iter().next() else {
        return set(field::WHY, &"no file".into());
    };
    // Marked, for `metrics-view.js`, which shows it.
    set(field::KIND, &"read".into());
    set(field::NAME, &input.name.as_str().into());
    let worker = get(data, field::WORKER).as_string();
    let read = load::parse_at_once(&input, worker.as_deref());
    // Every process, to pick another: the reader named the others, or one
    // was asked for (and may not be there).
    let mut several = worker.is_some();
    match &read.result {
        Err(why) => set(field::WHY, &why.as_str().into()),
        Ok(p) => {
            let Some(text) = metrics::ndjson(p) else {
                return set(field::OWN, &true.into());
            };
            set(field::NDJSON, &Uint8Array::from(text.as_bytes()));
            let warnings: Array = p
                .warnings
                .iter()
                .map(|w| {
                    let line = w.line.map_or(JsValue::NULL, |l| (l as f64).into());
                    JsValue::from(Array::of2(&line, &w.message.as_str().into()))
                })
                .collect();
            set(field::WARNINGS, &warnings);
            if let Some(w) = &p.worker {
                set(field::WORKER, &w.as_str().into());
            }
            several |= metrics::several_processes(p);
        }
    }
    if several {
        let list: Array = processes(&input.bytes)
            .into_iter()
            .map(|(name, n)| JsValue::from(Array::of2(&name.into(), &(n as f64).into())))
            .collect();
        set(field::PROCESSES, &list);
    }
}

/// Every process of a metrics export, with its snapshots, in name order.
#[cfg(feature = "metrics")]
fn processes(bytes: &[u8]) -> Vec<(String, usize)> {
    leaklens_core::ingest::metrics_runs(bytes)
        .map(|runs| runs.into_iter().map(|(p, run)| (p, run.len())).collect())
        .unwrap_or_default()
}

/// Without the readers (the page's build), none.
#[cfg(not(feature = "metrics"))]
fn processes(_: &[u8]) -> Vec<(String, usize)> {
    Vec::new()
}

/// The chart of `kind` as the page drew it, an `<img>` of its pixels
/// `width` CSS pixels wide at most (empty when the page had none).
fn chart_image(charts: &JsValue, kind: ChartKind, width: u32) -> String {
    let (key, what) = match kind {
        ChartKind::Memory => (field::MEMORY, "memory"),
        ChartKind::Browser => (field::BROWSER, "browser"),
    };
    let url = string(charts, key);
    if url.starts_with("data:image/png;base64,") {
        format!("<img alt=\"{what} chart\" src=\"{url}\" style=\"max-width:{width}px;width:100%\">")
    } else {
        String::new()
    }
}
