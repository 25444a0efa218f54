//! Sync items: what devices exchange about a space. An item is one of the two signed formats the
//! core already has, told apart by their magic bytes, which act as the tag:
//!
//! - `"CNSO"`: a membership operation ([`SpaceOp`]: create, add, remove, with key envelopes);
//! - `"CNSC"`: a sealed change ([`SealedChange`]: one automerge change of one record, encrypted
//!   under the space's epoch key).
//!
//! Each format carries its own version byte right after the magic, and an unknown version is
//! refused. An item's id is the BLAKE3 hash of its bytes (the same id its format gives it).
//! Decoding is bounded (`MAX_ITEM_LEN`), checks the signature, and never panics.

use crate::model::SpaceId;
use crate::sealed::{SealedChange, SealedError, MAX_SEALED_LEN};
use crate::space::log::{OpError, MAX_OP_LEN};
use crate::space::SpaceOp;

/// Largest item accepted, whatever its kind.
pub const MAX_ITEM_LEN: usize = if MAX_SEALED_LEN > MAX_OP_LEN { MAX_SEALED_LEN } else { MAX_OP_LEN };

/// An item's id: the BLAKE3 hash of its bytes.
pub type ItemId = [u8; 32];

/// A decoded, signature-checked item.
#[derive(Clone, Debug)]
pub enum SyncItem {
    /// A membership operation.
    Op(SpaceOp),
    /// A sealed change (not decrypted).
    Change(SealedChange),
}

/// Why bytes are not a usable item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// Not an item, cut short, or over the size bound.
    #[error("not a sync item")]
    Malformed,
    /// A format version this build does not know.
    #[error("item format {0} is not supported")]
    UnknownVersion(u8),
    /// The signature does not verify.
    #[error("the item's signature does not verify")]
    BadSignature,
}

impl SyncItem {
    /// Parses an item and verifies its signature; never panics.
    pub fn decode(bytes: &[u8]) -> Result<SyncItem, ItemError> {
        if bytes.len() > MAX_ITEM_LEN {
            return Err(ItemError::Malformed);
        }
        match bytes.get(..4) {
            Some(b"CNSO") => SpaceOp::decode(bytes).map(SyncItem::Op).map_err(|e| match e {
                OpError::Malformed => ItemError::Malformed,
                OpError::UnknownVersion(v) => ItemError::UnknownVersion(v),
                OpError::BadSignature => ItemError::BadSignature,
            }),
            Some(b"CNSC") => {
                let sc = SealedChange::decode(bytes).map_err(sealed_error)?;
                sc.verify().map_err(sealed_error)?;
                Ok(SyncItem::Change(sc))
            }
            _ => Err(ItemError::Malformed),
        }
    }

    /// The item's bytes, as sent and stored.
    pub fn encode(&self) -> &[u8] {
        match self {
            SyncItem::Op(op) => op.as_bytes(),
            SyncItem::Change(sc) => sc.as_bytes(),
        }
    }

    /// The item's id.
    pub fn id(&self) -> ItemId {
        *blake3::hash(self.encode()).as_bytes()
    }

    /// The space the item says it belongs to.
    pub fn space(&self) -> SpaceId {
        match self {
            SyncItem::Op(op) => op.space,
            SyncItem::Change(sc) => sc.space,
        }
    }

    /// The device that signed it.
    pub fn author(&self) -> [u8; 32] {
        match self {
            SyncItem::Op(op) => op.author,
            SyncItem::Change(sc) => sc.author,
        }
    }
}

/// Why a batch of items was refused (each has a stable code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// An item is not a sync item, is cut short or is too large.
    #[error("An item received is damaged or too large.")]
    Malformed,
    /// An item was written by a newer Carenet.
    #[error("An item received was made by a newer version of Carenet: update Carenet.")]
    UnknownVersion,
    /// An item's signature does not verify (forged or altered).
    #[error("An item received has a signature that does not verify: it was forged or altered.")]
    BadSignature,
    /// An item belongs to another space than the one being synced.
    #[error("An item received belongs to another space.")]
    WrongSpace,
    /// The space's log has no valid create operation.
    #[error("The space's membership log is incomplete (its first operation is missing).")]
    NoSpaceLog,
    /// The author is not (and never was) a member of the space.
    #[error("An item received was signed by a device that is not a member of this space.")]
    NotAMember,
    /// The author may not write (a courier), or was removed before that key epoch.
    #[error(
        "An item received was written by a device without write rights at that time (a courier, or a removed member)."
    )]
    NoWriteRights,
    /// A change names a key epoch the membership log has not started.
    #[error("An item received names a key epoch this space has not reached.")]
    UnknownEpoch,
    /// A change does not decrypt under its epoch's key (tampered ciphertext).
    #[error("An item received does not decrypt with the space's key: it was tampered with.")]
    Undecryptable,
    /// A change's content cannot be applied to its record.
    #[error("An item received holds a change that cannot be applied to its record.")]
    Unapplicable,
    /// Too many items in one batch.
    #[error("Too many items were sent at once.")]
    TooMany,
}

impl Refusal {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "item_malformed",
            Refusal::UnknownVersion => "item_newer_version",
            Refusal::BadSignature => "item_bad_signature",
            Refusal::WrongSpace => "item_wrong_space",
            Refusal::NoSpaceLog => "space_log_incomplete",
            Refusal::NotAMember => "item_not_a_member",
            Refusal::NoWriteRights => "item_no_write_rights",
            Refusal::UnknownEpoch => "item_unknown_epoch",
            Refusal::Undecryptable => "item_undecryptable",
            Refusal::Unapplicable => "item_unapplicable",
            Refusal::TooMany => "items_too_many",
        }
    }
}

impl From<ItemError> for Refusal {
    fn from(e: ItemError) -> Self {
        match e {
            ItemError::Malformed => Refusal::Malformed,
            ItemError::UnknownVersion(_) => Refusal::UnknownVersion,
            ItemError::BadSignature => Refusal::BadSignature,
        }
    }
}

fn sealed_error(e: SealedError) -> ItemError {
    match e {
        SealedError::UnknownVersion(v) => ItemError::UnknownVersion(v),
        SealedError::BadSignature => ItemError::BadSignature,
        SealedError::Malformed | SealedError::Undecryptable => ItemError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretKey;
    use crate::model::RecordId;

    #[test]
    fn items_round_trip_and_every_flip_or_cut_is_refused() {
        let dev = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        let (space, op, key) = crate::space::create(&dev, &recipient, "S").unwrap();
        let sc = SealedChange::seal(&dev, space, 0, &key, RecordId([7; 16]), b"change");
        for bytes in [op.as_bytes().to_vec(), sc.as_bytes().to_vec()] {
            let item = SyncItem::decode(&bytes).unwrap();
            assert_eq!(item.encode(), &bytes[..]);
            assert_eq!(item.space(), space);
            assert_eq!(item.author(), dev.verifying_key().to_bytes());
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0x08;
                assert!(SyncItem::decode(&b).is_err(), "flip at {i} accepted");
            }
            for cut in 0..bytes.len() {
                assert!(SyncItem::decode(&bytes[..cut]).is_err(), "cut at {cut} accepted");
            }
        }
        let mut newer = sc.as_bytes().to_vec();
        newer[4] = 9;
        assert_eq!(SyncItem::decode(&newer).unwrap_err(), ItemError::UnknownVersion(9));
        assert_eq!(SyncItem::decode(b"CNXX").unwrap_err(), ItemError::Malformed);
        let _ = SecretKey::random();
    }
}
