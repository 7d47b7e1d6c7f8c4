// @leaklens/recorder: the worker's half of leaklens.
//
//   import { Recorder } from '@leaklens/recorder';
//   const rec = new Recorder({ file: 'memory.ndjson', browser, keepLast: 100, interval: 20 });
//   await rec.snapshot(cycle, 'After scrape');
//   const report = rec.analyze();
//   await rec.writeReport('memory-report.html');
//   await rec.close();
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  ['browser_memory', 'Browser Memory', 'MB'],
  ['pages', 'Browser Pages', ''],
  ['contexts', 'Browser Contexts', ''],
];

/** `process.memoryUsage()` in MB, as the guide's snapshot's `nodejs` block. */
export function nodejsMemory() {
  const m = process.memoryUsage();
  return {
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    rss: mb(m.rss),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers ?? 0),
  };
}

export { gcTracker };

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
    // The periodic verdict runs in a child process (default) so that the
    // analysis never shows in the worker's own memory; 'inline' runs it here.
    this.periodicIn = options.periodicAnalysis ?? 'process';
    this.pending = null;
    this.skipped = 0;
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
    const snap = { cycle, label, timestamp: Date.now(), nodejs: nodejsMemory() };
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
    // A cycle that is a multiple of `interval` has ended: the verdict on
    // the cycles so far, before the next one's first snapshot joins them.
    if (newCycle && this.interval > 0 && this.log && finished % this.interval === 0) {
      this.periodic();
    }
    this.lastCycle = snap.cycle;
    this.snapshots.push(snap);
    if (this.snapshots.length > this.keepLast) this.snapshots.splice(0, this.snapshots.length - this.keepLast);
    this.count += 1;
    const line = JSON.stringify(snap);
    this.file?.write(line);
    this.live?.write(line);
    if (this.printSnapshots && this.log) this.log(snapshotBlock(snap));
  }

  /**
   * Logs the verdict on the run so far: in a child process (the default),
   * or here with `periodicAnalysis: 'inline'`. One at a time: a verdict
   * still being computed when the next is due makes that one skipped.
   */
  periodic() {
    const log = this.log;
    if (this.periodicIn === 'inline') {
      try {
        log(analysisBlock(this.analyze()));
      } catch (e) {
        log(`leaklens: no analysis (${e.message})`);
      }
      return;
    }
    if (this.pending) {
      this.skipped += 1;
      return;
    }
    const bytes = this.runBytes();
    this.pending = analyseInChild(this.name, bytes, this.analysisOptions)
      .then((json) => log(analysisBlock(JSON.parse(json))))
      .catch((e) => log(`leaklens: no analysis (${e.message})`))
      .finally(() => {
        this.pending = null;
      });
  }

  /** Resolves when no periodic verdict is being computed. */
  async idle() {
    while (this.pending) await this.pending;
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
      analysesSkipped: this.skipped,
    };
  }

  /** Sends what the live run still waits for (at most `ms`), closes the file. */
  async close(ms = 3000) {
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, ms).unref())]);
    if (this.closed) return;
    this.closed = true;
    this.gc.stop();
    await this.live?.close(ms);
    this.file?.close();
  }
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** The report JSON of `bytes`, computed by a child process. */
function analyseInChild(name, bytes, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, name, JSON.stringify(options), 'json'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(Buffer.concat(err).toString('utf8').trim() || `analysis exited with ${code}`));
    });
    child.stdin.on('error', () => {}); // a child that died early: its exit code says why
    child.stdin.end(bytes);
  });
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
  const ahead = (r.forecasts ?? []).filter((f) => f.status === 'reached' || f.status === 'projected');
  if (ahead.length > 0) {
    lines.push('', '⏳ Forecast:');
    for (const f of ahead) {
      const name = NAMES.find(([k]) => k === f.metric)?.[1] ?? f.metric;
      lines.push(
        f.status === 'reached'
          ? `   ${name} has reached its limit ${f.limit}`
          : `   ${name} reaches its limit ${f.limit} in about ${Math.round(f.cycles)} cycles (cycle ${Math.round(f.at_cycle)})`,
      );
    }
  }
  return lines.join('\n');
}
