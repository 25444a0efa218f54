//! Nothing readable at rest: every text a user typed is absent, in UTF-8 and UTF-16LE, from every
//! file of the vault folder, whether the vault is open or locked; a deleted record leaves neither
//! its text nor its ciphertext behind; the keyring is an age file with one scrypt stanza at the
//! pinned work factor.

mod util;

use carenet::model::vocab::{
    ActType, EngagementForm, EventStatus, FollowUp, InterventionKind, Mechanism, PerpetratorType, SourceKind,
};
use carenet::model::{
    Act, Channel, ChannelKind, Consent, ConsentStatus, Engagement, Identification, Intervention, Party, PartyKind,
    Perpetrator, RiskLevel, ShareScope, Source,
};
use carenet::{Contact, Note, RecordId, ReprisalRecord, Vault};
use util::*;

/// Hands out distinct canary strings in several scripts and remembers them all.
#[derive(Default)]
struct Canaries {
    all: Vec<String>,
}

impl Canaries {
    fn next(&mut self) -> String {
        let c = match self.all.len() % 5 {
            0 => format!("canary{}", random_hex(8)),
            1 => random_in(ARABIC, 12),
            2 => random_in(CYRILLIC, 12),
            3 => random_in(CHINESE, 12),
            _ => format!("Canárió-Ünïcødé-{}", random_hex(6)),
        };
        self.all.push(c.clone());
        c
    }

    fn list(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.next()).collect()
    }

    /// A canary that is also valid hex of 64 digits (for a SHA-256 field).
    fn sha256(&mut self) -> String {
        let c = random_hex(32);
        self.all.push(c.clone());
        c
    }
}

fn canary_note(c: &mut Canaries) -> Note {
    Note {
        title: c.next(),
        body: format!("{}\n{}\n{}", c.next(), c.next(), c.next()),
        tags: c.list(2),
        ..Default::default()
    }
}

fn canary_contact(c: &mut Canaries, alerts: Vec<RecordId>) -> Contact {
    Contact {
        alias: c.next(),
        real_name: Some(c.next()),
        channels: vec![
            Channel { id: c.next(), kind: ChannelKind::Signal, value: c.next() },
            Channel { id: c.next(), kind: ChannelKind::Email, value: c.next() },
        ],
        languages: c.list(2),
        location: c.next(),
        organisation: c.next(),
        skills: c.list(2),
        needs: c.list(2),
        risk: RiskLevel::High,
        notes: format!("{} {}", c.next(), c.next()),
        alerts,
        checked_by: vec![],
        tags: c.list(2),
    }
}

fn canary_reprisal(c: &mut Canaries, victim_contact: RecordId) -> ReprisalRecord {
    let victim = c.next();
    ReprisalRecord {
        title: c.next(),
        start: Some("2025-02".parse().expect("date")),
        end: None,
        country: "EG".into(),
        place: c.next(),
        description: format!("{}\n{}", c.next(), c.next()),
        status: EventStatus::Ongoing,
        acts: vec![Act {
            id: c.next(),
            act_type: ActType::TravelBan,
            date: Some("2025-02-03".parse().expect("date")),
            place: c.next(),
            victims: vec![victim.clone()],
            consequences: c.next(),
        }],
        victims: vec![Party { id: victim, kind: PartyKind::Person, name: c.next(), contact: Some(victim_contact) }],
        perpetrators: vec![Perpetrator {
            id: c.next(),
            kind: PartyKind::Group,
            perpetrator_type: PerpetratorType::State,
            description: c.next(),
        }],
        engagements: vec![Engagement {
            id: c.next(),
            mechanism: Mechanism::Upr,
            body: c.next(),
            form: EngagementForm::Submission,
            date: None,
        }],
        sources: vec![Source {
            id: c.next(),
            kind: SourceKind::Document,
            description: c.next(),
            sha256: Some(c.sha256()),
            captured: None,
        }],
        consent: Consent {
            status: ConsentStatus::Given,
            share_with: vec![ShareScope::Network],
            identification: Identification::Anonymous,
            date: None,
        },
        interventions: vec![Intervention {
            id: c.next(),
            kind: InterventionKind::UrgentAppeal,
            date: None,
            addressee: c.next(),
            outcome: c.next(),
            result: Some(carenet::model::vocab::InterventionResult::TakenUp),
        }],
        follow_up: FollowUp::Verifying,
        tags: c.list(2),
        attachments: vec![],
        removed_attachments: vec![],
    }
}

fn assert_no_canary(dir: &std::path::Path, canaries: &[String], context: &str) {
    assert!(!list_files(dir).is_empty(), "{context}: the vault folder is empty");
    for c in canaries {
        assert_nowhere(dir, c, context);
    }
}

/// Windows of 64 bytes at the start, middle and end of a ciphertext.
fn windows(bytes: &[u8]) -> Vec<&[u8]> {
    assert!(bytes.len() >= 64, "a ciphertext of {} bytes is shorter than a window", bytes.len());
    let mid = bytes.len() / 2 - 32;
    vec![&bytes[..64], &bytes[mid..mid + 64], &bytes[bytes.len() - 64..]]
}

fn assert_no_window(dir: &std::path::Path, ciphertext: &[u8], context: &str) {
    for w in windows(ciphertext) {
        let hits = files_containing(dir, w);
        assert!(hits.is_empty(), "{context}: deleted ciphertext still present in {hits:?}");
    }
}

fn change_bodies_of(conn: &rusqlite::Connection, id: &RecordId) -> Vec<Vec<u8>> {
    let mut stmt = conn.prepare("SELECT body FROM changes WHERE doc = ?1").expect("prepare");
    let rows = stmt.query_map([&id.0[..]], |r| r.get(0)).expect("query changes");
    rows.collect::<Result<_, _>>().expect("read changes")
}

#[test]
fn no_typed_text_is_readable_in_any_file_open_or_locked() {
    let mut canaries = Canaries::default();
    let (dir, mut vault) = new_vault();
    let first_note = canary_note(&mut canaries);
    let note_id = vault.add(&first_note).expect("add note");
    let first = vault.add(&canary_contact(&mut canaries, vec![])).expect("add contact");
    let second = vault.add(&canary_contact(&mut canaries, vec![first])).expect("add linked contact");
    let reprisal_id = vault.add(&canary_reprisal(&mut canaries, second)).expect("add reprisal");
    // Edits go through the automerge diff and the sealed changes: new text, in place.
    let (edit_title, edit_body) = (canaries.next(), canaries.next());
    vault
        .update::<Note>(&note_id, |n| {
            n.title = edit_title.clone();
            n.body.insert_str(0, &format!("{edit_body}\n"));
        })
        .expect("update note");
    let mut draft = vault.draft::<ReprisalRecord>(&reprisal_id).expect("draft");
    draft.value.description.push_str(&format!("\n{}", canaries.next()));
    vault.save_draft(draft).expect("save draft");
    let ids = [note_id, first, second, reprisal_id];

    // While open: the database, its WAL and its shared-memory file.
    let names = file_names(dir.path());
    assert!(names.iter().any(|n| n == WAL), "the open vault has a WAL to scan: {names:?}");
    assert_no_canary(dir.path(), &canaries.all, "while unlocked");
    let stored: Vec<_> = ids.iter().map(|id| vault.record(id).expect("read")).collect();
    lock(vault);
    assert_no_canary(dir.path(), &canaries.all, "after lock");

    // Record ids only exist as raw random bytes: never as the hex that links records together,
    // and no timestamp is stored in clear.
    for s in &stored {
        assert_nowhere(dir.path(), &s.id.to_string(), "record id in hex");
        for ms in [s.created_ms, s.updated_ms] {
            for needle in [ms.to_le_bytes(), ms.to_be_bytes()] {
                assert!(files_containing(dir.path(), &needle).is_empty(), "timestamp {ms} found in clear");
            }
            assert_nowhere(dir.path(), &ms.to_string(), "timestamp in decimal");
        }
    }

    // The canaries were really written: they come back after unlock.
    let vault = unlock(dir.path());
    let json = serde_json::to_string(&ids.iter().map(|id| vault.record(id).expect("read").value).collect::<Vec<_>>())
        .expect("serialise");
    for c in canaries.all.iter().filter(|c| **c != first_note.title) {
        assert!(json.contains(c.as_str()), "canary {c:?} was not stored");
    }
    lock(vault);
    assert_no_canary(dir.path(), &canaries.all, "after a second lock");
}

#[test]
fn deleted_record_leaves_neither_its_text_nor_its_ciphertext() {
    let mut canaries = Canaries::default();
    let mut other = Canaries::default();
    let (dir, mut vault) = new_vault();
    let keep_before = vault.add(&canary_note(&mut other)).expect("add");
    let target = vault.add(&canary_note(&mut canaries)).expect("add the record to delete");
    let keep_after = vault.add(&canary_note(&mut other)).expect("add");
    lock(vault);

    // Capture the first version of its row and changes while the vault is locked.
    let conn = open_db(dir.path());
    let mut ciphertexts = vec![record_body(&conn, &target)];
    ciphertexts.extend(change_bodies_of(&conn, &target));
    let mut doc_rows = vec![doc_body(&conn, &target)];
    close_db(conn);

    // A second version, so that an old copy could linger too.
    let mut vault = unlock(dir.path());
    let added_line = canaries.next();
    vault.update::<Note>(&target, |n| n.body.push_str(&format!("\n{added_line}"))).expect("update");
    lock(vault);
    let conn = open_db(dir.path());
    let second = record_body(&conn, &target);
    assert_ne!(second, ciphertexts[0]);
    ciphertexts.push(second);
    doc_rows.push(doc_body(&conn, &target));
    for change in change_bodies_of(&conn, &target) {
        if !ciphertexts.contains(&change) {
            ciphertexts.push(change);
        }
    }
    close_db(conn);
    assert_eq!(ciphertexts.len(), 4, "two row versions and two sealed changes");
    // The document row is rewritten only every so many changes: one edit may leave it as it was.
    doc_rows.dedup();
    ciphertexts.extend(doc_rows);
    // Sanity: the windows are found while the record exists (so their absence later means
    // something).
    assert!(!files_containing(dir.path(), windows(&ciphertexts[1])[1]).is_empty());

    let mut vault = unlock(dir.path());
    vault.delete(&target).expect("delete");
    // Deletion truncates the WAL at once: nothing is left even before the vault is locked.
    for c in &ciphertexts {
        assert_no_window(dir.path(), c, "right after delete");
    }
    lock(vault);
    for c in &ciphertexts {
        assert_no_window(dir.path(), c, "after lock");
    }
    assert_no_canary(dir.path(), &canaries.all, "after delete");

    let vault = unlock(dir.path());
    assert!(vault.get::<Note>(&target).is_err());
    for id in [keep_before, keep_after] {
        vault.get::<Note>(&id).expect("the other records are intact");
    }
    vault.integrity_check().expect("integrity");
}

#[test]
fn deleting_most_records_compacts_the_file_and_leaves_no_ciphertext() {
    let mut canaries = Canaries::default();
    let (dir, mut vault) = new_vault();
    // Over 64 pages, where the vault starts compacting files that are more than a quarter empty.
    let ids: Vec<RecordId> = (0..300).map(|_| vault.add(&canary_note(&mut canaries)).expect("add")).collect();
    lock(vault);
    let size_before = std::fs::metadata(dir.path().join(DB)).expect("stat").len();
    assert!(size_before > 64 * 4096, "the test needs a bigger database ({size_before} bytes)");
    let conn = open_db(dir.path());
    let deleted_rows: Vec<Vec<u8>> = ids[..250].iter().map(|id| record_body(&conn, id)).collect();
    close_db(conn);

    let mut vault = unlock(dir.path());
    for id in &ids[..250] {
        vault.delete(id).expect("delete");
    }
    lock(vault);
    let size_after = std::fs::metadata(dir.path().join(DB)).expect("stat").len();
    assert!(
        size_after * 2 < size_before,
        "locking a mostly empty vault compacts it: {size_before} -> {size_after} bytes"
    );
    assert_eq!(file_names(dir.path()), [KEYRING, KEYRING_BACKUP, DB, JOURNAL, LOCK]);
    for body in &deleted_rows {
        assert_no_window(dir.path(), body, "after deleting most records");
    }
    let vault = unlock(dir.path());
    assert_eq!(vault.len(), 50);
    for id in &ids[250..] {
        vault.get::<Note>(id).expect("a kept record reads");
    }
    vault.integrity_check().expect("integrity");
}

#[test]
fn keyring_is_one_scrypt_stanza_at_the_pinned_work_factor() {
    let dir = TestDir::new();
    // The real options: this is the one test that pays for scrypt at 2^18.
    let vault = Vault::create(dir.path(), &passphrase()).expect("create a vault with the default options");
    lock(vault);

    let primary = std::fs::read(dir.path().join(KEYRING)).expect("read keyring.age");
    let backup = std::fs::read(dir.path().join(KEYRING_BACKUP)).expect("read keyring.age.bak");
    assert_eq!(primary, backup, "the backup is an exact copy");
    let stanzas = age_stanzas(&primary);
    assert_eq!(stanzas.len(), 1, "a passphrase stanza must be the file's only stanza: {stanzas:?}");
    let s = &stanzas[0];
    assert_eq!(s.len(), 3, "scrypt stanza: tag, salt, work factor: {s:?}");
    assert_eq!(s[0], "scrypt");
    assert_eq!(s[1].len(), 22, "a 16-byte salt in unpadded base64: {s:?}");
    assert_eq!(s[2], "18", "the work factor is pinned at 2^18");
    assert_nowhere(dir.path(), "AGE-SECRET-KEY-", "the age identity");
    assert_nowhere(dir.path(), "CNKR", "the keyring's plaintext magic");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path()).expect("stat the vault folder").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the vault folder is private to its owner");
    }
}

fn doc_body(conn: &rusqlite::Connection, id: &carenet::RecordId) -> Vec<u8> {
    conn.query_row("SELECT body FROM docs WHERE id = ?1", [&id.0[..]], |r| r.get(0)).expect("doc row")
}
