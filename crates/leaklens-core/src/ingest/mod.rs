//! Reading snapshot exports: every shape of `formats.md` §2–3, detected from
//! the content (never from the file name), into a column-wise [`Run`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::run::Run;

/// The container shape a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// `[ {...}, ... ]`
    JsonArray,
    /// `{ "snapshots": [ ... ], ... }`
    JsonObject,
    /// One JSON object per line.
    Ndjson,
    /// The profiler's console output.
    WorkerLog,
}

/// A recoverable problem: something skipped, the rest kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// File name as given by the caller.
    pub source: String,
    /// 1-based line number, when the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// The worker's own "MEMORY LEAK ANALYSIS" block, kept from a log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerVerdict {
    pub source: String,
    /// Line of the `MEMORY LEAK ANALYSIS` header.
    pub line: usize,
    /// The cycle of the last snapshot before the block, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_cycle: Option<u64>,
    /// `INCREASING`, `STABLE`, `DECREASING` as printed, lower-cased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<String>,
    /// Metric name as printed (e.g. `Heap Used`) → change in MB (or count).
    pub changes: BTreeMap<String, f64>,
    /// The "Potential Issues" lines, emoji and mojibake stripped.
    pub issues: Vec<String>,
}

/// A file that could not be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{source_name}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct IngestError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

/// The result of reading one or more files of one run.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub run: Run,
    pub warnings: Vec<Warning>,
    pub worker_verdicts: Vec<WorkerVerdict>,
    /// One entry per input file, in input order.
    pub formats: Vec<InputFormat>,
    /// True when some values were in bytes and were converted to MB.
    pub converted_from_bytes: bool,
}
