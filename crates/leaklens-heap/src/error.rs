//! What can be wrong with a heap snapshot, and where.

/// A heap snapshot that cannot be read: what is wrong and where (a byte
/// offset into the file, or the node or edge that is inconsistent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeapError {
    /// A byte that JSON, or the snapshot's shape, does not allow there.
    #[error("{source_name}: unexpected {found} at byte {offset} ({context}): not a V8 heap snapshot, or a damaged one")]
    Unexpected {
        source_name: String,
        offset: u64,
        found: String,
        context: &'static str,
    },
    /// The file ends before the snapshot does.
    #[error("{source_name}: the file ends at byte {offset} inside {context}: a snapshot cut off (still being written, or copied in part)")]
    Truncated {
        source_name: String,
        offset: u64,
        context: &'static str,
    },
    /// A value that is well-formed JSON but wrong for a snapshot.
    #[error("{source_name}: {what} at byte {offset}")]
    BadValue {
        source_name: String,
        offset: u64,
        what: String,
    },
    /// `snapshot.meta` is missing or does not describe the fields leaklens needs.
    #[error("{source_name}: {what}")]
    BadMeta { source_name: String, what: String },
    /// The nodes, edges and strings do not fit together.
    #[error("{source_name}: {what}")]
    Inconsistent { source_name: String, what: String },
}
