// The page's half of the heap-snapshot view (issue 17). The page's own wasm
// carries none of it: heap snapshots (*.heapsnapshot) dropped or picked are
// taken out before the page sees the files (it gets the others, a memory
// run, as before) and handed to the heap module, a separate wasm in a Web
// Worker (heap-worker.js, web/heapview) started only now. It reads them in
// pieces with progress, and answers a plain-data view which this script
// shows with textContent only: every string from a snapshot is text here,
// never markup. Cancel terminates the worker; the page stays as it was.
(() => {
  'use strict';
  const IS_HEAP = /\.heapsnapshot$/i;
  let worker = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function mb(n) {
    return (n / 1048576).toFixed(1) + ' MB';
  }

  /** Splits `files` into heap snapshots and the rest; a FileList of the rest. */
  function split(files) {
    const all = Array.from(files || []);
    const heap = all.filter((f) => IS_HEAP.test(f.name));
    const rest = new DataTransfer();
    for (const f of all) if (!IS_HEAP.test(f.name)) rest.items.add(f);
    return { heap, rest: rest.files };
  }

  // Capture phase: before the page's own handlers, which then see the rest.
  window.addEventListener('drop', (ev) => {
    if (!ev.target.closest || !ev.target.closest('#dropzone') || !ev.dataTransfer) return;
    const { heap, rest } = split(ev.dataTransfer.files);
    if (!heap.length) return;
    const dt = new DataTransfer();
    for (const f of rest) dt.items.add(f);
    Object.defineProperty(ev, 'dataTransfer', { value: dt });
    start(heap);
  }, true);

  window.addEventListener('change', (ev) => {
    const input = ev.target;
    if (input.id !== 'file-input' || !input.files) return;
    const { heap, rest } = split(input.files);
    if (!heap.length) return;
    input.files = rest;
    start(heap);
  }, true);

  // The brand link starts over: the heap view goes too.
  window.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('a.brand')) stop(true);
  }, true);

  function stop(remove) {
    if (worker) worker.terminate();
    worker = null;
    const section = document.getElementById('heap');
    if (remove && section) section.remove();
    return section;
  }

  function start(files) {
    // In the order taken: by name, numbers as numbers (cycle-9 before cycle-10).
    files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const old = stop(false);
    const section = el('section', 'heap-view');
    section.id = 'heap';
    if (old) old.replaceWith(section); else document.body.append(section);
    section.append(el('h2', '', 'Heap snapshots'));
    const status = el('div', 'heap-progress');
    status.id = 'heap-progress';
    const bars = files.map((f) => {
      const row = el('div', 'heap-file');
      const bar = el('progress');
      bar.max = Math.max(f.size, 1);
      bar.value = 0;
      const label = el('span', '', f.name + ': waiting');
      row.append(bar, label);
      status.append(row);
      return { bar, label, file: f };
    });
    const cancel = el('button', '', 'Cancel');
    cancel.id = 'heap-cancel';
    cancel.addEventListener('click', () => {
      stop(false);
      status.remove();
      section.append(el('p', 'hint', 'Cancelled: the heap snapshots were not analysed.'));
    });
    status.append(cancel);
    section.append(status);

    worker = new Worker('./heap-worker.js');
    const mine = worker;
    mine.onmessage = (ev) => {
      if (mine !== worker) return;
      const m = ev.data;
      if (m.error) {
        stop(false);
        status.remove();
        const p = el('p', 'error', m.error);
        p.id = 'heap-error';
        section.append(p);
      } else if (m.view !== undefined) {
        stop(false);
        status.remove();
        section.dataset.wasmMemory = m.memory;
        show(section, JSON.parse(m.view));
      } else if (m.analysing !== undefined) {
        bars[m.analysing].label.textContent = bars[m.analysing].file.name + ': analysing…';
      } else if (m.file !== undefined) {
        const b = bars[m.file];
        b.bar.value = m.done;
        b.label.textContent = b.file.name + ': ' + (m.skipped ? 'too large, skipped' : mb(m.done) + ' of ' + mb(m.total));
      }
    };
    mine.onerror = (e) => {
      e.preventDefault();
      mine.onmessage({ data: { error: 'the heap module stopped: ' + (e.message || 'unknown error') } });
    };
    mine.postMessage({ files });
  }

  /** The view the module answered, as text. */
  function show(section, v) {
    const banner = el('div', 'banner ' + v.verdict_class);
    banner.id = 'heap-verdict';
    banner.dataset.verdict = v.verdict_class;
    banner.append(el('b', '', v.verdict));
    section.append(banner, el('p', 'facts', v.facts), el('p', 'hint', 'In this order (by file name): ' + v.order));
    if (v.errors.length) {
      const errs = el('div', 'errors');
      errs.id = 'heap-errors';
      for (const e of v.errors) errs.append(el('p', 'error', e));
      section.append(errs);
    }
    const t = v.table;
    const table = el('table', 'heap-table');
    table.id = 'heap-table';
    table.append(el('caption', '', t.caption));
    const head = el('tr');
    for (const h of t.head) head.append(el('th', '', h));
    table.append(head);
    const paths = el('div', 'heap-paths');
    paths.id = 'heap-paths';
    let selected = null;
    const select = (tr, i) => {
      if (selected) selected.classList.remove('selected');
      selected = tr;
      tr.classList.add('selected');
      showPaths(paths, v.holders[i]);
    };
    for (const r of t.rows) {
      const tr = el('tr', r.grew ? 'grew' : '');
      r.cells.forEach((c, i) => tr.append(el('td', i ? 'num' : 'name', c)));
      if (r.holders !== null) {
        tr.tabIndex = 0;
        tr.classList.add('has-paths');
        tr.addEventListener('click', () => select(tr, r.holders));
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(tr, r.holders); } });
        if (!selected) select(tr, r.holders);
      }
      table.append(tr);
    }
    const wrap = el('div', 'table-wrap');
    wrap.append(table);
    section.append(wrap, paths);
  }

  function showPaths(box, h) {
    box.replaceChildren(el('h3', '', 'What holds ' + h.name + ' (shortest paths from the GC roots, last snapshot)'));
    if (!h.groups.length) box.append(el('p', 'hint', 'No retainer path found for its new objects.'));
    const list = el('ul', 'heap-groups');
    for (const g of h.groups) {
      const li = el('li', 'heap-group');
      li.append(el('span', 'title', g.title));
      for (const [kind, label] of g.via) {
        const chip = el('span', 'via', label);
        chip.dataset.via = kind;
        li.append(' ', chip);
      }
      const path = el('ol', 'heap-path');
      for (const s of g.steps) path.append(el('li', '', s));
      li.append(path);
      list.append(li);
    }
    box.append(list);
  }
})();
