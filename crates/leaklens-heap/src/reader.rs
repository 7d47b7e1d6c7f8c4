//! The streaming reader of a V8 `.heapsnapshot`: bytes go in as they arrive
//! ([`Reader::push`]), the [`Snapshot`] comes out at the end
//! ([`Reader::finish`]).
//!
//! The file is one JSON object, `{"snapshot": {"meta": …}, "nodes": [...],
//! "edges": [...], …, "strings": [...]}`. The reader is a small state
//! machine over its bytes: `snapshot` (a few kilobytes) is kept and read
//! with serde; the numbers of `nodes` and `edges` go straight into one
//! column per field as they are read (the field layout comes from `meta`);
//! the strings are decoded into one buffer; everything else
//! (`trace_tree`, `samples`, `locations`…) is skipped unread. A piece can
//! end anywhere, inside a number, a string or an escape. Nothing is ever
//! a JSON tree, so memory is the columns plus the piece being read.
//!
//! Sans-IO: the caller reads (a file, a pipe, a browser `Blob`) and shows
//! progress ([`Reader::bytes_read`]). Bad input is a [`HeapError`] with the
//! byte offset where it was found, never a panic.

use crate::error::HeapError;
use crate::meta::{self, EdgeSlot, Layout, NodeSlot};
use crate::snapshot::Snapshot;

mod build;
mod skip;
mod strings;

/// The largest `snapshot` header kept (V8's is about 1 KB).
const MAX_HEADER_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the top-level `{`.
    Start,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    NextKey,
    /// Inside a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// Before a value (whitespace allowed), dispatched on the key.
    Value,
    /// After a value: `,` or `}`.
    AfterValue,
    /// Skipping (or, for `snapshot`, keeping) a value.
    Skip,
    /// In `nodes` or `edges`.
    Numbers,
    /// In `strings`.
    Strings,
    /// After the top-level `}`.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Snapshot,
    Nodes,
    Edges,
    Strings,
    Other,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Snapshot => "snapshot",
            Section::Nodes => "nodes",
            Section::Edges => "edges",
            Section::Strings => "strings",
            Section::Other => "a value",
        }
    }
}

/// Where a number array stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    /// Before `[`.
    Open,
    /// After `[`: a number or `]`.
    First,
    /// After `,`: a number.
    Need,
    /// Inside a number.
    In,
    /// After a number: `,` or `]`.
    After,
}

/// An incremental reading of one heap snapshot: [`push`](Reader::push) its
/// bytes in order, then [`finish`](Reader::finish).
pub struct Reader {
    name: String,
    /// Bytes pushed before the current piece.
    offset: u64,
    size_hint: Option<u64>,
    state: State,
    section: Section,
    seen: [bool; 4],
    key: Vec<u8>,
    key_escape: bool,
    skip: skip::Skip,
    header: Vec<u8>,
    layout: Option<Layout>,
    num: Num,
    value: u64,
    /// The field of the node or edge the next number is.
    field: usize,
    strings: strings::Decoder,
    snap: Snapshot,
    /// `edge_count` of every node, made prefix sums at the end.
    edge_counts: Vec<u32>,
    error: Option<HeapError>,
}

impl Reader {
    /// A reading of the file called `name` (the name in errors).
    pub fn new(name: &str) -> Self {
        Reader {
            name: name.to_owned(),
            offset: 0,
            size_hint: None,
            state: State::Start,
            section: Section::Other,
            seen: [false; 4],
            key: Vec::new(),
            key_escape: false,
            skip: skip::Skip::default(),
            header: Vec::new(),
            layout: None,
            num: Num::Open,
            value: 0,
            field: 0,
            strings: strings::Decoder::default(),
            snap: Snapshot::default(),
            edge_counts: Vec::new(),
            error: None,
        }
    }

    /// [`new`](Reader::new), for a file of `bytes` bytes: the columns are
    /// reserved once at their final size (when the header's counts fit the
    /// file), so they never grow by doubling.
    pub fn with_size_hint(name: &str, bytes: u64) -> Self {
        let mut r = Reader::new(name);
        r.size_hint = Some(bytes);
        r
    }

    /// Bytes pushed so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }

    /// Whether the file was found bad already (the rest need not be read).
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Reads the next piece of the file. After an error, every later push
    /// is ignored and [`finish`](Reader::finish) returns the error.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.read(bytes) {
            self.error = Some(e);
        }
        self.offset += bytes.len() as u64;
    }

    /// The snapshot, or what is wrong with the file.
    pub fn finish(mut self) -> Result<Snapshot, HeapError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.state != State::Done {
            let context = match self.state {
                State::Start => "the file, before anything",
                State::Numbers | State::Strings | State::Skip => self.section.name(),
                _ => "the top-level object",
            };
            return Err(HeapError::Truncated {
                source_name: self.name,
                offset: self.offset,
                context,
            });
        }
        build::snapshot(self)
    }

    fn unexpected(&self, at: usize, c: u8, context: &'static str) -> HeapError {
        let found = if c.is_ascii_graphic() {
            format!("'{}'", c as char)
        } else {
            format!("byte 0x{c:02x}")
        };
        HeapError::Unexpected {
            source_name: self.name.clone(),
            offset: self.offset + at as u64,
            found,
            context,
        }
    }

    fn bad_value(&self, at: usize, what: String) -> HeapError {
        HeapError::BadValue {
            source_name: self.name.clone(),
            offset: self.offset + at as u64,
            what,
        }
    }

    fn read(&mut self, b: &[u8]) -> Result<(), HeapError> {
        let mut i = 0;
        while i < b.len() {
            i = match self.state {
                State::Numbers => self.numbers(b, i)?,
                State::Strings => self.read_strings(b, i)?,
                State::Skip => self.skip_value(b, i)?,
                State::Key => self.key_bytes(b, i),
                _ => self.structure(b, i)?,
            };
        }
        Ok(())
    }

    /// One byte of the top-level object's structure.
    fn structure(&mut self, b: &[u8], i: usize) -> Result<usize, HeapError> {
        let c = b[i];
        if is_ws(c) {
            return Ok(i + 1);
        }
        // A byte order mark at the very start.
        if self.state == State::Start
            && self.offset + i as u64 == 0
            && b.starts_with(b"\xEF\xBB\xBF")
        {
            return Ok(i + 3);
        }
        match (self.state, c) {
            (State::Start, b'{') => self.state = State::FirstKey,
            (State::Start, _) => {
                return Err(self.unexpected(i, c, "a heap snapshot starts with '{'"))
            }
            (State::FirstKey, b'}') | (State::AfterValue, b'}') => self.state = State::Done,
            (State::FirstKey | State::NextKey, b'"') => {
                self.key.clear();
                self.key_escape = false;
                self.state = State::Key;
            }
            (State::FirstKey | State::NextKey, _) => {
                return Err(self.unexpected(i, c, "expected a key of the top-level object"))
            }
            (State::Colon, b':') => self.state = State::Value,
            (State::Colon, _) => return Err(self.unexpected(i, c, "expected ':' after a key")),
            (State::Value, _) => {
                self.start_value(i)?;
                return Ok(i);
            }
            (State::AfterValue, b',') => self.state = State::NextKey,
            (State::AfterValue, _) => {
                return Err(self.unexpected(i, c, "expected ',' or '}' after a top-level value"))
            }
            (State::Done, _) => {
                return Err(self.unexpected(i, c, "data after the end of the snapshot"))
            }
            _ => return Err(self.unexpected(i, c, "the top-level object")),
        }
        Ok(i + 1)
    }

    fn key_bytes(&mut self, b: &[u8], mut i: usize) -> usize {
        while i < b.len() {
            let c = b[i];
            i += 1;
            if self.key_escape {
                self.key_escape = false;
            } else if c == b'\\' {
                self.key_escape = true;
            } else if c == b'"' {
                self.state = State::Colon;
                return i;
            }
            if self.key.len() < 64 {
                self.key.push(c);
            }
        }
        i
    }

    /// The first byte of a top-level value: which section it is.
    fn start_value(&mut self, i: usize) -> Result<(), HeapError> {
        self.section = match self.key.as_slice() {
            b"snapshot" => Section::Snapshot,
            b"nodes" => Section::Nodes,
            b"edges" => Section::Edges,
            b"strings" => Section::Strings,
            _ => Section::Other,
        };
        let slot = match self.section {
            Section::Snapshot => Some(0),
            Section::Nodes => Some(1),
            Section::Edges => Some(2),
            Section::Strings => Some(3),
            Section::Other => None,
        };
        if let Some(s) = slot {
            if self.seen[s] {
                return Err(self.bad_value(i, format!("a second `{}`", self.section.name())));
            }
            self.seen[s] = true;
        }
        match self.section {
            Section::Nodes | Section::Edges => {
                if self.layout.is_none() {
                    return Err(self.bad_value(
                        i,
                        format!(
                            "`{}` before `snapshot.meta`, which says what its numbers are",
                            self.section.name()
                        ),
                    ));
                }
                self.reserve();
                self.num = Num::Open;
                self.field = 0;
                self.state = State::Numbers;
            }
            Section::Strings => {
                self.strings = strings::Decoder::default();
                self.state = State::Strings;
            }
            Section::Snapshot | Section::Other => {
                self.skip = skip::Skip::default();
                self.header.clear();
                self.state = State::Skip;
            }
        }
        Ok(())
    }

    /// Reserves the section's columns once, at the header's counts when
    /// the file is big enough to hold them (a hostile header cannot make
    /// the reader allocate more than the file could fill).
    fn reserve(&mut self) {
        let Some(l) = &self.layout else { return };
        let (stride, declared) = match self.section {
            Section::Nodes => (l.node_slots.len(), l.node_count),
            _ => (l.edge_slots.len(), l.edge_count),
        };
        let most = self.size_hint.unwrap_or(1 << 20) / (2 * stride.max(1) as u64);
        let n = declared.unwrap_or(0).min(most) as usize;
        let s = &mut self.snap;
        if self.section == Section::Nodes {
            s.node_type.reserve_exact(n);
            s.node_name.reserve_exact(n);
            s.node_id.reserve_exact(n);
            s.node_self.reserve_exact(n);
            self.edge_counts.reserve_exact(n);
            if l.node_slots.contains(&NodeSlot::Detachedness) {
                s.detachedness.reserve_exact(n);
            }
        } else {
            s.edge_type.reserve_exact(n);
            s.edge_name.reserve_exact(n);
            s.edge_to.reserve_exact(n);
        }
    }

    /// The numbers of `nodes` or `edges`, into their columns.
    fn numbers(&mut self, b: &[u8], mut i: usize) -> Result<usize, HeapError> {
        let mut num = self.num;
        let mut v = self.value;
        while i < b.len() {
            let c = b[i];
            match num {
                Num::In => {
                    if c.is_ascii_digit() {
                        v = match v
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(c - b'0')))
                        {
                            Some(v) => v,
                            None => {
                                return Err(self.bad_value(
                                    i,
                                    format!("a number too large in `{}`", self.section.name()),
                                ))
                            }
                        };
                        i += 1;
                        continue;
                    }
                    self.put(v, i)?;
                    v = 0;
                    num = Num::After;
                    continue;
                }
                Num::After => match c {
                    b',' => num = Num::Need,
                    b']' => {
                        if self.field != 0 {
                            let (fields, what) = match &self.layout {
                                Some(l) if self.section == Section::Nodes => {
                                    (l.node_slots.len(), "node")
                                }
                                Some(l) => (l.edge_slots.len(), "edge"),
                                None => (0, "record"),
                            };
                            return Err(self.bad_value(
                                i,
                                format!(
                                    "`{}` ends inside a {what}: its length is not a multiple of the {fields} {what} fields",
                                    self.section.name()
                                ),
                            ));
                        }
                        self.state = State::AfterValue;
                        self.num = Num::Open;
                        return Ok(i + 1);
                    }
                    _ if is_ws(c) => {}
                    _ => return Err(self.unexpected(i, c, self.num_context())),
                },
                Num::First | Num::Need => {
                    if c.is_ascii_digit() {
                        v = u64::from(c - b'0');
                        num = Num::In;
                    } else if c == b']' && num == Num::First {
                        self.state = State::AfterValue;
                        return Ok(i + 1);
                    } else if !is_ws(c) {
                        return Err(self.unexpected(i, c, self.num_context()));
                    }
                }
                Num::Open => {
                    if c == b'[' {
                        num = Num::First;
                    } else if !is_ws(c) {
                        return Err(self.unexpected(i, c, self.num_context()));
                    }
                }
            }
            i += 1;
        }
        self.num = num;
        self.value = v;
        Ok(i)
    }

    fn num_context(&self) -> &'static str {
        if self.section == Section::Nodes {
            "in `nodes`, an array of non-negative integers"
        } else {
            "in `edges`, an array of non-negative integers"
        }
    }

    /// One number of a node or an edge into its column.
    fn put(&mut self, v: u64, at: usize) -> Result<(), HeapError> {
        let Some(l) = &self.layout else { return Ok(()) };
        let small = |v: u64, what: &str| {
            u32::try_from(v).map_err(|_| format!("{what} {v} is out of range"))
        };
        let r: Result<(), String> = if self.section == Section::Nodes {
            let slot = l.node_slots[self.field];
            self.field = if self.field + 1 == l.node_slots.len() {
                0
            } else {
                self.field + 1
            };
            let s = &mut self.snap;
            match slot {
                NodeSlot::Type => match u8::try_from(v)
                    .ok()
                    .filter(|t| (*t as usize) < l.node_type_names.len())
                {
                    Some(t) => {
                        s.node_type.push(t);
                        Ok(())
                    }
                    None => Err(format!("node type {v} is not in snapshot.meta.node_types")),
                },
                NodeSlot::Name => small(v, "a node name index").map(|v| s.node_name.push(v)),
                NodeSlot::Id => {
                    s.node_id.push(v);
                    Ok(())
                }
                NodeSlot::SelfSize => {
                    s.node_self.push(v);
                    Ok(())
                }
                NodeSlot::EdgeCount => small(v, "an edge count").map(|v| self.edge_counts.push(v)),
                NodeSlot::Detachedness => {
                    s.detachedness.push(v.min(255) as u8);
                    Ok(())
                }
                NodeSlot::Ignored => Ok(()),
            }
        } else {
            let slot = l.edge_slots[self.field];
            self.field = if self.field + 1 == l.edge_slots.len() {
                0
            } else {
                self.field + 1
            };
            let s = &mut self.snap;
            match slot {
                EdgeSlot::Type => match u8::try_from(v)
                    .ok()
                    .filter(|t| (*t as usize) < l.edge_kinds.len())
                {
                    Some(t) => {
                        s.edge_type.push(t);
                        Ok(())
                    }
                    None => Err(format!("edge type {v} is not in snapshot.meta.edge_types")),
                },
                EdgeSlot::NameOrIndex => {
                    small(v, "an edge name or index").map(|v| s.edge_name.push(v))
                }
                EdgeSlot::ToNode => small(v, "an edge's to_node").map(|v| s.edge_to.push(v)),
                EdgeSlot::Ignored => Ok(()),
            }
        };
        r.map_err(|what| self.bad_value(at, what))
    }

    /// The `snapshot` header is read whole when its value ends.
    fn header_done(&mut self, at: usize) -> Result<(), HeapError> {
        let layout = meta::layout(&self.header).map_err(|what| self.bad_value(at, what))?;
        self.layout = Some(layout);
        self.header = Vec::new();
        Ok(())
    }
}

pub(crate) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}
