// @leaklens/recorder: the worker's half of leaklens.
//
//   import { Recorder } from '@leaklens/recorder';
//   const rec = new Recorder({ file: 'memory.ndjson', browser, keepLast: 100, interval: 20 });
//   await rec.snapshot(cycle, 'After scrape');
//   const report = rec.analyze();
//   await rec.writeReport('memory-report.html');
//   await rec.close();
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

import { browserMemory, browserState } from './browser.js';
import { gcTracker } from './gc.js';
import { FileSink, LiveSink } from './sinks.js';
import { render, analysisVersion } from './analysis.js';

export { analysisVersion };

const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 100) / 100;

/** The metrics of a report in the guide's words, in its order. */
const NAMES = [
  ['heap_used', 'Heap Used', 'MB'],
  ['heap_total', 'Heap Total', 'MB'],
  ['rss', 'RSS', 'MB'],
  ['external', 'External', 'MB'],
  ['array_buffers', 'ArrayBuffers', 'MB'],
  ['pages', 'Browser Pages', ''],
  ['contexts', 'Browser Contexts', ''],
];

export class Recorder {
  /**
   * @param {object} [options] see index.d.ts
   */
  constructor(options = {}) {
    this.browser = options.browser ?? null;
    // The browser's process-tree memory (Linux), unless turned off.
    this.browserMemory = options.browserMemory ?? true;
    this.keepLast = options.keepLast ?? 100;
    this.interval = options.interval ?? 20;
    this.log = options.log === false ? null : (options.log ?? console.log);
    this.printSnapshots = !!options.printSnapshots;
    this.analysisOptions = options.analysis ?? {};
    this.name = options.file ? path.basename(options.file) : (options.name ?? 'memory.ndjson');
    this.snapshots = [];
    this.count = 0;
    this.lastCycle = null;
    this.gc = gcTracker();
    this.file = options.file
      ? new FileSink(options.file, { maxBytes: options.maxFileBytes, keepFiles: options.keepFiles })
      : null;
    const server = options.server ?? process.env.LEAKLENS_SERVER;
    this.live = server
      ? new LiveSink(server, {
          run: options.run ?? process.env.LEAKLENS_RUN,
          token: options.token ?? process.env.LEAKLENS_TOKEN,
          name: this.name,
          batch: options.batch,
          flushMs: options.flushMs,
          maxQueued: options.maxQueued,
        })
      : null;
    this.closed = false;
  }

  /**
   * Takes a snapshot at `label` of `cycle`: process.memoryUsage() in MB,
   * the browser's pages and contexts, the garbage collections since the
   * previous snapshot. Written to the file and the live run at once.
   */
  async snapshot(cycle, label) {
    if (this.closed) throw new Error('@leaklens/recorder: snapshot() after close()');
    const m = process.memoryUsage();
    const snap = {
      cycle,
      label,
      timestamp: Date.now(),
      nodejs: {
        heapUsed: mb(m.heapUsed),
        heapTotal: mb(m.heapTotal),
        rss: mb(m.rss),
        external: mb(m.external),
        arrayBuffers: mb(m.arrayBuffers ?? 0),
      },
    };
    const browser = await browserState(this.browser);
    if (browser) {
      const memory = this.browserMemory ? browserMemory(this.browser) : undefined;
      if (memory !== undefined) browser.browserMemory = memory;
      snap.browser = browser;
    }
    const gc = this.gc.take();
    if (gc) snap.gc = gc;
    this.record(snap);
    return snap;
  }

  /** Stores a snapshot taken elsewhere (the same shape as `snapshot()`'s). */
  record(snap) {
    const newCycle = this.lastCycle !== null && snap.cycle !== this.lastCycle;
    const finished = this.lastCycle;
    this.lastCycle = snap.cycle;
    this.snapshots.push(snap);
    if (this.snapshots.length > this.keepLast) this.snapshots.splice(0, this.snapshots.length - this.keepLast);
    this.count += 1;
    const line = JSON.stringify(snap);
    this.file?.write(line);
    this.live?.write(line);
    if (this.printSnapshots && this.log) this.log(snapshotBlock(snap));
    // A cycle that is a multiple of `interval` has ended: the verdict so far.
    if (newCycle && this.interval > 0 && this.log && finished % this.interval === 0) {
      try {
        this.log(analysisBlock(this.analyze()));
      } catch (e) {
        this.log(`leaklens: no analysis (${e.message})`);
      }
    }
  }

  /** The last `keepLast` snapshots, as the guide's profiler keeps them. */
  getSnapshots() {
    return this.snapshots.slice();
  }

  /** The run as NDJSON bytes: every file on disk, else the snapshots in memory. */
  runBytes() {
    if (this.file) return this.file.read();
    return Buffer.from(this.snapshots.map((s) => JSON.stringify(s) + '\n').join(''));
  }

  /** The report of the run in `format` (`text`, `json`, `markdown`, `html`). */
  report(format = 'text') {
    return render(this.name, this.runBytes(), this.analysisOptions, format);
  }

  /** The report as an object: the same JSON as `leaklens analyze --format json`. */
  analyze() {
    return JSON.parse(this.report('json'));
  }

  /** Writes the report to `file`, its format from the extension (.html, .md, .json, else text). */
  async writeReport(file, format) {
    const ext = path.extname(file).toLowerCase();
    const f = format ?? ({ '.html': 'html', '.htm': 'html', '.md': 'markdown', '.json': 'json' }[ext] ?? 'text');
    await fs.promises.writeFile(file, this.report(f));
    return file;
  }

  /** Writes a V8 heap snapshot (Bun: its own, in V8's format where it can) to `file`. */
  heapSnapshot(file) {
    if (typeof globalThis.Bun !== 'undefined' && typeof globalThis.Bun.generateHeapSnapshot === 'function') {
      const snap = globalThis.Bun.generateHeapSnapshot('v8');
      fs.writeFileSync(file, typeof snap === 'string' ? snap : JSON.stringify(snap));
      return file;
    }
    return v8.writeHeapSnapshot(file);
  }

  /** What was recorded and sent. */
  stats() {
    return {
      snapshots: this.count,
      liveUrl: this.live?.url ?? null,
      liveSent: this.live?.sent ?? 0,
      liveDropped: this.live?.dropped ?? 0,
    };
  }

  /** Sends what the live run still waits for (at most `ms`), closes the file. */
  async close(ms = 3000) {
    if (this.closed) return;
    this.closed = true;
    this.gc.stop();
    await this.live?.close(ms);
    this.file?.close();
  }
}

/** A snapshot in the guide's console format (what `leaklens analyze worker.log` reads). */
export function snapshotBlock(s) {
  const n = s.nodejs;
  const lines = [
    `📊 Memory Snapshot [Cycle ${s.cycle}] - ${s.label}:`,
    `   Heap: ${n.heapUsed.toFixed(2)}MB / ${n.heapTotal.toFixed(2)}MB`,
    `   RSS: ${n.rss.toFixed(2)}MB`,
    `   External: ${n.external.toFixed(2)}MB`,
    `   ArrayBuffers: ${n.arrayBuffers.toFixed(2)}MB`,
  ];
  if (s.browser) {
    if (s.browser.browserMemory !== undefined) {
      lines.push(`   Browser Memory: ${s.browser.browserMemory.toFixed(2)}MB`);
    }
    lines.push(`   Browser Pages: ${s.browser.pageCount}`, `   Browser Contexts: ${s.browser.contextCount}`);
  }
  return lines.join('\n');
}

/** leaklens's verdict in the guide's analysis format. */
export function analysisBlock(r) {
  const leaking = r.summary.verdict === 'leak';
  const trend = leaking ? 'INCREASING' : (r.metrics.heap_used?.trend ?? 'stable').toUpperCase();
  const lines = ['🔍 MEMORY LEAK ANALYSIS', '='.repeat(60), `📈 Trend: ${trend}`];
  for (const [key, name, unit] of NAMES) {
    const m = r.metrics[key];
    if (!m) continue;
    const d = m.current - m.baseline;
    lines.push(`   ${name}: ${d >= 0 ? '+' : ''}${unit ? d.toFixed(2) : Math.round(d)}${unit}`);
  }
  const verdict = { leak: 'LEAK', no_leak: 'NO LEAK', inconclusive: 'INCONCLUSIVE' }[r.summary.verdict];
  lines.push('', `leaklens: ${verdict} (${r.summary.cycles} cycles): ${r.summary.reason}`);
  if (r.issues.length > 0) {
    lines.push('', '🚨 Potential Issues:');
    for (const i of r.issues) lines.push(`   ⚠️ ${i.message}`);
  }
  return lines.join('\n');
}
