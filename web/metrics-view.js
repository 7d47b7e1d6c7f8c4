// The page's half of metrics exports (issue 16) that needs no wasm: what
// was read from each (the reader's notes: the series, each sample a cycle,
// the other processes; the lines skipped, with file and line) and, for a
// file of several processes, a picker of the process.
//
// The page's wasm has the export module (a Web Worker, export-worker.js)
// read those files. This script sits between the two: it adds the process
// picked (`w=` in the URL, where it is kept) to every request, so the
// module reads that process for the page and for the JSON and HTML
// exports, as `leaklens analyze --worker NAME` does; and it shows the
// module's answers to `read` requests (name, warnings, worker, processes,
// why: web/src/export_job.rs). Picking a process sends `leaklens-worker`:
// the page reads its files again. New files forget the choice. Every
// string from a file is set with textContent, never as markup.
(() => {
  'use strict';
  const shown = new Map();

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** The process picked, from the URL's fragment (`w=`, percent-encoded), or null. */
  function picked() {
    const part = location.hash.replace(/^#/, '').split('&').find((p) => p.startsWith('w='));
    if (!part) return null;
    try { return decodeURIComponent(part.slice(2)); } catch { return null; }
  }

  /** Puts `w=` (the process picked; null: none) in the URL's fragment. */
  function setPicked(name) {
    const parts = location.hash.replace(/^#/, '').split('&').filter((p) => p && !p.startsWith('w='));
    if (name !== null) parts.push(`w=${encodeURIComponent(name)}`);
    const hash = parts.length ? `#${parts.join('&')}` : '';
    if (hash !== location.hash) history.replaceState(null, '', location.pathname + location.search + hash);
  }

  // Between the page and the export module.
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, options);
      if (!/export-worker\.js$/.test(String(url))) return;
      this.addEventListener('message', (ev) => {
        const a = ev.data;
        if (a && typeof a === 'object' && a.kind === 'read' && a.name !== undefined && !a.own) show(a);
      });
    }

    postMessage(msg, transfer) {
      const w = picked();
      if (w !== null && msg && typeof msg === 'object' && 'kind' in msg) msg.worker = w;
      return super.postMessage(msg, transfer);
    }
  };

  /** An answer's warnings as text: `file: message`, or `file:line: message` with `withLine`. */
  function said(a, withLine) {
    return (a.warnings || []).filter(([line]) => Boolean(line) === withLine)
      .map(([line, m]) => (line ? `${a.name}:${line}: ${m}` : `${a.name}: ${m}`));
  }

  function file(a) {
    const div = el('div', 'metrics-file');
    const processes = a.processes || [];
    if (processes.length > 1) {
      const label = el('label', 'processes', `${processes.length} processes in ${a.name}: showing `);
      const select = el('select', 'process');
      for (const [name, n] of processes) {
        const option = el('option', '', `${name || '(unnamed)'} (${n} snapshots)`);
        option.value = name;
        option.selected = name === (a.worker ?? picked());
        select.append(option);
      }
      select.addEventListener('change', () => {
        setPicked(select.value);
        window.dispatchEvent(new Event('leaklens-worker'));
      });
      label.append(select);
      div.append(label);
    }
    if (a.why) div.append(el('p', 'error', `${a.name}: ${a.why}`));
    const list = el('ul', 'metrics-notes');
    for (const n of said(a, false)) list.append(el('li', '', n));
    if (list.childElementCount) div.append(list);
    // The lines the reader skipped, each with its file and line.
    const skipped = said(a, true);
    if (skipped.length) {
      const details = el('details', 'metrics-warnings');
      details.append(el('summary', '', `${skipped.length} line(s) of ${a.name} skipped, the rest kept`));
      const ul = el('ul');
      for (const w of skipped.slice(0, 200)) ul.append(el('li', '', w));
      details.append(ul);
      div.append(details);
    }
    return div;
  }

  function show(a) {
    shown.set(a.name, a);
    let box = document.getElementById('metrics-info');
    if (!box) {
      box = el('section', 'metrics-info hint');
      box.id = 'metrics-info';
      // After the drop zone, a static element: outside what the page redraws.
      const zone = document.getElementById('dropzone');
      if (zone) zone.after(box); else document.body.append(box);
    }
    box.replaceChildren(...Array.from(shown.values(), file));
  }

  // New files (dropped, picked, a sample) or the brand link: a new start.
  // Capture phase: before the page reads them.
  function forget() {
    setPicked(null);
    shown.clear();
    document.getElementById('metrics-info')?.remove();
  }
  window.addEventListener('drop', (ev) => {
    if (ev.target.closest && ev.target.closest('#dropzone') && ev.dataTransfer?.files?.length) forget();
  }, true);
  window.addEventListener('change', (ev) => {
    if (ev.target.id === 'file-input' && ev.target.files?.length) forget();
  }, true);
  window.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('a.brand, button.sample, #paste-load')) forget();
  }, true);
})();
