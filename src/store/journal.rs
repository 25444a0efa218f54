//! The store's side of the edit journal. An acknowledged edit is first one encrypted entry in the
//! journal file (`journal_file.rs`), written durably on its own; the rows that apply it (sealed
//! changes, view row, document row) are written afterwards by the journal writer, in one
//! transaction that also records its number as the last applied (`journal_applied`).
//!
//! The journal writer is a second connection to the same file. It commits with `synchronous =
//! NORMAL` while more edits wait (atomic, but on disk only at the next fsync) and with `FULL` when
//! it catches up; only then may the journal file start again over its entries (the vault tracks
//! this). If the power fails before, the writer's transactions are lost as a whole, so the last
//! applied number is older and unlock applies the entries after it again. Nothing acknowledged
//! depends on a `NORMAL` commit.
//!
//! The `journal` table holds entries from before the file (schema 3) and entries an unlock could
//! not apply, kept for a later one; both are applied before the file's.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{JournalFile, Store};
use crate::error::Result;

impl Store {
    /// Opens the journal writer's connection to a database that `Store::open` or `Store::create`
    /// has already checked and migrated in this process.
    pub fn open_journal_writer(path: &Path) -> Result<Store> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let store = Store { conn, journal: None };
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

    /// Opens (or makes) the journal file beside the database at `db`.
    pub(super) fn open_journal_file(&mut self, db: &Path) -> Result<()> {
        let dir = db.parent().unwrap_or(Path::new("."));
        self.journal = Some(JournalFile::open(dir)?.0);
        Ok(())
    }

    fn journal_file(&mut self) -> Result<&mut JournalFile> {
        self.journal.as_mut().ok_or_else(|| crate::error::Error::Database("this connection has no journal".into()))
    }

    /// Sets how the next commits of this connection reach the disk: `FULL` (durable when the
    /// commit returns) or `NORMAL` (at the next fsync of the WAL).
    pub fn set_durable_commits(&self, full: bool) -> Result<()> {
        self.conn.execute_batch(if full { "PRAGMA synchronous = FULL;" } else { "PRAGMA synchronous = NORMAL;" })?;
        Ok(())
    }

    /// Appends one entry to the journal file and returns once it is durable. `restart` writes it
    /// at the start of the file: only when every entry there is durably applied.
    pub fn journal_append(&mut self, seq: i64, body: &[u8], restart: bool) -> Result<()> {
        self.journal_file()?.append(seq, body, restart)
    }

    /// The number of the last entry in the journal file's current round (0 if none).
    pub fn journal_file_last(&self) -> i64 {
        self.journal.as_ref().map_or(0, JournalFile::last)
    }

    /// How far into the journal file the next entry would be written.
    pub fn journal_file_tail(&self) -> u64 {
        self.journal.as_ref().map_or(0, JournalFile::tail)
    }

    /// The number of the last journal entry applied.
    pub fn journal_applied(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT seq FROM journal_applied", [], |r| r.get(0))?)
    }

    /// Every entry not yet applied, in order: those kept in the table (`with_kept`), then the
    /// file's after the last applied. An entry in both (a crash between keeping it and wiping
    /// the file) is listed once, from the table.
    pub fn journal_pending(&mut self, with_kept: bool) -> Result<Vec<PendingEntry>> {
        let mut out = Vec::new();
        if with_kept {
            let mut stmt = self.conn.prepare_cached("SELECT seq, body FROM journal ORDER BY seq")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                let (number, body) = row?;
                out.push(PendingEntry { number, body, kept: true, last_in_file: false });
            }
        }
        let applied = self.journal_applied()?;
        let entries = self.journal_file()?.read()?;
        let last = entries.last().map(|e| e.number);
        let kept: std::collections::HashSet<i64> = out.iter().map(|e| e.number).collect();
        for e in entries.into_iter().filter(|e| e.number > applied && !kept.contains(&e.number)) {
            let last_in_file = Some(e.number) == last;
            out.push(PendingEntry { number: e.number, body: e.body, kept: false, last_in_file });
        }
        out.sort_by_key(|e| e.number);
        Ok(out)
    }

    /// Keeps an entry that could not be applied in the table, so that the journal file can go on
    /// without it and a later unlock tries it again.
    pub fn journal_keep(&mut self, seq: i64, body: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO journal (seq, body) VALUES (?1, ?2) ON CONFLICT(seq) DO NOTHING")?
            .execute(rusqlite::params![seq, body])?;
        Ok(())
    }

    /// The highest entry number this vault has used, as far as can be seen (0 for none).
    pub fn journal_last(&self) -> Result<i64> {
        let kept: i64 = self.conn.query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| r.get(0))?;
        Ok(kept.max(self.journal_applied()?).max(self.journal_file_last()))
    }

    /// After unlock has dealt with every entry (applied, kept in the table, or dropped as cut
    /// short before it was acknowledged): makes the database durable, then wipes the journal file.
    /// Returns false, and leaves the file as it is, if the checkpoint could not complete.
    pub fn journal_reset(&mut self) -> Result<bool> {
        if !self.checkpoint_truncate()? {
            return Ok(false);
        }
        self.journal_file()?.wipe()?;
        Ok(true)
    }
}

/// A journal entry not yet applied.
pub struct PendingEntry {
    /// Its number (the order of acknowledgement).
    pub number: i64,
    /// The sealed entry.
    pub body: Vec<u8>,
    /// Kept in the table rather than in the file.
    pub kept: bool,
    /// The file's last entry: if it cannot be read, a crash cut it short before it was
    /// acknowledged.
    pub last_in_file: bool,
}
