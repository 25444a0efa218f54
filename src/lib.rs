//! Carenet core: an encrypted, crash-safe local vault of notes, contacts and reprisal records,
//! each an automerge document, for human rights defenders working offline.
//!
//! The CLI (`src/main.rs`) and the desktop shell (`src-tauri`) are thin layers over this crate.
//! Start at [`Vault`]:
//!
//! ```
//! use carenet::{Note, Query, SecretString, Vault, VaultOptions};
//!
//! let dir = std::env::temp_dir().join(format!("carenet-doc-{}", std::process::id()));
//! let pass = SecretString::from("a passphrase of several words".to_owned());
//! // Tests may lower the scrypt cost; the app always uses the default (2^18).
//! let mut vault = Vault::create_with(&dir, &pass, &VaultOptions { work_factor: 10 })?;
//! let id = vault.add(&Note { title: "Checkpoint".into(), body: "Use the river road".into(), tags: vec![], ..Default::default() })?;
//! vault.update::<Note>(&id, |n| n.tags.push("security".into()))?;
//! vault.lock()?;
//!
//! let vault = Vault::unlock(&dir, &pass)?;
//! let hits = vault.search(&Query { text: "RIVER".into(), ..Default::default() });
//! assert_eq!(hits[0].summary.id, id);
//! # vault.lock()?;
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), carenet::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod archive;
mod atomic_file;
pub mod bundle;
pub mod crypto;
pub mod document;
pub mod error;
pub mod export;
pub mod indicators;
pub mod keyring;
pub mod model;
pub mod part;
pub mod sealed;
pub mod search;
pub mod space;
pub mod store;
pub mod sync;
pub mod sync_item;
pub mod tombstone;
pub mod vault;
mod wire;

pub use age::secrecy::SecretString;
pub use error::{Error, Result};
pub use model::{Contact, Note, Record, RecordId, RecordKind, ReprisalRecord};
pub use search::Query;
pub use vault::{LockStatus, Vault, VaultOptions};
