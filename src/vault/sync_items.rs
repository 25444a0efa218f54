//! The vault's side of sync: which spaces a peer shares with this device, the ids and bytes of
//! the items held for a space, and `ingest`, which verifies a batch of received items completely
//! before storing any of it, then stores it in one transaction and applies the sealed changes
//! to the records.
//!
//! Rules `ingest` enforces, for every item of a batch (or the whole batch is refused):
//! - it decodes (bounded, known version) and its signature verifies;
//! - it belongs to the space being synced;
//! - its author is a member of the space by the log formed by the stored operations and those
//!   of the batch (operations from former members are kept: every device must evaluate the same
//!   log);
//! - a sealed change's author may write under the change's epoch (`spaces::may_write`), and the
//!   epoch has been started by the log;
//! - when this device holds that epoch's key, the change decrypts and applies to its record.
//!
//! Must never: store part of a refused batch, or apply a change to a record of another space.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::records::{row_aad, OpenDoc};
use super::snapshot::{DocRow, ViewRow};
use super::spaces::may_write;
use super::tombstones::DeletionPlan;
use super::{now_ms, Cached, Vault};
use crate::document::{actor_for, RecordDoc};
use crate::error::{Error, Result};
use crate::model::{Record, RecordId, RecordKind, SpaceId};
use crate::sealed::SealedChange;
use crate::space::log::{evaluate, my_keys, OpBody, Role, SpaceOp};
use crate::space::{self, MemberCard};
use crate::store::{ChangeRow, RecordWrite};
use crate::sync_item::{Refusal, SyncItem};

/// Most items accepted in one batch.
pub const MAX_BATCH_ITEMS: usize = 200_000;

/// What `ingest` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Items in the batch.
    pub received: usize,
    /// Items already held (or repeated in the batch): nothing done for them.
    pub duplicates: usize,
    /// New membership operations stored.
    pub ops: usize,
    /// New sealed changes stored and applied to records.
    pub applied: usize,
    /// New sealed changes stored without being applied (no key here, or waiting for others).
    pub carried: usize,
    /// Records created or changed, sorted.
    pub changed_records: Vec<RecordId>,
    /// Changes dropped because a tombstone deleted their record (not stored; ids kept).
    pub dropped: usize,
    /// Records deleted here by a tombstone in this batch, sorted.
    pub deleted_records: Vec<RecordId>,
}

fn refuse(r: Refusal) -> Error {
    Error::SyncRefused(r)
}

/// Decodes and signature-checks every item, on all cores (Ed25519 checks dominate the cost).
fn decode_all(items: &[Vec<u8>]) -> Result<Vec<SyncItem>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let chunk = items.len().div_ceil(threads).max(64);
    let parts: Vec<std::result::Result<Vec<SyncItem>, Refusal>> = std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|b| SyncItem::decode(b).map_err(Refusal::from)).collect()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(Err(Refusal::Malformed))).collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part.map_err(refuse)?);
    }
    Ok(out)
}

/// A record ready to be written after applying received changes.
struct Prepared {
    id: RecordId,
    open: OpenDoc,
    cached: Cached,
    view_body: Vec<u8>,
    doc_bytes: Vec<u8>,
    complete: bool,
    record: Record,
}

impl Vault {
    /// Spaces held here (as reader or courier) in which `peer` is an active member or courier.
    pub fn shared_spaces(&self, peer: &[u8; 32]) -> Result<Vec<SpaceId>> {
        let me = self.keys.device_public();
        Ok(self
            .spaces
            .entries
            .iter()
            .filter(|(_, e)| e.state.as_ref().is_some_and(|s| s.is_active(peer) && (s.is_active(&me) || e.carried)))
            .filter(|(id, _)| !self.is_stowed_away(id))
            .map(|(id, _)| *id)
            .collect())
    }

    fn check_held(&self, space: &SpaceId) -> Result<()> {
        if *space == self.keys.personal_space || !self.spaces.entries.contains_key(space) {
            return Err(Error::UnknownSpace(space.to_string()));
        }
        Ok(())
    }

    /// Ids of every item (operation or sealed change) of a space held here, and of the changes
    /// a tombstone erased (their bytes are gone; listing them keeps sync from bringing them back).
    pub fn item_ids(&self, space: SpaceId) -> Result<Vec<[u8; 32]>> {
        self.check_held(&space)?;
        self.wait_for_journal();
        let mut ids = self.store.item_ids(&space.0)?;
        ids.extend(self.erased_ids(&space));
        Ok(ids)
    }

    /// The bytes of the items of `space` with these ids; ids not held are skipped.
    pub fn items(&self, space: SpaceId, ids: &[[u8; 32]]) -> Result<Vec<Vec<u8>>> {
        self.check_held(&space)?;
        self.wait_for_journal();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(body) = self.store.change_body(&space.0, id)? {
                out.push(body);
            } else if let Some(body) = self.store.op_body(&space.0, id)? {
                let mut aad = b"carenet/op-row/v1/".to_vec();
                aad.extend_from_slice(id);
                let plain = self
                    .row_key
                    .open(&aad, &body)
                    .ok_or_else(|| Error::DatabaseDamaged("a space operation does not decrypt".into()))?;
                out.push(plain.to_vec());
            }
        }
        Ok(out)
    }

    /// Decrypts and parses a bundle addressed to this device (or to `passphrase`).
    pub fn open_bundle(
        &self,
        file: &[u8],
        passphrase: Option<&age::secrecy::SecretString>,
    ) -> Result<crate::bundle::Bundle> {
        crate::bundle::read(file, &self.keys.age_identity, passphrase)
    }

    /// A counter that grows whenever this vault stores an item (a local edit, a membership
    /// change, or items received): poll it to learn there is something new to send.
    pub fn change_count(&self) -> u64 {
        self.changes_made.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Verifies a batch of items of `space`, then stores all the new ones durably in one
    /// transaction and applies their changes; refuses the whole batch (storing nothing) if any
    /// item fails. Idempotent: items already held count as duplicates.
    pub fn ingest(&mut self, space: SpaceId, items: Vec<Vec<u8>>) -> Result<IngestReport> {
        self.check_held(&space)?;
        self.settle()?;
        if items.len() > MAX_BATCH_ITEMS {
            return Err(refuse(Refusal::TooMany));
        }
        let mut report = IngestReport { received: items.len(), ..Default::default() };
        // An item whose id (the hash of its bytes) is already held here is byte for byte one that
        // was verified when it was stored: it is counted, not verified again. Large batches (a
        // first sync, a bundle) check against one read of the space's ids; small ones (a live
        // change) ask per item.
        let held: Option<HashSet<[u8; 32]>> =
            if items.len() > 64 { Some(self.item_ids(space)?.into_iter().collect()) } else { None };
        let mut seen = HashSet::new();
        let mut fresh = Vec::new();
        for bytes in items {
            if bytes.len() > crate::sync_item::MAX_ITEM_LEN {
                return Err(refuse(Refusal::Malformed));
            }
            let id = *blake3::hash(&bytes).as_bytes();
            let known = match &held {
                Some(h) => h.contains(&id),
                None => self.is_erased(&space, &id) || self.store.has_item(&space.0, &id)?,
            };
            if known || !seen.insert(id) {
                report.duplicates += 1;
            } else {
                fresh.push(bytes);
            }
        }
        let mut new_ops: Vec<SpaceOp> = Vec::new();
        let mut new_changes: Vec<SealedChange> = Vec::new();
        for item in decode_all(&fresh)? {
            if item.space() != space {
                return Err(refuse(Refusal::WrongSpace));
            }
            match item {
                SyncItem::Op(op) => new_ops.push(op),
                SyncItem::Change(c) => new_changes.push(c),
            }
        }
        if new_ops.is_empty() && new_changes.is_empty() {
            return Ok(report);
        }
        let entry = &self.spaces.entries[&space];
        let mut all_ops = entry.ops.clone();
        all_ops.extend(new_ops.iter().cloned());
        let state = evaluate(space, &all_ops).ok_or_else(|| refuse(Refusal::NoSpaceLog))?;
        if new_ops.iter().any(|op| !state.members.contains_key(&op.author)) {
            return Err(refuse(Refusal::NotAMember));
        }
        for c in &new_changes {
            if !state.members.contains_key(&c.author) {
                return Err(refuse(Refusal::NotAMember));
            }
            if c.epoch > state.epoch {
                return Err(refuse(Refusal::UnknownEpoch));
            }
            if !may_write(&state, &all_ops, &c.author, c.epoch) {
                return Err(refuse(Refusal::NoWriteRights));
            }
        }
        let me = self.keys.device_public();
        let keys = my_keys(&state, &all_ops, &me, &self.keys.age_identity);
        let mut by_doc: BTreeMap<RecordId, Vec<(usize, Vec<u8>)>> = BTreeMap::new();
        for (i, c) in new_changes.iter().enumerate() {
            if let Some(k) = keys.get(&c.epoch) {
                // Signatures were verified by `decode_all`.
                let (doc, bytes) = c.decrypt_verified(k).map_err(|_| refuse(Refusal::Undecryptable))?;
                by_doc.entry(doc).or_default().push((i, bytes));
            }
        }
        let mut change_doc: HashMap<usize, RecordId> = HashMap::new();
        let mut prepared: Vec<Prepared> = Vec::new();
        let mut deletions = DeletionPlan::default();
        for (doc_id, list) in by_doc {
            if self.plan_deletion(space, doc_id, &list, &new_changes, &mut deletions)? {
                continue;
            }
            // A record this device keeps in another space (or cannot read) is not touched.
            let exists = self.records.contains_key(&doc_id);
            if (exists && self.space_of(&doc_id) != Some(space)) || self.damaged.iter().any(|(d, _)| *d == doc_id) {
                continue;
            }
            let bytes: Vec<Vec<u8>> = list.iter().map(|(_, b)| b.clone()).collect();
            let indices = list.into_iter().map(|(i, _)| i);
            match self.prepare_record(doc_id, exists, &bytes)? {
                Some(p) => prepared.push(p),
                None if exists => return Err(refuse(Refusal::Unapplicable)),
                None => {}
            }
            change_doc.extend(indices.map(|i| (i, doc_id)));
        }
        let op_rows: Vec<_> = new_ops.iter().map(|o| self.op_row(o)).collect();
        let change_rows: Vec<(ChangeRow<'_>, Option<RecordId>)> = new_changes
            .iter()
            .enumerate()
            .filter(|(i, _)| !deletions.dropped.contains(i))
            .map(|(i, c)| (ChangeRow { id: c.id(), space: space.0, body: c.as_bytes() }, change_doc.get(&i).copied()))
            .collect();
        let row_key = &self.row_key;
        let makers: Vec<Box<dyn Fn(i64) -> Vec<u8> + '_>> = prepared
            .iter()
            .map(|p| {
                let (id, doc) = (p.id, &p.doc_bytes);
                Box::new(move |through: i64| row_key.seal(&row_aad("doc", &id), &DocRow { id, through, doc }.encode()))
                    as Box<dyn Fn(i64) -> Vec<u8> + '_>
            })
            .collect();
        let writes: Vec<RecordWrite<'_>> = prepared
            .iter()
            .zip(&makers)
            .map(|(p, make)| RecordWrite {
                id: p.id,
                view: Some(p.view_body.clone()),
                doc: make.as_ref(),
                complete: p.complete,
            })
            .collect();
        self.store.save_items_erasing(&op_rows, &change_rows, &writes, &deletions.erase)?;
        drop(writes);
        drop(makers);
        report.ops = new_ops.len();
        report.applied = change_doc.len();
        report.dropped = deletions.dropped.len();
        report.carried = new_changes.len() - change_doc.len() - report.dropped;
        report.deleted_records = deletions.deleted.clone();
        report.deleted_records.sort();
        self.changes_made.fetch_add(
            (new_ops.len() + new_changes.len() - report.dropped) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let had_ops = !new_ops.is_empty();
        let entry = self.spaces.entries.get_mut(&space).ok_or_else(|| Error::UnknownSpace(space.to_string()))?;
        entry.ops.extend(new_ops);
        entry.refresh(space, &me, &self.keys.age_identity);
        for p in prepared {
            let Prepared { id, mut open, cached, record, .. } = p;
            self.index_record(id, &record, cached.created_ms, cached.updated_ms);
            self.records.insert(id, cached);
            self.spaces.record_space.insert(id, space);
            open.tail = Some(0);
            self.keep_doc(id, open);
            report.changed_records.push(id);
        }
        report.changed_records.sort();
        self.finish_deletion(space, deletions)?;
        tracing::info!(
            ops = report.ops,
            applied = report.applied,
            carried = report.carried,
            duplicates = report.duplicates,
            dropped = report.dropped,
            deleted = report.deleted_records.len(),
            "items ingested"
        );
        if had_ops {
            self.reissue_rejected(space)?;
        }
        self.check_returned(space)?;
        Ok(report)
    }

    /// Applies received change bytes to a record (loaded, or built from the changes of it held
    /// so far) without storing anything. `None` when the record cannot be shown yet (its first
    /// change has not arrived).
    fn prepare_record(&mut self, id: RecordId, exists: bool, bytes: &[Vec<u8>]) -> Result<Option<Prepared>> {
        let me = self.keys.device_public();
        let mut open = if exists {
            self.take_doc(&id)?
        } else {
            let mut doc = RecordDoc::empty(actor_for(&me));
            let mut prior = Vec::new();
            for body in self.store.changes_of_doc_after(&id, 0)? {
                let sc = SealedChange::decode(&body)
                    .map_err(|_| Error::DocumentDamaged { id, detail: "a stored change is unusable".into() })?;
                if let Some(k) = self.opening_key(sc.space, sc.epoch) {
                    if let Ok((doc_id, change)) = sc.open(k) {
                        if doc_id == id {
                            prior.push(change);
                        }
                    }
                }
            }
            doc.apply_received(&prior).map_err(|_| refuse(Refusal::Unapplicable))?;
            OpenDoc { doc, tail: None }
        };
        open.doc.apply_received(bytes).map_err(|_| refuse(Refusal::Unapplicable))?;
        let waits = open.doc.waits_for_changes();
        let Some(kind) = open.doc.kind_name().and_then(|k| k.parse::<RecordKind>().ok()) else {
            return if exists || !waits { Err(refuse(Refusal::Unapplicable)) } else { Ok(None) };
        };
        let old = self.records.get(&id);
        if old.is_some_and(|c| c.kind != kind) {
            return Err(refuse(Refusal::Unapplicable));
        }
        let view = open.doc.to_json();
        let record = match Record::from_json(kind, view.clone()) {
            Ok(r) => r,
            Err(_) if waits && !exists => return Ok(None),
            Err(_) => return Err(refuse(Refusal::Unapplicable)),
        };
        let now = now_ms();
        let (created_ms, updated_ms, seq) = match old {
            Some(c) => (c.created_ms, now.max(c.updated_ms), c.seq + 1),
            None => {
                let (first, last) = open.doc.time_span().unwrap_or((now, now));
                (first, last, 1)
            }
        };
        let heads = open.doc.heads();
        let view_bytes = serde_json::to_vec(&view).map_err(|e| Error::invalid(e.to_string()))?;
        let row = ViewRow { kind, id, seq, created_ms, updated_ms, heads: heads.clone(), view: &view_bytes };
        let view_body = self.row_key.seal(&row_aad("view", &id), &row.encode());
        let doc_bytes = open.doc.save();
        let cached = Cached { kind, record: record.clone(), created_ms, updated_ms, seq, heads };
        Ok(Some(Prepared { id, open, cached, view_body, doc_bytes, complete: !waits, record }))
    }

    /// Concurrent membership changes: evaluation applies the first in its deterministic order
    /// and rejects a removal (or an addition) made from a state that no longer holds. The
    /// coordinator whose operation was rejected re-issues it on the merged log as soon as it
    /// learns of the conflict, so both take effect (each removal with its own new epoch).
    fn reissue_rejected(&mut self, space: SpaceId) -> Result<()> {
        self.settle()?;
        let me = self.keys.device_public();
        let Some(entry) = self.spaces.entries.get(&space) else { return Ok(()) };
        let Some(st) = entry.state.as_ref() else { return Ok(()) };
        if st.role(&me) != Some(Role::Coordinator) {
            return Ok(());
        }
        let rejected: HashSet<[u8; 32]> = st.rejected.iter().copied().collect();
        let mine: Vec<SpaceOp> =
            entry.ops.iter().filter(|o| o.author == me && rejected.contains(&o.id())).cloned().collect();
        for op in mine {
            let entry = &self.spaces.entries[&space];
            let Some(st) = entry.state.as_ref() else { break };
            let new_op = match &op.body {
                OpBody::Remove { member, .. } if st.is_active(member) => {
                    space::remove(&self.keys.device, st, member)?.0
                }
                OpBody::Add { member, recipient, role, name, .. } if !st.members.contains_key(member) => {
                    let Some(name) = space::open_name(space, &entry.keys, name) else { continue };
                    let card = MemberCard { device: *member, recipient: recipient.clone(), name };
                    space::add(&self.keys.device, st, &entry.keys, &card, *role)?
                }
                _ => continue,
            };
            let row = self.op_row(&new_op);
            self.store.save_space(&space.0, None, &[row])?;
            self.changes_made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(entry) = self.spaces.entries.get_mut(&space) {
                entry.ops.push(new_op);
                entry.refresh(space, &me, &self.keys.age_identity);
            }
        }
        Ok(())
    }
}
