//! # leaklens-web
//!
//! The browser viewer: drop snapshot files (or pick, paste, or try a
//! sample), get the verdict, the issues and interactive growth charts. Runs
//! the same `leaklens-core` as the CLI, compiled to wasm: nothing is
//! uploaded. Charts are the shared `leaklens-chart` drawing code on a canvas.
//!
//! Every string from a file is shown as text (Leptos text nodes), never as
//! markup.

pub mod state;

mod load;
mod view;

pub use view::App;
