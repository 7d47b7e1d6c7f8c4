//! Scores the analysis on labelled corpora of files: the real-worker
//! recordings (`tests/corpora/real`, made by `bench/realworker/record.mjs`)
//! and the plain series with known truth (`tests/corpora/plain`, made by
//! `bench/plainseries/generate.py`), or any folder with a `labels.json`.
//!
//! ```sh
//! cargo run --release -p leaklens-core --example corpus -- tests/corpora/real tests/corpora/plain
//! cargo run --release -p leaklens-core --example corpus -- --runs tests/corpora/real   # one line a run
//! cargo run --release -p leaklens-core --example corpus -- --fine tests/corpora/plain  # groups by rate and length too
//! cargo run --release -p leaklens-core --example corpus -- --strip-gc tests/corpora/real  # as if the recorder wrote no `gc` fields
//! ```
//!
//! For every corpus: verdicts against the truth, the leaking metric flagged,
//! label/number contradictions ([`leaklens_core::audit`]), and verdict flips
//! as the run grows (the run cut after 20, 30, … cycles).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use leaklens_core::report::{Report, Verdict};
use leaklens_core::{analyze_parsed, audit, ingest, Config, Metric, Run, SnapshotIn};

#[derive(Clone)]
struct Label {
    truth: Verdict,
    metrics: Vec<String>,
    group: String,
}

struct Outcome {
    file: String,
    label: Label,
    verdict: Verdict,
    flagged: Vec<String>,
    contradictions: Vec<String>,
    /// Verdicts of the run cut after 20, 30, … cycles, then whole.
    path: Vec<Verdict>,
    reason: String,
}

fn read(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out
    } else {
        bytes
    }
}

fn labels(dir: &Path, fine: bool) -> BTreeMap<String, Label> {
    let text = std::fs::read_to_string(dir.join("labels.json"))
        .unwrap_or_else(|e| panic!("{}/labels.json: {e}", dir.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("labels.json");
    let mut out = BTreeMap::new();
    for (file, l) in v.as_object().expect("labels.json is an object") {
        let truth = match l["truth"].as_str() {
            Some("leak") => Verdict::Leak,
            Some("no_leak") => Verdict::NoLeak,
            _ => Verdict::Inconclusive,
        };
        let metrics = l["metrics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        // The group a run is tabulated in: its shape and noise (plain
        // series), or its cause and GC mode (recordings).
        let s = |k: &str| l.get(k).and_then(|v| v.as_str()).map(String::from);
        let group = match (s("shape"), s("noise"), s("cause")) {
            (Some(shape), Some(noise), _) => format!("{shape} / {noise}"),
            (_, _, Some(cause)) => format!(
                "{cause}{}",
                if l["forced_gc"].as_bool() == Some(true) {
                    " (forced GC)"
                } else {
                    ""
                }
            ),
            _ => "all".into(),
        };
        let group = if fine {
            let n = |k: &str| l.get(k).and_then(|v| v.as_f64());
            match (n("rate"), n("cycles")) {
                (Some(r), Some(c)) => format!("{group} / {r} / {c} cycles"),
                _ => group,
            }
        } else {
            group
        };
        out.insert(
            file.clone(),
            Label {
                truth,
                metrics,
                group,
            },
        );
    }
    out
}

/// The run as if its file had no `gc` fields: memory numbers alone.
fn strip_gc(run: &Run) -> Run {
    let mut out = Run::with_capacity(run.len());
    for i in 0..run.len() {
        let mut s = SnapshotIn::new(run.cycle(i), run.label(i));
        s.timestamp = run.timestamp(i);
        for m in Metric::ALL {
            s.set(m, run.value(m, i));
        }
        out.push(&s, run.page_urls(i));
    }
    out
}

fn score(dir: &Path, file: &str, label: &Label, cfg: &Config, no_gc: bool) -> Outcome {
    let bytes = read(&dir.join(file));
    let mut parsed = ingest::parse(file, &bytes).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    if no_gc {
        parsed.run = strip_gc(&parsed.run);
    }
    let report: Report = analyze_parsed(&parsed, cfg);
    let flagged = report
        .issues
        .iter()
        .filter(|i| i.kind.is_growth())
        .map(|i| i.metric.key().to_string())
        .collect();
    let mut path = Vec::new();
    let cycles = report.summary.cycles;
    let mut k = 20;
    while k < cycles {
        let mut cut = parsed.clone();
        cut.run = parsed.run.head_cycles(k);
        path.push(analyze_parsed(&cut, cfg).summary.verdict);
        k += 10;
    }
    path.push(report.summary.verdict);
    Outcome {
        file: file.to_string(),
        label: label.clone(),
        verdict: report.summary.verdict,
        flagged,
        contradictions: audit::contradictions(&report),
        path,
        reason: report.summary.reason.clone(),
    }
}

/// Changes between decisive verdicts (leak, no_leak) as the run grows,
/// inconclusive steps skipped; and whether a leak was withdrawn
/// (leak, then no_leak later).
fn flips(path: &[Verdict]) -> (usize, bool) {
    let decisive: Vec<Verdict> = path
        .iter()
        .copied()
        .filter(|v| *v != Verdict::Inconclusive)
        .collect();
    let changes = decisive.windows(2).filter(|w| w[0] != w[1]).count();
    let withdrawn = decisive
        .iter()
        .position(|v| *v == Verdict::Leak)
        .is_some_and(|i| decisive[i..].contains(&Verdict::NoLeak));
    (changes, withdrawn)
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_run = args.iter().any(|a| a == "--runs");
    let fine = args.iter().any(|a| a == "--fine");
    let no_gc = args.iter().any(|a| a == "--strip-gc");
    let dirs: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let cfg = Config::default();
    for dir in dirs {
        let labels = labels(&dir, fine);
        let jobs: Vec<(&String, &Label)> = labels.iter().collect();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = jobs.len().div_ceil(threads).max(1);
        let mut outcomes: Vec<Outcome> = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    let (dir, cfg) = (&dir, &cfg);
                    s.spawn(move || {
                        part.iter()
                            .map(|(f, l)| score(dir, f, l, cfg, no_gc))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("scoring thread"))
                .collect()
        });
        outcomes.sort_by(|a, b| a.file.cmp(&b.file));
        report(&dir, &outcomes, per_run);
    }
}

fn report(dir: &Path, outcomes: &[Outcome], per_run: bool) {
    println!("\n## {} ({} runs)\n", dir.display(), outcomes.len());
    if per_run {
        for o in outcomes {
            println!(
                "{:<48} truth {:<8} verdict {:<12} flagged {:<28} path {} | {}",
                o.file,
                o.label.truth.as_str(),
                o.verdict.as_str(),
                o.flagged.join(","),
                o.path
                    .iter()
                    .map(|v| match v {
                        Verdict::Leak => 'L',
                        Verdict::NoLeak => 'n',
                        Verdict::Inconclusive => '?',
                    })
                    .collect::<String>(),
                o.reason
            );
            for c in &o.contradictions {
                println!("    contradiction: {c}");
            }
        }
        println!();
    }
    // Per group.
    let mut groups: BTreeMap<(String, &str), Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        groups
            .entry((o.label.group.clone(), o.label.truth.as_str()))
            .or_default()
            .push(o);
    }
    println!("| group | truth | runs | leak | inconclusive | no_leak | right metric (of leak) |");
    println!("|---|---|---|---|---|---|---|");
    for ((g, truth), os) in &groups {
        let n = os.len();
        let c = |v: Verdict| os.iter().filter(|o| o.verdict == v).count();
        let leak = c(Verdict::Leak);
        let right = os
            .iter()
            .filter(|o| {
                o.verdict == Verdict::Leak
                    && !o.label.metrics.is_empty()
                    && o.label.metrics.iter().any(|m| o.flagged.contains(m))
            })
            .count();
        println!(
            "| {g} | {truth} | {n} | {} | {} | {} | {} |",
            pct(leak, n),
            pct(c(Verdict::Inconclusive), n),
            pct(c(Verdict::NoLeak), n),
            if *truth == "leak" {
                pct(right, leak)
            } else {
                "—".into()
            }
        );
    }
    let healthy: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.label.truth == Verdict::NoLeak)
        .collect();
    let leaks: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.label.truth == Verdict::Leak)
        .collect();
    let c = |os: &[&Outcome], v: Verdict| os.iter().filter(|o| o.verdict == v).count();
    let contradictions: usize = outcomes.iter().map(|o| o.contradictions.len()).sum();
    let with_flips = outcomes.iter().filter(|o| flips(&o.path).0 > 1).count();
    let withdrawn = outcomes.iter().filter(|o| flips(&o.path).1).count();
    let right = leaks
        .iter()
        .filter(|o| {
            o.verdict == Verdict::Leak && o.label.metrics.iter().any(|m| o.flagged.contains(m))
        })
        .count();
    println!();
    println!(
        "- healthy runs called `leak`: {} of {} ({}); `no_leak`: {} ({}); `inconclusive`: {}",
        c(&healthy, Verdict::Leak),
        healthy.len(),
        pct(c(&healthy, Verdict::Leak), healthy.len()),
        c(&healthy, Verdict::NoLeak),
        pct(c(&healthy, Verdict::NoLeak), healthy.len()),
        c(&healthy, Verdict::Inconclusive),
    );
    println!(
        "- leaks called `no_leak`: {} of {} ({}); `leak`: {} ({}), with the leaking metric flagged: {}; `inconclusive`: {}",
        c(&leaks, Verdict::NoLeak),
        leaks.len(),
        pct(c(&leaks, Verdict::NoLeak), leaks.len()),
        c(&leaks, Verdict::Leak),
        pct(c(&leaks, Verdict::Leak), leaks.len()),
        right,
        c(&leaks, Verdict::Inconclusive),
    );
    println!(
        "- label/number contradictions: {contradictions}; runs whose verdict flips leak ⇄ no_leak more than once as they grow (cut every 10 cycles from 20): {with_flips}; leaks withdrawn (leak, later no_leak): {withdrawn}"
    );
    // Detection: the first cut (20, 30, … cycles) called leak, for leaks
    // whose whole run is called leak.
    let mut first: Vec<usize> = leaks
        .iter()
        .filter(|o| o.verdict == Verdict::Leak)
        .filter_map(|o| o.path.iter().position(|v| *v == Verdict::Leak))
        .map(|k| 20 + 10 * k)
        .collect();
    first.sort_unstable();
    if !first.is_empty() {
        println!(
            "- leaks called `leak`: first called so at cycle {} (median), {} (90th percentile), cutting every 10 cycles from 20",
            first[first.len() / 2],
            first[(first.len() * 9 / 10).min(first.len() - 1)]
        );
    }
}
