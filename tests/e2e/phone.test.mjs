// The viewer on a phone (390×844): the page fits the screen and wide
// tables scroll inside their own box. (Touch pan and pinch: issue 14.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, dropFiles, sample, shot, DIST } from './harness.mjs';

const W = 390;
let site, browser;

before(async () => {
  site = await serve(DIST);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('phone: the page is no wider than the screen; tables scroll in their box', async () => {
  const context = await browser.newContext({
    viewport: { width: W, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(site.url);
  await page.waitForSelector('#dropzone');
  await dropFiles(page, [sample('leak-plateau-then-growth.ndjson')]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= W, `the page is ${width} px wide on a ${W} px screen`);
  const tables = await page.$$eval('table', (ts) => ts.map((t) => ({
    box: t.getBoundingClientRect().width, overflow: getComputedStyle(t).overflowX,
  })));
  assert.ok(tables.length > 0, 'the report has tables');
  for (const t of tables) {
    assert.ok(t.box <= W, `a table box is ${t.box} px wide`);
    assert.equal(t.overflow, 'auto');
  }
  await shot(page, 'phone');
  assert.deepEqual(errors, []);
  await context.close();
});
