//! One sync connection: a state machine over one bidirectional QUIC stream.
//!
//! Initiator: `Hello` -> (per shared space) `Reconcile` rounds -> `Push` what the peer lacks and
//! `Want` what it lacks itself -> (one-shot) `Bye` once every request is answered. Responder:
//! answers `Hello` with the spaces both share, answers each `Reconcile`, `Have` and `Want`, and
//! answers `Bye` with `Bye`. While connected, either side sends `Have` for items added locally.
//!
//! Refused (connection closed with a code): anything before `Hello`, a second `Hello`, a frame
//! whose sequence number is not the next one (replayed or re-ordered), a space not shared, a
//! `Reconcile` out of turn, `Push` to the initiator or before reconciliation, `Items` not matching the oldest open `Want` (unsolicited or replayed
//! items), items that fail the host's verification, an oversize or malformed frame.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iroh::endpoint::{Connection, ConnectionError, RecvStream, SendStream};
use negentropy::{Id, Negentropy, NegentropyStorageVector};
use tokio::sync::{broadcast, mpsc};

use super::message::{self, ItemId, Message, BATCH_BYTES, MAX_IDS, MAX_ITEMS, RECONCILE_FRAME, VERSION};
use super::node::{SyncEvent, SyncSummary};
use super::{item_id, SyncError, SyncHost};
use crate::model::SpaceId;
use crate::sealed::SealedChange;

/// Which end of the connection this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Dialled the peer; `live` keeps the connection open after the first sync.
    Initiator { live: bool },
    /// Accepted the connection.
    Responder,
}

/// Runs `f` on the host on tokio's blocking pool.
pub(crate) async fn with_host<H: SyncHost, R: Send + 'static>(
    host: &Arc<Mutex<H>>,
    f: impl FnOnce(&mut H) -> crate::Result<R> + Send + 'static,
) -> Result<R, SyncError> {
    let host = host.clone();
    tokio::task::spawn_blocking(move || {
        let mut h = host.lock().map_err(|_| SyncError::Local("the vault lock was poisoned".into()))?;
        f(&mut h).map_err(|e| SyncError::Local(e.code().into()))
    })
    .await
    .map_err(|_| SyncError::Local("a sync task failed".into()))?
}

/// Stores a batch through the host: a refused item (verification) and a failed write (storage)
/// end the connection with different codes, so the peer learns which side is at fault.
async fn ingest<H: SyncHost>(host: &Arc<Mutex<H>>, space: SpaceId, items: Vec<Vec<u8>>) -> Result<usize, SyncError> {
    let host = host.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut h = host.lock().map_err(|_| SyncError::Local("the vault lock was poisoned".into()))?;
        Ok::<_, SyncError>(h.ingest(space, items))
    })
    .await
    .map_err(|_| SyncError::Local("a sync task failed".into()))??;
    outcome.map_err(|e| match e {
        crate::Error::SyncRefused(_) => SyncError::RefusedItem("signature, membership or format"),
        other => SyncError::Storage(other.code()),
    })
}

/// How often a live connection looks for new local items (the host's change counter).
const LIVE_POLL: Duration = Duration::from_millis(25);

/// A peer must say hello within this time, or its connection (and its slot) is dropped.
const HELLO_WITHIN: Duration = Duration::from_secs(30);

type Recon = Negentropy<'static, NegentropyStorageVector>;

fn storage(ids: &[ItemId]) -> Result<NegentropyStorageVector, SyncError> {
    let mut s = NegentropyStorageVector::with_capacity(ids.len());
    for id in ids {
        s.insert(0, Id::from_byte_array(*id)).map_err(|_| SyncError::Local("reconciliation storage".into()))?;
    }
    s.seal().map_err(|_| SyncError::Local("reconciliation storage".into()))?;
    Ok(s)
}

/// Items being sent in answer to one `Want`, or pushed after reconciliation.
struct Job {
    space: SpaceId,
    pushed: bool,
    items: VecDeque<Vec<u8>>,
    bytes: u64,
}

struct Session<H> {
    host: Arc<Mutex<H>>,
    side: Side,
    peer: [u8; 32],
    events: broadcast::Sender<SyncEvent>,
    mine: BTreeSet<SpaceId>,
    shared: BTreeSet<SpaceId>,
    hello_done: bool,
    outbox: VecDeque<Message>,
    wants_to_serve: VecDeque<(SpaceId, Vec<ItemId>, bool)>,
    job: Option<Job>,
    open_wants: VecDeque<(SpaceId, HashSet<ItemId>)>,
    awaiting_want: usize,
    recon: HashMap<SpaceId, (Recon, Vec<ItemId>, Vec<ItemId>)>,
    answering: HashMap<SpaceId, Recon>,
    known: HashMap<SpaceId, HashSet<ItemId>>,
    last_counter: u64,
    bye_sent: bool,
    bye_received: bool,
    summary: SyncSummary,
}

/// Runs one connection to its end. Errors close the connection with their code.
pub(crate) async fn run<H: SyncHost>(
    host: Arc<Mutex<H>>,
    conn: Connection,
    side: Side,
    events: broadcast::Sender<SyncEvent>,
) -> Result<SyncSummary, SyncError> {
    let peer = *conn.remote_id().as_bytes();
    let result = run_inner(host, &conn, side, peer, events.clone()).await;
    // A lost connection the peer closed on purpose says why. The stream can end a moment before
    // the peer's close frame is processed: give the reason a second to arrive.
    let reason = match (&result, conn.close_reason()) {
        (Err(SyncError::Network(_)), None) => {
            tokio::time::timeout(std::time::Duration::from_secs(1), conn.closed()).await.ok()
        }
        (_, reason) => reason,
    };
    let result = match (result, reason) {
        (Err(SyncError::Network(_)), Some(ConnectionError::ApplicationClosed(c))) => match c.error_code.into_inner() {
            code if code == u64::from(super::close::NOT_MEMBER) => Err(SyncError::NotMember),
            code if code == u64::from(super::close::STORAGE) => Err(SyncError::PeerStorage),
            code => Err(SyncError::Closed(code as u32)),
        },
        (r, _) => r,
    };
    let code = match &result {
        Ok(_) => super::close::DONE,
        Err(e) => e.close_code(),
    };
    if let Err(e) = &result {
        tracing::info!(code = e.code(), "sync connection ended");
    }
    let _ = events.send(SyncEvent::Closed { peer, code: result.as_ref().err().map(|e| e.code()) });
    conn.close(code.into(), b"");
    result
}

async fn run_inner<H: SyncHost>(
    host: Arc<Mutex<H>>,
    conn: &Connection,
    side: Side,
    peer: [u8; 32],
    events: broadcast::Sender<SyncEvent>,
) -> Result<SyncSummary, SyncError> {
    // Membership is checked before a single byte is read or sent on the stream.
    let mine: BTreeSet<SpaceId> = with_host(&host, move |h| h.shared_spaces(&peer)).await?.into_iter().collect();
    if mine.is_empty() {
        return Err(SyncError::NotMember);
    }
    let (send, recv) = match side {
        Side::Initiator { .. } => conn.open_bi().await.map_err(|e| SyncError::Network(e.to_string()))?,
        Side::Responder => tokio::time::timeout(Duration::from_secs(30), conn.accept_bi())
            .await
            .map_err(|_| SyncError::Protocol("no stream opened"))?
            .map_err(|e| SyncError::Network(e.to_string()))?,
    };
    let (in_tx, mut in_rx) = mpsc::channel(16);
    let received_wire = Arc::new(AtomicU64::new(0));
    let reader = tokio::spawn(read_frames(recv, in_tx, received_wire.clone()));
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(4);
    let writer = tokio::spawn(write_frames(send, out_rx));
    let last_counter = with_host(&host, |h| Ok(h.change_counter())).await?;
    let mut s = Session {
        host,
        side,
        peer,
        events,
        mine,
        shared: BTreeSet::new(),
        hello_done: false,
        outbox: VecDeque::new(),
        wants_to_serve: VecDeque::new(),
        job: None,
        open_wants: VecDeque::new(),
        awaiting_want: 0,
        recon: HashMap::new(),
        answering: HashMap::new(),
        known: HashMap::new(),
        last_counter,
        bye_sent: false,
        bye_received: false,
        summary: SyncSummary::default(),
    };
    if let Side::Initiator { .. } = side {
        s.outbox.push_back(Message::Hello { version: VERSION, spaces: s.mine.iter().copied().collect() });
    }
    let mut seq = 0u32;
    let mut tick = tokio::time::interval(LIVE_POLL);
    let hello_deadline = tokio::time::sleep(HELLO_WITHIN);
    tokio::pin!(hello_deadline);
    let result = loop {
        s.maybe_bye();
        if s.finished() {
            break Ok(());
        }
        let has_out = !s.outbox.is_empty() || s.job.is_some() || !s.wants_to_serve.is_empty();
        tokio::select! {
            biased;
            frame = in_rx.recv() => match frame {
                Some(Ok(msg)) => if let Err(e) = s.handle(msg).await { break Err(e) },
                Some(Err(e)) => break Err(e),
                None => break Err(SyncError::Network("the other device closed the connection".into())),
            },
            permit = out_tx.reserve(), if has_out => {
                let Ok(permit) = permit else { break Err(SyncError::Network("the connection was lost".into())) };
                match s.next_outgoing().await {
                    Ok(Some(msg)) => {
                        if let Message::Items { items, .. } | Message::Push { items, .. } = &msg {
                            s.summary.sent_items += items.len() as u64;
                            s.summary.sent_bytes += items.iter().map(|i| i.len() as u64).sum::<u64>();
                        }
                        let frame = msg.frame(seq);
                        s.summary.wire_bytes_sent += frame.len() as u64;
                        permit.send(frame);
                        seq = seq.wrapping_add(1);
                    }
                    Ok(None) => {}
                    Err(e) => break Err(e),
                }
            },
            _ = tick.tick(), if s.live_ready() => if let Err(e) = s.announce_local().await { break Err(e) },
            _ = &mut hello_deadline, if !s.hello_done => break Err(SyncError::Protocol("no hello in time")),
        }
    };
    drop(out_tx);
    reader.abort();
    s.summary.wire_bytes_received = received_wire.load(Ordering::Relaxed);
    match result {
        Ok(()) => {
            // Let the last frames (our Bye) reach the peer before closing.
            let _ = tokio::time::timeout(Duration::from_secs(10), writer).await;
            if s.side == Side::Responder {
                let _ = tokio::time::timeout(Duration::from_secs(10), conn.closed()).await;
            }
            Ok(s.summary)
        }
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

async fn read_frames(mut recv: RecvStream, tx: mpsc::Sender<Result<Message, SyncError>>, wire: Arc<AtomicU64>) {
    let mut expected = 0u32;
    loop {
        let mut prefix = [0u8; 4];
        if let Err(e) = recv.read_exact(&mut prefix).await {
            let _ = tx.send(Err(SyncError::Network(e.to_string()))).await;
            return;
        }
        let len = match message::frame_len(prefix) {
            Ok(n) => n,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        let mut body = vec![0u8; len];
        if let Err(e) = recv.read_exact(&mut body).await {
            let _ = tx.send(Err(SyncError::Network(e.to_string()))).await;
            return;
        }
        wire.fetch_add(4 + len as u64, Ordering::Relaxed);
        let item = match Message::decode(&body) {
            Ok((seq, _)) if seq != expected => Err(SyncError::Protocol("replayed or re-ordered message")),
            Ok((_, msg)) => Ok(msg),
            Err(e) => Err(e.into()),
        };
        expected = expected.wrapping_add(1);
        let stop = item.is_err();
        if tx.send(item).await.is_err() || stop {
            return;
        }
    }
}

async fn write_frames(mut send: SendStream, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(frame) = rx.recv().await {
        if send.write_all(&frame).await.is_err() {
            return;
        }
    }
    let _ = send.finish();
}

fn chunks(ids: Vec<ItemId>) -> Vec<Vec<ItemId>> {
    ids.chunks(MAX_IDS).map(|c| c.to_vec()).collect()
}

impl<H: SyncHost> Session<H> {
    fn finished(&self) -> bool {
        match self.side {
            Side::Responder => self.bye_received && self.outbox.is_empty(),
            Side::Initiator { live } => self.bye_sent && self.bye_received && !live,
        }
    }

    /// True once the first reconciliation is over and local changes are pushed as they come.
    fn live_ready(&self) -> bool {
        match self.side {
            Side::Responder => self.hello_done && !self.bye_received,
            Side::Initiator { live } => live && self.hello_done && self.recon.is_empty(),
        }
    }

    fn quiet(&self) -> bool {
        self.hello_done
            && self.recon.is_empty()
            && self.open_wants.is_empty()
            && self.awaiting_want == 0
            && self.outbox.is_empty()
            && self.job.is_none()
            && self.wants_to_serve.is_empty()
    }

    fn check_space(&self, space: &SpaceId) -> Result<(), SyncError> {
        if self.shared.contains(space) {
            Ok(())
        } else {
            Err(SyncError::Protocol("a space that is not shared"))
        }
    }

    async fn ids(&self, space: SpaceId) -> Result<Vec<ItemId>, SyncError> {
        with_host(&self.host, move |h| h.item_ids(space)).await
    }

    async fn handle(&mut self, msg: Message) -> Result<(), SyncError> {
        if !self.hello_done {
            let Message::Hello { spaces, .. } = msg else { return Err(SyncError::Protocol("expected hello")) };
            return self.hello(spaces).await;
        }
        match msg {
            Message::Hello { .. } => Err(SyncError::Protocol("a second hello")),
            Message::Reconcile { space, payload } => self.reconcile(space, payload).await,
            Message::Have { space, ids } => {
                self.check_space(&space)?;
                let known = self.known.entry(space).or_default();
                let mut lacking: Vec<ItemId> = ids.into_iter().filter(|id| !known.contains(id)).collect();
                lacking.sort_unstable();
                lacking.dedup();
                if !lacking.is_empty() {
                    let held: HashSet<ItemId> = self.ids(space).await?.into_iter().collect();
                    lacking.retain(|id| !held.contains(id));
                }
                self.want(space, lacking);
                Ok(())
            }
            Message::Want { space, ids } => {
                self.check_space(&space)?;
                match self.side {
                    Side::Initiator { .. } if self.awaiting_want == 0 => {
                        return Err(SyncError::Protocol("a want that answers nothing"))
                    }
                    Side::Initiator { .. } => self.awaiting_want -= 1,
                    Side::Responder => self.awaiting_want = self.awaiting_want.saturating_sub(1),
                }
                if !ids.is_empty() {
                    self.wants_to_serve.push_back((space, ids, false));
                }
                Ok(())
            }
            Message::Items { space, left_items, left_bytes, items } => {
                self.items(space, left_items, left_bytes, items).await
            }
            Message::Push { space, left_items, left_bytes, items } => {
                self.check_space(&space)?;
                if self.side != Side::Responder || !self.answering.contains_key(&space) {
                    return Err(SyncError::Protocol("items pushed out of turn"));
                }
                self.store(space, left_items, left_bytes, items).await
            }
            Message::Bye => {
                match self.side {
                    Side::Responder => {
                        // Noted before the answer, so that the initiator's sync returns only
                        // once this side has kept it.
                        self.note_held().await;
                        self.bye_received = true;
                        self.outbox.push_back(Message::Bye);
                    }
                    Side::Initiator { .. } if self.bye_sent => {
                        self.note_held().await;
                        self.bye_received = true;
                    }
                    Side::Initiator { .. } => return Err(SyncError::Protocol("a bye out of turn")),
                }
                Ok(())
            }
        }
    }

    /// A one-shot sync is over (`Bye` read after every request was answered): the peer holds
    /// every item this side knows it holds, what it held when the sync began and what it
    /// received. Travel mode keeps that (see `vault/travel.rs`); a failure to keep it is logged
    /// and does not fail a sync that moved everything.
    async fn note_held(&mut self) {
        let peer = self.peer;
        for space in self.shared.clone() {
            let held = self.known.remove(&space).unwrap_or_default();
            if let Err(e) = with_host(&self.host, move |h| h.peer_holds(&peer, space, &held)).await {
                tracing::warn!(code = e.code(), "could not note that the peer holds a space");
            }
        }
    }

    async fn hello(&mut self, spaces: Vec<SpaceId>) -> Result<(), SyncError> {
        let theirs: BTreeSet<SpaceId> = spaces.into_iter().collect();
        self.shared = self.mine.intersection(&theirs).copied().collect();
        self.hello_done = true;
        match self.side {
            Side::Responder => {
                self.outbox
                    .push_back(Message::Hello { version: VERSION, spaces: self.shared.iter().copied().collect() });
                for space in self.shared.clone() {
                    let ids = self.ids(space).await?;
                    self.known.insert(space, ids.into_iter().collect());
                }
            }
            Side::Initiator { .. } => {
                if theirs.iter().any(|s| !self.mine.contains(s)) {
                    return Err(SyncError::Protocol("the hello names a space not offered"));
                }
                if self.shared.is_empty() {
                    return Err(SyncError::NotMember);
                }
                for space in self.shared.clone() {
                    let ids = self.ids(space).await?;
                    let mut r = Negentropy::owned(storage(&ids)?, RECONCILE_FRAME)
                        .map_err(|_| SyncError::Local("reconciliation".into()))?;
                    let payload = r.initiate().map_err(|_| SyncError::Local("reconciliation".into()))?;
                    self.known.insert(space, ids.iter().copied().collect());
                    self.recon.insert(space, (r, Vec::new(), Vec::new()));
                    self.outbox.push_back(Message::Reconcile { space, payload });
                }
                if !matches!(self.side, Side::Initiator { live: true }) {
                    self.maybe_bye();
                }
            }
        }
        let _ = self.events.send(SyncEvent::Connected { peer: self.peer, spaces: self.shared.len() });
        Ok(())
    }

    async fn reconcile(&mut self, space: SpaceId, payload: Vec<u8>) -> Result<(), SyncError> {
        self.check_space(&space)?;
        match self.side {
            Side::Responder => {
                if !self.answering.contains_key(&space) {
                    let ids = self.ids(space).await?;
                    let r = Negentropy::owned(storage(&ids)?, RECONCILE_FRAME)
                        .map_err(|_| SyncError::Local("reconciliation".into()))?;
                    self.answering.insert(space, r);
                }
                let r = self.answering.get_mut(&space).ok_or(SyncError::Local("reconciliation".into()))?;
                let reply = r.reconcile(&payload).map_err(|_| SyncError::Protocol("a bad reconciliation message"))?;
                self.outbox.push_back(Message::Reconcile { space, payload: reply });
            }
            Side::Initiator { .. } => {
                let Some((r, have, need)) = self.recon.get_mut(&space) else {
                    return Err(SyncError::Protocol("a reconciliation reply out of turn"));
                };
                let mut h = Vec::new();
                let mut n = Vec::new();
                let next = r
                    .reconcile_with_ids(&payload, &mut h, &mut n)
                    .map_err(|_| SyncError::Protocol("a bad reconciliation message"))?;
                have.extend(h.iter().map(|id| **id));
                need.extend(n.iter().map(|id| **id));
                match next {
                    Some(payload) => self.outbox.push_back(Message::Reconcile { space, payload }),
                    None => {
                        let Some((_, have, need)) = self.recon.remove(&space) else { return Ok(()) };
                        if !have.is_empty() {
                            self.known.entry(space).or_default().extend(have.iter().copied());
                            self.wants_to_serve.push_back((space, have, true));
                        }
                        self.want(space, need);
                    }
                }
            }
        }
        self.maybe_bye();
        Ok(())
    }

    fn want(&mut self, space: SpaceId, ids: Vec<ItemId>) {
        if ids.is_empty() {
            // An empty want answers a have and expects no items.
            self.outbox.push_back(Message::Want { space, ids });
            return;
        }
        for ids in chunks(ids) {
            self.open_wants.push_back((space, ids.iter().copied().collect()));
            self.outbox.push_back(Message::Want { space, ids });
        }
    }

    async fn items(
        &mut self,
        space: SpaceId,
        left_items: u32,
        left_bytes: u64,
        items: Vec<Vec<u8>>,
    ) -> Result<(), SyncError> {
        self.check_space(&space)?;
        let Some((want_space, open)) = self.open_wants.front_mut() else {
            return Err(SyncError::Protocol("items nobody asked for"));
        };
        if *want_space != space {
            return Err(SyncError::Protocol("items for another request"));
        }
        for b in &items {
            if !open.remove(&item_id(b)) {
                return Err(SyncError::Protocol("items nobody asked for, or sent twice"));
            }
        }
        if left_items == 0 {
            self.open_wants.pop_front();
        } else if open.is_empty() {
            return Err(SyncError::Protocol("more items announced than asked for"));
        }
        self.store(space, left_items, left_bytes, items).await
    }

    /// Verifies and stores a batch through the host (all or nothing), then reports progress.
    async fn store(
        &mut self,
        space: SpaceId,
        left_items: u32,
        left_bytes: u64,
        items: Vec<Vec<u8>>,
    ) -> Result<(), SyncError> {
        let ids: Vec<ItemId> = items.iter().map(|b| item_id(b)).collect();
        let count = items.len() as u64;
        let bytes: u64 = items.iter().map(|i| i.len() as u64).sum();
        if !items.is_empty() {
            ingest(&self.host, space, items).await?;
        }
        self.known.entry(space).or_default().extend(ids);
        self.summary.received_items += count;
        self.summary.received_bytes += bytes;
        let _ = self.events.send(SyncEvent::Progress {
            peer: self.peer,
            space,
            received: count,
            left_items: u64::from(left_items),
            left_bytes,
        });
        self.maybe_bye();
        Ok(())
    }

    /// Queues `Have` for items added here since they were last announced to this peer.
    async fn announce_local(&mut self) -> Result<(), SyncError> {
        let counter = with_host(&self.host, |h| Ok(h.change_counter())).await?;
        if counter == self.last_counter {
            return Ok(());
        }
        self.last_counter = counter;
        for space in self.shared.clone() {
            let ids = self.ids(space).await?;
            let known = self.known.entry(space).or_default();
            let new: Vec<ItemId> = ids.into_iter().filter(|id| known.insert(*id)).collect();
            for ids in chunks(new) {
                self.awaiting_want += 1;
                self.outbox.push_back(Message::Have { space, ids });
            }
        }
        Ok(())
    }

    fn maybe_bye(&mut self) {
        if let Side::Initiator { live: false } = self.side {
            if !self.bye_sent && self.quiet() {
                self.bye_sent = true;
                self.outbox.push_back(Message::Bye);
            }
        }
    }

    /// The next message to send: control messages first, then item batches.
    async fn next_outgoing(&mut self) -> Result<Option<Message>, SyncError> {
        if let Some(m) = self.outbox.pop_front() {
            return Ok(Some(m));
        }
        if self.job.is_none() {
            let Some((space, ids, pushed)) = self.wants_to_serve.pop_front() else { return Ok(None) };
            let mut items = with_host(&self.host, move |h| h.items(space, &ids)).await?;
            // Membership operations first, so the receiver knows the authors of the changes.
            items.sort_by_key(|b| SealedChange::decode(b).is_ok());
            let bytes = items.iter().map(|b| b.len() as u64).sum();
            self.job = Some(Job { space, pushed, items: items.into(), bytes });
        }
        let Some(job) = self.job.as_mut() else { return Ok(None) };
        let mut batch = Vec::new();
        let mut size = 0usize;
        while let Some(b) = job.items.front() {
            if !batch.is_empty() && (size + b.len() > BATCH_BYTES || batch.len() >= MAX_ITEMS) {
                break;
            }
            size += b.len();
            if let Some(b) = job.items.pop_front() {
                batch.push(b);
            }
        }
        job.bytes -= size as u64;
        let (space, left_items, left_bytes) = (job.space, job.items.len() as u32, job.bytes);
        let msg = if job.pushed {
            Message::Push { space, left_items, left_bytes, items: batch }
        } else {
            Message::Items { space, left_items, left_bytes, items: batch }
        };
        if job.items.is_empty() {
            self.job = None;
            self.maybe_bye();
        }
        Ok(Some(msg))
    }
}
