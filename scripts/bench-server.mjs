// Load benchmark of `leaklens serve` (prints figures for docs/benchmarks.md):
// N uploads of a ~10 MB NDJSON run at C concurrent, each parsed by the core,
// written atomically (temp file, fsync, rename) and acknowledged with 201.
// Reports latency p50/p90/p99/max and throughput, then checks that every
// acknowledged upload reads back intact.
// Usage: node scripts/bench-server.mjs [--concurrency 50] [--total 300] [--cycles 12000]
//        (after `cargo build --release -p leaklens`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ROOT, startLeaklens } from '../tests/e2e/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const concurrency = arg('concurrency', 50);
const total = arg('total', 300);
const cycles = arg('cycles', 12000);

const cli = path.join(ROOT, 'target/release/leaklens');
if (!fs.existsSync(cli)) throw new Error('build it first: cargo build --release -p leaklens');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-load-'));
const file = path.join(tmp, 'run.ndjson');
execFileSync(cli, ['generate', '--scenario', 'linear', '--rate', '0.5', '--cycles', String(cycles), '-o', file]);
const body = fs.readFileSync(file);
console.log(`upload: ${(body.length / 1e6).toFixed(1)} MB NDJSON, ${total} uploads, ${concurrency} concurrent, ${os.cpus().length} cores`);

const { proc: server, base } = await startLeaklens(['serve', '--addr', '127.0.0.1:0', '--data', path.join(tmp, 'data')],
  { bin: cli, echo: false });

const latencies = [];
const ids = [];
let next = 0;
let failed = 0;
const t0 = performance.now();
async function worker() {
  while (next < total) {
    next += 1;
    const t = performance.now();
    const res = await fetch(`${base}api/reports`, { method: 'POST', body, headers: { 'X-File-Name': 'run.ndjson' } });
    const text = await res.text();
    latencies.push(performance.now() - t);
    if (res.status === 201) ids.push(JSON.parse(text).id);
    else failed += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const wall = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(`latency: p50 ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${latencies.at(-1).toFixed(0)} ms`);
console.log(`throughput: ${(total / wall).toFixed(1)} uploads/s, ${((total * body.length) / 1e6 / wall).toFixed(0)} MB/s; ${failed} failed`);

// Every acknowledged upload is there, byte for byte.
const want = createHash('sha256').update(body).digest('hex');
let intact = 0;
for (const id of ids) {
  const got = Buffer.from(await (await fetch(`${base}api/reports/${id}`)).arrayBuffer());
  if (createHash('sha256').update(got).digest('hex') === want) intact += 1;
}
console.log(`read back: ${intact}/${ids.length} intact`);
const hwm = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
if (hwm) console.log(`server peak memory (VmHWM): ${(Number(hwm[1]) / 1024).toFixed(0)} MB`);
server.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });
if (failed > 0 || intact !== ids.length) process.exit(1);
