//! The plaintexts of a record's two rows, each encrypted on its own before it reaches the store:
//!
//! - the **view** row (`records`): who the record is and a JSON view of its fields, read for every
//!   record at unlock, so it stays small;
//! - the **document** row (`docs`): the saved automerge document, read only to edit a record or
//!   show its history.
//!
//! Both carry the record id and the document heads, so a row moved from another record, or a
//! document row rolled back on its own, is detected.
//!
//! ```text
//! view: "CNRV" | format u16 | kind u8 | id [16] | seq u64 | created i64 | updated i64
//!       | head count u16 | heads [32 each] | JSON view (rest)
//! doc:  "CNRD" | format u16 | id [16] | through i64 | automerge document (rest)
//! ```

use automerge::ChangeHash;

use crate::model::{RecordId, RecordKind};

const VIEW_MAGIC: &[u8; 4] = b"CNRV";
const DOC_MAGIC: &[u8; 4] = b"CNRD";
/// Row format this build writes and the highest it reads.
pub const FORMAT: u16 = 1;
const MAX_HEADS: usize = 4096;

/// A decoded view row.
pub struct ViewRow<'a> {
    pub kind: RecordKind,
    pub id: RecordId,
    pub seq: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub heads: Vec<ChangeHash>,
    pub view: &'a [u8],
}

/// A decoded document row.
pub struct DocRow<'a> {
    pub id: RecordId,
    /// The local sequence number of the last sealed change this document includes; later changes
    /// of the record are replayed from the change log when it is loaded.
    pub through: i64,
    pub doc: &'a [u8],
}

/// Why a row's plaintext was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowError {
    /// Not the expected layout.
    Malformed,
    /// Written by a newer format.
    Newer(u16),
}

impl<'a> ViewRow<'a> {
    /// Serialises the row.
    pub fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(64 + self.heads.len() * 32 + self.view.len()));
        out.extend_from_slice(VIEW_MAGIC);
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
        out.extend_from_slice(self.view);
        out
    }

    /// Parses a view row, checking layout and version; never panics.
    pub fn decode(b: &'a [u8]) -> Result<ViewRow<'a>, RowError> {
        let mut r = Reader::new(b, RowError::Malformed);
        header(&mut r, VIEW_MAGIC)?;
        let kind = RecordKind::from_tag(r.take(1)?[0]).ok_or(RowError::Malformed)?;
        let id = RecordId(r.array()?);
        let seq = u64::from_le_bytes(r.array()?);
        let created_ms = i64::from_le_bytes(r.array()?);
        let updated_ms = i64::from_le_bytes(r.array()?);
        let n = u16::from_le_bytes(r.array()?) as usize;
        if n > MAX_HEADS {
            return Err(RowError::Malformed);
        }
        let heads = (0..n).map(|_| r.array().map(ChangeHash)).collect::<Result<Vec<_>, _>>()?;
        Ok(ViewRow { kind, id, seq, created_ms, updated_ms, heads, view: r.rest() })
    }
}

impl<'a> DocRow<'a> {
    /// Serialises the row.
    pub fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(22 + self.doc.len()));
        out.extend_from_slice(DOC_MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&self.id.0);
        out.extend_from_slice(&self.through.to_le_bytes());
        out.extend_from_slice(self.doc);
        out
    }

    /// Parses a document row; never panics.
    pub fn decode(b: &'a [u8]) -> Result<DocRow<'a>, RowError> {
        let mut r = Reader::new(b, RowError::Malformed);
        header(&mut r, DOC_MAGIC)?;
        let id = RecordId(r.array()?);
        let through = i64::from_le_bytes(r.array()?);
        Ok(DocRow { id, through, doc: r.rest() })
    }
}

type Reader<'a> = crate::wire::Reader<'a, RowError>;

fn header(r: &mut Reader<'_>, magic: &[u8; 4]) -> Result<(), RowError> {
    if r.take(4)? != magic {
        return Err(RowError::Malformed);
    }
    let format = u16::from_le_bytes(r.array()?);
    if format > FORMAT {
        return Err(RowError::Newer(format));
    }
    Ok(())
}

const JOURNAL_MAGIC: &[u8; 4] = b"CNRJ";

/// A decoded journal entry: an acknowledged edit not yet applied to its document.
///
/// ```text
/// journal: "CNRJ" | format u16 | kind u8 | id [16] | space [16] | new u8 | seq u64 | created i64
///          | time i64 | the record's fields as JSON (rest)
/// ```
pub struct JournalRow<'a> {
    pub kind: RecordKind,
    pub id: RecordId,
    /// The space the record's changes are sealed in (a new record has no change yet to tell).
    pub space: crate::model::SpaceId,
    /// True for a record created by this edit (it has no document yet).
    pub new: bool,
    /// The view row's sequence number once applied.
    pub seq: u64,
    pub created_ms: i64,
    /// When the edit was acknowledged: the time of its change.
    pub time_ms: i64,
    pub fields: &'a [u8],
}

impl<'a> JournalRow<'a> {
    /// Serialises the entry.
    pub fn encode(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(48 + self.fields.len()));
        out.extend_from_slice(JOURNAL_MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.push(self.kind.tag());
        out.extend_from_slice(&self.id.0);
        out.extend_from_slice(&self.space.0);
        out.push(u8::from(self.new));
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.created_ms.to_le_bytes());
        out.extend_from_slice(&self.time_ms.to_le_bytes());
        out.extend_from_slice(self.fields);
        out
    }

    /// Parses an entry; never panics.
    pub fn decode(b: &'a [u8]) -> Result<JournalRow<'a>, RowError> {
        let mut r = Reader::new(b, RowError::Malformed);
        header(&mut r, JOURNAL_MAGIC)?;
        let kind = RecordKind::from_tag(r.take(1)?[0]).ok_or(RowError::Malformed)?;
        let id = RecordId(r.array()?);
        let space = crate::model::SpaceId(r.array()?);
        let new = match r.take(1)?[0] {
            0 => false,
            1 => true,
            _ => return Err(RowError::Malformed),
        };
        let seq = u64::from_le_bytes(r.array()?);
        let created_ms = i64::from_le_bytes(r.array()?);
        let time_ms = i64::from_le_bytes(r.array()?);
        Ok(JournalRow { kind, id, space, new, seq, created_ms, time_ms, fields: r.rest() })
    }
}
