//! # leaklens-protocol
//!
//! The HTTP contract between `leaklens serve` (the server), `leaklens push`
//! (the CLI) and the viewer (wasm32), written once: the routes ([`routes`]),
//! the JSON bodies (below), the open byte ranges a live viewer reads a run
//! with ([`range`]), the sealed files of an encrypted share ([`share`]),
//! and the headers and event names they share.
//!
//! Sans-IO and serde only, so it builds for `wasm32-unknown-unknown`.

pub mod range;
pub mod routes;
pub mod share;

use serde::{Deserialize, Serialize};

/// The name of an uploaded or live file (header names are written in
/// lower case: `http` takes them so as constants).
pub const FILE_NAME_HEADER: &str = "x-file-name";
/// The snapshots a live run holds, on its download.
pub const SNAPSHOTS_HEADER: &str = "x-snapshots";
/// The content type of a live run's data and of appends to it.
pub const NDJSON_TYPE: &str = "application/x-ndjson";
/// The Server-Sent Event sent after each append, its data a [`Progress`].
pub const APPEND_EVENT: &str = "append";

/// `201` to `POST /api/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCreated {
    pub id: String,
    /// The viewer on the report (`/r/{id}` on the server's origin).
    pub url: String,
    /// `DELETE /api/reports/{id}` with `Authorization: Bearer <delete_token>`.
    pub delete_token: String,
}

/// `201` to `POST /api/runs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCreated {
    pub id: String,
    /// The viewer on the live run (`/live/{id}` on the server's origin).
    pub url: String,
    /// Appends carry `Authorization: Bearer <write_token>`.
    pub write_token: String,
}

/// A live run's totals: the answer to an append, and the data of each
/// [`APPEND_EVENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Snapshot lines the run's file holds.
    pub snapshots: usize,
    /// Bytes the run's file holds.
    pub bytes: u64,
}

/// `GET /api/reports/{id}/meta`. (Fields in name order: the order they
/// have always been written in.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMeta {
    pub files: Vec<ReportFile>,
    pub id: String,
}

/// One file of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFile {
    /// Sealed in the browser: the server could not read it.
    pub encrypted: bool,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Snapshots read from it (`null` for an encrypted file).
    pub snapshots: Option<usize>,
    /// Where to download it.
    pub url: String,
}

/// Every error answer: `{ "error": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_their_wire_form() {
        let meta = ReportMeta {
            id: "ab".into(),
            files: vec![ReportFile {
                name: "a.json".into(),
                size: 3,
                snapshots: None,
                encrypted: true,
                url: routes::report_file("ab", 0),
            }],
        };
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"files":[{"encrypted":true,"name":"a.json","size":3,"snapshots":null,"url":"/api/reports/ab/files/0"}],"id":"ab"}"#
        );
        let p: Progress = serde_json::from_str(r#"{"snapshots":2,"bytes":10}"#).unwrap();
        assert_eq!(
            p,
            Progress {
                snapshots: 2,
                bytes: 10
            }
        );
        let e: ErrorBody = serde_json::from_str(r#"{"error":"no such report"}"#).unwrap();
        assert_eq!(e.error, "no such report");
    }
}
