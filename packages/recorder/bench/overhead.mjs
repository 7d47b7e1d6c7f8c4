// What the recorder costs a worker (issue 15's targets): the time of a
// snapshot without a browser, the time of the in-process analysis of
// 10,000 snapshots, and the resident memory the package adds with
// keepLast: 100 (wasm included). Prints the figures; docs/benchmarks.md
// keeps them.
//
//   node --expose-gc packages/recorder/bench/overhead.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;
const rssMb = () => process.memoryUsage().rss / MB;
const settle = () => {
  globalThis.Bun?.gc(true);
  for (let i = 0; i < 3; i++) global.gc?.();
};

// `--rss MODE`: only the resident-memory measurement, in this fresh
// process (the parent runs one per mode and compares).
const rssMode = process.argv[2] === '--rss' ? process.argv[3] : null;
if (rssMode) {
  settle();
  const before = rssMb();
  const file = path.join(os.tmpdir(), `leaklens-rss-${process.pid}.ndjson`);
  const labels = ['Before scrape', 'After scrape', 'After cleanup'];
  if (rssMode === 'guide') {
    // The guide's profiler: memoryUsage, the last 100 in memory, appended.
    const keep = [];
    for (let i = 0; i < 1000; i++) {
      const m = process.memoryUsage();
      const snap = { cycle: 1 + Math.floor(i / 3), label: labels[i % 3], timestamp: Date.now(), nodejs: { heapUsed: m.heapUsed / MB, heapTotal: m.heapTotal / MB, rss: m.rss / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB } };
      keep.push(snap);
      if (keep.length > 100) keep.shift();
      fs.appendFileSync(file, JSON.stringify(snap) + '\n');
      await null;
    }
  } else {
    const { Recorder } = await import('../src/index.js');
    const rec = new Recorder({ file, log: () => {}, interval: 20, keepLast: 100, periodicAnalysis: rssMode === 'inline' ? 'inline' : 'process' });
    for (let i = 0; i < 1000; i++) {
      await rec.snapshot(1 + Math.floor(i / 3), labels[i % 3]);
      await rec.idle();
    }
    await rec.close();
  }
  settle();
  process.stdout.write(`${(rssMb() - before).toFixed(1)}\n`);
  for (const f of fs.readdirSync(os.tmpdir())) if (f.startsWith(`leaklens-rss-${process.pid}`)) fs.rmSync(path.join(os.tmpdir(), f));
  process.exit(0);
}

const { Recorder } = await import('../src/index.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-overhead-'));
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const stats = (xs) => {
  xs.sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `mean ${mean.toFixed(3)} ms, median ${pct(xs, 0.5).toFixed(3)} ms, p99 ${pct(xs, 0.99).toFixed(3)} ms`;
};

// 1. Resident memory after 1,000 snapshots with keepLast 100, each in a
// fresh process: the guide's profiler doing the same (the baseline: Node's
// own cost of running that loop), the recorder with its periodic verdict
// every 20 cycles in a child process (the default), and in this process.
{
  const { execFileSync } = await import('node:child_process');
  const me = fileURLToPath(import.meta.url);
  const rss = (mode) => Number(execFileSync(process.execPath, ['--expose-gc', me, '--rss', mode], { encoding: 'utf8' }).trim());
  const guide = rss('guide');
  const rec = rss('process');
  const inline = rss('inline');
  console.log(`resident memory added by 1,000 snapshots: the guide's profiler ${guide.toFixed(1)} MB; the recorder ${rec.toFixed(1)} MB (+${(rec - guide).toFixed(1)} MB, verdicts in a child); with in-process verdicts ${inline.toFixed(1)} MB (+${(inline - guide).toFixed(1)} MB: the wasm compiled by the optimising tier in this process)`);
}

// 2. A snapshot without a browser: memoryUsage, GC counts, the file append.
{
  const rec = new Recorder({ file: path.join(dir, 'snap.ndjson'), log: false, interval: 0 });
  const times = [];
  for (let i = 0; i < 10_500; i++) {
    const t = performance.now();
    await rec.snapshot(1 + Math.floor(i / 3), ['Before scrape', 'After scrape', 'After cleanup'][i % 3]);
    if (i >= 500) times.push(performance.now() - t); // after warm-up
  }
  await rec.close();
  console.log(`snapshot (no browser, appended to a file): ${stats(times)}`);
}

// 3. The analysis of 10,000 snapshots (3,334 cycles), in Node, through wasm.
const lines = [];
let heap = 60;
for (let i = 0; i < 10_000; i++) {
  const cycle = 1 + Math.floor(i / 3);
  const phase = i % 3;
  heap = 60 + (cycle % 17) * 2 + (phase === 1 ? 25 : 0) + Math.sin(i) * 3;
  lines.push(JSON.stringify({
    cycle,
    label: ['Before scrape', 'After scrape', 'After cleanup'][phase],
    timestamp: 1_780_000_000_000 + i * 3000,
    nodejs: { heapUsed: +heap.toFixed(2), heapTotal: 140, rss: 260 + (i % 5), external: 12, arrayBuffers: 3 },
    browser: { pageCount: 1, contextCount: 1, pageUrls: ['https://example.com/'] },
  }));
}
const runFile = path.join(dir, 'run.ndjson');
fs.writeFileSync(runFile, lines.join('\n') + '\n');
{
  const rec = new Recorder({ file: runFile, log: false, interval: 0 });
  rec.analyze(); // loads and compiles the wasm
  const times = [];
  for (let k = 0; k < 20; k++) {
    const t = performance.now();
    const r = rec.analyze();
    times.push(performance.now() - t);
    if (r.summary.snapshots !== 10_000) throw new Error(`read ${r.summary.snapshots} snapshots`);
  }
  await rec.close();
  console.log(`analysis of 10,000 snapshots (report JSON parsed): ${stats(times)}`);
}

const wasm = fs.statSync(new URL('../wasm/leaklens_node_bg.wasm', import.meta.url)).size;
console.log(`wasm module: ${(wasm / 1024).toFixed(0)} KiB`);
fs.rmSync(dir, { recursive: true, force: true });
