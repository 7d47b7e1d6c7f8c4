//! The fleet page: every live run with its verdict, top issue, growth,
//! time to a limit and when it was last seen, most severe first. Plain
//! HTML made on the server (no script); every string from a worker (run
//! names, issue messages) is escaped as text.

use std::fmt::Write;

use leaklens_core::report::Severity;
use leaklens_core::text::html_escape;
use leaklens_core::Metric;
use leaklens_protocol::routes;

use crate::exposition::Judged;

/// How far down the page a run goes: leaks first, then the worst issue,
/// then the soonest limit.
fn rank(j: &Judged) -> (u8, Option<Severity>, f64) {
    let verdict = match j.verdict {
        "leak" => 0,
        "inconclusive" => 1,
        _ => 2,
    };
    let soonest = j.hours_to_limit.map_or(f64::INFINITY, |h| h.1);
    (verdict, j.top_issue.as_ref().map(|i| i.0), soonest)
}

/// "3 min ago", from seconds.
fn ago(seconds: f64) -> String {
    match seconds.max(0.0) {
        s if s < 90.0 => format!("{s:.0} s ago"),
        s if s < 5_400.0 => format!("{:.0} min ago", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h ago", s / 3_600.0),
        s => format!("{:.0} days ago", s / 86_400.0),
    }
}

pub(crate) fn page(runs: &[(String, Judged)], service: &str, now: f64) -> String {
    let mut shown: Vec<&(String, Judged)> = runs
        .iter()
        .filter(|(_, j)| service.is_empty() || j.name.contains(service))
        .collect();
    shown.sort_by(|a, b| {
        let (ra, rb) = (rank(&a.1), rank(&b.1));
        ra.0.cmp(&rb.0)
            .then(rb.1.cmp(&ra.1))
            .then(ra.2.total_cmp(&rb.2))
            .then(a.1.name.cmp(&b.1.name))
    });
    let mut out = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>leaklens — fleet</title><style>\
         body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\
         table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}\
         .leak{color:#b00020;font-weight:600}.no_leak{color:#1b7f3b}.inconclusive{color:#8a6d00}\
         .wrap{overflow-x:auto}form{margin:.8em 0}</style></head><body>\
         <h1>leaklens — fleet</h1>",
    );
    let _ = write!(
        out,
        "<form method=\"get\"><label>Service <input name=\"service\" value=\"{}\"></label> \
         <button>Filter</button></form>",
        html_escape(service)
    );
    let leaking = shown.iter().filter(|(_, j)| j.verdict == "leak").count();
    let _ = write!(
        out,
        "<p>{} live run{}{}, {leaking} leaking.</p>",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" },
        if service.is_empty() {
            String::new()
        } else {
            format!(" whose name contains “{}”", html_escape(service))
        }
    );
    if shown.is_empty() {
        out.push_str("<p>No live run yet: <code>leaklens push --follow FILE --server URL</code>, or the recorder with <code>LEAKLENS_SERVER</code>, starts one.</p>");
    } else {
        out.push_str(
            "<div class=\"wrap\"><table><thead><tr><th>Run</th><th>Verdict</th><th>Top issue</th>\
             <th>Heap growth</th><th>Time to a limit</th><th>Snapshots</th><th>Last seen</th>\
             </tr></thead><tbody>",
        );
        for (id, j) in shown {
            row(&mut out, id, j, now);
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str(
        "<p>For alerts: <a href=\"/metrics\">/metrics</a> (Prometheus).</p></body></html>",
    );
    out
}

fn row(out: &mut String, id: &str, j: &Judged, now: f64) {
    let heap = j
        .slopes
        .iter()
        .find(|(m, _)| *m == Metric::HeapUsed)
        .map_or("—".to_owned(), |(_, s)| format!("{s:+.3} MB/cycle"));
    let issue = j
        .top_issue
        .as_ref()
        .map_or("—".to_owned(), |(sev, kind, msg)| {
            format!(
                "<b>{}</b> {}<br>{}",
                sev.as_str(),
                html_escape(kind),
                html_escape(msg)
            )
        });
    let limit = j.hours_to_limit.map_or("—".to_owned(), |(m, h)| {
        format!("{} in {h:.1} h", html_escape(m.display_name()))
    });
    let seen = j.last_seen.map_or("—".to_owned(), |t| ago(now - t));
    let _ = write!(
        out,
        "<tr><td><a href=\"{}\">{}</a></td><td class=\"{}\">{}</td><td>{issue}</td><td>{heap}</td>\
         <td>{limit}</td><td>{}</td><td>{seen}</td></tr>",
        html_escape(&routes::run_view(id)),
        html_escape(&j.name),
        j.verdict,
        j.verdict.replace('_', " "),
        j.snapshots
    );
}
