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

use super::attachments::{id_bytes, removed_of};
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
use crate::store::{ChangeRow, Erasure, OpRow, RecordWrite};
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
    /// New sealed changes stored without being applied (no key here, waiting for others, or of
    /// a record of a kind only a newer build knows: kept and passed on, shown once this device
    /// runs such a build).
    pub carried: usize,
    /// Records created or changed, sorted.
    pub changed_records: Vec<RecordId>,
    /// Changes dropped because a tombstone deleted their record, or parts of a file removed from
    /// its record (not stored; ids kept as erased).
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

    /// Unwraps the file key of a bundle made for this device (quick); its body is then decrypted
    /// and parsed by `Unwrapped::read`, which needs nothing of the vault.
    pub fn unwrap_bundle(&self, file: Vec<u8>) -> Result<crate::bundle::Unwrapped> {
        crate::bundle::unwrap_for_device(file, &self.keys.age_identity)
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
        let mut held = 0;
        let mut parts_erased = Vec::new();
        for (doc_id, list) in by_doc {
            if self.plan_deletion(space, doc_id, &list, &new_changes, &mut deletions)? {
                continue;
            }
            // A record this device keeps in another space (or cannot read) is not touched.
            let exists = self.records.contains_key(&doc_id);
            if (exists && self.space_of(&doc_id) != Some(space)) || self.damaged.iter().any(|(d, _)| *d == doc_id) {
                continue;
            }
            // A file's parts are stored with their record, not applied to its document; parts of
            // a file the record says was removed are dropped, their ids kept as erased.
            let mut parts: Vec<(usize, Option<[u8; 16]>)> = Vec::new();
            let (mut bytes, mut others) = (Vec::new(), Vec::new());
            for (i, mut b) in list {
                if crate::part::is_part(&b) {
                    // A part this build cannot read is kept as it is (a newer build may), not refused.
                    parts.push((i, crate::part::attachment_of(&b)));
                    zeroize::Zeroize::zeroize(&mut b);
                } else {
                    bytes.push(b);
                    others.push(i);
                }
            }
            let before: HashSet<String> = self.records.get(&doc_id).map(|c| removed_of(&c.record)).unwrap_or_default();
            let mut removed = before.clone();
            let mut shown = exists;
            if !bytes.is_empty() {
                match self.prepare_record(doc_id, exists, &bytes)? {
                    Some(p) => {
                        removed.extend(removed_of(&p.record));
                        shown = true;
                        prepared.push(p);
                    }
                    None if exists => return Err(refuse(Refusal::Unapplicable)),
                    // Stored under its record id, so that it can be shown when it can be.
                    None => held += bytes.len(),
                }
                change_doc.extend(others.into_iter().map(|i| (i, doc_id)));
            }
            for (i, attachment) in parts {
                if attachment.is_some_and(|a| removed.contains(&hex::encode(a))) {
                    let id = new_changes[i].id();
                    deletions.dropped.insert(i);
                    deletions.erase.rows.push(self.erased_change_row(space, &id));
                    parts_erased.push(id);
                } else {
                    held += usize::from(!shown);
                    change_doc.insert(i, doc_id);
                }
            }
            // Files this batch removed from the record: their parts held here are erased too.
            let newly = id_bytes(removed.difference(&before));
            let erase = self.erasure_of_parts(&doc_id, &newly, Some(space))?;
            parts_erased.extend(erase.changes.iter().copied());
            deletions.erase.changes.extend(erase.changes);
            deletions.erase.rows.extend(erase.rows);
        }
        let op_rows: Vec<_> = new_ops.iter().map(|o| self.op_row(o)).collect();
        let change_rows: Vec<(ChangeRow<'_>, Option<RecordId>)> = new_changes
            .iter()
            .enumerate()
            .filter(|(i, _)| !deletions.dropped.contains(i))
            .map(|(i, c)| (ChangeRow { id: c.id(), space: space.0, body: c.as_bytes() }, change_doc.get(&i).copied()))
            .collect();
        self.save_prepared(&op_rows, &change_rows, prepared.iter(), &deletions.erase)?;
        report.ops = new_ops.len();
        report.applied = change_doc.len() - held;
        report.dropped = deletions.dropped.len();
        report.carried = new_changes.len() - report.applied - report.dropped;
        report.deleted_records = deletions.deleted.clone();
        self.remember_erased(space, parts_erased);
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
            report.changed_records.push(self.show_prepared(p, space));
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

    /// Puts a record written by `save_prepared` in memory (cache, index, its space); returns its id.
    fn show_prepared(&mut self, p: Prepared, space: SpaceId) -> RecordId {
        let Prepared { id, mut open, cached, record, .. } = p;
        self.index_record(id, &record, cached.created_ms, cached.updated_ms);
        self.records.insert(id, cached);
        self.spaces.record_space.insert(id, space);
        open.tail = Some(0);
        self.keep_doc(id, open);
        id
    }

    /// Writes received items and the rows of the records they changed, in one transaction.
    fn save_prepared<'p>(
        &mut self,
        ops: &[OpRow],
        changes: &[(ChangeRow<'_>, Option<RecordId>)],
        prepared: impl Iterator<Item = &'p Prepared>,
        erase: &Erasure,
    ) -> Result<()> {
        let row_key = &self.row_key;
        let prepared: Vec<&Prepared> = prepared.collect();
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
        self.store.save_items_erasing(ops, changes, &writes, erase)
    }

    /// Shows the records whose changes are held here but which were never shown: their kind was
    /// unknown to the build that received them (see `prepare_record`), and this build may know
    /// it. Runs at unlock; a record it still cannot show stays held, a damaged one is named in
    /// the log and left as it is. Returns how many it showed.
    pub(super) fn show_held_records(&mut self) -> Result<usize> {
        let held: Vec<(RecordId, SpaceId)> = self
            .spaces
            .record_space
            .iter()
            .filter(|(id, _)| !self.records.contains_key(id) && !self.damaged.iter().any(|(d, _)| d == *id))
            .map(|(id, space)| (*id, *space))
            .collect();
        let mut prepared = Vec::new();
        for (id, space) in held {
            if self.is_stowed_away(&space) {
                continue;
            }
            match self.prepare_record(id, false, &[]) {
                Ok(Some(p)) => prepared.push((p, space)),
                Ok(None) => {}
                Err(e) => tracing::warn!(code = e.code(), "a held record cannot be shown; it stays held"),
            }
        }
        if prepared.is_empty() {
            return Ok(0);
        }
        // Files these records name as removed: their parts held here go (see `ingest`).
        let mut erase = Erasure::default();
        let mut erased: Vec<(SpaceId, Vec<[u8; 32]>)> = Vec::new();
        for (p, space) in &prepared {
            let gone = id_bytes(p.record.removed_attachments());
            let e = self.erasure_of_parts(&p.id, &gone, Some(*space))?;
            erased.push((*space, e.changes.clone()));
            erase.changes.extend(e.changes);
            erase.rows.extend(e.rows);
        }
        self.save_prepared(&[], &[], prepared.iter().map(|(p, _)| p), &erase)?;
        for (space, ids) in erased {
            self.remember_erased(space, ids);
        }
        let shown = prepared.len();
        for (p, space) in prepared {
            self.show_prepared(p, space);
        }
        tracing::info!(records = shown, "held records shown");
        Ok(shown)
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
            // One stored change at a time, the parts of its files skipped.
            self.store.for_each_change_of_doc(&id, |_, body| {
                let sc = SealedChange::decode(body)
                    .map_err(|_| Error::DocumentDamaged { id, detail: "a stored change is unusable".into() })?;
                if let Some(k) = self.opening_key(sc.space, sc.epoch) {
                    if let Ok((doc_id, change)) = sc.open(k) {
                        if doc_id == id && !crate::part::is_part(&change) {
                            prior.push(change);
                        }
                    }
                }
                Ok(())
            })?;
            doc.apply_received(&prior).map_err(|_| refuse(Refusal::Unapplicable))?;
            OpenDoc { doc, tail: None }
        };
        open.doc.apply_received(bytes).map_err(|_| refuse(Refusal::Unapplicable))?;
        let waits = open.doc.waits_for_changes();
        let name = open.doc.kind_name();
        if !exists && name.is_none() && !waits && open.doc.all_change_bytes().is_empty() {
            // Only parts of its files have arrived so far: nothing to show yet.
            return Ok(None);
        }
        let Some(kind) = name.as_deref().and_then(|k| k.parse::<RecordKind>().ok()) else {
            // A record of a kind a newer build made: kept, passed on, not shown here. Refusing it
            // would stop every sync with the members who run that build.
            if name.is_some() && !exists {
                tracing::info!("a record of a kind this build does not know is kept for a newer build");
                return Ok(None);
            }
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

#[cfg(test)]
mod tests {
    //! Members do not all update at once. A record of a kind only a newer build knows must not
    //! stop their syncs: it is kept and passed on, and shown once this device runs a build that
    //! knows the kind.
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::model::Note;
    use crate::{SecretString, VaultOptions};

    fn pass() -> SecretString {
        SecretString::from("correct horse battery staple".to_owned())
    }

    fn vault(dir: &Path) -> Vault {
        Vault::create_with(dir, &pass(), &VaultOptions { work_factor: 10 }).unwrap()
    }

    fn sync(from: &Vault, to: &mut Vault, space: SpaceId) -> IngestReport {
        let ids = from.item_ids(space).unwrap();
        to.ingest(space, from.items(space, &ids).unwrap()).unwrap()
    }

    /// A space of A with B (and C) as members, its log synced to them.
    fn space_of(a: &mut Vault, members: &mut [&mut Vault]) -> SpaceId {
        let space = a.create_space("Office").unwrap();
        for m in members.iter_mut() {
            let card = m.member_card("M").unwrap().0;
            m.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
        }
        for m in members.iter_mut() {
            sync(a, m, space);
        }
        space
    }

    /// The first change of a new record of `kind`, sealed by `v` into `space` as a build that
    /// knows that kind would write it.
    fn newer_build_change(v: &Vault, space: SpaceId, kind: &str, fields: serde_json::Value) -> Vec<u8> {
        let id = RecordId::random();
        let mut doc = RecordDoc::new(kind, actor_for(&v.keys.device_public())).unwrap();
        let changed = doc.reconcile(&fields).unwrap();
        let change = doc.commit(&changed, now_ms()).unwrap();
        let (epoch, key) = v.writable(&space).unwrap();
        SealedChange::seal(&v.keys.device, space, epoch, key, id, change.raw_bytes()).as_bytes().to_vec()
    }

    #[test]
    fn a_record_of_a_kind_only_a_newer_build_knows_is_kept_and_passed_on() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut a, mut b, mut c) =
            (vault(&tmp.path().join("a")), vault(&tmp.path().join("b")), vault(&tmp.path().join("c")));
        let space = space_of(&mut a, &mut [&mut b, &mut c]);
        a.add_to_space(&space, &Note { title: "Raid".into(), ..Default::default() }).unwrap();
        let poll = newer_build_change(&a, space, "poll", json!({"question": "Meet on Friday?"}));
        let poll_id = *blake3::hash(&poll).as_bytes();

        // B gets the note and the poll in one batch: nothing refused, the note shown.
        let ids = a.item_ids(space).unwrap();
        let mut batch = a.items(space, &ids).unwrap();
        batch.push(poll.clone());
        let report = b.ingest(space, batch).unwrap();
        assert_eq!((report.applied, report.carried), (1, 1), "{report:?}");
        assert_eq!(b.len(), 1);
        assert!(b.item_ids(space).unwrap().contains(&poll_id), "kept");

        // C, which never talks to A, gets the poll from B.
        sync(&b, &mut c, space);
        assert!(c.item_ids(space).unwrap().contains(&poll_id), "passed on");
        assert_eq!(c.len(), 1);

        // Unlocking again neither shows it nor fails.
        let dir = b.dir().to_path_buf();
        b.lock().unwrap();
        let b = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!((b.len(), b.damaged().len()), (1, 0));
        assert!(b.item_ids(space).unwrap().contains(&poll_id));
    }

    #[test]
    fn a_held_record_is_shown_at_unlock_once_its_kind_is_known() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut a, mut b) = (vault(&tmp.path().join("a")), vault(&tmp.path().join("b")));
        let space = space_of(&mut a, &mut [&mut b]);
        let id = a.add_to_space(&space, &Note { title: "Raid".into(), ..Default::default() }).unwrap();
        a.settle().unwrap();

        // B stores the note's change as a build that did not know notes did: held, not shown.
        let ids = a.item_ids(space).unwrap();
        let changes: Vec<SealedChange> = a
            .items(space, &ids)
            .unwrap()
            .iter()
            .filter_map(|bytes| match SyncItem::decode(bytes) {
                Ok(SyncItem::Change(c)) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(changes.len(), 1);
        let rows: Vec<_> =
            changes.iter().map(|c| (ChangeRow { id: c.id(), space: space.0, body: c.as_bytes() }, Some(id))).collect();
        b.store.save_items_erasing(&[], &rows, &[], &Erasure::default()).unwrap();
        assert_eq!(b.len(), 0);

        // The next unlock (this build knows notes) shows it, and writes it: it stays shown.
        let dir = b.dir().to_path_buf();
        b.lock().unwrap();
        let b = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!(b.get::<Note>(&id).unwrap().value.title, "Raid");
        b.lock().unwrap();
        let mut b = Vault::unlock(&dir, &pass()).unwrap();
        assert_eq!(b.get::<Note>(&id).unwrap().value.title, "Raid");
        // And it is a record like any other: it can be edited.
        b.update::<Note>(&id, |n| n.body = "Three people taken".into()).unwrap();
        assert_eq!(b.get::<Note>(&id).unwrap().value.body, "Three people taken");
    }
}
