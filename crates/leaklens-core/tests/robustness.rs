//! No input panics ingest or analysis: empty, one snapshot, NaN, infinities,
//! negative and huge numbers, duplicate and unordered cycles, binary garbage.
#![cfg(not(target_arch = "wasm32"))]

use leaklens_core::{analyze, analyze_parsed, compare, ingest, Config, Metric, Run, SnapshotIn};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..2000.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => -1e6f64..0.0,
        1 => Just(1e300),
        1 => Just(f64::MAX),
        1 => Just(0.0),
    ]
}

fn snapshot() -> impl Strategy<Value = (u64, usize, Vec<f64>, Option<i64>)> {
    (
        prop_oneof![0u64..60, Just(u64::MAX), Just(0)],
        0usize..5,
        proptest::collection::vec(value(), 7),
        proptest::option::of(prop_oneof![
            0i64..2_000_000_000_000,
            Just(i64::MIN),
            Just(i64::MAX)
        ]),
    )
}

const LABELS: [&str; 5] = [
    "Before scrape",
    "After scrape",
    "After cleanup",
    "After page recreate",
    "",
];

fn build(snaps: &[(u64, usize, Vec<f64>, Option<i64>)]) -> Run {
    let mut run = Run::new();
    for (cycle, label, values, ts) in snaps {
        let mut s = SnapshotIn::new(*cycle, LABELS[*label]);
        s.timestamp = *ts;
        for (m, v) in Metric::ALL.iter().zip(values) {
            s.set(*m, *v);
        }
        run.push(&s, ["https://x/<b>", "about:blank"]);
    }
    run.normalize();
    run
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn analysis_never_panics(snaps in proptest::collection::vec(snapshot(), 0..150)) {
        let run = build(&snaps);
        let cfg = Config::default();
        let report = analyze(&run, &cfg);
        // The report always serialises.
        let json = report.to_json();
        prop_assert!(json.contains("\"schema_version\": 1"));
        let again = analyze(&run, &cfg);
        prop_assert_eq!(json, again.to_json(), "deterministic");
        let _ = compare(&report, &again);
    }

    #[test]
    fn tiny_intervals_and_limits_never_panic(
        snaps in proptest::collection::vec(snapshot(), 0..60),
        interval in 0usize..4,
        limit in value(),
    ) {
        let run = build(&snaps);
        let mut cfg = Config { interval, ..Config::default() };
        cfg.limits.insert(Metric::Rss, limit);
        cfg.limits.insert(Metric::Pages, limit);
        let _ = analyze(&run, &cfg).to_json();
    }

    #[test]
    fn ingest_then_analyze_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        if let Ok(parsed) = ingest::parse("fuzz", &bytes) {
            let _ = analyze_parsed(&parsed, &Config::default()).to_json();
        }
    }
}

#[test]
fn edge_runs() {
    let cfg = Config::default();
    // Empty.
    let r = analyze(&Run::new(), &cfg);
    assert_eq!(r.summary.snapshots, 0);
    // One snapshot.
    let one = build(&[(1, 0, vec![10.0; 7], None)]);
    assert_eq!(
        analyze(&one, &cfg).summary.verdict,
        leaklens_core::report::Verdict::Inconclusive
    );
    // All in one cycle, thousands of labels.
    let mut run = Run::new();
    for i in 0..5000 {
        let label = format!("L{i}");
        let mut s = SnapshotIn::new(7, &label);
        s.set(Metric::HeapUsed, i as f64);
        run.push(&s, []);
    }
    run.normalize();
    let _ = analyze(&run, &cfg).to_json();
    // Constant series.
    let flat = build(
        &(1..=100)
            .map(|c| (c, 2, vec![42.0; 7], Some(c as i64 * 1000)))
            .collect::<Vec<_>>(),
    );
    let r = analyze(&flat, &cfg);
    assert_eq!(r.summary.verdict, leaklens_core::report::Verdict::NoLeak);
}

/// Lines a damaged export may hold, in every shape.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..40, 0usize..4, 1.0f64..900.0).prop_map(|(c, l, v)| format!(
            r#"{{"cycle":{c},"label":"{}","nodejs":{{"heapUsed":{v},"heapTotal":{},"rss":{}}}}}"#,
            LABELS[l], v * 1.5, v * 3.0
        )),
        2 => (0u64..40, 1.0f64..900.0).prop_map(|(c, v)| format!(
            "📊 Memory Snapshot [Cycle {c}] - After scrape:\n   Heap: {v:.2}MB / {:.2}MB\n   RSS: {:.2}MB",
            v * 1.5, v * 3.0
        )),
        1 => Just("{\"cycle\": 3, \"label\": \"x,]}{[\\\"\", broken".to_string()),
        1 => Just("Memory Snapshot [Cycle 1] a Memory Snapshot [Cycle 2] b Memory Snapshot [Cycle 3] c".to_string()),
        1 => (0u64..40).prop_map(|c| format!(
            "🔍 MEMORY LEAK ANALYSIS (cycle {c})\n   📈 Trend: INCREASING\n      Heap Used: +3.2MB"
        )),
        1 => Just(String::new()),
        1 => "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any text, read in pieces of any size, reads as it does whole.
    #[test]
    fn pieces_read_like_the_whole(
        lines in proptest::collection::vec(line(), 0..60),
        array in any::<bool>(),
        piece in 1usize..600,
    ) {
        let text = if array { format!("[{}]", lines.join(",\n")) } else { lines.join("\n") };
        let whole = ingest::parse("x", text.as_bytes());
        let mut c = ingest::ChunkedParse::new("x", text.as_bytes(), piece);
        while !c.is_done() {
            c.step();
        }
        let parts = c.finish();
        match (whole, parts) {
            (Ok(w), Ok(p)) => {
                prop_assert_eq!(w.run.cycles(), p.run.cycles());
                prop_assert_eq!(w.run.len(), p.run.len());
                prop_assert_eq!(w.warnings.len(), p.warnings.len());
                let lines = |x: &ingest::Parsed| x.worker_verdicts.iter().map(|v| v.line).collect::<Vec<_>>();
                prop_assert_eq!(lines(&w), lines(&p));
            }
            (Err(_), Err(_)) => {}
            (w, p) => prop_assert!(false, "whole ok {} vs pieces ok {}", w.is_ok(), p.is_ok()),
        }
    }
}
