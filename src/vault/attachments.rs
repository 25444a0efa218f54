//! Files kept with records: adding one, reading it back, removing it.
//!
//! A file is described in its record (`Attachment`: name, type, size, SHA-256, capture time,
//! signature) and its bytes are stored as *parts* ([`crate::part`]): sealed changes of the
//! record, 256 KiB each, written in the same durable transaction as the description, under the
//! record's space key. So a file is encrypted at rest and in transit, synced with the record,
//! carried by couriers, moved with the record into a space and erased with it, by the machinery
//! that does all that for the record's edits.
//!
//! Only `attach` and `detach` change a record's list of files: an editor's save keeps the list
//! as stored (`Vault::update`, `save_edit` and drafts put it back).
//!
//! Reading gathers the record's parts of that file one stored change at a time, checks each
//! (signature, then decryption under the space's key, then the record id inside), and checks
//! the whole against the SHA-256 and size of the description before handing back any byte.
//!
//! Must never: write a file's bytes anywhere but sealed parts, return bytes that do not match
//! the SHA-256 the record holds, or leave the parts of a removed file on this device.

use std::collections::{BTreeMap, HashSet};

use zeroize::Zeroizing;

use super::records::OpenDoc;
use super::{now_ms, Vault};
use crate::error::{Error, Result};
use crate::model::attachment::sha256_hex;
use crate::model::{Attachment, Record, RecordId};
use crate::part::{is_part, Part};
use crate::sealed::SealedChange;
use crate::store::Erasure;

/// Most bytes of files one record holds (its files are re-sealed in memory when it moves to a
/// space).
pub const MAX_RECORD_FILES: u64 = 100 * 1024 * 1024;

/// A file to attach.
pub struct NewFile<'a> {
    /// Its name (no folder).
    pub name: &'a str,
    /// Its media type (empty: `application/octet-stream`).
    pub media_type: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// When the evidence was captured, if known (ms since the epoch).
    pub captured_ms: Option<i64>,
}

/// Who vouches for a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Signer {
    /// The description's signature verifies with the device key it names.
    pub valid: bool,
    /// That key is this device's.
    pub this_device: bool,
    /// The name that device goes by in a space this device shares with it (self-chosen, not a
    /// verified identity), if any.
    pub name: Option<String>,
}

/// A file read back: its description, who signed it, and its bytes (checked against the
/// SHA-256; wiped from memory when dropped).
pub struct FileRead {
    /// The description from the record.
    pub attachment: Attachment,
    /// Who vouches for it.
    pub signer: Signer,
    /// The file.
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for FileRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileRead({}, {} bytes)", self.attachment.id, self.bytes.len())
    }
}

pub(super) fn attachments_of(record: &Record) -> &[Attachment] {
    match record {
        Record::Note(n) => &n.attachments,
        Record::Reprisal(r) => &r.attachments,
        Record::Contact(_) | Record::CheckIn(_) => &[],
    }
}

impl Vault {
    /// Attaches a file to a note or a reprisal record: signs its description, seals its parts
    /// and writes them with the record's new description in one durable transaction. Returns the
    /// description.
    pub fn attach(&mut self, record: &RecordId, file: &NewFile<'_>) -> Result<Attachment> {
        self.settle()?;
        let cached = self.cached(record)?;
        let (kind, mut value) = (cached.kind, cached.record.clone());
        let list = match &mut value {
            Record::Note(n) => &mut n.attachments,
            Record::Reprisal(r) => &mut r.attachments,
            _ => return Err(Error::invalid("Files can be attached to notes and reprisal records only.")),
        };
        let now = now_ms();
        let attachment = Attachment::new_signed(
            &self.keys.device,
            record,
            file.name,
            file.media_type,
            file.bytes,
            file.captured_ms,
            now,
        )?;
        let total: u64 = list.iter().map(|a| a.size).sum::<u64>() + attachment.size;
        if total > MAX_RECORD_FILES {
            return Err(Error::invalid(format!(
                "The files of one record may add up to {} MB at most: remove one first, or attach this file to another record.",
                MAX_RECORD_FILES / (1024 * 1024)
            )));
        }
        list.push(attachment.clone());
        value.with(|r| r.view_validate())?;
        let sealing = self.sealing(record)?;
        let id_bytes = attachment.id_bytes().ok_or_else(|| Error::invalid("bad attachment id"))?;
        let parts: Vec<SealedChange> = Part::split(id_bytes, file.bytes)
            .iter()
            .map(|p| {
                SealedChange::seal(&self.keys.device, sealing.space, sealing.epoch, &sealing.key, *record, &p.encode())
            })
            .collect();
        self.write_files(*record, kind, value, parts, Erasure::default())?;
        tracing::info!(parts = attachment.parts, "file attached");
        Ok(attachment)
    }

    /// Removes a file from a record and erases its parts from this device in the same
    /// transaction (then truncates the WAL). In a shared space the parts' ids are kept as
    /// erased, so sync does not bring them back; members' devices erase theirs when the removal
    /// reaches them.
    pub fn detach(&mut self, record: &RecordId, attachment: &str) -> Result<()> {
        self.settle()?;
        let cached = self.cached(record)?;
        let (kind, mut value) = (cached.kind, cached.record.clone());
        let found = self.find_attachment(record, attachment)?;
        if let Record::Note(n) = &mut value {
            n.attachments.retain(|a| a.id != found.id);
        } else if let Record::Reprisal(r) = &mut value {
            r.attachments.retain(|a| a.id != found.id);
        }
        let gone: HashSet<[u8; 16]> = found.id_bytes().into_iter().collect();
        let erase = self.erasure_of_parts(record, &gone)?;
        let erased_ids = erase.changes.clone();
        self.write_files(*record, kind, value, Vec::new(), erase)?;
        if let Some(space) = self.space_of(record) {
            self.remember_erased(space, erased_ids);
        }
        tracing::info!("file removed");
        Ok(())
    }

    /// Reads a file back, checked against the SHA-256 and size its record holds.
    pub fn read_attachment(&self, record: &RecordId, attachment: &str) -> Result<FileRead> {
        self.wait_for_journal();
        let found = self.find_attachment(record, attachment)?;
        let want = found.id_bytes().ok_or(Error::AttachmentDamaged { record: *record })?;
        let mut parts: BTreeMap<u32, Zeroizing<Vec<u8>>> = BTreeMap::new();
        let unusable = self.for_each_part(record, |part| {
            if part.attachment == want && part.count == found.parts {
                parts.entry(part.index).or_insert_with(|| Zeroizing::new(part.bytes.clone()));
            }
        })?;
        if parts.len() < found.parts as usize {
            // A stored change that does not verify or decrypt may be the missing part: damage,
            // not a part still to come.
            return Err(if unusable > 0 {
                Error::AttachmentDamaged { record: *record }
            } else {
                Error::AttachmentIncomplete { have: parts.len() as u32, need: found.parts }
            });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(found.size as usize));
        for p in parts.values() {
            bytes.extend_from_slice(p);
        }
        if bytes.len() as u64 != found.size || sha256_hex(&bytes) != found.sha256 {
            return Err(Error::AttachmentDamaged { record: *record });
        }
        let signer = self.signer_of(record, &found);
        Ok(FileRead { attachment: found, signer, bytes })
    }

    /// Who vouches for a file of a record (without reading it).
    pub fn signer_of(&self, record: &RecordId, a: &Attachment) -> Signer {
        let me = hex::encode(self.keys.device_public());
        let mut key = [0u8; 32];
        let name = hex::decode_to_slice(&a.device, &mut key).ok().and_then(|()| {
            self.spaces().into_iter().find_map(|s| {
                self.space_members(&s.id).ok()?.into_iter().find(|m| m.device == key).and_then(|m| m.name)
            })
        });
        Signer { valid: a.signature_holds(record), this_device: a.device == me, name }
    }

    fn find_attachment(&self, record: &RecordId, attachment: &str) -> Result<Attachment> {
        let cached = self.cached(record)?;
        let wanted = attachment.trim().to_ascii_lowercase();
        let list = attachments_of(&cached.record);
        let mut hits = list.iter().filter(|a| a.id == wanted || (wanted.len() >= 4 && a.id.starts_with(&wanted)));
        match (hits.next(), hits.next()) {
            (Some(a), None) => Ok(a.clone()),
            _ => Err(Error::AttachmentNotFound { record: *record, attachment: attachment.chars().take(40).collect() }),
        }
    }

    /// Calls `f` with every readable part stored for `record`; returns how many stored changes
    /// of it were unusable (malformed, signature or decryption failing, another record's id
    /// inside). Those are skipped: the caller says what is missing.
    pub(super) fn for_each_part(&self, record: &RecordId, mut f: impl FnMut(&Part)) -> Result<usize> {
        let mut unusable = 0;
        self.store.for_each_change_of_doc(record, |_, body| {
            let opened = SealedChange::decode(body).ok().and_then(|sc| {
                let key = self.opening_key(sc.space, sc.epoch)?;
                sc.open(key).ok()
            });
            match opened {
                Some((doc, payload)) if doc == *record => {
                    let payload = Zeroizing::new(payload);
                    if is_part(&payload) {
                        match Part::decode(&payload) {
                            Ok(part) => f(&part),
                            Err(_) => unusable += 1,
                        }
                    }
                }
                _ => unusable += 1,
            }
            Ok(())
        })?;
        Ok(unusable)
    }

    /// What erases the stored parts of the files `gone` of `record`: their change ids, and in a
    /// shared space an `erased` row for each.
    pub(super) fn erasure_of_parts(&self, record: &RecordId, gone: &HashSet<[u8; 16]>) -> Result<Erasure> {
        let mut erase = Erasure::default();
        if gone.is_empty() {
            return Ok(erase);
        }
        self.store.for_each_change_of_doc(record, |change, body| {
            let Ok(sc) = SealedChange::decode(body) else { return Ok(()) };
            let Some(key) = self.opening_key(sc.space, sc.epoch) else { return Ok(()) };
            if let Ok((doc, payload)) = sc.open(key) {
                let payload = Zeroizing::new(payload);
                if doc == *record
                    && is_part(&payload)
                    && Part::decode(&payload).is_ok_and(|p| gone.contains(&p.attachment))
                {
                    erase.changes.push(change);
                }
            }
            Ok(())
        })?;
        if let Some(space) = self.space_of(record) {
            erase.rows = erase.changes.iter().map(|c| self.erased_change_row(space, c)).collect();
        }
        Ok(erase)
    }

    /// Writes a record's new list of files (with `parts` to add and `erase` to delete) as one
    /// local edit, durably, on this thread.
    fn write_files(
        &mut self,
        id: RecordId,
        kind: crate::model::RecordKind,
        value: Record,
        parts: Vec<SealedChange>,
        erase: Erasure,
    ) -> Result<()> {
        let mut json = serde_json::to_value(&value).map_err(|e| Error::invalid(e.to_string()))?;
        if let Some(o) = json.as_object_mut() {
            o.remove("type");
        }
        let mut open: OpenDoc = self.take_doc(&id)?;
        let fields = match open.doc.reconcile_keeping(&json, |j| Record::shown_json(kind, j)) {
            Ok(f) => f,
            Err(e) => {
                open.doc.rollback();
                self.keep_doc(id, open);
                return Err(Error::DocumentDamaged { id, detail: e.to_string() });
            }
        };
        let changes: Vec<automerge::Change> = open.doc.commit(&fields, now_ms()).into_iter().collect();
        // A new document row with this write, so that loading never replays (and decrypts) parts.
        open.tail = None;
        self.persist_with(id, kind, open, &changes, parts, erase)?;
        Ok(())
    }
}
