// The recorder in real workers: Node driving Debian's chromium through
// playwright-core against a local site; the CLI (`target/debug/leaklens`,
// or LEAKLENS_BIN) reads what the recorder wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startSite } from '../../../bench/realworker/site.mjs';
import { Recorder } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Under Bun (`bun test`) the workers run under Bun too (process.execPath).
const isBun = typeof globalThis.Bun !== 'undefined';
const root = path.resolve(here, '../../..');
const bin = process.env.LEAKLENS_BIN ?? path.join(root, 'target/debug/leaklens');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-recorder-'));
let site;
let siteUrl;

before(async () => {
  assert.ok(fs.existsSync(bin), `no leaklens binary at ${bin} (cargo build -p leaklens)`);
  site = await startSite();
  siteUrl = `http://127.0.0.1:${site.address().port}`;
});

after(() => {
  site?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the test worker to the end; resolves with its last stdout line. */
function runWorker(cfg, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(here, '../support/worker.mjs'), JSON.stringify({ site: siteUrl, ...cfg })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** `leaklens analyze NAME --format json` run where the file is, by its name. */
function cli(file, ...args) {
  const r = spawnSync(bin, ['analyze', path.basename(file), ...args], {
    cwd: path.dirname(file),
    encoding: 'utf8',
  });
  return r;
}

test('a worker that keeps what it scrapes is a heap leak, and its own report is the CLI\'s', async () => {
  const file = path.join(tmp, 'objects.ndjson');
  const html = path.join(tmp, 'objects.html');
  const out = await runWorker({ file, cycles: 40, cause: 'objects', rate: 2, forceGc: true, report: html }, ['--expose-gc']);
  const report = JSON.parse(out.report);
  assert.equal(report.summary.verdict, 'leak', report.summary.reason);
  assert.ok(report.issues.some((i) => i.kind === 'heap_growth'), JSON.stringify(report.issues.map((i) => i.kind)));
  // The same analysis, the same bytes: the in-process report is the CLI's.
  const r = cli(file, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(out.report, r.stdout);
  const page = fs.readFileSync(html, 'utf8');
  const fromCli = cli(file, '--format', 'html').stdout;
  assert.equal(page, fromCli);
  // Every snapshot carries its collections; forced ones are major.
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 120);
  if (isBun) {
    // Bun has neither v8.GCProfiler nor gc performance entries.
    assert.ok(lines.every((l) => l.gc === undefined));
  } else {
    assert.ok(lines.every((l) => l.gc && typeof l.gc.major === 'number'));
    assert.ok(lines.some((l) => l.gc.heapAfterMajor > 0));
    assert.equal(report.metrics.heap_used.retained_from, 'after_major_gc');
  }
});

test('a worker that leaves pages open is a leak of pages', async () => {
  const file = path.join(tmp, 'pages.ndjson');
  const out = await runWorker({ file, cycles: 30, cause: 'pages' });
  const report = JSON.parse(out.report);
  assert.equal(report.summary.verdict, 'leak', report.summary.reason);
  assert.ok(report.issues.some((i) => i.kind === 'page_accumulation'));
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].browser.pageCount, 1);
  assert.equal(lines[0].browser.contextCount, 1);
  // The browser's own processes: every open page is a renderer's memory.
  const mem = lines.map((l) => l.browser.browserMemory);
  assert.ok(mem.every((m) => m > 10), `browser memory ${mem}`);
  assert.ok(mem.at(-1) > mem[0] + 20, `browser memory ${mem[0]} → ${mem.at(-1)} MB`);
  assert.ok(report.metrics.browser_memory, 'browser memory is judged');
  assert.ok(report.issues.some((i) => i.kind === 'browser_memory_growth'), 'each open page costs the browser memory');
});

test('a healthy worker is not called a leak', async () => {
  const file = path.join(tmp, 'healthy.ndjson');
  // As the guide's workers do, a fresh page every 10 cycles: one page
  // navigated for ever makes Chromium itself grow (~3 MB a navigation here,
  // for 185 cycles), which leaklens reports as browser_memory_growth.
  let report = JSON.parse((await runWorker({ file, cycles: 40, cause: 'none', recreateEvery: 10 })).report);
  // The process's and Chromium's memory are what the worker's code does not
  // control: on a loaded machine (the whole suite: dozens of browsers
  // before this one) Chromium once grew 100 MB in these 40 cycles, and
  // under Bun the worker's RSS 12 MB (its runtime warming up), each judged
  // a leak. Then the run is made again, once; the worker's heap, pages and
  // contexts are never given a second try.
  const leaking = (r) => Object.entries(r.metrics).filter(([, m]) => m.assessment === 'leaking').map(([k]) => k);
  const runtimeOnly = (k) => k === 'browser_memory' || k === 'rss';
  if (report.summary.verdict === 'leak' && leaking(report).every(runtimeOnly)) {
    console.log(`# only the runtime's memory grew (${report.summary.reason}); once more`);
    report = JSON.parse((await runWorker({ file: `${file}.2`, cycles: 40, cause: 'none', recreateEvery: 10 })).report);
  }
  assert.notEqual(report.summary.verdict, 'leak', report.summary.reason);
  assert.ok(!leaking(report).includes('heap_used'), 'the heap is not leaking');
});

test('kill -9 in the middle of a run leaves every snapshot it took readable', async () => {
  const file = path.join(tmp, 'killed.ndjson');
  const child = spawn(process.execPath, [path.join(here, '../support/worker.mjs'), JSON.stringify({ site: siteUrl, file, cycles: 100, cause: 'none', pauseAfter: 12 })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      if (d.includes('paused')) resolve();
    });
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const r = cli(file, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.summary.cycles, 12);
  assert.equal(report.summary.snapshots, 36);
});

test('a server that is down, or never answers, costs the worker nothing', async () => {
  // A server that accepts connections and never answers.
  const sockets = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  for (const server of [`http://127.0.0.1:${silent.address().port}`, 'http://127.0.0.1:9']) {
    const rec = new Recorder({ server, log: false, batch: 10, flushMs: 50, maxQueued: 100 });
    for (let c = 1; c <= 300; c++) await rec.snapshot(c, 'After cleanup');
    assert.equal(rec.stats().snapshots, 300);
    await rec.close(300);
    const s = rec.stats();
    // Nothing arrived; what could not be sent is counted, never thrown.
    assert.equal(s.liveSent, 0);
    assert.ok(s.liveDropped > 0, JSON.stringify(s));
  }
  for (const s of sockets) s.destroy();
  silent.close();
});

test('snapshots stream to a live run of leaklens serve', async () => {
  const data = path.join(tmp, 'serve-data');
  const server = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise((resolve) => {
      server.stdout.setEncoding('utf8').on('data', (d) => {
        const m = d.match(/serving on (http:\/\/[^/\s]+)/);
        if (m) resolve(m[1]);
      });
    });
    const rec = new Recorder({ server: base, log: false, batch: 25, flushMs: 100 });
    for (let c = 1; c <= 40; c++) {
      await rec.snapshot(c, 'Before scrape');
      await rec.snapshot(c, 'After cleanup');
    }
    await rec.close(5000);
    const s = rec.stats();
    assert.equal(s.liveSent, 80, JSON.stringify(s));
    assert.equal(s.liveDropped, 0);
    const id = s.liveUrl.split('/live/')[1];
    const body = await (await fetch(`${base}/api/runs/${id}`)).text();
    assert.equal(body.trim().split('\n').length, 80);
  } finally {
    server.kill();
  }
});

test('the file rotates by size and the analysis reads every part', async () => {
  const file = path.join(tmp, 'rotated.ndjson');
  const rec = new Recorder({ file, log: false, maxFileBytes: 8 * 1024, keepFiles: 50 });
  for (let c = 1; c <= 60; c++) {
    await rec.snapshot(c, 'Before scrape');
    await rec.snapshot(c, 'After cleanup');
  }
  assert.ok(fs.existsSync(`${file}.1`) && fs.existsSync(`${file}.2`));
  assert.equal(rec.analyze().summary.snapshots, 120);
  assert.equal(rec.getSnapshots().length, 100);
  await rec.close();
});

test('npm pack gives a tarball that installs and analyses', () => {
  const pkg = path.resolve(here, '..');
  const packed = spawnSync('npm', ['pack', '--pack-destination', tmp, '--json'], { cwd: pkg, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = path.join(tmp, JSON.parse(packed.stdout)[0].filename);
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}');
  const installed = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: app, encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  const script = `
    import { Recorder } from '@leaklens/recorder';
    const rec = new Recorder({ log: false });
    for (let c = 1; c <= 20; c++) await rec.snapshot(c, 'After cleanup');
    console.log(rec.analyze().summary.cycles);
    await rec.close();
  `;
  const ran = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
  assert.equal(ran.stdout.trim(), '20');
});
