//! "Analyse these inputs", for every front end (the CLI, the viewer): the
//! files of one run merged into one report, or two runs compared.
//!
//! Files are given as read (each its own [`Parsed`]), owned or shared
//! (`P` is `Parsed` or `Arc<Parsed>`): a single file is analysed as it is,
//! several are merged without copying their runs first. [`kinship`] tells
//! exports of one run (merge them) from different runs (compare them).

use std::borrow::Borrow;

use crate::compare::{compare, Comparison};
use crate::ingest::{self, Parsed};
use crate::run::Run;
use crate::{analyze_parsed, Config, Metric, Report};

/// One run and its report.
#[derive(Debug, Clone)]
pub struct Analysed<P> {
    /// The names of the files it was read from, in input order.
    pub names: Vec<String>,
    pub parsed: P,
    pub report: Report,
}

/// Two runs (before and after, say, a fix) and what changed.
#[derive(Debug, Clone)]
pub struct Compared<P> {
    pub before: Analysed<P>,
    pub after: Analysed<P>,
    pub comparison: Comparison,
}

/// What the inputs came to.
#[derive(Debug, Clone)]
// Made once per analysis and matched at once: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Analysis<P> {
    /// Every file as an export of one run.
    Merged(Analysed<P>),
    Compared(Compared<P>),
}

/// The files `(name, parsed)` analysed as `compare` asks: the first two
/// compared when it is set and there are two or more, else all merged into
/// one run; when it is `None`, as [`kinship`] of the first two decides.
/// With the kinship when there are two files or more. None when there is
/// no file.
pub fn analyse<P>(
    files: Vec<(String, P)>,
    compare: Option<bool>,
    cfg: &Config,
) -> Option<(Analysis<P>, Option<Kinship>)>
where
    P: Borrow<Parsed> + From<Parsed>,
{
    let kin = match &files[..] {
        [a, b, ..] => Some(kinship(a.1.borrow(), b.1.borrow())),
        _ => None,
    };
    let compare = compare.unwrap_or(kin.as_ref().is_some_and(|k| !k.one_run));
    let mut files = files.into_iter();
    if compare && files.len() >= 2 {
        let (before, after) = (files.next()?, files.next()?);
        return Some((Analysis::Compared(compared(before, after, cfg)), kin));
    }
    let merged = merged(files.collect(), cfg)?;
    Some((Analysis::Merged(merged), kin))
}

/// Whether two files are exports of one run, and why (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kinship {
    pub one_run: bool,
    pub reason: String,
}

/// Two values the same export would have written (a log rounds to what it
/// prints, a JSON export does not).
fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 0.005 * a.abs().max(b.abs()) + 0.01
}

/// Whether every label of `x` is one of `y`'s (a file with more labels
/// than a worker's handful is not checked: it would take too long).
fn labels_within(x: &Run, y: &Run) -> bool {
    let (x, y) = (x.label_names(), y.label_names());
    x.len() * y.len() > 1 << 20 || x.names().all(|l| y.names().any(|m| m == l))
}

/// Timestamps further apart than this are different runs' (ms).
const SAME_TIME_MS: i64 = 60_000;

/// Whether `a` and `b` are exports of one run (merge them) or different
/// runs (compare them): other worker names or label sets (neither within
/// the other) are different runs; so are cycles they share with other
/// values or times. Exports that agree where they overlap, or whose cycles
/// do not overlap, are one run.
pub fn kinship(a: &Parsed, b: &Parsed) -> Kinship {
    let two = |reason: String| Kinship {
        one_run: false,
        reason,
    };
    if let (Some(x), Some(y)) = (&a.worker, &b.worker) {
        if x != y {
            return two(format!("different workers ({x}, {y})"));
        }
    }
    if !labels_within(&a.run, &b.run) && !labels_within(&b.run, &a.run) {
        return two("different cycle labels".to_owned());
    }
    let span = |r: &Run| {
        let c = r.cycles();
        (c.iter().min().copied(), c.iter().max().copied())
    };
    let ((Some(a0), Some(a1)), (Some(b0), Some(b1))) = (span(&a.run), span(&b.run)) else {
        return Kinship {
            one_run: true,
            reason: "one file is empty".to_owned(),
        };
    };
    let (lo, hi) = (a0.max(b0), a1.min(b1));
    if lo > hi {
        return Kinship {
            one_run: true,
            reason: format!("cycles {a0}–{a1} and {b0}–{b1} do not overlap: parts of one run"),
        };
    }
    // Both runs are in cycle order (as read): a's snapshots of b's cycle
    // are found by bisection.
    let cycles = a.run.cycles();
    let mut shared = 0usize;
    for j in 0..b.run.len() {
        let c = b.run.cycle(j);
        if !(lo..=hi).contains(&c) {
            continue;
        }
        let from = cycles.partition_point(|&x| x < c);
        let to = from + cycles[from..].partition_point(|&x| x <= c);
        let Some(i) = (from..to).find(|&i| a.run.label(i) == b.run.label(j)) else {
            continue;
        };
        shared += 1;
        let what = || format!("cycles {lo}–{hi} overlap but differ: at cycle {c}");
        if let (Some(x), Some(y)) = (a.run.timestamp(i), b.run.timestamp(j)) {
            if (x - y).abs() > SAME_TIME_MS {
                return two(format!("{} times {} s apart", what(), (x - y).abs() / 1000));
            }
        }
        let differs = Metric::ALL
            .into_iter()
            .find(|&m| !same_value(a.run.value(m, i), b.run.value(m, j)));
        if let Some(m) = differs {
            return two(format!(
                "{} {}: {} vs {}",
                what(),
                m.display_name(),
                a.run.value(m, i),
                b.run.value(m, j)
            ));
        }
    }
    Kinship {
        one_run: true,
        reason: format!("cycles {lo}–{hi} overlap with the same values ({shared} snapshots)"),
    }
}

/// The files as exports of one run, merged (one file: as it is). None when
/// there is no file.
pub fn merged<P>(mut files: Vec<(String, P)>, cfg: &Config) -> Option<Analysed<P>>
where
    P: Borrow<Parsed> + From<Parsed>,
{
    let (names, parsed) = match files.len() {
        0 => return None,
        1 => {
            let (name, parsed) = files.pop()?;
            (vec![name], parsed)
        }
        _ => {
            let (names, parsed): (Vec<String>, Vec<P>) = files.into_iter().unzip();
            (names, P::from(ingest::merge_files(&parsed)))
        }
    };
    Some(one(names, parsed, cfg))
}

/// Two runs, each analysed, and the comparison of their reports.
pub fn compared<P: Borrow<Parsed>>(
    before: (String, P),
    after: (String, P),
    cfg: &Config,
) -> Compared<P> {
    let before = one(vec![before.0], before.1, cfg);
    let after = one(vec![after.0], after.1, cfg);
    let comparison = compare(&before.report, &after.report);
    Compared {
        before,
        after,
        comparison,
    }
}

fn one<P: Borrow<Parsed>>(names: Vec<String>, parsed: P, cfg: &Config) -> Analysed<P> {
    let report = analyze_parsed(parsed.borrow(), cfg);
    Analysed {
        names,
        parsed,
        report,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn file(name: &str, from: u64, to: u64) -> (String, Parsed) {
        run_file(name, from, to, "x", 50)
    }

    /// Cycles `from..=to` labelled `label`, heap `base + cycle`.
    fn run_file(name: &str, from: u64, to: u64, label: &str, base: u64) -> (String, Parsed) {
        let text: String = (from..=to)
            .map(|c| {
                format!(
                    "{{\"cycle\": {c}, \"label\": \"{label}\", \"nodejs\": {{\"heapUsed\": {}, \"rss\": 200}}}}\n",
                    base + c
                )
            })
            .collect();
        (
            name.to_owned(),
            ingest::parse(name, text.as_bytes()).unwrap(),
        )
    }

    #[test]
    fn exports_of_one_run_merge_and_different_runs_compare() {
        let kin = |a: (String, Parsed), b: (String, Parsed)| kinship(&a.1, &b.1);
        // Overlapping exports that agree, and parts that follow each other.
        let k = kin(file("a", 1, 40), file("b", 30, 80));
        assert!(k.one_run, "{k:?}");
        assert_eq!(
            k.reason,
            "cycles 30–40 overlap with the same values (11 snapshots)"
        );
        let k = kin(file("a", 1, 40), file("b", 41, 80));
        assert!(k.one_run);
        assert_eq!(
            k.reason,
            "cycles 1–40 and 41–80 do not overlap: parts of one run"
        );
        // Two runs from cycle 1: the same cycles, other values.
        let k = kin(file("a", 1, 40), run_file("b", 1, 40, "x", 70));
        assert!(!k.one_run);
        assert_eq!(
            k.reason,
            "cycles 1–40 overlap but differ: at cycle 1 Heap Used: 51 vs 71"
        );
        // Other labels.
        let k = kin(file("a", 1, 40), run_file("b", 1, 40, "y", 50));
        assert_eq!(
            (k.one_run, &k.reason[..]),
            (false, "different cycle labels")
        );
        // Other workers.
        let (mut a, mut b) = (file("a", 1, 40), file("b", 1, 40));
        a.1.worker = Some("scraper-1".into());
        b.1.worker = Some("scraper-2".into());
        let k = kinship(&a.1, &b.1);
        assert_eq!(
            (k.one_run, &k.reason[..]),
            (false, "different workers (scraper-1, scraper-2)")
        );
    }

    #[test]
    fn undecided_mode_follows_the_kinship() {
        let cfg = Config::default();
        let Some((Analysis::Compared(_), Some(k))) = analyse(
            vec![file("a", 1, 40), run_file("b", 1, 40, "x", 90)],
            None,
            &cfg,
        ) else {
            panic!("two runs are compared")
        };
        assert!(!k.one_run);
        let Some((Analysis::Merged(m), Some(k))) =
            analyse(vec![file("a", 1, 40), file("b", 20, 60)], None, &cfg)
        else {
            panic!("one run's exports are merged")
        };
        assert!(k.one_run);
        assert_eq!(m.parsed.run.len(), 60);
        // Asked for, the other way round.
        assert!(matches!(
            analyse(vec![file("a", 1, 40), file("b", 20, 60)], Some(true), &cfg),
            Some((Analysis::Compared(_), Some(_)))
        ));
        let Some((Analysis::Merged(_), None)) = analyse(vec![file("a", 1, 9)], None, &cfg) else {
            panic!("one file")
        };
    }

    #[test]
    fn files_are_merged_or_the_first_two_compared() {
        let cfg = Config::default();
        let files = || vec![file("a", 1, 40), file("b", 30, 80), file("c", 81, 90)];
        let Some(Analysis::Merged(m)) = analyse(files(), Some(false), &cfg).map(|a| a.0) else {
            panic!("merged")
        };
        let whole = ingest::merge_parsed(files().into_iter().map(|(_, p)| p).collect());
        assert_eq!(m.names, ["a", "b", "c"]);
        assert_eq!(m.parsed.run.cycles(), whole.run.cycles());
        assert_eq!(m.parsed.warnings, whole.warnings);
        assert_eq!(m.report.to_json(), analyze_parsed(&whole, &cfg).to_json());

        let shared: Vec<(String, Arc<Parsed>)> =
            files().into_iter().map(|(n, p)| (n, Arc::new(p))).collect();
        let Some(Analysis::Compared(c)) = analyse(shared, Some(true), &cfg).map(|a| a.0) else {
            panic!("compared")
        };
        assert_eq!(
            (&c.before.names[..], &c.after.names[..]),
            (&["a".to_owned()][..], &["b".to_owned()][..])
        );
        assert_eq!(
            c.comparison.to_json(),
            compare(&c.before.report, &c.after.report).to_json()
        );
        // One file to compare: analysed alone; none: nothing.
        let Some(Analysis::Merged(m)) =
            analyse(vec![file("a", 1, 40)], Some(true), &cfg).map(|a| a.0)
        else {
            panic!("one")
        };
        assert_eq!(m.parsed.run.len(), 40);
        assert!(analyse(Vec::<(String, Parsed)>::new(), Some(true), &cfg).is_none());
    }
}
