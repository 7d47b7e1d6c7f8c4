//! Exports: the report as JSON or HTML, the memory chart as PNG, saved as
//! downloads.
//!
//! The JSON and HTML exports are made by the export module (a second wasm,
//! `leaklens-export`, in a Web Worker started at the first export; see
//! `export_job`): the page's wasm then carries neither the report's JSON
//! writer nor the HTML renderer. The page sends it the files it analysed,
//! the mode and limits, and its charts as drawn (PNG).

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::export_job::field;
use crate::load::Input;
use crate::state::ViewState;
use crate::window;

/// The worker's loader (copied into `dist/` next to the module).
const WORKER_URL: &str = "./export-worker.js";

thread_local! {
    /// The export module, once it said it is ready.
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
}

/// Which export.
#[derive(Clone, Copy)]
pub enum Kind {
    Json,
    Html,
}

/// Exports the report of what the page analysed (`inputs`, as `view`
/// says: mode and limits), saying what is under way in `status`.
pub fn report(
    kind: Kind,
    inputs: Vec<Input>,
    view: &ViewState,
    status: RwSignal<String>,
    busy: RwSignal<bool>,
) {
    if busy.get_untracked() || inputs.is_empty() {
        return;
    }
    let request = request(kind, &inputs, view);
    busy.set(true);
    status.set("Preparing the export…".into());
    spawn_local(async move {
        let answer = ask(request).await;
        busy.set(false);
        match answer {
            Ok(text) => {
                status.set(String::new());
                let (name, mime) = match kind {
                    Kind::Json => ("leaklens-report.json", "application/json"),
                    Kind::Html => ("leaklens-report.html", "text/html"),
                };
                download(name, mime, &text);
            }
            Err(why) => status.set(format!(
                "Export failed: {why}. Reload the page to try again."
            )),
        }
    });
}

/// The request to the export module, and the buffers it hands over.
fn request(kind: Kind, inputs: &[Input], view: &ViewState) -> (JsValue, Array) {
    let set = |o: &JsValue, k: &str, v: &JsValue| {
        let _ = Reflect::set(o, &JsValue::from_str(k), v);
    };
    let msg: JsValue = Object::new().into();
    let kind = match kind {
        Kind::Json => "json",
        Kind::Html => "html",
    };
    set(&msg, field::KIND, &kind.into());
    let files = Array::new();
    let buffers = Array::new();
    for input in inputs {
        let f: JsValue = Object::new().into();
        let bytes = Uint8Array::from(input.bytes.as_slice());
        buffers.push(&bytes.buffer());
        set(&f, field::NAME, &input.name.as_str().into());
        set(&f, field::BYTES, &bytes);
        files.push(&f);
    }
    set(&msg, field::FILES, &files);
    if let Some(compare) = view.compare {
        set(&msg, field::COMPARE, &compare.into());
    }
    let limits = Array::new();
    for (m, x) in &view.limits {
        limits.push(&Array::of2(&m.key().into(), &(*x).into()));
    }
    set(&msg, field::LIMITS, &limits);
    let charts: JsValue = Object::new().into();
    for (key, selector) in [
        (field::MEMORY, "canvas.chart-memory"),
        (field::BROWSER, "canvas.chart-browser"),
    ] {
        set(
            &charts,
            key,
            &canvas_url(selector).unwrap_or_default().into(),
        );
    }
    set(&msg, field::CHARTS, &charts);
    (msg, buffers)
}

/// The next message from `worker` (its `data`), or why none will come.
async fn next_message(worker: &web_sys::Worker) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
    });
    let got = JsFuture::from(promise).await;
    worker.set_onmessage(None);
    worker.set_onerror(None);
    match got {
        Ok(ev) => Ok(Reflect::get(&ev, &"data".into()).unwrap_or(JsValue::UNDEFINED)),
        Err(ev) => {
            let why = Reflect::get(&ev, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .filter(|m| !m.is_empty());
            Err(match why {
                Some(m) => format!("the export module failed ({m})"),
                None => "the export module could not be loaded".into(),
            })
        }
    }
}

/// An answer's error, if it is one.
fn error_of(data: &JsValue) -> Option<String> {
    Reflect::get(data, &field::ERROR.into())
        .ok()
        .and_then(|e| e.as_string())
}

/// The export module, started and ready.
async fn worker() -> Result<web_sys::Worker, String> {
    if let Some(w) = WORKER.with(|w| w.borrow().clone()) {
        return Ok(w);
    }
    let w = web_sys::Worker::new(WORKER_URL)
        .map_err(|_| "the browser could not start the export module".to_string())?;
    let first = next_message(&w).await;
    match first {
        Ok(data) if data.as_string().as_deref() == Some("ready") => {
            WORKER.with(|cell| *cell.borrow_mut() = Some(w.clone()));
            Ok(w)
        }
        other => {
            w.terminate();
            Err(other
                .ok()
                .and_then(|d| error_of(&d))
                .unwrap_or_else(|| "the export module could not be loaded".into()))
        }
    }
}

/// Sends `request` to the export module; its text, or why there is none.
async fn ask((msg, buffers): (JsValue, Array)) -> Result<JsValue, String> {
    let w = worker().await?;
    let answer = match w.post_message_with_transfer(&msg, &buffers) {
        Ok(()) => next_message(&w).await,
        Err(_) => Err("the files could not be handed to the export module".into()),
    };
    let text = answer.and_then(|data| match error_of(&data) {
        Some(e) => Err(e),
        None => Reflect::get(&data, &field::TEXT.into())
            .ok()
            .filter(JsValue::is_string)
            .ok_or_else(|| "the export module gave no answer".into()),
    });
    if text.is_err() {
        // Start afresh next time (a module that failed may be stuck).
        w.terminate();
        WORKER.with(|cell| *cell.borrow_mut() = None);
    }
    text
}

/// The canvas `selector` as a PNG data URL.
fn canvas_url(selector: &str) -> Option<String> {
    window()
        .document()?
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        .and_then(|c| c.to_data_url().ok())
}

/// The memory chart as drawn on the page.
pub fn png() {
    if let Some(url) = canvas_url("canvas.chart-memory") {
        click_link(&url, "leaklens-chart.png");
    }
}

fn download(name: &str, mime: &str, text: &JsValue) {
    let parts = Array::of1(text);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    click_link(&url, name);
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn click_link(href: &str, name: &str) {
    let doc = window().document().expect("document");
    if let Ok(a) = doc.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(href);
            a.set_download(name);
            a.click();
        }
    }
}
