//! The analysis of a series of snapshots, one at a time (a snapshot's
//! columns are let go when the next one arrives), and its report: the JSON
//! contract of `leaklens heap --format json`.

use serde::Serialize;

use crate::dominators;
use crate::growth::{self, ClassDiff, ClassKind};
use crate::paths::{self, PathGroup};
use crate::snapshot::Snapshot;
use crate::summary::{self, Classes, Summary};

/// How much the report shows.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Growers shown (and given retainer paths).
    pub top: usize,
    /// Path groups shown per grower.
    pub paths: usize,
    /// Objects of a grower whose paths are looked at (new ones first).
    pub samples: usize,
    /// Classes in the diff of the first and the last snapshot.
    pub diff: usize,
    /// Classes of the last snapshot listed.
    pub classes: usize,
    /// V8's own classes among the growers too ([`crate::growth::ClassKind::Internal`]).
    pub internal: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top: 10,
            paths: 5,
            samples: 500,
            diff: 20,
            classes: 20,
            internal: false,
        }
    }
}

/// One snapshot in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotFacts {
    pub name: String,
    pub nodes: u64,
    pub edges: u64,
    pub total_size: u64,
}

/// A class that grew in every interval, and what holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grower {
    pub name: String,
    pub kind: ClassKind,
    pub counts: Vec<u64>,
    pub self_sizes: Vec<u64>,
    pub retained_sizes: Vec<u64>,
    /// Retainer paths of its objects in the last snapshot (those new
    /// since the one before first), grouped, the most common first.
    pub paths: Vec<PathGroup>,
}

/// What the series says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Some class grew in every interval.
    Grows,
    /// None did.
    NoGrowth,
    /// One snapshot: nothing to compare.
    TooFewSnapshots,
}

/// The report of `leaklens heap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapReport {
    pub schema_version: u32,
    pub verdict: Verdict,
    pub snapshots: Vec<SnapshotFacts>,
    /// Classes whose count and self size grew in every interval, the most
    /// retained growth first.
    pub growers: Vec<Grower>,
    /// How many classes grew in every interval (`growers` shows the top).
    pub growers_total: usize,
    /// The first snapshot against the last, the largest change first.
    pub diff: Vec<ClassDiff>,
    /// The last snapshot per class, the most retained first.
    pub classes: Vec<ClassRow>,
}

/// One class of the last snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassRow {
    pub name: String,
    pub count: u64,
    pub self_size: u64,
    pub retained_size: u64,
}

impl HeapReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A series of snapshots, analysed as they are added.
#[derive(Default)]
pub struct Analysis {
    facts: Vec<SnapshotFacts>,
    summaries: Vec<Summary>,
    last: Option<(Snapshot, Classes)>,
    /// The node ids of the snapshot before the last, sorted.
    previous_ids: Vec<u64>,
}

impl Analysis {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next snapshot of the series (in the order taken).
    pub fn add(&mut self, name: &str, s: Snapshot) {
        let classes = summary::classes(&s);
        let doms = dominators::dominators(&s);
        let sum = summary::summarize(&s, &classes, &doms);
        drop(doms);
        self.facts.push(SnapshotFacts {
            name: name.to_owned(),
            nodes: sum.nodes,
            edges: sum.edges,
            total_size: sum.total_size,
        });
        self.summaries.push(sum);
        if let Some((prev, _)) = self.last.take() {
            let mut ids = prev.node_id;
            ids.sort_unstable();
            self.previous_ids = ids;
        }
        self.last = Some((s, classes));
    }

    pub fn summaries(&self) -> &[Summary] {
        &self.summaries
    }

    /// The report of the series so far.
    pub fn report(&self, o: &Options) -> HeapReport {
        let all = growth::growers(&self.summaries, o.internal);
        let growers_total = all.len();
        let tree = match (&self.last, all.is_empty()) {
            (Some((s, _)), false) => paths::shortest_tree(s),
            _ => Vec::new(),
        };
        let growers = all
            .into_iter()
            .take(o.top)
            .map(|g| {
                let paths = match &self.last {
                    Some((s, classes)) => {
                        let targets = self.targets(s, classes, &g.name, o.samples);
                        paths::retainer_paths(s, classes, &tree, &targets, o.paths)
                    }
                    None => Vec::new(),
                };
                Grower {
                    name: g.name,
                    kind: g.kind,
                    counts: g.counts,
                    self_sizes: g.self_sizes,
                    retained_sizes: g.retained_sizes,
                    paths,
                }
            })
            .collect::<Vec<_>>();
        let diff = match (self.summaries.first(), self.summaries.last()) {
            (Some(a), Some(b)) if self.summaries.len() > 1 => {
                let mut d = growth::diff(a, b);
                d.truncate(o.diff);
                d
            }
            _ => Vec::new(),
        };
        let verdict = if self.summaries.len() < 2 {
            Verdict::TooFewSnapshots
        } else if growers_total > 0 {
            Verdict::Grows
        } else {
            Verdict::NoGrowth
        };
        HeapReport {
            schema_version: 1,
            verdict,
            snapshots: self.facts.clone(),
            growers,
            growers_total,
            diff,
            classes: self.largest(o.classes),
        }
    }

    /// The `most` classes of the last snapshot that retain the most.
    fn largest(&self, most: usize) -> Vec<ClassRow> {
        let Some(last) = self.summaries.last() else {
            return Vec::new();
        };
        let mut rows: Vec<ClassRow> = last
            .classes
            .iter()
            .map(|(name, c)| ClassRow {
                name: name.clone(),
                count: c.count,
                self_size: c.self_size,
                retained_size: c.retained_size,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.retained_size
                .cmp(&a.retained_size)
                .then_with(|| a.name.cmp(&b.name))
        });
        rows.truncate(most);
        rows
    }

    /// Up to `most` objects of class `name` in the last snapshot, those not
    /// in the snapshot before it first, spread evenly over the snapshot.
    fn targets(&self, s: &Snapshot, classes: &Classes, name: &str, most: usize) -> Vec<u32> {
        let Some(class) = classes.find(name) else {
            return Vec::new();
        };
        let all: Vec<u32> = (1..s.node_count() as u32)
            .filter(|n| classes.of[*n as usize] == class)
            .collect();
        let new: Vec<u32> = all
            .iter()
            .copied()
            .filter(|n| {
                self.previous_ids
                    .binary_search(&s.node_id(*n as usize))
                    .is_err()
            })
            .collect();
        let pool = if new.is_empty() { all } else { new };
        if pool.len() <= most {
            return pool;
        }
        (0..most).map(|i| pool[i * pool.len() / most]).collect()
    }
}
