// The viewer end to end in headless Chromium: loading in every way, the
// verdict, issues, charts (pixels), hover, zoom, sharing, ?src=, hostile
// strings, malformed files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { serve, launch, newPage, dropFiles, sample, inkedPixels, shot, DIST, ROOT, SAMPLES } from './harness.mjs';

let site, other, browser;

before(async () => {
  site = await serve(DIST);
  other = await serve(SAMPLES, { cors: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await other?.close();
});

async function open(errors, query = '') {
  const page = await newPage(browser, errors);
  await page.goto(site.url + query);
  await page.waitForSelector('#dropzone');
  return page;
}

async function verdict(page) {
  await page.waitForSelector('#verdict', { timeout: 20000 });
  return page.getAttribute('#verdict', 'data-verdict');
}

test('landing page offers every way in, without console errors', async () => {
  const errors = [];
  const page = await open(errors);
  assert.ok(await page.isVisible('#dropzone'));
  assert.ok(await page.$('#file-input'));
  assert.ok(await page.isVisible('#paste'));
  assert.equal((await page.$$('button.sample')).length, 10);
  await shot(page, 'landing');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a dropped file gets its verdict, issues and a drawn chart', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-heap-steps.json')]);
  assert.equal(await verdict(page), 'leak');
  const kinds = await page.$$eval('#issues .issue', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('heap_growth'), kinds.join(','));
  await page.waitForSelector('canvas.chart-memory');
  assert.ok(await inkedPixels(page, 'canvas.chart-memory') > 5000, 'memory chart drew');
  await shot(page, 'report-heap-steps');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a gzip-compressed export is read by its bytes, whatever its name', async () => {
  const errors = [];
  const page = await open(errors);
  const gz = zlib.gzipSync(fs.readFileSync(`${SAMPLES}/leak-heap-steps.json`));
  await page.setInputFiles('#file-input', { name: 'run.json', mimeType: 'application/octet-stream', buffer: gz });
  assert.equal(await verdict(page), 'leak');
  const kinds = await page.$$eval('#issues .issue', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('heap_growth'), kinds.join(','));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the file input works too, and pages get a browser chart', async () => {
  const errors = [];
  const page = await open(errors);
  await page.setInputFiles('#file-input', `${SAMPLES}/leak-browser-contexts.json`);
  assert.equal(await verdict(page), 'leak');
  const kinds = await page.$$eval('#issues .issue', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('page_accumulation') && kinds.includes('context_accumulation'), kinds.join(','));
  assert.ok(await inkedPixels(page, 'canvas.chart-browser') > 2000, 'browser chart drew');
  await shot(page, 'report-contexts');
  await page.close();
});

test('no-leak sample, via the sample button', async () => {
  const errors = [];
  const page = await open(errors);
  await page.click('button[data-sample="no-leak-warmup-then-flat.ndjson"]');
  assert.equal(await verdict(page), 'no_leak');
  assert.ok(await page.isVisible('.no-issues'));
  await page.close();
});

test('hover shows exact values; drag zooms and the URL keeps it', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-plateau-then-growth.ndjson')]);
  assert.equal(await verdict(page), 'leak');
  const box = await (await page.$('canvas.chart-memory')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip');
  const tip = await page.textContent('.tooltip');
  assert.match(tip, /Cycle \d+ — /);
  assert.match(tip, /Heap Used: [\d.]+ ?MB/);
  assert.match(tip, /Δprev/);
  // The crosshair snaps to the nearest snapshot, with a dot on each visible series.
  const cross = await (await page.$('.crosshair')).boundingBox();
  assert.ok(Math.abs(cross.x - (box.x + box.width * 0.5)) < box.width * 0.05, `crosshair at ${cross.x}`);
  assert.ok(cross.height > box.height * 0.5);
  assert.ok((await page.$$('.dot')).length >= 2);
  await shot(page, 'hover');
  // Drag across a third of the plot: zoom.
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /z=/.test(location.hash));
  const hash = await page.evaluate(() => location.hash);
  const [, a, b] = hash.match(/z=([\d.]+)~([\d.]+)/);
  assert.ok(Number(b) - Number(a) < 117 / 2, `zoomed in: ${hash}`);
  // Shift+drag pans: same width, shifted to the left (dragging right).
  const range = async () => (await page.evaluate(() => location.hash)).match(/z=(-?[\d.]+)~(-?[\d.]+)/).slice(1).map(Number);
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const [pa, pb] = await range();
  assert.ok(pa < Number(a) - 1 && Math.abs((pb - pa) - (Number(b) - Number(a))) < 0.01, `panned: ${pa}~${pb} from ${a}~${b}`);
  // Arrow keys pan too, with the chart focused.
  await page.focus('canvas.chart-memory');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((pa) => Number(location.hash.match(/z=(-?[\d.]+)/)[1]) > pa, pa);
  await page.click('.reset-zoom');
  await page.waitForFunction(() => !/z=/.test(location.hash));
  await page.close();
});

test('the wheel scrolls the page; Ctrl+wheel zooms, never past the data', async () => {
  const errors = [];
  const page = await open(errors);
  await page.setViewportSize({ width: 1280, height: 700 });
  await dropFiles(page, [sample('leak-plateau-then-growth.ndjson')]);
  assert.equal(await verdict(page), 'leak');
  const canvas = await page.$('canvas.chart-memory');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  const before = await page.evaluate(() => window.scrollY);
  await page.mouse.wheel(0, 300);
  await page.waitForFunction((y) => window.scrollY > y, before);
  assert.ok(!/z=/.test(await page.evaluate(() => location.hash)), 'a plain wheel does not zoom');
  // Ctrl+wheel over the chart zooms in around the pointer.
  const b2 = await canvas.boundingBox();
  await page.mouse.move(b2.x + b2.width * 0.5, b2.y + b2.height * 0.5);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.waitForFunction(() => /z=/.test(location.hash));
  // Zooming out further than the data gives the whole run back, not an
  // axis from -88 to 186.
  for (let k = 0; k < 6; k++) await page.mouse.wheel(0, 100);
  await page.keyboard.up('Control');
  await page.waitForFunction(() => !/z=/.test(location.hash));
  assert.deepEqual(errors, []);
  await page.close();
});

test('clicking an issue selects it; series toggles hide a series', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-rss-native.log')]);
  await verdict(page);
  const before = await inkedPixels(page, 'canvas.chart-memory');
  await page.click('#issues .issue');
  await page.waitForFunction(() => /i=0/.test(location.hash));
  assert.ok(await page.$('#issues .issue.selected'));
  await page.uncheck('input[data-metric="rss"]');
  await page.waitForFunction(() => /h=rss/.test(location.hash));
  const after = await inkedPixels(page, 'canvas.chart-memory');
  assert.notEqual(after, before, 'the chart was redrawn without RSS');
  await page.close();
});

test('a clipboard that refuses: the link is selected and the page says so', async () => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await page.goto(site.url);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [sample('leak-heap-steps.json')]);
  assert.equal(await verdict(page), 'leak');
  await page.click('#share');
  await page.waitForFunction(() => /did not allow copying/.test(document.querySelector('#copy-status').textContent));
  const selected = await page.evaluate(() => {
    const f = document.querySelector('#share-link');
    return document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length && /#.*d=/.test(f.value);
  });
  assert.ok(selected, 'the whole link is selected for Ctrl+C');
  assert.deepEqual(errors, [], 'no uncaught error');
  await context.close();
});

test('copy link → fresh browser context → same view and data', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-unclosed-pages.log')]);
  assert.equal(await verdict(page), 'leak');
  await page.click('#issues .issue');
  await page.click('#share');
  // The browser compresses the files (CompressionStream): the link comes a moment later.
  await page.waitForFunction(() => /#.*d=/.test(document.querySelector('#share-link').value));
  const link = await page.inputValue('#share-link');
  await page.waitForFunction(() => document.querySelector('#copy-status').textContent === 'Copied to the clipboard.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, 'the clipboard holds the link');
  const issues = await page.$$eval('#issues .issue', (els) => els.length);
  // On a plain static host there is no server to upload to: said clearly.
  await page.click('#upload');
  await page.waitForFunction(() => /not served by/.test(document.querySelector('#share-link').value));
  // The browser logs that deliberate 404 as a console error: expected here.
  assert.ok(errors.every((e) => /404/.test(e)), errors.join('\n'));
  errors.length = 0;
  await page.close();

  const fresh = await newPage(browser, errors);
  await fresh.goto(link);
  assert.equal(await verdict(fresh), 'leak');
  assert.equal(await fresh.$$eval('#issues .issue', (els) => els.length), issues);
  assert.ok(await fresh.$('#issues .issue.selected'), 'the selected issue came back');
  await shot(fresh, 'shared-link');

  // A link whose data another deflate wrote (zlib here, miniz in older
  // builds) opens too: the format is raw deflate of `name\0len\0bytes`.
  const body = Buffer.from(sample('leak-unclosed-pages.log').text);
  const framed = Buffer.concat([Buffer.from(`other.log\0${body.length}\0`), body]);
  const data = zlib.deflateRawSync(framed, { level: 9 }).toString('base64url');
  await fresh.goto('about:blank');
  await fresh.goto(`${link.split('#')[0]}#d=${data}`);
  assert.equal(await verdict(fresh), 'leak');
  assert.equal(await fresh.$$eval('#issues .issue', (els) => els.length), issues);

  // Damaged data: said clearly, nothing else breaks.
  await fresh.goto('about:blank');
  await fresh.goto(`${link.split('#')[0]}#d=${data.slice(0, 40)}`);
  await fresh.waitForFunction(() => /shared link/.test(document.body.textContent));
  assert.match(await fresh.textContent('body'), /the link's data is damaged/);
  await fresh.close();
  assert.deepEqual(errors, []);
});

test('exports: JSON report, self-contained HTML report, chart PNG', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-rss-native.log')]);
  assert.equal(await verdict(page), 'leak');
  const read = async (selector) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    return { name: dl.suggestedFilename(), body: fs.readFileSync(await dl.path()) };
  };
  // The export module is fetched at the first export, not with the page.
  const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
  assert.ok(!fetched.some((n) => n.includes('leaklens-export')), fetched.join(' '));
  // Its status while it loads and works, as the user sees it.
  await page.evaluate(() => {
    window.__exportStatus = [];
    const el = document.querySelector('#export-status');
    new MutationObserver(() => window.__exportStatus.push(el.textContent))
      .observe(el, { childList: true, subtree: true, characterData: true });
  });
  const json = await read('#export-json');
  assert.equal(json.name, 'leaklens-report.json');
  assert.ok((await page.evaluate(() => window.__exportStatus)).some((s) => /Preparing the export/.test(s)));
  assert.equal(await page.textContent('#export-status'), '');
  const report = JSON.parse(json.body.toString());
  assert.equal(report.schema_version, 1);
  assert.equal(report.summary.verdict, 'leak');
  // Byte for byte what the CLI writes for the same file (which ends it
  // with a line break).
  const cli = spawnSync(path.join(ROOT, 'target/debug/leaklens'),
    ['analyze', '--format', 'json', 'leak-rss-native.log'], { cwd: SAMPLES, encoding: 'utf8' });
  assert.ok(cli.stdout.length > 0, cli.stderr);
  assert.equal(`${json.body.toString()}\n`, cli.stdout);
  const html = await read('#export-html');
  assert.equal(html.name, 'leaklens-report.html');
  const text = html.body.toString();
  // The charts as drawn on the page, as PNG images.
  assert.ok(text.includes('data-verdict="leak"') && text.includes('<img alt="memory chart" src="data:image/png;base64,') && !text.includes('<script'));
  const png = await read('#export-png');
  assert.equal(png.name, 'leaklens-chart.png');
  assert.deepEqual([...png.body.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  await page.close();
});

test('an export module that cannot be loaded is said so, and the page stays', async () => {
  // A copy of the viewer whose export module is missing.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-noexport-'));
  fs.cpSync(DIST, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'leaklens-export_bg.wasm'));
  const broken = await serve(dir);
  const page = await newPage(browser, []);
  await page.goto(broken.url);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [sample('leak-heap-steps.json')]);
  assert.equal(await verdict(page), 'leak');
  await page.click('#export-json');
  await page.waitForFunction(() => /Export failed/.test(document.querySelector('#export-status').textContent));
  assert.match(await page.textContent('#export-status'), /export module could not be loaded/);
  // The analysis is still on screen, and the button can be tried again.
  assert.equal(await verdict(page), 'leak');
  assert.equal(await page.isEnabled('#export-json'), true);
  await page.context().close();
  await broken.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('?src= loads from another host (CORS)', async () => {
  const errors = [];
  const page = await open(errors, `?src=${encodeURIComponent(other.url + 'leak-external-buffers.log')}`);
  assert.equal(await verdict(page), 'leak');
  const kinds = await page.$$eval('#issues .issue', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('external_growth'), kinds.join(','));
  await page.close();
});

test('labels and URLs from files are text, never markup', async () => {
  const errors = [];
  const page = await open(errors);
  const lines = [];
  for (let c = 1; c <= 30; c++) {
    for (const label of ['Before scrape', '<img src=x onerror="window.__xss=1">', 'After cleanup', 'gnp.\u202Eexe']) {
      lines.push(JSON.stringify({
        cycle: c, label,
        nodejs: { heapUsed: 50 + c * 2, heapTotal: 200, rss: 300 + c * 2, external: 5, arrayBuffers: 1 },
        browser: { pageCount: c, contextCount: 1, pageUrls: Array.from({ length: c }, (_, i) => `https://x/<script>window.__xss=2</script>${i}`) },
      }));
    }
  }
  await dropFiles(page, [{ name: '<b>evil</b>.ndjson', text: lines.join('\n') }]);
  await verdict(page);
  const xss = await page.evaluate(() => window.__xss);
  assert.equal(xss, undefined);
  assert.equal(await page.$$eval('img[src="x"]', (e) => e.length), 0);
  const phases = await page.textContent('#phases');
  assert.ok(phases.includes('<img src=x onerror="window.__xss=1">'), 'label shown as text');
  // A bidi override in a label cannot reorder the text around it.
  assert.ok(phases.includes('gnp.\uFFFDexe') && !phases.includes('\u202E'), 'bidi override neutralised');
  await page.hover('canvas.chart-memory', { position: { x: 300, y: 150 } });
  assert.ok(!(await page.textContent('body')).includes('\u202E'), 'no bidi override anywhere on the page');
  const lingering = await page.textContent('#lingering');
  assert.ok(lingering.includes('<script>window.__xss=2</script>'), 'URL shown as text');
  assert.ok((await page.textContent('.facts')).includes('<b>evil</b>.ndjson'));
  await page.close();
});

test('a malformed file shows its error and the other files still load', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [
    { name: 'notes.txt', text: 'this is not a snapshot export\n' },
    sample('no-leak-stable-gc.ndjson'),
  ]);
  assert.equal(await verdict(page), 'no_leak');
  const err = await page.textContent('#errors');
  assert.match(err, /notes\.txt/);
  assert.match(err, /no memory snapshot found/);
  await shot(page, 'malformed-plus-good');
  await page.close();
});

test('two files can be compared as before/after', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-heap-linear-fast.log'), sample('no-leak-stable-gc.ndjson')]);
  // Two different runs: compared without asking.
  await page.waitForSelector('#compare-verdict');
  assert.equal(await page.getAttribute('#compare-verdict', 'data-verdict'), 'fixed');
  // Both runs on one chart, aligned by cycle, with the before run named in the legend.
  await page.waitForSelector('canvas.chart-overlay');
  assert.match(await page.textContent('.overlay h3'), /Before \(leak-heap-linear-fast\.log\) and after \(no-leak-stable-gc\.ndjson\)/);
  assert.ok(await inkedPixels(page, 'canvas.chart-overlay') > 2000, 'the overlay drew');
  const box = await (await page.$('canvas.chart-overlay')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip');
  await shot(page, 'compare');
  await page.close();
});

test('the retained-level and log-scale switches redraw the chart and live in the URL', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('no-leak-stable-gc.ndjson')]);
  await verdict(page);
  const chart = 'canvas.chart-memory';
  const pixels = () => page.evaluate((sel) => document.querySelector(sel).toDataURL(), chart);
  assert.ok(await page.isChecked('.chart-tools input.retained'), 'the retained level is on by default');
  assert.ok(!(await page.isChecked('.chart-tools input.log-y')), 'the y axis is linear by default');
  const start = await pixels();
  await page.locator('.chart-tools input.retained').first().uncheck();
  await page.waitForFunction(() => /r=0/.test(location.hash));
  const noRetained = await pixels();
  assert.notEqual(noRetained, start, 'the retained level was drawn, and is gone');
  await page.locator('.chart-tools input.log-y').first().check();
  await page.waitForFunction(() => /y=l/.test(location.hash));
  assert.notEqual(await pixels(), noRetained, 'the log scale redrew the chart');
  // The same view from the URL.
  const hash = await page.evaluate(() => location.hash);
  const again = await open(errors, hash);
  await dropFiles(again, [sample('no-leak-stable-gc.ndjson')]);
  await verdict(again);
  assert.ok(await again.isChecked('.chart-tools input.log-y'));
  assert.ok(!(await again.isChecked('.chart-tools input.retained')));
  assert.deepEqual(errors, []);
  await page.close();
  await again.close();
});

test('compare: the legend is a strip above the plot, never over the data', async () => {
  const errors = [];
  const page = await open(errors);
  await dropFiles(page, [sample('leak-heap-linear-fast.log'), sample('no-leak-stable-gc.ndjson')]);
  await page.waitForSelector('canvas.chart-overlay[data-plot]');
  // Series-coloured pixels (legend glyphs: the after lines and the dashed
  // before lines) in the rows above the plot, and the plot's top edge moved
  // down to make room for them.
  const { top, above } = await page.evaluate(() => {
    const c = document.querySelector('canvas.chart-overlay');
    const [, top] = c.dataset.plot.split(' ').map(Number);
    const d = c.getContext('2d').getImageData(0, 0, c.width, top).data;
    let above = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 80) above++;
    }
    return { top, above };
  });
  assert.ok(above > 100, `${above} coloured pixels above the plot (top at ${top})`);
  await page.click('text=merge instead');
  await page.waitForSelector('canvas.chart-memory[data-plot]');
  const single = await page.evaluate(() => Number(document.querySelector('canvas.chart-memory').dataset.plot.split(' ')[1]));
  assert.ok(top > single, `the strip pushes the plot down: ${top} > ${single}`);
  assert.deepEqual(errors, []);
  await page.close();
});
