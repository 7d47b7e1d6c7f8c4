// Issue 16 in the viewer: metrics exports (Prometheus range query, Grafana
// CSV, OTLP JSON lines, Puppeteer page.metrics()) dropped on the page are
// read by the export module (the page's wasm has no readers) and judged
// as `leaklens analyze FILE` judges them; several processes offer a picker
// kept in the URL; every name from a file is text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { viewerSession, newPage, dropFiles, sample, shot, serve, download, ROOT, SAMPLES } from './harness.mjs';
import { prometheus, heap, otlpLines } from '../../scripts/metrics-exports.mjs';

const viewer = viewerSession();

const SHAPES = [
  ['leak-prometheus-two-processes.json', 'a Prometheus range query', 'nodejs_heap_size_used_bytes'],
  ['leak-grafana-rss.csv', 'a Grafana CSV export', 'process_resident_memory_bytes'],
  ['no-leak-otlp-collector.jsonl', 'OTLP JSON metrics', 'v8js.memory.heap.used'],
  ['leak-puppeteer-metrics.ndjson', 'Puppeteer page.metrics() samples', 'JSHeapUsedSize'],
];

/** `leaklens analyze --format json` of `args` (files in static/samples, or absolute). */
function cli(...args) {
  const out = spawnSync(path.join(ROOT, 'target/debug/leaklens'), ['analyze', '--format', 'json', ...args],
    { cwd: SAMPLES, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const r = JSON.parse(out.stdout);
  return { verdict: r.summary.verdict, reason: r.summary.reason, issues: r.issues.map((i) => [i.kind, i.message]) };
}

async function open(errors, query = '') {
  const page = await newPage(viewer.browser, errors);
  // Requests of the page and of its workers.
  page.__requests = [];
  page.context().on('request', (r) => page.__requests.push(r.url()));
  await page.goto(viewer.site.url + query);
  await page.waitForSelector('#dropzone');
  return page;
}

/** The verdict, its reason and the issues (kind, message) on the page, once `ok` holds. */
async function judged(page, ok = () => true) {
  await page.waitForSelector('#verdict', { timeout: 30000 });
  const read = () => page.evaluate(() => ({
    verdict: document.querySelector('#verdict').dataset.verdict,
    reason: document.querySelector('#verdict span').textContent,
    issues: [...document.querySelectorAll('#issues .issue')].map((e) => [e.dataset.kind, e.querySelector('p').textContent]),
  }));
  for (let k = 0; k < 300; k++) {
    const got = await read();
    if (ok(got)) return got;
    await page.waitForTimeout(100);
  }
  return read();
}

/** Whether the page (or a worker it started) has asked for the export module so far. */
function fetchedExportModule(page) {
  return page.__requests.some((u) => /leaklens-export|export-worker/.test(u));
}

test('each shape of metrics export gets the verdict and issues of `leaklens analyze`', async () => {
  const errors = [];
  for (const [name, what, series] of SHAPES) {
    const page = await open(errors);
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => {
        const p = document.querySelector('#progress');
        if (p) window.__progress.push(p.textContent);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await dropFiles(page, [sample(name)]);
    const want = cli(name);
    const got = await judged(page, (g) => g.verdict === want.verdict);
    assert.deepEqual(got, want, name);
    // What was read, as the CLI says it: the series, each sample a cycle.
    await page.waitForSelector('#metrics-info');
    const notes = await page.textContent('#metrics-info');
    assert.ok(notes.includes(`${name}: read as ${what}`) && notes.includes(series) && /each sample (time|in order) is a cycle/.test(notes), notes);
    assert.ok((await page.evaluate(() => window.__progress)).some((p) => p.includes(`Reading ${name} (${what})`)), name);
    assert.ok(fetchedExportModule(page));
    await shot(page, `metrics-${name}`);
    await page.close();
  }
  assert.deepEqual(errors, []);
});

test('the export module is not fetched for a plain NDJSON file, and the JSON export of a metrics export is the CLI\'s', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('no-leak-stable-gc.ndjson')]);
  assert.equal((await judged(page)).verdict, 'no_leak');
  assert.equal(fetchedExportModule(page), false, 'no export module for NDJSON');
  assert.equal(await page.$('#metrics-info'), null);
  await dropFiles(page, [sample('leak-grafana-rss.csv')]);
  assert.equal((await judged(page, (g) => g.verdict === 'leak')).verdict, 'leak');
  assert.equal(fetchedExportModule(page), true);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const json = fs.readFileSync(await dl.path(), 'utf8');
  const out = spawnSync(path.join(ROOT, 'target/debug/leaklens'), ['analyze', '--format', 'json', 'leak-grafana-rss.csv'],
    { cwd: SAMPLES, encoding: 'utf8' });
  assert.equal(`${json}\n`, out.stdout);
  await page.close();
  assert.deepEqual(errors, []);
});

test('a file of several processes shows the busiest; another can be picked, and the URL keeps it', async () => {
  const errors = [];
  const name = 'leak-prometheus-two-processes.json';
  const page = await open(errors);
  await dropFiles(page, [sample(name)]);
  assert.deepEqual(await judged(page, (g) => g.verdict === 'leak'), cli(name));
  await page.waitForSelector('#metrics-info select.process');
  const options = await page.$$eval('select.process option', (os) => os.map((o) => [o.value, o.textContent, o.selected]));
  assert.deepEqual(options, [
    ['scraper-1:9100', 'scraper-1:9100 (360 snapshots)', true],
    ['scraper-2:9100', 'scraper-2:9100 (300 snapshots)', false],
  ]);
  await page.selectOption('select.process', 'scraper-2:9100');
  const want = cli(name, '--worker', 'scraper-2:9100');
  assert.equal(want.verdict, 'no_leak');
  assert.deepEqual(await judged(page, (g) => g.verdict === want.verdict), want);
  assert.match(await page.textContent('#metrics-info'), /of process "scraper-2:9100"/);
  assert.equal(await page.$eval('select.process', (s) => s.value), 'scraper-2:9100');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /(^#|&)w=scraper-2%3A9100/);
  // The JSON export reads the same process: `--worker`'s, byte for byte.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const out = spawnSync(path.join(ROOT, 'target/debug/leaklens'),
    ['analyze', '--format', 'json', '--worker', 'scraper-2:9100', name], { cwd: SAMPLES, encoding: 'utf8' });
  assert.equal(`${fs.readFileSync(await dl.path(), 'utf8')}\n`, out.stdout);
  await page.close();

  // The link brings the same process back.
  const again = await open(errors, `?src=samples/${name}${hash}`);
  assert.deepEqual(await judged(again, (g) => g.verdict === want.verdict), want);
  assert.equal(await again.$eval('select.process', (s) => s.value), 'scraper-2:9100');
  await again.close();
  assert.deepEqual(errors, []);
});

test('a metrics export merges or compares with other dropped files', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-puppeteer-metrics.ndjson'), sample('no-leak-stable-gc.ndjson')]);
  await page.waitForSelector('#mode', { timeout: 30000 });
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'compare');
  assert.equal(await page.$$eval('article.run', (a) => a.length), 2);
  assert.ok(await page.$('#compare-verdict'));
  await page.click('#mode-switch');
  await page.waitForFunction(() => document.querySelector('#mode')?.dataset.mode === 'merge');
  assert.equal(await page.$$eval('article.run', (a) => a.length), 1);
  await page.close();
  assert.deepEqual(errors, []);
});

test('files dropped while a metrics export is read stop the read: the module is stopped, the new files judged', async () => {
  // 60 MB of OTLP: a read of a second or more in the module's worker.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-stop-'));
  const made = spawnSync(process.execPath, [path.join(ROOT, 'scripts/metrics-exports.mjs'), 'otlp', path.join(dir, 'otel.jsonl'), '60']);
  assert.equal(made.status, 0, String(made.stderr));
  const data = await serve(dir, { cors: true });
  const errors = [];
  const page = await open(errors);
  const started = page.waitForEvent('worker', { predicate: (w) => /export-worker/.test(w.url()) });
  await page.evaluate(async (url) => {
    const dt = new DataTransfer();
    dt.items.add(new File([await (await fetch(url)).blob()], 'otel.jsonl'));
    const zone = document.querySelector('#dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, `${data.url}otel.jsonl`);
  const worker = await started;
  const closed = new Promise((resolve) => worker.once('close', resolve));
  // Once the worker is too busy to answer within 300 ms, the read is under
  // way in it (its module answers at once when idle).
  for (let k = 0; ; k++) {
    assert.ok(k < 200, 'the read never started');
    const busy = await Promise.race([worker.evaluate(() => false), new Promise((r) => setTimeout(() => r(true), 300))]);
    if (busy) break;
    await page.waitForTimeout(20);
  }
  await dropFiles(page, [sample('no-leak-stable-gc.ndjson')]);
  await Promise.race([closed, new Promise((_, no) => setTimeout(() => no(new Error('the read was not stopped')), 5000))]);
  const got = await judged(page, (g) => g.verdict === 'no_leak');
  assert.equal(got.verdict, 'no_leak');
  assert.match(await page.textContent('.facts'), /^no-leak-stable-gc\.ndjson ·/);
  assert.equal(await page.$$eval('article.run', (a) => a.length), 1);
  // The module starts afresh for the next request: the JSON export is
  // this run's.
  const json = JSON.parse((await download(page, '#export-json')).text);
  assert.equal(json.summary.verdict, 'no_leak');
  await page.close();
  await data.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(errors, []);
});

test('names and lines from a metrics export are text, never markup; a bad line keeps its file and line', async () => {
  const errors = [];
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const other = '"><script>window.__pwned=2</script>';
  const text = prometheus([
    { instance: hostile, heapMb: heap(90, { base: 100, growth: 0.5, seed: 1 }), rssMb: heap(90, { base: 300, growth: 0, seed: 2 }) },
    { instance: other, heapMb: heap(60, { base: 100, growth: 0, seed: 3 }), rssMb: heap(60, { base: 300, growth: 0, seed: 4 }) },
  ]);
  const lines = otlpLines(heap(40, { base: 50, growth: 0, seed: 5 }), { instance: hostile }).split('\n');
  lines.splice(5, 0, `{"resourceMetrics": [ <b>broken</b>`);
  const page = await open(errors);
  await dropFiles(page, [{ name: '<i>q</i>.json', text }]);
  await page.waitForSelector('#metrics-info select.process', { timeout: 30000 });
  await judged(page);
  const options = await page.$$eval('select.process option', (os) => os.map((o) => o.textContent));
  assert.ok(options.includes(`${hostile} (90 snapshots)`) && options.includes(`${other} (60 snapshots)`), options.join(' | '));
  assert.ok((await page.textContent('#metrics-info')).includes(`<i>q</i>.json: read as a Prometheus range query of process "<img src=x onerror=\\"window.__pwned=1\\">"`));
  await page.selectOption('select.process', other);
  await page.waitForFunction((o) => document.querySelector('#metrics-info')?.textContent.includes('of process "\\"><script>'), other);

  await dropFiles(page, [{ name: 'otel.jsonl', text: lines.join('\n') }]);
  await page.waitForFunction(() => document.querySelector('#metrics-info')?.textContent.includes('otel.jsonl: read as OTLP'));
  const warnings = await page.$$eval('#metrics-info .metrics-warnings li', (ls) => ls.map((l) => l.textContent));
  assert.ok(warnings.some((w) => w.startsWith('otel.jsonl:6: ') && w.includes('<b>broken</b>') === false), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.startsWith('otel.jsonl:6: ')), warnings.join('\n'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.$$eval('img', (els) => els.length), 0);
  assert.equal(await page.$$eval('#metrics-info *', (els) => els.filter((e) => !['DIV', 'LABEL', 'SELECT', 'OPTION', 'UL', 'LI', 'P', 'DETAILS', 'SUMMARY'].includes(e.tagName)).length), 0);
  await page.close();
  assert.deepEqual(errors, []);
});
