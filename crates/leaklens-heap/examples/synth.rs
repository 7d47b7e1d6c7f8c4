//! Writes a synthetic heap snapshot in V8's format, as big as asked, for
//! the scale benchmark past what Node can write on this machine (V8's own
//! writer ran out of 24 GB making a 4 GB one):
//! `cargo run --release -p leaklens-heap --example synth -- OUT RECORDS`.
//!
//! The graph is `bench/heap/big.mjs`'s: a module-level Map whose table
//! holds RECORDS `Order` objects, each with a nested `customer` object (its
//! name one of 5,000 shared strings), a `lines` array of three shared heap
//! numbers and a `note` string; objects point at their shape as V8's do.
//! Ids are nine digits, as in V8's: about 2.5 edges a node and 260 bytes a
//! record, the density of a Node snapshot; 15.4 million make 4 GB.

use std::io::{BufWriter, Write};

const NODE_TYPES: &str = r#"["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"]"#;
const EDGE_TYPES: &str =
    r#"["context","element","property","internal","hidden","shortcut","weak"]"#;

// Node and edge types (indices into the lists above).
const ARRAY: u32 = 1;
const STRING: u32 = 2;
const OBJECT: u32 = 3;
const SYNTHETIC: u32 = 9;
const ELEMENT: u32 = 1;
const PROPERTY: u32 = 2;
const INTERNAL: u32 = 3;

// Strings.
const S_EMPTY: u32 = 0;
const S_ROOT: u32 = 1;
const S_MAP: u32 = 2;
const S_ORDERS: u32 = 3;
const S_TABLE: u32 = 4;
const S_ORDER: u32 = 5;
const S_OBJECT: u32 = 6;
const S_CUSTOMER: u32 = 7;
const S_LINES: u32 = 8;
const S_NOTE: u32 = 9;
const S_NAME: u32 = 10;
const S_ARRAY: u32 = 11;
const S_NOTE_TEXT: u32 = 12;
const S_SHAPE: u32 = 13;
const S_MAP_EDGE: u32 = 14;
const S_NUMBER: u32 = 15;
const FIXED_STRINGS: u32 = 16;
const SHAPE: u32 = 14;
const NUMBER: u32 = 7;
const CUSTOMERS: u64 = 5_000;

const FIELDS: u64 = 7;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("OUT");
    let records: u64 = args.next().and_then(|s| s.parse().ok()).expect("RECORDS");
    // Nodes: root, Map, table, a shape, three numbers, the customers'
    // names, then per record the Order, its customer, its lines and its
    // note.
    let (shape, first_number, first_name) = (3, 4, 7);
    let first_record = first_name + CUSTOMERS;
    let nodes = first_record + 4 * records;
    let edges = 2 + records + 9 * records;
    let mut w = BufWriter::with_capacity(1 << 22, std::fs::File::create(&out)?);
    write!(
        w,
        concat!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"#,
            r#""node_types":[{},"string","number","number","number","number","number"],"#,
            r#""edge_fields":["type","name_or_index","to_node"],"edge_types":[{},"string_or_number","node"],"#,
            r#""location_fields":["object_index","script_id","line","column"]}},"node_count":{},"edge_count":{},"trace_function_count":0}},"#,
            "\n\"nodes\":["
        ),
        NODE_TYPES, EDGE_TYPES, nodes, edges
    )?;
    let mut id = 100_000_001u64;
    let mut node = |w: &mut BufWriter<std::fs::File>, t: u32, name: u32, size: u32, out: u32| {
        let sep = if id == 100_000_001 { "" } else { ",\n" };
        let r = write!(w, "{sep}{t},{name},{id},{size},{out},0,0");
        id += 2;
        r
    };
    node(&mut w, SYNTHETIC, S_ROOT, 0, 1)?;
    node(&mut w, OBJECT, S_MAP, 32, 1)?;
    node(
        &mut w,
        ARRAY,
        S_EMPTY,
        16 + 8 * records.min(u32::MAX as u64 / 8) as u32,
        records as u32,
    )?;
    node(&mut w, SHAPE, S_SHAPE, 40, 0)?;
    for _ in 0..3 {
        node(&mut w, NUMBER, S_NUMBER, 16, 0)?;
    }
    for c in 0..CUSTOMERS {
        node(&mut w, STRING, FIXED_STRINGS + c as u32, 24, 0)?;
    }
    for _ in 0..records {
        node(&mut w, OBJECT, S_ORDER, 48, 4)?;
        node(&mut w, OBJECT, S_OBJECT, 32, 2)?;
        node(&mut w, ARRAY, S_ARRAY, 40, 3)?;
        node(&mut w, STRING, S_NOTE_TEXT, 24, 0)?;
    }
    w.write_all(b"],\n\"edges\":[")?;
    let to = |n: u64| n * FIELDS;
    write!(
        w,
        "{PROPERTY},{S_ORDERS},{},\n{INTERNAL},{S_TABLE},{}",
        to(1),
        to(2)
    )?;
    for i in 0..records {
        write!(w, ",\n{ELEMENT},{i},{}", to(first_record + 4 * i))?;
    }
    for i in 0..records {
        let o = first_record + 4 * i;
        write!(
            w,
            ",\n{PROPERTY},{S_CUSTOMER},{},\n{PROPERTY},{S_LINES},{},\n{PROPERTY},{S_NOTE},{}",
            to(o + 1),
            to(o + 2),
            to(o + 3)
        )?;
        write!(w, ",\n{INTERNAL},{S_MAP_EDGE},{}", to(shape))?;
        write!(
            w,
            ",\n{PROPERTY},{S_NAME},{},\n{INTERNAL},{S_MAP_EDGE},{}",
            to(first_name + i % CUSTOMERS),
            to(shape)
        )?;
        for k in 0..3 {
            write!(w, ",\n{ELEMENT},{k},{}", to(first_number + k))?;
        }
    }
    w.write_all(b"],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\"locations\":[],\n\"strings\":[")?;
    let fixed = [
        "",
        "",
        "Map",
        "orders",
        "table",
        "Order",
        "Object",
        "customer",
        "lines",
        "note",
        "name",
        "Array",
        "order",
        "system / Map",
        "map",
        "heap number",
    ];
    debug_assert_eq!(fixed.len() as u32, FIXED_STRINGS);
    for (k, s) in fixed.iter().enumerate() {
        let sep = if k == 0 { "" } else { ",\n" };
        write!(w, "{sep}\"{s}\"")?;
    }
    for c in 0..CUSTOMERS {
        write!(w, ",\n\"customer {c}\"")?;
    }
    w.write_all(b"]}\n")?;
    w.flush()?;
    println!("{out}: {nodes} nodes, {edges} edges");
    Ok(())
}
