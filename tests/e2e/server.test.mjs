// `leaklens serve` end to end: upload over HTTP, open the permalink in a
// fresh browser context: the viewer loads under the server's strict CSP and
// shows the same verdict. Needs target/debug/leaklens (cargo test builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, startLeaklens, ROOT, SAMPLES, shot } from './harness.mjs';

let proc, base, browser;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-serve-'));

before(async () => {
  ({ proc, base } = await startLeaklens(['serve', '--addr', '127.0.0.1:0', '--viewer', path.join(ROOT, 'dist'), '--data', data]));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  proc?.kill('SIGTERM');
  fs.rmSync(data, { recursive: true, force: true });
});

test('upload → permalink in a fresh context → same verdict, under the strict CSP', async () => {
  const body = fs.readFileSync(path.join(SAMPLES, 'leak-unclosed-pages.log'));
  const res = await fetch(`${base}api/reports`, { method: 'POST', body, headers: { 'X-File-Name': 'pages.log' } });
  assert.equal(res.status, 201);
  const created = await res.json();
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.ok(res.headers.get('content-security-policy').includes("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));

  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(created.url);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'leak');
  const kinds = await page.$$eval('#issues .issue', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('page_accumulation'), kinds.join(','));
  await shot(page, 'served-permalink');
  assert.deepEqual(errors, [], 'no CSP violation or other console error');
  await page.close();

  const del = await fetch(`${base}api/reports/${created.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${created.delete_token}` } });
  assert.equal(del.status, 204);
  assert.equal((await fetch(`${base}api/reports/${created.id}`)).status, 404);
});

test('upload from the viewer → permalink in a fresh context → same view', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(`${base}?src=samples/leak-heap-steps.json`);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  await page.click('#issues .issue');
  const issues = await page.$$eval('#issues .issue', (els) => els.length);
  await page.click('#upload');
  await page.waitForFunction(() => document.querySelector('#share-link').value.includes('api/reports/'));
  const link = await page.inputValue('#share-link');
  assert.match(link, /\?src=api\/reports\/[0-9a-f]{32}#.*i=0/);
  await page.close();

  const fresh = await newPage(browser, errors);
  await fresh.goto(link);
  await fresh.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await fresh.getAttribute('#verdict', 'data-verdict'), 'leak');
  assert.equal(await fresh.$$eval('#issues .issue', (els) => els.length), issues);
  assert.ok(await fresh.$('#issues .issue.selected'), 'the selected issue came back');
  await fresh.close();
  assert.deepEqual(errors, []);
});

test('the API refuses what is not a snapshot export', async () => {
  const res = await fetch(`${base}api/reports`, { method: 'POST', body: 'hello' });
  assert.equal(res.status, 422);
  assert.match((await res.json()).error, /no memory snapshot found/);
});

test('encrypted share: the server holds ciphertext; the link opens it; without its key it fails cleanly', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(`${base}?src=samples/leak-unclosed-pages.log`);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  const issues = await page.$$eval('#issues .issue', (els) => els.length);
  await page.click('#upload-encrypted');
  await page.waitForFunction(() => document.querySelector('#share-link').value.includes('k='), null, { timeout: 20000 });
  const link = await page.inputValue('#share-link');
  const m = link.match(/\?src=api\/reports\/([0-9a-f]{32})#(?:.*&)?k=([A-Za-z0-9_-]{43})/);
  assert.ok(m, link);
  await page.close();

  // What the server stores and serves: ciphertext, not the log.
  const stored = Buffer.from(await (await fetch(`${base}api/reports/${m[1]}`)).arrayBuffer());
  assert.equal(stored.subarray(0, 6).toString(), 'LLENC1');
  assert.ok(!stored.includes('Memory Snapshot') && !stored.includes('leak-unclosed-pages'), 'neither data nor name in clear');
  const meta = await (await fetch(`${base}api/reports/${m[1]}/meta`)).json();
  assert.equal(meta.files[0].encrypted, true);

  const fresh = await newPage(browser, errors);
  await fresh.goto(link);
  await fresh.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await fresh.getAttribute('#verdict', 'data-verdict'), 'leak');
  assert.equal(await fresh.$$eval('#issues .issue', (els) => els.length), issues);
  await shot(fresh, 'encrypted-share');
  // The key stays in the URL as the view changes.
  await fresh.click('#issues .issue');
  assert.match(await fresh.evaluate(() => location.hash), /k=/);
  await fresh.close();
  assert.deepEqual(errors, []);

  // Without the key, or with a wrong one: a clear message, no report, no crash.
  // A plain file behind an encrypted share's link (the server swapped it): refused.
  const plain = await (await fetch(`${base}api/reports`, { method: 'POST', body: fs.readFileSync(path.join(SAMPLES, 'no-leak-stable-gc.ndjson')) })).json();
  const swapped = link.replace(/api\/reports\/[0-9a-f]{32}/, `api/reports/${plain.id}`);
  for (const [url, why] of [
    [link.split('#')[0], /end-to-end encrypted.*no key/],
    [link.replace(/k=[A-Za-z0-9_-]{43}/, `k=${'A'.repeat(43)}`), /cannot decrypt/],
    [swapped, /not encrypted: refused/],
  ]) {
    const errs = [];
    const p = await newPage(browser, errs);
    await p.goto(url);
    await p.waitForSelector('#errors .error', { timeout: 20000 });
    assert.match(await p.textContent('#errors'), why);
    assert.equal(await p.$('#verdict'), null);
    await p.close();
    assert.deepEqual(errs.filter((e) => !/Failed to load resource/.test(e)), []);
  }
});

test('live view: appended snapshots reach an open viewer and the analysis re-runs', async () => {
  const gen = (cycles) => new Promise((resolve, reject) => {
    const p = spawn(path.join(ROOT, 'target/debug/leaklens'), ['generate', '--cycles', String(cycles), '--rate', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`generate exited ${code}`))));
  });
  const lines = (await gen(80)).trim().split('\n');
  const first = lines.slice(0, 12).join('\n') + '\n';
  const created = await (await fetch(`${base}api/runs`, { method: 'POST', body: first })).json();
  assert.match(created.url, /\/live\/[0-9a-f]{32}$/);

  const errors = [];
  const page = await newPage(browser, errors);
  // Every read of the run's data: after the first, only the new bytes.
  const reads = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === `/api/runs/${created.id}`) {
      reads.push({
        status: r.status(),
        range: r.request().headers().range,
        body: r.body().then((b) => b.length, () => 0),
      });
    }
  });
  await page.goto(created.url);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'inconclusive');
  await page.waitForSelector('#live');

  // The worker appends the rest in three batches.
  const rest = lines.slice(12);
  const step = Math.ceil(rest.length / 3);
  for (let i = 0; i < rest.length; i += step) {
    const res = await fetch(`${base}api/runs/${created.id}/snapshots`, {
      method: 'POST',
      body: rest.slice(i, i + step).join('\n') + '\n',
      headers: { Authorization: `Bearer ${created.write_token}` },
    });
    assert.equal(res.status, 200);
  }
  await page.waitForFunction((n) => document.querySelector('#live')?.textContent.includes(`${n} snapshots`), lines.length, { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'leak', null, { timeout: 20000 });
  await shot(page, 'live-view');
  for (const r of reads) r.bytes = await r.body;
  const total = Buffer.byteLength(lines.join('\n') + '\n');
  assert.equal(reads[0].status, 200);
  assert.ok(reads.length >= 2, JSON.stringify(reads));
  for (const r of reads.slice(1)) {
    assert.match(r.range ?? '', /^bytes=\d+-$/, JSON.stringify(reads));
    assert.equal(r.status, 206, JSON.stringify(reads));
  }
  // Each byte crossed the network once.
  assert.equal(reads.reduce((n, r) => n + r.bytes, 0), total, JSON.stringify(reads));
  await page.close();
  assert.deepEqual(errors, []);
});
