//! The top-level component: the state of the page (inputs, view, progress)
//! and what routes it: reading and analysing the inputs, the URL following
//! the view, and what the page loads at start-up.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::load::{self, Input, ParsedInput, Shared};
use crate::loader::{Errors, Loader, Progress};
use crate::report::ReportView;
use crate::state::{self, ViewState};
use crate::window;

/// Past this many snapshots the page says it is analysing them (and lets
/// the browser paint that) before the analysis runs.
const ANNOUNCE_ANALYSIS_SNAPSHOTS: usize = 100_000;

/// Progress of the read under way: (fraction done, what is being read).
type ProgressState = RwSignal<Option<(f64, String)>>;

/// The app: loading until there is data, then the report.
#[component]
pub fn App() -> impl IntoView {
    let inputs: RwSignal<Vec<Input>> = RwSignal::new(Vec::new());
    let fetch_errors: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    let initial = ViewState::decode(&window().location().hash().unwrap_or_default());
    let view_state = RwSignal::new(initial);
    let live: RwSignal<Option<String>> = RwSignal::new(None);

    // Analysis re-runs when the inputs, the mode or the limits change, not
    // on zoom or hover.
    let analysis_inputs = Memo::new(move |_| {
        view_state.with(|v| {
            (
                v.compare,
                v.limits.iter().map(|(m, x)| (*m, *x)).collect::<Vec<_>>(),
            )
        })
    });
    let parsed: RwSignal<Vec<ParsedInput>> = RwSignal::new(Vec::new());
    let progress: ProgressState = RwSignal::new(None);
    // Another process of a metrics export picked: the files are read again
    // (as new inputs, the same bytes).
    crate::export::on_pick(move || {
        inputs.update(|v| {
            for i in v.iter_mut() {
                i.bytes = Arc::new(i.bytes.to_vec());
            }
        })
    });
    parse_on_change(inputs, parsed, progress, fetch_errors);
    let loaded = Memo::new(move |_| {
        let ins = parsed.get();
        let (compare, limits) = analysis_inputs.get();
        Shared(Arc::new(load::analyse(&ins, compare, &limits)))
    });
    url_follows_view(view_state);
    start_up(inputs, fetch_errors, busy, live);

    let has_data = move || !loaded.with(|l| l.0.runs.is_empty());
    view! {
        <header class="top">
            <a class="brand" href="./" on:click=move |ev| {
                ev.prevent_default();
                inputs.set(Vec::new());
                load::set_src(None);
                fetch_errors.set(Vec::new());
                view_state.set(ViewState::default());
            }>"leaklens"</a>
            <span class="tag">"memory leak viewer · runs in your browser, nothing is uploaded"</span>
        </header>
        <main>
            <Loader inputs=inputs fetch_errors=fetch_errors busy=busy view_state=view_state compact=Signal::derive(has_data)/>
            <Progress progress=progress/>
            {move || live.get().map(|status| view! { <p id="live" class="live">{status}</p> })}
            <Errors loaded=loaded fetch_errors=fetch_errors/>
            <Show when=has_data fallback=|| ()>
                <ReportView loaded=loaded view_state=view_state inputs=inputs/>
            </Show>
        </main>
    }
}

/// Files are read in pieces (a progress bar, the page stays responsive),
/// then analysed; new files cancel a read under way. Files none of which
/// can be read leave the analysis on screen as it is, with their errors.
fn parse_on_change(
    inputs: RwSignal<Vec<Input>>,
    parsed: RwSignal<Vec<ParsedInput>>,
    progress: ProgressState,
    fetch_errors: RwSignal<Vec<(String, String)>>,
) {
    let generation = StoredValue::new(0u64);
    // The inputs of the analysis on screen (empty: none).
    let shown_inputs: Rc<RefCell<Vec<Input>>> = Rc::default();
    Effect::new(move |_| {
        let ins = inputs.get();
        if same_inputs(&ins, &shown_inputs.borrow()) {
            return;
        }
        let g = generation.get_value() + 1;
        generation.set_value(g);
        crate::export::stop_read();
        if ins.is_empty() {
            shown_inputs.borrow_mut().clear();
            parsed.set(Vec::new());
            progress.set(None);
            return;
        }
        let shown_inputs = shown_inputs.clone();
        spawn_local(async move {
            let stale = move || generation.get_value() != g;
            let Some(result) =
                load::parse_inputs(&ins, move |f, what| progress.set(Some((f, what))), stale).await
            else {
                return;
            };
            let snapshots: usize = result
                .iter()
                .filter_map(|p| p.result.as_ref().ok())
                .map(|p| p.run.len())
                .sum();
            if snapshots > ANNOUNCE_ANALYSIS_SNAPSHOTS {
                // Let the browser paint this before the analysis runs.
                progress.set(Some((1.0, format!("Analysing {snapshots} snapshots…"))));
                load::yield_to_browser().await;
            }
            if stale() {
                return;
            }
            progress.set(None);
            let readable = result.iter().any(|p| p.result.is_ok());
            if !readable && !shown_inputs.borrow().is_empty() {
                let kept = " (the analysis on screen is kept)";
                fetch_errors.update(|e| {
                    e.extend(
                        result
                            .into_iter()
                            .map(|p| (p.name, p.result.err().unwrap_or_default() + kept)),
                    )
                });
                inputs.set(shown_inputs.borrow().clone());
                return;
            }
            if readable {
                *shown_inputs.borrow_mut() = ins;
            }
            parsed.set(result);
        });
    });
}

/// The same files (by identity, not by bytes).
fn same_inputs(a: &[Input], b: &[Input]) -> bool {
    !a.is_empty()
        && a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| Arc::ptr_eq(&x.bytes, &y.bytes))
}

/// The URL follows the view (keeping inline data and a share's key),
/// written once per frame at most, at the next one: a zoom or pan step
/// redraws the charts without waiting for the history entry, and the
/// steps of a drag within one frame make one write.
fn url_follows_view(view_state: RwSignal<ViewState>) {
    let pending = StoredValue::new(false);
    Effect::new(move |_| {
        view_state.track();
        if pending.get_value() {
            return;
        }
        pending.set_value(true);
        spawn_local(async move {
            load::next_frame().await;
            pending.set_value(false);
            write_url(view_state);
        });
    });
}

/// Writes the view into the URL.
fn write_url(view_state: RwSignal<ViewState>) {
    let loc = window().location();
    let hash = loc.hash().unwrap_or_default();
    let frag = view_state.with_untracked(|v| state::fragment_with(v, &hash));
    let url = format!(
        "{}{}{}",
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default(),
        if frag.is_empty() {
            String::new()
        } else {
            format!("#{frag}")
        }
    );
    if let Ok(h) = window().history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Start-up: `?src=` URLs, or inline data in the fragment; else the parser
/// is warmed up while the page waits for a file.
fn start_up(
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
    live: RwSignal<Option<String>>,
) {
    let search = window().location().search().unwrap_or_default();
    let srcs: Vec<String> = web_sys::UrlSearchParams::new_with_str(&search)
        .map(|p| {
            p.get_all("src")
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default();
    let hash = window().location().hash().unwrap_or_default();
    if !srcs.is_empty() {
        busy.set(true);
        let key = state::fragment_value(&hash, "k").map(str::to_string);
        spawn_local(async move {
            let (got, errors) = load::fetch_all(&srcs, key.as_deref()).await;
            fetch_errors.update(|v| v.extend(errors));
            inputs.update(|v| v.extend(got));
            busy.set(false);
            // A live run: follow its events and read what it gains, from
            // where this first read ended.
            if let Some(run) = srcs.iter().find(|s| leaklens_protocol::routes::is_run(s)) {
                crate::live::follow(run, srcs.clone(), inputs, live);
            }
        });
    } else if let Some(d) = state::fragment_data(&hash) {
        let d = d.to_string();
        busy.set(true);
        spawn_local(async move {
            // Read by the export module (off the page's wasm).
            let (files, errors) = crate::export::unpack(&d).await;
            if errors.is_empty() {
                inputs.set(files);
            } else {
                fetch_errors.set(errors);
            }
            busy.set(false);
        });
    } else {
        // Nothing to load yet: warm the parser and the analysis up
        // while the page waits for a file.
        spawn_local(async {
            load::yield_to_browser().await;
            load::warm_up();
        });
    }
}
