//! "Analyse these inputs", for every front end (the CLI, the viewer): the
//! files of one run merged into one report, or two runs compared.
//!
//! Files are given as read (each its own [`Parsed`]), owned or shared
//! (`P` is `Parsed` or `Arc<Parsed>`): a single file is analysed as it is,
//! several are merged without copying their runs first.

use std::borrow::Borrow;

use crate::compare::{compare, Comparison};
use crate::ingest::{self, Parsed};
use crate::{analyze_parsed, Config, Report};

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
/// one run. None when there is no file.
pub fn analyse<P>(files: Vec<(String, P)>, compare: bool, cfg: &Config) -> Option<Analysis<P>>
where
    P: Borrow<Parsed> + From<Parsed>,
{
    let mut files = files.into_iter();
    if compare && files.len() >= 2 {
        let (before, after) = (files.next()?, files.next()?);
        return Some(Analysis::Compared(compared(before, after, cfg)));
    }
    merged(files.collect(), cfg).map(Analysis::Merged)
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
        let text: String = (from..=to)
            .map(|c| {
                format!(
                    "{{\"cycle\": {c}, \"label\": \"x\", \"nodejs\": {{\"heapUsed\": {}, \"rss\": 200}}}}\n",
                    50 + c
                )
            })
            .collect();
        (
            name.to_owned(),
            ingest::parse(name, text.as_bytes()).unwrap(),
        )
    }

    #[test]
    fn files_are_merged_or_the_first_two_compared() {
        let cfg = Config::default();
        let files = || vec![file("a", 1, 40), file("b", 30, 80), file("c", 81, 90)];
        let Some(Analysis::Merged(m)) = analyse(files(), false, &cfg) else {
            panic!("merged")
        };
        let whole = ingest::merge_parsed(files().into_iter().map(|(_, p)| p).collect());
        assert_eq!(m.names, ["a", "b", "c"]);
        assert_eq!(m.parsed.run.cycles(), whole.run.cycles());
        assert_eq!(m.parsed.warnings, whole.warnings);
        assert_eq!(m.report.to_json(), analyze_parsed(&whole, &cfg).to_json());

        let shared: Vec<(String, Arc<Parsed>)> =
            files().into_iter().map(|(n, p)| (n, Arc::new(p))).collect();
        let Some(Analysis::Compared(c)) = analyse(shared, true, &cfg) else {
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
        let Some(Analysis::Merged(m)) = analyse(vec![file("a", 1, 40)], true, &cfg) else {
            panic!("one")
        };
        assert_eq!(m.parsed.run.len(), 40);
        assert!(analyse(Vec::<(String, Parsed)>::new(), true, &cfg).is_none());
    }
}
