//! Metrics exports in the viewer (issue 16): Prometheus range queries,
//! Grafana CSV, OTLP JSON, Puppeteer's `page.metrics()`.
//!
//! The page's wasm does not carry their readers (140 KB it has no room
//! for). It recognises them by their first bytes (`ingest::metrics_export`)
//! and hands them to the export module, which is built with the core's
//! `metrics` feature and reads them as `leaklens analyze FILE [--worker
//! NAME]` does (`load::parse_at_once`). The module sends back the run
//! re-written as our own NDJSON ([`ndjson`], what `leaklens push` sends of
//! such a file: the same run, value for value), which the page reads with
//! its own reader, so its verdict is the CLI's and the run merges or
//! compares with the other files as usual; and the reader's warnings and
//! the file's processes, which `metrics-view.js` shows (as text) with a
//! picker of the process. The JSON and HTML exports read the original file
//! in the module, as the CLI does.

use leaklens_core::ingest::{InputFormat, Parsed, Warning};

/// A metrics export's run as our NDJSON (`None` for a file that was our
/// own format after all: the page reads those itself).
pub fn ndjson(parsed: &Parsed) -> Option<String> {
    if parsed.formats != [InputFormat::Metrics] {
        return None;
    }
    let mut out = String::with_capacity(parsed.run.len() * 160);
    leaklens_core::generate::to_ndjson(&parsed.run, &mut out);
    Some(out)
}

/// The notes of a metrics export's reading: its warnings without a line
/// (what was read from which series, the other processes, the series not
/// judged).
pub fn notes(parsed: &Parsed) -> impl Iterator<Item = &Warning> {
    let metrics = parsed.formats.contains(&InputFormat::Metrics);
    parsed
        .warnings
        .iter()
        .filter(move |w| metrics && w.line.is_none())
}

/// True when the reader read one of several processes (and named the
/// others in a note).
pub fn several_processes(parsed: &Parsed) -> bool {
    notes(parsed).any(|n| n.message.contains(" processes in this file"))
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::*;
    use leaklens_core::ingest;

    /// Every bundled metrics export, re-written as NDJSON, reads back in the
    /// page as the same run and gets the same report as the CLI's but its
    /// warnings (shown by `metrics-view.js` instead).
    #[test]
    fn bundled_exports_read_back_as_the_same_report() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../static/samples/");
        for name in [
            "leak-prometheus-two-processes.json",
            "leak-grafana-rss.csv",
            "no-leak-otlp-collector.jsonl",
            "leak-puppeteer-metrics.ndjson",
        ] {
            let bytes = std::fs::read(format!("{dir}{name}")).unwrap();
            let cli = ingest::parse(name, &bytes).unwrap();
            assert!(notes(&cli).count() > 0, "{name}: notes");
            let text = ndjson(&cli).unwrap();
            let mut page = ingest::parse(name, text.as_bytes()).unwrap();
            assert!(page.warnings.is_empty(), "{name}: {:?}", page.warnings);
            page.warnings = cli.warnings.clone();
            let cfg = leaklens_core::Config::default();
            let a = leaklens_core::analyze_parsed(&cli, &cfg).to_json();
            let b = leaklens_core::analyze_parsed(&page, &cfg).to_json();
            assert_eq!(a, b, "{name}");
            assert_eq!(
                several_processes(&cli),
                name.contains("two-processes"),
                "{name}"
            );
        }
    }

    #[test]
    fn our_own_formats_are_left_to_the_page() {
        let p = ingest::parse("a.ndjson", br#"{"cycle":1,"nodejs":{"heapUsed":1}}"#).unwrap();
        assert!(ndjson(&p).is_none());
        assert_eq!(notes(&p).count(), 0);
    }
}
