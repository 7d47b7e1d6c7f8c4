//! The accuracy corpora that are not our generator's, checked on every
//! run of the tests: real recordings of a Node worker driving Chromium
//! (`tests/corpora/real`, made by `bench/realworker/record.mjs`) and plain
//! series with known truth (`tests/corpora/plain`, made by
//! `bench/plainseries/generate.py`). Every report must agree with itself
//! (`audit::contradictions`), and the verdicts must keep the promises
//! `docs/accuracy.md` states: these are regression floors, the full tables
//! come from `cargo run --release -p leaklens-core --example corpus`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use leaklens_core::report::{Report, Verdict};
use leaklens_core::{analyze_parsed, audit, ingest, Config};

struct Scored {
    file: String,
    truth: Verdict,
    shape: String,
    report: Report,
}

fn corpus(name: &str) -> Vec<Scored> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpora")
        .join(name);
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("labels.json")).expect("labels.json"),
    )
    .expect("labels are JSON");
    let mut out = Vec::new();
    for (file, label) in labels.as_object().expect("labels are an object") {
        let gz = std::fs::read(dir.join(file)).expect("corpus file");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut bytes)
            .expect("gzip");
        let parsed = ingest::parse(file, &bytes).expect("corpus file parses");
        let truth = match label["truth"].as_str() {
            Some("leak") => Verdict::Leak,
            _ => Verdict::NoLeak,
        };
        out.push(Scored {
            file: file.clone(),
            truth,
            shape: label["shape"]
                .as_str()
                .or(label["cause"].as_str())
                .unwrap_or("")
                .to_string(),
            report: analyze_parsed(&parsed, &Config::default()),
        });
    }
    out
}

fn no_contradictions(runs: &[Scored]) {
    let bad: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            audit::contradictions(&r.report)
                .into_iter()
                .map(move |c| format!("{}: {c}", r.file))
        })
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// (runs, of them called `verdict`) per shape, for one truth.
fn counts(runs: &[Scored], truth: Verdict, verdict: Verdict) -> BTreeMap<&str, (usize, usize)> {
    let mut out: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.truth == truth) {
        let e = out.entry(&r.shape).or_default();
        e.0 += 1;
        e.1 += usize::from(r.report.summary.verdict == verdict);
    }
    out
}

fn misses(runs: &[Scored], truth: Verdict, verdict: Verdict) -> Vec<&str> {
    runs.iter()
        .filter(|r| r.truth == truth && r.report.summary.verdict == verdict)
        .map(|r| r.file.as_str())
        .collect()
}

#[test]
fn real_recordings_keep_both_promises() {
    let runs = corpus("real");
    assert!(runs.len() >= 60, "{} runs", runs.len());
    no_contradictions(&runs);
    // No healthy worker is called a leak, no leak is called healthy.
    let false_alarms = misses(&runs, Verdict::NoLeak, Verdict::Leak);
    assert!(
        false_alarms.is_empty(),
        "healthy runs called leak: {false_alarms:?}"
    );
    let missed = misses(&runs, Verdict::Leak, Verdict::NoLeak);
    assert!(missed.is_empty(), "leaks called no_leak: {missed:?}");
}

#[test]
fn plain_series_keep_both_promises() {
    let runs = corpus("plain");
    assert!(runs.len() >= 700, "{} runs", runs.len());
    no_contradictions(&runs);
    let leaks = runs.iter().filter(|r| r.truth == Verdict::Leak).count();
    let missed = misses(&runs, Verdict::Leak, Verdict::NoLeak);
    assert!(
        missed.len() * 100 <= leaks,
        "leaks called no_leak: {} of {leaks}: {missed:?}",
        missed.len()
    );
    // Healthy shapes other than random walks: never a leak. A driftless
    // walk wanders by chance; at most 2% of them.
    for (shape, (n, leak)) in counts(&runs, Verdict::NoLeak, Verdict::Leak) {
        if shape == "random_walk" {
            assert!(leak * 50 <= n, "random walks called leak: {leak} of {n}");
        } else {
            assert_eq!(leak, 0, "{shape}: {leak} of {n} called leak");
        }
    }
}
