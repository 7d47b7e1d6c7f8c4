// The worker's console log: snapshots in the guide's format (what
// `leaklens analyze worker.log` reads) and leaklens's periodic verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Recorder, snapshotBlock } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.LEAKLENS_BIN ?? path.resolve(here, '../../../target/debug/leaklens');

/** A leaking run: the retained heap climbs 2 MB a cycle under a sawtooth. */
function snapshots(cycles) {
  const out = [];
  for (let c = 1; c <= cycles; c++) {
    const base = 40 + 2 * c;
    for (const [label, extra] of [['Before scrape', 0], ['After scrape', 30], ['After cleanup', 1]]) {
      out.push({
        cycle: c,
        label,
        timestamp: 1_780_000_000_000 + c * 10_000,
        nodejs: { heapUsed: base + extra, heapTotal: 2 * base + 40, rss: 3 * base + 100, external: 3, arrayBuffers: 1 },
        browser: { pageCount: 1, contextCount: 1, pageUrls: ['https://example.com/'], browserMemory: 400 + c },
      });
    }
  }
  return out;
}

test('every interval cycles the log carries the verdict, its issues and the forecast', () => {
  const lines = [];
  const rec = new Recorder({ log: (l) => lines.push(l), interval: 10, printSnapshots: true, periodicAnalysis: 'inline', analysis: { limits: { rss: 500 } } });
  for (const s of snapshots(31)) rec.record(s);
  const log = lines.join('\n');
  // Three verdicts: after cycles 10, 20 and 30.
  assert.equal(log.match(/🔍 MEMORY LEAK ANALYSIS/g).length, 3);
  assert.match(log, /leaklens: LEAK \(30 cycles\)/);
  assert.match(log, /heap_growth|Heap Used grows/);
  assert.match(log, /⏳ Forecast:\n(.*\n)*? {3}RSS reaches its limit 500 in about 17 cycles \(cycle 47\)/);
  assert.match(log, / {3}Browser Memory: 401\.00MB/);

  // The same log read by the CLI: every snapshot, and the same verdict.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-log-'));
  const file = path.join(dir, 'worker.log');
  fs.writeFileSync(file, log + '\n');
  const r = spawnSync(bin, ['analyze', file, '--format', 'json'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.summary.snapshots, 93);
  assert.equal(report.summary.verdict, 'leak');
  assert.ok(report.metrics.browser_memory);
});

test('a snapshot block is the guide\'s format, field for field', () => {
  const block = snapshotBlock(snapshots(1)[1]);
  assert.equal(
    block,
    [
      '📊 Memory Snapshot [Cycle 1] - After scrape:',
      '   Heap: 72.00MB / 124.00MB',
      '   RSS: 226.00MB',
      '   External: 3.00MB',
      '   ArrayBuffers: 1.00MB',
      '   Browser Memory: 401.00MB',
      '   Browser Pages: 1',
      '   Browser Contexts: 1',
    ].join('\n'),
  );
});

test('by default the periodic verdict is computed in a child process, one at a time', async () => {
  const lines = [];
  const rec = new Recorder({ log: (l) => lines.push(l), interval: 10 });
  const all = snapshots(31);
  for (const s of all.slice(0, 31)) rec.record(s); // cycle 11 begins: a verdict on 1–10
  assert.ok(rec.pending, 'a verdict is being computed');
  for (const s of all.slice(31, 61)) rec.record(s); // cycle 21 begins while it still runs
  assert.equal(rec.stats().analysesSkipped, 1);
  await rec.idle();
  for (const s of all.slice(61)) rec.record(s); // cycle 31 begins: a verdict on 1–30
  await rec.close();
  const verdicts = lines.filter((l) => l.startsWith('🔍 MEMORY LEAK ANALYSIS'));
  assert.equal(verdicts.length, 2);
  assert.match(verdicts[0], /leaklens: LEAK \(10 cycles\)/);
  assert.match(verdicts[1], /leaklens: LEAK \(30 cycles\)/);
});

test('heapSnapshot writes a V8 heap snapshot DevTools can open', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-heap-'));
  const file = path.join(dir, 'cycle-10.heapsnapshot');
  const rec = new Recorder({ log: false });
  const written = rec.heapSnapshot(file);
  assert.equal(written, file);
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(snap.snapshot?.meta?.node_fields?.length > 0, 'V8 heap snapshot format');
  assert.ok(snap.nodes.length > 1000);
  fs.rmSync(dir, { recursive: true, force: true });
});
