//! Accuracy benchmark: a labelled corpus from the generator, scored.
//!
//! `cargo run --release -p leaklens-core --example accuracy [-- --quick]`
//!
//! Every leak shape × leaking metric × rate (0.1–50 MB/cycle; 0.05–1
//! page/cycle) × GC noise × heap size × run length (10–500 cycles), and the
//! runs that are not leaks (stable, warm-up, saturating cache). Prints the
//! table recorded in docs/accuracy.md.

use std::collections::BTreeMap;

use leaklens_core::generate::{generate, Scenario, Spec, Target};
use leaklens_core::report::{Pattern, Verdict};
use leaklens_core::{analyze, Config};

struct Case {
    spec: Spec,
}

struct Outcome {
    verdict: Verdict,
    right_metric: bool,
    right_pattern: bool,
}

fn expected_pattern(s: Scenario) -> Pattern {
    match s {
        Scenario::Linear => Pattern::Linear,
        Scenario::Exponential => Pattern::Exponential,
        Scenario::Step => Pattern::Step,
        Scenario::PlateauThenGrowth => Pattern::PlateauThenGrowth,
        _ => Pattern::Stable,
    }
}

fn run_case(spec: &Spec, cfg: &Config) -> Outcome {
    let run = generate(spec);
    let r = analyze(&run, cfg);
    let m = spec.target.metric();
    let right_metric = r.issues.iter().any(|i| i.kind.is_growth() && i.metric == m);
    let right_pattern = r
        .metrics
        .get(&m)
        .is_some_and(|mr| mr.pattern == expected_pattern(spec.scenario));
    Outcome {
        verdict: r.summary.verdict,
        right_metric,
        right_pattern,
    }
}

fn corpus(quick: bool) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut seed = 1000u64;
    let noises = [0.1, 0.3, 0.6];
    let bases = [40.0, 150.0, 400.0];
    let lengths: &[usize] = if quick {
        &[20, 40, 100]
    } else {
        &[10, 20, 40, 100, 250, 500]
    };
    let mem_rates = [0.1, 0.3, 1.0, 3.0, 10.0, 50.0];
    let count_rates = [0.05, 0.1, 0.25, 0.5, 1.0];
    for scenario in Scenario::ALL.into_iter().filter(|s| s.is_leak()) {
        for target in Target::ALL {
            let rates: &[f64] = if matches!(target, Target::Pages | Target::Contexts) {
                &count_rates
            } else {
                &mem_rates
            };
            for &rate in rates {
                for &gc_noise in &noises {
                    for &base in &bases {
                        for &cycles in lengths {
                            seed += 1;
                            cases.push(Case {
                                spec: Spec {
                                    scenario,
                                    target,
                                    cycles,
                                    seed,
                                    rate,
                                    base_heap_mb: base,
                                    gc_noise,
                                    ..Spec::default()
                                },
                            });
                        }
                    }
                }
            }
        }
    }
    let reps = if quick { 2 } else { 8 };
    for scenario in Scenario::ALL.into_iter().filter(|s| !s.is_leak()) {
        for &gc_noise in &noises {
            for &base in &bases {
                for &cycles in lengths {
                    for _ in 0..reps {
                        seed += 1;
                        cases.push(Case {
                            spec: Spec {
                                scenario,
                                target: Target::Heap,
                                cycles,
                                seed,
                                rate: 0.0,
                                base_heap_mb: base,
                                gc_noise,
                                ..Spec::default()
                            },
                        });
                    }
                }
            }
        }
    }
    cases
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

fn is_count(t: Target) -> bool {
    matches!(t, Target::Pages | Target::Contexts)
}

/// The "headline" leaks: ≥ 1 MB/cycle (≥ 0.25 page or context/cycle) over ≥ 40 cycles.
fn headline(spec: &Spec) -> bool {
    let big = if is_count(spec.target) {
        spec.rate >= 0.25
    } else {
        spec.rate >= 1.0
    };
    big && spec.cycles >= 40
}

/// Slow leaks on long runs: below the per-cycle practical minimum (0.1
/// MB/cycle) but adding up to a lot over thousands of cycles; and long runs
/// that do not leak, for false alarms.
fn slow_section(cfg: &Config) {
    let mut seed = 900_000u64;
    let lengths = [1000usize, 3000];
    let rates = [0.01, 0.03, 0.06];
    println!("Slow leaks on long runs: verdict leak (right metric) by rate and length; base heap 150 MB, noise 10/30/60%:");
    println!();
    print!("| scenario / target / rate |");
    for l in lengths {
        print!(" {l} cycles |");
    }
    println!();
    println!("|---|{}", "---|".repeat(lengths.len()));
    for scenario in [Scenario::Linear, Scenario::Step] {
        for target in [Target::Heap, Target::Rss, Target::External] {
            for rate in rates {
                print!("| {} / {:?} / {rate} MB/cycle |", scenario.as_str(), target);
                for cycles in lengths {
                    let (mut leak, mut right, mut n) = (0, 0, 0);
                    for gc_noise in [0.1, 0.3, 0.6] {
                        seed += 1;
                        let spec = Spec {
                            scenario,
                            target,
                            cycles,
                            seed,
                            rate,
                            gc_noise,
                            base_heap_mb: 150.0,
                            ..Spec::default()
                        };
                        let o = run_case(&spec, cfg);
                        n += 1;
                        leak += (o.verdict == Verdict::Leak) as usize;
                        right += (o.verdict == Verdict::Leak && o.right_metric) as usize;
                    }
                    print!(" {leak}/{n} ({right}) |");
                }
                println!();
            }
        }
    }
    println!();
    let (mut alarms, mut n) = (0, 0);
    for scenario in Scenario::ALL.into_iter().filter(|s| !s.is_leak()) {
        for cycles in lengths {
            for gc_noise in [0.1, 0.3, 0.6] {
                for base in [40.0, 150.0, 400.0] {
                    for _ in 0..2 {
                        seed += 1;
                        let spec = Spec {
                            scenario,
                            target: Target::Heap,
                            cycles,
                            seed,
                            rate: 0.0,
                            gc_noise,
                            base_heap_mb: base,
                            ..Spec::default()
                        };
                        n += 1;
                        alarms += (run_case(&spec, cfg).verdict == Verdict::Leak) as usize;
                    }
                }
            }
        }
    }
    println!("False alarms on long no-leak runs (stable, warm-up, cache; 1000 and 3000 cycles): {alarms}/{n}");
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let cfg = Config::default();
    if std::env::args().any(|a| a == "--slow") {
        slow_section(&cfg);
        return;
    }
    let cases = corpus(quick);
    let outcomes: Vec<Outcome> = cases.iter().map(|c| run_case(&c.spec, &cfg)).collect();
    if std::env::args().any(|a| a == "--failures") {
        for (c, o) in cases.iter().zip(&outcomes) {
            let s = &c.spec;
            let bad = if s.scenario.is_leak() {
                headline(s) && (o.verdict != Verdict::Leak || !o.right_metric || !o.right_pattern)
            } else {
                o.verdict == Verdict::Leak
            };
            if bad {
                println!(
                    "FAIL {} {:?} rate={} noise={} base={} cycles={} seed={} -> {:?} metric_ok={} pattern_ok={}",
                    s.scenario.as_str(), s.target, s.rate, s.gc_noise, s.base_heap_mb, s.cycles, s.seed,
                    o.verdict, o.right_metric, o.right_pattern
                );
            }
        }
        return;
    }

    // Table 1: by scenario and target.
    #[derive(Default)]
    struct Row {
        n: usize,
        leak: usize,
        inconclusive: usize,
        metric: usize,
        pattern: usize,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for (c, o) in cases.iter().zip(&outcomes) {
        let key = if c.spec.scenario.is_leak() {
            format!("{} / {:?}", c.spec.scenario.as_str(), c.spec.target)
        } else {
            format!("(no leak) {}", c.spec.scenario.as_str())
        };
        let row = rows.entry(key).or_default();
        row.n += 1;
        if o.verdict == Verdict::Leak {
            row.leak += 1;
            row.metric += o.right_metric as usize;
            row.pattern += o.right_pattern as usize;
        }
        if o.verdict == Verdict::Inconclusive {
            row.inconclusive += 1;
        }
    }
    println!("| runs of | n | verdict leak | inconclusive | right metric (of leak) | right pattern (of leak) |");
    println!("|---|---|---|---|---|---|");
    for (k, r) in &rows {
        println!(
            "| {k} | {} | {} | {} | {} | {} |",
            r.n,
            pct(r.leak, r.n),
            pct(r.inconclusive, r.n),
            pct(r.metric, r.leak),
            pct(r.pattern, r.leak)
        );
    }

    // Table 2: recall by rate and length (leaks), false alarms by length (no leaks).
    println!();
    println!("Recall (verdict leak) by leak rate and run length; memory rates in MB/cycle, counts in 1/cycle:");
    println!();
    let mut lengths: Vec<usize> = cases.iter().map(|c| c.spec.cycles).collect();
    lengths.sort();
    lengths.dedup();
    print!("| rate |");
    for l in &lengths {
        print!(" {l} cycles |");
    }
    println!();
    print!("|---|");
    for _ in &lengths {
        print!("---|");
    }
    println!();
    let mut rates: Vec<(bool, u64)> = cases
        .iter()
        .filter(|c| c.spec.scenario.is_leak())
        .map(|c| (is_count(c.spec.target), (c.spec.rate * 1000.0) as u64))
        .collect();
    rates.sort();
    rates.dedup();
    for (count, r) in rates {
        print!(
            "| {}{} |",
            r as f64 / 1000.0,
            if count { " (count)" } else { " MB" }
        );
        for &l in &lengths {
            let sel: Vec<&Outcome> = cases
                .iter()
                .zip(&outcomes)
                .filter(|(c, _)| {
                    c.spec.scenario.is_leak()
                        && is_count(c.spec.target) == count
                        && (c.spec.rate * 1000.0) as u64 == r
                        && c.spec.cycles == l
                })
                .map(|(_, o)| o)
                .collect();
            let hit = sel.iter().filter(|o| o.verdict == Verdict::Leak).count();
            print!(" {} |", pct(hit, sel.len()));
        }
        println!();
    }
    print!("| false alarms (no-leak runs) |");
    for &l in &lengths {
        let sel: Vec<&Outcome> = cases
            .iter()
            .zip(&outcomes)
            .filter(|(c, _)| !c.spec.scenario.is_leak() && c.spec.cycles == l)
            .map(|(_, o)| o)
            .collect();
        let fa = sel.iter().filter(|o| o.verdict == Verdict::Leak).count();
        print!(" {fa}/{} |", sel.len());
    }
    println!();

    // Headline figures.
    let mut tp = 0;
    let mut fn_ = 0;
    let mut fp = 0;
    let mut metric_ok = 0;
    let mut pattern_ok = 0;
    for (c, o) in cases.iter().zip(&outcomes) {
        let leak = o.verdict == Verdict::Leak;
        if c.spec.scenario.is_leak() {
            if headline(&c.spec) {
                if leak {
                    tp += 1;
                    metric_ok += o.right_metric as usize;
                    pattern_ok += o.right_pattern as usize;
                } else {
                    fn_ += 1;
                }
            }
        } else if c.spec.cycles >= 40 && leak {
            fp += 1;
        }
    }
    let all_fp = cases
        .iter()
        .zip(&outcomes)
        .filter(|(c, o)| !c.spec.scenario.is_leak() && o.verdict == Verdict::Leak)
        .count();
    let no_leak_runs = cases.iter().filter(|c| !c.spec.scenario.is_leak()).count();
    let all_tp = cases
        .iter()
        .zip(&outcomes)
        .filter(|(c, o)| c.spec.scenario.is_leak() && o.verdict == Verdict::Leak)
        .count();
    println!();
    println!("Headline (leaks ≥ 1 MB/cycle or ≥ 0.25 page/cycle, runs of ≥ 40 cycles):");
    println!(
        "- recall {:.3} ({tp}/{}), precision {:.3}",
        tp as f64 / (tp + fn_).max(1) as f64,
        tp + fn_,
        tp as f64 / (tp + fp).max(1) as f64
    );
    println!(
        "- right metric flagged {:.3}, right pattern {:.3}",
        metric_ok as f64 / tp.max(1) as f64,
        pattern_ok as f64 / tp.max(1) as f64
    );
    println!(
        "- false alarms on all no-leak runs (stable, warm-up, caches; every length): {all_fp}/{no_leak_runs}"
    );
    let leak_cases = || {
        cases
            .iter()
            .zip(&outcomes)
            .filter(|(c, _)| c.spec.scenario.is_leak())
    };
    let missed = |min_cycles: usize| {
        let runs: Vec<_> = leak_cases()
            .filter(|(c, _)| c.spec.cycles >= min_cycles)
            .collect();
        let n = runs
            .iter()
            .filter(|(_, o)| o.verdict == Verdict::NoLeak)
            .count();
        (n, runs.len())
    };
    let (m40, n40) = missed(40);
    let (m_all, n_all) = missed(0);
    println!(
        "- leaks called no_leak: {m40}/{n40} on runs of ≥ 40 cycles, {m_all}/{n_all} on all (every rate, 0.1 MB/cycle and 0.05 page/cycle included)"
    );
    println!(
        "- precision over the whole corpus: {:.4} ({all_tp} leak verdicts on leaks, {all_fp} on non-leaks)",
        all_tp as f64 / (all_tp + all_fp).max(1) as f64
    );

    // Detection delay: cycles after onset until the verdict first says leak.
    println!();
    println!("Detection delay (cycles after the leak starts until the verdict is leak; runs of 250 cycles, rate ≥ 1 MB/cycle or ≥ 0.25/cycle):");
    println!();
    println!("| leak shape | runs | detected | median delay | p90 delay |");
    println!("|---|---|---|---|---|");
    for scenario in Scenario::ALL.into_iter().filter(|s| s.is_leak()) {
        let mut delays = Vec::new();
        let mut total = 0;
        for c in cases
            .iter()
            .filter(|c| c.spec.scenario == scenario && c.spec.cycles == 250 && headline(&c.spec))
        {
            total += 1;
            let run = generate(&c.spec);
            let onset = onset_of(&run, &c.spec);
            let mut k = onset + 5;
            while k <= c.spec.cycles {
                let r = analyze(&run.head_cycles(k), &cfg);
                if r.summary.verdict == Verdict::Leak {
                    delays.push(k - onset);
                    break;
                }
                k += 5;
            }
        }
        delays.sort();
        let q = |p: f64| {
            delays
                .get(((delays.len() as f64 - 1.0) * p).round() as usize)
                .map(|d| d.to_string())
                .unwrap_or("—".into())
        };
        println!(
            "| {} | {total} | {} | {} | {} |",
            scenario.as_str(),
            delays.len(),
            q(0.5),
            q(0.9)
        );
    }
}

/// The cycle index (0-based) where the leaking quantity first moves.
fn onset_of(run: &leaklens_core::Run, spec: &Spec) -> usize {
    match spec.scenario {
        Scenario::PlateauThenGrowth | Scenario::Step => {
            // First cycle where the generator's leak term is non-zero: find it
            // by generating the same spec without the leak and comparing is
            // costly; the generator's onset is 30–50% of the run for plateaus,
            // the first step after 20–40 cycles.
            let _ = run;
            let probe = Spec {
                rate: 0.0,
                ..spec.clone()
            };
            let base = generate(&probe);
            let m = spec.target.metric();
            let a = run.column(m).to_vec();
            let b = base.column(m).to_vec();
            let ranges = run.cycle_ranges();
            ranges
                .iter()
                .position(|(_, r)| r.clone().any(|i| (a[i] - b[i]).abs() > 1e-6))
                .unwrap_or(0)
        }
        _ => 0,
    }
}
