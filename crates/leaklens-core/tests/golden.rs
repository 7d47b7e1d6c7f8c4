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
        assert_same_run(name, &parsed.run, &again.run);
        let a = analyze_parsed(&parsed, &Config::default());
        let b = analyze_parsed(&again, &Config::default());
        assert_eq!(a.summary.verdict, b.summary.verdict, "{name}");
        assert_eq!(a.issues.len(), b.issues.len(), "{name}");
    }
}

/// The same run, snapshot for snapshot.
fn assert_same_run(name: &str, a: &leaklens_core::Run, b: &leaklens_core::Run) {
    assert_eq!(a.len(), b.len(), "{name}: snapshot count");
    for i in 0..a.len() {
        assert_eq!(a.cycle(i), b.cycle(i), "{name} #{i}");
        assert_eq!(a.label(i), b.label(i), "{name} #{i}");
        assert_eq!(a.timestamp(i), b.timestamp(i), "{name} #{i}");
        for m in a.metrics() {
            let (x, y) = (a.value(m, i), b.value(m, i));
            assert!(
                x == y || (x.is_nan() && y.is_nan()),
                "{name} #{i} {m:?}: {x} vs {y}"
            );
        }
        assert!(a.page_urls(i).eq(b.page_urls(i)), "{name} #{i}");
    }
}

fn chunked(name: &str, bytes: &[u8], piece: usize) -> Result<ingest::Parsed, ingest::IngestError> {
    let mut c = ingest::ChunkedParse::new(name, bytes, piece);
    let mut steps = 0;
    let mut last = 0;
    while !c.is_done() {
        c.step();
        steps += 1;
        assert!(c.done_bytes() >= last, "progress only moves forward");
        last = c.done_bytes();
    }
    assert_eq!(c.done_bytes(), c.total_bytes());
    // Line-oriented and array files are really read in pieces.
    let cuttable = name.ends_with(".ndjson") || name.ends_with(".log") || name == "hostile.json";
    if cuttable
        && bytes.len() > 4 * piece
        && !name.starts_with("empty")
        && !name.starts_with("garbage")
        // Text needing repair from its first piece on is read whole.
        && !matches!(name, "coloured.log" | "cr.ndjson")
    {
        assert!(steps > 1, "{name}: {steps} step(s) for pieces of {piece}");
    }
    c.finish()
}

/// Reading in pieces (what the browser does with big files, to stay
/// responsive) gives the same run, warnings and verdict as reading at once,
/// whatever the piece size and the file shape.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reading_in_pieces_equals_reading_whole() {
    let mut inputs: Vec<(String, Vec<u8>)> = SAMPLES
        .iter()
        .map(|(n, b, _)| (n.to_string(), b.to_vec()))
        .collect();
    // Generated runs in every shape, with damage and hostile strings.
    let spec = leaklens_core::generate::Spec {
        cycles: 40,
        ..leaklens_core::generate::Spec::default()
    };
    let run = leaklens_core::generate::generate(&spec);
    let mut nd = String::new();
    leaklens_core::generate::to_ndjson(&run, &mut nd);
    let mut lines: Vec<String> = nd.lines().map(str::to_string).collect();
    lines.insert(7, "{\"cycle\": oops".into());
    lines.insert(30, "not json at all, ] } [".into());
    lines.insert(
        50,
        r#"{"cycle":17,"label":"a,b]}{\"x\"","nodejs":{"heapUsed":70,"heapTotal":90,"rss":200}}"#
            .into(),
    );
    inputs.push((
        "damaged.ndjson".into(),
        (lines.join("\n") + "\n").into_bytes(),
    ));
    let mut arr = String::new();
    leaklens_core::generate::to_json_array(&run, &mut arr);
    let arr = arr.replacen(
        "{\"cycle\":3,",
        r#"{"cycle":3,"label":"x,]},[{y\\\"z","nodejs":{"heapUsed":64,"heapTotal":96,"rss":250}},{"cycle":3,"#,
        1,
    );
    inputs.push(("hostile.json".into(), arr.into_bytes()));
    let mut lg = String::new();
    leaklens_core::generate::to_log(&run, &mut lg);
    inputs.push(("gen.log".into(), lg.clone().into_bytes()));
    // Text the reader repairs (a byte that is not UTF-8 late in the file,
    // colour codes, lone CR line ends): in pieces as whole.
    let mut repaired = lg.clone().into_bytes();
    let late = repaired.len() * 3 / 4;
    repaired.insert(late, 0xFF);
    inputs.push(("not-utf8.log".into(), repaired));
    inputs.push((
        "coloured.log".into(),
        lg.replace("RSS:", "\u{1b}[33mRSS:\u{1b}[0m").into_bytes(),
    ));
    inputs.push(("cr.ndjson".into(), nd.replace('\n', "\r").into_bytes()));
    inputs.push(("empty.ndjson".into(), b"\n\n".to_vec()));
    inputs.push(("garbage.log".into(), b"hello\nworld\n".repeat(500)));

    for (name, bytes) in &inputs {
        let whole = ingest::parse(name, bytes);
        for piece in [97, 1_000, 4_096, 65_536] {
            let label = format!("{name} in pieces of {piece}");
            let parts = chunked(name, bytes, piece);
            match (&whole, &parts) {
                (Ok(w), Ok(p)) => {
                    assert_same_run(&label, &w.run, &p.run);
                    assert_eq!(w.formats, p.formats, "{label}");
                    let vlines = |x: &ingest::Parsed| {
                        x.worker_verdicts.iter().map(|v| v.line).collect::<Vec<_>>()
                    };
                    assert_eq!(
                        vlines(w),
                        vlines(p),
                        "{label}: worker verdicts at the same lines"
                    );
                    let lines =
                        |x: &ingest::Parsed| x.warnings.iter().map(|w| w.line).collect::<Vec<_>>();
                    assert_eq!(lines(w), lines(p), "{label}: warnings at the same lines");
                    let a = analyze_parsed(w, &Config::default());
                    let b = analyze_parsed(p, &Config::default());
                    assert_eq!(a.to_json(), b.to_json(), "{label}: the same report");
                }
                (Err(w), Err(p)) => assert_eq!(w.message, p.message, "{label}"),
                (w, p) => panic!("{label}: whole {:?} vs pieces {:?}", w.is_ok(), p.is_ok()),
            }
        }
    }
}
