// Heap snapshots in the viewer (issue 17), end to end in headless Chromium:
// real snapshots written by Node (tests/heap/leak.mjs: LeakyThing leaked
// through a module-level Map, a listener and a closure at cycles 10, 20,
// 30) are dropped or picked; the heap module (a separate wasm in a Web
// Worker) reads them with progress; LeakyThing comes first in the growth
// table with its path; Cancel stops the worker and leaves the page usable;
// a memory run dropped with them is shown beside them; a hostile class name
// is shown as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, newPage, sample, ROOT, DIST } from './harness.mjs';

let site, browser, dir, snaps;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaklens-heap-e2e-'));
  const out = execFileSync('node', [path.join(ROOT, 'tests/heap/leak.mjs'), dir], { encoding: 'utf8' });
  snaps = out.trim().split('\n');
  assert.equal(snaps.length, 3);
  site = await serve(DIST);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(errors, viewport) {
  const page = await newPage(browser, errors);
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(site.url);
  await page.waitForSelector('#dropzone');
  // Every text the progress rows show, as they change.
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      for (const s of document.querySelectorAll('.heap-file span')) window.__progress.push(s.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return page;
}

/**
 * Drops real files on the drop zone: `paths` from disk (through a scratch
 * file input, so they are File objects of the files' real bytes) and
 * `texts` ({name, text}).
 */
async function drop(page, paths, texts = []) {
  await page.evaluate(() => {
    const aux = document.createElement('input');
    aux.type = 'file';
    aux.multiple = true;
    aux.id = 'aux-files';
    aux.style.display = 'none';
    document.body.append(aux);
  });
  if (paths.length) await page.setInputFiles('#aux-files', paths);
  await page.evaluate((texts) => {
    const aux = document.getElementById('aux-files');
    const dt = new DataTransfer();
    for (const f of aux.files) dt.items.add(f);
    for (const t of texts) dt.items.add(new File([t.text], t.name));
    aux.remove();
    const zone = document.querySelector('#dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, texts);
}

async function heapVerdict(page) {
  await page.waitForSelector('#heap-verdict', { timeout: 60000 });
  return page.getAttribute('#heap-verdict', 'data-verdict');
}

test('three snapshots: progress per file, LeakyThing first in the growth table, held by the Map', async () => {
  const errors = [];
  const page = await open(errors);
  // Dropped in the wrong order: the module reads them by name.
  await drop(page, [snaps[2], snaps[0], snaps[1]]);
  assert.equal(await heapVerdict(page), 'leak');
  const progress = await page.evaluate(() => window.__progress);
  for (const name of ['cycle-10', 'cycle-20', 'cycle-30']) {
    assert.ok(progress.some((t) => t.startsWith(`${name}.heapsnapshot: `) && / MB of \d+\.\d MB$/.test(t)), `progress of ${name}: ${progress.join(' | ')}`);
  }
  assert.equal(await page.$('#heap-progress'), null, 'the progress goes when done');
  assert.match(await page.textContent('#heap'), /cycle-10\.heapsnapshot → cycle-20\.heapsnapshot → cycle-30\.heapsnapshot/);
  const rows = await page.$$eval('#heap-table tr.grew', (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
  assert.ok(rows.length >= 1);
  assert.equal(rows[0][0], 'LeakyThing');
  // Counts per snapshot, each interval up.
  const counts = rows[0][1].split(' → ').map(Number);
  assert.equal(counts.length, 3);
  assert.ok(counts[0] < counts[1] && counts[1] < counts[2], rows[0][1]);
  // Its retainer paths, selected by default: the Map, by name, and the
  // listener and the closure.
  assert.match(await page.textContent('#heap-paths h3'), /What holds LeakyThing/);
  const vias = await page.$$eval('#heap-paths .via', (s) => s.map((x) => x.dataset.via));
  assert.ok(vias.includes('map'), vias.join());
  assert.ok(vias.includes('closure') || vias.includes('event_listener'), vias.join());
  const paths = await page.textContent('#heap-paths');
  assert.match(paths, /an entry of Map `leakMap`/);
  assert.match(paths, /leakMap/);
  // Another grower's paths on click.
  const others = await page.$$('#heap-table tr.has-paths');
  if (others.length > 1) {
    await others[1].click();
    assert.doesNotMatch(await page.textContent('#heap-paths h3'), /What holds LeakyThing /);
  }
  // The page's own run view is untouched: no memory-export error.
  assert.equal(await page.$('#errors'), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a memory run and heap snapshots dropped together are shown side by side', async () => {
  const errors = [];
  const page = await open(errors, { width: 1900, height: 1000 });
  await drop(page, snaps, [sample('leak-heap-steps.json')]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'leak');
  assert.equal(await heapVerdict(page), 'leak');
  const main = await page.locator('main').boundingBox();
  const heap = await page.locator('#heap').boundingBox();
  assert.ok(heap.x >= main.x + main.width - 1, `heap at ${heap.x}, run ends at ${main.x + main.width}`);
  assert.ok(heap.y < main.y + 200, 'beside the run, not below it');
  // The run's charts keep their width.
  const canvas = await page.locator('canvas').first().boundingBox();
  assert.ok(canvas.width > 1000, `chart ${canvas.width} px`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('picked with the file chooser, a memory run and a snapshot: both read', async () => {
  const errors = [];
  const page = await open(errors);
  const run = path.join(dir, 'leak-heap-steps.json');
  fs.writeFileSync(run, sample('leak-heap-steps.json').text);
  await page.setInputFiles('#file-input', [run, snaps[0]]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await heapVerdict(page), 'inconclusive');
  // One snapshot: the per-class summary.
  assert.deepEqual(await page.$$eval('#heap-table th', (t) => t.map((x) => x.textContent)), ['Class', 'Count', 'Self size', 'Retained size']);
  assert.ok((await page.$$('#heap-table tr')).length > 5);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Cancel terminates the worker and leaves the page usable', async () => {
  const errors = [];
  const page = await open(errors);
  const closed = [];
  page.on('worker', (w) => w.on('close', () => closed.push(w.url())));
  // A 60 MB snapshot (bench/heap/big.mjs): read in 8 MB pieces, so the
  // click comes while the worker is reading.
  const big = path.join(dir, 'big.heapsnapshot');
  execFileSync('node', [path.join(ROOT, 'bench/heap/big.mjs'), big, '130000']);
  await drop(page, [big]);
  // Mid-read: the worker runs and has said how far it is.
  await page.waitForFunction(() => window.__progress.some((t) => / MB of /.test(t)));
  assert.ok(page.workers().some((w) => /heap-worker\.js$/.test(w.url())), 'the worker runs');
  await page.click('#heap-cancel');
  assert.match(await page.textContent('#heap'), /Cancelled/);
  assert.equal(await page.$('#heap-progress'), null);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.$('#heap-verdict'), null, 'no result after Cancel');
  assert.ok(closed.some((u) => /heap-worker\.js$/.test(u)), `workers closed: ${closed.join()}`);
  assert.deepEqual(page.workers().map((w) => w.url()).filter((u) => /heap-worker/.test(u)), []);
  // Still usable: a memory run, then the snapshots again.
  await drop(page, [], [sample('leak-heap-steps.json')]);
  await page.waitForSelector('#verdict', { timeout: 20000 });
  await drop(page, snaps);
  assert.equal(await heapVerdict(page), 'leak');
  assert.deepEqual(errors, []);
  await page.close();
});

/** A V8 heap snapshot of `n` objects of class `name`, held by a global's
 * array (node 0 the root). */
function snapshotOf(name, n) {
  const strings = ['', '(GC roots)', 'holder', 'Holder', name, 'items'];
  const nodes = [];
  const edges = [];
  // root → Holder (shortcut "holder") → Array (property "items") → n objects
  nodes.push([9, 1, 1, 0, 1]);
  edges.push([5, 2, 7]);
  nodes.push([3, 3, 3, 32, 1]);
  edges.push([2, 5, 14]);
  nodes.push([1, 0, 5, 16, n]);
  for (let i = 0; i < n; i++) {
    edges.push([1, i, (3 + i) * 7]);
    nodes.push([3, 4, 7 + 2 * i, 24, 0]);
  }
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'], 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
  };
  return JSON.stringify({
    snapshot: { meta, node_count: nodes.length, edge_count: edges.length },
    nodes: nodes.flatMap(([t, nm, id, size, ec]) => [t, nm, id, size, ec, 0, 0]),
    edges: edges.flat(),
    strings,
  });
}

test('a hostile class name is shown as text, never markup; a bad snapshot says what and where', async () => {
  const errors = [];
  const page = await open(errors);
  const hostile = '<img src=x onerror="window.__pwned=1">';
  await drop(page, [], [
    { name: 'a-1.heapsnapshot', text: snapshotOf(hostile, 2) },
    { name: 'a-2.heapsnapshot', text: snapshotOf(hostile, 4) },
    { name: 'a-3.heapsnapshot', text: snapshotOf(hostile, 6) },
    { name: 'broken.heapsnapshot', text: '{"snapshot":{"meta":{"node_fields":["type","name"]},"node_count":1},"nodes":[0,1]}' },
  ]);
  assert.equal(await heapVerdict(page), 'leak');
  const first = await page.textContent('#heap-table tr.grew td.name');
  assert.equal(first, hostile);
  assert.equal(await page.$('#heap img'), null, 'no element made of a name');
  assert.match(await page.textContent('#heap-paths h3'), /What holds <img src=x onerror="window.__pwned=1">/);
  assert.match(await page.textContent('#heap-paths'), /Holder \.items/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match(await page.textContent('#heap-errors'), /broken\.heapsnapshot: .*byte \d+/);
  assert.deepEqual(errors, []);
  await page.close();
});
