// Where snapshots go besides memory: an NDJSON file on disk (every line
// written as it is taken, rotated by size) and a live run on `leaklens
// serve` (batches, a bounded queue, never in the worker's way).
import fs from 'node:fs';

/**
 * Appends lines to `path`, each written to the OS at once (a worker killed
 * by the OOM killer, or by kill -9, leaves every line it wrote). When the
 * file passes `maxBytes` it becomes `path.1` (`path.1` becomes `path.2`, …,
 * up to `keepFiles`) and a new one starts.
 */
export class FileSink {
  constructor(path, { maxBytes = 64 * 1024 * 1024, keepFiles = 5 } = {}) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.keepFiles = keepFiles;
    this.fd = fs.openSync(path, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  write(line) {
    const buf = Buffer.from(line + '\n');
    if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }

  rotate() {
    fs.closeSync(this.fd);
    for (let k = this.keepFiles - 1; k >= 1; k--) {
      const from = `${this.path}.${k}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.path}.${k + 1}`);
    }
    fs.renameSync(this.path, `${this.path}.1`);
    const dropped = `${this.path}.${this.keepFiles + 1}`;
    if (fs.existsSync(dropped)) fs.unlinkSync(dropped);
    this.fd = fs.openSync(this.path, 'a');
    this.size = 0;
  }

  /** Every file of the run, oldest first. */
  files() {
    const out = [];
    for (let k = this.keepFiles; k >= 1; k--) {
      const p = `${this.path}.${k}`;
      if (fs.existsSync(p)) out.push(p);
    }
    out.push(this.path);
    return out;
  }

  /** The whole run as one buffer (oldest file first). */
  read() {
    return Buffer.concat(this.files().map((p) => fs.readFileSync(p)));
  }

  close() {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Streams snapshots to a live run of `leaklens serve`: the first batch
 * creates the run (unless `run` and `token` name one), later ones append.
 * Batches leave every `flushMs` or `batch` lines. A server that is down or
 * slow never blocks the worker: at most `maxQueued` lines wait; older
 * batches are dropped and counted.
 */
export class LiveSink {
  constructor(server, { run, token, name = 'live.ndjson', batch = 50, flushMs = 2000, maxQueued = 5000, timeoutMs = 5000 } = {}) {
    this.base = server.replace(/\/+$/, '');
    this.run = run ?? null;
    this.token = token ?? null;
    this.name = name;
    this.batch = batch;
    this.maxQueued = maxQueued;
    this.timeoutMs = timeoutMs;
    this.queue = [];
    this.sending = null;
    this.dropped = 0;
    this.sent = 0;
    this.failures = 0;
    this.url = null;
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref?.();
  }

  write(line) {
    this.queue.push(line);
    if (this.queue.length > this.maxQueued) {
      const over = this.queue.length - this.maxQueued;
      this.queue.splice(0, over);
      this.dropped += over;
    }
    if (this.queue.length >= this.batch) this.flush();
  }

  /** Sends what is queued (one request at a time); never throws. */
  flush() {
    if (this.sending || this.queue.length === 0) return this.sending ?? Promise.resolve();
    const lines = this.queue.splice(0, this.queue.length);
    const body = lines.join('\n') + '\n';
    this.sending = this.send(body)
      .then((ok) => {
        if (ok) {
          this.sent += lines.length;
        } else {
          this.failures += 1;
          this.dropped += lines.length;
        }
      })
      .finally(() => {
        this.sending = null;
      });
    return this.sending;
  }

  async send(body) {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      if (!this.run) {
        const res = await fetch(`${this.base}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'x-file-name': this.name },
          body,
          signal,
        });
        if (res.status !== 201) return false;
        const created = await res.json();
        this.run = created.id;
        this.token = created.write_token;
        this.url = created.url;
        return true;
      }
      const res = await fetch(`${this.base}/api/runs/${encodeURIComponent(this.run)}/snapshots`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          authorization: `Bearer ${this.token}`,
        },
        body,
        signal,
      });
      await res.arrayBuffer().catch(() => {});
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Sends what is left, waiting at most `ms`. */
  async close(ms = 3000) {
    clearInterval(this.timer);
    const deadline = Date.now() + ms;
    while ((this.queue.length > 0 || this.sending) && Date.now() < deadline) {
      await Promise.race([this.flush(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    this.dropped += this.queue.length;
    this.queue = [];
  }
}
