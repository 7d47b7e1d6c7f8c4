//! Rough stage timings of `analyze` on a big generated run (for profiling).
use std::time::Instant;

use leaklens_core::generate::{generate, Scenario, Spec};
use leaklens_core::{analyze, Config};

fn main() {
    let cycles: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(303_030);
    let run = generate(&Spec {
        scenario: Scenario::Step,
        cycles,
        rate: 0.01,
        ..Spec::default()
    });
    for (name, cfg) in [
        ("default", Config::default()),
        (
            "no windows",
            Config {
                interval: usize::MAX / 4,
                ..Config::default()
            },
        ),
    ] {
        let t = Instant::now();
        let r = analyze(&run, &cfg);
        println!("{name}: {:?} ({} windows)", t.elapsed(), r.windows.len());
    }
}
