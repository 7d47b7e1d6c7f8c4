//! Hand-made heap snapshots for the tests: a graph written as V8 writes it.

#![allow(dead_code)]

pub const NODE_TYPES: [&str; 6] = [
    "hidden",
    "array",
    "string",
    "object",
    "closure",
    "synthetic",
];
pub const EDGE_TYPES: [&str; 7] = [
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
];

/// A node: type (index of NODE_TYPES), name, self size.
pub type N<'a> = (usize, &'a str, u64);
/// An edge: from, type (index of EDGE_TYPES), name (or index), to.
pub type E<'a> = (usize, usize, &'a str, usize);

/// The snapshot's JSON, node 0 the root, with a `detachedness` field and
/// the sections V8 writes that the reader skips.
pub fn snapshot(nodes: &[N<'_>], edges: &[E<'_>]) -> String {
    let mut strings: Vec<String> = vec![String::new()];
    let mut intern = |s: &str| -> usize {
        match strings.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                strings.push(s.to_owned());
                strings.len() - 1
            }
        }
    };
    let mut node_nums = Vec::new();
    for (i, (t, name, size)) in nodes.iter().enumerate() {
        let out = edges.iter().filter(|e| e.0 == i).count();
        let name = intern(name);
        node_nums.push(format!("{t},{name},{},{size},{out},0,0", i * 2 + 1));
    }
    let mut edge_nums = Vec::new();
    for from in 0..nodes.len() {
        for (_, t, name, to) in edges.iter().filter(|e| e.0 == from) {
            let name = if *t == 1 || *t == 4 {
                name.parse::<usize>().expect("an index")
            } else {
                intern(name)
            };
            edge_nums.push(format!("{t},{name},{}", to * 7));
        }
    }
    let quoted: Vec<String> = strings
        .iter()
        .map(|s| serde_json::to_string(s).expect("json"))
        .collect();
    format!(
        concat!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"#,
            r#""node_types":[{},"string","number","number","number","number","number"],"#,
            r#""edge_fields":["type","name_or_index","to_node"],"edge_types":[{},"string_or_number","node"],"#,
            r#""location_fields":["object_index","script_id","line","column"]}},"node_count":{},"edge_count":{},"trace_function_count":0}},"#,
            "\n\"nodes\":[{}],\n\"edges\":[{}],\n",
            r#""trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[0,1,2,3],"#,
            "\n\"strings\":[{}]}}\n"
        ),
        serde_json::to_string(&NODE_TYPES).expect("json"),
        serde_json::to_string(&EDGE_TYPES).expect("json"),
        nodes.len(),
        edges.len(),
        node_nums.join(",\n"),
        edge_nums.join(",\n"),
        quoted.join(",\n"),
    )
}
