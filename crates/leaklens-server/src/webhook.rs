//! `--webhook URL`: a JSON POST when a live run's verdict changes (its
//! first verdict included), retried when the receiver fails. A run is
//! judged a moment after an append (appends in between are judged
//! together), from the same judgements `/metrics` keeps.
//!
//! The body: `{"run", "name", "verdict", "previous", "snapshots",
//! "top_issue", "url"}` (`previous` null for a run's first verdict).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::exposition::{judge_now, Judgements};
use crate::{ReportId, Store};

/// Where and how verdict changes are sent.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `http://…` (https in a build with the `tls` feature of the CLI).
    pub url: String,
    /// Wait after an append before judging the run (appends in between
    /// are judged together).
    pub settle: Duration,
    /// Tries of one POST, and the wait before the first retry (doubled
    /// each time).
    pub attempts: u32,
    pub backoff: Duration,
}

impl WebhookConfig {
    pub fn new(url: String) -> WebhookConfig {
        WebhookConfig {
            url,
            settle: Duration::from_secs(5),
            attempts: 5,
            backoff: Duration::from_secs(1),
        }
    }
}

/// The webhook's state: runs waiting to be judged, and the verdict last
/// sent of each.
pub(crate) struct Webhook {
    cfg: WebhookConfig,
    pending: Mutex<HashMap<String, ()>>,
    sent: Mutex<HashMap<String, &'static str>>,
}

#[derive(Serialize)]
struct Change<'a> {
    run: &'a str,
    name: &'a str,
    verdict: &'static str,
    previous: Option<&'static str>,
    snapshots: usize,
    top_issue: Option<&'a str>,
    url: String,
}

impl Webhook {
    pub(crate) fn new(cfg: WebhookConfig) -> Arc<Webhook> {
        Arc::new(Webhook {
            cfg,
            pending: Mutex::default(),
            sent: Mutex::default(),
        })
    }

    /// Run `id` grew: judge it soon (once for the appends of the wait).
    pub(crate) fn poke(
        self: &Arc<Self>,
        id: ReportId,
        host: String,
        store: Arc<dyn Store>,
        cache: Arc<Judgements>,
    ) {
        let key = id.as_str().to_string();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.insert(key.clone(), ()).is_some() {
                return;
            }
        }
        let hook = Arc::clone(self);
        tokio::spawn(async move {
            let mut wait = hook.cfg.settle;
            loop {
                tokio::time::sleep(wait).await;
                let (hook2, id2, host2) = (Arc::clone(&hook), id.clone(), host.clone());
                let (store2, cache2) = (store.clone(), cache.clone());
                let judged = tokio::task::spawn_blocking(move || {
                    hook2.judge_and_send(&id2, &host2, store2.as_ref(), &cache2)
                })
                .await;
                // Judged a moment ago (a long run is not judged again at
                // once): look again when it may be.
                match judged {
                    Ok(Some(later)) => wait = later,
                    _ => break,
                }
            }
            hook.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        });
    }

    /// Judges run `id` and sends a change of verdict; when the judgement
    /// was one made before its last appends, how long until it can be
    /// judged again.
    fn judge_and_send(
        &self,
        id: &ReportId,
        host: &str,
        store: &dyn Store,
        cache: &Judgements,
    ) -> Option<Duration> {
        let (j, later) = judge_now(store, cache, id)?;
        if let Some(later) = later {
            return Some(later.max(Duration::from_millis(100)));
        }
        let key = id.as_str();
        let previous = {
            let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            let previous = sent.get(key).copied();
            if previous == Some(j.verdict) {
                return None;
            }
            sent.insert(key.to_string(), j.verdict);
            previous
        };
        let change = Change {
            run: key,
            name: &j.name,
            verdict: j.verdict,
            previous,
            snapshots: j.snapshots,
            top_issue: j.top_issue.as_ref().map(|i| i.2.as_str()),
            url: format!("{host}{}", leaklens_protocol::routes::run_view(key)),
        };
        let Ok(body) = serde_json::to_vec(&change) else {
            return None;
        };
        let mut wait = self.cfg.backoff;
        for attempt in 1..=self.cfg.attempts.max(1) {
            match post(&self.cfg.url, &body) {
                Ok(()) => return None,
                Err(e) if attempt < self.cfg.attempts => {
                    tracing::warn!(run = key, attempt, error = %e, "webhook failed; retrying");
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                }
                Err(e) => tracing::error!(run = key, error = %e, "webhook failed; giving up"),
            }
        }
        None
    }
}

fn post(url: &str, body: &[u8]) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(true)
        .build()
        .into();
    agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
