// `leaklens report FILE -o DIR`: the static site opens from a plain static
// server (python3 -m http.server) under a sub-path, and its index page
// opens the viewer on the data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { download, launch, newPage, ROOT, SAMPLES, shot } from './harness.mjs';

let browser, server, base;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-site-'));

before(async () => {
  const site = path.join(root, 'ci', 'run-42');
  // Run from the samples' folder: the report names the files as the viewer does.
  execFileSync(path.join(ROOT, 'target/debug/leaklens'), ['report', 'leak-browser-contexts.json',
    'leak-heap-steps.json', '-o', site, '--viewer', path.join(ROOT, 'dist')], { stdio: 'pipe', cwd: SAMPLES });
  server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '0', '-d', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = out.match(/port (\d+)/);
      if (m) resolve(`http://127.0.0.1:${m[1]}/`);
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`http.server exited ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  fs.rmSync(root, { recursive: true, force: true });
});

test('the static site opens the viewer on its data from a plain static server, under a sub-path', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(`${base}ci/run-42/`);
  await page.waitForURL(/\/ci\/run-42\/viewer\/index\.html\?src=/, { timeout: 20000 });
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'leak');
  // Both exports were loaded as one run.
  const facts = await page.textContent('.facts');
  assert.ok(facts.includes('leak-browser-contexts.json + leak-heap-steps.json'), facts);
  await shot(page, 'static-site');
  // The export module is part of the site's viewer: the page's export is
  // the site's report.json, byte for byte (the viewer merged the files as
  // the report did).
  const exported = await download(page, '#export-json');
  await page.close();
  assert.deepEqual(errors, []);
  const written = fs.readFileSync(path.join(root, 'ci', 'run-42', 'report.json'), 'utf8');
  assert.equal(`${exported.text}\n`, written);

  // The other files of the site are there, next to the index.
  for (const f of ['report.html', 'report.json', 'report.md', 'data/leak-heap-steps.json']) {
    const res = await fetch(`${base}ci/run-42/${f}`);
    assert.equal(res.status, 200, f);
  }
  const report = await (await fetch(`${base}ci/run-42/report.json`)).json();
  assert.equal(report.summary.verdict, 'leak');
});
