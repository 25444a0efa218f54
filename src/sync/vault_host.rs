//! Thin glue: the vault as a [`SyncHost`] (its sync item API, unchanged), and the device's
//! secret key for the iroh endpoint (handed out by the open vault, without a second scrypt).

use zeroize::Zeroizing;

use super::{ItemId, SyncHost};
use crate::model::SpaceId;
use crate::{Result, SecretString, Vault};

impl SyncHost for Vault {
    fn shared_spaces(&self, peer: &[u8; 32]) -> Result<Vec<SpaceId>> {
        Vault::shared_spaces(self, peer)
    }

    fn item_ids(&self, space: SpaceId) -> Result<Vec<ItemId>> {
        Vault::item_ids(self, space)
    }

    fn items(&self, space: SpaceId, ids: &[ItemId]) -> Result<Vec<Vec<u8>>> {
        Vault::items(self, space, ids)
    }

    fn ingest(&mut self, space: SpaceId, items: Vec<Vec<u8>>) -> Result<usize> {
        let report = Vault::ingest(self, space, items)?;
        Ok(report.received - report.duplicates)
    }

    fn change_counter(&self) -> u64 {
        self.change_count()
    }

    fn peer_holds(&mut self, peer: &[u8; 32], space: SpaceId, held: &std::collections::HashSet<ItemId>) -> Result<()> {
        self.note_peer_holds(peer, space, held).map(|_| ())
    }
}

/// The device's Ed25519 secret key (the iroh endpoint key), from the open vault.
///
/// Kept for existing callers: the passphrase is no longer used (no second scrypt); prefer
/// [`Vault::device_secret`].
pub fn device_secret(vault: &Vault, _passphrase: &SecretString) -> Result<Zeroizing<[u8; 32]>> {
    Ok(vault.device_secret())
}
