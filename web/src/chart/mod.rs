//! A chart on a canvas: the shared drawing code (`leaklens-chart`), plus
//! hover, zoom, pan and series toggles. What the pointer and keys do is
//! pure logic in `interact` and `hover`; this module maps events onto it.

mod canvas;
mod help;
mod hover;
mod interact;
mod overview;
mod panels;

use std::sync::Arc;

use leaklens_chart::{ChartKind, ChartLayout, ChartSpec, XAxis};
use leaklens_core::Metric;
use leptos::prelude::*;

use crate::load::Analysed;
use crate::state::ViewState;
use crate::{shown, window};
use hover::{hover_of, snapshot_at, Hover, Pointer};
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

/// The state of one panel's interaction (a chart is one panel, or several).
#[derive(Clone, Copy)]
struct Interaction {
    view_state: RwSignal<ViewState>,
    /// Where the panel was drawn (None until it is).
    layout: RwSignal<Option<ChartLayoutBox>>,
    /// A drag that zooms: where it started and where it is (CSS px).
    drag: RwSignal<Option<(i32, i32)>>,
    /// Shift+drag pans: where the drag started (CSS px) and the x range then.
    pan: RwSignal<Option<(i32, (f64, f64))>>,
    touch: StoredValue<Fingers>,
    /// The panel: its number, drawn as this kind of chart, with these
    /// series; the series of every panel of the chart (the tooltip's).
    k: usize,
    kind: ChartKind,
    metrics: &'static [Metric],
    all: &'static [Metric],
    /// The snapshot the one crosshair of the chart's panels is on, shared.
    focus: RwSignal<Option<Focus>>,
}

/// The hovered snapshot, the panel the pointer is on and where.
#[derive(Clone, Copy)]
struct Focus {
    i: usize,
    panel: usize,
    at: Pointer,
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
    fn new(
        view_state: RwSignal<ViewState>,
        k: usize,
        panel: panels::Panel,
        shared: Shared,
    ) -> Self {
        Interaction {
            view_state,
            layout: RwSignal::new(None),
            drag: RwSignal::new(None),
            pan: RwSignal::new(None),
            touch: StoredValue::new(Fingers::default()),
            k,
            kind: panel.0,
            metrics: panel.1,
            all: shared.0,
            focus: shared.1,
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
        self.focus.set(None);
        self.drag.set(None);
        self.pan.set(None);
    }

    /// Every panel's crosshair on the snapshot under `at` on this one.
    fn point(self, run: &Analysed, l: &ChartLayout, at: Pointer) {
        let p = self
            .view_state
            .with_untracked(|v| run.prepared(v.time_axis, v.log_y));
        let i = snapshot_at(p, l, at);
        self.focus.set(i.map(|i| Focus {
            i,
            panel: self.k,
            at,
        }));
    }

    fn on_move(self, ev: web_sys::MouseEvent, run: &Analysed) {
        let (css_x, css_y) = (ev.offset_x(), ev.offset_y());
        let pointer = Pointer {
            css: (css_x, css_y),
            device: (device(css_x), device(css_y)),
        };
        if let Some((start, _)) = self.drag.get_untracked() {
            self.drag.set(Some((start, css_x)));
            return;
        }
        let Some(l) = self.layout() else {
            return;
        };
        if let Some((start, range)) = self.pan.get_untracked() {
            self.focus.set(None);
            let zoom = interact::pan_drag(&l, range, device(css_x) - device(start));
            self.view_state.update(|v| v.zoom = zoom);
            return;
        }
        self.point(run, &l, pointer);
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
        self.focus.set(None);
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

/// Height of each panel of the small multiples (CSS pixels).
const PANEL_HEIGHT: u32 = 180;

/// What a chart's panels share: the series of them all, and the snapshot
/// their crosshair is on.
type Shared = (&'static [Metric], RwSignal<Option<Focus>>);

/// A chart: the shared drawing code on a canvas, plus hover, zoom and
/// series toggles; in panel mode (the memory chart) a canvas per scale,
/// one crosshair across them, zoomed and panned together.
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
    let on = Memo::new(move |_| view_state.with(|v| v.panels));
    move || {
        let has = |m: Metric| run.parsed.run.has_metric(m);
        let groups = panels::panels(kind, on.get() && ghost.is_none(), has);
        let all = if groups.len() > 1 {
            &Metric::ALL
        } else {
            kind.metrics()
        };
        let shared: Shared = (all, RwSignal::new(None));
        let its: Vec<Interaction> = (groups.iter().enumerate())
            .map(|(k, &g)| Interaction::new(view_state, k, g, shared))
            .collect();
        let last = *its.last()?;
        let present: Vec<Metric> = (groups.iter().flat_map(|g| g.1))
            .copied()
            .filter(|&m| has(m))
            .collect();
        let (class, height) = match (groups.len(), kind, ghost.is_some()) {
            (2.., _, _) => ("chart chart-panel", PANEL_HEIGHT),
            (_, _, true) => ("chart chart-overlay", height),
            (_, ChartKind::Memory, _) => ("chart chart-memory", height),
            (_, ChartKind::Browser, _) => ("chart chart-browser", height),
        };
        let canvases = (its.into_iter())
            .map(|it| panel(it, run.clone(), ghost.clone(), height, class))
            .collect_view();
        let timed = run.parsed.run.timestamps().any(|t| t.is_some());
        Some(view! {
            <div class="chart-box">
                <ChartTools present=present view_state=view_state timed=timed/>
                {canvases}
                {overview(last)}
            </div>
        })
    }
}

/// One panel: its canvas and what is drawn over it.
fn panel(
    it: Interaction,
    run: Arc<Analysed>,
    ghost: Option<Arc<Analysed>>,
    height: u32,
    class: &'static str,
) -> impl IntoView {
    let canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let keys: Vec<&str> = it.metrics.iter().map(|m| m.key()).collect();
    draw_on_change(canvas, it, run.clone(), height, ghost);
    let run_m = run.clone();
    view! {
        <div class="canvas-wrap">
            <canvas
                class=class
                data-metrics=keys.join(" ")
                node_ref=canvas
                tabindex="0"
                aria-label="growth chart: drag to zoom, shift+drag or arrows to pan, Ctrl+wheel or +/- to zoom, double-click or 0 to reset"
                on:mousemove=move |ev| it.on_move(ev, &run)
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
            <Marks it=it run=run_m/>
        </div>
    }
}

/// Draws the panel again whenever the view changes (series, axis, zoom,
/// selected issue), at the canvas's size in device pixels, from the run
/// prepared once for its axes.
fn draw_on_change(
    canvas: NodeRef<leptos::html::Canvas>,
    it: Interaction,
    run: Arc<Analysed>,
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
        let size = (
            interact::canvas_px(css_width, dpr),
            interact::canvas_px(height, dpr),
        );
        // The chart fills its background: a canvas of the same size is not
        // reset (a new bitmap) at each zoom step.
        if (el.width(), el.height()) != size {
            el.set_width(size.0);
            el.set_height(size.1);
            let _ = el.set_attribute("style", &format!("width:{css_width}px;height:{height}px"));
        }
        let mut spec = match it.kind {
            ChartKind::Memory => ChartSpec::memory(),
            ChartKind::Browser => ChartSpec::browser(),
        };
        spec.scale = dpr;
        spec.visible = (it.metrics.iter())
            .filter(|m| !v.hidden.contains(m))
            .copied()
            .collect();
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
        let Some(mut backend) = canvas::Canvas::new(&el) else {
            return;
        };
        let this = run.prepared(v.time_axis, v.log_y);
        let other = ghost
            .as_ref()
            .map(|g| (g.prepared(false, v.log_y), shown(&g.title)));
        let other = other.as_ref().map(|(p, name)| (*p, name.as_str()));
        let (data, report) = (&run.parsed.run, &run.report);
        match leaklens_chart::draw_prepared(&mut backend, data, report, this, other, &spec) {
            Ok(l) => {
                // Where the plot is, for the browser tests.
                let (x0, y0, x1, y1) = l.plot_px;
                let _ = el.set_attribute("data-plot", &format!("{x0} {y0} {x1} {y1}"));
                it.layout.set(Some(ChartLayoutBox(l)));
                // A zoom under a still pointer: the crosshair, dots and
                // tooltip of the new view, not the old one's.
                if let Some(f) = it.focus.get_untracked().filter(|f| f.panel == it.k) {
                    it.point(&run, &l, f.at);
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
            <Switch view_state=view_state class="panels" label="panels"
                get=|v| v.panels set=|v, on| v.panels = on/>
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

/// Over the canvas: the selection of a drag, the crosshair, the dots and,
/// on the panel under the pointer, the tooltip of every series.
#[component]
fn Marks(it: Interaction, run: Arc<Analysed>) -> impl IntoView {
    let selection = move || {
        it.drag
            .get()
            .and_then(|(a, b)| interact::selection_style(a, b))
    };
    let hover = move || -> Option<Hover> {
        let f = it.focus.get()?;
        let l = it.layout.get()?.0;
        it.view_state.with(|v| {
            let x = run.prepared(v.time_axis, v.log_y).x_of(f.i);
            let tip = (f.panel == it.k).then_some((f.at, it.all));
            Some(hover_of(&run, (f.i, x), (it.metrics, &l), dpr(), tip, v))
        })
    };
    view! {
        {move || selection().map(|style| view! { <div class="selection" style=style></div> })}
        {move || hover().map(|h| view! {
            <div class="crosshair" style=format!("left:{}px;top:{}px;height:{}px", h.cross.0, h.cross.1, h.cross.2)></div>
            {h.dots.into_iter().map(|(top, color)| view! {
                <div class="dot" style=format!("left:{}px;top:{}px;background:{}", h.cross.0, top, color)></div>
            }).collect_view()}
            {(!h.lines.is_empty()).then(|| view! {
                <div class="tooltip" style=format!("left:{}px;top:{}px{}", h.left, h.top, if h.flip { ";transform:translateX(-100%)" } else { "" })>
                    {h.lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
                </div>
            })}
        })}
    }
}
