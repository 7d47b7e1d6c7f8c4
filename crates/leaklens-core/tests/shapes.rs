//! Series shapes the envelope and the model selection once got wrong, each
//! built here from a few lines of arithmetic (not the accuracy generator),
//! so a change that breaks them shows up as a plain test failure:
//!
//! - a steady leak whose noise makes only a few dips: the dips are not GC
//!   teeth, every point is a retained level (it was judged on 3–5 points and
//!   called `no_leak`);
//! - a worker restarted by its supervisor at a memory limit, its counter
//!   starting again, RSS far from halving: each process is judged apart (it
//!   was judged as one sawtooth and called `no_leak`);
//! - a cache that fills while RSS keeps its high-water mark in steps, then
//!   both hold: stairs that ended are no leak;
//! - RSS that follows V8's reserved heap (heapTotal, which only grows) while
//!   the live heap holds: no leak by itself;
//! - a steady leak behind a fast warm-up: the line through the whole run
//!   misses the warm-up and its streaky residuals discounted the evidence
//!   away (`inconclusive`); the recent half now decides, where a cache still
//!   filling bends and a leak does not;
//! - a fast leak with rare major collections, and RSS that hands back a few
//!   MB now and then: judged on their 4-5 troughs alone, both were called
//!   `no_leak`; when troughs are too few and the collections give back
//!   little of the series' range, every point is the retained level;
//! - pages left open at random cycles, their pace slowing: a ramp that
//!   levels off fits the count as well as a line, but a count that still
//!   steps up in every quarter of the run is no pool filling up;
//! - a leak under a big, irregular sawtooth: the whole run rises, the recent
//!   half's few noisy troughs do not show it; "still rising, undecided"
//!   (when a growing model fits the run best), not `no_leak`;
//! - a fast leak collected only a few times: its handful of troughs cannot
//!   reach α, and that is no evidence of a bounded heap: "still rising,
//!   undecided" while the test leans to a rise, not `no_leak`; but such a
//!   heap is no growth against RSS that follows V8's reservation (it kept
//!   that RSS a leak).
#![cfg(not(target_arch = "wasm32"))]

use leaklens_core::report::Verdict;
use leaklens_core::{analyze_parsed, ingest, Config, Report};

/// A small deterministic noise source in [-1, 1].
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// One snapshot line per (cycle, phase): heap and RSS in MB.
fn line(out: &mut String, cycle: u64, label: &str, t: i64, heap: f64, rss: f64) {
    out.push_str(&format!(
        "{{\"cycle\": {cycle}, \"label\": \"{label}\", \"timestamp\": {t}, \"nodejs\": \
         {{\"heapUsed\": {heap:.2}, \"heapTotal\": {:.2}, \"rss\": {rss:.2}, \"external\": 5.0, \
         \"arrayBuffers\": 1.0}}, \"browser\": {{\"pageCount\": 1, \"contextCount\": 1}}}}\n",
        heap * 1.3 + 20.0
    ));
}

fn analyse(text: &str) -> Report {
    let parsed = ingest::parse("shape.ndjson", text.as_bytes()).expect("parses");
    analyze_parsed(&parsed, &Config::default())
}

/// The verdict is a leak, with a growth issue on `metric`.
fn assert_leak_of(r: &Report, metric: &str) {
    assert_eq!(
        r.summary.verdict,
        Verdict::Leak,
        "{}\n{}",
        r.summary.reason,
        judgements(r)
    );
    let grown = growth_metrics(r);
    assert!(grown.contains(&metric), "{metric} not among {grown:?}");
}

/// Each metric's judgement, one line each, for a failure message.
fn judgements(r: &Report) -> String {
    r.metrics
        .iter()
        .map(|(m, mr)| {
            format!(
                "{}: {:?} by {} ({:?}): {}",
                m.key(),
                mr.assessment,
                mr.decided_by.as_str(),
                mr.test,
                mr.judgement
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn growth_metrics(r: &Report) -> Vec<&'static str> {
    r.issues
        .iter()
        .filter(|i| i.kind.is_growth())
        .map(|i| i.metric.key())
        .collect()
}

#[test]
fn a_fast_steady_leak_with_few_dips_is_a_leak() {
    // The noise makes a cycle's level dip below the one before now and then
    // (a few times in the run), never a collection.
    for (rate, cycles, amp) in [(10.0, 40u64, 8.0), (15.0, 30, 12.0), (25.0, 80, 20.0)] {
        let mut noise = Noise(rate as u64 + cycles);
        let mut text = String::new();
        for c in 1..=cycles {
            let retained = 100.0 + rate * c as f64 + amp * noise.next();
            let t = 1_764_115_200_000 + c as i64 * 10_000;
            line(
                &mut text,
                c,
                "Before scrape",
                t,
                retained,
                250.0 + 1.2 * retained,
            );
            line(
                &mut text,
                c,
                "After scrape",
                t + 3_000,
                retained + 20.0,
                250.0 + 1.2 * retained + 20.0,
            );
            line(
                &mut text,
                c,
                "After cleanup",
                t + 6_000,
                retained + 1.0,
                250.0 + 1.2 * retained,
            );
        }
        let r = analyse(&text);
        assert_leak_of(&r, "heap_used");
    }
}

#[test]
fn a_native_leak_in_rss_alone_is_a_leak_of_rss() {
    let mut noise = Noise(8);
    let mut text = String::new();
    for c in 1..=100u64 {
        // The heap: a GC sawtooth around a flat level.
        let heap = 80.0 + 30.0 * ((c % 7) as f64 / 6.0) + noise.next();
        let rss = 300.0 + 8.0 * c as f64 + 6.0 * noise.next();
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        line(&mut text, c, "Before scrape", t, heap, rss);
        line(
            &mut text,
            c,
            "After cleanup",
            t + 5_000,
            heap + 5.0,
            rss + 1.0,
        );
    }
    let r = analyse(&text);
    assert_leak_of(&r, "rss");
}

#[test]
fn a_worker_restarted_at_its_limit_leaked() {
    // 1 MB/cycle, restarted every 100 cycles; RSS goes 300 → 440 → 300.
    let mut noise = Noise(1);
    let mut text = String::new();
    for k in 0..450u64 {
        let c = k % 100 + 1;
        let age = (k % 100) as f64;
        let heap = 90.0 + age + 8.0 * ((k % 5) as f64 / 4.0) + noise.next();
        let rss = 300.0 + 1.4 * age + noise.next();
        let t = 1_764_115_200_000 + k as i64 * 10_000;
        line(&mut text, c, "Before scrape", t, heap, rss);
        line(&mut text, c, "After cleanup", t + 5_000, heap + 3.0, rss);
    }
    let r = analyse(&text);
    assert!(r.summary.segments.len() >= 4, "{:?}", r.summary.segments);
    assert_leak_of(&r, "heap_used");
}

#[test]
fn stairs_that_ended_are_no_leak() {
    // A 120 MB cache fills over the first 60 cycles; RSS keeps its
    // high-water mark, rising in steps as the allocator grows, then holds.
    let mut noise = Noise(60);
    let mut text = String::new();
    let mut rss_mark: f64 = 180.0;
    for c in 1..=100u64 {
        let cache = 120.0 * (c.min(60) as f64 / 60.0);
        let heap = 45.0 + cache + 10.0 * ((c % 6) as f64 / 5.0) + noise.next();
        if c <= 75 && c % 9 == 0 {
            rss_mark += 30.0 + 5.0 * noise.next();
        }
        let rss = rss_mark.max(150.0 + 1.5 * heap) + noise.next();
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        line(&mut text, c, "Before scrape", t, heap, rss);
        line(&mut text, c, "After cleanup", t + 5_000, heap + 4.0, rss);
    }
    let r = analyse(&text);
    assert_ne!(
        r.summary.verdict,
        Verdict::Leak,
        "{:?}\n{}",
        r.issues,
        judgements(&r)
    );
}

#[test]
fn rss_following_v8s_reserved_heap_while_the_heap_holds_is_no_leak() {
    // heapUsed: a flat sawtooth; V8 grows heapTotal (never shrinks it) when
    // a peak sets a record, ever more rarely; RSS follows heapTotal.
    let mut noise = Noise(94);
    let mut text = String::new();
    let mut total: f64 = 120.0;
    for c in 1..=60u64 {
        let heap = 70.0 + 25.0 * ((c % 5) as f64 / 4.0) + 3.0 * noise.next();
        if [3, 7, 11, 12, 49].contains(&c) {
            total += 4.0 + 2.0 * noise.next().abs();
        }
        let rss = total + 160.0 + noise.next();
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        for (label, dt, h) in [
            ("Before scrape", 0, heap),
            ("After cleanup", 5_000, heap - 10.0),
        ] {
            text.push_str(&format!(
                "{{\"cycle\": {c}, \"label\": \"{label}\", \"timestamp\": {}, \"nodejs\": \
                 {{\"heapUsed\": {h:.2}, \"heapTotal\": {total:.2}, \"rss\": {rss:.2}}}}}\n",
                t + dt
            ));
        }
    }
    let r = analyse(&text);
    assert_ne!(
        r.summary.verdict,
        Verdict::Leak,
        "{:?}\n{}",
        r.issues,
        judgements(&r)
    );
}

/// RSS over `cycles` cycles: a warm-up rise of `warm_up` MB in the first ten
/// cycles, then `after(c)` on top; the heap holds with a small sawtooth.
fn warm_up_then(cycles: u64, warm_up: f64, seed: u64, after: impl Fn(f64) -> f64) -> String {
    let mut noise = Noise(seed);
    let mut text = String::new();
    for c in 1..=cycles {
        let x = c as f64;
        let rss = 300.0 + warm_up * (1.0 - (-x / 3.0).exp()) + after(x) + 0.6 * noise.next();
        let heap = 80.0 + 6.0 * ((c % 4) as f64 / 3.0) + noise.next();
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        line(&mut text, c, "Before scrape", t, heap, rss);
        line(&mut text, c, "After cleanup", t + 5_000, heap + 2.0, rss);
    }
    text
}

#[test]
fn a_steady_leak_behind_a_warm_up_is_a_leak() {
    // A fast warm-up, then 2 MB/cycle for good: the line through the whole
    // run misses the warm-up, and its streaky residuals once discounted the
    // evidence below the bar (`inconclusive`).
    for (cycles, seed) in [(100u64, 1), (150, 2)] {
        let r = analyse(&warm_up_then(cycles, 70.0, seed, |x| 2.0 * x));
        assert_leak_of(&r, "rss");
    }
}

#[test]
fn a_warm_up_then_a_slowly_filling_cache_is_no_leak() {
    // After the warm-up a cache fills at a slowing pace (time constant half
    // the run, still rising at the end): it bends, it is not a leak.
    for (cycles, seed) in [(100u64, 3), (150, 4)] {
        let span = cycles as f64;
        let r = analyse(&warm_up_then(cycles, 70.0, seed, |x| {
            150.0 * (1.0 - (-x / (0.5 * span)).exp())
        }));
        assert_ne!(
            r.summary.verdict,
            Verdict::Leak,
            "{:?}\n{}",
            r.issues,
            judgements(&r)
        );
    }
}

/// Heap and RSS per cycle from `heap(c)` and `rss(c)`, with a little noise.
fn series(cycles: u64, seed: u64, heap: impl Fn(u64) -> f64, rss: impl Fn(u64) -> f64) -> String {
    let mut noise = Noise(seed);
    let mut text = String::new();
    for c in 1..=cycles {
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        let (h, r) = (heap(c) + noise.next(), rss(c) + noise.next());
        line(&mut text, c, "Before scrape", t, h, r);
        line(&mut text, c, "After cleanup", t + 5_000, h + 3.0, r);
    }
    text
}

#[test]
fn a_fast_leak_with_rare_major_collections_is_a_leak() {
    // The heap gains 30 MB a cycle; a major GC every 20 cycles gives back a
    // fifth of what the tooth gained. Only 4 troughs: once judged on them
    // alone (`insufficient_data`), the run was called `no_leak`.
    let heap = |c: u64| {
        let tooth = (c - 1) / 20;
        let start = 100.0 + 30.0 * 20.0 * 0.8 * tooth as f64;
        start + 30.0 * ((c - 1) % 20) as f64
    };
    let r = analyse(&series(80, 21, heap, |c| 300.0 + heap(c) * 0.3));
    assert_leak_of(&r, "heap_used");
}

#[test]
fn rss_that_returns_a_few_mb_now_and_then_still_leaks() {
    // A native leak of 8 MB a cycle; three times the allocator hands back a
    // little (RSS ends 2 MB under the cycle before). Those dips were taken
    // for collections, RSS judged on a handful of troughs, `no_leak`.
    let rss = |c: u64| 300.0 + 8.0 * c as f64 - if c % 25 == 0 { 10.0 } else { 0.0 };
    let r = analyse(&series(100, 22, |c| 80.0 + (c % 5) as f64, rss));
    assert_leak_of(&r, "rss");
}

#[test]
fn a_few_big_gc_teeth_are_no_leak() {
    // Three teeth of 150 MB, each collected back to the floor, minor dips
    // inside: the collections are most of the series' range, its troughs
    // (flat) are the retained level.
    let heap = |c: u64| {
        let k = (c - 1) % 25;
        100.0 + 6.0 * k as f64 - if k % 4 == 3 { 5.0 } else { 0.0 }
    };
    let r = analyse(&series(70, 23, heap, |c| 320.0 + 0.2 * heap(c)));
    assert_ne!(
        r.summary.verdict,
        Verdict::Leak,
        "{:?}\n{}",
        r.issues,
        judgements(&r)
    );
}

/// Pages per cycle: `open(c, noise)` pages at the cycle's start, heap and
/// RSS flat.
fn pages_run(cycles: u64, seed: u64, mut open: impl FnMut(u64, f64) -> u64) -> String {
    let mut noise = Noise(seed);
    let mut text = String::new();
    for c in 1..=cycles {
        let pages = open(c, noise.next());
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        for (label, dt, extra) in [("Before scrape", 0, 0), ("After scrape", 3_000, 1)] {
            text.push_str(&format!(
                "{{\"cycle\": {c}, \"label\": \"{label}\", \"timestamp\": {}, \"nodejs\": \
                 {{\"heapUsed\": {:.2}, \"heapTotal\": 140.0, \"rss\": {:.2}}}, \
                 \"browser\": {{\"pageCount\": {}, \"contextCount\": 1}}}}\n",
                t + dt,
                90.0 + 2.0 * noise.next(),
                300.0 + 2.0 * noise.next(),
                pages + extra
            ));
        }
    }
    text
}

#[test]
fn pages_left_open_at_random_cycles_are_a_leak() {
    // A page is left open at random, at two cycles in five, then (less
    // load) at one in seven, to the end: a line fits the count no better
    // than a ramp that levels off (`inconclusive`), yet its steps never stop.
    let mut open = 1;
    let r = analyse(&pages_run(150, 33, |c, u| {
        if u > if c < 75 { 0.2 } else { 0.7 } {
            open += 1;
        }
        open
    }));
    assert_leak_of(&r, "pages");
}

#[test]
fn a_page_pool_that_fills_is_no_leak() {
    // The pool opens pages as load rises, up to 12, then holds.
    let mut open = 1;
    let r = analyse(&pages_run(150, 33, |c, u| {
        if c < 90 && open < 12 && u > 0.6 {
            open += 1;
        }
        open
    }));
    assert_ne!(
        r.summary.verdict,
        Verdict::Leak,
        "{:?}\n{}",
        r.issues,
        judgements(&r)
    );
}

/// A leak of 3 MB/cycle under garbage that piles up 20-40 MB a cycle and is
/// collected at irregular intervals, to irregular depths.
fn irregular_sawtooth(seed: u64) -> String {
    let mut noise = Noise(seed);
    let mut u = move |lo: f64, hi: f64| lo + (hi - lo) * (noise.next() + 1.0) / 2.0;
    let mut text = String::new();
    let (mut garbage, mut next_gc) = (0.0, 25u64);
    for c in 1..=600u64 {
        garbage += u(20.0, 40.0);
        if c >= next_gc {
            garbage *= u(0.0, 0.6);
            next_gc = c + u(15.0, 40.0) as u64;
        }
        let heap = 100.0 + 3.0 * c as f64 + garbage;
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        line(
            &mut text,
            c,
            "Before scrape",
            t,
            heap + u(-3.0, 3.0),
            180.0 + 1.3 * heap,
        );
        line(
            &mut text,
            c,
            "After cleanup",
            t + 5_000,
            heap + 5.0,
            180.0 + 1.3 * heap,
        );
    }
    text
}

#[test]
fn a_leak_under_a_big_irregular_sawtooth_is_not_called_no_leak() {
    // The troughs rise from ~100 to ~1900 MB, but the recent half's few,
    // noisy troughs alone are no significant rise: these runs were called
    // `no_leak`. Over seeds 41-89, 17 of 49 were; now 8 (27 are leaks).
    for seed in [51, 56, 58] {
        let r = analyse(&irregular_sawtooth(seed));
        assert_ne!(
            r.summary.verdict,
            Verdict::NoLeak,
            "seed {seed}: {}",
            r.summary.reason
        );
    }
}

#[test]
fn a_fast_leak_collected_a_few_times_is_not_called_no_leak() {
    // The heap surges for 16 cycles, then leaks ~10 MB a cycle under a
    // sawtooth collected only 7 times in 77 cycles, one collection deeper
    // than the rest. Eight troughs: a trend test on so few leans to a rise
    // (p ≈ 0.014) but cannot reach α = 0.01, and a saturating curve fits
    // them as well as a line. That is no evidence of a bounded heap, and
    // the run was called `no_leak` with its retained heap going 32 → 888 MB.
    let troughs = [
        (1u64, 32.0),
        (17, 526.0),
        (28, 704.0),
        (39, 513.0),
        (47, 600.0),
        (55, 683.0),
        (65, 794.0),
        (76, 888.0),
    ];
    let heap = move |c: u64| {
        let k = troughs.iter().rposition(|&(at, _)| at <= c).unwrap_or(0);
        let (at, level) = troughs[k];
        level + 33.0 * (c - at) as f64
    };
    let r = analyse(&series(77, 24, heap, |c| 250.0 + 0.9 * heap(c)));
    assert_ne!(r.summary.verdict, Verdict::NoLeak, "{}", r.summary.reason);
}

/// A heap collected every `every` cycles whose troughs creep up by `creep`
/// MB a cycle under `noise` MB of noise; V8 grows heapTotal in steps and
/// RSS follows it (60 MB over the run).
fn reserved_with_few_troughs(seed: u64, every: u64, creep: f64, noise_mb: f64) -> String {
    let mut noise = Noise(seed);
    let mut text = String::new();
    let mut total: f64 = 120.0;
    for c in 1..=60u64 {
        let trough = 70.0 + creep * c as f64 + noise_mb * noise.next();
        let heap = trough + 30.0 * ((c % every) as f64 / every as f64);
        if c % 6 == 3 {
            total += 6.0;
        }
        let rss = total + 160.0 + noise.next();
        let t = 1_764_115_200_000 + c as i64 * 10_000;
        for (label, dt, h) in [("Before scrape", 0, heap), ("After cleanup", 5_000, heap)] {
            text.push_str(&format!(
                "{{\"cycle\": {c}, \"label\": \"{label}\", \"timestamp\": {}, \"nodejs\": \
                 {{\"heapUsed\": {h:.2}, \"heapTotal\": {total:.2}, \"rss\": {rss:.2}}}}}\n",
                t + dt
            ));
        }
    }
    text
}

#[test]
fn a_heap_undecided_for_want_of_troughs_does_not_keep_reserved_rss_a_leak() {
    // RSS follows heapTotal up 60 MB while the live heap's 11 troughs creep
    // up 6 MB (p ≈ 0.014: not ruled out, not shown). RSS that follows V8's
    // reservation while the heap holds is no leak by itself; a heap left
    // undecided only by its few troughs must not count as growth there.
    let r = analyse(&reserved_with_few_troughs(1, 6, 0.1, 2.0));
    assert_ne!(
        r.summary.verdict,
        Verdict::Leak,
        "{}\n{}",
        r.summary.reason,
        judgements(&r)
    );
}
