//! The files under a folder, by their path relative to it (`/`-separated),
//! in name order: the viewer's files, read at start by [`crate::Viewer`]
//! or embedded by `build.rs` (which includes this file).

use std::path::{Path, PathBuf};

/// Every file under `dir` (following links), as (relative path, path).
pub fn files_under(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel: Vec<String> = entry
            .path()
            .strip_prefix(dir)
            .expect("a file under the folder")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push((rel.join("/"), entry.into_path()));
    }
    Ok(files)
}
