// Browser budgets, measured in headless Debian chromium (prints figures for
// docs/benchmarks.md):
// - release wasm size, raw and gzipped;
// - drop a ~10 MB snapshot file → verdict shown and first chart drawn;
// - the same file through the native CLI, for the wasm/native ratio.
// Usage: node scripts/bench-web.mjs   (after ./scripts/build-web.sh and a release CLI build)
//        node scripts/bench-web.mjs bench-zoom [dist]   (the 1M-snapshot part alone, against
//        a given build: its load, hover and zoom redraws, combined chart and panels;
//        BENCH_DIST=<dist> times the whole script against another build)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { serve, launch, newPage, DIST, ROOT } from '../tests/e2e/harness.mjs';

const zoomOnly = process.argv[2] === 'bench-zoom';
const dist = (zoomOnly ? process.argv[3] : process.env.BENCH_DIST) || DIST;
// The page's wasm (the export module, fetched at the first export, apart).
for (const [what, re] of [['wasm', /^leaklens-web-.*\.wasm$/], ['export module wasm', /^leaklens-export.*\.wasm$/]]) {
  const wasm = fs.readdirSync(dist).find((f) => re.test(f));
  if (!wasm) continue;
  const bytes = fs.readFileSync(path.join(dist, wasm));
  console.log(`${what}: ${(bytes.length / 1024).toFixed(0)} KB raw, ${(zlib.gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KB gzip -9`);
}

const cli = process.env.LEAKLENS_CLI ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release/leaklens');
const file = path.join(fs.mkdtempSync('/tmp/leaklens-bench-'), 'run.ndjson');
execFileSync(cli, ['generate', '--scenario', 'step', '--rate', '0.5', '--cycles', '12000', '-o', file]);
const site = await serve(dist);
const browser = await launch();
if (!zoomOnly) {
const text = fs.readFileSync(file, 'utf8');
console.log(`input: ${(text.length / 1e6).toFixed(1)} MB NDJSON`);

let t = process.hrtime.bigint();
execFileSync(cli, ['analyze', file, '--format', 'json'], { stdio: ['ignore', 'ignore', 'ignore'] });
const nativeMs = Number(process.hrtime.bigint() - t) / 1e6;
console.log(`native CLI read + parse + analyse + JSON: ${nativeMs.toFixed(0)} ms`);

const runs = [];
for (let k = 0; k < 3; k++) {
  const page = await newPage(browser, []);
  await page.goto(site.url);
  await page.waitForSelector('#dropzone');
  const ms = await page.evaluate(async (text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'run.ndjson'));
    const zone = document.querySelector('#dropzone');
    const start = performance.now();
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
    // Until the memory chart has pixels.
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      const c = document.querySelector('canvas.chart-memory');
      if (c && c.width > 0) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 64) if (d[i] < 200) ink++;
        if (ink > 100) return performance.now() - start;
      }
    }
  }, text);
  runs.push(ms);
  await page.close();
}
runs.sort((a, b) => a - b);
// The other way: the file picked in the file input, timed from its change
// event (the page's own handler sees the same event) to the chart drawn.
const picked = [];
for (let k = 0; k < 3; k++) {
  const page = await newPage(browser, []);
  await page.goto(site.url);
  await page.waitForSelector('#file-input', { state: 'attached' });
  await page.evaluate(() => {
    window.__picked = new Promise((resolve) => {
      document.querySelector('#file-input').addEventListener('change', () => {
        const start = performance.now();
        const wait = () => {
          const c = document.querySelector('canvas.chart-memory');
          if (c && c.width > 0) {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0;
            for (let i = 0; i < d.length; i += 64) if (d[i] < 200) ink++;
            if (ink > 100) return resolve(performance.now() - start);
          }
          requestAnimationFrame(wait);
        };
        requestAnimationFrame(wait);
      }, { capture: true });
    });
  });
  await page.setInputFiles('#file-input', { name: 'run.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  picked.push(await page.evaluate(() => window.__picked));
  await page.close();
}
picked.sort((a, b) => a - b);
// The wasm core alone (parse + analyse), through the bench hook of the
// export module (the same core code and build profile as the page's), in a
// worker of the page: the module starts as it does for an export, then
// parses and analyses the file three times.
const page = await newPage(browser, []);
await page.goto(site.url);
await page.waitForSelector('#dropzone');
const core = await page.evaluate(async (text) => {
  const bytes = new TextEncoder().encode(text);
  const at = new URL('.', location.href).href;
  const src = `importScripts('${at}leaklens-export.js');
    wasm_bindgen('${at}leaklens-export_bg.wasm').then(() => {
      onmessage = (e) => {
        const times = [];
        for (let k = 0; k < 3; k++) {
          const t = performance.now();
          wasm_bindgen.bench_parse_analyse(e.data);
          times.push(performance.now() - t);
        }
        postMessage(times);
      };
      postMessage('go');
    });`;
  const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
  const times = await new Promise((resolve, reject) => {
    worker.onerror = (e) => reject(new Error(e.message));
    worker.onmessage = (e) => {
      if (e.data === 'go') worker.postMessage(bytes);
      else if (Array.isArray(e.data)) resolve(e.data);
    };
  });
  worker.terminate();
  return times.sort((a, b) => a - b)[1];
}, text);
await page.close();
console.log(`wasm core parse + analyse (export module, in a worker): ${core.toFixed(0)} ms; / native CLI: ${(core / nativeMs).toFixed(2)}x`);
console.log(`browser drop → verdict + first chart drawn: ${runs.map((x) => x.toFixed(0)).join(', ')} ms (median ${runs[1].toFixed(0)})`);
console.log(`browser file input (change event) → verdict + first chart drawn: ${picked.map((x) => x.toFixed(0)).join(', ')} ms (median ${picked[1].toFixed(0)})`);
console.log(`drop-to-chart / native CLI: ${(runs[1] / nativeMs).toFixed(2)}x (includes reading the File, rendering the report and drawing)`);
}

// A 1,000,000-snapshot file by ?src=: time to the verdict, and the longest
// gap between painted frames while it loads (how long the page froze).
const big = path.join(path.dirname(file), 'big.ndjson');
execFileSync(cli, ['generate', '--scenario', 'linear', '--rate', '0.002', '--cycles', '330000', '-o', big]);
const data = await serve(path.dirname(file), { cors: true });
const bigPage = await newPage(browser, []);
await bigPage.addInitScript(() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
});
const t0 = Date.now();
await bigPage.goto(`${site.url}?src=${encodeURIComponent(`${data.url}big.ndjson`)}`);
await bigPage.waitForSelector('#verdict', { timeout: 300000 });
const loadMs = Date.now() - t0;
const gaps = await bigPage.evaluate(() => {
  const f = window.__frames;
  const g = [];
  for (let i = 1; i < f.length; i++) g.push(f[i] - f[i - 1]);
  g.sort((a, b) => a - b);
  return { frames: f.length, p50: g[Math.floor(g.length / 2)], max: g.at(-1), over100: g.filter((x) => x > 100).length };
});
// Redraws of the 1M-snapshot chart: a hover (tooltip, crosshair, dots) and
// a zoom step from the keyboard (every chart and panel drawn again), each
// timed from the event to the end of the work it queued (effects run as
// microtasks, before the timeout). Then the same in panel mode.
const redraws = (selector) => bigPage.evaluate(async (selector) => {
  const c = document.querySelector(selector);
  const r = c.getBoundingClientRect();
  const time = async (fire) => {
    const t = performance.now();
    fire();
    await new Promise((res) => setTimeout(res, 0));
    return performance.now() - t;
  };
  const hover = [];
  const zoom = [];
  for (let k = 0; k < 21; k++) {
    const x = r.left + r.width * (0.3 + 0.02 * k);
    hover.push(await time(() => c.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: r.top + r.height / 2, bubbles: true }))));
    await new Promise((res) => requestAnimationFrame(res));
  }
  c.focus();
  for (let k = 0; k < 10; k++) {
    for (const key of ['+', '-']) {
      zoom.push(await time(() => c.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))));
      await new Promise((res) => requestAnimationFrame(res));
    }
  }
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { hover: med(hover), hoverMax: hover.at(-1), zoom: med(zoom), zoomMax: zoom.at(-1) };
}, selector);
const redraw = await redraws('canvas.chart-memory');
// Builds without panels (before issue 14's small multiples) skip them.
const panels = (await bigPage.$('input.panels')) !== null;
let panelRedraw;
if (panels) {
  await bigPage.click('input.panels');
  await bigPage.waitForSelector('canvas.chart-panel');
  await bigPage.waitForTimeout(500);
  panelRedraw = await redraws('canvas.chart-panel');
}
const panelCount = await bigPage.evaluate(() => document.querySelectorAll('canvas.chart-panel').length);
await bigPage.close();
await data.close();
console.log(`1,000,000 snapshots, redraw: hover median ${redraw.hover.toFixed(1)} ms (max ${redraw.hoverMax.toFixed(1)}), zoom step median ${redraw.zoom.toFixed(1)} ms (max ${redraw.zoomMax.toFixed(1)})`);
if (panels) console.log(`1,000,000 snapshots, ${panelCount} panels, redraw: hover median ${panelRedraw.hover.toFixed(1)} ms (max ${panelRedraw.hoverMax.toFixed(1)}), zoom step median ${panelRedraw.zoom.toFixed(1)} ms (max ${panelRedraw.zoomMax.toFixed(1)})`);
console.log(`1,000,000 snapshots (${(fs.statSync(big).size / 1e6).toFixed(0)} MB NDJSON) by ?src=: verdict after ${(loadMs / 1000).toFixed(1)} s; ` +
  `${gaps.frames} frames painted meanwhile, median gap ${gaps.p50.toFixed(0)} ms, longest ${gaps.max.toFixed(0)} ms (the analysis), ${gaps.over100} gaps over 100 ms`);
await browser.close();
await site.close();
