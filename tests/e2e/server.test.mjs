// `leaklens serve` end to end: upload over HTTP, open the permalink in a
// fresh browser context: the viewer loads under the server's strict CSP and
// shows the same verdict. Needs target/debug/leaklens (cargo test builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, ROOT, SAMPLES, shot } from './harness.mjs';

let proc, base, browser;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-serve-'));

before(async () => {
  const bin = path.join(ROOT, 'target/debug/leaklens');
  proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--viewer', path.join(ROOT, 'dist'), '--data', data],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[^\s]+)/);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`leaklens serve exited with ${code}`)));
  });
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
