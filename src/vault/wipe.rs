//! The panic wipe: makes a vault unrecoverable in well under a second, without the passphrase.
//!
//! Every record is ciphertext under keys that exist on disk only inside the two copies of the
//! age key file. Destroying those two files first is what makes the vault unreadable
//! (crypto-shredding); deleting the database afterwards only tidies up. The key files are
//! overwritten with random bytes and synced before they are unlinked: on a hard disk that
//! removes the sealed keys from the platter, while on flash storage (which remaps writes) it is
//! not guaranteed, which is why the keys, not the data, are the target: what stays on flash is
//! at worst a copy of the scrypt-sealed key file, as strong as the passphrase.
//!
//! Must never: delete anything it does not recognise as a vault file (a wrong `--vault` must not
//! empty a home folder), or need the passphrase.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Vault, LOCK_FILE};
use crate::error::{Error, Result};
use crate::keyring::{KEYRING_BACKUP, KEYRING_FILE};
use crate::store::{DB_FILE, JOURNAL_FILE};

/// What a wipe did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wiped {
    /// Key files overwritten and removed (the two copies, and any copy a crash left half written).
    pub key_files: usize,
    /// Other vault files removed (database, its WAL and index, the edit journal, the lock file, the
    /// unlock guard).
    pub other_files: usize,
    /// Whether the folder itself was removed (it is kept when something else is in it).
    pub folder_removed: bool,
}

/// Whether `name` is one of the key files or a temporary copy of one (`.keyring.age.tmp-…`).
fn is_key_file(name: &str) -> bool {
    name == KEYRING_FILE
        || name == KEYRING_BACKUP
        || name.strip_prefix('.').is_some_and(|n| {
            n.starts_with(&format!("{KEYRING_FILE}.tmp-")) || n.starts_with(&format!("{KEYRING_BACKUP}.tmp-"))
        })
}

/// Whether `name` is another file a vault keeps in its folder.
fn is_vault_file(name: &str) -> bool {
    name == LOCK_FILE
        || name == super::guard::GUARD_FILE
        || name == DB_FILE
        || name == JOURNAL_FILE
        || ["-wal", "-shm", "-journal"].iter().any(|s| name == format!("{DB_FILE}{s}"))
}

/// Overwrites a file with random bytes of its length, syncs it, and removes it.
fn shred(path: &Path) -> Result<()> {
    let len = fs::metadata(path).map_err(|e| Error::io("read the size of", path, e))?.len();
    let mut f = OpenOptions::new().write(true).open(path).map_err(|e| Error::io("open", path, e))?;
    let mut left = len;
    while left > 0 {
        let chunk = crate::crypto::random_bytes::<4096>();
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).map_err(|e| Error::io("overwrite", path, e))?;
        left -= n as u64;
    }
    f.sync_all().map_err(|e| Error::io("sync", path, e))?;
    drop(f);
    fs::remove_file(path).map_err(|e| Error::io("remove", path, e))
}

/// Syncs a folder, so that the removal of its entries is durable.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The vault files in `dir`: (key files, other vault files).
fn vault_files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NoVault(dir.display().to_string()),
        _ => Error::io("read", dir, e),
    })?;
    let (mut keys, mut others) = (Vec::new(), Vec::new());
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_key_file(name) {
            keys.push(entry.path());
        } else if is_vault_file(name) {
            others.push(entry.path());
        }
    }
    // The primary copy first: it is the one every unlock reads.
    keys.sort_by_key(|p| p.file_name().is_none_or(|n| n != KEYRING_FILE));
    Ok((keys, others))
}

/// Wipes the vault in `dir`: the key files first (overwritten, synced, removed, and the folder
/// synced), then the database and the lock file, then the folder if nothing else is in it.
/// Needs no passphrase and works whether or not a process has the vault open (that process
/// keeps its keys in memory until it locks or exits). Refuses a folder without a key file or a
/// database, so it never deletes from a folder that is not a vault.
pub fn wipe(dir: &Path) -> Result<Wiped> {
    let (keys, others) = vault_files(dir)?;
    if keys.is_empty() && !others.iter().any(|p| p.file_name().is_some_and(|n| n == DB_FILE)) {
        return Err(Error::NoVault(dir.display().to_string()));
    }
    let mut wiped = Wiped::default();
    let mut first_error = None;
    for path in &keys {
        // A failure on one copy must not spare the other.
        match shred(path) {
            Ok(()) => wiped.key_files += 1,
            Err(e) => {
                // Removing it without the overwrite still destroys the key for every program.
                if fs::remove_file(path).is_ok() {
                    wiped.key_files += 1;
                }
                first_error.get_or_insert(e);
            }
        }
    }
    sync_dir(dir);
    for path in &others {
        match fs::remove_file(path) {
            Ok(()) => wiped.other_files += 1,
            Err(e) => {
                first_error.get_or_insert(Error::io("remove", path, e));
            }
        }
    }
    sync_dir(dir);
    wiped.folder_removed = fs::remove_dir(dir).is_ok();
    tracing::info!(key_files = wiped.key_files, other_files = wiped.other_files, "vault wiped");
    match first_error {
        // The keys are gone even if a database file could not be removed: report what was left.
        Some(e) if keys_remain(dir) || wiped.key_files == 0 => Err(e),
        Some(e) => {
            tracing::warn!(code = e.code(), "the keys are destroyed but a vault file could not be removed");
            Ok(wiped)
        }
        None => Ok(wiped),
    }
}

fn keys_remain(dir: &Path) -> bool {
    vault_files(dir).map(|(keys, _)| !keys.is_empty()).unwrap_or(false)
}

impl Vault {
    /// Wipes this open vault: the key files on disk first, then the keys and records in memory
    /// (zeroized as the vault drops), then the vault's files. See [`wipe`].
    pub fn wipe(self) -> Result<Wiped> {
        let dir = self.dir.clone();
        let (keys, _) = vault_files(&dir)?;
        let mut destroyed = 0;
        for path in &keys {
            if shred(path).is_ok() || fs::remove_file(path).is_ok() {
                destroyed += 1;
            }
        }
        sync_dir(&dir);
        drop(self);
        let mut wiped = match wipe(&dir) {
            Ok(w) => w,
            // Nothing left to recognise: the key files are gone and there was no database.
            Err(Error::NoVault(_)) => Wiped { folder_removed: !dir.exists(), ..Wiped::default() },
            Err(e) => return Err(e),
        };
        wiped.key_files += destroyed;
        Ok(wiped)
    }
}
