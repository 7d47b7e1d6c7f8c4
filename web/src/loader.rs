//! Getting files in, on the page: the drop zone, file picker, paste box and
//! samples, the progress of a read, and what could not be read.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::load::{self, Input, Shared, SAMPLES};
use crate::shown;
use crate::state::ViewState;

/// At most this many input warnings are listed (the count says them all).
const MAX_WARNINGS_SHOWN: usize = 200;

/// The drop zone, file picker, paste box and samples.
#[component]
pub fn Loader(
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
    view_state: RwSignal<ViewState>,
    compact: Signal<bool>,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        take_files(
            ev.data_transfer().and_then(|d| d.files()),
            inputs,
            fetch_errors,
            busy,
            view_state,
        );
    };
    let on_pick = move |ev: web_sys::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            take_files(input.files(), inputs, fetch_errors, busy, view_state);
            input.set_value("");
        }
    };
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
                "Drop snapshot files here — JSON, NDJSON, the worker's log or a metrics export — or "
                <label class="button">
                    "choose files"
                    <input id="file-input" type="file" multiple on:change=on_pick/>
                </label>
            </p>
            <Show when=move || !compact.get() fallback=|| ()>
                <p class="hint">"Several exports of one run are merged; two different runs are compared (you can switch). Files never leave this page."</p>
                <PasteBox inputs=inputs/>
                <Samples inputs=inputs fetch_errors=fetch_errors busy=busy/>
            </Show>
            <Show when=move || busy.get() fallback=|| ()>
                <p class="busy">"Reading…"</p>
            </Show>
        </section>
    }
}

/// Reads dropped or picked files; they replace the inputs (merged or
/// compared as they decide, until the user says otherwise).
fn take_files(
    files: Option<web_sys::FileList>,
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
    view_state: RwSignal<ViewState>,
) {
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
        if !got.is_empty() {
            view_state.update(|v| v.compare = None);
            load::set_src(None);
            inputs.set(got);
        }
        busy.set(false);
    });
}

/// Pasted text, analysed as one file.
#[component]
fn PasteBox(inputs: RwSignal<Vec<Input>>) -> impl IntoView {
    let paste = RwSignal::new(String::new());
    let load_paste = move |_| {
        let text = paste.get();
        if text.trim().is_empty() {
            return;
        }
        load::set_src(None);
        inputs.set(vec![Input {
            name: "pasted text".into(),
            bytes: Arc::new(text.into_bytes()),
        }]);
    };
    view! {
        <div class="paste">
            <textarea
                id="paste"
                placeholder="…or paste a log excerpt here"
                prop:value=move || paste.get()
                on:input=move |ev| paste.set(event_target_value(&ev))
            ></textarea>
            <button id="paste-load" on:click=load_paste>"Analyse pasted text"</button>
        </div>
    }
}

/// The samples bundled with the viewer, one button each.
#[component]
fn Samples(
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let load_sample = move |file: &'static str| {
        busy.set(true);
        spawn_local(async move {
            let src = format!("samples/{file}");
            match load::fetch(&src).await {
                Ok(i) => {
                    load::set_src(Some(&src));
                    fetch_errors.set(Vec::new());
                    inputs.set(vec![i]);
                }
                Err(e) => fetch_errors.set(vec![(file.to_string(), e)]),
            }
            busy.set(false);
        });
    };
    view! {
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
    }
}

/// The progress bar of a read under way.
#[component]
pub fn Progress(progress: RwSignal<Option<(f64, String)>>) -> impl IntoView {
    move || {
        progress.get().map(|(f, what)| {
            view! {
                <div class="progress" id="progress">
                    <progress max="1" prop:value=f></progress>
                    <span>{shown(&what)}</span>
                </div>
            }
        })
    }
}

/// Files that could not be read, and parse warnings.
#[component]
pub fn Errors(
    loaded: Memo<Shared>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
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
                    {move || warnings().into_iter().take(MAX_WARNINGS_SHOWN).map(|w| view! { <li>{shown(&w)}</li> }).collect_view()}
                </ul>
            </details>
        </Show>
    }
}
