//! The SQLite file: opaque encrypted rows addressed by random ids, with the durability and
//! erasure settings the threat model needs.
//!
//! Must never: see a plaintext, open a database written by a newer schema, or leave deleted
//! ciphertext in the WAL once a delete returns.

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::RecordId;

mod erased;
mod items;
pub use erased::Erasure;
use erased::ERASED_TABLE;
mod journal;
mod journal_file;
pub use items::{OpRow, RecordWrite};
pub use journal::PendingEntry;
pub(crate) use journal_file::is_ours_or_empty as journal_is_ours_or_empty;
use journal_file::JournalFile;
pub use journal_file::{JOURNAL_FILE, PREALLOCATED as JOURNAL_PREALLOCATED};

/// Schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 4;
/// Marks the file as a Carenet vault (`PRAGMA application_id`, "CNET").
const APPLICATION_ID: i32 = 0x434E_4554;
/// File name of the database inside the vault folder.
pub const DB_FILE: &str = "vault.db";

const SCHEMA_V1: &str = "
CREATE TABLE records (
    id   BLOB PRIMARY KEY,   -- random record id
    body BLOB NOT NULL       -- XChaCha20-Poly1305(padded view row), bound to id
);
CREATE TABLE docs (
    id   BLOB PRIMARY KEY,   -- the same record id
    body BLOB NOT NULL       -- XChaCha20-Poly1305(padded automerge document row), bound to id
);
CREATE TABLE changes (
    id    BLOB PRIMARY KEY,  -- BLAKE3 of the sealed change
    space BLOB NOT NULL,     -- random space id
    doc   BLOB,              -- random record id, for local purge on delete (NULL when carried)
    body  BLOB NOT NULL      -- the sealed change (signed ciphertext)
);
CREATE INDEX changes_doc ON changes(doc);
CREATE INDEX changes_space_id ON changes(space, id);
";

/// The ids of a space's changes straight from one index, without a lookup per row: what every
/// sync reconciles. Vaults created before it had an index on `space` alone; the two are
/// interchangeable for any build of schema 2, so swapping them needs no version change.
const COVERING_INDEX: &str = "
CREATE INDEX IF NOT EXISTS changes_space_id ON changes(space, id);
DROP INDEX IF EXISTS changes_space;
";

/// Version 2: spaces and their membership logs.
const SCHEMA_V2: &str = "
CREATE TABLE spaces (
    id   BLOB PRIMARY KEY,   -- random space id
    body BLOB NOT NULL       -- XChaCha20-Poly1305(this device's settings for the space), bound to id
);
CREATE TABLE ops (
    id    BLOB PRIMARY KEY,  -- BLAKE3 of the signed membership operation
    space BLOB NOT NULL,     -- random space id
    body  BLOB NOT NULL      -- XChaCha20-Poly1305(the signed operation), bound to id
);
CREATE INDEX ops_space ON ops(space);
";

/// Version 3: the edit journal (see `store/journal.rs`). A build of schema 2 would not replay it,
/// so it must refuse such a vault rather than show records without their latest edits.
const SCHEMA_V3: &str = "
CREATE TABLE journal (
    seq  INTEGER PRIMARY KEY, -- order of acknowledgement
    body BLOB NOT NULL        -- XChaCha20-Poly1305(padded journal entry), bound to seq
);
";

/// Version 4: acknowledged edits go to a file of their own (`store/journal_file.rs`); the
/// database records the number of the last one applied. A build of schema 3 would not read that
/// file, so it must refuse such a vault. The `journal` table stays: it holds entries from before
/// the file, and entries that could not be applied at an unlock, kept for a later one.
const SCHEMA_V4: &str = "
CREATE TABLE journal_applied (
    only INTEGER PRIMARY KEY CHECK (only = 0),
    seq  INTEGER NOT NULL     -- number of the last journal entry applied
);
INSERT INTO journal_applied (only, seq) VALUES (0, 0);
";

/// One record's rows for `save_records`: the view row, the sealed changes, the document row
/// (given the rowid of the record's last change) and the journal entry they apply.
pub struct RecordRows<'a> {
    /// The record.
    pub id: RecordId,
    /// The encrypted view row.
    pub view: &'a [u8],
    /// Seals a new document row, when one is due, given the rowid of the record's last change.
    pub doc: Option<&'a dyn Fn(i64) -> Vec<u8>>,
    /// The sealed changes.
    pub changes: &'a [ChangeRow<'a>],
    /// The journal entry these rows apply, recorded as applied with them.
    pub journal: Option<i64>,
}

/// A sealed change ready to be stored beside a record snapshot.
pub struct ChangeRow<'a> {
    /// Its id (hash).
    pub id: [u8; 32],
    /// The space it belongs to.
    pub space: [u8; 16],
    /// The bytes.
    pub body: &'a [u8],
}

/// The open database.
pub struct Store {
    conn: Connection,
    /// The edit journal's file (the main connection only; the journal writer has none).
    journal: Option<JournalFile>,
}

impl Store {
    /// Creates a new, empty database at `path` (which must not exist).
    pub fn create(path: &Path) -> Result<Store> {
        if path.exists() {
            return Err(Error::VaultExists(path.display().to_string()));
        }
        let conn = Connection::open(path)?;
        let mut store = Store { conn, journal: None };
        store.configure()?;
        store.conn.execute_batch(&format!(
            "BEGIN; {SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {ERASED_TABLE} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))?;
        store.open_journal_file(path)?;
        Ok(store)
    }

    /// Opens an existing database, refusing (without touching it) one from a newer schema or one
    /// that is not a Carenet vault.
    pub fn open(path: &Path) -> Result<Store> {
        check_header(path)?;
        let wal_len = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len()).unwrap_or(0);
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        // Until the checks below pass, closing this connection must not checkpoint a WAL that a
        // newer build may have left behind into the main file. (Without a WAL, closing normally
        // removes the empty -wal and -shm files that reading created.)
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, wal_len > 0)?;
        let mut store = Store { conn, journal: None };
        let version: u32 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerVersion { found: version, supported: SCHEMA_VERSION });
        }
        let app: i32 = store.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app != APPLICATION_ID {
            return Err(Error::DatabaseDamaged("it is not a Carenet vault database".into()));
        }
        store.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        store.configure()?;
        if version < 2 {
            store.conn.execute_batch(&format!("BEGIN; {SCHEMA_V2} PRAGMA user_version = 2; COMMIT;"))?;
        }
        if version < 3 {
            store.conn.execute_batch(&format!("BEGIN; {SCHEMA_V3} PRAGMA user_version = 3; COMMIT;"))?;
        }
        if version < 4 {
            store.conn.execute_batch(&format!("BEGIN; {SCHEMA_V4} PRAGMA user_version = 4; COMMIT;"))?;
        }
        store.conn.execute_batch(&format!("BEGIN; {COVERING_INDEX} {ERASED_TABLE} COMMIT;"))?;
        store.open_journal_file(path)?;
        Ok(store)
    }

    /// A write transaction that takes SQLite's write lock at once (waiting for the journal
    /// writer's connection if it holds it), so that it never fails half way on a stale snapshot.
    fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    fn configure(&self) -> Result<()> {
        self.configure_with("FULL")
    }

    fn configure_with(&self, synchronous: &str) -> Result<()> {
        // WAL with FULL sync: a commit is durable when it returns. secure_delete zeroes freed
        // content; temp_store keeps sorts and temp tables off the disk.
        let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Database(format!("could not enable write-ahead logging (got {mode})")));
        }
        self.conn.execute_batch(&format!(
            "PRAGMA synchronous = {synchronous}; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
        ))?;
        Ok(())
    }

    /// Every record row: (id, encrypted body).
    pub fn all_records(&self) -> Result<Vec<(RecordId, Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, body FROM records")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            // A row whose id is not 16 bytes was not written by us; skip it rather than fail all.
            if let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) {
                out.push((RecordId(id), body));
            }
        }
        Ok(out)
    }

    /// One record's encrypted view row.
    pub fn record(&self, id: &RecordId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM records WHERE id = ?1")?
            .query_row([&id.0[..]], |r| r.get(0))
            .optional()?)
    }

    /// One record's encrypted document row.
    pub fn doc(&self, id: &RecordId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM docs WHERE id = ?1")?
            .query_row([&id.0[..]], |r| r.get(0))
            .optional()?)
    }

    /// Writes records' rows in one transaction, in order: for each, its view row, the sealed
    /// changes that produced it, a new document row when `doc` is given (it receives the rowid of
    /// the record's last change, the point the row includes changes up to) and the deletion of
    /// the journal entry the rows apply. All are on disk when this returns (as durable as the
    /// connection's `synchronous` makes them), or none is.
    pub fn save_records(&mut self, writes: &[RecordRows<'_>]) -> Result<()> {
        self.save_records_erasing(writes, &Erasure::default())
    }

    /// `save_records`, and in the same transaction erases what `erase` names (first) and adds its
    /// `erased` rows; then, when anything was deleted, truncates the WAL so that no copy of the
    /// erased ciphertext stays in it.
    pub fn save_records_erasing(&mut self, writes: &[RecordRows<'_>], erase: &Erasure) -> Result<()> {
        let tx = self.write_tx()?;
        erased::delete_erased(&tx, erase)?;
        let mut applied = None;
        for w in writes {
            let id = &w.id.0[..];
            if let Some(seq) = w.journal {
                // An entry kept in the table (from before the journal file, or one an unlock
                // could not apply) goes with it; a file entry is marked applied below.
                tx.prepare_cached("DELETE FROM journal WHERE seq = ?1")?.execute([seq])?;
                applied = applied.max(Some(seq));
            }
            tx.prepare_cached(
                "INSERT INTO records (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![id, w.view])?;
            let mut ins = tx.prepare_cached(
                "INSERT INTO changes (id, space, doc, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO NOTHING",
            )?;
            for c in w.changes {
                ins.execute(params![&c.id[..], &c.space[..], id, c.body])?;
            }
            drop(ins);
            if let Some(doc) = w.doc {
                let through: i64 = tx
                    .prepare_cached("SELECT coalesce(max(rowid), 0) FROM changes WHERE doc = ?1")?
                    .query_row([id], |r| r.get(0))?;
                tx.prepare_cached(
                    "INSERT INTO docs (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                )?
                .execute(params![id, doc(through)])?;
            }
        }
        if let Some(seq) = applied {
            tx.prepare_cached("UPDATE journal_applied SET seq = ?1 WHERE seq < ?1")?.execute([seq])?;
        }
        erased::insert_erased_rows(&tx, erase)?;
        tx.commit()?;
        if erase.deletes() {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Calls `f` with the id and bytes of each sealed change stored for one record, in order,
    /// one at a time (a record's files can be large: they are never all in memory at once).
    pub fn for_each_change_of_doc(&self, id: &RecordId, f: impl FnMut([u8; 32], &[u8]) -> Result<()>) -> Result<()> {
        self.for_each_change_of_doc_after(id, 0, f)
    }

    /// `for_each_change_of_doc` for the changes stored after local sequence number `after`.
    pub fn for_each_change_of_doc_after(
        &self,
        id: &RecordId,
        after: i64,
        mut f: impl FnMut([u8; 32], &[u8]) -> Result<()>,
    ) -> Result<()> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id, body FROM changes WHERE doc = ?1 AND rowid > ?2 ORDER BY rowid")?;
        let mut rows = stmt.query(params![&id.0[..], after])?;
        while let Some(row) = rows.next()? {
            let (change, body) = (row.get_ref(0)?, row.get_ref(1)?);
            let (Ok(change), Ok(body)) = (change.as_blob(), body.as_blob()) else { continue };
            let Ok(change) = <[u8; 32]>::try_from(change) else { continue };
            f(change, body)?;
        }
        Ok(())
    }

    /// Deletes a record and every sealed change of it, then truncates the WAL so that no copy of
    /// the ciphertext stays in it.
    pub fn delete_record(&mut self, id: &RecordId) -> Result<bool> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM records WHERE id = ?1", [&id.0[..]])?;
        tx.execute("DELETE FROM docs WHERE id = ?1", [&id.0[..]])?;
        tx.execute("DELETE FROM changes WHERE doc = ?1", [&id.0[..]])?;
        tx.commit()?;
        self.checkpoint()?;
        Ok(n > 0)
    }

    /// Number of sealed changes stored for a space.
    pub fn change_count(&self, space: &[u8; 16]) -> Result<u64> {
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM changes WHERE space = ?1", [&space[..]], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Moves everything from the WAL into the database and truncates the WAL to zero bytes; then,
    /// if every entry of the journal file is applied (and so, after the checkpoint, durable),
    /// overwrites the file's entries with zeros.
    pub fn checkpoint(&mut self) -> Result<()> {
        let complete = self.checkpoint_truncate()?;
        let applied = if self.journal.is_some() { self.journal_applied()? } else { 0 };
        if let Some(j) = self.journal.as_mut().filter(|j| complete && applied >= j.last()) {
            j.wipe()?;
        }
        Ok(())
    }

    /// `wal_checkpoint(TRUNCATE)`; true when it completed (SQLite answers "busy" in its result
    /// row, not as an error, when another connection kept it from finishing).
    pub(crate) fn checkpoint_truncate(&self) -> Result<bool> {
        let busy: i64 = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// Rebuilds the file when more than a quarter of its pages are free, so that deleted
    /// ciphertext does not linger in free pages, then checkpoints.
    pub fn compact_if_sparse(&mut self) -> Result<()> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let free: i64 = self.conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        if pages > 64 && free * 4 > pages {
            self.conn.execute_batch("VACUUM")?;
        }
        self.checkpoint()
    }

    /// Runs SQLite's own integrity check; `Ok(())` when it answers "ok".
    pub fn integrity_check(&self) -> Result<()> {
        let res: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if res == "ok" {
            Ok(())
        } else {
            Err(Error::DatabaseDamaged(res))
        }
    }
}

/// Reads the schema version and application id straight from the file (and from page-1 frames
/// still in the WAL), so that a newer or foreign database is refused before SQLite writes
/// anything: opening in WAL mode would create `-shm` and could checkpoint the WAL.
pub(crate) fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::DatabaseDamaged("the database file is missing".into())
        } else {
            Error::io("open", path, e)
        }
    })?;
    let mut bytes = Vec::with_capacity(100);
    file.take(100).read_to_end(&mut bytes).map_err(|e| Error::io("read", path, e))?;
    if bytes.len() < 100 || &bytes[..16] != b"SQLite format 3\0" {
        return Err(Error::DatabaseDamaged("it is not a database file, or it was cut short".into()));
    }
    let wal = std::fs::read(PathBuf::from(format!("{}-wal", path.display()))).unwrap_or_default();
    let version = wal_page1_version(&wal).unwrap_or(0).max(be_u32(&bytes, 60));
    if version > SCHEMA_VERSION {
        return Err(Error::NewerVersion { found: version, supported: SCHEMA_VERSION });
    }
    let app = be_u32(&bytes, 68) as i32;
    if app != APPLICATION_ID && wal.is_empty() {
        return Err(Error::DatabaseDamaged("it is not a Carenet vault database".into()));
    }
    Ok(())
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])).unwrap_or(0)
}

/// The highest user_version in any page-1 frame of the WAL's current generation (frames whose
/// salts match the WAL header), if there is one. See sqlite.org/fileformat2.html#walformat.
fn wal_page1_version(wal: &[u8]) -> Option<u32> {
    wal_page1_headers(wal).map(|h| be_u32(h, 60)).max()
}

/// The database headers (first 100 bytes of page 1) in the WAL's current generation.
fn wal_page1_headers(wal: &[u8]) -> impl Iterator<Item = &[u8]> {
    let valid = wal.len() >= 32 && matches!(be_u32(wal, 0), 0x377f_0682 | 0x377f_0683);
    let page = if valid { be_u32(wal, 8) as usize } else { 0 };
    let frames = if (512..=65536).contains(&page) { (wal.len() - 32) / (24 + page) } else { 0 };
    (0..frames).filter_map(move |i| {
        let at = 32 + i * (24 + page);
        let frame = &wal[at..at + 24 + page];
        (frame[8..16] == wal[16..24] && be_u32(frame, 0) == 1).then(|| &frame[24..124])
    })
}

/// True when `path` is missing, empty, or a Carenet database (by its application id, in the
/// file or still in its WAL): what an interrupted `init` leaves. Anything else is not ours to
/// delete.
pub(crate) fn is_ours_or_empty(path: &Path) -> bool {
    use std::io::Read;
    let mut header = Vec::with_capacity(100);
    match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
        Err(_) => return false,
        Ok(f) => {
            if f.take(100).read_to_end(&mut header).is_err() {
                return false;
            }
        }
    }
    if header.is_empty() || be_u32(&header, 68) as i32 == APPLICATION_ID {
        return true;
    }
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    let ours = wal_page1_headers(&wal).any(|h| be_u32(h, 68) as i32 == APPLICATION_ID);
    ours
}
