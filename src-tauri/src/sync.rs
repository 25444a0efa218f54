//! Sync from the window: one iroh node at a time inside the app's tokio runtime, started only
//! when the user asks (listen, sync by ticket, sync nearby) and closed by "stop", by the end of
//! the nearby countdown, or by locking the vault. Progress reaches the window by polling
//! `sync_status` (events would need the core event plugin in the capability; polling needs
//! nothing more and shows the same counts).
//!
//! Must never: start a node on its own, keep one after the vault is locked, announce the device
//! on the LAN outside "sync nearby", or log a device key or anything a record holds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carenet::model::SpaceId;
use carenet::sync::{ItemId, Node, NodeOptions, SyncEvent, SyncHost, Ticket};
use carenet::Vault;
use tokio::task::JoinHandle;

use crate::commands::State;
use crate::ipc::{IpcError, IpcResult};
use crate::ipc_spaces::{PeerSeen, Shown, SyncMode, SyncResult, SyncStatus};

/// Longest sync ticket accepted across IPC, in bytes.
pub const MAX_TICKET: usize = 4096;
/// Longest "sync nearby" run, in minutes.
pub const MAX_NEARBY_MINUTES: u32 = 30;

/// The window's vault as the sync host: while it is locked every call fails and nothing moves.
pub struct AppHost(pub Arc<Mutex<Option<Vault>>>);

impl AppHost {
    fn with<T>(&self, f: impl FnOnce(&mut Vault) -> carenet::Result<T>) -> carenet::Result<T> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut().ok_or_else(|| carenet::Error::invalid("The vault is locked."))?)
    }
}

impl SyncHost for AppHost {
    fn shared_spaces(&self, peer: &[u8; 32]) -> carenet::Result<Vec<SpaceId>> {
        self.with(|v| v.shared_spaces(peer))
    }
    fn item_ids(&self, space: SpaceId) -> carenet::Result<Vec<ItemId>> {
        self.with(|v| v.item_ids(space))
    }
    fn items(&self, space: SpaceId, ids: &[ItemId]) -> carenet::Result<Vec<Vec<u8>>> {
        self.with(|v| v.items(space, ids))
    }
    fn ingest(&mut self, space: SpaceId, items: Vec<Vec<u8>>) -> carenet::Result<usize> {
        self.with(|v| SyncHost::ingest(v, space, items))
    }
    fn change_counter(&self) -> u64 {
        self.with(|v| Ok(v.change_count())).unwrap_or(0)
    }
    fn peer_holds(
        &mut self,
        peer: &[u8; 32],
        space: SpaceId,
        held: &std::collections::HashSet<ItemId>,
    ) -> carenet::Result<()> {
        self.with(|v| SyncHost::peer_holds(v, peer, space, held))
    }
}

#[derive(Default)]
struct Peer {
    spaces: u32,
    received_items: u64,
    connected: bool,
    error: Option<String>,
    last_ms: i64,
}

/// Counts gathered from the node's events (no content, no key leaves this struct but as hex).
#[derive(Default)]
struct Progress {
    peers: BTreeMap<[u8; 32], Peer>,
    items_to_go: u64,
    bytes_to_go: u64,
    items_done: u64,
    bytes_done: u64,
    last_sync_ms: Option<i64>,
}

impl Progress {
    fn apply(&mut self, ev: SyncEvent) {
        let now = now_ms();
        match ev {
            SyncEvent::Connected { peer, spaces } => {
                let p = self.peers.entry(peer).or_default();
                (p.connected, p.spaces, p.error, p.last_ms) = (true, spaces as u32, None, now);
                (self.items_done, self.bytes_done) = (0, 0);
            }
            SyncEvent::Progress { peer, received, left_items, left_bytes, .. } => {
                let p = self.peers.entry(peer).or_default();
                p.received_items += received;
                p.last_ms = now;
                let done_bytes = self.bytes_to_go.saturating_sub(left_bytes);
                self.items_done += received;
                self.bytes_done += done_bytes;
                (self.items_to_go, self.bytes_to_go) = (left_items, left_bytes);
            }
            SyncEvent::Closed { peer, code } => {
                let p = self.peers.entry(peer).or_default();
                (p.connected, p.error, p.last_ms) = (false, code.map(str::to_owned), now);
                (self.items_to_go, self.bytes_to_go) = (0, 0);
                if code.is_none() {
                    self.last_sync_ms = Some(now);
                }
            }
        }
    }
}

struct Running {
    node: Arc<Node<AppHost>>,
    mode: SyncMode,
    ticket: Shown,
    ends_ms: Option<i64>,
    /// Counts the node's events into `Progress` until told to stop (then counts what is queued).
    listener: JoinHandle<()>,
    stop_listener: tokio::sync::oneshot::Sender<()>,
    tasks: Vec<JoinHandle<()>>,
}

/// The sync side of the app's state.
pub struct Sync {
    vault: Arc<Mutex<Option<Vault>>>,
    running: tokio::sync::Mutex<Option<Running>>,
    progress: Arc<Mutex<Progress>>,
    /// Where the node binds (tests: loopback; the app: every interface, any port).
    bind: Option<std::net::SocketAddr>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn net(e: carenet::sync::SyncError) -> IpcError {
    carenet::Error::from(e).into()
}

impl Sync {
    /// Sync over `vault`; `bind` pins the address (None: every interface, a free port).
    pub fn new(vault: Arc<Mutex<Option<Vault>>>, bind: Option<std::net::SocketAddr>) -> Self {
        Sync { vault, running: tokio::sync::Mutex::new(None), progress: Arc::default(), bind }
    }

    fn secret(&self) -> IpcResult<zeroize::Zeroizing<[u8; 32]>> {
        let guard = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        Ok(guard.as_ref().ok_or_else(IpcError::locked)?.device_secret())
    }

    async fn start(&self, nearby: bool) -> IpcResult<Running> {
        let secret = self.secret()?;
        let host = Arc::new(Mutex::new(AppHost(self.vault.clone())));
        let opts = NodeOptions { relay: None, bind: self.bind, nearby };
        let node = Arc::new(Node::start(host, &secret, opts).await.map_err(net)?);
        let (stop_listener, stopped) = tokio::sync::oneshot::channel();
        let listener = tokio::spawn(count_events(node.subscribe(), self.progress.clone(), stopped));
        let serving = node.serve();
        let ticket = crate::spaces::shown(node.ticket().await.to_string());
        let mode = if nearby { SyncMode::Nearby } else { SyncMode::Listening };
        Ok(Running { node, mode, ticket, ends_ms: None, listener, stop_listener, tasks: vec![serving] })
    }

    /// Waits for peers holding this device's ticket; returns the ticket (text and QR).
    pub async fn listen(&self) -> IpcResult<Shown> {
        let mut running = self.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Ok(r.ticket.clone());
        }
        let r = self.start(false).await?;
        let ticket = r.ticket.clone();
        *running = Some(r);
        tracing::info!("sync listening");
        Ok(ticket)
    }

    /// Syncs once with the device of `ticket`, on the running node or a node of its own.
    pub async fn with_ticket(&self, ticket: &str) -> IpcResult<SyncResult> {
        if ticket.len() > MAX_TICKET {
            return Err(IpcError::too_long("sync ticket", MAX_TICKET));
        }
        let ticket: Ticket = ticket.parse().map_err(net)?;
        let existing = self.running.lock().await.as_ref().map(|r| r.node.clone());
        let (node, own) = match existing {
            Some(n) => (n, None),
            None => {
                let r = self.start(false).await?;
                (r.node.clone(), Some(r))
            }
        };
        let result = node.sync_with(&ticket).await;
        if let Some(r) = own {
            finish(r).await;
        }
        let s = result.map_err(net)?;
        // The exchange ended well: that is the last sync, whether or not the node's own `Closed`
        // event has been counted yet (a node that keeps listening counts it a moment later).
        self.progress.lock().unwrap_or_else(|p| p.into_inner()).last_sync_ms = Some(now_ms());
        Ok(SyncResult { received_items: s.received_items, sent_items: s.sent_items })
    }

    /// "Sync nearby" for `minutes`: announces this device on the LAN and syncs with every
    /// Carenet device that answers, then stops by itself.
    pub async fn nearby(self: &Arc<Self>, minutes: u32) -> IpcResult<SyncStatus> {
        if minutes == 0 || minutes > MAX_NEARBY_MINUTES {
            return Err(IpcError::new("invalid_input", &format!("Choose between 1 and {MAX_NEARBY_MINUTES} minutes.")));
        }
        {
            let mut running = self.running.lock().await;
            if let Some(r) = running.take() {
                finish(r).await;
            }
            let mut r = self.start(true).await?;
            let duration = Duration::from_secs(u64::from(minutes) * 60);
            r.ends_ms = Some(now_ms() + duration.as_millis() as i64);
            let (node, me) = (r.node.clone(), Arc::downgrade(self));
            r.tasks.push(tokio::spawn(async move {
                let _ = node.sync_nearby(duration).await;
                if let Some(me) = me.upgrade() {
                    me.stop_if(SyncMode::Nearby).await;
                }
            }));
            *running = Some(r);
        }
        tracing::info!(minutes, "sync nearby started");
        Ok(self.status())
    }

    async fn stop_if(&self, mode: SyncMode) {
        let mut running = self.running.lock().await;
        if running.as_ref().is_some_and(|r| r.mode == mode) {
            if let Some(r) = running.take() {
                finish(r).await;
            }
        }
    }

    /// Closes the node: nothing listens or announces any more.
    pub async fn stop(&self) {
        if let Some(r) = self.running.lock().await.take() {
            finish(r).await;
            tracing::info!("sync stopped");
        }
    }

    /// What the window shows: mode, ticket, countdown, peers and progress.
    pub fn status(&self) -> SyncStatus {
        let (mode, ticket, ends_ms) = match self.running.try_lock().ok().as_deref().and_then(Option::as_ref) {
            Some(r) => (r.mode, Some(r.ticket.clone()), r.ends_ms),
            None => (SyncMode::Idle, None, None),
        };
        let names = self.member_names();
        let p = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        SyncStatus {
            mode,
            ticket,
            ends_ms,
            now_ms: now_ms(),
            peers: p
                .peers
                .iter()
                .map(|(k, v)| PeerSeen {
                    device: hex::encode(k),
                    name: names.get(k).cloned(),
                    spaces: v.spaces,
                    received_items: v.received_items,
                    connected: v.connected,
                    error: v.error.clone(),
                    last_ms: v.last_ms,
                })
                .collect(),
            items_to_go: p.items_to_go,
            bytes_to_go: p.bytes_to_go,
            items_done: p.items_done,
            bytes_done: p.bytes_done,
            last_sync_ms: p.last_sync_ms,
        }
    }

    fn member_names(&self) -> BTreeMap<[u8; 32], String> {
        let guard = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        let Some(v) = guard.as_ref() else { return BTreeMap::new() };
        v.spaces()
            .iter()
            .filter_map(|s| v.space_members(&s.id).ok())
            .flatten()
            .filter_map(|m| Some((m.device, m.name?)))
            .collect()
    }

    /// Forgets the session's peers and progress (the vault was locked).
    pub fn forget(&self) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = Progress::default();
    }
}

/// Applies a node's events to `progress` until `stopped` fires, then applies those already sent
/// (a sync that just ended has sent its `Closed`, which sets the last sync time) and ends. Events
/// missed because this fell behind (`Lagged`) are skipped, not a reason to stop counting.
async fn count_events(
    mut events: tokio::sync::broadcast::Receiver<SyncEvent>,
    progress: Arc<Mutex<Progress>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    let apply = |ev| progress.lock().unwrap_or_else(|p| p.into_inner()).apply(ev);
    loop {
        tokio::select! {
            biased;
            ev = events.recv() => match ev {
                Ok(ev) => apply(ev),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
            _ = &mut stopped => loop {
                match events.try_recv() {
                    Ok(ev) => apply(ev),
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(TryRecvError::Empty | TryRecvError::Closed) => return,
                }
            },
        }
    }
}

async fn finish(r: Running) {
    r.node.close().await;
    // Everything the node sent before it closed is counted before the status is read again.
    let _ = r.stop_listener.send(());
    let _ = r.listener.await;
    for t in r.tasks {
        t.abort();
    }
}

fn sync(state: &State<'_>) -> Arc<Sync> {
    state.sync.clone()
}

/// Waits for peers: returns this device's sync ticket (text and QR).
#[tauri::command]
pub async fn sync_listen(state: State<'_>) -> IpcResult<Shown> {
    sync(&state).listen().await
}

/// Syncs once with the device of a pasted ticket.
#[tauri::command]
pub async fn sync_with_ticket(state: State<'_>, ticket: String) -> IpcResult<SyncResult> {
    sync(&state).with_ticket(&ticket).await
}

/// "Sync nearby" for a few minutes; stops by itself.
#[tauri::command]
pub async fn sync_nearby(state: State<'_>, minutes: u32) -> IpcResult<SyncStatus> {
    sync(&state).nearby(minutes).await
}

/// Stops listening or syncing nearby.
#[tauri::command]
pub async fn sync_stop(state: State<'_>) -> IpcResult<()> {
    sync(&state).stop().await;
    Ok(())
}

/// Mode, ticket, countdown, peers seen, changes and bytes to go, last sync time.
#[tauri::command]
pub async fn sync_status(state: State<'_>) -> IpcResult<SyncStatus> {
    Ok(sync(&state).status())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(received: u64, left_items: u64) -> SyncEvent {
        SyncEvent::Progress { peer: [7; 32], space: SpaceId([1; 16]), received, left_items, left_bytes: 0 }
    }

    /// The counting task survives falling behind (`Lagged`), and once told to stop it counts what
    /// was already sent before it ends, so a sync's end is never lost.
    #[tokio::test]
    async fn events_are_counted_after_a_lag_and_drained_when_stopped() {
        let (tx, rx) = tokio::sync::broadcast::channel(2);
        let progress = Arc::new(Mutex::new(Progress::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        // Four batches into a channel of two before the task runs: the first two are lost.
        for _ in 0..4 {
            tx.send(batch(10, 5)).unwrap();
        }
        let task = tokio::spawn(count_events(rx, progress.clone(), stopped));
        for _ in 0..100 {
            if progress.lock().unwrap().peers.get(&[7; 32]).is_some_and(|p| p.received_items == 20) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(progress.lock().unwrap().peers[&[7; 32]].received_items, 20, "counting went on after the lag");
        // The end of a sync, then the stop at once: the end is counted before the task ends.
        tx.send(batch(3, 0)).unwrap();
        tx.send(SyncEvent::Closed { peer: [7; 32], code: None }).unwrap();
        stop.send(()).unwrap();
        task.await.unwrap();
        let p = progress.lock().unwrap();
        assert_eq!(p.peers[&[7; 32]].received_items, 23);
        assert!(p.last_sync_ms.is_some() && p.items_to_go == 0 && !p.peers[&[7; 32]].connected);
    }
}
