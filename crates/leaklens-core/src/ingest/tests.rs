use proptest::prelude::*;

use super::*;
use crate::Metric;

macro_rules! sample {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../../static/samples/", $name)) as &[u8],
        )
    };
}

/// Every bundled sample: (file, shape, distinct cycles from the samples README).
const SAMPLES: [(&str, &[u8], InputFormat, usize); 10] = [
    {
        let (n, b) = sample!("leak-browser-contexts.json");
        (n, b, InputFormat::JsonArray, 60)
    },
    {
        let (n, b) = sample!("leak-external-buffers.log");
        (n, b, InputFormat::WorkerLog, 91)
    },
    {
        let (n, b) = sample!("leak-heap-linear-fast.log");
        (n, b, InputFormat::WorkerLog, 49)
    },
    {
        let (n, b) = sample!("leak-plateau-then-growth.ndjson");
        (n, b, InputFormat::Ndjson, 117)
    },
    {
        let (n, b) = sample!("leak-rss-native.log");
        (n, b, InputFormat::WorkerLog, 63)
    },
    {
        let (n, b) = sample!("no-leak-stable-gc.ndjson");
        (n, b, InputFormat::Ndjson, 120)
    },
    {
        let (n, b) = sample!("leak-heap-steps.json");
        (n, b, InputFormat::JsonObject, 115)
    },
    {
        let (n, b) = sample!("inconclusive-too-short.ndjson");
        (n, b, InputFormat::Ndjson, 1)
    },
    {
        let (n, b) = sample!("leak-unclosed-pages.log");
        (n, b, InputFormat::WorkerLog, 57)
    },
    {
        let (n, b) = sample!("no-leak-warmup-then-flat.ndjson");
        (n, b, InputFormat::Ndjson, 132)
    },
];

fn sample_bytes(name: &str) -> &'static [u8] {
    SAMPLES
        .iter()
        .find(|s| s.0 == name)
        .map(|s| s.1)
        .expect("known sample")
}

fn ok(text: &str) -> Parsed {
    parse("t", text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {:?}", e.hint))
}

fn err(bytes: &[u8]) -> IngestError {
    match parse("t", bytes) {
        Ok(p) => panic!("expected an error, got {} snapshots", p.run.len()),
        Err(e) => e,
    }
}

fn messages(p: &Parsed) -> Vec<String> {
    p.warnings.iter().map(|w| w.to_string()).collect()
}

fn heap(p: &Parsed) -> Vec<f64> {
    p.run.column(Metric::HeapUsed).to_vec()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------- samples

#[test]
fn every_sample_loads_with_the_readme_cycle_count() {
    for (name, bytes, format, cycles) in SAMPLES {
        let p = parse(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.formats, vec![format], "{name}");
        assert_eq!(p.run.cycle_ranges().len(), cycles, "{name}");
        assert!(p.warnings.is_empty(), "{name}: {:?}", messages(&p));
        assert!(p.run.has_metric(Metric::HeapUsed), "{name}");
        assert!(p.run.has_metric(Metric::Rss), "{name}");
        assert_eq!(p.run.label(0), "Before scrape", "{name}");
        // Normalized: sorted by cycle.
        assert!(p.run.cycles().windows(2).all(|w| w[0] <= w[1]), "{name}");
    }
}

#[test]
fn raw_byte_samples_are_converted_to_mb() {
    let p = parse("raw", sample_bytes("inconclusive-too-short.ndjson")).unwrap();
    assert!(p.converted_from_bytes);
    assert_eq!(p.run.len(), 3);
    // 86056632 bytes = 82.07 MB (divided by 1048576, not rounded).
    assert_eq!(p.run.value(Metric::HeapUsed, 0), 86_056_632.0 / 1_048_576.0);
    assert!(close(
        p.run.value(Metric::Rss, 0),
        276_803_092.0 / 1_048_576.0
    ));
    assert!(!p.run.has_metric(Metric::Pages));
    let p = parse("raw", sample_bytes("no-leak-warmup-then-flat.ndjson")).unwrap();
    assert!(p.converted_from_bytes);
    assert!(p
        .run
        .column(Metric::HeapUsed)
        .iter()
        .all(|v| v > 10.0 && v < 1000.0));
}

#[test]
fn sample_details_survive() {
    let p = parse("a", sample_bytes("leak-browser-contexts.json")).unwrap();
    assert!(!p.converted_from_bytes);
    assert_eq!(p.run.value(Metric::HeapUsed, 0), 55.67);
    assert_eq!(p.run.value(Metric::Contexts, 0), 1.0);
    assert_eq!(p.run.timestamp(0), Some(1_764_115_200_000));
    assert_eq!(
        p.run.page_urls(0).collect::<Vec<_>>(),
        vec!["https://shop.example/p/7"]
    );
    // Epoch-ms prefixes give the log's timestamps; plain logs have none.
    let p = parse("b", sample_bytes("leak-external-buffers.log")).unwrap();
    assert_eq!(p.run.timestamp(0), Some(1_764_115_200_000));
    assert_eq!(p.run.timestamp(1), Some(1_764_115_200_819));
    assert_eq!(p.run.value(Metric::HeapTotal, 0), 128.01);
    let p = parse("c", sample_bytes("leak-heap-linear-fast.log")).unwrap();
    assert_eq!(p.run.timestamp(0), None);
    assert_eq!(p.run.value(Metric::Pages, 0), 1.0);
}

#[test]
fn crlf_logs_read_like_lf_logs() {
    for name in [
        "leak-rss-native.log",
        "leak-unclosed-pages.log",
        "leak-external-buffers.log",
    ] {
        let lf = parse(name, sample_bytes(name)).unwrap();
        let crlf_text = String::from_utf8_lossy(sample_bytes(name)).replace('\n', "\r\n");
        let crlf = parse(name, crlf_text.as_bytes()).unwrap();
        assert_eq!(crlf.run.len(), lf.run.len(), "{name}");
        assert_eq!(heap(&crlf), heap(&lf), "{name}");
        assert_eq!(crlf.run.label(0), lf.run.label(0), "{name}");
        assert!(crlf.run.timestamps().eq(lf.run.timestamps()), "{name}");
        assert!(crlf.warnings.is_empty());
    }
}

#[test]
fn crlf_ndjson_reads_like_lf() {
    let name = "leak-plateau-then-growth.ndjson";
    let text = String::from_utf8_lossy(sample_bytes(name)).replace('\n', "\r\n");
    let p = parse(name, text.as_bytes()).unwrap();
    assert_eq!(p.run.cycle_ranges().len(), 117);
    assert!(p.warnings.is_empty());
}

// ---------------------------------------------------------------- worker log

const BLOCK: &str = "📊 Memory Snapshot [Cycle 5] - After scrape:
   Heap: 245.32MB / 512.00MB
   RSS: 512.45MB
   External: 128.23MB
   ArrayBuffers: 12.45MB
   Browser Pages: 1
   Browser Contexts: 1
";

fn prefixed(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

fn assert_block(p: &Parsed) {
    assert_eq!(p.formats, vec![InputFormat::WorkerLog]);
    assert_eq!(p.run.len(), 1, "{:?}", messages(p));
    assert_eq!(p.run.cycle(0), 5);
    assert_eq!(p.run.label(0), "After scrape");
    let v = |m| p.run.value(m, 0);
    assert_eq!(v(Metric::HeapUsed), 245.32);
    assert_eq!(v(Metric::HeapTotal), 512.0);
    assert_eq!(v(Metric::Rss), 512.45);
    assert_eq!(v(Metric::External), 128.23);
    assert_eq!(v(Metric::ArrayBuffers), 12.45);
    assert_eq!(v(Metric::Pages), 1.0);
    assert_eq!(v(Metric::Contexts), 1.0);
}

#[test]
fn log_block_verbatim() {
    let p = ok(BLOCK);
    assert_block(&p);
    assert_eq!(p.run.timestamp(0), None);
    assert!(p.warnings.is_empty());
}

#[test]
fn log_prefixes_and_header_timestamps() {
    let cases = [
        ("2025-11-26T00:00:01.123Z ", Some(1_764_115_201_123)),
        ("1764115200000 ", Some(1_764_115_200_000)),
        ("1764115200 ", Some(1_764_115_200_000)),
        ("worker-1  | ", None),
        ("worker-1  | 2025-11-26T00:00:00Z ", Some(1_764_115_200_000)),
        ("[worker] ", None),
        ("[2025-11-26 00:00:02] ", Some(1_764_115_202_000)),
        ("2025-11-26T01:00:00+01:00 ", Some(1_764_115_200_000)),
    ];
    for (prefix, ts) in cases {
        let p = ok(&prefixed(prefix, BLOCK));
        assert_block(&p);
        assert_eq!(p.run.timestamp(0), ts, "{prefix:?}");
        assert!(p.warnings.is_empty(), "{prefix:?}: {:?}", messages(&p));
    }
}

#[test]
fn log_headers_without_emoji_or_with_mojibake() {
    for header in [
        "Memory Snapshot [Cycle 5] - After scrape:",
        "üìä Memory Snapshot [Cycle 5] - After scrape:",
        "ðŸ“Š Memory Snapshot [Cycle 5] - After scrape:",
        "[profiler] 📊 Memory Snapshot [Cycle 5] - After scrape:",
    ] {
        let text = BLOCK.replacen("📊 Memory Snapshot [Cycle 5] - After scrape:", header, 1);
        assert_block(&ok(&text));
    }
}

#[test]
fn log_invalid_utf8_is_tolerated() {
    let mut bytes = b"\xfe garbage \xc3\x28 line\n".to_vec();
    bytes.extend_from_slice(b"\xf0\x9f Memory Snapshot [Cycle 5] - After scrape:\n");
    bytes.extend_from_slice(BLOCK.split_once('\n').unwrap().1.as_bytes());
    bytes.extend_from_slice(b"\x80\x81\n");
    let p = parse("t", &bytes).unwrap();
    assert_block(&p);
    // An invalid byte in a label is replaced, not fatal.
    let p = parse(
        "t",
        b"Memory Snapshot [Cycle 1] - Aft\xffer:\n   Heap: 1MB / 2MB\n",
    )
    .unwrap();
    assert_eq!(p.run.label(0), "Aft\u{FFFD}er");
}

#[test]
fn log_interleaved_lines_are_ignored() {
    let text = "[worker] starting, pid 42
RSS: 9999MB (some other tool, before any snapshot)
📊 Memory Snapshot [Cycle 1] - Before scrape:
   Heap: 10.00MB / 20.00MB
[worker] scraped https://shop.example/p/1 in 514ms
   RSS: 30.00MB
   External: 1.00MB
   ArrayBuffers: 0.50MB

[worker] scraped https://shop.example/p/2 in 300ms
   RSS: 7777MB
📊 Memory Snapshot [Cycle 1] - After scrape:
   Heap: 12.00MB / 20.00MB
   RSS: 31.00MB
";
    let p = ok(text);
    assert_eq!(p.run.len(), 2);
    assert_eq!(p.run.value(Metric::Rss, 0), 30.0);
    assert_eq!(p.run.value(Metric::Rss, 1), 31.0);
    assert!(!p.run.has_metric(Metric::Pages));
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
}

#[test]
fn log_missing_browser_lines() {
    let text = "📊 Memory Snapshot [Cycle 1] - Before scrape:
   Heap: 10.00MB / 20.00MB
   RSS: 30.00MB
   External: 1.00MB
   ArrayBuffers: 0.50MB
";
    let p = ok(text);
    assert_eq!(p.run.len(), 1);
    assert!(p.run.value(Metric::Pages, 0).is_nan());
    assert_eq!(p.run.metrics(), Metric::MEMORY[..5].to_vec());
}

#[test]
fn browser_memory_is_read_from_json_and_logs() {
    let json = "{\"cycle\":1,\"label\":\"After cleanup\",\"nodejs\":{\"heapUsed\":40,\"rss\":150},\
                \"browser\":{\"pageCount\":1,\"contextCount\":1,\"browserMemory\":812.5}}\n";
    let p = ok(json);
    assert_eq!(p.run.value(Metric::BrowserMemory, 0), 812.5);
    assert_eq!(p.run.value(Metric::Pages, 0), 1.0);
    let log = "📊 Memory Snapshot [Cycle 1] - After cleanup:
   Heap: 10.00MB / 20.00MB
   RSS: 30.00MB
   Browser Memory: 640.25MB
   Browser Pages: 2
";
    let p = ok(log);
    assert_eq!(p.run.value(Metric::BrowserMemory, 0), 640.25);
    assert_eq!(p.run.value(Metric::Pages, 0), 2.0);
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
}

#[test]
fn log_units_are_converted() {
    let text = "Memory Snapshot [Cycle 1] - x:
   Heap: 10240KB / 1GB
   RSS: 52428800B
   External: 2097152 bytes
   ArrayBuffers: 3
";
    let p = ok(text);
    let v = |m| p.run.value(m, 0);
    assert_eq!(v(Metric::HeapUsed), 10.0);
    assert_eq!(v(Metric::HeapTotal), 1024.0);
    assert_eq!(v(Metric::Rss), 50.0);
    assert_eq!(v(Metric::External), 2.0);
    assert_eq!(v(Metric::ArrayBuffers), 3.0);
    assert!(p.converted_from_bytes);
}

#[test]
fn log_header_without_heap_is_skipped_with_its_line() {
    let text = "noise
📊 Memory Snapshot [Cycle 1] - Before scrape:
   RSS: 30.00MB

📊 Memory Snapshot [Cycle 2] - Before scrape:
   Heap: 10.00MB / 20.00MB
";
    let p = ok(text);
    assert_eq!(p.run.len(), 1);
    assert_eq!(p.run.cycle(0), 2);
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].line, Some(2));
    assert!(p.warnings[0].message.contains("Heap:"), "{}", p.warnings[0]);
}

#[test]
fn log_unreadable_value_is_a_warning_and_the_snapshot_kept() {
    let text = "📊 Memory Snapshot [Cycle 1] - Before scrape:
   Heap: 10.00MB / lots
   RSS: 3O.00MB
   External: 1.00MB
";
    let p = ok(text);
    assert_eq!(p.run.len(), 1);
    assert_eq!(p.run.value(Metric::HeapUsed, 0), 10.0);
    assert!(p.run.value(Metric::HeapTotal, 0).is_nan());
    assert!(p.run.value(Metric::Rss, 0).is_nan());
    assert_eq!(p.run.value(Metric::External, 0), 1.0);
    let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![Some(2), Some(3)], "{:?}", messages(&p));
    assert!(p.warnings[1].message.contains("3O.00MB"));
}

#[test]
fn log_bad_cycle_number_is_skipped() {
    let text = "Memory Snapshot [Cycle five] - x:\n   Heap: 1MB / 2MB\n\
                Memory Snapshot [Cycle 99999999999999999999999] - x:\n   Heap: 1MB / 2MB\n\
                Memory Snapshot [Cycle 3] - x:\n   Heap: 1MB / 2MB\n";
    let p = ok(text);
    assert_eq!(p.run.cycles(), &[3]);
    assert_eq!(p.warnings.len(), 2);
    assert_eq!(p.warnings[0].line, Some(1));
    assert_eq!(p.warnings[1].line, Some(3));
}

#[test]
fn log_labels_are_kept_verbatim() {
    let text = "Memory Snapshot [Cycle 1] - After page recreate (retry: 2):\n   Heap: 1MB / 2MB\n\
                Memory Snapshot [Cycle 2]:\n   Heap: 1MB / 2MB\n";
    let p = ok(text);
    assert_eq!(p.run.label(0), "After page recreate (retry: 2)");
    assert_eq!(p.run.label(1), "snapshot");
}

const ANALYSIS: &str = "🔍 MEMORY LEAK ANALYSIS
============================================================
📈 Trend: INCREASING
   Heap Used: +45.23MB
   Heap Total: +32.10MB
   RSS: +89.45MB
   External: +34.12MB
   Browser Pages: +0

🚨 Potential Issues:
   ⚠️ Significant heap growth detected - possible JavaScript object leak
   ‚ö†Ô∏è External memory growing - possible browser process leak
   ⚠️ RSS growing significantly - overall process memory leak

";

fn check_verdict(p: &Parsed, line: usize) {
    assert_eq!(p.worker_verdicts.len(), 1);
    let v = &p.worker_verdicts[0];
    assert_eq!(v.line, line);
    assert_eq!(v.after_cycle, Some(5));
    assert_eq!(v.trend.as_deref(), Some("increasing"));
    assert_eq!(v.changes.len(), 5);
    assert_eq!(v.changes["Heap Used"], 45.23);
    assert_eq!(v.changes["RSS"], 89.45);
    assert_eq!(v.changes["Browser Pages"], 0.0);
    assert_eq!(
        v.issues,
        vec![
            "Significant heap growth detected - possible JavaScript object leak",
            "External memory growing - possible browser process leak",
            "RSS growing significantly - overall process memory leak",
        ]
    );
}

#[test]
fn analysis_blocks_are_verdicts_not_snapshots() {
    let next = BLOCK.replace("Cycle 5] - After scrape", "Cycle 6] - Before scrape");
    let text = format!("{BLOCK}\n{ANALYSIS}{next}");
    let p = ok(&text);
    assert_eq!(p.run.len(), 2);
    assert_eq!(p.run.value(Metric::Pages, 0), 1.0);
    assert_eq!(p.run.value(Metric::Pages, 1), 1.0);
    assert_eq!(p.run.value(Metric::Rss, 1), 512.45);
    check_verdict(&p, 9);
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
}

#[test]
fn analysis_right_after_a_block_and_with_prefixes() {
    // No blank line between the snapshot and the analysis: "Browser Pages: +0"
    // must still not become the snapshot's page count.
    let text = BLOCK.replace("   Browser Pages: 1\n", "") + ANALYSIS;
    let p = ok(&text);
    assert_eq!(p.run.len(), 1);
    assert!(p.run.value(Metric::Pages, 0).is_nan());
    check_verdict(&p, 7);
    // Every line prefixed, as docker compose and docker logs -t print it.
    for prefix in [
        "worker-1  | ",
        "1764115200000 ",
        "2025-11-26T00:00:00.000000000Z ",
    ] {
        let p = ok(&prefixed(prefix, &format!("{BLOCK}\n{ANALYSIS}")));
        assert_eq!(p.run.len(), 1, "{prefix}");
        check_verdict(&p, 9);
    }
}

#[test]
fn analysis_without_issues_ends_at_the_blank_line() {
    let text = format!(
        "{BLOCK}\n🔍 MEMORY LEAK ANALYSIS\n====\n📈 Trend: STABLE\n   Heap Used: -1.50MB\n\n[worker] scraped x in 5ms\n   RSS: 5MB\n"
    );
    let p = ok(&text);
    assert_eq!(p.run.len(), 1);
    let v = &p.worker_verdicts[0];
    assert_eq!(v.trend.as_deref(), Some("stable"));
    assert_eq!(v.changes["Heap Used"], -1.5);
    assert!(v.issues.is_empty());
    assert_eq!(v.changes.len(), 1);
}

// ---------------------------------------------------------------- JSON shapes

const SNAP: &str = r#"{"cycle": 5, "label": "After scrape", "timestamp": 1764115200000, "nodejs": {"heapUsed": 245.32, "heapTotal": 512.0, "rss": 512.45, "external": 128.23, "arrayBuffers": 12.45}, "browser": {"pageCount": 1, "contextCount": 1, "pageUrls": ["https://shop.example/p/1"]}}"#;

fn assert_snap(p: &Parsed) {
    assert_eq!(p.run.len(), 1, "{:?}", messages(p));
    assert_eq!(p.run.cycle(0), 5);
    assert_eq!(p.run.label(0), "After scrape");
    assert_eq!(p.run.timestamp(0), Some(1_764_115_200_000));
    assert_eq!(p.run.value(Metric::HeapUsed, 0), 245.32);
    assert_eq!(p.run.value(Metric::ArrayBuffers, 0), 12.45);
    assert_eq!(p.run.value(Metric::Contexts, 0), 1.0);
    assert_eq!(
        p.run.page_urls(0).collect::<Vec<_>>(),
        vec!["https://shop.example/p/1"]
    );
}

#[test]
fn json_shapes_of_one_snapshot() {
    let cases = [
        (format!("[{SNAP}]"), InputFormat::JsonArray),
        (format!("\u{FEFF}  \n[\n  {SNAP}\n]\n"), InputFormat::JsonArray),
        (SNAP.to_owned(), InputFormat::JsonObject),
        (format!("{SNAP}\n\n"), InputFormat::JsonObject),
        (
            format!("{{\"worker\": \"w\", \"exportedAt\": 1, \"snapshots\": [{SNAP}], \"meta\": {{\"a\": [1]}}}}"),
            InputFormat::JsonObject,
        ),
        (
            format!("{{\n  \"worker\": \"w\",\n  \"snapshots\": [\n    {SNAP}\n  ]\n}}\n"),
            InputFormat::JsonObject,
        ),
        (format!("\n\n{SNAP}\n   \n"), InputFormat::JsonObject),
    ];
    for (text, format) in cases {
        let p = ok(&text);
        assert_eq!(p.formats, vec![format], "{text}");
        assert_snap(&p);
        assert!(p.warnings.is_empty(), "{text}: {:?}", messages(&p));
    }
}

#[test]
fn ndjson_is_one_object_per_line() {
    let two = SNAP.replace("\"cycle\": 5", "\"cycle\": 6");
    let p = ok(&format!("{SNAP}\n\n{two}\n"));
    assert_eq!(p.formats, vec![InputFormat::Ndjson]);
    assert_eq!(p.run.cycles(), &[5, 6]);
    // Lines may also hold wrappers or arrays.
    let p = ok(&format!("{{\"snapshots\": [{SNAP}]}}\n[{two}]\n"));
    assert_eq!(p.run.cycles(), &[5, 6]);
}

#[test]
fn flat_snake_case_and_missing_browser() {
    let p = ok(
        r#"[{"cycle": 1, "label": "x", "heap_used": 10, "heap_total": 20, "rss": 30, "external": 4, "array_buffers": 5, "page_count": 2, "context_count": 3, "page_urls": ["u"]},
                 {"cycle": 2, "label": "x", "nodejs": {"heap_used": 11, "heap_total": 21}, "browser": {"page_count": 1, "context_count": 1}},
                 {"cycle": 3, "label": "x", "heapUsed": 12, "pages": 4, "contexts": 5},
                 {"cycle": 4, "label": "x", "nodejs": {"heapUsed": 13}}]"#,
    );
    assert_eq!(heap(&p), vec![10.0, 11.0, 12.0, 13.0]);
    assert_eq!(p.run.column(Metric::ArrayBuffers).get(0), 5.0);
    assert_eq!(p.run.column(Metric::HeapTotal).get(1), 21.0);
    assert_eq!(p.run.column(Metric::Pages).to_vec()[..3], [2.0, 1.0, 4.0]);
    assert_eq!(
        p.run.column(Metric::Contexts).to_vec()[..3],
        [3.0, 1.0, 5.0]
    );
    assert!(p.run.value(Metric::Pages, 3).is_nan());
    assert_eq!(p.run.page_urls(0).collect::<Vec<_>>(), vec!["u"]);
    assert!(!p.converted_from_bytes);
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
}

#[test]
fn page_count_defaults_to_the_number_of_urls() {
    let p = ok(r#"[{"cycle": 1, "heapUsed": 1, "browser": {"pageUrls": ["a", "b"]}}]"#);
    assert_eq!(p.run.value(Metric::Pages, 0), 2.0);
}

#[test]
fn units_in_json() {
    let p = ok(
        r#"[{"cycle": 1, "unit": "bytes", "heapUsed": 1048576, "rss": 524288},
                 {"cycle": 2, "unit": "B", "nodejs": {"heapUsed": 2097152}},
                 {"cycle": 3, "unit": "MB", "heapUsed": 3},
                 {"cycle": 4, "unit": "KB", "heapUsed": 4096},
                 {"cycle": 5, "unit": "gb", "heapUsed": 0.5},
                 {"cycle": 6, "nodejs": {"unit": "Bytes", "heapUsed": 6291456}},
                 {"cycle": 7, "heapUsed": 7340032, "rss": 100000000, "pages": 2}]"#,
    );
    assert_eq!(heap(&p), vec![1.0, 2.0, 3.0, 4.0, 512.0, 6.0, 7.0]);
    assert_eq!(p.run.value(Metric::Rss, 0), 0.5);
    // Counts are never scaled.
    assert_eq!(p.run.value(Metric::Pages, 6), 2.0);
    assert!(p.converted_from_bytes);
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
    // Small values without a unit are MB.
    let p = ok(r#"[{"cycle": 1, "heapUsed": 999999}]"#);
    assert_eq!(heap(&p), vec![999_999.0]);
    assert!(!p.converted_from_bytes);
}

#[test]
fn wrapper_unit_applies_before_or_after_the_list() {
    let before = ok(
        r#"{"unit": "KB", "snapshots": [{"cycle": 1, "heapUsed": 2048}, {"cycle": 2, "unit": "MB", "heapUsed": 3}]}"#,
    );
    let after = ok(
        r#"{"snapshots": [{"cycle": 1, "heapUsed": 2048, "browser": {"pageUrls": ["u"]}}, {"cycle": 2, "unit": "MB", "heapUsed": 3}], "unit": "KB"}"#,
    );
    for p in [before, after] {
        assert_eq!(heap(&p), vec![2.0, 3.0]);
        assert!(p.warnings.is_empty());
    }
    let after = ok(
        r#"{"snapshots": [{"cycle": 1, "heapUsed": 2048, "browser": {"pageUrls": ["u"]}}], "unit": "KB"}"#,
    );
    assert_eq!(after.run.page_urls(0).collect::<Vec<_>>(), vec!["u"]);
    assert_eq!(after.run.value(Metric::Pages, 0), 1.0);
}

#[test]
fn unknown_unit_is_one_warning() {
    let p = ok(
        r#"[{"cycle": 1, "unit": "furlongs", "heapUsed": 5}, {"cycle": 2, "unit": "furlongs", "heapUsed": 6}]"#,
    );
    assert_eq!(heap(&p), vec![5.0, 6.0]);
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].message.contains("furlongs"));
}

#[test]
fn iso_and_numeric_timestamps() {
    let p = ok(
        r#"[{"cycle": 1, "heapUsed": 1, "timestamp": "2025-11-26T00:00:00Z"},
                 {"cycle": 2, "heapUsed": 1, "timestamp": "2025-11-26T00:00:00.250+00:00"},
                 {"cycle": 3, "heapUsed": 1, "timestamp": "2025-11-26T01:00:00.5+01:00"},
                 {"cycle": 4, "heapUsed": 1, "timestamp": "2025-11-26T00:00:01"},
                 {"cycle": 5, "heapUsed": 1, "timestamp": 1764115200000.9},
                 {"cycle": 6, "heapUsed": 1, "timestamp": "1764115200000"},
                 {"cycle": 7, "heapUsed": 1},
                 {"cycle": 8, "heapUsed": 1, "timestamp": null},
                 {"cycle": 9, "heapUsed": 1, "timestamp": "last tuesday"}]"#,
    );
    let base = 1_764_115_200_000;
    assert_eq!(
        p.run.timestamps().collect::<Vec<_>>(),
        [
            Some(base),
            Some(base + 250),
            Some(base + 500),
            Some(base + 1000),
            Some(base),
            Some(base),
            None,
            None,
            None
        ]
    );
    assert_eq!(p.warnings.len(), 1, "{:?}", messages(&p));
    assert!(p.warnings[0].message.contains("last tuesday"));
    assert!(p.warnings[0].message.contains("snapshot #9"));
    assert_eq!(p.warnings[0].line, Some(9));
}

#[test]
fn cycles_as_floats_and_strings() {
    let p = ok(
        r#"[{"cycle": 1.0, "heapUsed": 1}, {"cycle": "2", "heapUsed": 1}, {"cycle": " 3 ", "heapUsed": 1}, {"cycle": 4, "heapUsed": 1}]"#,
    );
    assert_eq!(p.run.cycles(), &[1, 2, 3, 4]);
    assert!(p.warnings.is_empty());
}

#[test]
fn missing_cycles_are_numbered_with_one_warning() {
    let p = ok(
        r#"[{"heapUsed": 1, "label": "a"}, {"heapUsed": 2, "label": "a"}, {"heapUsed": 3, "label": "b"}]"#,
    );
    assert_eq!(p.run.cycles(), &[1, 2, 3]);
    assert_eq!(heap(&p), vec![1.0, 2.0, 3.0]);
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].message.contains("cycle number"));
    assert_eq!(p.run.label(0), "a");
    let p = ok(r#"{"heapUsed": 1}"#);
    assert_eq!(p.run.cycles(), &[1]);
    assert_eq!(p.run.label(0), "snapshot");
}

#[test]
fn wrong_types_are_ignored_not_fatal() {
    let p = ok(
        r#"[{"cycle": 1, "label": 7, "timestamp": true, "heapUsed": "12.5", "heapTotal": "lots", "rss": true, "external": null, "arrayBuffers": [1], "nodejs": "n/a", "browser": {"pageCount": {"x": 1}, "pageUrls": [1, "u", null]}},
                 {"cycle": -2, "heapUsed": 2, "browser": 5},
                 {"cycle": 3.5, "heapUsed": {"deep": [[[]]]}, "rss": 4},
                 {"cycle": 4, "heapUsed": 1, "nodejs": null, "browser": null, "unit": 5}]"#,
    );
    assert_eq!(p.run.len(), 4);
    assert_eq!(p.run.value(Metric::HeapUsed, 0), 12.5);
    assert!(p.run.value(Metric::HeapTotal, 0).is_nan());
    assert!(p.run.value(Metric::Rss, 0).is_nan());
    assert_eq!(p.run.label(0), "snapshot");
    assert_eq!(p.run.page_urls(0).collect::<Vec<_>>(), vec!["u"]);
    assert_eq!(p.run.value(Metric::Rss, 2), 4.0);
    // One summary warning for the wrong types, one for the invalid cycles.
    let m = messages(&p);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m.iter().any(|w| w.contains("unexpected type")), "{m:?}");
}

#[test]
fn snapshots_without_values_are_skipped_with_their_index() {
    let mut items = vec![r#"{"cycle": 1, "heapUsed": 1}"#.to_owned()];
    for i in 2..=40 {
        items.push(format!(r#"{{"cycle": {i}, "label": "x", "nodejs": {{}}}}"#));
    }
    items.push("42".to_owned());
    let p = ok(&format!("[\n{}\n]", items.join(",\n")));
    assert_eq!(p.run.len(), 1);
    assert_eq!(
        p.warnings[0].message,
        "snapshot #2 has no memory values; skipped"
    );
    assert_eq!(p.warnings[0].line, Some(3));
    assert_eq!(
        p.warnings[1].message,
        "snapshot #3 has no memory values; skipped"
    );
    // Capped: 20 listed, the rest counted.
    let m = messages(&p);
    assert_eq!(m.len(), 22, "{m:?}");
    assert!(
        m.iter().any(|w| w.contains("snapshot #41 is a number")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|w| w.contains("19 more snapshots without memory values")),
        "{m:?}"
    );
}

#[test]
fn ndjson_bad_line_is_skipped_with_its_number() {
    let lines: Vec<String> = (1..=5)
        .map(|c| format!(r#"{{"cycle": {c}, "label": "x", "nodejs": {{"heapUsed": {c}}}}}"#))
        .collect();
    let text = format!(
        "{}\n{}\n{{\"cycle\": 99, \"nodejs\": {{\"heapUsed\": 1,,}}}}\n\n{}\n{}\n{}",
        lines[0],
        lines[1],
        lines[2],
        lines[3],
        &lines[4][..20]
    );
    let p = ok(&text);
    assert_eq!(p.formats, vec![InputFormat::Ndjson]);
    assert_eq!(p.run.cycles(), &[1, 2, 3, 4]);
    assert_eq!(p.warnings.len(), 2, "{:?}", messages(&p));
    assert_eq!(p.warnings[0].line, Some(3));
    assert!(
        p.warnings[0].message.contains("invalid JSON"),
        "{}",
        p.warnings[0]
    );
    assert!(
        p.warnings[0].message.contains("column"),
        "{}",
        p.warnings[0]
    );
    assert_eq!(p.warnings[1].line, Some(7));
    assert_eq!(
        p.warnings[0].to_string(),
        format!("t:3: {}", p.warnings[0].message)
    );
}

#[test]
fn objects_joined_by_commas_read_as_ndjson() {
    let two = SNAP.replace("\"cycle\": 5", "\"cycle\": 6");
    let p = ok(&format!("{SNAP},\r\n{two},\n"));
    assert_eq!(p.formats, vec![InputFormat::Ndjson]);
    assert_eq!(p.run.cycles(), &[5, 6]);
    assert!(p.warnings.is_empty(), "{:?}", messages(&p));
}

#[test]
fn ndjson_with_a_bad_first_line() {
    let text = "{\"cycle\": 1, oops}\n{\"cycle\": 2, \"heapUsed\": 5}\n";
    let p = ok(text);
    assert_eq!(p.run.cycles(), &[2]);
    assert_eq!(p.warnings[0].line, Some(1));
}

#[test]
fn truncated_array_keeps_what_was_read() {
    let bytes = sample_bytes("leak-browser-contexts.json");
    let cut = &bytes[..bytes.len() / 2];
    let p = parse("cut.json", cut).unwrap();
    let full = parse("full.json", bytes).unwrap();
    assert!(p.run.len() > 50 && p.run.len() < full.run.len());
    assert_eq!(heap(&p)[..], heap(&full)[..p.run.len()]);
    assert_eq!(p.warnings.len(), 1);
    let w = &p.warnings[0];
    assert!(w.line.is_some());
    assert!(
        w.message.starts_with("the file ends inside snapshot #"),
        "{w}"
    );
    assert!(
        w.message.contains("the snapshots before it are kept"),
        "{w}"
    );
    // Garbage between two snapshots of a wrapper: all three kept, and the
    // warning says where.
    let (s6, s7) = (
        SNAP.replace("\"cycle\": 5", "\"cycle\": 6"),
        SNAP.replace("\"cycle\": 5", "\"cycle\": 7"),
    );
    let text = format!("{{\"snapshots\": [{SNAP},\n{s6} x {s7}]}}");
    let p = ok(&text);
    assert_eq!(p.run.cycles(), &[5, 6, 7]);
    assert_eq!(p.warnings[0].line, Some(2));
    assert!(
        p.warnings[0]
            .message
            .starts_with("no comma after snapshot #2"),
        "{}",
        p.warnings[0]
    );
}

#[test]
fn invalid_json_with_nothing_read_is_an_error_with_its_line() {
    let e = err(b"[\n  {\"cycle\": 1,\n   \"heapUsed\": 5,,\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("invalid JSON at line 3"), "{e}");
    assert!(e.to_string().starts_with("t:3: "), "{e}");
    let e = err(b"{\n \"snapshots\": [");
    assert!(e.message.contains("invalid JSON"), "{e}");
    assert!(e.hint.as_deref().unwrap_or("").contains("NDJSON"));
}

#[test]
fn duplicates_in_one_file_are_dropped_with_a_warning() {
    let p = ok(
        r#"[{"cycle": 2, "label": "a", "heapUsed": 1}, {"cycle": 1, "label": "a", "heapUsed": 2},
                 {"cycle": 2, "label": "a", "heapUsed": 3}, {"cycle": 2, "label": "b", "heapUsed": 4}]"#,
    );
    assert_eq!(p.run.cycles(), &[1, 2, 2]);
    assert_eq!(heap(&p), vec![2.0, 1.0, 4.0]);
    // The one dropped had another value: the warning says so.
    assert_eq!(
        messages(&p),
        vec![
            "t: 1 duplicate snapshot (same cycle and label) dropped; 1 of them disagreed \
              with the snapshot kept (first: cycle 2 \"a\": heap_used 1 kept, 3 dropped): \
              two processes writing one file, or a counter that restarted?"
        ]
    );
    // An exact repeat (an export written twice) is only counted.
    let p = ok(
        r#"[{"cycle": 1, "label": "a", "heapUsed": 2}, {"cycle": 1, "label": "a", "heapUsed": 2}]"#,
    );
    assert_eq!(
        messages(&p),
        vec!["t: 1 duplicate snapshot (same cycle and label) dropped"]
    );
}

#[test]
fn two_copies_of_a_file_name_both_in_the_merge_warning() {
    let text = sample_bytes("leak-heap-steps.json");
    let p = parse_many(&[("a.json", text), ("b.json", text)]).unwrap();
    assert_eq!(
        messages(&p),
        vec!["a.json, b.json: 356 duplicate snapshots (same cycle and label) dropped"]
    );
    let merged = merge_parsed(vec![
        parse("a.json", text).unwrap(),
        parse("b.json", text).unwrap(),
    ]);
    assert_eq!(
        messages(&merged),
        vec!["a.json, b.json: 356 duplicate snapshots (same cycle and label) dropped while merging the files"]
    );
}

#[test]
fn normalized_runs_are_recognised() {
    let run = |rows: &[(u64, &str)]| {
        let mut r = crate::Run::new();
        for &(c, l) in rows {
            let mut s = crate::SnapshotIn::new(c, l);
            s.set(Metric::Rss, 1.0);
            r.push(&s, []);
        }
        r
    };
    assert!(is_normalized(&run(&[])));
    assert!(is_normalized(&run(&[(1, "a"), (1, "b"), (2, "a")])));
    assert!(!is_normalized(&run(&[(2, "a"), (1, "a")])));
    assert!(!is_normalized(&run(&[(1, "a"), (1, "b"), (1, "a")])));
    // One cycle with many labels: hashed, not scanned.
    let labels: Vec<String> = (0..100).map(|i| format!("l{i}")).collect();
    let mut rows: Vec<(u64, &str)> = labels.iter().map(|l| (7, l.as_str())).collect();
    assert!(is_normalized(&run(&rows)));
    rows.push((7, "l3"));
    assert!(!is_normalized(&run(&rows)));
    rows.pop();
    rows.push((8, "l3"));
    assert!(is_normalized(&run(&rows)));
}

#[test]
fn merge_of_overlapping_exports() {
    let export = |cycles: std::ops::RangeInclusive<u64>| -> String {
        cycles
            .flat_map(|c| {
                ["Before scrape", "After scrape"].map(|l| {
                    format!(r#"{{"cycle": {c}, "label": "{l}", "nodejs": {{"heapUsed": {c}.5}}}}"#)
                })
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first = export(1..=10);
    let second = export(6..=15);
    let p = parse_many(&[
        ("b.ndjson", second.as_bytes()),
        ("a.ndjson", first.as_bytes()),
    ])
    .unwrap();
    assert_eq!(p.formats, vec![InputFormat::Ndjson, InputFormat::Ndjson]);
    assert_eq!(p.run.len(), 30);
    assert_eq!(p.run.cycle_ranges().len(), 15);
    assert!(p.run.cycles().windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        messages(&p),
        vec!["b.ndjson, a.ndjson: 10 duplicate snapshots (same cycle and label) dropped"]
    );
    // Different shapes of one run merge too.
    let log = parse("l", BLOCK.as_bytes()).unwrap();
    let p = parse_many(&[("l", BLOCK.as_bytes()), ("j", SNAP.as_bytes())]).unwrap();
    assert_eq!(p.run.len(), log.run.len());
    assert_eq!(p.warnings.len(), 1);
    // One bad file fails the call with its own error.
    let e = parse_many(&[("good", SNAP.as_bytes()), ("bad", b"")]).unwrap_err();
    assert_eq!(e.source_name, "bad");
    assert!(parse_many(&[]).is_err());
}

// ---------------------------------------------------------------- errors

#[test]
fn empty_and_blank_files() {
    let e = err(b"");
    assert_eq!(e.message, "file is empty");
    assert_eq!(e.to_string(), "t: file is empty");
    let e = err(b" \n\r\n\t");
    assert!(e.message.starts_with("file is empty"));
    let e = err(b"\xEF\xBB\xBF");
    assert!(e.message.starts_with("file is empty"));
}

#[test]
fn files_without_snapshots_say_what_was_expected() {
    for bytes in [
        &b"just some text\nno snapshot here\n"[..],
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0",
        b"\x00\x01\x02\x03\xff\xfe\xfd",
        b"[]",
        b"{}",
        b"[1, 2, 3]",
        b"{\"worker\": \"w\", \"snapshots\": []}",
        b"{\"a\": 1}\n{\"b\": 2}\n",
        b"[worker] starting\n[worker] done\n",
    ] {
        let e = err(bytes);
        assert!(
            e.message
                .starts_with("no memory snapshot found: expected a JSON array"),
            "{e}"
        );
        assert!(e.message.contains("Memory Snapshot [Cycle N]"), "{e}");
        assert!(e.hint.is_some(), "{e}");
    }
    let e = err(b"[worker] starting\n");
    assert!(e.hint.unwrap().contains("ENABLE_MEMORY_PROFILING"));
    let e = err(b"\x7fELF\x02\x01\x01\0\0\0");
    assert!(e.hint.unwrap().contains("binary"));
    let e = err(b"[{\"cycle\": 1, \"label\": \"x\"}]");
    assert!(e.hint.unwrap().contains("none with a memory value"));
}

// ---------------------------------------------------------------- odd inputs

#[test]
fn json_config_line_on_top_of_a_log() {
    let text = format!("{{\"config\": {{\"cycles\": 100}}}}\n[worker] starting\n{BLOCK}");
    let p = ok(&text);
    assert_eq!(p.formats, vec![InputFormat::WorkerLog]);
    assert_block(&p);
}

#[test]
fn utf16_exports_are_decoded() {
    let text = format!("[{SNAP}]");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_snap(&parse("t", &bytes).unwrap());
    // Without a byte order mark, from ASCII text with NUL high bytes.
    let plain = BLOCK.replace("📊 ", "");
    let bytes: Vec<u8> = plain.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_block(&parse("t", &bytes).unwrap());
}

#[test]
fn escaped_strings_are_read() {
    let p = ok(
        r#"[{"cycle": 1, "lab\u0065l": "After \"scrape\" \u00e9", "heap\u0055sed": 5, "browser": {"pageUrls": ["https://x/\u00e9"]}}]"#,
    );
    assert_eq!(p.run.label(0), "After \"scrape\" é");
    assert_eq!(heap(&p), vec![5.0]);
    assert_eq!(p.run.page_urls(0).collect::<Vec<_>>(), vec!["https://x/é"]);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let (open, shut) = ("[".repeat(100_000), "]".repeat(100_000));
    // Ignored values are skipped without recursion.
    let p = ok(&format!(
        "[{{\"cycle\": 1, \"heapUsed\": 5, \"x\": {open}{shut}}}]"
    ));
    assert_eq!(heap(&p), vec![5.0]);
    let p = ok(&format!(
        "[{{\"cycle\": 1, \"heapUsed\": 5, \"rss\": {open}{shut}}}]"
    ));
    assert_eq!(heap(&p), vec![5.0]);
    let objects = "{\"a\":".repeat(100_000);
    let e = err(format!("{{\"snapshots\": [{objects}").as_bytes());
    assert!(e.message.contains("invalid JSON"), "{e}");
    let e = err(format!("{open}{{}}{shut}").as_bytes());
    assert!(e.message.starts_with("no memory snapshot found"), "{e}");
}

#[test]
fn the_reader_streams_every_shape_that_can_be_cut() {
    let line = r#"{"cycle": 1, "label": "x", "nodejs": {"heapUsed": 1}}"#;
    let text: String = (0..60_000)
        .map(|i| line.replace("\"cycle\": 1", &format!("\"cycle\": {i}")) + "\n")
        .collect();
    let array = format!("[{}]", text.trim_end().replace('\n', ",\n"));
    let log: String = (0..40_000)
        .map(|i| BLOCK.replace("Cycle 5", &format!("Cycle {i}")))
        .collect();
    // Pieces are gathered a batch at a time (up to 8 with the `parallel`
    // feature): the reader holds at most a batch and the part that
    // completes it, far from the whole file.
    let piece = 32 << 10;
    for bytes in [text.as_bytes(), array.as_bytes(), log.as_bytes()] {
        let mut r = Reader::new("t", Keep::Nothing, piece);
        let mut held = 0;
        for part in bytes.chunks(16 << 10) {
            r.push(part);
            held = held.max(r.bytes_held());
        }
        assert_eq!(r.bytes_read(), bytes.len() as u64);
        assert!(held <= 10 * piece, "held {held} of {} bytes", bytes.len());
        let Finished::Done(streamed) = r.finish() else {
            panic!("read in pieces to the end")
        };
        let streamed = streamed.unwrap();
        let whole = parse("t", bytes).unwrap();
        assert!(streamed.run.len() >= 40_000);
        assert_eq!(streamed.run.cycles(), whole.run.cycles());
        assert_eq!(streamed.warnings, whole.warnings);
    }
}

#[test]
fn a_forwarder_takes_each_complete_record_once() {
    let line = |c: u64| {
        format!("{{\"cycle\": {c}, \"label\": \"x\", \"nodejs\": {{\"heapUsed\": {c}}}}}\n")
    };
    // Cycle numbers that go back (a restart) stay as written.
    let ndjson: String = (1..=300).chain(1..=50).map(line).collect();
    let log: String = (1..=300)
        .chain(1..=50)
        .map(|i| BLOCK.replace("Cycle 5", &format!("Cycle {i}")))
        .collect();
    let as_written = ReadOptions {
        as_written: true,
        worker: None,
    };
    for text in [&ndjson, &log] {
        let whole = parse_with("t", text.as_bytes(), &as_written).unwrap();
        assert_eq!(whole.run.len(), 350);
        for (push, piece) in [(37, 100), (1000, usize::MAX), (7, 64)] {
            let mut r = Reader::with_options("t", Keep::Nothing, piece, as_written.clone());
            let mut cycles = Vec::new();
            for (i, part) in text.as_bytes().chunks(push).enumerate() {
                r.push(part);
                // Now and then the file is quiet (after a whole line): its
                // end is taken too.
                let taken = if i % 5 == 4 && text == &ndjson && part.ends_with(b"\n") {
                    r.take_rest()
                } else {
                    r.take()
                };
                cycles.extend_from_slice(taken.run.cycles());
            }
            let Finished::Done(last) = r.finish() else {
                panic!("a forwarder never reads whole")
            };
            cycles.extend_from_slice(last.unwrap().run.cycles());
            assert_eq!(cycles, whole.run.cycles(), "push {push}, piece {piece}");
        }
    }
}

// ---------------------------------------------------------------- never panics

const FRAGMENTS: &[&str] = &[
    "📊 Memory Snapshot [Cycle ",
    "üìä Memory Snapshot [Cycle ",
    "Memory Snapshot [Cycle 3] - After scrape:",
    "] - ",
    "   Heap: ",
    "245.32MB / 512.00MB",
    "   RSS: ",
    "   External: ",
    "   ArrayBuffers: ",
    "   Browser Pages: ",
    "   Browser Contexts: ",
    "🔍 MEMORY LEAK ANALYSIS",
    "=====",
    "📈 Trend: INCREASING",
    "   Heap Used: +45.23MB",
    "🚨 Potential Issues:",
    "   ⚠️ Significant heap growth",
    "worker-1  | ",
    "1764115200000 ",
    "2026-11-20T10:00:01.123Z ",
    "[worker] scraped https://x in 5ms",
    "18446744073709551616",
    "-1e309",
    "KB",
    "GB",
    "B",
    ":",
    "/",
    "\r",
    "\u{FFFD}",
    "{",
    "[",
    "\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = parse("x", &bytes);
    }

    #[test]
    fn never_panics_on_log_like_text(
        lines in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..6),
            0..40,
        )
    ) {
        let text: String = lines.iter().map(|l| l.concat() + "\n").collect();
        if let Ok(p) = parse("x", text.as_bytes()) {
            prop_assert!(!p.run.is_empty());
            prop_assert!(p.run.cycles().windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn never_panics_on_json_like_text(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "[", "]", "{", "}", ",", ":", "\n", "null", "true", "1e400", "-0", "1.5", "\"cycle\"",
                "\"label\"", "\"heapUsed\"", "\"rss\"", "\"nodejs\"", "\"browser\"", "\"pageUrls\"",
                "\"snapshots\"", "\"unit\"", "\"bytes\"", "\"timestamp\"", "\"2026-13-01\"", "3000000",
            ][..]),
            0..80,
        )
    ) {
        let text = parts.concat();
        let _ = parse("x", text.as_bytes());
        let _ = parse_many(&[("a", text.as_bytes()), ("b", text.as_bytes())]);
    }
}

// ---------------------------------------------------------------- fast path = serde

/// One snapshot object built from choice bytes: every field in several
/// spellings, types and encodings, some that the fast path handles and some
/// that it must hand to serde.
fn snapshot_text(c: &[u8]) -> String {
    let pick = |i: usize, options: &[&str]| -> String {
        let k = c.get(i).copied().unwrap_or(0) as usize;
        options
            .get(k % options.len())
            .copied()
            .unwrap_or("")
            .to_owned()
    };
    let number = |i: usize| {
        pick(
            i,
            &[
                "245.32",
                "12",
                "0",
                "0.5",
                "-3.25",
                "1e3",
                "52428800",
                "null",
                "\"7.5\"",
                "\"x\"",
                "true",
                "[1]",
                "{\"a\":1}",
                "123456789012345678901",
                "1.2345678901234567891",
                "-0",
                "4.0E-2",
                "18446744073709551615",
            ],
        )
    };
    let mut fields = vec![
        pick(
            0,
            &[
                "\"cycle\": 3",
                "\"cycle\": 3.0",
                "\"cycle\": \"4\"",
                "\"cycle\": -1",
                "\"cycle\": null",
                "",
                "\"cycle\": 1.5",
            ],
        ),
        pick(
            1,
            &[
                "\"label\": \"After scrape\"",
                "\"label\": \"caf\u{e9} \\\"q\\\"\"",
                "\"label\": 5",
                "",
                "\"label\": \"\\u0041\"",
            ],
        ),
        pick(
            2,
            &[
                "\"timestamp\": 1764115200000",
                "\"timestamp\": \"2025-11-26T00:00:00Z\"",
                "\"timestamp\": \"soon\"",
                "\"timestamp\": 1.5e12",
                "",
                "\"timestamp\": -5",
                "\"timestamp\": {}",
            ],
        ),
        pick(
            3,
            &[
                "",
                "\"unit\": \"bytes\"",
                "\"unit\": \"KB\"",
                "\"unit\": \"MB\"",
                "\"unit\": \"parsec\"",
                "\"unit\": 3",
            ],
        ),
    ];
    let keys = [
        ["heapUsed", "heap_used"],
        ["heapTotal", "heap_total"],
        ["rss", "rss"],
        ["external", "external"],
        ["arrayBuffers", "array_buffers"],
    ];
    let mut memory = Vec::new();
    for (k, names) in keys.iter().enumerate() {
        let choice = c.get(4 + k).copied().unwrap_or(0);
        if choice % 5 != 0 {
            memory.push(format!(
                "\"{}\": {}",
                names[(choice as usize / 5) % 2],
                number(10 + k)
            ));
        }
    }
    let memory = memory.join(", ");
    fields.push(match c.get(15).copied().unwrap_or(0) % 4 {
        0 => format!("\"nodejs\": {{{memory}}}"),
        1 => memory,
        2 => format!("\"memory\": {{{memory}}}, \"nodejs\": null"),
        _ => format!("\"nodejs\": {{\"extra\": [1, {{\"x\": \"y\"}}], {memory}}}"),
    });
    fields.push(pick(16, &[
        "\"browser\": {\"pageCount\": 1, \"contextCount\": 2, \"pageUrls\": [\"https://a/1\", \"https://b/\u{e9}\"]}",
        "\"browser\": {\"page_count\": 3, \"page_urls\": [\"u\\/1\"]}",
        "\"browser\": {\"pageUrls\": [\"a\", 1, null]}",
        "\"browser\": null",
        "\"browser\": 7",
        "\"pages\": 2, \"contexts\": 1",
        "",
        "\"browser\": {\"pageUrls\": []}",
    ]));
    fields.push(pick(
        17,
        &[
            "",
            "\"pid\": 42",
            "\"meta\": {\"a\": [true, false, null, \"s\\n\"]}",
            "\"snapshots\": []",
            "\"heapUsed\": 9",
        ],
    ));
    let order = c.get(18).copied().unwrap_or(0) as usize;
    let n = fields.len();
    fields.rotate_left(order % n);
    let sep = pick(19, &[", ", ",", " , ", ",\n  "]);
    let body: Vec<String> = fields.into_iter().filter(|f| !f.is_empty()).collect();
    format!("{{{}}}", body.join(&sep))
}

fn summary(i: &Ingested) -> String {
    let r = &i.run;
    let mut out = String::new();
    for k in 0..r.len() {
        // serde_json's default float parser can be one ulp off on long
        // numbers where std's (used by the fast path) rounds correctly.
        let values: Vec<String> = Metric::ALL
            .iter()
            .map(|&m| format!("{:.14e}", r.value(m, k)))
            .collect();
        out.push_str(&format!(
            "{} {:?} {:?} {:?} {:?}\n",
            r.cycle(k),
            r.label(k),
            r.timestamp(k),
            values,
            r.page_urls(k).collect::<Vec<_>>()
        ));
    }
    for w in &i.diag.list {
        // Non-object elements have a line only on the fast path.
        let line = if w.message.contains("not an object") {
            None
        } else {
            w.line
        };
        out.push_str(&format!("{line:?} {}\n", w.message));
    }
    out.push_str(&format!(
        "{:?} {} {:?}",
        i.fatal, i.converted_from_bytes, i.diag.counts
    ));
    out
}

fn same_as_serde(text: &str) -> Result<(), TestCaseError> {
    let bytes = text.as_bytes();
    let array = match detect::detect(bytes) {
        detect::Shape::JsonArray => true,
        detect::Shape::JsonObject => false,
        _ => return Ok(()),
    };
    let fast = if array {
        json::read_array("t", bytes)
    } else {
        json::read_object_or_ndjson("t", bytes)
    };
    let slow = json::read_with_serde_only("t", bytes, array);
    let broken = slow.fatal.is_some()
        || slow
            .diag
            .list
            .iter()
            .any(|w| w.message.starts_with("invalid JSON"));
    if broken {
        // Serde stops at a syntax error; the fast path reads on after it
        // (keeping what serde keeps) and says where it was.
        let (fast, slow) = (summary(&fast), summary(&slow));
        let data = |s: &str| -> Vec<String> {
            s.lines()
                .take_while(|l| !l.starts_with("Some(") && !l.starts_with("None "))
                .map(str::to_owned)
                .collect()
        };
        let (f, sl) = (data(&fast), data(&slow));
        prop_assert!(
            f.len() >= sl.len(),
            "{}\nfast {:?}\nserde {:?}",
            text,
            f,
            sl
        );
        prop_assert_eq!(&f[..sl.len()], &sl[..], "{}", text);
    } else {
        prop_assert_eq!(summary(&fast), summary(&slow), "{}", text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fast_path_reads_like_serde(
        snaps in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 20), 1..8),
        shape in 0u8..4,
        cut in any::<u16>(),
    ) {
        let objects: Vec<String> = snaps.iter().map(|c| snapshot_text(c)).collect();
        let text = match shape {
            0 => format!("[{}]", objects.join(",\n")),
            1 => objects.join("\n"),
            2 => format!("{{\"worker\": \"w\", \"snapshots\": [{}], \"n\": 1}}", objects.join(", ")),
            _ => format!("{{\"unit\": \"KB\", \"snapshots\": [\n{}\n]}}", objects.join(",\n")),
        };
        same_as_serde(&text)?;
        // The same text cut short: a truncated export.
        let mut at = cut as usize % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        same_as_serde(&text[..at])?;
    }
}

// ---------------------------------------------------------------- throughput

/// `cargo test --release -p leaklens-core -- --ignored --nocapture throughput`
#[test]
#[ignore = "measures speed; run in release mode"]
fn throughput() {
    let labels = [
        "Before scrape",
        "After scrape",
        "After cleanup",
        "After page recreate",
    ];
    let mut ndjson = String::new();
    let mut i = 0u64;
    while ndjson.len() < 50 << 20 {
        let (c, l) = (i / 4 + 1, labels[(i % 4) as usize]);
        let f = |base: f64| base + ((i * 7919) % 1000) as f64 / 100.0;
        ndjson.push_str(&format!(
            r#"{{"cycle": {c}, "label": "{l}", "timestamp": {}, "nodejs": {{"heapUsed": {:.2}, "heapTotal": {:.2}, "rss": {:.2}, "external": {:.2}, "arrayBuffers": {:.2}}}, "browser": {{"pageCount": 1, "contextCount": 1, "pageUrls": ["https://shop.example/p/{}"]}}}}"#,
            1_764_115_200_000 + i * 250,
            f(40.0),
            f(100.0),
            f(200.0),
            f(5.0),
            f(1.0),
            c % 1000
        ));
        ndjson.push('\n');
        i += 1;
    }
    let array = format!("[{}]", ndjson.trim_end().replace('\n', ",\n"));
    let log: String = {
        let p = parse("n", ndjson.as_bytes()).unwrap();
        (0..p.run.len())
            .map(|k| {
                let v = |m| p.run.value(m, k);
                format!(
                    "{} 📊 Memory Snapshot [Cycle {}] - {}:\n   Heap: {:.2}MB / {:.2}MB\n   RSS: {:.2}MB\n   External: {:.2}MB\n   ArrayBuffers: {:.2}MB\n   Browser Pages: 1\n   Browser Contexts: 1\n\n",
                    p.run.timestamp(k).unwrap_or(0),
                    p.run.cycle(k),
                    p.run.label(k),
                    v(Metric::HeapUsed),
                    v(Metric::HeapTotal),
                    v(Metric::Rss),
                    v(Metric::External),
                    v(Metric::ArrayBuffers)
                )
            })
            .collect()
    };
    for (name, bytes) in [
        ("ndjson", ndjson.as_bytes()),
        ("json array", array.as_bytes()),
        ("worker log", log.as_bytes()),
    ] {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let p = parse(name, bytes).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            n = p.run.len();
            assert!(p.warnings.is_empty());
        }
        println!(
            "{name}: {:.1} MB, {n} snapshots, {:.0} ms, {:.0} MB/s",
            bytes.len() as f64 / 1e6,
            best * 1e3,
            bytes.len() as f64 / 1e6 / best
        );
    }
    // The share no parser can avoid: storing the snapshots (Run::push interns
    // each label and URL).
    let p = parse("n", ndjson.as_bytes()).unwrap();
    let urls: Vec<Vec<&str>> = (0..p.run.len())
        .map(|k| p.run.page_urls(k).collect())
        .collect();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let mut run = crate::Run::with_capacity(p.run.len());
        for (k, urls) in urls.iter().enumerate() {
            let mut s = crate::SnapshotIn::new(p.run.cycle(k), p.run.label(k));
            s.timestamp = p.run.timestamp(k);
            for m in Metric::ALL {
                s.set(m, p.run.value(m, k));
            }
            run.push(&s, urls.iter().copied());
        }
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(run.len(), p.run.len());
    }
    println!("of which Run::push alone: {:.0} ms", best * 1e3);
}

#[test]
fn pieces_always_move_forward_on_lines_with_several_headers() {
    let text = b"Memory Snapshot [Cycle 1] a Memory Snapshot [Cycle 2] b Memory Snapshot [Cycle 3] c\n\
                 \xF0\x9F\x93\x8A Memory Snapshot [Cycle 4] - After scrape:\n   Heap: 10.00MB / 20.00MB\n";
    for piece in 1..text.len() {
        let mut c = super::ChunkedParse::new("x", text, piece);
        let mut steps = 0;
        while !c.is_done() {
            c.step();
            steps += 1;
            assert!(steps <= text.len(), "piece {piece}: no progress");
        }
        let whole = super::parse("x", text).map(|p| p.run.len());
        assert_eq!(
            c.finish().map(|p| p.run.len()).ok(),
            whole.ok(),
            "piece {piece}"
        );
    }
}

// ------------------------------------------------ damaged text, repaired

#[test]
fn lone_cr_line_ends_read_like_lf() {
    for name in ["leak-rss-native.log", "leak-plateau-then-growth.ndjson"] {
        let lf = parse(name, sample_bytes(name)).unwrap();
        let cr_text = String::from_utf8_lossy(sample_bytes(name)).replace('\n', "\r");
        let cr = parse(name, cr_text.as_bytes()).unwrap();
        assert_eq!(cr.run.len(), lf.run.len(), "{name}");
        assert_eq!(heap(&cr), heap(&lf), "{name}");
        assert!(
            messages(&cr).iter().any(|m| m.contains("lone CR")),
            "{:?}",
            messages(&cr)
        );
    }
}

#[test]
fn a_byte_that_is_not_utf8_loses_no_snapshot() {
    for name in ["leak-browser-contexts.json", "no-leak-stable-gc.ndjson"] {
        let good = parse(name, sample_bytes(name)).unwrap();
        // A stray byte inside the first label.
        let mut bytes = sample_bytes(name).to_vec();
        let at = memchr::memmem::find(&bytes, b"Before scrape").expect("a label") + 3;
        bytes.insert(at, 0xFF);
        let bad = parse(name, &bytes).unwrap();
        assert_eq!(bad.run.len(), good.run.len(), "{name}");
        assert!(bad
            .run
            .label_names()
            .names()
            .any(|l| l.contains('\u{FFFD}')));
        assert!(messages(&bad).iter().any(|m| m.contains("not valid UTF-8")));
    }
}

#[test]
fn colour_codes_in_a_log_are_removed() {
    let name = "leak-rss-native.log";
    let good = parse(name, sample_bytes(name)).unwrap();
    let text = String::from_utf8_lossy(sample_bytes(name))
        .replace("RSS:", "\u{1b}[33mRSS:\u{1b}[0m")
        .replace("MB", "\u{1b}[1mMB\u{1b}[22m");
    let coloured = parse(name, text.as_bytes()).unwrap();
    assert_eq!(coloured.run.len(), good.run.len());
    for m in Metric::ALL {
        assert_eq!(
            coloured
                .run
                .column(m)
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            good.run
                .column(m)
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            "{m:?}"
        );
    }
    assert!(messages(&coloured).iter().any(|m| m.contains("ANSI")));
}

#[test]
fn a_junk_first_line_does_not_hide_ndjson() {
    let name = "no-leak-stable-gc.ndjson";
    let good = parse(name, sample_bytes(name)).unwrap();
    let text = format!(
        "worker started, profiling on\n{}",
        String::from_utf8_lossy(sample_bytes(name))
    );
    let p = parse(name, text.as_bytes()).unwrap();
    assert_eq!(p.run.len(), good.run.len());
    assert_eq!(p.warnings.len(), 1, "{:?}", messages(&p));
    assert_eq!(p.warnings[0].line, Some(1));
}

#[test]
fn negative_memory_is_refused_with_a_warning() {
    let p = ok(concat!(
        "{\"cycle\": 1, \"label\": \"a\", \"heapUsed\": 50, \"rss\": 200}\n",
        "{\"cycle\": 2, \"label\": \"a\", \"heapUsed\": -1, \"rss\": 201}\n",
    ));
    assert!(heap(&p)[1].is_nan());
    assert!(messages(&p).iter().any(|m| m.contains("negative")));
    let log = ok("📊 Memory Snapshot [Cycle 1] - Before scrape:\n   Heap: -5.00MB / 80.00MB\n   RSS: 200.00MB\n");
    assert!(heap(&log)[0].is_nan());
    assert_eq!(log.run.value(Metric::Rss, 0), 200.0);
}

#[test]
fn thousands_separators_in_a_log() {
    let p = ok("📊 Memory Snapshot [Cycle 1] - Before scrape:\n   Heap: 1,105.50MB / 2,048.00MB\n   RSS: 3,210.25MB\n");
    assert!(close(heap(&p)[0], 1105.5));
    assert!(close(p.run.value(Metric::HeapTotal, 0), 2048.0));
    assert!(close(p.run.value(Metric::Rss, 0), 3210.25));
}

#[test]
fn a_worker_line_mentioning_a_key_inside_a_block_is_noise() {
    let p = ok(concat!(
        "📊 Memory Snapshot [Cycle 1] - Before scrape:\n",
        "   Heap: 55.00MB / 110.00MB\n",
        "[worker] GET https://shop.example/p/1 200 Heap: 99999.00MB / 1.00MB\n",
        "   RSS: 165.00MB\n",
        "   External: 10.00MB\n",
        "   Browser Pages: 2\n",
    ));
    assert_eq!(heap(&p), vec![55.0]);
    assert_eq!(p.run.value(Metric::Rss, 0), 165.0);
    assert_eq!(p.run.value(Metric::External, 0), 10.0);
    assert_eq!(p.run.value(Metric::Pages, 0), 2.0);
}

#[test]
fn interleaved_compose_workers_are_not_mixed() {
    // Two replicas logging at once: each block's fields are its worker's.
    let mut text = String::new();
    for c in 1..=12 {
        for w in ["worker-1", "worker-2"] {
            text.push_str(&format!(
                "{w}  | 📊 Memory Snapshot [Cycle {c}] - Before scrape:\n"
            ));
        }
        for (w, heap, rss) in [("worker-1", 50 + c, 160), ("worker-2", 100 + 3 * c, 300)] {
            text.push_str(&format!("{w}  |    Heap: {heap}.00MB / 400.00MB\n"));
            text.push_str(&format!("{w}  |    RSS: {rss}.00MB\n"));
        }
        text.push_str("worker-2  | \nworker-1  | \n");
    }
    // worker-2 has one more snapshot: it is the one read.
    text.push_str("worker-2  | 📊 Memory Snapshot [Cycle 13] - Before scrape:\nworker-2  |    Heap: 139.00MB / 400.00MB\n");
    let p = ok(&text);
    assert_eq!(p.run.len(), 13);
    assert_eq!(heap(&p)[0], 103.0);
    assert!(p
        .run
        .column(Metric::Rss)
        .iter()
        .take(12)
        .all(|v| v == 300.0));
    let m = messages(&p);
    assert!(
        m.iter()
            .any(|w| w.contains("interleaves 2 workers (worker-2, worker-1)")),
        "{m:?}"
    );
    // Read in pieces, the same.
    let mut c = ChunkedParse::new("t", text.as_bytes(), 200);
    while !c.is_done() {
        c.step();
    }
    let pieces = c.finish().unwrap();
    assert_eq!(heap(&pieces), heap(&p));
    assert_eq!(p.worker.as_deref(), Some("worker-2"));

    // A forwarder that chose worker-1 on an earlier piece keeps reading it,
    // though this piece holds more of worker-2: its own snapshots, no
    // warning about the others.
    let pinned = super::ReadOptions {
        as_written: true,
        worker: Some("worker-1".to_owned()),
    };
    let one = super::parse_with("t", text.as_bytes(), &pinned).unwrap();
    // The same in pieces that cut through the other worker's blocks.
    let mut r = Reader::with_options("t", Keep::Nothing, 150, pinned);
    for part in text.as_bytes().chunks(70) {
        r.push(part);
    }
    let Finished::Done(streamed) = r.finish() else {
        panic!("read in pieces")
    };
    assert_eq!(heap(&streamed.unwrap()), heap(&one));
    assert_eq!(
        super::log_workers(text.as_bytes()),
        ["worker-1", "worker-2"],
        "in order of appearance"
    );
    assert_eq!(one.run.len(), 12);
    assert_eq!(heap(&one), (51..=62).map(f64::from).collect::<Vec<_>>());
    assert!(one.run.column(Metric::Rss).iter().all(|v| v == 160.0));
    assert_eq!(one.worker.as_deref(), Some("worker-1"));
    assert!(!messages(&one).iter().any(|m| m.contains("interleaves")));
    // One replica alone: its name is still said (a later piece may hold two).
    let alone: String = text
        .lines()
        .filter(|l| l.starts_with("worker-1"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(ok(&alone).worker.as_deref(), Some("worker-1"));
    // A `LEVEL | message` log is no compose log of one service.
    let levels = "INFO  | 📊 Memory Snapshot [Cycle 1] - Before scrape:\nINFO  |    Heap: 50.00MB / 90.00MB\nDEBUG | gc\nINFO  | 📊 Memory Snapshot [Cycle 2] - Before scrape:\nINFO  |    Heap: 51.00MB / 90.00MB\n";
    assert_eq!(ok(levels).worker, None);
    assert_eq!(ok(levels).run.len(), 2);
    assert_eq!(
        super::log::compose_name(b"worker-1  | x"),
        Some(&b"worker-1"[..])
    );
    assert_eq!(super::log::compose_name(b"2025-01-01T10:00:00Z|x"), None);
}

#[test]
fn a_cycle_number_far_out_of_sequence_is_dropped() {
    let line = |c: u64, heap: u64| {
        format!("{{\"cycle\": {c}, \"label\": \"a\", \"heapUsed\": {heap}, \"rss\": 200}}\n")
    };
    let mut text = String::new();
    for c in 1..=30u64 {
        text.push_str(&line(c, 50 + c));
        if c == 12 {
            text.push_str(&line(4_000_000_000, 999));
        }
    }
    text.push_str(&line(9_000_000_000, 999));
    let p = ok(&text);
    assert_eq!(p.run.len(), 30);
    assert_eq!(p.run.cycles().last(), Some(&30));
    let m = messages(&p);
    assert!(
        m.iter().any(|w| w.contains("between cycles 12 and 13")),
        "{m:?}"
    );
    assert!(
        m.iter().any(|w| w.contains("after cycle 30, at the end")),
        "{m:?}"
    );
}

#[test]
fn cycle_numbers_beyond_2_pow_53_are_numbered_on() {
    let base = u64::MAX / 2;
    let text: String = (0..30u64)
        .map(|k| {
            format!(
                "{{\"cycle\": {}, \"label\": \"a\", \"heapUsed\": {}, \"rss\": 200}}\n",
                base + 2 * k,
                50 + k
            )
        })
        .collect();
    let p = ok(&text);
    assert_eq!(p.run.cycles()[..3], [1, 3, 5]);
    assert!(messages(&p).iter().any(|w| w.contains("too large")));
}

#[test]
fn a_timestamp_glued_to_a_bar_is_no_worker_name() {
    let mut text = String::new();
    for c in 1..=10 {
        let ts = format!("2025-01-01T10:{c:02}:00Z|");
        text.push_str(&format!(
            "{ts}📊 Memory Snapshot [Cycle {c}] - Before scrape:\n"
        ));
        text.push_str(&format!("{ts}   Heap: {}.00MB / 400.00MB\n", 50 + c));
        text.push_str(&format!("{ts}   RSS: 200.00MB\n{ts}\n"));
    }
    let p = ok(&text);
    assert_eq!(p.run.len(), 10);
    assert!(!messages(&p).iter().any(|m| m.contains("interleaves")));
}

#[test]
fn double_crlf_logs_read_like_lf_logs() {
    let name = "leak-rss-native.log";
    let lf = parse(name, sample_bytes(name)).unwrap();
    let text = String::from_utf8_lossy(sample_bytes(name)).replace('\n', "\r\r\n");
    let p = parse(name, text.as_bytes()).unwrap();
    assert_eq!(p.run.len(), lf.run.len());
    assert_eq!(heap(&p), heap(&lf));
}

#[test]
fn a_worker_line_mentioning_a_key_before_the_field_is_replaced_by_it() {
    let p = ok(concat!(
        "📊 Memory Snapshot [Cycle 1] - Before scrape:\n",
        "[worker] GET /a 200 Heap: 5MB\n",
        "   Heap: 10.00MB / 20.00MB\n",
        "   RSS: 50.00MB\n",
    ));
    assert_eq!(heap(&p), vec![10.0]);
    assert_eq!(p.run.value(Metric::HeapTotal, 0), 20.0);
    assert_eq!(p.run.value(Metric::Rss, 0), 50.0);
}

// ------------------------------------- one bad spot loses nothing around it

/// The steps sample pretty-printed (as most exports are).
fn steps_pretty() -> String {
    let text = std::str::from_utf8(sample_bytes("leak-heap-steps.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

/// The pretty steps sample with snapshot `k`'s heapUsed value replaced by
/// `edit`, and the line of that value.
fn steps_with(k: usize, edit: &str) -> (String, usize) {
    let text = steps_pretty();
    let at = text.match_indices("\"heapUsed\": ").nth(k).unwrap().0 + "\"heapUsed\": ".len();
    let end = at + text[at..].find([',', '\n', '}']).unwrap();
    let line = 1 + text[..at].matches('\n').count();
    (format!("{}{edit}{}", &text[..at], &text[end..]), line)
}

#[test]
fn nan_and_infinity_are_missing_values_with_their_line() {
    let full = parse("steps.json", sample_bytes("leak-heap-steps.json")).unwrap();
    for token in ["NaN", "Infinity", "-Infinity"] {
        let (text, line) = steps_with(178, token);
        let p = ok(&text);
        assert_eq!(p.run.len(), full.run.len(), "{token}: every snapshot kept");
        let k = (0..p.run.len())
            .find(|&k| p.run.value(Metric::HeapUsed, k).is_nan())
            .expect("the value is missing");
        assert_eq!(p.run.value(Metric::Rss, k), full.run.value(Metric::Rss, k));
        let w = p
            .warnings
            .iter()
            .find(|w| w.message.contains(token))
            .unwrap_or_else(|| panic!("{token}: {:?}", messages(&p)));
        // The line of the snapshot's first key, a few lines above.
        let at = w.line.unwrap();
        assert!(
            at <= line && at + 16 > line,
            "{token}: {w} (value at line {line})"
        );
        assert!(w.message.contains("read as missing"), "{w}");
    }
    // In NDJSON and inside a `nodejs` block too, and in ignored fields.
    let p = ok(
        "{\"cycle\":1,\"nodejs\":{\"heapUsed\":NaN,\"rss\":10},\"x\":[Infinity]}\n\
                {\"cycle\":2,\"nodejs\":{\"heapUsed\":5,\"rss\":-Infinity}}\n",
    );
    assert_eq!(p.run.len(), 2);
    assert!(p.run.value(Metric::HeapUsed, 0).is_nan());
    assert_eq!(p.run.value(Metric::Rss, 0), 10.0);
    assert!(p.run.value(Metric::Rss, 1).is_nan());
}

#[test]
fn a_syntax_error_loses_only_its_snapshot() {
    let full = parse("steps.json", sample_bytes("leak-heap-steps.json")).unwrap();
    let (text, line) = steps_with(178, "12.3.4");
    let p = ok(&text);
    assert_eq!(p.run.len(), full.run.len() - 1, "{:?}", messages(&p));
    let w = p
        .warnings
        .iter()
        .find(|w| w.message.contains("invalid JSON"))
        .unwrap();
    assert!(w.message.contains("snapshot #179"), "{w}");
    assert!(w.message.contains(&format!("at line {line}")), "{w}");
    assert!(w.message.contains("reading goes on at line"), "{w}");
    // The same through the piece-by-piece reader.
    let mut c = ChunkedParse::new("t", text.as_bytes(), 4096);
    while !c.is_done() {
        c.step();
    }
    let chunked = c.finish().unwrap();
    assert_eq!(chunked.run.len(), p.run.len());
    assert_eq!(messages(&chunked), messages(&p));
}

#[test]
fn concatenated_exports_are_read_whole() {
    let compact = std::str::from_utf8(sample_bytes("leak-heap-steps.json")).unwrap();
    let pretty = steps_pretty();
    let full = ok(compact);
    for one in [compact, pretty.as_str()] {
        // A second export of the run's next cycles, appended with `cat`.
        let later = one.replace("\"cycle\": ", "\"cycle\": 1000");
        for sep in ["\n", "", "\n\n  "] {
            let p = ok(&format!("{one}{sep}{later}"));
            assert_eq!(
                p.run.len(),
                2 * full.run.len(),
                "{sep:?}: {:?}",
                messages(&p)
            );
            // (Compact exports on lines of their own are NDJSON.)
            if one == pretty || sep.is_empty() {
                assert!(
                    messages(&p)
                        .iter()
                        .any(|m| m.contains("2 JSON documents one after another")),
                    "{:?}",
                    messages(&p)
                );
            }
        }
    }
    // Two arrays.
    let a = "[{\"cycle\":1,\"heapUsed\":5},{\"cycle\":2,\"heapUsed\":6}]";
    let b = "[{\"cycle\":3,\"heapUsed\":7}]";
    let p = ok(&format!("{a}\n{b}\n"));
    assert_eq!(p.run.cycles(), &[1, 2, 3]);
}

#[test]
fn counts_without_memory_say_memory_was_not_judged() {
    let text: String = (1..=20)
        .map(|c| format!("{{\"cycle\":{c},\"label\":\"x\",\"browser\":{{\"pageCount\":1,\"contextCount\":1}}}}\n"))
        .collect();
    let p = ok(&text);
    assert!(!p.run.has_metric(Metric::HeapUsed));
    assert_eq!(p.run.value(Metric::Pages, 0), 1.0);
    assert!(
        messages(&p)
            .iter()
            .any(|m| m.contains("only the page and context counts are judged")),
        "{:?}",
        messages(&p)
    );
}

/// The piece-by-piece reader and the whole-file reader, on `text` cut in
/// pieces of `piece` bytes: the same snapshots and warnings.
fn chunked_as_whole(text: &str, piece: usize) {
    let whole = parse("t", text.as_bytes()).unwrap();
    let mut c = ChunkedParse::new("t", text.as_bytes(), piece);
    while !c.is_done() {
        c.step();
    }
    let chunked = c.finish().unwrap();
    assert_eq!(chunked.run.cycles(), whole.run.cycles());
    assert_eq!(messages(&chunked), messages(&whole));
}

#[test]
fn pieces_defer_to_the_whole_file_for_what_they_cannot_tell() {
    // Found by the fuzz harness: a snapshot without a cycle number in a
    // later piece is numbered by its position in the whole file.
    let mut text: String = (1..=30)
        .map(|c| format!("{{\"cycle\":{c},\"label\":\"a\",\"nodejs\":{{\"heapUsed\":{c}}}}}\n"))
        .collect();
    text.push_str("{\"label\":\"a\",\"nodejs\":{\"heapUsed\":5}}\n");
    chunked_as_whole(&text, 200);
    // A value of the wrong type: one summary warning for the whole file.
    let text = text
        .replace("\"heapUsed\":7}", "\"heapUsed\":[7]}")
        .replace("\"heapUsed\":20}", "\"heapUsed\":{}}");
    chunked_as_whole(&text, 200);
    // A second docker compose service that starts logging in a later piece.
    let block = |svc: &str, c: u32| {
        format!(
            "{svc}  | 📊 Memory Snapshot [Cycle {c}] - After cleanup:\n{svc}  |    Heap: {c}.00MB / 90.00MB\n{svc}  |    RSS: 150.00MB\n"
        )
    };
    let mut log: String = (1..=20).map(|c| block("worker-1", c)).collect();
    log.extend((1..=20).map(|c| block("worker-2", c)));
    chunked_as_whole(&log, 300);
}

#[test]
fn big_pushes_of_ndjson_read_where_they_land_as_the_whole_file() {
    // Pushes bigger than the reader's pieces (a file read a megabyte at a
    // time): their lines are read in place. Bad lines, a value of the
    // wrong type, odd spacing and a line split across pushes keep their
    // warnings and line numbers; a bad line, a snapshot without a cycle
    // (numbered by its place in the whole file) and a log header among the
    // lines send the push the usual way.
    let line = |c: usize| {
        let label = ["Before scrape", "After scrape", "After cleanup"][c % 3];
        let urls = if c % 7 == 0 {
            r#", "pageUrls": ["https://x.example/<b>"]"#
        } else {
            ""
        };
        format!(
            "{{\"cycle\": {}, \"label\": \"{label}\", \"nodejs\": {{\"heapUsed\": {}.{:02}, \"rss\": {}}}, \"browser\": {{\"pageCount\": {}{urls}}}}}\n",
            c / 3,
            40 + c % 17,
            c % 100,
            200 + c / 50,
            c % 4
        )
    };
    let base: String = (0..6_000).map(line).collect();
    let typed: String = (0..6_000)
        .map(|c| {
            let extra = match c {
                2_000 | 4_000 => format!("{{\"cycle\": {}, \"label\": \"x\", \"nodejs\": {{\"heapUsed\": [12], \"rss\": 9}}}}\n", c / 3),
                4_500 => format!("{{\"cycle\": {}, \"label\": \"w\", \"nodejs\": {{\"heapUsed\": \"12 MB\"}}}}\n", c / 3),
                _ => String::new(),
            };
            extra + &line(c)
        })
        .collect();
    let bad: String = (0..6_000)
        .map(|c| {
            let extra = match c {
                3_000 => "{\"cycle\": oops}\n".to_owned(),
                4_000 => format!("{{\"cycle\": {}, \"label\": \"x\", \"nodejs\": {{\"heapUsed\": [12], \"rss\": 9}}}}\n", c / 3),
                5_000 => format!("  {{\"cycle\":  {} ,\"label\":\"y\",\"nodejs\":{{\"heapUsed\":1e2}}}}  \n", c / 3),
                5_500 => format!("{{\"cycle\": {}, \"label\": \"z\"\n", c / 3),
                _ => String::new(),
            };
            extra + &line(c)
        })
        .collect();
    let mut no_cycle = base.clone();
    let at = 200_000 + no_cycle[200_000..].find('\n').unwrap() + 1;
    no_cycle.insert_str(at, "{\"label\": \"a\", \"nodejs\": {\"heapUsed\": 5}}\n");
    let mut header = base.clone();
    let at = 180_000 + header[180_000..].find('\n').unwrap() + 1;
    header.insert_str(at, &BLOCK.replace("Cycle 5", "Cycle 99999"));
    for text in [&base, &typed, &bad, &no_cycle, &header] {
        let whole = parse("t", text.as_bytes()).unwrap();
        for (push, piece) in [(48 << 10, 16 << 10), (16 << 10, 16 << 10), (100_003, 7_000)] {
            for keep in [Keep::All, Keep::Nothing] {
                let mut r = Reader::new("t", keep, piece);
                for part in text.as_bytes().chunks(push) {
                    r.push(part);
                }
                let read = match r.finish() {
                    Finished::Done(read) => read.unwrap(),
                    Finished::ReadWhole => parse("t", text.as_bytes()).unwrap(),
                };
                let what = format!("push {push}, piece {piece}, {keep:?}");
                assert_eq!(read.run.cycles(), whole.run.cycles(), "{what}");
                let (hr, hw) = (heap(&read), heap(&whole));
                if let Some(k) = (0..hr.len()).find(|&k| hr[k].to_bits() != hw[k].to_bits()) {
                    panic!(
                        "{what}: at {k} of {}: {} vs {} (cycle {})",
                        hr.len(),
                        hr[k],
                        hw[k],
                        whole.run.cycles()[k]
                    );
                }
                let labels = |p: &Parsed| {
                    (0..p.run.len())
                        .map(|i| p.run.label(i).to_owned())
                        .collect::<Vec<_>>()
                };
                assert_eq!(labels(&read), labels(&whole), "{what}");
                let urls = |p: &Parsed| {
                    (0..p.run.len())
                        .map(|i| p.run.page_urls(i).collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                };
                assert_eq!(urls(&read), urls(&whole), "{what}");
                assert_eq!(messages(&read), messages(&whole), "{what}");
            }
        }
    }
}
