//! The optional wipe after N wrong passphrases in a row (off by default).
//!
//! The limit and the count of wrong passphrases since the last right one live in one small file
//! next to the keyring, in clear: they must be read before the passphrase is known. A wrong
//! passphrase adds one (written atomically before the error returns); the Nth wipes the vault
//! ([`super::wipe`]); a right passphrase sets the count back to zero.
//!
//! What it cannot do, and the UI says so: stop anyone who copies the folder first (they guess on
//! the copy, scrypt slowing each guess), or anyone who edits or deletes this file. It shows that
//! the user chose it. It is for someone guessing through Carenet on the device itself.

use std::path::Path;

use super::Vault;
use crate::atomic_file::write_atomic;
use crate::error::{Error, Result};

/// The file holding the limit and the count.
pub const GUARD_FILE: &str = "unlock-guard";
/// The fewest wrong passphrases a limit may allow (so one slip of the fingers never wipes).
pub const MIN_GUARD: u32 = 3;
/// The most a limit may allow.
pub const MAX_GUARD: u32 = 99;

const HEADER: &str = "carenet unlock guard v1";

/// The limit and the count, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Guard {
    pub limit: u32,
    pub failures: u32,
}

impl Guard {
    /// Reads the guard of `dir`; none when the file is absent. An unreadable file counts as a
    /// guard at its strictest (the smallest limit), so damaging it does not switch it off
    /// without a trace; deleting it does, which the docs say.
    pub(super) fn read(dir: &Path) -> Option<Guard> {
        let text = match std::fs::read_to_string(dir.join(GUARD_FILE)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => return Some(Guard { limit: MIN_GUARD, failures: 0 }),
        };
        let mut lines = text.lines();
        let parsed = (|| {
            if lines.next()? != HEADER {
                return None;
            }
            let limit = lines.next()?.strip_prefix("limit ")?.parse::<u32>().ok()?;
            let failures = lines.next()?.strip_prefix("failures ")?.parse::<u32>().ok()?;
            (MIN_GUARD..=MAX_GUARD).contains(&limit).then_some(Guard { limit, failures })
        })();
        Some(parsed.unwrap_or(Guard { limit: MIN_GUARD, failures: 0 }))
    }

    pub(super) fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            &dir.join(GUARD_FILE),
            format!("{HEADER}\nlimit {}\nfailures {}\n", self.limit, self.failures).as_bytes(),
        )
    }
}

/// Counts a wrong passphrase for the vault in `dir`; wipes it when that reaches the limit.
/// Returns the error the caller reports: `WrongPassphrase`, or `WipedAfterFailures`.
pub(super) fn count_wrong_passphrase(dir: &Path, lock: std::fs::File) -> Error {
    let Some(mut guard) = Guard::read(dir) else { return Error::WrongPassphrase };
    guard.failures = guard.failures.saturating_add(1);
    if guard.failures < guard.limit {
        if let Err(e) = guard.write(dir) {
            tracing::warn!(code = e.code(), "could not count a wrong passphrase");
        }
        return Error::WrongPassphrase;
    }
    drop(lock);
    match super::wipe(dir) {
        Ok(_) => Error::WipedAfterFailures(guard.limit),
        Err(e) => e,
    }
}

/// Sets the count back to zero after a right passphrase (nothing to do when off or at zero).
pub(super) fn reset(dir: &Path) {
    if let Some(guard) = Guard::read(dir).filter(|g| g.failures > 0) {
        if let Err(e) = (Guard { failures: 0, ..guard }).write(dir) {
            tracing::warn!(code = e.code(), "could not reset the count of wrong passphrases");
        }
    }
}

impl Vault {
    /// The number of wrong passphrases in a row after which this vault wipes itself, if set.
    pub fn wipe_after(dir: &Path) -> Option<u32> {
        Guard::read(dir).map(|g| g.limit)
    }

    /// Sets (`Some(n)`, `MIN_GUARD..=MAX_GUARD`) or removes (`None`) the wipe after `n` wrong
    /// passphrases in a row. Needs the vault unlocked; the count starts at zero.
    pub fn set_wipe_after(&mut self, limit: Option<u32>) -> Result<()> {
        match limit {
            None => match std::fs::remove_file(self.dir.join(GUARD_FILE)) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::io("remove", &self.dir.join(GUARD_FILE), e)),
            },
            Some(n) if (MIN_GUARD..=MAX_GUARD).contains(&n) => Guard { limit: n, failures: 0 }.write(&self.dir),
            Some(_) => Err(Error::invalid(format!(
                "The vault can wipe itself after {MIN_GUARD} to {MAX_GUARD} wrong passphrases in a row, or never. Nothing was changed."
            ))),
        }
    }
}
