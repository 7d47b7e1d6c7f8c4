use crate::ingest::{parse, parse_with, Finished, Keep, ReadOptions, Reader};
use crate::report::Verdict;
use crate::{analyze, Config, Metric, Run};

const MB: f64 = 1_048_576.0;

/// A range query's answer: heap used of `instances`, one sample a minute,
/// `heap(instance index, sample)` MB.
fn prometheus(instances: &[(&str, usize)], heap: impl Fn(usize, usize) -> f64) -> String {
    let result: Vec<String> = instances
        .iter()
        .enumerate()
        .flat_map(|(w, &(name, n))| {
            let values: Vec<String> = (0..n)
                .map(|k| format!("[{},\"{}\"]", 1_700_000_000 + 60 * k, heap(w, k) * MB))
                .collect();
            let rss: Vec<String> = (0..n)
                .map(|k| format!("[{},\"{}\"]", 1_700_000_000 + 60 * k, 300.0 * MB))
                .collect();
            [
                format!(
                    r#"{{"metric":{{"__name__":"nodejs_heap_size_used_bytes","instance":"{name}","job":"scraper"}},"values":[{}]}}"#,
                    values.join(",")
                ),
                format!(
                    r#"{{"metric":{{"__name__":"process_resident_memory_bytes","instance":"{name}"}},"values":[{}]}}"#,
                    rss.join(",")
                ),
                format!(
                    r#"{{"metric":{{"__name__":"nodejs_eventloop_lag_seconds","instance":"{name}"}},"values":[[1700000000,"0.01"]]}}"#
                ),
            ]
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
        result.join(",")
    )
}

fn heap(run: &Run) -> Vec<f64> {
    run.column(Metric::HeapUsed).to_vec()
}

#[test]
fn a_range_query_is_a_run_of_the_process_with_the_most_samples() {
    let text = prometheus(&[("w1:9100", 30), ("w2:9100", 40)], |w, k| {
        100.0 + w as f64 * 1000.0 + k as f64
    });
    let p = parse("q.json", text.as_bytes()).unwrap();
    assert_eq!(p.run.len(), 40);
    assert_eq!(p.worker.as_deref(), Some("w2:9100"));
    assert_eq!(p.run.cycle(0), 1);
    assert_eq!(p.run.cycle(39), 40);
    assert_eq!(p.run.timestamp(1), Some(1_700_000_060_000));
    assert_eq!(heap(&p.run)[5], 1105.0);
    assert_eq!(p.run.value(Metric::Rss, 5), 300.0);
    assert!(p.converted_from_bytes);
    let said: Vec<String> = p.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        said.iter().any(|m| m.contains("2 processes")
            && m.contains("\"w1:9100\"")
            && m.contains("--worker")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("heap_used from nodejs_heap_size_used_bytes")
                && m.contains("process \"w2:9100\"")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("nodejs_eventloop_lag_seconds")),
        "{said:?}"
    );

    let options = ReadOptions {
        worker: Some("w1:9100".into()),
        ..ReadOptions::default()
    };
    let w1 = parse_with("q.json", text.as_bytes(), &options).unwrap();
    assert_eq!(w1.run.len(), 30);
    assert_eq!(heap(&w1.run)[0], 100.0);
    let none = parse_with(
        "q.json",
        text.as_bytes(),
        &ReadOptions {
            worker: Some("w9".into()),
            ..ReadOptions::default()
        },
    )
    .unwrap_err();
    assert!(none.to_string().contains("w9") || none.hint.unwrap_or_default().contains("w9"));
}

#[test]
fn the_streaming_reader_reads_a_metrics_export_whole_with_the_same_result() {
    let text = prometheus(&[("w1", 500)], |_, k| 100.0 + k as f64 * 0.5);
    let whole = parse("q.json", text.as_bytes()).unwrap();
    let mut r = Reader::new("q.json", Keep::All, 1024);
    for piece in text.as_bytes().chunks(777) {
        r.push(piece);
    }
    let Finished::Done(streamed) = r.finish() else {
        panic!("kept bytes are read whole")
    };
    let streamed = streamed.unwrap();
    assert_eq!(heap(&streamed.run), heap(&whole.run));
    assert_eq!(streamed.run.len(), 500);
}

#[test]
fn a_linear_leak_in_prometheus_samples_is_a_leak_and_a_flat_heap_is_bounded() {
    // One sample a minute for 10 hours; GC noise of ±4 MB.
    let noise = |k: usize| ((k * 7919) % 17) as f64 / 2.0 - 4.0;
    let leak = prometheus(&[("w", 600)], |_, k| 200.0 + 0.2 * k as f64 + noise(k));
    let flat = prometheus(&[("w", 600)], |_, k| 200.0 + noise(k));
    let verdict = |t: &str| {
        let p = parse("q.json", t.as_bytes()).unwrap();
        analyze(&p.run, &Config::default()).summary.verdict
    };
    assert_eq!(verdict(&leak), Verdict::Leak);
    assert_eq!(verdict(&flat), Verdict::NoLeak);
}

#[test]
fn otlp_documents_sum_heap_spaces_and_read_64_bit_strings() {
    let doc = |t: u64, used: [u64; 2], rss: f64| {
        format!(
            r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"scraper"}}}},{{"key":"service.instance.id","value":{{"stringValue":"pod-a"}}}}]}},"scopeMetrics":[{{"scope":{{"name":"@opentelemetry/instrumentation-runtime-node"}},"metrics":[{{"name":"v8js.memory.heap.used","unit":"By","gauge":{{"dataPoints":[{{"timeUnixNano":"{t}","asInt":"{}","attributes":[{{"key":"v8js.heap.space.name","value":{{"stringValue":"new_space"}}}}]}},{{"timeUnixNano":{t},"asInt":{},"attributes":[{{"key":"v8js.heap.space.name","value":{{"stringValue":"old_space"}}}}]}}]}}}},{{"name":"process.memory.usage","unit":"By","sum":{{"dataPoints":[{{"timeUnixNano":"{t}","asDouble":{rss}}}]}}}},{{"name":"nodejs.eventloop.delay.p99","gauge":{{"dataPoints":[]}}}}]}}]}}]}}"#,
            used[0], used[1]
        )
    };
    let lines: Vec<String> = (0..12u64)
        .map(|k| {
            let t = 1_700_000_000_000_000_000 + k * 10_000_000_000;
            doc(t, [8 << 20, (40 + k) << 20], 256.0 * MB)
        })
        .collect();
    let text = lines.join("\n") + "\n{\"resourceMetrics\": [ broken\n";
    let p = parse("otel.jsonl", text.as_bytes()).unwrap();
    assert_eq!(p.run.len(), 12);
    assert_eq!(heap(&p.run)[0], 48.0);
    assert_eq!(heap(&p.run)[11], 59.0);
    assert_eq!(p.run.value(Metric::Rss, 3), 256.0);
    assert_eq!(p.run.timestamp(1), Some(1_700_000_010_000));
    assert_eq!(p.worker.as_deref(), Some("pod-a"));
    let broken = p
        .warnings
        .iter()
        .find(|w| w.message.contains("not an OTLP"))
        .unwrap();
    assert_eq!(broken.line, Some(13), "the broken document's line");
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message.contains("nodejs.eventloop.delay.p99")));
}

#[test]
fn puppeteer_samples_judge_the_js_heap_and_say_the_dom_counts() {
    let lines: Vec<String> = (0..20)
        .map(|k| {
            format!(
                r#"{{"Timestamp":{}.5,"Documents":{},"Frames":1,"JSEventListeners":{},"Nodes":{},"JSHeapUsedSize":{},"JSHeapTotalSize":{}}}"#,
                1000 + k,
                2 + k,
                50 + 3 * k,
                900 + 40 * k,
                (10 + k) * (1 << 20),
                64 << 20
            )
        })
        .collect();
    let p = parse("metrics.ndjson", lines.join("\n").as_bytes()).unwrap();
    assert_eq!(p.run.len(), 20);
    assert_eq!(heap(&p.run)[19], 29.0);
    assert_eq!(p.run.value(Metric::HeapTotal, 0), 64.0);
    assert_eq!(
        p.run.timestamp(0),
        None,
        "a monotonic clock is no time of day"
    );
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message.contains("Documents 2 → 21") && w.message.contains("Nodes 900 → 1660")));
    // The same samples as one JSON array.
    let array = format!("[{}]", lines.join(","));
    assert_eq!(
        heap(&parse("m.json", array.as_bytes()).unwrap().run),
        heap(&p.run)
    );
}

#[test]
fn a_grafana_csv_export_reads_times_and_units() {
    let text = "\"Time\",\"nodejs_heap_size_used_bytes{instance=\"\"w1\"\", job=\"\"x\"\"}\",\"process_resident_memory_bytes{instance=\"\"w1\"\"}\",\"Other\"\n\
                2024-01-02 10:00:00,104857600,300 MiB,1\n\
                1704189660000,110100480,301 MiB,2\n\
                not a time,1,1,1\n\
                2024-01-02T10:02:00Z,,302 MiB,3\n";
    let p = parse("panel.csv", text.as_bytes()).unwrap();
    assert_eq!(p.run.len(), 3);
    assert_eq!(heap(&p.run)[..2], [100.0, 105.0]);
    assert!(heap(&p.run)[2].is_nan());
    assert_eq!(p.run.value(Metric::Rss, 2), 302.0);
    assert_eq!(p.run.timestamp(0), Some(1_704_189_600_000));
    assert_eq!(p.worker.as_deref(), Some("w1"));
    let bad = p
        .warnings
        .iter()
        .find(|w| w.message.contains("not a time"))
        .unwrap();
    assert_eq!(bad.line, Some(4));
}

#[test]
fn our_own_formats_are_not_taken_for_metrics_exports() {
    let ndjson = r#"{"cycle":1,"label":"Before scrape","nodejs":{"heapUsed":63.92},"browser":{"pageUrls":["https://x/?q=\"resultType\":1"]}}"#;
    assert_eq!(super::kind(ndjson.as_bytes()), None);
    assert_eq!(super::kind(b"Time is money\n[worker] hello"), None);
    assert_eq!(
        super::kind(b"  {\"resultType\" : \"matrix\"}"),
        Some(super::Kind::Prometheus)
    );
    assert_eq!(crate::ingest::metrics_export(ndjson.as_bytes()), None);
    assert_eq!(
        crate::ingest::metrics_export(b"\xEF\xBB\xBF{\"resourceMetrics\":[]}"),
        Some("OTLP JSON metrics")
    );
}

#[test]
fn an_export_without_memory_series_is_an_error_that_says_what_it_needs() {
    let text = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1,"1"]]}]}}"#;
    let e = parse("q.json", text.as_bytes()).unwrap_err();
    let all = format!("{e} {}", e.hint.clone().unwrap_or_default());
    assert!(all.contains("nodejs_heap_size_used_bytes"), "{all}");
}
