//! Small multiples: which panels a chart shows. Pure logic, tested
//! natively.

use leaklens_chart::ChartKind;
use leaklens_core::Metric;

/// A panel: the kind of chart it is drawn as and the series it holds.
pub type Panel = (ChartKind, &'static [Metric]);

/// The panels of the memory chart in panel mode, one per scale: the heap,
/// the process's RSS, V8's memory outside the heap, the browser's memory,
/// and the browser's pages and contexts (counts). A 3.7 GB RSS no longer
/// flattens a 60 MB heap.
pub const GROUPS: [Panel; 5] = [
    (ChartKind::Memory, &[Metric::HeapUsed, Metric::HeapTotal]),
    (ChartKind::Memory, &[Metric::Rss]),
    (ChartKind::Memory, &[Metric::External, Metric::ArrayBuffers]),
    (ChartKind::Memory, &[Metric::BrowserMemory]),
    (ChartKind::Browser, &[Metric::Pages, Metric::Contexts]),
];

/// The panels the chart of `kind` shows: itself alone; in panel mode the
/// memory chart shows every group the run has a series of, and the
/// browser chart nothing (its series are the memory chart's last panel).
pub fn panels(kind: ChartKind, on: bool, has: impl Fn(Metric) -> bool) -> Vec<Panel> {
    match (on, kind) {
        (false, _) => vec![(kind, kind.metrics())],
        (true, ChartKind::Browser) => Vec::new(),
        (true, ChartKind::Memory) => GROUPS
            .into_iter()
            .filter(|g| g.1.iter().any(|&m| has(m)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_is_in_one_panel_and_panels_follow_the_run() {
        let all = |_| true;
        let memory = panels(ChartKind::Memory, true, all);
        assert_eq!(memory.len(), 5);
        let mut seen: Vec<Metric> = memory.iter().flat_map(|p| p.1.iter().copied()).collect();
        assert_eq!(seen.len(), Metric::ALL.len());
        seen.sort_by_key(|m| m.key());
        seen.dedup();
        assert_eq!(seen.len(), Metric::ALL.len(), "no series in two panels");
        // Each panel holds series of its chart's kind.
        assert!(memory
            .iter()
            .all(|(k, ms)| ms.iter().all(|&m| k.accepts(m))));
        assert!(panels(ChartKind::Browser, true, all).is_empty());
        // A run without browser data: heap, RSS and external only.
        let node =
            |m: Metric| !matches!(m, Metric::BrowserMemory | Metric::Pages | Metric::Contexts);
        let kinds: Vec<&[Metric]> = panels(ChartKind::Memory, true, node)
            .iter()
            .map(|p| p.1)
            .collect();
        assert_eq!(kinds, [GROUPS[0].1, GROUPS[1].1, GROUPS[2].1]);
        // Off: each chart as it was, all its series on one axis.
        assert_eq!(
            panels(ChartKind::Memory, false, node),
            [(ChartKind::Memory, ChartKind::Memory.metrics())]
        );
        assert_eq!(
            panels(ChartKind::Browser, false, all),
            [(ChartKind::Browser, ChartKind::Browser.metrics())]
        );
    }
}
