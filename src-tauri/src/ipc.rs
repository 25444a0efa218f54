//! The IPC schema: every type that crosses between Rust and the window (the reprisal record's
//! parts in `ipc_reprisal.rs` and the spaces' types in `ipc_spaces.rs`, re-exported or listed
//! here), exported to TypeScript (ui/src/lib/bindings.ts) by the `bindings_are_current` test.
//!
//! These mirror the core's serde shapes field for field; `convert` moves a value across by its
//! JSON form, and `record_shapes_match_the_core` fails when the core gains a field these miss.
//! Vocabulary terms travel as strings and are checked by the core's own parsers on the way in.
//!
//! Must never: carry a key or a passphrase out of Rust (passphrases only travel in).

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use ts_rs::TS;

pub use crate::ipc_checkins::*;
pub use crate::ipc_reprisal::*;

/// An error as the window sees it: a stable code to branch on and a sentence to show.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct IpcError {
    /// Stable machine code (`carenet::Error::code`, or one of the shell's own).
    pub code: String,
    /// A sentence the user can act on (English; the UI translates known codes).
    pub message: String,
}

impl IpcError {
    /// An error of the shell's own.
    pub fn new(code: &str, message: &str) -> Self {
        IpcError { code: code.into(), message: message.into() }
    }

    /// No vault is unlocked in this window.
    pub fn locked() -> Self {
        Self::new("vault_locked", "The vault is locked. Unlock it to continue.")
    }

    /// Something failed inside the shell itself.
    pub fn internal() -> Self {
        Self::new("internal", "Something went wrong inside Carenet. Lock the vault, restart the app and try again.")
    }

    /// Input that broke a limit of the IPC boundary.
    pub fn too_long(field: &str, max: usize) -> Self {
        Self::new("invalid_input", &format!("The {field} is too long: keep it under {max} characters."))
    }
}

impl From<carenet::Error> for IpcError {
    fn from(e: carenet::Error) -> Self {
        IpcError { code: e.code().into(), message: e.to_string() }
    }
}

/// Result of every command.
pub type IpcResult<T> = Result<T, IpcError>;

/// Moves a value between a core type and its IPC mirror through their shared JSON shape.
pub fn convert<A: Serialize, B: DeserializeOwned>(value: &A) -> IpcResult<B> {
    let json = serde_json::to_value(value).map_err(|_| IpcError::internal())?;
    serde_json::from_value(json)
        .map_err(|e| IpcError::new("invalid_input", &format!("Some field of this record is not valid: {e}.")))
}

/// Where the vault stands, as the window needs it to choose a screen.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VaultState {
    /// No vault yet: show "create".
    NoVault,
    /// A vault, locked: show "unlock".
    Locked,
    /// Another process holds it.
    OpenElsewhere,
    /// Unlocked in this window.
    Unlocked,
}

/// A record's kind.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Note.
    Note,
    /// Contact.
    Contact,
    /// Reprisal record.
    Reprisal,
    /// Check-in arrangement.
    #[serde(rename = "checkin")]
    CheckIn,
}

/// One line of a list or of search results.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Summary {
    /// Record id (32 hex digits).
    pub id: String,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Date the record is about (YYYY, YYYY-MM or YYYY-MM-DD).
    pub date: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Created, ms since the epoch.
    #[ts(type = "number")]
    pub created_ms: i64,
    /// Last changed, ms since the epoch.
    #[ts(type = "number")]
    pub updated_ms: i64,
    /// Search score (absent in plain lists).
    #[serde(default)]
    pub score: Option<u32>,
}

/// Part of a list or of search results: how many rows there are in all, and `rows` from
/// `offset` on. The window asks for the pages it draws, so a list of any length crosses IPC a
/// page at a time.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Page {
    /// Rows the whole list has.
    pub total: u32,
    /// Place of the first row of `rows` in the whole list.
    pub offset: u32,
    /// The rows asked for (fewer at the end of the list).
    pub rows: Vec<Summary>,
}

/// A list or search request. Empty text lists everything that passes the filters.
#[derive(Clone, Debug, Serialize, Deserialize, TS, Default)]
pub struct QueryInput {
    /// Words that must all appear.
    pub text: String,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only this tag.
    pub tag: Option<String>,
    /// From this date (YYYY[-MM[-DD]]).
    pub from: Option<String>,
    /// Up to this date.
    pub to: Option<String>,
    /// At most this many (0: the shell's cap).
    pub limit: u32,
}

/// A note.
#[derive(Clone, Debug, Serialize, Deserialize, TS, Default)]
pub struct Note {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Files (changed only by `attach_file` and `remove_file`; a save keeps them as stored).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Ids of files removed from the record (kept as stored by a save, like `attachments`).
    #[serde(default)]
    pub removed_attachments: Vec<String>,
}

/// A contact's risk level.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    /// Not assessed.
    #[default]
    Unknown,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// A way to reach a contact.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// Signal.
    Signal,
    /// Phone.
    Phone,
    /// Email.
    Email,
    /// Matrix.
    Matrix,
    /// Telegram.
    Telegram,
    /// WhatsApp.
    Whatsapp,
    /// In person.
    InPerson,
    /// Other.
    Other,
}

/// One channel.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Channel {
    /// Item id.
    pub id: String,
    /// Which channel.
    pub kind: ChannelKind,
    /// Number, handle or address.
    pub value: String,
}

/// A contact.
#[derive(Clone, Debug, Serialize, Deserialize, TS, Default)]
#[serde(default)]
pub struct Contact {
    /// Pseudonym.
    pub alias: String,
    /// Legal name (sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub real_name: Option<String>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Languages.
    pub languages: Vec<String>,
    /// Coarse location.
    pub location: String,
    /// Organisation.
    pub organisation: String,
    /// Skills.
    pub skills: Vec<String>,
    /// Needs.
    pub needs: Vec<String>,
    /// Risk.
    pub risk: RiskLevel,
    /// Notes.
    pub notes: String,
    /// Ids of the contacts this one alerts.
    pub alerts: Vec<String>,
    /// Ids of the contacts who check on this one.
    pub checked_by: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// Any record, tagged by `type`.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// A note.
    Note(Note),
    /// A contact.
    Contact(Contact),
    /// A reprisal record.
    Reprisal(Reprisal),
    /// A check-in arrangement.
    #[serde(rename = "checkin")]
    CheckIn(CheckIn),
}

/// A record as stored.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct StoredRecord {
    /// Id.
    pub id: String,
    /// Created, ms since the epoch.
    #[ts(type = "number")]
    pub created_ms: i64,
    /// Last changed, ms since the epoch.
    #[ts(type = "number")]
    pub updated_ms: i64,
    /// The record.
    pub record: Record,
}

/// What a save stored.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct SavedRecord {
    /// The record as stored now.
    pub stored: StoredRecord,
    /// What is stored differs from what was saved: changes made elsewhere after the editor
    /// opened the record were kept. The editor should show `stored`.
    pub merged: bool,
    /// The editor's values replaced changes made elsewhere meanwhile (the same field, the same or
    /// neighbouring lines of a text): the editor should say so.
    pub overwrote: bool,
}

/// One contact in the alert tree.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct TreeNode {
    /// Contact id.
    pub id: String,
    /// Alias.
    pub alias: String,
    /// Risk.
    pub risk: RiskLevel,
    /// Already shown higher up.
    pub repeated: bool,
    /// The contacts this one alerts.
    pub children: Vec<TreeNode>,
}

/// A page of the contact tree: some of its roots (contacts nobody alerts, by alias), each with
/// everyone below it.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct TreePage {
    /// Roots the whole tree has.
    pub total: u32,
    /// The roots asked for, from the first (fewer at the end).
    pub roots: Vec<TreeNode>,
}

impl From<&carenet::vault::TreeNode> for TreeNode {
    fn from(n: &carenet::vault::TreeNode) -> Self {
        TreeNode {
            id: n.id.to_string(),
            alias: n.alias.clone(),
            risk: n.risk.into(),
            repeated: n.repeated,
            children: n.children.iter().map(TreeNode::from).collect(),
        }
    }
}

impl From<carenet::model::RiskLevel> for RiskLevel {
    fn from(r: carenet::model::RiskLevel) -> Self {
        match r {
            carenet::model::RiskLevel::Unknown => RiskLevel::Unknown,
            carenet::model::RiskLevel::Low => RiskLevel::Low,
            carenet::model::RiskLevel::Medium => RiskLevel::Medium,
            carenet::model::RiskLevel::High => RiskLevel::High,
        }
    }
}

/// The controlled vocabularies of reprisal records, from the core.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Vocabularies {
    /// Act types.
    pub act_type: Vec<String>,
    /// Mechanisms.
    pub mechanism: Vec<String>,
    /// Engagement forms.
    pub engagement_form: Vec<String>,
    /// Intervention kinds.
    pub intervention_kind: Vec<String>,
    /// What came of an intervention.
    pub intervention_result: Vec<String>,
    /// Source kinds.
    pub source_kind: Vec<String>,
    /// Perpetrator types.
    pub perpetrator_type: Vec<String>,
    /// Event statuses.
    pub event_status: Vec<String>,
    /// Follow-up stages.
    pub follow_up: Vec<String>,
}

/// Preferences kept beside the vault, in clear: they hold no user content.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
#[serde(default)]
pub struct Settings {
    /// UI language: ar, en, es, fr, ru or zh.
    pub language: String,
    /// Minutes without input before the vault locks itself (0: never).
    pub auto_lock_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { language: "en".into(), auto_lock_minutes: 5 }
    }
}

/// Every exported type, in the order bindings.ts lists them.
#[cfg(test)]
pub fn typescript() -> String {
    let decls = [
        IpcError::decl(),
        VaultState::decl(),
        Kind::decl(),
        Summary::decl(),
        Page::decl(),
        QueryInput::decl(),
        Attachment::decl(),
        FileEntry::decl(),
        Note::decl(),
        RiskLevel::decl(),
        ChannelKind::decl(),
        Channel::decl(),
        Contact::decl(),
        PartyKind::decl(),
        Party::decl(),
        Perpetrator::decl(),
        Act::decl(),
        Engagement::decl(),
        Source::decl(),
        ConsentStatus::decl(),
        ShareScope::decl(),
        Identification::decl(),
        Consent::decl(),
        Intervention::decl(),
        Reprisal::decl(),
        Record::decl(),
        StoredRecord::decl(),
        SavedRecord::decl(),
        TreeNode::decl(),
        TreePage::decl(),
        Vocabularies::decl(),
        Settings::decl(),
    ]
    .into_iter()
    .chain(crate::ipc_checkins::declarations())
    .chain(crate::ipc_indicators::declarations())
    .chain(crate::ipc_spaces::declarations())
    .chain(crate::carry::declarations());
    let mut out = String::from(
        "// Generated from src-tauri/src/ipc.rs by `cargo test -p carenet-desktop bindings`.\n// Do not edit: run `UPDATE_BINDINGS=1 cargo test --release -p carenet-desktop bindings` instead.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out
}

/// A file kept with a record, as the record describes it (the core's `Attachment`).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Attachment {
    /// Random id, 32 hex digits.
    pub id: String,
    /// File name.
    pub name: String,
    /// Media type, e.g. image/jpeg.
    pub media_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Number of parts it travels in.
    pub parts: u32,
    /// When the evidence was captured, ms since the epoch, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub captured_ms: Option<i64>,
    /// When it was added, ms since the epoch.
    #[ts(type = "number")]
    pub added_ms: i64,
    /// The adding device's key, hex.
    pub device: String,
    /// That device's signature over the description, hex.
    pub signature: String,
}

/// A record's file and who vouches for it.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct FileEntry {
    /// The description.
    pub file: Attachment,
    /// The description's signature verifies with the device key it names.
    pub signature_valid: bool,
    /// That key is this device's.
    pub this_device: bool,
    /// The name that device goes by in a space shared with it (self-chosen, not verified).
    pub signer_name: Option<String>,
}
