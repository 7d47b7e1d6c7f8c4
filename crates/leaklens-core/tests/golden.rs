//! Every bundled sample: parsed and analysed, its JSON report compared byte
//! for byte with the golden file in `tests/golden/`. The same test runs
//! natively and compiled to wasm32 (wasm-bindgen-test), so the CLI and the
//! browser give identical reports.
//!
//! Refresh the golden files after an intended change (natively):
//! `UPDATE_GOLDEN=1 cargo test -p leaklens-core --test golden`.

use leaklens_core::report::Verdict;
use leaklens_core::{analyze_parsed, ingest, Config};

macro_rules! sample {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../static/samples/", $name)).as_slice(),
            include_str!(concat!("golden/", $name, ".json")),
        )
    };
}

const SAMPLES: &[(&str, &[u8], &str)] = &[
    sample!("inconclusive-too-short.ndjson"),
    sample!("leak-browser-contexts.json"),
    sample!("leak-external-buffers.log"),
    sample!("leak-heap-linear-fast.log"),
    sample!("leak-heap-steps.json"),
    sample!("leak-plateau-then-growth.ndjson"),
    sample!("leak-rss-native.log"),
    sample!("leak-unclosed-pages.log"),
    sample!("no-leak-stable-gc.ndjson"),
    sample!("no-leak-warmup-then-flat.ndjson"),
];

fn report_json(name: &str, bytes: &[u8]) -> String {
    let parsed = ingest::parse(name, bytes).expect("sample parses");
    let mut json = analyze_parsed(&parsed, &Config::default()).to_json();
    json.push('\n');
    json
}

fn expected_verdict(name: &str) -> Verdict {
    if name.starts_with("no-leak") {
        Verdict::NoLeak
    } else if name.starts_with("leak") {
        Verdict::Leak
    } else {
        Verdict::Inconclusive
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reports_match_golden_files() {
    let mut mismatches = Vec::new();
    for (name, bytes, golden) in SAMPLES {
        let json = report_json(name, bytes);
        #[cfg(not(target_arch = "wasm32"))]
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
            std::fs::write(path, &json).expect("write golden");
            continue;
        }
        if json != *golden {
            let line = json
                .lines()
                .zip(golden.lines())
                .position(|(a, b)| a != b)
                .map(|i| i + 1)
                .unwrap_or(0);
            mismatches.push(format!("{name}: first difference at line {line}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "reports differ from tests/golden (UPDATE_GOLDEN=1 to refresh after an intended change):\n{}",
        mismatches.join("\n")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_sample_gets_the_verdict_its_name_says() {
    for (name, bytes, _) in SAMPLES {
        let parsed = ingest::parse(name, bytes).expect("sample parses");
        let report = analyze_parsed(&parsed, &Config::default());
        assert_eq!(
            report.summary.verdict,
            expected_verdict(name),
            "{name}: {}",
            report.summary.reason
        );
    }
}

/// What `leaklens push` sends: every sample re-written as NDJSON reads back
/// as the same run and gets the same report, whatever shape it came in.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn samples_survive_an_ndjson_round_trip() {
    for (name, bytes, _) in SAMPLES {
        let parsed = ingest::parse(name, bytes).expect("sample parses");
        let mut ndjson = String::new();
        // In two slices, as a pushing worker would send them.
        let half = parsed.run.len() / 2;
        leaklens_core::generate::to_ndjson_range(&parsed.run, 0..half, &mut ndjson);
        leaklens_core::generate::to_ndjson_range(&parsed.run, half..parsed.run.len(), &mut ndjson);
        let again = ingest::parse("pushed.ndjson", ndjson.as_bytes()).expect("NDJSON parses");
        assert!(again.warnings.is_empty(), "{name}: {:?}", again.warnings);
        let run = &parsed.run;
        let back = &again.run;
        assert_eq!(run.len(), back.len(), "{name}");
        for i in 0..run.len() {
            assert_eq!(run.cycle(i), back.cycle(i), "{name} #{i}");
            assert_eq!(run.label(i), back.label(i), "{name} #{i}");
            assert_eq!(run.timestamp(i), back.timestamp(i), "{name} #{i}");
            for m in run.metrics() {
                let (a, b) = (run.value(m, i), back.value(m, i));
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "{name} #{i} {m:?}: {a} vs {b}"
                );
            }
            assert!(run.page_urls(i).eq(back.page_urls(i)), "{name} #{i}");
        }
        let a = analyze_parsed(&parsed, &Config::default());
        let b = analyze_parsed(&again, &Config::default());
        assert_eq!(a.summary.verdict, b.summary.verdict, "{name}");
        assert_eq!(a.issues.len(), b.issues.len(), "{name}");
    }
}
