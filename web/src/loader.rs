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
        );
    };
    let on_pick = move |ev: web_sys::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            take_files(input.files(), inputs, fetch_errors, busy);
            input.set_value("");
        }
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
                <PasteBox inputs=inputs/>
                <Samples inputs=inputs fetch_errors=fetch_errors busy=busy/>
            </Show>
            <Show when=move || { n_inputs() >= 2 } fallback=|| ()>
                <CompareMode view_state=view_state/>
            </Show>
            <Show when=move || busy.get() fallback=|| ()>
                <p class="busy">"Reading…"</p>
            </Show>
        </section>
    }
}

/// Reads dropped or picked files; they replace the inputs.
fn take_files(
    files: Option<web_sys::FileList>,
    inputs: RwSignal<Vec<Input>>,
    fetch_errors: RwSignal<Vec<(String, String)>>,
    busy: RwSignal<bool>,
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
        inputs.set(got);
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

/// Compare the first two files instead of merging them.
#[component]
fn CompareMode(view_state: RwSignal<ViewState>) -> impl IntoView {
    view! {
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
