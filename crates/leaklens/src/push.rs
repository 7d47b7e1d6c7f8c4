//! `leaklens push FILE --server URL [--follow]`: sends a run to a
//! `leaklens serve` as a live run, and with `--follow` keeps sending the
//! snapshots the worker appends to its log or export, so teammates watch the
//! analysis update in the viewer.
//!
//! The file is read in whatever shape the worker writes (log, NDJSON, JSON)
//! and sent as NDJSON. While following, the newest snapshot is held back
//! until the file has been quiet for one poll (the worker may still be
//! writing it). A snapshot counts as sent only once the server answered, so a
//! server restart or a network error loses nothing: it is retried.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use leaklens_core::ingest;

/// Largest batch of snapshots per request (well under the upload limit).
const BATCH: usize = 20_000;

pub struct PushArgs<'a> {
    pub file: &'a Path,
    pub server: &'a str,
    pub run: Option<(String, String)>,
    pub follow: bool,
    pub poll: Duration,
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

/// The server's `{ "error": ... }` message, or the raw body.
fn server_error(status: u16, body: &str) -> anyhow::Error {
    let why = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.trim().chars().take(300).collect());
    anyhow::anyhow!("the server refused it (HTTP {status}): {why}")
}

/// A failure worth retrying (network, server restarting) or not (refused).
enum SendError {
    Retry(anyhow::Error),
    Fatal(anyhow::Error),
}

impl Client {
    fn new(server: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Client {
            agent,
            base: server.trim_end_matches('/').to_string(),
        }
    }

    fn post(
        &self,
        path: &str,
        token: Option<&str>,
        name: &str,
        body: &[u8],
    ) -> Result<String, SendError> {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("X-File-Name", name)
            .content_type("application/x-ndjson");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = req
            .send(body)
            .map_err(|e| SendError::Retry(anyhow::anyhow!("cannot reach {}: {e}", self.base)))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => Ok(text),
            408 | 429 | 500..=599 => Err(SendError::Retry(server_error(status, &text))),
            _ => Err(SendError::Fatal(server_error(status, &text))),
        }
    }
}

fn header_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "live".into())
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Pushes the file; returns when done (or never, with `follow`).
pub fn push(args: &PushArgs<'_>) -> anyhow::Result<()> {
    let client = Client::new(args.server);
    let name = header_name(args.file);
    let (id, token) = match &args.run {
        Some((id, token)) => (id.clone(), token.clone()),
        None => {
            let text = match client.post("/api/runs", None, &name, b"") {
                Ok(t) => t,
                Err(SendError::Retry(e) | SendError::Fatal(e)) => {
                    return Err(e.context("cannot create a live run"))
                }
            };
            let created: leaklens_server::live::RunCreated =
                serde_json::from_str(&text).context("the server's answer is not a run")?;
            println!("live view: {}", created.url);
            eprintln!(
                "to resume later: leaklens push {} --server {} --run {} --token {}",
                args.file.display(),
                args.server,
                created.id,
                created.write_token
            );
            (created.id, created.write_token)
        }
    };
    let path = format!("/api/runs/{id}/snapshots");
    let shown = args.file.display().to_string();
    let mut sent = 0usize;
    let mut last_len: Option<u64> = None;
    // The file length at which everything in it was sent.
    let mut flushed_at: Option<u64> = None;
    let mut warned = false;
    let mut backoff = args.poll;
    loop {
        let len = std::fs::metadata(args.file)
            .with_context(|| format!("cannot read {shown}"))?
            .len();
        if last_len.is_some_and(|l| len < l) {
            // Truncated or rotated: a new file from the start.
            sent = 0;
            flushed_at = None;
        }
        let quiet = last_len == Some(len);
        if flushed_at != Some(len) {
            let bytes = std::fs::read(args.file).with_context(|| format!("cannot read {shown}"))?;
            match ingest::parse(&shown, &bytes) {
                Ok(parsed) => {
                    if !warned {
                        for w in &parsed.warnings {
                            eprintln!("warning: {}", leaklens_render::sanitize(&w.to_string()));
                        }
                        warned = true;
                    }
                    let total = parsed.run.len();
                    // While following, the newest snapshot may still be being written.
                    let ready = if args.follow && !quiet {
                        total.saturating_sub(1)
                    } else {
                        total
                    };
                    while sent < ready {
                        let end = ready.min(sent + BATCH);
                        let mut body = String::new();
                        leaklens_core::generate::to_ndjson_range(&parsed.run, sent..end, &mut body);
                        match client.post(&path, Some(&token), &name, body.as_bytes()) {
                            Ok(_) => {
                                sent = end;
                                backoff = args.poll;
                            }
                            Err(SendError::Fatal(e)) => return Err(e),
                            Err(SendError::Retry(e)) if args.follow => {
                                eprintln!("warning: {e:#}; retrying in {backoff:?}");
                                std::thread::sleep(backoff);
                                backoff = (backoff * 2).min(Duration::from_secs(30));
                                break;
                            }
                            Err(SendError::Retry(e)) => return Err(e),
                        }
                    }
                    if sent >= total {
                        flushed_at = Some(len);
                    }
                }
                // An empty or half-written file while following: wait for more.
                Err(e) if args.follow => {
                    if last_len.is_none() {
                        eprintln!("waiting for snapshots in {shown}: {e}");
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !args.follow {
            eprintln!("sent {sent} snapshots");
            return Ok(());
        }
        last_len = Some(len);
        std::thread::sleep(args.poll);
    }
}

/// `--run` and `--token` go together.
pub fn run_arg(
    run: Option<String>,
    token: Option<String>,
) -> anyhow::Result<Option<(String, String)>> {
    match (run, token) {
        (Some(r), Some(t)) => Ok(Some((r, t))),
        (None, None) => Ok(None),
        _ => {
            anyhow::bail!("--run and --token go together (both are printed when a run is created)")
        }
    }
}
