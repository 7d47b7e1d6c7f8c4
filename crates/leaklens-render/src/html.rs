//! One self-contained HTML file: inline CSS and SVG charts, no script at all
//! (a CSP forbids it), readable offline. Every string from an input is escaped.

use std::fmt::Write;

use leaklens_core::compare::Comparison;
use leaklens_core::report::{Report, Severity};
use leaklens_core::{Metric, Run};

use super::{cleanup_text, forecast_text, html_escape as e};
use crate::tables;

const CSS: &str = r#"
:root { --fg:#1d2330; --muted:#5d6778; --bg:#fff; --line:#e3e6ec; --leak:#c62828; --ok:#2e7d32; --warn:#b26a00; --info:#1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.facts { color: var(--muted); }
.banner { border-radius: 8px; padding: 14px 18px; margin: 16px 0; color: #fff; }
.banner b { font-size: 18px; display: block; }
.banner.leak { background: var(--leak); } .banner.no_leak { background: var(--ok); } .banner.inconclusive { background: #6d6d6d; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sev { font-weight: 600; white-space: nowrap; } .sev.critical { color: var(--leak); } .sev.warning { color: var(--warn); } .sev.info { color: var(--info); }
.chart { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; overflow: hidden; }
.chart svg { display: block; width: 100%; height: auto; }
code, .url { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
ul { padding-left: 20px; } footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
"#;

pub(crate) fn head(o: &mut String, title: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>leaklens — {}</title><style>{CSS}</style></head><body><main>\n",
        e(title)
    );
}

/// Draws one chart of a report as HTML: the chart `spec` at `width` ×
/// `height` CSS pixels.
pub type DrawChart<'a> = dyn Fn(&leaklens_chart::ChartSpec, u32, u32) -> String + 'a;

fn charts(o: &mut String, run: &Run, draw: &DrawChart<'_>) {
    let memory = leaklens_chart::ChartSpec::memory();
    let _ = writeln!(o, "<div class=\"chart\">{}</div>", draw(&memory, 1040, 420));
    if run.has_metric(Metric::Pages) || run.has_metric(Metric::Contexts) {
        let browser = leaklens_chart::ChartSpec::browser();
        let _ = writeln!(
            o,
            "<div class=\"chart\">{}</div>",
            draw(&browser, 1040, 260)
        );
    }
}

fn sev_class(s: Severity) -> &'static str {
    s.as_str()
}

fn body(o: &mut String, run: &Run, r: &Report, title: &str, draw: &DrawChart<'_>) {
    let s = &r.summary;
    let _ = writeln!(o, "<h1>leaklens — {}</h1>", e(title));
    let facts = super::facts(s);
    let _ = writeln!(o, "<div class=\"facts\">{}</div>", e(&facts.join(" · ")));
    let (word, class) = (super::verdict_title(s.verdict), s.verdict.as_str());
    let _ = writeln!(
        o,
        "<div class=\"banner {class}\" id=\"verdict\" data-verdict=\"{}\"><b>{word}</b>{}</div>",
        s.verdict.as_str(),
        e(&s.reason)
    );
    if !s.watch.is_empty() {
        let _ = writeln!(o, "<ul>");
        for w in &s.watch {
            let _ = writeln!(o, "<li>👀 {}</li>", e(w));
        }
        let _ = writeln!(o, "</ul>");
    }
    charts(o, run, draw);

    let _ = writeln!(o, "<h2>Issues</h2>");
    if r.issues.is_empty() {
        let _ = writeln!(o, "<p>No issues found.</p>");
    } else {
        let _ = writeln!(o, "<table id=\"issues\"><tr><th>Severity</th><th>Kind</th><th>Metric</th><th>Cycles</th><th>Details</th></tr>");
        for i in &r.issues {
            let _ = writeln!(
                o,
                "<tr><td class=\"sev {}\">{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}{}</td><td>{}</td></tr>",
                sev_class(i.severity),
                i.severity.as_str(),
                i.kind.as_str(),
                i.metric,
                i.first_cycle,
                i.last_cycle.map(|l| format!("–{l}")).unwrap_or_default(),
                e(&i.message)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !r.hints.is_empty() {
        let _ = writeln!(o, "<ul>");
        for h in &r.hints {
            let _ = writeln!(o, "<li>💡 {}</li>", e(&h.message));
        }
        let _ = writeln!(o, "</ul>");
    }

    let _ = writeln!(o, "<h2>Metrics: retained level after GC</h2>");
    write_table(o, &tables::metrics(r));
    let _ = writeln!(o, "<h2>Evidence</h2>");
    write_table(o, &tables::evidence(r));

    if !r.forecasts.is_empty() {
        let _ = writeln!(o, "<h2>Forecast</h2><ul>");
        for f in &r.forecasts {
            let _ = writeln!(o, "<li>{}</li>", e(&forecast_text(f)));
        }
        let _ = writeln!(o, "</ul>");
    }

    if !r.windows.is_empty() {
        let _ = writeln!(o, "<h2>Every {} cycles</h2>", r.config.interval);
        write_table(o, &tables::windows(r));
    }

    if !r.phases.is_empty() {
        let _ = writeln!(o, "<h2>Operations: mean change at each step</h2>");
        write_table(o, &tables::phases(r));
        if let Some(c) = &r.cleanup {
            let _ = writeln!(o, "<p>{}</p>", e(&cleanup_text(c)));
        }
    }

    if !r.lingering_urls.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Pages left open</h2><table><tr><th>URL</th><th>Cycles</th><th>Open for</th></tr>"
        );
        for u in &r.lingering_urls {
            let _ = writeln!(
                o,
                "<tr><td class=\"url\">{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{} cycles</td></tr>",
                e(&u.url),
                u.first_cycle,
                u.last_cycle,
                u.cycles_open
            );
        }
        let _ = writeln!(o, "</table>");
    }

    if !r.worker_verdicts.is_empty() {
        let _ = writeln!(o, "<h2>The worker's own analyses</h2><ul>");
        for v in &r.worker_verdicts {
            let _ = writeln!(
                o,
                "<li>{}:{} after cycle {}: {} — {}</li>",
                e(&v.source),
                v.line,
                v.after_cycle.map(|c| c.to_string()).unwrap_or("?".into()),
                e(&v.trend.clone().unwrap_or_default()),
                e(&v.issues.join("; "))
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "<h2>Input warnings ({})</h2><ul>", r.warnings.len());
        for w in r.warnings.iter().take(50) {
            let _ = writeln!(o, "<li>{}</li>", e(&w.to_string()));
        }
        let _ = writeln!(o, "</ul>");
    }
}

pub(crate) fn foot(o: &mut String) {
    let _ = writeln!(
        o,
        "<footer>Generated by leaklens {} · schema_version 1</footer></main></body></html>",
        env!("CARGO_PKG_VERSION")
    );
}

pub fn report(run: &Run, r: &Report, title: &str) -> String {
    report_with_charts(run, r, title, &|spec, w, h| {
        leaklens_chart::render_svg(run, r, spec, w, h)
    })
}

/// [`report`] with the charts drawn by `draw`: the viewer hands in the
/// charts it has already drawn (as images), and its wasm then carries no
/// SVG renderer.
pub fn report_with_charts(run: &Run, r: &Report, title: &str, draw: &DrawChart<'_>) -> String {
    let mut o = String::new();
    head(&mut o, title);
    body(&mut o, run, r, title, draw);
    foot(&mut o);
    o
}

pub fn compare(
    before_run: &Run,
    before: &Report,
    after_run: &Run,
    after: &Report,
    c: &Comparison,
    names: &(String, String),
) -> String {
    let mut o = String::new();
    let title = format!("{} → {}", names.0, names.1);
    head(&mut o, &title);
    let _ = writeln!(o, "<h1>leaklens compare — {}</h1>", e(&title));
    let class = match c.verdict {
        leaklens_core::compare::Change::Regressed => "leak",
        leaklens_core::compare::Change::Fixed => "no_leak",
        _ => "inconclusive",
    };
    let _ = writeln!(
        o,
        "<div class=\"banner {class}\" id=\"verdict\" data-verdict=\"{}\"><b>{}</b>{}</div>",
        c.verdict.as_str(),
        c.verdict.as_str(),
        e(&c.reason)
    );
    write_table(&mut o, &tables::comparison(c));
    let _ = writeln!(o, "<h2>Before: {}</h2>", e(&names.0));
    body(&mut o, before_run, before, &names.0, &|spec, w, h| {
        leaklens_chart::render_svg(before_run, before, spec, w, h)
    });
    let _ = writeln!(o, "<h2>After: {}</h2>", e(&names.1));
    body(&mut o, after_run, after, &names.1, &|spec, w, h| {
        leaklens_chart::render_svg(after_run, after, spec, w, h)
    });
    foot(&mut o);
    o
}

/// A table as HTML, every cell escaped.
pub(crate) fn write_table(o: &mut String, t: &tables::Table) {
    o.push_str("<table><tr>");
    for h in &t.header {
        let _ = write!(o, "<th>{}</th>", e(h));
    }
    o.push_str("</tr>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for (k, c) in row.iter().enumerate() {
            let class = if t.numeric.get(k).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(o, "<td{class}>{}</td>", e(c));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table>\n");
}
