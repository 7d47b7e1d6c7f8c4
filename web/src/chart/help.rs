//! The "?" button (and key) that shows the charts' mouse, touch and
//! keyboard shortcuts: a `<details>`, so opening and closing is the
//! browser's.

use leptos::prelude::*;
use std::sync::Once;
use wasm_bindgen::JsCast;

/// The shortcuts, next to a chart's tools.
#[component]
pub(super) fn Help() -> impl IntoView {
    static KEY: Once = Once::new();
    // One listener for the page: "?" toggles the first chart's help,
    // except while typing.
    KEY.call_once(|| {
        let _ = window_event_listener(leptos::ev::keydown, |ev| {
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA"));
            if ev.key() != "?" || typing {
                return;
            }
            let summary = document().query_selector(".help summary").ok().flatten();
            if let Some(s) = summary.and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok()) {
                s.click();
            }
        });
    });
    view! {
        <details class="help">
            <summary title="shortcuts (?)" aria-label="shortcuts">"?"</summary>
            <dl class="keys">
                <dt>"drag"</dt><dd>"zoom to the selection"</dd>
                <dt>"shift+drag, ← →"</dt><dd>"pan"</dd>
                <dt>"ctrl/⌘+wheel, + −"</dt><dd>"zoom"</dd>
                <dt>"shift+wheel"</dt><dd>"pan"</dd>
                <dt>"double-click, 0, Esc"</dt><dd>"whole run"</dd>
                <dt>"touch: one finger"</dt><dd>"pan"</dd>
                <dt>"touch: two fingers"</dt><dd>"pinch to zoom"</dd>
                <dt>"strip under a zoom"</dt><dd>"press or drag to move the window"</dd>
                <dt>"?"</dt><dd>"these shortcuts"</dd>
            </dl>
        </details>
    }
}
