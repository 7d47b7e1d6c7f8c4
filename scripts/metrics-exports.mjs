// Metrics exports as their tools write them (docs/formats.md §2), for the
// bundled samples, the browser tests and the viewer's benchmark:
// Prometheus's /api/v1/query_range JSON, a Grafana panel's CSV, OTLP JSON
// one document a line (the Collector's file exporter) and Puppeteer's
// page.metrics() as NDJSON. Deterministic (a seeded generator).
//
//   node scripts/metrics-exports.mjs samples         # writes the four samples into static/samples/
//   node scripts/metrics-exports.mjs otlp FILE MB    # an OTLP JSON lines file of about MB megabytes
import fs from 'node:fs';
import path from 'node:path';

const MB = 1048576;

/** A seeded generator of numbers in [0, 1). */
export function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

/** A V8 heap over `n` samples: `base` MB plus `growth` MB a sample, with a GC sawtooth. */
export function heap(n, { base, growth, seed }) {
  const r = random(seed);
  let garbage = 0;
  return Array.from({ length: n }, (_, k) => {
    garbage += 2 + 4 * r();
    if (garbage > 24) garbage = 2 * r();
    return base + growth * k + garbage;
  });
}

/**
 * A range query's answer: `processes` is [{ instance, samples, heapMb: [], rssMb: [] }],
 * one sample a `step` seconds from `start`.
 */
export function prometheus(processes, { start = 1764115200, step = 60 } = {}) {
  const result = [];
  const values = (mb) => mb.map((v, k) => [start + step * k, String(Math.round(v * MB))]);
  for (const p of processes) {
    const metric = (name) => ({ __name__: name, instance: p.instance, job: 'scraper' });
    result.push({ metric: metric('nodejs_heap_size_used_bytes'), values: values(p.heapMb) });
    result.push({ metric: metric('nodejs_heap_size_total_bytes'), values: values(p.heapMb.map((v) => Math.ceil((v + 20) / 8) * 8)) });
    result.push({ metric: metric('process_resident_memory_bytes'), values: values(p.rssMb) });
    result.push({ metric: metric('nodejs_eventloop_lag_seconds'), values: p.heapMb.map((_, k) => [start + step * k, '0.004']) });
  }
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

/** A Grafana panel's CSV export: Time (ISO 8601) and one column a series, values with units. */
export function grafanaCsv(instance, heapMb, rssMb, { start = Date.UTC(2025, 10, 26, 8), stepMs = 30000 } = {}) {
  const q = (s) => `"${s.replaceAll('"', '""')}"`;
  const lines = [[q('Time'), q(`nodejs_heap_size_used_bytes{instance="${instance}", job="scraper"}`),
    q(`process_resident_memory_bytes{instance="${instance}", job="scraper"}`)].join(',')];
  heapMb.forEach((h, k) => {
    const t = new Date(start + stepMs * k).toISOString().replace('.000Z', 'Z');
    lines.push([t, String(Math.round(h * MB)), `${rssMb[k].toFixed(1)} MiB`].join(','));
  });
  return lines.join('\n') + '\n';
}

const attr = (key, value) => ({ key, value: { stringValue: value } });

/** One OTLP JSON document (a Collector file exporter's line): one sample of one process. */
export function otlpDocument({ service, instance, timeNs, spacesBytes, rssBytes, extra = 0 }) {
  const t = String(timeNs);
  const spaces = ['new_space', 'old_space', 'code_space', 'large_object_space', 'shared_space'];
  const metrics = [
    {
      name: 'v8js.memory.heap.used', unit: 'By',
      gauge: { dataPoints: spaces.map((s, k) => ({ timeUnixNano: t, asInt: String(spacesBytes[k] ?? 0), attributes: [attr('v8js.heap.space.name', s)] })) },
    },
    {
      name: 'process.memory.usage', unit: 'By',
      sum: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, asInt: String(rssBytes) }] },
    },
    { name: 'nodejs.eventloop.delay.p99', unit: 's', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 0.012 }] } },
  ];
  for (let k = 0; k < extra; k++) {
    metrics.push({ name: `http.server.duration.${k}`, unit: 'ms', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 12.5 + k }] } });
  }
  return JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [attr('service.name', service), attr('service.instance.id', instance), attr('process.runtime.name', 'nodejs')] },
      scopeMetrics: [{ scope: { name: '@opentelemetry/instrumentation-runtime-node', version: '0.12.0' }, metrics }],
    }],
  });
}

/** OTLP JSON lines: one document a sample, `heapMb[k]` split over V8's heap spaces. */
export function otlpLines(heapMb, { service = 'scraper', instance = 'scraper-7f9c', start = 1764115200, stepS = 10, extra = 0 } = {}) {
  return heapMb.map((h, k) => {
    const used = h * MB;
    const spacesBytes = [0.1, 0.8, 0.05, 0.05, 0].map((f) => Math.round(used * f));
    const rssBytes = Math.round((h * 1.6 + 140) * MB);
    return otlpDocument({ service, instance, timeNs: BigInt(start + stepS * k) * 1000000000n, spacesBytes, rssBytes, extra });
  }).join('\n') + '\n';
}

/** Puppeteer page.metrics() samples, one a line (Timestamp: a monotonic clock in seconds). */
export function puppeteerNdjson(heapMb, { documents = (k) => 2, nodes = (k) => 900 } = {}) {
  return heapMb.map((h, k) => JSON.stringify({
    Timestamp: 5021.25 + 15 * k, Documents: documents(k), Frames: 1, JSEventListeners: 40 + documents(k) * 12,
    Nodes: nodes(k), LayoutCount: 10 + k, RecalcStyleCount: 20 + k, JSHeapUsedSize: Math.round(h * MB),
    JSHeapTotalSize: Math.ceil((h + 12) / 4) * 4 * MB,
  })).join('\n') + '\n';
}

/** The bundled samples: file name → text. */
export function samples() {
  const leaking = heap(360, { base: 180, growth: 0.25, seed: 7 });
  const flat = heap(300, { base: 170, growth: 0, seed: 11 });
  const rssOf = (mb) => mb.map((v) => 420 + v * 0.2);
  const native = heap(240, { base: 95, growth: 0, seed: 5 });
  return {
    'leak-prometheus-two-processes.json': prometheus([
      { instance: 'scraper-1:9100', heapMb: leaking, rssMb: rssOf(leaking) },
      { instance: 'scraper-2:9100', heapMb: flat, rssMb: rssOf(flat) },
    ]),
    'leak-grafana-rss.csv': grafanaCsv('scraper-3:9100', native, native.map((v, k) => 310 + 1.5 * k + (k % 5))),
    'no-leak-otlp-collector.jsonl': otlpLines(heap(200, { base: 60, growth: 0, seed: 3 })),
    'leak-puppeteer-metrics.ndjson': puppeteerNdjson(heap(150, { base: 14, growth: 0.15, seed: 9 }), {
      documents: (k) => 2 + Math.floor(k / 10), nodes: (k) => 900 + 35 * k,
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, file, mb] = process.argv.slice(2);
  if (what === 'samples') {
    const dir = path.resolve(path.dirname(process.argv[1]), '../static/samples');
    for (const [name, text] of Object.entries(samples())) {
      fs.writeFileSync(path.join(dir, name), text);
      console.log(`${name}: ${text.length} bytes`);
    }
  } else if (what === 'otlp' && file) {
    // About 3.9 KB a document with 20 more series: MB megabytes.
    const docs = Math.round((Number(mb ?? 100) * 1e6) / 3900);
    const out = fs.openSync(file, 'w');
    const chunk = 5000;
    for (let at = 0; at < docs; at += chunk) {
      const n = Math.min(chunk, docs - at);
      const h = heap(n, { base: 120 + 0.002 * at, growth: 0.002, seed: 13 + at });
      fs.writeSync(out, otlpLines(h, { start: 1764115200 + 10 * at, extra: 20 }));
    }
    fs.closeSync(out);
    console.log(`${file}: ${docs} documents, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
  } else {
    console.error('usage: node scripts/metrics-exports.mjs samples | otlp FILE MB');
    process.exit(2);
  }
}
