//! Exports with the records' files (`carenet::archive`) on real vault files: the archive holds
//! the records, every file byte for byte with a manifest that checks it, names that cannot leave
//! the archive's folder, nothing readable when encrypted, and nothing at all when it fails.

mod util;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use carenet::archive::{self, Archive};
use carenet::export::{ExportFormat, ExportOptions, Protection};
use carenet::model::{Contact, Note, ReprisalRecord};
use carenet::vault::NewFile;
use carenet::{Error, Query, Vault};
use util::*;

const CANARY: &str = "ArchiveCanary Qm47 station";
const FILE_CANARY: &[u8] = b"FileCanary Zt09: the photo's bytes";

fn all() -> ExportOptions {
    ExportOptions {
        format: ExportFormat::Json,
        query: Query { limit: 0, ..Default::default() },
        include_sensitive: false,
    }
}

/// A vault with a note holding two files (one with a hostile name), a reprisal record with one,
/// and a contact.
fn vault_with_files() -> (TestDir, Vault, Vec<(String, Vec<u8>)>) {
    let (dir, mut v) = new_vault();
    let note =
        v.add(&Note { title: CANARY.into(), body: "photos from the station".into(), ..Default::default() }).unwrap();
    // Leading dots (a hidden file) and a right-to-left override that makes "exe.jpg" read as
    // "gpj.exe" backwards; a name with a folder is refused by `attach` (and by the check of a
    // synced description).
    let hostile = "..bashrc\u{202E}gpj.exe";
    let files = vec![
        ("photo.jpg".to_owned(), [FILE_CANARY, &[0u8, 255, 7][..]].concat()),
        (hostile.to_owned(), b"second file".to_vec()),
    ];
    for (name, bytes) in &files {
        v.attach(&note, &NewFile { name, media_type: "", bytes, captured_ms: Some(1_700_000_000_000) }).unwrap();
    }
    let rep = v.add(&ReprisalRecord { title: "Travel ban".into(), ..Default::default() }).unwrap();
    let report = (String::from("photo.jpg"), b"the lawyer's report".to_vec());
    v.attach(&rep, &NewFile { name: &report.0, media_type: "text/plain", bytes: &report.1, captured_ms: None })
        .unwrap();
    v.add(&Contact { alias: "Dana".into(), real_name: Some("Real Name Kx81".into()), ..Default::default() }).unwrap();
    let mut all_files = files;
    all_files.push(report);
    (dir, v, all_files)
}

/// The archive's entries, path to bytes.
fn entries(tar_bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut ar = tar::Archive::new(tar_bytes);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        assert_eq!(e.header().mode().unwrap(), 0o600, "{path}");
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        out.insert(path, bytes);
    }
    out
}

fn decrypt(file: &Path, identity: &dyn age::Identity) -> Vec<u8> {
    let bytes = std::fs::read(file).unwrap();
    let d = age::Decryptor::new_buffered(&bytes[..]).unwrap();
    let mut out = Vec::new();
    d.decrypt(std::iter::once(identity)).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn an_encrypted_archive_holds_the_records_and_every_file_checked_by_its_manifest() {
    let (dir, v, files) = vault_with_files();
    let identity = age::x25519::Identity::generate();
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("case.tar.age");
    let written =
        archive::write_with_files(&v, &all(), &out, &Protection::Recipients(vec![identity.to_public()])).unwrap();
    assert_eq!(written, archive::Written { records: 3, files: 3, missing: 0 });

    let raw = std::fs::read(&out).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    assert!(find_bytes(&raw, CANARY.as_bytes()).is_none() && find_bytes(&raw, FILE_CANARY).is_none());
    let entries = entries(&decrypt(&out, &identity));
    assert_eq!(file_names(folder.path()), vec!["case.tar.age".to_owned()], "no temporary file left");
    drop(dir);

    let root = "case";
    for path in entries.keys() {
        assert!(path.starts_with("case/"), "outside the archive's folder: {path}");
        assert!(!path.split('/').any(|p| p == ".." || p.is_empty()), "{path}");
        assert!(!path.contains('\u{202E}'), "a bidi override survived: {path:?}");
    }
    let records: serde_json::Value = serde_json::from_slice(&entries[&format!("{root}/records.json")]).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 3);
    assert!(!records.to_string().contains("Real Name Kx81"), "real names stay out unless asked");

    let manifest: serde_json::Value = serde_json::from_slice(&entries[&format!("{root}/files.json")]).unwrap();
    let listed = manifest.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let mut paths = std::collections::HashSet::new();
    let mut got = Vec::new();
    for m in listed {
        let path = m["path"].as_str().unwrap();
        assert!(paths.insert(path.to_owned()), "two files under one name: {path}");
        let bytes = &entries[&format!("{root}/{path}")];
        assert_eq!(m["size"], bytes.len() as u64);
        assert_eq!(m["sha256"], carenet::model::attachment::sha256_hex(bytes));
        assert_eq!(m["signature_valid"], true);
        got.push((m["name"].as_str().unwrap().to_owned(), bytes.clone()));
    }
    // Every file, byte for byte, under its own name in the manifest.
    let mut want = files.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // The two photo.jpg of two records, and the hostile name made harmless.
    assert_eq!(paths.iter().filter(|p| p.ends_with("-photo.jpg")).count(), 2, "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("-bashrcgpj.exe")), "{paths:?}");
}

#[test]
fn a_passphrase_or_a_readable_archive_opens_as_asked() {
    let (_dir, v, _) = vault_with_files();
    let folder = tempfile::tempdir().unwrap();
    let pass = "a partner passphrase of five words";
    let enc = folder.path().join("pass.tar.age");
    archive::write_with_files(&v, &all(), &enc, &Protection::Passphrase(secret(pass))).unwrap();
    let id = age::scrypt::Identity::new(secret(pass));
    let opened = entries(&decrypt(&enc, &id));
    assert_eq!(opened.len(), 5, "records, three files, the manifest: {:?}", opened.keys());
    std::fs::remove_file(&enc).unwrap();

    let csv = ExportOptions { format: ExportFormat::Csv, ..all() };
    let plain = folder.path().join("plain.tar");
    let w = archive::write_with_files(&v, &csv, &plain, &Protection::Plaintext).unwrap();
    assert_eq!((w.records, w.files), (3, 3));
    let opened = entries(&std::fs::read(&plain).unwrap());
    assert!(String::from_utf8_lossy(&opened["plain/records.csv"]).contains(CANARY));
}

#[test]
fn a_failed_or_abandoned_archive_leaves_nothing_behind() {
    let (_dir, v, _) = vault_with_files();
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("x.tar.age");
    // A weak passphrase is refused before anything is written.
    let weak = archive::write_with_files(&v, &all(), &out, &Protection::Passphrase(secret("short"))).unwrap_err();
    assert_eq!(weak.code(), "weak_passphrase");
    assert_eq!(file_names(folder.path()), Vec::<String>::new());
    // Abandoned halfway (a lock, an error reading a file): the temporary file goes, the target
    // (an older export here) is untouched.
    std::fs::write(&out, b"older export").unwrap();
    let mut a = Archive::create(&out, &Protection::Plaintext).unwrap();
    a.add_records(ExportFormat::Json, b"[]").unwrap();
    drop(a);
    assert_eq!(file_names(folder.path()), vec!["x.tar.age".to_owned()]);
    assert_eq!(std::fs::read(&out).unwrap(), b"older export");
    // A folder that does not exist: an error naming it, nothing written.
    let nowhere = folder.path().join("missing").join("y.tar");
    let err = archive::write_with_files(&v, &all(), &nowhere, &Protection::Plaintext).unwrap_err();
    assert_eq!(err.code(), "io");
}

#[test]
fn a_file_that_cannot_be_read_is_listed_with_the_reason() {
    let (_dir, v, _) = vault_with_files();
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("gaps.tar");
    let stored = v.all().find(|r| !r.value.attachments().is_empty()).unwrap();
    let file = stored.value.attachments()[0].clone();
    let mut a = Archive::create(&out, &Protection::Plaintext).unwrap();
    a.add_records(ExportFormat::Json, b"[]").unwrap();
    a.add_missing(&stored.id, &file, &Error::AttachmentIncomplete { have: 1, need: 3 });
    assert_eq!((a.files(), a.missing()), (0, 1));
    a.finish().unwrap();
    let opened = entries(&std::fs::read(&out).unwrap());
    let manifest: serde_json::Value = serde_json::from_slice(&opened["gaps/files.json"]).unwrap();
    assert_eq!(manifest[0]["path"], serde_json::Value::Null);
    assert_eq!(manifest[0]["error"], "attachment_incomplete");
    assert_eq!(manifest[0]["sha256"], file.sha256);
}

#[test]
fn long_names_names_that_differ_only_in_case_and_a_stale_temporary_file() {
    let (_dir, mut v) = new_vault();
    let id = v.add(&Note { title: "Names".into(), body: "x".into(), ..Default::default() }).unwrap();
    // 200 bytes of two-byte characters: cut to at most 150 bytes on a character boundary, the
    // extension kept; then the same name again, and one that differs only in case.
    let long = format!("{}.jpeg", "д".repeat(100));
    let names = [long.as_str(), long.as_str(), "IMG_1.JPG", "img_1.jpg"];
    for (i, name) in names.iter().enumerate() {
        let bytes = format!("file {i}").into_bytes();
        v.attach(&id, &NewFile { name, media_type: "", bytes: &bytes, captured_ms: None }).unwrap();
    }
    let folder = tempfile::tempdir().unwrap();
    // A temporary file an export killed earlier left beside the same target (readable).
    let stale =
        folder.path().join(".a-very-long-target-name-for-an-export-of-a-whole-network-2026-11-24.tar.tmp-0a1b2c");
    std::fs::write(&stale, b"half of an older readable export").unwrap();
    let out = folder.path().join("a-very-long-target-name-for-an-export-of-a-whole-network-2026-11-24.tar");
    let w = archive::write_with_files(&v, &all(), &out, &Protection::Plaintext).unwrap();
    assert_eq!(w.files, 4);
    assert!(!stale.exists(), "the stale temporary file was removed");
    assert_eq!(file_names(folder.path()).len(), 1);

    let opened = entries(&std::fs::read(&out).unwrap());
    let files: Vec<&String> = opened.keys().filter(|p| p.contains("/files/")).collect();
    assert_eq!(files.len(), 4, "{files:?}");
    let lowered: std::collections::HashSet<String> = files.iter().map(|p| p.to_lowercase()).collect();
    assert_eq!(lowered.len(), 4, "two paths differ only in case: {files:?}");
    for p in &files {
        let (root, rest) = p.split_once('/').unwrap();
        assert!(root.len() <= 60, "{root}");
        let name = rest.trim_start_matches("files/");
        assert!(name.len() <= 150 + 12, "{name}: {} bytes", name.len());
    }
    assert!(
        files.iter().filter(|p| p.len() > 100).count() >= 2,
        "long enough to need tar's long-name entries: {files:?}"
    );
    assert!(files.iter().filter(|p| p.ends_with(".jpeg")).count() == 2, "the extension kept: {files:?}");
    // Every file came through whole, in the order of the manifest.
    let manifest: serde_json::Value =
        serde_json::from_slice(&opened[&opened.keys().find(|k| k.ends_with("/files.json")).unwrap().clone()]).unwrap();
    for m in manifest.as_array().unwrap() {
        let path = opened.keys().find(|k| k.ends_with(m["path"].as_str().unwrap())).unwrap();
        assert_eq!(m["sha256"], carenet::model::attachment::sha256_hex(&opened[path]));
        assert!(m["signature"].as_str().is_some_and(|s| s.len() == 128), "{m}");
    }
}

#[test]
fn safe_file_names_lose_what_could_disguise_or_break_them() {
    use archive::safe_file_name as safe;
    assert_eq!(safe("photo\u{202E}gpj.exe").as_deref(), Some("photogpj.exe"));
    assert_eq!(safe("a\u{2028}b\u{3164}c.txt").as_deref(), Some("abc.txt"));
    assert_eq!(safe("report: final?.pdf").as_deref(), Some("report_ final_.pdf"));
    assert_eq!(safe("../..").as_deref(), Some("_.."));
    assert_eq!(safe("...hidden").as_deref(), Some("hidden"));
    assert_eq!(safe(" \u{200B} "), None);
    let cut = safe(&format!("{}.pdf", "€".repeat(80))).unwrap();
    assert!(cut.len() <= 150 && cut.ends_with(".pdf"), "{cut}");
}
