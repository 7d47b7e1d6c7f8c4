//! The dominator tree of a snapshot's graph and every node's retained size.
//!
//! Node `d` dominates node `n` when every path from the root (node 0) to
//! `n` goes through `d`; `n`'s retained size is its own size plus that of
//! every node it dominates (what freeing it would free). Weak edges retain
//! nothing and are left out, as DevTools does.
//!
//! The algorithm is Cooper, Harvey and Kennedy's iterative one ("A Simple,
//! Fast Dominance Algorithm", 2001) over a postorder numbering: simple,
//! no recursion (heap graphs are deep), and a handful of passes on heap
//! graphs, whose back edges are few. Nodes the root does not reach (V8
//! collects before it writes, so there are few) are dominated by the root
//! and retain only themselves.

use crate::snapshot::{EdgeKind, Snapshot};

const NONE: u32 = u32::MAX;

/// The dominator tree: `idom[n]` is node `n`'s immediate dominator (the
/// root's is itself), and `retained[n]` its retained size.
#[derive(Debug, Clone)]
pub struct Dominators {
    pub idom: Vec<u32>,
    pub retained: Vec<u64>,
    /// Whether the root reaches the node without weak edges.
    pub reachable: Vec<bool>,
}

/// The nodes the root reaches over edges that retain, children before
/// parents (a depth-first postorder; the root last).
pub fn postorder(s: &Snapshot, retains: impl Fn(usize, usize) -> bool) -> Vec<u32> {
    let n = s.node_count();
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    // (node, next edge to look at)
    let mut stack: Vec<(u32, u32)> = vec![(0, s.edges(0).start as u32)];
    seen[0] = true;
    while let Some(top) = stack.last_mut() {
        let (node, next) = (top.0 as usize, top.1 as usize);
        let end = s.edges(node).end;
        let mut e = next;
        while e < end && (!retains(node, e) || seen[s.edge_to(e)]) {
            e += 1;
        }
        if e < end {
            top.1 = e as u32 + 1;
            let to = s.edge_to(e);
            seen[to] = true;
            stack.push((to as u32, s.edges(to).start as u32));
        } else {
            order.push(node as u32);
            stack.pop();
        }
    }
    order
}

/// Whether edge `e`, from node `from`, keeps its target alive: not a weak
/// edge, nor a shortcut (a link the snapshot adds for display) except from
/// the root, as DevTools counts them.
pub fn retains(s: &Snapshot, from: usize, e: usize) -> bool {
    match s.edge_kind(e) {
        EdgeKind::Weak => false,
        EdgeKind::Shortcut => from == 0,
        _ => true,
    }
}

/// The predecessors of every node over the edges that retain (a reversed
/// graph in two columns): `from[first[n]..first[n + 1]]`.
pub struct Reversed {
    pub first: Vec<u32>,
    pub from: Vec<u32>,
}

pub fn reversed(s: &Snapshot) -> Reversed {
    let n = s.node_count();
    let mut first = vec![0u32; n + 1];
    for node in 0..n {
        for e in s.edges(node) {
            if retains(s, node, e) {
                first[s.edge_to(e) + 1] += 1;
            }
        }
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut from = vec![0u32; first[n] as usize];
    for node in 0..n {
        for e in s.edges(node) {
            if retains(s, node, e) {
                let to = s.edge_to(e);
                from[fill[to] as usize] = node as u32;
                fill[to] += 1;
            }
        }
    }
    Reversed { first, from }
}

/// The dominator tree and retained sizes of `s`.
pub fn dominators(s: &Snapshot) -> Dominators {
    let n = s.node_count();
    let order = postorder(s, |from, e| retains(s, from, e));
    let mut po = vec![NONE; n];
    for (i, node) in order.iter().enumerate() {
        po[*node as usize] = i as u32;
    }
    let rev = reversed(s);
    let root = order.len() as u32 - 1;
    // Immediate dominators, in postorder numbers.
    let mut doms = vec![NONE; order.len()];
    doms[root as usize] = root;
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..root).rev() {
            let node = order[b as usize] as usize;
            let mut new_idom = NONE;
            for p in &rev.from[rev.first[node] as usize..rev.first[node + 1] as usize] {
                let p = po[*p as usize];
                if p == NONE || doms[p as usize] == NONE {
                    continue;
                }
                new_idom = if new_idom == NONE {
                    p
                } else {
                    intersect(&doms, p, new_idom)
                };
            }
            if new_idom != NONE && doms[b as usize] != new_idom {
                doms[b as usize] = new_idom;
                changed = true;
            }
        }
    }
    let mut idom = vec![0u32; n];
    let mut reachable = vec![false; n];
    let mut retained: Vec<u64> = (0..n).map(|i| s.self_size(i)).collect();
    for (b, node) in order.iter().enumerate() {
        let node = *node as usize;
        reachable[node] = true;
        idom[node] = order[doms[b] as usize];
    }
    // Children before their dominators: a node's retained size is complete
    // when it is added to its dominator's.
    for node in &order[..root as usize] {
        let node = *node as usize;
        let d = idom[node] as usize;
        retained[d] = retained[d].saturating_add(retained[node]);
    }
    Dominators {
        idom,
        retained,
        reachable,
    }
}

fn intersect(doms: &[u32], mut a: u32, mut b: u32) -> u32 {
    while a != b {
        while a < b {
            a = doms[a as usize];
        }
        while b < a {
            b = doms[b as usize];
        }
    }
    a
}

/// The dominator tree's children of every node, in two columns:
/// `child[first[n]..first[n + 1]]` (unreachable nodes are nobody's).
pub fn children(d: &Dominators) -> (Vec<u32>, Vec<u32>) {
    let n = d.idom.len();
    let mut first = vec![0u32; n + 1];
    for node in 1..n {
        if d.reachable[node] {
            first[d.idom[node] as usize + 1] += 1;
        }
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut child = vec![0u32; first[n] as usize];
    for node in 1..n {
        if d.reachable[node] {
            let p = d.idom[node] as usize;
            child[fill[p] as usize] = node as u32;
            fill[p] += 1;
        }
    }
    (first, child)
}
