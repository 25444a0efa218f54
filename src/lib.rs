//! Carenet core: an encrypted, crash-safe local vault of notes, contacts and reprisal records,
//! each an automerge document, for human rights defenders working offline.
//!
//! The CLI (`src/main.rs`) and the desktop shell (`src-tauri`) are thin layers over this crate.
//! Start at [`Vault`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod atomic_file;
pub mod crypto;
pub mod document;
pub mod error;
pub mod export;
pub mod keyring;
pub mod model;
pub mod sealed;
pub mod space;
pub mod search;
pub mod store;
pub mod vault;

pub use age::secrecy::SecretString;
pub use error::{Error, Result};
pub use model::{Contact, Note, Record, RecordId, RecordKind, ReprisalRecord};
pub use search::Query;
pub use vault::{LockStatus, Vault, VaultOptions};
