//! The `Store` contract, one test body run on every store: the data
//! directory always, and the S3 object store when `LEAKLENS_TEST_S3` names
//! a bucket (`s3://bucket/prefix`, with the `AWS_*` variables for its
//! endpoint; `scripts/test-s3.sh` starts moto's S3 server and sets them).

use std::sync::Arc;

use leaklens_server::{Batch, DirStore, NewFile, ReportId, Store, StoreError};

fn line(writer: &str, n: usize) -> String {
    format!(
        r#"{{"cycle":{n},"label":"{writer}","nodejs":{{"heapUsed":{},"heapTotal":90,"rss":200}}}}"#,
        50 + n
    )
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> NewFile<'a> {
    NewFile {
        name,
        bytes,
        snapshots: Some(1),
        encrypted: false,
    }
}

const MAX: u64 = 1 << 20;

fn reports(store: &dyn Store) {
    let a = line("a", 1).into_bytes();
    let b = line("b", 2).into_bytes();
    let (id, token) = store
        .put(&[file("one.ndjson", &a), file("two\u{7}.ndjson", &b)])
        .unwrap();
    let meta = store.meta(&id).unwrap();
    assert_eq!(meta.files.len(), 2);
    assert_eq!(meta.files[0].name, "one.ndjson");
    assert_eq!(
        meta.files[1].name, "two.ndjson",
        "control characters dropped"
    );
    assert_eq!(meta.files[1].size, b.len() as u64);
    assert_eq!(store.get(&id, 0).unwrap().1, a);
    assert_eq!(store.get(&id, 1).unwrap().1, b);
    assert!(matches!(store.get(&id, 2), Err(StoreError::NotFound)));
    let stranger = ReportId::parse(&"0".repeat(32)).unwrap();
    assert!(matches!(store.meta(&stranger), Err(StoreError::NotFound)));
    assert!(matches!(
        store.delete(&id, "wrong"),
        Err(StoreError::Forbidden)
    ));
    assert!(
        store.get(&id, 0).is_ok(),
        "a refused delete deletes nothing"
    );
    store.delete(&id, &token).unwrap();
    assert!(matches!(store.meta(&id), Err(StoreError::NotFound)));
    assert!(matches!(store.get(&id, 0), Err(StoreError::NotFound)));
    assert!(matches!(
        store.delete(&id, &token),
        Err(StoreError::NotFound)
    ));
}

fn live_run(store: &dyn Store, appends: usize) {
    let (id, token) = store.create_run("w\n.ndjson").unwrap();
    let meta = store.run_meta(&id).unwrap();
    assert_eq!((meta.size, meta.snapshots, meta.appends), (0, 0, 0));
    assert_eq!(meta.name, "w.ndjson");
    assert!(store.run_ids().contains(&id));
    assert!(store.get_run(&id, 0).unwrap().1.is_empty());
    assert!(matches!(
        store.append_run(&id, "wrong", Batch::new(b"{}\n", 1, MAX)),
        Err(StoreError::Forbidden)
    ));

    let mut expected = Vec::new();
    for n in 1..=appends {
        // Some batches end their last line, some do not: every one does in the run.
        let mut batch = format!("{}\n{}", line("w", 2 * n - 1), line("w", 2 * n));
        if n % 2 == 0 {
            batch.push('\n');
        }
        let meta = store
            .append_run(&id, &token, Batch::new(batch.as_bytes(), 2, MAX))
            .unwrap();
        expected.extend_from_slice(batch.trim_end().as_bytes());
        expected.push(b'\n');
        assert_eq!(meta.size, expected.len() as u64, "append {n}");
        assert_eq!(meta.snapshots, 2 * n);
        assert_eq!(meta.appends, n as u64);
    }
    let (meta, data) = store.get_run(&id, 0).unwrap();
    assert_eq!(
        String::from_utf8(data).unwrap(),
        String::from_utf8(expected.clone()).unwrap()
    );
    assert_eq!(meta.snapshots, 2 * appends);
    for from in [1, expected.len() / 3, expected.len() - 1] {
        let (_, tail) = store.get_run(&id, from as u64).unwrap();
        assert_eq!(tail, &expected[from..], "from byte {from}");
    }
    assert!(store
        .get_run(&id, expected.len() as u64)
        .unwrap()
        .1
        .is_empty());
    assert!(store.get_run(&id, u64::MAX).unwrap().1.is_empty());

    // Past the run's limit: refused, and nothing changes.
    let big = line("w", 0).repeat(8);
    let limit = expected.len() as u64 + 10;
    assert!(matches!(
        store.append_run(&id, &token, Batch::new(big.as_bytes(), 1, limit)),
        Err(StoreError::TooLarge(_))
    ));
    assert_eq!(store.run_meta(&id).unwrap().size, expected.len() as u64);
}

/// Two writers (two handles on one store, as two servers are) append to
/// one run at once: every append is there once, each writer's in its order.
fn concurrent_appends(a: Arc<dyn Store>, b: Arc<dyn Store>, each: usize) {
    let (id, token) = a.create_run("both").unwrap();
    std::thread::scope(|s| {
        for (name, store) in [("a", &a), ("b", &b)] {
            let (id, token) = (id.clone(), token.clone());
            s.spawn(move || {
                for n in 1..=each {
                    let l = line(name, n);
                    store
                        .append_run(&id, &token, Batch::new(l.as_bytes(), 1, MAX))
                        .unwrap();
                }
            });
        }
    });
    let (meta, data) = b.get_run(&id, 0).unwrap();
    assert_eq!(meta.snapshots, 2 * each);
    assert_eq!(meta.appends, 2 * each as u64);
    let text = String::from_utf8(data).unwrap();
    for name in ["a", "b"] {
        let mine: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(&format!(r#""label":"{name}""#)))
            .collect();
        let want: Vec<String> = (1..=each).map(|n| line(name, n)).collect();
        assert_eq!(mine, want, "writer {name}'s appends, once each, in order");
    }
}

fn state(store: &dyn Store) {
    let key = "contract";
    assert_eq!(store.load_state(key), None);
    store.save_state(key, b"{\"one\":1}").unwrap();
    assert_eq!(store.load_state(key).unwrap(), b"{\"one\":1}");
    store.save_state(key, b"{}").unwrap();
    assert_eq!(store.load_state(key).unwrap(), b"{}");
}

fn contract(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    reports(a.as_ref());
    // Past two packs of the object store (32 appends each).
    live_run(a.as_ref(), 70);
    concurrent_appends(a.clone(), b, 25);
    state(a.as_ref());
}

#[test]
fn the_directory_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(DirStore::open(dir.path()).unwrap());
    // One directory has one server: both writers share its handle.
    contract(store.clone(), store);
}

#[cfg(feature = "s3")]
mod s3 {
    use super::*;
    use leaklens_server::store::s3::S3Store;

    /// `LEAKLENS_TEST_S3` with a fresh prefix under it, or `None` (the test
    /// is skipped, and says so).
    pub fn url() -> Option<String> {
        let base = std::env::var("LEAKLENS_TEST_S3").ok()?;
        let fresh = leaklens_server::store::random_hex().unwrap();
        Some(format!("{}/{fresh}", base.trim_end_matches('/')))
    }

    #[test]
    fn the_s3_store_keeps_the_contract() {
        let Some(url) = url() else {
            eprintln!("SKIPPED: LEAKLENS_TEST_S3 is not set (scripts/test-s3.sh sets it)");
            return;
        };
        // Two handles: two servers on one bucket.
        let a: Arc<dyn Store> = Arc::new(S3Store::open(&url).unwrap());
        let b: Arc<dyn Store> = Arc::new(S3Store::open(&url).unwrap());
        contract(a, b);
    }

    #[test]
    fn packs_keep_a_long_run_to_a_few_objects() {
        let Some(url) = url() else {
            eprintln!("SKIPPED: LEAKLENS_TEST_S3 is not set");
            return;
        };
        let store = S3Store::open(&url).unwrap();
        let (id, token) = store.create_run("long").unwrap();
        let mut expected = String::new();
        for n in 1..=100 {
            let l = format!("{}\n", line("p", n));
            store
                .append_run(&id, &token, Batch::new(l.as_bytes(), 1, MAX))
                .unwrap();
            expected.push_str(&l);
        }
        // Appends 1–32, then 33–64 merged with them, then 65–96: one pack.
        let packs = store.objects(&format!("runs/{}/pack/", id.as_str()));
        assert_eq!(
            packs,
            [format!("{:020}-{:020}", 1, 96)],
            "the small packs were merged"
        );
        let (meta, data) = store.get_run(&id, 0).unwrap();
        assert_eq!(meta.appends, 100);
        assert_eq!(String::from_utf8(data).unwrap(), expected);
        let reads = store.objects_read_for(&id).unwrap();
        assert_eq!(reads, 1 + 4, "one pack and the four appends after it");
    }

    #[test]
    fn an_interrupted_upload_stays_invisible_and_expiry_deletes() {
        use object_store::ObjectStoreExt;
        let Some(url) = url() else {
            eprintln!("SKIPPED: LEAKLENS_TEST_S3 is not set");
            return;
        };
        let (bucket, prefix) = leaklens_server::store::s3::parse_url(&url).unwrap();
        leaklens_server::store::s3::install_tls();
        let raw = std::sync::Arc::new(
            object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .unwrap(),
        );
        let store = S3Store::with_store(raw.clone(), &prefix).unwrap();
        // A crash between a report's data and its metadata.
        let id = ReportId::parse(&leaklens_server::store::random_hex().unwrap()).unwrap();
        let orphan =
            object_store::path::Path::from(format!("{prefix}reports/{}/0.data", id.as_str()));
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(raw.put(&orphan, b"half".to_vec().into()))
            .unwrap();
        assert!(matches!(store.meta(&id), Err(StoreError::NotFound)));
        assert!(matches!(store.get(&id, 0), Err(StoreError::NotFound)));

        let kept = line("k", 1).into_bytes();
        let (report, _) = store.put(&[file("k.ndjson", &kept)]).unwrap();
        let (run, token) = store.create_run("old").unwrap();
        store
            .append_run(&run, &token, Batch::new(&kept, 1, MAX))
            .unwrap();
        assert_eq!(
            store.expire(std::time::Duration::from_secs(3600)),
            0,
            "nothing is old"
        );
        assert_eq!(
            store.expire(std::time::Duration::ZERO),
            2,
            "the report and the run"
        );
        assert!(matches!(store.meta(&report), Err(StoreError::NotFound)));
        assert!(matches!(store.run_meta(&run), Err(StoreError::NotFound)));
        assert!(!store.run_ids().contains(&run));
        // The orphan is younger than a day: left for a later pass.
        assert!(rt.block_on(raw.head(&orphan)).is_ok());
    }
}
