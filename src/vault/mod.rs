//! The vault: a folder holding the encrypted keyring and the encrypted store, and, while
//! unlocked, the keys, the decrypted records and the search index in memory.
//!
//! Lifecycle: `Vault::create` or `Vault::unlock` give an unlocked `Vault`; `Vault::lock` (or
//! dropping it) checkpoints the store and wipes the keys. One process at a time: an advisory lock
//! on `vault.lock` keeps a second writer out.
//!
//! Must never: write a plaintext byte to the folder, or change anything when unlock fails.

mod attachments;
mod card;
mod checkins;
mod guard;
mod indicators;
mod journal;
mod records;
mod snapshot;
mod spaces;
mod sync_items;
mod tombstones;
mod travel;
mod tree;
mod wipe;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;

pub use attachments::{FileRead, NewFile, Signer};
pub use card::DEFAULT_CARD_NAME;
pub use checkins::{CheckInView, Watcher};
pub use guard::{GUARD_FILE, MAX_GUARD, MIN_GUARD};
pub use records::{Draft, Saved};
pub use spaces::{MemberInfo, SpaceSummary};
pub use sync_items::{IngestReport, MAX_BATCH_ITEMS};
pub use tombstones::DeleteScope;
pub use travel::{Holder, Stowed, Travel, TravelStatus};
pub use tree::TreeNode;
pub use wipe::{wipe, Wiped};

use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::keyring::{check_passphrase_strength, Keyring, KeyringFiles, WORK_FACTOR};
use crate::model::{Record, RecordId, RecordKind};
use crate::search::SearchIndex;
use crate::store::{Store, DB_FILE};

/// File whose advisory lock marks the vault as open by a process.
pub const LOCK_FILE: &str = "vault.lock";

/// Options for creating a vault.
#[derive(Clone, Debug)]
pub struct VaultOptions {
    /// scrypt work factor (log2 N) for the keyring. Always `keyring::WORK_FACTOR` in the app and
    /// the CLI; tests that unlock hundreds of times may lower it for speed.
    pub work_factor: u8,
}

impl Default for VaultOptions {
    fn default() -> Self {
        VaultOptions { work_factor: WORK_FACTOR }
    }
}

/// What `Vault::status` reports about a folder without unlocking it.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LockStatus {
    /// No vault in this folder.
    NoVault,
    /// A vault that no process holds open.
    Locked,
    /// A vault held open (unlocked) by another process.
    OpenElsewhere,
}

pub(crate) struct Cached {
    pub kind: RecordKind,
    pub record: Record,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub seq: u64,
    pub heads: Vec<automerge::ChangeHash>,
}

/// An unlocked vault.
pub struct Vault {
    dir: PathBuf,
    _lock: File,
    keys: Keyring,
    row_key: SecretKey,
    personal_key: SecretKey,
    store: Store,
    records: HashMap<RecordId, Cached>,
    docs: journal::DocCache,
    index: SearchIndex,
    damaged: Vec<(RecordId, Error)>,
    spaces: spaces::SpaceBook,
    /// What deletions across spaces erased (ids kept so that sync does not bring them back).
    erased: tombstones::Erased,
    /// Items (sealed changes and membership operations) written since unlock: sync polls it.
    changes_made: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The journal writer (see `journal.rs`).
    applier: journal::Applier,
    /// Keeps the writer's transactions and the main connection's writes apart.
    gate: std::sync::Arc<std::sync::Mutex<()>>,
    /// Number of the next journal entry.
    journal_next: i64,
    /// The last journal entry durably applied (the writer publishes it after a `FULL` commit).
    journal_durable: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

fn take_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("open", &path, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::VaultBusy),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &path, e)),
    }
}

#[cfg(unix)]
fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| Error::io("create", dir, e))
}

#[cfg(not(unix))]
fn make_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))
}

/// This device's clock, in ms since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Vault {
    /// Creates a new vault in `dir` protected by `passphrase`, and returns it unlocked.
    pub fn create(dir: &Path, passphrase: &SecretString) -> Result<Vault> {
        Self::create_with(dir, passphrase, &VaultOptions::default())
    }

    /// `create` with explicit options.
    pub fn create_with(dir: &Path, passphrase: &SecretString, opts: &VaultOptions) -> Result<Vault> {
        check_passphrase_strength(passphrase)?;
        let files = KeyringFiles::in_dir(dir);
        if files.exist() {
            return Err(Error::VaultExists(dir.display().to_string()));
        }
        if !crate::store::is_ours_or_empty(&dir.join(DB_FILE))
            || !crate::store::journal_is_ours_or_empty(&dir.join(crate::store::JOURNAL_FILE))
        {
            return Err(Error::invalid(format!(
                "{} holds a file named {DB_FILE} or {} that is not a Carenet vault's: choose another folder. Nothing was changed.",
                dir.display(),
                crate::store::JOURNAL_FILE
            )));
        }
        make_private_dir(dir)?;
        let lock = take_lock(dir)?;
        // The keyring is written last, so a Carenet database without one is an interrupted init
        // that never held a record: clear it and start again. Any other file is not ours.
        let db = dir.join(DB_FILE);
        let journal = dir.join(crate::store::JOURNAL_FILE);
        for p in ["", "-wal", "-shm"]
            .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
            .into_iter()
            .chain([journal])
        {
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| Error::io("remove", &p, e))?;
            }
        }
        let store = Store::create(&db)?;
        let keys = Keyring::generate();
        files.write(&keys, passphrase, opts.work_factor)?;
        let mut vault = Self::assemble(dir, lock, keys, store);
        vault.start_journal()?;
        tracing::info!("vault created");
        Ok(vault)
    }

    /// Unlocks the vault in `dir`. A wrong passphrase, a newer vault or a damaged file is an
    /// error, and nothing in the folder changes.
    pub fn unlock(dir: &Path, passphrase: &SecretString) -> Result<Vault> {
        let files = KeyringFiles::in_dir(dir);
        if !files.exist() {
            return Err(Error::NoVault(dir.display().to_string()));
        }
        let lock = take_lock(dir)?;
        let db = dir.join(DB_FILE);
        // Refuse a newer or damaged database before the slow key derivation.
        crate::store::check_header(&db)?;
        let keys = match files.read(passphrase) {
            Ok(keys) => keys,
            // Counted when the user chose a wipe after N wrong passphrases (`guard.rs`).
            Err(Error::WrongPassphrase) => return Err(guard::count_wrong_passphrase(dir, lock)),
            Err(e) => return Err(e),
        };
        guard::reset(dir);
        let store = Store::open(&db)?;
        let mut vault = Self::assemble(dir, lock, keys, store);
        vault.load_all()?;
        vault.load_spaces()?;
        vault.load_erased()?;
        vault.show_held_records()?;
        // Edits acknowledged before a crash and not yet applied are applied now, in order.
        vault.journal_next = vault.store.journal_last()? + 1;
        vault.replay_journal(true)?;
        // Every entry is now applied, kept in the table or dropped as never acknowledged: once
        // the database is durable the journal file starts again from its beginning.
        if !vault.store.journal_reset()? {
            // Another program holds the database open, so the checkpoint could not complete; the
            // journal file cannot start again safely. Nothing was lost: every entry is applied.
            return Err(Error::VaultBusy);
        }
        vault.journal_durable.store(vault.journal_next - 1, std::sync::atomic::Ordering::Release);
        vault.start_journal()?;
        tracing::info!(records = vault.records.len(), damaged = vault.damaged.len(), "vault unlocked");
        Ok(vault)
    }

    fn assemble(dir: &Path, lock: File, keys: Keyring, store: Store) -> Vault {
        let row_key = keys.vault_key.derive("carenet 2026 record rows v1");
        let personal_key = keys.vault_key.derive("carenet 2026 personal space v1");
        Vault {
            dir: dir.to_owned(),
            _lock: lock,
            keys,
            row_key,
            personal_key,
            store,
            records: HashMap::new(),
            docs: Default::default(),
            index: SearchIndex::default(),
            damaged: Vec::new(),
            spaces: spaces::SpaceBook::default(),
            erased: tombstones::Erased::default(),
            changes_made: Default::default(),
            applier: Default::default(),
            gate: Default::default(),
            journal_next: 1,
            journal_durable: Default::default(),
        }
    }

    /// Whether a folder holds a vault, and whether a process has it open.
    pub fn status(dir: &Path) -> Result<LockStatus> {
        if !KeyringFiles::in_dir(dir).exist() {
            return Ok(LockStatus::NoVault);
        }
        let path = dir.join(LOCK_FILE);
        let Ok(f) = File::open(&path) else { return Ok(LockStatus::Locked) };
        Ok(match f.try_lock_shared() {
            Ok(()) => LockStatus::Locked,
            Err(std::fs::TryLockError::WouldBlock) => LockStatus::OpenElsewhere,
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("check the lock of", &path, e)),
        })
    }

    /// Locks the vault: flushes and truncates the WAL, compacts a sparse file, and drops every
    /// key and decrypted record from memory (keys are zeroized on drop).
    pub fn lock(mut self) -> Result<()> {
        // Every acknowledged edit is applied before the keys go.
        let settled = self.stop_journal();
        let res = self.store.compact_if_sparse();
        drop(self);
        tracing::info!("vault locked");
        settled.and(res)
    }

    /// Re-wraps the keyring under a new passphrase after checking the current one. Records are
    /// not re-encrypted: the keys inside the keyring do not change.
    pub fn change_passphrase(&mut self, current: &SecretString, new: &SecretString) -> Result<()> {
        check_passphrase_strength(new)?;
        let files = KeyringFiles::in_dir(&self.dir);
        // Opening the keyring again proves the current passphrase (and costs one scrypt).
        let _proof = files.read(current)?;
        files.write(&self.keys, new, WORK_FACTOR)
    }

    /// The folder this vault lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This device's public key, hex.
    pub fn device_id(&self) -> String {
        hex::encode(self.keys.device_public())
    }

    /// This device's age recipient (where space keys are sent).
    pub fn age_recipient(&self) -> String {
        self.keys.age_recipient()
    }

    /// Records whose rows could not be read, with why.
    pub fn damaged(&self) -> &[(RecordId, Error)] {
        &self.damaged
    }

    /// Number of readable records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the vault holds no readable record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Runs SQLite's integrity check on the store.
    pub fn integrity_check(&self) -> Result<()> {
        self.wait_for_journal();
        self.store.integrity_check()
    }

    /// Number of sealed changes this device has written to its personal space.
    pub fn personal_change_count(&self) -> Result<u64> {
        self.wait_for_journal();
        self.store.change_count(&self.keys.personal_space.0)
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        // Best effort when dropped without `lock()`: the data is already durable either way (an
        // edit the writer could not apply stays in the journal for the next unlock).
        let _ = self.stop_journal();
        let _ = self.store.checkpoint();
        for (_, c) in self.records.drain() {
            drop(c);
        }
    }
}
