//! A worker that leaked until it restarted leaks, whatever the stretch since
//! the restart looks like.
#![cfg(not(target_arch = "wasm32"))]

use leaklens_core::generate::{generate, to_ndjson, Scenario, Spec};
use leaklens_core::report::Verdict;
use leaklens_core::{analyze_parsed, ingest, Config};

/// `first` then `second` as one worker's output, the second's timestamps
/// after the first's; its cycles continue the first's (`continued`) or start
/// from 1 again (a restart as the worker itself counts).
fn one_after_other(first: &Spec, second: &Spec, continued: bool) -> String {
    let mut a = String::new();
    to_ndjson(&generate(first), &mut a);
    let mut b = String::new();
    to_ndjson(&generate(second), &mut b);
    let value = |line: &str| serde_json::from_str::<serde_json::Value>(line).unwrap();
    let last = value(a.lines().last().unwrap());
    let (cycle0, ts0) = (
        last["cycle"].as_u64().unwrap(),
        last["timestamp"].as_i64().unwrap(),
    );
    let first_ts = value(b.lines().next().unwrap())["timestamp"]
        .as_i64()
        .unwrap();
    for line in b.lines() {
        let mut v = value(line);
        if continued {
            v["cycle"] = (v["cycle"].as_u64().unwrap() + cycle0).into();
        }
        v["timestamp"] = (v["timestamp"].as_i64().unwrap() - first_ts + ts0 + 60_000).into();
        a.push_str(&v.to_string());
        a.push('\n');
    }
    a
}

fn restarted(first: &Spec, second: &Spec) -> String {
    one_after_other(first, second, true)
}

fn leak(cycles: usize) -> Spec {
    Spec {
        scenario: Scenario::Linear,
        cycles,
        rate: 6.0,
        seed: 3,
        ..Spec::default()
    }
}

fn stable(cycles: usize, seed: u64) -> Spec {
    Spec {
        scenario: Scenario::Stable,
        cycles,
        rate: 0.0,
        seed,
        ..Spec::default()
    }
}

#[test]
fn a_leak_before_a_restart_is_a_leak() {
    let text = restarted(&leak(80), &stable(40, 4));
    let parsed = ingest::parse("restarted.ndjson", text.as_bytes()).unwrap();
    let r = analyze_parsed(&parsed, &Config::default());
    assert_eq!(r.summary.segments.len(), 2, "{:?}", r.summary.segments);
    assert_eq!(
        r.summary.analysed_segment, 1,
        "the stretch since the restart is judged"
    );
    assert_eq!(r.summary.verdict, Verdict::Leak, "{}", r.summary.reason);
    let before = r
        .issues
        .iter()
        .find(|i| i.message.starts_with("Before the restart at cycle 81"))
        .unwrap_or_else(|| panic!("{:#?}", r.issues));
    assert!(before.kind.is_growth());
    assert_eq!((before.first_cycle, before.last_cycle), (1, Some(80)));
}

#[test]
fn no_leak_on_either_side_of_a_restart_is_no_leak() {
    // A restart with a big stable heap before it and a small one after.
    let mut big = stable(60, 5);
    big.base_heap_mb = 600.0;
    let text = restarted(&big, &stable(60, 6));
    let parsed = ingest::parse("restarted.ndjson", text.as_bytes()).unwrap();
    let r = analyze_parsed(
        &parsed,
        &Config {
            heap_threshold_mb: 5000.0,
            ..Config::default()
        },
    );
    assert_eq!(r.summary.segments.len(), 2, "{:?}", r.summary.segments);
    assert_eq!(
        r.summary.verdict,
        Verdict::NoLeak,
        "{}: {:#?}\n{:?}",
        r.summary.reason,
        r.issues,
        r.summary.watch
    );
}

fn counter_restarted(first: &Spec, second: &Spec) -> String {
    one_after_other(first, second, false)
}

#[test]
fn a_cycle_counter_that_starts_again_is_a_restart_not_duplicates() {
    let text = counter_restarted(&leak(60), &stable(40, 7));
    let n_lines = text.lines().count();
    let parsed = ingest::parse("worker.ndjson", text.as_bytes()).unwrap();
    assert_eq!(
        parsed.run.len(),
        n_lines,
        "no snapshot of the second process is dropped"
    );
    assert!(
        parsed.warnings.iter().any(|w| w
            .message
            .contains("cycle counter starts again after cycle 60")),
        "{:?}",
        parsed.warnings
    );
    let cycles = parsed.run.cycles();
    assert!(cycles.windows(2).all(|w| w[0] <= w[1]), "in time order");
    assert_eq!(*cycles.last().unwrap(), 100, "numbered on: 60 + 40");
    let r = analyze_parsed(&parsed, &Config::default());
    assert_eq!(r.summary.verdict, Verdict::Leak, "{}", r.summary.reason);
    assert!(r.summary.segments.len() >= 2, "{:?}", r.summary.segments);

    // Overlapping exports pasted into one file go back in time: duplicates, no restart.
    let mut one = String::new();
    to_ndjson(&generate(&leak(30)), &mut one);
    let twice = one.clone() + &one;
    let parsed = ingest::parse("pasted.ndjson", twice.as_bytes()).unwrap();
    assert_eq!(parsed.run.len(), one.lines().count());
    assert!(!parsed
        .warnings
        .iter()
        .any(|w| w.message.contains("starts again")));
}
