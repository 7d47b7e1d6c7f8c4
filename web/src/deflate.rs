//! Raw deflate for share links, done by the browser's own
//! `CompressionStream` / `DecompressionStream` (format `deflate-raw`) instead
//! of a compressor compiled into the wasm. Links made by earlier builds
//! (raw deflate too) still open.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `CompressionStream` or `DecompressionStream`: both are a
    /// `{ readable, writable }` pair that `pipeThrough` accepts.
    type Transform;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn compressor(format: &str) -> Result<Transform, JsValue>;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn decompressor(format: &str) -> Result<Transform, JsValue>;
}

/// Pipes `bytes` through `t` and reads the output, refusing more than `limit`
/// bytes (a decompression bomb stops there, it is not buffered whole).
/// `what` names the step in errors.
async fn run(t: Transform, bytes: &[u8], limit: usize, what: &str) -> Result<Vec<u8>, String> {
    let failed = |e: JsValue| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_default();
        if why.is_empty() {
            format!("{what} failed")
        } else {
            format!("{what} failed: {why}")
        }
    };
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(failed)?;
    let out = blob
        .stream()
        .pipe_through(t.unchecked_ref::<web_sys::ReadableWritablePair>());
    let reader: web_sys::ReadableStreamDefaultReader = out.get_reader().unchecked_into();
    let mut got = Vec::new();
    loop {
        let step: Object = JsFuture::from(reader.read())
            .await
            .map_err(failed)?
            .unchecked_into();
        if Reflect::get(&step, &"done".into()).is_ok_and(|d| d.is_truthy()) {
            return Ok(got);
        }
        let chunk: Uint8Array = Reflect::get(&step, &"value".into())
            .map_err(failed)?
            .unchecked_into();
        let at = got.len();
        let len = chunk.length() as usize;
        if at + len > limit {
            let _: Promise = reader.cancel();
            return Err(format!("{what}: over {} MB", limit >> 20));
        }
        got.resize(at + len, 0);
        chunk.copy_to(&mut got[at..]);
    }
}

/// Raw deflate of `bytes`.
pub async fn compress(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let t = Transform::compressor("deflate-raw")
        .map_err(|_| "this browser cannot compress (no CompressionStream)")?;
    run(t, bytes, usize::MAX, "compressing").await
}

/// Inflates raw deflate, at most `limit` bytes of output.
pub async fn decompress(bytes: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let t = Transform::decompressor("deflate-raw")
        .map_err(|_| "this browser cannot decompress (no DecompressionStream)")?;
    run(t, bytes, limit, "inflating").await
}

/// Gunzips `bytes` (a `.gz` export, known by its magic bytes), at most
/// `limit` bytes of output.
pub async fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let t = Transform::decompressor("gzip")
        .map_err(|_| "this browser cannot decompress (no DecompressionStream)")?;
    run(t, bytes, limit, "decompressing").await
}

/// The `d=` text of a share link holding `files`.
pub async fn pack(files: &[(String, Vec<u8>)]) -> Result<String, String> {
    Ok(crate::state::to_text(
        &compress(&crate::state::frame(files)).await?,
    ))
}

/// The files of a share link's `d=` text; damage is an error that says so.
pub async fn unpack(data: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let deflated = crate::state::from_text(data)?;
    // 512 MB is far beyond what fits in a URL; it bounds a decompression bomb.
    let raw = decompress(&deflated, 512 << 20)
        .await
        .map_err(|e| format!("the link's data is damaged ({e})"))?;
    crate::state::unframe(&raw)
}
