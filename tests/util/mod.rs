//! Shared harness for the vault's integration tests: real vaults in temporary folders, a fast key
//! derivation, and tools to look at and tamper with the files of a locked vault.
//!
//! Every vault here is created with `VaultOptions { work_factor: 10 }` (about a millisecond of
//! scrypt instead of a second) unless a test pins the real factor on purpose.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use carenet::{Error, SecretString, Vault, VaultOptions};
use rusqlite::{Connection, OpenFlags};

/// The passphrase of every test vault.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// scrypt work factor for test vaults: low, so that hundreds of unlocks stay cheap.
pub const FAST_WORK_FACTOR: u8 = 10;

/// The files that make up a vault folder.
pub const KEYRING: &str = "keyring.age";
pub const KEYRING_BACKUP: &str = "keyring.age.bak";
pub const DB: &str = "vault.db";
pub const WAL: &str = "vault.db-wal";
pub const SHM: &str = "vault.db-shm";
pub const LOCK: &str = "vault.lock";
pub const JOURNAL: &str = "vault.journal";

/// A passphrase as the vault takes it.
pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// The test passphrase.
pub fn passphrase() -> SecretString {
    secret(PASSPHRASE)
}

/// Options for a test vault (fast key derivation).
pub fn fast_options() -> VaultOptions {
    VaultOptions { work_factor: FAST_WORK_FACTOR }
}

/// A temporary folder holding one vault folder (`vault/` inside it, so that the vault's own
/// folder is created by `Vault::create_with` as it would be for a user).
pub struct TestDir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

impl TestDir {
    /// A fresh temporary folder; the vault folder inside it does not exist yet.
    pub fn new() -> Self {
        let tmp = tempfile::Builder::new().prefix("carenet-test-").tempdir().expect("create a temporary folder");
        let path = tmp.path().join("vault");
        TestDir { _tmp: tmp, path }
    }

    /// The vault folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Creates an unlocked vault with the fast work factor in a new temporary folder.
pub fn new_vault() -> (TestDir, Vault) {
    let dir = TestDir::new();
    let vault = Vault::create_with(dir.path(), &passphrase(), &fast_options()).expect("create a test vault");
    (dir, vault)
}

/// Unlocks a test vault with the test passphrase, or fails the test saying why.
pub fn unlock(dir: &Path) -> Vault {
    match Vault::unlock(dir, &passphrase()) {
        Ok(v) => v,
        Err(e) => panic!("unlocking {} failed: {e} (code {})", dir.display(), e.code()),
    }
}

/// Locks a vault, or fails the test saying why.
pub fn lock(vault: Vault) {
    if let Err(e) = vault.lock() {
        panic!("locking failed: {e} (code {})", e.code());
    }
}

/// Locks and unlocks again: everything read afterwards comes from disk.
pub fn reopen(vault: Vault) -> Vault {
    let dir = vault.dir().to_owned();
    lock(vault);
    unlock(&dir)
}

/// The error of a result that must have failed (`Vault` has no `Debug`, so `unwrap_err` is out).
pub fn expect_err<T>(result: Result<T, Error>, what: &str) -> Error {
    match result {
        Ok(_) => panic!("{what}: expected an error, but it succeeded"),
        Err(e) => e,
    }
}

/// Every regular file under `dir` (recursively), by path relative to `dir`, with its bytes.
pub fn snapshot_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for path in list_files(dir) {
        let rel = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        out.insert(rel, bytes);
    }
    out
}

/// Every regular file under `dir`, recursively, sorted.
pub fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("list {}: {e}", d.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("list {}: {e}", d.display()));
            let ft = entry.file_type().unwrap_or_else(|e| panic!("stat {}: {e}", entry.path().display()));
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// Names of the files directly in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    list_files(dir)
        .into_iter()
        .filter(|p| p.parent() == Some(dir))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// Asserts that two folder snapshots hold the same files with the same bytes, naming the first
/// difference.
pub fn assert_same_files(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>, context: &str) {
    let names_before: Vec<&String> = before.keys().collect();
    let names_after: Vec<&String> = after.keys().collect();
    assert_eq!(names_before, names_after, "{context}: the set of files changed");
    for (name, bytes) in before {
        let now = &after[name];
        if bytes != now {
            let at = bytes.iter().zip(now.iter()).position(|(a, b)| a != b).unwrap_or(bytes.len().min(now.len()));
            panic!(
                "{context}: {name} changed ({} bytes before, {} after, first difference at byte {at})",
                bytes.len(),
                now.len()
            );
        }
    }
}

/// Position of `needle` in `haystack`, if any.
pub fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    memchr::memmem::find(haystack, needle)
}

/// Every file under `dir` that contains `needle`, with the offset of the first match.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<(PathBuf, usize)> {
    list_files(dir)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            find_bytes(&bytes, needle).map(|at| (p, at))
        })
        .collect()
}

/// The UTF-16LE encoding of `s` (how some tools and OS layers would store it).
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Asserts that no file under `dir` holds `text`, in UTF-8 or UTF-16LE.
pub fn assert_nowhere(dir: &Path, text: &str, context: &str) {
    for (encoding, needle) in [("UTF-8", text.as_bytes().to_vec()), ("UTF-16LE", utf16le(text))] {
        let hits = files_containing(dir, &needle);
        assert!(hits.is_empty(), "{context}: {text:?} found in clear ({encoding}) in {hits:?}");
    }
}

/// Opens the vault's database directly, for inspecting or tampering while the vault is locked.
/// Closing it checkpoints its writes into `vault.db` and removes the WAL, as the vault would.
pub fn open_db(dir: &Path) -> Connection {
    let path = dir.join(DB);
    Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .unwrap_or_else(|e| panic!("open {} with rusqlite: {e}", path.display()))
}

/// Closes a tampering connection, failing the test if SQLite could not finish cleanly.
pub fn close_db(conn: Connection) {
    if let Err((_, e)) = conn.close() {
        panic!("close the database: {e}");
    }
}

/// The numbers of the entries in the journal file, read as its documented format says: from
/// offset 0, each entry `CNJRNL01`, its number (i64 LE), its length (u32 LE), the body, zeros to
/// the next 4 KiB; reading stops at the first entry that does not carry its predecessor's number
/// plus one.
pub fn journal_file_numbers(dir: &Path) -> Vec<i64> {
    journal_file_entries(dir).0
}

/// The journal file's entry numbers, and where the next entry would start.
fn journal_file_entries(dir: &Path) -> (Vec<i64>, usize) {
    let bytes = std::fs::read(dir.join(JOURNAL)).unwrap_or_default();
    let mut out: Vec<i64> = Vec::new();
    let mut at = 0;
    while at + 20 <= bytes.len() && &bytes[at..at + 8] == b"CNJRNL01" {
        let number = i64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap());
        let n = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        if n == 0 || at + 20 + n > bytes.len() || out.last().is_some_and(|p| p + 1 != number) {
            break;
        }
        out.push(number);
        at += (20 + n).div_ceil(4096) * 4096;
    }
    (out, at)
}

/// Writes, after the journal file's last entry, what a power cut leaves of an entry being
/// written: a header that follows the last entry and a body that is not the sealed entry (it
/// was never acknowledged). `number` overrides the number it carries.
pub fn append_torn_journal_entry(dir: &Path, number: Option<i64>) {
    use std::io::{Seek, SeekFrom, Write};
    let (numbers, at) = journal_file_entries(dir);
    // After the file's last entry, or (a blank file) after the last entry applied.
    let number = number.unwrap_or_else(|| match numbers.last() {
        Some(n) => n + 1,
        None => last_applied_journal_entry(dir) + 1,
    });
    let mut entry = b"CNJRNL01".to_vec();
    entry.extend_from_slice(&number.to_le_bytes());
    entry.extend_from_slice(&300u32.to_le_bytes());
    entry.extend(std::iter::repeat_n(0xA5u8, 300));
    let mut f = std::fs::OpenOptions::new().write(true).open(dir.join(JOURNAL)).expect("open the journal file");
    f.seek(SeekFrom::Start(at as u64)).expect("seek");
    f.write_all(&entry).expect("write a torn entry");
}

/// The number of the last journal entry applied, read without writing anything.
pub fn last_applied_journal_entry(dir: &Path) -> i64 {
    let conn = Connection::open_with_flags(dir.join(DB), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database read-only");
    conn.query_row("SELECT seq FROM journal_applied", [], |r| r.get(0)).expect("read the last applied entry")
}

/// Whether every byte of the journal file is zero (nothing of any entry left in it).
pub fn journal_file_is_blank(dir: &Path) -> bool {
    std::fs::read(dir.join(JOURNAL)).expect("read the journal file").iter().all(|b| *b == 0)
}

/// Acknowledged edits not yet applied to their documents: entries kept in the `journal` table,
/// and the journal file's entries after the last applied. Read without writing anything (a
/// read-only connection neither checkpoints nor recovers the WAL).
pub fn pending_journal_entries(dir: &Path) -> i64 {
    let conn = Connection::open_with_flags(dir.join(DB), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database read-only");
    let kept: i64 = conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0)).expect("count kept entries");
    let applied: i64 =
        conn.query_row("SELECT seq FROM journal_applied", [], |r| r.get(0)).expect("read the last applied entry");
    kept + journal_file_numbers(dir).into_iter().filter(|n| *n > applied).count() as i64
}

/// Number of rows in `records` and in `changes`.
pub fn row_counts(conn: &Connection) -> (i64, i64) {
    let records = conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).expect("count records");
    let changes = conn.query_row("SELECT count(*) FROM changes", [], |r| r.get(0)).expect("count changes");
    (records, changes)
}

/// Row counts read through a separate connection (works while the vault is open: WAL lets a
/// reader in beside the writer).
pub fn db_row_counts(dir: &Path) -> (i64, i64) {
    let conn = open_db(dir);
    let counts = row_counts(&conn);
    close_db(conn);
    counts
}

/// Every record row as stored: (id bytes, encrypted body).
pub fn record_rows(conn: &Connection) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut stmt = conn.prepare("SELECT id, body FROM records ORDER BY id").expect("prepare");
    let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))).expect("query records");
    rows.collect::<Result<Vec<_>, _>>().expect("read records")
}

/// The encrypted body of one record row.
pub fn record_body(conn: &Connection, id: &carenet::RecordId) -> Vec<u8> {
    conn.query_row("SELECT body FROM records WHERE id = ?1", [&id.0[..]], |r| r.get(0))
        .unwrap_or_else(|e| panic!("read the row of {id}: {e}"))
}

/// Random lowercase hex, for distinct canaries and titles.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A random string written only in the given alphabet (for canaries in non-Latin scripts).
pub fn random_in(alphabet: &[char], len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()
}

/// Arabic letters, for canaries that are entirely non-ASCII.
pub const ARABIC: &[char] = &[
    'ا', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ظ', 'ع', 'غ', 'ف', 'ق', 'ك', 'ل',
    'م', 'ن', 'ه', 'و', 'ي',
];

/// Cyrillic letters.
pub const CYRILLIC: &[char] = &[
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т', 'у', 'ф', 'х', 'ц', 'ч',
    'ш', 'щ', 'ы', 'э', 'ю', 'я',
];

/// A few Chinese characters.
pub const CHINESE: &[char] =
    &['人', '权', '律', '师', '拘', '留', '记', '者', '自', '由', '保', '护', '证', '据', '家', '庭'];

/// Flips one bit of byte `at` of a file in place.
pub fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(at < bytes.len(), "{} has only {} bytes, cannot flip byte {at}", path.display(), bytes.len());
    bytes[at] ^= 0x20;
    std::fs::write(path, &bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies the files of a vault folder into a new folder `to` (which must not exist).
pub fn copy_vault(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for file in list_files(from) {
        let name = file.file_name().expect("a file has a name");
        std::fs::copy(&file, to.join(name)).unwrap_or_else(|e| panic!("copy {}: {e}", file.display()));
    }
}

/// The stanzas of an age file's header, each as its words after `->` (e.g. `["scrypt", salt,
/// "18"]`). Fails the test if the file does not start like an age file.
pub fn age_stanzas(file: &[u8]) -> Vec<Vec<String>> {
    let header_end = find_bytes(file, b"\n---").expect("an age header ends with a '---' line");
    let header = std::str::from_utf8(&file[..header_end]).expect("an age header is text");
    let mut lines = header.lines();
    assert_eq!(lines.next(), Some("age-encryption.org/v1"), "not an age v1 file");
    lines.filter_map(|l| l.strip_prefix("-> ")).map(|l| l.split(' ').map(str::to_owned).collect()).collect()
}

/// The standard output of a `carenet` run that had to succeed; a failure names the command and
/// shows its error output.
pub fn success_stdout(out: std::process::Output, args: &[&str]) -> String {
    assert!(out.status.success(), "carenet {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The last line of a command's output, trimmed: where `add`, `create` and `invite` print what
/// they made.
pub fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or_default().trim().to_owned()
}

/// A vault shared with its sync node, which reads and writes it as its `SyncHost`.
pub type Host = std::sync::Arc<std::sync::Mutex<Vault>>;

/// A real iroh sync node for `host`, bound to a random port on loopback (no relay, no mDNS).
pub async fn node(host: &Host) -> carenet::sync::Node<Vault> {
    let secret = host.lock().unwrap().device_secret();
    let opts = carenet::sync::NodeOptions { bind: Some("127.0.0.1:0".parse().unwrap()), ..Default::default() };
    carenet::sync::Node::start(host.clone(), &secret, opts).await.unwrap()
}
