//! Operations: what each point of the cycle changes (a scrape adds, cleanup
//! gives back), and the pages left open.

use std::collections::BTreeMap;
use std::ops::Range;

use super::cycles::{cleanup_label_ids, Cycles};
use super::judge::rnd;
use crate::point::CyclePoint;
use crate::report::{map_of, Cleanup, LingeringUrl, Phase};
use crate::{Metric, Run};

/// At most this many lingering URLs are listed.
const MAX_LINGERING: usize = 20;

/// Mean change per metric since the previous snapshot, per label, in the
/// order labels first appear; never across a restart (`seg_starts`).
pub(crate) fn phases(run: &Run, metrics: &[Metric], seg_starts: &[u64]) -> Vec<Phase> {
    let nl = run.label_names().len();
    let mut count = vec![0usize; nl];
    let mut sums = vec![[0.0f64; Metric::COUNT]; nl];
    let mut ns = vec![[0usize; Metric::COUNT]; nl];
    let mut order: Vec<u32> = Vec::new();
    for i in 1..run.len() {
        if run.cycle(i) != run.cycle(i - 1) && seg_starts.contains(&run.cycle(i)) {
            continue;
        }
        let l = run.label_id(i) as usize;
        if count[l] == 0 {
            order.push(l as u32);
        }
        count[l] += 1;
        for &m in metrics {
            let d = run.value(m, i) - run.value(m, i - 1);
            if d.is_finite() {
                sums[l][m.index()] += d;
                ns[l][m.index()] += 1;
            }
        }
    }
    order
        .into_iter()
        .map(|l| {
            let l = l as usize;
            let mean_change = map_of(
                metrics
                    .iter()
                    .filter(|m| ns[l][m.index()] > 0)
                    .map(|m| (*m, rnd(sums[l][m.index()] / ns[l][m.index()] as f64))),
            );
            Phase {
                label: run.label_names().get(l as u32).to_string(),
                count: count[l],
                mean_change,
            }
        })
        .collect()
}

/// What a scrape adds to the heap and what cleanup (and a page recreate)
/// gives back, from the phases.
pub(crate) fn cleanup_stats(phases: &[Phase]) -> Option<Cleanup> {
    let heap = &Metric::HeapUsed;
    let at = |p: CyclePoint| phases.iter().find(|ph| CyclePoint::of(&ph.label) == p);
    let added = *at(CyclePoint::Scrape)?.mean_change.get(heap)?;
    let returned = -*at(CyclePoint::Cleanup)?.mean_change.get(heap)?;
    let recreate = at(CyclePoint::Recreate)
        .and_then(|p| p.mean_change.get(heap))
        .map(|v| rnd(-v));
    let eff = if added > 0.0 {
        returned / added * 100.0
    } else {
        100.0
    };
    Some(Cleanup {
        scrape_added: rnd(added),
        cleanup_returned: rnd(returned),
        page_recreate_returned: recreate,
        effectiveness_pct: rnd(eff),
    })
}

/// Page URLs open at the quiet point of many cycles while the page count is
/// above the pool.
pub(crate) fn lingering_urls(
    run: &Run,
    c: &Cycles,
    seg: &Range<usize>,
    pool: f64,
) -> Vec<LingeringUrl> {
    if run.url_names().is_empty() {
        return Vec::new();
    }
    let pages = &c.quiet[Metric::Pages.index()];
    let cleanup_ids = cleanup_label_ids(run);
    // url id → (first, last, cycles open beyond the pool)
    let mut seen: BTreeMap<u32, (u64, u64, usize)> = BTreeMap::new();
    for i in seg.clone() {
        if pages.get(i).partial_cmp(&pool) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let r = c.range(i);
        // The quiet snapshot of the cycle: its cleanup point, else the one with fewest pages.
        let snap = r
            .clone()
            .find(|&k| cleanup_ids.contains(&run.label_id(k)))
            .or_else(|| {
                r.clone()
                    .min_by(|&a, &b| run.page_url_ids(a).len().cmp(&run.page_url_ids(b).len()))
            });
        let Some(s) = snap else { continue };
        for &u in run.page_url_ids(s) {
            let e = seen.entry(u).or_insert((c.cycle[i], c.cycle[i], 0));
            e.1 = c.cycle[i];
            e.2 += 1;
        }
    }
    let min_open = (seg.len() / 10).clamp(3, 20);
    let mut out: Vec<LingeringUrl> = seen
        .into_iter()
        .filter(|(_, v)| v.2 >= min_open)
        .map(|(u, (f, l, n))| LingeringUrl {
            url: run.url_names().get(u).to_string(),
            first_cycle: f,
            last_cycle: l,
            cycles_open: n,
        })
        .collect();
    crate::stats::sort_small(&mut out, |a, b| {
        b.cycles_open
            .cmp(&a.cycles_open)
            .then(a.first_cycle.cmp(&b.first_cycle))
            .then(a.url.cmp(&b.url))
    });
    out.truncate(MAX_LINGERING);
    out
}
