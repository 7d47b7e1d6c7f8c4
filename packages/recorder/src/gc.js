// Garbage collections since the previous snapshot, for the snapshot's `gc`
// object (docs/formats.md of leaklens).
//
// Node (18.15 and later): v8.GCProfiler gives each collection's kind, cost
// and the heap statistics before and after it, so the heap right after the
// last major collection is known exactly. Older Node: a PerformanceObserver
// on `gc` entries gives the kinds and pauses only. Bun: neither; no `gc`
// object is written.
import v8 from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 100) / 100;

/** The kind a V8 GC type name stands for. */
const KIND = {
  Scavenge: 'minor',
  MinorMarkCompact: 'minor',
  MinorMarkSweep: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakcb',
};

/** Counts collections between calls of `take()`. */
export function gcTracker() {
  const isBun = typeof globalThis.Bun !== 'undefined';
  if (!isBun && typeof v8.GCProfiler === 'function') return profilerTracker();
  if (!isBun) {
    const t = observerTracker();
    if (t) return t;
  }
  return { take: () => undefined, stop: () => {} };
}

function profilerTracker() {
  let profiler = new v8.GCProfiler();
  profiler.start();
  let heapAfterMajor = null;
  let externalAfterMajor = null;
  return {
    take() {
      const data = profiler.stop();
      profiler = new v8.GCProfiler();
      profiler.start();
      const gc = { major: 0, minor: 0, incremental: 0, weakcb: 0, pauseMs: 0 };
      for (const s of data?.statistics ?? []) {
        const kind = KIND[s.gcType] ?? 'minor';
        gc[kind] += 1;
        gc.pauseMs += (s.cost ?? 0) / 1000;
        if (kind === 'major' && s.afterGC?.heapStatistics) {
          heapAfterMajor = s.afterGC.heapStatistics.usedHeapSize;
          externalAfterMajor = s.afterGC.heapStatistics.externalMemory ?? null;
        }
      }
      gc.pauseMs = Math.round(gc.pauseMs * 100) / 100;
      if (heapAfterMajor !== null) gc.heapAfterMajor = mb(heapAfterMajor);
      if (externalAfterMajor !== null) gc.externalAfterMajor = mb(externalAfterMajor);
      return gc;
    },
    stop() {
      try {
        profiler.stop();
      } catch {
        // already stopped
      }
    },
  };
}

function observerTracker() {
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let gc = { major: 0, minor: 0, incremental: 0, weakcb: 0, pauseMs: 0 };
  let obs;
  try {
    obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = kinds[e.detail?.kind ?? e.kind] ?? 'minor';
        gc[kind] += 1;
        gc.pauseMs += e.duration;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
  } catch {
    return null;
  }
  return {
    take() {
      const out = { ...gc, pauseMs: Math.round(gc.pauseMs * 100) / 100 };
      gc = { major: 0, minor: 0, incremental: 0, weakcb: 0, pauseMs: 0 };
      return out;
    },
    stop() {
      obs.disconnect();
    },
  };
}
