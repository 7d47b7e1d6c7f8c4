//! Following a live run: its Server-Sent Events (`<run>/events`) say when
//! it grew, and the page then reads only the new bytes.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::load::{self, Input};
use crate::{shown, window};

/// The first pause before a refused stream is opened again (ms); it doubles
/// at every refusal, up to [`RETRY_MAX_MS`].
const RETRY_FIRST_MS: i32 = 2_000;
/// The longest pause between two attempts to open a refused stream (ms).
const RETRY_MAX_MS: i32 = 30_000;
/// Refusals after which the pause stops doubling.
const RETRY_MAX_DOUBLINGS: u32 = 4;

/// The pause before attempt `attempt + 1` at a refused stream (ms):
/// 2 s, 4 s, 8 s, 16 s, then 30 s.
pub fn retry_delay_ms(attempt: u32) -> i32 {
    (RETRY_FIRST_MS * 2i32.pow(attempt.min(RETRY_MAX_DOUBLINGS))).min(RETRY_MAX_MS)
}

/// The live status line.
type Status = RwSignal<Option<String>>;

type OnAppend = Closure<dyn FnMut(web_sys::MessageEvent)>;

/// What the reads of a live run share between appends.
#[derive(Clone)]
struct Follower {
    /// The run's URL.
    run: Rc<String>,
    /// Every `src` of the page (read again whole if the run's first read
    /// failed).
    srcs: Rc<Vec<String>>,
    /// A read is under way.
    reading: Rc<Cell<bool>>,
    /// An append arrived during the read: read once more.
    again: Rc<Cell<bool>>,
    /// The run's committed length: what the page has and no more is
    /// nothing to fetch.
    committed: Rc<Cell<usize>>,
    inputs: RwSignal<Vec<Input>>,
    live: Status,
}

/// Subscribes to a live run's events (`<run>/events`); on every append the
/// run's new bytes are fetched (only those: a byte range from what the page
/// has) and the analysis re-runs, the view (zoom, series, selected issue)
/// kept. Appends that arrive while a read is under way are folded into one
/// more read.
pub fn follow(run: &str, srcs: Vec<String>, inputs: RwSignal<Vec<Input>>, live: Status) {
    let url = Rc::new(leaklens_protocol::routes::events_of(run));
    live.set(Some("● live: waiting for snapshots…".into()));
    let follower = Follower {
        run: Rc::new(run.to_string()),
        srcs: Rc::new(srcs),
        reading: Rc::new(Cell::new(false)),
        again: Rc::new(Cell::new(false)),
        committed: Rc::new(Cell::new(0usize)),
        inputs,
        live,
    };
    let on_append =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            follower.on_append(ev)
        });
    // The subscription lives as long as the page.
    subscribe(url, Rc::new(on_append), live, 0);
}

impl Follower {
    fn on_append(&self, ev: web_sys::MessageEvent) {
        let data = ev.data().as_string().unwrap_or_default();
        let count = |key: &str| {
            load::json_field(&data, key)
                .and_then(|n| n.as_f64())
                .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                .map(|n| n as u64)
        };
        let snapshots = count("snapshots").unwrap_or(0);
        if let Some(b) = count("bytes") {
            let b = usize::try_from(b).unwrap_or(usize::MAX);
            self.committed.set(self.committed.get().max(b));
        }
        let now = js_sys::Date::new_0()
            .to_locale_time_string("en-GB")
            .as_string()
            .unwrap_or_default();
        self.live.set(Some(format!(
            "● live: {snapshots} snapshots, updated {now}"
        )));
        if self.reading.get() {
            self.again.set(true);
            return;
        }
        self.reading.set(true);
        let this = self.clone();
        spawn_local(async move {
            loop {
                this.again.set(false);
                this.read_new().await;
                if !this.again.get() {
                    break;
                }
            }
            this.reading.set(false);
        });
    }

    /// Reads what the run gained since the page's copy.
    async fn read_new(&self) {
        let name = load::name_of(&self.run);
        let have = self
            .inputs
            .with_untracked(|v| v.iter().find(|i| i.name == name).map(|i| i.bytes.len()));
        match have {
            // The run was not read yet (its first read failed).
            None => {
                let (got, _) = load::fetch_all(&self.srcs, None).await;
                if !got.is_empty() {
                    self.inputs.set(got);
                }
            }
            Some(have) if have >= self.committed.get() => {}
            Some(have) => {
                let bytes = match load::fetch_more(&self.run, have).await {
                    Ok(load::More::Rest(more)) => Some((true, more)),
                    Ok(load::More::Whole(all)) => Some((false, all)),
                    Ok(load::More::Nothing) => None,
                    Err(e) => {
                        // Said; the next append reads again.
                        self.live.set(Some(format!(
                            "● live: {}; retrying at the next update",
                            shown(&e)
                        )));
                        None
                    }
                };
                if let Some((append, bytes)) = bytes {
                    self.inputs.update(|v| {
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
    }
}

/// Opens the event stream. The browser retries a dropped stream by itself;
/// one it gave up on (the server refused it, say 503 when too many watch)
/// is opened again after a growing pause ([`retry_delay_ms`]).
fn subscribe(url: Rc<String>, on_append: Rc<OnAppend>, live: Status, attempt: u32) {
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
        let delay = retry_delay_ms(attempt);
        live.set(Some(format!(
            "● live: the server refused the stream, retrying in {} s…",
            delay / 1000
        )));
        let (url, on_append) = (url.clone(), on_append.clone());
        let retry = Closure::once_into_js(move || subscribe(url, on_append, live, attempt + 1));
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay);
    });
    events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_stream_is_retried_after_a_growing_pause() {
        let delays: Vec<i32> = (0..7).map(retry_delay_ms).collect();
        assert_eq!(
            delays,
            [2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(retry_delay_ms(u32::MAX), 30_000);
    }
}
