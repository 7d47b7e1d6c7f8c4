//! Metrics a team already collects, read as a run: a Prometheus range
//! query (the HTTP API's JSON) or Grafana's CSV export of a panel, OTLP
//! JSON (the OpenTelemetry Collector's file exporter: one document a line),
//! and Puppeteer's `page.metrics()` samples. Detected from content.
//!
//! These carry no cycle labels: each sample time is a cycle, in time order.
//! Memory is in bytes and read as MB. One series per process (`instance`,
//! `pid`, `service.instance.id`…): a file with several reads the one with
//! the most samples, names the others in a warning, and reads another with
//! `--worker NAME`, as an interleaved worker log does. A note (a warning
//! without a line) says which series each metric was read from.

#[cfg(feature = "metrics")]
mod otlp;
#[cfg(feature = "metrics")]
mod prometheus;
#[cfg(feature = "metrics")]
mod puppeteer;
#[cfg(feature = "metrics")]
mod read;

use memchr::memmem;

#[cfg(feature = "metrics")]
use read::{add_point, metric_of, series_of, Series};
#[cfg(feature = "metrics")]
pub(crate) use read::{read, read_all};

/// A metrics export recognised by [`kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Prometheus,
    GrafanaCsv,
    Otlp,
    Puppeteer,
}

/// How much of the start of a file [`kind`] looks at.
pub(crate) const HEAD: usize = 64 << 10;

/// Which metrics export `head` (the start of a file, BOM skipped) is, if
/// any. Looks for keys only these formats have (`"resultType":`,
/// `"resourceMetrics":`, `"JSHeapUsedSize":`) or a CSV header whose first
/// column is `Time`.
pub(crate) fn kind(head: &[u8]) -> Option<Kind> {
    // Their keys come first: the first 64 KB is plenty, a long run of our
    // own format is not searched to its end, and the streaming reader
    // decides on the very same bytes.
    let head = &head[..head.len().min(HEAD)];
    let start = super::detect::first_non_space(head)?;
    let body = &head[start..];
    let has_key = |k: &str| {
        memmem::find_iter(body, k.as_bytes()).any(|at| {
            body[at + k.len()..]
                .iter()
                .find(|c| !c.is_ascii_whitespace())
                .is_some_and(|&c| c == b':')
        })
    };
    match body.first() {
        Some(b'{') if has_key("\"resourceMetrics\"") => Some(Kind::Otlp),
        Some(b'{') if has_key("\"resultType\"") => Some(Kind::Prometheus),
        Some(b'{' | b'[') if has_key("\"JSHeapUsedSize\"") => Some(Kind::Puppeteer),
        Some(_) if is_grafana_csv(body) => Some(Kind::GrafanaCsv),
        _ => None,
    }
}

/// What metrics export a file is, in words (`"a Prometheus range query"`),
/// judging by its start (a byte-order mark skipped), if it is one. Every
/// build knows them; the viewer, whose page does not carry the readers,
/// hands these files to a module that does.
pub fn export_kind(head: &[u8]) -> Option<&'static str> {
    kind(super::detect::skip_bom(head)).map(Kind::name)
}

impl Kind {
    /// What it is, in words.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Prometheus => "a Prometheus range query",
            Kind::GrafanaCsv => "a Grafana CSV export",
            Kind::Otlp => "OTLP JSON metrics",
            Kind::Puppeteer => "Puppeteer page.metrics() samples",
        }
    }
}

/// True when the first line is a CSV header whose first column is `Time`.
fn is_grafana_csv(body: &[u8]) -> bool {
    let line = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let cells = split_csv(line);
    cells.len() >= 2 && cells[0].eq_ignore_ascii_case("time")
}

/// One CSV line's cells, quotes removed (`""` inside quotes is `"`).
fn split_csv(line: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\r');
    let sep = if text.contains(',') { ',' } else { ';' };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

#[cfg(all(test, feature = "metrics"))]
mod tests;

#[cfg(all(test, not(feature = "metrics")))]
mod refused {
    #[test]
    fn a_build_without_the_readers_says_what_the_file_is_and_what_to_do() {
        let text = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        let e = crate::ingest::parse("q.json", text).unwrap_err();
        assert!(e.message.contains("a Prometheus range query"), "{e}");
        assert!(e.hint.unwrap_or_default().contains("leaklens analyze"));
    }
}
