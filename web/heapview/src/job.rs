//! The work of the heap module, driven by the worker's script
//! (`web/heap-worker.js`): per file `begin`, `push` its pieces as they are
//! read, `end`; then `view` (JSON of [`crate::view::View`]).

use leaklens_heap::{Analysis, Reader};
use wasm_bindgen::prelude::*;

use crate::view;

#[wasm_bindgen]
extern "C" {
    /// The worker's `postMessage` (to the page).
    #[wasm_bindgen(js_name = postMessage)]
    fn post_message(message: &JsValue);
}

/// A panic (a bug: bad input is an error, never a panic) is posted to the
/// page as `{error}`; the module stops with it (`panic = "abort"`).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let out = js_sys::Object::new();
        let why = format!("the heap analysis failed: {info}");
        let _ = js_sys::Reflect::set(&out, &"error".into(), &JsValue::from_str(&why));
        post_message(&out);
    }));
}

/// A series of snapshots analysed as their bytes arrive, one file at a time.
#[wasm_bindgen]
#[derive(Default)]
pub struct HeapJob {
    analysis: Analysis,
    reading: Option<Reader>,
    /// The size of the file whose snapshot the analysis keeps (0: none).
    kept: u64,
    size: u64,
    errors: Vec<String>,
}

#[wasm_bindgen]
impl HeapJob {
    #[wasm_bindgen(constructor)]
    pub fn new() -> HeapJob {
        HeapJob::default()
    }

    /// Starts reading file `name` of `size` bytes. Returns why it is not
    /// read (too large for a wasm32 module's memory), or "" to go on.
    pub fn begin(&mut self, name: &str, size: f64) -> String {
        let size = size.max(0.0) as u64;
        self.reading = None;
        if let Some(why) = view::refusal(name, size, self.kept) {
            self.errors.push(why.clone());
            return why;
        }
        self.size = size;
        self.reading = Some(Reader::with_size_hint(name, size));
        String::new()
    }

    /// The next piece of the file. Returns false once the file is known
    /// to be bad (the rest need not be read).
    pub fn push(&mut self, piece: &[u8]) -> bool {
        match &mut self.reading {
            Some(r) => {
                r.push(piece);
                !r.failed()
            }
            None => false,
        }
    }

    /// The file is read: its snapshot joins the series (or its error is
    /// kept for the page).
    pub fn end(&mut self, name: &str) {
        let Some(r) = self.reading.take() else { return };
        match r.finish() {
            Ok(s) => {
                self.analysis.add(name, s);
                self.kept = self.size;
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// The view of the series so far, as JSON.
    pub fn view(&self) -> String {
        serde_json::to_string(&view::build(&self.analysis, &self.errors)).unwrap_or_default()
    }
}
