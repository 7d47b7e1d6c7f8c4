//! One heap snapshot, column-wise: a column per node field and per edge
//! field, the strings once in one buffer.

/// What an edge means, from `snapshot.meta.edge_types[0]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// A variable a closure's context holds (`name` is the variable).
    Context,
    /// An array element, or an entry of a hash table (`name` is the index).
    Element,
    /// A named property.
    Property,
    /// A V8-internal reference with a name (`map`, `table`, `context`…).
    Internal,
    /// A V8-internal reference without a name (`name` is an index).
    Hidden,
    /// A shortcut the snapshot adds (the root to the global objects).
    Shortcut,
    /// A weak reference: it retains nothing.
    Weak,
    /// A type this version of leaklens does not know.
    Other,
}

impl EdgeKind {
    pub(crate) fn from_name(s: &str) -> EdgeKind {
        match s {
            "context" => EdgeKind::Context,
            "element" => EdgeKind::Element,
            "property" => EdgeKind::Property,
            "internal" => EdgeKind::Internal,
            "hidden" => EdgeKind::Hidden,
            "shortcut" => EdgeKind::Shortcut,
            "weak" => EdgeKind::Weak,
            _ => EdgeKind::Other,
        }
    }

    /// Whether the edge's `name_or_index` is a number rather than a string.
    pub fn is_indexed(self) -> bool {
        matches!(self, EdgeKind::Element | EdgeKind::Hidden)
    }

    /// The kind as the snapshot names it.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Context => "context",
            EdgeKind::Element => "element",
            EdgeKind::Property => "property",
            EdgeKind::Internal => "internal",
            EdgeKind::Hidden => "hidden",
            EdgeKind::Shortcut => "shortcut",
            EdgeKind::Weak => "weak",
            EdgeKind::Other => "other",
        }
    }
}

/// The strings of a snapshot, stored once, in order.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    text: String,
    ends: Vec<usize>,
}

impl Strings {
    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i` ("" past the end).
    pub fn get(&self, i: usize) -> &str {
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }
}

/// A heap snapshot: nodes `0..node_count()`, node 0 the synthetic root;
/// node `n`'s edges are `first_edge(n)..first_edge(n + 1)`.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub(crate) node_type_names: Vec<String>,
    pub(crate) edge_kinds: Vec<EdgeKind>,
    pub(crate) node_type: Vec<u8>,
    pub(crate) node_name: Vec<u32>,
    pub(crate) node_id: Vec<u64>,
    pub(crate) node_self: Vec<u64>,
    /// Prefix sums of the nodes' `edge_count`: `node_count + 1` entries.
    pub(crate) first_edge: Vec<u32>,
    /// V8's `detachedness` (2: a detached DOM node), when the file has it.
    pub(crate) detachedness: Vec<u8>,
    pub(crate) edge_type: Vec<u8>,
    pub(crate) edge_name: Vec<u32>,
    /// The node an edge points to (an index of a node, not of the array).
    pub(crate) edge_to: Vec<u32>,
    pub(crate) strings: Strings,
}

/// A node's type, as the snapshot's `node_types` list names it.
pub type NodeType<'a> = &'a str;

impl Snapshot {
    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edge_to.len()
    }

    pub fn strings(&self) -> &Strings {
        &self.strings
    }

    /// Node `n`'s type name (`object`, `closure`, `string`…).
    pub fn node_type(&self, n: usize) -> NodeType<'_> {
        self.node_type_names
            .get(self.node_type[n] as usize)
            .map_or("", String::as_str)
    }

    pub fn node_name(&self, n: usize) -> &str {
        self.strings.get(self.node_name[n] as usize)
    }

    pub fn node_id(&self, n: usize) -> u64 {
        self.node_id[n]
    }

    pub fn self_size(&self, n: usize) -> u64 {
        self.node_self[n]
    }

    /// Whether node `n` is a DOM node detached from its document.
    pub fn is_detached(&self, n: usize) -> bool {
        self.detachedness.get(n) == Some(&2)
    }

    /// The edges of node `n`, as a range of edge indices.
    pub fn edges(&self, n: usize) -> std::ops::Range<usize> {
        self.first_edge[n] as usize..self.first_edge[n + 1] as usize
    }

    pub fn edge_kind(&self, e: usize) -> EdgeKind {
        self.edge_kinds
            .get(self.edge_type[e] as usize)
            .copied()
            .unwrap_or(EdgeKind::Other)
    }

    pub fn edge_to(&self, e: usize) -> usize {
        self.edge_to[e] as usize
    }

    /// An edge's name: a property or variable name, or `[i]` for an
    /// element or hidden reference.
    pub fn edge_name(&self, e: usize) -> std::borrow::Cow<'_, str> {
        let raw = self.edge_name[e];
        if self.edge_kind(e).is_indexed() {
            std::borrow::Cow::Owned(format!("[{raw}]"))
        } else {
            std::borrow::Cow::Borrowed(self.strings.get(raw as usize))
        }
    }

    /// The raw `name_or_index` of edge `e`.
    pub fn edge_name_raw(&self, e: usize) -> u32 {
        self.edge_name[e]
    }

    /// The constructor (class) a node is counted under, as DevTools names
    /// it: the name for objects and native objects (`Detached …` for a
    /// detached DOM node), `(closure)`, `(array)`, `(string)` (every kind
    /// of string), `(compiled code)`, `(system)` for hidden nodes, and the
    /// type in parentheses for the rest.
    pub fn class_name(&self, n: usize) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self.node_type(n) {
            "object" => Cow::Borrowed(self.node_name(n)),
            "native" if self.is_detached(n) => {
                Cow::Owned(format!("Detached {}", self.node_name(n)))
            }
            "native" => Cow::Borrowed(self.node_name(n)),
            "hidden" => Cow::Borrowed("(system)"),
            "code" => Cow::Borrowed("(compiled code)"),
            "string" | "concatenated string" | "sliced string" => Cow::Borrowed("(string)"),
            t => Cow::Owned(format!("({t})")),
        }
    }

    /// Bytes this snapshot holds in memory (its columns and strings).
    pub fn heap_bytes(&self) -> usize {
        self.node_type.capacity()
            + self.node_name.capacity() * 4
            + self.node_id.capacity() * 8
            + self.node_self.capacity() * 8
            + self.first_edge.capacity() * 4
            + self.detachedness.capacity()
            + self.edge_type.capacity()
            + self.edge_name.capacity() * 4
            + self.edge_to.capacity() * 4
            + self.strings.heap_bytes()
    }
}
