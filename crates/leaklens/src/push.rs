//! `leaklens push FILE --server URL [--follow]`: sends a run to a
//! `leaklens serve` as a live run, and with `--follow` keeps sending the
//! snapshots the worker appends to its log or export, so teammates watch the
//! analysis update in the viewer.
//!
//! The file is read in whatever shape the worker writes (log, NDJSON, JSON)
//! by the core's [`Reader`] and sent as NDJSON, as written (file order, the
//! file's cycle numbers: the readers of the whole run sort, de-duplicate and
//! number restarts on). While following, each look at the file pushes what
//! it grew by and sends the snapshots of its complete records (whole NDJSON
//! lines; a log block once the next header starts, or once the file has been
//! quiet for one poll). Snapshots a failed request did not deliver are sent
//! again, so a server restart or a network error loses nothing.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use leaklens_core::ingest::{self, Keep, ReadOptions, Reader};
use leaklens_core::Run;
use leaklens_protocol::{routes, ErrorBody, RunCreated};

pub struct PushArgs<'a> {
    pub file: &'a Path,
    pub server: &'a str,
    pub run: Option<(String, String)>,
    pub follow: bool,
    pub poll: Duration,
    /// The `docker compose` service to read from a log of several.
    pub worker: Option<String>,
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

/// The server's `{ "error": ... }` message, or the raw body.
fn server_error(status: u16, body: &str) -> anyhow::Error {
    let why = serde_json::from_str::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_else(|_| body.trim().chars().take(300).collect());
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
            .header(leaklens_protocol::FILE_NAME_HEADER, name)
            .content_type(leaklens_protocol::NDJSON_TYPE);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = req.send(body).map_err(|e| {
            // A server refusing a body over its limit closes the connection
            // while it is still being sent.
            let hint = if body.len() > 8 << 20 {
                format!(
                    " (sending {:.0} MB: the server may refuse bodies over its upload limit, \
                     `leaklens serve --max-upload-mb`)",
                    body.len() as f64 / 1e6
                )
            } else {
                String::new()
            };
            SendError::Retry(anyhow::anyhow!("cannot reach {}: {e}{hint}", self.base))
        })?;
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

fn say_worker(shown: &str, worker: &str) {
    eprintln!(
        "note: {shown}: sending the snapshots of worker \"{}\" (choose with --worker SERVICE)",
        leaklens_render::sanitize(worker)
    );
}

/// Bytes of NDJSON per request (well under the server's upload limit).
const BATCH_BYTES: usize = 4 << 20;

/// Pushes the file; returns when done (or never, with `follow`).
pub fn push(args: &PushArgs<'_>) -> anyhow::Result<()> {
    let client = Client::new(args.server);
    let name = header_name(args.file);
    let shown = args.file.display().to_string();

    // Read it once first: a file that is no snapshot export is refused
    // before any run is created; its warnings are shown once.
    let first = std::fs::read(args.file).with_context(|| format!("cannot read {shown}"))?;
    if let Some(w) = &args.worker {
        check_worker(&shown, &first, w)?;
    }
    // The worker read from a `docker compose` log: once a piece names one,
    // every later piece reads that one (a piece of its own would choose by
    // what that piece holds, mixing replicas).
    let mut worker = args.worker.clone();
    let document = first_look(&shown, &first, args.follow, &mut worker)?;
    let (id, token) = match &args.run {
        Some((id, token)) => (id.clone(), token.clone()),
        None => create_run(&client, args.server, &name)?,
    };
    let batches = Batches {
        client: &client,
        path: routes::run_snapshots(&id),
        token: &token,
        name: &name,
    };
    // Pieces are what each look finds complete: the reader reads none
    // before it is asked.
    let reader = |worker: Option<String>| {
        let options = ReadOptions {
            as_written: true,
            worker,
        };
        Reader::with_options(&shown, Keep::Nothing, usize::MAX, options)
    };
    let mut reading = reader(worker.clone());
    reading.push(&first);
    if !args.follow || document {
        let run = reading
            .finish_with(&first)
            .map(|p| p.run)
            .unwrap_or_default();
        let mut backoff = args.poll;
        let (sent, _) = batches.send(&run, 0, false, args.poll, &mut backoff)?;
        eprintln!("sent {sent} snapshots");
        return Ok(());
    }
    drop(first);
    let mut follower = Follower {
        unsent: std::collections::VecDeque::new(),
        backoff: args.poll,
        last_len: None,
    };
    loop {
        // The snapshots of the complete records, all of them once the file
        // has been quiet for a poll.
        let len = reading.bytes_read();
        let batch = if follower.last_len == Some(len) {
            reading.take_rest()
        } else {
            reading.take()
        };
        follower.last_len = Some(len);
        if worker.is_none() {
            if let Some(w) = batch.worker {
                say_worker(&shown, &w);
                worker = Some(w);
            }
        }
        follower.send(&batches, batch.run, args.poll)?;
        std::thread::sleep(args.poll);
        let (grown, truncated) = read_from(args.file, reading.bytes_read())
            .with_context(|| format!("cannot read {shown}"))?;
        if truncated {
            eprintln!("note: {shown} was truncated or rotated: reading it from the start");
            reading = reader(worker.clone());
            follower.last_len = None;
        }
        reading.push(&grown);
    }
}

/// What a follower has still to send.
struct Follower {
    /// Snapshots read and not yet delivered (a run, and how many of it were).
    unsent: std::collections::VecDeque<(Run, usize)>,
    backoff: Duration,
    /// The file's length at the last look.
    last_len: Option<u64>,
}

impl Follower {
    /// Sends what is unsent, `run` after it; what a failure worth retrying
    /// left is sent at the next look.
    fn send(&mut self, batches: &Batches<'_>, run: Run, poll: Duration) -> anyhow::Result<()> {
        if !run.is_empty() {
            self.unsent.push_back((run, 0));
        }
        while let Some((run, from)) = self.unsent.front_mut() {
            let (done, failed) = batches.send(run, *from, true, poll, &mut self.backoff)?;
            *from = done;
            if failed {
                return Ok(());
            }
            self.unsent.pop_front();
        }
        Ok(())
    }
}

/// The bytes of `file` after its first `from` ones, and whether it is now
/// shorter than that (truncated or rotated: then all of it).
fn read_from(file: &Path, from: u64) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::{Read, Seek};
    let mut f = std::fs::File::open(file)?;
    let len = f.metadata()?.len();
    let truncated = len < from;
    if !truncated {
        f.seek(std::io::SeekFrom::Start(from))?;
    }
    let mut grown = Vec::new();
    f.read_to_end(&mut grown)?;
    Ok((grown, truncated))
}

/// A `--worker` the log does not name would send nothing, silently: refused.
fn check_worker(shown: &str, first: &[u8], w: &str) -> anyhow::Result<()> {
    let named = ingest::log_workers(first);
    if named.is_empty() || named.iter().any(|n| n == w) {
        return Ok(());
    }
    anyhow::bail!(
        "{shown} has no worker \"{}\": its snapshots come from {}",
        leaklens_render::sanitize(w),
        named
            .iter()
            .take(10)
            .map(|n| format!("\"{}\"", leaklens_render::sanitize(n)))
            .chain((named.len() > 10).then(|| format!("{} more", named.len() - 10)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Whether the file is one JSON document (sent whole, once), from its
/// first read (warnings shown once, the reader's choice of worker kept); an
/// empty file being followed is waited for.
fn first_look(
    shown: &str,
    first: &[u8],
    follow: bool,
    worker: &mut Option<String>,
) -> anyhow::Result<bool> {
    let document = match ingest::parse(shown, first) {
        Ok(parsed) => {
            if worker.is_none() {
                *worker = parsed.worker.clone();
            }
            if let Some(w) = worker.as_deref() {
                say_worker(shown, w);
            }
            for w in &parsed.warnings {
                eprintln!("warning: {}", leaklens_render::sanitize(&w.to_string()));
            }
            match parsed.formats.first() {
                Some(ingest::InputFormat::Ndjson | ingest::InputFormat::WorkerLog) => false,
                // One snapshot on one line so far: the first line of NDJSON.
                Some(ingest::InputFormat::JsonObject) => first.trim_ascii().contains(&b'\n'),
                _ => true,
            }
        }
        Err(_) if follow && first.iter().all(u8::is_ascii_whitespace) => false,
        Err(e) => return Err(e.into()),
    };
    if document && follow {
        eprintln!(
            "note: {shown} is one JSON document: it is sent once (follow NDJSON or a worker log)"
        );
    }
    Ok(document)
}

/// Creates the live run; prints its view's URL (and, on a terminal only,
/// its write token). Returns (id, write token).
fn create_run(client: &Client, server: &str, name: &str) -> anyhow::Result<(String, String)> {
    let text = match client.post(routes::RUNS, None, name, b"") {
        Ok(t) => t,
        Err(SendError::Retry(e) | SendError::Fatal(e)) => {
            return Err(e.context("cannot create a live run"))
        }
    };
    let created: RunCreated =
        serde_json::from_str(&text).context("the server's answer is not a run")?;
    println!("live view: {}", created.url);
    // The token is a secret: never inside a command line (shells
    // keep history, CI keeps logs); shown only on a terminal.
    eprintln!(
        "to append to it later: LEAKLENS_TOKEN=<write token> leaklens push FILE --server {server} --run {}",
        created.id
    );
    if std::io::stderr().is_terminal() {
        eprintln!("write token (keep it secret): {}", created.write_token);
    } else {
        eprintln!("(the write token is shown only on a terminal, never in a log)");
    }
    Ok((created.id, created.write_token))
}

/// Appends to one live run, in batches of at most [`BATCH_BYTES`].
struct Batches<'a> {
    client: &'a Client,
    path: String,
    token: &'a str,
    name: &'a str,
}

impl Batches<'_> {
    /// Sends the run from its snapshot `from` on; returns (snapshots of the
    /// run sent, whether it stopped on a failure worth retrying, which only
    /// `follow` waits out).
    fn send(
        &self,
        run: &Run,
        from: usize,
        follow: bool,
        poll: Duration,
        backoff: &mut Duration,
    ) -> anyhow::Result<(usize, bool)> {
        let mut done = from;
        let mut line = String::new();
        while done < run.len() {
            let mut body = String::new();
            let mut end = done;
            while end < run.len() {
                line.clear();
                leaklens_core::generate::to_ndjson_range(run, end..end + 1, &mut line);
                // A snapshot too big for this batch goes in the next one
                // (alone, if it is that big): the others are not held
                // back by it.
                if !body.is_empty() && body.len() + line.len() > BATCH_BYTES {
                    break;
                }
                body.push_str(&line);
                end += 1;
            }
            match self
                .client
                .post(&self.path, Some(self.token), self.name, body.as_bytes())
            {
                Ok(_) => {
                    done = end;
                    *backoff = poll;
                }
                Err(SendError::Fatal(e)) => return Err(e),
                Err(SendError::Retry(e)) if follow => {
                    eprintln!("warning: {e:#}; retrying in {backoff:?}");
                    std::thread::sleep(*backoff);
                    *backoff = (*backoff * 2).min(Duration::from_secs(30));
                    return Ok((done, true));
                }
                Err(SendError::Retry(e)) => return Err(e),
            }
        }
        Ok((done, false))
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
