//! What a key of a snapshot object means (its aliases included), and the
//! values read from one object before they are checked.

use std::borrow::Cow;

use crate::run::GcSince;
use crate::Metric;

/// What a key of a snapshot object means.
#[derive(Debug, Clone, Copy)]
pub(in crate::ingest) enum Field {
    Cycle,
    Label,
    Timestamp,
    Unit,
    Value(Metric),
    Urls,
    /// `nodejs: {...}` (the memory values).
    Memory,
    /// `browser: {...}`.
    Browser,
    /// `gc: {...}`: collections since the previous snapshot.
    Gc,
    Snapshots,
    Other,
}

pub(in crate::ingest) fn field(key: &[u8]) -> Field {
    match key {
        b"cycle" => Field::Cycle,
        b"label" => Field::Label,
        b"timestamp" => Field::Timestamp,
        b"unit" | b"units" => Field::Unit,
        b"heapUsed" | b"heap_used" => Field::Value(Metric::HeapUsed),
        b"heapTotal" | b"heap_total" => Field::Value(Metric::HeapTotal),
        b"rss" => Field::Value(Metric::Rss),
        b"external" => Field::Value(Metric::External),
        b"arrayBuffers" | b"array_buffers" => Field::Value(Metric::ArrayBuffers),
        b"browserMemory" | b"browser_memory" => Field::Value(Metric::BrowserMemory),
        b"pageCount" | b"page_count" | b"pages" => Field::Value(Metric::Pages),
        b"contextCount" | b"context_count" | b"contexts" => Field::Value(Metric::Contexts),
        b"pageUrls" | b"page_urls" => Field::Urls,
        b"nodejs" | b"node" | b"memory" | b"memoryUsage" | b"memory_usage" => Field::Memory,
        b"browser" => Field::Browser,
        b"gc" => Field::Gc,
        b"snapshots" => Field::Snapshots,
        _ => Field::Other,
    }
}

/// Values of the wrong type seen in one snapshot object.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Bad {
    pub(super) count: u32,
    pub(super) first: Option<(&'static str, &'static str)>,
}

impl Bad {
    pub(super) fn add(&mut self, key: &'static str, ty: &'static str) {
        self.count += 1;
        self.first.get_or_insert((key, ty));
    }
}

/// One snapshot object as read, before it is checked and stored.
pub(in crate::ingest) struct Raw<'de> {
    pub(in crate::ingest) cycle: Scalar<'de>,
    pub(in crate::ingest) label: Scalar<'de>,
    pub(in crate::ingest) timestamp: Scalar<'de>,
    pub(in crate::ingest) unit: Scalar<'de>,
    pub(super) values: [f64; Metric::COUNT],
    pub(super) gc: Option<GcSince>,
    pub(super) bad: Bad,
    /// Byte offset of its first key.
    pub(in crate::ingest) pos: Option<usize>,
    pub(super) wrapper: bool,
}

impl Raw<'_> {
    pub(in crate::ingest) fn new() -> Self {
        Raw {
            cycle: Scalar::Null,
            label: Scalar::Null,
            timestamp: Scalar::Null,
            unit: Scalar::Null,
            values: [f64::NAN; Metric::COUNT],
            gc: None,
            bad: Bad::default(),
            pos: None,
            wrapper: false,
        }
    }

    /// One member of a snapshot's `gc` object (unknown keys are ignored).
    pub(in crate::ingest) fn set_gc(&mut self, key: &[u8], n: Num) {
        let v = match n {
            Num::Val(v) if v >= 0.0 => v,
            Num::Val(_) => return self.bad.add("gc", "a negative number"),
            Num::Absent => return,
            Num::Bad(ty) => return self.bad.add("gc", ty),
        };
        let count = v.min(u32::MAX as f64) as u32;
        let gc = self.gc.get_or_insert_with(GcSince::default);
        match key {
            b"major" => gc.major = count,
            b"minor" => gc.minor = count,
            b"incremental" => gc.incremental = count,
            b"weakcb" | b"weakCallbacks" | b"weak_callbacks" => gc.weak_callbacks = count,
            b"pauseMs" | b"pause_ms" => gc.pause_ms = v,
            b"heapAfterMajor" | b"heap_after_major" => gc.heap_after_major = v,
            b"externalAfterMajor" | b"external_after_major" => gc.external_after_major = v,
            _ => {}
        }
    }

    #[inline]
    pub(in crate::ingest) fn set(&mut self, m: Metric, n: Num) {
        match n {
            // Memory and counts are never below zero: a sign slipped in.
            Num::Val(v) if v < 0.0 => self.bad.add(m.key(), "a negative number"),
            Num::Val(v) => self.values[m.index()] = v,
            Num::Absent => {}
            Num::Bad(ty) => self.bad.add(m.key(), ty),
        }
    }
}

/// A scalar field value; arrays and objects are skipped and only named.
#[derive(Debug)]
pub(in crate::ingest) enum Scalar<'de> {
    Null,
    Bool,
    Int(u64),
    Neg(i64),
    Float(f64),
    Str(Cow<'de, str>),
    Array,
    Object,
    /// `NaN`, `Infinity` or `-Infinity`: not JSON, but what Python's
    /// `json.dumps` and JavaScript's loose writers put for a missing value.
    NonFinite(&'static str),
}

impl Scalar<'_> {
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Scalar::NonFinite(what) => what,
            Scalar::Null => "null",
            Scalar::Bool => "a boolean",
            Scalar::Int(_) | Scalar::Neg(_) | Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }

    /// A metric value, read as [`NumSeed`] reads it.
    pub(in crate::ingest) fn as_num(&self) -> Num {
        match self {
            Scalar::Null => Num::Absent,
            Scalar::Int(v) => Num::Val(*v as f64),
            Scalar::Neg(v) => Num::Val(*v as f64),
            Scalar::Float(f) => Num::Val(*f),
            Scalar::Str(s) => num_from_str(s),
            other => Num::Bad(other.type_name()),
        }
    }

    /// A cycle number: an integer, an integral float or a numeric string.
    pub(super) fn as_cycle(&self) -> Result<Option<u64>, &'static str> {
        let from_f64 = |f: f64| (f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64);
        match self {
            Scalar::Null => Ok(None),
            Scalar::Int(v) => Ok(Some(*v)),
            Scalar::Neg(_) => Err("a negative number"),
            Scalar::Float(f) => from_f64(*f).map(Some).ok_or("not a whole number"),
            Scalar::Str(s) => {
                let s = s.trim();
                s.parse::<u64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(from_f64))
                    .map(Some)
                    .ok_or("not a whole number")
            }
            other => Err(other.type_name()),
        }
    }
}

/// A metric value: a number, or a numeric string. Null is absent.
pub(in crate::ingest) enum Num {
    Absent,
    Val(f64),
    Bad(&'static str),
}

pub(super) fn num_from_str(s: &str) -> Num {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() => Num::Val(f),
        _ => Num::Bad("a non-numeric string"),
    }
}
