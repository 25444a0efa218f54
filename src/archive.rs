//! An export with the records' files: one tar archive holding the records (`records.json` or
//! `records.csv`), every file kept with them (`files/`), and `files.json`, which names each
//! file's record, its SHA-256, its size and whether its description's signature verifies, so a
//! partner or a UN mechanism can check that a file is the one the record describes. The archive
//! is written as one stream through age (to a passphrase or to recipients; readable only when
//! asked), into a temporary file beside the target that is fsynced and renamed over it: the
//! export appears whole or not at all, and one file at a time is in memory.
//!
//! Opening it: `age -d export.tar.age | tar -x` (or any tool that reads age and tar).
//!
//! `files.json` lets the receiver check each file against the SHA-256 its record holds (damage
//! or a change after export); the description's signature and signing device are there too, but
//! Carenet's own check of it (`signature_valid`) is the exporter's word.
//!
//! Must never: write a path out of the archive's own folder (names come from records that other
//! members may have written: folders, `..`, controls and invisible characters are removed), put
//! a partial file under the target's name, or write anything readable unless
//! `Protection::Plaintext` was asked for. A process killed mid-export leaves its temporary file
//! (`.NAME.tmp-…`, readable if the export was); the next export to the same name removes it.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::export::{ExportFormat, Protection};
use crate::keyring::WORK_FACTOR;
use crate::model::{Attachment, RecordId};
use crate::vault::{FileRead, Vault};

/// What an export with files holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// Records.
    pub records: usize,
    /// Files written.
    pub files: usize,
    /// Files that could not be read (listed in `files.json` with the reason).
    pub missing: usize,
}

/// The files kept with these records, in order: what an export with files holds.
pub fn files_of(vault: &Vault, ids: &[RecordId]) -> Vec<(RecordId, Attachment)> {
    ids.iter()
        .filter_map(|id| vault.record(id).ok().map(|r| (*id, r.value.attachments().to_vec())))
        .flat_map(|(id, list)| list.into_iter().map(move |a| (id, a)))
        .collect()
}

/// Writes the records `opts` selects and every file kept with them as one archive (see the module
/// docs), holding the vault for the whole time (the CLI's way; the desktop app reads one file at
/// a time so as not to hold its vault).
pub fn write_with_files(
    vault: &Vault,
    opts: &crate::export::ExportOptions,
    path: &Path,
    protection: &Protection,
) -> Result<Written> {
    let (bytes, ids) = crate::export::render_selected(vault, opts)?;
    let mut archive = Archive::create(path, protection)?;
    archive.add_records(opts.format, &bytes)?;
    for (id, file) in files_of(vault, &ids) {
        archive.add_read(&id, &file, vault.read_attachment(&id, &file.id))?;
    }
    let written = Written { records: ids.len(), files: archive.files(), missing: archive.missing() };
    archive.finish()?;
    Ok(written)
}

/// Longest file name kept in an archive or suggested for a copy, in bytes (room for a prefix and
/// an extension within a file system's 255).
pub const MAX_NAME_BYTES: usize = 150;
/// Longest name of the archive's own folder, in bytes: the extracted paths stay within what
/// every system takes (Windows' 260 characters).
const MAX_ROOT_BYTES: usize = 60;

/// `s` cut to at most `max` bytes at a character boundary.
fn cut_at(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Removes what an export killed before it finished left beside its target (a temporary file,
/// which may hold a readable export): best effort.
fn sweep_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(prefix) && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Where the archive's bytes go: straight to the file, or through age's stream encryption.
enum Sink {
    Plain(File),
    Age(age::stream::StreamWriter<File>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(f) => f.write(buf),
            Sink::Age(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(f) => f.flush(),
            Sink::Age(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> std::io::Result<File> {
        match self {
            Sink::Plain(f) => Ok(f),
            Sink::Age(w) => w.finish(),
        }
    }
}

/// An export archive being written. Dropped without [`Archive::finish`], it removes its
/// temporary file and leaves the target untouched.
pub struct Archive {
    builder: Option<tar::Builder<Sink>>,
    tmp: PathBuf,
    path: PathBuf,
    root: String,
    mtime: u64,
    names: HashSet<String>,
    manifest: Vec<Value>,
    missing: usize,
}

impl Archive {
    /// Starts an archive that will replace `path` when finished.
    pub fn create(path: &Path, protection: &Protection) -> Result<Archive> {
        // The protection is checked (a weak passphrase refused) before any file exists.
        let enc = encryptor(protection)?;
        let full = std::path::absolute(path).map_err(|e| Error::io("write", path, e))?;
        let dir = full.parent().unwrap_or_else(|| Path::new("/")).to_path_buf();
        let name = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stale = format!(".{name}.tmp-");
        sweep_stale(&dir, &stale);
        let tmp = dir.join(format!("{stale}{}", hex::encode(crate::crypto::random_bytes::<6>())));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        let sink = match enc {
            None => Sink::Plain(file),
            Some(enc) => match enc.wrap_output(file) {
                Ok(w) => Sink::Age(w),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(Error::Crypto(e.to_string()));
                }
            },
        };
        let stem = name.trim_end_matches(".age").trim_end_matches(".tar");
        let root = safe_file_name(stem)
            .map(|r| cut_at(&r, MAX_ROOT_BYTES).to_owned())
            .unwrap_or_else(|| "carenet-export".to_owned());
        let mtime =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let builder = tar::Builder::new(sink);
        Ok(Archive {
            builder: Some(builder),
            tmp,
            path: full,
            root,
            mtime,
            names: HashSet::new(),
            manifest: Vec::new(),
            missing: 0,
        })
    }

    fn append(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        let path = format!("{}/{name}", self.root);
        let tmp = self.tmp.clone();
        let builder = self.builder.as_mut().ok_or_else(|| Error::invalid("this export is already finished"))?;
        builder.append_data(&mut header, &path, bytes).map_err(|e| Error::io("write", &tmp, e))
    }

    /// Adds the rendered records (`records.json` or `records.csv`).
    pub fn add_records(&mut self, format: ExportFormat, bytes: &[u8]) -> Result<()> {
        let name = match format {
            ExportFormat::Json => "records.json",
            ExportFormat::Csv => "records.csv",
        };
        self.append(name, bytes)
    }

    /// Adds a file kept with `record`, under `files/`, named after the record and the file's own
    /// (cleaned) name; returns its path inside the archive's folder.
    pub fn add_file(&mut self, record: &RecordId, file: &FileRead) -> Result<String> {
        let a = &file.attachment;
        let own = safe_file_name(&a.name).unwrap_or_else(|| "file".to_owned());
        let short = &record.to_string()[..8];
        // Names that differ only in case or Unicode form are one file on many systems (Windows,
        // macOS): the second is numbered rather than overwriting the first when extracted.
        let key = |n: &str| n.nfc().collect::<String>().to_lowercase();
        let mut name = format!("files/{short}-{own}");
        let mut n = 1;
        while !self.names.insert(key(&name)) {
            n += 1;
            name = format!("files/{short}-{n}-{own}");
        }
        self.append(&name, &file.bytes)?;
        self.manifest.push(json!({
            "path": name,
            "record": record.to_string(),
            "file": a.id,
            "name": a.name,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
            "captured_ms": a.captured_ms,
            "added_ms": a.added_ms,
            "device": a.device,
            "signature": a.signature,
            "signature_valid": file.signer.valid,
        }));
        Ok(name)
    }

    /// Adds what reading a file of `record` gave: the file itself, or, when it could not be read,
    /// its entry in `files.json` with the reason ([`Archive::add_missing`]).
    pub fn add_read(&mut self, record: &RecordId, file: &Attachment, read: Result<FileRead>) -> Result<()> {
        match read {
            Ok(read) => self.add_file(record, &read).map(|_| ()),
            Err(e) => {
                self.add_missing(record, file, &e);
                Ok(())
            }
        }
    }

    /// Lists in `files.json` a file of `record` that could not be read (`error`: the error's
    /// code, such as `attachment_incomplete` when not all of its parts have arrived yet), so the
    /// archive says what it lacks.
    pub fn add_missing(&mut self, record: &RecordId, file: &Attachment, error: &Error) {
        self.missing += 1;
        self.manifest.push(json!({
            "path": null,
            "record": record.to_string(),
            "file": file.id,
            "name": file.name,
            "size": file.size,
            "sha256": file.sha256,
            "error": error.code(),
        }));
    }

    /// How many files were added.
    pub fn files(&self) -> usize {
        self.manifest.len() - self.missing
    }

    /// How many files could not be read and are only listed.
    pub fn missing(&self) -> usize {
        self.missing
    }

    /// Writes `files.json`, ends the archive and its encryption, and puts the file in place
    /// durably.
    pub fn finish(mut self) -> Result<()> {
        let manifest =
            Zeroizing::new(serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::invalid(e.to_string()))?);
        self.append("files.json", &manifest)?;
        let builder = self.builder.take().ok_or_else(|| Error::invalid("this export is already finished"))?;
        let result = (|| {
            let file = builder.into_inner().and_then(Sink::finish).map_err(|e| Error::io("write", &self.tmp, e))?;
            file.sync_all().map_err(|e| Error::io("sync", &self.tmp, e))?;
            drop(file);
            std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io("replace", &self.path, e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result?;
        crate::atomic_file::sync_dir(self.path.parent().unwrap_or_else(|| Path::new("/")))
    }
}

impl Drop for Archive {
    fn drop(&mut self) {
        // Closed first: a file still open cannot be removed everywhere.
        if let Some(builder) = self.builder.take() {
            drop(builder);
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn encryptor(protection: &Protection) -> Result<Option<age::Encryptor>> {
    let crypto = |e: &dyn std::fmt::Display| Error::Crypto(e.to_string());
    match protection {
        Protection::Plaintext => Ok(None),
        Protection::Passphrase(p) => {
            crate::keyring::check_passphrase_strength(p)?;
            let mut r = age::scrypt::Recipient::new(p.clone());
            r.set_work_factor(WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map(Some)
                .map_err(|e| crypto(&e))
        }
        Protection::Recipients(rs) => {
            if rs.is_empty() {
                return Err(Error::invalid("Give at least one recipient (age1...)."));
            }
            age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
                .map(Some)
                .map_err(|e| crypto(&e))
        }
    }
}

/// A file name from a record made safe to write: no folders, no control or invisible format
/// characters (a name synced from someone else could hide its real extension behind a
/// right-to-left override), none of the characters Windows refuses (`:*?"<>|`), no leading dots,
/// at most [`MAX_NAME_BYTES`] bytes with the extension kept. `None` when nothing is left.
pub fn safe_file_name(name: &str) -> Option<String> {
    let clean: String =
        name.chars()
            .filter(|c| !is_format_char(*c))
            .map(|c| {
                if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect::<String>()
            .trim()
            .trim_start_matches('.')
            .to_owned();
    let clean = if clean.len() > MAX_NAME_BYTES {
        // Keep the extension (up to 10 bytes) and cut the stem at a character boundary.
        let ext = clean.rfind('.').map(|i| &clean[i..]).filter(|e| e.len() <= 10).unwrap_or("");
        let mut stem_end = MAX_NAME_BYTES - ext.len();
        while !clean.is_char_boundary(stem_end) {
            stem_end -= 1;
        }
        format!("{}{ext}", &clean[..stem_end])
    } else {
        clean
    };
    (!clean.is_empty()).then_some(clean)
}

/// Unicode's invisible characters that reorder, hide or disguise text, or break a line (bidi
/// controls, the Arabic letter mark, zero-width and invisible operators, line and paragraph
/// separators, soft hyphen, Hangul fillers, variation selectors, tags).
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}
