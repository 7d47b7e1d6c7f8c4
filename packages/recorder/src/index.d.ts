/** A Playwright or Puppeteer browser (duck-typed). */
export interface BrowserLike {
  contexts?(): Array<{ pages(): Array<{ url(): string }> }>;
  pages?(): Promise<Array<{ url(): string }>>;
  browserContexts?(): unknown[];
  /** Puppeteer (and Playwright's BrowserServer): the launched process. */
  process?(): { pid?: number } | null;
}

/** The options of `leaklens analyze` (CLI defaults when absent). */
export interface AnalysisOptions {
  /** Windowed analysis every N cycles (default 20). */
  interval?: number;
  /** heapUsed threshold in MB (default 500). */
  heapThresholdMb?: number;
  /** RSS threshold in MB. */
  rssThresholdMb?: number;
  /** Limits to forecast against, e.g. `{ rss: 2048 }` (MB, or a count). */
  limits?: Record<string, number>;
}

export interface RecorderOptions {
  /** NDJSON file every snapshot is appended to as it is taken. */
  file?: string;
  /** Rotate the file past this many bytes (default 64 MiB)… */
  maxFileBytes?: number;
  /** …keeping this many older files (default 5). */
  keepFiles?: number;
  /** A Playwright or Puppeteer browser: page and context counts, page URLs. */
  browser?: BrowserLike | null;
  /**
   * Record the memory of the browser's process tree as `browserMemory`
   * (default true; Linux only: PSS, else RSS, of `browser.process()` or of
   * the browser processes this worker launched).
   */
  browserMemory?: boolean;
  /** Snapshots kept in memory (default 100). */
  keepLast?: number;
  /** Log leaklens's verdict every N cycles (default 20; 0: never). */
  interval?: number;
  /** Where the periodic verdict goes (default console.log; false: nowhere). */
  log?: ((line: string) => void) | false;
  /** Also log every snapshot in the guide's console format. */
  printSnapshots?: boolean;
  /** Options of the analysis, as the CLI's. */
  analysis?: AnalysisOptions;
  /** A `leaklens serve` to stream to (default: env LEAKLENS_SERVER). */
  server?: string;
  /** Append to this live run (default: env LEAKLENS_RUN) with this token (env LEAKLENS_TOKEN). */
  run?: string;
  token?: string;
  /** Live batches: at most this many lines (default 50)… */
  batch?: number;
  /** …or every this many ms (default 2000); at most this many lines wait (default 5000). */
  flushMs?: number;
  maxQueued?: number;
  /** The run's name when there is no file (default memory.ndjson). */
  name?: string;
}

export interface Snapshot {
  cycle: number;
  label: string;
  timestamp: number;
  nodejs: { heapUsed: number; heapTotal: number; rss: number; external: number; arrayBuffers: number };
  browser?: {
    pageCount: number;
    contextCount: number;
    pageUrls: string[];
    /** MB held by the browser's process tree (PSS, else RSS; Linux only). */
    browserMemory?: number;
  };
  gc?: {
    major: number;
    minor: number;
    incremental: number;
    weakcb: number;
    pauseMs: number;
    heapAfterMajor?: number;
    externalAfterMajor?: number;
  };
}

/** The report JSON of `leaklens analyze --format json` (schema_version 1). */
export interface Report {
  schema_version: 1;
  summary: { verdict: 'leak' | 'no_leak' | 'inconclusive'; reason: string; cycles: number; snapshots: number; [k: string]: unknown };
  metrics: Record<string, { trend: string; slope_per_cycle: number; pattern: string; [k: string]: unknown }>;
  issues: Array<{ kind: string; severity: string; metric: string; message: string; first_cycle: number; [k: string]: unknown }>;
  [k: string]: unknown;
}

export class Recorder {
  constructor(options?: RecorderOptions);
  snapshot(cycle: number, label: string): Promise<Snapshot>;
  record(snapshot: Snapshot): void;
  getSnapshots(): Snapshot[];
  runBytes(): Buffer;
  report(format?: 'text' | 'json' | 'markdown' | 'html'): string;
  analyze(): Report;
  writeReport(file: string, format?: 'text' | 'json' | 'markdown' | 'html'): Promise<string>;
  heapSnapshot(file: string): string;
  stats(): { snapshots: number; liveUrl: string | null; liveSent: number; liveDropped: number };
  close(ms?: number): Promise<void>;
}

export function snapshotBlock(snapshot: Snapshot): string;
export function analysisBlock(report: Report): string;
export function analysisVersion(): string;
