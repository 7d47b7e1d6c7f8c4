// The export module's worker (see web/src/export_worker.rs): loads the
// wasm, which then says "ready" and answers the page's export requests.
// A module that cannot be fetched is an error the page shows.
importScripts('./leaklens-export.js');
wasm_bindgen('./leaklens-export_bg.wasm').catch((e) => {
  postMessage({ error: 'the export module could not be loaded (' + e + ')' });
});
