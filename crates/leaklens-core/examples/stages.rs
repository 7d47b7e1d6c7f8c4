//! Stage timings of reading and analysing one file, as the CLI does it
//! (1 MB pushes into the incremental reader), for profiling.
//!
//! ```sh
//! cargo run --release -p leaklens-core --features parallel --example stages -- FILE [REPEAT]
//! ```
use std::time::Instant;

use leaklens_core::{analyze, ingest, Config};

fn main() {
    let mut a = std::env::args().skip(1);
    let path = a.next().expect("FILE");
    let repeat: usize = a.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let bytes = std::fs::read(&path).expect("read");
    let cfg = Config::default();
    for _ in 0..repeat {
        let t = Instant::now();
        let mut r = ingest::Reader::new(&path, ingest::Keep::Nothing, ingest::PIECE_BYTES);
        for piece in bytes.chunks(ingest::PIECE_BYTES) {
            r.push(piece);
        }
        let p = r.finish_with(&bytes).expect("parses");
        let read = t.elapsed();
        let t = Instant::now();
        let report = analyze(&p.run, &cfg);
        let an = t.elapsed();
        println!(
            "read {read:?}  analyse {an:?}  total {:?}  ({} snapshots, {:.0} MB/s, verdict {:?})",
            read + an,
            p.run.len(),
            bytes.len() as f64 / 1e6 / (read + an).as_secs_f64(),
            report.summary.verdict
        );
    }
}
