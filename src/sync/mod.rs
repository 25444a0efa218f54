//! Peer-to-peer sync over iroh: what moves a space's items (signed membership operations and
//! sealed changes) between devices, and nothing else.
//!
//! - `message`: the framed, versioned, bounded wire messages.
//! - `session`: one connection's state machine (hello, range reconciliation, have/want/items).
//! - `node`: the iroh endpoint (device key, no relays unless asked, no port mapping, no 0-RTT),
//!   tickets, the accept loop, one-shot and live sync, "sync nearby" over mDNS.
//! - `memory`: an in-memory [`SyncHost`] (items checked like the vault checks them) for tests and
//!   benchmarks until the vault's space store is the host.
//!
//! The vault behind a [`SyncHost`] decides what is valid: sync only moves bytes it is asked for,
//! never feeds automerge sync messages from the network, and never decrypts anything.

pub mod memory;
pub mod message;
pub mod node;
mod session;
pub mod ticket;
pub mod vault_host;

pub use message::{ItemId, Message};
pub use node::{Node, NodeOptions, SyncEvent, SyncSummary};
pub use ticket::Ticket;

use crate::model::SpaceId;

/// What sync needs from the store of spaces (the vault, or a courier's mailbox).
///
/// Calls are synchronous (the vault is rusqlite); sync runs them on tokio's blocking pool.
pub trait SyncHost: Send + 'static {
    /// Spaces held here in which `peer` (an Ed25519 device key) is an active member or courier.
    fn shared_spaces(&self, peer: &[u8; 32]) -> crate::Result<Vec<SpaceId>>;
    /// Ids (BLAKE3 of the bytes) of every item held for `space`.
    fn item_ids(&self, space: SpaceId) -> crate::Result<Vec<ItemId>>;
    /// The bytes of those of `ids` that are held (others are left out).
    fn items(&self, space: SpaceId, ids: &[ItemId]) -> crate::Result<Vec<Vec<u8>>>;
    /// Verifies every item, stores all or nothing, applies; idempotent. Returns how many were new.
    fn ingest(&mut self, space: SpaceId, items: Vec<Vec<u8>>) -> crate::Result<usize>;
    /// A number that changes whenever items are added here (polled by live connections).
    fn change_counter(&self) -> u64;
    /// Called when a one-shot sync with `peer` ended normally: the peer holds every item of
    /// `space` in `held` (what this side held when the sync began and what it received).
    /// Travel mode keeps this as its confirmation; hosts without it ignore it.
    fn peer_holds(
        &mut self,
        _peer: &[u8; 32],
        _space: SpaceId,
        _held: &std::collections::HashSet<ItemId>,
    ) -> crate::Result<()> {
        Ok(())
    }
}

/// QUIC close codes: why a connection ended (sent to the peer, carried in errors).
pub mod close {
    /// Everything synced; a normal end.
    pub const DONE: u32 = 0;
    /// The peer shares no space with this device.
    pub const NOT_MEMBER: u32 = 1;
    /// The peer speaks an unknown protocol version.
    pub const UNKNOWN_VERSION: u32 = 2;
    /// A message longer than the protocol allows.
    pub const OVERSIZE: u32 = 3;
    /// A malformed, replayed, re-ordered or unexpected message.
    pub const PROTOCOL: u32 = 4;
    /// An item failed verification (forged signature, tampered ciphertext, not a member...).
    pub const REFUSED_ITEM: u32 = 5;
    /// This side failed (its store could not be read or written).
    pub const LOCAL: u32 = 6;
    /// This side verified a batch but could not store it (disk full, I/O error); nothing of it
    /// was kept, and the sending side did nothing wrong.
    pub const STORAGE: u32 = 7;
}

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The other device is not a member or courier of any space held here.
    #[error("The other device shares no space with this one, so nothing was exchanged.")]
    NotMember,
    /// Protocol version mismatch.
    #[error("The other device speaks sync version {0}, which this Carenet does not know. Update both devices to the same version.")]
    UnknownVersion(u8),
    /// A message exceeded the protocol's bounds.
    #[error("The other device sent a message larger than allowed; the connection was closed and nothing from that message was kept.")]
    Oversize,
    /// A malformed, replayed, re-ordered or unexpected message.
    #[error("The other device broke the sync protocol ({0}); the connection was closed.")]
    Protocol(&'static str),
    /// An item failed verification.
    #[error("The other device sent data that failed verification ({0}); the connection was closed and that batch was not stored.")]
    RefusedItem(&'static str),
    /// A verified batch could not be stored here (disk full, I/O error); nothing of it was kept.
    #[error("This device could not store what the other device sent ({0}); nothing from that batch was kept. Free some disk space or check the vault folder, then sync again.")]
    Storage(&'static str),
    /// The other device could not store what this one sent (its disk may be full).
    #[error("The other device could not store what this one sent (its disk may be full or failing); nothing was lost here. Sync again once it has room.")]
    PeerStorage,
    /// The peer closed the connection with a code.
    #[error("The other device ended the sync (reason code {0}).")]
    Closed(u32),
    /// Network failure.
    #[error("Could not reach or keep talking to the other device: {0}. Check that it is running `carenet sync --listen` and that both are on the same network.")]
    Network(String),
    /// A ticket could not be read.
    #[error("That is not a Carenet sync ticket ({0}). Copy the whole line that `carenet sync --listen` printed.")]
    Ticket(&'static str),
    /// The local store failed.
    #[error("This device's vault could not be used for sync: {0}")]
    Local(String),
}

impl SyncError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotMember => "sync_not_member",
            SyncError::UnknownVersion(_) => "sync_unknown_version",
            SyncError::Oversize => "sync_oversize",
            SyncError::Protocol(_) => "sync_protocol",
            SyncError::RefusedItem(_) => "sync_refused_item",
            SyncError::Storage(_) => "sync_storage",
            SyncError::PeerStorage => "sync_peer_storage",
            SyncError::Closed(_) => "sync_closed",
            SyncError::Network(_) => "sync_network",
            SyncError::Ticket(_) => "sync_ticket",
            SyncError::Local(_) => "sync_local",
        }
    }

    /// The close code sent to the peer when this error ends a connection.
    pub fn close_code(&self) -> u32 {
        match self {
            SyncError::NotMember => close::NOT_MEMBER,
            SyncError::UnknownVersion(_) => close::UNKNOWN_VERSION,
            SyncError::Oversize => close::OVERSIZE,
            SyncError::Protocol(_) => close::PROTOCOL,
            SyncError::RefusedItem(_) => close::REFUSED_ITEM,
            SyncError::Storage(_) => close::STORAGE,
            SyncError::PeerStorage | SyncError::Closed(_) | SyncError::Network(_) | SyncError::Ticket(_) => close::DONE,
            SyncError::Local(_) => close::LOCAL,
        }
    }
}

impl From<message::FrameError> for SyncError {
    fn from(e: message::FrameError) -> Self {
        match e {
            message::FrameError::Malformed => SyncError::Protocol("malformed message"),
            message::FrameError::Oversize => SyncError::Oversize,
            message::FrameError::UnknownVersion(v) => SyncError::UnknownVersion(v),
        }
    }
}

/// The id of an item: the BLAKE3 hash of its bytes.
pub fn item_id(bytes: &[u8]) -> ItemId {
    *blake3::hash(bytes).as_bytes()
}
