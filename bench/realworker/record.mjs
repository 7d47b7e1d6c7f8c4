// Records the real-worker accuracy corpus: every run of the matrix below
// (a real Node worker driving Debian's chromium through playwright-core
// against a local site), each written gzipped to the corpus folder with its
// label. Labels come from the injected cause, never from an analyser.
//
//   node bench/realworker/record.mjs [--out DIR] [--only REGEX] [--list]
//
// Runs already recorded are skipped (delete a file to record it again), so
// the script can be stopped and started again. About 40 s a run here.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSite } from './site.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const outDir = path.resolve(opt('--out', path.join(here, '../../tests/corpora/real')));
const only = new RegExp(opt('--only', '.'));

// What each cause leaks (the metrics a right verdict flags), and whether it is a leak.
const CAUSES = {
  none: { leak: false, metrics: [] },
  cache: { leak: false, metrics: [] },
  warmup: { leak: false, metrics: [] },
  objects: { leak: true, metrics: ['heap_used'] },
  strings: { leak: true, metrics: ['heap_used'] },
  listeners: { leak: true, metrics: ['heap_used'] },
  buffers: { leak: true, metrics: ['external', 'array_buffers'] },
  arraybuffers: { leak: true, metrics: ['external', 'array_buffers'] },
  pages: { leak: true, metrics: ['pages'] },
  contexts: { leak: true, metrics: ['contexts', 'pages'] },
};

// Node stores a string decoded from a Buffer outside the V8 heap (an
// external string) when it is longer than this (node's EXTERN_APEX):
// `strings` and `listeners` of a megabyte or more leak `external` memory.
const EXTERN_APEX = 0xfbee9;

/** The metrics a run's cause makes grow (what a right verdict flags). */
function metricsOf(run) {
  const big = run.rate * 1024 * 1024 > EXTERN_APEX;
  if ((run.cause === 'strings' || run.cause === 'listeners') && big) return ['external'];
  return CAUSES[run.cause].metrics;
}

// Loads: [items per page, page KB, pages per cycle, sleep between cycles (ms)].
const LOADS = {
  light: [50, 60, 1, 0],
  medium: [300, 400, 1, 100],
  heavy: [800, 1500, 2, 0],
  idle: [100, 150, 1, 400],
};

const matrix = [];
function add(name, cause, opts = {}) {
  const load = LOADS[opts.load ?? 'light'];
  matrix.push({
    name,
    cause,
    rate: opts.rate ?? 0,
    onset: opts.onset ?? 1,
    every: opts.every ?? 1,
    capacity: opts.capacity,
    warmCycles: opts.warmCycles,
    forceGc: !!opts.forceGc,
    cycles: opts.cycles ?? 150,
    items: load[0],
    kb: load[1],
    pagesPerCycle: load[2],
    sleepMs: load[3],
    load: opts.load ?? 'light',
    screenshots: !!opts.screenshots,
    seed: opts.seed ?? matrix.length * 1000 + 1,
  });
}

// Healthy workers without forced GC (how production runs): plain, with a
// cache that fills and holds, with a warm-up; every load, two lengths.
for (const load of Object.keys(LOADS)) {
  add(`healthy-${load}`, 'none', { load });
  add(`healthy-${load}-long`, 'none', { load, cycles: 260 });
  add(`healthy-${load}-shots`, 'none', { load, screenshots: true, cycles: 120 });
}
add('cache-small-light', 'cache', { rate: 0.2, capacity: 60 });
add('cache-big-medium', 'cache', { rate: 1, capacity: 40, load: 'medium' });
add('cache-big-heavy', 'cache', { rate: 0.5, capacity: 80, load: 'heavy', cycles: 200 });
add('cache-big-idle', 'cache', { rate: 2, capacity: 30, load: 'idle' });
add('cache-late-full-light', 'cache', { rate: 0.3, capacity: 110, cycles: 200 });
add('warmup-light', 'warmup', { rate: 4, warmCycles: 8 });
add('warmup-medium', 'warmup', { rate: 2, warmCycles: 15, load: 'medium' });
add('warmup-heavy', 'warmup', { rate: 6, warmCycles: 5, load: 'heavy' });
add('warmup-idle', 'warmup', { rate: 3, warmCycles: 20, load: 'idle', cycles: 200 });
// Healthy with forced GC in cleanup (a worker started with --expose-gc).
for (const load of Object.keys(LOADS)) add(`healthy-gc-${load}`, 'none', { load, forceGc: true });
add('cache-gc-medium', 'cache', { rate: 1, capacity: 40, load: 'medium', forceGc: true });
add('warmup-gc-light', 'warmup', { rate: 4, warmCycles: 8, forceGc: true });

// Leaks of JS objects: slow to fast, every load, without forced GC mostly.
for (const rate of [0.1, 0.25, 0.5, 1, 2]) {
  add(`objects-${rate}-light`, 'objects', { rate });
  add(`objects-${rate}-medium`, 'objects', { rate, load: 'medium' });
}
add('objects-0.3-heavy', 'objects', { rate: 0.3, load: 'heavy' });
add('objects-0.6-idle', 'objects', { rate: 0.6, load: 'idle' });
add('objects-0.15-light-long', 'objects', { rate: 0.15, cycles: 300 });
add('objects-0.5-gc-light', 'objects', { rate: 0.5, forceGc: true });
add('objects-0.2-gc-medium', 'objects', { rate: 0.2, forceGc: true, load: 'medium' });
add('strings-0.5-light', 'strings', { rate: 0.5 });
add('strings-1.5-heavy', 'strings', { rate: 1.5, load: 'heavy' });
add('listeners-0.2-light', 'listeners', { rate: 0.2 });
add('listeners-1-medium', 'listeners', { rate: 1, load: 'medium' });
add('listeners-0.5-gc-idle', 'listeners', { rate: 0.5, load: 'idle', forceGc: true });
// A leak that starts late.
add('late-objects-1-light', 'objects', { rate: 1, onset: 80, cycles: 180 });
add('late-objects-0.5-medium', 'objects', { rate: 0.5, onset: 100, cycles: 200, load: 'medium' });
add('late-strings-2-idle', 'strings', { rate: 2, onset: 60, load: 'idle' });
// Buffers and ArrayBuffers kept alive.
add('buffers-0.5-light', 'buffers', { rate: 0.5 });
add('buffers-2-medium', 'buffers', { rate: 2, load: 'medium' });
add('buffers-0.2-idle', 'buffers', { rate: 0.2, load: 'idle' });
add('arraybuffers-1-light', 'arraybuffers', { rate: 1 });
add('arraybuffers-0.3-heavy', 'arraybuffers', { rate: 0.3, load: 'heavy' });
// Pages and contexts never closed.
add('pages-every1-light', 'pages', { every: 1, cycles: 100 });
add('pages-every3-medium', 'pages', { every: 3, load: 'medium', cycles: 120 });
add('pages-every5-light', 'pages', { every: 5, cycles: 150 });
add('contexts-every1-light', 'contexts', { every: 1, cycles: 100 });
add('contexts-every4-idle', 'contexts', { every: 4, load: 'idle', cycles: 120 });
add('contexts-every2-gc-light', 'contexts', { every: 2, forceGc: true, cycles: 100 });

if (args.includes('--list')) {
  for (const m of matrix) console.log(m.name);
  process.exit(0);
}

fs.mkdirSync(outDir, { recursive: true });
const labelsPath = path.join(outDir, 'labels.json');
const labels = fs.existsSync(labelsPath) ? JSON.parse(fs.readFileSync(labelsPath, 'utf8')) : {};
const site = await startSite();
const siteUrl = `http://127.0.0.1:${site.address().port}`;

for (const run of matrix.filter((m) => only.test(m.name))) {
  const file = `${run.name}.ndjson.gz`;
  const dest = path.join(outDir, file);
  if (fs.existsSync(dest) && labels[file]) continue;
  const tmp = path.join(outDir, `.${run.name}.ndjson`);
  const config = { ...run, out: tmp, site: siteUrl };
  const started = Date.now();
  const nodeArgs = run.forceGc ? ['--expose-gc'] : [];
  // Not spawnSync: the site is served from this process's event loop.
  const r = await new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(here, 'worker.mjs'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60 * 1000,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.on('close', (status, signal) => resolve({ status, signal, stdout }));
  });
  if (r.status !== 0) {
    console.error(`${run.name}: worker failed (${r.status ?? r.signal})`);
    continue;
  }
  const seen = JSON.parse(r.stdout.trim().split('\n').pop() || '{}');
  fs.writeFileSync(dest, zlib.gzipSync(fs.readFileSync(tmp), { level: 9 }));
  fs.unlinkSync(tmp);
  const c = CAUSES[run.cause];
  labels[file] = {
    truth: c.leak ? 'leak' : 'no_leak',
    metrics: metricsOf(run),
    cause: run.cause,
    rate: run.rate,
    every: run.cause === 'pages' || run.cause === 'contexts' ? run.every : undefined,
    onset_cycle: run.onset,
    forced_gc: run.forceGc,
    cycles: run.cycles,
    load: run.load,
    major_gc_cycles: seen.majorCycles ?? [],
    node: process.version,
    recorded: new Date().toISOString().slice(0, 10),
  };
  const sorted = Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
  fs.writeFileSync(labelsPath, JSON.stringify(sorted, null, 1) + '\n');
  console.log(`${run.name}: ${((Date.now() - started) / 1000).toFixed(0)} s, major GCs at ${JSON.stringify(seen.majorCycles)}`);
}
site.close();
