//! Retainer paths: how the GC roots reach a leaking class's objects, the
//! shortest way (a breadth-first search from the root over the edges that
//! retain), with what holds them named as such (a Map or Set entry, an
//! event listener, a variable a closure captured, an array element, a
//! detached DOM node), and objects held the same way grouped.

use std::collections::HashMap;

use serde::Serialize;

use crate::dominators::retains;
use crate::snapshot::{EdgeKind, Snapshot};
use crate::summary::Classes;

const NONE: u32 = u32::MAX;

/// The edge by which the breadth-first search from the root first reached
/// every node (`u32::MAX` for the root and the unreachable).
pub fn shortest_tree(s: &Snapshot) -> Vec<u32> {
    let n = s.node_count();
    let mut parent = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut queue: Vec<u32> = Vec::with_capacity(n);
    seen[0] = true;
    queue.push(0);
    let mut head = 0;
    while head < queue.len() {
        let node = queue[head] as usize;
        head += 1;
        for e in s.edges(node) {
            let to = s.edge_to(e);
            if !seen[to] && retains(s, node, e) {
                seen[to] = true;
                parent[to] = e as u32;
                queue.push(to as u32);
            }
        }
    }
    parent
}

/// One link of a path: `holder` holds the next object by `edge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub holder: String,
    pub edge: String,
    pub edge_kind: &'static str,
}

/// Objects of one class held the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathGroup {
    /// How many of the objects looked at are held this way.
    pub objects: u64,
    /// What holds them, by kind: `map`, `set`, `event_listener`,
    /// `closure`, `array`, `detached_dom`, `scope` (a variable of a module
    /// or of a function still running); or, with no steps, `unrecorded`
    /// (nothing in the snapshot holds them: Bun leaves out what a Map or
    /// Set holds) and `weak` (only weak references hold them).
    pub via: Vec<&'static str>,
    /// The same, in words.
    pub notes: Vec<String>,
    /// From the GC roots to the object.
    pub steps: Vec<Step>,
    /// The path on one line.
    pub text: String,
}

/// The retainer paths of `targets` (nodes of one class), grouped, the
/// most common first; `parent` is [`shortest_tree`].
pub fn retainer_paths(
    s: &Snapshot,
    classes: &Classes,
    parent: &[u32],
    targets: &[u32],
    limit: usize,
) -> Vec<PathGroup> {
    let mut groups: HashMap<Vec<String>, (u64, usize)> = HashMap::new();
    let mut order: Vec<PathGroup> = Vec::new();
    let mut unreached = Vec::new();
    for &t in targets {
        let chain = chain(s, parent, t as usize);
        if chain.is_empty() && t != 0 {
            unreached.push(t);
            continue;
        }
        let steps: Vec<Step> = chain
            .iter()
            .filter(|e| from_node(s, parent, **e) != 0)
            .map(|&e| {
                let kind = s.edge_kind(e);
                Step {
                    holder: holder_name(s, classes, from_node(s, parent, e)),
                    edge: short(&s.edge_name(e), 80),
                    edge_kind: kind.as_str(),
                }
            })
            .collect();
        let key: Vec<String> = steps
            .iter()
            .map(|st| {
                let edge = if is_index(&st.edge) {
                    "[]"
                } else {
                    st.edge.as_str()
                };
                format!("{}\u{0}{}\u{0}{}", st.holder, st.edge_kind, edge)
            })
            .collect();
        match groups.get_mut(&key) {
            Some((n, _)) => *n += 1,
            None => {
                let (via, notes) = name_holders(s, classes, parent, &chain, t as usize);
                let mut text: Vec<String> = steps
                    .iter()
                    .map(|st| format!("{} {}", st.holder, edge_text(st)))
                    .collect();
                text.push(short(classes.name(t as usize), 80));
                groups.insert(key, (1, order.len()));
                order.push(PathGroup {
                    objects: 0,
                    via,
                    notes,
                    steps,
                    text: text.join(" → "),
                });
            }
        }
    }
    for (n, i) in groups.into_values() {
        order[i].objects = n;
    }
    order.extend(unreached_groups(s, &unreached));
    order.sort_by(|a, b| b.objects.cmp(&a.objects).then_with(|| a.text.cmp(&b.text)));
    order.truncate(limit);
    order
}

/// Objects in the snapshot that no retaining edge from the roots reaches:
/// those only weak references hold (collectable), and those nothing in the
/// snapshot holds (alive all the same: JavaScriptCore's snapshots, as Bun
/// writes them, leave out what a Map or a Set holds, and what native code
/// holds). One group each, with no steps.
fn unreached_groups(s: &Snapshot, unreached: &[u32]) -> Vec<PathGroup> {
    if unreached.is_empty() {
        return Vec::new();
    }
    let wanted: std::collections::HashSet<u32> = unreached.iter().copied().collect();
    let mut weakly = std::collections::HashSet::new();
    for node in 0..s.node_count() {
        for e in s.edges(node) {
            let to = s.edge_to(e) as u32;
            if s.edge_kind(e) == EdgeKind::Weak && wanted.contains(&to) {
                weakly.insert(to);
            }
        }
    }
    let weak = weakly.len() as u64;
    let unrecorded = unreached.len() as u64 - weak;
    let group = |objects: u64, via: &'static str, note: &str, text: &str| PathGroup {
        objects,
        via: vec![via],
        notes: vec![note.to_owned()],
        steps: Vec::new(),
        text: text.to_owned(),
    };
    let mut out = Vec::new();
    if unrecorded > 0 {
        out.push(group(
            unrecorded,
            "unrecorded",
            "nothing in the snapshot holds them, yet they are alive: what holds them is not \
             recorded (Bun's JavaScriptCore snapshots leave out the entries of a Map or a Set, \
             and what native code holds); look for a Map or Set that grows",
            "(no retainer recorded in the snapshot)",
        ));
    }
    if weak > 0 {
        out.push(group(
            weak,
            "weak",
            "held only by weak references (a WeakMap, a WeakRef, a cache): the next full \
             collection may free them",
            "(held only weakly)",
        ));
    }
    out
}

/// An element index, or a number V8 gives as a name (hash table slots).
fn is_index(edge: &str) -> bool {
    let digits = edge.trim_start_matches('[').trim_end_matches(']');
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// How a step's edge reads after its holder: `[3]`, `(variable x)`, `(table)`, `.name`.
pub fn edge_text(st: &Step) -> String {
    match st.edge_kind {
        "element" | "hidden" => st.edge.clone(),
        _ if is_index(&st.edge) => format!("[{}]", st.edge),
        "context" => format!("(variable {})", st.edge),
        "internal" => format!("({})", st.edge),
        _ => format!(".{}", st.edge),
    }
}

/// The edges from the root to `node`, root first.
fn chain(s: &Snapshot, parent: &[u32], node: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = node;
    while parent[at] != NONE && out.len() < s.node_count() {
        let e = parent[at] as usize;
        out.push(e);
        at = from_node(s, parent, e);
    }
    out.reverse();
    out
}

/// The node edge `e` starts from (the edge is some node's parent edge).
fn from_node(s: &Snapshot, parent: &[u32], e: usize) -> usize {
    let _ = parent;
    // The edge ranges are sorted: the node whose range holds `e`.
    s.first_edge.partition_point(|f| *f as usize <= e) - 1
}

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// A holder as a person reads it: the function's name for a closure, the
/// class for an object, the name V8 gives internal objects.
fn holder_name(s: &Snapshot, classes: &Classes, node: usize) -> String {
    match s.node_type(node) {
        "closure" => {
            let name = s.node_name(node);
            if name.is_empty() {
                "(anonymous function)".into()
            } else {
                short(&format!("{name}()"), 80)
            }
        }
        "object" | "native" => short(classes.name(node), 80),
        _ => {
            let name = s.node_name(node);
            if name.is_empty() {
                classes.name(node).to_owned()
            } else {
                short(name, 80)
            }
        }
    }
}

/// What holds the object along `chain`, by kind and in words.
fn name_holders(
    s: &Snapshot,
    classes: &Classes,
    parent: &[u32],
    chain: &[usize],
    target: usize,
) -> (Vec<&'static str>, Vec<String>) {
    let mut via: Vec<&'static str> = Vec::new();
    let mut notes = Vec::new();
    let mut add = |v: &'static str, note: String, via: &mut Vec<&'static str>| {
        if !via.contains(&v) {
            via.push(v);
        }
        if !notes.contains(&note) {
            notes.push(note);
        }
    };
    let held_as = |i: usize| -> String {
        if i == 0 {
            return String::new();
        }
        let e = chain[i - 1];
        match s.edge_kind(e) {
            EdgeKind::Property | EdgeKind::Context | EdgeKind::Shortcut => {
                format!(" `{}`", short(&s.edge_name(e), 60))
            }
            _ => String::new(),
        }
    };
    for (i, &e) in chain.iter().enumerate() {
        let holder = from_node(s, parent, e);
        let class = classes.name(holder);
        let name = s.edge_name(e);
        let kind = s.edge_kind(e);
        match (class, kind, name.as_ref()) {
            ("Map" | "WeakMap", _, "table") => add(
                "map",
                format!("an entry of {class}{}", held_as(i)),
                &mut via,
            ),
            ("Set" | "WeakSet", _, "table") => add(
                "set",
                format!("an entry of {class}{}", held_as(i)),
                &mut via,
            ),
            ("Array", EdgeKind::Element, _) | ("Array", EdgeKind::Internal, "elements") => add(
                "array",
                format!("an element of Array{}", held_as(i)),
                &mut via,
            ),
            (_, EdgeKind::Property, "_events") => {
                let event = chain
                    .get(i + 1)
                    .map(|e| format!(" '{}'", short(&s.edge_name(*e), 60)))
                    .unwrap_or_default();
                add(
                    "event_listener",
                    format!(
                        "an event listener{event} of {}{}",
                        short(class, 60),
                        held_as(i)
                    ),
                    &mut via,
                );
            }
            (_, _, n) if n.to_ascii_lowercase().contains("listener") => add(
                "event_listener",
                format!(
                    "an event listener (`{}` of {})",
                    short(n, 60),
                    short(class, 60)
                ),
                &mut via,
            ),
            (_, EdgeKind::Internal, "context") if s.node_type(holder) == "closure" => {
                let function = holder_name(s, classes, holder);
                let note = match chain.get(i + 1) {
                    Some(next) if s.edge_kind(*next) == EdgeKind::Context => format!(
                        "variable `{}` captured by closure {function}",
                        short(&s.edge_name(*next), 60)
                    ),
                    _ => format!("captured by closure {function}"),
                };
                add("closure", note, &mut via);
            }
            (_, EdgeKind::Context, var) => {
                let captured = i > 0
                    && s.node_type(from_node(s, parent, chain[i - 1])) == "closure"
                    && s.edge_name(chain[i - 1]) == "context";
                if !captured {
                    notes_scope(&mut add, &mut via, var);
                }
            }
            _ => {}
        }
    }
    fn notes_scope(
        add: &mut impl FnMut(&'static str, String, &mut Vec<&'static str>),
        via: &mut Vec<&'static str>,
        var: &str,
    ) {
        add(
            "scope",
            format!(
                "variable `{}` of a module or function scope",
                short(var, 60)
            ),
            via,
        );
    }
    let nodes = chain.iter().map(|e| s.edge_to(*e)).chain([target]);
    for n in nodes {
        if s.is_detached(n) {
            add(
                "detached_dom",
                format!("detached DOM node {}", short(s.node_name(n), 60)),
                &mut via,
            );
        }
    }
    (via, notes)
}
