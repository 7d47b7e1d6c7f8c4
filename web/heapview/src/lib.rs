//! # leaklens-heapview
//!
//! The viewer's heap-snapshot module: a second wasm beside the page's,
//! loaded in a Web Worker only when `.heapsnapshot` files are dropped.
//! The worker's script reads each file in pieces (`File.slice`, never the
//! whole file at once) and pushes them into a [`HeapJob`], which streams
//! them through `leaklens-heap`'s reader and analysis, then hands the page
//! a [`view::View`]: plain data (JSON) whose every string the page puts in
//! the DOM as text (`textContent`), never as markup.
//!
//! All the analysis and the wording live here, so the page's wasm carries
//! none of it; the page's part is a few lines of script (`web/heap-view.js`).

mod job;
pub mod view;

pub use job::{install_panic_hook, HeapJob};
