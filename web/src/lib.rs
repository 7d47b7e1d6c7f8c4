//! # leaklens-web
//!
//! The browser viewer: drop snapshot files (or pick, paste, or try a
//! sample), get the verdict, the issues and interactive growth charts. Runs
//! the same `leaklens-core` as the CLI, compiled to wasm: nothing is
//! uploaded. Charts are the shared `leaklens-chart` drawing code on a canvas.
//!
//! Every string from a file is shown as text (Leptos text nodes), never as
//! markup.

pub mod crypto;
mod deflate;
pub mod state;

mod app;
mod chart;
mod export;
pub mod export_job;
mod live;
mod load;
mod loader;
mod metrics;
mod report;
mod share;
mod tables;

pub use app::App;

/// Text from a file as shown: line breaks, controls and bidi overrides
/// become U+FFFD (a label cannot reorder the text around it). Applied where
/// text is displayed, never to the whole run.
pub(crate) use leaklens_render::sanitize as shown;

/// The page's window.
pub(crate) fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}
