//! A generator of realistic worker runs, for tests, benchmarks and the
//! accuracy corpus: a scraper's cycle (before scrape, after scrape, after
//! cleanup, now and then after page recreate), a garbage-collected heap
//! (a sawtooth inside a cycle and across cycles), a heap that V8 grows in
//! chunks, RSS = heap + native + external, browser pages and contexts with
//! the transient extra page of a recreate, and every leak shape of the guide
//! as well as the things that are not leaks (warm-up, caches that fill up).
//!
//! Deterministic: the same spec gives the same run on every target.

use serde::{Deserialize, Serialize};

use crate::{Metric, Run, SnapshotIn};

/// The shape of what grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Nothing grows: GC sawtooth around a flat retained level.
    Stable,
    /// Fast growth for a few cycles, then flat (JIT, pools, lazy init).
    WarmupThenFlat,
    /// A bounded cache: fills over a good part of the run, then stays full.
    CacheSaturating,
    Linear,
    Exponential,
    /// Growth in jumps every few dozen cycles.
    Step,
    PlateauThenGrowth,
}

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::Stable,
        Scenario::WarmupThenFlat,
        Scenario::CacheSaturating,
        Scenario::Linear,
        Scenario::Exponential,
        Scenario::Step,
        Scenario::PlateauThenGrowth,
    ];

    pub fn is_leak(self) -> bool {
        !matches!(
            self,
            Scenario::Stable | Scenario::WarmupThenFlat | Scenario::CacheSaturating
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Stable => "stable",
            Scenario::WarmupThenFlat => "warmup",
            Scenario::CacheSaturating => "cache",
            Scenario::Linear => "linear",
            Scenario::Exponential => "exponential",
            Scenario::Step => "step",
            Scenario::PlateauThenGrowth => "plateau_then_growth",
        }
    }

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|x| x.as_str() == s || (s == "plateau" && *x == Scenario::PlateauThenGrowth))
    }
}

/// Which quantity leaks (for leak scenarios; ignored otherwise except for
/// warm-ups and caches, which affect the heap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Heap,
    Rss,
    External,
    ArrayBuffers,
    Pages,
    Contexts,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::Heap,
        Target::Rss,
        Target::External,
        Target::ArrayBuffers,
        Target::Pages,
        Target::Contexts,
    ];

    /// The metric that must be flagged.
    pub fn metric(self) -> Metric {
        match self {
            Target::Heap => Metric::HeapUsed,
            Target::Rss => Metric::Rss,
            Target::External => Metric::External,
            Target::ArrayBuffers => Metric::ArrayBuffers,
            Target::Pages => Metric::Pages,
            Target::Contexts => Metric::Contexts,
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Some(match s {
            "heap" | "heap_used" => Target::Heap,
            "rss" => Target::Rss,
            "external" => Target::External,
            "array_buffers" | "arraybuffers" => Target::ArrayBuffers,
            "pages" => Target::Pages,
            "contexts" => Target::Contexts,
            _ => return None,
        })
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub scenario: Scenario,
    pub target: Target,
    pub cycles: usize,
    pub seed: u64,
    /// Leak rate: MB per cycle (pages/contexts: count per cycle). For
    /// exponential leaks, the initial rate; for steps, the average.
    pub rate: f64,
    /// Retained heap at the start (MB).
    pub base_heap_mb: f64,
    /// Garbage a cycle allocates, as a fraction of the base heap (GC noise).
    pub gc_noise: f64,
    pub first_cycle: u64,
    /// Start time (ms since epoch) and mean cycle duration (ms).
    pub start_ms: i64,
    pub cycle_ms: i64,
    /// Pages (and contexts) the worker keeps open normally.
    pub page_pool: u32,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            scenario: Scenario::Linear,
            target: Target::Heap,
            cycles: 100,
            seed: 1,
            rate: 2.0,
            base_heap_mb: 60.0,
            gc_noise: 0.3,
            first_cycle: 1,
            start_ms: 1_764_115_200_000,
            cycle_ms: 8_000,
            page_pool: 1,
        }
    }
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.f().max(1e-12);
        let u2 = self.f();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Cumulative leak after `c` cycles (c from 0) for a scenario.
fn leak_amount(spec: &Spec, c: f64, step_period: f64, onset: f64) -> f64 {
    let n = spec.cycles.max(1) as f64;
    let r = spec.rate;
    match spec.scenario {
        Scenario::Linear => r * c,
        Scenario::Exponential => {
            // Initial slope r, e-folding over a third of the run.
            let tau = (n / 3.0).max(3.0);
            r * tau * (libm::exp(c / tau) - 1.0)
        }
        Scenario::Step => {
            let k = libm::floor(c / step_period);
            k * r * step_period
        }
        Scenario::PlateauThenGrowth => r * (c - onset).max(0.0),
        _ => 0.0,
    }
}

/// Generates a run from a spec.
pub fn generate(spec: &Spec) -> Run {
    let mut rng = Rng(spec.seed ^ 0x5EED_1EAC_0000_0000);
    let n = spec.cycles;
    let mut run = Run::with_capacity(n * 3 + n / 8);
    let base = spec.base_heap_mb.max(5.0);
    let garbage_per_cycle = (base * spec.gc_noise).max(0.0);
    // GC when heapUsed approaches heapTotal; V8 grows the heap in chunks.
    let mut heap_total = libm::ceil(base * 1.6 / 8.0) * 8.0;
    let mut garbage = 0.0;
    let native = rng.range(110.0, 160.0);
    let ext_base = rng.range(3.0, 16.0);
    let ab_base = rng.range(1.0, 6.0);
    let step_period = libm::floor(rng.range(20.0, 40.0)).min((n as f64 / 3.0).max(4.0));
    let onset = libm::floor(n as f64 * rng.range(0.3, 0.5));
    let warm_amp = rng.range(0.4, 1.2) * base;
    let warm_tau = rng.range(2.0, 6.0);
    let cache_cap = rng.range(0.3, 1.0) * base;
    let cache_fill = (n as f64 * rng.range(0.15, 0.35)).max(3.0);
    let recreate_every = libm::floor(rng.range(5.0, 12.0)) as usize;
    let mut t = spec.start_ms;
    let labels = ["Before scrape", "After scrape", "After cleanup"];
    let pool = spec.page_pool.max(1) as f64;
    let mut leaked_pages = 0.0;
    let mut leaked_contexts = 0.0;
    let mut urls: Vec<String> = Vec::new();
    let mut url_counter = 0u64;
    for ci in 0..n {
        let c = ci as f64;
        let cycle = spec.first_cycle + ci as u64;
        let leak = leak_amount(spec, c, step_period, onset);
        let bounded = match spec.scenario {
            Scenario::WarmupThenFlat => warm_amp * (1.0 - libm::exp(-c / warm_tau)),
            Scenario::CacheSaturating => cache_cap * (c / cache_fill).min(1.0),
            _ => 0.0,
        };
        let (mut heap_leak, mut rss_leak, mut ext_leak, mut ab_leak) = (0.0, 0.0, 0.0, 0.0);
        match spec.target {
            Target::Heap => heap_leak = leak,
            Target::Rss => rss_leak = leak,
            Target::External => ext_leak = leak,
            Target::ArrayBuffers => ab_leak = leak,
            Target::Pages => {
                leaked_pages = libm::floor(leak);
                // Each open page keeps some JS objects alive.
                heap_leak = leaked_pages * 0.3;
            }
            Target::Contexts => {
                leaked_contexts = libm::floor(leak);
                leaked_pages = leaked_contexts;
                heap_leak = leaked_contexts * 0.4;
            }
        }
        let retained = base + bounded + heap_leak;
        let recreate = recreate_every > 0 && ci % recreate_every == recreate_every - 1;
        let mut points: Vec<&str> = labels.to_vec();
        if recreate {
            points.push("After page recreate");
        }
        for (pi, label) in points.iter().enumerate() {
            // Allocation between snapshots: the scrape allocates most.
            let alloc = match pi {
                1 => garbage_per_cycle * rng.range(0.5, 1.5),
                _ => garbage_per_cycle * rng.range(0.0, 0.25),
            };
            garbage += alloc;
            let used_before_gc = retained + garbage;
            // GC when the heap fills up, or now and then on its own.
            if used_before_gc > heap_total * 0.9 || rng.f() < 0.08 {
                garbage = garbage_per_cycle * rng.range(0.0, 0.1);
            }
            let heap_used = retained + garbage;
            // V8 grows the heap when what survives collection fills it.
            if retained > heap_total * 0.6 || heap_used > heap_total {
                heap_total = libm::ceil(heap_used.max(retained * 1.6) / 8.0) * 8.0;
            }
            let external = ext_base + ext_leak + 0.4 * rng.normal().abs() + ab_leak;
            let array_buffers = ab_base + ab_leak + 0.6 * rng.f();
            let rss = heap_total + native + external + rss_leak + 2.0 * rng.normal();
            // Pages: the pool plus leaked ones; a recreate briefly shows one more.
            let recreating = *label == "After page recreate" && rng.f() < 0.5;
            let transient = if recreating || (pi == 0 && rng.f() < 0.05) {
                1.0
            } else {
                0.0
            };
            let pages = pool + leaked_pages + transient;
            let contexts = pool.min(pages) + leaked_contexts;
            // URLs: the pool's current page(s) plus leaked ones (kept open).
            while urls.len() < (pages as usize) {
                url_counter += 1;
                urls.push(format!("https://shop.example/p/{url_counter}"));
            }
            urls.truncate(pages as usize);
            if let Some(first) = urls.first_mut() {
                if pi == 0 {
                    url_counter += 1;
                    *first = format!("https://shop.example/p/{url_counter}");
                }
            }
            let mut s = SnapshotIn::new(cycle, label);
            s.timestamp = Some(t);
            s.set(Metric::HeapUsed, round2(heap_used.max(1.0)));
            s.set(Metric::HeapTotal, round2(heap_total));
            s.set(Metric::Rss, round2(rss.max(heap_total)));
            s.set(Metric::External, round2(external.max(0.0)));
            s.set(Metric::ArrayBuffers, round2(array_buffers.max(0.0)));
            s.set(Metric::Pages, pages);
            s.set(Metric::Contexts, contexts);
            run.push(&s, urls.iter().map(String::as_str));
            t += (spec.cycle_ms as f64 / points.len() as f64 * rng.range(0.5, 1.5)) as i64;
        }
    }
    run
}

/// Writes a run as NDJSON in the profiler's export shape.
pub fn to_ndjson(run: &Run, out: &mut String) {
    to_ndjson_range(run, 0..run.len(), out);
}

/// Writes snapshots `range` of a run as NDJSON (what `leaklens push` sends).
pub fn to_ndjson_range(run: &Run, range: std::ops::Range<usize>, out: &mut String) {
    for i in range.start..range.end.min(run.len()) {
        write_snapshot_json(run, i, out);
        out.push('\n');
    }
}

/// Writes a run as a JSON array in the profiler's export shape.
pub fn to_json_array(run: &Run, out: &mut String) {
    out.push('[');
    for i in 0..run.len() {
        if i > 0 {
            out.push(',');
        }
        out.push('\n');
        write_snapshot_json(run, i, out);
    }
    out.push_str("\n]\n");
}

fn write_snapshot_json(run: &Run, i: usize, out: &mut String) {
    use std::fmt::Write;
    let v = |m: Metric| run.value(m, i);
    let label = serde_json::to_string(run.label(i)).unwrap_or_else(|_| "\"\"".into());
    let _ = write!(out, "{{\"cycle\":{},\"label\":{label}", run.cycle(i));
    if let Some(ts) = run.timestamp(i) {
        let _ = write!(out, ",\"timestamp\":{ts}");
    }
    // Absent values are left out (JSON has no NaN).
    out.push_str(",\"nodejs\":{");
    let mut first = true;
    for (key, m) in [
        ("heapUsed", Metric::HeapUsed),
        ("heapTotal", Metric::HeapTotal),
        ("rss", Metric::Rss),
        ("external", Metric::External),
        ("arrayBuffers", Metric::ArrayBuffers),
    ] {
        let x = v(m);
        if x.is_finite() {
            let _ = write!(out, "{}\"{key}\":{x}", if first { "" } else { "," });
            first = false;
        }
    }
    out.push('}');
    if v(Metric::Pages).is_finite() {
        let urls: Vec<&str> = run.page_urls(i).collect();
        let urls = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
        let _ = write!(out, ",\"browser\":{{\"pageCount\":{}", v(Metric::Pages));
        if v(Metric::Contexts).is_finite() {
            let _ = write!(out, ",\"contextCount\":{}", v(Metric::Contexts));
        }
        let _ = write!(out, ",\"pageUrls\":{urls}}}");
    }
    out.push('}');
}

/// Writes a run as the profiler's console log.
pub fn to_log(run: &Run, out: &mut String) {
    use std::fmt::Write;
    for i in 0..run.len() {
        let v = |m: Metric| run.value(m, i);
        let _ = writeln!(
            out,
            "📊 Memory Snapshot [Cycle {}] - {}:",
            run.cycle(i),
            run.label(i)
        );
        let _ = writeln!(
            out,
            "   Heap: {:.2}MB / {:.2}MB",
            v(Metric::HeapUsed),
            v(Metric::HeapTotal)
        );
        let _ = writeln!(out, "   RSS: {:.2}MB", v(Metric::Rss));
        let _ = writeln!(out, "   External: {:.2}MB", v(Metric::External));
        let _ = writeln!(out, "   ArrayBuffers: {:.2}MB", v(Metric::ArrayBuffers));
        if v(Metric::Pages).is_finite() {
            let _ = writeln!(out, "   Browser Pages: {}", v(Metric::Pages));
            let _ = writeln!(out, "   Browser Contexts: {}", v(Metric::Contexts));
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spec_same_run() {
        let spec = Spec::default();
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a.column(Metric::HeapUsed), b.column(Metric::HeapUsed));
        assert_eq!(a.len(), b.len());
    }

    #[test]
    fn heap_is_a_sawtooth_and_leak_raises_the_floor() {
        let spec = Spec {
            cycles: 60,
            rate: 3.0,
            ..Spec::default()
        };
        let run = generate(&spec);
        let h = run.column(Metric::HeapUsed).to_vec();
        let drops = h.windows(2).filter(|w| w[1] < w[0] - 1.0).count();
        assert!(drops > 5, "GC drops: {drops}");
        let first: f64 = h[..12].iter().copied().fold(f64::INFINITY, f64::min);
        let last: f64 = h[h.len() - 12..]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert!(last - first > 100.0, "{first} → {last}");
    }

    #[test]
    fn page_leak_grows_pages() {
        let spec = Spec {
            target: Target::Pages,
            rate: 0.5,
            cycles: 40,
            ..Spec::default()
        };
        let run = generate(&spec);
        let p = run.column(Metric::Pages).to_vec();
        assert!(p[p.len() - 1] >= 19.0);
    }
}
