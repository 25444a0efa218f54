//! The iroh endpoint of this device and what runs on it: serving peers, syncing with a ticket,
//! staying connected (live), and "sync nearby".
//!
//! Configured for a world without internet: `presets::Minimal` (no DNS or pkarr lookup), the
//! device key as endpoint key, relays off unless a self-hosted relay URL is given, no port mapping
//! (the feature is not even compiled in), no TLS session tickets (so no 0-RTT), and never
//! `Endpoint::online()`. mDNS runs only inside [`Node::sync_nearby`] on a node started with
//! `nearby: true`; such a node announces this device's key and addresses to the whole LAN until
//! it is closed.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iroh::endpoint::presets;
use iroh::{Endpoint, EndpointAddr, RelayMode, RelayUrl, SecretKey};
use iroh_mdns_address_lookup::{DiscoveryEvent, MdnsAddressLookup};
use tokio::sync::{broadcast, Semaphore};

use super::session::{self, Side};
use super::{SyncError, SyncHost, Ticket};
use crate::model::SpaceId;

/// The ALPN of Carenet sync (the protocol version travels in the hello).
pub const ALPN: &[u8] = b"carenet/sync";
/// Most connections served at once.
const MAX_CONNECTIONS: usize = 64;
/// mDNS service name, so only Carenet devices find each other.
const MDNS_SERVICE: &str = "carenet-sync";

/// How to start a node.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// A self-hosted iroh-relay URL; `None` (the default) keeps relays off.
    pub relay: Option<String>,
    /// Bind to this address instead of every interface (port 0: any free port).
    pub bind: Option<SocketAddr>,
    /// Announce and look up peers on the LAN by mDNS (only for "sync nearby").
    pub nearby: bool,
}

/// What a node tells its listeners (the UI): counts and ids only, never content.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// A peer passed the membership check and the hellos were exchanged.
    Connected {
        /// The peer's device key.
        peer: [u8; 32],
        /// How many spaces both hold.
        spaces: usize,
    },
    /// Items arrived and were stored.
    Progress {
        /// The peer.
        peer: [u8; 32],
        /// The space.
        space: SpaceId,
        /// Items in this batch.
        received: u64,
        /// Items still to come for the current request.
        left_items: u64,
        /// Bytes still to come for the current request.
        left_bytes: u64,
    },
    /// A connection ended; `code` is the error code when it failed.
    Closed {
        /// The peer.
        peer: [u8; 32],
        /// The error code, if any.
        code: Option<&'static str>,
    },
}

/// What one sync moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncSummary {
    /// Items received and stored.
    pub received_items: u64,
    /// Their bytes.
    pub received_bytes: u64,
    /// Items sent.
    pub sent_items: u64,
    /// Their bytes.
    pub sent_bytes: u64,
    /// Every byte of frames sent (protocol overhead included, QUIC's excluded).
    pub wire_bytes_sent: u64,
    /// Every byte of frames received.
    pub wire_bytes_received: u64,
}

/// This device on the network.
pub struct Node<H: SyncHost> {
    endpoint: Endpoint,
    host: Arc<Mutex<H>>,
    events: broadcast::Sender<SyncEvent>,
    mdns: Option<MdnsAddressLookup>,
    relay: Option<String>,
}

impl<H: SyncHost> Node<H> {
    /// Binds the endpoint with the device's Ed25519 secret key.
    pub async fn start(host: Arc<Mutex<H>>, device_secret: &[u8; 32], opts: NodeOptions) -> Result<Self, SyncError> {
        let relay_mode = match &opts.relay {
            Some(url) => {
                let url: RelayUrl = url.parse().map_err(|_| SyncError::Network("the relay URL is not valid".into()))?;
                RelayMode::custom([url])
            }
            None => RelayMode::Disabled,
        };
        let mut builder = Endpoint::builder(presets::Minimal)
            .secret_key(SecretKey::from_bytes(device_secret))
            .alpns(vec![ALPN.to_vec()])
            .relay_mode(relay_mode)
            .max_tls_tickets(0);
        if let Some(addr) = opts.bind {
            builder = builder.bind_addr(addr).map_err(|e| SyncError::Network(e.to_string()))?;
        }
        let endpoint = builder.bind().await.map_err(|e| SyncError::Network(e.to_string()))?;
        let mdns = if opts.nearby {
            let mdns = MdnsAddressLookup::builder()
                .service_name(MDNS_SERVICE)
                .build(endpoint.id())
                .map_err(|e| SyncError::Network(e.to_string()))?;
            endpoint.address_lookup().map_err(|e| SyncError::Network(e.to_string()))?.add(mdns.clone());
            Some(mdns)
        } else {
            None
        };
        let (events, _) = broadcast::channel(1024);
        Ok(Node { endpoint, host, events, mdns, relay: opts.relay })
    }

    /// This device's key (its endpoint id).
    pub fn id(&self) -> [u8; 32] {
        *self.endpoint.id().as_bytes()
    }

    /// A ticket naming this device and the addresses it listens on.
    pub async fn ticket(&self) -> Ticket {
        // Interface addresses are gathered right after binding; give them a moment.
        for _ in 0..20 {
            if self.endpoint.addr().ip_addrs().next().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut addrs: Vec<SocketAddr> = self.endpoint.addr().ip_addrs().copied().collect();
        for s in self.endpoint.bound_sockets() {
            let local = match s.ip() {
                IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), s.port()),
                IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), s.port()),
                _ => s,
            };
            if !addrs.contains(&local) {
                addrs.push(local);
            }
        }
        addrs.truncate(16);
        Ticket { device: self.id(), addrs, relay: self.relay.clone() }
    }

    /// Listens for what this node reports (connections, progress, ends).
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    /// Serves peers until the node is closed: each connection runs on its own task, so a
    /// misbehaving peer only loses its own connection.
    pub fn serve(&self) -> tokio::task::JoinHandle<()> {
        let endpoint = self.endpoint.clone();
        let host = self.host.clone();
        let events = self.events.clone();
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        tokio::spawn(async move {
            while let Some(incoming) = endpoint.accept().await {
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    incoming.refuse();
                    continue;
                };
                let host = host.clone();
                let events = events.clone();
                tokio::spawn(async move {
                    if let Ok(conn) = incoming.await {
                        let _ = session::run(host, conn, Side::Responder, events).await;
                    }
                    drop(slot);
                });
            }
        })
    }

    async fn dial(&self, addr: EndpointAddr) -> Result<iroh::endpoint::Connection, SyncError> {
        tokio::time::timeout(Duration::from_secs(20), self.endpoint.connect(addr, ALPN))
            .await
            .map_err(|_| SyncError::Network("no answer within 20 seconds".into()))?
            .map_err(|e| SyncError::Network(e.to_string()))
    }

    /// Syncs once with the device of `ticket`: both end up holding what either held of the
    /// spaces they share.
    pub async fn sync_with(&self, ticket: &Ticket) -> Result<SyncSummary, SyncError> {
        let conn = self.dial(ticket.endpoint_addr()?).await?;
        session::run(self.host.clone(), conn, Side::Initiator { live: false }, self.events.clone()).await
    }

    /// Syncs with the device of `ticket` and stays connected, pushing new local items as they
    /// come, until the connection fails or the returned task is aborted.
    pub async fn sync_live(
        &self,
        ticket: &Ticket,
    ) -> Result<tokio::task::JoinHandle<Result<SyncSummary, SyncError>>, SyncError> {
        let conn = self.dial(ticket.endpoint_addr()?).await?;
        let host = self.host.clone();
        let events = self.events.clone();
        Ok(tokio::spawn(session::run(host, conn, Side::Initiator { live: true }, events)))
    }

    /// "Sync nearby": for `duration`, finds Carenet devices on the LAN by mDNS and syncs once
    /// with each (the device with the smaller key dials; the other is served by [`Node::serve`]).
    /// Needs a node started with `nearby: true`. Returns each dialled peer and its outcome.
    pub async fn sync_nearby(
        &self,
        duration: Duration,
    ) -> Result<Vec<([u8; 32], Result<SyncSummary, SyncError>)>, SyncError> {
        let mdns = self.mdns.as_ref().ok_or(SyncError::Network("this node was not started for sync nearby".into()))?;
        let mut found = mdns.subscribe().await;
        let me = self.id();
        let mut seen = HashSet::new();
        let mut tasks = tokio::task::JoinSet::new();
        let deadline = tokio::time::sleep(duration);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                ev = futures_next(&mut found) => match ev {
                    Some(DiscoveryEvent::Discovered { endpoint_info, .. }) => {
                        let addr = endpoint_info.into_endpoint_addr();
                        let peer = *addr.id.as_bytes();
                        if peer > me && seen.insert(peer) {
                            let host = self.host.clone();
                            let events = self.events.clone();
                            let endpoint = self.endpoint.clone();
                            tasks.spawn(async move {
                                let conn = match tokio::time::timeout(Duration::from_secs(20), endpoint.connect(addr, ALPN)).await {
                                    Ok(Ok(c)) => c,
                                    Ok(Err(e)) => return (peer, Err(SyncError::Network(e.to_string()))),
                                    Err(_) => return (peer, Err(SyncError::Network("no answer".into()))),
                                };
                                (peer, session::run(host, conn, Side::Initiator { live: false }, events).await)
                            });
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
            }
        }
        let mut out = Vec::new();
        while let Some(r) = tasks.join_next().await {
            if let Ok(r) = r {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Closes every connection and the endpoint (mDNS announcements stop with it).
    pub async fn close(&self) {
        self.endpoint.close().await;
    }
}

async fn futures_next<S: n0_future::Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    n0_future::StreamExt::next(s).await
}
