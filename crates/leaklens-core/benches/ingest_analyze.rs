//! Ingest + analyse of 1,000,000 snapshots, as NDJSON (~250 MB) and as a JSON
//! array. `cargo bench -p leaklens-core --bench ingest_analyze`.
//! Throughput is reported in bytes of input per second (one core).
//! `LEAKLENS_BENCH_SNAPSHOTS` overrides the size (default 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use leaklens_core::generate::{generate, to_json_array, to_ndjson, Scenario, Spec};
use leaklens_core::{analyze, ingest, Config};

fn snapshots() -> usize {
    std::env::var("LEAKLENS_BENCH_SNAPSHOTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

fn big_run() -> leaklens_core::Run {
    // Three or four snapshots per cycle.
    let cycles = snapshots() * 10 / 33;
    generate(&Spec {
        scenario: Scenario::Step,
        cycles,
        rate: 0.01,
        ..Spec::default()
    })
}

fn bench(c: &mut Criterion) {
    let run = big_run();
    let mut ndjson = String::new();
    to_ndjson(&run, &mut ndjson);
    let mut array = String::new();
    to_json_array(&run, &mut array);
    eprintln!(
        "{} snapshots: NDJSON {:.1} MB, JSON array {:.1} MB",
        run.len(),
        ndjson.len() as f64 / 1e6,
        array.len() as f64 / 1e6
    );
    let cfg = Config::default();
    let mut g = c.benchmark_group("ingest+analyze");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(ndjson.len() as u64));
    g.bench_function("ndjson", |b| {
        b.iter(|| {
            let p = ingest::parse("bench.ndjson", ndjson.as_bytes()).expect("parses");
            analyze(&p.run, &cfg)
        })
    });
    // As the CLI reads a file: 1 MB pushes into the incremental reader
    // (its pieces read on several cores with the `parallel` feature).
    g.bench_function("ndjson_reader", |b| {
        b.iter(|| {
            let mut r =
                ingest::Reader::new("bench.ndjson", ingest::Keep::Nothing, ingest::PIECE_BYTES);
            for piece in ndjson.as_bytes().chunks(ingest::PIECE_BYTES) {
                r.push(piece);
            }
            let p = r.finish_with(ndjson.as_bytes()).expect("parses");
            analyze(&p.run, &cfg)
        })
    });
    g.throughput(Throughput::Bytes(array.len() as u64));
    g.bench_function("json_array", |b| {
        b.iter(|| {
            let p = ingest::parse("bench.json", array.as_bytes()).expect("parses");
            analyze(&p.run, &cfg)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(ndjson.len() as u64));
    g.bench_function("ingest_ndjson", |b| {
        b.iter(|| ingest::parse("bench.ndjson", ndjson.as_bytes()).expect("parses"))
    });
    let parsed = ingest::parse("bench.ndjson", ndjson.as_bytes()).expect("parses");
    g.bench_function("analyze", |b| b.iter(|| analyze(&parsed.run, &cfg)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
