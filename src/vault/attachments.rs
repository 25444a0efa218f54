//! Files kept with records: adding one, reading it back, removing it.
//!
//! A file is described in its record (`Attachment`: name, type, size, SHA-256, capture time,
//! signature) and its bytes are stored as *parts* ([`crate::part`]): sealed changes of the
//! record, 256 KiB each, written in the same durable transaction as the description, under the
//! record's space key. So a file is encrypted at rest and in transit, synced with the record,
//! carried by couriers, moved with the record into a space and erased with it, by the machinery
//! that does all that for the record's edits.
//!
//! Only `attach` and `detach` change a record's files: an editor's save keeps them as stored
//! (`Vault::update`, `save_edit` and drafts put them back). A removal is explicit: `detach` adds
//! the file's id to the record's `removed_attachments`, a set that only grows, so it reaches every
//! device in any order of arrival: `ingest` erases the parts a device holds of a file once the
//! record it applies names the file as removed, and drops such parts when they arrive later.
//! Nothing is inferred from a description missing from a list (a list two devices created at
//! once shows both: see `document::hydrate`).
//!
//! Reading gathers the record's parts of that file one stored change at a time, checks each
//! (signature, then decryption under the space's key, then the record id inside), and checks
//! the whole against the SHA-256 and size of the description before handing back any byte.
//!
//! Must never: write a file's bytes anywhere but sealed parts, return bytes that do not match
//! the SHA-256 the record holds, take a part sealed by another device than the one that added the
//! file, or keep parts of a file its record names as removed (once this device reads the record).

use std::collections::{BTreeMap, HashSet};

use zeroize::Zeroizing;

use super::records::OpenDoc;
use super::{now_ms, Vault};
use crate::error::{Error, Result};
use crate::model::attachment::sha256_hex;
use crate::model::{Attachment, Record, RecordId, SpaceId};
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

/// The ids of the files a record says were removed.
pub(super) fn removed_of(record: &Record) -> HashSet<String> {
    record.removed_attachments().iter().cloned().collect()
}

/// File ids (32 hex digits) as bytes; malformed ones are left out.
pub(super) fn id_bytes<'a>(ids: impl IntoIterator<Item = &'a String>) -> HashSet<[u8; 16]> {
    ids.into_iter()
        .filter_map(|id| {
            let mut b = [0u8; 16];
            hex::decode_to_slice(id, &mut b).ok().map(|()| b)
        })
        .collect()
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
        if list.iter().filter(|a| a.check_fields().is_ok()).count() >= crate::model::attachment::MAX_ATTACHMENTS {
            return Err(Error::invalid(format!(
                "This record already has {} files, the most one record keeps: remove one first.",
                crate::model::attachment::MAX_ATTACHMENTS
            )));
        }
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
        // Descriptions that came by sync may hold any values: only well-formed ones count.
        let total: u64 =
            list.iter().filter(|a| a.check_fields().is_ok()).fold(attachment.size, |sum, a| sum.saturating_add(a.size));
        if total > MAX_RECORD_FILES {
            return Err(Error::invalid(format!(
                "The files of one record may add up to {} MB at most: remove one first, or attach this file to another record.",
                MAX_RECORD_FILES / (1024 * 1024)
            )));
        }
        list.push(attachment.clone());
        crate::model::attachment::check_attachments(std::slice::from_ref(&attachment))?;
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
        let (files, removed) = match &mut value {
            Record::Note(n) => (&mut n.attachments, &mut n.removed_attachments),
            Record::Reprisal(r) => (&mut r.attachments, &mut r.removed_attachments),
            _ => return Err(Error::AttachmentNotFound { record: *record, attachment: found.id }),
        };
        files.retain(|a| a.id != found.id);
        // The removal itself is recorded, so that every device erases the file's parts whenever
        // they reach it, and no concurrent write brings the description back.
        if !removed.contains(&found.id) {
            removed.push(found.id.clone());
        }
        let gone: HashSet<[u8; 16]> = found.id_bytes().into_iter().collect();
        let erase = self.erasure_of_parts(record, &gone, self.space_of(record))?;
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
        // A description that came by sync is checked here (a member could write any values).
        let damaged = || Error::AttachmentDamaged { record: *record };
        found.check_fields().map_err(|_| damaged())?;
        let want = found.id_bytes().ok_or_else(damaged)?;
        let mut author = [0u8; 32];
        hex::decode_to_slice(&found.device, &mut author).map_err(|_| damaged())?;
        let mut parts: BTreeMap<u32, Zeroizing<Vec<u8>>> = BTreeMap::new();
        let unusable = self.for_each_part(record, |_, sealer, part| {
            // Only the device that added the file seals its parts (it also re-seals them when it
            // shares the record): a part another member forged is not taken for one of them.
            if sealer == &author && part.attachment == want && part.count == found.parts {
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
        let mut bytes = Zeroizing::new(Vec::with_capacity(parts.values().map(|p| p.len()).sum()));
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
        let list = cached.record.attachments();
        let hits: Vec<&Attachment> =
            list.iter().filter(|a| a.id == wanted || (wanted.len() >= 4 && a.id.starts_with(&wanted))).collect();
        let not_found =
            || Error::AttachmentNotFound { record: *record, attachment: attachment.chars().take(40).collect() };
        // One file, possibly described twice (a member's build could write a second description
        // under the same id): the one whose signature holds, else the first.
        let first = hits.first().ok_or_else(not_found)?;
        if hits.iter().any(|a| a.id != first.id) {
            return Err(not_found());
        }
        Ok((*hits.iter().find(|a| a.signature_holds(record)).unwrap_or(first)).clone())
    }

    /// Calls `f` with every readable part stored for `record`; returns how many stored changes
    /// of it were unusable (malformed, signature or decryption failing, another record's id
    /// inside). Those are skipped: the caller says what is missing.
    /// `f` gets the change's id, its sealer and the part.
    pub(super) fn for_each_part(
        &self,
        record: &RecordId,
        mut f: impl FnMut([u8; 32], &[u8; 32], &Part),
    ) -> Result<usize> {
        let mut unusable = 0;
        self.store.for_each_change_of_doc(record, |change, body| {
            let opened = SealedChange::decode(body).ok().and_then(|sc| {
                let key = self.opening_key(sc.space, sc.epoch)?;
                sc.open(key).ok().map(|o| (sc.author, o))
            });
            match opened {
                Some((author, (doc, payload))) if doc == *record => {
                    let payload = Zeroizing::new(payload);
                    if is_part(&payload) {
                        match Part::decode(&payload) {
                            Ok(part) => f(change, &author, &part),
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
    pub(super) fn erasure_of_parts(
        &self,
        record: &RecordId,
        gone: &HashSet<[u8; 16]>,
        space: Option<SpaceId>,
    ) -> Result<Erasure> {
        let mut erase = Erasure::default();
        if gone.is_empty() {
            return Ok(erase);
        }
        self.for_each_part(record, |change, _, part| {
            if gone.contains(&part.attachment) {
                erase.changes.push(change);
            }
        })?;
        if let Some(space) = space {
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

#[cfg(test)]
mod tests {
    //! What a hostile member could send: a part forged for someone else's file, and a file
    //! description with impossible values. Written here, inside the crate, as such a member's
    //! build would write them.
    use std::path::Path;

    use super::*;
    use crate::model::Note;
    use crate::space::log::Role;
    use crate::{SecretString, VaultOptions};

    fn vault(dir: &Path) -> Vault {
        let pass = SecretString::from("correct horse battery staple".to_owned());
        Vault::create_with(dir, &pass, &VaultOptions { work_factor: 10 }).unwrap()
    }

    fn sync(from: &Vault, to: &mut Vault, space: SpaceId) {
        let ids = from.item_ids(space).unwrap();
        to.ingest(space, from.items(space, &ids).unwrap()).unwrap();
    }

    #[test]
    fn a_part_another_member_forged_is_not_taken_for_one_of_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut a, mut b, mut c) =
            (vault(&tmp.path().join("a")), vault(&tmp.path().join("b")), vault(&tmp.path().join("c")));
        let space = a.create_space("Office").unwrap();
        for m in [&mut b, &mut c] {
            let card = m.member_card("M").unwrap().0;
            m.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
        }
        sync(&a, &mut b, space);
        sync(&a, &mut c, space);
        let id = a.add_to_space(&space, &Note { title: "Raid".into(), ..Default::default() }).unwrap();
        let file = NewFile { name: "photo.jpg", media_type: "image/jpeg", bytes: b"the real photo", captured_ms: None };
        let real = a.attach(&id, &file).unwrap();

        // B, a member, seals its own bytes as part 0 of A's file; C receives B's part first.
        let forged = {
            let part =
                Part { attachment: real.id_bytes().unwrap(), index: 0, count: 1, bytes: b"a forged photo".to_vec() };
            let (epoch, key) = b.writable(&space).unwrap();
            SealedChange::seal(&b.keys.device, space, epoch, key, id, &part.encode()).as_bytes().to_vec()
        };
        c.ingest(space, vec![forged]).unwrap();
        sync(&a, &mut c, space);
        let read = c.read_attachment(&id, &real.id).unwrap();
        assert_eq!(read.bytes.as_slice(), b"the real photo");
    }

    #[test]
    fn a_part_of_a_format_this_build_does_not_know_is_kept_and_passed_on_not_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut a, mut b) = (vault(&tmp.path().join("a")), vault(&tmp.path().join("b")));
        let space = a.create_space("Office").unwrap();
        let card = b.member_card("B").unwrap().0;
        b.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
        sync(&a, &mut b, space);
        let id = a.add_to_space(&space, &Note { title: "Raid".into(), ..Default::default() }).unwrap();
        // A newer build's part: version 2 of the payload.
        let mut payload = Part { attachment: [5; 16], index: 0, count: 1, bytes: b"new".to_vec() }.encode().to_vec();
        payload[4] = 2;
        let newer = {
            let (epoch, key) = a.writable(&space).unwrap();
            SealedChange::seal(&a.keys.device, space, epoch, key, id, &payload).as_bytes().to_vec()
        };
        let newer_id = *blake3::hash(&newer).as_bytes();
        let mut batch = a.items(space, &a.item_ids(space).unwrap()).unwrap();
        batch.push(newer);
        let report = b.ingest(space, batch).unwrap();
        assert_eq!(report.dropped, 0, "{report:?}");
        assert!(b.item_ids(space).unwrap().contains(&newer_id), "kept, to be passed on");
        assert_eq!(b.get::<Note>(&id).unwrap().value.title, "Raid");
    }

    #[test]
    fn a_description_with_impossible_values_is_refused_when_read_and_does_not_block_edits() {
        let tmp = tempfile::tempdir().unwrap();
        let mut v = vault(&tmp.path().join("v"));
        let id = v.add(&Note { title: "Raid".into(), ..Default::default() }).unwrap();
        let file = NewFile { name: "a.jpg", media_type: "image/jpeg", bytes: b"jpeg", captured_ms: None };
        let good = v.attach(&id, &file).unwrap();
        // As a member's build could write it: a size of a terabyte, and a name with a line break.
        let huge = Attachment { size: 1 << 40, name: "a\nb".into(), ..good.clone() };
        let mut record = v.record(&id).unwrap().value;
        if let Record::Note(n) = &mut record {
            n.attachments = vec![huge];
        }
        v.write_files(id, crate::model::RecordKind::Note, record, Vec::new(), Erasure::default()).unwrap();
        let e = v.read_attachment(&id, &good.id).unwrap_err();
        assert_eq!(e.code(), "attachment_damaged", "{e}");
        // The record can still be edited (its other fields), and the description stays as it is.
        v.update::<Note>(&id, |n| n.body = "still editable".into()).unwrap();
        assert_eq!(v.get::<Note>(&id).unwrap().value.attachments[0].size, 1 << 40);
    }
}
