//! Exports: the report as JSON or HTML, the memory chart as PNG, saved as
//! downloads.
//!
//! The JSON and HTML exports are made by the export module (a second wasm,
//! `leaklens-export`, in a Web Worker started at the first export; see
//! `export_job`): the page's wasm then carries neither the report's JSON
//! writer nor the HTML renderer. The page sends it the files it analysed,
//! the mode and limits, and its charts as drawn (PNG). The uploads are made
//! there too (`upload`), and metrics exports are read there
//! (`read_metrics`, see `metrics`).

use std::cell::{Cell, RefCell};

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use crate::export_job::{field, files, files_js};
use crate::load::Input;
use crate::state::ViewState;
use crate::window;

/// The worker's loader (copied into `dist/` next to the module).
const WORKER_URL: &str = "./export-worker.js";

/// The event of `metrics-view.js` when the user picks a process of a
/// metrics export.
const PICK_EVENT: &str = "leaklens-worker";

thread_local! {
    /// The export module: a promise of the worker, resolved once it said it
    /// is ready (shared by requests made while it loads).
    static WORKER: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// Requests under way: their id and what resolves them.
    static PENDING: RefCell<Vec<(u32, Function)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
    /// The module, once ready.
    static READY: RefCell<Option<Worker>> = const { RefCell::new(None) };
    /// Whether a read of a metrics export is under way in it.
    static READING: Cell<bool> = const { Cell::new(false) };
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
        let answer = ask(request).await.and_then(text_of);
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
                "Export failed: {why}. Try again, or reload the page."
            )),
        }
    });
}

/// Uploads `inputs` to the server the page came from (sealed first when
/// `encrypted`), in the export module: the link's query (`src=…`) and, for
/// an encrypted upload, the key as text.
pub async fn upload(
    inputs: Vec<Input>,
    encrypted: bool,
) -> Result<(String, Option<String>), String> {
    let (msg, buffers) = message("upload", &inputs);
    set(&msg, field::ENCRYPTED, &encrypted.into());
    let data = ask((msg, buffers)).await?;
    let key = Reflect::get(&data, &field::KEY.into())
        .ok()
        .and_then(|k| k.as_string());
    let query = text_of(data)?.as_string().unwrap_or_default();
    Ok((query, key))
}

/// Reads the metrics export `input` in the export module (see `metrics`;
/// `metrics-view.js` adds the process picked to the request, and shows what
/// the module answers): its run as our NDJSON, or `None` when it is our
/// own format after all (the page reads those), or why it cannot be read.
pub async fn read_metrics(input: &Input) -> Result<Option<Vec<u8>>, String> {
    READING.set(true);
    let data = ask(message("read", std::slice::from_ref(input))).await;
    READING.set(false);
    let data = data?;
    let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(why) = error_of(&data).or_else(|| get(field::WHY).as_string()) {
        return Err(why);
    }
    Ok(get(field::NDJSON)
        .dyn_into::<Uint8Array>()
        .ok()
        .map(|a| a.to_vec()))
}

/// Stops a read of a metrics export under way (new files were dropped):
/// the module is stopped, what was asked of it is answered that it was,
/// and the next request starts it afresh.
pub fn stop_read() {
    if READING.get() {
        if let Some(w) = READY.take() {
            stop(&w, "stopped: other files were dropped");
        }
    }
}

/// Calls `pick()` when the user picks a process of a metrics export in
/// `metrics-view.js` (which keeps it in the URL, `w=`, and adds it to the
/// export module's requests).
pub fn on_pick(pick: impl Fn() + 'static) {
    let on = Closure::<dyn Fn()>::new(pick);
    let _ = window().add_event_listener_with_callback(PICK_EVENT, on.as_ref().unchecked_ref());
    on.forget();
}

fn set(o: &JsValue, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

/// A request of `kind` with the files, and the buffers it hands over.
fn message(kind: &str, inputs: &[Input]) -> (JsValue, Array) {
    let msg: JsValue = Object::new().into();
    set(&msg, field::KIND, &kind.into());
    let buffers = Array::new();
    set(&msg, field::FILES, &files_js(inputs, Some(&buffers)));
    (msg, buffers)
}

/// The `d=` text of a "Copy link" holding `inputs` (framed, deflated and
/// base64url, in the export module).
pub async fn pack(inputs: &[Input]) -> Result<String, String> {
    let data = ask(message("pack", inputs)).await?;
    Ok(text_of(data)?.as_string().unwrap_or_default())
}

/// The files of what the export module was asked to open (`request`), and
/// what it could not read as (source, why); `sources` are what to blame
/// when the module itself fails.
async fn opened(
    request: (JsValue, Array),
    sources: Vec<String>,
) -> (Vec<Input>, Vec<(String, String)>) {
    let answer = ask(request).await;
    let data = match answer.and_then(|d| error_of(&d).map_or(Ok(d), Err)) {
        Ok(data) => data,
        Err(why) => {
            return (
                Vec::new(),
                sources.into_iter().map(|s| (s, why.clone())).collect(),
            )
        }
    };
    let errors = Array::from(&Reflect::get(&data, &field::ERRORS.into()).unwrap_or_default())
        .iter()
        .map(|pair| {
            let pair = Array::from(&pair);
            let text = |k| pair.get(k).as_string().unwrap_or_default();
            (text(0), text(1))
        })
        .collect();
    (files(&data), errors)
}

/// The files of a share link's `d=` text, read in the export module.
pub async fn unpack(d: &str) -> (Vec<Input>, Vec<(String, String)>) {
    let (msg, buffers) = message("unpack", &[]);
    set(&msg, field::DATA, &d.into());
    opened((msg, buffers), vec!["shared link".into()]).await
}

/// The files of an encrypted share opened with the link's `key` in the
/// export module (`load::unseal`): `inputs` are (place in the share, file)
/// of a share of `count` files.
pub async fn unseal(
    inputs: Vec<(usize, Input)>,
    count: usize,
    key: Option<&str>,
) -> (Vec<Input>, Vec<(String, String)>) {
    let names: Vec<String> = inputs.iter().map(|(_, i)| i.name.clone()).collect();
    let (places, inputs): (Vec<usize>, Vec<Input>) = inputs.into_iter().unzip();
    let (msg, buffers) = message("unseal", &inputs);
    let files = Array::from(&Reflect::get(&msg, &field::FILES.into()).unwrap_or_default());
    for (f, n) in files.iter().zip(places) {
        set(&f, field::PLACE, &(n as f64).into());
    }
    set(&msg, field::COUNT, &(count as f64).into());
    if let Some(k) = key {
        set(&msg, field::KEY, &k.into());
    }
    opened((msg, buffers), names).await
}

/// The request for an export: the files, the mode and limits, the charts.
fn request(kind: Kind, inputs: &[Input], view: &ViewState) -> (JsValue, Array) {
    let kind = match kind {
        Kind::Json => "json",
        Kind::Html => "html",
    };
    let (msg, buffers) = message(kind, inputs);
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

/// An answer's error, if it is one.
fn error_of(data: &JsValue) -> Option<String> {
    Reflect::get(data, &field::ERROR.into())
        .ok()
        .and_then(|e| e.as_string())
}

/// An answer's text, or its error.
fn text_of(data: JsValue) -> Result<JsValue, String> {
    match error_of(&data) {
        Some(e) => Err(e),
        None => Reflect::get(&data, &field::TEXT.into())
            .ok()
            .filter(JsValue::is_string)
            .ok_or_else(|| "the export module gave no answer".into()),
    }
}

/// Answers every request under way with `data`.
fn answer_all(data: &JsValue) {
    for (_, resolve) in PENDING.with(|p| std::mem::take(&mut *p.borrow_mut())) {
        let _ = resolve.call1(&JsValue::NULL, data);
    }
}

/// Stops the module and answers every request under way with `why`.
fn stop(worker: &Worker, why: &str) {
    forget(worker);
    let failed: JsValue = Object::new().into();
    set(&failed, field::ERROR, &why.into());
    answer_all(&failed);
}

/// Forgets the module (a failed one is started afresh next time).
fn forget(worker: &Worker) {
    worker.terminate();
    WORKER.with(|w| *w.borrow_mut() = None);
    READY.set(None);
}

/// Hands each answer of a ready module to its request; an answer without
/// an id (a panic) or an error event fails every request under way.
fn dispatch(worker: &Worker) {
    READY.set(Some(worker.clone()));
    let w = worker.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let Some(id) = Reflect::get(&data, &field::ID.into())
            .ok()
            .and_then(|i| i.as_f64())
        else {
            forget(&w);
            return answer_all(&data);
        };
        let found = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let at = p.iter().position(|(i, _)| f64::from(*i) == id)?;
            Some(p.remove(at).1)
        });
        if let Some(resolve) = found {
            let _ = resolve.call1(&JsValue::NULL, &data);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let w = worker.clone();
    let on_error = Closure::<dyn Fn()>::new(move || stop(&w, "the export module failed"));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

/// Starts the export module: a promise of the worker once it is ready.
fn start() -> Result<Promise, String> {
    let worker = Worker::new(WORKER_URL)
        .map_err(|_| "the browser could not start the export module".to_string())?;
    Ok(Promise::new(&mut |resolve, reject| {
        let w = worker.clone();
        worker.set_onerror(Some(&reject));
        let on_first = Closure::once_into_js(move |ev: MessageEvent| {
            let data = ev.data();
            if data.as_string().as_deref() == Some("ready") {
                dispatch(&w);
                let _ = resolve.call1(&JsValue::NULL, &w);
            } else {
                let _ = reject.call1(&JsValue::NULL, &data);
            }
        });
        worker.set_onmessage(Some(on_first.unchecked_ref()));
    }))
}

/// The export module, started and ready.
async fn worker() -> Result<Worker, String> {
    let ready = match WORKER.with(|w| w.borrow().clone()) {
        Some(p) => p,
        None => {
            let p = start()?;
            WORKER.with(|w| *w.borrow_mut() = Some(p.clone()));
            p
        }
    };
    match JsFuture::from(ready).await {
        Ok(w) => Ok(w.unchecked_into()),
        Err(why) => {
            WORKER.with(|w| *w.borrow_mut() = None);
            Err(error_of(&why).unwrap_or_else(|| "the export module could not be loaded".into()))
        }
    }
}

/// Sends `request` to the export module: its answer (`{text}` or
/// `{error}`), or why there is none.
async fn ask((msg, buffers): (JsValue, Array)) -> Result<JsValue, String> {
    let w = worker().await?;
    let id = NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    set(&msg, field::ID, &id.into());
    let answer =
        Promise::new(&mut |resolve, _| PENDING.with(|p| p.borrow_mut().push((id, resolve))));
    if w.post_message_with_transfer(&msg, &buffers).is_err() {
        PENDING.with(|p| p.borrow_mut().retain(|(i, _)| *i != id));
        return Err("the files could not be handed to the export module".into());
    }
    JsFuture::from(answer)
        .await
        .map_err(|_| "the export module gave no answer".into())
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
