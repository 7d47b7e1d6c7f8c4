//! # leaklens-node
//!
//! The analysis a worker runs on itself: `leaklens-core` and
//! `leaklens-render` compiled to wasm32 and bound for Node and Bun by
//! wasm-bindgen (`packages/recorder` loads it). The same bytes and options
//! give the same report as `leaklens analyze FILE`, byte for byte: the same
//! reader, the same merge, the same analysis, the same renderers.

use std::collections::BTreeMap;

use leaklens_core::report::Report;
use leaklens_core::{analyze_parsed, ingest, Config, Metric};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// The CLI's options, as JSON (every field optional, CLI defaults):
/// `{"interval": 20, "heapThresholdMb": 500, "rssThresholdMb": 1024,
/// "limits": {"rss": 2048}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    interval: Option<usize>,
    heap_threshold_mb: Option<f64>,
    rss_threshold_mb: Option<f64>,
    #[serde(default)]
    limits: BTreeMap<String, f64>,
}

fn config(options: &str) -> Result<Config, String> {
    let o: Options = if options.trim().is_empty() {
        Options::default()
    } else {
        serde_json::from_str(options).map_err(|e| format!("options: {e}"))?
    };
    let mut cfg = Config::default();
    if let Some(i) = o.interval {
        if i == 0 {
            return Err("options: interval must be at least 1".into());
        }
        cfg.interval = i;
    }
    if let Some(h) = o.heap_threshold_mb {
        cfg.heap_threshold_mb = h;
    }
    cfg.rss_threshold_mb = o.rss_threshold_mb;
    for (k, v) in o.limits {
        let m =
            Metric::parse(&k).ok_or_else(|| format!("options: unknown metric '{k}' in limits"))?;
        if !(v.is_finite() && v > 0.0) {
            return Err(format!(
                "options: the limit of {k} must be a positive number"
            ));
        }
        cfg.limits.insert(m, v);
    }
    Ok(cfg)
}

/// Reads `bytes` (a file named `name`: its name is in warnings) and
/// analyses it.
fn analysed(name: &str, bytes: &[u8], options: &str) -> Result<(ingest::Parsed, Report), String> {
    let cfg = config(options)?;
    let one = ingest::parse(name, bytes).map_err(|e| match &e.hint {
        Some(h) => format!("{e} ({h})"),
        None => e.to_string(),
    })?;
    let parsed = ingest::merge_parsed(vec![one]);
    let report = analyze_parsed(&parsed, &cfg);
    Ok((parsed, report))
}

/// The report of `bytes` in `format` (`json`, `text`, `markdown` or
/// `html`), as `leaklens analyze NAME --format FORMAT` writes it. `name`
/// is the file's name (shown in warnings and as the title).
pub fn render(name: &str, bytes: &[u8], options: &str, format: &str) -> Result<String, String> {
    let (parsed, report) = analysed(name, bytes, options)?;
    Ok(match format {
        "json" => report.to_json() + "\n",
        "text" => leaklens_render::text::report(&report, name),
        "markdown" => leaklens_render::markdown::report(&report, name),
        "html" => leaklens_render::html::report(&parsed.run, &report, name),
        other => {
            return Err(format!(
                "unknown format '{other}': json, text, markdown or html"
            ))
        }
    })
}

/// [`render`] for JavaScript: a thrown `Error` with the message on bad
/// input or options.
#[wasm_bindgen(js_name = render)]
pub fn render_js(name: &str, bytes: &[u8], options: &str, format: &str) -> Result<String, JsError> {
    console_error_panic_hook::set_once();
    render(name, bytes, options, format).map_err(|e| JsError::new(&e))
}

/// The version of the analysis (the workspace's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "{\"cycle\":1,\"label\":\"After cleanup\",\"nodejs\":{\"heapUsed\":40,\"heapTotal\":60,\"rss\":150}}\n\
                       {\"cycle\":2,\"label\":\"After cleanup\",\"nodejs\":{\"heapUsed\":41,\"heapTotal\":60,\"rss\":151}}\n";

    #[test]
    fn options_follow_the_cli() {
        let c = config(r#"{"interval": 10, "limits": {"rss": 2048}}"#).unwrap();
        assert_eq!(c.interval, 10);
        assert_eq!(c.limits[&Metric::Rss], 2048.0);
        assert_eq!(config("").unwrap(), Config::default());
        assert!(config(r#"{"limits": {"nope": 1}}"#)
            .unwrap_err()
            .contains("nope"));
        assert!(config(r#"{"interval": 0}"#).is_err());
        assert!(config(r#"{"color": 1}"#).is_err());
    }

    #[test]
    fn renders_every_format() {
        for f in ["json", "text", "markdown", "html"] {
            let out = render("run.ndjson", RUN.as_bytes(), "", f).unwrap();
            assert!(out.to_lowercase().contains("inconclusive"), "{f}: {out}");
        }
        assert!(render("run.ndjson", RUN.as_bytes(), "", "pdf").is_err());
        assert!(render("x", b"not a run", "", "json").is_err());
    }
}
