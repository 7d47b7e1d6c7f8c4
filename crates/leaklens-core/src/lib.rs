//! # leaklens-core
//!
//! The analysis heart of leaklens: bytes of snapshot exports in, a
//! [`Report`](report::Report) out.
//!
//! **Design constraint:** this crate does no I/O, reads no clock, spawns no
//! thread and depends on nothing native-only, so that it compiles to
//! `wasm32-unknown-unknown` and the CLI and the browser viewer give
//! byte-identical answers from the same code. Files, terminals, HTTP and the
//! DOM live in the crates at the edge (`leaklens`, `web/`). Transcendental
//! functions go through `libm` (never the platform's `exp`/`ln`), and every
//! number in a report is rounded, so results do not depend on the target.
//!
//! Pipeline: [`ingest`] → [`Run`] (column-wise) → [`analyze`] → [`Report`];
//! [`compare`] contrasts two reports.

pub mod column;
pub mod ingest;
pub mod inputs;
pub mod metric;
mod par;
pub mod point;
mod round;
pub mod run;

pub use column::Column;
pub use metric::Metric;
pub use run::{GcSince, Run, SnapshotIn};
pub mod analyze;
pub mod audit;
pub mod models;
pub mod report;
pub mod stats;

pub use analyze::{analyze, analyze_parsed, Config};
pub use report::Report;
pub mod compare;
pub mod generate;

pub use compare::{compare, Comparison};
pub mod text;
