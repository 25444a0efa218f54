//! Deleting a record for a whole space: signed, sealed tombstones.
//!
//! Deleting a record of a shared space (by a member with write rights: a coordinator or a
//! member, as for edits) writes a tombstone ([`crate::tombstone`]) sealed as a change of that
//! record under the space's current epoch, and erases the record, its document and its sealed
//! changes in the same transaction. The ids of the erased changes are kept in the `erased` table
//! (keyed-hash row ids, encrypted bodies) and in memory: `item_ids` keeps offering them, so a
//! peer that still holds those changes sees nothing missing on either side, and `items` no
//! longer has their bytes.
//!
//! A device that receives a tombstone (checked by `ingest` like any change: signature, member,
//! write rights at its epoch) erases its copy the same way, keeps the listed ids, and from then
//! on drops every change of that record it receives (stored nowhere, its id kept as erased). A
//! change that no tombstone held here lists (an edit made concurrently with the delete) gets a
//! follow-up tombstone listing it, so that every device ends with the same set of ids.
//!
//! Must never: erase a record this device keeps in another space, or offer the bytes of an
//! erased change.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use super::{now_ms, Vault};
use crate::error::{Error, Result};
use crate::model::{RecordId, SpaceId};
use crate::sealed::SealedChange;
use crate::store::{ChangeRow, Erasure};
use crate::sync_item::Refusal;
use crate::tombstone::{is_tombstone, Tombstone, MAX_ERASED};

const KIND_CHANGE: u8 = 1;
const KIND_RECORD: u8 = 2;

/// What deletions across spaces erased, as held in memory while the vault is unlocked.
#[derive(Default)]
pub(super) struct Erased {
    /// Ids of erased sealed changes, per space.
    items: HashMap<SpaceId, HashSet<[u8; 32]>>,
    /// Records deleted by a tombstone, and the space whose tombstone deleted them.
    records: HashMap<RecordId, SpaceId>,
}

/// Where a delete takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeleteScope {
    /// The record is personal, or this device may not write to its space (removed, or without
    /// the current key): it is deleted here only.
    ThisDevice,
    /// The record is in a shared space this device may write to: a tombstone deletes it on
    /// every member's device as it syncs.
    Space(SpaceId),
}

/// The changes of a received batch that deletions concern, planned before anything is stored.
#[derive(Default)]
pub(super) struct DeletionPlan {
    /// Indices (in the batch's new changes) of changes dropped: not stored, kept as erased ids.
    pub dropped: HashSet<usize>,
    /// Records erased and rows added to `erased`.
    pub erase: Erasure,
    /// Erased ids to remember in memory once stored.
    erased_ids: Vec<[u8; 32]>,
    /// Records newly deleted by a tombstone.
    pub deleted: Vec<RecordId>,
    /// Records with dropped changes that no tombstone lists: (record, those ids).
    follow_ups: Vec<(RecordId, Vec<[u8; 32]>)>,
}

fn erased_aad(id: &[u8; 32]) -> Vec<u8> {
    let mut aad = b"carenet/erased-row/v1/".to_vec();
    aad.extend_from_slice(id);
    aad
}

fn refuse(r: Refusal) -> Error {
    Error::SyncRefused(r)
}

impl Vault {
    /// An `erased` row for one erased change id or deleted record id of `space`.
    fn erased_row(&self, space: SpaceId, kind: u8, id: &[u8]) -> ([u8; 32], Vec<u8>) {
        let mut plain = Vec::with_capacity(16 + 1 + id.len());
        plain.extend_from_slice(&space.0);
        plain.push(kind);
        plain.extend_from_slice(id);
        let row_id = self.row_key.derive("carenet 2026 erased rows v1").keyed_hash(&plain);
        let body = self.row_key.seal(&erased_aad(&row_id), &plain);
        (row_id, body)
    }

    /// An `erased` row for one erased change of `space`.
    pub(super) fn erased_change_row(&self, space: SpaceId, change: &[u8; 32]) -> ([u8; 32], Vec<u8>) {
        self.erased_row(space, KIND_CHANGE, change)
    }

    /// Remembers in memory change ids of `space` whose `erased` rows were just stored.
    pub(super) fn remember_erased(&mut self, space: SpaceId, ids: impl IntoIterator<Item = [u8; 32]>) {
        self.erased.items.entry(space).or_default().extend(ids);
    }

    /// Reads the `erased` table at unlock. A row that does not decrypt is skipped (sync may
    /// then ask for that change again, which changes nothing).
    pub(super) fn load_erased(&mut self) -> Result<()> {
        let mut skipped = 0usize;
        for (row_id, body) in self.store.all_erased()? {
            let Some(plain) = self.row_key.open(&erased_aad(&row_id), &body) else {
                skipped += 1;
                continue;
            };
            let mut space = [0u8; 16];
            match (plain.get(..16), plain.get(16), plain.len()) {
                (Some(s), Some(&KIND_CHANGE), 49) => {
                    space.copy_from_slice(s);
                    let mut id = [0u8; 32];
                    id.copy_from_slice(&plain[17..]);
                    self.erased.items.entry(SpaceId(space)).or_default().insert(id);
                }
                (Some(s), Some(&KIND_RECORD), 33) => {
                    space.copy_from_slice(s);
                    let mut id = [0u8; 16];
                    id.copy_from_slice(&plain[17..]);
                    self.erased.records.insert(RecordId(id), SpaceId(space));
                }
                _ => skipped += 1,
            }
        }
        if skipped > 0 {
            tracing::warn!(skipped, "erased rows could not be read");
        }
        Ok(())
    }

    /// True when a change id of `space` was erased by a deletion across the space.
    pub(super) fn is_erased(&self, space: &SpaceId, id: &[u8; 32]) -> bool {
        self.erased.items.get(space).is_some_and(|s| s.contains(id))
    }

    /// The erased change ids of `space` (offered in reconciliation, never sent).
    pub(super) fn erased_ids(&self, space: &SpaceId) -> impl Iterator<Item = [u8; 32]> + '_ {
        self.erased.items.get(space).into_iter().flatten().copied()
    }

    /// True when a tombstone of some space deleted this record here.
    pub fn is_deleted_by_tombstone(&self, id: &RecordId) -> bool {
        self.erased.records.contains_key(id)
    }

    /// Where deleting this record would take effect.
    pub fn delete_scope(&self, id: &RecordId) -> DeleteScope {
        match self.space_of(id) {
            Some(space) if space != self.keys.personal_space && self.writable(&space).is_ok() => {
                DeleteScope::Space(space)
            }
            _ => DeleteScope::ThisDevice,
        }
    }

    /// Deletes a record of a shared space for the whole space: seals a tombstone listing the
    /// record's changes held here, and in one transaction stores it and erases the record.
    pub(super) fn delete_across_space(&mut self, id: &RecordId, space: SpaceId) -> Result<()> {
        let mut held = self.store.change_ids_of_doc(id)?;
        held.truncate(MAX_ERASED);
        let tombstone = Tombstone { deleted_ms: now_ms(), erased: held.clone() };
        let (epoch, key) = self.writable(&space)?;
        let sealed = SealedChange::seal(&self.keys.device, space, epoch, key, *id, &tombstone.encode());
        let mut rows: Vec<_> = held.iter().map(|c| self.erased_row(space, KIND_CHANGE, c)).collect();
        rows.push(self.erased_row(space, KIND_RECORD, &id.0));
        let change = ChangeRow { id: sealed.id(), space: space.0, body: sealed.as_bytes() };
        self.store.save_items_erasing(
            &[],
            &[(change, None)],
            &[],
            &Erasure { records: vec![*id], rows, ..Default::default() },
        )?;
        self.changes_made.fetch_add(1, Ordering::Relaxed);
        self.erased.items.entry(space).or_default().extend(held);
        self.erased.records.insert(*id, space);
        self.spaces.record_space.remove(id);
        tracing::info!("record deleted across its space");
        Ok(())
    }

    /// Plans what a batch's changes of one record do when a tombstone is involved (one in the
    /// batch, or one held already). Returns false when none is, and the changes are applied as
    /// usual. `list` holds (index in `changes`, decrypted payload).
    pub(super) fn plan_deletion(
        &self,
        space: SpaceId,
        doc: RecordId,
        list: &[(usize, Vec<u8>)],
        changes: &[SealedChange],
        plan: &mut DeletionPlan,
    ) -> Result<bool> {
        let mut listed: HashSet<[u8; 32]> = HashSet::new();
        let mut has_tombstone = false;
        for (_, payload) in list.iter().filter(|(_, p)| is_tombstone(p)) {
            let t = Tombstone::decode(payload).map_err(|_| refuse(Refusal::Unapplicable))?;
            listed.extend(t.erased);
            has_tombstone = true;
        }
        let already = self.erased.records.contains_key(&doc) || plan.deleted.contains(&doc);
        if !has_tombstone && !already {
            return Ok(false);
        }
        // A record this device keeps in another space is not touched: the batch's changes of it
        // are only carried.
        let here = self.records.contains_key(&doc) || self.damaged.iter().any(|(d, _)| *d == doc);
        if here && self.space_of(&doc) != Some(space) {
            return Ok(true);
        }
        let mut erased: Vec<[u8; 32]> = Vec::new();
        let mut uncovered: Vec<[u8; 32]> = Vec::new();
        if !already {
            // Changes held here, including ones stored while waiting for the record's first.
            for id in self.store.change_ids_of_doc(&doc)? {
                if !listed.contains(&id) {
                    uncovered.push(id);
                }
                erased.push(id);
            }
            plan.erase.records.push(doc);
            plan.erase.rows.push(self.erased_row(space, KIND_RECORD, &doc.0));
            plan.deleted.push(doc);
        }
        for (i, payload) in list {
            if is_tombstone(payload) {
                continue;
            }
            let id = changes[*i].id();
            plan.dropped.insert(*i);
            if !listed.contains(&id) {
                uncovered.push(id);
            }
            erased.push(id);
        }
        erased.extend(listed);
        erased.retain(|id| !self.is_erased(&space, id));
        erased.sort_unstable();
        erased.dedup();
        for id in &erased {
            plan.erase.rows.push(self.erased_row(space, KIND_CHANGE, id));
        }
        plan.erased_ids.extend(erased);
        if !uncovered.is_empty() {
            plan.follow_ups.push((doc, uncovered));
        }
        Ok(true)
    }

    /// After a planned batch was stored: forgets the erased records in memory, remembers the
    /// erased ids, and seals follow-up tombstones for dropped changes no tombstone listed.
    pub(super) fn finish_deletion(&mut self, space: SpaceId, plan: DeletionPlan) -> Result<()> {
        let DeletionPlan { erased_ids, deleted, follow_ups, .. } = plan;
        self.erased.items.entry(space).or_default().extend(erased_ids);
        for id in &deleted {
            self.erased.records.insert(*id, space);
            self.forget_record(id);
        }
        if follow_ups.is_empty() || self.writable(&space).is_err() {
            return Ok(());
        }
        let (epoch, key) = self.writable(&space)?;
        let sealed: Vec<SealedChange> = follow_ups
            .into_iter()
            .map(|(doc, mut ids)| {
                ids.sort_unstable();
                ids.dedup();
                ids.truncate(MAX_ERASED);
                let t = Tombstone { deleted_ms: now_ms(), erased: ids };
                SealedChange::seal(&self.keys.device, space, epoch, key, doc, &t.encode())
            })
            .collect();
        let rows: Vec<_> =
            sealed.iter().map(|s| (ChangeRow { id: s.id(), space: space.0, body: s.as_bytes() }, None)).collect();
        self.store.save_items_erasing(&[], &rows, &[], &Erasure::default())?;
        self.changes_made.fetch_add(rows.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Drops a record from memory (view, document, index, damaged list, space).
    pub(super) fn forget_record(&mut self, id: &RecordId) {
        self.records.remove(id);
        super::journal::lock(&self.docs).remove(id);
        self.index.remove(id);
        self.damaged.retain(|(d, _)| d != id);
        self.spaces.record_space.remove(id);
    }
}
