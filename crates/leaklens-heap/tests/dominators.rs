//! The dominator tree and retained sizes on small hand-made graphs, and
//! against a brute-force definition on random ones.

mod common;

use common::{snapshot, E, N};
use leaklens_heap::dominators::dominators;
use leaklens_heap::summary::{classes, summarize};

fn read(nodes: &[N<'_>], edges: &[E<'_>]) -> leaklens_heap::Snapshot {
    leaklens_heap::parse("test", snapshot(nodes, edges).as_bytes()).expect("reads")
}

#[test]
fn a_diamond_is_dominated_by_the_root_and_its_tail_by_the_join() {
    let s = read(
        &[
            (5, "", 0),
            (3, "A", 10),
            (3, "B", 20),
            (3, "C", 30),
            (3, "D", 40),
        ],
        &[
            (0, 1, "1", 1),
            (0, 1, "2", 2),
            (1, 2, "c", 3),
            (2, 2, "c", 3),
            (3, 2, "d", 4),
        ],
    );
    let d = dominators(&s);
    assert_eq!(d.idom, vec![0, 0, 0, 0, 3]);
    assert_eq!(d.retained, vec![100, 10, 20, 70, 40]);
}

#[test]
fn weak_edges_retain_nothing() {
    // root → A → B, and root ⇢ B weakly: A alone holds B.
    let s = read(
        &[(5, "", 0), (3, "A", 1), (3, "B", 2)],
        &[(0, 1, "1", 1), (0, 6, "w", 2), (1, 2, "b", 2)],
    );
    let d = dominators(&s);
    assert_eq!(d.idom[2], 1);
    assert_eq!(d.retained[1], 3);
}

#[test]
fn loops_and_unreachable_nodes() {
    // 1 → 2 → 3 → 1 (a loop), 1 → 4 → 3; node 5 is unreachable.
    let s = read(
        &[
            (5, "", 0),
            (3, "A", 1),
            (3, "B", 1),
            (3, "C", 1),
            (3, "D", 1),
            (3, "E", 7),
        ],
        &[
            (0, 1, "1", 1),
            (1, 2, "b", 2),
            (2, 2, "c", 3),
            (3, 2, "a", 1),
            (1, 2, "d", 4),
            (4, 2, "c", 3),
            (5, 2, "a", 1),
        ],
    );
    let d = dominators(&s);
    assert_eq!(&d.idom[1..5], &[0, 1, 1, 1]);
    assert_eq!(d.retained[1], 4);
    assert!(!d.reachable[5]);
    assert_eq!(d.retained[5], 7);
}

#[test]
fn a_class_retains_what_its_outermost_objects_retain_once() {
    // root → X → X → Y: class X retains X+X+Y, not that plus X+Y again.
    let s = read(
        &[
            (5, "", 0),
            (3, "X", 10),
            (3, "X", 10),
            (3, "Y", 5),
            (4, "f", 3),
        ],
        &[
            (0, 1, "1", 1),
            (1, 2, "x", 2),
            (2, 2, "y", 3),
            (0, 1, "2", 4),
        ],
    );
    let d = dominators(&s);
    let c = classes(&s);
    let sum = summarize(&s, &c, &d);
    let x = sum.classes["X"];
    assert_eq!((x.count, x.self_size, x.retained_size), (2, 20, 25));
    assert_eq!(sum.classes["Y"].retained_size, 5);
    assert_eq!(sum.classes["(closure)"].count, 1);
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Whether `to` is reachable from the root without passing through `skip`.
fn reaches(adj: &[Vec<usize>], skip: Option<usize>, to: usize) -> bool {
    let mut seen = vec![false; adj.len()];
    let mut stack = vec![0];
    seen[0] = true;
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        for &m in &adj[n] {
            if !seen[m] && Some(m) != skip {
                seen[m] = true;
                stack.push(m);
            }
        }
    }
    false
}

#[test]
fn random_graphs_agree_with_the_definition() {
    let mut rng = Lcg(7);
    for _ in 0..300 {
        let n = 2 + rng.next(12);
        let m = rng.next(3 * n);
        let nodes: Vec<N<'_>> = (0..n)
            .map(|i| (if i == 0 { 5 } else { 3 }, "O", 1 + i as u64))
            .collect();
        let mut edges: Vec<E<'_>> = Vec::new();
        let mut adj = vec![Vec::new(); n];
        for _ in 0..m {
            let (a, b) = (rng.next(n), rng.next(n));
            let weak = rng.next(5) == 0;
            edges.push((a, if weak { 6 } else { 2 }, "p", b));
            if !weak {
                adj[a].push(b);
            }
        }
        let s = read(&nodes, &edges);
        let d = dominators(&s);
        for v in 1..n {
            assert_eq!(d.reachable[v], reaches(&adj, None, v), "{edges:?}");
            if !d.reachable[v] {
                continue;
            }
            // The immediate dominator dominates v, and every strict
            // dominator of v dominates it too.
            let doms: Vec<usize> = (0..n)
                .filter(|&x| x != v && (x == 0 || !reaches(&adj, Some(x), v)))
                .collect();
            let idom = d.idom[v] as usize;
            assert!(
                doms.contains(&idom),
                "{edges:?}: idom({v}) = {idom}, dominators {doms:?}"
            );
            for &x in &doms {
                assert!(
                    x == 0 || x == idom || !reaches(&adj, Some(x), idom),
                    "{edges:?}"
                );
            }
            // Retained: v and everything only reachable through v.
            let expect: u64 = (0..n)
                .filter(|&u| u == v || (d.reachable[u] && !reaches(&adj, Some(v), u)))
                .map(|u| 1 + u as u64)
                .sum();
            assert_eq!(d.retained[v], expect, "{edges:?}: retained({v})");
        }
    }
}
