//! The API: in-process through the `Router` (`oneshot`) where no socket is
//! needed; against a real server on 127.0.0.1 (port 0), over plain TCP,
//! for what happens on the wire (event streams, stalled and trickling
//! bodies, per-address limits).

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use leaklens_protocol::{Progress, ReportCreated as Created, RunCreated};
use leaklens_server::{app, AppState, DirStore, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../static/samples")
            .join(name),
    )
    .expect("sample")
}

/// The app, served on a socket too; its data directory goes with it.
struct Server {
    addr: std::net::SocketAddr,
    app: Router,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

async fn start(max_upload: usize) -> Server {
    start_with(ServerConfig {
        max_upload,
        ..ServerConfig::default()
    })
    .await
}

async fn start_with(cfg: ServerConfig) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let store = Arc::new(DirStore::open(&data).unwrap());
    let state = AppState::new(store);
    let router = app(state.clone(), &cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = router.clone();
    tokio::spawn(async move {
        let _ = leaklens_server::serve(listener, served, &state).await;
    });
    Server {
        addr,
        app: router,
        data,
        _dir: dir,
    }
}

struct Reply {
    status: u16,
    /// The status line and headers, as on the wire.
    headers: String,
    body: Vec<u8>,
}

/// The `Host` of in-process requests.
const HOST: &str = "leaklens.test";

/// One request to the app, in-process: every layer and handler, no socket.
async fn call(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST)
        .header("content-length", body.len());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Body::from(body.to_vec())).unwrap();
    reply(app, req).await
}

/// Sends a request through the app and reads its whole answer.
async fn reply(app: &Router, req: axum::http::Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let mut head = format!("HTTP/1.1 {}\r\n", resp.status().as_u16());
    for (k, v) in resp.headers() {
        head.push_str(&format!(
            "{k}: {}\r\n",
            String::from_utf8_lossy(v.as_bytes())
        ));
    }
    Reply {
        status: resp.status().as_u16(),
        headers: head,
        body: axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    }
}

/// One HTTP/1.1 request on its own connection (answers with a length:
/// the server sends no chunked answer to a client that asks no encoding).
async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    // The server may answer (413) before reading the body: ignore write errors.
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "{head}"
    );
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head,
        body: raw[split + 4..].to_vec(),
    }
}

#[tokio::test]
async fn upload_download_delete_round_trip() {
    let srv = start(64 << 20).await;
    let body = sample("leak-heap-steps.json");
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[("X-File-Name", "steps.json")],
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c: Created = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(c.id.len(), 32, "128-bit id");
    assert!(c.url.ends_with(&format!("/r/{}", c.id)));
    assert_eq!(c.url, format!("http://{HOST}/r/{}", c.id));
    // Behind a TLS proxy the share link is https.
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[("X-Forwarded-Proto", "https")],
        &body,
    )
    .await;
    let proxied: Created = serde_json::from_slice(&r.body).unwrap();
    assert!(
        proxied.url.starts_with(&format!("https://{HOST}/")),
        "{}",
        proxied.url
    );
    assert!(r
        .headers
        .to_ascii_lowercase()
        .contains("x-content-type-options: nosniff"));
    assert!(r
        .headers
        .to_ascii_lowercase()
        .contains("referrer-policy: no-referrer"));

    let g = call(&srv.app, "GET", &format!("/api/reports/{}", c.id), &[], b"").await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body, body, "same bytes back");

    let v = call(&srv.app, "GET", &format!("/r/{}", c.id), &[], b"").await;
    assert_eq!(v.status, 303);
    assert!(v.headers.contains(&format!("/?src=/api/reports/{}", c.id)));

    let d = call(
        &srv.app,
        "DELETE",
        &format!("/api/reports/{}", c.id),
        &[("Authorization", "Bearer wrong")],
        b"",
    )
    .await;
    assert_eq!(d.status, 403);
    // No token at all: 401, saying how to give one.
    let d = call(
        &srv.app,
        "DELETE",
        &format!("/api/reports/{}", c.id),
        &[],
        b"",
    )
    .await;
    assert_eq!(d.status, 401);
    assert!(d
        .headers
        .to_ascii_lowercase()
        .contains("www-authenticate: bearer"));
    let d = call(
        &srv.app,
        "DELETE",
        &format!("/api/reports/{}", c.id),
        &[("Authorization", &format!("Bearer {}", c.delete_token))],
        b"",
    )
    .await;
    assert_eq!(d.status, 204);
    let g = call(&srv.app, "GET", &format!("/api/reports/{}", c.id), &[], b"").await;
    assert_eq!(g.status, 404);
}

#[tokio::test]
async fn bad_input_too_big_unknown_and_traversal() {
    let srv = start(1 << 20).await;
    let r = call(&srv.app, "POST", "/api/reports", &[], b"just some text\n").await;
    assert_eq!(r.status, 422);
    let msg = String::from_utf8_lossy(&r.body);
    assert!(msg.contains("no memory snapshot found"), "{msg}");

    let big = vec![b' '; 2 << 20];
    let r = call(&srv.app, "POST", "/api/reports", &[], &big).await;
    assert_eq!(r.status, 413);
    let h = r.headers.to_ascii_lowercase();
    assert!(h.contains("referrer-policy: no-referrer"), "{h}");
    assert!(h.contains("x-content-type-options: nosniff"), "{h}");

    let r = call(
        &srv.app,
        "GET",
        "/api/reports/0123456789abcdef0123456789abcdef",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 404);
    for path in [
        "/api/reports/..%2F..%2Fetc%2Fpasswd",
        "/api/reports/../../etc/passwd",
        "/api/reports/%2e%2e",
        "/r/..%2Fmeta",
    ] {
        let r = call(&srv.app, "GET", path, &[], b"").await;
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(
            !String::from_utf8_lossy(&r.body).contains("root:"),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_uploads_are_all_kept() {
    // All from one address: no per-client cap here (this is about the data).
    let srv = start_with(ServerConfig {
        max_upload: 64 << 20,
        per_client: usize::MAX,
        write_burst: u32::MAX,
        ..ServerConfig::default()
    })
    .await;
    let body = Arc::new(sample("no-leak-stable-gc.ndjson"));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let body = body.clone();
        let app = srv.app.clone();
        tasks.push(tokio::spawn(async move {
            let mut b = body.as_ref().clone();
            // Make every upload distinct.
            b.extend_from_slice(
                format!(
                    "{{\"cycle\": {}, \"label\": \"tag\", \"nodejs\": {{\"heapUsed\": 1}}}}\n",
                    1000 + i
                )
                .as_bytes(),
            );
            let r = call(&app, "POST", "/api/reports", &[], &b).await;
            assert_eq!(r.status, 201);
            let c: Created = serde_json::from_slice(&r.body).unwrap();
            (c.id, b)
        }));
    }
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.unwrap());
    }
    let mut ids: Vec<&String> = done.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "no id collisions");
    for (id, b) in &done {
        let g = call(&srv.app, "GET", &format!("/api/reports/{id}"), &[], b"").await;
        assert_eq!(g.status, 200);
        assert_eq!(&g.body, b);
    }
}

#[test]
fn interrupted_writes_are_never_visible() {
    // What a crash mid-upload leaves: a temp file, and data without metadata.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    std::fs::write(dir.join("tmp/abc.part"), b"half").unwrap();
    let orphan = "0123456789abcdef0123456789abcdef";
    std::fs::write(dir.join(format!("reports/{orphan}.0.data")), b"half").unwrap();
    let store = DirStore::open(dir).unwrap();
    use leaklens_server::Store;
    let id = leaklens_server::ReportId::parse(orphan).unwrap();
    assert!(matches!(
        store.get(&id, 0),
        Err(leaklens_server::StoreError::NotFound)
    ));
    assert!(
        !dir.join(format!("reports/{orphan}.0.data")).exists(),
        "orphan data removed"
    );
    assert!(
        std::fs::read_dir(dir.join("tmp")).unwrap().next().is_none(),
        "temp files removed"
    );
    // A completed one survives a reopen.
    let (id, _) = store
        .put(&[leaklens_server::store::NewFile {
            name: "x",
            bytes: b"data",
            snapshots: Some(1),
            encrypted: false,
        }])
        .unwrap();
    drop(store);
    let store = DirStore::open(dir).unwrap();
    assert_eq!(store.get(&id, 0).unwrap().1, b"data");
}

/// NDJSON lines of a generated leaking run, cycles `range`.
fn ndjson(range: std::ops::Range<usize>) -> Vec<u8> {
    let spec = leaklens_core::generate::Spec {
        cycles: 60,
        ..leaklens_core::generate::Spec::default()
    };
    let run = leaklens_core::generate::generate(&spec);
    let mut out = String::new();
    leaklens_core::generate::to_ndjson_range(&run, range, &mut out);
    out.into_bytes()
}

/// Reads an event stream until it has carried `want` append events.
async fn read_until(
    want: usize,
    sse: &mut TcpStream,
    seen: &mut String,
) -> Result<(), tokio::time::error::Elapsed> {
    let mut buf = [0u8; 4096];
    let fut = async {
        while seen.matches("event: append").count() < want {
            let n = sse.read(&mut buf).await.unwrap();
            assert!(n > 0, "stream ended");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), fut).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_run_appends_and_streams_events() {
    let srv = start(64 << 20).await;
    let first = ndjson(0..10);
    let r = call(&srv.app, "POST", "/api/runs", &[], &first).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let run: RunCreated = serde_json::from_slice(&r.body).unwrap();
    assert!(run.url.ends_with(&format!("/live/{}", run.id)));
    let auth = format!("Bearer {}", run.write_token);
    let path = format!("/api/runs/{}/snapshots", run.id);

    // A viewer subscribes: it gets the current totals at once.
    let mut sse = TcpStream::connect(srv.addr).await.unwrap();
    sse.write_all(
        format!(
            "GET /api/runs/{}/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
            run.id
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut seen = String::new();
    let next_event = |seen: &String| {
        // The `data:` of the last complete event.
        seen.rsplit("event: append\ndata: ")
            .next()
            .and_then(|d| d.split('\n').next())
            .and_then(|d| serde_json::from_str::<Progress>(d).ok())
    };
    read_until(1, &mut sse, &mut seen)
        .await
        .expect("first event");
    assert!(seen
        .to_ascii_lowercase()
        .contains("content-type: text/event-stream"));
    assert_eq!(next_event(&seen).unwrap().snapshots, 10);

    // Wrong token, or lines that are not snapshots: refused, nothing appended.
    let bad = call(
        &srv.app,
        "POST",
        &path,
        &[("Authorization", "Bearer nope")],
        &ndjson(10..20),
    )
    .await;
    assert_eq!(bad.status, 403);
    let mut mixed = ndjson(10..20);
    mixed.extend_from_slice(b"{\"not\": \"a snapshot\"\n");
    let bad = call(&srv.app, "POST", &path, &[("Authorization", &auth)], &mixed).await;
    assert_eq!(bad.status, 422, "{}", String::from_utf8_lossy(&bad.body));
    let log = sample("leak-heap-linear-fast.log");
    let bad = call(&srv.app, "POST", &path, &[("Authorization", &auth)], &log).await;
    assert_eq!(bad.status, 422);

    // Two good appends: each one reaches the viewer.
    for (range, total) in [(10..35, 35), (35..60, 60)] {
        let ok = call(
            &srv.app,
            "POST",
            &path,
            &[("Authorization", &auth)],
            &ndjson(range),
        )
        .await;
        assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
        let p: Progress = serde_json::from_slice(&ok.body).unwrap();
        assert_eq!(p.snapshots, total);
    }
    read_until(3, &mut sse, &mut seen)
        .await
        .expect("two more events");
    assert_eq!(next_event(&seen).unwrap().snapshots, 60);

    let g = call(&srv.app, "GET", &format!("/api/runs/{}", run.id), &[], b"").await;
    assert_eq!(g.status, 200);
    assert_eq!(
        g.body,
        ndjson(0..60),
        "every appended line, in order, nothing else"
    );
    let parsed = leaklens_core::ingest::parse("live", &g.body).unwrap();
    assert_eq!(parsed.run.len(), 60);
    assert!(g
        .headers
        .to_ascii_lowercase()
        .contains("accept-ranges: bytes"));

    // A viewer that has the first 35 snapshots asks for the rest only.
    let have = ndjson(0..35).len();
    let run_path = format!("/api/runs/{}", run.id);
    let range = format!("bytes={have}-");
    let rest = call(&srv.app, "GET", &run_path, &[("Range", &range)], b"").await;
    assert_eq!(rest.status, 206);
    assert_eq!(rest.body, ndjson(35..60));
    let total = ndjson(0..60).len();
    assert!(
        rest.headers.to_ascii_lowercase().contains(&format!(
            "content-range: bytes {have}-{}/{total}",
            total - 1
        )),
        "{}",
        rest.headers
    );
    // Nothing new: 416 with the length; a range it does not serve: all of it.
    let none = format!("bytes={total}-");
    let r = call(&srv.app, "GET", &run_path, &[("Range", &none)], b"").await;
    assert_eq!(r.status, 416);
    assert!(r.body.is_empty());
    assert!(r
        .headers
        .to_ascii_lowercase()
        .contains(&format!("content-range: bytes */{total}")));
    // What a browser sends (it always accepts gzip): the part is the plain
    // bytes, so offsets count what the page holds after decoding.
    let rest = call(
        &srv.app,
        "GET",
        &run_path,
        &[("Range", &range), ("Accept-Encoding", "gzip, br")],
        b"",
    )
    .await;
    assert_eq!(rest.status, 206);
    assert_eq!(rest.body, ndjson(35..60));
    for odd in ["bytes=-100", "bytes=0-10", "bytes=x-", "items=3-"] {
        let r = call(&srv.app, "GET", &run_path, &[("Range", odd)], b"").await;
        assert_eq!((odd, r.status), (odd, 200));
        assert_eq!(r.body, ndjson(0..60));
    }

    let v = call(&srv.app, "GET", &format!("/live/{}", run.id), &[], b"").await;
    assert_eq!(v.status, 303);
    assert!(v.headers.contains(&format!("/?src=/api/runs/{}", run.id)));
    let missing = call(
        &srv.app,
        "GET",
        "/api/runs/0123456789abcdef0123456789abcdef/events",
        &[],
        b"",
    )
    .await;
    assert_eq!(missing.status, 404);
}

#[test]
fn a_torn_append_is_never_visible_and_is_cut_off() {
    use leaklens_server::{Batch, Store};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = DirStore::open(dir).unwrap();
    let (id, token) = store.create_run("w").unwrap();
    let a = ndjson(0..5);
    store
        .append_run(
            &id,
            &token,
            Batch {
                bytes: &a,
                snapshots: 5,
                max_size: 1 << 20,
            },
        )
        .unwrap();
    // A crash in the middle of the next append: half a line past the committed length.
    let data = dir.join("runs").join(format!("{}.data", id.as_str()));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&data)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"cycle\": 6, \"nodejs\": {\"heapU").unwrap();
    drop(f);
    let store = DirStore::open(dir).unwrap();
    assert_eq!(
        store.get_run(&id, 0).unwrap().1,
        a,
        "only committed bytes are read"
    );
    let b = ndjson(5..9);
    let meta = store
        .append_run(
            &id,
            &token,
            Batch {
                bytes: &b,
                snapshots: 4,
                max_size: 1 << 20,
            },
        )
        .unwrap();
    assert_eq!(meta.snapshots, 9);
    let mut both = a.clone();
    both.extend_from_slice(&b);
    assert_eq!(
        store.get_run(&id, 0).unwrap().1,
        both,
        "the torn bytes are gone"
    );
}

/// A `multipart/form-data` body with these (name, content type, bytes) files.
fn multipart(files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "leaklens-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, ty, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ty}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `GET /api/reports/{id}/meta`, as JSON.
async fn report_meta(app: &Router, id: &str) -> serde_json::Value {
    let m = call(app, "GET", &format!("/api/reports/{id}/meta"), &[], b"").await;
    serde_json::from_slice(&m.body).unwrap()
}

/// Uploads these files as one `multipart/form-data` report.
async fn post_form(app: &Router, files: &[(&str, &str, &[u8])]) -> Reply {
    let (ty, body) = multipart(files);
    call(app, "POST", "/api/reports", &[("Content-Type", &ty)], &body).await
}

#[tokio::test]
async fn multipart_uploads_hold_several_files() {
    let srv = start(1 << 20).await;
    let a = sample("leak-heap-steps.json");
    let b = sample("leak-unclosed-pages.log");
    let r = post_form(
        &srv.app,
        &[
            ("steps.json", "application/json", &a),
            ("pages.log", "text/plain", &b),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c: Created = serde_json::from_slice(&r.body).unwrap();
    let meta = report_meta(&srv.app, &c.id).await;
    assert_eq!(meta["files"][0]["name"], "steps.json");
    assert_eq!(meta["files"][1]["name"], "pages.log");
    assert!(meta["files"][1]["snapshots"].as_u64().unwrap() > 0);
    for (n, want) in [(0, &a), (1, &b)] {
        let g = call(
            &srv.app,
            "GET",
            &format!("/api/reports/{}/files/{n}", c.id),
            &[],
            b"",
        )
        .await;
        assert_eq!(g.status, 200);
        assert_eq!(&g.body, want);
    }
    let missing = call(
        &srv.app,
        "GET",
        &format!("/api/reports/{}/files/2", c.id),
        &[],
        b"",
    )
    .await;
    assert_eq!(missing.status, 404);
    let v = call(&srv.app, "GET", &format!("/r/{}", c.id), &[], b"").await;
    assert_eq!(v.status, 303);
    assert!(v.headers.contains(&format!(
        "/?src=/api/reports/{0}/files/0&src=/api/reports/{0}/files/1",
        c.id
    )));

    // One bad file refuses the whole upload, and says which.
    let r = post_form(
        &srv.app,
        &[
            ("steps.json", "application/json", &a),
            ("notes.txt", "text/plain", b"hello\n"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("notes.txt"));

    // Over the limit, in a form too.
    let big = vec![b'{'; 2 << 20];
    let r = post_form(&srv.app, &[("big.json", "application/json", &big)]).await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn gzip_and_damaged_exports_are_stored_whole_and_read_whole() {
    use std::io::Write;
    let srv = start(1 << 20).await;
    let steps = sample("leak-heap-steps.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&steps).unwrap();
    let gz = gz.finish().unwrap();
    // A NaN mid-file (Python's json.dumps), and two exports joined by cat.
    let text = String::from_utf8(steps.clone()).unwrap();
    let at = text.match_indices("\"heapUsed\": ").nth(100).unwrap().0 + 12;
    let end = at + text[at..].find([',', '}']).unwrap();
    let nan = format!("{}NaN{}", &text[..at], &text[end..]).into_bytes();
    let later = text.replace("\"cycle\": ", "\"cycle\": 1000");
    let joined = format!("{text}{later}").into_bytes();
    let r = post_form(
        &srv.app,
        &[
            ("steps.json.gz", "application/gzip", &gz),
            ("nan.json", "application/json", &nan),
            ("joined.json", "application/json", &joined),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c: Created = serde_json::from_slice(&r.body).unwrap();
    let meta = report_meta(&srv.app, &c.id).await;
    assert_eq!(meta["files"][0]["snapshots"], 356);
    assert_eq!(meta["files"][1]["snapshots"], 356);
    assert_eq!(meta["files"][2]["snapshots"], 712);
    // Stored as sent: the viewer reads what was uploaded.
    for (n, want) in [(0, &gz), (1, &nan), (2, &joined)] {
        let g = call(
            &srv.app,
            "GET",
            &format!("/api/reports/{}/files/{n}", c.id),
            &[],
            b"",
        )
        .await;
        assert_eq!(&g.body, want);
    }
}

#[tokio::test]
async fn encrypted_uploads_are_stored_unread() {
    let srv = start(1 << 20).await;
    let mut sealed = leaklens_server::ENCRYPTED_MAGIC.to_vec();
    sealed.extend((0..200u32).map(|i| (i * 37 % 251) as u8));
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[
            ("Content-Type", leaklens_server::ENCRYPTED_TYPE),
            ("X-File-Name", "encrypted"),
        ],
        &sealed,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c: Created = serde_json::from_slice(&r.body).unwrap();
    let g = call(&srv.app, "GET", &format!("/api/reports/{}", c.id), &[], b"").await;
    assert_eq!(g.body, sealed);
    assert!(g.headers.contains(leaklens_server::ENCRYPTED_TYPE));
    let m = call(
        &srv.app,
        "GET",
        &format!("/api/reports/{}/meta", c.id),
        &[],
        b"",
    )
    .await;
    let meta: serde_json::Value = serde_json::from_slice(&m.body).unwrap();
    assert_eq!(meta["files"][0]["encrypted"], true);
    assert!(meta["files"][0]["snapshots"].is_null());
    // Claiming encryption is not enough: the sealed-file header must be there.
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[("Content-Type", leaklens_server::ENCRYPTED_TYPE)],
        b"<html>not encrypted</html>",
    )
    .await;
    assert_eq!(r.status, 422);
}

/// One request whose body is a stream of unknown length (what a chunked
/// upload is): the limit must still hold.
async fn post_streamed(app: &Router, path: &str, content_type: &str, body: &[u8]) -> u16 {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(64 << 10).map(|c| Ok(c.to_vec())).collect();
    let req = axum::http::Request::post(path)
        .header("host", HOST)
        .header("content-type", content_type)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    reply(app, req).await.status
}

#[tokio::test]
async fn limits_hold_for_chunked_forms_many_files_and_live_runs() {
    let srv = start_with(ServerConfig {
        max_upload: 1 << 20,
        max_run: 8 << 10,
        ..ServerConfig::default()
    })
    .await;
    // A form over the limit without a Content-Length: 413, not 422.
    let big = vec![b'{'; 2 << 20];
    let (ty, body) = multipart(&[("big.json", "application/json", &big)]);
    assert_eq!(
        post_streamed(&srv.app, "/api/reports", &ty, &body).await,
        413
    );
    // Too many files in one form.
    let one = sample("inconclusive-too-short.ndjson");
    let files: Vec<(&str, &str, &[u8])> = (0..leaklens_server::MAX_FILES + 1)
        .map(|_| ("x.ndjson", "application/x-ndjson", one.as_slice()))
        .collect();
    let r = post_form(&srv.app, &files).await;
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("at most"));

    // A live run stops at its size limit; the token scheme is case-insensitive.
    let r = call(&srv.app, "POST", "/api/runs", &[], &ndjson(0..10)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let run: RunCreated = serde_json::from_slice(&r.body).unwrap();
    let path = format!("/api/runs/{}/snapshots", run.id);
    let auth = format!("bearer {}", run.write_token);
    let mut statuses = Vec::new();
    for k in 1..6 {
        let r = call(
            &srv.app,
            "POST",
            &path,
            &[("Authorization", &auth)],
            &ndjson(k * 10..k * 10 + 10),
        )
        .await;
        statuses.push(r.status);
    }
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert!(
        statuses.contains(&413),
        "the limit is reached: {statuses:?}"
    );
    let g = call(&srv.app, "GET", &format!("/api/runs/{}", run.id), &[], b"").await;
    assert!(
        g.body.len() <= 64 << 10,
        "never past the limit: {}",
        g.body.len()
    );
    let missing = call(
        &srv.app,
        "GET",
        "/live/0123456789abcdef0123456789abcdef",
        &[],
        b"",
    )
    .await;
    assert_eq!(missing.status, 404);
}

/// A client that trickles an upload (here: stops sending half-way) loses its
/// slot once it has been idle for `body_idle`, and the slots it could hold
/// do not keep others out: a normal upload still gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_uploads_are_cut_and_do_not_block_others() {
    let srv = start_with(ServerConfig {
        body_idle: std::time::Duration::from_millis(500),
        ..ServerConfig::default()
    })
    .await;
    let body = sample("no-leak-stable-gc.ndjson");
    // More stalled uploads than there are upload slots.
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        let head = format!(
            "POST /api/reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(&body[..body.len() / 2]).await.unwrap();
        stalled.push(s);
    }
    let started = std::time::Instant::now();
    let r = request(srv.addr, "POST", "/api/reports", &[], &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    for mut s in stalled {
        let mut raw = Vec::new();
        let _ =
            tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut raw)).await;
        let status = String::from_utf8_lossy(&raw);
        assert!(
            status.starts_with("HTTP/1.1 408"),
            "a stalled upload is answered: {status:?}"
        );
    }
}

/// What `curl -F file=@run.ndjson -F worker=scraper-1` sends: the text
/// field is not a file, and the media type is matched in any case.
#[tokio::test]
async fn form_text_fields_are_not_files() {
    let srv = start(1 << 20).await;
    let (ty, mut body) = multipart(&[(
        "run.ndjson",
        "application/octet-stream",
        sample("no-leak-stable-gc.ndjson").as_slice(),
    )]);
    let boundary = ty.split("boundary=").nth(1).unwrap().to_string();
    let end = format!("--{boundary}--\r\n");
    body.truncate(body.len() - end.len());
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"worker\"\r\n\r\nscraper-1\r\n{end}")
            .as_bytes(),
    );
    let ty = ty.replace("multipart/form-data", "Multipart/Form-Data");
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[("Content-Type", &ty)],
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let created: Created = serde_json::from_slice(&r.body).unwrap();
    let files = report_meta(&srv.app, &created.id).await;
    assert_eq!(files["files"].as_array().map(Vec::len), Some(1), "{files}");
}

/// A live append that stalls gets 408 (which `leaklens push` retries), not
/// a 400 it would give up on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_live_append_is_a_timeout() {
    let srv = start_with(ServerConfig {
        body_idle: std::time::Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"POST /api/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n{\"cycle\":1")
        .await
        .unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

#[tokio::test]
async fn cross_site_writes_store_nothing() {
    let srv = start(1 << 20).await;
    let body = sample("leak-heap-steps.json");
    let reports = |data: &PathBuf| {
        ["reports", "runs", "tmp"]
            .iter()
            .map(|d| std::fs::read_dir(data.join(d)).map_or(0, |d| d.count()))
            .sum::<usize>()
    };
    let before = reports(&srv.data);
    // A "simple" cross-site form POST (no preflight), and the same marked
    // by the browser's fetch metadata only.
    for headers in [
        &[
            ("Content-Type", "text/plain"),
            ("Origin", "https://evil.example"),
        ][..],
        &[("Content-Type", "text/plain"), ("Origin", "null")][..],
        &[
            ("Content-Type", "text/plain"),
            ("Sec-Fetch-Site", "cross-site"),
        ][..],
    ] {
        let r = call(&srv.app, "POST", "/api/reports", headers, &body).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(String::from_utf8_lossy(&r.body).contains("another origin"));
        let r = call(&srv.app, "POST", "/api/runs", headers, b"").await;
        assert_eq!(r.status, 403, "{headers:?}");
    }
    assert_eq!(reports(&srv.data), before, "nothing stored");
    // The server's own page, and clients that are not pages, may write.
    let own = format!("http://{}", srv.addr);
    let r = call(
        &srv.app,
        "POST",
        "/api/reports",
        &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = call(&srv.app, "POST", "/api/reports", &[], &body).await;
    assert_eq!(r.status, 201);
    assert!(
        reports(&srv.data) > before,
        "the count sees a stored report"
    );
    // Reading stays open to any origin (share links, ?src=).
    let c: Created = serde_json::from_slice(&r.body).unwrap();
    let g = call(
        &srv.app,
        "GET",
        &format!("/api/reports/{}", c.id),
        &[("Origin", "https://elsewhere.example")],
        b"",
    )
    .await;
    assert_eq!(g.status, 200);
}

/// Slow-drip uploads (a byte every few seconds, never idle long enough to
/// be cut) hold no slot: a normal upload and a live append are answered at
/// once. A client with too many requests in flight gets 429; bodies beyond
/// the byte budget get 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_drip_uploads_block_nobody() {
    let srv = start_with(ServerConfig {
        per_client: 40,
        ..ServerConfig::default()
    })
    .await;
    let body = sample("no-leak-stable-gc.ndjson");
    let mut drips = Vec::new();
    for _ in 0..24 {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        let head = format!(
            "POST /api/reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{{",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        drips.push(s);
    }
    let dripping = tokio::spawn(async move {
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            for s in &mut drips {
                let _ = s.write_all(b" ").await;
            }
        }
        drips
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let second = std::time::Duration::from_secs(1);
    let r = tokio::time::timeout(
        second,
        request(srv.addr, "POST", "/api/reports", &[], &body),
    )
    .await
    .expect("a normal upload is answered within a second");
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = tokio::time::timeout(
        second,
        request(srv.addr, "POST", "/api/runs", &[], &ndjson(0..5)),
    )
    .await
    .expect("a live run is created within a second");
    assert_eq!(r.status, 201);
    let run: RunCreated = serde_json::from_slice(&r.body).unwrap();
    let r = tokio::time::timeout(
        second,
        request(
            srv.addr,
            "POST",
            &format!("/api/runs/{}/snapshots", run.id),
            &[("Authorization", &format!("Bearer {}", run.write_token))],
            &ndjson(5..10),
        ),
    )
    .await
    .expect("a live append is answered within a second");
    assert_eq!(r.status, 200);
    drop(dripping.await.unwrap());

    // One client, more requests in flight than it may have: 429 at once.
    let srv = start_with(ServerConfig {
        per_client: 4,
        ..ServerConfig::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        s.write_all(b"POST /api/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            .await
            .unwrap();
        held.push(s);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = get_unknown_report(srv.addr).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.to_ascii_lowercase().contains("retry-after"));
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = get_unknown_report(srv.addr).await;
    assert_eq!(r.status, 404, "its place is free again");

    // Writes beyond the client's burst: 429, reads still answered.
    let srv = start_with(ServerConfig {
        write_burst: 3,
        writes_per_minute: 1,
        ..ServerConfig::default()
    })
    .await;
    let small = sample("inconclusive-too-short.ndjson");
    for _ in 0..3 {
        let r = request(srv.addr, "POST", "/api/reports", &[], &small).await;
        assert_eq!(r.status, 201);
    }
    let r = request(srv.addr, "POST", "/api/reports", &[], &small).await;
    assert_eq!(r.status, 429);
    assert!(String::from_utf8_lossy(&r.body).contains("too many writes"));
    let r = get_unknown_report(srv.addr).await;
    assert_eq!(r.status, 404);

    // Bodies beyond the byte budget: 503, retry.
    let srv = start_with(ServerConfig {
        body_budget: 10_000,
        ..ServerConfig::default()
    })
    .await;
    let r = request(srv.addr, "POST", "/api/reports", &[], &body).await;
    assert!(body.len() > 10_000);
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.headers.to_ascii_lowercase().contains("retry-after"));
    let small = sample("inconclusive-too-short.ndjson");
    assert!(small.len() < 10_000);
    let r = request(srv.addr, "POST", "/api/reports", &[], &small).await;
    assert_eq!(r.status, 201, "the budget was given back");
}

/// Event streams: one address holds at most `streams_per_client` of them
/// (the server's 1,024 stay for everyone else), and a stream with no append
/// for `stream_idle` ends (the viewer's EventSource reconnects).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_are_capped_per_client_and_end_when_idle() {
    let srv = start_with(ServerConfig {
        streams_per_client: 3,
        stream_idle: std::time::Duration::from_millis(400),
        ..ServerConfig::default()
    })
    .await;
    let r = request(srv.addr, "POST", "/api/runs", &[], &ndjson(0..5)).await;
    let run: RunCreated = serde_json::from_slice(&r.body).unwrap();
    let open = || async {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        let req = format!(
            "GET /api/runs/{}/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n",
            run.id
        );
        s.write_all(req.as_bytes()).await.unwrap();
        s
    };
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut s = open().await;
        let mut seen = String::new();
        read_until(1, &mut s, &mut seen)
            .await
            .expect("the first event");
        assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
        streams.push(s);
    }
    let r = request(
        srv.addr,
        "GET",
        &format!("/api/runs/{}/events", run.id),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 429);
    // Idle streams end by themselves, and free their places.
    for s in &mut streams {
        let mut rest = Vec::new();
        tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut rest))
            .await
            .expect("an idle stream ends")
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut s = open().await;
    let mut seen = String::new();
    read_until(1, &mut s, &mut seen)
        .await
        .expect("a place again");
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

/// A quota on the data directory: writes past it get 507 and store nothing;
/// deleting (or expiring) gives the room back. A full disk is 507 too.
#[tokio::test]
async fn storage_quota_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let body = sample("leak-heap-steps.json");
    let store = Arc::new(
        DirStore::open(data)
            .unwrap()
            .with_quota(body.len() as u64 * 2 + 100),
    );
    let router = app(AppState::new(store.clone()), &ServerConfig::default());
    let mut created = Vec::new();
    for _ in 0..2 {
        let r = call(&router, "POST", "/api/reports", &[], &body).await;
        assert_eq!(r.status, 201);
        created.push(serde_json::from_slice::<Created>(&r.body).unwrap());
    }
    let r = call(&router, "POST", "/api/reports", &[], &body).await;
    assert_eq!(r.status, 507, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("quota"));
    assert_eq!(
        std::fs::read_dir(data.join("tmp")).unwrap().count(),
        0,
        "no .part left"
    );
    let c = &created[0];
    let d = call(
        &router,
        "DELETE",
        &format!("/api/reports/{}", c.id),
        &[("Authorization", &format!("Bearer {}", c.delete_token))],
        b"",
    )
    .await;
    assert_eq!(d.status, 204);
    let r = call(&router, "POST", "/api/reports", &[], &body).await;
    assert_eq!(r.status, 201, "room again after a delete");
    // Retention: everything not written to since "now" is old enough.
    assert!(store.used_bytes() > 0);
    assert_eq!(store.expire(std::time::Duration::ZERO), 2);
    assert_eq!(store.used_bytes(), 0);
    let g = call(
        &router,
        "GET",
        &format!("/api/reports/{}", created[1].id),
        &[],
        b"",
    )
    .await;
    assert_eq!(g.status, 404);
    // A full disk (ENOSPC, EDQUOT) is "no room", not an internal error.
    for code in [28, 122] {
        let e = leaklens_server::StoreError::from(std::io::Error::from_raw_os_error(code));
        assert!(
            matches!(e, leaklens_server::StoreError::Full(_)),
            "{code}: {e:?}"
        );
    }
}

/// A live run's snapshot counter counts the lines its file holds; a reader
/// of the run drops a repeated (cycle, label) and says so.
#[tokio::test]
async fn a_live_runs_counter_agrees_with_its_file() {
    let srv = start(1 << 20).await;
    let line = |c: u32, h: u32| {
        format!("{{\"cycle\":{c},\"label\":\"After cleanup\",\"nodejs\":{{\"heapUsed\":{h},\"rss\":100}}}}\n")
    };
    let first = format!("{}{}", line(1, 10), line(2, 11));
    let r = call(&srv.app, "POST", "/api/runs", &[], first.as_bytes()).await;
    let run: RunCreated = serde_json::from_slice(&r.body).unwrap();
    // The next append repeats cycle 2 (a worker that re-sent it) and adds 3.
    let next = format!("{}{}", line(2, 11), line(3, 12));
    let r = call(
        &srv.app,
        "POST",
        &format!("/api/runs/{}/snapshots", run.id),
        &[("Authorization", &format!("Bearer {}", run.write_token))],
        next.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    let p: Progress = serde_json::from_slice(&r.body).unwrap();
    let g = call(&srv.app, "GET", &format!("/api/runs/{}", run.id), &[], b"").await;
    let lines = String::from_utf8_lossy(&g.body).lines().count();
    assert_eq!(p.snapshots, lines, "the counter is the file's lines");
    let read = leaklens_core::ingest::parse("run", &g.body).unwrap();
    assert_eq!(read.run.len(), lines - 1);
    assert!(read
        .warnings
        .iter()
        .any(|w| w.message.contains("1 duplicate snapshot")));
}

/// GET of a report id nobody stored: 404 when the server answers it.
async fn get_unknown_report(addr: std::net::SocketAddr) -> Reply {
    request(
        addr,
        "GET",
        "/api/reports/0123456789abcdef0123456789abcdef",
        &[],
        b"",
    )
    .await
}

/// An 80-cycle generated run whose heap grows `rate` MB a cycle.
fn generated(rate: f64) -> leaklens_core::Run {
    leaklens_core::generate::generate(&leaklens_core::generate::Spec {
        cycles: 80,
        rate,
        ..leaklens_core::generate::Spec::default()
    })
}

/// Snapshots `range` of `run` as NDJSON lines.
fn lines(run: &leaklens_core::Run, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    leaklens_core::generate::to_ndjson_range(run, range, &mut out);
    out
}

/// `GET /metrics`: each live run's verdict for Prometheus, its name (from
/// the worker: untrusted) escaped as a label value, and an append that
/// changes the verdict shows in the next scrape.
#[tokio::test]
async fn metrics_expose_each_live_runs_verdict_for_prometheus() {
    let srv = start(64 << 20).await;
    let empty = call(&srv.app, "GET", "/metrics", &[], b"").await;
    assert_eq!(empty.status, 200);
    assert!(empty.headers.contains("application/openmetrics-text"));
    assert!(String::from_utf8_lossy(&empty.body).ends_with("# EOF\n"));

    // A leaking run under a hostile name.
    let body = lines(&generated(1.0), 0..usize::MAX);
    let name = "w\"1\\x\"} 1 # forged";
    let r = call(
        &srv.app,
        "POST",
        "/api/runs",
        &[(leaklens_protocol::FILE_NAME_HEADER, name)],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let created: RunCreated = serde_json::from_slice(&r.body).unwrap();
    let text = String::from_utf8(call(&srv.app, "GET", "/metrics", &[], b"").await.body).unwrap();
    let line = |verdict: &str| {
        format!(
            "leaklens_verdict{{run=\"{}\",name=\"w\\\"1\\\\x\\\"}} 1 # forged\",verdict=\"{verdict}\"}} ",
            created.id
        )
    };
    assert!(text.contains(&format!("{}1", line("leak"))), "{text}");
    assert!(text.contains(&format!("{}0", line("no_leak"))), "{text}");
    assert_eq!(text.matches("verdict=\"leak\"} ").count(), 1, "{text}");
    assert!(text.contains("leaklens_slope_per_cycle{"), "{text}");
    assert!(text.contains(&format!("leaklens_snapshots{{run=\"{}\"", created.id)));
    // Asked again with nothing new: the same series, from the cache (in
    // another order: the text format does not order them).
    let again = String::from_utf8(call(&srv.app, "GET", "/metrics", &[], b"").await.body).unwrap();
    let sorted = |t: &str| {
        let mut l: Vec<String> = t.lines().map(str::to_owned).collect();
        l.sort();
        l
    };
    assert_eq!(sorted(&again), sorted(&text));
}

/// `GET /fleet`: every live run, the leaking one first, names shown as
/// text, `?service=` keeping the runs whose name contains it.
#[tokio::test]
async fn the_fleet_page_lists_leaks_first_and_filters_by_service() {
    let srv = start(64 << 20).await;
    let run_of = |rate: f64| lines(&generated(rate), 0..usize::MAX);
    for (name, rate) in [
        ("scraper-ok", 0.0),
        ("scraper-<img src=x onerror=alert(1)>", 1.0),
    ] {
        let r = call(
            &srv.app,
            "POST",
            "/api/runs",
            &[(leaklens_protocol::FILE_NAME_HEADER, name)],
            run_of(rate).as_bytes(),
        )
        .await;
        assert_eq!(r.status, 201);
    }
    let page = call(&srv.app, "GET", "/fleet", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("text/html"));
    let html = String::from_utf8(page.body).unwrap();
    assert!(!html.contains("<img"), "a name is text, never markup");
    let leak = html.find("scraper-&lt;img").expect("the leaking run");
    let ok = html.find("scraper-ok").expect("the healthy run");
    assert!(leak < ok, "the leak first");
    assert!(html.contains("class=\"leak\">leak<") && html.contains("2 live runs, 1 leaking"));
    assert!(html.contains("href=\"/live/"));
    let only = call(&srv.app, "GET", "/fleet?service=ok", &[], b"").await;
    let only = String::from_utf8(only.body).unwrap();
    assert!(only.contains("scraper-ok") && !only.contains("scraper-&lt;img"));
    assert!(only.contains("1 live run whose name contains “ok”, 0 leaking"));
}

/// `--webhook`: a live run's first verdict and each change are POSTed as
/// JSON; a receiver that fails is tried again; an append that leaves the
/// verdict as it was sends nothing.
#[tokio::test]
async fn a_verdict_change_is_posted_to_the_webhook_and_retried() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The receiver: fails its first request, then keeps every body.
    let got: Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let receiver = {
        let (got, calls) = (got.clone(), calls.clone());
        Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let (got, calls) = (got.clone(), calls.clone());
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    got.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap());
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, receiver).await;
    });
    let srv = start_with(ServerConfig {
        webhook: Some(leaklens_server::WebhookConfig {
            url: format!("http://{hook_addr}/hook"),
            settle: std::time::Duration::from_millis(50),
            attempts: 3,
            backoff: std::time::Duration::from_millis(50),
        }),
        ..ServerConfig::default()
    })
    .await;
    let run = generated(1.0);
    let body = lines(&run, 0..run.len() / 2);
    let r = call(&srv.app, "POST", "/api/runs", &[], body.as_bytes()).await;
    assert_eq!(r.status, 201);
    let created: RunCreated = serde_json::from_slice(&r.body).unwrap();
    let wait_for = |n: usize| {
        let got = got.clone();
        async move {
            for _ in 0..200 {
                if got.lock().unwrap().len() >= n {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            panic!("no webhook call {n}");
        }
    };
    wait_for(1).await;
    {
        let first = &got.lock().unwrap()[0];
        assert_eq!(first["run"], created.id.as_str());
        assert_eq!(first["verdict"], "leak");
        assert!(first["previous"].is_null());
        assert!(first["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/live/{}", created.id)));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "failed once, then sent");
    // More of the same leak: no change, nothing sent.
    let more = lines(&run, run.len() / 2..run.len());
    let auth = format!("Bearer {}", created.write_token);
    let path = format!("/api/runs/{}/snapshots", created.id);
    let r = call(
        &srv.app,
        "POST",
        &path,
        &[("authorization", &auth)],
        more.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "an unchanged verdict is not sent again"
    );
}

/// `POST /v1/metrics`: OTLP JSON and protobuf (gzip) from two processes
/// become a live run each; a later export of a process appends to its run
/// with the cycles numbered on; `/metrics` judges them.
#[tokio::test]
async fn the_otlp_receiver_keeps_a_live_run_per_process() {
    use leaklens_server::otlp::proto;
    use prost::Message;
    let srv = start(64 << 20).await;
    let mb = 1_048_576.0;
    // pod-a leaks 2 MB a sample, pod-b holds; 30 samples 10 s apart.
    let json_export = |from: u64, to: u64| {
        let docs: Vec<String> = (from..to)
            .map(|k| {
                let t = 1_700_000_000_000_000_000u64 + k * 10_000_000_000;
                let (a, b) = (100.0 + 2.0 * k as f64, 100.0 + (k % 3) as f64);
                format!(
                    r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.instance.id","value":{{"stringValue":"pod-a"}}}}]}},"scopeMetrics":[{{"metrics":[{{"name":"v8js.memory.heap.used","unit":"By","gauge":{{"dataPoints":[{{"timeUnixNano":"{t}","asInt":"{}"}}]}}}}]}}]}},{{"resource":{{"attributes":[{{"key":"service.instance.id","value":{{"stringValue":"pod-b"}}}}]}},"scopeMetrics":[{{"metrics":[{{"name":"v8js.memory.heap.used","unit":"By","gauge":{{"dataPoints":[{{"timeUnixNano":"{t}","asInt":"{}"}}]}}}}]}}]}}]}}"#,
                    (a * mb) as u64,
                    (b * mb) as u64
                )
            })
            .collect();
        docs.join("\n")
    };
    let r = call(
        &srv.app,
        "POST",
        "/v1/metrics",
        &[("content-type", "application/json")],
        json_export(0, 30).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // The next 30 samples of pod-a, as gzip-compressed protobuf.
    let point = |k: u64| proto::NumberDataPoint {
        attributes: vec![],
        time_unix_nano: 1_700_000_000_000_000_000 + k * 10_000_000_000,
        as_double: None,
        as_int: Some(((100.0 + 2.0 * k as f64) * mb) as i64),
    };
    let req = proto::ExportMetricsServiceRequest {
        resource_metrics: vec![proto::ResourceMetrics {
            resource: Some(proto::Resource {
                attributes: vec![proto::KeyValue {
                    key: "service.instance.id".into(),
                    value: Some(proto::AnyValue {
                        string_value: Some("pod-a".into()),
                        int_value: None,
                    }),
                }],
            }),
            scope_metrics: vec![proto::ScopeMetrics {
                metrics: vec![proto::Metric {
                    name: "v8js.memory.heap.used".into(),
                    unit: "By".into(),
                    gauge: Some(proto::Points {
                        data_points: (30..60).map(point).collect(),
                    }),
                    sum: None,
                }],
            }],
        }],
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &req.encode_to_vec()).unwrap();
    let r = call(
        &srv.app,
        "POST",
        "/v1/metrics",
        &[
            ("content-type", "application/x-protobuf"),
            ("content-encoding", "gzip"),
        ],
        &gz.finish().unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.headers.contains("application/x-protobuf"));

    let text = String::from_utf8(call(&srv.app, "GET", "/metrics", &[], b"").await.body).unwrap();
    let snapshots = |name: &str| {
        text.lines()
            .find(|l| {
                l.starts_with("leaklens_snapshots{") && l.contains(&format!("name=\"{name}\""))
            })
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(snapshots("pod-a").as_deref(), Some("60"), "{text}");
    assert_eq!(snapshots("pod-b").as_deref(), Some("30"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("name=\"pod-a\",verdict=\"leak\"} 1")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("name=\"pod-b\",verdict=\"leak\"} 0")),
        "{text}"
    );

    let bad = call(
        &srv.app,
        "POST",
        "/v1/metrics",
        &[("content-type", "application/x-protobuf")],
        b"\xff\xff\xff",
    )
    .await;
    assert_eq!(bad.status, 422, "{}", String::from_utf8_lossy(&bad.body));
}

/// After a restart the OTLP receiver goes on appending a process's
/// snapshots to the live run it had, cycles numbered on.
#[tokio::test]
async fn the_otlp_receiver_keeps_appending_to_a_process_run_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let export = |from: u64| {
        let points: Vec<String> = (from..from + 20)
            .map(|k| {
                format!(
                    r#"{{"timeUnixNano":"{}","asInt":"{}"}}"#,
                    1_700_000_000_000_000_000u64 + k * 10_000_000_000,
                    (100 + k) << 20
                )
            })
            .collect();
        format!(
            r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.instance.id","value":{{"stringValue":"pod-r"}}}}]}},"scopeMetrics":[{{"metrics":[{{"name":"v8js.memory.heap.used","unit":"By","gauge":{{"dataPoints":[{}]}}}}]}}]}}]}}"#,
            points.join(",")
        )
    };
    let server = || {
        let store = Arc::new(DirStore::open(dir.path()).unwrap());
        app(AppState::new(store), &ServerConfig::default())
    };
    for (round, from) in [(1, 0), (2, 20)] {
        let app = server();
        let r = call(
            &app,
            "POST",
            "/v1/metrics",
            &[("content-type", "application/json")],
            export(from).as_bytes(),
        )
        .await;
        assert_eq!(
            r.status,
            200,
            "round {round}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let app = server();
    let text = String::from_utf8(call(&app, "GET", "/metrics", &[], b"").await.body).unwrap();
    let runs: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("leaklens_snapshots{"))
        .collect();
    assert_eq!(runs.len(), 1, "one run for the process: {text}");
    assert!(runs[0].ends_with(" 40"), "{text}");
    let id = runs[0]
        .split("run=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let data = call(&app, "GET", &format!("/api/runs/{id}"), &[], b"").await;
    let cycles: Vec<u64> = String::from_utf8(data.body)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["cycle"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        cycles,
        (1..=40).collect::<Vec<u64>>(),
        "cycles numbered on across the restart"
    );
}
