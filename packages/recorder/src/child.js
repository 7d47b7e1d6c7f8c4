// The periodic analysis, in a process of its own: the run's NDJSON on
// stdin, the report on stdout. The worker's own memory is what the recorder
// measures; compiling and running the analysis there would add a step of
// tens of MB to the worker's RSS (V8's optimising wasm compiler) at the
// first verdict, in the very series being judged.
//
//   node child.js NAME OPTIONS_JSON FORMAT < run.ndjson
import { render } from './analysis.js';

const [name, options, format] = process.argv.slice(2);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
try {
  process.stdout.write(render(name, Buffer.concat(chunks), JSON.parse(options || '{}'), format || 'json'));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
