//! Two `leaklens serve --store s3://…` processes on one bucket: each serves
//! what the other stored, and a `kill -9` of one in the middle of a live
//! run loses no append it acknowledged. Run when `LEAKLENS_TEST_S3` names a
//! bucket (`scripts/test-s3.sh` starts moto's S3 server and sets it, with
//! the `AWS_*` variables); skipped, saying so, otherwise.
#![cfg(feature = "s3")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `LEAKLENS_TEST_S3` with a fresh prefix, or `None` (skipped).
fn bucket() -> Option<String> {
    let base = std::env::var("LEAKLENS_TEST_S3").ok()?;
    let fresh = leaklens_server::store::random_hex().unwrap();
    Some(format!("{}/{fresh}", base.trim_end_matches('/')))
}

fn serve(store: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leaklens"))
        .args(["serve", "--addr", "127.0.0.1:0", "--retention-days", "0"])
        .args(["--store", store])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("leaklens serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split("serving on ")
        .nth(1)
        .unwrap_or_else(|| panic!("the URL is printed, got {line:?}"))
        .trim()
        .trim_end_matches('/')
        .to_string();
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// (status, body) of a request; `None` when the server did not answer.
fn call(method: &str, url: &str, token: Option<&str>, body: &[u8]) -> Option<(u16, String)> {
    let agent = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut r = match method {
        "GET" => agent.get(url).call(),
        "DELETE" => {
            let mut req = agent.delete(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
        _ => {
            let mut req = agent.post(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send(body)
        }
    }
    .ok()?;
    let status = r.status().as_u16();
    Some((status, r.body_mut().read_to_string().unwrap_or_default()))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn snapshot(writer: &str, n: usize) -> String {
    format!(
        r#"{{"cycle":{n},"label":"{writer}","nodejs":{{"heapUsed":{},"heapTotal":90,"rss":300}}}}"#,
        40 + n % 7
    )
}

#[test]
fn two_servers_on_one_bucket_serve_each_others_reports_and_live_runs() {
    let Some(store) = bucket() else {
        eprintln!("SKIPPED: LEAKLENS_TEST_S3 is not set (scripts/test-s3.sh sets it)");
        return;
    };
    let (a, b) = (serve(&store), serve(&store));

    // A report uploaded to one is served, then deleted, by the other.
    let body = (1..=20)
        .map(|n| snapshot("r", n) + "\n")
        .collect::<String>();
    let (status, text) = call(
        "POST",
        &format!("{}/api/reports", a.base),
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201, "{text}");
    let created = json(&text);
    let id = created["id"].as_str().unwrap();
    let (status, got) = call("GET", &format!("{}/api/reports/{id}", b.base), None, b"").unwrap();
    assert_eq!((status, got.as_str()), (200, body.as_str()));
    let token = created["delete_token"].as_str().unwrap();
    let (status, _) = call(
        "DELETE",
        &format!("{}/api/reports/{id}", b.base),
        Some(token),
        b"",
    )
    .unwrap();
    assert_eq!(status, 204);
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/reports/{id}/meta", a.base),
            None,
            b""
        )
        .unwrap()
        .0,
        404
    );

    // A live run made on B, appended to through both.
    let (status, text) = call(
        "POST",
        &format!("{}/api/runs", b.base),
        None,
        snapshot("b", 1).as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201, "{text}");
    let run = json(&text);
    let (id, token) = (
        run["id"].as_str().unwrap(),
        run["write_token"].as_str().unwrap(),
    );
    // A viewer of the run on B, told of an append made through A.
    let (tx, rx) = std::sync::mpsc::channel();
    let events = format!("{}/api/runs/{id}/events", b.base);
    std::thread::spawn(move || {
        let Ok(r) = agent().get(&events).call() else {
            return;
        };
        for l in BufReader::new(r.into_body().into_reader()).lines() {
            let Ok(l) = l else { return };
            if let Some(data) = l.strip_prefix("data:") {
                if tx
                    .send(json(data.trim())["snapshots"].as_u64().unwrap_or(0))
                    .is_err()
                {
                    return;
                }
            }
        }
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        1,
        "the totals first"
    );
    let mut expected = snapshot("b", 1) + "\n";
    for (n, srv) in [(2, &a), (3, &b), (4, &a)] {
        let line = snapshot("ab", n);
        let url = format!("{}/api/runs/{id}/snapshots", srv.base);
        let (status, text) = call("POST", &url, Some(token), line.as_bytes()).unwrap();
        assert_eq!(status, 200, "{text}");
        assert_eq!(json(&text)["snapshots"], n);
        expected.push_str(&line);
        expected.push('\n');
    }
    let seen = (0..3)
        .map_while(|_| rx.recv_timeout(Duration::from_secs(10)).ok())
        .find(|&n| n == 4);
    assert_eq!(seen, Some(4), "B's viewer saw the appends made through A");
    for srv in [&a, &b] {
        let (status, got) = call("GET", &format!("{}/api/runs/{id}", srv.base), None, b"").unwrap();
        assert_eq!(
            (status, got.as_str()),
            (200, expected.as_str()),
            "{}",
            srv.base
        );
    }
}

#[test]
fn sigkill_of_one_server_mid_run_loses_no_acknowledged_append() {
    let Some(store) = bucket() else {
        eprintln!("SKIPPED: LEAKLENS_TEST_S3 is not set (scripts/test-s3.sh sets it)");
        return;
    };
    let (a, b) = (serve(&store), serve(&store));
    let (status, text) = call("POST", &format!("{}/api/runs", a.base), None, b"").unwrap();
    assert_eq!(status, 201, "{text}");
    let run = json(&text);
    let id = run["id"].as_str().unwrap().to_string();
    let token = run["write_token"].as_str().unwrap().to_string();

    // Three writers on A and one on B append numbered lines until stopped
    // or their server is gone; each keeps what was acknowledged.
    let acked: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (w, base) in [
        ("a1", &a.base),
        ("a2", &a.base),
        ("a3", &a.base),
        ("b1", &b.base),
    ] {
        let url = format!("{base}/api/runs/{id}/snapshots");
        let (acked, stop, token) = (acked.clone(), stop.clone(), token.clone());
        writers.push(std::thread::spawn(move || {
            for n in 1.. {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                match call("POST", &url, Some(&token), snapshot(w, n).as_bytes()) {
                    Some((200, _)) => acked.lock().unwrap().push((w.to_string(), n)),
                    _ => return,
                }
            }
        }));
    }
    let t0 = Instant::now();
    while acked.lock().unwrap().len() < 40 && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut a = a;
    a.child.kill().expect("SIGKILL"); // kill -9, with appends in flight
    a.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 40,
        "appends were acknowledged before the kill"
    );

    let (status, text) = call("GET", &format!("{}/api/runs/{id}", b.base), None, b"").unwrap();
    assert_eq!(status, 200);
    let lines: Vec<serde_json::Value> = text.lines().map(json).collect();
    let key = |v: &serde_json::Value| {
        (
            v["label"].as_str().unwrap().to_string(),
            v["cycle"].as_u64().unwrap() as usize,
        )
    };
    for (w, n) in &acked {
        let found = lines.iter().filter(|v| key(v) == (w.clone(), *n)).count();
        assert_eq!(found, 1, "acknowledged append {w} #{n} is in the run once");
    }
    for w in ["a1", "a2", "a3", "b1"] {
        let mine: Vec<usize> = lines
            .iter()
            .map(key)
            .filter(|(l, _)| l == w)
            .map(|(_, n)| n)
            .collect();
        assert!(
            mine.windows(2).all(|p| p[1] == p[0] + 1),
            "{w}'s appends in order: {mine:?}"
        );
    }
    let (status, text) = call("GET", &format!("{}/api/runs/{id}", b.base), None, b"").unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        text.lines().count(),
        lines.len(),
        "a second read gives the same run"
    );
}

#[test]
fn a_store_that_is_not_s3_or_not_there_is_refused_with_why() {
    let run = |url: &str, endpoint: &str| {
        Command::new(env!("CARGO_BIN_EXE_leaklens"))
            .args(["serve", "--addr", "127.0.0.1:0", "--store", url])
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_REGION", "us-east-1")
            .output()
            .expect("leaklens runs")
    };
    let o = run("ftp://bucket/x", "http://127.0.0.1:9");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("s3://bucket[/prefix]"), "{err}");
    // Nothing listens on port 9 of this machine: the first listing fails.
    let o = run("s3://bucket/x", "http://127.0.0.1:9");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot use the object store s3://bucket/x"),
        "{err}"
    );
}
