//! A file kept with a record: a note's attachment, a reprisal record's evidence.
//!
//! The record holds only this description; the file's bytes travel and are stored as *parts*,
//! sealed changes of the same record (see [`crate::part`]), so they are encrypted, synced,
//! carried by couriers and erased with the record like any change of it. The description is
//! signed by the device that added the file: record id, attachment id, SHA-256, size, number of
//! parts, capture time, time added, name and media type. Anyone holding the record can later check
//! that this device vouched for exactly this file, whichever space or export the record went
//! through (the sealed changes themselves are re-signed when a record moves to another space).
//!
//! Pure data: nothing here touches storage.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{check_line, RecordId};
use crate::error::{Error, Result};

/// Largest file accepted, in bytes (50 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 50 * 1024 * 1024;
/// Bytes per part: each part is one sealed change, well inside sync's 1 MiB batches.
pub const PART_LEN: usize = 256 * 1024;
/// Most files on one record.
pub const MAX_ATTACHMENTS: usize = 100;
/// Longest file name, in characters.
pub const MAX_NAME: usize = 255;
const SIGNING_CONTEXT: &[u8] = b"carenet/attachment/v1\0";

/// A file kept with a record, as the record describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Random 128-bit id, 32 hex digits.
    pub id: String,
    /// File name as added (one line, no folder).
    pub name: String,
    /// Media type, e.g. `image/jpeg` (`application/octet-stream` when unknown).
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file, 64 lowercase hex digits.
    pub sha256: String,
    /// Number of parts the bytes travel in.
    pub parts: u32,
    /// When the evidence was captured (photo taken, file recorded), ms since the epoch, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_ms: Option<i64>,
    /// When it was added, ms since the epoch (the adding device's clock).
    pub added_ms: i64,
    /// The adding device's Ed25519 key, hex.
    pub device: String,
    /// That device's signature over this description (see the module docs), hex.
    pub signature: String,
}

/// How many parts a file of `size` bytes travels in (an empty file has one empty part).
pub fn parts_for(size: usize) -> u32 {
    size.div_ceil(PART_LEN).max(1) as u32
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Attachment {
    /// Describes and signs a new file for `record`. Checks the name, media type and size.
    pub fn new_signed(
        device: &SigningKey,
        record: &RecordId,
        name: &str,
        media_type: &str,
        bytes: &[u8],
        captured_ms: Option<i64>,
        added_ms: i64,
    ) -> Result<Attachment> {
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::invalid(format!(
                "The file is too large ({} MB): Carenet keeps files up to {} MB.",
                bytes.len().div_ceil(1024 * 1024),
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            )));
        }
        let media_type = if media_type.trim().is_empty() { "application/octet-stream" } else { media_type.trim() };
        let mut a = Attachment {
            id: hex::encode(crate::crypto::random_bytes::<16>()),
            name: name.trim().to_owned(),
            media_type: media_type.to_ascii_lowercase(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            parts: parts_for(bytes.len()),
            captured_ms,
            added_ms,
            device: hex::encode(device.verifying_key().to_bytes()),
            signature: String::new(),
        };
        a.check_fields()?;
        a.signature = hex::encode(device.sign(&a.signed_bytes(record)).to_bytes());
        Ok(a)
    }

    /// The id as bytes, when it is well formed.
    pub fn id_bytes(&self) -> Option<[u8; 16]> {
        let mut b = [0u8; 16];
        hex::decode_to_slice(&self.id, &mut b).ok().map(|()| b)
    }

    fn signed_bytes(&self, record: &RecordId) -> Vec<u8> {
        let mut m = Vec::with_capacity(160 + self.name.len() + self.media_type.len());
        m.extend_from_slice(SIGNING_CONTEXT);
        m.extend_from_slice(&record.0);
        m.extend_from_slice(self.id.as_bytes());
        m.extend_from_slice(self.sha256.as_bytes());
        m.extend_from_slice(&self.size.to_le_bytes());
        m.extend_from_slice(&self.parts.to_le_bytes());
        match self.captured_ms {
            Some(t) => {
                m.push(1);
                m.extend_from_slice(&t.to_le_bytes());
            }
            None => m.push(0),
        }
        m.extend_from_slice(&self.added_ms.to_le_bytes());
        for s in [&self.name, &self.media_type] {
            m.extend_from_slice(&(s.len() as u32).to_le_bytes());
            m.extend_from_slice(s.as_bytes());
        }
        m
    }

    /// True when `device` signed exactly this description for `record`.
    pub fn signature_holds(&self, record: &RecordId) -> bool {
        let (mut key, mut sig) = ([0u8; 32], [0u8; 64]);
        if hex::decode_to_slice(&self.device, &mut key).is_err()
            || hex::decode_to_slice(&self.signature, &mut sig).is_err()
        {
            return false;
        }
        let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
        key.verify_strict(&self.signed_bytes(record), &Signature::from_bytes(&sig)).is_ok()
    }

    /// Checks the description's shape (not its signature).
    pub(crate) fn check_fields(&self) -> Result<()> {
        let hex_of = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if self.name.is_empty() {
            return Err(Error::invalid("A file needs a name."));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(Error::invalid(format!("The file name is too long: keep it under {MAX_NAME} characters.")));
        }
        check_line("file name", &self.name)?;
        if self.name.contains(['/', '\\']) || self.name == "." || self.name == ".." {
            return Err(Error::invalid("A file name cannot name a folder (no / or \\)."));
        }
        let token =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
        let shaped =
            self.media_type.len() <= 100 && self.media_type.split_once('/').is_some_and(|(t, s)| token(t) && token(s));
        if !shaped {
            return Err(Error::invalid("The media type must look like type/subtype, for example image/jpeg."));
        }
        if self.size > MAX_ATTACHMENT_BYTES as u64 || self.parts != parts_for(self.size as usize) {
            return Err(Error::invalid("An attachment's size or number of parts is wrong."));
        }
        if !hex_of(&self.id, 32) || !hex_of(&self.sha256, 64) || !hex_of(&self.device, 64) {
            return Err(Error::invalid("An attachment's id, SHA-256 or device key is malformed."));
        }
        Ok(())
    }
}

/// Checks a record's list of attachments: shape of each (a signature is checked when the file is
/// read, not here: a record holding one that does not verify still opens), no repeated id.
pub(crate) fn check_attachments(list: &[Attachment]) -> Result<()> {
    if list.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(format!("Too many files on one record: at most {MAX_ATTACHMENTS}.")));
    }
    let mut ids = std::collections::HashSet::new();
    for a in list {
        a.check_fields()?;
        if a.signature.len() != 128 || !a.signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid("An attachment's signature is malformed."));
        }
        if !ids.insert(&a.id) {
            return Err(Error::invalid("The same file is listed twice."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn a_signed_description_verifies_for_its_record_only_and_breaks_when_changed() {
        let rec = RecordId([1; 16]);
        let a = Attachment::new_signed(&key(), &rec, "photo.jpg", "image/JPEG", b"jpeg bytes", Some(5), 9).unwrap();
        assert_eq!(a.media_type, "image/jpeg");
        assert_eq!(a.parts, 1);
        assert_eq!(a.sha256, sha256_hex(b"jpeg bytes"));
        assert!(a.signature_holds(&rec));
        assert!(!a.signature_holds(&RecordId([2; 16])), "bound to its record");
        for change in [
            |a: &mut Attachment| a.sha256 = sha256_hex(b"other"),
            |a: &mut Attachment| a.captured_ms = Some(6),
            |a: &mut Attachment| a.captured_ms = None,
            |a: &mut Attachment| a.name = "photo2.jpg".into(),
            |a: &mut Attachment| a.added_ms += 1,
            |a: &mut Attachment| a.device = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes()),
        ] {
            let mut b = a.clone();
            change(&mut b);
            assert!(!b.signature_holds(&rec), "{b:?}");
        }
        check_attachments(std::slice::from_ref(&a)).unwrap();
        assert!(check_attachments(&[a.clone(), a]).is_err(), "repeated id");
    }

    #[test]
    fn bad_names_types_and_sizes_are_refused_with_a_sentence() {
        let rec = RecordId([1; 16]);
        for (name, media) in
            [("", "text/plain"), ("../x", "text/plain"), ("a\nb", "text/plain"), ("a", "text"), ("a", "te xt/plain")]
        {
            let e = Attachment::new_signed(&key(), &rec, name, media, b"x", None, 0).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{name:?} {media:?}");
        }
        let big = vec![0u8; MAX_ATTACHMENT_BYTES + 1];
        assert!(Attachment::new_signed(&key(), &rec, "big", "", &big, None, 0)
            .unwrap_err()
            .to_string()
            .contains("too large"));
        assert_eq!(parts_for(0), 1);
        assert_eq!(parts_for(PART_LEN), 1);
        assert_eq!(parts_for(PART_LEN + 1), 2);
    }
}
