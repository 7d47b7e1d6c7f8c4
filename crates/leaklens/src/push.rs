//! `leaklens push FILE --server URL [--follow]`: sends a run to a
//! `leaklens serve` as a live run, and with `--follow` keeps sending the
//! snapshots the worker appends to its log or export, so teammates watch the
//! analysis update in the viewer.
//!
//! The file is read in whatever shape the worker writes (log, NDJSON, JSON)
//! and sent as NDJSON, as written (file order, the file's cycle numbers: the
//! readers of the whole run sort, de-duplicate and number restarts on).
//! Progress is a position in the file: while following, only complete
//! snapshots before it are sent (whole NDJSON lines; a log block once the
//! next header starts or the file has been quiet for one poll). The position
//! moves only once the server answered, so a server restart or a network
//! error loses nothing: it is retried.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use leaklens_core::{ingest, Run};
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

/// How the file grows, hence where it can be cut.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// One snapshot a line: complete up to the last newline.
    Lines,
    /// The worker's log: a snapshot is a block of lines, complete when the
    /// next header starts (or the file is quiet).
    Log,
    /// One JSON document: sent whole, once.
    Document,
}

/// How much of `tail` (the unsent end of the file) holds complete
/// snapshots. `quiet`: the file did not change since the last look.
/// `worker`: the `docker compose` service read from a log of several.
fn complete_prefix(tail: &[u8], shape: Shape, quiet: bool, worker: Option<&str>) -> usize {
    if quiet || shape == Shape::Document {
        return tail.len();
    }
    match shape {
        Shape::Lines => memchr::memrchr(b'\n', tail).map_or(0, |i| i + 1),
        // Up to the start of the line of the last snapshot header of the
        // worker read: that snapshot may still be being written (other
        // workers' lines, interleaved with it, are passed over anyway).
        Shape::Log => {
            let mut end = tail.len();
            while let Some(at) = memchr::memmem::rfind(&tail[..end], b"Memory Snapshot [Cycle ") {
                let line_start = memchr::memrchr(b'\n', &tail[..at]).map_or(0, |i| i + 1);
                let ours = match (worker, ingest::log_line_worker(&tail[line_start..at])) {
                    (Some(w), Some(name)) => name == w.as_bytes(),
                    _ => true,
                };
                if ours {
                    return line_start;
                }
                end = line_start;
            }
            0
        }
        Shape::Document => tail.len(),
    }
}

fn say_worker(shown: &str, worker: &str) {
    eprintln!(
        "note: {shown}: sending the snapshots of worker \"{}\" (choose with --worker SERVICE)",
        leaklens_render::sanitize(worker)
    );
}

/// The services named on a log's snapshot headers: those of its lines.
fn named_on_headers(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| memchr::memmem::find(line, b"Memory Snapshot [Cycle ").is_some())
        .filter_map(ingest::log_line_worker)
}

/// The distinct services named on a log's snapshot headers, in order of
/// appearance (linear: a hostile log may name one per line).
fn header_workers(bytes: &[u8]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    named_on_headers(bytes)
        .filter(|n| seen.insert(*n))
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// The service of the first snapshot header of a log piece whose headers
/// name two or more services (one pass, stopping at the second name).
fn first_of_several_workers(piece: &[u8]) -> Option<String> {
    let mut names = named_on_headers(piece);
    let first = names.next()?;
    names
        .any(|n| n != first)
        .then(|| String::from_utf8_lossy(first).into_owned())
}

/// Bytes of NDJSON per request (well under the server's upload limit).
const BATCH_BYTES: usize = 4 << 20;

/// Pushes the file; returns when done (or never, with `follow`).
pub fn push(args: &PushArgs<'_>) -> anyhow::Result<()> {
    let client = Client::new(args.server);
    let name = header_name(args.file);
    let shown = args.file.display().to_string();
    let read = || std::fs::read(args.file).with_context(|| format!("cannot read {shown}"));

    // Read it once first: a file that is no snapshot export is refused
    // before any run is created; its warnings are shown once.
    let first = read()?;
    if let Some(w) = &args.worker {
        check_worker(&shown, &first, w)?;
    }
    // The worker read from a `docker compose` log: once a piece names one,
    // every later piece reads that one (a piece of its own would choose by
    // what that piece holds, mixing replicas).
    let mut worker = args.worker.clone();
    let shape = first_look(&shown, &first, args.follow, &mut worker)?;
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
    // Bytes of the file already sent, and the file's length at the last look.
    let mut offset = 0usize;
    let mut last_len: Option<usize> = None;
    let mut sent = 0usize;
    let mut backoff = args.poll;
    loop {
        let bytes = read()?;
        if bytes.len() < offset {
            eprintln!("note: {shown} was truncated or rotated: reading it from the start");
            offset = 0;
        }
        let quiet = last_len == Some(bytes.len());
        last_len = Some(bytes.len());
        let tail = &bytes[offset..];
        let cut = if args.follow {
            complete_prefix(tail, shape, quiet, worker.as_deref())
        } else {
            tail.len()
        };
        let piece = &tail[..cut];
        if !piece.iter().all(u8::is_ascii_whitespace) {
            // A piece without a snapshot (other log lines) is passed over.
            let run = read_piece(&shown, piece, shape, &mut worker);
            let (done, failed) = batches.send(&run, args.follow, args.poll, &mut backoff)?;
            // On a failure the sent part is in the run; the next look
            // re-reads the piece from where it stopped, and readers drop
            // repeated (cycle, label) pairs.
            sent += done;
            if failed {
                continue;
            }
        }
        offset += cut;
        if !args.follow || (shape == Shape::Document && offset >= bytes.len()) {
            eprintln!("sent {sent} snapshots");
            return Ok(());
        }
        std::thread::sleep(args.poll);
    }
}

/// A `--worker` the log does not name would send nothing, silently: refused.
fn check_worker(shown: &str, first: &[u8], w: &str) -> anyhow::Result<()> {
    let named = header_workers(first);
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

/// How the file grows, from its first read (warnings shown once, the
/// reader's choice of worker kept); an empty file being followed is
/// waited for, as a log (the usual case).
fn first_look(
    shown: &str,
    first: &[u8],
    follow: bool,
    worker: &mut Option<String>,
) -> anyhow::Result<Shape> {
    let shape = match ingest::parse(shown, first) {
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
                Some(ingest::InputFormat::Ndjson) => Shape::Lines,
                // One snapshot on one line so far: the first line of NDJSON.
                Some(ingest::InputFormat::JsonObject) if !first.trim_ascii().contains(&b'\n') => {
                    Shape::Lines
                }
                Some(ingest::InputFormat::WorkerLog) => Shape::Log,
                _ => Shape::Document,
            }
        }
        Err(_) if follow && first.iter().all(u8::is_ascii_whitespace) => Shape::Log,
        Err(e) => return Err(e.into()),
    };
    if shape == Shape::Document && follow {
        eprintln!(
            "note: {shown} is one JSON document: it is sent once (follow NDJSON or a worker log)"
        );
    }
    Ok(shape)
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

/// The snapshots of a piece of the file, as written: the server's readers
/// sort, de-duplicate and number restarts on over the whole run. The first
/// piece that names a worker decides for the rest: the reader's choice,
/// or, when the headers name several with too few of each for it to
/// choose (their fields then mixed), the first named, read again alone.
fn read_piece(shown: &str, piece: &[u8], shape: Shape, worker: &mut Option<String>) -> Run {
    let parsed = match worker.as_deref() {
        Some(w) => ingest::parse_worker_as_written(shown, piece, w),
        None => {
            let parsed = ingest::parse_as_written(shown, piece);
            let chosen = parsed.as_ref().ok().and_then(|p| p.worker.clone());
            if let Some(w) = chosen {
                say_worker(shown, &w);
                *worker = Some(w);
                parsed
            } else if let Some(w) = (shape == Shape::Log)
                .then(|| first_of_several_workers(piece))
                .flatten()
            {
                say_worker(shown, &w);
                let alone = ingest::parse_worker_as_written(shown, piece, &w);
                *worker = Some(w);
                alone
            } else {
                parsed
            }
        }
    };
    parsed.map(|p| p.run).unwrap_or_default()
}

/// Appends to one live run, in batches of at most [`BATCH_BYTES`].
struct Batches<'a> {
    client: &'a Client,
    path: String,
    token: &'a str,
    name: &'a str,
}

impl Batches<'_> {
    /// Sends the run; returns (snapshots sent, whether it stopped on a
    /// failure worth retrying, which only `follow` waits out).
    fn send(
        &self,
        run: &Run,
        follow: bool,
        poll: Duration,
        backoff: &mut Duration,
    ) -> anyhow::Result<(usize, bool)> {
        let mut done = 0;
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
