// Real runs recorded by the recorder package itself, under another runtime
// (Bun: no GC events) — added to tests/corpora/real with their labels.
// Each run is the recorder's test worker (packages/recorder/support/
// worker.mjs) driving Debian's chromium against the local site.
//
//   node bench/realworker/record-recorder.mjs [--runtime node_modules/.bin/bun] [--runs 2]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

import { startSite } from './site.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runtime = path.resolve(root, opt('--runtime', 'node_modules/.bin/bun'));
const runs = Number(opt('--runs', '2'));
const outDir = path.join(root, 'tests/corpora/real');
const labelsPath = path.join(outDir, 'labels.json');
const labels = JSON.parse(fs.readFileSync(labelsPath, 'utf8'));
const version = (await run(runtime, ['--version'])).stdout.trim();
const site = await startSite();
const siteUrl = `http://127.0.0.1:${site.address().port}`;

for (let k = 1; k <= runs; k++) {
  const file = `recorder-${path.basename(runtime)}-healthy-${k}.ndjson.gz`;
  if (labels[file]) continue;
  const tmp = path.join(outDir, `.${file}.ndjson`);
  const cfg = { site: siteUrl, file: tmp, cycles: 40, cause: 'none', recreateEvery: 10 };
  const r = await run(runtime, [path.join(root, 'packages/recorder/support/worker.mjs'), JSON.stringify(cfg)]);
  if (r.status !== 0) {
    console.error(`${file}: worker failed (${r.status})`);
    continue;
  }
  fs.writeFileSync(path.join(outDir, file), zlib.gzipSync(fs.readFileSync(tmp), { level: 9 }));
  fs.unlinkSync(tmp);
  labels[file] = {
    truth: 'no_leak',
    metrics: [],
    cause: 'none',
    rate: 0,
    onset_cycle: null,
    forced_gc: false,
    cycles: 40,
    load: 'recorder test worker, page recreated every 10 cycles',
    runtime: `${path.basename(runtime)} ${version}`,
    recorded: new Date().toISOString().slice(0, 10),
  };
  fs.writeFileSync(labelsPath, JSON.stringify(labels, null, 1) + '\n');
  console.log(file);
}
site.close();

function run(cmd, argv) {
  // Not spawnSync: the site is served from this process's event loop.
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.on('close', (status) => resolve({ status, stdout }));
  });
}
