//! The export module's entry point, run in a Web Worker the page starts at
//! its first export (`web/export-worker.js` loads it): it says "ready",
//! then answers each request (`leaklens_web::export_job`: the JSON and HTML
//! exports, the uploads). A panic is answered as an error (with no `id`:
//! every request under way fails), so the page never waits for nothing.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Parses and analyses `bytes` as one snapshot file and returns the number
/// of snapshots: a hook for `scripts/bench-web.mjs`, which times the wasm
/// core against the native CLI on the same file. It lives in this module,
/// not in the page, whose wasm has no bytes to spare; the core is the same
/// code, built with the same profile.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench_parse_analyse(bytes: &[u8]) -> usize {
    match leaklens_core::ingest::parse("bench", bytes) {
        Ok(p) => {
            let r = leaklens_core::analyze_parsed(&p, &leaklens_core::Config::default());
            r.summary.snapshots
        }
        Err(_) => 0,
    }
}

fn main() {
    std::panic::set_hook(Box::new(|info| {
        let out = js_sys::Object::new();
        let why = format!("the export failed: {info}");
        let _ = js_sys::Reflect::set(&out, &"error".into(), &JsValue::from_str(&why));
        let _ = scope().post_message(&out);
    }));
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        wasm_bindgen_futures::spawn_local(async move {
            let answer = leaklens_web::export_job::answer(&ev.data()).await;
            let _ = scope().post_message(&answer);
        });
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope().post_message(&JsValue::from_str("ready"));
}
