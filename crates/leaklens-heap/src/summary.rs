//! Per constructor (class): how many objects, their own size, and what they
//! retain together, as DevTools' Summary view counts them.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::dominators::{self, Dominators};
use crate::snapshot::Snapshot;

/// One class's totals in one snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClassStats {
    pub count: u64,
    pub self_size: u64,
    /// What the class's objects retain together: the retained sizes of
    /// those that no other object of the class dominates (so nothing is
    /// counted twice).
    pub retained_size: u64,
}

/// A snapshot summed up per class.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub nodes: u64,
    pub edges: u64,
    pub total_size: u64,
    pub classes: BTreeMap<String, ClassStats>,
}

/// Every node's class, as a number into the returned names.
pub struct Classes {
    pub of: Vec<u32>,
    pub names: Vec<String>,
}

impl Classes {
    pub fn name(&self, node: usize) -> &str {
        &self.names[self.of[node] as usize]
    }

    /// The number of the class called `name`.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }
}

#[derive(Hash, PartialEq, Eq)]
enum Key {
    Named(u32),
    Detached(u32),
    Type(u8),
}

/// The class of every node ([`Snapshot::class_name`]), numbered.
pub fn classes(s: &Snapshot) -> Classes {
    let n = s.node_count();
    let mut ids: HashMap<Key, u32> = HashMap::new();
    let mut names = Vec::new();
    let mut of = Vec::with_capacity(n);
    for node in 0..n {
        let key = match s.node_type(node) {
            "object" => Key::Named(s.node_name[node]),
            "native" if s.is_detached(node) => Key::Detached(s.node_name[node]),
            "native" => Key::Named(s.node_name[node]),
            _ => Key::Type(s.node_type[node]),
        };
        let id = *ids.entry(key).or_insert_with(|| {
            names.push(s.class_name(node).into_owned());
            names.len() as u32 - 1
        });
        of.push(id);
    }
    Classes { of, names }
}

/// Counts, self sizes and retained sizes per class.
pub fn summarize(s: &Snapshot, classes: &Classes, doms: &Dominators) -> Summary {
    let k = classes.names.len();
    let mut stats = vec![ClassStats::default(); k];
    for node in 1..s.node_count() {
        let c = &mut stats[classes.of[node] as usize];
        c.count += 1;
        c.self_size += s.self_size(node);
    }
    // Retained per class: walk the dominator tree, adding a node's retained
    // size unless an ancestor of the same class already counted it.
    let (first, child) = dominators::children(doms);
    let mut active = vec![0u32; k];
    // (node, next child); a node is entered when pushed.
    let mut stack: Vec<(u32, u32)> = vec![(0, first[0])];
    while let Some(top) = stack.last_mut() {
        let node = top.0 as usize;
        if top.1 < first[node + 1] {
            let c = child[top.1 as usize] as usize;
            top.1 += 1;
            let class = classes.of[c] as usize;
            if active[class] == 0 {
                stats[class].retained_size += doms.retained[c];
            }
            active[class] += 1;
            stack.push((c as u32, first[c]));
        } else {
            if node != 0 {
                active[classes.of[node] as usize] -= 1;
            }
            stack.pop();
        }
    }
    // Unreachable nodes retain themselves.
    for node in 1..s.node_count() {
        if !doms.reachable[node] {
            stats[classes.of[node] as usize].retained_size += s.self_size(node);
        }
    }
    let mut out = BTreeMap::new();
    for (name, st) in classes.names.iter().zip(stats) {
        if st.count > 0 {
            let e: &mut ClassStats = out.entry(name.clone()).or_default();
            e.count += st.count;
            e.self_size += st.self_size;
            e.retained_size += st.retained_size;
        }
    }
    Summary {
        nodes: s.node_count() as u64,
        edges: s.edge_count() as u64,
        total_size: (0..s.node_count()).map(|n| s.self_size(n)).sum(),
        classes: out,
    }
}
