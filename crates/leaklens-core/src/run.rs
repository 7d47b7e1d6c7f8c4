//! A run: every snapshot of one worker process, stored column-wise.
//!
//! One `Vec<f64>` per metric (NaN where the snapshot lacks the metric), labels
//! and page URLs interned, so a million snapshots cost ~90 bytes each instead
//! of a heap-allocated struct with strings per snapshot.

/// A fast hash with a per-process random seed (resists crafted collisions
/// from hostile files, unlike an unseeded one).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::borrow::Borrow;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::column::Times;
use crate::{Column, Metric};

mod dropped;
pub use dropped::Dropped;

/// Index of an interned string (label or URL).
pub type StrId = u32;

/// Strings stored once, referred to by [`StrId`]: their bytes one after
/// another in one buffer, found again through a table of ids hashed by
/// their text. Page URLs are mostly distinct (hundreds of thousands in a
/// long run), so one allocation each would cost more than their text.
#[derive(Clone, Default)]
pub struct Interner {
    text: String,
    /// `text[ends[i - 1]..ends[i]]` is string `i` (from 0 for the first).
    ends: Vec<usize>,
    /// Ids with the hash of their string; empty after
    /// [`Interner::compact`] until the next `intern`. Keeping the hash
    /// means growing the table, and appending one run's strings to
    /// another's, never reads (or hashes) a string again: a long run's
    /// text is megabytes, read back in the table's random order.
    index: HashTable<Entry>,
}

/// An id in [`Interner`]'s table, with its string's [`hash32`].
#[derive(Clone, Copy)]
struct Entry {
    id: StrId,
    hash: u32,
}

/// The 32-bit hash of a string, the same in every interner of the process
/// (so one run's strings go into another's without hashing them again);
/// its seed is random, so a hostile file cannot choose collisions.
fn hash32(s: &str) -> u32 {
    static SEED: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    (SEED.get_or_init(Default::default).hash_one(s) >> 32) as u32
}

/// The table's 64-bit hash of a [`hash32`]: the bucket from its low bits,
/// the control tag from its high ones.
fn spread(hash: u32) -> u64 {
    u64::from(hash) << 32 | u64::from(hash)
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> StrId {
        // Labels are a handful of strings: comparing beats hashing.
        if self.ends.len() <= 8 {
            if let Some(i) = self.names().position(|n| n == s) {
                return i as StrId;
            }
            return self.add(s, hash32(s));
        }
        self.intern_hashed(s, hash32(s))
    }

    /// [`Interner::intern`] of `s` whose [`hash32`] is `hash`.
    fn intern_hashed(&mut self, s: &str, hash: u32) -> StrId {
        if self.ends.len() <= 8 {
            return self.intern(s);
        }
        if self.index.len() < self.ends.len() {
            self.rebuild_index();
        }
        let (text, ends) = (&self.text, &self.ends);
        let found = self.index.find(spread(hash), |e| {
            e.hash == hash && str_at(text, ends, e.id) == s
        });
        match found {
            Some(e) => e.id,
            None => self.add(s, hash),
        }
    }

    fn add(&mut self, s: &str, hash: u32) -> StrId {
        let id = self.ends.len() as StrId;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        if self.index.len() + 1 == self.ends.len() {
            self.index
                .insert_unique(spread(hash), Entry { id, hash }, |e| spread(e.hash));
        }
        id
    }

    fn rebuild_index(&mut self) {
        let (text, ends) = (&self.text, &self.ends);
        let mut index = HashTable::with_capacity(ends.len());
        for id in 0..ends.len() as StrId {
            let hash = hash32(str_at(text, ends, id));
            index.insert_unique(spread(hash), Entry { id, hash }, |e| spread(e.hash));
        }
        self.index = index;
    }

    /// Each string's [`hash32`] by id, from the table (or hashed again
    /// when it was dropped).
    #[cfg(not(target_arch = "wasm32"))]
    fn hashes(&self) -> Vec<u32> {
        if self.index.len() == self.ends.len() {
            let mut out = vec![0; self.ends.len()];
            for e in self.index.iter() {
                out[e.id as usize] = e.hash;
            }
            out
        } else {
            self.names().map(hash32).collect()
        }
    }

    /// Interns every string of `other`, in order: their ids here (with
    /// the hashes `other` keeps; the page hashes them again, for room).
    fn intern_all(&mut self, other: &Interner) -> Vec<StrId> {
        #[cfg(not(target_arch = "wasm32"))]
        return other
            .names()
            .zip(other.hashes())
            .map(|(s, h)| self.intern_hashed(s, h))
            .collect();
        #[cfg(target_arch = "wasm32")]
        return other.names().map(|s| self.intern(s)).collect();
    }

    /// Drops the lookup index (rebuilt on the next `intern`) and spare
    /// capacity: a finished run only needs id → string.
    pub fn compact(&mut self) {
        self.index = HashTable::new();
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    pub fn get(&self, id: StrId) -> &str {
        str_at(&self.text, &self.ends, id)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| self.get(i as StrId))
    }
}

fn str_at<'t>(text: &'t str, ends: &[usize], id: StrId) -> &'t str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

/// The garbage collections a snapshot saw since the previous one, as the
/// recorder writes them (the optional `gc` object of a snapshot, see
/// `docs/formats.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GcSince {
    /// Full (mark-compact) collections: the ones that free old-space garbage.
    pub major: u32,
    /// Young-generation collections (scavenges).
    pub minor: u32,
    pub incremental: u32,
    pub weak_callbacks: u32,
    /// Total pause of those collections (ms); NaN when not recorded.
    pub pause_ms: f64,
    /// heapUsed right after the most recent major collection so far (MB);
    /// NaN before the first one.
    pub heap_after_major: f64,
    /// `external` right after the most recent major collection (MB); NaN
    /// when not recorded.
    pub external_after_major: f64,
}

impl Default for GcSince {
    fn default() -> Self {
        GcSince {
            major: 0,
            minor: 0,
            incremental: 0,
            weak_callbacks: 0,
            pause_ms: f64::NAN,
            heap_after_major: f64::NAN,
            external_after_major: f64::NAN,
        }
    }
}

/// One snapshot as a parser sees it, before it is stored.
#[derive(Debug, Clone)]
pub struct SnapshotIn<'a> {
    pub cycle: u64,
    pub label: &'a str,
    /// Milliseconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// Indexed by [`Metric::index`]; NaN where absent. Memory in MB.
    pub values: [f64; Metric::COUNT],
    /// Garbage collections since the previous snapshot, when recorded.
    pub gc: Option<GcSince>,
}

impl<'a> SnapshotIn<'a> {
    pub fn new(cycle: u64, label: &'a str) -> Self {
        SnapshotIn {
            cycle,
            label,
            timestamp: None,
            values: [f64::NAN; Metric::COUNT],
            gc: None,
        }
    }

    pub fn set(&mut self, m: Metric, v: f64) {
        self.values[m.index()] = v;
    }

    /// True when at least one metric has a value.
    pub fn has_any_value(&self) -> bool {
        self.values.iter().any(|v| !v.is_nan())
    }
}

/// Every snapshot of a run, column-wise, in the order they were pushed
/// (sorted by cycle after [`Run::normalize`]).
#[derive(Debug, Clone, Default)]
pub struct Run {
    cycles: Vec<u64>,
    labels: Vec<StrId>,
    /// Milliseconds since the epoch, where the snapshot has one.
    timestamps: Times,
    values: [Column; Metric::COUNT],
    label_names: Interner,
    urls: Interner,
    /// `url_ids[url_offsets[i]..url_offsets[i + 1]]` are snapshot i's open page URLs.
    url_offsets: Vec<u32>,
    url_ids: Vec<StrId>,
    /// Garbage collections per snapshot; empty until a snapshot has them
    /// (most files do not), then one entry per snapshot.
    gc: Vec<Option<GcSince>>,
    /// First cycles of restarted processes (the counter started again
    /// there), ascending.
    restarts: Vec<u64>,
    /// Bit `Metric::index` set when some snapshot has a finite value of it.
    present: u8,
    /// For the first labels (by id), the label that came next last time:
    /// a cycle's points come in the same order, so the next label is
    /// mostly known before it is looked up. (Native only.)
    #[cfg(not(target_arch = "wasm32"))]
    label_after: [Option<StrId>; 8],
}

impl Run {
    pub fn new() -> Self {
        Run {
            url_offsets: vec![0],
            ..Default::default()
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        let mut run = Run::new();
        run.cycles.reserve(n);
        run.labels.reserve(n);
        run.timestamps.reserve(n);
        for col in &mut run.values {
            col.reserve(n);
        }
        run.url_offsets.reserve(n);
        run
    }

    /// Appends one snapshot; `page_urls` are its open page URLs.
    pub fn push<'u>(&mut self, s: &SnapshotIn<'_>, page_urls: impl IntoIterator<Item = &'u str>) {
        if self.url_offsets.is_empty() {
            self.url_offsets.push(0);
        }
        self.cycles.push(s.cycle);
        // (Native only: the page has no room for the shortcut.)
        #[cfg(not(target_arch = "wasm32"))]
        let after = self
            .labels
            .last()
            .and_then(|&p| self.label_after.get_mut(p as usize));
        #[cfg(target_arch = "wasm32")]
        let after: Option<&mut Option<StrId>> = None;
        let label = match after {
            Some(&mut Some(guess)) if self.label_names.get(guess) == s.label => guess,
            Some(slot) => *slot.insert(self.label_names.intern(s.label)),
            None => self.label_names.intern(s.label),
        };
        self.labels.push(label);
        self.timestamps.push(s.timestamp);
        if s.gc.is_some() && self.gc.is_empty() {
            self.gc.resize(self.cycles.len() - 1, None);
        }
        if !self.gc.is_empty() {
            self.gc.push(s.gc);
        }
        for (k, (col, v)) in self.values.iter_mut().zip(s.values).enumerate() {
            col.push(v);
            if v.is_finite() {
                self.present |= 1 << k;
            }
        }
        // Open pages mostly stay open from one snapshot to the next: reuse
        // the id at the same position of the previous snapshot when it matches.
        let prev_start = if self.url_offsets.len() >= 2 {
            self.url_offsets[self.url_offsets.len() - 2] as usize
        } else {
            0
        };
        let prev_end = self.url_ids.len();
        for (k, url) in page_urls.into_iter().enumerate() {
            let same =
                prev_start + k < prev_end && self.urls.get(self.url_ids[prev_start + k]) == url;
            let id = if same {
                self.url_ids[prev_start + k]
            } else {
                self.urls.intern(url)
            };
            self.url_ids.push(id);
        }
        self.url_offsets.push(self.url_ids.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.cycles.len()
    }

    /// Frees what only reading needed (string lookup indexes, spare
    /// capacity) once a run is complete.
    pub fn compact(&mut self) {
        self.label_names.compact();
        self.urls.compact();
        self.url_ids.shrink_to_fit();
        self.url_offsets.shrink_to_fit();
        self.cycles.shrink_to_fit();
        self.labels.shrink_to_fit();
        self.timestamps.shrink_to_fit();
        self.gc.shrink_to_fit();
        for col in &mut self.values {
            col.shrink_to_fit();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty()
    }

    pub fn cycles(&self) -> &[u64] {
        &self.cycles
    }

    pub fn cycle(&self, i: usize) -> u64 {
        self.cycles[i]
    }

    pub fn label_id(&self, i: usize) -> StrId {
        self.labels[i]
    }

    pub fn label_ids(&self) -> &[StrId] {
        &self.labels
    }

    pub fn label(&self, i: usize) -> &str {
        self.label_names.get(self.labels[i])
    }

    pub fn label_names(&self) -> &Interner {
        &self.label_names
    }

    /// Every snapshot's timestamp (ms since the epoch), in order.
    pub fn timestamps(&self) -> impl ExactSizeIterator<Item = Option<i64>> + Clone + '_ {
        self.timestamps.iter()
    }

    pub fn timestamp(&self, i: usize) -> Option<i64> {
        self.timestamps.get(i)
    }

    /// The garbage collections recorded with snapshot `i`, if any.
    pub fn gc(&self, i: usize) -> Option<&GcSince> {
        self.gc.get(i).and_then(Option::as_ref)
    }

    /// True when some snapshot carries its garbage collections.
    pub fn has_gc(&self) -> bool {
        !self.gc.is_empty()
    }

    /// The metric's values, one per snapshot, NaN where absent.
    pub fn column(&self, m: Metric) -> &Column {
        &self.values[m.index()]
    }

    pub fn value(&self, m: Metric, i: usize) -> f64 {
        self.values[m.index()].get(i)
    }

    /// True when at least one snapshot carries the metric (kept as
    /// snapshots are pushed: hover handlers and exporters ask per snapshot).
    pub fn has_metric(&self, m: Metric) -> bool {
        self.present & (1 << m.index()) != 0
    }

    /// The metrics present in this run, in report order.
    pub fn metrics(&self) -> Vec<Metric> {
        Metric::ALL
            .into_iter()
            .filter(|&m| self.has_metric(m))
            .collect()
    }

    pub fn url_names(&self) -> &Interner {
        &self.urls
    }

    /// Ids of the page URLs open at snapshot `i`.
    pub fn page_url_ids(&self, i: usize) -> &[StrId] {
        if self.url_offsets.len() <= i + 1 {
            return &[];
        }
        let (a, b) = (
            self.url_offsets[i] as usize,
            self.url_offsets[i + 1] as usize,
        );
        &self.url_ids[a..b]
    }

    pub fn page_urls(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        self.page_url_ids(i).iter().map(|&id| self.urls.get(id))
    }

    /// Moves every snapshot of `other` onto the end of `self`, in order: the
    /// same run as [`Run::push_from`] of each, with the columns copied in
    /// bulk and each label and URL interned once.
    pub(crate) fn append(&mut self, other: Run) {
        if self.is_empty() && self.restarts.is_empty() {
            *self = other;
            return;
        }
        let n = self.len();
        let labels = self.label_names.intern_all(&other.label_names);
        let urls = self.urls.intern_all(&other.urls);
        self.cycles.extend_from_slice(&other.cycles);
        self.labels
            .extend(other.labels.iter().map(|&l| labels[l as usize]));
        self.timestamps.extend_from(&other.timestamps);
        if !other.gc.is_empty() || !self.gc.is_empty() {
            self.gc.resize(n, None);
            if other.gc.is_empty() {
                self.gc.resize(n + other.len(), None);
            } else {
                self.gc.extend_from_slice(&other.gc);
            }
        }
        for (col, more) in self.values.iter_mut().zip(&other.values) {
            col.extend_from(more);
        }
        let base = self.url_ids.len() as u32;
        self.url_ids
            .extend(other.url_ids.iter().map(|&u| urls[u as usize]));
        self.url_offsets
            .extend(other.url_offsets.iter().skip(1).map(|&o| o + base));
        self.restarts.extend_from_slice(&other.restarts);
        self.present |= other.present;
    }

    /// Copies snapshot `i` of `other` onto the end of `self`.
    pub(crate) fn push_from(&mut self, other: &Run, i: usize) {
        let mut s = SnapshotIn::new(other.cycles[i], other.label(i));
        s.timestamp = other.timestamp(i);
        for m in Metric::ALL {
            s.values[m.index()] = other.value(m, i);
        }
        s.gc = other.gc(i).copied();
        let urls: Vec<&str> = other.page_urls(i).collect();
        self.push(&s, urls);
    }

    /// Sorts snapshots by cycle (keeping their order inside a cycle) and drops
    /// repeated (cycle, label) pairs, keeping the first. Returns how many
    /// duplicates were dropped.
    pub fn normalize(&mut self) -> usize {
        self.normalize_reporting().count
    }

    /// [`Run::normalize`], saying which duplicates disagreed.
    pub fn normalize_reporting(&mut self) -> Dropped {
        let (merged, dropped) = Run::merge_reporting(std::slice::from_ref(self));
        *self = merged;
        dropped
    }

    /// A file one worker wrote across a restart numbers its cycles from 1
    /// again. Read in file order, a cycle that falls back to 0 or 1 after
    /// cycle 3 or later, with time going forward (when both snapshots have
    /// timestamps: concatenated overlapping exports go back in time), starts
    /// a new process: its cycles (and the following) are numbered on after
    /// the last one, so the run stays in time order and is not merged into
    /// the first process's cycles. Returns each restart as (last cycle
    /// before it, the cycle it was renumbered to).
    pub(crate) fn continue_restarted_cycles(&mut self) -> Vec<(u64, u64)> {
        let mut restarts = Vec::new();
        let mut offset = 0u64;
        // (as written, renumbered, timestamp) of the previous snapshot.
        let mut prev: Option<(u64, u64, Option<i64>)> = None;
        for (c, ts) in self.cycles.iter_mut().zip(self.timestamps.iter()) {
            let raw = *c;
            if let Some((prev_raw, prev_eff, prev_ts)) = prev {
                let forward = match (prev_ts, ts) {
                    (Some(a), Some(b)) => b >= a,
                    _ => true,
                };
                if raw <= 1 && prev_raw >= 3 && forward {
                    offset = prev_eff.saturating_add(1).saturating_sub(raw);
                    restarts.push((prev_eff, raw.saturating_add(offset)));
                }
            }
            *c = raw.saturating_add(offset);
            prev = Some((raw, *c, ts));
        }
        self.restarts.extend(restarts.iter().map(|r| r.1));
        crate::stats::sort_small(&mut self.restarts, u64::cmp);
        self.restarts.dedup();
        restarts
    }

    /// Drops snapshots whose cycle number is far out of sequence: a group
    /// (consecutive snapshots of one cycle, in file order) more than 1,000
    /// cycles away from both neighbouring groups while those two are next
    /// to each other (`57, 4000000000, 58`, or `500, 3, 501`). One corrupted
    /// number would otherwise stretch the run's cycle axis (or read as a
    /// restart). Returns (cycle, snapshots, cycle before, cycle after) of
    /// each group dropped (no neighbour at the file's ends).
    pub(crate) fn drop_stray_cycles(&mut self) -> Vec<(u64, usize, Option<u64>, Option<u64>)> {
        let mut groups: Vec<(u64, std::ops::Range<usize>)> = Vec::new();
        for (i, &c) in self.cycles.iter().enumerate() {
            match groups.last_mut() {
                Some((g, r)) if *g == c => r.end = i + 1,
                _ => groups.push((c, i..i + 1)),
            }
        }
        let mut stray = Vec::new();
        let mut drop = vec![false; self.len()];
        let mut mark = |g: &(u64, std::ops::Range<usize>), p: Option<u64>, q: Option<u64>| {
            stray.push((g.0, g.1.len(), p, q));
            for i in g.1.clone() {
                drop[i] = true;
            }
        };
        for w in groups.windows(3) {
            let (p, c, q) = (w[0].0, w[1].0, w[2].0);
            if p.abs_diff(q) <= 2 && c.abs_diff(p) > 1_000 && c.abs_diff(q) > 1_000 {
                mark(&w[1], Some(p), Some(q));
            }
        }
        // At either end there is one neighbour: out of sequence when the
        // run otherwise moves a cycle or two at a time.
        if groups.len() >= 4 {
            let steps: Vec<u64> = groups.windows(2).map(|w| w[0].0.abs_diff(w[1].0)).collect();
            // The upper median, by selection on the steps as doubles (an
            // order-keeping map, so the same step), with the sort the
            // median already compiles.
            let mut sorted: Vec<f64> = steps.iter().map(|&s| s as f64).collect();
            let half = sorted.len() / 2;
            let typical = *sorted.select_nth_unstable_by(half, f64::total_cmp).1;
            let n = groups.len();
            if typical <= 2.0 {
                if steps[0] > 1_000 && steps[1] <= 2 {
                    mark(&groups[0], None, Some(groups[1].0));
                }
                if steps[n - 2] > 1_000 && steps[n - 3] <= 2 {
                    mark(&groups[n - 1], Some(groups[n - 2].0), None);
                }
            }
        }
        if stray.is_empty() {
            return stray;
        }
        let mut out = Run::with_capacity(self.len());
        for i in (0..self.len()).filter(|&i| !drop[i]) {
            out.push_from(self, i);
        }
        out.restarts = std::mem::take(&mut self.restarts);
        *self = out;
        stray
    }

    /// Cycle numbers beyond 2^53 cannot be told apart as floating-point
    /// numbers (the analysis works in them): such a run is numbered from 1
    /// on, keeping the gaps. Returns the first cycle as written, when it did.
    pub(crate) fn rebase_huge_cycles(&mut self) -> Option<u64> {
        let max = self.cycles.iter().copied().max()?;
        if max < 1 << 53 {
            return None;
        }
        let min = self.cycles.iter().copied().min()?;
        let shift = min.saturating_sub(1);
        for c in &mut self.cycles {
            *c -= shift;
        }
        for r in &mut self.restarts {
            *r = r.saturating_sub(shift);
        }
        Some(min)
    }

    /// The cycles where a restarted worker's snapshots begin (its counter
    /// started again, see [`Run::continue_restarted_cycles`]), ascending.
    /// Each starts a new process: the analysis judges the processes apart.
    pub fn restarts(&self) -> &[u64] {
        &self.restarts
    }

    /// Merges several exports of one run: concatenated in the given order,
    /// sorted by cycle (stable, so the order inside a cycle is kept),
    /// de-duplicated by (cycle, label), the first occurrence winning.
    /// Returns the merged run and the number of duplicates dropped.
    pub fn merge(runs: &[Run]) -> (Run, usize) {
        let (run, dropped) = Run::merge_reporting(runs);
        (run, dropped.count)
    }

    /// [`Run::merge`], saying also which duplicates disagreed with the
    /// snapshot kept (the same cycle and label with other values: two
    /// processes writing one file, or a counter reset the reader missed).
    pub fn merge_reporting<R: std::borrow::Borrow<Run>>(runs: &[R]) -> (Run, Dropped) {
        let runs: Vec<&Run> = runs.iter().map(Borrow::borrow).collect();
        let total: usize = runs.iter().map(|r| r.len()).sum();
        // (cycle, run index, position) sorted stably by cycle.
        let mut order: Vec<(u64, u32, u32)> = Vec::with_capacity(total);
        for (r, run) in runs.iter().enumerate() {
            for (i, &c) in run.cycles.iter().enumerate() {
                order.push((c, r as u32, i as u32));
            }
        }
        let already_sorted = order.windows(2).all(|w| w[0].0 <= w[1].0);
        if !already_sorted {
            // (cycle, file, position) is unique: in file order within a cycle.
            order.sort_unstable();
        }
        let mut out = Run::with_capacity(total);
        let mut dropped = Dropped::default();
        let mut i = 0;
        while i < order.len() {
            let cycle = order[i].0;
            let mut j = i;
            while j < order.len() && order[j].0 == cycle {
                j += 1;
            }
            // Labels kept in this cycle, with where they came from: a linear
            // scan for the usual handful, a hash map when a hostile file
            // puts thousands in one cycle.
            let mut few: Vec<(&str, (u32, u32))> = Vec::new();
            let mut many: HashMap<&str, (u32, u32)> = HashMap::default();
            let big = j - i > 16;
            for &(_, r, p) in &order[i..j] {
                let run = runs[r as usize];
                let label = run.label(p as usize);
                let kept = if big {
                    many.get(label).copied()
                } else {
                    few.iter().find(|(l, _)| *l == label).map(|(_, at)| *at)
                };
                if let Some((kr, kp)) = kept {
                    dropped.count += 1;
                    let other = runs[kr as usize];
                    let differs = Metric::ALL.into_iter().find(|&m| {
                        let (a, b) = (other.value(m, kp as usize), run.value(m, p as usize));
                        a != b && !(a.is_nan() && b.is_nan())
                    });
                    if let Some(m) = differs {
                        dropped.disagreeing += 1;
                        dropped.first_disagreement.get_or_insert_with(|| {
                            let v = |x: f64| {
                                if x.is_nan() {
                                    "missing".to_owned()
                                } else {
                                    format!("{x}")
                                }
                            };
                            format!(
                                "cycle {cycle} \"{label}\": {} {} kept, {} dropped",
                                m.key(),
                                v(other.value(m, kp as usize)),
                                v(run.value(m, p as usize))
                            )
                        });
                    }
                    continue;
                }
                if big {
                    many.insert(label, (r, p));
                } else {
                    few.push((label, (r, p)));
                }
                out.push_from(run, p as usize);
            }
            i = j;
        }
        out.restarts = runs
            .iter()
            .flat_map(|r| r.restarts.iter().copied())
            .collect();
        crate::stats::sort_small(&mut out.restarts, u64::cmp);
        out.restarts.dedup();
        (out, dropped)
    }

    /// The snapshots of the first `k` distinct cycles (of a normalized run).
    pub fn head_cycles(&self, k: usize) -> Run {
        let end = self
            .cycle_ranges()
            .get(k)
            .map(|(_, r)| r.start)
            .unwrap_or(self.len());
        let mut out = Run::with_capacity(end);
        for i in 0..end {
            out.push_from(self, i);
        }
        let last = out.cycles.last().copied();
        out.restarts = self
            .restarts
            .iter()
            .copied()
            .filter(|&r| Some(r) <= last)
            .collect();
        out
    }

    /// Indices of snapshots grouped by cycle: `(cycle, start..end)`.
    /// Requires a normalized run.
    pub fn cycle_ranges(&self) -> Vec<(u64, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.cycles.len() {
            let c = self.cycles[i];
            let mut j = i + 1;
            while j < self.cycles.len() && self.cycles[j] == c {
                j += 1;
            }
            out.push((c, i..j));
            i = j;
        }
        out
    }
}

#[cfg(test)]
mod tests;
