//! Names from a heap snapshot are untrusted: every format escapes them.

use leaklens_heap::growth::ClassKind;
use leaklens_heap::paths::{PathGroup, Step};
use leaklens_heap::report::{Grower, SnapshotFacts};
use leaklens_heap::{ClassRow, HeapReport, Verdict};

const EVIL: &str = "<script>alert(1)</script>|*[x](y)\u{202E}\u{1b}[31m\nforged";

fn report() -> HeapReport {
    let facts = |name: &str| SnapshotFacts {
        name: name.into(),
        nodes: 10,
        edges: 20,
        total_size: 1000,
    };
    HeapReport {
        schema_version: 1,
        verdict: Verdict::Grows,
        snapshots: vec![facts("a"), facts("b"), facts("c")],
        growers: vec![Grower {
            name: EVIL.into(),
            kind: ClassKind::User,
            counts: vec![1, 2, 3],
            self_sizes: vec![10, 20, 30],
            retained_sizes: vec![10, 20, 30],
            paths: vec![PathGroup {
                objects: 2,
                via: vec!["map"],
                notes: vec![format!("an entry of Map `{EVIL}`")],
                steps: vec![Step {
                    holder: EVIL.into(),
                    edge: EVIL.into(),
                    edge_kind: "property",
                }],
                text: format!("{EVIL} .{EVIL} → {EVIL}"),
            }],
        }],
        growers_total: 1,
        diff: Vec::new(),
        classes: vec![ClassRow {
            name: EVIL.into(),
            count: 3,
            self_size: 30,
            retained_size: 30,
        }],
    }
}

#[test]
fn html_escapes_every_name() {
    let html = leaklens_render::heap::html(&report(), EVIL);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains('\u{202E}') && !html.contains('\u{1b}'));
}

#[test]
fn markdown_escapes_every_name() {
    let md = leaklens_render::heap::markdown(&report(), EVIL);
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("[x](y)"), "{md}");
    assert!(!md.contains('\u{202E}') && !md.contains('\u{1b}'));
    assert!(
        !md.contains("\nforged"),
        "a name cannot start a line of its own"
    );
}

#[test]
fn text_cannot_forge_lines_or_steer_the_terminal() {
    let text = leaklens_render::heap::text(&report(), EVIL);
    assert!(!text.contains('\u{202E}') && !text.contains('\u{1b}'));
    assert!(!text.contains("\nforged"), "{text}");
    assert!(text.contains("LeakyThing") || text.contains("alert(1)"));
}
