//! Embeds the built viewer in the binary when asked to.
//!
//! `LEAKLENS_EMBED_VIEWER=<dir>` (set by `scripts/build-release.sh` to trunk's
//! `dist/`) embeds every file of that folder; unset, nothing is embedded and
//! `leaklens serve` serves the viewer from a folder on disk. So `cargo test`
//! and clippy never need the wasm toolchain.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=LEAKLENS_EMBED_VIEWER");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("viewer_assets.rs");
    let mut code = String::from("&[\n");
    if let Some(dir) = std::env::var_os("LEAKLENS_EMBED_VIEWER").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        let dir = dir.canonicalize().unwrap_or_else(|e| {
            panic!(
                "LEAKLENS_EMBED_VIEWER={}: {e} (build the viewer first: ./scripts/build-web.sh)",
                dir.display()
            )
        });
        assert!(
            dir.join("index.html").is_file(),
            "LEAKLENS_EMBED_VIEWER={} has no index.html (build the viewer first: ./scripts/build-web.sh)",
            dir.display()
        );
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        walk(&dir, &mut files);
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f.strip_prefix(&dir).expect("inside the folder");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            code.push_str(&format!(
                "    ({:?}, include_bytes!({:?})),\n",
                rel.join("/"),
                f.display().to_string()
            ));
        }
    }
    code.push_str("]\n");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&out, code).expect("write viewer_assets.rs");
    }
}
