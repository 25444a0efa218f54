//! The IPC types of spaces and sync (the rest of the schema is in `ipc`), exported to
//! TypeScript with them by the `bindings_are_current` test.
//!
//! Must never: carry a key, a passphrase or record content (only ids, names the user chose for
//! spaces and members, counts and public tickets).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A QR code as SVG path data: one `M x y h1v1h-1z` square per dark module.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct QrCode {
    /// Width and height in modules, margin included (the SVG viewBox).
    pub size: u32,
    /// The path's `d` attribute.
    pub path: String,
}

/// A line of text to give to someone, and the same as a QR code when it fits one.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Shown {
    /// The text.
    pub text: String,
    /// Its QR code (absent when the text is too long for one).
    pub qr: Option<QrCode>,
}

/// This device's member card, to send to a coordinator.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct MemberCardView {
    /// The card (`carenet-card1:...`) and its QR code.
    pub card: Shown,
    /// Short fingerprint to compare aloud.
    pub fingerprint: String,
}

/// A member's role in a space.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Adds and removes members; reads and writes.
    Coordinator,
    /// Reads and writes.
    Member,
    /// Carries what it cannot read.
    Courier,
}

/// A space as this device holds it.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct SpaceView {
    /// Space id (32 hex digits).
    pub id: String,
    /// Its name (absent when this device only carries it and cannot read it).
    pub name: Option<String>,
    /// This device's role (absent for a carried space).
    pub role: Option<Role>,
    /// Current key epoch.
    pub epoch: u32,
    /// Active members and couriers.
    pub members: u32,
    /// True when this device carries it without reading it.
    pub carried: bool,
    /// Records of the space held here.
    pub records: u32,
    /// True while its records are stowed for travel (removed from this device).
    pub stowed: bool,
}

/// A member of a space.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct MemberView {
    /// Device key (64 hex digits).
    pub device: String,
    /// Display name, when readable here.
    pub name: Option<String>,
    /// Role.
    pub role: Role,
    /// True once removed.
    pub removed: bool,
    /// True for this device.
    pub this_device: bool,
}

/// What the sync node of this window is doing.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SyncMode {
    /// Offline: no endpoint, nothing listening.
    Idle,
    /// Waiting for peers that hold this device's ticket.
    Listening,
    /// Announcing itself on the local network and syncing with who answers, until `ends_ms`.
    Nearby,
}

/// One device met during this session.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct PeerSeen {
    /// Device key (64 hex digits).
    pub device: String,
    /// Its display name, when it is a member of a space held here.
    pub name: Option<String>,
    /// Spaces both hold.
    pub spaces: u32,
    /// Items received from it.
    #[ts(type = "number")]
    pub received_items: u64,
    /// True while connected.
    pub connected: bool,
    /// Error code of its last connection, if it failed.
    pub error: Option<String>,
    /// Last contact, ms since the epoch.
    #[ts(type = "number")]
    pub last_ms: i64,
}

/// The sync status the window polls while the sync screen is open.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// What the node is doing.
    pub mode: SyncMode,
    /// This device's sync ticket while listening or nearby.
    pub ticket: Option<Shown>,
    /// When "sync nearby" stops by itself, ms since the epoch.
    #[ts(type = "number | null")]
    pub ends_ms: Option<i64>,
    /// This machine's clock when the status was read (the countdown is `ends_ms - now_ms`).
    #[ts(type = "number")]
    pub now_ms: i64,
    /// Devices met since unlock.
    pub peers: Vec<PeerSeen>,
    /// Items still to receive in the current exchange.
    #[ts(type = "number")]
    pub items_to_go: u64,
    /// Bytes still to receive in the current exchange.
    #[ts(type = "number")]
    pub bytes_to_go: u64,
    /// Items received in the current exchange so far.
    #[ts(type = "number")]
    pub items_done: u64,
    /// Bytes received in the current exchange so far.
    #[ts(type = "number")]
    pub bytes_done: u64,
    /// The last completed exchange since unlock, ms since the epoch.
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
}

/// What one sync by ticket moved.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct SyncResult {
    /// Items received and stored.
    #[ts(type = "number")]
    pub received_items: u64,
    /// Items sent.
    #[ts(type = "number")]
    pub sent_items: u64,
}

/// Travel mode for one space: whether it can be stowed (its records removed from this device
/// because another device is confirmed to hold all of them), or is stowed.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct TravelView {
    /// The device a finished sync last confirmed holding all of the space (hex).
    pub held_by: Option<String>,
    /// That device's display name, when this device can read it.
    pub held_by_name: Option<String>,
    /// When that sync ended, ms since the epoch.
    #[ts(type = "number | null")]
    pub held_at_ms: Option<i64>,
    /// True when nothing was added here since: stowing is possible now.
    pub can_stow: bool,
    /// True while the space's records are removed from this device.
    pub stowed: bool,
    /// When it was stowed, ms since the epoch.
    #[ts(type = "number | null")]
    pub stowed_at_ms: Option<i64>,
    /// Records removed by stowing.
    pub stowed_records: u32,
    /// True once the user asked for it back: the next sync with a member restores it.
    pub returning: bool,
}

/// Every type of this module, for bindings.ts.
#[cfg(test)]
pub fn declarations() -> Vec<String> {
    vec![
        QrCode::decl(),
        Shown::decl(),
        MemberCardView::decl(),
        Role::decl(),
        SpaceView::decl(),
        TravelView::decl(),
        MemberView::decl(),
        SyncMode::decl(),
        PeerSeen::decl(),
        SyncStatus::decl(),
        SyncResult::decl(),
    ]
}
