//! `leaklens serve`, `push` and `report` as real processes: a server killed
//! with SIGKILL in the middle of uploads, live pushing with `--follow`, and
//! the static site.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leaklens"))
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../static/samples")
}

/// A fresh folder, removed when the test ends.
fn tmp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

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

/// Starts `leaklens serve` on a free port with `data`; returns once it listens.
fn serve(data: &Path, extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("leaklens serve starts");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split("serving on ")
        .nth(1)
        .expect("the URL is printed")
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

fn get(url: &str) -> (u16, Vec<u8>) {
    let mut r = agent().get(url).call().expect("GET");
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap_or_default();
    (status, body)
}

/// Starts `leaklens push --follow FILE`; returns it and its live run's id.
fn follow(file: &Path, base: &str, poll_ms: u32) -> (Child, String) {
    let mut child = bin()
        .args(["push", "--follow", "--poll-ms", &poll_ms.to_string()])
        .arg(file)
        .args(["--server", base])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("leaklens push starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the live URL");
    let id = line
        .split("/live/")
        .nth(1)
        .expect("live URL printed")
        .trim()
        .to_string();
    (child, id)
}

/// Writes a fifth of `text` to `file`, starts `push --follow` on it, then
/// appends the rest in three pieces cut anywhere (mid-line, mid-block), the
/// way a worker's writes land.
fn follow_while_written(file: &Path, text: &str, base: &str) -> (Child, String) {
    use std::io::Write;
    let cuts = [text.len() / 5, text.len() / 2 + 7, text.len() * 4 / 5 + 3];
    std::fs::write(file, &text.as_bytes()[..cuts[0]]).unwrap();
    let follower = follow(file, base, 80);
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    let mut at = cuts[0];
    for &cut in &cuts[1..] {
        std::thread::sleep(Duration::from_millis(30));
        f.write_all(&text.as_bytes()[at..cut]).unwrap();
        at = cut;
    }
    std::thread::sleep(Duration::from_millis(30));
    f.write_all(&text.as_bytes()[at..]).unwrap();
    follower
}

fn generated(seed: u64, cycles: usize) -> Vec<u8> {
    let o = bin()
        .args([
            "generate",
            "--cycles",
            &cycles.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .expect("generate");
    assert!(o.status.success());
    o.stdout
}

#[test]
fn sigkill_mid_upload_loses_nothing_that_was_acknowledged() {
    let data = tmp_dir();
    let data = data.path();
    let srv = serve(data, &[]);
    // Distinct bodies of ~1 MB, so the kill lands while many are in flight.
    let bodies: Vec<Arc<Vec<u8>>> = (0..12).map(|s| Arc::new(generated(s, 1500))).collect();
    let acked: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    for (k, body) in bodies.iter().enumerate() {
        let (body, acked, stop, base) =
            (body.clone(), acked.clone(), stop.clone(), srv.base.clone());
        threads.push(std::thread::spawn(move || {
            let agent = agent();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(mut r) = agent
                    .post(format!("{base}/api/reports"))
                    .header("X-File-Name", format!("run-{k}.ndjson"))
                    .send(&body[..])
                else {
                    return;
                };
                if r.status().as_u16() == 201 {
                    let text = r.body_mut().read_to_string().unwrap();
                    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push((v["id"].as_str().unwrap().to_string(), k));
                }
            }
        }));
    }
    // Let some uploads complete, then kill the server mid-flight.
    let t0 = Instant::now();
    while acked.lock().unwrap().len() < 12 && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut srv = srv;
    srv.child.kill().expect("SIGKILL");
    srv.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 12,
        "uploads were acknowledged before the kill"
    );

    let srv = serve(data, &[]);
    for (id, k) in &acked {
        let (status, body) = get(&format!("{}/api/reports/{id}", srv.base));
        assert_eq!(status, 200, "acknowledged upload {id} is there");
        assert_eq!(&body, &*bodies[*k], "acknowledged upload {id} is intact");
    }
    // Every report the server shows is one of the bodies, whole.
    let mut visible = 0;
    for e in std::fs::read_dir(data.join("reports")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".meta.json") {
            let (status, body) = get(&format!("{}/api/reports/{id}", srv.base));
            assert_eq!(status, 200);
            assert!(bodies.iter().any(|b| **b == body), "{id} is a whole upload");
            visible += 1;
        }
    }
    assert!(visible >= acked.len());
    assert_eq!(
        std::fs::read_dir(data.join("tmp")).unwrap().count(),
        0,
        "leftovers purged"
    );
    drop(srv);
}

#[test]
fn push_sends_a_run_and_follow_sends_what_the_worker_appends() {
    let data = tmp_dir();
    let data = data.path();
    let srv = serve(data, &[]);

    // One shot, from a worker log: sent as NDJSON, same run.
    let log = samples().join("leak-unclosed-pages.log");
    let o = bin()
        .args(["push"])
        .arg(&log)
        .args(["--server", &srv.base])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The write token never lands in a log (stderr is not a terminal here).
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("LEAKLENS_TOKEN=<write token>"), "{err}");
    assert!(!err.contains("--token"), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    let id = out
        .split("/live/")
        .nth(1)
        .expect("live URL printed")
        .trim()
        .to_string();
    let (status, body) = get(&format!("{}/api/runs/{id}", srv.base));
    assert_eq!(status, 200);
    let pushed = leaklens_core::ingest::parse("pushed", &body).unwrap();
    let original = leaklens_core::ingest::parse("log", &std::fs::read(&log).unwrap()).unwrap();
    assert_eq!(pushed.run.len(), original.run.len());

    // Following a file the worker keeps writing.
    let dir = tmp_dir();
    let dir = dir.path();
    let file = dir.join("worker.ndjson");
    let full = generated(7, 60);
    let text = String::from_utf8(full.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The worker has written one line so far.
    let half = 1;
    std::fs::write(&file, lines[..half].join("\n") + "\n").unwrap();
    let (mut follower, id) = follow(&file, &srv.base, 100);
    let count = |id: &str| {
        let (_, body) = get(&format!("{}/api/runs/{id}", srv.base));
        String::from_utf8_lossy(&body).lines().count()
    };
    let wait_for = |n: usize| {
        let t0 = Instant::now();
        while count(&id) < n {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "{} of {n} arrived",
                count(&id)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for(half);
    // The worker appends the rest, a line at a time.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        for l in &lines[half..] {
            writeln!(f, "{l}").unwrap();
        }
    }
    wait_for(lines.len());
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(count(&id), lines.len(), "nothing sent twice");
    let (_, body) = get(&format!("{}/api/runs/{id}", srv.base));
    let a = leaklens_core::ingest::parse("a", &body).unwrap();
    let b = leaklens_core::ingest::parse("b", &full).unwrap();
    assert_eq!(a.run.cycles(), b.run.cycles());
    let _ = follower.kill();
    let _ = follower.wait();
    drop(srv);
}

/// Following a worker log written a block at a time, cut mid-block, with a
/// restart that starts the cycles again at 1: every snapshot arrives once.
#[test]
fn follow_a_log_written_in_pieces_across_a_restart() {
    let data = tmp_dir();
    let data = data.path();
    let srv = serve(data, &[]);
    let gen = |seed: &str| {
        let o = bin()
            .args([
                "generate", "--cycles", "30", "--format", "log", "--seed", seed,
            ])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    // Two processes' output, one after the other: cycles 1–30, then 1–30 again.
    let text = gen("1") + &gen("2");
    let expected = leaklens_core::ingest::parse("x", text.as_bytes())
        .unwrap()
        .run
        .len();
    let (mut follower, id) = follow_while_written(&data.join("worker.log"), &text, &srv.base);
    let snapshots = || {
        let (_, body) = get(&format!("{}/api/runs/{id}", srv.base));
        String::from_utf8_lossy(&body).lines().count()
    };
    let t0 = Instant::now();
    while snapshots() < expected {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} of {expected} arrived",
            snapshots()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        snapshots(),
        expected,
        "each snapshot once, the restart's too"
    );
    let _ = follower.kill();
    let _ = follower.wait();
    drop(srv);
}

#[test]
fn follow_a_compose_log_of_two_replicas_reads_one_worker_throughout() {
    let data = tmp_dir();
    let data = data.path();
    let srv = serve(data, &[]);
    let gen = |seed: &str, rate: &str, cycles: &str| {
        let o = bin()
            .args([
                "generate", "--cycles", cycles, "--format", "log", "--seed", seed, "--rate", rate,
            ])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let (one, two) = (gen("1", "0.5", "40"), gen("2", "4", "30"));
    // `docker compose logs -f` of two replicas: worker-2 writes faster at
    // first (the first pieces hold more of its snapshots), worker-1 has the
    // most in the end. Each piece choosing by its own content would mix them.
    let (mut a, mut b) = (one.lines(), two.lines());
    let mut text = String::new();
    let mut k = 0usize;
    loop {
        let from_b = if text.len() < (one.len() + two.len()) / 3 {
            k % 4 != 0
        } else {
            k % 4 == 0
        };
        k += 1;
        let (line, name) = match (from_b, a.clone().next(), b.clone().next()) {
            (true, _, Some(_)) | (false, None, Some(_)) => (b.next().unwrap(), "worker-2"),
            (_, Some(_), _) => (a.next().unwrap(), "worker-1"),
            (_, None, None) => break,
        };
        text.push_str(&format!("{name}  | {line}\n"));
    }
    let file = data.join("compose.log");
    let (mut follower, id) = follow_while_written(&file, &text, &srv.base);
    // The worker the first piece chose (worker-2 leads there), whole and
    // alone: every one of its snapshots, none of the other's.
    let own = leaklens_core::ingest::parse("two", two.as_bytes())
        .unwrap()
        .run;
    let received = || {
        let (_, body) = get(&format!("{}/api/runs/{id}", srv.base));
        leaklens_core::ingest::parse_with("live", &body, &as_written())
            .map(|p| p.run)
            .unwrap_or_default()
    };
    let t0 = Instant::now();
    while received().len() < own.len() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} of {} arrived",
            received().len(),
            own.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(400));
    let run = received();
    assert_eq!(run.len(), own.len(), "each of worker-2's snapshots once");
    use leaklens_core::Metric;
    for i in 0..run.len() {
        assert_eq!(
            (run.cycle(i), run.column(Metric::HeapUsed).get(i)),
            (own.cycle(i), own.column(Metric::HeapUsed).get(i)),
            "snapshot {i} is worker-2's"
        );
    }
    let _ = follower.kill();
    let _ = follower.wait();

    // A name the log does not have: said, with the ones it has.
    let o = bin()
        .arg("push")
        .arg(&file)
        .args(["--server", &srv.base, "--worker", "worker-9"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("sending"), "{err}");
    assert!(
        err.contains("no worker \"worker-9\"") && err.contains("\"worker-1\", \"worker-2\""),
        "{err}"
    );

    // The other replica, by name, in one go.
    let o = bin()
        .arg("push")
        .arg(&file)
        .args(["--server", &srv.base, "--worker", "worker-1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("worker \"worker-1\""));
    let url = String::from_utf8_lossy(&o.stdout).to_string();
    let id = url.split("/live/").nth(1).unwrap().trim().to_string();
    let (_, body) = get(&format!("{}/api/runs/{id}", srv.base));
    let sent = leaklens_core::ingest::parse_with("live", &body, &as_written())
        .unwrap()
        .run;
    let one = leaklens_core::ingest::parse("one", one.as_bytes())
        .unwrap()
        .run;
    assert_eq!(sent.len(), one.len());
    assert_eq!(
        sent.column(Metric::HeapUsed),
        one.column(Metric::HeapUsed),
        "worker-1's snapshots, in order"
    );
    drop(srv);
}

#[test]
fn push_reports_a_refusal_and_bad_arguments() {
    // The server refuses what is not a snapshot file: exit 2 with its reason.
    let data = tmp_dir();
    let data = data.path();
    let srv = serve(data, &[]);
    let notes = data.join("notes.txt");
    std::fs::write(&notes, "hello\n").unwrap();
    let o = bin()
        .arg("push")
        .arg(&notes)
        .args(["--server", &srv.base])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no memory snapshot found"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // An unknown run is named as such.
    let log = samples().join("leak-unclosed-pages.log");
    let o = bin()
        .arg("push")
        .arg(&log)
        .args([
            "--server",
            &srv.base,
            "--run",
            "0123456789abcdef0123456789abcdef",
        ])
        .env("LEAKLENS_TOKEN", "0123456789abcdef")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no such live run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop(srv);

    let o = bin()
        .args(["push", "x.log", "--server", "ftp://nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("http://"));
    let o = bin()
        .args([
            "push",
            "x.log",
            "--server",
            "http://127.0.0.1:9",
            "--run",
            "abc",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--token"));
}

#[test]
fn report_writes_a_static_site_with_relative_links() {
    let out = tmp_dir();
    let out = out.path();
    let viewer = tmp_dir();
    let viewer = viewer.path();
    // A stand-in viewer build: the site copies whatever the build holds.
    std::fs::write(
        viewer.join("index.html"),
        "<!DOCTYPE html><title>viewer</title>",
    )
    .unwrap();
    std::fs::create_dir_all(viewer.join("samples")).unwrap();
    std::fs::write(viewer.join("app-0123456789abcdef.js"), "//").unwrap();
    let hostile_dir = tmp_dir();
    let hostile = hostile_dir.path().join("<img src=x onerror=alert(1)>.log");
    std::fs::copy(samples().join("leak-unclosed-pages.log"), &hostile).unwrap();
    let o = bin()
        .arg("report")
        .arg(&hostile)
        .arg("-o")
        .arg(out)
        .arg("--viewer")
        .arg(viewer)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "index.html",
        "report.html",
        "report.json",
        "report.md",
        "viewer/index.html",
        "viewer/app-0123456789abcdef.js",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let data: Vec<String> = std::fs::read_dir(out.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        data,
        ["_img_src_x_onerror_alert_1__.log"],
        "a URL-safe file name"
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("url=viewer/index.html?src=../data/_img_src_x_onerror_alert_1__.log"));
    assert!(!index.contains("<img"), "the file name is escaped");
    assert!(index.contains("&lt;img src=x onerror=alert(1)&gt;.log"));
    assert!(!index.contains("href=\"/"), "no absolute link");
    assert!(index.contains("data-verdict=\"leak\""));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["verdict"], "leak");

    // Without a viewer (this test binary has none built in, and no dist/ here).
    let o = bin()
        .current_dir(out)
        .arg("report")
        .arg(&hostile)
        .arg("-o")
        .arg(out.join("again"))
        .output()
        .unwrap();
    if o.status.success() {
        assert!(
            out.join("again/viewer/index.html").is_file(),
            "an embedded viewer was used"
        );
    } else {
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("build-release.sh"));
    }
}

/// How the received run is read: as the server stored it.
fn as_written() -> leaklens_core::ingest::ReadOptions {
    leaklens_core::ingest::ReadOptions {
        as_written: true,
        worker: None,
    }
}
