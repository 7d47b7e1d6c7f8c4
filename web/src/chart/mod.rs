//! A chart on a canvas: the shared drawing code (`leaklens-chart`), plus
//! hover, zoom, pan and series toggles. What the pointer and keys do is
//! pure logic in `interact` and `hover`; this module maps events onto it.

mod help;
mod hover;
mod interact;
mod overview;

use std::sync::Arc;

use leaklens_chart::{ChartKind, ChartLayout, ChartSpec, XAxis};
use leaklens_core::Metric;
use leptos::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::load::Analysed;
use crate::state::ViewState;
use crate::{shown, window};
use hover::{hover_at, Hover, Pointer};
use interact::Nav;
use overview::overview;

/// The device pixel ratio the chart draws at (bounded).
fn dpr() -> f64 {
    interact::clamp_dpr(window().device_pixel_ratio())
}

/// A CSS pixel offset as device pixels (the layout's).
fn device(css: i32) -> i32 {
    interact::to_device(css, dpr())
}

/// `ChartLayout` in a signal (it is plain data); a new layout is one that
/// moved the plot or its ranges.
#[derive(Clone, Copy, Debug)]
struct ChartLayoutBox(ChartLayout);

impl PartialEq for ChartLayoutBox {
    fn eq(&self, other: &Self) -> bool {
        self.0.plot_px == other.0.plot_px
            && self.0.x_range == other.0.x_range
            && self.0.y_range == other.0.y_range
            && self.0.y_log == other.0.y_log
    }
}

/// The state of one chart's interaction.
#[derive(Clone, Copy)]
struct Interaction {
    view_state: RwSignal<ViewState>,
    /// Where the chart was drawn (None until it is).
    layout: RwSignal<Option<ChartLayoutBox>>,
    hover: RwSignal<Option<Hover>>,
    /// Where the pointer is over the chart (None: off it).
    pointer: StoredValue<Option<Pointer>>,
    /// A drag that zooms: where it started and where it is (CSS px).
    drag: RwSignal<Option<(i32, i32)>>,
    /// Shift+drag pans: where the drag started (CSS px) and the x range then.
    pan: RwSignal<Option<(i32, (f64, f64))>>,
    touch: StoredValue<Fingers>,
}

/// The fingers on a chart: their pointer ids, their x (device px) when the
/// gesture started and now, and the x range then. A finger put down or
/// lifted starts the gesture again from where it is.
#[derive(Default)]
struct Fingers {
    ids: Vec<i32>,
    start: Vec<i32>,
    now: Vec<i32>,
    range: (f64, f64),
}

impl Interaction {
    fn new(view_state: RwSignal<ViewState>) -> Self {
        Interaction {
            view_state,
            layout: RwSignal::new(None),
            hover: RwSignal::new(None),
            pointer: StoredValue::new(None),
            drag: RwSignal::new(None),
            pan: RwSignal::new(None),
            touch: StoredValue::new(Fingers::default()),
        }
    }

    fn layout(self) -> Option<ChartLayout> {
        self.layout.get_untracked().map(|l| l.0)
    }

    /// Every zoom and pan stays within the data (None: the whole run).
    fn navigate(self, nav: Nav, l: &ChartLayout) {
        let zoom = match nav {
            Nav::To(range) => interact::zoom_to(l, range),
            Nav::Reset => None,
        };
        self.view_state.update(|v| v.zoom = zoom);
    }

    fn reset(self) {
        self.view_state.update(|v| v.zoom = None);
    }

    fn leave(self) {
        self.pointer.set_value(None);
        self.hover.set(None);
        self.drag.set(None);
        self.pan.set(None);
    }

    fn on_move(self, ev: web_sys::MouseEvent, run: &Analysed, kind: ChartKind) {
        let (css_x, css_y) = (ev.offset_x(), ev.offset_y());
        let pointer = Pointer {
            css: (css_x, css_y),
            device: (device(css_x), device(css_y)),
            dpr: dpr(),
        };
        self.pointer.set_value(Some(pointer));
        if let Some((start, _)) = self.drag.get_untracked() {
            self.drag.set(Some((start, css_x)));
            return;
        }
        let Some(l) = self.layout() else {
            return;
        };
        if let Some((start, range)) = self.pan.get_untracked() {
            self.pointer.set_value(None);
            self.hover.set(None);
            let zoom = interact::pan_drag(&l, range, device(css_x) - device(start));
            self.view_state.update(|v| v.zoom = zoom);
            return;
        }
        let hover = self
            .view_state
            .with_untracked(|v| hover_at(run, kind, &l, pointer, v));
        self.hover.set(hover);
    }

    fn on_down(self, ev: web_sys::MouseEvent) {
        if ev.button() != 0 {
            return;
        }
        if ev.shift_key() {
            if let Some(l) = self.layout() {
                self.pan.set(Some((ev.offset_x(), l.x_range)));
            }
        } else {
            self.drag.set(Some((ev.offset_x(), ev.offset_x())));
        }
    }

    fn on_up(self) {
        self.pan.set(None);
        let Some((a, b)) = self.drag.get_untracked() else {
            return;
        };
        self.drag.set(None);
        let Some(l) = self.layout() else {
            return;
        };
        let Some((a, b)) = interact::drag_span(a, b) else {
            return;
        };
        let (x0, x1) = (l.x_at(device(a)), l.x_at(device(b)));
        if x1 > x0 {
            self.navigate(Nav::To((x0, x1)), &l);
        }
    }

    /// A finger down, moved (`down`: None) or up (`Some(false)`).
    fn on_touch(self, ev: web_sys::PointerEvent, down: Option<bool>) {
        let Some(l) = self.layout() else {
            return;
        };
        if ev.pointer_type() != "touch" {
            return;
        }
        self.hover.set(None);
        let (id, x) = (ev.pointer_id(), device(ev.offset_x()));
        let nav = self.touch.try_update_value(|f| {
            let at = f.ids.iter().position(|&i| i == id);
            match (at, down) {
                (None, Some(true)) => {
                    f.ids.push(id);
                    f.now.push(x);
                }
                (Some(k), None) => {
                    f.now[k] = x;
                    return interact::touch_nav(&l, f.range, &f.start, &f.now);
                }
                (Some(k), Some(false)) => {
                    f.ids.remove(k);
                    f.now.remove(k);
                }
                _ => return None,
            }
            f.start.clone_from(&f.now);
            f.range = l.x_range;
            None
        });
        if let Some(nav) = nav.flatten() {
            self.navigate(nav, &l);
        }
    }

    fn on_wheel(self, ev: web_sys::WheelEvent) {
        let Some(l) = self.layout() else {
            return;
        };
        let wheel = interact::Wheel {
            zoom_key: ev.ctrl_key() || ev.meta_key(),
            shift: ev.shift_key(),
            delta_x: ev.delta_x(),
            delta_y: ev.delta_y(),
        };
        let at = l.x_at(device(ev.offset_x()));
        if let Some(range) = interact::wheel_nav(wheel, l.x_range, at) {
            ev.prevent_default();
            self.navigate(Nav::To(range), &l);
        }
    }

    fn on_key(self, ev: web_sys::KeyboardEvent) {
        let Some(l) = self.layout() else {
            return;
        };
        if let Some(nav) = interact::key_nav(&ev.key(), l.x_range) {
            ev.prevent_default();
            self.navigate(nav, &l);
        }
    }
}

/// A chart on a canvas: the shared drawing code, plus hover, zoom and
/// series toggles.
#[component]
pub fn Chart(
    run: Arc<Analysed>,
    kind: ChartKind,
    view_state: RwSignal<ViewState>,
    height: u32,
    /// Another run drawn faintly under this one, by cycle (compare mode).
    #[prop(optional)]
    ghost: Option<Arc<Analysed>>,
) -> impl IntoView {
    let canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let it = Interaction::new(view_state);
    let class = match (kind, ghost.is_some()) {
        (_, true) => "chart chart-overlay",
        (ChartKind::Memory, false) => "chart chart-memory",
        (ChartKind::Browser, false) => "chart chart-browser",
    };
    let present: Vec<Metric> = kind
        .metrics()
        .iter()
        .copied()
        .filter(|m| run.parsed.run.has_metric(*m))
        .collect();
    draw_on_change(canvas, it, run.clone(), kind, height, ghost);
    view! {
        <div class="chart-box">
            <ChartTools present=present view_state=view_state timed=run.parsed.run.timestamps().any(|t| t.is_some())/>
            <div class="canvas-wrap">
                <canvas
                    class=class
                    node_ref=canvas
                    tabindex="0"
                    aria-label="growth chart: drag to zoom, shift+drag or arrows to pan, Ctrl+wheel or +/- to zoom, double-click or 0 to reset"
                    on:mousemove=move |ev| it.on_move(ev, &run, kind)
                    on:mousedown=move |ev| it.on_down(ev)
                    on:mouseup=move |_| it.on_up()
                    on:mouseleave=move |_| it.leave()
                    on:wheel=move |ev| it.on_wheel(ev)
                    on:keydown=move |ev| it.on_key(ev)
                    on:dblclick=move |_| it.reset()
                    on:pointerdown=move |ev| it.on_touch(ev, Some(true))
                    on:pointermove=move |ev| it.on_touch(ev, None)
                    on:pointerup=move |ev| it.on_touch(ev, Some(false))
                    on:pointercancel=move |ev| it.on_touch(ev, Some(false))
                ></canvas>
                <Marks it=it/>
            </div>
            {overview(it)}
        </div>
    }
}

/// Draws the chart again whenever the view changes (series, axis, zoom,
/// selected issue), at the canvas's size in device pixels.
fn draw_on_change(
    canvas: NodeRef<leptos::html::Canvas>,
    it: Interaction,
    run: Arc<Analysed>,
    kind: ChartKind,
    height: u32,
    ghost: Option<Arc<Analysed>>,
) {
    Effect::new(move |_| {
        let v = it.view_state.get();
        let Some(el) = canvas.get() else { return };
        let css_width = interact::css_width(el.parent_element().map(|p| p.client_width()));
        // Device pixels for a crisp chart on HiDPI screens; the drawing
        // scales its fonts and strokes by the same ratio.
        let dpr = dpr();
        el.set_width(interact::canvas_px(css_width, dpr));
        el.set_height(interact::canvas_px(height, dpr));
        let _ = el.set_attribute("style", &format!("width:{css_width}px;height:{height}px"));
        let mut spec = match kind {
            ChartKind::Memory => ChartSpec::memory(),
            ChartKind::Browser => ChartSpec::browser(),
        };
        spec.scale = dpr;
        spec.visible.retain(|m| !v.hidden.contains(m));
        spec.x_axis = if v.time_axis {
            XAxis::Time
        } else {
            XAxis::Cycle
        };
        spec.x_range = v.zoom;
        spec.show_retained = !v.no_retained;
        spec.show_trend_reason = true;
        spec.y_log = v.log_y;
        spec.highlight = v.issue.and_then(|k| {
            run.report.issues.get(k).map(|i| {
                (
                    i.metric,
                    i.first_cycle,
                    i.last_cycle.unwrap_or(run.report.summary.last_cycle),
                )
            })
        });
        let Some(mut backend) = CanvasBackend::with_canvas_object(el.clone()) else {
            return;
        };
        let ghost_name = ghost.as_ref().map(|g| shown(&g.title));
        let this = run.prepared(v.time_axis, v.log_y);
        let gp = ghost.as_ref().map(|g| g.prepared(false, v.log_y));
        let other = gp.zip(ghost_name.as_deref());
        match leaklens_chart::draw_prepared(
            &mut backend,
            &run.parsed.run,
            &run.report,
            this,
            other,
            &spec,
        ) {
            Ok(l) => {
                // Where the plot is, for the browser tests.
                let (x0, y0, x1, y1) = l.plot_px;
                let _ = el.set_attribute("data-plot", &format!("{x0} {y0} {x1} {y1}"));
                it.layout.set(Some(ChartLayoutBox(l)));
                // A zoom under a still pointer: the tooltip and dots of the
                // new view, not the old one's.
                if let Some(p) = it.pointer.get_value() {
                    it.hover.set(hover_at(&run, kind, &l, p, &v));
                }
            }
            Err(e) => web_sys::console::warn_1(&format!("chart: {e}").into()),
        }
    });
}

/// The series toggles, the time axis switch (off, saying why, for a run
/// without timestamps), the retained level and log scale switches, and
/// the zoom reset.
#[component]
fn ChartTools(present: Vec<Metric>, view_state: RwSignal<ViewState>, timed: bool) -> impl IntoView {
    let toggles = present
        .into_iter()
        .map(|m| {
            let (r, g, b) = leaklens_chart::metric_color(m);
            view! {
                <label class="toggle" style=format!("--c: rgb({r},{g},{b})")>
                    <input
                        type="checkbox"
                        data-metric=m.key()
                        prop:checked=move || view_state.with(|v| !v.hidden.contains(&m))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view_state.update(|v| {
                                v.hidden.retain(|x| *x != m);
                                if !on {
                                    v.hidden.push(m);
                                }
                            });
                        }
                    />
                    {m.display_name()}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="chart-tools">
            {toggles}
            <span class="spacer"></span>
            <label class="toggle">
                <input type="checkbox" class="time-axis" disabled=!timed
                    prop:checked=move || timed && view_state.with(|v| v.time_axis)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        view_state.update(|v| { v.time_axis = on; v.zoom = None; });
                    }/>
                {if timed { "wall-clock time" } else { "wall-clock time (the snapshots have no timestamps)" }}
            </label>
            <Switch view_state=view_state class="retained" label="retained level"
                get=|v| !v.no_retained set=|v, on| v.no_retained = !on/>
            <Switch view_state=view_state class="log-y" label="log scale"
                get=|v| v.log_y set=|v, on| v.log_y = on/>
            <span class="hint mouse-hint">"drag: zoom · shift+drag: pan · ctrl+wheel: zoom"</span>
            <span class="hint touch-hint">"drag: pan · pinch: zoom"</span>
            <help::Help/>
            <button class="reset-zoom" on:click=move |_| view_state.update(|v| v.zoom = None)>"Reset zoom"</button>
        </div>
    }
}

/// A checkbox for one switch of the view state.
#[component]
fn Switch(
    view_state: RwSignal<ViewState>,
    class: &'static str,
    label: &'static str,
    get: fn(&ViewState) -> bool,
    set: fn(&mut ViewState, bool),
) -> impl IntoView {
    view! {
        <label class="toggle">
            <input type="checkbox" class=class
                prop:checked=move || view_state.with(get)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    view_state.update(|v| set(v, on));
                }/>
            {label}
        </label>
    }
}

/// Over the canvas: the selection of a drag, the crosshair, the dots and
/// the tooltip of the hover.
#[component]
fn Marks(it: Interaction) -> impl IntoView {
    let selection = move || {
        it.drag
            .get()
            .and_then(|(a, b)| interact::selection_style(a, b))
    };
    view! {
        {move || selection().map(|style| view! { <div class="selection" style=style></div> })}
        {move || it.hover.get().map(|h| view! {
            <div class="crosshair" style=format!("left:{}px;top:{}px;height:{}px", h.cross.0, h.cross.1, h.cross.2)></div>
            {h.dots.into_iter().map(|(top, color)| view! {
                <div class="dot" style=format!("left:{}px;top:{}px;background:{}", h.cross.0, top, color)></div>
            }).collect_view()}
            <div class="tooltip" style=format!("left:{}px;top:{}px{}", h.left, h.top, if h.flip { ";transform:translateX(-100%)" } else { "" })>
                {h.lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
            </div>
        })}
    }
}
