use leaklens_core::generate::{generate, Scenario, Spec, Target};
use leaklens_core::{analyze, Config};

/// probe SCENARIO TARGET RATE CYCLES NOISE BASE SEED [json]
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let spec = Spec {
        scenario: Scenario::parse(&a[1]).unwrap(),
        target: Target::parse(&a[2]).unwrap(),
        rate: a[3].parse().unwrap(),
        cycles: a[4].parse().unwrap(),
        gc_noise: a[5].parse().unwrap(),
        base_heap_mb: a[6].parse().unwrap(),
        seed: a[7].parse().unwrap(),
        ..Spec::default()
    };
    let run = generate(&spec);
    let r = analyze(&run, &Config::default());
    println!("{:?}: {}", r.summary.verdict, r.summary.reason);
    for (k, m) in &r.metrics {
        println!(
            "  {k:<14} {:?} {:?} slope {:.3} [{:.3},{:.3}] p {:.4} ev {:.1} pts {} from {} {:?}",
            m.assessment,
            m.pattern,
            m.slope_per_cycle,
            m.slope_ci[0],
            m.slope_ci[1],
            m.p_value,
            m.growth_evidence,
            m.points,
            m.recent_from_cycle,
            m.models
                .iter()
                .map(|f| format!("{}:{:.0}", f.name, f.bic))
                .collect::<Vec<_>>()
        );
    }
    if a.len() > 8 {
        let leaklens_metric = spec.target.metric();
        let col = run.column(leaklens_metric);
        let ranges = run.cycle_ranges();
        let floors: Vec<String> = ranges
            .iter()
            .map(|(_, r)| {
                format!(
                    "{:.0}",
                    r.clone().map(|i| col[i]).fold(f64::INFINITY, f64::min)
                )
            })
            .collect();
        println!("floors: {}", floors.join(" "));
    }
}
