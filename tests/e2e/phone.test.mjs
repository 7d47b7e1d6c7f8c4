// The viewer on a phone (390×844, touch): the page fits the screen, the
// tooltip stays on it, one finger pans, two fingers pinch, the overview
// strip moves a zoom; the "?" shortcuts open and close; "link copied" shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewerSession, dropFiles, sample, shot } from './harness.mjs';

const W = 390;
const viewer = viewerSession();

async function phone(errors) {
  const context = await viewer.browser.newContext({
    viewport: { width: W, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(viewer.site.url);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [sample('leak-plateau-then-growth.ndjson')]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  const canvas = await page.$('canvas.chart-memory');
  await canvas.scrollIntoViewIfNeeded();
  const cdp = await context.newCDPSession(page);
  return { context, page, canvas, cdp };
}

/** Fingers from `from` to `to` (arrays of [x, y], one per finger), in steps. */
async function gesture(cdp, from, to, steps = 8) {
  const at = (k) => from.map(([x, y], id) => ({
    x: x + (to[id][0] - x) * k / steps, y: y + (to[id][1] - y) * k / steps, id,
  }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let k = 1; k <= steps; k++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(k) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

const zoom = async (page) => {
  const m = (await page.evaluate(() => location.hash)).match(/z=(-?[\d.]+)~(-?[\d.]+)/);
  return m && [Number(m[1]), Number(m[2])];
};

test('phone: the page fits, tables scroll in their box, the tooltip stays on screen', async () => {
  const errors = [];
  const { context, page, canvas } = await phone(errors);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= W, `the page is ${width} px wide`);
  const tables = await page.$$eval('table', (ts) => ts.map((t) => ({
    box: t.getBoundingClientRect().width, overflow: getComputedStyle(t).overflowX,
  })));
  assert.ok(tables.length > 0, 'the report has tables');
  for (const t of tables) {
    assert.ok(t.box <= W, `a table box is ${t.box} px wide`);
    assert.equal(t.overflow, 'auto');
  }
  const box = await canvas.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= W, `the chart fits: ${JSON.stringify(box)}`);
  // Taps at both edges of the plot: a tooltip within the screen each time.
  for (const f of [0.3, 0.5, 0.9]) {
    await page.touchscreen.tap(box.x + box.width * f, box.y + box.height * 0.5);
    await page.waitForSelector('.tooltip');
    const tip = await (await page.$('.tooltip')).boundingBox();
    assert.ok(tip.x >= 0 && tip.x + tip.width <= W, `tooltip at ${f}: ${JSON.stringify(tip)}`);
  }
  assert.ok(await page.isVisible('.touch-hint'), 'the hint names the touch gestures');
  assert.ok(!(await page.isVisible('.mouse-hint')));
  await shot(page, 'phone-report');
  assert.deepEqual(errors, []);
  await context.close();
});

test('phone: a pinch zooms, one finger pans, the overview strip moves the zoom', async () => {
  const errors = [];
  const { context, page, canvas, cdp } = await phone(errors);
  const box = await canvas.boundingBox();
  const y = box.y + box.height * 0.5;
  const mid = box.x + box.width * 0.55;
  assert.equal(await zoom(page), null);
  assert.ok(!(await page.isVisible('.overview')), 'no strip without a zoom');
  // Two fingers spreading: zoom in around them.
  await gesture(cdp, [[mid - 30, y], [mid + 30, y]], [[mid - 120, y], [mid + 120, y]]);
  await page.waitForFunction(() => /z=/.test(location.hash));
  const [a, b] = await zoom(page);
  assert.ok(b - a < 117 / 2, `pinched in: ${a}~${b}`);
  // One finger dragging right: the view moves left, same width.
  await gesture(cdp, [[box.x + box.width * 0.3, y]], [[box.x + box.width * 0.7, y]]);
  await page.waitForFunction((a) => Number(location.hash.match(/z=(-?[\d.]+)/)[1]) < a - 1, a);
  const [pa, pb] = await zoom(page);
  assert.ok(Math.abs((pb - pa) - (b - a)) < 0.01 && pa >= 0, `panned: ${pa}~${pb} from ${a}~${b}`);
  // The overview strip: a tap near its right end moves the window there.
  assert.ok(await page.isVisible('.overview'));
  const strip = await (await page.$('.overview')).boundingBox();
  await page.touchscreen.tap(strip.x + strip.width * 0.95, strip.y + strip.height / 2);
  await page.waitForFunction((pb) => Number(location.hash.match(/z=(-?[\d.]+)~(-?[\d.]+)/)[2]) > pb + 1, pb);
  await shot(page, 'phone-zoomed');
  // Pinching far out: back to the whole run, never past the data.
  const now = await canvas.boundingBox();
  const c = now.x + now.width / 2;
  await gesture(cdp, [[c - 150, y], [c + 150, y]], [[c - 10, y], [c + 10, y]]);
  await page.waitForFunction(() => !/z=/.test(location.hash));
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 390), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('"?" shows the shortcuts; a copied link says so visibly', async () => {
  const errors = [];
  const { context, page } = await phone(errors);
  assert.ok(!(await page.isVisible('.help .keys')));
  await page.keyboard.press('?');
  await page.waitForSelector('.help .keys', { state: 'visible' });
  assert.match(await page.textContent('.help .keys'), /pinch/);
  const keys = await (await page.$('.help .keys')).boundingBox();
  assert.ok(keys.x >= 0 && keys.x + keys.width <= W, `the shortcuts fit: ${JSON.stringify(keys)}`);
  await page.keyboard.press('?');
  await page.waitForSelector('.help .keys', { state: 'hidden' });
  await page.click('.help summary');
  await page.waitForSelector('.help .keys', { state: 'visible' });
  await page.click('.help summary');
  await page.waitForSelector('.help .keys', { state: 'hidden' });
  // Typing "?" in a text field is text, not the shortcut.
  await page.click('#share');
  await page.waitForFunction(() => document.querySelector('#copy-status').textContent !== '');
  const bg = await page.$eval('#copy-status', (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'the confirmation stands out');
  assert.ok(await page.isVisible('#copy-status'));
  await page.focus('#share-link');
  await page.keyboard.press('?');
  assert.ok(!(await page.isVisible('.help .keys')), 'typing ? in a field is text');
  assert.deepEqual(errors, []);
  await context.close();
});
