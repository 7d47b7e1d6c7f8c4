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
//! A request is a plain object: `id` (echoed in the answer), `kind`
//! (`"json"`, `"html"` or `"upload"`), `files` (`[{name, bytes:
//! Uint8Array}]`); for exports `compare` (bool, or none), `limits`
//! (`[[metric key, value]]`), `charts` (`{memory, browser}`: data URLs, or
//! empty); for uploads `encrypted` (bool). The answer is `{id, text}` (the
//! export, or the link's query) with `key` (an encrypted upload's key as
//! text), or `{id, error}`.

use std::sync::Arc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use leaklens_chart::ChartKind;
use leaklens_core::{inputs, Metric};
use wasm_bindgen::{JsCast, JsValue};

use crate::load::{self, Input};

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

/// The files of a request.
fn files(data: &JsValue) -> Vec<Input> {
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
    let parsed: Vec<_> = files.iter().map(load::parse_at_once).collect();
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
