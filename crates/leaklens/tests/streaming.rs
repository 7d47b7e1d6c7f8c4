//! Files read as they arrive: a file whose later part needs reading whole
//! (the reader lets its first pieces go) is read again from disk, or from the
//! copy kept of standard input, and both give the report of the whole file.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leaklens"))
}

fn analyze_file(path: &std::path::Path) -> (String, String) {
    let out = bin()
        .args(["analyze", "--format", "json"])
        .arg(path)
        .output()
        .expect("leaklens runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn analyze_stdin(input: &[u8]) -> String {
    let mut child = bin()
        .args(["analyze", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leaklens runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    let out = child.wait_with_output().expect("leaklens finishes");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn a_late_part_that_needs_the_whole_file_is_read_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("run.ndjson");
    let made = bin()
        .args(["generate", "--cycles", "5000", "--format", "ndjson", "-o"])
        .arg(&path)
        .output()
        .expect("generate");
    assert!(made.status.success(), "{made:?}");
    let mut text = std::fs::read(&path).expect("read");
    assert!(text.len() > 3 << 20, "several pieces: {} bytes", text.len());
    // A bare carriage return near the end: text that needs repair, which
    // the reader decides on the whole file.
    let at = text.len() - 1000;
    let nl = at
        + text[at..]
            .iter()
            .position(|&c| c == b'\n')
            .expect("a line end");
    text[nl] = b'\r';
    std::fs::write(&path, &text).expect("write");
    let lines = text.iter().filter(|&&c| c == b'\n').count() + 1;

    let (from_disk, warnings) = analyze_file(&path);
    let from_pipe = analyze_stdin(&text);
    let without_sources = |text: &str| {
        let mut report: serde_json::Value = serde_json::from_str(text).expect("JSON");
        for w in report["warnings"].as_array_mut().expect("warnings") {
            w.as_object_mut().expect("a warning").remove("source");
        }
        report
    };
    let (disk, pipe) = (without_sources(&from_disk), without_sources(&from_pipe));
    assert_eq!(disk["summary"]["snapshots"], lines as u64, "{warnings}");
    assert!(
        disk["warnings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("lone CR")),
        "the repair is reported: {}",
        disk["warnings"]
    );
    // Not assert_eq!: a failure would print two 2 MB reports.
    assert!(disk == pipe, "the file and the pipe disagree");
}
