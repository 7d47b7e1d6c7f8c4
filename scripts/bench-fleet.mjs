// Fleet benchmark of `leaklens serve` (issue 16; prints the figures for
// docs/benchmarks.md): W simulated workers each create a live run and
// append one snapshot a second for S seconds (a tenth of them leaking),
// while Prometheus scrapes /metrics every 15 s and the webhook judges each
// run a moment after its appends. Reports append latency p50/p99/max, the
// server's CPU and peak memory (from /proc), and what a scrape costs as
// the runs grow; then the cost of judging one run of 1,000 to 100,000
// snapshots (the work a scrape or the webhook does when a run grew).
// Usage: node scripts/bench-fleet.mjs [--workers 100] [--seconds 600]
//        (after `cargo build --release -p leaklens`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { ROOT, startLeaklens } from '../tests/e2e/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const workers = arg('workers', 100);
const seconds = arg('seconds', 600);

const cli = path.join(ROOT, 'target/release/leaklens');
if (!fs.existsSync(cli)) throw new Error('build it first: cargo build --release -p leaklens');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-fleet-'));

// A webhook receiver (counts the calls).
let hooks = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { hooks++; res.writeHead(204).end(); });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const { proc: server, base } = await startLeaklens(['serve', '--addr', '127.0.0.1:0', '--data', path.join(tmp, 'data'),
  '--max-per-client', '0', '--max-writes-per-minute', '0', '--webhook', hookUrl], { bin: cli, echo: false });
const agent = new http.Agent({ keepAlive: true, maxSockets: workers + 8 });
function post(p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, base), { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) and resident memory of the server. */
function usage() {
  const stat = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);
  return { cpu: ticks / 100, rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const snapshot = (k, leaking) => JSON.stringify({
  cycle: k,
  label: 'After cleanup',
  timestamp: Date.now(),
  nodejs: { heapUsed: 120 + (leaking ? 0.5 * k : 0) + Math.random() * 8, heapTotal: 200, rss: 400 + Math.random() * 4 },
  browser: { pageCount: 1, contextCount: 1 },
}) + '\n';

const runs = [];
for (let w = 0; w < workers; w++) {
  const r = await post('/api/runs', '', { 'x-file-name': `worker-${w}` });
  const { id, write_token } = JSON.parse(r.body);
  runs.push({ id, token: write_token, leaking: w % 10 === 0, k: 0 });
}
console.log(`${workers} workers, one snapshot a second each for ${seconds} s; ${os.cpus().length} cores`);

const latencies = [];
let failed = 0;
const scrapes = [];
const start0 = usage();
const t0 = Date.now();
const tick = async (r) => {
  r.k++;
  const t = performance.now();
  const res = await post(`/api/runs/${r.id}/snapshots`, snapshot(r.k, r.leaking), { authorization: `Bearer ${r.token}` });
  latencies.push(performance.now() - t);
  if (res.status !== 200 && failed++ === 0) console.log(`first failed append: ${res.status} ${res.body}`);
};
await new Promise((resolve) => {
  const timers = runs.map((r, i) => setTimeout(() => {
    const iv = setInterval(() => tick(r), 1000);
    r.stop = () => clearInterval(iv);
  }, (i * 1000) / workers));
  const scrape = setInterval(async () => {
    const t = performance.now();
    const text = await (await fetch(new URL('/metrics', base))).text();
    scrapes.push({ at: (Date.now() - t0) / 1000, ms: performance.now() - t, leaks: (text.match(/verdict="leak"} 1/g) || []).length });
  }, 15000);
  setTimeout(() => {
    runs.forEach((r) => r.stop?.());
    timers.forEach(clearTimeout);
    clearInterval(scrape);
    setTimeout(resolve, 1500);
  }, seconds * 1000);
});
const end = usage();
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
const wall = (Date.now() - t0) / 1000;
console.log(`appends: ${latencies.length} (${failed} failed); latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`);
console.log(`server: ${(end.cpu - start0.cpu).toFixed(1)} CPU s in ${wall.toFixed(0)} s (${(100 * (end.cpu - start0.cpu) / wall).toFixed(0)}% of one core); RSS now ${end.rss.toFixed(0)} MB, peak ${end.hwm.toFixed(0)} MB`);
for (const s of scrapes) console.log(`  /metrics at ${s.at.toFixed(0)} s: ${s.ms.toFixed(0)} ms, ${s.leaks} runs judged leak`);
console.log(`webhook calls: ${hooks} (expected about ${workers}: each run's first verdict, then the ${workers / 10} leaks' change to leak)`);

// The cost of judging one run as it grows (what a scrape or the webhook
// pays for a run that grew): read + analyse, by the CLI.
for (const n of [1000, 10000, 100000]) {
  const f = path.join(tmp, `run-${n}.ndjson`);
  execFileSync(cli, ['generate', '--scenario', 'linear', '--rate', '0.01', '--cycles', String(Math.ceil(n / 3.3)), '--format', 'ndjson', '-o', f]);
  const t = performance.now();
  execFileSync(cli, ['analyze', f, '--format', 'json'], { stdio: ['ignore', 'ignore', 'ignore'] });
  console.log(`judge one run of ~${n} snapshots: ${(performance.now() - t).toFixed(0)} ms`);
}
server.kill('SIGTERM');
receiver.close();
agent.destroy();
fs.rmSync(tmp, { recursive: true, force: true });
