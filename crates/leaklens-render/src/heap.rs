//! The report of `leaklens heap` (V8 heap snapshots) in text, Markdown and
//! HTML, laid out like the memory report: the verdict, the classes that grew
//! in every interval, what holds them, the first snapshot against the last.
//! Class and property names come from the snapshot: untrusted, escaped.

use std::fmt::Write;

use leaklens_heap::growth::{ClassDiff, ClassKind};
use leaklens_heap::paths::PathGroup;
use leaklens_heap::{HeapReport, Verdict};

use super::{html_escape as e, md_escape, sanitize};

/// A size in bytes, as people read it (KB and MB of 1024).
pub fn bytes(n: u64) -> String {
    let x = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if x < 1024.0 * 1024.0 {
        format!("{:.1} KB", x / 1024.0)
    } else if x < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", x / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GB", x / (1024.0 * 1024.0 * 1024.0))
    }
}

/// A change of size in bytes, signed (`+1.2 MB`).
pub fn signed_bytes(d: i64) -> String {
    let sign = if d < 0 { "-" } else { "+" };
    format!("{sign}{}", bytes(d.unsigned_abs()))
}

/// Values per snapshot, `a → b → c`.
pub fn series(v: &[u64], f: impl Fn(u64) -> String) -> String {
    v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(" → ")
}

/// The verdict in one line (no input text in it).
pub fn verdict_line(r: &HeapReport) -> String {
    let n = r.snapshots.len();
    match r.verdict {
        Verdict::Grows => format!(
            "🚨 GROWS: {} {} grew in every one of the {} intervals (count and self size)",
            r.growers_total,
            if r.growers_total == 1 {
                "class"
            } else {
                "classes"
            },
            n - 1
        ),
        Verdict::NoGrowth => format!(
            "✅ NO GROWTH: no class grew in every one of the {} intervals",
            n.saturating_sub(1)
        ),
        Verdict::TooFewSnapshots => {
            "❔ ONE SNAPSHOT: give two or more, taken at increasing cycles, to see what grows"
                .into()
        }
    }
}

/// The series in one line: snapshots, objects and sizes first → last.
pub fn facts(r: &HeapReport) -> String {
    let first = r.snapshots.first();
    let last = r.snapshots.last();
    let n = r.snapshots.len();
    let mut f = vec![format!("{n} snapshot{}", if n == 1 { "" } else { "s" })];
    match (first, last) {
        (Some(a), Some(b)) if n > 1 => {
            f.push(format!("{} → {} objects", a.nodes, b.nodes));
            f.push(format!("{} → {}", bytes(a.total_size), bytes(b.total_size)));
        }
        (Some(a), _) => {
            f.push(format!("{} objects", a.nodes));
            f.push(bytes(a.total_size));
        }
        _ => {}
    }
    if r.snapshots.len() == 2 {
        f.push("a third snapshot tells a leak from one-off growth".into());
    }
    f.join(" · ")
}

/// The report as text for a terminal.
pub fn text(r: &HeapReport, title: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "leaklens heap — {}", sanitize(title));
    let _ = writeln!(o, "{}", facts(r));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", verdict_line(r));
    if !r.growers.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "📈 Grew in every interval (per snapshot, in the order given)"
        );
        for g in &r.growers {
            let kind = match g.kind {
                ClassKind::User => "the program's class",
                ClassKind::Builtin => "JavaScript's",
                ClassKind::Internal => "V8's",
            };
            let _ = writeln!(o, "   {} ({kind})", sanitize(&g.name));
            let _ = writeln!(
                o,
                "      count     {}",
                series(&g.counts, |c| c.to_string())
            );
            let _ = writeln!(o, "      self      {}", series(&g.self_sizes, bytes));
            let _ = writeln!(o, "      retained  {}", series(&g.retained_sizes, bytes));
        }
        if r.growers_total > r.growers.len() {
            let _ = writeln!(o, "   … and {} more", r.growers_total - r.growers.len());
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "🔗 What holds them (shortest paths from the GC roots, last snapshot)"
        );
        for g in &r.growers {
            let _ = writeln!(o, "   {}", sanitize(&g.name));
            for p in &g.paths {
                let _ = writeln!(
                    o,
                    "      {} {}{}",
                    p.objects,
                    objects(p),
                    notes(p, sanitize)
                );
                let _ = writeln!(o, "         {}", sanitize(&p.text));
            }
        }
    }
    largest_text(&mut o, r);
    if !r.diff.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "🔍 First → last snapshot, the largest changes of self size"
        );
        let _ = writeln!(
            o,
            "   {:<36} {:>9} {:>12} {:>12}",
            "Class", "Δ count", "Δ self", "Δ retained"
        );
        for d in &r.diff {
            let _ = writeln!(
                o,
                "   {:<36} {:>+9} {:>12} {:>12}",
                sanitize(&short(&d.name, 36)),
                d.count_delta,
                signed_bytes(d.self_size_delta),
                signed_bytes(d.retained_size_delta)
            );
        }
    }
    o
}

fn largest_text(o: &mut String, r: &HeapReport) {
    if r.classes.is_empty() {
        return;
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "📊 Last snapshot, the classes that retain the most");
    let _ = writeln!(
        o,
        "   {:<36} {:>9} {:>12} {:>12}",
        "Class", "Count", "Self", "Retained"
    );
    for c in &r.classes {
        let _ = writeln!(
            o,
            "   {:<36} {:>9} {:>12} {:>12}",
            sanitize(&short(&c.name, 36)),
            c.count,
            bytes(c.self_size),
            bytes(c.retained_size)
        );
    }
}

fn objects(p: &PathGroup) -> &'static str {
    if p.objects == 1 {
        "object"
    } else {
        "objects"
    }
}

/// What holds a path's objects, in words, escaped by `escape`.
fn notes(p: &PathGroup, escape: impl Fn(&str) -> String) -> String {
    if p.notes.is_empty() {
        String::new()
    } else {
        format!(": {}", escape(&p.notes.join("; ")))
    }
}

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// The report in Markdown (a CI summary, a PR comment).
pub fn markdown(r: &HeapReport, title: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## leaklens heap: {}", md_escape(title));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", verdict_line(r));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", md_escape(&facts(r)));
    if !r.growers.is_empty() {
        let _ = writeln!(o, "\n### Grew in every interval\n");
        let _ = writeln!(o, "| Class | Count | Self size | Retained size |");
        let _ = writeln!(o, "|---|---|---|---|");
        for g in &r.growers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md_escape(&g.name),
                series(&g.counts, |c| c.to_string()),
                series(&g.self_sizes, bytes),
                series(&g.retained_sizes, bytes)
            );
        }
        let _ = writeln!(o, "\n### What holds them\n");
        for g in &r.growers {
            let _ = writeln!(o, "**{}**\n", md_escape(&g.name));
            for p in &g.paths {
                let _ = writeln!(
                    o,
                    "- {} {}{}  \n  {}",
                    p.objects,
                    objects(p),
                    notes(p, md_escape),
                    md_escape(&p.text)
                );
            }
            let _ = writeln!(o);
        }
    }
    if !r.classes.is_empty() {
        let _ = writeln!(o, "\n### Last snapshot, the classes that retain the most\n");
        let _ = writeln!(o, "| Class | Count | Self size | Retained size |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for c in &r.classes {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md_escape(&c.name),
                c.count,
                bytes(c.self_size),
                bytes(c.retained_size)
            );
        }
    }
    if !r.diff.is_empty() {
        let _ = writeln!(o, "\n### First → last snapshot\n");
        let _ = writeln!(o, "| Class | Δ count | Δ self size | Δ retained size |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for d in &r.diff {
            let _ = writeln!(o, "{}", diff_row_md(d));
        }
    }
    o
}

fn diff_row_md(d: &ClassDiff) -> String {
    format!(
        "| {} | {:+} | {} | {} |",
        md_escape(&d.name),
        d.count_delta,
        signed_bytes(d.self_size_delta),
        signed_bytes(d.retained_size_delta)
    )
}

/// The report as one self-contained HTML file (no script).
pub fn html(r: &HeapReport, title: &str) -> String {
    let mut o = String::new();
    crate::html::head(&mut o, &format!("heap — {title}"));
    let _ = writeln!(o, "<h1>leaklens heap — {}</h1>", e(title));
    let _ = writeln!(o, "<p class=\"facts\">{}</p>", e(&facts(r)));
    let class = match r.verdict {
        Verdict::Grows => "leak",
        Verdict::NoGrowth => "no_leak",
        Verdict::TooFewSnapshots => "inconclusive",
    };
    let _ = writeln!(
        o,
        "<div class=\"banner {class}\"><b>{}</b></div>",
        e(&verdict_line(r))
    );
    if !r.growers.is_empty() {
        let _ = writeln!(o, "<h2>Grew in every interval</h2><table><tr><th>Class</th><th>Count</th><th>Self size</th><th>Retained size</th></tr>");
        for g in &r.growers {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e(&g.name),
                e(&series(&g.counts, |c| c.to_string())),
                e(&series(&g.self_sizes, bytes)),
                e(&series(&g.retained_sizes, bytes))
            );
        }
        let _ = writeln!(o, "</table><h2>What holds them</h2>");
        for g in &r.growers {
            let _ = writeln!(o, "<h3><code>{}</code></h3><ul>", e(&g.name));
            for p in &g.paths {
                let _ = writeln!(
                    o,
                    "<li>{} {}{}<br><code>{}</code></li>",
                    p.objects,
                    objects(p),
                    notes(p, e),
                    e(&p.text)
                );
            }
            let _ = writeln!(o, "</ul>");
        }
    }
    if !r.classes.is_empty() {
        let _ = writeln!(o, "<h2>Last snapshot, the classes that retain the most</h2><table><tr><th>Class</th><th>Count</th><th>Self size</th><th>Retained size</th></tr>");
        for c in &r.classes {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e(&c.name),
                c.count,
                e(&bytes(c.self_size)),
                e(&bytes(c.retained_size))
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !r.diff.is_empty() {
        let _ = writeln!(o, "<h2>First → last snapshot</h2><table><tr><th>Class</th><th>Δ count</th><th>Δ self size</th><th>Δ retained size</th></tr>");
        for d in &r.diff {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"num\">{:+}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e(&d.name),
                d.count_delta,
                e(&signed_bytes(d.self_size_delta)),
                e(&signed_bytes(d.retained_size_delta))
            );
        }
        let _ = writeln!(o, "</table>");
    }
    crate::html::foot(&mut o);
    o
}
