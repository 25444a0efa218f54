//! Attachment parts: the payload of the sealed changes that carry a file's bytes.
//!
//! A part travels as an ordinary [`SealedChange`](crate::sealed::SealedChange) of the record the
//! file belongs to (so it is encrypted under the record's space key, signed, synced, carried and
//! erased like any change of that record); in place of an automerge change its payload is
//!
//! ```text
//! magic "CNAP" | version u8 | attachment id [16] | index u32 | count u32 | bytes (at most PART_LEN)
//! ```
//!
//! An automerge change and a tombstone start with other magic bytes, so none can be taken for
//! another. The sealed change pads its plaintext (Padmé), so a part's size shows the file's size
//! only roughly, and a file's number of parts shows it to within 256 KiB.
//!
//! Must never: panic on any input, or accept more than `PART_LEN` bytes.

use crate::model::attachment::PART_LEN;

const MAGIC: &[u8; 4] = b"CNAP";
/// Payload version written by this build.
pub const VERSION: u8 = 1;
const HEAD_LEN: usize = 4 + 1 + 16 + 4 + 4;

/// One part of a file.
#[derive(Clone, PartialEq, Eq)]
pub struct Part {
    /// The attachment it belongs to.
    pub attachment: [u8; 16],
    /// Its place, from 0.
    pub index: u32,
    /// How many parts the file has.
    pub count: u32,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bytes: they are user content.
        write!(f, "Part({} {}/{}, {} bytes)", hex::encode(self.attachment), self.index, self.count, self.bytes.len())
    }
}

/// Why a payload marked as a part is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    /// Cut short, too long, or numbered impossibly.
    #[error("the attachment part is malformed")]
    Malformed,
    /// Written by a newer format.
    #[error("attachment part format {0} is not supported")]
    UnknownVersion(u8),
}

/// True when a decrypted change payload is an attachment part.
pub fn is_part(payload: &[u8]) -> bool {
    payload.starts_with(MAGIC)
}

/// The attachment id of a part payload of this format, read from its header without copying its
/// bytes; `None` for a payload too short or of another version (kept as it is: a newer build may
/// read it).
pub fn attachment_of(payload: &[u8]) -> Option<[u8; 16]> {
    if payload.len() < HEAD_LEN || !is_part(payload) || payload[4] != VERSION {
        return None;
    }
    payload[5..21].try_into().ok()
}

impl Part {
    /// The payload bytes (to be sealed as a change of the record).
    pub fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(HEAD_LEN + self.bytes.len()));
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.attachment);
        out.extend_from_slice(&self.index.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Parses a payload; bounded, never panics.
    pub fn decode(b: &[u8]) -> Result<Part, PartError> {
        if b.len() < HEAD_LEN || !is_part(b) {
            return Err(PartError::Malformed);
        }
        if b[4] != VERSION {
            return Err(PartError::UnknownVersion(b[4]));
        }
        let bytes = &b[HEAD_LEN..];
        let mut attachment = [0u8; 16];
        attachment.copy_from_slice(&b[5..21]);
        let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let (index, count) = (word(21), word(25));
        if bytes.len() > PART_LEN || count == 0 || index >= count {
            return Err(PartError::Malformed);
        }
        Ok(Part { attachment, index, count, bytes: bytes.to_vec() })
    }

    /// Splits a file into its parts.
    pub fn split(attachment: [u8; 16], file: &[u8]) -> Vec<Part> {
        let count = crate::model::attachment::parts_for(file.len());
        if file.is_empty() {
            return vec![Part { attachment, index: 0, count, bytes: Vec::new() }];
        }
        file.chunks(PART_LEN)
            .enumerate()
            .map(|(i, c)| Part { attachment, index: i as u32, count, bytes: c.to_vec() })
            .collect()
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_every_truncation_or_flip_is_refused_without_panic() {
        let file: Vec<u8> = (0..(PART_LEN * 2 + 10)).map(|i| (i % 251) as u8).collect();
        let parts = Part::split([9; 16], &file);
        assert_eq!(parts.len(), 3);
        let joined: Vec<u8> = parts.iter().flat_map(|p| p.bytes.clone()).collect();
        assert_eq!(joined, file);
        let small = Part { attachment: [1; 16], index: 1, count: 2, bytes: b"abc".to_vec() };
        let enc = small.encode();
        assert_eq!(Part::decode(&enc).unwrap(), small);
        for n in 0..HEAD_LEN {
            assert!(Part::decode(&enc[..n]).is_err());
        }
        for i in 0..HEAD_LEN {
            let mut b = enc.to_vec();
            b[i] ^= 0xff;
            let _ = Part::decode(&b); // never panics (a flipped magic or version is refused; flipped
                                      // numbers may still decode, and reading checks them)
        }
        let mut bad = enc.to_vec();
        bad[4] = 2;
        assert_eq!(Part::decode(&bad), Err(PartError::UnknownVersion(2)));
        let numbered = |index: u32, count: u32| Part { attachment: [1; 16], index, count, bytes: vec![] }.encode();
        assert!(Part::decode(&numbered(2, 2)).is_err());
        assert!(Part::decode(&numbered(0, 0)).is_err());
        let mut long = numbered(0, 1).to_vec();
        long.extend(vec![0u8; PART_LEN + 1]);
        assert!(Part::decode(&long).is_err());
        assert_eq!(Part::split([0; 16], b"").len(), 1);
        assert_eq!(attachment_of(&enc), Some([1; 16]));
        assert_eq!(attachment_of(&bad), None, "another version");
        assert_eq!(attachment_of(&enc[..HEAD_LEN - 1]), None);
        assert!(!format!("{small:?}").contains("abc"));
    }
}
