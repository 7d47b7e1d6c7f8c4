//! What the page shows of a series of heap snapshots, as plain data: the
//! verdict, the growth table and the retainer paths, worded here with the
//! render crate's words (`leaklens_render::heap`) so the page's wasm
//! carries none of it. Names from the snapshots are untrusted: they are
//! passed through [`sanitize`] (no line breaks, controls or bidi
//! overrides) and the page puts every string in the DOM as text.

use leaklens_heap::growth::{self, ClassKind};
use leaklens_heap::paths::{self, PathGroup};
use leaklens_heap::summary::{ClassStats, Summary};
use leaklens_heap::{Analysis, HeapReport, Options, Verdict};
use leaklens_render::heap::{bytes, facts, series, signed_bytes, verdict_line};
use leaklens_render::sanitize;
use serde::Serialize;

/// The most memory a wasm32 module can have: 65,536 pages of 64 KiB.
pub const WASM32_MEMORY: u64 = 4 << 30;

/// Growers listed in the table (the top ones also get their paths).
const MAX_GROWERS: usize = 50;

/// The view of the series (or of the one snapshot).
#[derive(Debug, Serialize)]
pub struct View {
    /// The verdict in one line.
    pub verdict: String,
    /// `leak`, `no_leak` or `inconclusive` (the banner's colour).
    pub verdict_class: &'static str,
    /// Snapshots, objects, sizes.
    pub facts: String,
    /// The order the snapshots were taken in, as the module read them.
    pub order: String,
    pub table: Table,
    /// What holds the top growers, in the table's order.
    pub holders: Vec<Holders>,
    /// Files that could not be analysed, and why.
    pub errors: Vec<String>,
}

/// A table: its caption, its header and its rows, every cell text.
#[derive(Debug, Serialize)]
pub struct Table {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    /// The class first, then numbers.
    pub cells: Vec<String>,
    /// Grew in every interval.
    pub grew: bool,
    /// Its retainer paths: an index into [`View::holders`].
    pub holders: Option<usize>,
}

/// The retainer paths of one class.
#[derive(Debug, Serialize)]
pub struct Holders {
    pub name: String,
    pub groups: Vec<Group>,
}

/// Objects of the class held the same way.
#[derive(Debug, Serialize)]
pub struct Group {
    /// `12 objects: an entry of Map `leakMap`; …`.
    pub title: String,
    /// What holds them, by kind (`map`, `set`, `event_listener`, `closure`,
    /// `array`, `detached_dom`, `scope`), each with its label.
    pub via: Vec<(&'static str, &'static str)>,
    /// From the GC roots to the object, one holder and edge a step.
    pub steps: Vec<String>,
}

/// The label of a holder kind, as the page shows it.
pub fn via_label(via: &str) -> &'static str {
    match via {
        "map" => "Map entry",
        "set" => "Set entry",
        "event_listener" => "event listener",
        "closure" => "closure",
        "array" => "array element",
        "detached_dom" => "detached DOM",
        "scope" => "scope variable",
        "unrecorded" => "holder not recorded",
        "weak" => "weakly held",
        _ => "held",
    }
}

/// What analysing a snapshot of `size` bytes needs at its peak, with the
/// previous one's columns kept (`kept`: that file's size): about 1.4 times
/// the file (1.34–1.40× measured natively, `docs/benchmarks.md`) plus the
/// previous snapshot's columns (under its file's size).
pub fn memory_needed(size: u64, kept: u64) -> u64 {
    size.saturating_mul(3) / 2 + kept.saturating_mul(9) / 10 + (64 << 20)
}

/// Why a snapshot of `size` bytes is not analysed in the browser, if it
/// is not: the memory it needs is more than a wasm32 module can have.
pub fn refusal(name: &str, size: u64, kept: u64) -> Option<String> {
    let need = memory_needed(size, kept);
    (need > WASM32_MEMORY).then(|| {
        format!(
            "{}: too large for the browser ({}): analysing it needs about {}{}, more than the 4 GB a WebAssembly module can use; run `leaklens heap` on it (the CLI reads snapshots of any size)",
            sanitize(name),
            bytes(size),
            bytes(need),
            if kept > 0 {
                " with the snapshot before it"
            } else {
                ""
            }
        )
    })
}

/// The view of what `a` holds, with the files that failed.
pub fn build(a: &Analysis, errors: &[String]) -> View {
    let o = Options {
        classes: 40,
        ..Options::default()
    };
    let r = a.report(&o);
    let holders: Vec<Holders> = r
        .growers
        .iter()
        .map(|g| Holders {
            name: sanitize(&g.name),
            groups: g.paths.iter().map(group).collect(),
        })
        .collect();
    let table = match r.verdict {
        Verdict::TooFewSnapshots => one_snapshot(&r),
        _ => growth_table(a.summaries(), &r),
    };
    View {
        verdict: if r.snapshots.is_empty() {
            "❌ NO SNAPSHOT: none of the files could be analysed".into()
        } else {
            verdict_line(&r)
        },
        verdict_class: match r.verdict {
            Verdict::Grows => "leak",
            Verdict::NoGrowth => "no_leak",
            Verdict::TooFewSnapshots => "inconclusive",
        },
        facts: facts(&r),
        order: r
            .snapshots
            .iter()
            .map(|s| sanitize(&s.name))
            .collect::<Vec<_>>()
            .join(" → "),
        table,
        holders,
        errors: errors.iter().map(|e| sanitize(e)).collect(),
    }
}

fn group(p: &PathGroup) -> Group {
    let mut steps: Vec<String> = p
        .steps
        .iter()
        .map(|st| sanitize(&format!("{} {}", st.holder, paths::edge_text(st))))
        .collect();
    // The object itself ends the path (its class: the text's last part).
    if let Some(last) = p.text.rsplit(" → ").next() {
        steps.push(sanitize(last));
    }
    let what = if p.objects == 1 { "object" } else { "objects" };
    let mut title = format!("{} {what}", p.objects);
    if !p.notes.is_empty() {
        title.push_str(": ");
        title.push_str(&sanitize(&p.notes.join("; ")));
    }
    Group {
        title,
        via: p.via.iter().map(|v| (*v, via_label(v))).collect(),
        steps,
    }
}

/// One snapshot: the classes that retain the most.
fn one_snapshot(r: &HeapReport) -> Table {
    Table {
        caption: "Per class, the most retained first (drop two or more snapshots, taken at increasing cycles, to see what grows)".into(),
        head: ["Class", "Count", "Self size", "Retained size"]
            .map(String::from)
            .to_vec(),
        rows: r
            .classes
            .iter()
            .map(|c| Row {
                cells: vec![
                    sanitize(&c.name),
                    c.count.to_string(),
                    bytes(c.self_size),
                    bytes(c.retained_size),
                ],
                grew: false,
                holders: None,
            })
            .collect(),
    }
}

/// Two or more snapshots: the classes that grew in every interval first
/// (the program's own before JavaScript's), then the largest changes from
/// the first snapshot to the last; each with its values per snapshot.
fn growth_table(summaries: &[Summary], r: &HeapReport) -> Table {
    let growers = growth::growers(summaries, false);
    let mut names: Vec<(String, bool)> = growers
        .iter()
        .take(MAX_GROWERS)
        .map(|g| (g.name.clone(), true))
        .collect();
    for d in &r.diff {
        if !names.iter().any(|(n, _)| *n == d.name) {
            names.push((d.name.clone(), false));
        }
    }
    let intervals = summaries.len().saturating_sub(1);
    let caption = if intervals == 1 {
        "What grew from the first snapshot to the second (count and self size) first, then the largest changes".to_string()
    } else {
        format!("Classes that grew in every one of the {intervals} intervals first (the program's own, then JavaScript's), then the largest changes from the first snapshot to the last")
    };
    let rows = names
        .into_iter()
        .map(|(name, grew)| {
            let per: Vec<ClassStats> = summaries
                .iter()
                .map(|s| s.classes.get(&name).copied().unwrap_or_default())
                .collect();
            let pick = |f: fn(&ClassStats) -> u64| per.iter().map(f).collect::<Vec<u64>>();
            let selfs = pick(|c| c.self_size);
            let delta = selfs.last().copied().unwrap_or(0) as i64
                - selfs.first().copied().unwrap_or(0) as i64;
            let kind = match growth::class_kind(&name) {
                ClassKind::User => "",
                ClassKind::Builtin => " (JavaScript's)",
                ClassKind::Internal => " (V8's)",
            };
            Row {
                cells: vec![
                    format!("{}{}", sanitize(&name), if grew { kind } else { "" }),
                    series(&pick(|c| c.count), |c| c.to_string()),
                    series(&selfs, bytes),
                    series(&pick(|c| c.retained_size), bytes),
                    signed_bytes(delta),
                ],
                grew,
                holders: r.growers.iter().position(|g| g.name == name),
            }
        })
        .collect();
    Table {
        caption,
        head: [
            "Class",
            "Count",
            "Self size",
            "Retained size",
            "Δ self size",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}
