// The heap module's worker (see web/heapview): loads the wasm, then reads
// the heap snapshots the page sends ({files: [File]}) in pieces, never a
// whole file at once (File.slice, FileReaderSync), pushes each piece into
// the module and posts {file, done, total} as it goes, {analysing: file}
// while a snapshot's dominators are computed, then {view: JSON, memory:
// bytes of wasm memory, its peak} at the end,
// or {error} when the module cannot load or stops. The page cancels by
// terminating this worker.
importScripts('./leaklens-heapview.js');
const PIECE = 8 << 20;
const ready = wasm_bindgen('./leaklens-heapview_bg.wasm');

onmessage = async (ev) => {
  try {
    await ready;
  } catch (e) {
    postMessage({ error: 'the heap module could not be loaded (' + e + ')' });
    return;
  }
  try {
    const files = ev.data.files;
    const job = new wasm_bindgen.HeapJob();
    const reader = new FileReaderSync();
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      if (job.begin(f.name, f.size) !== '') {
        postMessage({ file: i, done: 0, total: f.size, skipped: true });
        continue;
      }
      let at = 0;
      while (at < f.size) {
        const piece = new Uint8Array(reader.readAsArrayBuffer(f.slice(at, at + PIECE)));
        at += piece.length;
        const good = job.push(piece);
        postMessage({ file: i, done: at, total: f.size });
        if (!good || piece.length === 0) break;
      }
      postMessage({ analysing: i });
      job.end(f.name);
    }
    // The module's memory at the end (wasm memory never shrinks: its peak).
    postMessage({ view: job.view(), memory: (await ready).memory.buffer.byteLength });
  } catch (e) {
    // A trap: out of the 4 GB a wasm32 module can address, most likely
    // (the module refuses files it knows will not fit before reading them).
    postMessage({ error: 'the heap analysis stopped (' + e + '): most likely out of the 4 GB of memory a WebAssembly module can use; run `leaklens heap` (the CLI) on these snapshots' });
  }
};
