// Test harness: a static server for the built viewer (dist/), a second
// "other host" server with CORS for ?src= tests, and headless Chromium from
// Debian driven by playwright-core (never a downloaded browser).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const DIST = path.join(ROOT, 'dist');
export const SAMPLES = path.join(ROOT, 'static/samples');
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.ndjson': 'application/x-ndjson',
  '.log': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
};

/** Serves `dir` on 127.0.0.1 at a free port; `cors` adds Access-Control-Allow-Origin. */
export function serve(dir, { cors = false } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = path.normalize(path.join(dir, decodeURIComponent(url.pathname)));
    if (!p.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) p = path.join(p, 'index.html');
    if (!fs.existsSync(p)) { res.writeHead(404).end('not found'); return; }
    const headers = { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream' };
    if (cors) headers['access-control-allow-origin'] = '*';
    res.writeHead(200, headers);
    fs.createReadStream(p).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) });
    });
  });
}

export async function launch() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  return browser;
}

/** A new page that fails the test on console errors and page errors. */
export async function newPage(browser, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

/** Drops files on the drop zone through a real DataTransfer and drop event. */
export async function dropFiles(page, files) {
  const payload = files.map(({ name, text }) => ({ name, text }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text], f.name));
    const zone = document.querySelector('#dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, payload);
}

export function sample(name) {
  return { name, text: fs.readFileSync(path.join(SAMPLES, name), 'utf8') };
}

/** Counts non-background pixels of a canvas. */
export async function inkedPixels(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++;
    }
    return n;
  }, selector);
}

export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * The built viewer served and a Chromium launched for a test file's tests
 * (before and after hooks): `site` and `browser` are set once they run.
 */
export function viewerSession() {
  const session = { site: null, browser: null };
  before(async () => {
    session.site = await serve(DIST);
    session.browser = await launch();
  });
  after(async () => {
    await session.browser?.close();
    await session.site?.close();
  });
  return session;
}

/**
 * Starts target/debug/leaklens (or `bin`) with `args` (a `serve` command
 * line, port 0) and resolves with the process, the URL it prints, and its
 * stderr so far (echoed unless `echo` is false).
 */
export function startLeaklens(args, { cwd, bin = path.join(ROOT, 'target/debug/leaklens'), echo = true } = {}) {
  const proc = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { proc, stderr: '' };
  proc.stderr.on('data', (d) => { state.stderr += d; if (echo) process.stderr.write(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[^\s]+)/);
      if (m) resolve({ ...state, base: m[1], get stderr() { return state.stderr; } });
    });
    proc.on('exit', (code) => reject(new Error(`leaklens exited with ${code}: ${state.stderr}`)));
  });
}

/** Clicks the export button `selector` and resolves with the download's name and text. */
export async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click(selector)]);
  return { name: dl.suggestedFilename(), text: fs.readFileSync(await dl.path(), 'utf8') };
}
