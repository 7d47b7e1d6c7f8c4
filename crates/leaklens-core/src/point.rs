//! The point of a work cycle a snapshot's label names: one rule, used by
//! the analysis (the quiet point of a cycle, what a scrape adds and what
//! cleanup gives back) and by the charts (a marker per point).

/// Where in the cycle a snapshot was taken, from its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CyclePoint {
    /// `Before …`: the start of the cycle's work (also "Before cleanup").
    Before,
    /// `After scrape`, or any label naming the scrape.
    Scrape,
    /// `After cleanup`: the cycle's quiet point.
    Cleanup,
    /// `After page recreate`.
    Recreate,
    Other,
}

impl CyclePoint {
    pub const ALL: [CyclePoint; 5] = [
        CyclePoint::Before,
        CyclePoint::Scrape,
        CyclePoint::Cleanup,
        CyclePoint::Recreate,
        CyclePoint::Other,
    ];

    /// The point a label names. A label that starts with "before" is the
    /// start of something, whatever follows ("Before cleanup" is not the
    /// quiet point); then "recreate", "cleanup", "scrape", in that order.
    pub fn of(label: &str) -> CyclePoint {
        let has = |word: &str| {
            label
                .as_bytes()
                .windows(word.len())
                .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
        };
        let starts_before = label
            .trim_start()
            .as_bytes()
            .get(..6)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"before"));
        if starts_before {
            CyclePoint::Before
        } else if has("recreate") {
            CyclePoint::Recreate
        } else if has("cleanup") {
            CyclePoint::Cleanup
        } else if has("scrape") {
            CyclePoint::Scrape
        } else {
            CyclePoint::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CyclePoint::Before => "before",
            CyclePoint::Scrape => "scrape",
            CyclePoint::Cleanup => "cleanup",
            CyclePoint::Recreate => "recreate",
            CyclePoint::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_points() {
        assert_eq!(CyclePoint::of("Before scrape"), CyclePoint::Before);
        assert_eq!(CyclePoint::of("Before cleanup"), CyclePoint::Before);
        assert_eq!(CyclePoint::of("After scrape"), CyclePoint::Scrape);
        assert_eq!(CyclePoint::of("after CLEANUP"), CyclePoint::Cleanup);
        assert_eq!(CyclePoint::of("After page recreate"), CyclePoint::Recreate);
        assert_eq!(CyclePoint::of("idle"), CyclePoint::Other);
        assert_eq!(CyclePoint::of("é before"), CyclePoint::Other);
    }
}
