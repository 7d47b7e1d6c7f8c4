//! The overview strip under a zoomed chart: the whole run, the zoomed
//! window on it; pressing or dragging on the strip moves the window there.

use leptos::prelude::*;

use super::interact::{self, to_css};
use super::{dpr, Interaction};

/// The strip, under the plot, shown while a zoom is (built like `Marks`,
/// which keeps the wasm small). It keeps its place, hidden, over the whole
/// run: zooming in or out does not move the page under the chart (nor lay
/// it out and paint it again at each step).
pub(super) fn overview(it: Interaction) -> impl IntoView {
    move || {
        let l = it.layout.get()?.0;
        let window = interact::overview(&l);
        let (left, width) = window.unwrap_or((0.0, 100.0));
        let hidden = if window.is_some() {
            ""
        } else {
            ";visibility:hidden"
        };
        let d = dpr();
        let (x, w) = (to_css(l.plot_px.0, d), to_css(l.plot_px.2 - l.plot_px.0, d));
        let go = move |ev: web_sys::PointerEvent| {
            if ev.buttons() & 1 == 1 {
                let at = f64::from(ev.offset_x()) / w.max(1.0);
                it.navigate(interact::overview_nav(&l, at), &l);
            }
        };
        Some(view! {
            <div class="overview" style=format!("margin-left:{x}px;width:{w}px{hidden}")
                title="the whole run: press or drag to move the zoomed window"
                on:pointerdown=go on:pointermove=go>
                <div style=format!("left:{left}%;width:{width}%")></div>
            </div>
        })
    }
}
