// Writes one big V8 heap snapshot for the benchmarks in docs/benchmarks.md:
//   node bench/heap/big.mjs OUT.heapsnapshot [OBJECTS]
// OBJECTS (default 600000) records in a Map, each with a nested object, an
// array and a string: about 100 MB of snapshot at the default.
import v8 from 'node:v8';

class Order {
  constructor(i) {
    this.id = i;
    this.customer = { name: `customer ${i % 5000}`, tier: i % 7 };
    this.lines = [i, i + 1, i + 2];
    this.note = `order ${i}`;
  }
}

const out = process.argv[2] ?? 'big.heapsnapshot';
const n = Number(process.argv[3] ?? 600000);
const orders = new Map();
for (let i = 0; i < n; i++) orders.set(i, new Order(i));
v8.writeHeapSnapshot(out);
console.log(out, orders.size);
