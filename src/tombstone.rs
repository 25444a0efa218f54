//! Tombstones: the payload of the sealed change that deletes a record for a whole space.
//!
//! A tombstone travels as an ordinary [`SealedChange`](crate::sealed::SealedChange): the clear
//! header names the space, the key epoch and the author (who deleted), the signature covers it
//! all, and the encrypted part holds the record id and, in place of an automerge change, this
//! payload (an automerge change starts with other magic bytes, so the two cannot be confused):
//!
//! ```text
//! magic "CNTB" | version u8 | deleted at (ms since 1970, i64) | count u32 | erased change ids [32] x count
//! ```
//!
//! The listed ids are those of the record's sealed changes the deleting device erased: a device
//! that receives the tombstone keeps them (encrypted) so that sync neither asks for them nor
//! offers them again. Outsiders and couriers see a sealed change like any other.
//!
//! Must never: panic on any input, or accept more ids than `MAX_ERASED`.

const MAGIC: &[u8; 4] = b"CNTB";
/// Payload version written by this build.
pub const VERSION: u8 = 1;
const HEAD_LEN: usize = 4 + 1 + 8 + 4;
/// Most change ids one tombstone lists (keeps it well under the sealed-change size bound).
pub const MAX_ERASED: usize = 100_000;

/// A decoded tombstone payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tombstone {
    /// When the record was deleted (the deleting device's clock, ms since 1970).
    pub deleted_ms: i64,
    /// Ids of the record's sealed changes that the deleting device erased.
    pub erased: Vec<[u8; 32]>,
}

/// Why a payload marked as a tombstone is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TombstoneError {
    /// Cut short, too long, or with more ids than allowed.
    #[error("the tombstone is malformed")]
    Malformed,
    /// Written by a newer format.
    #[error("tombstone format {0} is not supported")]
    UnknownVersion(u8),
}

/// True when a decrypted change payload is a tombstone rather than an automerge change.
pub fn is_tombstone(payload: &[u8]) -> bool {
    payload.starts_with(MAGIC)
}

impl Tombstone {
    /// The payload bytes (to be sealed as a change of the deleted record).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEAD_LEN + 32 * self.erased.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.deleted_ms.to_le_bytes());
        out.extend_from_slice(&(self.erased.len() as u32).to_le_bytes());
        for id in &self.erased {
            out.extend_from_slice(id);
        }
        out
    }

    /// Parses a payload; bounded, never panics.
    pub fn decode(payload: &[u8]) -> Result<Tombstone, TombstoneError> {
        if payload.len() < HEAD_LEN || !is_tombstone(payload) {
            return Err(TombstoneError::Malformed);
        }
        if payload[4] != VERSION {
            return Err(TombstoneError::UnknownVersion(payload[4]));
        }
        let mut ms = [0u8; 8];
        ms.copy_from_slice(&payload[5..13]);
        let mut n = [0u8; 4];
        n.copy_from_slice(&payload[13..17]);
        let count = u32::from_le_bytes(n) as usize;
        let rest = &payload[HEAD_LEN..];
        if count > MAX_ERASED || rest.len() != count * 32 {
            return Err(TombstoneError::Malformed);
        }
        let erased = rest
            .chunks_exact(32)
            .map(|c| {
                let mut id = [0u8; 32];
                id.copy_from_slice(c);
                id
            })
            .collect();
        Ok(Tombstone { deleted_ms: i64::from_le_bytes(ms), erased })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_cuts_extra_bytes_and_newer_versions() {
        let t = Tombstone { deleted_ms: 1_700_000_000_123, erased: vec![[1; 32], [2; 32]] };
        let bytes = t.encode();
        assert!(is_tombstone(&bytes));
        assert_eq!(Tombstone::decode(&bytes).unwrap(), t);
        for cut in 0..bytes.len() {
            assert!(Tombstone::decode(&bytes[..cut]).is_err(), "cut at {cut} accepted");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Tombstone::decode(&longer), Err(TombstoneError::Malformed));
        let mut newer = bytes.clone();
        newer[4] = 9;
        assert_eq!(Tombstone::decode(&newer), Err(TombstoneError::UnknownVersion(9)));
        let mut huge = bytes[..13].to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Tombstone::decode(&huge), Err(TombstoneError::Malformed));
    }

    #[test]
    fn an_automerge_change_is_not_taken_for_a_tombstone() {
        let mut doc = automerge::AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "k", "v").unwrap();
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        assert!(!is_tombstone(&change));
    }
}
