//! The end of a reading: the columns checked against each other and made
//! into a [`Snapshot`] (edge targets as node numbers, edge ranges as prefix
//! sums), or what does not fit, naming the node or edge.

use super::Reader;
use crate::error::HeapError;
use crate::snapshot::Snapshot;

pub(super) fn snapshot(r: Reader) -> Result<Snapshot, HeapError> {
    let name = r.name;
    let bad = |what: String| HeapError::Inconsistent {
        source_name: name.clone(),
        what,
    };
    let Some(layout) = r.layout else {
        return Err(HeapError::BadMeta {
            source_name: name.clone(),
            what: "no `snapshot.meta`: not a V8 heap snapshot".into(),
        });
    };
    if !(r.seen[1] && r.seen[2] && r.seen[3]) {
        return Err(bad(
            "a heap snapshot has `nodes`, `edges` and `strings`; this one lacks one".into(),
        ));
    }
    let mut s = r.snap;
    let n = s.node_type.len();
    let node_stride = layout.node_slots.len();
    if s.node_name.len() != n
        || s.node_id.len() != n
        || s.node_self.len() != n
        || r.edge_counts.len() != n
    {
        return Err(bad(format!(
            "`nodes` ends inside a node: its length is not a multiple of the {node_stride} node fields"
        )));
    }
    if n == 0 {
        return Err(bad("no nodes (a snapshot has at least its root)".into()));
    }
    let m = s.edge_to.len();
    if s.edge_type.len() != m || s.edge_name.len() != m {
        return Err(bad(format!(
            "`edges` ends inside an edge: its length is not a multiple of the {} edge fields",
            layout.edge_slots.len()
        )));
    }
    if !s.detachedness.is_empty() && s.detachedness.len() != n {
        s.detachedness.clear();
    }
    let mut first = Vec::with_capacity(n + 1);
    let mut sum: u64 = 0;
    first.push(0u32);
    for c in &r.edge_counts {
        sum += u64::from(*c);
        if sum > m as u64 {
            break;
        }
        first.push(sum as u32);
    }
    if sum != m as u64 {
        return Err(bad(format!(
            "the nodes' edge counts add up to {}{sum}, but `edges` has {m} edges",
            if sum > m as u64 { "more than " } else { "" }
        )));
    }
    drop(r.edge_counts);
    s.first_edge = first;
    s.node_type_names = layout.node_type_names;
    s.edge_kinds = layout.edge_kinds;
    let strings = s.strings.len() as u64;
    for (i, name) in s.node_name.iter().enumerate() {
        if u64::from(*name) >= strings {
            return Err(bad(format!(
                "node {i} (id {}) is named by string {name}, but there are {strings} strings",
                s.node_id[i]
            )));
        }
    }
    let stride = node_stride as u64;
    let mut from = 0usize;
    for e in 0..m {
        while s.first_edge[from + 1] as usize <= e {
            from += 1;
        }
        let to = u64::from(s.edge_to[e]);
        if to % stride != 0 || to / stride >= n as u64 {
            return Err(bad(format!(
                "edge {e} of node {from} (id {}) points to {to}, which is not the start of a node",
                s.node_id[from]
            )));
        }
        s.edge_to[e] = (to / stride) as u32;
        if !s.edge_kind(e).is_indexed() && u64::from(s.edge_name[e]) >= strings {
            return Err(bad(format!(
                "edge {e} of node {from} (id {}) is named by string {}, but there are {strings} strings",
                s.node_id[from], s.edge_name[e]
            )));
        }
    }
    Ok(s)
}
