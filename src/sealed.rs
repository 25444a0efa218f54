//! Sealed changes: the only form in which a record's edits ever leave a device.
//!
//! Wire layout (all integers little-endian):
//! ```text
//! magic "CNSC" | version u8 | space id [16] | epoch u32 | author Ed25519 key [32]
//! | nonce [24] | XChaCha20-Poly1305 ciphertext of padded {doc id [16] | automerge change}
//! | Ed25519 signature [64] over everything before it
//! ```
//! The header is the AEAD's associated data, so a ciphertext cannot be moved to another space,
//! epoch or author. The id of a sealed change is the BLAKE3 hash of all its bytes.
//!
//! Must never: decrypt before verifying the signature, or panic on any input.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::crypto::{SecretKey, NONCE_LEN, TAG_LEN};
use crate::model::{RecordId, SpaceId};

const MAGIC: &[u8; 4] = b"CNSC";
/// Wire format version written by this build.
pub const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 16 + 4 + 32;
const SIG_LEN: usize = 64;
/// Largest sealed change accepted (bounds memory for hostile input).
pub const MAX_SEALED_LEN: usize = 4 * 1024 * 1024;

/// Why a sealed change was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealedError {
    /// Too short, too long, or not a sealed change.
    #[error("not a sealed change")]
    Malformed,
    /// Written by a newer format.
    #[error("sealed change format {0} is not supported")]
    UnknownVersion(u8),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// Decryption failed (wrong key or tampered ciphertext).
    #[error("the change cannot be decrypted")]
    Undecryptable,
}

/// A parsed, not yet trusted, sealed change.
#[derive(Clone, Debug)]
pub struct SealedChange {
    bytes: Vec<u8>,
    /// The space it belongs to.
    pub space: SpaceId,
    /// The key epoch it was encrypted under.
    pub epoch: u32,
    /// The author's device key.
    pub author: [u8; 32],
}

/// A sealed change's id: the BLAKE3 hash of its bytes.
pub type SealedId = [u8; 32];

impl SealedChange {
    /// Seals `change` of document `doc` for `space` under `key`, signed by `device`.
    pub fn seal(
        device: &SigningKey,
        space: SpaceId,
        epoch: u32,
        key: &SecretKey,
        doc: RecordId,
        change: &[u8],
    ) -> Self {
        let author = device.verifying_key().to_bytes();
        let mut bytes = Vec::with_capacity(HEADER_LEN + NONCE_LEN + TAG_LEN + change.len() + 64 + SIG_LEN);
        bytes.extend_from_slice(MAGIC);
        bytes.push(VERSION);
        bytes.extend_from_slice(&space.0);
        bytes.extend_from_slice(&epoch.to_le_bytes());
        bytes.extend_from_slice(&author);
        let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(16 + change.len()));
        plain.extend_from_slice(&doc.0);
        plain.extend_from_slice(change);
        let ct = key.seal(&bytes[..HEADER_LEN], &plain);
        bytes.extend_from_slice(&ct);
        let sig = device.sign(&bytes);
        bytes.extend_from_slice(&sig.to_bytes());
        SealedChange { bytes, space, epoch, author }
    }

    /// Parses the clear header of a sealed change; checks shape and version only.
    pub fn decode(bytes: &[u8]) -> Result<Self, SealedError> {
        if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN + SIG_LEN || bytes.len() > MAX_SEALED_LEN {
            return Err(SealedError::Malformed);
        }
        if &bytes[..4] != MAGIC {
            return Err(SealedError::Malformed);
        }
        if bytes[4] != VERSION {
            return Err(SealedError::UnknownVersion(bytes[4]));
        }
        let mut space = [0u8; 16];
        space.copy_from_slice(&bytes[5..21]);
        let mut epoch = [0u8; 4];
        epoch.copy_from_slice(&bytes[21..25]);
        let mut author = [0u8; 32];
        author.copy_from_slice(&bytes[25..57]);
        Ok(SealedChange { bytes: bytes.to_vec(), space: SpaceId(space), epoch: u32::from_le_bytes(epoch), author })
    }

    /// Checks the author's signature over the whole change.
    pub fn verify(&self) -> Result<(), SealedError> {
        let key = VerifyingKey::from_bytes(&self.author).map_err(|_| SealedError::BadSignature)?;
        let (signed, sig) = self.bytes.split_at(self.bytes.len() - SIG_LEN);
        let sig = Signature::from_slice(sig).map_err(|_| SealedError::BadSignature)?;
        // verify_strict also refuses weak keys and non-canonical signatures.
        key.verify_strict(signed, &sig).map_err(|_| SealedError::BadSignature)
    }

    /// Verifies, then decrypts: the document id and the automerge change bytes.
    pub fn open(&self, key: &SecretKey) -> Result<(RecordId, Vec<u8>), SealedError> {
        self.verify()?;
        self.decrypt_verified(key)
    }

    /// Decrypts a change whose signature the caller has just verified (sync verifies a whole
    /// batch first, and an Ed25519 check costs more than the decryption).
    pub(crate) fn decrypt_verified(&self, key: &SecretKey) -> Result<(RecordId, Vec<u8>), SealedError> {
        let body = &self.bytes[HEADER_LEN..self.bytes.len() - SIG_LEN];
        let plain = key.open(&self.bytes[..HEADER_LEN], body).ok_or(SealedError::Undecryptable)?;
        if plain.len() < 16 {
            return Err(SealedError::Malformed);
        }
        let mut doc = [0u8; 16];
        doc.copy_from_slice(&plain[..16]);
        Ok((RecordId(doc), plain[16..].to_vec()))
    }

    /// The change's id.
    pub fn id(&self) -> SealedId {
        *blake3::hash(&self.bytes).as_bytes()
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (SigningKey, SecretKey, SealedChange) {
        let dev = SigningKey::generate(&mut rand::rngs::OsRng);
        let key = SecretKey::random();
        let sc = SealedChange::seal(&dev, SpaceId([1; 16]), 0, &key, RecordId([2; 16]), b"change bytes");
        (dev, key, sc)
    }

    #[test]
    fn seal_then_open_round_trips() {
        let (_, key, sc) = sample();
        let parsed = SealedChange::decode(sc.as_bytes()).unwrap();
        assert_eq!(parsed.id(), sc.id());
        let (doc, change) = parsed.open(&key).unwrap();
        assert_eq!(doc, RecordId([2; 16]));
        assert_eq!(change, b"change bytes");
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let (_, key, sc) = sample();
        for i in 0..sc.as_bytes().len() {
            let mut b = sc.as_bytes().to_vec();
            b[i] ^= 0x40;
            let res = SealedChange::decode(&b).and_then(|s| s.open(&key));
            assert!(res.is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn truncation_and_unknown_version_are_refused() {
        let (_, _, sc) = sample();
        for cut in 0..sc.as_bytes().len() {
            assert!(SealedChange::decode(&sc.as_bytes()[..cut]).and_then(|s| s.verify()).is_err());
        }
        let mut b = sc.as_bytes().to_vec();
        b[4] = 9;
        assert_eq!(SealedChange::decode(&b).unwrap_err(), SealedError::UnknownVersion(9));
    }
}
