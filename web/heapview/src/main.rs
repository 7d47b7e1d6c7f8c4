//! The heap module's entry point, run in a Web Worker (`web/heap-worker.js`
//! loads it): a panic is posted to the page as an error, so the page never
//! waits for nothing; the work itself is [`leaklens_heapview::HeapJob`],
//! driven by the worker's script.

fn main() {
    leaklens_heapview::install_panic_hook();
}
