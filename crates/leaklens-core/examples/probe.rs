use leaklens_core::generate::{generate, Scenario, Spec, Target};
use leaklens_core::{analyze, Config};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sc = Scenario::parse(&args[1]).unwrap();
    let target = Target::parse(&args[2]).unwrap();
    let rate: f64 = args[3].parse().unwrap();
    let cycles: usize = args[4].parse().unwrap();
    let seeds: u64 = args.get(5).map(|s| s.parse().unwrap()).unwrap_or(5);
    for seed in 0..seeds {
        let spec = Spec {
            scenario: sc,
            target,
            rate,
            cycles,
            seed,
            ..Spec::default()
        };
        let run = generate(&spec);
        let r = analyze(&run, &Config::default());
        let m = &r.metrics[&target.metric()];
        println!("seed {seed}: {:?} {:?} {:?} slope {:.3} [{:.3},{:.3}] p {:.4} ev {:.1} pts {} models {:?}", r.summary.verdict, m.assessment, m.pattern, m.slope_per_cycle, m.slope_ci[0], m.slope_ci[1], m.p_value, m.growth_evidence, m.points, m.models.iter().map(|f| format!("{}:{:.0}", f.name, f.bic)).collect::<Vec<_>>());
        if args.len() > 6 {
            println!("{}", r.to_json());
        }
    }
}
#[allow(dead_code)]
fn dump() {}
