//! The overview strip under a zoomed chart: the whole run, the zoomed
//! window on it; pressing or dragging on the strip moves the window there.

use leptos::prelude::*;

use super::interact::{self, to_css};
use super::{dpr, Interaction};

/// The strip, under the plot (hidden while nothing is zoomed).
#[component]
pub(super) fn Overview(it: Interaction) -> impl IntoView {
    let strip: NodeRef<leptos::html::Div> = NodeRef::new();
    let go = move |ev: web_sys::PointerEvent| {
        let (Some(el), Some(l)) = (strip.get_untracked(), it.layout()) else {
            return;
        };
        if ev.buttons() & 1 == 1 {
            let at = f64::from(ev.offset_x()) / f64::from(el.client_width().max(1));
            it.navigate(interact::overview_nav(&l, at), &l);
        }
    };
    let shown = move || {
        let l = it.layout.get()?.0;
        interact::overview(&l).map(|view| (l.plot_px, view))
    };
    let strip_style = move || match shown() {
        Some(((left, _, right, _), _)) => format!(
            "margin-left:{}px;width:{}px",
            to_css(left, dpr()),
            to_css(right - left, dpr())
        ),
        None => "display:none".into(),
    };
    let window_style =
        move || shown().map(|(_, (left, width))| format!("left:{left}%;width:{width}%"));
    view! {
        <div class="overview" node_ref=strip style=strip_style
            title="the whole run: press or drag to move the zoomed window"
            on:pointerdown=go on:pointermove=go>
            <div style=window_style></div>
        </div>
    }
}
