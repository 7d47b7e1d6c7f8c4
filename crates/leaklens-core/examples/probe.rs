//! Prints how each metric of one run was judged: for reading a verdict
//! when tuning nothing and wondering why.
//!
//! ```sh
//! cargo run --release -p leaklens-core --example probe -- FILE[.gz] [--cut K]
//! cargo run --release -p leaklens-core --example probe -- --gen SCENARIO TARGET RATE CYCLES NOISE BASE SEED
//! ```

use std::io::Read;

use leaklens_core::generate::{generate, Scenario, Spec, Target};
use leaklens_core::{analyze, ingest, Config, Run};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let run: Run = if a.first().map(String::as_str) == Some("--gen") {
        let spec = Spec {
            scenario: Scenario::parse(&a[1]).expect("scenario"),
            target: Target::parse(&a[2]).expect("target"),
            rate: a[3].parse().expect("rate"),
            cycles: a[4].parse().expect("cycles"),
            gc_noise: a[5].parse().expect("noise"),
            base_heap_mb: a[6].parse().expect("base"),
            seed: a[7].parse().expect("seed"),
            ..Spec::default()
        };
        generate(&spec)
    } else {
        let bytes = std::fs::read(&a[0]).expect("read");
        let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .expect("gunzip");
            out
        } else {
            bytes
        };
        ingest::parse(&a[0], &bytes).expect("parse").run
    };
    let run = match a.iter().position(|s| s == "--cut") {
        Some(i) => run.head_cycles(a[i + 1].parse().expect("cut")),
        None => run,
    };
    let r = analyze(&run, &Config::default());
    println!("{:?}: {}", r.summary.verdict, r.summary.reason);
    for w in &r.summary.watch {
        println!("  watch: {w}");
    }
    for (k, m) in &r.metrics {
        println!(
            "  {:<13} {:?}/{} {:?} slope {} [{}, {}] p {} min {} {:?} pts {} ({}, {} coll, uncollected {:?}) from {} ev {:.1} {:?}",
            k.key(),
            m.assessment,
            m.decided_by.as_str(),
            m.pattern,
            m.slope_per_cycle,
            m.slope_ci[0],
            m.slope_ci[1],
            m.p_value,
            m.practical_slope,
            m.test,
            m.points,
            m.retained_from.as_str(),
            m.collections,
            m.uncollected_since,
            m.recent_from_cycle,
            m.growth_evidence,
            m.models
                .iter()
                .map(|f| format!("{}:{:.0}", f.name, f.bic))
                .collect::<Vec<_>>()
        );
        println!("      {}", m.judgement);
    }
}
