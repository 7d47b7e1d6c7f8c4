//! `leaklens report FILE... -o DIR`: a static site that any static host can
//! serve from any path (nginx, GitHub Pages, S3, `python3 -m http.server`).
//!
//! ```text
//! DIR/index.html      the verdict, and a redirect that opens the viewer on the data
//! DIR/viewer/...      the viewer (from the binary, or --viewer DIR)
//! DIR/data/<file>     the input files, as given
//! DIR/report.html     the self-contained report (no script)
//! DIR/report.json     the report contract
//! DIR/report.md       the Markdown report (for a CI summary)
//! ```
//!
//! Every link is relative; every string from the inputs is escaped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use leaklens_core::report::Report;
use leaklens_core::text::html_escape;

/// A file name safe on every host and in a URL without encoding: letters,
/// digits, `.`, `_`, `-`; unique within the site.
fn site_name(original: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = original
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = base.trim_start_matches('.');
    let base = if base.is_empty() { "run" } else { base };
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{n}-{base}");
        n += 1;
    }
    name
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub struct SiteInput<'a> {
    /// The inputs: display name and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    pub title: &'a str,
    pub report: &'a Report,
    pub html_report: String,
    pub markdown_report: String,
}

/// The viewer's page with the policy `leaklens serve` sends as a header, in
/// a `<meta>` (a static host sends none): only the viewer's own files and
/// its hashed bootstrap script run. (`frame-ancestors` works only as a
/// header: left out.)
fn with_csp(html: &str) -> String {
    let policy = leaklens_server::content_security_policy(Some(html))
        .split("; ")
        .filter(|d| !d.starts_with("frame-ancestors"))
        .collect::<Vec<_>>()
        .join("; ");
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">");
    match html.find("<head>") {
        Some(i) => format!("{}{meta}{}", &html[..i + 6], &html[i + 6..]),
        None => format!("{meta}{html}"),
    }
}

/// Writes the site; returns the path of its index page.
pub fn write_site(
    out: &Path,
    viewer: &leaklens_server::Viewer,
    input: &SiteInput<'_>,
) -> anyhow::Result<PathBuf> {
    if out.exists() && !out.is_dir() {
        anyhow::bail!("{} exists and is not a directory", out.display());
    }
    for (path, bytes) in viewer.files() {
        let dest = out.join("viewer").join(path);
        match std::str::from_utf8(bytes) {
            Ok(html) if path == "index.html" => write(&dest, with_csp(html).as_bytes())?,
            _ => write(&dest, bytes)?,
        }
    }
    let mut taken = BTreeSet::new();
    let mut data = Vec::new();
    for (name, bytes) in &input.files {
        let file_name = Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone());
        let site = site_name(&file_name, &mut taken);
        write(&out.join("data").join(&site), bytes)?;
        data.push((file_name, site));
    }
    write(&out.join("report.html"), input.html_report.as_bytes())?;
    write(
        &out.join("report.json"),
        (input.report.to_json() + "\n").as_bytes(),
    )?;
    write(&out.join("report.md"), input.markdown_report.as_bytes())?;
    let index = out.join("index.html");
    write(
        &index,
        index_page(input.title, input.report, &data).as_bytes(),
    )?;
    Ok(index)
}

/// The viewer's URL relative to the site root, opening every data file as
/// exports of one run, as the report took them (`#m=m`: merged, which the
/// viewer would otherwise decide by how the files overlap).
fn viewer_href(data: &[(String, String)]) -> String {
    let srcs: Vec<String> = data
        .iter()
        .map(|(_, site)| format!("../data/{site}"))
        .collect();
    format!(
        "viewer/index.html?{}{}",
        leaklens_protocol::routes::viewer_query(&srcs),
        if data.len() > 1 { "#m=m" } else { "" }
    )
}

fn index_page(title: &str, report: &Report, data: &[(String, String)]) -> String {
    let href = html_escape(&viewer_href(data));
    let s = &report.summary;
    let verdict = leaklens_render::text::verdict_line(s.verdict);
    let mut issues = String::new();
    for i in &report.issues {
        issues.push_str(&format!(
            "<li class=\"{}\">{}</li>\n",
            i.severity.as_str(),
            html_escape(&i.message)
        ));
    }
    let files: Vec<String> = data
        .iter()
        .map(|(orig, site)| {
            format!(
                "<a href=\"data/{}\">{}</a>",
                html_escape(site),
                html_escape(orig)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url={href}">
<title>leaklens — {title}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }}
.verdict {{ font-size: 1.25rem; font-weight: 600; }}
.leak {{ color: #b3261e; }} .no_leak {{ color: #1b7a3a; }} .inconclusive {{ color: #8a5a00; }}
a.open {{ display: inline-block; padding: .5rem 1rem; background: #2454c5; color: #fff; border-radius: 6px; text-decoration: none; }}
li.critical {{ color: #b3261e; }}
</style>
</head>
<body>
<h1>leaklens: {title}</h1>
<p id="verdict" class="verdict {vclass}" data-verdict="{vclass}">{verdict}</p>
<p>{reason}</p>
<ul id="issues">
{issues}</ul>
<p><a class="open" id="open-viewer" href="{href}">Open the interactive viewer</a></p>
<p>Also: <a href="report.html">static report</a> · <a href="report.json">JSON</a> · <a href="report.md">Markdown</a> · data: {files}</p>
</body>
</html>
"#,
        title = html_escape(title),
        vclass = s.verdict.as_str(),
        verdict = html_escape(verdict),
        reason = html_escape(&s.reason),
        files = files.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_url_safe_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(site_name("run.ndjson", &mut taken), "run.ndjson");
        assert_eq!(site_name("run.ndjson", &mut taken), "2-run.ndjson");
        assert_eq!(site_name("a b<c>.log", &mut taken), "a_b_c_.log");
        assert_eq!(site_name("..", &mut taken), "run");
        assert_eq!(site_name("été.json", &mut taken), "_t_.json");
    }

    #[test]
    fn the_viewer_page_gets_the_servers_policy() {
        let html =
            "<html><head><title>t</title><script type=\"module\">boot()</script></head></html>";
        let out = with_csp(html);
        assert!(out.starts_with("<html><head><meta http-equiv=\"Content-Security-Policy\""));
        assert!(out.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(!out.contains("frame-ancestors"));
        assert!(
            out.ends_with("<title>t</title><script type=\"module\">boot()</script></head></html>")
        );
    }

    #[test]
    fn the_viewer_link_is_relative() {
        let data = vec![
            ("a.json".to_string(), "a.json".to_string()),
            ("b.log".to_string(), "b.log".to_string()),
        ];
        assert_eq!(
            viewer_href(&data),
            "viewer/index.html?src=../data/a.json&src=../data/b.log#m=m"
        );
        assert_eq!(
            viewer_href(&data[..1]),
            "viewer/index.html?src=../data/a.json"
        );
    }
}
