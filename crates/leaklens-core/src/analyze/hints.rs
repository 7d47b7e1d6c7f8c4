//! Hints from the metrics together: where a leak is, from how they move.

use std::collections::BTreeMap;

use super::judge::MetricAnalysis;
use crate::report::{Assessment, Hint, Trend};
use crate::Metric;

pub(crate) fn hints(m: &BTreeMap<Metric, MetricAnalysis>) -> Vec<Hint> {
    let leaking = |x: Metric| {
        m.get(&x)
            .is_some_and(|a| a.report.assessment == Assessment::Leaking)
    };
    let up = |x: Metric| {
        m.get(&x)
            .is_some_and(|a| a.report.trend == Trend::Increasing)
    };
    let mut out = Vec::new();
    let mut push = |kind: &str, message: &str| {
        out.push(Hint {
            kind: kind.to_string(),
            message: message.to_string(),
        })
    };
    if leaking(Metric::Rss) && !up(Metric::HeapUsed) {
        push(
            "native_memory",
            "RSS grows while the JS heap is flat: the leak is outside the V8 heap \
             (native addons, Buffers, memory-mapped files, allocator fragmentation). \
             Check external/arrayBuffers; Chromium's own processes never show in this process's RSS.",
        );
    }
    if leaking(Metric::External) || leaking(Metric::ArrayBuffers) {
        push(
            "buffers",
            "External/ArrayBuffers memory is C++ memory bound to JS objects (Buffers, typed arrays, \
             response bodies), not the Chromium processes: look for Buffers kept in caches, \
             queues or closures.",
        );
    }
    if leaking(Metric::BrowserMemory) && !up(Metric::Pages) && !up(Metric::Contexts) {
        push(
            "browser_memory",
            "The browser's own processes grow while the page and context counts hold: memory \
             stays in long-lived pages (their DOM, listeners, caches, service workers) or in the \
             browser process. Recreate pages or contexts periodically, or relaunch the browser \
             every N cycles, and take a heap snapshot of a page (DevTools) to see what it keeps.",
        );
    }
    if leaking(Metric::BrowserMemory) && (leaking(Metric::Pages) || leaking(Metric::Contexts)) {
        push(
            "browser_memory_with_pages",
            "Browser memory grows with the number of open pages or contexts: each one left open \
             costs the browser a renderer's memory. Close them in a finally block.",
        );
    }
    if leaking(Metric::HeapUsed) && leaking(Metric::Pages) {
        push(
            "unclosed_pages",
            "Heap and page count grow together: pages are opened and never closed, and the JS \
             objects that reference them stay alive. Close every page in a finally block.",
        );
    }
    if leaking(Metric::Contexts) && !up(Metric::Pages) {
        push(
            "context_leak",
            "Browser contexts accumulate while the page count is flat: contexts are created per \
             task and never closed (browser.newContext() without context.close()).",
        );
    }
    if leaking(Metric::Contexts) && leaking(Metric::Pages) {
        push(
            "contexts_with_pages",
            "Pages and contexts grow together: each task opens a context with its page and \
             neither is closed; closing the context closes its pages.",
        );
    }
    if leaking(Metric::Pages) && !leaking(Metric::Contexts) && m.contains_key(&Metric::Contexts) {
        push(
            "page_leak",
            "Pages accumulate inside a stable set of contexts: page.close() is missed on some path \
             (errors, timeouts, redirects opening popups).",
        );
    }
    if let Some(h) = m
        .get(&Metric::HeapUsed)
        .filter(|_| leaking(Metric::HeapUsed))
    {
        push("heap_snapshots", &heap_snapshots(h.report.slope_per_cycle));
    }
    if up(Metric::HeapTotal) && !up(Metric::HeapUsed) {
        push(
            "heap_reserve",
            "Heap total grows while heap used does not: V8 is reserving more heap, which by itself \
             is not a leak.",
        );
    }
    out
}

/// Growth worth seeing between two heap snapshots, MB: well above what one
/// cycle's work leaves alive for a while.
const SNAPSHOT_GROWTH_MB: f64 = 5.0;

/// How to find what grows: three heap snapshots far enough apart for the
/// leak to stand out, and `leaklens heap` on them.
fn heap_snapshots(slope: f64) -> String {
    let apart = if slope > 0.0 {
        (SNAPSHOT_GROWTH_MB / slope).ceil().clamp(10.0, 10_000.0) as u64
    } else {
        10
    };
    let first = 20;
    format!(
        "To find which objects grow and what holds them, take three V8 heap snapshots {apart} \
         cycles apart after warm-up (say at cycles {first}, {}, {}; the heap grows about {:.1} MB \
         between two at this rate): the recorder's rec.heapSnapshot(path), node \
         --heapsnapshot-signal=SIGUSR2, or DevTools' Memory tab. Then leaklens heap A.heapsnapshot \
         B.heapsnapshot C.heapsnapshot lists the classes that grew in every interval, with their \
         retainer paths.",
        first + apart,
        first + 2 * apart,
        slope * apart as f64
    )
}
