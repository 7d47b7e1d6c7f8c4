//! Where uploaded snapshot files live. A small trait with two stores: the
//! data directory ([`DirStore`]) and, with the `s3` feature, an
//! S3-compatible object store ([`s3::S3Store`], several servers on one
//! bucket; `docs/object-store.md`). The trait is synchronous: the server
//! calls it from blocking threads (`spawn_blocking`), never from an async
//! task.
//!
//! [`DirStore`] writes atomically: the data goes to a temporary file, is
//! fsynced, then renamed into place; its metadata follows the same way, and
//! a report is visible only once its metadata exists. A crash never leaves
//! a half report visible and never loses one whose upload was answered.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(feature = "s3")]
pub mod s3;

/// An unguessable id: 128 random bits, hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportId(String);

impl ReportId {
    /// Accepts exactly 32 lowercase hex digits (so no path can be smuggled in).
    pub fn parse(s: &str) -> Option<ReportId> {
        (s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| ReportId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 128 random bits as 32 hex digits.
pub fn random_hex() -> std::io::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Whether `token` is the one whose SHA-256 is `hash`.
pub fn token_matches(hash: &str, token: &str) -> bool {
    token_hash(token) == hash
}

/// One file of a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileMeta {
    pub name: String,
    pub size: u64,
    /// Snapshots read from it (unknown for an encrypted file).
    pub snapshots: Option<usize>,
    /// End-to-end encrypted in the browser: the server cannot read it.
    #[serde(default)]
    pub encrypted: bool,
}

impl FileMeta {
    /// What is kept of a file stored: its name without control characters
    /// and at most 200 characters long, its size and what was read of it.
    pub fn of(f: &NewFile<'_>) -> FileMeta {
        FileMeta {
            name: f
                .name
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect(),
            size: f.bytes.len() as u64,
            snapshots: f.snapshots,
            encrypted: f.encrypted,
        }
    }
}

/// A report: one or more files (several exports of one run).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    pub files: Vec<FileMeta>,
    /// SHA-256 of the delete token (the token itself is never stored).
    pub delete_token_sha256: String,
}

impl Meta {
    /// The metadata of a report of `files` whose delete token is `token`,
    /// as stored (JSON), written by every store after the files.
    fn json_of(files: &[NewFile<'_>], token: &str) -> Result<Vec<u8>, StoreError> {
        let meta = Meta {
            files: files.iter().map(FileMeta::of).collect(),
            delete_token_sha256: token_hash(token),
        };
        Ok(serde_json::to_vec(&meta).map_err(std::io::Error::other)?)
    }
}

/// A file to store, already checked by the caller.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub snapshots: Option<usize>,
    pub encrypted: bool,
}

/// A live run: snapshots appended as the worker records them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    pub name: String,
    /// Committed length of the data, bytes (anything past it is a torn append).
    pub size: u64,
    pub snapshots: usize,
    pub appends: u64,
    /// SHA-256 of the write token.
    pub write_token_sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("wrong token")]
    Forbidden,
    /// A live run would grow past this many bytes.
    #[error("over the size limit")]
    TooLarge(u64),
    /// The disk is full, or the store's quota (`--max-storage-mb`) is.
    #[error("no room: {0}")]
    Full(String),
    #[error(transparent)]
    Io(std::io::Error),
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> StoreError {
        // ENOSPC (28) and EDQUOT (122 on Linux): the disk or the user's
        // disk quota is full.
        if e.kind() == std::io::ErrorKind::StorageFull || matches!(e.raw_os_error(), Some(28 | 122))
        {
            StoreError::Full("the disk is full".into())
        } else {
            StoreError::Io(e)
        }
    }
}

/// What one append adds to a live run.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// Complete NDJSON lines.
    pub bytes: &'a [u8],
    /// The snapshots they hold.
    pub snapshots: usize,
    /// The run may not grow past this many bytes.
    pub max_size: u64,
}

impl<'a> Batch<'a> {
    pub fn new(bytes: &'a [u8], snapshots: usize, max_size: u64) -> Self {
        Batch {
            bytes,
            snapshots,
            max_size,
        }
    }
}

pub trait Store: Send + Sync + 'static {
    /// Stores a report's files; returns its id and the delete token.
    fn put(&self, files: &[NewFile<'_>]) -> Result<(ReportId, String), StoreError>;
    fn meta(&self, id: &ReportId) -> Result<Meta, StoreError>;
    /// File `n` of a report.
    fn get(&self, id: &ReportId, n: usize) -> Result<(FileMeta, Vec<u8>), StoreError>;
    fn delete(&self, id: &ReportId, token: &str) -> Result<(), StoreError>;

    /// Creates an empty live run; returns its id and write token.
    fn create_run(&self, name: &str) -> Result<(ReportId, String), StoreError>;
    /// Appends a batch of NDJSON lines (already checked) to a run.
    fn append_run(
        &self,
        id: &ReportId,
        token: &str,
        batch: Batch<'_>,
    ) -> Result<RunMeta, StoreError>;
    fn run_meta(&self, id: &ReportId) -> Result<RunMeta, StoreError>;
    /// Whether `token` is run `id`'s write token (a store may answer it
    /// more cheaply than [`Store::run_meta`]).
    fn run_token_matches(&self, id: &ReportId, token: &str) -> Result<bool, StoreError> {
        Ok(token_matches(&self.run_meta(id)?.write_token_sha256, token))
    }
    /// The run's committed data from byte `from` on (nothing when `from` is
    /// at or past its end).
    fn get_run(&self, id: &ReportId, from: u64) -> Result<(RunMeta, Vec<u8>), StoreError>;
    /// Every live run's id (in no particular order).
    fn run_ids(&self) -> Vec<ReportId>;
    /// A small record the server keeps across restarts (`key`: a plain
    /// name), as last saved; `None` when there is none.
    fn load_state(&self, key: &str) -> Option<Vec<u8>>;
    /// Saves it whole or not at all.
    fn save_state(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Deletes reports and live runs not written to for `age`; returns
    /// how many.
    fn expire(&self, age: std::time::Duration) -> usize;
}

/// Reports in a directory: `reports/<id>.<n>.data` and `reports/<id>.meta.json`;
/// live runs in `runs/`.
pub struct DirStore {
    dir: PathBuf,
    /// Appends are serialised (each is a short write and two fsyncs).
    append_lock: std::sync::Mutex<()>,
    /// Bytes the store may hold (reports and runs together), if bounded.
    max_bytes: Option<u64>,
    /// Bytes it holds (counted at open, then kept up to date).
    used: std::sync::atomic::AtomicU64,
}

fn read_meta<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, StoreError> {
    match std::fs::read(path) {
        Ok(m) => Ok(serde_json::from_slice(&m).map_err(std::io::Error::other)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
        Err(e) => Err(e.into()),
    }
}

impl DirStore {
    pub fn open(root: &Path) -> std::io::Result<DirStore> {
        let dir = root.join("reports");
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(root.join("tmp"))?;
        std::fs::create_dir_all(root.join("runs"))?;
        // Leftovers of uploads interrupted by a crash: never visible, remove.
        for e in std::fs::read_dir(root.join("tmp"))?.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        // Data whose metadata never got written: an interrupted upload.
        for d in [&dir, &root.join("runs")] {
            for e in std::fs::read_dir(d)?.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".data") {
                    let id = stem.split('.').next().unwrap_or(stem);
                    if !d.join(format!("{id}.meta.json")).exists() {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
        let mut used = 0;
        for d in [&dir, &root.join("runs")] {
            for e in std::fs::read_dir(d)?.flatten() {
                used += e.metadata().map_or(0, |m| m.len());
            }
        }
        Ok(DirStore {
            dir: root.to_path_buf(),
            append_lock: std::sync::Mutex::new(()),
            max_bytes: None,
            used: std::sync::atomic::AtomicU64::new(used),
        })
    }

    /// Bounds what the store holds: writes past `max_bytes` are refused
    /// (507) until reports are deleted or expire.
    pub fn with_quota(mut self, max_bytes: u64) -> DirStore {
        self.max_bytes = Some(max_bytes);
        self
    }

    /// Bytes held now.
    pub fn used_bytes(&self) -> u64 {
        self.used.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes `n` bytes of the quota, or says it is full.
    fn reserve(&self, n: u64) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        let before = self.used.fetch_add(n, Ordering::AcqRel);
        if let Some(max) = self.max_bytes {
            if before.saturating_add(n) > max {
                self.used.fetch_sub(n, Ordering::AcqRel);
                return Err(StoreError::Full(format!(
                    "the server's storage quota ({} MB) is full",
                    max >> 20
                )));
            }
        }
        Ok(())
    }

    fn release(&self, n: u64) {
        let _ = self.used.fetch_update(
            std::sync::atomic::Ordering::AcqRel,
            std::sync::atomic::Ordering::Acquire,
            |u| Some(u.saturating_sub(n)),
        );
    }

    /// Deletes reports and live runs not written to for `age` (by their
    /// metadata's modification time); returns how many.
    pub fn expire(&self, age: std::time::Duration) -> usize {
        let Some(cutoff) = std::time::SystemTime::now().checked_sub(age) else {
            return 0;
        };
        let mut removed = 0;
        for sub in ["reports", "runs"] {
            let d = self.dir.join(sub);
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(id) = name.strip_suffix(".meta.json") else {
                    continue;
                };
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < cutoff);
                if !old {
                    continue;
                }
                // Metadata first: gone at once; then its data files.
                let _ = std::fs::remove_file(e.path());
                if let Ok(all) = std::fs::read_dir(&d) {
                    for f in all.flatten() {
                        let n = f.file_name().to_string_lossy().into_owned();
                        if n.starts_with(&format!("{id}.")) {
                            let size = f.metadata().map_or(0, |m| m.len());
                            if std::fs::remove_file(f.path()).is_ok() {
                                self.release(size);
                            }
                        }
                    }
                }
                removed += 1;
            }
        }
        removed
    }

    fn data_path(&self, id: &ReportId, n: usize) -> PathBuf {
        self.dir
            .join("reports")
            .join(format!("{}.{n}.data", id.as_str()))
    }

    fn meta_path(&self, id: &ReportId) -> PathBuf {
        self.dir
            .join("reports")
            .join(format!("{}.meta.json", id.as_str()))
    }

    fn run_path(&self, id: &ReportId, ext: &str) -> PathBuf {
        self.dir.join("runs").join(format!("{}.{ext}", id.as_str()))
    }

    /// temp file → write → fsync → rename → fsync the directory.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = self.dir.join("tmp").join(format!("{}.part", random_hex()?));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            // A full disk must not keep the half-written file.
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        if let Some(parent) = path.parent() {
            if let Ok(d) = std::fs::File::open(parent) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl DirStore {
    /// [`Store::put`] once the quota is reserved: a failure removes what
    /// was written (a full disk leaves no half report).
    fn put_reserved(&self, files: &[NewFile<'_>]) -> Result<(ReportId, String), StoreError> {
        let id = ReportId(random_hex()?);
        let token = random_hex()?;
        let result = self.write_report(&id, &token, files);
        if result.is_err() {
            let _ = std::fs::remove_file(self.meta_path(&id));
            for n in 0..files.len() {
                let _ = std::fs::remove_file(self.data_path(&id, n));
            }
        }
        result.map(|()| (id, token))
    }

    fn write_report(
        &self,
        id: &ReportId,
        token: &str,
        files: &[NewFile<'_>],
    ) -> Result<(), StoreError> {
        for (n, f) in files.iter().enumerate() {
            self.write_atomic(&self.data_path(id, n), f.bytes)?;
        }
        // The metadata last: it is what makes the report visible.
        self.write_atomic(&self.meta_path(id), &Meta::json_of(files, token)?)?;
        Ok(())
    }
}

impl Store for DirStore {
    fn expire(&self, age: std::time::Duration) -> usize {
        DirStore::expire(self, age)
    }

    fn load_state(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join("state").join(format!("{key}.json"))).ok()
    }

    fn save_state(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = self.dir.join("state");
        std::fs::create_dir_all(&dir)?;
        Ok(self.write_atomic(&dir.join(format!("{key}.json")), bytes)?)
    }

    fn run_ids(&self) -> Vec<ReportId> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("runs")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                ReportId::parse(name.strip_suffix(".meta.json")?)
            })
            .collect()
    }

    fn put(&self, files: &[NewFile<'_>]) -> Result<(ReportId, String), StoreError> {
        let total: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        self.reserve(total)?;
        let result = self.put_reserved(files);
        if result.is_err() {
            self.release(total);
        }
        result
    }

    fn meta(&self, id: &ReportId) -> Result<Meta, StoreError> {
        read_meta(&self.meta_path(id))
    }

    fn get(&self, id: &ReportId, n: usize) -> Result<(FileMeta, Vec<u8>), StoreError> {
        let meta = self.meta(id)?;
        let file = meta.files.get(n).cloned().ok_or(StoreError::NotFound)?;
        match std::fs::read(self.data_path(id, n)) {
            Ok(data) => Ok((file, data)),
            // Deleted between reading the metadata and the data.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    fn delete(&self, id: &ReportId, token: &str) -> Result<(), StoreError> {
        let meta = self.meta(id)?;
        if !token_matches(&meta.delete_token_sha256, token) {
            return Err(StoreError::Forbidden);
        }
        // Metadata first: the report disappears at once.
        std::fs::remove_file(self.meta_path(id))?;
        for (n, f) in meta.files.iter().enumerate() {
            if std::fs::remove_file(self.data_path(id, n)).is_ok() {
                self.release(f.size);
            }
        }
        Ok(())
    }

    fn create_run(&self, name: &str) -> Result<(ReportId, String), StoreError> {
        let id = ReportId(random_hex()?);
        let token = random_hex()?;
        let meta = RunMeta {
            name: name.chars().filter(|c| !c.is_control()).take(200).collect(),
            size: 0,
            snapshots: 0,
            appends: 0,
            write_token_sha256: token_hash(&token),
        };
        self.write_atomic(&self.run_path(&id, "data"), b"")?;
        let meta_json = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        if let Err(e) = self.write_atomic(&self.run_path(&id, "meta.json"), &meta_json) {
            // No run without its metadata (a full disk): remove its data.
            let _ = std::fs::remove_file(self.run_path(&id, "data"));
            return Err(e.into());
        }
        Ok((id, token))
    }

    fn append_run(
        &self,
        id: &ReportId,
        token: &str,
        batch: Batch<'_>,
    ) -> Result<RunMeta, StoreError> {
        let Batch {
            bytes,
            snapshots,
            max_size,
        } = batch;
        let _guard = self
            .append_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut meta: RunMeta = read_meta(&self.run_path(id, "meta.json"))?;
        if !token_matches(&meta.write_token_sha256, token) {
            return Err(StoreError::Forbidden);
        }
        // Checked under the lock, so concurrent appends cannot pass it together.
        if meta.size + bytes.len() as u64 + 1 > max_size {
            return Err(StoreError::TooLarge(max_size));
        }
        let grow = bytes.len() as u64 + 1;
        self.reserve(grow)?;
        let appended = self.append_reserved(id, &mut meta, bytes, snapshots);
        // What was reserved beyond what the file grew by (a newline not
        // needed, or a failure) goes back.
        match &appended {
            Ok(added) => self.release(grow.saturating_sub(*added)),
            Err(_) => self.release(grow),
        }
        appended.map(|_| meta)
    }

    fn run_meta(&self, id: &ReportId) -> Result<RunMeta, StoreError> {
        read_meta(&self.run_path(id, "meta.json"))
    }

    fn get_run(&self, id: &ReportId, from: u64) -> Result<(RunMeta, Vec<u8>), StoreError> {
        use std::io::{Read, Seek};
        let meta = self.run_meta(id)?;
        let len = meta.size.saturating_sub(from);
        let mut data = Vec::with_capacity(len as usize);
        if len > 0 {
            let mut f = std::fs::File::open(self.run_path(id, "data"))?;
            f.seek(std::io::SeekFrom::Start(from))?;
            // Only committed bytes: a torn append past them is not read.
            f.take(len).read_to_end(&mut data)?;
            if data.len() as u64 != len {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the run's data is shorter than its committed length",
                )
                .into());
            }
        }
        Ok((meta, data))
    }
}

impl DirStore {
    /// The write of [`Store::append_run`]; returns the bytes the file grew by.
    fn append_reserved(
        &self,
        id: &ReportId,
        meta: &mut RunMeta,
        bytes: &[u8],
        snapshots: usize,
    ) -> Result<u64, StoreError> {
        let before = meta.size;

        {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(self.run_path(id, "data"))?;
            // Cut off a torn append a crash may have left past the committed length.
            f.set_len(meta.size)?;
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start(meta.size))?;
            f.write_all(bytes)?;
            if !bytes.ends_with(b"\n") {
                f.write_all(b"\n")?;
            }
            f.sync_all()?;
            meta.size = f.stream_position()?;
        }
        meta.snapshots += snapshots;
        meta.appends += 1;
        let meta_json = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        // The new length becomes visible only now.
        self.write_atomic(&self.run_path(id, "meta.json"), &meta_json)?;
        Ok(meta.size - before)
    }
}
