use super::*;

fn snap(cycle: u64, label: &str, heap: f64) -> SnapshotIn<'_> {
    let mut s = SnapshotIn::new(cycle, label);
    s.set(Metric::HeapUsed, heap);
    s
}

#[test]
fn merge_sorts_and_dedups_overlapping_exports() {
    let mut a = Run::new();
    a.push(&snap(1, "Before scrape", 10.0), ["u1"]);
    a.push(&snap(1, "After scrape", 12.0), []);
    a.push(&snap(2, "Before scrape", 11.0), []);
    let mut b = Run::new();
    b.push(&snap(2, "Before scrape", 99.0), []);
    b.push(&snap(2, "After scrape", 13.0), []);
    b.push(&snap(0, "Before scrape", 9.0), []);
    let (m, dropped) = Run::merge(&[a, b]);
    assert_eq!(dropped, 1);
    assert_eq!(m.cycles(), &[0, 1, 1, 2, 2]);
    assert_eq!(m.label(3), "Before scrape");
    assert_eq!(m.value(Metric::HeapUsed, 3), 11.0);
    assert_eq!(m.page_urls(1).collect::<Vec<_>>(), vec!["u1"]);
    assert_eq!(m.cycle_ranges().len(), 3);
}

#[test]
fn metrics_lists_only_present_columns() {
    let mut r = Run::new();
    r.push(&snap(1, "x", 1.0), []);
    assert_eq!(r.metrics(), vec![Metric::HeapUsed]);
    assert!(!r.has_metric(Metric::Rss));
}
