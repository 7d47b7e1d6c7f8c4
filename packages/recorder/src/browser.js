// Page and context counts and page URLs from a Playwright or Puppeteer
// browser, duck-typed (neither is a dependency).
//
// - Playwright: `browser.contexts()` (sync) → `context.pages()` (sync).
// - Puppeteer: `browser.browserContexts()` (sync) and `browser.pages()`
//   (a promise).
// A browser that is closed or broken gives no counts: the snapshot is
// still written without its `browser` object.

/** `{pageCount, contextCount, pageUrls}` of `browser`, or undefined. */
export async function browserState(browser) {
  if (!browser) return undefined;
  try {
    if (typeof browser.contexts === 'function') {
      const contexts = browser.contexts();
      const pages = contexts.flatMap((c) => (typeof c.pages === 'function' ? c.pages() : []));
      return {
        pageCount: pages.length,
        contextCount: contexts.length,
        pageUrls: pages.map(urlOf),
      };
    }
    if (typeof browser.pages === 'function') {
      const pages = await browser.pages();
      const contexts =
        typeof browser.browserContexts === 'function' ? browser.browserContexts() : [];
      return {
        pageCount: pages.length,
        contextCount: contexts.length,
        pageUrls: pages.map(urlOf),
      };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function urlOf(page) {
  try {
    return typeof page.url === 'function' ? String(page.url()) : '';
  } catch {
    return '';
  }
}

// The browser's own memory. Chromium runs in processes of its own (browser,
// renderers, GPU, utilities) that `process.memoryUsage()` never sees. Where
// the worker launched the browser, the recorder sums the memory of the
// browser's process tree: PSS (proportional set size, from
// /proc/PID/smaps_rollup, so pages the processes share are counted once),
// or RSS (/proc/PID/status) where smaps_rollup cannot be read. Linux only:
// elsewhere (macOS, Windows) nothing is recorded and the field is absent.
//
// The tree's roots: `browser.process().pid` where the library exposes it
// (Puppeteer; Playwright's BrowserServer), else every process below this
// one whose name is a browser's (Playwright's `chromium.launch()` spawns
// the browser as a child of the worker).

import fs from 'node:fs';

const BROWSER_NAME = /chrom|headless_shell|firefox|webkit|msedge/i;

/** The MB the browser's process tree holds, or undefined. */
export function browserMemory(browser) {
  if (process.platform !== 'linux' || !browser) return undefined;
  let procs;
  try {
    procs = processTable();
  } catch {
    return undefined;
  }
  const roots = browserRoots(browser, procs);
  if (roots.length === 0) return undefined;
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  let kb = 0;
  let seen = 0;
  const stack = [...roots];
  const visited = new Set();
  while (stack.length > 0) {
    const pid = stack.pop();
    if (visited.has(pid)) continue;
    visited.add(pid);
    const k = memoryKb(pid);
    if (k !== undefined) {
      kb += k;
      seen += 1;
    }
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return seen > 0 ? Math.round((kb / 1024) * 100) / 100 : undefined;
}

function browserRoots(browser, procs) {
  try {
    const child = typeof browser.process === 'function' ? browser.process() : null;
    if (child && Number.isInteger(child.pid) && procs.has(child.pid)) return [child.pid];
  } catch {
    // fall through to the process tree
  }
  // Processes below this one named as a browser, topmost only.
  const below = (pid) => {
    for (let p = procs.get(pid), hops = 0; p && hops < 64; p = procs.get(p.ppid), hops++) {
      if (p.ppid === process.pid) return true;
    }
    return false;
  };
  const named = [...procs].filter(([pid, p]) => BROWSER_NAME.test(p.comm) && below(pid)).map(([pid]) => pid);
  const set = new Set(named);
  return named.filter((pid) => !set.has(procs.get(pid).ppid));
}

/** pid → {ppid, comm} of every process this one can see. */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // gone since the listing
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < open) continue;
    const rest = stat.slice(close + 2).split(' ');
    table.set(pid, { comm: stat.slice(open + 1, close), ppid: Number(rest[1]) });
  }
  return table;
}

function memoryKb(pid) {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const m = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (m) return Number(m[1]);
  } catch {
    // not readable (older kernel, another user): RSS below
  }
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (m) return Number(m[1]);
  } catch {
    // gone
  }
  return undefined;
}
