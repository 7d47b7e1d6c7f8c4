//! The heap module's view of hand-made snapshot series: the grower first
//! with its path, names kept as text (the page shows them with
//! `textContent`) but stripped of line breaks and bidi controls, the one-
//! and two-snapshot tables, bad files named, and what does not fit in a
//! wasm32 module's memory refused up front.

#[path = "../../../crates/leaklens-heap/tests/common.rs"]
mod common;

use common::{snapshot, E, N};
use leaklens_heap::Analysis;
use leaklens_heapview::view::{self, build, refusal, WASM32_MEMORY};

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// root → a Map (table) → `n` objects of class `name`, and `fixed` objects
/// of class `Steady` held by an array.
fn series_item(name: &str, n: usize, fixed: usize) -> String {
    let mut nodes: Vec<N<'_>> = vec![(5, "", 0), (3, "Map", 32), (1, "", 16), (1, "", 16)];
    let mut edges: Vec<E<'_>> = vec![(0, 2, "cache", 1), (1, 3, "table", 2), (0, 2, "list", 3)];
    let idx: Vec<String> = (0..n.max(fixed)).map(|i| i.to_string()).collect();
    for i in 0..n {
        nodes.push((3, name, 40));
        edges.push((2, 1, &idx[i], nodes.len() - 1));
    }
    for i in 0..fixed {
        nodes.push((3, "Steady", 24));
        edges.push((3, 1, &idx[i], nodes.len() - 1));
    }
    snapshot(&nodes, &edges)
}

fn analysis(files: &[String]) -> Analysis {
    let mut a = Analysis::new();
    for (i, text) in files.iter().enumerate() {
        let name = format!("cycle-{}.heapsnapshot", (i + 1) * 10);
        let s = leaklens_heap::parse(&name, text.as_bytes()).expect("reads");
        a.add(&name, s);
    }
    a
}

#[test]
fn a_hostile_class_that_grows_comes_first_as_text_with_its_map_path() {
    let a = analysis(&[
        series_item(HOSTILE, 3, 5),
        series_item(HOSTILE, 6, 5),
        series_item(HOSTILE, 9, 5),
    ]);
    let v = build(&a, &[]);
    assert_eq!(v.verdict_class, "leak");
    let first = &v.table.rows[0];
    assert!(first.grew);
    // Verbatim: the page sets it as text, so escaping it here would show
    // `&lt;img` to the user.
    assert_eq!(first.cells[0], HOSTILE);
    assert_eq!(first.cells[1], "3 → 6 → 9");
    assert_eq!(first.cells[2], "120 B → 240 B → 360 B");
    let h = &v.holders[first.holders.expect("paths")];
    assert_eq!(h.name, HOSTILE);
    let g = &h.groups[0];
    assert!(
        g.title.ends_with(" objects: an entry of Map `cache`"),
        "{}",
        g.title
    );
    assert!(g.via.contains(&("map", "Map entry")), "{:?}", g.via);
    assert_eq!(g.steps.last().map(String::as_str), Some(HOSTILE));
    assert!(g.steps.iter().any(|s| s == "Map (table)"), "{:?}", g.steps);
    // Steady did not grow: listed (if at all) after the growers, unmarked.
    assert!(v
        .table
        .rows
        .iter()
        .filter(|r| r.cells[0].starts_with("Steady"))
        .all(|r| !r.grew));
    assert_eq!(
        v.order,
        "cycle-10.heapsnapshot → cycle-20.heapsnapshot → cycle-30.heapsnapshot"
    );
    // The JSON the page parses carries the name as a JSON string.
    let json = serde_json::to_string(&v).expect("json");
    assert!(json.contains(r#""<img src=x onerror=alert(1)>""#));
}

#[test]
fn line_breaks_and_bidi_controls_in_names_cannot_reorder_the_text() {
    let name = "Evil\u{202e}gnp.exe\nforged line";
    let a = analysis(&[series_item(name, 1, 0), series_item(name, 2, 0)]);
    let v = build(&a, &["bad\u{202e}.heapsnapshot: oops".into()]);
    let cell = &v.table.rows[0].cells[0];
    assert!(
        !cell.contains('\u{202e}') && !cell.contains('\n'),
        "{cell:?}"
    );
    assert!(cell.contains('\u{fffd}'));
    assert!(!v.errors[0].contains('\u{202e}'));
}

#[test]
fn one_snapshot_is_summed_per_class_and_two_are_diffed() {
    let one = build(&analysis(&[series_item("Thing", 4, 2)]), &[]);
    assert_eq!(one.verdict_class, "inconclusive");
    assert_eq!(
        one.table.head,
        ["Class", "Count", "Self size", "Retained size"]
    );
    let thing = one
        .table
        .rows
        .iter()
        .find(|r| r.cells[0] == "Thing")
        .expect("Thing");
    assert_eq!(thing.cells[1], "4");
    assert!(one.holders.is_empty());

    let two = build(
        &analysis(&[series_item("Thing", 4, 2), series_item("Thing", 5, 2)]),
        &[],
    );
    assert_eq!(
        two.table.head.last().map(String::as_str),
        Some("Δ self size")
    );
    let first = &two.table.rows[0];
    assert_eq!(first.cells[0], "Thing");
    assert_eq!(first.cells[1], "4 → 5");
    assert_eq!(first.cells[4], "+40 B");
    assert!(two.table.caption.contains("first snapshot to the second"));
}

#[test]
fn what_cannot_fit_in_a_wasm32_module_is_refused_before_it_is_read() {
    const GB: u64 = 1 << 30;
    // 1 GB alone fits, and after another 1 GB snapshot too.
    assert!(refusal("a.heapsnapshot", GB, 0).is_none());
    assert!(refusal("b.heapsnapshot", GB, GB).is_none());
    assert!(view::memory_needed(GB, GB) < WASM32_MEMORY);
    // 3 GB does not.
    let why = refusal("big\n.heapsnapshot", 3 * GB, 0).expect("refused");
    assert!(why.starts_with("big\u{fffd}.heapsnapshot: too large for the browser (3.00 GB)"));
    assert!(why.contains("4 GB a WebAssembly module can use"));
    assert!(why.contains("leaklens heap"));
}
