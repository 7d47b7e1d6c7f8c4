//! Exports: the report as JSON or HTML, the memory chart as PNG, saved as
//! downloads.

use std::sync::Arc;

use leaklens_chart::ChartKind;
use wasm_bindgen::JsCast;

use crate::load::Analysed;
use crate::window;

/// The report as JSON (the CLI's contract).
pub fn json(run: Option<Arc<Analysed>>) {
    if let Some(a) = run {
        download(
            "leaklens-report.json",
            "application/json",
            &a.report.to_json(),
        );
    }
}

/// The report as a self-contained HTML page.
pub fn html(run: Option<Arc<Analysed>>) {
    if let Some(a) = run {
        // The charts as drawn on the page (PNG), not drawn again as SVG:
        // the page's wasm then carries no SVG renderer (7 KB gzip).
        let html = leaklens_render::html::report_with_charts(
            &a.parsed.run,
            &a.report,
            &a.title,
            &|spec, width, _| chart_image(spec.kind, width),
        );
        download("leaklens-report.html", "text/html", &html);
    }
}

/// The memory chart as drawn on the page.
pub fn png() {
    let doc = window().document().expect("document");
    let canvas = doc
        .query_selector("canvas.chart-memory")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok());
    if let Some(c) = canvas {
        if let Ok(url) = c.to_data_url() {
            click_link(&url, "leaklens-chart.png");
        }
    }
}

fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    click_link(&url, name);
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn click_link(href: &str, name: &str) {
    let doc = window().document().expect("document");
    if let Ok(a) = doc.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(href);
            a.set_download(name);
            a.click();
        }
    }
}

/// The chart of `kind` on the page as an `<img>` of its pixels, `width`
/// CSS pixels wide at most (empty when it is not on the page).
fn chart_image(kind: ChartKind, width: u32) -> String {
    let (selector, what) = match kind {
        ChartKind::Memory => ("canvas.chart-memory", "memory"),
        ChartKind::Browser => ("canvas.chart-browser", "browser"),
    };
    let Some(doc) = window().document() else {
        return String::new();
    };
    let url = doc
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        .and_then(|c| c.to_data_url().ok());
    match url {
        Some(url) if url.starts_with("data:image/png;base64,") => format!(
            "<img alt=\"{what} chart\" src=\"{url}\" style=\"max-width:{width}px;width:100%\">"
        ),
        _ => String::new(),
    }
}
