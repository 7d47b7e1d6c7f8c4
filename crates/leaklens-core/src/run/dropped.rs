//! What merging dropped (see [`Dropped`]).

/// Duplicates dropped by [`Run::merge_reporting`]: snapshots of a (cycle,
/// label) already kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dropped {
    pub count: usize,
    /// Of them, those whose values differ from the snapshot kept.
    pub disagreeing: usize,
    /// The first of those, in words (cycle, label, metric, both values).
    pub first_disagreement: Option<String>,
}

impl Dropped {
    /// The warning that says what was dropped (`context`: "" or " while
    /// merging the files"), or None.
    pub fn message(&self, context: &str) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let s = if self.count == 1 { "" } else { "s" };
        let mut m = format!(
            "{} duplicate snapshot{s} (same cycle and label) dropped{context}",
            self.count
        );
        if self.disagreeing > 0 {
            m.push_str(&format!(
                "; {} of them disagreed with the snapshot kept (first: {}): \
                 two processes writing one file, or a counter that restarted?",
                self.disagreeing,
                self.first_disagreement.as_deref().unwrap_or("")
            ));
        }
        Some(m)
    }
}
