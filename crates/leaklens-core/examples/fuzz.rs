//! Long fuzz runs of the readers (the harness: tests/fuzz/mod.rs).
//!
//! ```sh
//! cargo run --release -p leaklens-core --example fuzz -- TARGET EXECS [SEED]
//! ```
//! TARGET: json, ndjson, log, raw, chunked, or all. Prints executions, time
//! and rate; a failing input is written to `fuzz-failure-TARGET.bin` and
//! the exit status is 1.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let targets: Vec<fuzz::Target> = match a.first().map(String::as_str) {
        Some("all") | None => fuzz::Target::ALL.to_vec(),
        Some(t) => {
            vec![fuzz::Target::parse(t).expect("target: json, ndjson, log, raw, chunked, all")]
        }
    };
    let execs: u64 = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for t in targets {
        let start = Instant::now();
        match fuzz::run(t, execs, seed) {
            Ok(n) => {
                let s = start.elapsed().as_secs_f64();
                println!(
                    "{:8} {n} executions, no failure, {s:.0} s ({:.0}/s), seed {seed:#x}",
                    t.name(),
                    n as f64 / s
                );
            }
            Err(f) => {
                let file = format!("fuzz-failure-{}.bin", t.name());
                std::fs::write(&file, &f.input).expect("write the failing input");
                println!("{:8} FAILED {} (input in {file})", t.name(), f.what);
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
