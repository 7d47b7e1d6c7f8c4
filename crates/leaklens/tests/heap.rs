//! `leaklens heap` on snapshots a real Node process writes
//! (tests/heap/leak.mjs): a class leaked through a module-level Map, an
//! EventEmitter listener and a closure comes first among the growers, with
//! its paths; a healthy worker has no class growing in every interval.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leaklens"))
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/heap/leak.mjs")
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The snapshots (cycles 10, 20, 30) of one run of the script by Node.
fn snapshots(dir: &Path, extra: &[&str]) -> Vec<String> {
    snapshots_by(Path::new("node"), dir, extra)
}

/// The snapshots of one run of the script by `runtime` (node, bun).
fn snapshots_by(runtime: &Path, dir: &Path, extra: &[&str]) -> Vec<String> {
    let out = Command::new(runtime)
        .arg(script())
        .arg(dir)
        .args(extra)
        .output()
        .expect("the runtime runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    files
}

fn heap(files: &[String], extra: &[&str]) -> Output {
    bin()
        .arg("heap")
        .args(files)
        .args(extra)
        .output()
        .expect("leaklens runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[test]
fn the_leaking_class_comes_first_with_its_paths_and_a_healthy_run_has_none() {
    if !node_available() {
        eprintln!(
            "SKIPPED: `node` is not on PATH; the heap snapshot tests need a real Node process"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let leaky = snapshots(&dir.path().join("leak"), &[]);
    let healthy = snapshots(&dir.path().join("ok"), &["--healthy"]);

    let out = heap(&leaky, &["--format", "json", "--fail-on", "grow"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--fail-on grow with a leak exits 1"
    );
    let r = json(&out);
    assert_eq!(r["verdict"], "grows");
    let first = &r["growers"][0];
    assert_eq!(first["name"], "LeakyThing", "{first:#}");
    let counts: Vec<u64> = first["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| c.as_u64().expect("count"))
        .collect();
    assert!(counts.windows(2).all(|w| w[1] > w[0]), "{counts:?}");
    assert_eq!(first["self_sizes"].as_array().map(Vec::len), Some(3));
    assert_eq!(first["retained_sizes"].as_array().map(Vec::len), Some(3));
    let paths = first["paths"].as_array().expect("paths");
    let via = |kind: &str, name: &str| {
        paths.iter().any(|p| {
            p["via"]
                .as_array()
                .is_some_and(|v| v.iter().any(|k| k == kind))
                && p["notes"].to_string().contains(name)
        })
    };
    assert!(via("map", "leakMap"), "the Map: {paths:#?}");
    assert!(via("event_listener", "'tick'"), "the listener: {paths:#?}");
    assert!(via("closure", "closure"), "the closure: {paths:#?}");
    // Each way holds a third of the leaked objects.
    for p in &paths[..3] {
        assert!(p["objects"].as_u64() >= Some(50), "{p:#}");
    }

    let out = heap(&healthy, &["--format", "json", "--fail-on", "grow"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = json(&out);
    assert_eq!(r["verdict"], "no_growth");
    assert_eq!(
        r["growers"].as_array().map(Vec::len),
        Some(0),
        "{:#}",
        r["growers"]
    );

    // Every format names the leak; HTML and Markdown escape the names.
    for format in ["text", "markdown", "html"] {
        let out = heap(&leaky, &["--format", format]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("LeakyThing"), "{format}");
        assert!(text.contains("leakMap"), "{format}");
    }
    let html = dir.path().join("r.html");
    let out = heap(
        &leaky,
        &[
            "--format",
            "html",
            "--output",
            html.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let page = std::fs::read_to_string(&html).expect("written");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Content-Security-Policy"));
}

#[test]
fn a_cut_off_or_foreign_file_is_an_error_with_its_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.heapsnapshot");
    std::fs::write(
        &cut,
        br#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"]]}},"nodes":[0,0,1,0,0,"#,
    )
    .expect("write");
    let out = bin().arg("heap").arg(&cut).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ends at byte") && err.contains("nodes"),
        "{err}"
    );

    let foreign = dir.path().join("run.json");
    std::fs::write(&foreign, b"[{\"heapUsed\": 1}]").expect("write");
    let out = bin().arg("heap").arg(&foreign).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at byte 0"), "{err}");
}

/// Bun writes heap snapshots in V8's format too (`v8.writeHeapSnapshot`,
/// `Bun.generateHeapSnapshot("v8")`): the same script under npm's bun
/// gives the same first grower.
#[test]
fn bun_snapshots_name_the_leaking_class_first() {
    let bun = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/bun");
    let runs = Command::new(&bun)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        eprintln!("SKIPPED: npm's bun is not installed (scripts/setup.sh installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = snapshots_by(&bun, dir.path(), &[]);
    let report = json(&heap(&files, &["--format", "json"]));
    assert_eq!(report["growers"][0]["name"], "LeakyThing", "{report:#}");
    assert_eq!(report["growers"][0]["counts"][2], 900, "{report:#}");
    // Bun's snapshot leaves out what the Map holds: those objects are
    // counted and said to be held by something unrecorded, not dropped.
    let paths = report["growers"][0]["paths"].as_array().expect("paths");
    assert!(
        paths
            .iter()
            .any(|p| p["via"][0] == "unrecorded" && p["objects"].as_u64() > Some(0)),
        "{report:#}"
    );
}
