//! The server's routes: the patterns it is routed by (`{id}`, `{n}` in
//! axum's syntax) and the functions that build each path, so the server,
//! `leaklens push` and the viewer name them the same way. Paths are
//! absolute (`/api/...`); the viewer, which may be served under a prefix,
//! makes them relative with [`relative`].

/// `POST`: upload a report (raw body or `multipart/form-data`).
pub const REPORTS: &str = "/api/reports";
/// `GET` a report's first file; `DELETE` it (with its delete token).
pub const REPORT: &str = "/api/reports/{id}";
/// `GET` file `n` of a report.
pub const REPORT_FILE: &str = "/api/reports/{id}/files/{n}";
/// `GET` the files of a report ([`crate::ReportMeta`]).
pub const REPORT_META: &str = "/api/reports/{id}/meta";
/// `GET`: the viewer on a report (a redirect).
pub const REPORT_VIEW: &str = "/r/{id}";
/// `POST`: create a live run.
pub const RUNS: &str = "/api/runs";
/// `GET` a live run's data (NDJSON; `Range: bytes=N-` for what follows N).
pub const RUN: &str = "/api/runs/{id}";
/// `POST` NDJSON snapshots to a live run (with its write token).
pub const RUN_SNAPSHOTS: &str = "/api/runs/{id}/snapshots";
/// `GET`: Server-Sent Events, one [`crate::APPEND_EVENT`] per append.
pub const RUN_EVENTS: &str = "/api/runs/{id}/events";
/// `GET`: the viewer on a live run (a redirect).
pub const RUN_VIEW: &str = "/live/{id}";
/// Every live run's verdict and growth for Prometheus (OpenMetrics text).
pub const METRICS: &str = "/metrics";
/// Every live run on one page, most severe first (`?service=` filters).
pub const FLEET: &str = "/fleet";
/// The OTLP/HTTP metrics receiver (an OpenTelemetry Collector's
/// `otlphttp` exporter posts here).
pub const OTLP_METRICS: &str = "/v1/metrics";

/// The query parameter that names a file for the viewer to open
/// (repeated: several files of one run).
pub const SRC_PARAM: &str = "src";

pub fn report(id: &str) -> String {
    format!("{REPORTS}/{id}")
}

pub fn report_file(id: &str, n: usize) -> String {
    format!("{REPORTS}/{id}/files/{n}")
}

pub fn report_meta(id: &str) -> String {
    format!("{REPORTS}/{id}/meta")
}

pub fn report_view(id: &str) -> String {
    format!("/r/{id}")
}

pub fn run(id: &str) -> String {
    format!("{RUNS}/{id}")
}

pub fn run_snapshots(id: &str) -> String {
    format!("{RUNS}/{id}/snapshots")
}

pub fn run_view(id: &str) -> String {
    format!("/live/{id}")
}

/// The event stream of the live run at `run_url` (a path or a full URL).
pub fn events_of(run_url: &str) -> String {
    format!("{}/events", run_url.trim_end_matches('/'))
}

/// Whether a `src` the viewer opens is a live run (then it follows it).
pub fn is_run(src: &str) -> bool {
    src.contains(&format!("{}/", relative(RUNS)))
}

/// The files of a report of `count` files, for the viewer: the report
/// itself when it holds one, else each file.
pub fn report_files(id: &str, count: usize) -> Vec<String> {
    if count == 1 {
        vec![report(id)]
    } else {
        (0..count).map(|n| report_file(id, n)).collect()
    }
}

/// The viewer's query opening these files: `src=a&src=b`.
pub fn viewer_query<S: AsRef<str>>(srcs: &[S]) -> String {
    srcs.iter()
        .map(|s| format!("{SRC_PARAM}={}", s.as_ref()))
        .collect::<Vec<_>>()
        .join("&")
}

/// A path relative to the page (`api/reports/...`): the viewer may be
/// served under a prefix.
pub fn relative(path: &str) -> &str {
    path.trim_start_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_the_patterns() {
        let id = "{id}";
        assert_eq!(report(id), REPORT);
        assert_eq!(report_meta(id), REPORT_META);
        assert_eq!(report_view(id), REPORT_VIEW);
        assert_eq!(run(id), RUN);
        assert_eq!(run_snapshots(id), RUN_SNAPSHOTS);
        assert_eq!(run_view(id), RUN_VIEW);
        assert_eq!(events_of(&run(id)), RUN_EVENTS);
        assert_eq!(
            report_file(id, 0).replace("/0", "/{n}"),
            REPORT_FILE,
            "file n"
        );
    }

    #[test]
    fn viewer_links() {
        assert_eq!(viewer_query(&report_files("ab", 1)), "src=/api/reports/ab");
        assert_eq!(
            viewer_query(&report_files("ab", 2)),
            "src=/api/reports/ab/files/0&src=/api/reports/ab/files/1"
        );
        assert_eq!(relative(&report("ab")), "api/reports/ab");
        assert_eq!(
            events_of("http://h/api/runs/ab/"),
            "http://h/api/runs/ab/events"
        );
        assert!(is_run("http://h:8080/api/runs/ab"));
        assert!(is_run("/api/runs/ab"));
        assert!(!is_run("/api/reports/ab"));
        assert!(!is_run("samples/runs.json"));
    }
}
