//! Live runs: a worker (or `leaklens push --follow`) appends snapshots as it
//! records them; viewers of the run are told at once over Server-Sent Events
//! and re-run the analysis on the new data.
//!
//! - `POST /api/runs` — create a run (the body may hold its first snapshots);
//!   201 `{id, url, write_token}`.
//! - `POST /api/runs/{id}/snapshots` — append NDJSON lines, with
//!   `Authorization: Bearer <write_token>`; every line must be a snapshot.
//! - `GET /api/runs/{id}` — the run so far (NDJSON); with `Range: bytes=N-`
//!   only what follows byte N (206; 416 when nothing does), which is how a
//!   viewer reads each append once;
//!   `GET /api/runs/{id}/events` — SSE, one `append` event per append;
//!   `GET /live/{id}` — the viewer on the run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use leaklens_core::ingest::InputFormat;
use leaklens_protocol::{range, routes, Progress, RunCreated};
use tokio::sync::{broadcast, watch};

use crate::{
    bearer, blocking, file_name_header, host_of, parse_id, ApiError, AppState, Batch, StoreError,
};

/// The broadcast channels of runs being watched, and the server's closing
/// signal (so open event streams end and a graceful shutdown can finish).
pub struct Live {
    channels: Mutex<HashMap<String, broadcast::Sender<Progress>>>,
    closing: watch::Sender<bool>,
    /// Open event streams (each holds a connection for as long as it lasts).
    streams: Arc<AtomicUsize>,
}

/// Most event streams open at once; more get 503 (the viewer retries
/// with a back-off).
pub const MAX_STREAMS: usize = 1024;

impl Default for Live {
    fn default() -> Self {
        Live {
            channels: Mutex::new(HashMap::new()),
            closing: watch::channel(false).0,
            streams: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// One open event stream, counted while it lives.
struct StreamSlot(Arc<AtomicUsize>);

impl StreamSlot {
    fn take(count: &Arc<AtomicUsize>) -> Option<StreamSlot> {
        let before = count.fetch_add(1, Ordering::SeqCst);
        if before >= MAX_STREAMS {
            count.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(StreamSlot(count.clone()))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Live {
    /// A new listener of run `id`'s appends (subscribed under the lock, so
    /// the channel cannot be dropped in between).
    fn subscribe(&self, id: &str) -> broadcast::Receiver<Progress> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the channels nobody listens to any more.
        map.retain(|k, tx| k == id || tx.receiver_count() > 0);
        map.entry(id.to_string())
            .or_insert_with(|| broadcast::channel(64).0)
            .subscribe()
    }

    pub(crate) fn publish(&self, id: &str, p: Progress) {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = map.get(id) {
            let _ = tx.send(p);
        }
    }

    /// Ends every event stream (called when the server shuts down).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }
}

/// Checks an append: NDJSON whose every line is one snapshot object, read
/// as written (each line's snapshot kept, as the run's file will hold it).
/// Returns the number of snapshots.
fn validate(name: &str, body: &[u8]) -> Result<usize, ApiError> {
    let lines = body
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .count();
    if lines == 0 {
        return Ok(0);
    }
    let options = leaklens_core::ingest::ReadOptions {
        as_written: true,
        worker: None,
    };
    let refused = |line: Option<usize>, why: Option<String>| {
        ApiError::BadInput(format!(
            "line {}: a live run takes NDJSON, one snapshot object per line; nothing was appended{}",
            line.unwrap_or(1),
            why.map(|w| format!(" ({w})")).unwrap_or_default()
        ))
    };
    let parsed = leaklens_core::ingest::parse_with(name, body, &options)
        .map_err(|e| refused(e.line, Some(e.to_string())))?;
    // One snapshot a line: NDJSON, or its first line alone.
    let ndjson = match parsed.formats.first() {
        Some(InputFormat::Ndjson) => true,
        Some(InputFormat::JsonObject) => lines == 1,
        _ => false,
    };
    if !ndjson || parsed.run.len() != lines {
        return Err(refused(None, None));
    }
    if let Some(w) = parsed.warnings.iter().find(|w| w.line.is_some()) {
        return Err(ApiError::BadInput(format!(
            "every line must be a snapshot; nothing was appended: {w}"
        )));
    }
    Ok(lines)
}

pub(crate) async fn create(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    let body = body.map_err(crate::body_error)?;
    let name = file_name_header(&headers, "live.ndjson");
    let host = host_of(&headers);
    let store = st.store.clone();
    let max_run = st.max_run;
    let (id, token) = blocking(move || {
        if body.len() as u64 >= max_run {
            return Err(StoreError::TooLarge(max_run).into());
        }
        let n = validate(&name, &body)?;
        let (id, token) = store.create_run(&name)?;
        if n > 0 {
            store.append_run(&id, &token, Batch::new(&body, n, max_run))?;
        }
        Ok((id, token))
    })
    .await?;
    tracing::info!(id = id.as_str(), "live run created");
    if let Some(hook) = &st.webhook {
        hook.poke(
            id.clone(),
            host.clone(),
            st.store.clone(),
            st.judged.clone(),
        );
    }
    Ok((
        StatusCode::CREATED,
        Json(RunCreated {
            url: format!("{host}{}", routes::run_view(id.as_str())),
            id: id.as_str().to_string(),
            write_token: token,
        }),
    ))
}

pub(crate) async fn append(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Progress>, ApiError> {
    let id = parse_id(&id)?;
    let body = body.map_err(crate::body_error)?;
    let token = bearer(&headers)?;
    let store = st.store.clone();
    let max_run = st.max_run;
    let key = id.as_str().to_string();
    let run = id.clone();
    let meta = blocking(move || {
        // Strangers are refused before their body is parsed.
        if !store.run_token_matches(&id, &token).map_err(no_run)? {
            return Err(ApiError::Forbidden);
        }
        let n = validate("append", &body)?;
        if n == 0 {
            return store.run_meta(&id).map_err(no_run);
        }
        Ok(store.append_run(&id, &token, Batch::new(&body, n, max_run))?)
    })
    .await?;
    let p = Progress {
        snapshots: meta.snapshots,
        bytes: meta.size,
    };
    st.live.publish(&key, p);
    if let Some(hook) = &st.webhook {
        hook.poke(run, host_of(&headers), st.store.clone(), st.judged.clone());
    }
    Ok(Json(p))
}

pub(crate) async fn download(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    // A viewer that has the first N bytes asks for the rest only
    // (`Range: bytes=N-`): committed data never changes, it only grows.
    let from = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(range::parse_request);
    let store = st.store.clone();
    let (meta, data) =
        blocking(move || store.get_run(&id, from.unwrap_or(0)).map_err(no_run)).await?;
    let mut resp = match from {
        Some(n) if n >= meta.size => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&range::unsatisfied(meta.size)) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        Some(n) => {
            let mut r = (StatusCode::PARTIAL_CONTENT, data).into_response();
            if let Ok(v) = HeaderValue::from_str(&range::partial(n, meta.size)) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        None => (StatusCode::OK, data).into_response(),
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(leaklens_protocol::NDJSON_TYPE),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&meta.snapshots.to_string()) {
        h.insert(leaklens_protocol::SNAPSHOTS_HEADER, v);
    }
    Ok(resp)
}

pub(crate) async fn events(
    State(st): State<AppState>,
    Path(id): Path<String>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    // One client cannot take every stream the server can hold.
    let place = match peer.map(|p| p.0 .0.ip()) {
        Some(ip) => match st.streams_per_client.enter(ip) {
            Some(place) => Some(place),
            None => {
                return Ok((
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "10")],
                    "too many live streams from this address",
                )
                    .into_response())
            }
        },
        None => None,
    };
    let store = st.store.clone();
    let key = id.as_str().to_string();
    let key_id = id.clone();
    // Subscribe first, then read the totals: an append in between is not lost.
    let rx = st.live.subscribe(&key);
    let meta = blocking(move || store.run_meta(&id).map_err(no_run)).await?;
    let Some(slot) = StreamSlot::take(&st.live.streams) else {
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "10")],
            "too many live viewers; retrying",
        )
            .into_response());
    };
    let first = Progress {
        snapshots: meta.snapshots,
        bytes: meta.size,
    };
    let watch = Watch {
        first: Some(first),
        rx,
        closing: st.live.closing.subscribe(),
        _slots: (slot, place),
        sent: first.bytes,
        idle: st.stream_idle,
        poll: st.store_poll.map(|every| (every, st.store.clone(), key_id)),
    };
    let stream = futures_util::stream::unfold(watch, |mut w| async move {
        let p = w.next().await?;
        let event = Event::default()
            .event(leaklens_protocol::APPEND_EVENT)
            .json_data(p)
            .unwrap_or_else(|_| Event::default().comment("unserialisable"));
        Some((Ok::<_, Infallible>(event), w))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// One viewer's event stream: appends through this server as they are
/// published, and, on a store other servers write to too
/// (`ServerConfig::store_poll`), theirs, seen by reading the run's totals
/// every so often.
struct Watch {
    first: Option<Progress>,
    rx: broadcast::Receiver<Progress>,
    closing: watch::Receiver<bool>,
    _slots: (StreamSlot, Option<crate::budget::Leave>),
    /// The run's length in the last event sent.
    sent: u64,
    idle: Duration,
    poll: Option<(Duration, Arc<dyn crate::Store>, crate::ReportId)>,
}

impl Watch {
    /// The next event, or `None` when the stream ends: the server closes,
    /// or nothing was appended for `idle` (the viewer reconnects).
    async fn next(&mut self) -> Option<Progress> {
        if let Some(p) = self.first.take() {
            return Some(p);
        }
        if *self.closing.borrow() {
            return None;
        }
        let deadline = tokio::time::Instant::now() + self.idle;
        loop {
            let every = self.poll.as_ref().map_or(self.idle, |p| p.0);
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return None,
                () = tokio::time::sleep(every), if self.poll.is_some() => {
                    if let Some(p) = self.poll_store().await {
                        return Some(p);
                    }
                }
                r = self.rx.recv() => match r {
                    Ok(p) => {
                        self.sent = self.sent.max(p.bytes);
                        return Some(p);
                    }
                    // A slow viewer missed some: the next event carries the totals anyway.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.closing.changed() => return None,
            }
        }
    }

    /// The run's totals if it grew since the last event.
    async fn poll_store(&mut self) -> Option<Progress> {
        let (_, store, id) = self.poll.clone()?;
        let meta = blocking(move || store.run_meta(&id).map_err(no_run))
            .await
            .ok()?;
        (meta.size > self.sent).then(|| {
            self.sent = meta.size;
            Progress {
                snapshots: meta.snapshots,
                bytes: meta.size,
            }
        })
    }
}

pub(crate) async fn open_in_viewer(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Redirect, ApiError> {
    let id = parse_id(&id)?;
    let key = id.as_str().to_string();
    let store = st.store.clone();
    blocking(move || store.run_meta(&id).map_err(no_run)).await?;
    Ok(Redirect::to(&format!(
        "/?{}",
        routes::viewer_query(&[routes::run(&key)])
    )))
}

/// A store error about a live run: "no such live run" rather than report.
fn no_run(e: StoreError) -> ApiError {
    match ApiError::from(e) {
        ApiError::NotFound => ApiError::NoRun,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_streams_are_capped_and_released() {
        let count = Arc::new(AtomicUsize::new(0));
        let slots: Vec<StreamSlot> = (0..MAX_STREAMS)
            .map(|_| StreamSlot::take(&count).expect("a slot"))
            .collect();
        assert!(StreamSlot::take(&count).is_none(), "one too many");
        assert_eq!(count.load(Ordering::SeqCst), MAX_STREAMS);
        drop(slots);
        assert_eq!(
            count.load(Ordering::SeqCst),
            0,
            "closed streams give their slot back"
        );
        assert!(StreamSlot::take(&count).is_some());
    }

    #[test]
    fn appends_must_be_snapshot_lines() {
        let one = br#"{"cycle":1,"label":"Before scrape","nodejs":{"heapUsed":50,"heapTotal":80,"rss":200}}"#;
        assert_eq!(
            validate("a", one).unwrap(),
            1,
            "a single line is NDJSON too"
        );
        let mut two = one.to_vec();
        two.push(b'\n');
        two.extend_from_slice(&one[..]);
        two.extend_from_slice(b"\n\n");
        // The same snapshot twice: not an error; both lines are stored and
        // counted (a reader of the run keeps one and says so).
        assert_eq!(validate("a", &two).unwrap(), 2);
        assert_eq!(validate("a", b"  \n").unwrap(), 0);
        let pretty = b"{\n  \"cycle\": 1\n}\n";
        assert!(
            matches!(validate("a", pretty), Err(ApiError::BadInput(m)) if m.starts_with("line 1:"))
        );
        let array = br#"[{"cycle":1,"nodejs":{"heapUsed":50}}]"#;
        assert!(validate("a", array).is_err());
        let mut bad = two.clone();
        bad.extend_from_slice(br#"{"hello":"world"}"#);
        assert!(
            validate("a", &bad).is_err(),
            "a line that is not a snapshot"
        );
    }
}
