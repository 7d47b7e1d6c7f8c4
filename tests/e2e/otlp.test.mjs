// Issue 16: real Node processes export their runtime metrics with the
// OpenTelemetry SDK (@opentelemetry/sdk-metrics, exporter-metrics-otlp-http,
// instrumentation-runtime-node) to `leaklens serve`'s OTLP receiver; each
// becomes a live run, judged in /metrics and listed on /fleet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startLeaklens } from './harness.mjs';

let proc, base;
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-otlp-'));

before(async () => {
  ({ proc, base } = await startLeaklens(['serve', '--addr', '127.0.0.1:0', '--data', path.join(cwd, 'data')], { cwd }));
});

after(() => {
  proc?.kill('SIGTERM');
  fs.rmSync(cwd, { recursive: true, force: true });
});

/** Runs tests/otel/worker.mjs for `seconds`, exporting to the server. */
function worker(instance, mode, seconds) {
  const url = new URL('/v1/metrics', base).href;
  const child = spawn(process.execPath, [path.join(ROOT, 'tests/otel/worker.mjs'), url, instance, mode, String(seconds)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${instance} exited with ${code}`))));
  });
}

test('OTLP exports of a leaking and a healthy Node process become judged live runs', async () => {
  // 10 s at one export every 100 ms: about 100 samples each.
  await Promise.all([worker('pod-leaking', 'leak', 10), worker('pod-healthy', 'healthy', 10)]);
  const text = await (await fetch(new URL('/metrics', base))).text();
  const verdict = (name) => {
    const line = text.split('\n').find((l) => l.startsWith('leaklens_verdict{') && l.includes(`name="${name}"`) && l.endsWith(' 1'));
    return line?.match(/verdict="([a-z_]+)"/)?.[1];
  };
  const snapshots = (name) => Number(text.split('\n').find((l) => l.startsWith('leaklens_snapshots{') && l.includes(`name="${name}"`))?.split(' ').pop());
  assert.ok(snapshots('pod-leaking') >= 60, `${snapshots('pod-leaking')} samples of the leaking pod\n${text}`);
  assert.ok(snapshots('pod-healthy') >= 60, `${snapshots('pod-healthy')} samples of the healthy pod`);
  assert.equal(verdict('pod-leaking'), 'leak', text);
  assert.notEqual(verdict('pod-healthy'), 'leak', text);

  const fleet = await (await fetch(new URL('/fleet', base))).text();
  assert.ok(fleet.indexOf('pod-leaking') < fleet.indexOf('pod-healthy'), 'the leak first on /fleet');
  assert.match(fleet, /2 live runs, 1 leaking/);
});
