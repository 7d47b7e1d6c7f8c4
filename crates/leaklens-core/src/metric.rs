//! The seven metrics a snapshot carries.

use serde::{Deserialize, Serialize};

/// One measured quantity of a snapshot.
///
/// Memory metrics are in MB (1024 × 1024 bytes), as the profiler prints them;
/// `Pages` and `Contexts` are counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    HeapUsed,
    HeapTotal,
    Rss,
    External,
    ArrayBuffers,
    /// Resident memory of the browser's process tree (Chromium runs in
    /// processes of its own that `process.memoryUsage()` never sees), MB.
    BrowserMemory,
    Pages,
    Contexts,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; Metric::COUNT] = [
        Metric::HeapUsed,
        Metric::HeapTotal,
        Metric::Rss,
        Metric::External,
        Metric::ArrayBuffers,
        Metric::BrowserMemory,
        Metric::Pages,
        Metric::Contexts,
    ];

    /// How many metrics there are.
    pub const COUNT: usize = 8;

    /// The memory metrics (MB): every metric before the two counts.
    pub const MEMORY: [Metric; 6] = {
        let mut memory = [Metric::HeapUsed; 6];
        let mut i = 0;
        while i < memory.len() {
            memory[i] = Metric::ALL[i];
            i += 1;
        }
        memory
    };

    /// The key used in the report JSON (`heap_used`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Metric::HeapUsed => "heap_used",
            Metric::HeapTotal => "heap_total",
            Metric::Rss => "rss",
            Metric::External => "external",
            Metric::ArrayBuffers => "array_buffers",
            Metric::BrowserMemory => "browser_memory",
            Metric::Pages => "pages",
            Metric::Contexts => "contexts",
        }
    }

    /// The name users know from the profiler's output.
    pub fn display_name(self) -> &'static str {
        match self {
            Metric::HeapUsed => "Heap Used",
            Metric::HeapTotal => "Heap Total",
            Metric::Rss => "RSS",
            Metric::External => "External",
            Metric::ArrayBuffers => "ArrayBuffers",
            Metric::BrowserMemory => "Browser Memory",
            Metric::Pages => "Browser Pages",
            Metric::Contexts => "Browser Contexts",
        }
    }

    /// Parses a report key or a common spelling (`heapUsed`, `heap`, `rss`, ...).
    pub fn parse(s: &str) -> Option<Metric> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Some(match norm.as_str() {
            "heapused" | "heap" | "used" => Metric::HeapUsed,
            "heaptotal" | "total" => Metric::HeapTotal,
            "rss" => Metric::Rss,
            "external" | "ext" => Metric::External,
            "arraybuffers" | "arraybuffer" | "buffers" => Metric::ArrayBuffers,
            "browsermemory" | "browser" | "chromium" => Metric::BrowserMemory,
            "pages" | "pagecount" | "browserpages" => Metric::Pages,
            "contexts" | "contextcount" | "browsercontexts" => Metric::Contexts,
            _ => return None,
        })
    }

    /// True for the metrics a verdict is about: all but heap total, which
    /// is V8's reservation (it follows the heap up and keeps its high-water
    /// mark; it leaks only through what it holds).
    pub fn is_verdict_metric(self) -> bool {
        self != Metric::HeapTotal
    }

    pub fn is_count(self) -> bool {
        matches!(self, Metric::Pages | Metric::Contexts)
    }

    /// The unit a value of this metric is in.
    pub fn unit(self) -> &'static str {
        if self.is_count() {
            ""
        } else {
            "MB"
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_keys_and_spellings() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.key()), Some(m));
        }
        assert_eq!(Metric::parse("heapUsed"), Some(Metric::HeapUsed));
        assert_eq!(Metric::parse("RSS"), Some(Metric::Rss));
        assert_eq!(Metric::parse("bogus"), None);
        assert_eq!(Metric::parse("browserMemory"), Some(Metric::BrowserMemory));
        for (k, m) in Metric::ALL.iter().enumerate() {
            assert!(m.index() < Metric::COUNT, "{m}");
            assert_eq!(Metric::ALL.iter().position(|x| x == m), Some(k));
        }
    }
}
