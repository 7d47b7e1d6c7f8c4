//! The components: landing page, report, charts, tables.

use std::sync::Arc;

use leaklens_chart::{ChartKind, ChartLayout, ChartSpec, XAxis};
use leaklens_core::report::{Report, Verdict};
use leaklens_core::Metric;
/// Text from a file as shown: line breaks, controls and bidi overrides
/// become U+FFFD (a label cannot reorder the text around it). Applied where
/// text is displayed, never to the whole run.
use leaklens_render::sanitize as shown;
use leaklens_render::tables::{self, Table};
use leptos::prelude::*;
use leptos::task::spawn_local;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;

use crate::load::{self, Analysed, Input, Shared, SAMPLES};
use crate::state::{self, ViewState};

fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

use leaklens_core::text::{cleanup_text, signed_unit as signed, with_unit as unit};

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
    // Files are read in pieces (a progress bar, the page stays responsive),
    // then analysed; new files cancel a read under way.
    let parsed: RwSignal<Vec<load::ParsedInput>> = RwSignal::new(Vec::new());
    let progress: RwSignal<Option<(f64, String)>> = RwSignal::new(None);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let ins = inputs.get();
        let g = generation.get_value() + 1;
        generation.set_value(g);
        if ins.is_empty() {
            parsed.set(Vec::new());
            progress.set(None);
            return;
        }
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
            if snapshots > 100_000 {
                // Let the browser paint this before the analysis runs.
                progress.set(Some((1.0, format!("Analysing {snapshots} snapshots…"))));
                load::yield_to_browser().await;
            }
            if stale() {
                return;
            }
            parsed.set(result);
            progress.set(None);
        });
    });
    let loaded = Memo::new(move |_| {
        let ins = parsed.get();
        let (compare, limits) = analysis_inputs.get();
        Shared(Arc::new(load::analyse(&ins, compare, &limits)))
    });

    // The URL follows the view (keeping inline data and a share's key).
    Effect::new(move |_| {
        let loc = window().location();
        let hash = loc.hash().unwrap_or_default();
        let frag = view_state.with(|v| state::fragment_with(v, &hash));
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
    });

    // Start-up: ?src= URLs, or inline data in the fragment.
    let add_inputs = move |new: Vec<Input>| {
        inputs.update(|v| v.extend(new));
    };
    {
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
                let (got, errors) = fetch_all(&srcs, key.as_deref()).await;
                fetch_errors.update(|v| v.extend(errors));
                add_inputs(got);
                busy.set(false);
                // A live run: follow its events and read what it gains, from
                // where this first read ended.
                if let Some(run) = srcs.iter().find(|s| leaklens_protocol::routes::is_run(s)) {
                    follow_live(run, srcs.clone(), inputs, live);
                }
            });
        } else if let Some(d) = state::fragment_data(&hash) {
            let d = d.to_string();
            busy.set(true);
            spawn_local(async move {
                match crate::deflate::unpack(&d).await {
                    Ok(files) => inputs.set(
                        files
                            .into_iter()
                            .map(|(name, bytes)| Input {
                                name,
                                bytes: Arc::new(bytes),
                            })
                            .collect(),
                    ),
                    Err(e) => fetch_errors.set(vec![("shared link".into(), e)]),
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

    let has_data = move || !loaded.with(|l| l.0.runs.is_empty());
    view! {
        <header class="top">
            <a class="brand" href="./" on:click=move |ev| {
                ev.prevent_default();
                inputs.set(Vec::new());
                fetch_errors.set(Vec::new());
                view_state.set(ViewState::default());
            }>"leaklens"</a>
            <span class="tag">"memory leak viewer · runs in your browser, nothing is uploaded"</span>
        </header>
        <main>
            <Loader inputs=inputs fetch_errors=fetch_errors busy=busy view_state=view_state compact=Signal::derive(has_data)/>
            {move || progress.get().map(|(f, what)| view! {
                <div class="progress" id="progress">
                    <progress max="1" prop:value=f></progress>
                    <span>{shown(&what)}</span>
                </div>
            })}
            {move || live.get().map(|status| view! { <p id="live" class="live">{status}</p> })}
            <Errors loaded=loaded fetch_errors=fetch_errors/>
            <Show when=has_data fallback=|| ()>
                <ReportView loaded=loaded view_state=view_state inputs=inputs/>
            </Show>
        </main>
    }
}

/// Fetches every `src` (decrypting sealed files with the link's key); what
/// could not be read comes back as (source, why).
async fn fetch_all(srcs: &[String], key: Option<&str>) -> (Vec<Input>, Vec<(String, String)>) {
    let mut got = Vec::new();
    let mut errors = Vec::new();
    for (n, s) in srcs.iter().enumerate() {
        match load::fetch(s).await {
            Ok(i) => got.push((n, i)),
            Err(e) => errors.push((s.clone(), e)),
        }
    }
    let (got, sealed_errors) = load::unseal(got, srcs.len(), key).await;
    errors.extend(sealed_errors);
    (got, errors)
}

/// Subscribes to a live run's events (`<run>/events`); on every append the
/// run's new bytes are fetched (only those: a byte range from what the page
/// has) and the analysis re-runs, the view (zoom, series, selected issue)
/// kept. Appends that arrive while a read is under way are folded into one
/// more read.
fn follow_live(
    run: &str,
    srcs: Vec<String>,
    inputs: RwSignal<Vec<Input>>,
    live: RwSignal<Option<String>>,
) {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    let url = Rc::new(leaklens_protocol::routes::events_of(run));
    live.set(Some("● live: waiting for snapshots…".into()));
    let reading = Rc::new(Cell::new(false));
    let again = Rc::new(Cell::new(false));
    let srcs = Rc::new(srcs);
    let run_url = Rc::new(run.to_string());
    let committed = Rc::new(Cell::new(0usize));
    let on_append =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data().as_string().unwrap_or_default();
            let count = |key: &str| {
                load::json_field(&data, key)
                    .and_then(|n| n.as_f64())
                    .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                    .map(|n| n as u64)
            };
            let snapshots = count("snapshots").unwrap_or(0);
            // The run's committed length: what the page has and no more is
            // nothing to fetch.
            if let Some(b) = count("bytes") {
                let b = usize::try_from(b).unwrap_or(usize::MAX);
                committed.set(committed.get().max(b));
            }
            let now = js_sys::Date::new_0()
                .to_locale_time_string("en-GB")
                .as_string()
                .unwrap_or_default();
            live.set(Some(format!(
                "● live: {snapshots} snapshots, updated {now}"
            )));
            if reading.get() {
                again.set(true);
                return;
            }
            reading.set(true);
            let (reading, again, srcs) = (reading.clone(), again.clone(), srcs.clone());
            let committed = committed.clone();
            let run = run_url.clone();
            spawn_local(async move {
                loop {
                    again.set(false);
                    let name = load::name_of(&run);
                    let have = inputs.with_untracked(|v| {
                        v.iter().find(|i| i.name == name).map(|i| i.bytes.len())
                    });
                    match have {
                        // The run was not read yet (its first read failed).
                        None => {
                            let (got, _) = fetch_all(&srcs, None).await;
                            if !got.is_empty() {
                                inputs.set(got);
                            }
                        }
                        Some(have) if have >= committed.get() => {}
                        Some(have) => {
                            let bytes = match load::fetch_more(&run, have).await {
                                Ok(load::More::Rest(more)) => Some((true, more)),
                                Ok(load::More::Whole(all)) => Some((false, all)),
                                Ok(load::More::Nothing) => None,
                                Err(e) => {
                                    // Said; the next append reads again.
                                    live.set(Some(format!(
                                        "● live: {}; retrying at the next update",
                                        shown(&e)
                                    )));
                                    None
                                }
                            };
                            if let Some((append, bytes)) = bytes {
                                inputs.update(|v| {
                                    if let Some(i) = v.iter_mut().find(|i| i.name == name) {
                                        let mut all = if append {
                                            i.bytes.as_ref().clone()
                                        } else {
                                            Vec::new()
                                        };
                                        all.extend_from_slice(&bytes);
                                        i.bytes = Arc::new(all);
                                    }
                                });
                            }
                        }
                    }
                    if !again.get() {
                        break;
                    }
                }
                reading.set(false);
            });
        });
    // The subscription lives as long as the page.
    subscribe_live(url, Rc::new(on_append), live, 0);
}

type OnAppend = wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>;

/// Opens the event stream. The browser retries a dropped stream by itself;
/// one it gave up on (the server refused it, say 503 when too many watch)
/// is opened again after a growing pause (2 s … 30 s).
fn subscribe_live(
    url: std::rc::Rc<String>,
    on_append: std::rc::Rc<OnAppend>,
    live: RwSignal<Option<String>>,
    attempt: u32,
) {
    use wasm_bindgen::closure::Closure;
    let Ok(events) = web_sys::EventSource::new(&url) else {
        live.set(Some(
            "live updates are not available in this browser".into(),
        ));
        return;
    };
    let _ = events.add_event_listener_with_callback(
        leaklens_protocol::APPEND_EVENT,
        on_append.as_ref().as_ref().unchecked_ref(),
    );
    let source = events.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        if source.ready_state() != web_sys::EventSource::CLOSED {
            live.set(Some("● live: connection lost, reconnecting…".into()));
            return;
        }
        let delay = (2_000 * 2i32.pow(attempt.min(4))).min(30_000);
        live.set(Some(format!(
            "● live: the server refused the stream, retrying in {} s…",
            delay / 1000
        )));
        let (url, on_append) = (url.clone(), on_append.clone());
        let retry =
            Closure::once_into_js(move || subscribe_live(url, on_append, live, attempt + 1));
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay);
    });
    events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

/// The drop zone, file picker, paste box and samples.
#[component]
fn Loader(
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
    view_state: RwSignal<ViewState>,
    compact: Signal<bool>,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let paste = RwSignal::new(String::new());
    let take_files = move |files: Option<web_sys::FileList>, replace: bool| {
        let Some(files) = files else { return };
        let list: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        if list.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let mut got = Vec::new();
            let mut errs = Vec::new();
            for f in list {
                match load::read_file(f).await {
                    Ok(i) => got.push(i),
                    Err(e) => errs.push(("file".to_string(), e)),
                }
            }
            fetch_errors.set(errs);
            if replace {
                inputs.set(got);
            } else {
                inputs.update(|v| v.extend(got));
            }
            busy.set(false);
        });
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        take_files(ev.data_transfer().and_then(|d| d.files()), true);
    };
    let on_pick = move |ev: web_sys::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            take_files(input.files(), true);
            input.set_value("");
        }
    };
    let load_paste = move |_| {
        let text = paste.get();
        if text.trim().is_empty() {
            return;
        }
        inputs.set(vec![Input {
            name: "pasted text".into(),
            bytes: Arc::new(text.into_bytes()),
        }]);
    };
    let load_sample = move |file: &'static str| {
        busy.set(true);
        spawn_local(async move {
            match load::fetch(&format!("samples/{file}")).await {
                Ok(i) => {
                    fetch_errors.set(Vec::new());
                    inputs.set(vec![i]);
                }
                Err(e) => fetch_errors.set(vec![(file.to_string(), e)]),
            }
            busy.set(false);
        });
    };
    let n_inputs = move || inputs.with(Vec::len);
    view! {
        <section
            id="dropzone"
            class="dropzone"
            class:dragging=move || dragging.get()
            class:compact=move || compact.get()
            on:dragenter=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <p class="lead">
                "Drop snapshot files here — JSON, NDJSON or the worker's log — or "
                <label class="button">
                    "choose files"
                    <input id="file-input" type="file" multiple on:change=on_pick/>
                </label>
            </p>
            <Show when=move || !compact.get() fallback=|| ()>
                <p class="hint">"Several files are merged as exports of one run; pick \"compare\" below to compare two runs. Files never leave this page."</p>
                <div class="paste">
                    <textarea
                        id="paste"
                        placeholder="…or paste a log excerpt here"
                        prop:value=move || paste.get()
                        on:input=move |ev| paste.set(event_target_value(&ev))
                    ></textarea>
                    <button id="paste-load" on:click=load_paste>"Analyse pasted text"</button>
                </div>
                <div class="samples">
                    <span>"Try a sample: "</span>
                    {SAMPLES
                        .iter()
                        .map(|(file, label)| {
                            let file: &'static str = file;
                            view! {
                                <button class="sample" data-sample=file on:click=move |_| load_sample(file)>
                                    {*label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </Show>
            <Show when=move || { n_inputs() >= 2 } fallback=|| ()>
                <label class="mode">
                    <input
                        id="compare-mode"
                        type="checkbox"
                        prop:checked=move || view_state.with(|v| v.compare)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view_state.update(|v| v.compare = on);
                        }
                    />
                    " compare the first two files as before/after runs (instead of merging them)"
                </label>
            </Show>
            <Show when=move || busy.get() fallback=|| ()>
                <p class="busy">"Reading…"</p>
            </Show>
        </section>
    }
}

/// Files that could not be read, and parse warnings.
#[component]
fn Errors(loaded: Memo<Shared>, fetch_errors: RwSignal<Vec<(String, String)>>) -> impl IntoView {
    let errors = move || {
        let mut e = fetch_errors.get();
        loaded.with(|l| e.extend(l.0.errors.iter().cloned()));
        e
    };
    let warnings = move || {
        loaded.with(|l| {
            l.0.runs
                .iter()
                .flat_map(|r| r.parsed.warnings.iter().map(|w| w.to_string()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !errors().is_empty() fallback=|| ()>
            <div class="errors" id="errors">
                {move || errors()
                    .into_iter()
                    .map(|(name, why)| view! { <p class="error"><b>{shown(&name)}</b>": "{shown(&why)}</p> })
                    .collect_view()}
            </div>
        </Show>
        <Show when=move || !warnings().is_empty() fallback=|| ()>
            <details class="warnings" id="warnings">
                <summary>{move || format!("{} input warning(s): lines skipped, the rest kept", warnings().len())}</summary>
                <ul>
                    {move || warnings().into_iter().take(200).map(|w| view! { <li>{shown(&w)}</li> }).collect_view()}
                </ul>
            </details>
        </Show>
    }
}

/// The report of one run, or the comparison of two.
#[component]
fn ReportView(
    loaded: Memo<Shared>,
    view_state: RwSignal<ViewState>,
    inputs: RwSignal<Vec<Input>>,
) -> impl IntoView {
    let first = Signal::derive(move || loaded.with(|l| l.0.runs.first().cloned()));
    let second = Signal::derive(move || loaded.with(|l| l.0.runs.get(1).cloned()));
    let share_link = RwSignal::new(String::new());
    // Each click of a share button starts a request; only the latest one's
    // answer is shown (a slower earlier one would show an older view).
    let latest = StoredValue::new(0u32);
    let start = move |status: &str| {
        latest.update_value(|n| *n += 1);
        share_link.set(status.into());
        latest.get_value()
    };
    // What became of the copy: copied, or refused (then the link is
    // selected in its field, for Ctrl+C).
    let copy_status = RwSignal::new(String::new());
    // A link is shown and copied; a failure is shown.
    let settle = move |request: u32, answer: Result<String, String>| {
        if latest.get_value() != request {
            return;
        }
        copy_status.set(String::new());
        let url = answer.as_ref().ok().cloned();
        share_link.set(answer.unwrap_or_else(|e| e));
        let Some(url) = url else { return };
        spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&url);
            let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            if latest.get_value() != request {
                return;
            }
            if copied {
                copy_status.set("Copied to the clipboard.".into());
                return;
            }
            let field = window()
                .document()
                .and_then(|d| d.get_element_by_id("share-link"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(field) = field {
                let _ = field.focus();
                field.select();
            }
            copy_status.set(
                "The browser did not allow copying: the link is selected, press Ctrl+C (⌘C) to copy it."
                    .into(),
            );
        });
    };
    let here = || {
        let loc = window().location();
        format!(
            "{}{}",
            loc.origin().unwrap_or_default(),
            loc.pathname().unwrap_or_default()
        )
    };
    let share = move |_| {
        let files: Vec<(String, Vec<u8>)> = inputs.with(|v| {
            v.iter()
                .map(|i| (i.name.clone(), i.bytes.as_ref().clone()))
                .collect()
        });
        let view = view_state.get_untracked();
        let request = start("Compressing…");
        spawn_local(async move {
            let answer = crate::deflate::pack(&files).await.and_then(|data| {
                if data.len() > state::MAX_INLINE {
                    return Err(
                        "Too big to fit in a link: host the files and share ?src=<url> instead."
                            .into(),
                    );
                }
                let mut frag = view.encode();
                if !frag.is_empty() {
                    frag.push('&');
                }
                frag.push_str("d=");
                frag.push_str(&data);
                Ok(format!("{}#{frag}", here()))
            });
            settle(request, answer);
        });
    };
    // Upload to the leaklens server this page came from: a short permalink
    // (`?src=` the stored files) instead of the data in the link; sealed
    // first when `encrypted`, the key then only in the link's fragment.
    let upload = move |encrypted: bool| {
        let files = inputs.get_untracked();
        let view = view_state.get_untracked();
        let request = start(if encrypted {
            "Encrypting and uploading…"
        } else {
            "Uploading…"
        });
        spawn_local(async move {
            let key = match encrypted.then(crate::crypto::new_key).transpose() {
                Ok(k) => k,
                Err(e) => return settle(request, Err(e)),
            };
            let answer = load::upload(&files, key.as_ref()).await.map(|query| {
                let mut frag = view.encode();
                if let Some(k) = &key {
                    if !frag.is_empty() {
                        frag.push('&');
                    }
                    frag.push_str("k=");
                    frag.push_str(&crate::crypto::key_to_text(k));
                }
                if !frag.is_empty() {
                    frag.insert(0, '#');
                }
                format!("{}?{query}{frag}", here())
            });
            settle(request, answer);
        });
    };
    let export_html = move |_| {
        if let Some(a) = first.get() {
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
    };
    let export_json = move |_| {
        if let Some(a) = first.get() {
            download(
                "leaklens-report.json",
                "application/json",
                &a.report.to_json(),
            );
        }
    };
    view! {
        <section class="report">
            {move || loaded.with(|l| l.0.comparison.as_ref().map(|c| view! {
                <div class=format!("banner {}", match c.verdict {
                        leaklens_core::compare::Change::Regressed => "leak",
                        leaklens_core::compare::Change::Fixed => "no_leak",
                        _ => "inconclusive",
                    }) id="compare-verdict" data-verdict=c.verdict.as_str()>
                    <b>{format!("Compare: {}", c.verdict.as_str())}</b>
                    <span>{shown(&c.reason)}</span>
                </div>
                <TableView id="compare" table=tables::comparison(c)/>
                <p class="hint">
                    {format!("Issues gone: {} · new: {} · still there: {}", c.disappeared.len(), c.appeared.len(), c.remaining.len())}
                </p>
            }))}
            {move || match (first.get(), second.get()) {
                (Some(before), Some(after)) => Some(view! {
                    <div class="overlay">
                        <h3>{shown(&format!("Before ({}) and after ({}), by cycle", before.title, after.title))}</h3>
                        <Chart run=after kind=ChartKind::Memory view_state=view_state height=340 ghost=before/>
                    </div>
                }),
                _ => None,
            }}
            {move || first.get().map(|a| view! { <RunView run=a view_state=view_state/> })}
            {move || second.get().map(|a| view! { <RunView run=a view_state=view_state/> })}
            <div class="actions">
                <button id="share" on:click=share
                    title="The data goes into the link itself, compressed, after # (never sent to any server). For small runs.">"Copy link"</button>
                <button id="upload" on:click=move |_| upload(false)
                    title="Stores the files on the leaklens server this page came from. Anyone with the link can read them, and so can the server.">"Upload & copy permalink"</button>
                <button id="upload-encrypted" on:click=move |_| upload(true)
                    title="Encrypts the files in this browser (AES-GCM) before storing them on the server. The key is only in the link, after #: the server cannot read the data.">"Upload encrypted & copy link"</button>
                <button id="export-json" on:click=export_json>"Export JSON"</button>
                <button id="export-html" on:click=export_html>"Export HTML report"</button>
                <button id="export-png" on:click=move |_| export_png()>"Export chart PNG"</button>
                <input id="share-link" class="share-link" readonly prop:value=move || share_link.get()
                    placeholder="a link to this view appears here"/>
                <span id="copy-status" class="hint" role="status">{move || copy_status.get()}</span>
                <p class="hint share-help">
                    <b>"Copy link"</b>": the data is in the link (after #), never sent anywhere. "
                    <b>"Upload"</b>": a short link; the server stores the files and can read them. "
                    <b>"Upload encrypted"</b>": a short link; the server stores only ciphertext, the key is in the link (after #) and never reaches it."
                </p>
            </div>
        </section>
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

fn export_png() {
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

/// One run: verdict, issues, charts, tables.
#[component]
fn RunView(run: Arc<Analysed>, view_state: RwSignal<ViewState>) -> impl IntoView {
    let r = &run.report;
    let s = &r.summary;
    let facts = std::iter::once(shown(&run.title))
        .chain(leaklens_render::facts(s))
        .collect::<Vec<_>>()
        .join(" · ");
    let issues = r.issues.clone();
    let run_c = run.clone();
    let run_t = run.clone();
    // The tables come a task later: the verdict and the charts first.
    let tables_ready = RwSignal::new(false);
    spawn_local(async move {
        load::yield_to_browser().await;
        tables_ready.set(true);
    });
    view! {
        <article class="run">
            <p class="facts">{facts}</p>
            <div class=format!("banner {}", Verdict::as_str(s.verdict)) id="verdict" data-verdict=s.verdict.as_str()>
                <b>{leaklens_render::verdict_title(s.verdict)}</b>
                <span>{shown(&s.reason)}</span>
            </div>
            {(!s.watch.is_empty()).then(|| view! {
                <ul class="watch">{s.watch.iter().map(|w| view! { <li>{shown(w)}</li> }).collect_view()}</ul>
            })}
            <IssueList issues=issues view_state=view_state/>
            <Chart run=run_c.clone() kind=ChartKind::Memory view_state=view_state height=380/>
            {run_c.parsed.run.has_metric(Metric::Pages).then(|| view! {
                <Chart run=run_c.clone() kind=ChartKind::Browser view_state=view_state height=240/>
            })}
            {move || tables_ready.get().then(|| view! { <Tables report=run_t.report.clone() view_state=view_state/> })}
        </article>
    }
}

#[component]
fn IssueList(
    issues: Vec<leaklens_core::report::Issue>,
    view_state: RwSignal<ViewState>,
) -> impl IntoView {
    if issues.is_empty() {
        return view! { <p class="no-issues">"No issues found."</p> }.into_any();
    }
    view! {
        <ul class="issues" id="issues">
            {issues
                .into_iter()
                .enumerate()
                .map(|(k, i)| {
                    let sev = i.severity.as_str();
                    let selected = move || view_state.with(|v| v.issue == Some(k));
                    view! {
                        <li
                            class="issue"
                            class:selected=selected
                            data-kind=i.kind.as_str()
                            on:click=move |_| view_state.update(|v| {
                                v.issue = if v.issue == Some(k) { None } else { Some(k) };
                            })
                        >
                            <span class=format!("sev {sev}")>{sev}</span>
                            <code>{i.kind.as_str()}</code>
                            <span class="metric">{i.metric.display_name()}</span>
                            <span class="cycles">{format!("from cycle {}", i.first_cycle)}</span>
                            <p>{shown(&i.message)}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// What the hover tooltip shows.
#[derive(Clone, Debug, PartialEq)]
struct Hover {
    left: f64,
    top: f64,
    lines: Vec<String>,
    /// The crosshair, CSS pixels: x of the snapshot, top and height of the plot.
    cross: (f64, f64, f64),
    /// A dot on each visible series at that snapshot: (top, color).
    dots: Vec<(f64, String)>,
}

/// Pans `range` by `frac` of its width (negative: to the left).
fn pan_by(range: (f64, f64), frac: f64) -> (f64, f64) {
    let d = (range.1 - range.0) * frac;
    (range.0 + d, range.1 + d)
}

/// Zooms `range` by `factor` around `at` (factor < 1 zooms in).
fn zoom_around(range: (f64, f64), at: f64, factor: f64) -> (f64, f64) {
    (at - (at - range.0) * factor, at + (range.1 - at) * factor)
}

/// A chart on a canvas: the shared drawing code, plus hover, zoom and
/// series toggles.
#[component]
fn Chart(
    run: Arc<Analysed>,
    kind: ChartKind,
    view_state: RwSignal<ViewState>,
    height: u32,
    /// Another run drawn faintly under this one, by cycle (compare mode).
    #[prop(optional)]
    ghost: Option<Arc<Analysed>>,
) -> impl IntoView {
    let canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let layout: RwSignal<Option<ChartLayoutBox>> = RwSignal::new(None);
    let hover: RwSignal<Option<Hover>> = RwSignal::new(None);
    let drag: RwSignal<Option<(i32, i32)>> = RwSignal::new(None);
    // Shift+drag pans: where the drag started (CSS px) and the x range then.
    let pan: RwSignal<Option<(i32, (f64, f64))>> = RwSignal::new(None);
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

    let run_draw = run.clone();
    Effect::new(move |_| {
        let v = view_state.get();
        let Some(el) = canvas.get() else { return };
        let css_width = el
            .parent_element()
            .map(|p| p.client_width())
            .unwrap_or(900)
            .max(320) as u32;
        // Device pixels for a crisp chart on HiDPI screens; the drawing
        // scales its fonts and strokes by the same ratio.
        let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
        el.set_width((f64::from(css_width) * dpr).round() as u32);
        el.set_height((f64::from(height) * dpr).round() as u32);
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
        spec.highlight = v.issue.and_then(|k| {
            run_draw.report.issues.get(k).map(|i| {
                (
                    i.metric,
                    i.first_cycle,
                    i.last_cycle.unwrap_or(run_draw.report.summary.last_cycle),
                )
            })
        });
        let Some(mut backend) = CanvasBackend::with_canvas_object(el.clone()) else {
            return;
        };
        let ghost_name = ghost.as_ref().map(|g| shown(&g.title));
        let other = ghost
            .as_ref()
            .zip(ghost_name.as_deref())
            .map(|(g, name)| (&g.parsed.run, name));
        match leaklens_chart::draw_overlaid(
            &mut backend,
            &run_draw.parsed.run,
            &run_draw.report,
            other,
            &spec,
        ) {
            Ok(l) => layout.set(Some(ChartLayoutBox(l))),
            Err(e) => web_sys::console::warn_1(&format!("chart: {e}").into()),
        }
    });

    let run_hover = run.clone();
    // Mouse offsets are CSS pixels; the layout is in device pixels.
    let device =
        |v: i32| (f64::from(v) * window().device_pixel_ratio().clamp(1.0, 4.0)).round() as i32;
    let on_move = move |ev: web_sys::MouseEvent| {
        let (css_x, css_y) = (ev.offset_x(), ev.offset_y());
        let (px, py) = (device(css_x), device(css_y));
        if let Some((start, _)) = drag.get_untracked() {
            drag.set(Some((start, css_x)));
            return;
        }
        let Some(l) = layout.get_untracked() else {
            return;
        };
        let l = l.0;
        if let Some((start, range)) = pan.get_untracked() {
            let width = f64::from((l.plot_px.2 - l.plot_px.0).max(1));
            let frac = -f64::from(device(css_x) - device(start)) / width;
            hover.set(None);
            // (A pan keeps the width; it stays within the data.)
            view_state.update(|v| v.zoom = l.clamp_view(pan_by(range, frac), 0.0));
            return;
        }
        if !l.contains(px, py) {
            hover.set(None);
            return;
        }
        let time = l.x_axis == XAxis::Time;
        let x = l.x_at(px);
        let Some(i) = run_hover.index(time).nearest(x) else {
            hover.set(None);
            return;
        };
        let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
        let css = |p: i32| f64::from(p) / dpr;
        let (_, top, _, bottom) = l.plot_px;
        let hidden = view_state.with_untracked(|v| v.hidden.clone());
        let dots = kind
            .metrics()
            .iter()
            .filter(|m| !hidden.contains(m) && run_hover.parsed.run.has_metric(**m))
            .filter_map(|&m| {
                let y = run_hover.parsed.run.value(m, i);
                let py = l.px_at_y(y);
                (y.is_finite() && (top..=bottom).contains(&py)).then(|| {
                    let (r, g, b) = leaklens_chart::metric_color(m);
                    (css(py), format!("rgb({r},{g},{b})"))
                })
            })
            .collect();
        hover.set(Some(Hover {
            left: f64::from(css_x) + 14.0,
            top: f64::from(css_y) + 10.0,
            lines: describe(&run_hover, i, kind, &view_state.get_untracked()),
            cross: (
                css(l.px_at_x(run_hover.index(time).x_of(i))),
                css(top),
                css(bottom - top),
            ),
            dots,
        }));
    };
    let on_down = move |ev: web_sys::MouseEvent| {
        if ev.button() != 0 {
            return;
        }
        if ev.shift_key() {
            if let Some(l) = layout.get_untracked() {
                pan.set(Some((ev.offset_x(), l.0.x_range)));
            }
        } else {
            drag.set(Some((ev.offset_x(), ev.offset_x())));
        }
    };
    // Every zoom and pan stays within the data (None: the whole run).
    let set_view = move |range: (f64, f64), l: &ChartLayout| {
        let min_width = match l.x_axis {
            XAxis::Cycle => 2.0,
            XAxis::Time => 60_000.0,
        };
        view_state.update(|v| v.zoom = l.clamp_view(range, min_width));
    };
    let on_up = move |_ev: web_sys::MouseEvent| {
        pan.set(None);
        let Some((a, b)) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        let Some(l) = layout.get_untracked() else {
            return;
        };
        if (a - b).abs() < 6 {
            return;
        }
        let (x0, x1) = (l.0.x_at(device(a.min(b))), l.0.x_at(device(a.max(b))));
        if x1 > x0 {
            set_view((x0, x1), &l.0);
        }
    };
    // The wheel scrolls the page, as everywhere; Ctrl/⌘+wheel (and a
    // trackpad pinch, which the browser sends as Ctrl+wheel) zooms, and
    // Shift+wheel or a sideways scroll pans, as in Grafana and Perfetto.
    let on_wheel = move |ev: web_sys::WheelEvent| {
        let Some(l) = layout.get_untracked() else {
            return;
        };
        let zooming = ev.ctrl_key() || ev.meta_key();
        let sideways = if ev.shift_key() {
            ev.delta_y()
        } else if ev.delta_x().abs() > ev.delta_y().abs() {
            ev.delta_x()
        } else {
            0.0
        };
        if zooming {
            ev.prevent_default();
            let at = l.0.x_at(device(ev.offset_x()));
            let factor = if ev.delta_y() < 0.0 { 0.8 } else { 1.25 };
            set_view(zoom_around(l.0.x_range, at, factor), &l.0);
        } else if sideways != 0.0 {
            ev.prevent_default();
            set_view(pan_by(l.0.x_range, 0.1 * sideways.signum()), &l.0);
        }
    };
    // Keyboard, with the chart focused: arrows pan, +/- zoom, 0 resets.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(l) = layout.get_untracked() else {
            return;
        };
        let range = l.0.x_range;
        let mid = (range.0 + range.1) / 2.0;
        let zoom = match ev.key().as_str() {
            "ArrowLeft" => Some(pan_by(range, -0.1)),
            "ArrowRight" => Some(pan_by(range, 0.1)),
            "+" | "=" => Some(zoom_around(range, mid, 0.8)),
            "-" | "_" => Some(zoom_around(range, mid, 1.25)),
            "0" | "Escape" => None,
            _ => return,
        };
        ev.prevent_default();
        match zoom {
            Some(z) => set_view(z, &l.0),
            None => view_state.update(|v| v.zoom = None),
        }
    };
    let selection = move || {
        drag.get().and_then(|(a, b)| {
            ((a - b).abs() >= 2).then(|| format!("left:{}px;width:{}px", a.min(b), (a - b).abs()))
        })
    };
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
        <div class="chart-box">
            <div class="chart-tools">
                {toggles}
                <span class="spacer"></span>
                <label class="toggle">
                    <input type="checkbox" class="time-axis"
                        prop:checked=move || view_state.with(|v| v.time_axis)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view_state.update(|v| { v.time_axis = on; v.zoom = None; });
                        }/>
                    "wall-clock time"
                </label>
                <span class="hint">"drag: zoom · shift+drag: pan"</span>
                <button class="reset-zoom" on:click=move |_| view_state.update(|v| v.zoom = None)>"Reset zoom"</button>
            </div>
            <div class="canvas-wrap">
                <canvas
                    class=class
                    node_ref=canvas
                    tabindex="0"
                    aria-label="growth chart: drag to zoom, shift+drag or arrows to pan, Ctrl+wheel or +/- to zoom, double-click or 0 to reset"
                    on:mousemove=on_move
                    on:mousedown=on_down
                    on:mouseup=on_up
                    on:mouseleave=move |_| { hover.set(None); drag.set(None); pan.set(None); }
                    on:wheel=on_wheel
                    on:keydown=on_key
                    on:dblclick=move |_| view_state.update(|v| v.zoom = None)
                ></canvas>
                {move || selection().map(|style| view! { <div class="selection" style=style></div> })}
                {move || hover.get().map(|h| view! {
                    <div class="crosshair" style=format!("left:{}px;top:{}px;height:{}px", h.cross.0, h.cross.1, h.cross.2)></div>
                    {h.dots.into_iter().map(|(top, color)| view! {
                        <div class="dot" style=format!("left:{}px;top:{}px;background:{}", h.cross.0, top, color)></div>
                    }).collect_view()}
                    <div class="tooltip" style=format!("left:{}px;top:{}px", h.left, h.top)>
                        {h.lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
                    </div>
                })}
            </div>
        </div>
    }
}

/// `ChartLayout` in a signal (it is plain data).
#[derive(Clone, Copy, Debug)]
struct ChartLayoutBox(ChartLayout);

impl PartialEq for ChartLayoutBox {
    fn eq(&self, other: &Self) -> bool {
        self.0.plot_px == other.0.plot_px
            && self.0.x_range == other.0.x_range
            && self.0.y_range == other.0.y_range
    }
}

/// The tooltip of snapshot `i`: its cycle and label, every visible value,
/// the change since the previous snapshot and since the start.
fn describe(a: &Analysed, i: usize, kind: ChartKind, v: &ViewState) -> Vec<String> {
    let run = &a.parsed.run;
    let mut lines = vec![format!("Cycle {} — {}", run.cycle(i), shown(run.label(i)))];
    if let Some(t) = run.timestamp(i) {
        let secs = t.div_euclid(1000);
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        lines.push(format!("{h:02}:{m:02}:{s:02} UTC"));
    }
    for &m in kind.metrics() {
        if v.hidden.contains(&m) || !run.has_metric(m) {
            continue;
        }
        let val = run.value(m, i);
        if !val.is_finite() {
            continue;
        }
        let prev = if i > 0 { run.value(m, i - 1) } else { f64::NAN };
        let first = run
            .column(m)
            .iter()
            .copied()
            .find(|x| x.is_finite())
            .unwrap_or(f64::NAN);
        let mut line = format!("{}: {}", m.display_name(), unit(m, val));
        if prev.is_finite() {
            line.push_str(&format!("  (Δprev {}", signed(m, val - prev)));
            line.push_str(&format!(", Δstart {})", signed(m, val - first)));
        }
        lines.push(line);
    }
    lines
}

#[component]
fn Tables(report: Report, view_state: RwSignal<ViewState>) -> impl IntoView {
    let limit_metric = RwSignal::new(Metric::Rss);
    let limit_value = RwSignal::new(String::new());
    let set_limit = move |_| {
        if let Ok(x) = limit_value.get().trim().parse::<f64>() {
            if x.is_finite() && x > 0.0 {
                let m = limit_metric.get();
                view_state.update(|v| {
                    v.limits.insert(m, x);
                });
            }
        }
    };
    // A long run has thousands of windows: the first ones render at once,
    // the rest on request.
    let windows = StoredValue::new(tables::windows(&report));
    let n_windows = report.windows.len();
    let window_rows = RwSignal::new(60usize);
    view! {
        <h3>"Metrics: retained level after GC"</h3>
        <TableView id="metrics-table" table=tables::metrics(&report)/>
        <h3>"Evidence"</h3>
        <TableView id="evidence" table=tables::evidence(&report)/>
        {(!report.hints.is_empty()).then(|| view! {
            <ul class="hints">{report.hints.iter().map(|h| view! { <li>{shown(&h.message)}</li> }).collect_view()}</ul>
        })}
        <h3>"Forecast"</h3>
        <TableView id="forecast" table=tables::forecasts(&report)/>
        <div class="limit-form">
            "Forecast a limit: "
            <select id="limit-metric" on:change=move |ev| {
                if let Some(m) = Metric::parse(&event_target_value(&ev)) { limit_metric.set(m) }
            }>
                {Metric::ALL.iter().map(|m| view! {
                    <option value=m.key() selected=*m == Metric::Rss>{m.display_name()}</option>
                }).collect_view()}
            </select>
            <input id="limit-value" type="number" min="1" placeholder="MB"
                on:input=move |ev| limit_value.set(event_target_value(&ev))/>
            <button id="limit-set" on:click=set_limit>"Forecast"</button>
        </div>
        <h3>{format!("Every {} cycles", report.config.interval)}</h3>
        {move || (n_windows > window_rows.get()).then(|| view! {
            <button class="more-windows" on:click=move |_| window_rows.set(usize::MAX)>
                {format!("Show all {n_windows} windows")}
            </button>
        })}
        {move || {
            let mut shown = windows.get_value();
            shown.rows.truncate(window_rows.get());
            view! { <TableView id="windows" table=shown/> }
        }}
        <h3>"Operations: mean change at each step"</h3>
        <TableView id="phases" table=tables::phases(&report)/>
        {report.cleanup.as_ref().map(|c| view! { <p class="cleanup">{cleanup_text(c)}</p> })}
        {(!report.lingering_urls.is_empty()).then(|| view! {
            <h3>"Pages left open"</h3>
            <TableView id="lingering" table=tables::lingering(&report)/>
        })}
    }
}

/// One table of the report, cells as text: every table of the viewer is
/// this one component (one copy of its code in the wasm), drawn from the
/// same models as the Markdown and HTML reports.
#[component]
fn TableView(id: &'static str, table: Table) -> impl IntoView {
    let Table {
        header,
        numeric,
        rows,
    } = table;
    let class = move |k: usize| numeric.get(k).copied().unwrap_or(false).then_some("num");
    view! {
        <table id=id class=id>
            <tr>{header.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
            {rows.into_iter().map(|row| view! {
                <tr>{row.into_iter().enumerate().map(|(k, cell)| view! { <td class=class(k)>{shown(&cell)}</td> }).collect_view()}</tr>
            }).collect_view()}
        </table>
    }
}
