//! The reader on a hand-written snapshot, in pieces of every size, and on
//! cut-off, damaged and hostile input: an error with its offset, never a
//! panic.

mod common;

use leaklens_heap::{parse, Analysis, EdgeKind, HeapError, Options, Reader};

/// A tiny snapshot as V8 writes it: the root, a Map holding a LeakyThing,
/// a closure, a detached DOM node, strings with escapes.
const TINY: &str = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"],"sample_fields":["timestamp_us","last_assigned_id"],"location_fields":["object_index","script_id","line","column"]},"node_count":6,"edge_count":5,"trace_function_count":0},
"nodes":[9,0,1,0,3,0,0
,3,1,3,32,1,0,0
,3,2,5,48,1,0,0
,5,3,7,64,0,0,0
,8,4,9,100,0,0,2
,2,5,11,24,0,0,0],
"edges":[1,0,7
,2,6,28
,5,7,35
,3,8,14
,1,0,21
],
"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[0,1,2,3],
"strings":["","Map","LeakyThing","onTick","HTMLDivElement","caf\u00e9 \ud83d\ude00 \ud800!\n\"q\"","m","e","table"]}
"#;

#[test]
fn a_hand_written_snapshot_reads_into_columns() {
    let s = parse("tiny", TINY.as_bytes()).expect("reads");
    assert_eq!((s.node_count(), s.edge_count()), (6, 5));
    assert_eq!(s.node_name(1), "Map");
    assert_eq!(s.class_name(2), "LeakyThing");
    assert_eq!(s.class_name(3), "(closure)");
    assert_eq!(s.class_name(4), "Detached HTMLDivElement");
    assert_eq!(s.class_name(5), "(string)");
    assert_eq!(s.node_name(5), "café 😀 \u{FFFD}!\n\"q\"");
    assert_eq!(s.self_size(4), 100);
    assert_eq!(s.node_id(3), 7);
    assert!(s.is_detached(4) && !s.is_detached(3));
    assert_eq!(s.edges(0), 0..3);
    assert_eq!(s.edge_to(0), 1);
    assert_eq!(s.edge_kind(0), EdgeKind::Element);
    assert_eq!(s.edge_name(1), "m");
    assert_eq!(s.edge_kind(2), EdgeKind::Shortcut);
    assert_eq!(s.edge_to(2), 5);
    assert_eq!(s.edge_name(3), "table");
    assert_eq!(s.edge_to(3), 2);
    assert_eq!(s.edge_name(4), "[0]");
}

#[test]
fn pieces_of_any_size_read_the_same() {
    let whole = parse("tiny", TINY.as_bytes()).expect("reads");
    let b = TINY.as_bytes();
    for size in 1..=b.len() {
        let mut r = Reader::new("tiny");
        for piece in b.chunks(size) {
            r.push(piece);
        }
        let s = r
            .finish()
            .unwrap_or_else(|e| panic!("pieces of {size}: {e}"));
        assert_eq!(s.node_count(), whole.node_count());
        assert_eq!(
            s.strings().get(5),
            whole.strings().get(5),
            "pieces of {size}"
        );
        for e in 0..s.edge_count() {
            assert_eq!(
                (s.edge_to(e), s.edge_name(e)),
                (whole.edge_to(e), whole.edge_name(e))
            );
        }
    }
}

#[test]
fn a_cut_off_file_says_where_it_ends() {
    let b = TINY.trim_end().as_bytes();
    for cut in 0..b.len() {
        let mut r = Reader::new("cut");
        r.push(&b[..cut]);
        match r.finish() {
            Err(HeapError::Truncated { offset, .. }) => assert_eq!(offset, cut as u64),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let cut = TINY.find("48,1").expect("in nodes");
    let err = parse("cut", &TINY.as_bytes()[..cut]).expect_err("cut");
    assert!(
        err.to_string()
            .contains(&format!("ends at byte {cut} inside nodes")),
        "{err}"
    );
}

fn error_of(text: &str) -> String {
    parse("bad", text.as_bytes()).expect_err(text).to_string()
}

#[test]
fn damaged_and_hostile_input_is_an_error_naming_what_and_where() {
    assert!(error_of("").contains("ends at byte 0"));
    assert!(error_of("[1,2,3]").contains("unexpected '[' at byte 0"));
    assert!(error_of("{}").contains("no `snapshot.meta`"));
    assert!(error_of(r#"{"nodes":[1]}"#).contains("`nodes` before `snapshot.meta`"));
    let bad_number = TINY.replacen("32,1,0,0", "3x,1,0,0", 1);
    let at = TINY.find("32,1,0,0").expect("there") + 1;
    assert!(error_of(&bad_number).contains(&format!("unexpected 'x' at byte {at}")));
    let huge = TINY.replacen("32,1,0,0", "99999999999999999999999,1,0,0", 1);
    assert!(error_of(&huge).contains("too large"));
    let negative = TINY.replacen(",0,7", ",-1,7", 1);
    assert!(error_of(&negative).contains("unexpected '-'"));
    let bad_target = TINY.replacen("1,0,7\n", "1,0,8\n", 1);
    assert!(error_of(&bad_target).contains("not the start of a node"));
    let bad_count = TINY.replacen("9,0,1,0,3,0,0", "9,0,1,0,4,0,0", 1);
    assert!(error_of(&bad_count).contains("edge counts add up to more than"));
    let bad_type = TINY.replacen("\n,5,3,7", "\n,77,3,7", 1);
    assert!(error_of(&bad_type).contains("node type 77"));
    let bad_name = TINY.replacen("\n,3,2,5", "\n,3,99,5", 1);
    assert!(error_of(&bad_name).contains("string 99"));
    let ragged = TINY.replacen(",2,5,11,24,0,0,0]", ",2,5,11,24,0,0]", 1);
    assert!(error_of(&ragged).contains("multiple of the 7 node fields"));
    let twice = TINY.replacen("\"trace_tree\":[]", "\"nodes\":[]", 1);
    assert!(error_of(&twice).contains("a second `nodes`"));
    let trailing = format!("{TINY}x");
    assert!(error_of(&trailing).contains("after the end"));
    let no_meta = TINY.replacen("\"node_fields\"", "\"fields\"", 1);
    assert!(error_of(&no_meta).contains("snapshot.meta"));
    let bad_escape = TINY.replacen("caf\\u00e9", "caf\\q", 1);
    assert!(error_of(&bad_escape).contains("an escape in a string"));
}

#[test]
fn a_header_cannot_make_the_reader_allocate_what_the_file_cannot_fill() {
    let lying = TINY.replacen("\"node_count\":6", "\"node_count\":4000000000000", 1);
    let s = parse("lying", lying.as_bytes()).expect("reads");
    assert_eq!(s.node_count(), 6);
    assert!(s.heap_bytes() < 1 << 20);
    // Deep nesting in a skipped section costs a counter, not a stack.
    let deep = TINY.replacen(
        "\"samples\":[]",
        &format!("\"samples\":{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        1,
    );
    assert!(parse("deep", deep.as_bytes()).is_ok());
}

#[test]
fn damaged_bytes_never_panic_the_reader_or_the_analysis() {
    let base = TINY.as_bytes();
    let mut seed: u64 = 1;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        ((seed >> 33) % n as u64) as usize
    };
    let alphabet = b"0123456789,[]{}\":ab\\u -";
    for _ in 0..3000 {
        let mut b = base.to_vec();
        for _ in 0..1 + next(4) {
            let i = next(b.len());
            b[i] = alphabet[next(alphabet.len())];
        }
        if let Ok(s) = parse("flipped", &b) {
            let mut a = Analysis::new();
            a.add("a", s.clone());
            a.add("b", s);
            let _ = a.report(&Options::default()).to_json();
        }
    }
}

#[test]
fn growth_across_generated_snapshots_ranks_and_names_the_holder() {
    use common::snapshot;
    // Snapshot k holds k Things in a Map's table, and one Object.
    let make = |k: usize| {
        let mut nodes = vec![(5, "", 0), (3, "Map", 32), (1, "", 16), (3, "Object", 24)];
        let mut edges = vec![(0, 5, "leakMap", 1), (0, 2, "o", 3), (1, 3, "table", 2)];
        for i in 0..k {
            nodes.push((3, "Thing", 40));
            edges.push((2, 1, "", 4 + i));
        }
        let idx: Vec<String> = (0..k).map(|i| i.to_string()).collect();
        for (e, i) in edges.iter_mut().skip(3).zip(&idx) {
            e.2 = i;
        }
        parse("gen", snapshot(&nodes, &edges).as_bytes()).expect("reads")
    };
    let mut a = Analysis::new();
    for k in [2, 4, 7] {
        a.add(&format!("s{k}"), make(k));
    }
    let r = a.report(&Options::default());
    assert_eq!(r.growers.len(), 1);
    let g = &r.growers[0];
    assert_eq!(g.name, "Thing");
    assert_eq!(g.counts, vec![2, 4, 7]);
    assert_eq!(g.self_sizes, vec![80, 160, 280]);
    assert_eq!(g.paths.len(), 1);
    assert_eq!(g.paths[0].via, vec!["map"]);
    assert!(
        g.paths[0].text.contains("Map (table)"),
        "{}",
        g.paths[0].text
    );
    assert_eq!(r.diff[0].name, "Thing");
    assert_eq!(r.diff[0].count_delta, 5);
}

#[test]
fn objects_no_edge_holds_are_counted_and_said_to_be_unrecorded_or_weak() {
    use common::snapshot;
    // As Bun writes a Map's entries: k Things nothing in the snapshot
    // holds, but the newest, which only a WeakRef holds (edge type 6).
    let make = |k: usize| {
        let mut nodes = vec![(5, "", 0), (3, "WeakRef", 16)];
        let mut edges = vec![(0, 2, "ref", 1)];
        for _ in 0..k {
            nodes.push((3, "Thing", 40));
        }
        edges.push((1, 6, "target", 1 + k));
        parse("gen", snapshot(&nodes, &edges).as_bytes()).expect("reads")
    };
    let mut a = Analysis::new();
    for k in [2, 4, 7] {
        a.add(&format!("s{k}"), make(k));
    }
    let r = a.report(&Options::default());
    let g = &r.growers[0];
    assert_eq!(g.name, "Thing");
    let by: Vec<(&str, u64)> = g.paths.iter().map(|p| (p.via[0], p.objects)).collect();
    // (The paths are those of the objects new in the last snapshot.)
    assert_eq!(by, vec![("unrecorded", 2), ("weak", 1)], "{:?}", g.paths);
    assert!(g.paths[0].steps.is_empty());
    assert!(g.paths[0].notes[0].contains("Map or a Set"));
}
