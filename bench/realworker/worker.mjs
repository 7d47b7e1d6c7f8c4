// A real scraper worker for the recording harness: Node drives Debian's
// chromium through playwright-core against the local site, cycle after
// cycle, and records the guide's snapshots (process.memoryUsage() in MB,
// page and context counts, page URLs) at the guide's points of the cycle,
// with the garbage collections since the previous snapshot (v8.GCProfiler:
// kind, pause, heap used right after the last major collection).
//
// A cause of a leak (or of healthy growth) is injected by configuration;
// the harness writes the run's label from that configuration, never from
// what any analyser says.
//
//   node [--expose-gc] worker.mjs '<json config>'
//
// Config: { out, site, cycles, sleepMs, items, kb, pagesPerCycle,
//           cause, rate, onset, forceGc, recreateEvery, seed }
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import { chromium } from 'playwright-core';
import { gcTracker, nodejsMemory } from '../../packages/recorder/src/index.js';

const cfg = JSON.parse(process.argv[2]);
const MB = 1024 * 1024;
const out = fs.openSync(cfg.out, 'w');

// ---- garbage collections, from V8's own statistics (the recorder's) ----
const gcs = gcTracker();
const majorCycles = [];

// ---- the causes ----------------------------------------------------------
const retained = []; // JS objects kept for ever (a leak)
const emitter = new EventEmitter();
emitter.setMaxListeners(0);
const buffers = []; // Buffers kept for ever (external / arrayBuffers)
const openPages = [];
const openContexts = [];
const cache = new Map(); // a bounded cache: fills, then evicts
let warm = null;

/** A one-byte string of about `bytes` bytes that shares nothing. */
function blob(bytes, tag) {
  return Buffer.alloc(Math.max(1, Math.floor(bytes)), 97 + (tag % 26)).toString('latin1');
}

/** Retained JS objects worth about `bytes`: records with short strings. */
function records(bytes, cycle) {
  const n = Math.max(1, Math.floor(bytes / 160));
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { cycle, i, title: `item ${cycle}:${i}`, price: i * 0.5 };
  return out;
}

/** What cycle `cycle` adds, by cause. Rates are MB (or pages) per cycle. */
function inject(cycle, html) {
  const rate = cfg.rate ?? 0;
  const active = cycle >= (cfg.onset ?? 1);
  switch (cfg.cause) {
    case 'objects':
      if (active) retained.push(records(rate * MB, cycle));
      break;
    case 'strings':
      if (active) retained.push(blob(rate * MB, cycle));
      break;
    case 'listeners':
      if (active) {
        const captured = blob(rate * MB, cycle);
        emitter.on('scrape', () => captured.length);
      }
      break;
    case 'buffers':
      if (active) buffers.push(Buffer.alloc(Math.floor(rate * MB), cycle & 255));
      break;
    case 'arraybuffers':
      if (active) buffers.push(new Float64Array(Math.floor((rate * MB) / 8)).fill(cycle));
      break;
    case 'cache': {
      // An LRU of `capacity` entries of `rate` MB: fills, then holds.
      const key = `page-${cycle}`;
      cache.set(key, blob(rate * MB, cycle));
      while (cache.size > (cfg.capacity ?? 40)) cache.delete(cache.keys().next().value);
      break;
    }
    case 'warmup':
      // A big structure built over the first cycles, then kept as it is.
      if (cycle <= (cfg.warmCycles ?? 8)) {
        warm ??= [];
        warm.push(records((rate * MB), cycle));
      }
      break;
    default:
      break;
  }
  return html.length;
}

// ---- the worker ---------------------------------------------------------
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
let context = await browser.newContext();
let page = await context.newPage();

function browserState() {
  const contexts = browser.contexts();
  const pages = contexts.flatMap((c) => c.pages());
  return { pageCount: pages.length, contextCount: contexts.length, pageUrls: pages.map((p) => p.url()) };
}

function snapshot(cycle, label) {
  const rec = { cycle, label, timestamp: Date.now(), nodejs: nodejsMemory(), browser: browserState(), gc: gcs.take() };
  fs.writeSync(out, JSON.stringify(rec) + '\n');
  if (rec.gc.major > 0) majorCycles.push(cycle);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let pageNo = cfg.seed ?? 1;

async function scrape(cycle) {
  let parsed = 0;
  for (let k = 0; k < (cfg.pagesPerCycle ?? 1); k++) {
    pageNo += 1;
    const url = `${cfg.site}/p/${pageNo}?items=${cfg.items ?? 50}&kb=${cfg.kb ?? 100}`;
    let target = page;
    if (cfg.cause === 'pages' && cycle >= (cfg.onset ?? 1) && cycle % (cfg.every ?? 1) === 0) {
      // A page opened for this task and never closed.
      target = await context.newPage();
      openPages.push(target);
    } else if (cfg.cause === 'contexts' && cycle >= (cfg.onset ?? 1) && cycle % (cfg.every ?? 1) === 0) {
      const c = await browser.newContext();
      openContexts.push(c);
      target = await c.newPage();
    }
    await target.goto(url, { waitUntil: 'load' });
    const html = await target.content();
    // The scrape's own garbage: parse the products into objects.
    const products = [...html.matchAll(/data-sku="([^"]+)"><a href="([^"]+)">([^<]+)<\/a><span class="price">\$([\d.]+)/g)]
      .map((m) => ({ sku: m[1], href: m[2], name: m[3], price: Number(m[4]) }));
    const summary = JSON.stringify(products);
    parsed += JSON.parse(summary).length + inject(cycle, html);
    if (cfg.screenshots && cycle % 5 === 0) await target.screenshot({ type: 'png' });
    emitter.emit('scrape', products.length);
  }
  return parsed;
}

for (let cycle = 1; cycle <= cfg.cycles; cycle++) {
  snapshot(cycle, 'Before scrape');
  await scrape(cycle);
  snapshot(cycle, 'After scrape');
  // Cleanup: the worker's own, and a forced collection where allowed.
  if (cfg.forceGc && global.gc) global.gc();
  snapshot(cycle, 'After cleanup');
  if (cycle % (cfg.recreateEvery ?? 10) === 0) {
    await page.close();
    page = await context.newPage();
    snapshot(cycle, 'After page recreate');
  }
  if (cfg.sleepMs) await sleep(cfg.sleepMs);
}

await browser.close();
fs.closeSync(out);
// What the run saw of V8, for the label file (not for the analysis).
process.stdout.write(JSON.stringify({ majorCycles }) + '\n');
