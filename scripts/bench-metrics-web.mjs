// A large metrics export in the viewer (issue 16), measured in headless
// Debian chromium (prints figures for docs/benchmarks.md): an OTLP JSON
// lines file of about MB megabytes (the Collector's file exporter's shape,
// scripts/metrics-exports.mjs) dropped on the page: the time to the
// verdict, the time to the first chart, and the longest the page went
// without painting a frame meanwhile (the read runs in the export module's
// Web Worker; the page only reads the NDJSON it gets back). Each run is a
// fresh page, so the export module is fetched and compiled every time.
// Usage: node scripts/bench-metrics-web.mjs [MB]   (after ./scripts/build-web.sh)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, newPage, DIST, ROOT } from '../tests/e2e/harness.mjs';

const mb = Number(process.argv[2] ?? 100);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-metrics-bench-'));
const file = path.join(dir, 'otel.jsonl');
console.log(execFileSync(process.execPath, [path.join(ROOT, 'scripts/metrics-exports.mjs'), 'otlp', file, String(mb)], { encoding: 'utf8' }).trim());
console.log(`uptime before: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

const site = await serve(DIST);
const data = await serve(dir, { cors: true });
const browser = await launch();
const runs = [];
for (let k = 0; k < 3; k++) {
  const page = await newPage(browser, []);
  await page.goto(site.url);
  await page.waitForSelector('#dropzone');
  const got = await page.evaluate(async (url) => {
    const blob = await (await fetch(url)).blob();
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'otel.jsonl'));
    // The longest gap between two frames while it loads.
    let last = performance.now();
    let longest = 0;
    let done = false;
    const frame = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (!done) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const zone = document.querySelector('#dropzone');
    const start = performance.now();
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
    let verdictMs = null;
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      const v = document.querySelector('#verdict');
      if (v && verdictMs === null) verdictMs = performance.now() - start;
      const c = document.querySelector('canvas.chart-memory');
      if (v && c && c.width > 0) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 64) if (d[i] < 200) ink++;
        if (ink > 100) {
          done = true;
          return {
            verdictMs, chartMs: performance.now() - start, longestFrameMs: longest,
            verdict: v.dataset.verdict, facts: document.querySelector('.facts')?.textContent,
          };
        }
      }
    }
  }, `${data.url}otel.jsonl`);
  runs.push(got);
  console.log(`run ${k + 1}: verdict ${got.verdict} at ${got.verdictMs.toFixed(0)} ms, chart at ${got.chartMs.toFixed(0)} ms, longest frame ${got.longestFrameMs.toFixed(0)} ms (${got.facts})`);
  await page.close();
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median: verdict ${median(runs.map((r) => r.verdictMs)).toFixed(0)} ms, chart ${median(runs.map((r) => r.chartMs)).toFixed(0)} ms, longest frame ${median(runs.map((r) => r.longestFrameMs)).toFixed(0)} ms`);
console.log(`uptime after: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
await browser.close();
await site.close();
await data.close();
fs.rmSync(dir, { recursive: true, force: true });
