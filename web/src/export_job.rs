//! The exports themselves, done in the export module (`leaklens-export`, a
//! Web Worker the page starts at its first export, so the page's wasm
//! carries neither the report's JSON writer nor the HTML renderer).
//!
//! The page sends what it analysed: the files, the mode and the limits,
//! and the charts as drawn (PNG data URLs). The module reads and analyses
//! the files again with the same code ([`load::parse_at_once`],
//! [`load::core_analysis`]: the same report, byte for byte) and renders it.
//!
//! A request is a plain object: `kind` (`"json"` or `"html"`), `files`
//! (`[{name, bytes: Uint8Array}]`), `compare` (bool, or none), `limits` (`[[metric
//! key, value]]`), `charts` (`{memory, browser}`: data URLs, or empty). The
//! answer is `{text}` or `{error}`.

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
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// The answer to the page's request `data`: `{text}` or `{error}`.
pub fn answer(data: &JsValue) -> JsValue {
    let out = Object::new();
    let (key, value) = match export(data) {
        Ok(text) => (field::TEXT, text),
        Err(why) => (field::ERROR, why),
    };
    let _ = Reflect::set(&out, &key.into(), &JsValue::from_str(&value));
    out.into()
}

/// The export a request asks for.
fn export(data: &JsValue) -> Result<String, String> {
    let files: Vec<Input> = Array::from(&get(data, field::FILES))
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
        .collect();
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
