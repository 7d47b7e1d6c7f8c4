// A real scraper worker instrumented with the recorder, for the package's
// tests: Node drives Debian's chromium through playwright-core against a
// local site. `node [--expose-gc] worker.mjs '<json>'` with
// { site, file, cycles, cause: 'none' | 'objects' | 'pages', rate, forceGc,
//   report, pauseAfter, sleepMs, recreateEvery }.
import { chromium } from 'playwright-core';
import { Recorder } from '../src/index.js';

const cfg = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const rec = new Recorder({ file: cfg.file, browser, interval: cfg.interval ?? 0, log: false });
const context = await browser.newContext();
let page = await context.newPage();
const kept = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (let cycle = 1; cycle <= cfg.cycles; cycle++) {
  await rec.snapshot(cycle, 'Before scrape');
  let target = page;
  if (cfg.cause === 'pages') target = await context.newPage(); // never closed
  await target.goto(`${cfg.site}/p/${cycle}?items=40&kb=40`);
  const html = await target.content();
  const products = [...html.matchAll(/data-sku="([^"]+)"/g)].map((m) => ({ sku: m[1] }));
  if (cfg.cause === 'objects') {
    // What a scrape leaves behind: records kept for ever.
    const n = Math.floor(((cfg.rate ?? 1) * 1024 * 1024) / 160);
    kept.push(Array.from({ length: n }, (_, i) => ({ cycle, i, sku: products[i % products.length]?.sku })));
  }
  await rec.snapshot(cycle, 'After scrape');
  if (cfg.forceGc && global.gc) global.gc();
  await rec.snapshot(cycle, 'After cleanup');
  if (cfg.pauseAfter && cycle === cfg.pauseAfter) {
    process.stdout.write('paused\n');
    await sleep(60_000);
  }
  if (cfg.recreateEvery && cycle % cfg.recreateEvery === 0) {
    // As the guide's workers do: a fresh page every N cycles.
    await page.close();
    page = await context.newPage();
    await rec.snapshot(cycle, 'After page recreate');
  }
  if (cfg.sleepMs) await sleep(cfg.sleepMs);
}
await browser.close();
if (cfg.report) await rec.writeReport(cfg.report);
process.stdout.write(JSON.stringify({ report: rec.report('json'), stats: rec.stats() }) + '\n');
await rec.close();
