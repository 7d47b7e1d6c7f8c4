//! [`S3Store`]: reports and live runs on an S3-compatible object store
//! (AWS S3, MinIO, Cloudflare R2, moto…), through the `object_store` crate,
//! with the promises of the directory store. Several `leaklens serve` on
//! one bucket share it: nothing is cached between requests but hints that
//! a conditional write checks. The design is in `docs/object-store.md`.
//!
//! Keys, under the prefix of `s3://bucket/prefix`:
//!
//! - `reports/<id>/<n>.data`, then `reports/<id>/meta.json` (the report is
//!   visible once its metadata exists: it is written last);
//! - `runs/<id>/meta.json` — the run's name and write-token hash (created
//!   once, `If-None-Match: *`);
//! - `runs/<id>/log/<seq>` — one object per append, `seq` 1, 2, 3… (20
//!   digits), created with `If-None-Match: *`: of two instances appending
//!   to one run at once, one gets the number and the other takes the next;
//! - `runs/<id>/pack/<first>-<last>` — appends `first..=last` in one
//!   object, so reading a run costs a bounded number of requests;
//! - `state/<key>.json` — the server's small records, written whole.
//!
//! Every log and pack object starts with a [`HEADER`]-byte line holding
//! the run's totals up to its last append; then the NDJSON.
//!
//! The trait is synchronous: the store runs its requests on a runtime of
//! its own, and is called from blocking threads (`spawn_blocking`), never
//! from an async task.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use super::{
    random_hex, token_hash, token_matches, Batch, FileMeta, Meta, NewFile, ReportId, RunMeta,
    Store, StoreError,
};

mod run;

/// Bytes of the header line that starts every log and pack object.
pub const HEADER: usize = 160;

/// A run's totals up to (and with) one append.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
struct Totals {
    /// Bytes of NDJSON.
    size: u64,
    snapshots: u64,
    /// Appends so far: the sequence number of the last.
    appends: u64,
}

/// The header line of a log or pack object.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    #[serde(flatten)]
    totals: Totals,
    /// Random, per append: tells a writer whether an object already at its
    /// key is its own (a retried request) or another writer's.
    nonce: String,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.resize(HEADER - 1, b' ');
        line.push(b'\n');
        line
    }

    fn decode(bytes: &[u8]) -> Result<Header, StoreError> {
        let line = bytes
            .get(..HEADER)
            .ok_or_else(|| corrupt("a header is cut short"))?;
        serde_json::from_slice(line.trim_ascii()).map_err(|e| corrupt(&format!("a header: {e}")))
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("the object store holds a damaged object: {what}"),
    ))
}

/// What a live run is created with (`runs/<id>/meta.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunHead {
    name: String,
    write_token_sha256: String,
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> StoreError {
        match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound,
            e => StoreError::Io(std::io::Error::other(format!("object store: {e}"))),
        }
    }
}

/// Where `--store s3://bucket/prefix` keeps things.
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    /// Empty, or a prefix ending in `/`.
    prefix: String,
    /// The store's own runtime (its requests run there, so callers on
    /// blocking threads of any runtime, or none, can wait for them).
    rt: Option<tokio::runtime::Runtime>,
    max_bytes: Option<u64>,
    /// Bytes this instance knows the store holds (counted at open and by
    /// [`S3Store::expire`], kept up to date with its own writes).
    used: AtomicU64,
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // The last reference may go on an async thread: never block there.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// `s3://bucket/prefix` → (bucket, prefix with a trailing `/` or empty).
pub fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("--store must be s3://bucket[/prefix], got '{url}'"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty()
        || !bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(format!("'{url}': not a bucket name"));
    }
    let prefix = prefix.trim_matches('/');
    if prefix
        .split('/')
        .any(|p| p == "." || p == ".." || (p.is_empty() && !prefix.is_empty()))
    {
        return Err(format!("'{url}': the prefix has an empty or dot segment"));
    }
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    Ok((bucket.to_string(), prefix))
}

/// Makes `ring` the process's TLS provider (see Cargo.toml: reqwest is
/// built without one), before any object-store client is built; one
/// already installed (a second store in one process) is kept.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl S3Store {
    /// Opens `s3://bucket/prefix` with the usual `AWS_*` variables
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL` for MinIO or moto, `AWS_ALLOW_HTTP=true` for an
    /// http endpoint), and checks that the bucket answers.
    pub fn open(url: &str) -> Result<S3Store, StoreError> {
        let (bucket, prefix) =
            parse_url(url).map_err(|m| StoreError::Io(std::io::Error::other(m)))?;
        // A few quick retries: a request holds a blocking thread, and a
        // wrong endpoint must not hold the start-up for minutes.
        let retry = object_store::RetryConfig {
            max_retries: 4,
            retry_timeout: std::time::Duration::from_secs(20),
            ..Default::default()
        };
        install_tls();
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|e| StoreError::Io(std::io::Error::other(format!("object store: {e}"))))?;
        S3Store::with_store(Arc::new(s3), &prefix)
    }

    /// Any `object_store` (tests), keys under `prefix`.
    pub fn with_store(store: Arc<dyn ObjectStore>, prefix: &str) -> Result<S3Store, StoreError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("leaklens-s3")
            .enable_all()
            .build()?;
        let s = S3Store {
            store,
            prefix: prefix.to_string(),
            rt: Some(rt),
            max_bytes: None,
            used: AtomicU64::new(0),
        };
        // A first listing: checks the bucket answers, and counts its bytes.
        let used = s.block(s.count_bytes()).map_err(|e| match e {
            StoreError::NotFound => StoreError::Io(std::io::Error::other(
                "the bucket does not exist (or these credentials cannot list it)",
            )),
            e => e,
        })?;
        s.used.store(used, Ordering::Relaxed);
        Ok(s)
    }

    /// Bounds what the store holds, as counted by this instance (see
    /// `docs/object-store.md`: several instances each count their own
    /// writes between the hourly recounts).
    pub fn with_quota(mut self, max_bytes: u64) -> S3Store {
        self.max_bytes = Some(max_bytes);
        self
    }

    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Runs a request on the store's runtime and waits for it.
    fn block<F: Future>(&self, f: F) -> F::Output {
        match &self.rt {
            Some(rt) => rt.block_on(f),
            None => unreachable_runtime(),
        }
    }

    fn key(&self, rest: &str) -> Path {
        Path::from(format!("{}{rest}", self.prefix))
    }

    fn reserve(&self, n: u64) -> Result<(), StoreError> {
        let before = self.used.fetch_add(n, Ordering::AcqRel);
        if let Some(max) = self.max_bytes {
            if before.saturating_add(n) > max {
                self.release(n);
                return Err(StoreError::Full(format!(
                    "the server's storage quota ({} MB) is full",
                    max >> 20
                )));
            }
        }
        Ok(())
    }

    fn release(&self, n: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                Some(u.saturating_sub(n))
            });
    }

    /// Every object under `under` (a key prefix ending in `/`).
    async fn list(
        &self,
        under: &str,
        after: Option<&str>,
    ) -> Result<Vec<object_store::ObjectMeta>, StoreError> {
        let prefix = self.key(under);
        let mut stream = match after {
            Some(a) => self.store.list_with_offset(Some(&prefix), &self.key(a)),
            None => self.store.list(Some(&prefix)),
        };
        let mut all = Vec::new();
        while let Some(m) = stream.next().await {
            all.push(m?);
        }
        all.sort_by(|a, b| a.location.as_ref().cmp(b.location.as_ref()));
        Ok(all)
    }

    async fn count_bytes(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for under in ["reports/", "runs/"] {
            n += self
                .list(under, None)
                .await?
                .iter()
                .map(|m| m.size)
                .sum::<u64>();
        }
        Ok(n)
    }

    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        mode: PutMode,
    ) -> Result<(), object_store::Error> {
        let opts = PutOptions {
            mode,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.key(key), PutPayload::from(bytes), opts)
            .await
            .map(|_| ())
    }

    async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.store.get(&self.key(key)).await?.bytes().await?)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, StoreError> {
        let bytes = self.get(key).await?;
        serde_json::from_slice(&bytes).map_err(|e| corrupt(&format!("{key}: {e}")))
    }

    /// Deletes, an object already gone included.
    async fn remove(&self, key: &Path) -> Result<(), StoreError> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn write_report(
        &self,
        id: &ReportId,
        token: &str,
        files: &[NewFile<'_>],
    ) -> Result<(), StoreError> {
        for (n, file) in (0..).zip(files) {
            let key = format!("reports/{}/{n}.data", id.as_str());
            self.put(&key, file.bytes.to_vec(), PutMode::Overwrite)
                .await?;
        }
        let json = Meta::json_of(files, token)?;
        // Last, and only if no report has this id: it makes the report visible.
        let key = format!("reports/{}/meta.json", id.as_str());
        match self.put(&key, json, PutMode::Create).await {
            Err(object_store::Error::AlreadyExists { .. }) => Err(StoreError::Io(
                std::io::Error::other("a report id was drawn twice"),
            )),
            r => Ok(r?),
        }
    }

    /// Deletes a report or run whose metadata is gone or going: the
    /// metadata first (it disappears at once), then everything under it.
    async fn remove_all(&self, under: &str) -> Result<u64, StoreError> {
        self.remove(&self.key(&format!("{under}meta.json"))).await?;
        let mut freed = 0;
        for m in self.list(under, None).await? {
            self.remove(&m.location).await?;
            freed += m.size;
        }
        Ok(freed)
    }

    /// Deletes reports and live runs not written to for `age`, and the data
    /// of uploads a crash interrupted before their metadata (after a day);
    /// then counts the bytes held again. Returns how many were deleted.
    pub fn expire(&self, age: std::time::Duration) -> usize {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let cutoff = now.saturating_sub(age.as_secs() as i64);
        let removed = self.block(self.expire_before(cutoff, now - 86_400));
        match self.block(self.count_bytes()) {
            Ok(n) => self.used.store(n, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "cannot count the object store's bytes"),
        }
        removed.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "expiry of the object store stopped");
            0
        })
    }

    async fn expire_before(&self, cutoff: i64, orphan_cutoff: i64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for kind in ["reports", "runs"] {
            // Newest write per id (a run is written to by its appends).
            let mut newest: std::collections::BTreeMap<String, (i64, bool)> = Default::default();
            for m in self.list(&format!("{kind}/"), None).await? {
                let rest = m
                    .location
                    .as_ref()
                    .strip_prefix(&format!("{}{kind}/", self.prefix))
                    .unwrap_or("");
                let Some((id, name)) = rest.split_once('/') else {
                    continue;
                };
                let e = newest.entry(id.to_string()).or_insert((i64::MIN, false));
                e.0 = e.0.max(m.last_modified.timestamp());
                e.1 |= name == "meta.json";
            }
            for (id, (at, has_meta)) in newest {
                // Whole seconds (the store's times): written `age` ago or more.
                let old = if has_meta {
                    at <= cutoff
                } else {
                    at <= orphan_cutoff
                };
                if old {
                    self.remove_all(&format!("{kind}/{id}/")).await?;
                    removed += usize::from(has_meta);
                }
            }
        }
        Ok(removed)
    }
}

#[cold]
fn unreachable_runtime() -> ! {
    // The runtime is only taken out by `drop`.
    panic!("the object store's runtime is gone")
}

impl Store for S3Store {
    fn put(&self, files: &[NewFile<'_>]) -> Result<(ReportId, String), StoreError> {
        let total: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        self.reserve(total)?;
        let id = ReportId(random_hex()?);
        let token = random_hex()?;
        let written = self.block(self.write_report(&id, &token, files));
        if let Err(e) = written {
            self.release(total);
            // No half report: what was written goes (best effort; expiry
            // removes data without metadata too).
            let _ = self.block(self.remove_all(&format!("reports/{}/", id.as_str())));
            return Err(e);
        }
        Ok((id, token))
    }

    fn meta(&self, id: &ReportId) -> Result<Meta, StoreError> {
        self.block(self.get_json(&format!("reports/{}/meta.json", id.as_str())))
    }

    fn get(&self, id: &ReportId, n: usize) -> Result<(FileMeta, Vec<u8>), StoreError> {
        let meta = self.meta(id)?;
        let file = meta.files.get(n).cloned().ok_or(StoreError::NotFound)?;
        let data = self.block(self.get(&format!("reports/{}/{n}.data", id.as_str())))?;
        Ok((file, data.to_vec()))
    }

    fn delete(&self, id: &ReportId, token: &str) -> Result<(), StoreError> {
        let meta = self.meta(id)?;
        if !token_matches(&meta.delete_token_sha256, token) {
            return Err(StoreError::Forbidden);
        }
        let freed = self.block(self.remove_all(&format!("reports/{}/", id.as_str())))?;
        self.release(freed);
        Ok(())
    }

    fn create_run(&self, name: &str) -> Result<(ReportId, String), StoreError> {
        self.block(self.create_run_async(name))
    }

    fn append_run(
        &self,
        id: &ReportId,
        token: &str,
        batch: Batch<'_>,
    ) -> Result<RunMeta, StoreError> {
        self.block(self.append_run_async(id, token, batch))
    }

    fn run_meta(&self, id: &ReportId) -> Result<RunMeta, StoreError> {
        self.block(self.run_meta_async(id))
    }

    fn run_token_matches(&self, id: &ReportId, token: &str) -> Result<bool, StoreError> {
        // The run's head alone: one GET, not the listing of its appends.
        let head: RunHead =
            self.block(self.get_json(&format!("runs/{}/meta.json", id.as_str())))?;
        Ok(token_matches(&head.write_token_sha256, token))
    }

    fn get_run(&self, id: &ReportId, from: u64) -> Result<(RunMeta, Vec<u8>), StoreError> {
        self.block(self.get_run_async(id, from))
    }

    fn run_ids(&self) -> Vec<ReportId> {
        let listed = self.block(async {
            let prefix = self.key("runs/");
            self.store.list_with_delimiter(Some(&prefix)).await
        });
        match listed {
            Ok(l) => l
                .common_prefixes
                .iter()
                .filter_map(|p| ReportId::parse(p.filename()?))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the live runs");
                Vec::new()
            }
        }
    }

    fn load_state(&self, key: &str) -> Option<Vec<u8>> {
        match self.block(self.get(&format!("state/{key}.json"))) {
            Ok(b) => Some(b.to_vec()),
            Err(StoreError::NotFound) => None,
            Err(e) => {
                tracing::warn!(error = %e, key, "cannot read a state record");
                None
            }
        }
    }

    fn save_state(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        // One PUT: S3 stores an object whole or not at all.
        Ok(self.block(self.put(
            &format!("state/{key}.json"),
            bytes.to_vec(),
            PutMode::Overwrite,
        ))?)
    }

    fn expire(&self, age: std::time::Duration) -> usize {
        S3Store::expire(self, age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_strictly() {
        assert_eq!(parse_url("s3://b").unwrap(), ("b".into(), String::new()));
        assert_eq!(parse_url("s3://b/").unwrap(), ("b".into(), String::new()));
        assert_eq!(
            parse_url("s3://b/x/y/").unwrap(),
            ("b".into(), "x/y/".into())
        );
        assert!(parse_url("http://b/x").is_err());
        assert!(parse_url("s3:///x").is_err());
        assert!(parse_url("s3://b/x//y").is_err());
        assert!(parse_url("s3://b/../y").is_err());
    }

    #[test]
    fn headers_have_a_fixed_length() {
        let h = Header {
            totals: Totals {
                size: u64::MAX,
                snapshots: u64::MAX,
                appends: u64::MAX,
            },
            nonce: "0".repeat(32),
        };
        let bytes = h.encode();
        assert_eq!(bytes.len(), HEADER);
        assert_eq!(Header::decode(&bytes).unwrap().totals, h.totals);
        assert!(Header::decode(b"{}").is_err());
    }
}
