//! Every reader under a short fuzz run (the long runs and their figures:
//! `--example fuzz`, docs/fuzzing.md). A failure prints the input.

mod fuzz;

fn brief(target: fuzz::Target) {
    // Quiet the default hook: a panic is caught and reported with its input.
    std::panic::set_hook(Box::new(|_| {}));
    let execs = if cfg!(debug_assertions) {
        3_000
    } else {
        50_000
    };
    let result = fuzz::run(target, execs, 0x1eaf_1e25);
    let _ = std::panic::take_hook();
    if let Err(f) = result {
        panic!(
            "{}: {}\ninput: {:?}",
            target.name(),
            f.what,
            String::from_utf8_lossy(&f.input)
        );
    }
}

#[test]
fn json() {
    brief(fuzz::Target::Json);
}

#[test]
fn ndjson() {
    brief(fuzz::Target::Ndjson);
}

#[test]
fn log() {
    brief(fuzz::Target::Log);
}

#[test]
fn raw() {
    brief(fuzz::Target::Raw);
}

#[test]
fn chunked_equals_whole() {
    brief(fuzz::Target::Chunked);
}

#[test]
fn metrics() {
    brief(fuzz::Target::Metrics);
}
