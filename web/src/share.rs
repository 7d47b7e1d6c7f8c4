//! Sharing a view: a link that carries the data, or a permalink to files
//! uploaded to the server the page came from (sealed in the browser first
//! when encrypted), copied to the clipboard; and the export buttons.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::export::{self, Kind};
use crate::load::{Analysed, Input};
use crate::state::{self, ViewState};
use crate::window;

/// The link shown in the share field, and what became of its copy. Each
/// click of a share button starts a request; only the latest one's answer
/// is shown (a slower earlier one would show an older view).
#[derive(Clone, Copy)]
struct ShareLink {
    /// The link, or what is under way, or why it failed.
    text: RwSignal<String>,
    /// What became of the copy: copied, or refused (then the link is
    /// selected in its field, for Ctrl+C).
    copy_status: RwSignal<String>,
    latest: StoredValue<u32>,
}

impl ShareLink {
    fn new() -> Self {
        ShareLink {
            text: RwSignal::new(String::new()),
            copy_status: RwSignal::new(String::new()),
            latest: StoredValue::new(0u32),
        }
    }

    /// Starts a request, saying `status`; returns its number.
    fn start(self, status: &str) -> u32 {
        self.latest.update_value(|n| *n += 1);
        self.text.set(status.into());
        self.latest.get_value()
    }

    /// A link is shown and copied; a failure is shown.
    fn settle(self, request: u32, answer: Result<String, String>) {
        if self.latest.get_value() != request {
            return;
        }
        self.copy_status.set(String::new());
        let url = answer.as_ref().ok().cloned();
        self.text.set(answer.unwrap_or_else(|e| e));
        let Some(url) = url else { return };
        spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&url);
            let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            if self.latest.get_value() != request {
                return;
            }
            if copied {
                self.copy_status.set("Copied to the clipboard.".into());
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
            self.copy_status.set(
                "The browser did not allow copying: the link is selected, press Ctrl+C (⌘C) to copy it."
                    .into(),
            );
        });
    }
}

/// This page's address, without query or fragment.
fn here() -> String {
    let loc = window().location();
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// "Copy link": the files, compressed, in the link's fragment.
fn share_inline(link: ShareLink, inputs: RwSignal<Vec<Input>>, view_state: RwSignal<ViewState>) {
    let files = inputs.get_untracked();
    let view = view_state.get_untracked();
    let request = link.start("Compressing…");
    spawn_local(async move {
        // Packed by the export module (off the page's wasm).
        let answer = export::pack(&files).await.and_then(|data| {
            if data.len() > state::MAX_INLINE {
                return Err(
                    "Too big to fit in a link: host the files and share ?src=<url> instead.".into(),
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
        link.settle(request, answer);
    });
}

/// Upload to the leaklens server this page came from: a short permalink
/// (`?src=` the stored files) instead of the data in the link; sealed
/// first when `encrypted`, the key then only in the link's fragment.
fn upload(
    link: ShareLink,
    encrypted: bool,
    inputs: RwSignal<Vec<Input>>,
    view_state: RwSignal<ViewState>,
) {
    let files = inputs.get_untracked();
    let view = view_state.get_untracked();
    let request = link.start(if encrypted {
        "Encrypting and uploading…"
    } else {
        "Uploading…"
    });
    spawn_local(async move {
        // Sealed and uploaded by the export module (off the page's wasm).
        let answer = export::upload(files, encrypted).await.map(|(query, key)| {
            let mut frag = view.encode();
            if let Some(k) = &key {
                if !frag.is_empty() {
                    frag.push('&');
                }
                frag.push_str("k=");
                frag.push_str(k);
            }
            if !frag.is_empty() {
                frag.insert(0, '#');
            }
            format!("{}?{query}{frag}", here())
        });
        link.settle(request, answer);
    });
}

/// The share and export buttons under the report.
#[component]
pub fn Actions(
    first: Signal<Option<Arc<Analysed>>>,
    view_state: RwSignal<ViewState>,
    inputs: RwSignal<Vec<Input>>,
) -> impl IntoView {
    let link = ShareLink::new();
    let export_status = RwSignal::new(String::new());
    let exporting = RwSignal::new(false);
    let export_report = move |kind| {
        if first.with_untracked(Option::is_some) {
            let view = view_state.get_untracked();
            export::report(
                kind,
                inputs.get_untracked(),
                &view,
                export_status,
                exporting,
            );
        }
    };
    view! {
        <div class="actions">
            <button id="share" on:click=move |_| share_inline(link, inputs, view_state)
                title="The data goes into the link itself, compressed, after # (never sent to any server). For small runs.">"Copy link"</button>
            <button id="upload" on:click=move |_| upload(link, false, inputs, view_state)
                title="Stores the files on the leaklens server this page came from. Anyone with the link can read them, and so can the server.">"Upload & copy permalink"</button>
            <button id="upload-encrypted" on:click=move |_| upload(link, true, inputs, view_state)
                title="Encrypts the files in this browser (AES-GCM) before storing them on the server. The key is only in the link, after #: the server cannot read the data.">"Upload encrypted & copy link"</button>
            <button id="export-json" prop:disabled=move || exporting.get()
                on:click=move |_| export_report(Kind::Json)>"Export JSON"</button>
            <button id="export-html" prop:disabled=move || exporting.get()
                on:click=move |_| export_report(Kind::Html)>"Export HTML report"</button>
            <button id="export-png" on:click=move |_| export::png()>"Export chart PNG"</button>
            <span id="export-status" class="hint" role="status">{move || export_status.get()}</span>
            <input id="share-link" class="share-link" readonly prop:value=move || link.text.get()
                placeholder="a link to this view appears here"/>
            <span id="copy-status" class="hint" role="status">{move || link.copy_status.get()}</span>
            <p class="hint share-help">
                <b>"Copy link"</b>": the data is in the link (after #), never sent anywhere. "
                <b>"Upload"</b>": a short link; the server stores the files and can read them. "
                <b>"Upload encrypted"</b>": a short link; the server stores only ciphertext, the key is in the link (after #) and never reaches it."
            </p>
        </div>
    }
}
