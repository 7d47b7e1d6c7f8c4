// The one binary is enough: `leaklens serve` built with the viewer embedded
// (LEAKLENS_EMBED_VIEWER, as scripts/build-release.sh does; scripts/test.sh
// builds target/debug/leaklens that way before these tests) serves it from
// a directory that has no dist/, compressed, with cache headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { download, launch, newPage, startLeaklens } from './harness.mjs';

let proc, base, browser;
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-embedded-'));

before(async () => {
  // cwd has no dist/: the page below can only come from the binary.
  ({ proc, base } = await startLeaklens(['serve', '--addr', '127.0.0.1:0', '--data', path.join(cwd, 'data')], { cwd }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  proc?.kill('SIGTERM');
  fs.rmSync(cwd, { recursive: true, force: true });
});

test('the embedded viewer is served compressed, hashed assets cached for good, and it works', async () => {
  const index = await fetch(base, { headers: { 'Accept-Encoding': 'br, gzip' } });
  assert.equal(index.status, 200, 'the binary has the viewer built in (scripts/test.sh builds it so)');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.ok(index.headers.get('etag'));
  const html = await index.text();
  const wasm = html.match(/leaklens-web-[0-9a-f]+_bg\.wasm/)[0];
  const res = await fetch(`${base}${wasm}`, { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/wasm');
  assert.match(res.headers.get('cache-control'), /immutable/);
  assert.equal(res.headers.get('content-encoding'), 'br');
  const again = await fetch(base, { headers: { 'If-None-Match': index.headers.get('etag') } });
  assert.equal(again.status, 304);

  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(`${base}?src=samples/leak-heap-steps.json`);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'leak');
  // The export module (a worker, under the server's CSP) is served too.
  const json = await download(page, '#export-json');
  assert.equal(JSON.parse(json.text).summary.verdict, 'leak');
  const page_html = await download(page, '#export-html');
  assert.ok(page_html.text.includes('<img alt="memory chart" src="data:image/png;base64,'));
  await page.close();
  assert.deepEqual(errors, []);
});
