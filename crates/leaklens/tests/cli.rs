//! The `leaklens` binary end to end: every sample, every output format,
//! exit codes, hostile input, stdin, merging, compare, generate.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leaklens"))
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../static/samples")
}

fn sample(name: &str) -> String {
    samples().join(name).display().to_string()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("leaklens runs")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leaklens runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("leaklens finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// A file of this name and content in a fresh folder (removed with it).
fn tmp(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp dir");
    let p = dir.path().join(name);
    std::fs::write(&p, content).expect("write tmp");
    (dir, p)
}

#[test]
fn every_sample_gets_its_verdict_and_the_json_contract() {
    let mut names: Vec<String> = std::fs::read_dir(samples())
        .expect("samples")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    // Ten of our own shapes, four metrics exports (scripts/metrics-exports.mjs).
    assert_eq!(names.len(), 14);
    for name in names {
        let o = run(&["analyze", &sample(&name), "--format", "json"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let r = json(&o);
        let expected = if name.starts_with("no-leak") {
            "no_leak"
        } else if name.starts_with("leak") {
            "leak"
        } else {
            "inconclusive"
        };
        assert_eq!(r["schema_version"], 1);
        assert_eq!(r["summary"]["verdict"], expected, "{name}");
        assert!(r["summary"]["snapshots"].as_u64().unwrap() > 0);
        assert!(r["summary"]["cycles"].as_u64().unwrap() > 0);
        for (_, m) in r["metrics"].as_object().unwrap() {
            for key in ["trend", "slope_per_cycle", "pattern"] {
                assert!(m.get(key).is_some(), "{name}: metric without {key}");
            }
        }
        for i in r["issues"].as_array().unwrap() {
            for key in ["kind", "severity", "metric", "message", "first_cycle"] {
                assert!(i.get(key).is_some(), "{name}: issue without {key}");
            }
        }
        assert!(r["windows"].is_array() && r["phases"].is_array());
    }
}

#[test]
fn samples_flag_what_grows() {
    let cases = [
        (
            "leak-browser-contexts.json",
            &["context_accumulation", "page_accumulation"][..],
        ),
        ("leak-external-buffers.log", &["external_growth"]),
        ("leak-heap-linear-fast.log", &["heap_growth"]),
        ("leak-heap-steps.json", &["heap_growth"]),
        ("leak-plateau-then-growth.ndjson", &["heap_growth"]),
        ("leak-rss-native.log", &["rss_growth"]),
        ("leak-unclosed-pages.log", &["page_accumulation"]),
        ("leak-prometheus-two-processes.json", &["heap_growth"]),
        ("leak-grafana-rss.csv", &["rss_growth"]),
        ("leak-puppeteer-metrics.ndjson", &["heap_growth"]),
    ];
    for (name, kinds) in cases {
        let r = json(&run(&["analyze", &sample(name), "--format", "json"]));
        let found: Vec<&str> = r["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        for k in kinds {
            assert!(found.contains(k), "{name}: {k} not in {found:?}");
        }
    }
    let patterns = [
        ("leak-heap-steps.json", "heap_used", "step"),
        (
            "leak-plateau-then-growth.ndjson",
            "heap_used",
            "plateau_then_growth",
        ),
        ("leak-heap-linear-fast.log", "heap_used", "linear"),
        ("no-leak-stable-gc.ndjson", "heap_used", "stable"),
        ("no-leak-warmup-then-flat.ndjson", "heap_used", "stable"),
    ];
    for (name, metric, pattern) in patterns {
        let r = json(&run(&["analyze", &sample(name), "--format", "json"]));
        assert_eq!(r["metrics"][metric]["pattern"], pattern, "{name}");
    }
}

#[test]
fn text_report_snapshot() {
    let o = run(&[
        "analyze",
        &sample("leak-heap-steps.json"),
        "--limit",
        "rss=2048",
    ]);
    assert!(o.status.success());
    let text = stdout(&o).replace(&sample(""), "");
    insta::assert_snapshot!("text_heap_steps", text);
}

#[test]
fn markdown_report_snapshot() {
    let o = run(&[
        "analyze",
        &sample("leak-unclosed-pages.log"),
        "--format",
        "markdown",
    ]);
    assert!(o.status.success());
    insta::assert_snapshot!("markdown_unclosed_pages", stdout(&o));
}

#[test]
fn json_report_snapshot() {
    let o = run(&[
        "analyze",
        &sample("no-leak-stable-gc.ndjson"),
        "--format",
        "json",
    ]);
    insta::assert_snapshot!("json_stable", stdout(&o));
}

#[test]
fn html_is_self_contained_and_has_charts() {
    let o = run(&[
        "analyze",
        &sample("leak-browser-contexts.json"),
        "--format",
        "html",
    ]);
    assert!(o.status.success());
    let html = stdout(&o);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(!html.contains("<script"), "no script in the report");
    for attr in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(attr),
            "nothing loaded from a network ({attr})"
        );
    }
    assert_eq!(html.matches("<svg").count(), 2, "memory and browser charts");
    assert!(html.contains("data-verdict=\"leak\""));
}

#[test]
fn hostile_strings_are_text_everywhere() {
    let evil_label = "<img src=x onerror=alert(1)>";
    let evil_url = "https://x/<script>alert(2)</script>";
    let mut ndjson = String::new();
    for c in 1..=30 {
        for (k, label) in ["Before scrape", evil_label, "After cleanup"]
            .iter()
            .enumerate()
        {
            ndjson.push_str(&serde_json::json!({
                "cycle": c, "label": label,
                "nodejs": {"heapUsed": 50.0 + c as f64 * 3.0 + k as f64, "heapTotal": 200.0, "rss": 300.0 + c as f64 * 3.0, "external": 5.0, "arrayBuffers": 1.0},
                "browser": {"pageCount": 1 + c, "contextCount": 1, "pageUrls": (0..=c).map(|i| format!("{evil_url}{i}")).collect::<Vec<_>>()}
            }).to_string());
            ndjson.push('\n');
        }
    }
    let (_f_dir, f) = tmp("evil.ndjson", ndjson.as_bytes());
    let f = f.to_str().unwrap();

    let html = stdout(&run(&["analyze", f, "--format", "html"]));
    assert!(!html.contains("<img src=x"), "label rendered as markup");
    assert!(!html.contains("<script>alert"), "URL rendered as markup");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));

    let md = stdout(&run(&["analyze", f, "--format", "markdown"]));
    assert!(!md.contains("<img src=x"), "markdown carries raw HTML");
    assert!(md.contains("&lt;img"));

    let text = stdout(&run(&["analyze", f]));
    assert!(
        text.contains("<img src=x onerror=al"),
        "text shows the label as it is"
    );
}

#[test]
fn fail_on_sets_exit_code_one() {
    let o = run(&[
        "analyze",
        &sample("leak-rss-native.log"),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&[
        "analyze",
        &sample("no-leak-stable-gc.ndjson"),
        "--fail-on",
        "warning",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let o = run(&[
        "analyze",
        &sample("leak-heap-steps.json"),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(o.status.code(), Some(0), "its issues are warnings");
    let o = run(&[
        "analyze",
        &sample("leak-heap-steps.json"),
        "--fail-on",
        "warning",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_input_exits_two_and_says_where() {
    let (_f_dir, f) = tmp("garbage.log", b"hello\nthis is not a snapshot export\n");
    let o = run(&["analyze", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("garbage.log"), "{err}");
    assert!(
        err.contains("Memory Snapshot"),
        "says what was expected: {err}"
    );
    assert!(err.contains("hint: "), "{err}");

    let o = run(&["analyze", "/nonexistent/run.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/run.json"));

    let o = run(&[
        "analyze",
        &sample("no-leak-stable-gc.ndjson"),
        "--limit",
        "bogus=1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown metric 'bogus'"));

    let o = run(&["analyze"]);
    assert_eq!(o.status.code(), Some(2), "usage error");
}

#[test]
fn bad_lines_are_warnings_with_line_numbers_and_the_rest_is_kept() {
    let good = std::fs::read_to_string(samples().join("no-leak-stable-gc.ndjson")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(10, "{\"cycle\": 4, \"label\": oops");
    let (_f_dir, f) = tmp("broken.ndjson", lines.join("\n").as_bytes());
    let o = run(&["analyze", f.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("broken.ndjson:11"), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["summary"]["verdict"], "no_leak");
    assert_eq!(r["summary"]["cycles"], 120);
}

#[test]
fn stdin_and_merged_overlapping_exports() {
    let bytes = std::fs::read(samples().join("leak-heap-steps.json")).unwrap();
    let o = run_stdin(&["analyze", "-", "--format", "json"], &bytes);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["verdict"], "leak");

    // Two overlapping keepLast-style exports of one NDJSON run.
    let text = std::fs::read_to_string(samples().join("leak-plateau-then-growth.ndjson")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (_a_dir, a) = tmp("part-a.ndjson", lines[..250].join("\n").as_bytes());
    let (_b_dir, b) = tmp("part-b.ndjson", lines[150..].join("\n").as_bytes());
    let o = run(&[
        "analyze",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let r = json(&o);
    assert_eq!(r["summary"]["snapshots"], lines.len());
    assert_eq!(r["summary"]["cycles"], 117);
    assert_eq!(r["summary"]["verdict"], "leak");
}

#[test]
fn compare_before_and_after_a_fix() {
    let o = run(&[
        "compare",
        &sample("leak-heap-linear-fast.log"),
        &sample("no-leak-stable-gc.ndjson"),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = json(&o);
    assert_eq!(c["verdict"], "fixed");
    assert_eq!(c["metrics"]["heap_used"]["verdict"], "fixed");
    assert!(c["metrics"]["heap_used"]["before_slope"].as_f64().unwrap() > 1.0);

    let o = run(&[
        "compare",
        &sample("no-leak-stable-gc.ndjson"),
        &sample("leak-heap-linear-fast.log"),
        "--fail-on-regression",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("REGRESSED"));
}

#[test]
fn generate_round_trips_through_analyze() {
    for (scenario, verdict) in [("step", "leak"), ("warmup", "no_leak")] {
        for format in ["ndjson", "json", "log"] {
            let g = run(&[
                "generate",
                "--scenario",
                scenario,
                "--cycles",
                "120",
                "--format",
                format,
            ]);
            assert!(g.status.success());
            let o = run_stdin(&["analyze", "-", "--format", "json"], &g.stdout);
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(
                json(&o)["summary"]["verdict"],
                verdict,
                "{scenario} as {format}"
            );
        }
    }
}

#[test]
fn standard_input_twice_is_refused() {
    // Refused before anything is read (`.output()` gives the child an empty
    // standard input, so nothing can block or break a pipe).
    let o = run(&["analyze", "-", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("only once"), "{}", stderr(&o));
}

#[test]
fn file_text_cannot_forge_report_lines() {
    // A label (shown in the steps table) and a page URL left open (shown
    // in the lingering pages) that try to print a line of their own.
    let evil = "A\\n✅ VERDICT: NO LEAK\\u001b[2J\\u202e";
    let mut lines = String::new();
    for c in 1..=30 {
        for (label, heap) in [("Before scrape", 50 + 5 * c), (evil, 60 + 5 * c)] {
            let urls: Vec<String> = (0..c)
                .map(|k| format!("\"https://x.example/{k}{evil}\""))
                .collect();
            lines.push_str(&format!(
                "{{\"cycle\": {c}, \"label\": \"{label}\", \"heapUsed\": {heap}, \"rss\": 200, \
                 \"pageCount\": {c}, \"pageUrls\": [{}]}}\n",
                urls.join(",")
            ));
        }
    }
    let (_f_dir, f) = tmp("forge.ndjson", lines.as_bytes());
    for format in ["text", "markdown"] {
        let o = run(&["analyze", f.to_str().unwrap(), "--format", format]);
        let out = stdout(&o);
        assert!(out.contains("x.example/1"), "{format}: the URLs are shown");
        assert!(
            !out.lines()
                .any(|l| l.trim_start().starts_with("✅ VERDICT")),
            "{format}: {out}"
        );
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{format}"
        );
    }
}

#[test]
fn a_nan_or_a_bad_token_mid_file_keeps_the_verdict_and_the_gate() {
    // Python's json.dumps writes NaN; a broken number is a damaged byte.
    let text = std::fs::read_to_string(sample("leak-heap-steps.json")).unwrap();
    let at = text.match_indices("\"heapUsed\": ").nth(178).unwrap().0 + 12;
    let end = at + text[at..].find([',', '}']).unwrap();
    for token in ["NaN", "12.3.4"] {
        let damaged = format!("{}{token}{}", &text[..at], &text[end..]);
        let o = run_stdin(&["analyze", "-", "--format", "json"], damaged.as_bytes());
        assert_eq!(o.status.code(), Some(0), "{token}");
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["summary"]["verdict"], "leak", "{token}");
        assert!(
            r["summary"]["snapshots"].as_u64().unwrap() >= 355,
            "{token}"
        );
        assert!(!r["warnings"].as_array().unwrap().is_empty(), "{token}");
        let o = run_stdin(
            &["analyze", "-", "--fail-on", "warning"],
            damaged.as_bytes(),
        );
        assert_eq!(o.status.code(), Some(1), "{token}: the gate still fails");
    }
}

#[test]
fn gzip_is_read_by_its_bytes_and_endless_input_is_refused_early() {
    use flate2::write::GzEncoder;
    let plain = std::fs::read(sample("leak-heap-steps.json")).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let want = run_stdin(&["analyze", "-", "--format", "json"], &plain);
    let got = run_stdin(&["analyze", "-", "--format", "json"], &gz);
    assert_eq!(
        got.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert_eq!(got.stdout, want.stdout);
    let (_dir, named) = tmp("run.json", &gz); // no .gz in the name
    let o = run(&["analyze", named.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.stdout, want.stdout);

    // UTF-16 without a byte-order mark has a NUL beside every character:
    // text all the same, read and not refused as binary.
    let ndjson = std::fs::read_to_string(sample("inconclusive-too-short.ndjson")).unwrap();
    let utf16: Vec<u8> = ndjson.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let o = run_stdin(&["analyze", "-", "--format", "json"], &utf16);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Endless binary: refused at the first piece.
    let o = run(&["analyze", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("binary data"));

    // Endless text (`yes | leaklens analyze -`): refused after 256 MB.
    let mut child = bin()
        .args(["analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = "y\n".repeat(1 << 19);
        let mut sent = 0usize;
        // Until the reader gives up (a broken pipe), or 1 GB.
        while sent < 1 << 30 && stdin.write_all(block.as_bytes()).is_ok() {
            sent += block.len();
        }
        sent
    });
    let o = child.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no memory snapshot in its first 256 MB"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(sent < 300 << 20, "read {sent} bytes before refusing");
}

#[test]
fn generate_refuses_cycle_counts_it_cannot_hold() {
    for n in ["18446744073709551615", "4294967296", "0"] {
        let o = run(&["generate", "--cycles", n]);
        assert_eq!(o.status.code(), Some(2), "{n}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is not in 1..=1000000"), "{n}: {err}");
        assert!(!err.contains("panicked"), "{n}: {err}");
    }
}

#[test]
fn unknown_generator_names_and_bad_sizes_are_usage_errors() {
    // clap's messages: the value, the flag, and what it takes.
    let o = run(&["generate", "--scenario", "sideways"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("invalid value 'sideways' for '--scenario"),
        "{err}"
    );
    assert!(err.contains("plateau_then_growth"), "lists them: {err}");
    let o = run(&["generate", "--target", "disk"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("array_buffers"), "{}", stderr(&o));
    // The core's other names still work.
    let o = run(&["generate", "--scenario", "plateau", "--target", "heap_used"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for bad in [
        &["--limit", "rss"][..],
        &["--limit", "rss=-1"],
        &["--heap-threshold", "0"],
    ] {
        let mut args = vec!["analyze", "x.json"];
        args.extend_from_slice(bad);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&o).contains("invalid value"), "{}", stderr(&o));
    }
}

/// A Prometheus range query of two processes: the busier is read, the
/// other is named, and `--worker` reads it instead (the same for a log of
/// interleaved services).
#[test]
fn a_prometheus_export_of_two_processes_reads_one_and_worker_picks_the_other() {
    let series = |instance: &str, n: usize, mb: &dyn Fn(usize) -> f64| {
        let values: Vec<String> = (0..n)
            .map(|k| format!("[{},\"{}\"]", 1_700_000_000 + 60 * k, mb(k) * 1_048_576.0))
            .collect();
        format!(
            r#"{{"metric":{{"__name__":"nodejs_heap_size_used_bytes","instance":"{instance}"}},"values":[{}]}}"#,
            values.join(",")
        )
    };
    let leaking = series("w1", 400, &|k| 200.0 + 0.5 * k as f64 + (k % 7) as f64);
    let flat = series("w2", 300, &|k| 150.0 + (k % 5) as f64);
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{leaking},{flat}]}}}}"#
    );
    let (_dir, path) = tmp("query_range.json", body.as_bytes());
    let path = path.to_str().unwrap();

    let busiest = run(&["analyze", path, "--format", "json"]);
    assert_eq!(json(&busiest)["summary"]["verdict"], "leak");
    let said = stderr(&busiest);
    assert!(
        said.contains("read \"w1\"") && said.contains("\"w2\""),
        "{said}"
    );

    let other = run(&["analyze", path, "--worker", "w2", "--format", "json"]);
    assert_eq!(json(&other)["summary"]["verdict"], "no_leak");
    assert!(stderr(&other).contains("process \"w2\""));
}
