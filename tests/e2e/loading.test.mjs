// Loading in the viewer, end to end in headless Chromium: several files
// merged or compared as they decide (and switched), a sample in the URL,
// files that are no export (a heap snapshot, garbage after a good file),
// a permalink's file name, the wall-clock switch, keyboard issue cards,
// durations and the windows table in the verdict's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { viewerSession, newPage, dropFiles, sample, DIST } from './harness.mjs';

const viewer = viewerSession();

async function open(errors, base = viewer.site.url) {
  const page = await newPage(viewer.browser, errors);
  await page.goto(base);
  await page.waitForSelector('#dropzone');
  return page;
}

async function verdict(page) {
  await page.waitForSelector('#verdict', { timeout: 20000 });
  return page.getAttribute('#verdict', 'data-verdict');
}

/** A test on a fresh page, with `files` (sample names or {name, text})
 * dropped; it fails on any console error. */
function pageTest(title, files, body) {
  test(title, async () => {
    const errors = [];
    const page = await open(errors);
    if (files.length) await dropFiles(page, files.map((f) => (typeof f === 'string' ? sample(f) : f)));
    await body(page);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

/** The NDJSON lines of `name` whose cycle is in [from, to]. */
function cycles(name, from, to) {
  return sample(name).text.split('\n').filter((l) => {
    const c = l && JSON.parse(l).cycle;
    return c >= from && c <= to;
  }).join('\n');
}

pageTest('two different runs are compared; the user can merge them instead', ['leak-plateau-then-growth.ndjson', 'no-leak-stable-gc.ndjson'], async (page) => {
  await page.waitForSelector('#compare-verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'compare');
  assert.match(await page.textContent('#mode'), /Compared as two runs \(cycles 1–\d+ overlap but differ: at cycle 1 .+\)/);
  await page.click('#mode-switch');
  await page.waitForFunction(() => document.querySelector('#mode')?.dataset.mode === 'merge');
  assert.equal(await page.$('#compare-verdict'), null);
  assert.match(await page.textContent('#mode'), /you chose it; the files look like two runs/);
  assert.match(await page.evaluate(() => location.hash), /m=m/);
  await page.click('#mode-switch');
  await page.waitForSelector('#compare-verdict');
});

pageTest('overlapping exports of one run are merged, and say so', [], async (page) => {
  const name = 'no-leak-stable-gc.ndjson';
  await dropFiles(page, [
    { name: 'part-1.ndjson', text: cycles(name, 1, 70) },
    { name: 'part-2.ndjson', text: cycles(name, 50, 1e9) },
  ]);
  assert.equal(await verdict(page), 'no_leak');
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'merge');
  assert.match(await page.textContent('#mode'), /Merged as exports of one run \(cycles 50–70 overlap with the same values/);
  assert.equal(await page.$('#compare-verdict'), null);
  assert.match(await page.textContent('.facts'), /part-1\.ndjson \+ part-2\.ndjson/);
});

pageTest('a sample is in the URL: a reload opens it again', [], async (page) => {
  await page.click('button[data-sample="leak-heap-steps.json"]');
  assert.equal(await verdict(page), 'leak');
  assert.equal(await page.evaluate(() => location.search), '?src=samples/leak-heap-steps.json');
  await page.reload();
  assert.equal(await verdict(page), 'leak');
  assert.match(await page.textContent('.facts'), /leak-heap-steps\.json/);
  // A dropped file is not a sample: the URL no longer says one.
  await dropFiles(page, [sample('no-leak-stable-gc.ndjson')]);
  await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'no_leak');
  assert.equal(await page.evaluate(() => location.search), '');
});

pageTest('a bad file after a good one keeps the analysis; a misnamed heap snapshot is named', ['leak-heap-steps.json'], async (page) => {
  assert.equal(await verdict(page), 'leak');
  await dropFiles(page, [{ name: 'notes.txt', text: 'this is not a snapshot export\n' }]);
  await page.waitForFunction(() => /notes\.txt/.test(document.querySelector('#errors')?.textContent));
  assert.match(await page.textContent('#errors'), /no memory snapshot found.*the analysis on screen is kept/);
  assert.equal(await verdict(page), 'leak');
  assert.match(await page.textContent('.facts'), /leak-heap-steps\.json/);
  // A heap snapshot under another name: what it is and what to do with it
  // (those named *.heapsnapshot go to the heap module: tests/e2e/heap.test.mjs).
  await dropFiles(page, [{ name: 'Heap-20261205.json', text: '{"snapshot":{"meta":{"node_fields":["type","name"]},"node_count":1},"nodes":[0,1]}' }]);
  await page.waitForFunction(() => /Heap-20261205/.test(document.querySelector('#errors')?.textContent));
  const err = await page.textContent('#errors');
  assert.match(err, /a V8 heap snapshot, not a memory-snapshot export: name it \*\.heapsnapshot/);
  assert.equal(await verdict(page), 'leak');
});

test('a permalink shows the file name, not the report id', async () => {
  const id = 'a1b2c3d4e5f60718';
  const body = fs.readFileSync(path.join(DIST, 'samples/leak-heap-steps.json'));
  const server = http.createServer((req, res) => {
    if (req.url.startsWith(`/api/reports/${id}`)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'inline; filename="worker-run.json"' });
      res.end(body);
      return;
    }
    const p = path.join(DIST, new URL(req.url, 'http://x').pathname.replace(/\/$/, '/index.html'));
    if (!p.startsWith(DIST) || !fs.existsSync(p)) { res.writeHead(404).end(); return; }
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
    res.writeHead(200, { 'content-type': types[path.extname(p)] ?? 'application/octet-stream' });
    fs.createReadStream(p).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const errors = [];
  const page = await open(errors, `http://127.0.0.1:${server.address().port}/?src=api/reports/${id}`);
  assert.equal(await verdict(page), 'leak');
  const facts = await page.textContent('.facts');
  assert.match(facts, /^worker-run\.json · /);
  assert.ok(!facts.includes(id), facts);
  assert.deepEqual(errors, []);
  await page.close();
  // (A connection Chromium keeps alive would hold close() open.)
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

pageTest('no timestamps: the wall-clock switch is off and says why', ['leak-heap-linear-fast.log'], async (page) => {
  await verdict(page);
  const box = await page.$('.chart-tools input.time-axis');
  assert.ok(await box.isDisabled());
  const label = await page.$eval('.chart-tools input.time-axis', (e) => e.parentElement.textContent);
  assert.match(label, /no timestamps/);
  await dropFiles(page, [sample('leak-heap-steps.json')]);
  await page.waitForFunction(() => /leak-heap-steps/.test(document.querySelector('.facts')?.textContent));
  assert.ok(await (await page.$('.chart-tools input.time-axis')).isEnabled());
});

pageTest('issue cards work from the keyboard', ['leak-browser-contexts.json'], async (page) => {
  assert.equal(await verdict(page), 'leak');
  const card = '#issues .issue';
  assert.equal(await page.getAttribute(card, 'tabindex'), '0');
  await page.focus(card);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /i=0/.test(location.hash));
  assert.ok(await page.$('#issues .issue.selected'));
  const outline = await page.$eval(card, (e) => getComputedStyle(e).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => !/i=0/.test(location.hash));
  // Tab reaches the next card.
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement.matches('#issues .issue:nth-child(2)')));
});

pageTest('short runs in minutes; windows in the verdict\'s words', ['inconclusive-too-short.ndjson'], async (page) => {
  await verdict(page);
  const facts = await page.textContent('.facts');
  assert.ok(!/\b0\.0 h\b/.test(facts), facts);
  assert.match(facts, /\d+ (min|s)\b/);
  await dropFiles(page, [sample('leak-heap-steps.json')]);
  await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'leak');
  await page.waitForSelector('#windows');
  const words = await page.$$eval('#windows tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
  assert.ok(words.length > 0);
  assert.ok(words.every((w) => ['leak', 'no_leak', 'inconclusive'].includes(w)), words.join(','));
  assert.ok(!(await page.textContent('#windows')).includes('stable'));
});

pageTest('after a zoom the tooltip shows the new view\'s values; dots sit on the lines', ['leak-plateau-then-growth.ndjson'], async (page) => {
  assert.equal(await verdict(page), 'leak');
  const box = await (await page.$('canvas.chart-memory')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip');
  const first = await page.textContent('.tooltip div');
  // Zoom from the keyboard, the pointer still: what is under it changes.
  await page.focus('canvas.chart-memory');
  for (let k = 0; k < 3; k++) await page.keyboard.press('+');
  await page.waitForFunction((t) => document.querySelector('.tooltip div')?.textContent !== t, first);
  const [head, heap] = await page.$$eval('.tooltip div', (ds) => [ds[0].textContent, ds.find((d) => /^Heap Used/.test(d.textContent)).textContent]);
  const [, cycle, label] = head.match(/^Cycle (\d+) — (.+)$/);
  const snap = sample('leak-plateau-then-growth.ndjson').text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .find((s) => s.cycle === Number(cycle) && s.label === label);
  const shown = Number(heap.match(/Heap Used: ([\d.]+)/)[1]);
  assert.ok(Math.abs(shown - snap.nodejs.heapUsed) <= 0.01 * snap.nodejs.heapUsed, `${heap} vs ${snap.nodejs.heapUsed}`);
  // Each dot's centre is on its series' line (a pixel of its colour within 2 px).
  const off = await page.evaluate(() => {
    const c = document.querySelector('canvas.chart-memory');
    const ctx = c.getContext('2d');
    const ratio = c.width / c.clientWidth;
    const cr = c.getBoundingClientRect();
    return [...document.querySelectorAll('.dot')].filter((d) => {
      const r = d.getBoundingClientRect();
      const [x, y] = [(r.left + r.width / 2 - cr.left) * ratio, (r.top + r.height / 2 - cr.top) * ratio];
      const want = d.style.background.match(/\d+/g).map(Number);
      const px = ctx.getImageData(Math.round(x) - 2, Math.round(y) - 2, 5, 5).data;
      for (let i = 0; i < px.length; i += 4) {
        if (Math.abs(px[i] - want[0]) + Math.abs(px[i + 1] - want[1]) + Math.abs(px[i + 2] - want[2]) < 90) return false;
      }
      return true;
    }).length;
  });
  assert.equal(off, 0, 'every dot on its line');
});
