//! The store's side of tombstones: the `erased` table (what a deletion across a space erased,
//! kept so that sync neither asks for it nor offers it again) and the one-transaction write that
//! stores received or local items while erasing deleted records.
//!
//! Each `erased` row is addressed by a keyed hash (the key never leaves the unlocked vault) and
//! holds, encrypted under the row key, the space and either an erased change id or a deleted
//! record id: the file shows how many things were erased, not which, nor in which space.

use rusqlite::params;

use super::items::{insert_ops, write_records};
use super::{ChangeRow, OpRow, RecordWrite, Store};
use crate::error::Result;
use crate::model::RecordId;

/// Created on every open (additive, no schema version change).
pub(super) const ERASED_TABLE: &str = "
CREATE TABLE IF NOT EXISTS erased (
    id   BLOB PRIMARY KEY,   -- keyed BLAKE3 of what was erased
    body BLOB NOT NULL       -- XChaCha20-Poly1305(space | kind | id), bound to the row id
);
";

/// Records to erase and rows to add to `erased`, in the same transaction as a write.
#[derive(Default)]
pub struct Erasure {
    /// Records whose view, document and sealed changes are deleted.
    pub records: Vec<RecordId>,
    /// New `erased` rows: (keyed id, encrypted body).
    pub rows: Vec<([u8; 32], Vec<u8>)>,
    /// Single sealed changes deleted by id (the parts of a file removed from its record).
    pub changes: Vec<[u8; 32]>,
}

impl Erasure {
    pub(super) fn deletes(&self) -> bool {
        !self.records.is_empty() || !self.changes.is_empty()
    }
}

/// Deletes the records and changes `erase` names, inside `tx`.
pub(super) fn delete_erased(tx: &rusqlite::Transaction<'_>, erase: &Erasure) -> Result<()> {
    for r in &erase.records {
        tx.prepare_cached("DELETE FROM records WHERE id = ?1")?.execute([&r.0[..]])?;
        tx.prepare_cached("DELETE FROM docs WHERE id = ?1")?.execute([&r.0[..]])?;
        tx.prepare_cached("DELETE FROM changes WHERE doc = ?1")?.execute([&r.0[..]])?;
    }
    for c in &erase.changes {
        tx.prepare_cached("DELETE FROM changes WHERE id = ?1")?.execute([&c[..]])?;
    }
    Ok(())
}

/// Adds `erase`'s `erased` rows, inside `tx`.
pub(super) fn insert_erased_rows(tx: &rusqlite::Transaction<'_>, erase: &Erasure) -> Result<()> {
    let mut ins = tx.prepare_cached("INSERT INTO erased (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING")?;
    for (id, body) in &erase.rows {
        ins.execute(params![&id[..], body])?;
    }
    Ok(())
}

impl Store {
    /// Every `erased` row: (keyed id, encrypted body).
    pub fn all_erased(&self) -> Result<Vec<([u8; 32], Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, body FROM erased")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            if let Ok(id) = <[u8; 32]>::try_from(id.as_slice()) {
                out.push((id, body));
            }
        }
        Ok(out)
    }

    /// Ids of the sealed changes stored for one record.
    pub fn change_ids_of_doc(&self, doc: &RecordId) -> Result<Vec<[u8; 32]>> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM changes WHERE doc = ?1")?;
        let rows = stmt.query_map([&doc.0[..]], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(id) = <[u8; 32]>::try_from(row?.as_slice()) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// `save_items`, and in the same durable transaction erases `erase.records` (view, document,
    /// every sealed change of each) and adds `erase.rows`; then, when anything was erased,
    /// truncates the WAL so that no copy of the erased ciphertext stays in it.
    pub fn save_items_erasing(
        &mut self,
        ops: &[OpRow],
        changes: &[(ChangeRow<'_>, Option<RecordId>)],
        records: &[RecordWrite<'_>],
        erase: &Erasure,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        insert_ops(&tx, ops)?;
        // Deletions first: a change erased here and received again in the same batch is not kept.
        delete_erased(&tx, erase)?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO changes (id, space, doc, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO NOTHING",
            )?;
            for (c, doc) in changes {
                ins.execute(params![&c.id[..], &c.space[..], doc.as_ref().map(|d| d.0.to_vec()), c.body])?;
            }
        }
        write_records(&tx, records)?;
        insert_erased_rows(&tx, erase)?;
        tx.commit()?;
        if erase.deletes() {
            self.checkpoint()?;
        }
        Ok(())
    }
}
