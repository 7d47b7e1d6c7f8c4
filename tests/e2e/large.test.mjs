// A 1,000,000-snapshot file (264 MB of NDJSON) loads in the viewer: read in
// pieces with a progress bar the page keeps painting, then analysed, charted
// (decimated) and hoverable. Needs target/debug/leaklens (cargo test builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, newPage, inkedPixels, shot, DIST, ROOT } from './harness.mjs';

let site, data, browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-large-'));

before(async () => {
  // 330,000 cycles of three or four snapshots: about 1,000,000 snapshots.
  execFileSync(path.join(ROOT, 'target/debug/leaklens'),
    ['generate', '--scenario', 'linear', '--rate', '0.002', '--cycles', '330000', '-o', path.join(dir, 'big.ndjson')]);
  site = await serve(DIST);
  data = await serve(dir, { cors: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await data?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a million snapshots load with progress, then chart and hover', { timeout: 300000 }, async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  // Every frame the page paints, note the progress bar's value: distinct
  // values mean the page was painting (responsive) while it read the file.
  await page.addInitScript(() => {
    window.__progress = [];
    const tick = () => {
      const p = document.querySelector('#progress progress');
      if (p && window.__progress.at(-1) !== p.value) window.__progress.push(p.value);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.goto(`${site.url}?src=${encodeURIComponent(`${data.url}big.ndjson`)}`);
  await page.waitForSelector('#verdict', { timeout: 240000 });
  const seen = await page.evaluate(() => window.__progress);
  assert.ok(seen.length >= 10, `the progress bar moved while reading: ${seen.join(', ')}`);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]), 'progress only grows');
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'leak');
  const facts = await page.textContent('.facts');
  const snapshots = Number(facts.match(/(\d+) snapshots/)[1]);
  assert.ok(snapshots >= 1_000_000, `every snapshot was read: ${facts}`);
  assert.ok(await inkedPixels(page, 'canvas.chart-memory') > 5000, 'the chart drew');
  const box = await (await page.$('canvas.chart-memory')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
  await page.waitForSelector('.tooltip', { timeout: 20000 });
  assert.match(await page.textContent('.tooltip'), /Cycle \d+/);
  await shot(page, 'one-million-snapshots');
  await page.close();
  assert.deepEqual(errors, []);
});
