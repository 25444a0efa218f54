//! The edit journal's file: where a save is acknowledged.
//!
//! Each entry is written at the file's tail and made durable with one `fdatasync`; nothing else
//! is written to acknowledge a save (no B-tree, no WAL frame). The file is preallocated (written
//! with zeros once), so overwriting it changes no file-system metadata and `fdatasync` writes the
//! entry's blocks alone. Entries start on 4 KiB boundaries, so a write torn by a power cut can
//! only damage the entry being written, never one acknowledged before it.
//!
//! Layout of an entry: `CNJRNL01`, its number (i64, little-endian), the length of its body (u32),
//! the body (the sealed entry, authenticated by the caller with the number as associated data),
//! zeros up to the next 4 KiB boundary.
//!
//! The file is a log that starts again at offset 0 whenever every entry in it is durably applied
//! (the caller says when, see `append`). Numbers only grow over the vault's life, so reading stops
//! at the first entry that does not carry the number after its predecessor's: what lies beyond
//! belongs to an earlier round, already applied. Readers get the entries in order and decide
//! which are applied (the database records the last applied number).
//!
//! Must never: acknowledge an entry before `fdatasync` returns, write over an entry that is not
//! durably applied, or keep entries once the caller wipes it (lock and deletes).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File name of the journal inside the vault folder.
pub const JOURNAL_FILE: &str = "vault.journal";
const MAGIC: &[u8; 8] = b"CNJRNL01";
const HEAD: usize = 8 + 8 + 4;
const BLOCK: u64 = 4096;
/// Size written with zeros when the file is made, and the size past which a writer should first
/// try to start again at offset 0 (see `Vault::journal_edit`).
pub const PREALLOCATED: u64 = 1 << 20;
/// Largest body read back: a damaged length field cannot make a reader allocate more.
/// (A record's fields are bounded far below it.)
const MAX_BODY: usize = 64 << 20;

/// One entry read back from the file.
pub struct FileEntry {
    /// Its number.
    pub number: i64,
    /// The sealed body, as written.
    pub body: Vec<u8>,
}

/// The open journal file.
pub struct JournalFile {
    file: File,
    path: PathBuf,
    /// Where the next entry goes.
    tail: u64,
    /// The file's length (all of it allocated).
    len: u64,
    /// How far entries may have been written since the last wipe (what a wipe must overwrite).
    used: u64,
    /// The number of the last entry written in this round (or read at open), 0 if none.
    last: i64,
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(BLOCK) * BLOCK
}

impl JournalFile {
    /// Opens the journal in the vault folder `dir`, creating and preallocating it if it is
    /// missing. Returns the entries it holds, in order.
    pub fn open(dir: &Path) -> Result<(JournalFile, Vec<FileEntry>)> {
        let path = dir.join(JOURNAL_FILE);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&path).map_err(|e| Error::io("open", &path, e))?;
        let len = file.metadata().map_err(|e| Error::io("read the size of", &path, e))?.len();
        let mut journal = JournalFile { file, path, tail: 0, len, used: len, last: 0 };
        if len < PREALLOCATED {
            // New (or cut short by a crash while it was being made, before any entry): zeros.
            journal.grow(PREALLOCATED)?;
            crate::atomic_file::sync_dir(dir)?;
            return Ok((journal, Vec::new()));
        }
        let entries = journal.read()?;
        Ok((journal, entries))
    }

    /// The entries from offset 0, in order, up to the first that does not follow its predecessor.
    /// Also sets where the next entry goes. Reads one entry at a time: whatever the file holds,
    /// at most one body (`MAX_BODY`) is allocated beyond the entries returned.
    pub fn read(&mut self) -> Result<Vec<FileEntry>> {
        let mut entries: Vec<FileEntry> = Vec::new();
        let mut at = 0u64;
        let mut head = [0u8; HEAD];
        while at + HEAD as u64 <= self.len && self.read_at(&mut head, at)? && head[..8] == MAGIC[..] {
            let mut number = [0u8; 8];
            number.copy_from_slice(&head[8..16]);
            let number = i64::from_le_bytes(number);
            let mut n = [0u8; 4];
            n.copy_from_slice(&head[16..20]);
            let n = u32::from_le_bytes(n) as usize;
            let follows = entries.last().is_none_or(|p| p.number.checked_add(1) == Some(number));
            if n == 0
                || n > MAX_BODY
                || at + (HEAD + n) as u64 > self.len
                || !follows
                || number <= 0
                || number == i64::MAX
            {
                break;
            }
            let mut body = vec![0u8; n];
            if !self.read_at(&mut body, at + HEAD as u64)? {
                break;
            }
            entries.push(FileEntry { number, body });
            at += round_up((HEAD + n) as u64);
        }
        self.tail = at;
        self.last = entries.last().map_or(0, |e| e.number);
        // What a wipe must overwrite: up to the last byte that is not zero (a file wiped at the
        // last lock costs nothing to wipe again).
        let written = self.written_len()?;
        self.used = self.used.min(written).max(self.tail);
        Ok(entries)
    }

    /// The length of the file up to its last block that is not all zeros. Scans whole blocks
    /// from the end, each compared with a block of zeros (one `memcmp`).
    fn written_len(&self) -> Result<u64> {
        const CHUNK: u64 = 64 * 1024;
        let zeros = [0u8; BLOCK as usize];
        let mut end = self.len;
        let mut buf = vec![0u8; CHUNK as usize];
        while end > 0 {
            let start = end.saturating_sub(CHUNK);
            let chunk = &mut buf[..(end - start) as usize];
            if !self.read_at(chunk, start)? {
                return Ok(self.len);
            }
            let blocks = chunk.chunks(BLOCK as usize).collect::<Vec<_>>();
            if let Some(i) = blocks.iter().rposition(|b| *b != &zeros[..b.len()]) {
                return Ok((start + (i as u64 + 1) * BLOCK).min(self.len));
            }
            end = start;
        }
        Ok(0)
    }

    /// Fills `buf` from `at`; false when the file ends first.
    fn read_at(&self, buf: &mut [u8], at: u64) -> Result<bool> {
        match (&self.file).seek(SeekFrom::Start(at)).and_then(|_| (&self.file).read_exact(buf)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(Error::io("read", &self.path, e)),
        }
    }

    /// The number of the last entry written in this round, 0 if none.
    pub fn last(&self) -> i64 {
        self.last
    }

    /// How far the next entry would start from the beginning of the file.
    pub fn tail(&self) -> u64 {
        self.tail
    }

    /// Appends one entry and returns once it is durable. `restart` starts again at offset 0: the
    /// caller passes it only when every entry written so far is durably applied.
    pub fn append(&mut self, number: i64, body: &[u8], restart: bool) -> Result<()> {
        let n = u32::try_from(body.len())
            .ok()
            .filter(|n| *n > 0 && (*n as usize) <= MAX_BODY)
            .ok_or_else(|| Error::invalid("this edit is too large to save"))?;
        if restart {
            self.tail = 0;
        }
        let size = round_up((HEAD + body.len()) as u64);
        if self.tail + size > self.len {
            self.grow((self.tail + size).max(self.len * 2))?;
        }
        let mut buf = Vec::with_capacity(size as usize);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&number.to_le_bytes());
        buf.extend_from_slice(&n.to_le_bytes());
        buf.extend_from_slice(body);
        buf.resize(size as usize, 0);
        self.used = self.used.max(self.tail + size);
        let written = self
            .write_at(&buf, self.tail)
            .and_then(|()| self.file.sync_data().map_err(|e| Error::io("sync", &self.path, e)));
        if let Err(e) = written {
            // Not acknowledged: it must not be read back as an entry (the next save, with the
            // same number, would write over it anyway; a crash before that would not).
            let _ = self
                .write_at(&vec![0u8; buf.len()], self.tail)
                .and_then(|()| self.file.sync_data().map_err(|e| Error::io("sync", &self.path, e)));
            return Err(e);
        }
        self.tail += size;
        self.last = number;
        Ok(())
    }

    /// Overwrites every entry with zeros, durably, and starts again at offset 0. Only for when
    /// every entry is durably applied (after a checkpoint): lock, and deletes, so that no sealed
    /// copy of an erased record's edits stays in the file.
    pub fn wipe(&mut self) -> Result<()> {
        if self.used > 0 {
            let zeros = vec![0u8; self.used as usize];
            self.write_at(&zeros, 0)?;
            self.file.sync_data().map_err(|e| Error::io("sync", &self.path, e))?;
        }
        self.tail = 0;
        self.used = 0;
        self.last = 0;
        Ok(())
    }

    /// Extends the file with zeros to `len` bytes, durably (blocks allocated now are overwritten
    /// later without changing the file's metadata).
    fn grow(&mut self, len: u64) -> Result<()> {
        let from = self.len;
        if len <= from {
            return Ok(());
        }
        let zeros = vec![0u8; (len - from) as usize];
        self.write_at(&zeros, from)?;
        self.file.sync_all().map_err(|e| Error::io("sync", &self.path, e))?;
        self.len = len;
        Ok(())
    }

    fn write_at(&self, bytes: &[u8], at: u64) -> Result<()> {
        (&self.file)
            .seek(SeekFrom::Start(at))
            .and_then(|_| (&self.file).write_all(bytes))
            .map_err(|e| Error::io("write", &self.path, e))
    }
}

/// True when `path` is missing, or holds nothing but zeros where an entry would start, or starts
/// with a journal entry: a journal file an interrupted `init` may leave. Anything else is not ours
/// to delete.
pub(crate) fn is_ours_or_empty(path: &Path) -> bool {
    let mut head = [0u8; 8];
    match File::open(path) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        Ok(mut f) => {
            f.metadata().is_ok_and(|m| m.len() == 0)
                || (f.read_exact(&mut head).is_ok() && (head == *MAGIC || head == [0u8; 8]))
        }
    }
}
