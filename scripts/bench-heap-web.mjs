// Times the viewer's heap module (issue 17) on heap snapshots in headless
// Chromium, and samples the memory of Chromium's processes meanwhile:
//
//   ./scripts/build-web.sh
//   node scripts/bench-heap-web.mjs FILE.heapsnapshot [MORE …]
//
// The files are picked with the page's file chooser (by path: the browser
// reads them from disk itself), so the page hands them to the heap module's
// Web Worker as in real use. Prints the time from the pick to the result
// (or the error shown), the module's wasm memory at the end (its peak: wasm
// memory never shrinks), and the peak resident memory of the renderer
// process (the page and its worker) and of all Chromium's processes,
// sampled every 100 ms from /proc.
import fs from 'node:fs';
import { serve, launch, newPage, DIST } from '../tests/e2e/harness.mjs';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node scripts/bench-heap-web.mjs FILE.heapsnapshot [MORE …]');
  process.exit(2);
}

/** The pids of `root` and its descendants. */
function tree(root) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function rssKb(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const site = await serve(DIST);
const browser = await launch();
const errors = [];
const page = await newPage(browser, errors);
await page.goto(site.url);
await page.waitForSelector('#dropzone');
// Chromium's processes: this script's descendants.
const root = process.pid;
let peakOne = 0;
let peakAll = 0;
const sampler = setInterval(() => {
  let all = 0;
  for (const p of tree(root)) {
    if (p === root) continue;
    const kb = rssKb(p);
    all += kb;
    peakOne = Math.max(peakOne, kb);
  }
  peakAll = Math.max(peakAll, all);
}, 100);
const t0 = performance.now();
await page.setInputFiles('#file-input', files);
await page.waitForSelector('#heap-verdict, #heap-error', { timeout: 0 });
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const verdict = await page.getAttribute('#heap-verdict', 'data-verdict').catch(() => null);
const error = verdict ? null : await page.textContent('#heap-error');
const memory = Number(await page.getAttribute('#heap', 'data-wasm-memory'));
const first = await page.$eval('#heap-table td.name', (e) => e.textContent).catch(() => null);
const fileErrors = await page.$eval('#heap-errors', (e) => e.textContent).catch(() => null);
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const total = files.reduce((n, f) => n + fs.statSync(f).size, 0);
console.log(JSON.stringify({
  files: files.map((f) => `${f} (${(fs.statSync(f).size / 1e6).toFixed(1)} MB)`),
  input_mb: +(total / 1e6).toFixed(1),
  seconds: +seconds.toFixed(2),
  verdict,
  error,
  first_row: first,
  file_errors: fileErrors,
  wasm_memory: memory ? `${(memory / 1048576).toFixed(0)} MB` : null,
  peak_rss_renderer: mb(peakOne),
  peak_rss_all_chromium: mb(peakAll),
  console_errors: errors,
}, null, 1));
await browser.close();
await site.close();
