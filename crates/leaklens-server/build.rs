//! Embeds the built viewer in the binary when asked to.
//!
//! `LEAKLENS_EMBED_VIEWER=<dir>` (set by `scripts/build-release.sh` to trunk's
//! `dist/`) embeds every file of that folder; unset, nothing is embedded and
//! `leaklens serve` serves the viewer from a folder on disk. So `cargo test`
//! and clippy never need the wasm toolchain.

use std::path::PathBuf;

#[path = "src/tree.rs"]
mod tree;

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
        let files = tree::files_under(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for (rel, f) in files {
            println!("cargo:rerun-if-changed={}", f.display());
            code.push_str(&format!(
                "    ({rel:?}, include_bytes!({:?})),\n",
                f.display().to_string()
            ));
        }
    }
    code.push_str("]\n");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&out, code).expect("write viewer_assets.rs");
    }
}
