//! The SQLite file: opaque encrypted rows addressed by random ids, with the durability and
//! erasure settings the threat model needs.
//!
//! Must never: see a plaintext, open a database written by a newer schema, or leave deleted
//! ciphertext in the WAL once a delete returns.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::RecordId;

/// Schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 1;
/// Marks the file as a Carenet vault (`PRAGMA application_id`, "CNET").
const APPLICATION_ID: i32 = 0x434E_4554;
/// File name of the database inside the vault folder.
pub const DB_FILE: &str = "vault.db";

const SCHEMA_V1: &str = "
CREATE TABLE records (
    id   BLOB PRIMARY KEY,   -- random record id
    body BLOB NOT NULL       -- XChaCha20-Poly1305(padded snapshot), bound to id
);
CREATE TABLE changes (
    id    BLOB PRIMARY KEY,  -- BLAKE3 of the sealed change
    space BLOB NOT NULL,     -- random space id
    doc   BLOB,              -- random record id, for local purge on delete (NULL when carried)
    body  BLOB NOT NULL      -- the sealed change (signed ciphertext)
);
CREATE INDEX changes_doc ON changes(doc);
CREATE INDEX changes_space ON changes(space);
";

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
    path: PathBuf,
}

impl Store {
    /// Creates a new, empty database at `path` (which must not exist).
    pub fn create(path: &Path) -> Result<Store> {
        if path.exists() {
            return Err(Error::VaultExists(path.display().to_string()));
        }
        let conn = Connection::open(path)?;
        let store = Store { conn, path: path.to_owned() };
        store.configure()?;
        store.conn.execute_batch(&format!(
            "BEGIN; {SCHEMA_V1} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))?;
        Ok(store)
    }

    /// Opens an existing database, refusing (without touching it) one from a newer schema.
    pub fn open(path: &Path) -> Result<Store> {
        check_header(path)?;
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let store = Store { conn, path: path.to_owned() };
        // The header can be stale when a newer build crashed before checkpointing: ask SQLite too.
        let version: u32 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerVersion { found: version, supported: SCHEMA_VERSION });
        }
        store.configure()?;
        let app: i32 = store.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app != APPLICATION_ID {
            return Err(Error::DatabaseDamaged("it is not a Carenet vault database".into()));
        }
        Ok(store)
    }

    fn configure(&self) -> Result<()> {
        // WAL with FULL sync: a commit is durable when it returns. secure_delete zeroes freed
        // content; temp_store keeps sorts and temp tables off the disk.
        let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Database(format!("could not enable write-ahead logging (got {mode})")));
        }
        self.conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 0;",
        )?;
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

    /// One record row's encrypted body.
    pub fn record(&self, id: &RecordId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM records WHERE id = ?1")?
            .query_row([&id.0[..]], |r| r.get(0))
            .optional()?)
    }

    /// Writes a record snapshot and the sealed changes that produced it in one durable
    /// transaction: both are on disk when this returns, or neither is.
    pub fn save_record(&mut self, id: &RecordId, body: &[u8], changes: &[ChangeRow<'_>]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached("INSERT INTO records (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body")?
            .execute(params![&id.0[..], body])?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO changes (id, space, doc, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO NOTHING",
            )?;
            for c in changes {
                ins.execute(params![&c.id[..], &c.space[..], &id.0[..], c.body])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a record and every sealed change of it, then truncates the WAL so that no copy of
    /// the ciphertext stays in it.
    pub fn delete_record(&mut self, id: &RecordId) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("DELETE FROM records WHERE id = ?1", [&id.0[..]])?;
        tx.execute("DELETE FROM changes WHERE doc = ?1", [&id.0[..]])?;
        tx.commit()?;
        self.checkpoint()?;
        Ok(n > 0)
    }

    /// Number of sealed changes stored for a space.
    pub fn change_count(&self, space: &[u8; 16]) -> Result<u64> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM changes WHERE space = ?1", [&space[..]], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Every sealed change of a space, as stored.
    pub fn changes_of_space(&self, space: &[u8; 16]) -> Result<Vec<Vec<u8>>> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM changes WHERE space = ?1")?;
        let rows = stmt.query_map([&space[..]], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Error::from)
    }

    /// Moves everything from the WAL into the database and truncates the WAL to zero bytes.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Rebuilds the file when more than a quarter of its pages are free, so that deleted
    /// ciphertext does not linger in free pages, then checkpoints.
    pub fn compact_if_sparse(&self) -> Result<()> {
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

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads the SQLite header straight from the file, so that a newer vault is refused before
/// SQLite writes anything (opening in WAL mode would create -shm and -wal files).
pub(crate) fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::DatabaseDamaged("the database file is missing".into())
        } else {
            Error::io("open", path, e)
        }
    })?;
    let mut header = [0u8; 100];
    let n = f.read(&mut header).map_err(|e| Error::io("read", path, e))?;
    if n < 100 || &header[..16] != b"SQLite format 3\0" {
        return Err(Error::DatabaseDamaged("it is not a database file, or it was cut short".into()));
    }
    let version = u32::from_be_bytes([header[60], header[61], header[62], header[63]]);
    if version > SCHEMA_VERSION {
        return Err(Error::NewerVersion { found: version, supported: SCHEMA_VERSION });
    }
    Ok(())
}
