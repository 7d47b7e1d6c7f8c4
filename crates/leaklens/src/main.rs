//! `leaklens`: find memory leaks in long-running workers from their
//! memory-profiler snapshots.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

mod alloc;
mod cli;
mod heap_input;
mod input;
mod push;
mod site;

use cli::{Cli, Command, Format};
use leaklens_core::inputs;
use leaklens_core::report::Severity;

/// Exit codes of `docs/formats.md` §4: 0 done, 1 `--fail-on` triggered, 2 bad input or usage.
const EXIT_FAIL_ON: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    alloc::tune();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints usage errors itself; --help and --version exit 0.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn report_error(e: &anyhow::Error) {
    let mut err = std::io::stderr().lock();
    // Messages can quote the input: shown safe for a terminal, and short.
    let shown = |s: String| {
        let s = leaklens_render::sanitize(&s);
        match s.char_indices().nth(2_000) {
            Some((cut, _)) => format!("{}… (cut)", &s[..cut]),
            None => s,
        }
    };
    if let Some(ie) = e.downcast_ref::<leaklens_core::ingest::IngestError>() {
        let _ = writeln!(err, "error: {}", shown(ie.to_string()));
        if let Some(h) = &ie.hint {
            let _ = writeln!(err, "hint: {}", shown(h.clone()));
        }
        return;
    }
    let _ = writeln!(err, "error: {}", shown(format!("{e:#}")));
    if let Some(h) = e.downcast_ref::<cli::UsageHint>() {
        let _ = writeln!(err, "hint: {}", h.0);
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Report(args) => report(args),
        Command::Compare(args) => compare(args),
        Command::Heap(args) => heap(args),
        Command::Serve(args) => serve(args),
        Command::Push(args) => push_to_server(args),
        Command::Generate(args) => generate(args),
    }
}

/// `analyze`: one report.
fn analyze(args: cli::AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let cfg = args.config();
    let files = input::read_inputs(&args.files, args.options.worker.as_deref())?;
    let (parsed, report) = merged(files, &cfg)?;
    for w in &parsed.warnings {
        eprintln!("warning: {}", leaklens_render::sanitize(&w.to_string()));
    }
    let title = input::title_of(&args.files);
    let out = match args.format {
        Format::Text => leaklens_render::text::report(&report, &title),
        Format::Json => report.to_json() + "\n",
        Format::Markdown => leaklens_render::markdown::report(&report, &title),
        Format::Html => leaklens_render::html::report(&parsed.run, &report, &title),
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(fail_on_exit(args.fail_on, &report))
}

/// `report`: the static site.
fn report(args: cli::ReportArgs) -> anyhow::Result<ExitCode> {
    let cfg = args.options.config();
    let viewer = viewer_for(args.viewer.as_deref())?.ok_or_else(|| {
        anyhow::Error::new(cli::UsageHint(
            "build a binary with the viewer (./scripts/build-release.sh) or pass --viewer dist"
                .into(),
        ))
        .context("this leaklens has no viewer built in and there is no dist/")
    })?;
    let (read, files) =
        input::read_inputs_keeping_bytes(&args.files, args.options.worker.as_deref())?;
    let (parsed, report) = merged(read, &cfg)?;
    for w in &parsed.warnings {
        eprintln!("warning: {}", leaklens_render::sanitize(&w.to_string()));
    }
    let title = input::title_of(&args.files);
    let site = site::SiteInput {
        files,
        title: &title,
        report: &report,
        html_report: leaklens_render::html::report(&parsed.run, &report, &title),
        markdown_report: leaklens_render::markdown::report(&report, &title),
    };
    let index = site::write_site(&args.output, &viewer, &site)?;
    println!(
        "{}",
        leaklens_render::text::verdict_line(report.summary.verdict)
    );
    println!("site written: {}", index.display());
    println!(
        "serve it with any static server, e.g.: python3 -m http.server -d {}",
        args.output.display()
    );
    Ok(fail_on_exit(args.fail_on, &report))
}

/// `compare`: before and after a fix.
fn compare(args: cli::CompareArgs) -> anyhow::Result<ExitCode> {
    let cfg = args.config();
    if args.before.as_os_str() == "-" && args.after.as_os_str() == "-" {
        anyhow::bail!("standard input (`-`) can be read only once");
    }
    let read = |file: &std::path::PathBuf| {
        input::read_inputs(std::slice::from_ref(file), args.options.worker.as_deref())?
            .pop()
            .context("no input file")
    };
    let (before, after) = (read(&args.before)?, read(&args.after)?);
    let inputs::Compared {
        before:
            inputs::Analysed {
                parsed: before,
                report: rb,
                ..
            },
        after:
            inputs::Analysed {
                parsed: after,
                report: ra,
                ..
            },
        comparison: cmp,
    } = inputs::compared(before, after, &cfg);
    let names = (
        input::title_of(std::slice::from_ref(&args.before)),
        input::title_of(std::slice::from_ref(&args.after)),
    );
    let out = match args.format {
        Format::Text => leaklens_render::compare::text(&cmp, &names),
        Format::Json => cmp.to_json() + "\n",
        Format::Markdown => leaklens_render::compare::markdown(&cmp, &names),
        Format::Html => {
            leaklens_render::html::compare(&before.run, &rb, &after.run, &ra, &cmp, &names)
        }
    };
    write_output(args.output.as_deref(), &out)?;
    let fail = args.fail_on_regression && cmp.verdict == leaklens_core::compare::Change::Regressed;
    Ok(if fail {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    })
}

/// `heap`: what grows across heap snapshots, and what holds it.
fn heap(args: cli::HeapArgs) -> anyhow::Result<ExitCode> {
    let mut analysis = leaklens_heap::Analysis::new();
    for file in &args.files {
        let (name, snapshot) = heap_input::read(file)?;
        analysis.add(&name, snapshot);
    }
    let options = leaklens_heap::Options {
        top: args.top as usize,
        internal: args.internal,
        ..leaklens_heap::Options::default()
    };
    let report = analysis.report(&options);
    let title = input::title_of(&args.files);
    let out = match args.format {
        Format::Text => leaklens_render::heap::text(&report, &title),
        Format::Json => report.to_json() + "\n",
        Format::Markdown => leaklens_render::heap::markdown(&report, &title),
        Format::Html => leaklens_render::heap::html(&report, &title),
    };
    write_output(args.output.as_deref(), &out)?;
    let fail = args.fail_on == Some(cli::HeapFail::Grow)
        && report.verdict == leaklens_heap::Verdict::Grows;
    Ok(if fail {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    })
}

/// The files as exports of one run, merged, and its report.
fn merged(
    files: Vec<input::NamedParsed>,
    cfg: &leaklens_core::Config,
) -> anyhow::Result<(leaklens_core::ingest::Parsed, leaklens_core::Report)> {
    let one = inputs::merged(files, cfg).context("no input file")?;
    Ok((one.parsed, one.report))
}

/// `serve`: until Ctrl-C or SIGTERM.
fn serve(args: cli::ServeArgs) -> anyhow::Result<ExitCode> {
    use std::sync::Arc;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let store = open_store(&args)?;
    let viewer = viewer_for(args.viewer.as_deref())?;
    if viewer.is_none() {
        eprintln!(
            "warning: this binary has no viewer built in and there is no dist/: \
             run ./scripts/build-release.sh, or pass --viewer DIR (the API works without it)"
        );
    }
    let cfg = leaklens_server::ServerConfig {
        max_upload: args.max_upload_mb.saturating_mul(1 << 20),
        max_run: (args.max_run_mb as u64).saturating_mul(1 << 20),
        viewer: viewer.map(Arc::new),
        per_client: if args.max_per_client == 0 {
            usize::MAX
        } else {
            args.max_per_client
        },
        webhook: args
            .webhook
            .clone()
            .map(leaklens_server::WebhookConfig::new),
        writes_per_minute: match args.max_writes_per_minute {
            0 => u32::MAX,
            n => n,
        },
        write_burst: if args.max_writes_per_minute == 0 {
            u32::MAX
        } else {
            leaklens_server::ServerConfig::default().write_burst
        },
        // Other instances may append to the runs of a shared object store:
        // event streams read the totals too.
        store_poll: args
            .store
            .is_some()
            .then(|| std::time::Duration::from_secs(2)),
        ..leaklens_server::ServerConfig::default()
    };
    let state = leaklens_server::AppState::new(store.clone());
    let router = leaklens_server::app(state.clone(), &cfg);
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        if args.retention_days > 0 {
            spawn_retention(store, args.retention_days);
        }
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        print_banner(addr);
        leaklens_server::serve(listener, router, &state)
            .await
            .context("server error")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The data directory, or the object store of `--store`.
fn open_store(args: &cli::ServeArgs) -> anyhow::Result<std::sync::Arc<dyn leaklens_server::Store>> {
    let quota = (args.max_storage_mb > 0).then(|| args.max_storage_mb.saturating_mul(1 << 20));
    if let Some(url) = &args.store {
        return open_object_store(url, quota);
    }
    let mut store = leaklens_server::DirStore::open(&args.data)
        .with_context(|| format!("cannot use the data directory {}", args.data.display()))?;
    if let Some(q) = quota {
        store = store.with_quota(q);
    }
    Ok(std::sync::Arc::new(store))
}

#[cfg(feature = "s3")]
fn open_object_store(
    url: &str,
    quota: Option<u64>,
) -> anyhow::Result<std::sync::Arc<dyn leaklens_server::Store>> {
    let mut store = leaklens_server::store::s3::S3Store::open(url)
        .with_context(|| format!("cannot use the object store {url}"))?;
    if let Some(q) = quota {
        store = store.with_quota(q);
    }
    Ok(std::sync::Arc::new(store))
}

#[cfg(not(feature = "s3"))]
fn open_object_store(
    url: &str,
    _quota: Option<u64>,
) -> anyhow::Result<std::sync::Arc<dyn leaklens_server::Store>> {
    anyhow::bail!("--store {url}: this leaklens was built without the `s3` feature")
}

/// Retention: what nobody wrote to for `days` goes, at start and then
/// hourly.
fn spawn_retention(store: std::sync::Arc<dyn leaklens_server::Store>, days: u64) {
    let age = std::time::Duration::from_secs(days * 86_400);
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let s = store.clone();
            let n = tokio::task::spawn_blocking(move || s.expire(age))
                .await
                .unwrap_or(0);
            if n > 0 {
                tracing::info!(removed = n, "expired reports and runs");
            }
        }
    });
}

/// What `serve` prints once it listens.
fn print_banner(addr: std::net::SocketAddr) {
    // Whoever started us may stop reading stdout: never fail on it.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "leaklens serving on http://{addr}/");
    let _ = writeln!(
        out,
        "    sample: http://{addr}/?src=samples/leak-heap-steps.json"
    );
    let _ = writeln!(
        out,
        "    upload: curl --data-binary @run.ndjson http://{addr}{}",
        leaklens_protocol::routes::REPORTS
    );
    let _ = writeln!(
        out,
        "    live:   leaklens push --follow worker.log --server http://{addr}"
    );
    let _ = out.flush();
}

/// `push`: a live run.
fn push_to_server(args: cli::PushArgs) -> anyhow::Result<ExitCode> {
    if !(args.server.starts_with("http://") || args.server.starts_with("https://")) {
        anyhow::bail!("--server must be an http:// URL, got '{}'", args.server);
    }
    if args.server.starts_with("https://") && !cfg!(feature = "tls") {
        return Err(anyhow::Error::new(cli::UsageHint(
            "build leaklens with `--features tls`, or reach the server over http".into(),
        ))
        .context("this leaklens was built without HTTPS support"));
    }
    push::push(&push::PushArgs {
        file: &args.file,
        server: &args.server,
        run: push::run_arg(args.run, args.token)?,
        follow: args.follow,
        poll: std::time::Duration::from_millis(args.poll_ms),
        worker: args.worker,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `generate`: a synthetic run.
fn generate(args: cli::GenerateArgs) -> anyhow::Result<ExitCode> {
    let spec = args.spec()?;
    let run = leaklens_core::generate::generate(&spec);
    let mut out = String::with_capacity(run.len() * 260);
    match args.format {
        cli::GenFormat::Ndjson => leaklens_core::generate::to_ndjson(&run, &mut out),
        cli::GenFormat::Json => leaklens_core::generate::to_json_array(&run, &mut out),
        cli::GenFormat::Log => leaklens_core::generate::to_log(&run, &mut out),
    }
    write_output(args.output.as_deref(), &out)?;
    Ok(ExitCode::SUCCESS)
}

fn fail_on_exit(level: Option<cli::FailLevel>, report: &leaklens_core::Report) -> ExitCode {
    let fail = level.is_some_and(|level| {
        let level: Severity = level.into();
        report.worst_severity().is_some_and(|s| s >= level)
    });
    if fail {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    }
}

/// The viewer to serve or copy: `--viewer DIR` if given, else the one built
/// into the binary, else `./dist` when it holds a build.
fn viewer_for(dir: Option<&std::path::Path>) -> anyhow::Result<Option<leaklens_server::Viewer>> {
    if let Some(dir) = dir {
        return leaklens_server::Viewer::from_dir(dir)
            .map(Some)
            .with_context(|| format!("cannot use the viewer in {}", dir.display()));
    }
    if let Some(v) = leaklens_server::Viewer::embedded() {
        return Ok(Some(v));
    }
    Ok(leaklens_server::Viewer::from_dir(std::path::Path::new("dist")).ok())
}

fn write_output(path: Option<&std::path::Path>, s: &str) -> anyhow::Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, s).with_context(|| format!("cannot write {}", p.display()))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`leaklens ... | head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}
