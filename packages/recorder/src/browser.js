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
  const tree = processTree();
  let roots;
  try {
    roots = browserRoots(browser, tree);
  } catch {
    return undefined;
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
    stack.push(...tree.children(pid));
  }
  return seen > 0 ? Math.round((kb / 1024) * 100) / 100 : undefined;
}

function browserRoots(browser, tree) {
  try {
    const child = typeof browser.process === 'function' ? browser.process() : null;
    if (child && Number.isInteger(child.pid) && fs.existsSync(`/proc/${child.pid}`)) return [child.pid];
  } catch {
    // fall through to the process tree
  }
  // The topmost processes below this one named as a browser.
  const roots = [];
  const stack = tree.children(process.pid).map((pid) => [pid, 0]);
  while (stack.length > 0) {
    const [pid, depth] = stack.pop();
    if (BROWSER_NAME.test(tree.comm(pid))) roots.push(pid);
    else if (depth < 64) stack.push(...tree.children(pid).map((c) => [c, depth + 1]));
  }
  return roots;
}

/**
 * The process tree, read from the top down: a process's children from
 * /proc/PID/task/TID/children (only the tree is read, whatever runs on the
 * host), or, on kernels without that file, from a table of every process,
 * built once.
 */
function processTree() {
  let table = null;
  const fromTable = (pid) => {
    table ??= processTable();
    return [...table].filter(([, p]) => p.ppid === pid).map(([c]) => c);
  };
  return {
    children(pid) {
      let tasks;
      try {
        tasks = fs.readdirSync(`/proc/${pid}/task`);
      } catch {
        return []; // gone
      }
      const out = [];
      for (const tid of tasks) {
        let text;
        try {
          text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
        } catch (e) {
          if (e.code === 'ENOENT' && tid === String(pid)) return fromTable(pid);
          continue; // a thread that ended
        }
        for (const c of text.split(' ')) if (c) out.push(Number(c));
      }
      return out;
    },
    comm(pid) {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
      } catch {
        return '';
      }
    },
  };
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
