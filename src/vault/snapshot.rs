//! The plaintext of one record row: who it is, its automerge heads, a JSON view for fast listing,
//! and the saved automerge document. Encrypted as a whole before it reaches the store.
//!
//! ```text
//! magic "CNRS" | format u16 | kind u8 | record id [16] | seq u64 | created i64 | updated i64
//! | head count u16 | heads [32 each] | view length u32 | view (JSON) | automerge document
//! ```

use automerge::ChangeHash;

use crate::model::{RecordId, RecordKind};

const MAGIC: &[u8; 4] = b"CNRS";
/// Row format this build writes and the highest it reads.
pub const FORMAT: u16 = 1;
const MAX_HEADS: usize = 4096;

/// A decoded record row.
pub struct Snapshot<'a> {
    pub kind: RecordKind,
    pub id: RecordId,
    pub seq: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub heads: Vec<ChangeHash>,
    pub view: &'a [u8],
    pub doc: &'a [u8],
}

/// Why a row's plaintext was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not the expected layout.
    Malformed,
    /// Written by a newer format.
    Newer(u16),
}

impl<'a> Snapshot<'a> {
    /// Serialises the snapshot.
    pub fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(
            64 + self.heads.len() * 32 + self.view.len() + self.doc.len(),
        ));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.push(self.kind.tag());
        out.extend_from_slice(&self.id.0);
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.created_ms.to_le_bytes());
        out.extend_from_slice(&self.updated_ms.to_le_bytes());
        out.extend_from_slice(&(self.heads.len() as u16).to_le_bytes());
        for h in &self.heads {
            out.extend_from_slice(&h.0);
        }
        out.extend_from_slice(&(self.view.len() as u32).to_le_bytes());
        out.extend_from_slice(self.view);
        out.extend_from_slice(self.doc);
        out
    }

    /// Parses a snapshot, checking its layout and version; never panics.
    pub fn decode(b: &'a [u8]) -> Result<Snapshot<'a>, SnapshotError> {
        let mut r = Reader { b, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(SnapshotError::Malformed);
        }
        let format = u16::from_le_bytes(r.array()?);
        if format > FORMAT {
            return Err(SnapshotError::Newer(format));
        }
        let kind = RecordKind::from_tag(r.take(1)?[0]).ok_or(SnapshotError::Malformed)?;
        let id = RecordId(r.array()?);
        let seq = u64::from_le_bytes(r.array()?);
        let created_ms = i64::from_le_bytes(r.array()?);
        let updated_ms = i64::from_le_bytes(r.array()?);
        let n = u16::from_le_bytes(r.array()?) as usize;
        if n > MAX_HEADS {
            return Err(SnapshotError::Malformed);
        }
        let heads = (0..n).map(|_| r.array().map(ChangeHash)).collect::<Result<Vec<_>, _>>()?;
        let view_len = u32::from_le_bytes(r.array()?) as usize;
        let view = r.take(view_len)?;
        let doc = &b[r.at..];
        Ok(Snapshot { kind, id, seq, created_ms, updated_ms, heads, view, doc })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).ok_or(SnapshotError::Malformed)?;
        let s = self.b.get(self.at..end).ok_or(SnapshotError::Malformed)?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        self.take(N)?.try_into().map_err(|_| SnapshotError::Malformed)
    }
}
