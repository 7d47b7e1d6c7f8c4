//! A stable fuzz harness for the readers (no nightly, no libFuzzer): seeds
//! from the bundled samples, mutated the way damaged and hostile files are
//! (bit flips, structural bytes, non-JSON tokens, cut, spliced, repeated),
//! read by every reader. An input fails when a reader panics, or when the
//! piece-by-piece reader disagrees with the whole-file reader.
//!
//! Run briefly by `cargo test` (tests/fuzz_readers.rs); at length by
//! `cargo run --release -p leaklens-core --example fuzz -- TARGET EXECS`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use leaklens_core::ingest::{self, ChunkedParse};

/// What a target reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// JSON arrays and `{"snapshots": [...]}` exports.
    Json,
    /// NDJSON.
    Ndjson,
    /// The profiler's console log.
    Log,
    /// Any bytes at all.
    Raw,
    /// The piece-by-piece reader against the whole-file reader.
    Chunked,
    /// Metrics exports (Prometheus, Grafana CSV, OTLP JSON, page.metrics()),
    /// whole and in pieces.
    Metrics,
}

// (`ALL` and `parse` are for the example's command line.)
#[allow(dead_code)]
impl Target {
    pub const ALL: [Target; 6] = [
        Target::Json,
        Target::Ndjson,
        Target::Log,
        Target::Raw,
        Target::Chunked,
        Target::Metrics,
    ];

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::Ndjson => "ndjson",
            Target::Log => "log",
            Target::Raw => "raw",
            Target::Chunked => "chunked",
            Target::Metrics => "metrics",
        }
    }

    fn takes(self, file: &str) -> bool {
        match self {
            Target::Json => file.ends_with(".json"),
            Target::Ndjson => file.ends_with(".ndjson"),
            Target::Log => file.ends_with(".log"),
            Target::Raw | Target::Chunked => true,
            Target::Metrics => false,
        }
    }
}

/// xorshift64*: a small deterministic generator (a seed gives a replayable
/// run).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Seeds: the head of every bundled sample a target reads (cut at a line
/// end near 3 KB, so an execution takes microseconds), and the whole of
/// the smallest.
pub fn seeds(target: Target) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/samples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("static/samples")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".md") && target.takes(n))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let bytes = std::fs::read(dir.join(&n)).expect("sample");
        let cut = bytes
            .iter()
            .skip(3000)
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| 3000 + p + 1);
        let mut head = bytes[..cut].to_vec();
        // A JSON export on one long line: cut after a snapshot, closed.
        if head.len() > 8000 && matches!(head.first(), Some(b'[' | b'{')) {
            if let Some(p) = head.windows(2).skip(3000).position(|w| w == b"},") {
                head.truncate(3000 + p + 1);
                head.extend_from_slice(if bytes[0] == b'[' { b"]" } else { b"]}" });
            }
        }
        out.push(head);
        if bytes.len() < 8000 {
            out.push(bytes);
        }
    }
    if target == Target::Raw {
        out.push(Vec::new());
    }
    if target == Target::Metrics {
        out.extend(METRICS_SEEDS.iter().map(|s| s.as_bytes().to_vec()));
    }
    out
}

/// One small export of each kind `ingest::metrics` reads.
const METRICS_SEEDS: [&str; 4] = [
    r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"nodejs_heap_size_used_bytes","instance":"w1"},"values":[[1700000000,"104857600"],[1700000060,"105906176"],[1700000120.5,"106954752"]]},{"metric":{"__name__":"process_resident_memory_bytes","instance":"w2"},"values":[[1700000000,"3.1e8"]]}]}}"#,
    "\"Time\",\"nodejs_heap_size_used_bytes{instance=\"\"w1\"\"}\",\"process_resident_memory_bytes\"\n2024-01-02 10:00:00,104857600,300 MiB\n1704189660000,110100480,301 MiB\n",
    concat!(
        r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.instance.id","value":{"stringValue":"a"}}]},"scopeMetrics":[{"metrics":[{"name":"v8js.memory.heap.used","unit":"By","gauge":{"dataPoints":[{"timeUnixNano":"1700000000000000000","asInt":"8388608","attributes":[{"key":"v8js.heap.space.name","value":{"stringValue":"new_space"}}]}]}},{"name":"process.memory.usage","unit":"By","sum":{"dataPoints":[{"timeUnixNano":1700000000000000000,"asDouble":268435456}]}}]}]}]}"#,
        "\n",
        r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"process.pid","value":{"intValue":"42"}}]},"scopeMetrics":[{"metrics":[{"name":"v8js.memory.heap.used","unit":"By","gauge":{"dataPoints":[{"timeUnixNano":"1700000010000000000","asInt":9437184}]}}]}]}]}"#,
        "\n"
    ),
    "{\"Timestamp\":1000.5,\"Documents\":2,\"Nodes\":900,\"JSHeapUsedSize\":10485760,\"JSHeapTotalSize\":67108864}\n{\"Timestamp\":1001.5,\"Documents\":3,\"Nodes\":940,\"JSHeapUsedSize\":11534336,\"JSHeapTotalSize\":67108864}\n",
];

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\n",
    b"\r",
    b" ",
    b"0",
    b"-",
    b".",
    b"e9",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"null",
    b"true",
    b"1e999",
    b"\"snapshots\":",
    b"\"cycle\":",
    b"\"heapUsed\":",
    b"\"nodejs\":{",
    b"\"gc\":{\"major\":",
    b"\xF0\x9F\x93\x8A",
    b"\xFF",
    b"\x1b[31m",
    b"\x00",
    b"Memory Snapshot [Cycle ",
    b"] - ",
    b"   Heap: ",
    b"MB / ",
    b"   RSS: ",
    b"   Browser Pages: ",
    b"18446744073709551615",
    b"worker-1  | ",
    b"\xEF\xBB\xBF",
    b"\x1f\x8b",
    b"\"resultType\":",
    b"\"values\":[[",
    b"\"resourceMetrics\":[",
    b"\"asInt\":\"",
    b"\"timeUnixNano\":",
    b"\"JSHeapUsedSize\":",
    b"Time,",
    b" MiB",
    b"9223372036854775807",
];

/// One mutation of `input` (several, a few times out of four).
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len + 1);
                input.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                input.drain(i..i + n);
            }
            4 if len > 0 => {
                // Cut short: a truncated export.
                input.truncate(rng.below(len));
            }
            5 if len > 0 => {
                // Repeat a stretch: duplicated records.
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(512));
                let part = input[i..i + n].to_vec();
                let at = rng.below(input.len() + 1);
                input.splice(at..at, part);
            }
            6 if !seeds.is_empty() => {
                // Splice in part of another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - i).min(1024));
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[i..i + n].iter().copied());
                }
            }
            7 if len > 0 => {
                // Replace a digit run: huge, negative or fractional numbers.
                let i = rng.below(len);
                if input[i].is_ascii_digit() {
                    let t: &[u8] =
                        [&b"99999999999999999999"[..], b"-1", b"0.000001", b"1e308"][rng.below(4)];
                    input.splice(i..i + 1, t.iter().copied());
                }
            }
            _ => {
                // Random bytes.
                let n = 1 + rng.below(16);
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
        }
    }
    input.truncate(1 << 16);
}

/// What went wrong with one input.
#[derive(Debug)]
pub struct Failure {
    pub input: Vec<u8>,
    pub what: String,
}

/// Reads `input` with `target`'s reader(s). Err on a panic or a
/// disagreement.
pub fn check(target: Target, input: &[u8]) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
        let whole = ingest::parse("f", input);
        if target == Target::Chunked || target == Target::Metrics {
            let a = summary(&whole);
            for piece in [97, 1024] {
                let mut c = ChunkedParse::new("f", input, piece);
                while !c.is_done() {
                    c.step();
                }
                let b = summary(&c.finish());
                if a != b {
                    return Err(format!("piece {piece}: chunked {b} != whole {a}"));
                }
            }
            // The reader fed in pushes that do not line up with its pieces,
            // keeping the bytes or asking for them again.
            for keep in [ingest::Keep::All, ingest::Keep::Nothing] {
                let b = summary(&pushed(input, keep, ingest::ReadOptions::default()));
                if a != b {
                    return Err(format!("reader {keep:?}: {b} != whole {a}"));
                }
                // Pushes bigger than its pieces (NDJSON lines read where
                // they were pushed).
                let b = summary(&pushed_by(input, keep, ingest::ReadOptions::default(), 150));
                if a != b {
                    return Err(format!("reader {keep:?}, big pushes: {b} != whole {a}"));
                }
            }
            // Its options: one worker of a log, as written (kept, so that
            // what needs the whole file is read whole).
            let worker = ingest::log_workers(input).pop();
            for options in [
                ingest::ReadOptions {
                    as_written: false,
                    worker: worker.clone(),
                },
                ingest::ReadOptions {
                    as_written: true,
                    worker,
                },
            ] {
                let a = summary(&ingest::parse_with("f", input, &options));
                let b = summary(&pushed(input, ingest::Keep::All, options.clone()));
                if a != b {
                    return Err(format!("reader {options:?}: {b} != whole {a}"));
                }
            }
            // A forwarder taking after every push: never panics.
            let options = ingest::ReadOptions {
                as_written: true,
                worker: None,
            };
            let mut r = ingest::Reader::with_options("f", ingest::Keep::Nothing, 61, options);
            for (i, push) in input.chunks(23).enumerate() {
                r.push(push);
                let _ = if i % 3 == 2 { r.take_rest() } else { r.take() };
            }
            let _ = r.finish_with(input);
        } else if let Ok(p) = &whole {
            // The report of what was read: the analysis must take any run.
            let _ = leaklens_core::analyze_parsed(p, &leaklens_core::Config::default());
        }
        Ok(())
    }));
    match outcome {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

/// `input` pushed to a reader in pushes that do not line up with its
/// pieces, then finished.
fn pushed(
    input: &[u8],
    keep: ingest::Keep,
    options: ingest::ReadOptions,
) -> Result<ingest::Parsed, ingest::IngestError> {
    pushed_by(input, keep, options, 23)
}

/// `input` pushed to a reader of 61-byte pieces `size` bytes at a time.
fn pushed_by(
    input: &[u8],
    keep: ingest::Keep,
    options: ingest::ReadOptions,
    size: usize,
) -> Result<ingest::Parsed, ingest::IngestError> {
    let mut r = ingest::Reader::with_options("f", keep, 61, options);
    for push in input.chunks(size) {
        r.push(push);
    }
    r.finish_with(input)
}

/// Runs `execs` mutated inputs of `target` from `seed`; the first failure.
pub fn run(target: Target, execs: u64, seed: u64) -> Result<u64, Failure> {
    let seeds = seeds(target);
    let mut rng = Rng::new(seed);
    let mut input = Vec::new();
    for n in 0..execs {
        let s = &seeds[rng.below(seeds.len())];
        if target == Target::Raw && rng.below(2) == 0 {
            input.clear();
            let len = rng.below(256);
            input.extend((0..len).map(|_| rng.next() as u8));
        } else {
            input.clone_from(s);
            mutate(&mut rng, &mut input, &seeds);
        }
        if let Err(what) = check(target, &input) {
            return Err(Failure {
                input: input.clone(),
                what: format!("execution {n}: {what}"),
            });
        }
    }
    Ok(execs)
}

/// What a reading came to, for comparing two readers: every snapshot's
/// cycle, label and values, and every warning with its line.
fn summary(p: &Result<ingest::Parsed, ingest::IngestError>) -> String {
    match p {
        Ok(p) => {
            let run = &p.run;
            let snapshots: Vec<String> = (0..run.len())
                .map(|i| {
                    let values: Vec<u64> = leaklens_core::Metric::ALL
                        .iter()
                        .map(|&m| run.value(m, i).to_bits())
                        .collect();
                    let urls: Vec<&str> = run.page_urls(i).collect();
                    format!(
                        "{} {} {:?} {values:?} {urls:?}",
                        run.cycle(i),
                        run.label(i),
                        run.timestamp(i)
                    )
                })
                .collect();
            format!(
                "{snapshots:?} {:?} {:?} {} {:?}",
                p.warnings,
                p.formats,
                p.worker_verdicts.len(),
                p.worker
            )
        }
        Err(e) => format!("error {e} {:?}", e.hint),
    }
}
