//! Record operations on an unlocked vault: create, read, update (directly or through drafts that
//! merge), delete, list, search and history. Every write is one durable SQLite transaction that
//! holds the new encrypted snapshot and the sealed changes that produced it.

use automerge::Change;

use super::journal::lock;
use super::snapshot::{DocRow, RowError, ViewRow};
use super::{now_ms, Cached, Vault};
use crate::crypto::SecretKey;
use crate::document::{actor_for, DocError, RecordDoc};
use crate::error::{Error, Result};
use crate::model::{HistoryEntry, Record, RecordId, RecordKind, RecordType, Stored, Summary};
use crate::sealed::SealedChange;
use crate::search::{self, Hit, Query};
use crate::store::{ChangeRow, Erasure, RecordRows};

/// A loaded document, and how many sealed changes were written since its document row (`None`
/// when it has no document row yet).
pub(crate) struct OpenDoc {
    pub(super) doc: RecordDoc,
    pub(super) tail: Option<usize>,
}

/// A new document row is written once this many changes have piled up after the last one.
const FULL_DOC_EVERY: usize = 32;
/// Loaded documents kept in memory for quick repeated edits.
const DOC_CACHE: usize = 256;
/// Epoch of the personal space: it never rotates (it never leaves the device).
pub(super) const PERSONAL_EPOCH: u32 = 0;

/// Associated data binding a row's ciphertext to its table and record id.
pub(super) fn row_aad(table: &str, id: &RecordId) -> Vec<u8> {
    let mut aad = format!("carenet/{table}-row/v1/").into_bytes();
    aad.extend_from_slice(&id.0);
    aad
}

struct Loaded {
    prepared: search::Prepared,
    cached: Cached,
}

fn summarize(id: RecordId, record: &Record, created_ms: i64, updated_ms: i64) -> (Summary, String) {
    record.with(|r| {
        let mut text = String::new();
        r.view_search_text(&mut text);
        let summary = Summary {
            id,
            kind: record.kind(),
            title: r.view_title().to_owned(),
            date: r.view_date(),
            tags: r.view_tags().to_vec(),
            created_ms,
            updated_ms,
        };
        (summary, text)
    })
}

/// Decrypts and checks one row, and prepares it for the index.
fn load_row(row_key: &SecretKey, id: &RecordId, body: &[u8]) -> Result<Loaded> {
    let damaged = || Error::RecordDamaged { id: *id };
    let plain = row_key.open(&row_aad("view", id), body).ok_or_else(damaged)?;
    let snap = ViewRow::decode(&plain).map_err(|e| match e {
        RowError::Newer(v) => Error::NewerVersion { found: v.into(), supported: super::snapshot::FORMAT.into() },
        RowError::Malformed => damaged(),
    })?;
    // The AEAD already binds the row id; the id inside the plaintext is checked as well.
    if snap.id != *id {
        return Err(damaged());
    }
    let record = Record::from_slice(snap.kind, snap.view).map_err(|_| damaged())?;
    let (summary, text) = summarize(*id, &record, snap.created_ms, snap.updated_ms);
    Ok(Loaded {
        prepared: search::prepare(summary, &text),
        cached: Cached {
            kind: snap.kind,
            record,
            created_ms: snap.created_ms,
            updated_ms: snap.updated_ms,
            seq: snap.seq,
            heads: snap.heads,
        },
    })
}

/// What a write stamps on a record's view row.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stamp {
    pub seq: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// The space, epoch and key new changes of a record are sealed under.
pub(super) struct Sealing {
    pub space: crate::model::SpaceId,
    pub epoch: u32,
    pub key: SecretKey,
}

/// One record's rows, sealed and ready to write: what one applied edit stores.
pub(super) struct SealedRows {
    id: RecordId,
    sealed: Vec<SealedChange>,
    view: Vec<u8>,
    /// The document as saved, when a new document row is due.
    doc: Option<Vec<u8>>,
    journal: Option<i64>,
}

/// Seals `changes`, the view row (`view`: the document's fields as JSON) and, every
/// `FULL_DOC_EVERY` changes, the document, for `write_sealed`. Returns the rows and the
/// document's heads. `open` counts the changes at once: if the write then fails, the caller must
/// drop `open` (the next use loads the document from disk).
#[allow(clippy::too_many_arguments)]
pub(super) fn seal_rows(
    row_key: &SecretKey,
    device: &ed25519_dalek::SigningKey,
    id: RecordId,
    kind: RecordKind,
    open: &mut OpenDoc,
    changes: &[Change],
    view: &[u8],
    stamp: &Stamp,
    sealing: &Sealing,
    journal: Option<i64>,
) -> (SealedRows, Vec<automerge::ChangeHash>) {
    let sealed: Vec<SealedChange> = changes
        .iter()
        .map(|c| SealedChange::seal(device, sealing.space, sealing.epoch, &sealing.key, id, c.raw_bytes()))
        .collect();
    let heads = open.doc.heads();
    let view_row = ViewRow {
        kind,
        id,
        seq: stamp.seq,
        created_ms: stamp.created_ms,
        updated_ms: stamp.updated_ms,
        heads: heads.clone(),
        view,
    };
    let view = row_key.seal(&row_aad("view", &id), &view_row.encode());
    // Saving the whole document costs O(history): do it only every so many changes; the changes
    // in between are replayed from the change log on load.
    let tail = open.tail.map(|t| t + changes.len()).filter(|t| *t < FULL_DOC_EVERY);
    let doc = tail.is_none().then(|| open.doc.save());
    open.tail = Some(tail.unwrap_or(0));
    (SealedRows { id, sealed, view, doc, journal }, heads)
}

/// Writes the rows of one or more applied edits in one transaction, in order (each deleting its
/// journal entry, if any).
pub(super) fn write_sealed(store: &mut crate::store::Store, row_key: &SecretKey, rows: &[SealedRows]) -> Result<()> {
    write_sealed_erasing(store, row_key, rows, &Erasure::default())
}

/// `write_sealed`, erasing what `erase` names in the same transaction.
fn write_sealed_erasing(
    store: &mut crate::store::Store,
    row_key: &SecretKey,
    rows: &[SealedRows],
    erase: &Erasure,
) -> Result<()> {
    let changes: Vec<Vec<ChangeRow<'_>>> = rows
        .iter()
        .map(|r| r.sealed.iter().map(|s| ChangeRow { id: s.id(), space: s.space.0, body: s.as_bytes() }).collect())
        .collect();
    type DocWrite<'a> = Box<dyn Fn(i64) -> Vec<u8> + 'a>;
    let docs: Vec<Option<DocWrite<'_>>> = rows
        .iter()
        .map(|r| {
            r.doc.as_deref().map(|doc| -> DocWrite<'_> {
                let id = r.id;
                Box::new(move |through| row_key.seal(&row_aad("doc", &id), &DocRow { id, through, doc }.encode()))
            })
        })
        .collect();
    let writes: Vec<RecordRows<'_>> = rows
        .iter()
        .zip(&changes)
        .zip(&docs)
        .map(|((r, c), d)| RecordRows { id: r.id, view: &r.view, doc: d.as_deref(), changes: c, journal: r.journal })
        .collect();
    store.save_records_erasing(&writes, erase)
}

/// An editing session on one record: a private copy of its document that merges back on save,
/// so two drafts of one record (two windows, or an edit racing a sync) both keep their changes.
pub struct Draft<T> {
    id: RecordId,
    doc: RecordDoc,
    /// The record as the draft edits it.
    pub value: T,
    /// The record as the draft opened it (its files are written back as they were).
    opened: T,
}

/// What [`Vault::save_edit`] stored.
#[derive(Clone, Debug)]
pub struct Saved<T> {
    /// The record as stored now.
    pub stored: Stored<T>,
    /// The stored record differs from what the editor saved: it kept changes made elsewhere
    /// after the editor opened it, so the editor should show it again.
    pub merged: bool,
    /// The editor's values replaced changes made elsewhere meanwhile (the same field, the same
    /// or neighbouring lines of a text, or fields that together broke a rule).
    pub overwrote: bool,
}

impl<T> Draft<T> {
    /// The record being edited.
    pub fn id(&self) -> RecordId {
        self.id
    }
}

impl Vault {
    /// Decrypts every row and builds the index, on all cores: this is what opening costs.
    pub(super) fn load_all(&mut self) -> Result<()> {
        let rows = self.store.all_records()?;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
        let chunk = rows.len().div_ceil(threads).max(1);
        let key = &self.row_key;
        let loaded: Vec<Vec<(RecordId, Result<Loaded>)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = rows
                .chunks(chunk)
                .map(|part| {
                    scope
                        .spawn(move || part.iter().map(|(id, body)| (*id, load_row(key, id, body))).collect::<Vec<_>>())
                })
                .collect();
            // A worker that panicked must not make its records silently vanish: fail the unlock.
            workers.into_iter().map(|w| w.join()).collect::<std::result::Result<_, _>>()
        })
        .map_err(|_| Error::Database("an internal error stopped the vault from loading; nothing was changed".into()))?;
        let loaded = loaded.into_iter().flatten();
        for (id, result) in loaded {
            match result {
                Ok(l) => {
                    self.index.insert(l.prepared);
                    self.records.insert(id, l.cached);
                }
                Err(e) => {
                    tracing::warn!(code = e.code(), "a record row could not be read");
                    self.damaged.push((id, e));
                }
            }
        }
        Ok(())
    }

    pub(super) fn index_record(&mut self, id: RecordId, record: &Record, created_ms: i64, updated_ms: i64) {
        let (summary, text) = summarize(id, record, created_ms, updated_ms);
        self.index.upsert(summary, &text);
    }

    /// Takes a record's document out of the cache, or loads it: the document row, then the
    /// record's sealed changes stored after it (each verified and decrypted), then a check that
    /// the heads are the ones the view row names. A document row that was damaged, moved or
    /// rolled back on its own does not match them.
    pub(super) fn take_doc(&mut self, id: &RecordId) -> Result<OpenDoc> {
        self.settle()?;
        if let Some(open) = lock(&self.docs).remove(id) {
            return Ok(open);
        }
        let heads = self.cached(id)?.heads.clone();
        let damaged = || Error::RecordDamaged { id: *id };
        let body = self.store.doc(id)?.ok_or_else(damaged)?;
        let plain = self.row_key.open(&row_aad("doc", id), &body).ok_or_else(damaged)?;
        let row = DocRow::decode(&plain).map_err(|_| damaged())?;
        if row.id != *id {
            return Err(damaged());
        }
        let mut later = Vec::new();
        let mut skipped_parts = false;
        // One stored change at a time: the parts of a record's files may be large.
        self.store.for_each_change_of_doc_after(id, row.through, |_, sealed| {
            let change = SealedChange::decode(sealed)
                .and_then(|s| {
                    s.open(self.opening_key(s.space, s.epoch).ok_or(crate::sealed::SealedError::Undecryptable)?)
                })
                .map_err(|e| Error::DocumentDamaged { id: *id, detail: format!("a stored change is unusable: {e}") })?;
            if change.0 != *id {
                return Err(damaged());
            }
            // A file's part is not a change of the document (see `attachments.rs`).
            if crate::part::is_part(&change.1) {
                zeroize::Zeroize::zeroize(&mut { change.1 });
                skipped_parts = true;
            } else {
                later.push(change.1);
            }
            Ok(())
        })?;
        let doc = RecordDoc::load(row.doc, &later, &heads, actor_for(&self.keys.device_public()))
            .map_err(|e| Error::DocumentDamaged { id: *id, detail: e.to_string() })?;
        // Parts after the document row (received after it was written) make the next write save a
        // new one, so that loading does not decrypt them again.
        Ok(OpenDoc { doc, tail: (!skipped_parts).then_some(later.len()) })
    }

    pub(super) fn keep_doc(&mut self, id: RecordId, open: OpenDoc) {
        // Called only when the journal writer is idle, so no document it waits for is dropped.
        let mut docs = lock(&self.docs);
        if docs.len() >= DOC_CACHE {
            docs.clear();
        }
        docs.insert(id, open);
    }

    /// Seals `changes`, writes them with the new view row (and, every `FULL_DOC_EVERY` changes,
    /// a new document row) durably; then updates memory. `journal` names the journal entry this
    /// applies (deleted in the same transaction) and its stamp; such an edit was validated when it
    /// was acknowledged.
    pub(super) fn persist(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        open: OpenDoc,
        changes: &[Change],
        journal: Option<(i64, Stamp)>,
    ) -> Result<Record> {
        self.persist_inner(id, kind, open, changes, journal, Vec::new(), Erasure::default())
    }

    /// `persist` for a change to a record's files: `parts` (sealed file parts) are written
    /// before the record's changes, and `erase` (parts of a removed file) deleted, in the same
    /// transaction.
    pub(super) fn persist_with(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        open: OpenDoc,
        changes: &[Change],
        parts: Vec<SealedChange>,
        erase: Erasure,
    ) -> Result<Record> {
        self.persist_inner(id, kind, open, changes, None, parts, erase)
    }

    #[allow(clippy::too_many_arguments)]
    fn persist_inner(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        mut open: OpenDoc,
        changes: &[Change],
        journal: Option<(i64, Stamp)>,
        parts: Vec<SealedChange>,
        erase: Erasure,
    ) -> Result<Record> {
        self.settle()?;
        let view = open.doc.to_json();
        let record = Record::from_json(kind, view.clone())
            .map_err(|e| Error::DocumentDamaged { id, detail: format!("fields do not fit a {kind}: {e}") })?;
        let stamp = match journal {
            Some((_, stamp)) => stamp,
            None => {
                // What is stored is the merge of everything saved so far: check the merge itself,
                // since two drafts that are each valid may not be valid together.
                record.with(|r| r.view_validate().and_then(|()| self.check_links(Some(id), r)))?;
                let now = now_ms();
                match self.records.get(&id) {
                    Some(c) => Stamp { seq: c.seq + 1, created_ms: c.created_ms, updated_ms: now },
                    None => Stamp { seq: 1, created_ms: now, updated_ms: now },
                }
            }
        };
        let sealing = self.sealing(&id)?;
        let view_bytes = serde_json::to_vec(&view).map_err(|e| Error::invalid(e.to_string()))?;
        let (rows, heads) = seal_rows(
            &self.row_key,
            &self.keys.device,
            id,
            kind,
            &mut open,
            changes,
            &view_bytes,
            &stamp,
            &sealing,
            journal.map(|(n, _)| n),
        );
        let mut rows = rows;
        let added = changes.len() + parts.len();
        if !parts.is_empty() {
            let mut sealed = parts;
            sealed.append(&mut rows.sealed);
            rows.sealed = sealed;
        }
        write_sealed_erasing(&mut self.store, &self.row_key, std::slice::from_ref(&rows), &erase)?;
        self.changes_made.fetch_add(added as u64, std::sync::atomic::Ordering::Relaxed);
        self.index_record(id, &record, stamp.created_ms, stamp.updated_ms);
        let cached = Cached {
            kind,
            record: record.clone(),
            created_ms: stamp.created_ms,
            updated_ms: stamp.updated_ms,
            seq: stamp.seq,
            heads,
        };
        self.records.insert(id, cached);
        self.damaged.retain(|(d, _)| *d != id);
        self.keep_doc(id, open);
        Ok(record)
    }

    /// The space, epoch and key under which new changes of a record are sealed, owned.
    pub(super) fn sealing(&self, id: &RecordId) -> Result<Sealing> {
        let (space, epoch, key) = self.sealing_key(id)?;
        Ok(Sealing { space, epoch, key: key.clone() })
    }

    fn doc_error(id: RecordId) -> impl Fn(DocError) -> Error {
        move |e| Error::DocumentDamaged { id, detail: e.to_string() }
    }

    fn to_json<T: RecordType>(value: &T) -> Result<serde_json::Value> {
        serde_json::to_value(value).map_err(|e| Error::invalid(e.to_string()))
    }

    /// Stores a new record; returns its id once it is durable.
    pub fn add<T: RecordType>(&mut self, value: &T) -> Result<RecordId> {
        self.add_with_id(RecordId::random(), value)
    }

    /// `add` under a given new id (whose space the caller may have chosen).
    pub(super) fn add_with_id<T: RecordType>(&mut self, id: RecordId, value: &T) -> Result<RecordId> {
        if !value.attachments().is_empty() || !value.removed_attachments().is_empty() {
            // A file's bytes come only through `attach`, once the record exists.
            let mut bare = value.clone();
            if let Some((files, removed)) = bare.files_mut() {
                files.clear();
                removed.clear();
            }
            return self.add_with_id(id, &bare);
        }
        value.validate()?;
        self.journal_edit(id, T::KIND, crate::document::normalized(&Self::to_json(value)?), true)?;
        Ok(id)
    }

    /// Reads one record of type `T`.
    pub fn get<T: RecordType>(&self, id: &RecordId) -> Result<Stored<T>> {
        let c = self.cached(id)?;
        if c.kind != T::KIND {
            return Err(Error::WrongKind { id: *id, expected: T::KIND, actual: c.kind });
        }
        let value = serde_json::to_value(&c.record)
            .and_then(|mut v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("type");
                }
                serde_json::from_value(v)
            })
            .map_err(|_| Error::RecordDamaged { id: *id })?;
        Ok(Stored { id: *id, created_ms: c.created_ms, updated_ms: c.updated_ms, value })
    }

    /// Reads one record of any kind.
    pub fn record(&self, id: &RecordId) -> Result<Stored<Record>> {
        let c = self.cached(id)?;
        Ok(Stored { id: *id, created_ms: c.created_ms, updated_ms: c.updated_ms, value: c.record.clone() })
    }

    pub(super) fn cached(&self, id: &RecordId) -> Result<&Cached> {
        if let Some(c) = self.records.get(id) {
            return Ok(c);
        }
        if self.damaged.iter().any(|(d, _)| d == id) {
            return Err(Error::RecordDamaged { id: *id });
        }
        Err(Error::NotFound(id.to_string()))
    }

    /// Finds a record by its full id or a unique prefix of at least 4 hex digits.
    pub fn resolve(&self, text: &str) -> Result<RecordId> {
        let t = text.trim().to_ascii_lowercase();
        if t.len() == 32 {
            let id: RecordId = t.parse()?;
            return if self.records.contains_key(&id) || self.damaged.iter().any(|(d, _)| *d == id) {
                Ok(id)
            } else {
                Err(Error::NotFound(t))
            };
        }
        if t.len() < 4 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound(text.chars().take(40).collect()));
        }
        let mut found = self.index.ids_with_prefix(&t);
        found.extend(self.damaged.iter().map(|(d, _)| *d).filter(|d| d.to_string().starts_with(&t)));
        match found.len() {
            0 => Err(Error::NotFound(t)),
            1 => Ok(found[0]),
            _ => Err(Error::AmbiguousId(t)),
        }
    }

    /// Changes a record through `edit`; only the fields that differ are written. Returns the
    /// record as stored.
    pub fn update<T: RecordType>(&mut self, id: &RecordId, edit: impl FnOnce(&mut T)) -> Result<Stored<T>> {
        let before = self.get::<T>(id)?;
        let mut value = before.value.clone();
        edit(&mut value);
        // Files change only through `attach` and `detach`, which write and erase their parts.
        crate::model::keep_files(&mut value, &before.value);
        value.validate()?;
        let json = crate::document::normalized(&Self::to_json(&value)?);
        if json == crate::document::normalized(&Self::to_json(&before.value)?) {
            return Ok(before);
        }
        // Acknowledged once the journal entry is durable; the document follows on the writer.
        self.journal_edit(*id, T::KIND, json, false)?;
        self.get(id)
    }

    /// Saves an editor's copy of a record. `base` is the record as the editor showed it; only what
    /// the editor changed from it is written (see [`crate::document::merge3`]), so a change that
    /// reached the record after the editor opened it (a sync, another window, the tree screen)
    /// is kept unless the editor changed that very field. `merged` in the answer says the stored
    /// record now differs from what the editor saved, so the editor should show it again.
    pub fn save_edit<T: RecordType>(&mut self, id: &RecordId, base: &T, edited: T) -> Result<Saved<T>> {
        edited.validate()?;
        let current = self.get::<T>(id)?.value;
        // An editor does not change files (see `update`): both sides take the stored list, so that
        // a form that does not hold them neither removes them nor reads as merged.
        let (mut base, mut edited) = (base.clone(), edited);
        crate::model::keep_files(&mut base, &current);
        crate::model::keep_files(&mut edited, &current);
        let base = &base;
        let (tries, overwrote) = Self::merge_edit(base, &edited, &current)?;
        let (stored, fallback) = self.first_valid(tries, |v, value| v.update::<T>(id, |old| *old = value))?;
        let merged = Self::differ(&stored.value, &edited)?;
        Ok(Saved { stored, merged, overwrote: overwrote || fallback })
    }

    /// The values [`Vault::save_edit`] tries in turn, with whether the first one replaces a
    /// change made elsewhere. The editor's changes from `base` are applied to `current`:
    /// 1. field by field (`document::merge3`);
    /// 2. if that breaks a rule between fields (sharing choices without consent, an act naming a
    ///    victim removed elsewhere, a loop in the alert tree, a list grown too long), each
    ///    top-level field the editor changed taken whole from the editor, the rest as stored;
    /// 3. the editor's record as sent (it was valid when checked).
    pub(crate) fn merge_edit<T: RecordType>(base: &T, edited: &T, current: &T) -> Result<(Vec<T>, bool)> {
        let norm = |v: &T| Self::to_json(v).map(|j| crate::document::normalized(&j));
        let (b, e, c) = (norm(base)?, norm(edited)?, norm(current)?);
        if c == b {
            return Ok((vec![edited.clone()], false));
        }
        let mut overwrote = false;
        let fine = crate::document::merge3(&b, &e, &c, &mut overwrote);
        let coarse = match (&b, &e, &c) {
            (serde_json::Value::Object(b), serde_json::Value::Object(e), serde_json::Value::Object(c)) => {
                let keys: std::collections::BTreeSet<&String> = e.keys().chain(c.keys()).collect();
                serde_json::Value::Object(
                    keys.into_iter()
                        .filter_map(|k| {
                            let from = if e.get(k) != b.get(k) { e } else { c };
                            from.get(k).map(|v| (k.clone(), v.clone()))
                        })
                        .collect(),
                )
            }
            _ => e.clone(),
        };
        let tries = [fine, coarse].into_iter().filter_map(|j| serde_json::from_value::<T>(j).ok());
        Ok((tries.chain([edited.clone()]).collect(), overwrote))
    }

    /// Writes the first of `tries` that passes the checks; true in the answer when it was not
    /// the first. A refusal other than a broken rule stops at once.
    pub(crate) fn first_valid<T, S>(
        &mut self,
        tries: Vec<T>,
        mut write: impl FnMut(&mut Self, T) -> Result<S>,
    ) -> Result<(S, bool)> {
        let mut refused = None;
        for (i, value) in tries.into_iter().enumerate() {
            match write(self, value) {
                Ok(stored) => return Ok((stored, i > 0)),
                Err(e) if matches!(e.code(), "invalid_input" | "tree_cycle") => refused = refused.or(Some(e)),
                Err(e) => return Err(e),
            }
        }
        Err(refused.unwrap_or_else(|| Error::invalid("There was nothing to save.")))
    }

    /// Whether two values of a record would be stored differently.
    pub(crate) fn differ<T: RecordType>(a: &T, b: &T) -> Result<bool> {
        let norm = |v: &T| Self::to_json(v).map(|j| crate::document::normalized(&j));
        Ok(norm(a)? != norm(b)?)
    }

    /// Opens a draft of a record: edit `draft.value`, then `save_draft`. Drafts of the same record
    /// may be open at once; each save merges with whatever was saved meanwhile.
    pub fn draft<T: RecordType>(&mut self, id: &RecordId) -> Result<Draft<T>> {
        let value = self.get::<T>(id)?.value;
        let mut doc = self.take_doc(id)?;
        let fork = doc.doc.fork(actor_for(&self.keys.device_public()));
        self.keep_doc(*id, doc);
        Ok(Draft { id: *id, doc: fork, opened: value.clone(), value })
    }

    /// Saves a draft: validates it, records what changed, merges it with the stored record.
    pub fn save_draft<T: RecordType>(&mut self, draft: Draft<T>) -> Result<Stored<T>> {
        let Draft { id, mut doc, mut value, opened } = draft;
        // Files change only through `attach` and `detach` (see `update`): the draft writes its
        // lists as its document held them, so merging keeps any file attached meanwhile.
        crate::model::keep_files(&mut value, &opened);
        value.validate()?;
        let fields = match doc.reconcile_keeping(&Self::to_json(&value)?, |j| Record::shown_json(T::KIND, j)) {
            Ok(f) => f,
            Err(e) => {
                doc.rollback();
                return Err(Self::doc_error(id)(e));
            }
        };
        if fields.is_empty() {
            return self.get(&id);
        }
        doc.commit(&fields, now_ms());
        let mut main = self.take_doc(&id)?;
        let new_changes = main.doc.merge(&mut doc).map_err(Self::doc_error(id))?;
        // On failure `main` is dropped, so the next edit reloads it from disk: memory never runs
        // ahead of what was acknowledged.
        self.persist(id, T::KIND, main, &new_changes, None)?;
        self.get(&id)
    }

    /// Deletes a record, its document and every sealed change of it, and removes it from the
    /// alert and check lists of other contacts. A record of a shared space this device may write
    /// to is deleted for the whole space: a signed tombstone goes with the next sync (see
    /// [`Vault::delete_scope`]).
    pub fn delete(&mut self, id: &RecordId) -> Result<()> {
        let known = self.records.contains_key(id) || self.damaged.iter().any(|(d, _)| d == id);
        if !known {
            return Err(Error::NotFound(id.to_string()));
        }
        let scope = self.delete_scope(id);
        if matches!(self.records.get(id), Some(c) if c.kind == RecordKind::Contact) {
            self.unlink_everywhere(id)?;
        }
        self.settle()?;
        match scope {
            super::DeleteScope::Space(space) => self.delete_across_space(id, space)?,
            super::DeleteScope::ThisDevice => {
                self.store.delete_record(id)?;
            }
        }
        self.forget_record(id);
        Ok(())
    }

    /// Records matching a query, newest first when there are no search words.
    pub fn search(&self, q: &Query) -> Vec<Hit> {
        self.index.search(q)
    }

    /// Summaries of the records matching the filters of `q`, most recently changed first.
    pub fn list(&self, q: &Query) -> Vec<Summary> {
        self.listed(q, |_| true).into_iter().cloned().collect()
    }

    /// One page of `list` narrowed by `keep`: the summaries at `offset..offset + count` and how
    /// many records match in all. Only the page is copied, so a screen that shows 60 rows of
    /// 10,000 does not pay for copying the other 9,940.
    pub fn list_page(
        &self,
        q: &Query,
        keep: impl Fn(&Summary) -> bool,
        offset: usize,
        count: usize,
    ) -> (Vec<Summary>, usize) {
        let all = self.listed(q, keep);
        let start = offset.min(all.len());
        let end = start.saturating_add(count).min(all.len());
        (all[start..end].iter().map(|s| (*s).clone()).collect(), all.len())
    }

    /// One page of `search`: the hits at `offset..offset + count` and how many there are.
    pub fn search_page(&self, q: &Query, offset: usize, count: usize) -> (Vec<Hit>, usize) {
        let all = self.index.matches(q);
        let start = offset.min(all.len());
        let end = start.saturating_add(count).min(all.len());
        (
            all[start..end].iter().map(|(summary, score)| Hit { summary: (*summary).clone(), score: *score }).collect(),
            all.len(),
        )
    }

    fn listed(&self, q: &Query, keep: impl Fn(&Summary) -> bool) -> Vec<&Summary> {
        let mut out: Vec<&Summary> = self.index.matches(q).into_iter().map(|(s, _)| s).filter(|s| keep(s)).collect();
        if q.text.trim().is_empty() {
            out.sort_by(|a, b| b.updated_ms.cmp(&a.updated_ms).then(a.id.cmp(&b.id)));
        }
        out
    }

    /// Who changed what and when, oldest first.
    pub fn history(&mut self, id: &RecordId) -> Result<Vec<HistoryEntry>> {
        self.cached(id)?;
        let mut doc = self.take_doc(id)?;
        let me = self.keys.device_public();
        let entries = doc
            .doc
            .history()
            .into_iter()
            .map(|(actor, time_ms, fields)| {
                let device = actor.get(..32).unwrap_or(&actor);
                HistoryEntry { device: hex::encode(device), this_device: device == me, time_ms, fields }
            })
            .collect();
        self.keep_doc(*id, doc);
        Ok(entries)
    }

    /// Every readable record, for export.
    pub fn all(&self) -> impl Iterator<Item = Stored<Record>> + '_ {
        self.records.iter().map(|(id, c)| Stored {
            id: *id,
            created_ms: c.created_ms,
            updated_ms: c.updated_ms,
            value: c.record.clone(),
        })
    }

    /// The record ids of one kind.
    pub(crate) fn ids_of(&self, kind: RecordKind) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = self.records.iter().filter(|(_, c)| c.kind == kind).map(|(id, _)| *id).collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    //! A newer build may add fields to a record kind; this build must not delete them when it
    //! edits the record (through the journal, a draft, or an editor's save), before or after the
    //! vault is locked and opened again.
    use serde_json::json;

    use super::*;
    use crate::model::Note;
    use crate::{SecretString, VaultOptions};

    /// Writes `fields` into a record's document as a newer build would (no typed reading).
    fn write_as_newer_build(v: &mut Vault, id: &RecordId, fields: &serde_json::Value) {
        let mut main = v.take_doc(id).unwrap();
        let mut fork = main.doc.fork(actor_for(&[9u8; 32]));
        let changed = fork.reconcile(fields).unwrap();
        fork.commit(&changed, now_ms());
        let new_changes = main.doc.merge(&mut fork).unwrap();
        v.persist(*id, RecordKind::Note, main, &new_changes, None).unwrap();
    }

    fn document(v: &mut Vault, id: &RecordId) -> serde_json::Value {
        v.settle().unwrap();
        let open = v.take_doc(id).unwrap();
        let json = open.doc.to_json();
        v.keep_doc(*id, open);
        json
    }

    #[test]
    fn edits_keep_the_fields_a_newer_build_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let pass = SecretString::from("correct horse battery staple".to_owned());
        let opts = VaultOptions { work_factor: 10 };
        let mut v = Vault::create_with(&dir, &pass, &opts).unwrap();
        let id = v
            .add(&Note { title: "Raid".into(), body: "one\n".into(), tags: vec!["a".into()], ..Default::default() })
            .unwrap();
        write_as_newer_build(
            &mut v,
            &id,
            &json!({"title": "Raid", "body": "one\n", "tags": ["a"], "location": {"city": "Minsk", "precision": "city"}}),
        );
        assert_eq!(v.get::<Note>(&id).unwrap().value.title, "Raid", "the record still reads");

        // Through the journal, the document as loaded from disk (nothing known of it).
        v.lock().unwrap();
        let mut v = Vault::unlock(&dir, &pass).unwrap();
        v.update::<Note>(&id, |n| n.title = "Raid on the office".into()).unwrap();
        // Again, now from the fields written last.
        v.update::<Note>(&id, |n| n.tags.clear()).unwrap();
        // An editor's save, and a draft.
        let base = v.get::<Note>(&id).unwrap().value;
        v.save_edit(&id, &base, Note { body: "one\ntwo\n".into(), ..base.clone() }).unwrap();
        let mut draft = v.draft::<Note>(&id).unwrap();
        draft.value.body.push_str("three\n");
        v.save_draft(draft).unwrap();

        let doc = document(&mut v, &id);
        assert_eq!(doc["location"], json!({"city": "Minsk", "precision": "city"}), "{doc}");
        assert_eq!(
            (doc["title"].as_str(), doc["body"].as_str()),
            (Some("Raid on the office"), Some("one\ntwo\nthree\n"))
        );
        assert!(doc.get("tags").is_none_or(|t| t == &json!([])), "a field this build knows is still cleared: {doc}");
        v.lock().unwrap();
        let mut v = Vault::unlock(&dir, &pass).unwrap();
        assert_eq!(document(&mut v, &id)["location"]["city"], "Minsk", "after the writer ran and the vault reopened");
    }
}
