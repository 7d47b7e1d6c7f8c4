//! `snapshot.meta`: where each node and edge field sits, read from the file
//! (never assumed), and what the type numbers mean.

use serde::Deserialize;

use crate::snapshot::EdgeKind;

#[derive(Deserialize)]
struct Header {
    meta: Meta,
    #[serde(default)]
    node_count: Option<u64>,
    #[serde(default)]
    edge_count: Option<u64>,
}

#[derive(Deserialize)]
struct Meta {
    node_fields: Vec<String>,
    node_types: Vec<serde_json::Value>,
    edge_fields: Vec<String>,
    edge_types: Vec<serde_json::Value>,
}

/// Where a value of the `nodes` array goes, by its position in a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeSlot {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    Detachedness,
    Ignored,
}

/// Where a value of the `edges` array goes, by its position in an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeSlot {
    Type,
    NameOrIndex,
    ToNode,
    Ignored,
}

/// The field layout of one file.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub node_slots: Vec<NodeSlot>,
    pub edge_slots: Vec<EdgeSlot>,
    pub node_type_names: Vec<String>,
    pub edge_kinds: Vec<EdgeKind>,
    /// What the header says (a reservation hint, never trusted further).
    pub node_count: Option<u64>,
    pub edge_count: Option<u64>,
}

/// Reads the `snapshot` object's bytes into a layout, or says what is
/// missing.
pub(crate) fn layout(bytes: &[u8]) -> Result<Layout, String> {
    let h: Header = serde_json::from_slice(bytes)
        .map_err(|e| format!("snapshot.meta is not what a V8 heap snapshot has: {e}"))?;
    let m = h.meta;
    let node_slots: Vec<NodeSlot> = m
        .node_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => NodeSlot::Type,
            "name" => NodeSlot::Name,
            "id" => NodeSlot::Id,
            "self_size" => NodeSlot::SelfSize,
            "edge_count" => NodeSlot::EdgeCount,
            "detachedness" => NodeSlot::Detachedness,
            _ => NodeSlot::Ignored,
        })
        .collect();
    let edge_slots: Vec<EdgeSlot> = m
        .edge_fields
        .iter()
        .map(|f| match f.as_str() {
            "type" => EdgeSlot::Type,
            "name_or_index" => EdgeSlot::NameOrIndex,
            "to_node" => EdgeSlot::ToNode,
            _ => EdgeSlot::Ignored,
        })
        .collect();
    for (slot, name) in [
        (NodeSlot::Type, "type"),
        (NodeSlot::Name, "name"),
        (NodeSlot::Id, "id"),
        (NodeSlot::SelfSize, "self_size"),
        (NodeSlot::EdgeCount, "edge_count"),
    ] {
        if node_slots.iter().filter(|s| **s == slot).count() != 1 {
            return Err(format!("snapshot.meta.node_fields must name `{name}` once"));
        }
    }
    for (slot, name) in [
        (EdgeSlot::Type, "type"),
        (EdgeSlot::NameOrIndex, "name_or_index"),
        (EdgeSlot::ToNode, "to_node"),
    ] {
        if edge_slots.iter().filter(|s| **s == slot).count() != 1 {
            return Err(format!("snapshot.meta.edge_fields must name `{name}` once"));
        }
    }
    let type_at = |slots_pos: usize, types: &[serde_json::Value], what: &str| {
        types
            .get(slots_pos)
            .and_then(|v| v.as_array())
            .and_then(|a| {
                a.iter()
                    .map(|s| s.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
            })
            .filter(|names| names.len() <= 256)
            .ok_or_else(|| {
                format!("snapshot.meta.{what}: the `type` entry must list the type names")
            })
    };
    let node_type_pos = node_slots
        .iter()
        .position(|s| *s == NodeSlot::Type)
        .unwrap_or(0);
    let edge_type_pos = edge_slots
        .iter()
        .position(|s| *s == EdgeSlot::Type)
        .unwrap_or(0);
    let node_type_names = type_at(node_type_pos, &m.node_types, "node_types")?;
    let edge_kinds = type_at(edge_type_pos, &m.edge_types, "edge_types")?
        .iter()
        .map(|s| EdgeKind::from_name(s))
        .collect();
    Ok(Layout {
        node_slots,
        edge_slots,
        node_type_names,
        edge_kinds,
        node_count: h.node_count,
        edge_count: h.edge_count,
    })
}
