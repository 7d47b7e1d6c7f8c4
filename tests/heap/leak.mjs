// A worker that leaks instances of a known class, LeakyThing, three ways
// (a module-level Map, an EventEmitter listener, a closure kept in a
// module-level array), or none (`--healthy`), and writes V8 heap snapshots
// with v8.writeHeapSnapshot at cycles 10, 20 and 30.
//
//   node tests/heap/leak.mjs OUT_DIR [--healthy] [--per-cycle N]
//
// Prints the snapshot paths, one a line. Used by crates/leaklens/tests/heap.rs.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';

const args = process.argv.slice(2);
const out = args[0] ?? '.';
const healthy = args.includes('--healthy');
const perIdx = args.indexOf('--per-cycle');
const perCycle = perIdx >= 0 ? Number(args[perIdx + 1]) : 30;
mkdirSync(out, { recursive: true });

class LeakyThing {
  constructor(cycle, i) {
    this.cycle = cycle;
    this.index = i;
    this.payload = new Array(64).fill(cycle * 1000 + i);
    this.label = `thing ${cycle}/${i} `.repeat(8);
  }
  touch() {
    return this.index;
  }
}

class Scratch {
  constructor(i) {
    this.i = i;
    this.data = new Array(32).fill(i);
  }
}

const leakMap = new Map();
const bus = new EventEmitter();
bus.setMaxListeners(0);
const handlers = [];

function keepInClosure(thing) {
  // The closure captures `thing` in its context.
  return () => thing.touch();
}

function work(cycle) {
  // Garbage every cycle, healthy or not.
  let scratch = [];
  for (let i = 0; i < 200; i++) scratch.push(new Scratch(i));
  let sum = 0;
  for (const s of scratch) sum += s.data.length;
  scratch = null;
  if (healthy) {
    // Bounded state: the map holds the last cycle's things only.
    leakMap.clear();
    for (let i = 0; i < perCycle; i++) leakMap.set(`${cycle}:${i}`, new LeakyThing(cycle, i));
    return sum;
  }
  for (let i = 0; i < perCycle; i++) {
    const thing = new LeakyThing(cycle, i);
    switch (i % 3) {
      case 0:
        leakMap.set(`${cycle}:${i}`, thing);
        break;
      case 1:
        bus.on('tick', function onTick() { return thing.touch(); });
        break;
      default:
        handlers.push(keepInClosure(thing));
    }
  }
  return sum;
}

for (let cycle = 1; cycle <= 30; cycle++) {
  work(cycle);
  bus.emit('tick');
  if (cycle % 10 === 0) {
    // Written from a task of its own, the loop's stack unwound: a handle
    // the running code still holds would otherwise be, now and then, a
    // shorter path from the GC roots to the Map than its module variable
    // (`leakMap`, which the tests expect to see named).
    await new Promise((resolve) => setImmediate(resolve));
    const file = join(out, `cycle-${String(cycle).padStart(2, '0')}.heapsnapshot`);
    v8.writeHeapSnapshot(file);
    console.log(file);
  }
}
