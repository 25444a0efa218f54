//! The store's side of the edit journal: an acknowledged edit is first one encrypted row here,
//! written durably on its own; the rows that apply it (sealed changes, view row, document row) are
//! written afterwards by the journal writer, in one transaction that also deletes the entry.
//!
//! The journal writer is a second connection to the same file with `synchronous = NORMAL`: its
//! transactions are atomic but reach the disk at the next fsync, which the main connection's next
//! commit (or a checkpoint) does. If the power fails before that, the transaction is lost as a
//! whole, so the journal entry it would have deleted is still there and is applied again at
//! unlock. Nothing acknowledged depends on a `NORMAL` commit.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::Store;
use crate::error::Result;

impl Store {
    /// Opens the journal writer's connection to a database that `Store::open` or `Store::create`
    /// has already checked and migrated in this process.
    pub fn open_journal_writer(path: &Path) -> Result<Store> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let store = Store { conn };
        store.configure_with("NORMAL")?;
        // Its commits never checkpoint (they hold the write gate, which a save waits for): the
        // writer checkpoints between batches instead (`checkpoint_passive`).
        store.conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        Ok(store)
    }

    /// Copies what the WAL holds into the database without waiting for, or blocking, any other
    /// connection (SQLite's PASSIVE checkpoint), so the WAL restarts small and the main
    /// connection's commits rarely reach the size at which they would checkpoint themselves.
    pub fn checkpoint_passive(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Appends one entry, durably (the main connection runs with `synchronous = FULL`).
    pub fn journal_append(&mut self, seq: i64, body: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO journal (seq, body) VALUES (?1, ?2)")?
            .execute(rusqlite::params![seq, body])?;
        Ok(())
    }

    /// Every entry not yet applied, oldest first: (seq, encrypted body).
    pub fn journal_entries(&self) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached("SELECT seq, body FROM journal ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The highest entry number ever used in this file (0 when the journal is empty).
    pub fn journal_last(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| r.get(0))?)
    }

    /// Deletes one entry on its own (an entry whose edit changed nothing).
    pub fn journal_remove(&mut self, seq: i64) -> Result<()> {
        self.conn.prepare_cached("DELETE FROM journal WHERE seq = ?1")?.execute([seq])?;
        Ok(())
    }
}
