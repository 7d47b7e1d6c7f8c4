// Small multiples (issue 14, item 3): a panel per scale with one crosshair
// across them, the tooltip of every series equal to the data at that
// snapshot, zoom and pan applied to every panel, the switch kept in the URL;
// on a desktop and on a phone (touch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewerSession, newPage, dropFiles, sample, shot } from './harness.mjs';

const FILE = 'no-leak-stable-gc.ndjson';
// The series of each record, by the names the tooltip gives them.
const SERIES = {
  'Heap Used': (r) => r.nodejs.heapUsed,
  'Heap Total': (r) => r.nodejs.heapTotal,
  RSS: (r) => r.nodejs.rss,
  External: (r) => r.nodejs.external,
  ArrayBuffers: (r) => r.nodejs.arrayBuffers,
  'Browser Pages': (r) => r.browser.pageCount,
  'Browser Contexts': (r) => r.browser.contextCount,
};
const records = sample(FILE).text.trim().split('\n').map((l) => JSON.parse(l));

const viewer = viewerSession();

async function panels(page, query = '') {
  await page.goto(viewer.site.url + query);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [sample(FILE)]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
}

/** The tooltip's snapshot and its values by series name. */
async function tooltip(page) {
  const lines = await page.$$eval('.tooltip div', (ds) => ds.map((d) => d.textContent));
  const [, cycle, label] = lines[0].match(/^Cycle (\d+) — (.*)$/);
  // After the first line, the clock time, then a line per series.
  const values = Object.fromEntries(lines.slice(1).map((l) => l.match(/^([^:]+): (-?[\d.]+)/))
    .filter(Boolean).map(([, name, v]) => [name, v]));
  return { cycle: Number(cycle), label, values };
}

/** Each series of the tooltip equals the file's value at its snapshot. */
function assertTheData(tip) {
  const r = records.find((x) => x.cycle === tip.cycle && x.label === tip.label);
  assert.ok(r, `a record for cycle ${tip.cycle}, ${tip.label}`);
  assert.deepEqual(Object.keys(tip.values).sort(), Object.keys(SERIES).sort(), 'every series in one tooltip');
  // Equal to the digits shown (two decimals, one from 100 MB up).
  for (const [name, v] of Object.entries(tip.values)) {
    const decimals = v.split('.')[1]?.length ?? 0;
    assert.equal(Number(v), Number(SERIES[name](r).toFixed(decimals)), `${name}: ${v} shown, ${SERIES[name](r)} in the file`);
  }
}

const crosshairs = (page) => page.$$eval('.canvas-wrap', (ws) => ws.map((w) => {
  const c = w.querySelector('.crosshair');
  const canvas = w.querySelector('canvas');
  const plot = canvas.getAttribute('data-plot').split(' ').map(Number);
  const dpr = canvas.width / canvas.clientWidth;
  return c && { left: parseFloat(c.style.left) * dpr, plot, dots: w.querySelectorAll('.dot').length, tip: !!w.querySelector('.tooltip') };
}));

test('panels: one per scale, one crosshair, every series at that snapshot, zoom on all, in the URL', async () => {
  const errors = [];
  const page = await newPage(viewer.browser, errors);
  await panels(page);
  assert.ok(await page.$('canvas.chart-browser'), 'two charts by default');
  await page.locator('.chart-tools input.panels').first().check();
  await page.waitForFunction(() => /p=1/.test(location.hash));
  const canvases = await page.$$('canvas.chart-panel');
  const metrics = await page.$$eval('canvas.chart-panel', (cs) => cs.map((c) => c.dataset.metrics));
  assert.deepEqual(metrics, ['heap_used heap_total', 'rss', 'external array_buffers', 'pages contexts']);
  assert.equal(await page.$('canvas.chart-browser'), null, 'pages and contexts are the last panel');
  const ink = await page.$$eval('canvas.chart-panel', (cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
    return n;
  }));
  ink.forEach((n, k) => assert.ok(n > 200, `panel ${k} is drawn: ${n} inked pixels`));
  // Hover over the RSS panel: a crosshair on every panel at the same
  // snapshot, one tooltip, with every series equal to the file's values.
  const box = await canvases[1].boundingBox();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip');
  const marks = await crosshairs(page);
  assert.equal(marks.filter(Boolean).length, canvases.length, 'a crosshair on every panel');
  assert.deepEqual(marks.map((m) => m.tip), [false, true, false, false], 'the tooltip on the hovered panel');
  assert.deepEqual(marks.map((m) => m.dots), [2, 1, 2, 2], 'a dot per series of each panel');
  // The same cycle on every panel: the same fraction of each plot's width.
  const at = marks.map((m) => (m.left - m.plot[0]) / (m.plot[2] - m.plot[0]));
  assert.ok(Math.max(...at) - Math.min(...at) < 0.01, `crosshairs at ${at}`);
  const before = await tooltip(page);
  assertTheData(before);
  await shot(page, 'panels-hover');
  // Drag on the first panel zooms every panel; the tooltip after the zoom
  // (pointer still) is the data at the new snapshot.
  const pixels = () => page.$$eval('canvas.chart-panel', (cs) => cs.map((c) => c.toDataURL()));
  const start = await pixels();
  const first = await canvases[0].boundingBox();
  await page.mouse.move(first.x + first.width * 0.3, first.y + first.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(first.x + first.width * 0.6, first.y + first.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /z=/.test(location.hash));
  const zoomed = await pixels();
  zoomed.forEach((p, k) => assert.notEqual(p, start[k], `panel ${k} redrawn zoomed`));
  await canvases[3].scrollIntoViewIfNeeded();
  const last = await canvases[3].boundingBox();
  await page.mouse.move(last.x + last.width * 0.5, last.y + last.height * 0.5);
  await page.waitForFunction(() => document.querySelectorAll('.crosshair').length === 4);
  assertTheData(await tooltip(page));
  // Leaving clears every crosshair.
  await page.mouse.move(1, 1);
  await page.waitForFunction(() => document.querySelectorAll('.crosshair').length === 0);
  // The view from the URL: panels and zoom; the switch back gives one chart.
  const hash = await page.evaluate(() => location.hash);
  const again = await newPage(viewer.browser, errors);
  await panels(again, hash);
  await again.waitForSelector('canvas.chart-panel');
  assert.ok(await again.isChecked('.chart-tools input.panels'));
  assert.match(await again.evaluate(() => location.hash), /z=/);
  await again.locator('.chart-tools input.panels').first().uncheck();
  await again.waitForSelector('canvas.chart-memory');
  assert.equal(await again.$('canvas.chart-panel'), null);
  assert.doesNotMatch(await again.evaluate(() => location.hash), /p=1/);
  assert.deepEqual(errors, []);
  await page.close();
  await again.close();
});

test('panels on a phone: the page fits, a tap shows every series, one finger pans every panel', async () => {
  const errors = [];
  const W = 390;
  const context = await viewer.browser.newContext({
    viewport: { width: W, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await panels(page, '#p=1');
  const canvases = await page.$$('canvas.chart-panel');
  assert.equal(canvases.length, 4);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= W, 'the page fits');
  for (const c of canvases) {
    const b = await c.boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= W, `a panel fits: ${JSON.stringify(b)}`);
  }
  await canvases[0].scrollIntoViewIfNeeded();
  const box = await canvases[0].boundingBox();
  await page.touchscreen.tap(box.x + box.width * 0.8, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip');
  const tip = await (await page.$('.tooltip')).boundingBox();
  assert.ok(tip.x >= 0 && tip.x + tip.width <= W, `the tooltip stays on screen: ${JSON.stringify(tip)}`);
  assertTheData(await tooltip(page));
  assert.equal(await page.$$eval('.crosshair', (cs) => cs.length), 4);
  // Zoom in (URL), then one finger drags the heap panel: every panel pans.
  await page.close();
  const zoomed = await context.newPage();
  zoomed.on('pageerror', (e) => errors.push(String(e)));
  await panels(zoomed, '#p=1&z=20~40');
  await zoomed.waitForSelector('canvas.chart-panel');
  const drawn = () => zoomed.$$eval('canvas.chart-panel', (cs) => cs.map((c) => c.toDataURL()));
  const before = await drawn();
  const c0 = await zoomed.$('canvas.chart-panel');
  await c0.scrollIntoViewIfNeeded();
  const b0 = await c0.boundingBox();
  const cdp = await context.newCDPSession(zoomed);
  const y = b0.y + b0.height / 2;
  const steps = 8;
  const from = b0.x + b0.width * 0.7;
  const to = b0.x + b0.width * 0.3;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from, y, id: 0 }] });
  for (let k = 1; k <= steps; k++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: from + (to - from) * k / steps, y, id: 0 }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await zoomed.waitForFunction(() => { const m = location.hash.match(/z=(-?[\d.]+)/); return m && Number(m[1]) > 20.5; });
  const after = await drawn();
  after.forEach((p, k) => assert.notEqual(p, before[k], `panel ${k} panned`));
  await shot(zoomed, 'panels-phone');
  assert.deepEqual(errors, []);
  await context.close();
});
