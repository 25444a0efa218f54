//! What the vault does when its files are wrong: a wrong passphrase, a newer or damaged database,
//! a tampered record, a damaged keyring, a vault already open. Every failure is a typed error, a
//! failed unlock leaves every byte of the folder as it was, and damage stays confined to what was
//! damaged.

mod util;

use std::collections::BTreeSet;
use std::path::Path;

use carenet::{Error, LockStatus, Note, RecordId, Vault};
use util::*;

fn note(i: usize) -> Note {
    Note {
        title: format!("Note {i}"),
        body: format!("Body of note {i}.\n").repeat(1 + i % 7),
        tags: vec![format!("t{}", i % 3)],
        ..Default::default()
    }
}

/// A locked vault holding `n` notes; returns the folder and the ids in the order added.
fn locked_vault_with_notes(n: usize) -> (TestDir, Vec<RecordId>) {
    let (dir, mut vault) = new_vault();
    let ids = (0..n).map(|i| vault.add(&note(i)).expect("add a note")).collect();
    lock(vault);
    (dir, ids)
}

fn unlock_err(dir: &Path, pass: &str) -> Error {
    expect_err(Vault::unlock(dir, &secret(pass)), "unlock")
}

fn assert_reads_all_but(vault: &Vault, ids: &[RecordId], damaged: &[RecordId]) {
    for (i, id) in ids.iter().enumerate() {
        if damaged.contains(id) {
            continue;
        }
        let read = vault.get::<Note>(id).unwrap_or_else(|e| panic!("record {id} should read: {e}"));
        assert_eq!(read.value, note(i));
    }
}

// ---------------------------------------------------------------------------------------------
// Passphrase

#[test]
fn wrong_passphrase_changes_nothing() {
    let (dir, ids) = locked_vault_with_notes(5);
    let before = snapshot_files(dir.path());
    for wrong in ["correct horse battery stapler", "Correct horse battery staple", "a completely different one"] {
        let e = unlock_err(dir.path(), wrong);
        assert!(matches!(e, Error::WrongPassphrase), "{wrong:?}: {e:?}");
        assert_eq!(e.code(), "wrong_passphrase");
    }
    assert_same_files(&before, &snapshot_files(dir.path()), "after wrong passphrases");
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::Locked);
    let vault = unlock(dir.path());
    assert_reads_all_but(&vault, &ids, &[]);
}

#[test]
fn changed_passphrase_replaces_the_old_one() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note(0)).expect("add");
    let new = "a new and longer passphrase";

    let keyring_before = snapshot_files(dir.path());
    let e = expect_err(vault.change_passphrase(&secret("not the passphrase"), &secret(new)), "wrong current");
    assert!(matches!(e, Error::WrongPassphrase), "{e:?}");
    let e = expect_err(vault.change_passphrase(&passphrase(), &secret("short")), "weak new passphrase");
    assert!(matches!(e, Error::WeakPassphrase(_)), "{e:?}");
    let after_refusals = snapshot_files(dir.path());
    for f in [KEYRING, KEYRING_BACKUP] {
        assert_eq!(keyring_before[f], after_refusals[f], "{f} changed after a refused change");
    }

    vault.change_passphrase(&passphrase(), &secret(new)).expect("change the passphrase");
    lock(vault);
    let primary = std::fs::read(dir.path().join(KEYRING)).expect("read keyring");
    assert_eq!(primary, std::fs::read(dir.path().join(KEYRING_BACKUP)).expect("read backup"), "both copies rewritten");
    let stanzas = age_stanzas(&primary);
    assert_eq!(stanzas.len(), 1, "{stanzas:?}");
    assert_eq!(
        (stanzas[0][0].as_str(), stanzas[0][2].as_str()),
        ("scrypt", "18"),
        "a changed passphrase uses the pinned work factor"
    );

    let before = snapshot_files(dir.path());
    assert!(matches!(unlock_err(dir.path(), PASSPHRASE), Error::WrongPassphrase));
    assert_same_files(&before, &snapshot_files(dir.path()), "after the old passphrase was refused");
    let vault = Vault::unlock(dir.path(), &secret(new)).expect("the new passphrase opens the vault");
    assert_eq!(vault.get::<Note>(&id).expect("records survive a passphrase change").value, note(0));
}

// ---------------------------------------------------------------------------------------------
// Newer and damaged databases

#[test]
fn newer_database_version_is_refused_and_left_untouched() {
    let (dir, _ids) = locked_vault_with_notes(3);
    let conn = open_db(dir.path());
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("read user_version");
    assert_eq!(version, carenet::store::SCHEMA_VERSION, "the schema version this build writes");
    conn.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);").expect("set user_version");
    close_db(conn);
    assert_eq!(file_names(dir.path()), [KEYRING, KEYRING_BACKUP, DB, JOURNAL, LOCK]);

    let before = snapshot_files(dir.path());
    match unlock_err(dir.path(), PASSPHRASE) {
        Error::NewerVersion { found: 99, supported } if supported == carenet::store::SCHEMA_VERSION => {}
        e => panic!("expected NewerVersion 99, got {e:?}"),
    }
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing a newer vault");
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::Locked);
}

// A newer build that crashed before checkpointing leaves its user_version only in the WAL: the
// refusal must not checkpoint that WAL into vault.db on the way out.
#[test]
fn newer_version_still_in_the_wal_is_refused_and_left_untouched() {
    let (dir, _ids) = locked_vault_with_notes(3);
    let old_db = std::fs::read(dir.path().join(DB)).expect("read vault.db");
    let conn = open_db(dir.path());
    conn.execute_batch("PRAGMA user_version = 99;").expect("set user_version");
    let wal = std::fs::read(dir.path().join(WAL)).expect("the change is in the WAL");
    close_db(conn);
    // As if the newer build had crashed before checkpointing: old main file, new WAL.
    std::fs::write(dir.path().join(DB), &old_db).expect("restore vault.db");
    std::fs::write(dir.path().join(WAL), &wal).expect("restore the WAL");

    let before = snapshot_files(dir.path());
    assert!(matches!(unlock_err(dir.path(), PASSPHRASE), Error::NewerVersion { found: 99, .. }));
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing a newer vault");
}

#[test]
fn database_cut_short_is_refused_with_a_typed_error() {
    // Enough notes for the database to span several dozen pages.
    let (dir, _ids) = locked_vault_with_notes(60);
    let len = std::fs::metadata(dir.path().join(DB)).expect("stat vault.db").len() as usize;
    assert!(len > 16 * 4096, "the test needs a database of many pages, got {len} bytes");
    let work = tempfile::tempdir().expect("temporary folder");

    for cut in [0, 50, 99, 100, 4096, 4096 + 100, 8192, len / 2, len - 4096] {
        let copy = work.path().join(format!("cut-{cut}"));
        copy_vault(dir.path(), &copy);
        let f = std::fs::OpenOptions::new().write(true).open(copy.join(DB)).expect("open the copy");
        f.set_len(cut as u64).expect("truncate");
        drop(f);

        let before = snapshot_files(&copy);
        match unlock_err(&copy, PASSPHRASE) {
            Error::DatabaseDamaged(_) => {}
            e => panic!("cut at {cut} of {len}: expected DatabaseDamaged, got {e:?} ({})", e.code()),
        }
        assert_same_files(&before, &snapshot_files(&copy), &format!("after refusing a database cut at {cut}"));
    }
}

#[test]
fn database_cut_inside_its_last_page_is_reported() {
    let (dir, _ids) = locked_vault_with_notes(60);
    let len = std::fs::metadata(dir.path().join(DB)).expect("stat vault.db").len();
    // Keep the page header and cell pointers of the last page, lose its cells. SQLite counts a
    // partial page as a page, so opening the file does not notice.
    let f = std::fs::OpenOptions::new().write(true).open(dir.path().join(DB)).expect("open");
    f.set_len(len - 4000).expect("truncate");
    drop(f);
    // Unlock reads only the records: the loss shows there, or else in the integrity check.
    match Vault::unlock(dir.path(), &passphrase()) {
        Err(Error::DatabaseDamaged(_)) => {}
        Err(e) => panic!("expected DatabaseDamaged, got {e:?}"),
        Ok(vault) if !vault.damaged().is_empty() => {}
        Ok(vault) => {
            let e = expect_err(vault.integrity_check(), "integrity check of a truncated database");
            assert!(matches!(e, Error::DatabaseDamaged(_)), "{e:?}");
        }
    }
}

#[test]
fn database_replaced_by_random_bytes_is_refused() {
    let (dir, _ids) = locked_vault_with_notes(3);
    let db = dir.path().join(DB);
    let len = std::fs::metadata(&db).expect("stat").len() as usize;
    let random: Vec<u8> =
        (0..len.div_ceil(16)).flat_map(|_| hex::decode(random_hex(16)).expect("hex")).take(len).collect();
    std::fs::write(&db, &random).expect("overwrite vault.db");
    let before = snapshot_files(dir.path());
    let e = unlock_err(dir.path(), PASSPHRASE);
    assert!(matches!(e, Error::DatabaseDamaged(_)), "{e:?}");
    assert_eq!(e.code(), "database_damaged");
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing a random database");
}

#[test]
fn database_with_a_good_header_and_random_pages_is_refused() {
    let (dir, _ids) = locked_vault_with_notes(20);
    let db = dir.path().join(DB);
    let mut bytes = std::fs::read(&db).expect("read");
    // Keep the 100-byte file header, scramble everything after it (schema included).
    let random = hex::decode(random_hex(bytes.len())).expect("hex");
    bytes[100..].copy_from_slice(&random[100..]);
    std::fs::write(&db, &bytes).expect("write");
    let before = snapshot_files(dir.path());
    let e = unlock_err(dir.path(), PASSPHRASE);
    assert!(matches!(e, Error::DatabaseDamaged(_)), "{e:?}");
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing a scrambled database");
}

// Some other program's SQLite file is refused before it is switched to WAL mode.
#[test]
fn foreign_sqlite_database_is_refused_and_left_untouched() {
    let (dir, _ids) = locked_vault_with_notes(1);
    std::fs::remove_file(dir.path().join(DB)).expect("remove vault.db");
    let other = rusqlite::Connection::open(dir.path().join(DB)).expect("create another database");
    other.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").expect("fill it");
    close_db(other);
    let before = snapshot_files(dir.path());
    let e = unlock_err(dir.path(), PASSPHRASE);
    assert!(matches!(e, Error::DatabaseDamaged(_)), "{e:?}");
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing a foreign database");
}

#[test]
fn missing_database_is_refused() {
    let (dir, _ids) = locked_vault_with_notes(1);
    std::fs::remove_file(dir.path().join(DB)).expect("remove vault.db");
    let before = snapshot_files(dir.path());
    assert!(matches!(unlock_err(dir.path(), PASSPHRASE), Error::DatabaseDamaged(_)));
    assert_same_files(&before, &snapshot_files(dir.path()), "a missing database is not recreated");
}

// ---------------------------------------------------------------------------------------------
// Tampered records

#[test]
fn flipped_byte_in_one_record_damages_only_that_record() {
    let (dir, ids) = locked_vault_with_notes(12);
    let victim = ids[5];
    let conn = open_db(dir.path());
    let body = record_body(&conn, &victim);
    close_db(conn);
    // Flip a byte of the ciphertext where it sits in the file, as a failing disk would.
    let db = dir.path().join(DB);
    let file = std::fs::read(&db).expect("read vault.db");
    let at = find_bytes(&file, &body).expect("the record's body is stored contiguously in vault.db");
    assert!(find_bytes(&file[at + 1..], &body).is_none(), "the body is stored once");
    flip_byte(&db, at + body.len() / 2);

    let mut vault = unlock(dir.path());
    let damaged: Vec<RecordId> = vault.damaged().iter().map(|(id, _)| *id).collect();
    assert_eq!(damaged, vec![victim]);
    assert!(matches!(&vault.damaged()[0].1, Error::RecordDamaged { id } if *id == victim));
    match expect_err(vault.get::<Note>(&victim), "get the damaged record") {
        Error::RecordDamaged { id } => assert_eq!(id, victim),
        e => panic!("expected RecordDamaged, got {e:?}"),
    }
    assert!(matches!(vault.record(&victim), Err(Error::RecordDamaged { .. })));
    assert!(matches!(vault.update::<Note>(&victim, |n| n.title.push('!')), Err(Error::RecordDamaged { .. })));
    assert_reads_all_but(&vault, &ids, &[victim]);
    assert_eq!(vault.len(), ids.len() - 1);
    assert!(vault.list(&Default::default()).iter().all(|s| s.id != victim));
    assert_eq!(vault.resolve(&victim.to_string()).expect("a damaged record can still be named"), victim);

    // The damaged record can be deleted, and then the vault is whole again.
    vault.delete(&victim).expect("delete the damaged record");
    let vault = reopen(vault);
    assert!(vault.damaged().is_empty());
    assert_reads_all_but(&vault, &ids, &[victim]);
    vault.integrity_check().expect("integrity check");
}

#[test]
fn swapped_record_bodies_are_both_reported_damaged() {
    let (dir, ids) = locked_vault_with_notes(6);
    let (a, b) = (ids[1], ids[4]);
    let conn = open_db(dir.path());
    let (body_a, body_b) = (record_body(&conn, &a), record_body(&conn, &b));
    conn.execute("UPDATE records SET body = ?1 WHERE id = ?2", rusqlite::params![body_b, &a.0[..]]).expect("swap");
    conn.execute("UPDATE records SET body = ?1 WHERE id = ?2", rusqlite::params![body_a, &b.0[..]]).expect("swap");
    close_db(conn);

    let vault = unlock(dir.path());
    let damaged: BTreeSet<RecordId> = vault.damaged().iter().map(|(id, _)| *id).collect();
    assert_eq!(damaged, [a, b].into_iter().collect());
    for id in [a, b] {
        assert!(matches!(vault.get::<Note>(&id), Err(Error::RecordDamaged { id: got }) if got == id));
    }
    assert_reads_all_but(&vault, &ids, &[a, b]);
}

#[test]
fn record_body_copied_onto_another_row_is_reported_damaged() {
    let (dir, ids) = locked_vault_with_notes(4);
    let conn = open_db(dir.path());
    let body = record_body(&conn, &ids[0]);
    conn.execute("UPDATE records SET body = ?1 WHERE id = ?2", rusqlite::params![body, &ids[2].0[..]]).expect("copy");
    close_db(conn);
    let vault = unlock(dir.path());
    let damaged: Vec<RecordId> = vault.damaged().iter().map(|(id, _)| *id).collect();
    assert_eq!(damaged, vec![ids[2]]);
    assert_reads_all_but(&vault, &ids, &[ids[2]]);
}

// ---------------------------------------------------------------------------------------------
// Keyring

type Damage = fn(&Path);

fn keyring_damages() -> Vec<(&'static str, Damage)> {
    vec![
        ("deleted", |p| std::fs::remove_file(p).expect("delete")),
        ("emptied", |p| std::fs::write(p, b"").expect("empty")),
        ("cut in half", |p| {
            let b = std::fs::read(p).expect("read");
            std::fs::write(p, &b[..b.len() / 2]).expect("cut");
        }),
        ("random bytes", |p| {
            let len = std::fs::metadata(p).expect("stat").len() as usize;
            std::fs::write(p, hex::decode(random_hex(len)).expect("hex")).expect("write");
        }),
        ("flipped payload byte", |p| {
            let len = std::fs::metadata(p).expect("stat").len() as usize;
            flip_byte(p, len - 20);
        }),
        ("flipped header MAC", |p| {
            let b = std::fs::read(p).expect("read");
            let mac = find_bytes(&b, b"\n--- ").expect("the header MAC line") + 5;
            let mut b = b;
            b[mac] = if b[mac] == b'A' { b'B' } else { b'A' };
            std::fs::write(p, b).expect("write");
        }),
        ("flipped wrapped key", |p| {
            let b = std::fs::read(p).expect("read");
            // Third header line: the stanza body (the file key wrapped under the passphrase).
            let line = b.iter().enumerate().filter(|(_, c)| **c == b'\n').nth(1).expect("stanza body line").0 + 1;
            let mut b = b;
            b[line] = if b[line] == b'A' { b'B' } else { b'A' };
            std::fs::write(p, b).expect("write");
        }),
    ]
}

#[test]
fn damaged_keyring_is_repaired_from_its_backup() {
    for (what, damage) in keyring_damages() {
        let (dir, ids) = locked_vault_with_notes(2);
        let backup = std::fs::read(dir.path().join(KEYRING_BACKUP)).expect("read backup");
        damage(&dir.path().join(KEYRING));
        let vault = Vault::unlock(dir.path(), &passphrase())
            .unwrap_or_else(|e| panic!("keyring {what}: unlock should use the backup, got {e:?}"));
        assert_reads_all_but(&vault, &ids, &[]);
        lock(vault);
        let primary = std::fs::read(dir.path().join(KEYRING)).unwrap_or_else(|e| panic!("keyring {what}: {e}"));
        assert!(primary == backup, "keyring {what}: keyring.age was not repaired from the backup");
        assert_eq!(std::fs::read(dir.path().join(KEYRING_BACKUP)).expect("read backup"), backup);
        assert_eq!(
            file_names(dir.path()),
            [KEYRING, KEYRING_BACKUP, DB, JOURNAL, LOCK],
            "keyring {what}: no temp file left"
        );
    }
}

#[test]
fn damaged_keyring_backup_is_repaired_from_the_primary() {
    for (what, damage) in keyring_damages() {
        let (dir, ids) = locked_vault_with_notes(1);
        let primary = std::fs::read(dir.path().join(KEYRING)).expect("read keyring");
        damage(&dir.path().join(KEYRING_BACKUP));
        let vault = unlock(dir.path());
        assert_reads_all_but(&vault, &ids, &[]);
        lock(vault);
        let backup = std::fs::read(dir.path().join(KEYRING_BACKUP)).unwrap_or_else(|e| panic!("backup {what}: {e}"));
        assert!(backup == primary, "backup {what}: keyring.age.bak was not repaired");
    }
}

#[test]
fn both_keyring_copies_damaged_is_reported_and_changes_nothing() {
    let damages = keyring_damages();
    let by_name = |name: &str| damages.iter().find(|(n, _)| *n == name).expect("known damage").1;
    // Damage that age can tell from a wrong passphrase (a damaged wrapped key cannot be).
    let pairs = [
        ("cut in half", "random bytes"),
        ("deleted", "cut in half"),
        ("emptied", "emptied"),
        ("random bytes", "flipped payload byte"),
        ("flipped payload byte", "flipped header MAC"),
    ];
    for (primary, backup) in pairs {
        let (dir, _ids) = locked_vault_with_notes(1);
        by_name(primary)(&dir.path().join(KEYRING));
        by_name(backup)(&dir.path().join(KEYRING_BACKUP));
        let before = snapshot_files(dir.path());
        let e = unlock_err(dir.path(), PASSPHRASE);
        assert!(matches!(e, Error::KeyringDamaged), "keyring {primary}, backup {backup}: got {e:?}");
        assert_eq!(e.code(), "keyring_damaged");
        assert_same_files(&before, &snapshot_files(dir.path()), &format!("keyring {primary}, backup {backup}"));
    }
}

#[test]
fn wrong_passphrase_with_a_damaged_keyring_repairs_nothing() {
    let (dir, _ids) = locked_vault_with_notes(1);
    let len = std::fs::metadata(dir.path().join(KEYRING)).expect("stat").len();
    let f = std::fs::OpenOptions::new().write(true).open(dir.path().join(KEYRING)).expect("open");
    f.set_len(len / 2).expect("cut");
    drop(f);
    let before = snapshot_files(dir.path());
    assert!(matches!(unlock_err(dir.path(), "not the passphrase at all"), Error::WrongPassphrase));
    assert_same_files(&before, &snapshot_files(dir.path()), "after a wrong passphrase");
}

#[test]
fn missing_keyring_means_no_vault() {
    let (dir, _ids) = locked_vault_with_notes(1);
    std::fs::remove_file(dir.path().join(KEYRING)).expect("remove");
    std::fs::remove_file(dir.path().join(KEYRING_BACKUP)).expect("remove");
    assert!(matches!(unlock_err(dir.path(), PASSPHRASE), Error::NoVault(_)));
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::NoVault);
}

// ---------------------------------------------------------------------------------------------
// Who holds the vault

#[test]
fn open_vault_is_busy_for_a_second_handle_in_the_same_process() {
    let dir = TestDir::new();
    assert_eq!(Vault::status(dir.path()).expect("status of an empty folder"), LockStatus::NoVault);
    assert!(matches!(unlock_err(dir.path(), PASSPHRASE), Error::NoVault(_)));

    let vault = Vault::create_with(dir.path(), &passphrase(), &fast_options()).expect("create");
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::OpenElsewhere);
    for pass in [PASSPHRASE, "a wrong passphrase"] {
        let e = unlock_err(dir.path(), pass);
        assert!(matches!(e, Error::VaultBusy), "second unlock: {e:?}");
        assert_eq!(e.code(), "vault_busy");
    }
    let e = expect_err(Vault::create_with(dir.path(), &passphrase(), &fast_options()), "create again");
    assert!(matches!(e, Error::VaultExists(_)), "{e:?}");
    lock(vault);
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::Locked);

    let vault = unlock(dir.path());
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::OpenElsewhere);
    drop(vault);
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::Locked, "dropping a vault releases it");
    drop(unlock(dir.path()));
}

#[test]
fn weak_passphrase_creates_nothing() {
    let dir = TestDir::new();
    let e = expect_err(Vault::create_with(dir.path(), &secret("short"), &fast_options()), "weak passphrase");
    assert!(matches!(e, Error::WeakPassphrase(8)), "{e:?}");
    assert!(!dir.path().exists() || file_names(dir.path()).is_empty(), "nothing was written");
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::NoVault);
}

// ---------------------------------------------------------------------------------------------
// Document rows (the automerge documents, read only to edit a record or show its history)

fn doc_body(conn: &rusqlite::Connection, id: &RecordId) -> Vec<u8> {
    conn.query_row("SELECT body FROM docs WHERE id = ?1", [&id.0[..]], |r| r.get(0)).expect("doc row")
}

#[test]
fn damaged_document_row_blocks_editing_that_record_only() {
    let (dir, ids) = locked_vault_with_notes(6);
    let victim = ids[2];
    let conn = open_db(dir.path());
    let mut body = doc_body(&conn, &victim);
    let mid = body.len() / 2;
    body[mid] ^= 0x01;
    conn.execute("UPDATE docs SET body = ?1 WHERE id = ?2", rusqlite::params![body, &victim.0[..]]).expect("tamper");
    close_db(conn);

    let mut vault = unlock(dir.path());
    // Reading uses the view row, which is intact; editing needs the document, which is not.
    assert!(vault.damaged().is_empty());
    assert!(vault.get::<Note>(&victim).is_ok());
    match expect_err(vault.update::<Note>(&victim, |n| n.title.push('!')), "edit over a damaged document") {
        Error::RecordDamaged { id } => assert_eq!(id, victim),
        e => panic!("expected RecordDamaged naming the record, got {e:?}"),
    }
    assert!(matches!(vault.history(&victim), Err(Error::RecordDamaged { .. })));
    for id in ids.iter().filter(|id| **id != victim) {
        vault.update::<Note>(id, |n| n.title.push('!')).expect("other records still edit");
    }
    // The damaged record can still be deleted.
    vault.delete(&victim).expect("delete the damaged record");
}

#[test]
fn document_row_rolled_back_alone_is_completed_by_the_change_log() {
    let (dir, ids) = locked_vault_with_notes(3);
    let target = ids[1];
    let conn = open_db(dir.path());
    let old_doc = doc_body(&conn, &target);
    close_db(conn);
    // Enough edits for the document row to be rewritten (it is, every few dozen changes).
    let mut vault = unlock(dir.path());
    for i in 0..40 {
        vault.update::<Note>(&target, |n| n.title = format!("edited {i}")).expect("edit");
    }
    lock(vault);
    let conn = open_db(dir.path());
    assert_ne!(doc_body(&conn, &target), old_doc, "the document row was rewritten");
    conn.execute("UPDATE docs SET body = ?1 WHERE id = ?2", rusqlite::params![old_doc, &target.0[..]])
        .expect("roll back");
    close_db(conn);

    // The older row plus the sealed changes stored after it reach the heads the view row names.
    let mut vault = unlock(dir.path());
    vault.update::<Note>(&target, |n| n.title.push('!')).expect("edit over the older document row");
    assert_eq!(vault.get::<Note>(&target).expect("read").value.title, "edited 39!");
    assert_eq!(vault.history(&target).expect("history").len(), 42, "no change was lost");
}

#[test]
fn missing_sealed_change_is_detected_when_the_document_loads() {
    let (dir, ids) = locked_vault_with_notes(3);
    let target = ids[0];
    let mut vault = unlock(dir.path());
    for i in 0..3 {
        vault.update::<Note>(&target, |n| n.title = format!("edited {i}")).expect("edit");
    }
    lock(vault);
    // Remove the newest change of the record: the document can no longer reach its heads.
    let conn = open_db(dir.path());
    conn.execute("DELETE FROM changes WHERE rowid = (SELECT max(rowid) FROM changes WHERE doc = ?1)", [&target.0[..]])
        .expect("delete a change");
    close_db(conn);

    let mut vault = unlock(dir.path());
    assert_eq!(vault.get::<Note>(&target).expect("the view still reads").value.title, "edited 2");
    let e = expect_err(vault.update::<Note>(&target, |n| n.title.push('!')), "edit over a broken history");
    assert!(matches!(e, Error::DocumentDamaged { id, .. } if id == target), "{e:?}");
    vault.update::<Note>(&ids[1], |n| n.title.push('!')).expect("other records still edit");
}

// ---------------------------------------------------------------------------------------------
// Creating a vault where files already are

#[test]
fn create_refuses_a_folder_whose_database_is_someone_elses() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let other = rusqlite::Connection::open(dir.path().join(DB)).expect("another program's database");
    other.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").expect("fill it");
    close_db(other);
    let before = snapshot_files(dir.path());
    let e = expect_err(Vault::create_with(dir.path(), &passphrase(), &fast_options()), "create over a foreign file");
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing to create over a foreign file");
}

#[test]
fn create_refuses_a_folder_whose_journal_file_is_someone_elses() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join(JOURNAL), "someone's own notes, under the journal's name").expect("a file");
    let before = snapshot_files(dir.path());
    let e = expect_err(Vault::create_with(dir.path(), &passphrase(), &fast_options()), "create over a foreign file");
    assert!(matches!(&e, Error::Invalid(m) if m.contains(JOURNAL)), "{e:?}");
    assert_same_files(&before, &snapshot_files(dir.path()), "after refusing to create over a foreign file");
}

#[test]
fn create_starts_again_after_an_init_that_stopped_before_the_keyring() {
    let (dir, vault) = new_vault();
    lock(vault);
    // As if init had stopped after creating the database, before writing the keyring.
    std::fs::remove_file(dir.path().join(KEYRING)).expect("remove keyring");
    std::fs::remove_file(dir.path().join(KEYRING_BACKUP)).expect("remove backup");
    let vault = Vault::create_with(dir.path(), &passphrase(), &fast_options()).expect("create again");
    assert!(vault.is_empty());
}
