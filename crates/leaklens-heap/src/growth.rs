//! What grows across snapshots: a diff of two, and the classes that grew in
//! every interval of a series (robust against one-off noise: a cache
//! filling once, a burst of garbage at one snapshot).

use serde::Serialize;

use crate::summary::{ClassStats, Summary};

/// One class, from one snapshot to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassDiff {
    pub name: String,
    pub before: ClassStats,
    pub after: ClassStats,
    pub count_delta: i64,
    pub self_size_delta: i64,
    pub retained_size_delta: i64,
}

fn delta(a: u64, b: u64) -> i64 {
    (i128::from(b) - i128::from(a)).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Every class that changed from `a` to `b`, the largest change of self
/// size first.
pub fn diff(a: &Summary, b: &Summary) -> Vec<ClassDiff> {
    let mut names: Vec<&String> = a.classes.keys().chain(b.classes.keys()).collect();
    names.sort();
    names.dedup();
    let mut out: Vec<ClassDiff> = names
        .into_iter()
        .filter_map(|name| {
            let before = a.classes.get(name).copied().unwrap_or_default();
            let after = b.classes.get(name).copied().unwrap_or_default();
            (before != after).then(|| ClassDiff {
                name: name.clone(),
                before,
                after,
                count_delta: delta(before.count, after.count),
                self_size_delta: delta(before.self_size, after.self_size),
                retained_size_delta: delta(before.retained_size, after.retained_size),
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.self_size_delta
            .unsigned_abs()
            .cmp(&x.self_size_delta.unsigned_abs())
            .then_with(|| {
                y.count_delta
                    .unsigned_abs()
                    .cmp(&x.count_delta.unsigned_abs())
            })
            .then_with(|| x.name.cmp(&y.name))
    });
    out
}

/// What kind of class: what a program defines, what JavaScript has, or
/// what V8 keeps for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    /// A constructor of the program (or a library, or a DOM class).
    User,
    /// JavaScript's own: `Object`, `Array`, `Map`… and the values DevTools
    /// shows in parentheses: `(closure)`, `(array)`, `(string)`…
    Builtin,
    /// V8's metadata: `(system)`, `(object shape)`, `(compiled code)`,
    /// `system / …`: it grows with the code run (compilation, shapes,
    /// feedback), so it is left out of the growers unless asked for.
    Internal,
}

const BUILTINS: &[&str] = &[
    "Object",
    "Array",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "FinalizationRegistry",
    "Function",
    "Promise",
    "String",
    "Number",
    "Boolean",
    "Symbol",
    "BigInt",
    "Date",
    "RegExp",
    "Error",
    "TypeError",
    "RangeError",
    "SyntaxError",
    "ReferenceError",
    "ArrayBuffer",
    "SharedArrayBuffer",
    "DataView",
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
    "Arguments",
    "Generator",
    "AsyncGenerator",
    "Proxy",
];

/// The kind of the class called `name` (as [`crate::Snapshot::class_name`] names it).
pub fn class_kind(name: &str) -> ClassKind {
    match name {
        "(system)" | "(object shape)" | "(compiled code)" | "(code)" | "(hidden)"
        | "(synthetic)" => ClassKind::Internal,
        n if n.starts_with("system / ") || n.is_empty() => ClassKind::Internal,
        n if n.starts_with('(') || BUILTINS.contains(&n) => ClassKind::Builtin,
        _ => ClassKind::User,
    }
}

/// A class whose count and self size grew in every interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Growth {
    pub name: String,
    pub kind: ClassKind,
    /// Per snapshot, in the order given.
    pub counts: Vec<u64>,
    pub self_sizes: Vec<u64>,
    pub retained_sizes: Vec<u64>,
}

impl Growth {
    /// Growth of the retained size from the first snapshot to the last.
    pub fn retained_growth(&self) -> i64 {
        delta(
            self.retained_sizes[0],
            *self.retained_sizes.last().unwrap_or(&0),
        )
    }

    pub fn self_growth(&self) -> i64 {
        delta(self.self_sizes[0], *self.self_sizes.last().unwrap_or(&0))
    }

    pub fn count_growth(&self) -> i64 {
        delta(self.counts[0], *self.counts.last().unwrap_or(&0))
    }
}

/// The classes whose count and self size grew in every interval of the
/// series (snapshots in the order given): the program's own classes first,
/// then JavaScript's, then V8's (only with `internal`), each the most
/// retained growth first (then self size, count and name). A class of the
/// program explains the arrays, strings and closures that grow with it.
/// Empty with fewer than two snapshots.
pub fn growers(series: &[Summary], internal: bool) -> Vec<Growth> {
    let Some(last) = series.last() else {
        return Vec::new();
    };
    if series.len() < 2 {
        return Vec::new();
    }
    let mut out: Vec<Growth> = last
        .classes
        .keys()
        .filter(|name| internal || class_kind(name) != ClassKind::Internal)
        .filter_map(|name| {
            let stats: Vec<ClassStats> = series
                .iter()
                .map(|s| s.classes.get(name).copied().unwrap_or_default())
                .collect();
            let grew = stats
                .windows(2)
                .all(|w| w[1].count > w[0].count && w[1].self_size > w[0].self_size);
            grew.then(|| Growth {
                name: name.clone(),
                kind: class_kind(name),
                counts: stats.iter().map(|s| s.count).collect(),
                self_sizes: stats.iter().map(|s| s.self_size).collect(),
                retained_sizes: stats.iter().map(|s| s.retained_size).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| b.retained_growth().cmp(&a.retained_growth()))
            .then_with(|| b.self_growth().cmp(&a.self_growth()))
            .then_with(|| b.count_growth().cmp(&a.count_growth()))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}
