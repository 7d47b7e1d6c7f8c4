//! Getting bytes into the app: dropped or picked files, pasted text, bundled
//! samples, `?src=` URLs, and analysing them with the core.

use std::sync::Arc;

use js_sys::Uint8Array;
use leaklens_chart::{Prepared, XAxis};
use leaklens_core::compare::Comparison;
use leaklens_core::ingest::{self, Parsed};
use leaklens_core::{inputs, Config, Metric, Report};
use leaklens_protocol::{range, routes};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bigger inputs are refused with a message instead of exhausting the tab.
pub const MAX_FILE_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
}

/// The samples bundled with the viewer (copied from `static/samples`).
pub const SAMPLES: &[(&str, &str)] = &[
    ("leak-heap-steps.json", "Heap leak in steps"),
    ("leak-plateau-then-growth.ndjson", "Plateau, then growth"),
    ("leak-unclosed-pages.log", "Unclosed pages (mojibake log)"),
    ("leak-browser-contexts.json", "Browser contexts"),
    ("leak-rss-native.log", "Native RSS (docker log)"),
    ("leak-external-buffers.log", "External Buffers"),
    ("leak-heap-linear-fast.log", "Fast heap leak"),
    ("no-leak-stable-gc.ndjson", "No leak: GC sawtooth"),
    ("no-leak-warmup-then-flat.ndjson", "No leak: warm-up"),
    ("inconclusive-too-short.ndjson", "Too short to tell"),
];

/// One analysed run.
pub struct Analysed {
    pub title: String,
    pub parsed: Arc<Parsed>,
    pub report: Report,
    /// The run prepared for drawing (and hover) on each pair of axes, built
    /// at their first drawing: every zoom, pan and hover after it reads it,
    /// each chart of the run the same one.
    prepared: [std::sync::OnceLock<Prepared>; 4],
}

impl Analysed {
    /// The run prepared for the x axis (wall clock if `time`) and the y
    /// scale (logarithmic if `log`), with its retained levels.
    pub fn prepared(&self, time: bool, log: bool) -> &Prepared {
        let axis = if time { XAxis::Time } else { XAxis::Cycle };
        self.prepared[usize::from(time) * 2 + usize::from(log)].get_or_init(|| {
            let run = &self.parsed.run;
            Prepared::new(run, axis, log).with_retained(run, &self.report, None)
        })
    }
}

/// Everything the report view shows.
pub struct Loaded {
    /// One run (merged files), or two in compare mode.
    pub runs: Vec<Arc<Analysed>>,
    pub comparison: Option<Comparison>,
    /// With two files or more: whether the first two are one run's exports.
    pub kinship: Option<inputs::Kinship>,
    /// Files that could not be read: (name, why). The others are kept.
    pub errors: Vec<(String, String)>,
}

/// A `Loaded` compared by identity, so a memo does not compare reports.
#[derive(Clone)]
pub struct Shared(pub Arc<Loaded>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// One input after reading: its snapshots, or why it has none.
#[derive(Clone)]
pub struct ParsedInput {
    pub name: String,
    pub result: Result<Arc<Parsed>, String>,
}

impl ParsedInput {
    pub fn new(name: &str, result: Result<Arc<Parsed>, String>) -> ParsedInput {
        ParsedInput {
            name: name.to_owned(),
            result,
        }
    }
}

/// Files are read in pieces of this size, handing the page back to the
/// browser in between (it paints the progress bar and stays responsive).
/// A piece takes the wasm core about 40 ms.
const PIECE_BYTES: usize = 8 << 20;
/// Smaller files are read in one go (about 60 ms or less): yielding would
/// only delay the first chart.
const READ_AT_ONCE: usize = 16 << 20;

/// Hands control back to the browser for one task (a `setTimeout(0)`).
pub async fn yield_to_browser() {
    wait(false).await
}

/// Waits for the next frame (`requestAnimationFrame`).
pub async fn next_frame() {
    wait(true).await
}

async fn wait(frame: bool) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = if frame {
                w.request_animation_frame(&resolve)
            } else {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            };
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Parses and analyses a small generated run once, soon after start-up,
/// while the user has not dropped anything yet: the browser compiles the
/// wasm lazily and first with its baseline compiler, and a long parse that
/// starts cold runs there to the end (about twice as slow). Warmed, the
/// hot loops are optimised before the first real file arrives.
pub fn warm_up() {
    // A plain NDJSON run: a GC sawtooth with a slow rise, three steps a cycle.
    let mut text = String::with_capacity(300 * 3 * 160);
    for c in 1..=300u32 {
        let base = 60.0 + f64::from(c % 9) * 4.0 + f64::from(c) * 0.05;
        for (k, label) in ["Before scrape", "After scrape", "After cleanup"]
            .iter()
            .enumerate()
        {
            let heap = base + k as f64 * 6.0;
            text.push_str(&format!(
                "{{\"cycle\":{c},\"label\":\"{label}\",\"timestamp\":{},\"nodejs\":{{\"heapUsed\":{heap:.2},\"heapTotal\":{:.2},\"rss\":{:.2},\"external\":4.5,\"arrayBuffers\":1.2}},\"browser\":{{\"pageCount\":{},\"contextCount\":1,\"pageUrls\":[\"https://example.invalid/p/{c}\"]}}}}\n",
                1_764_115_200_000u64 + u64::from(c) * 10_000 + k as u64 * 3_000,
                heap * 1.4,
                heap * 1.4 + 150.0,
                1 + k % 2,
            ));
        }
    }
    if let Ok(parsed) = ingest::parse("warm-up.ndjson", text.as_bytes()) {
        let _ = leaklens_core::analyze_parsed(&parsed, &Config::default());
    }
}

/// Field `key` of the JSON object `text` (a server's answer), parsed by the
/// browser: the viewer carries no JSON tree of its own for these few reads.
pub fn json_field(text: &str, key: &str) -> Option<wasm_bindgen::JsValue> {
    let value = js_sys::JSON::parse(text).ok()?;
    if !value.is_object() {
        return None;
    }
    js_sys::Reflect::get(&value, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn error_text(e: &ingest::IngestError) -> String {
    let mut why = e.message.clone();
    if let Some(l) = e.line {
        why = format!("line {l}: {why}");
    }
    if let Some(h) = &e.hint {
        why.push_str(&format!(" ({h})"));
    }
    why
}

/// What a heap snapshot not named `*.heapsnapshot` is, and what to do with
/// it (those named so go to the heap module, `web/heap-view.js`).
const HEAP_SNAPSHOT: &str = "a V8 heap snapshot, not a memory-snapshot export: name it *.heapsnapshot and drop it again to see which classes grow and what holds them";

/// A V8 heap snapshot: by its name, or its first bytes
/// (`{"snapshot":{"meta":`).
fn is_heap_snapshot(name: &str, bytes: &[u8]) -> bool {
    let head: Vec<u8> = bytes
        .iter()
        .take(64)
        .filter(|b| !b.is_ascii_whitespace())
        .copied()
        .collect();
    name.ends_with(".heapsnapshot") || head.starts_with(br#"{"snapshot":{"meta""#)
}

/// Why an input is not read at all, if it is not: too large, or a heap
/// snapshot.
fn refusal(input: &Input) -> Option<String> {
    if input.bytes.len() as f64 > MAX_FILE_BYTES {
        return Some(format!(
            "too large for the browser ({:.0} MB): analyse it with the leaklens CLI",
            input.bytes.len() as f64 / 1e6
        ));
    }
    is_heap_snapshot(&input.name, &input.bytes).then(|| HEAP_SNAPSHOT.into())
}

/// Parses one input in one go, as [`parse_inputs`] does in pieces (the
/// Reader gives the same snapshots whatever the pieces): the export
/// module's read of the files the page analysed, and of metrics exports
/// for the page (the module has their readers), process `worker` of them
/// if given, as `leaklens analyze FILE --worker NAME` reads it.
pub fn parse_at_once(input: &Input, worker: Option<&str>) -> ParsedInput {
    let result = match refusal(input) {
        Some(why) => Err(why),
        None if ingest::metrics_export(&input.bytes).is_some() => {
            let options = ingest::ReadOptions {
                worker: worker.map(str::to_owned),
                ..ingest::ReadOptions::default()
            };
            let parsed = ingest::parse_with(&input.name, &input.bytes, &options);
            parsed.map(Arc::new).map_err(|e| error_text(&e))
        }
        None => {
            let mut c = ingest::ChunkedParse::new(&input.name, &input.bytes, usize::MAX);
            while !c.is_done() {
                c.step();
            }
            c.finish().map(Arc::new).map_err(|e| error_text(&e))
        }
    };
    ParsedInput::new(&input.name, result)
}

/// Parses every input in pieces, reporting `progress(fraction, what)` and
/// yielding to the browser between pieces; metrics exports are read by the
/// export module, in its Web Worker, which gives their runs as our NDJSON,
/// read here like any file (see `metrics`). `cancelled()` stops early (new
/// files were dropped meanwhile).
pub async fn parse_inputs(
    inputs: &[Input],
    progress: impl Fn(f64, String),
    cancelled: impl Fn() -> bool,
) -> Option<Vec<ParsedInput>> {
    let total: usize = inputs.iter().map(|i| i.bytes.len()).sum::<usize>().max(1);
    let mut before = 0usize;
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let mut converted = None;
        let refused = match refusal(input) {
            Some(why) => Some(why),
            None => match ingest::metrics_export(&input.bytes) {
                Some(what) => {
                    progress(
                        before as f64 / total as f64,
                        format!("Reading {} ({what})…", input.name),
                    );
                    let read = crate::export::read_metrics(input).await;
                    if cancelled() {
                        return None;
                    }
                    read.map(|c| converted = c).err()
                }
                None => None,
            },
        };
        if let Some(why) = refused {
            out.push(ParsedInput::new(&input.name, Err(why)));
            before += input.bytes.len();
            continue;
        }
        let bytes: &[u8] = converted.as_deref().unwrap_or(&input.bytes);
        let piece = if bytes.len() <= READ_AT_ONCE {
            usize::MAX
        } else {
            PIECE_BYTES
        };
        let mut c = ingest::ChunkedParse::new(&input.name, bytes, piece);
        while !c.is_done() {
            c.step();
            if !c.is_done() {
                progress(
                    (before + c.done_bytes()) as f64 / total as f64,
                    format!("Reading {}…", input.name),
                );
                yield_to_browser().await;
                if cancelled() {
                    return None;
                }
            }
        }
        out.push(ParsedInput::new(
            &input.name,
            c.finish().map(Arc::new).map_err(|e| error_text(&e)),
        ));
        before += input.bytes.len();
    }
    Some(out)
}

/// A run the core analysed, with the chart's index.
fn analysed(run: inputs::Analysed<Arc<Parsed>>) -> Arc<Analysed> {
    Arc::new(Analysed {
        title: run.names.join(" + "),
        parsed: run.parsed,
        report: run.report,
        prepared: Default::default(),
    })
}

/// The core's analysis of the page's inputs, and their kinship.
pub type CoreAnalysis = (inputs::Analysis<Arc<Parsed>>, Option<inputs::Kinship>);

/// What the core made of the parsed inputs (the readable ones) as one run,
/// or as two runs to compare (`None`: as their kinship decides), and the
/// inputs it could not read: (name, why). The page and the export module
/// both analyse this way.
pub fn core_analysis(
    inputs: &[ParsedInput],
    compare: Option<bool>,
    limits: &[(Metric, f64)],
) -> (Option<CoreAnalysis>, Vec<(String, String)>) {
    let mut cfg = Config::default();
    cfg.limits.extend(limits.iter().copied());
    let mut good: Vec<(String, Arc<Parsed>)> = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        match &input.result {
            Ok(p) => good.push((input.name.clone(), p.clone())),
            Err(why) => errors.push((input.name.clone(), why.clone())),
        }
    }
    (inputs::analyse(good, compare, &cfg), errors)
}

/// Analyses the parsed inputs (keeping the good ones) as one run, or as two
/// runs to compare (`None`: as their kinship decides).
pub fn analyse(inputs: &[ParsedInput], compare: Option<bool>, limits: &[(Metric, f64)]) -> Loaded {
    let (analysis, errors) = core_analysis(inputs, compare, limits);
    let (analysis, kinship) = analysis.unzip();
    let (runs, comparison) = match analysis {
        Some(inputs::Analysis::Compared(c)) => (
            vec![analysed(c.before), analysed(c.after)],
            Some(c.comparison),
        ),
        Some(inputs::Analysis::Merged(one)) => (vec![analysed(one)], None),
        None => (Vec::new(), None),
    };
    Loaded {
        runs,
        comparison,
        kinship: kinship.flatten(),
        errors,
    }
}

/// Reads a dropped or picked file.
pub async fn read_file(file: web_sys::File) -> Result<Input, String> {
    let name = file.name();
    if file.size() > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: too large for the browser ({:.0} MB); analyse it with the leaklens CLI",
            file.size() / 1e6
        ));
    }
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("{name}: the browser could not read the file"))?;
    let bytes = Uint8Array::new(&buf).to_vec();
    Ok(Input {
        bytes: Arc::new(decompressed(&name, bytes).await?),
        name,
    })
}

/// `bytes` as text: a gzip-compressed export (by its magic bytes, never its
/// name) is decompressed by the browser, bounded like any file.
async fn decompressed(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if ingest::sniff(&bytes) != ingest::Sniffed::Gzip {
        return Ok(bytes);
    }
    crate::deflate::gunzip(&bytes, MAX_FILE_BYTES as usize)
        .await
        .map_err(|e| format!("{name}: gzip-compressed, and {e}"))
}

/// What a live run's source sent since the bytes a viewer has.
pub enum More {
    /// The bytes after those it has.
    Rest(Vec<u8>),
    /// The whole run (a server that ignores ranges).
    Whole(Vec<u8>),
    /// Nothing new.
    Nothing,
}

/// GETs `url` (with `init`'s headers, if any): the response, whatever its
/// status, or why there is none.
async fn get(url: &str, init: Option<&web_sys::RequestInit>) -> Result<web_sys::Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let pending = match init {
        Some(init) => window.fetch_with_str_and_init(url, init),
        None => window.fetch_with_str(url),
    };
    JsFuture::from(pending)
        .await
        .map_err(|_| format!("{url}: could not be fetched (network error or CORS)"))?
        .dyn_into()
        .map_err(|_| format!("{url}: not a response"))
}

/// A response's body.
async fn body(url: &str, resp: &web_sys::Response) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(resp.array_buffer().map_err(|_| format!("{url}: no body"))?)
        .await
        .map_err(|_| format!("{url}: the body could not be read"))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// The bytes of a growing file after its first `have` (`Range: bytes=N-`):
/// a live view downloads each append once, not the whole run each time.
pub async fn fetch_more(url: &str, have: usize) -> Result<More, String> {
    let headers = web_sys::Headers::new().map_err(|_| "no headers")?;
    headers
        .set("Range", &range::request(have as u64))
        .map_err(|_| "no headers")?;
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let resp = get(url, Some(&init)).await?;
    match resp.status() {
        416 => Ok(More::Nothing),
        200 => Ok(More::Whole(body(url, &resp).await?)),
        206 => {
            // The part must start where the page's copy ends.
            let start = resp
                .headers()
                .get("Content-Range")
                .ok()
                .flatten()
                .and_then(|r| range::parse_partial_start(&r));
            if start != Some(have as u64) {
                return Err(format!("{url}: the server sent another part than asked"));
            }
            Ok(More::Rest(body(url, &resp).await?))
        }
        s => Err(format!("{url}: HTTP {s}")),
    }
}

/// The name a fetched file gets: the last part of its URL's path.
pub fn name_of(url: &str) -> String {
    url.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(url)
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_string()
}

/// The file name of a `Content-Disposition` header (`inline;
/// filename="…"`, as `leaklens serve` writes it).
fn disposition_name(header: &str) -> Option<String> {
    let name = header.split('"').nth(1)?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Fetches a file by URL (a bundled sample, or `?src=` from any host that
/// allows CORS).
pub async fn fetch(url: &str) -> Result<Input, String> {
    let resp = get(url, None).await?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    // A report's file is served with its name (`leaklens serve`).
    let name = resp
        .headers()
        .get("Content-Disposition")
        .ok()
        .flatten()
        .and_then(|d| disposition_name(&d))
        .unwrap_or_else(|| name_of(url));
    let bytes = decompressed(&name, body(url, &resp).await?).await?;
    Ok(Input {
        name,
        bytes: Arc::new(bytes),
    })
}

/// Uploads the inputs as one report (`multipart/form-data`) to the
/// `leaklens serve` this page came from; with a key, every file is sealed in
/// the browser first and the server only ever sees ciphertext. Returns the
/// link's query (`src=...`). A page on a plain static host gets a clear
/// "no server".
pub async fn upload(inputs: &[Input], key: Option<&[u8; 32]>) -> Result<String, String> {
    // Run in the export module's worker: its global scope fetches (with
    // the page's origin, relative to the page's folder).
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let form = web_sys::FormData::new().map_err(|_| "no form data")?;
    for (n, input) in inputs.iter().enumerate() {
        let (bytes, name, ty) = match key {
            Some(k) => (
                crate::crypto::seal(k, &input.name, &input.bytes, n, inputs.len()).await?,
                // The real name is inside the ciphertext.
                format!("encrypted-{n}"),
                crate::crypto::CONTENT_TYPE,
            ),
            None => (
                input.bytes.as_ref().clone(),
                input.name.clone(),
                "application/octet-stream",
            ),
        };
        let parts = js_sys::Array::of1(&Uint8Array::from(bytes.as_slice()));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(ty);
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
            .map_err(|_| "the browser could not prepare the upload")?;
        form.append_with_blob_and_filename("file", &blob, &name)
            .map_err(|_| "the browser could not prepare the upload")?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    let resp =
        JsFuture::from(scope.fetch_with_str_and_init(routes::relative(routes::REPORTS), &init))
            .await
            .map_err(|_| "the upload failed (network error)".to_string())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "not a response")?;
    let text = JsFuture::from(resp.text().map_err(|_| "no body")?)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    match resp.status() {
        201 => {
            let id = json_field(&text, "id")
                .and_then(|i| i.as_string())
                .filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| "the server's answer has no id".to_string())?;
            let files = routes::report_files(&id, inputs.len());
            let files: Vec<&str> = files.iter().map(|f| routes::relative(f)).collect();
            Ok(routes::viewer_query(&files))
        }
        404 | 405 | 501 => Err(
            "this page is not served by `leaklens serve`: use \"Copy link\" (data in the link) instead"
                .to_string(),
        ),
        status => {
            let why = json_field(&text, "error")
                .and_then(|e| e.as_string())
                .unwrap_or(text);
            Err(format!("the server refused the upload (HTTP {status}): {why}"))
        }
    }
}

/// Decrypts the inputs of an encrypted share with the link's key: `inputs`
/// are (place in the share, file) of a share of `count` files. Without a key
/// they pass through if none is sealed. A sealed file without a key, with the
/// wrong one or out of its place, and a plain file in a link that has a key
/// (a share whose files were swapped for others), become errors that say so;
/// the other files are kept.
pub async fn unseal(
    inputs: Vec<(usize, Input)>,
    count: usize,
    key: Option<&str>,
) -> (Vec<Input>, Vec<(String, String)>) {
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let key = key.map(crate::crypto::key_from_text);
    for (n, input) in inputs {
        if !crate::crypto::is_sealed(&input.bytes) {
            if key.is_some() {
                errors.push((
                    input.name,
                    "this link is for an encrypted share, but this file is not encrypted: refused"
                        .into(),
                ));
            } else {
                good.push(input);
            }
            continue;
        }
        let opened = match &key {
            None => Err(
                "this share is end-to-end encrypted and the link has no key: ask for the complete link (the key is the part after #…k=)"
                    .to_string(),
            ),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(k)) => crate::crypto::open(k, &input.bytes, n, count).await,
        };
        match opened {
            Ok((name, bytes)) => good.push(Input {
                name,
                bytes: Arc::new(bytes),
            }),
            Err(e) => errors.push((input.name, e)),
        }
    }
    (good, errors)
}

/// Fetches every `src` (decrypting sealed files with the link's key); what
/// could not be read comes back as (source, why).
pub async fn fetch_all(srcs: &[String], key: Option<&str>) -> (Vec<Input>, Vec<(String, String)>) {
    let mut got = Vec::new();
    let mut errors = Vec::new();
    for (n, s) in srcs.iter().enumerate() {
        match fetch(s).await {
            Ok(i) => got.push((n, i)),
            Err(e) => errors.push((s.clone(), e)),
        }
    }
    // Sealed files are opened in the export module (off the page's wasm).
    let plain = key.is_none() && !got.iter().any(|(_, i)| crate::crypto::is_sealed(&i.bytes));
    let (got, sealed_errors) = if plain {
        (got.into_iter().map(|(_, i)| i).collect(), Vec::new())
    } else {
        crate::export::unseal(got, srcs.len(), key).await
    };
    errors.extend(sealed_errors);
    (got, errors)
}

/// Puts `?src=` in the address (a bundled sample: a reload opens it again),
/// or takes it away (dropped files, which a reload cannot bring back).
pub fn set_src(src: Option<&str>) {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let url = format!(
        "{}{}{}{}",
        loc.pathname().unwrap_or_default(),
        if src.is_some() { "?src=" } else { "" },
        src.unwrap_or_default(),
        loc.hash().unwrap_or_default()
    );
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
