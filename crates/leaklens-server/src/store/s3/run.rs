//! Live runs on the object store: one object per append (`log/<seq>`,
//! created only if absent), packed into `pack/<first>-<last>` objects so a
//! reader's requests stay bounded however many appends a run has had.

use super::*;

/// Appends past the last pack that make the appender write a new pack.
pub const PACK_EVERY: u64 = 32;
/// Packs smaller than this at the end of a run are merged into the next
/// pack; bigger ones are left alone. So a run of S bytes has at most
/// S / PACK_TARGET + 1 packs and fewer than PACK_EVERY appends after them.
pub const PACK_TARGET: u64 = 8 << 20;

/// Times a reader starts again when a pack it listed was merged away
/// before it read it, and an appender when another took its number.
const READ_ATTEMPTS: usize = 5;
const APPEND_ATTEMPTS: usize = 64;

/// One object of a run's data: an append or a pack of appends.
#[derive(Debug, Clone)]
struct Piece {
    location: Path,
    first: u64,
    last: u64,
    /// Bytes of NDJSON (the object less its header).
    data: u64,
    pack: bool,
}

/// A run as listed: its head, the pieces that hold appends 1, 2, … in
/// order, and its totals (from the last piece's header).
struct Layout {
    head: RunHead,
    pieces: Vec<Piece>,
    /// Packs inside a bigger one (left by concurrent packers): deletable.
    redundant: Vec<Path>,
    totals: Totals,
}

fn seq(s: &str) -> Option<u64> {
    (s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Layout {
    fn meta(&self) -> RunMeta {
        RunMeta {
            name: self.head.name.clone(),
            size: self.totals.size,
            snapshots: self.totals.snapshots as usize,
            appends: self.totals.appends,
            write_token_sha256: self.head.write_token_sha256.clone(),
        }
    }

    /// The appends after the last pack.
    fn unpacked(&self) -> usize {
        self.pieces.iter().rev().take_while(|p| !p.pack).count()
    }
}

impl S3Store {
    fn run_key(id: &ReportId, rest: &str) -> String {
        format!("runs/{}/{rest}", id.as_str())
    }

    async fn layout(&self, id: &ReportId) -> Result<Layout, StoreError> {
        let head: RunHead = self.get_json(&Self::run_key(id, "meta.json")).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.pieces(id, head.clone()).await {
                // The last pack listed was merged into a bigger one since.
                Err(StoreError::NotFound) if attempt < READ_ATTEMPTS => continue,
                r => return r,
            }
        }
    }

    /// [`S3Store::layout`] once the run's head is read.
    async fn pieces(&self, id: &ReportId, head: RunHead) -> Result<Layout, StoreError> {
        let piece = |m: &object_store::ObjectMeta, first: u64, last: u64, pack: bool| Piece {
            location: m.location.clone(),
            first,
            last,
            data: m.size.saturating_sub(HEADER as u64),
            pack,
        };
        let mut packs: Vec<Piece> = Vec::new();
        for m in self.list(&Self::run_key(id, "pack/"), None).await? {
            let range = m.location.filename().and_then(|f| f.split_once('-'));
            if let Some((Some(a), Some(b))) = range.map(|(a, b)| (seq(a), seq(b))) {
                if a >= 1 && a <= b {
                    packs.push(piece(&m, a, b, true));
                }
            }
        }
        // The chain from append 1: at each step the pack reaching furthest.
        let mut pieces = Vec::new();
        let mut next = 1;
        while let Some(p) = packs
            .iter()
            .filter(|p| p.first == next)
            .max_by_key(|p| p.last)
        {
            next = p.last + 1;
            pieces.push(p.clone());
        }
        let redundant = packs
            .iter()
            .filter(|p| {
                pieces
                    .iter()
                    .any(|c| c.first <= p.first && p.last <= c.last && c.location != p.location)
            })
            .map(|p| p.location.clone())
            .collect();
        let after = Self::run_key(id, &format!("log/{:020}", next - 1));
        for m in self.list(&Self::run_key(id, "log/"), Some(&after)).await? {
            match m.location.filename().and_then(seq) {
                Some(n) if n == next => {
                    pieces.push(piece(&m, n, n, false));
                    next += 1;
                }
                _ => break,
            }
        }
        let totals = match pieces.last() {
            None => Totals::default(),
            Some(last) => {
                let got = self
                    .store
                    .get_range(&last.location, 0..HEADER as u64)
                    .await?;
                let totals = Header::decode(&got)?.totals;
                if totals.appends != last.last {
                    return Err(corrupt("a header does not match its key"));
                }
                totals
            }
        };
        Ok(Layout {
            head,
            pieces,
            redundant,
            totals,
        })
    }

    /// The NDJSON of `pieces` from byte `from` of the first on.
    async fn read_pieces(&self, pieces: &[Piece], from: u64) -> Result<Vec<u8>, StoreError> {
        let mut ranges = Vec::new();
        let mut at = 0;
        for p in pieces {
            if at + p.data > from {
                let skip = from.saturating_sub(at);
                let h = HEADER as u64;
                ranges.push((p.location.clone(), h + skip..h + p.data));
            }
            at += p.data;
        }
        let store = self.store.clone();
        let mut parts = futures_util::stream::iter(ranges.into_iter().map(|(loc, r)| {
            let store = store.clone();
            async move { store.get_range(&loc, r).await }
        }))
        .buffered(8);
        let mut data = Vec::new();
        while let Some(part) = parts.next().await {
            data.extend_from_slice(&part?);
        }
        Ok(data)
    }

    /// The objects a full read of run `id` fetches (tests: packing keeps
    /// this bounded).
    #[doc(hidden)]
    pub fn objects_read_for(&self, id: &ReportId) -> Result<usize, StoreError> {
        Ok(self.block(self.layout(id))?.pieces.len())
    }

    /// The names of the objects under `under` (tests).
    #[doc(hidden)]
    pub fn objects(&self, under: &str) -> Vec<String> {
        self.block(self.list(under, None))
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.location.filename().map(str::to_string))
            .collect()
    }

    pub(super) async fn run_meta_async(&self, id: &ReportId) -> Result<RunMeta, StoreError> {
        Ok(self.layout(id).await?.meta())
    }

    pub(super) async fn get_run_async(
        &self,
        id: &ReportId,
        from: u64,
    ) -> Result<(RunMeta, Vec<u8>), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let layout = self.layout(id).await?;
            match self.read_pieces(&layout.pieces, from).await {
                Ok(data) => {
                    if data.len() as u64 != layout.totals.size.saturating_sub(from) {
                        return Err(corrupt("a run's objects do not add up to its length"));
                    }
                    return Ok((layout.meta(), data));
                }
                // A pack merged into a bigger one since it was listed.
                Err(StoreError::NotFound) if attempt < READ_ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub(super) async fn create_run_async(
        &self,
        name: &str,
    ) -> Result<(ReportId, String), StoreError> {
        let id = ReportId(random_hex()?);
        let token = random_hex()?;
        let head = RunHead {
            name: name.chars().filter(|c| !c.is_control()).take(200).collect(),
            write_token_sha256: token_hash(&token),
        };
        let json = serde_json::to_vec(&head).map_err(std::io::Error::other)?;
        match self
            .put(&Self::run_key(&id, "meta.json"), json, PutMode::Create)
            .await
        {
            Err(object_store::Error::AlreadyExists { .. }) => Err(StoreError::Io(
                std::io::Error::other("a run id was drawn twice"),
            )),
            r => Ok(r.map(|()| (id, token))?),
        }
    }

    pub(super) async fn append_run_async(
        &self,
        id: &ReportId,
        token: &str,
        batch: Batch<'_>,
    ) -> Result<RunMeta, StoreError> {
        let mut body = batch.bytes.to_vec();
        if !body.ends_with(b"\n") {
            body.push(b'\n');
        }
        let cost = (body.len() + HEADER) as u64;
        self.reserve(cost)?;
        let appended = self.append_reserved(id, token, &body, batch).await;
        if appended.is_err() {
            self.release(cost);
        }
        let (meta, unpacked) = appended?;
        if unpacked >= PACK_EVERY as usize {
            // The append is stored already: a failed pack only means the
            // next append tries again.
            if let Err(e) = self.pack(id).await {
                tracing::warn!(id = id.as_str(), error = %e, "cannot pack a live run's appends");
            }
        }
        Ok(meta)
    }

    /// Takes the next sequence number with a create-only write; returns
    /// the run's new totals and how many appends are not packed.
    async fn append_reserved(
        &self,
        id: &ReportId,
        token: &str,
        body: &[u8],
        batch: Batch<'_>,
    ) -> Result<(RunMeta, usize), StoreError> {
        let nonce = random_hex()?;
        for _ in 0..APPEND_ATTEMPTS {
            let layout = self.layout(id).await?;
            if !token_matches(&layout.head.write_token_sha256, token) {
                return Err(StoreError::Forbidden);
            }
            let before = layout.totals;
            if before.size + body.len() as u64 > batch.max_size {
                return Err(StoreError::TooLarge(batch.max_size));
            }
            let header = Header {
                totals: Totals {
                    size: before.size + body.len() as u64,
                    snapshots: before.snapshots + batch.snapshots as u64,
                    appends: before.appends + 1,
                },
                nonce: nonce.clone(),
            };
            let mut object = header.encode();
            object.extend_from_slice(body);
            let key = Self::run_key(id, &format!("log/{:020}", header.totals.appends));
            let done = match self.put(&key, object, PutMode::Create).await {
                Ok(()) => true,
                // Another writer took the number, or this one did and the
                // answer was lost (then the nonce is ours).
                Err(object_store::Error::AlreadyExists { .. }) => {
                    let got = self
                        .store
                        .get_range(&self.key(&key), 0..HEADER as u64)
                        .await?;
                    Header::decode(&got)?.nonce == nonce
                }
                Err(e) => return Err(e.into()),
            };
            if done {
                let mut meta = layout.meta();
                meta.size = header.totals.size;
                meta.snapshots = header.totals.snapshots as usize;
                meta.appends = header.totals.appends;
                return Ok((meta, layout.unpacked() + 1));
            }
        }
        Err(StoreError::Io(std::io::Error::other(
            "too many writers appending to one live run at once: retry",
        )))
    }

    /// Packs the appends after the last pack, with the small packs before
    /// them, into one object (created only if absent: two instances packing
    /// the same appends write the same bytes), then deletes the packs it
    /// holds.
    async fn pack(&self, id: &ReportId) -> Result<(), StoreError> {
        let layout = self.layout(id).await?;
        if layout.unpacked() < PACK_EVERY as usize {
            return Ok(());
        }
        let mut start = layout.pieces.len() - layout.unpacked();
        while start > 0
            && layout.pieces[start - 1].pack
            && layout.pieces[start - 1].data < PACK_TARGET
        {
            start -= 1;
        }
        let merged = &layout.pieces[start..];
        let (first, last) = (merged[0].first, layout.totals.appends);
        let header = Header {
            totals: layout.totals,
            nonce: String::new(),
        };
        let mut object = header.encode();
        object.extend_from_slice(&self.read_pieces(merged, 0).await?);
        let size = object.len() as u64;
        let key = Self::run_key(id, &format!("pack/{first:020}-{last:020}"));
        match self.put(&key, object, PutMode::Create).await {
            Ok(()) => {
                self.used.fetch_add(size, Ordering::AcqRel);
            }
            Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let mut gone: Vec<&Path> = merged
            .iter()
            .filter(|p| p.pack)
            .map(|p| &p.location)
            .collect();
        gone.extend(layout.redundant.iter());
        for p in gone {
            self.remove(p).await?;
        }
        Ok(())
    }
}
