// leaklens's analysis, the same Rust code as the CLI compiled to
// WebAssembly (`scripts/build-recorder.sh` builds `wasm/`), loaded on first
// use: a worker that never asks for a verdict never pays for it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let wasm = null;

function load() {
  if (!wasm) {
    try {
      wasm = require('../wasm/leaklens_node.js');
    } catch (e) {
      throw new Error(
        `@leaklens/recorder: the analysis is not built (${e.message}); run scripts/build-recorder.sh in the leaklens repository`,
      );
    }
  }
  return wasm;
}

/**
 * The report of `bytes` (a run's NDJSON, named `name`) in `format`
 * (`json`, `text`, `markdown`, `html`), exactly as `leaklens analyze NAME
 * --format FORMAT` writes it with the same options.
 */
export function render(name, bytes, options = {}, format = 'json') {
  return load().render(name, bytes, JSON.stringify(options), format);
}

/** The version of the analysis. */
export function analysisVersion() {
  return load().version();
}
