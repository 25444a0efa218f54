//! The error type every public function of the core returns.
//!
//! Each variant has a stable machine code (`Error::code`) that crosses the CLI and, later, IPC, so
//! callers classify errors without matching on sentences, and a `Display` that is a sentence a
//! non-technical user can act on. No variant carries user content or secrets.

use crate::model::{RecordId, RecordKind};

/// Everything that can go wrong in the core, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No vault exists in the folder that was given.
    #[error("No vault was found in {0}. Create one with `carenet init`, or point --vault at the right folder.")]
    NoVault(String),
    /// A vault already exists where a new one was to be created.
    #[error("A vault already exists in {0}. Nothing was changed.")]
    VaultExists(String),
    /// The passphrase does not open the keyring.
    #[error("Wrong passphrase. Nothing was changed; try again.")]
    WrongPassphrase,
    /// The wrong passphrase was the last one the user allowed: the vault wiped itself.
    #[error("Too many wrong passphrases in a row ({0}): as chosen in the settings, this vault has wiped itself. Nothing in it can be read again.")]
    WipedAfterFailures(u32),
    /// The passphrase offered for a new vault or a change is too weak to protect anything.
    #[error("The passphrase is too short: use at least {0} characters (a few unrelated words work well).")]
    WeakPassphrase(usize),
    /// The vault was written by a newer Carenet.
    #[error("This vault was written by a newer version of Carenet (format {found}, this one knows up to {supported}). Update Carenet to open it; the vault was not touched.")]
    NewerVersion {
        /// Version found on disk.
        found: u32,
        /// Highest version this build understands.
        supported: u32,
    },
    /// The keyring files are both unreadable.
    #[error("The vault's key file is damaged and its backup copy too. The vault cannot be opened; restore the folder from a backup.")]
    KeyringDamaged,
    /// The SQLite database is not a database, truncated, or otherwise corrupt.
    #[error(
        "The vault's database file is damaged ({0}). Restore the vault folder from a backup; nothing was changed."
    )]
    DatabaseDamaged(String),
    /// Another process holds the vault open.
    #[error("The vault is open in another Carenet window or command. Lock it there first, then try again.")]
    VaultBusy,
    /// One record's stored data failed authentication or its checks.
    #[error("Record {id} cannot be read: its stored data is damaged or was moved from another record. Other records are not affected.")]
    RecordDamaged {
        /// The record whose row failed to decrypt or verify.
        id: RecordId,
    },
    /// No record with this id (or id prefix).
    #[error("No record matches '{0}'. List records with `carenet note list` (or contact, reprisal) to see their ids.")]
    NotFound(String),
    /// An id prefix matched more than one record.
    #[error("The id '{0}' matches several records: type more of it.")]
    AmbiguousId(String),
    /// The record exists but is of another kind than asked.
    #[error("Record {id} is a {actual}, not a {expected}.")]
    WrongKind {
        /// The record id.
        id: RecordId,
        /// The kind that was asked for.
        expected: RecordKind,
        /// The kind the record has.
        actual: RecordKind,
    },
    /// User input failed validation; nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// Adding this contact-tree edge would make a cycle.
    #[error("That link would make a loop in the alert tree ({0}). Nothing was changed.")]
    TreeCycle(String),
    /// A file could not be read or written.
    #[error("Could not {action} {path}: {source}")]
    Io {
        /// What was being done ("write", "read", ...).
        action: &'static str,
        /// The path involved (a vault path, never user content).
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed in a way that is not corruption (disk full, permissions, ...).
    #[error("The vault's database could not be used: {0}")]
    Database(String),
    /// The document inside a record could not be loaded or its heads did not match.
    #[error("Record {id} has an inconsistent history: {detail}. Other records are not affected.")]
    DocumentDamaged {
        /// The record.
        id: RecordId,
        /// Why (no user content).
        detail: String,
    },
    /// Encryption or an age file failed in a way other than a wrong passphrase.
    #[error("Encryption failed: {0}")]
    Crypto(String),
    /// Sync with another device failed (see `SyncError`).
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    /// A batch of sync items (from a peer or a bundle) was refused; nothing from it was stored.
    #[error("{0} Nothing from it was stored.")]
    SyncRefused(crate::sync_item::Refusal),
    /// A bundle file could not be read; nothing from it was imported.
    #[error("{0}")]
    Bundle(crate::bundle::BundleProblem),
    /// The space is not held on this device.
    #[error("This device does not hold space {0}. List your spaces with `carenet space list`.")]
    UnknownSpace(String),
    /// The record lists no file with this id.
    #[error("Record {record} has no attached file '{attachment}'. Show the record to see its files.")]
    AttachmentNotFound {
        /// The record.
        record: RecordId,
        /// The id asked for (cut to 40 characters).
        attachment: String,
    },
    /// Not every part of a file has arrived yet.
    #[error("Only {have} of the {need} parts of this file have reached this device so far. Sync again with a member who has it; the record itself is complete.")]
    AttachmentIncomplete {
        /// Parts held.
        have: u32,
        /// Parts the file has.
        need: u32,
    },
    /// The parts held do not add up to the file the record describes.
    #[error("A file attached to record {record} is damaged: its bytes do not match the SHA-256 the record holds. Other files and records are not affected.")]
    AttachmentDamaged {
        /// The record.
        record: RecordId,
    },
    /// Travel mode: no completed sync confirmed that another device holds all of the space.
    #[error("No other device is confirmed to hold everything of space {0} held here, so nothing was removed. Sync it with another member (a sync that finishes, not a live connection) right before stowing it; anything added since that sync must reach a peer first.")]
    NotHeldElsewhere(String),
}

impl Error {
    /// A stable, machine-readable code for this error (kept across versions).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoVault(_) => "no_vault",
            Error::WipedAfterFailures(_) => "wiped_after_failures",
            Error::VaultExists(_) => "vault_exists",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::WeakPassphrase(_) => "weak_passphrase",
            Error::NewerVersion { .. } => "newer_version",
            Error::KeyringDamaged => "keyring_damaged",
            Error::DatabaseDamaged(_) => "database_damaged",
            Error::VaultBusy => "vault_busy",
            Error::RecordDamaged { .. } => "record_damaged",
            Error::NotFound(_) => "not_found",
            Error::AmbiguousId(_) => "ambiguous_id",
            Error::WrongKind { .. } => "wrong_kind",
            Error::Invalid(_) => "invalid_input",
            Error::TreeCycle(_) => "tree_cycle",
            Error::Io { .. } => "io",
            Error::Database(_) => "database",
            Error::DocumentDamaged { .. } => "document_damaged",
            Error::Crypto(_) => "crypto",
            Error::Sync(e) => e.code(),
            Error::SyncRefused(r) => r.code(),
            Error::Bundle(b) => b.code(),
            Error::UnknownSpace(_) => "unknown_space",
            Error::NotHeldElsewhere(_) => "not_held_elsewhere",
            Error::AttachmentNotFound { .. } => "attachment_not_found",
            Error::AttachmentIncomplete { .. } => "attachment_incomplete",
            Error::AttachmentDamaged { .. } => "attachment_damaged",
        }
    }

    /// An `Io` error naming what was being done and to which path.
    pub fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { action, path: path.display().to_string(), source }
    }

    /// An `Invalid` error with a sentence for the user.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => Error::DatabaseDamaged(e.to_string()),
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::VaultBusy,
            _ => Error::Database(e.to_string()),
        }
    }
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
