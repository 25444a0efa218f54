//! The edit journal: how `add` and `update` acknowledge a save before automerge runs.
//!
//! A save is acknowledged once one encrypted journal entry (the record's new fields, its id, kind,
//! sequence number and time) is durable: one block written to the journal file, one fdatasync
//! (`store/journal_file.rs`); no SQLite work. Memory (the decrypted record and
//! the search index) follows at once, so reads see the edit. The *journal writer*, a thread with
//! its own connection, then applies the entry: automerge computes the change, the change is signed
//! and sealed, and the change, the view row and (every so often) the document row are written in
//! one transaction that records the entry as applied. What a save used to do before its acknowledgement, it
//! now does on the second core after it. The writer takes whatever entries are waiting (up to
//! `BATCH`) and writes them in one transaction, so saves in quick succession share its cost.
//!
//! Invariants:
//! - An entry is marked applied only in the transaction that writes what it produced, so after a
//!   crash an entry is either applied or still pending; unlock applies what is left, in order,
//!   with the entry's own time, before anything else reads the vault.
//! - The journal file starts again over its entries only once all of them are *durably* applied:
//!   the writer commits with `FULL` when it has caught up and then publishes the last number
//!   applied (`durable`); a save restarts the file only when that number reaches the file's last.
//!   Unlock makes everything durable (a checkpoint) before the first save.
//! - Anything that reads documents or writes other rows first *settles*: waits until the writer is
//!   idle, takes the new heads it produced, and, if a job failed, applies the rest of the journal
//!   on the calling thread, so an error reaches the caller and nothing is skipped.
//! - The writer only takes documents from the shared cache (the caller loads one first), so it
//!   never needs a space key beyond the one the job carries.
//! - The two connections never write at once: the writer's transaction takes the gate, and every
//!   other write settles first. (The journal append writes the journal file only.)

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use automerge::{Change, ChangeHash};
use ed25519_dalek::SigningKey;

use super::records::{seal_rows, write_sealed, OpenDoc, SealedRows, Sealing, Stamp};
use super::snapshot::JournalRow;
use super::{now_ms, Cached, Vault};
use crate::crypto::SecretKey;
use crate::document::{actor_for, RecordDoc};
use crate::error::{Error, Result};
use crate::model::{Record, RecordId, RecordKind};
use crate::store::Store;

/// Jobs that may wait for the writer before a save waits for room.
const QUEUE: usize = 64;
/// Most jobs the writer applies in one transaction.
const BATCH: usize = 32;
/// Jobs the writer applies between two checkpoints of its own.
const CHECKPOINT_EVERY: usize = 64;

/// Loaded documents, shared by the vault and the journal writer.
pub(super) type DocCache = Arc<Mutex<HashMap<RecordId, OpenDoc>>>;

/// Locks a mutex, ignoring poisoning: every critical section here leaves the data consistent.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Associated data binding a journal entry's ciphertext to its place in the journal.
fn entry_aad(number: i64) -> Vec<u8> {
    let mut aad = b"carenet/journal-row/v1/".to_vec();
    aad.extend_from_slice(&number.to_le_bytes());
    aad
}

/// One acknowledged edit for the writer to apply.
struct Job {
    number: i64,
    id: RecordId,
    kind: RecordKind,
    new: bool,
    fields: serde_json::Value,
    /// `fields` as JSON bytes (what the journal entry holds).
    view: Vec<u8>,
    stamp: Stamp,
    sealing: Sealing,
}

#[derive(Default)]
struct State {
    /// Jobs sent and not finished.
    queued: usize,
    /// What the writer applied since the last settle, in order.
    applied: Vec<Applied>,
    /// A job failed (or the writer is gone): later jobs stay in the journal for `settle`.
    failed: bool,
    /// Documents the writer has taken out of the cache for the batch it is applying; they go
    /// back when it is done, so a save need not load them again.
    taken: HashSet<RecordId>,
}

/// One applied job, as `settle` folds it into memory.
struct Applied {
    id: RecordId,
    kind: RecordKind,
    heads: Vec<ChangeHash>,
    /// The fields as the document holds them, when they differ from what was acknowledged
    /// (checked in debug builds only: `normalized` makes them equal).
    view: Option<serde_json::Value>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    idle: Condvar,
}

/// The journal writer thread, as the vault holds it. Without a thread (before unlock has applied
/// what was left, or if the thread could not start) every job is refused and the caller applies
/// the journal itself.
#[derive(Default)]
pub(super) struct Applier {
    jobs: Option<SyncSender<Job>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the writer owns.
struct Writer {
    store: Store,
    row_key: SecretKey,
    device: SigningKey,
    docs: DocCache,
    gate: Arc<Mutex<()>>,
    changes_made: Arc<AtomicU64>,
    shared: Arc<Shared>,
    /// The last entry number applied in a durable (`FULL`) commit, for the saving thread.
    durable: Arc<AtomicI64>,
    /// The last entry number applied (durably or not).
    applied_through: i64,
    /// Whether the connection commits with `FULL` now (None before the first batch).
    full: Option<bool>,
}

impl Applier {
    /// Sends a job; false when there is no writer to take it (the caller settles instead).
    fn send(&self, job: Job) -> bool {
        let Some(tx) = &self.jobs else { return false };
        lock(&self.shared.state).queued += 1;
        if tx.send(job).is_ok() {
            return true;
        }
        let mut st = lock(&self.shared.state);
        st.queued -= 1;
        st.failed = true;
        false
    }

    /// Waits until every job sent has finished (or the thread is gone: its jobs then count as
    /// failed, and stay in the journal for `settle`).
    fn wait_idle(&self) -> MutexGuard<'_, State> {
        let mut st = lock(&self.shared.state);
        while st.queued > 0 {
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                st.queued = 0;
                st.failed = true;
                break;
            }
            let wait = self.shared.idle.wait_timeout(st, std::time::Duration::from_millis(50));
            st = wait.unwrap_or_else(|p| p.into_inner()).0;
        }
        st
    }

    /// Whether a record's document is loaded: in the cache, or taken by the writer (which puts
    /// it back before it takes the next job).
    fn has_doc(&self, docs: &DocCache, id: &RecordId) -> bool {
        let st = lock(&self.shared.state);
        st.taken.contains(id) || lock(docs).contains_key(id)
    }

    /// Stops the thread after the jobs already sent.
    fn stop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Applier {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Writer {
    fn run(mut self, jobs: Receiver<Job>) {
        let mut since_checkpoint = 0;
        let mut next: Option<Job> = None;
        while let Some(first) = next.take().or_else(|| jobs.recv().ok()) {
            // Whatever else is waiting goes into the same transaction.
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if batch.len() == BATCH {
                next = jobs.try_recv().ok();
            }
            let skip = lock(&self.shared.state).failed;
            let mut docs = HashMap::new();
            let (applied, error) = if skip {
                (Vec::new(), None)
            } else {
                // Nothing else waits: this commit makes every entry applied so far durable.
                let full = next.is_none();
                std::panic::catch_unwind(AssertUnwindSafe(|| self.apply(&batch, &mut docs, full))).unwrap_or_else(
                    |_| {
                        docs.clear();
                        (
                            Vec::new(),
                            Some(Error::Database("an internal error stopped an edit from being applied".into())),
                        )
                    },
                )
            };
            // Before the writer reports idle, so that a checkpoint of the main connection after a
            // `settle` (deletes, lock) is not kept from completing by this one. Saves do not
            // wait for it: they write the journal file only.
            since_checkpoint += batch.len();
            if since_checkpoint >= CHECKPOINT_EVERY {
                since_checkpoint = 0;
                if let Err(e) = self.store.checkpoint_passive() {
                    tracing::warn!(
                        code = e.code(),
                        "a checkpoint between journal batches failed; the next one retries"
                    );
                }
            }
            let mut st = lock(&self.shared.state);
            {
                // The documents go back to the cache (those of a failed write are dropped: the
                // next use loads them from disk).
                let mut cache = lock(&self.docs);
                for job in &batch {
                    st.taken.remove(&job.id);
                }
                cache.extend(docs);
            }
            st.applied.extend(applied);
            if let Some(e) = error {
                // The entries not applied stay in the journal; `settle` applies them on the
                // caller's thread.
                tracing::warn!(code = e.code(), "applying an acknowledged edit failed; it stays in the journal");
                st.failed = true;
            }
            st.queued -= batch.len();
            if st.queued == 0 {
                self.shared.idle.notify_all();
            }
            drop(st);
        }
    }

    /// Applies a batch of jobs and writes their rows in one transaction. Returns what was
    /// applied, and the error that stopped the rest. `docs` ends holding the documents to put
    /// back in the cache.
    fn apply(
        &mut self,
        batch: &[Job],
        docs: &mut HashMap<RecordId, OpenDoc>,
        full: bool,
    ) -> (Vec<Applied>, Option<Error>) {
        let mut rows = Vec::with_capacity(batch.len());
        let mut applied = Vec::with_capacity(batch.len());
        let mut changes = 0;
        let mut error = None;
        for job in batch {
            match self.prepare(job, docs) {
                Ok((r, a, n)) => {
                    rows.push(r);
                    applied.push(a);
                    changes += n;
                }
                Err(e) => {
                    // Its document may be half changed: drop it.
                    docs.remove(&job.id);
                    error = Some(e);
                    break;
                }
            }
        }
        if rows.is_empty() {
            return (applied, error);
        }
        let written = {
            let _gate = lock(&self.gate);
            if self.full != Some(full) {
                self.full = None;
                self.store.set_durable_commits(full).map(|()| self.full = Some(full))
            } else {
                Ok(())
            }
            .and_then(|()| write_sealed(&mut self.store, &self.row_key, &rows))
        };
        if let Err(e) = written {
            docs.clear();
            return (Vec::new(), Some(e));
        }
        self.changes_made.fetch_add(changes, Ordering::Relaxed);
        self.applied_through = batch[..rows.len()].iter().map(|j| j.number).fold(self.applied_through, i64::max);
        if full {
            self.durable.fetch_max(self.applied_through, Ordering::AcqRel);
        }
        (applied, error)
    }

    /// Applies one job to its document (in `docs`, taken from the cache the first time) and seals
    /// its rows.
    fn prepare(&mut self, job: &Job, docs: &mut HashMap<RecordId, OpenDoc>) -> Result<(SealedRows, Applied, u64)> {
        let doc_error = |e: crate::document::DocError| Error::DocumentDamaged { id: job.id, detail: e.to_string() };
        if job.new {
            let actor = actor_for(&self.device.verifying_key().to_bytes());
            docs.insert(
                job.id,
                OpenDoc { doc: RecordDoc::new(job.kind.as_str(), actor).map_err(doc_error)?, tail: None },
            );
        } else if let std::collections::hash_map::Entry::Vacant(slot) = docs.entry(job.id) {
            let mut st = lock(&self.shared.state);
            let open = lock(&self.docs)
                .remove(&job.id)
                .ok_or_else(|| Error::Database("an edited record's document was not loaded".into()))?;
            st.taken.insert(job.id);
            slot.insert(open);
        }
        let open = docs
            .get_mut(&job.id)
            .ok_or_else(|| Error::Database("an edited record's document was not loaded".into()))?;
        let fields = open.doc.reconcile_keeping(&job.fields, |j| Record::shown_json(job.kind, j)).map_err(doc_error)?;
        let changes: Vec<Change> = if fields.is_empty() {
            Vec::new()
        } else {
            open.doc.commit(&fields, job.stamp.updated_ms).into_iter().collect()
        };
        // The view row is the acknowledged value: after `reconcile(v)` the document holds
        // `normalized(v)`, which `v` already is (a property test in document.rs checks it over
        // random values). Debug builds, which every test runs, check it on every edit as well.
        // Fields a newer build wrote stay in the document and are not part of the comparison.
        let differs = if cfg!(debug_assertions) {
            let json = open.doc.to_json();
            let known = match Record::shown_json(job.kind, json.clone()) {
                Some(shown) => crate::document::without_unknown(&json, &shown),
                None => json,
            };
            Some(known).filter(|json| *json != job.fields)
        } else {
            None
        };
        let view = match &differs {
            Some(json) => serde_json::to_vec(json).map_err(|e| Error::invalid(e.to_string()))?,
            None => job.view.clone(),
        };
        let (rows, heads) = seal_rows(
            &self.row_key,
            &self.device,
            job.id,
            job.kind,
            open,
            &changes,
            &view,
            &job.stamp,
            &job.sealing,
            Some(job.number),
        );
        let applied = Applied { id: job.id, kind: job.kind, heads, view: differs };
        Ok((rows, applied, changes.len() as u64))
    }
}

impl Vault {
    /// Starts the journal writer. Called once unlock (or create) has applied what was left.
    pub(super) fn start_journal(&mut self) -> Result<()> {
        let store = Store::open_journal_writer(&self.dir.join(crate::store::DB_FILE))?;
        let (tx, rx) = sync_channel(QUEUE);
        let shared = Arc::new(Shared::default());
        let writer = Writer {
            store,
            row_key: self.row_key.clone(),
            device: self.keys.device.clone(),
            docs: self.docs.clone(),
            gate: self.gate.clone(),
            changes_made: self.changes_made.clone(),
            shared: shared.clone(),
            durable: self.journal_durable.clone(),
            applied_through: 0,
            full: None,
        };
        let thread = std::thread::Builder::new()
            .name("carenet-journal".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::Database(format!("could not start the journal writer: {e}")))?;
        self.applier = Applier { jobs: Some(tx), shared, thread: Some(thread) };
        Ok(())
    }

    /// Stops the journal writer after it has applied everything sent.
    pub(super) fn stop_journal(&mut self) -> Result<()> {
        let settled = self.settle();
        self.applier.stop();
        settled
    }

    /// Waits until every acknowledged edit is applied to its document and its sealed change is
    /// stored (what a sync then offers). Saves do not need it: they are durable when they return.
    pub fn wait_for_writes(&mut self) -> Result<()> {
        self.settle()
    }

    /// Waits until the journal writer is idle (for readers of the store that hold `&self`).
    pub(super) fn wait_for_journal(&self) {
        drop(self.applier.wait_idle());
    }

    /// Waits until the journal writer is idle, takes the heads it produced and, if a job failed,
    /// applies what is left of the journal here, so that the error reaches the caller.
    pub(super) fn settle(&mut self) -> Result<()> {
        let (applied, failed) = {
            let mut st = self.applier.wait_idle();
            (std::mem::take(&mut st.applied), std::mem::take(&mut st.failed))
        };
        for a in applied {
            let Some(c) = self.records.get_mut(&a.id) else { continue };
            c.heads = a.heads;
            if let Some(record) = a.view.and_then(|v| Record::from_json(a.kind, v).ok()) {
                tracing::warn!("an applied edit differs from what was acknowledged; showing the stored one");
                c.record = record.clone();
                let (created, updated) = (c.created_ms, c.updated_ms);
                self.index_record(a.id, &record, created, updated);
            }
        }
        if failed {
            if let Err(e) = self.replay_journal(false) {
                // The writer goes on skipping jobs: an entry applied after one that failed
                // would move the last applied number past it.
                lock(&self.applier.shared.state).failed = true;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Acknowledges an edit once its journal entry is durable, updates memory, and hands the
    /// entry to the writer. `fields` must already be validated as a `kind`, and `normalized`:
    /// what the document will hold once the writer has run (lists lose duplicates).
    pub(super) fn journal_edit(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        fields: serde_json::Value,
        new: bool,
    ) -> Result<()> {
        debug_assert!(fields == crate::document::normalized(&fields), "journal_edit takes normalized fields");
        let record = Record::from_json(kind, fields.clone())
            .map_err(|e| Error::DocumentDamaged { id, detail: format!("fields do not fit a {kind}: {e}") })?;
        record.with(|r| r.view_validate().and_then(|()| self.check_links(Some(id), r)))?;
        let sealing = self.sealing(&id)?;
        if !new && !self.applier.has_doc(&self.docs, &id) {
            // The writer only takes loaded documents: load this one now (this settles first).
            let open = self.take_doc(&id)?;
            self.keep_doc(id, open);
        }
        let now = now_ms();
        let (created_ms, seq, heads) = match self.records.get(&id) {
            Some(c) if !new => (c.created_ms, c.seq + 1, c.heads.clone()),
            _ => (now, 1, Vec::new()),
        };
        let number = self.journal_next;
        let bytes = serde_json::to_vec(&fields).map_err(|e| Error::invalid(e.to_string()))?;
        let entry = JournalRow { kind, id, space: sealing.space, new, seq, created_ms, time_ms: now, fields: &bytes };
        let body = self.row_key.seal(&entry_aad(number), &entry.encode());
        // The file starts again over its entries once they are all durably applied. A long
        // burst that keeps the writer busy waits for it when the file's first megabyte is used,
        // rather than grow the file.
        let mut restart = self.journal_durable.load(Ordering::Acquire) >= self.store.journal_file_last();
        if !restart && self.store.journal_file_tail() >= crate::store::JOURNAL_PREALLOCATED {
            self.settle()?;
            restart = self.journal_durable.load(Ordering::Acquire) >= self.store.journal_file_last();
        }
        // Without a restart the entry must follow the file's last, or a reader would stop before it.
        if !restart
            && self.store.journal_file_tail() > 0
            && self.store.journal_file_last().checked_add(1) != Some(number)
        {
            return Err(Error::Database("the edit journal is out of order; lock and unlock the vault".into()));
        }
        self.store.journal_append(number, &body, restart)?;
        self.journal_next += 1;
        // Acknowledged: memory follows.
        self.index_record(id, &record, created_ms, now);
        self.records.insert(id, Cached { kind, record, created_ms, updated_ms: now, seq, heads });
        self.damaged.retain(|(d, _)| *d != id);
        let stamp = Stamp { seq, created_ms, updated_ms: now };
        if !self.applier.send(Job { number, id, kind, new, fields, view: bytes, stamp, sealing }) {
            self.settle()?;
        }
        Ok(())
    }

    /// Applies every journal entry left, oldest first, on this thread. At unlock (`at_unlock`)
    /// an entry that cannot be applied marks its record damaged and stays for a later unlock;
    /// otherwise the first failure is returned.
    pub(super) fn replay_journal(&mut self, at_unlock: bool) -> Result<()> {
        // Entries kept in the table (they failed at an unlock) are tried again at unlock only.
        let entries = self.store.journal_pending(at_unlock)?;
        if !entries.is_empty() {
            tracing::info!(entries = entries.len(), "applying acknowledged edits left in the journal");
        }
        for entry in entries {
            let number = entry.number;
            self.journal_next = self.journal_next.max(number.saturating_add(1));
            match self.replay_entry(number, &entry.body) {
                // Applied through the main connection, whose commits are durable.
                Ok(()) => {
                    self.journal_durable.fetch_max(number, Ordering::AcqRel);
                }
                // The file's last entry, unreadable: a crash cut it short while it was being
                // written, so it was never acknowledged.
                Err((None, _)) if at_unlock && entry.last_in_file => {
                    tracing::info!("the journal's last entry was cut short before it was acknowledged; it is dropped");
                }
                Err((id, e)) if at_unlock => {
                    tracing::warn!(code = e.code(), "a journal entry could not be applied; it is kept");
                    if !entry.kept {
                        self.store.journal_keep(number, &entry.body)?;
                    }
                    if let Some(id) = id {
                        self.records.remove(&id);
                        self.index.remove(&id);
                        lock(&self.docs).remove(&id);
                        self.damaged.retain(|(d, _)| *d != id);
                        self.damaged.push((id, e));
                    }
                }
                Err((_, e)) => return Err(e),
            }
        }
        Ok(())
    }

    fn replay_entry(&mut self, number: i64, body: &[u8]) -> std::result::Result<(), (Option<RecordId>, Error)> {
        let damaged = || Error::DatabaseDamaged("a journal entry cannot be read".into());
        let plain = self.row_key.open(&entry_aad(number), body).ok_or_else(|| (None, damaged()))?;
        let row = JournalRow::decode(&plain).map_err(|_| (None, damaged()))?;
        let id = row.id;
        let fail = |e: Error| (Some(id), e);
        let fields: serde_json::Value =
            serde_json::from_slice(row.fields).map_err(|_| fail(Error::RecordDamaged { id }))?;
        let stamp = Stamp { seq: row.seq, created_ms: row.created_ms, updated_ms: row.time_ms };
        if row.space != self.keys.personal_space {
            // A record added to a space: until its first change is stored, only the entry says so.
            self.spaces.record_space.entry(id).or_insert(row.space);
        }
        let open = if row.new && !lock(&self.docs).contains_key(&id) {
            let actor = actor_for(&self.keys.device_public());
            let doc = RecordDoc::new(row.kind.as_str(), actor)
                .map_err(|e| fail(Error::DocumentDamaged { id, detail: e.to_string() }))?;
            OpenDoc { doc, tail: None }
        } else {
            self.take_doc(&id).map_err(fail)?
        };
        self.apply_entry(id, row.kind, open, &fields, stamp, number).map_err(fail)
    }

    /// Applies one journal entry to its document and writes the result durably, deleting the
    /// entry in the same transaction.
    fn apply_entry(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        mut open: OpenDoc,
        fields: &serde_json::Value,
        stamp: Stamp,
        number: i64,
    ) -> Result<()> {
        let changed = open
            .doc
            .reconcile_keeping(fields, |j| Record::shown_json(kind, j))
            .map_err(|e| Error::DocumentDamaged { id, detail: e.to_string() })?;
        let changes: Vec<Change> = if changed.is_empty() {
            Vec::new()
        } else {
            open.doc.commit(&changed, stamp.updated_ms).into_iter().collect()
        };
        self.persist(id, kind, open, &changes, Some((number, stamp)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Paths that need the vault's keys to make a real journal entry: entries kept in the
    //! `journal` table (from a schema-3 vault, or kept by an earlier unlock) are applied at unlock,
    //! in order, and a writer failure followed by a failing replay loses nothing.
    use super::*;
    use crate::model::Note;
    use crate::{SecretString, VaultOptions};

    fn pass() -> SecretString {
        SecretString::from("correct horse battery staple".to_owned())
    }

    /// A sealed journal entry editing note `id` to `body`, as `journal_edit` would write it.
    fn entry(v: &Vault, number: i64, id: RecordId, body: &str) -> Vec<u8> {
        let c = &v.records[&id];
        let note = Note { title: "kept".into(), body: body.into(), ..Default::default() };
        let fields = crate::document::normalized(&serde_json::to_value(&note).unwrap());
        let bytes = serde_json::to_vec(&fields).unwrap();
        let row = JournalRow {
            kind: RecordKind::Note,
            id,
            space: v.keys.personal_space,
            new: false,
            seq: c.seq + 1,
            created_ms: c.created_ms,
            time_ms: now_ms(),
            fields: &bytes,
        };
        v.row_key.seal(&entry_aad(number), &row.encode())
    }

    #[test]
    fn entries_kept_in_the_table_are_applied_at_unlock() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let mut v = Vault::create_with(&dir, &pass(), &VaultOptions { work_factor: 10 }).unwrap();
        let id = v.add(&Note { title: "kept".into(), body: "saved".into(), ..Default::default() }).unwrap();
        v.settle().unwrap();
        // As a schema-3 build left an acknowledged edit: a row of the `journal` table.
        let number = v.journal_next;
        let body = entry(&v, number, id, "from the table");
        v.store.journal_keep(number, &body).unwrap();
        // Kept entries wait for an unlock: a settle at runtime does not try them.
        lock(&v.applier.shared.state).failed = true;
        v.settle().unwrap();
        assert_eq!(v.get::<Note>(&id).unwrap().value.body, "saved");
        drop(v);
        let mut v = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!(v.get::<Note>(&id).unwrap().value.body, "from the table");
        assert!(v.store.journal_pending(true).unwrap().is_empty(), "applied, and gone from the table");
        assert!(v.journal_next > number, "numbers go on after it");
        v.update::<Note>(&id, |n| n.body = "after".into()).unwrap();
        drop(v);
        let v = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!(v.get::<Note>(&id).unwrap().value.body, "after");
    }

    #[test]
    fn a_failing_replay_keeps_the_writer_stopped_so_no_entry_is_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let mut v = Vault::create_with(&dir, &pass(), &VaultOptions { work_factor: 10 }).unwrap();
        let a = v.add(&Note { title: "a".into(), ..Default::default() }).unwrap();
        let b = v.add(&Note { title: "b".into(), ..Default::default() }).unwrap();
        v.settle().unwrap();
        // An entry that cannot be applied (its body does not open) in the journal file, then a
        // writer failure: the replay fails on it.
        let bad = v.journal_next;
        v.store.journal_append(bad, b"not a sealed entry", false).unwrap();
        v.journal_next += 1;
        lock(&v.applier.shared.state).failed = true;
        assert!(v.settle().is_err(), "the replay reports the entry it cannot apply");
        // Later saves are acknowledged, but not applied past the failed entry.
        v.update::<Note>(&a, |n| n.body = "later".into()).unwrap();
        v.update::<Note>(&b, |n| n.body = "later too".into()).unwrap();
        v.wait_for_journal();
        assert!(v.store.journal_applied().unwrap() < bad, "nothing is marked applied past the failed entry");
        assert!(v.settle().is_err());
        drop(v);
        // At unlock the bad entry is kept in the table and every later one is applied.
        let v = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!(v.get::<Note>(&a).unwrap().value.body, "later");
        assert_eq!(v.get::<Note>(&b).unwrap().value.body, "later too");
    }
}
