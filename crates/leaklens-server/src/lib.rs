//! # leaklens-server
//!
//! `leaklens serve`: one binary that hosts the viewer and the snapshot files
//! a team uploads, on their own machine.
//!
//! - `POST /api/reports` — upload snapshot files: a raw body (any shape the
//!   core reads; `X-File-Name` names it) or `multipart/form-data` with one or
//!   more files (exports of one run). Refused with 422 and the parser's
//!   message when one is not a snapshot export, 413 over the size limit
//!   (from `Content-Length` before the body is read, else as soon as the
//!   body passes it). Files the viewer encrypted (content type
//!   [`ENCRYPTED_TYPE`]) are stored as they are: the server cannot read them.
//!   Answers 201 `{id, url, delete_token}`.
//! - `GET /api/reports/{id}` — the first file; `/api/reports/{id}/files/{n}`
//!   — file n; `/api/reports/{id}/meta` — the list; `GET /r/{id}` — the
//!   viewer on them; `DELETE /api/reports/{id}` with
//!   `Authorization: Bearer <delete_token>`.
//! - Live runs (`/api/runs`, `/live/{id}`): see [`live`].
//! - Everything else: the viewer's static files.
//!
//! Strict headers (a CSP that allows the wasm and the viewer's own bootstrap
//! script by hash, nosniff, no referrer so share URLs don't leak), request
//! timeouts, a concurrency limit, structured logs.

pub mod budget;
mod exposition;
mod fleet;
pub mod live;
pub mod otlp;
pub mod store;
mod tree;
pub mod viewer;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use leaklens_protocol::{routes, ErrorBody, ReportCreated, ReportFile, ReportMeta};
use sha2::{Digest, Sha256};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub use store::{Batch, DirStore, NewFile, ReportId, Store, StoreError};
pub use viewer::Viewer;
pub use webhook::WebhookConfig;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest upload, bytes.
    pub max_upload: usize,
    /// Largest live run, bytes (all its appends together).
    pub max_run: u64,
    /// The built viewer (embedded, or trunk's `dist/`), if there is one.
    pub viewer: Option<Arc<Viewer>>,
    /// An upload that sends nothing for this long is ended (408): a client
    /// trickling a body must not hold an upload slot for the whole request
    /// timeout.
    pub body_idle: Duration,
    /// Every request but event streams, including the wait for a slot.
    pub request_timeout: Duration,
    /// Bytes of request bodies held at once, all uploads and appends
    /// together (more: 503, retry).
    pub body_budget: usize,
    /// Requests one client address may have in flight (more: 429).
    pub per_client: usize,
    /// Live event streams one client address may hold open (more: 429).
    pub streams_per_client: usize,
    /// An event stream with no append for this long is ended (the viewer's
    /// EventSource reconnects by itself): idle connections are not held.
    pub stream_idle: Duration,
    /// Writes one client address may make per minute, after a burst of
    /// `write_burst` (more: 429).
    pub writes_per_minute: u32,
    pub write_burst: u32,
    /// A JSON POST here when a live run's verdict changes.
    pub webhook: Option<WebhookConfig>,
    /// Set when other servers write to the same store (an object store
    /// shared by several instances): event streams also read the run's
    /// totals this often, so a viewer here sees appends made there.
    pub store_poll: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_upload: 64 << 20,
            max_run: 256 << 20,
            viewer: None,
            body_idle: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
            body_budget: 1 << 30,
            per_client: 64,
            streams_per_client: 32,
            stream_idle: Duration::from_secs(600),
            writes_per_minute: 1200,
            write_burst: 300,
            webhook: None,
            store_poll: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    live: Arc<live::Live>,
    max_run: u64,
    stream_idle: Duration,
    streams_per_client: Arc<budget::PerClient>,
    /// Live runs as analysed for `GET /metrics`.
    judged: Arc<exposition::Judgements>,
    webhook: Option<Arc<webhook::Webhook>>,
    /// The live run of each process the OTLP receiver has heard from.
    otlp: Arc<otlp::Receivers>,
    /// See [`ServerConfig::store_poll`].
    store_poll: Option<Duration>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            live: Arc::new(live::Live::default()),
            max_run: ServerConfig::default().max_run,
            stream_idle: ServerConfig::default().stream_idle,
            streams_per_client: budget::PerClient::new(ServerConfig::default().streams_per_client),
            judged: Arc::default(),
            webhook: None,
            otlp: Arc::default(),
            store_poll: None,
        }
    }
}

/// Errors as responses: a status and a JSON `{ "error": ... }`, internal
/// detail kept in the logs.
#[derive(Debug)]
pub enum ApiError {
    BadInput(String),
    TooLarge(String),
    /// The client stopped sending its upload.
    TimedOut(String),
    /// The server holds as many request bodies as it can (503, retry).
    Busy,
    /// No room to store it: the disk or the storage quota is full (507).
    Full(String),
    NotFound,
    /// No live run of that id.
    NoRun,
    /// No token given (401, with `WWW-Authenticate: Bearer`).
    Unauthorized,
    /// A token that is not this report's (403).
    Forbidden,
    /// A write from a page of another origin (403).
    CrossOrigin,
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // (status, message, a header the status calls for)
        let (status, msg, extra) = match self {
            ApiError::BadInput(m) => (StatusCode::UNPROCESSABLE_ENTITY, m, None),
            ApiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m, None),
            ApiError::TimedOut(m) => (StatusCode::REQUEST_TIMEOUT, m, None),
            ApiError::Full(m) => (StatusCode::INSUFFICIENT_STORAGE, m, None),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is receiving as much as it can hold: retry in a moment".to_string(),
                Some((header::RETRY_AFTER, "2")),
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "no such report".to_string(), None),
            ApiError::NoRun => (StatusCode::NOT_FOUND, "no such live run".to_string(), None),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "a token is needed: Authorization: Bearer <the write token>".to_string(),
                Some((header::WWW_AUTHENTICATE, "Bearer")),
            ),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "wrong token".to_string(), None),
            ApiError::CrossOrigin => (
                StatusCode::FORBIDDEN,
                "a write from a page of another origin is refused".to_string(),
                None,
            ),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_string(),
                    None,
                )
            }
        };
        let mut response = (status, Json(ErrorBody { error: msg })).into_response();
        if let Some((name, value)) = extra {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden => ApiError::Forbidden,
            StoreError::TooLarge(max) => {
                ApiError::TooLarge(format!("over the {} MB limit of a live run", max >> 20))
            }
            StoreError::Full(m) => ApiError::Full(m),
            StoreError::Io(e) => ApiError::Internal(e.to_string()),
        }
    }
}

/// Uploads are snapshot files the server reads with the core, or files the
/// viewer encrypted (this content type, the [`ENCRYPTED_MAGIC`] prefix), which
/// it stores without being able to read them.
pub const ENCRYPTED_TYPE: &str = leaklens_protocol::share::CONTENT_TYPE;
/// The first bytes of an encrypted file; then a 12-byte IV and AES-GCM output.
pub const ENCRYPTED_MAGIC: &[u8] = leaklens_protocol::share::MAGIC;

/// Most files in one upload (several exports of one run).
pub const MAX_FILES: usize = 32;

/// One uploaded file, before it is checked.
struct Part {
    name: String,
    bytes: Bytes,
    encrypted: bool,
}

fn is_encrypted_type(v: Option<&str>) -> bool {
    v.is_some_and(|t| {
        t.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case(ENCRYPTED_TYPE)
    })
}

/// Reads the files of an upload: a raw body (one file, `X-File-Name`) or
/// `multipart/form-data` (every part with a body is a file).
async fn upload_parts(st: &AppState, req: Request) -> Result<Vec<Part>, ApiError> {
    let headers = req.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type
        .get(..19)
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
    {
        let mut mp = Multipart::from_request(req, st)
            .await
            .map_err(|e| ApiError::BadInput(e.body_text()))?;
        let mut parts = Vec::new();
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| body_refused(e.status(), e.body_text(), &e))?
        {
            // Plain form fields (no file name) are not files: skipped.
            if field.file_name().is_none() {
                continue;
            }
            if parts.len() == MAX_FILES {
                return Err(ApiError::BadInput(format!(
                    "at most {MAX_FILES} files in one upload"
                )));
            }
            let name = field.file_name().unwrap_or("upload").to_string();
            let encrypted = is_encrypted_type(field.content_type());
            let bytes = field
                .bytes()
                .await
                .map_err(|e| body_refused(e.status(), e.body_text(), &e))?;
            parts.push(Part {
                name,
                bytes,
                encrypted,
            });
        }
        if parts.is_empty() {
            return Err(ApiError::BadInput("the form holds no file".into()));
        }
        return Ok(parts);
    }
    let name = file_name_header(&headers, "upload");
    let encrypted = is_encrypted_type(Some(content_type));
    let bytes = Bytes::from_request(req, st).await.map_err(body_error)?;
    Ok(vec![Part {
        name,
        bytes,
        encrypted,
    }])
}

/// Checks every file; the whole upload is refused if one is bad, naming it.
fn check(parts: &[Part]) -> Result<Vec<Option<usize>>, ApiError> {
    parts
        .iter()
        .map(|p| {
            if p.encrypted {
                if !leaklens_protocol::share::looks_sealed(&p.bytes) {
                    return Err(ApiError::BadInput(format!(
                        "{}: not an encrypted leaklens file",
                        p.name
                    )));
                }
                return Ok(None);
            }
            let parsed = leaklens_core::ingest::parse(&p.name, &p.bytes).map_err(|e| {
                let mut m = e.to_string();
                if let Some(h) = e.hint {
                    m.push_str(&format!(" (hint: {h})"));
                }
                ApiError::BadInput(m)
            })?;
            Ok(Some(parsed.run.len()))
        })
        .collect()
}

async fn upload(
    State(st): State<AppState>,
    req: Request,
) -> Result<(StatusCode, Json<ReportCreated>), ApiError> {
    let host = host_of(req.headers());
    let parts = upload_parts(&st, req).await?;
    let store = st.store.clone();
    let (id, token) = blocking(move || {
        let snapshots = check(&parts)?;
        let files: Vec<NewFile<'_>> = parts
            .iter()
            .zip(snapshots)
            .map(|(p, snapshots)| NewFile {
                name: &p.name,
                bytes: &p.bytes,
                snapshots,
                encrypted: p.encrypted,
            })
            .collect();
        store.put(&files).map_err(ApiError::from)
    })
    .await?;
    tracing::info!(id = id.as_str(), "report stored");
    let url = format!("{host}{}", routes::report_view(id.as_str()));
    Ok((
        StatusCode::CREATED,
        Json(ReportCreated {
            id: id.as_str().to_string(),
            url,
            delete_token: token,
        }),
    ))
}

/// Runs blocking store work (file I/O, parsing) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

fn parse_id(s: &str) -> Result<ReportId, ApiError> {
    ReportId::parse(s).ok_or(ApiError::NotFound)
}

/// True when `e` (or what caused it) is the upload's idle timeout.
/// A request body that could not be read: over the limit (413), beyond the
/// server's byte budget (503), stalled (408), or broken (422).
fn body_refused(
    status: StatusCode,
    text: String,
    e: &(dyn std::error::Error + 'static),
) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge("the upload is over the size limit".into())
    } else if budget::caused_by::<budget::Busy>(e) {
        ApiError::Busy
    } else if budget::caused_by::<tower_http::timeout::TimeoutError>(e) {
        ApiError::TimedOut("the upload stalled: nothing was received for too long".into())
    } else {
        ApiError::BadInput(format!("the upload could not be read: {text}"))
    }
}

/// [`body_refused`] for a whole-body read.
pub(crate) fn body_error(e: axum::extract::rejection::BytesRejection) -> ApiError {
    body_refused(e.status(), e.body_text(), &e)
}

/// The `X-File-Name` of an upload, or `default`.
fn file_name_header(headers: &HeaderMap, default: &str) -> String {
    headers
        .get(leaklens_protocol::FILE_NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(default)
        .to_string()
}

/// The origin the client used, for the share URLs in answers: its Host
/// (printable ASCII only), over https when a proxy in front says so.
fn host_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The `Authorization: Bearer <token>` of a request (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string())
        .ok_or(ApiError::Unauthorized)
}

/// `GET /api/reports/{id}`: the report's first file.
async fn download(st: State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    download_file(st, Path((id, 0))).await
}

/// `GET /api/reports/{id}/files/{n}`.
async fn download_file(
    State(st): State<AppState>,
    Path((id, n)): Path<(String, usize)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let store = st.store.clone();
    let (meta, data) = blocking(move || Ok(store.get(&id, n)?)).await?;
    // Printable ASCII only: a header cannot carry the rest safely.
    let ascii_name: String = meta
        .name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let disposition = format!("inline; filename=\"{ascii_name}\"");
    let mut resp = (StatusCode::OK, data).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if meta.encrypted {
            ENCRYPTED_TYPE
        } else {
            "application/octet-stream"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}

/// `GET /api/reports/{id}/meta`: the files of a report.
async fn report_meta(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ReportMeta>, ApiError> {
    let id = parse_id(&id)?;
    let store = st.store.clone();
    let key = id.as_str().to_string();
    let meta = blocking(move || Ok(store.meta(&id)?)).await?;
    let files = meta
        .files
        .into_iter()
        .enumerate()
        .map(|(n, f)| ReportFile {
            name: f.name,
            size: f.size,
            snapshots: f.snapshots,
            encrypted: f.encrypted,
            url: routes::report_file(&key, n),
        })
        .collect();
    Ok(Json(ReportMeta { id: key, files }))
}

async fn remove(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let token = bearer(&headers)?;
    let store = st.store.clone();
    blocking(move || Ok(store.delete(&id, &token)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /r/{id}`: the viewer on every file of the report.
async fn open_in_viewer(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Redirect, ApiError> {
    let id = parse_id(&id)?;
    let store = st.store.clone();
    let key = id.as_str().to_string();
    let meta = blocking(move || Ok(store.meta(&id)?)).await?;
    let srcs = routes::report_files(&key, meta.files.len());
    Ok(Redirect::to(&format!("/?{}", routes::viewer_query(&srcs))))
}

async fn no_viewer() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The viewer is not built: run ./scripts/build-web.sh, then start leaklens serve again.\n",
    )
}

/// The CSP for the viewer: its own files, the wasm, and the inline module
/// bootstrap trunk writes into index.html, allowed by its hash (no other
/// inline script can run).
pub fn content_security_policy(index_html: Option<&str>) -> String {
    let mut hashes = String::new();
    if let Some(html) = index_html {
        let mut rest = html;
        while let Some(start) = rest.find("<script") {
            let after = &rest[start..];
            let Some(open_end) = after.find('>') else {
                break;
            };
            let body = &after[open_end + 1..];
            let Some(close) = body.find("</script>") else {
                break;
            };
            let script = &body[..close];
            if !after[..open_end].contains("src=") {
                use base64::Engine;
                let digest = Sha256::digest(script.as_bytes());
                hashes.push_str(&format!(
                    " 'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                ));
            }
            rest = &body[close..];
        }
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Writes (POST, PUT, PATCH, DELETE) from a browser page of another origin
/// are refused: a "simple" cross-site form POST needs no CORS preflight, so
/// without this any web page could make a visitor's browser store reports
/// here. A request with no `Origin` (the CLI, curl, a worker) is not from a
/// page; a page of this server sends its own origin.
async fn same_origin_writes(
    req: Request,
    next: axum::middleware::Next,
) -> Result<Response, ApiError> {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write && is_cross_origin(req.headers()) {
        return Err(ApiError::CrossOrigin);
    }
    Ok(next.run(req).await)
}

/// True when the request says it comes from a page of another origin.
fn is_cross_origin(headers: &HeaderMap) -> bool {
    // The browser's own word first (it holds behind a proxy that rewrites
    // `Host`).
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(s) if s.eq_ignore_ascii_case("same-origin") => return false,
        Some(s) if s.eq_ignore_ascii_case("cross-site") || s.eq_ignore_ascii_case("same-site") => {
            return true
        }
        _ => {}
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .unwrap_or("")
        .trim();
    // `Origin: null` (a sandboxed or file:// page) is another origin too.
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("");
    origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host)
}

/// The whole application.
pub fn app(mut state: AppState, cfg: &ServerConfig) -> Router {
    state.max_run = cfg.max_run;
    state.stream_idle = cfg.stream_idle;
    state.store_poll = cfg.store_poll;
    state.streams_per_client = budget::PerClient::new(cfg.streams_per_client);
    state.webhook = cfg.webhook.clone().map(webhook::Webhook::new);
    let csp = content_security_policy(cfg.viewer.as_ref().and_then(|v| v.index_html()));
    let api = Router::new()
        .route(routes::REPORTS, post(upload))
        .route(routes::RUNS, post(live::create))
        .route(routes::RUN_SNAPSHOTS, post(live::append))
        .route(routes::OTLP_METRICS, post(otlp::receive))
        .layer(RequestBodyLimitLayer::new(cfg.max_upload))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            cfg.body_idle,
        ))
        // Bodies are held in memory while they are checked: counted byte
        // by byte against one budget (a trickling client holds almost
        // nothing, so it cannot block the others; see `budget`).
        .layer(axum::middleware::from_fn_with_state(
            budget::Budget::new(cfg.body_budget),
            budget::count_bodies,
        ))
        .route(routes::REPORT, get(download).delete(remove))
        .route(routes::REPORT_FILE, get(download_file))
        .route(routes::REPORT_META, get(report_meta))
        .route(routes::RUN, get(live::download))
        .route(routes::REPORT_VIEW, get(open_in_viewer))
        .route(routes::RUN_VIEW, get(live::open_in_viewer))
        .route(routes::METRICS, get(exposition::metrics))
        .route(routes::FLEET, get(exposition::fleet))
        .with_state(state.clone());
    let router = match &cfg.viewer {
        Some(viewer) => {
            let viewer = viewer.clone();
            api.fallback(
                move |method: Method, uri: Uri, headers: HeaderMap| async move {
                    viewer.respond(&method, &uri, &headers)
                },
            )
        }
        None => api.fallback(no_viewer),
    };
    // Ordinary requests share a concurrency limit and get a timeout that
    // includes the wait for a slot (so a flood of slow clients cannot queue
    // others forever); event streams are long-lived by design and get
    // neither.
    let router = router
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(256))
        .layer(axum::middleware::from_fn_with_state(
            budget::PerClient::new(cfg.per_client),
            budget::cap_per_client,
        ))
        .layer(axum::middleware::from_fn_with_state(
            budget::WriteRate::new(cfg.writes_per_minute, cfg.write_burst),
            budget::limit_writes,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            cfg.request_timeout,
        ))
        .route(routes::RUN_EVENTS, get(live::events))
        .with_state(state);
    router
        .layer(axum::middleware::from_fn(same_origin_writes))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// Serves until Ctrl-C or SIGTERM, finishing the requests in flight (open
/// event streams are ended).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    state: &AppState,
) -> std::io::Result<()> {
    let live = state.live.clone();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        live.close();
    })
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_allows_the_bootstrap_by_hash_only() {
        let csp = content_security_policy(Some(
            "<script type=\"module\">import init from './a.js';</script><script src=\"x.js\"></script>",
        ));
        assert!(csp.contains("'sha256-"));
        assert_eq!(csp.matches("'sha256-").count(), 1);
        assert!(
            !csp.contains("unsafe-inline'; img")
                || csp.contains("style-src 'self' 'unsafe-inline'")
        );
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    }
}
