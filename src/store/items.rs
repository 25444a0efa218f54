//! The store's side of spaces and sync: space settings rows, membership operations, and the
//! one-transaction writes that ingesting items and moving records into a space need.

use rusqlite::{params, OptionalExtension};

use super::{ChangeRow, Store};
use crate::error::Result;
use crate::model::RecordId;

/// An encrypted membership operation ready to be stored.
pub struct OpRow {
    /// Its id (hash of the signed operation).
    pub id: [u8; 32],
    /// The space.
    pub space: [u8; 16],
    /// The operation, encrypted under the row key.
    pub body: Vec<u8>,
}

/// A record written together with received or re-sealed changes.
pub struct RecordWrite<'a> {
    /// The record.
    pub id: RecordId,
    /// Its new encrypted view row, if it changes.
    pub view: Option<Vec<u8>>,
    /// Makes the encrypted document row from the sequence number it includes changes up to.
    pub doc: &'a dyn Fn(i64) -> Vec<u8>,
    /// When true the document row includes every stored change of the record (`through` is the
    /// highest); when false it claims none (`through` = 0) and loading replays them all.
    pub complete: bool,
}

/// A stored membership operation: op id, space id, encrypted body.
pub type StoredOp = ([u8; 32], [u8; 16], Vec<u8>);

impl Store {
    /// Every space settings row: (space id, encrypted body).
    pub fn all_spaces(&self) -> Result<Vec<([u8; 16], Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, body FROM spaces")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            if let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) {
                out.push((id, body));
            }
        }
        Ok(out)
    }

    /// Every stored membership operation.
    pub fn all_ops(&self) -> Result<Vec<StoredOp>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, space, body FROM ops ORDER BY rowid")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, space, body) = row?;
            if let (Ok(id), Ok(space)) = (<[u8; 32]>::try_from(id.as_slice()), <[u8; 16]>::try_from(space.as_slice())) {
                out.push((id, space, body));
            }
        }
        Ok(out)
    }

    /// Writes a space's settings row and new operations in one durable transaction.
    pub fn save_space(&mut self, id: &[u8; 16], body: Option<&[u8]>, ops: &[OpRow]) -> Result<()> {
        let tx = self.write_tx()?;
        if let Some(body) = body {
            tx.prepare_cached(
                "INSERT INTO spaces (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![&id[..], body])?;
        }
        insert_ops(&tx, ops)?;
        tx.commit()?;
        Ok(())
    }

    /// Travel mode: erases the view and document rows of `records` and every sealed change of
    /// `space`, and writes its settings row, in one durable transaction; then truncates the WAL
    /// so that no copy of the erased ciphertext stays in it. Operations and `erased` rows stay.
    pub fn stow_space(&mut self, space: &[u8; 16], records: &[RecordId], settings: &[u8]) -> Result<()> {
        let tx = self.write_tx()?;
        for r in records {
            tx.prepare_cached("DELETE FROM records WHERE id = ?1")?.execute([&r.0[..]])?;
            tx.prepare_cached("DELETE FROM docs WHERE id = ?1")?.execute([&r.0[..]])?;
        }
        tx.prepare_cached("DELETE FROM changes WHERE space = ?1")?.execute([&space[..]])?;
        tx.prepare_cached(
            "INSERT INTO spaces (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
        )?
        .execute(params![&space[..], settings])?;
        tx.commit()?;
        self.checkpoint()
    }

    /// The space of each record's most recent sealed change (records move between spaces by
    /// having their changes re-sealed).
    pub fn record_spaces(&self) -> Result<Vec<(RecordId, [u8; 16])>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT doc, space FROM changes WHERE rowid IN (SELECT max(rowid) FROM changes WHERE doc IS NOT NULL GROUP BY doc)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (doc, space) = row?;
            if let (Ok(doc), Ok(space)) = (<[u8; 16]>::try_from(doc.as_slice()), <[u8; 16]>::try_from(space.as_slice()))
            {
                out.push((RecordId(doc), space));
            }
        }
        Ok(out)
    }

    /// Ids of every item (sealed change or operation) of a space.
    pub fn item_ids(&self, space: &[u8; 16]) -> Result<Vec<[u8; 32]>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM ops WHERE space = ?1 UNION ALL SELECT id FROM changes WHERE space = ?1")?;
        let rows = stmt.query_map([&space[..]], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(id) = <[u8; 32]>::try_from(row?.as_slice()) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The stored bytes of one sealed change of `space`, if held.
    pub fn change_body(&self, space: &[u8; 16], id: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM changes WHERE id = ?1 AND space = ?2")?
            .query_row(params![&id[..], &space[..]], |r| r.get(0))
            .optional()?)
    }

    /// The stored (encrypted) body of one operation of `space`, if held.
    pub fn op_body(&self, space: &[u8; 16], id: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM ops WHERE id = ?1 AND space = ?2")?
            .query_row(params![&id[..], &space[..]], |r| r.get(0))
            .optional()?)
    }

    /// True when an item of `space` with this id is stored.
    pub fn has_item(&self, space: &[u8; 16], id: &[u8; 32]) -> Result<bool> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM changes WHERE id = ?1 AND space = ?2) + (SELECT count(*) FROM ops WHERE id = ?1 AND space = ?2)",
            )?
            .query_row(params![&id[..], &space[..]], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Stores received items and the records they change in one durable transaction: every
    /// operation, every change (with its record id when it was applied, without when it is only
    /// carried), every record's view and document rows; all on disk when this returns, or none.
    pub fn save_items(
        &mut self,
        ops: &[OpRow],
        changes: &[(ChangeRow<'_>, Option<RecordId>)],
        records: &[RecordWrite<'_>],
    ) -> Result<()> {
        self.save_items_erasing(ops, changes, records, &super::Erasure::default())
    }

    /// Moves records into a space: each record's stored changes are replaced by `changes` (the
    /// same edits re-sealed for the space) and its document row rewritten, in one transaction.
    pub fn rehome_records(&mut self, moves: &[(RecordWrite<'_>, Vec<ChangeRow<'_>>)]) -> Result<()> {
        let tx = self.write_tx()?;
        for (rec, changes) in moves {
            tx.execute("DELETE FROM changes WHERE doc = ?1", [&rec.id.0[..]])?;
            let mut ins = tx.prepare_cached(
                "INSERT INTO changes (id, space, doc, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO NOTHING",
            )?;
            for c in changes {
                ins.execute(params![&c.id[..], &c.space[..], &rec.id.0[..], c.body])?;
            }
        }
        let recs: Vec<&RecordWrite<'_>> = moves.iter().map(|(r, _)| r).collect();
        for r in recs {
            write_records(&tx, std::slice::from_ref(r))?;
        }
        tx.commit()?;
        self.checkpoint()
    }
}

pub(super) fn insert_ops(tx: &rusqlite::Transaction<'_>, ops: &[OpRow]) -> Result<()> {
    let mut ins =
        tx.prepare_cached("INSERT INTO ops (id, space, body) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING")?;
    for o in ops {
        ins.execute(params![&o.id[..], &o.space[..], &o.body])?;
    }
    Ok(())
}

pub(super) fn write_records(tx: &rusqlite::Transaction<'_>, records: &[RecordWrite<'_>]) -> Result<()> {
    for r in records {
        if let Some(view) = &r.view {
            tx.prepare_cached(
                "INSERT INTO records (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![&r.id.0[..], view])?;
        }
        let through: i64 = if r.complete {
            tx.prepare_cached("SELECT coalesce(max(rowid), 0) FROM changes WHERE doc = ?1")?
                .query_row([&r.id.0[..]], |row| row.get(0))?
        } else {
            0
        };
        tx.prepare_cached(
            "INSERT INTO docs (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
        )?
        .execute(params![&r.id.0[..], (r.doc)(through)])?;
    }
    Ok(())
}
