//! Tests of the IPC boundary that need no window: the TypeScript bindings are current, the
//! mirrors keep every field of the core's records, errors keep their codes, and navigation away
//! from the bundled UI is refused.

use std::path::PathBuf;

use carenet::model::{
    Act, Channel, ChannelKind, Consent, ConsentStatus, Engagement, Identification, Intervention, Party, PartyKind,
    Perpetrator, RecordId, RiskLevel, ShareScope, Source,
};
use carenet::{Contact, Note, Record, ReprisalRecord};

use crate::ipc;

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

#[test]
fn bindings_are_current() {
    let fresh = ipc::typescript();
    let path = bindings_path();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is out of date with src-tauri/src/ipc.rs: run \
         `UPDATE_BINDINGS=1 cargo test --release -p carenet-desktop bindings` and commit the result"
    );
}

fn full_reprisal() -> ReprisalRecord {
    let id = RecordId::random();
    ReprisalRecord {
        title: "Travel ban".into(),
        start: Some("2026-05".parse().unwrap()),
        end: Some("2026-06-02".parse().unwrap()),
        country: "BY".into(),
        place: "Minsk".into(),
        description: "Stopped at the border".into(),
        status: "ongoing".parse().unwrap(),
        acts: vec![Act {
            id: "a1".into(),
            act_type: "travel-ban".parse().unwrap(),
            date: Some("2026-05-03".parse().unwrap()),
            place: "Airport".into(),
            victims: vec!["v1".into()],
            consequences: "Missed the session".into(),
        }],
        victims: vec![Party { id: "v1".into(), kind: PartyKind::Person, name: "M.".into(), contact: Some(id) }],
        perpetrators: vec![Perpetrator {
            id: "p1".into(),
            kind: PartyKind::Group,
            perpetrator_type: "state".parse().unwrap(),
            description: "Border service".into(),
        }],
        engagements: vec![Engagement {
            id: "e1".into(),
            mechanism: "upr".parse().unwrap(),
            body: "UPR".into(),
            form: "submission".parse().unwrap(),
            date: Some("2026-01".parse().unwrap()),
        }],
        sources: vec![Source {
            id: "s1".into(),
            kind: "witness".parse().unwrap(),
            description: "A colleague".into(),
            sha256: Some("ab".repeat(32)),
            captured: Some("2026".parse().unwrap()),
        }],
        consent: Consent {
            status: ConsentStatus::Given,
            share_with: vec![ShareScope::UnMechanism, ShareScope::PartnerNgo],
            identification: Identification::InitialsOnly,
            date: Some("2026-05-04".parse().unwrap()),
        },
        interventions: vec![Intervention {
            id: "i1".into(),
            kind: "reprisals-focal-point".parse().unwrap(),
            date: None,
            addressee: "OHCHR".into(),
            outcome: "Raised".into(),
            result: Some("released".parse().unwrap()),
        }],
        follow_up: "in-progress".parse().unwrap(),
        tags: vec!["upr".into()],
        attachments: vec![],
        removed_attachments: vec![],
    }
}

fn full_contact() -> Contact {
    Contact {
        alias: "Dana".into(),
        real_name: Some("D. D.".into()),
        channels: vec![Channel { id: "c1".into(), kind: ChannelKind::InPerson, value: "market".into() }],
        languages: vec!["ar".into()],
        location: "North".into(),
        organisation: "Lawyers".into(),
        skills: vec!["legal".into()],
        needs: vec!["phone".into()],
        risk: RiskLevel::High,
        notes: "n".into(),
        alerts: vec![RecordId::random()],
        checked_by: vec![RecordId::random()],
        tags: vec!["t".into()],
    }
}

/// Core -> mirror -> core must give back the same JSON: a field the mirror lacks would be lost.
fn round_trips(record: &Record) {
    let mirror: ipc::Record = ipc::convert(record).expect("core record fits the IPC mirror");
    let back: Record = ipc::convert(&mirror).expect("IPC mirror fits the core record");
    assert_eq!(serde_json::to_value(record).unwrap(), serde_json::to_value(&back).unwrap());
}

#[test]
fn record_shapes_match_the_core() {
    round_trips(&Record::Note(Note {
        title: "t".into(),
        body: "b".into(),
        tags: vec!["x".into()],
        ..Default::default()
    }));
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let id = RecordId::random();
    let file = |captured| {
        carenet::model::Attachment::new_signed(
            &key,
            &id,
            "photo.jpg",
            "image/jpeg",
            b"jpeg",
            captured,
            1_700_000_000_000,
        )
        .unwrap()
    };
    let with_files =
        Note { title: "t".into(), attachments: vec![file(Some(1_699_000_000_000)), file(None)], ..Default::default() };
    round_trips(&Record::Note(with_files.clone()));
    round_trips(&Record::Reprisal(Box::new(ReprisalRecord { attachments: with_files.attachments, ..full_reprisal() })));
    round_trips(&Record::Contact(full_contact()));
    round_trips(&Record::Contact(Contact { alias: "Lev".into(), ..Default::default() }));
    round_trips(&Record::Reprisal(Box::new(full_reprisal())));
    round_trips(&Record::Reprisal(Box::default()));
    let mut check_in = carenet::model::CheckIn {
        person: "Rosa".into(),
        contact: Some(RecordId::random()),
        every_minutes: 90,
        active: false,
        resumed_ms: Some(1_700_000_000_000),
        watchers: vec![RecordId::random()],
        notes: "call the lawyer".into(),
        tags: vec!["march".into()],
        ..Default::default()
    };
    check_in.push(carenet::model::CheckInStatus::NeedsHelp, "at the station", 1_700_000_000_000).unwrap();
    round_trips(&Record::CheckIn(check_in));
    round_trips(&Record::CheckIn(Default::default()));
}

#[test]
fn empty_reprisal_form_means_the_core_default() {
    let core: ReprisalRecord = ipc::convert(&ipc::Reprisal::default()).unwrap();
    assert_eq!(core, ReprisalRecord::default());
}

#[test]
fn unknown_vocabulary_term_is_an_invalid_input_sentence() {
    let r = ipc::Reprisal { status: "exploded".into(), ..Default::default() };
    let err = ipc::convert::<_, ReprisalRecord>(&r).unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert!(err.message.starts_with("Some field"), "{}", err.message);
}

#[test]
fn core_errors_keep_their_code_across_ipc() {
    let e: ipc::IpcError = carenet::Error::WrongPassphrase.into();
    assert_eq!(e.code, "wrong_passphrase");
    assert_eq!(e.message, carenet::Error::WrongPassphrase.to_string());
}

#[test]
fn only_the_bundled_ui_may_be_shown() {
    let ok = |s: &str| crate::is_bundled_ui(&s.parse().unwrap());
    assert!(ok("tauri://localhost/index.html"));
    assert!(ok("http://tauri.localhost/"));
    assert!(!ok("https://example.org/"));
    assert!(!ok("http://localhost:5173/"));
    assert!(!ok("file:///etc/passwd"));
    assert!(!ok("tauri://evil.example/"));
}

#[test]
fn settings_refuse_unknown_language_and_fall_back_when_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let bad = ipc::Settings { language: "xx".into(), auto_lock_minutes: 5 };
    assert_eq!(crate::settings::save(&path, &bad).unwrap_err().code, "invalid_input");
    assert!(!path.exists(), "a refused setting writes nothing");
    let good = ipc::Settings { language: "ar".into(), auto_lock_minutes: 10 };
    crate::settings::save(&path, &good).unwrap();
    assert_eq!(crate::settings::load(&path), good);
    std::fs::write(&path, b"{not json").unwrap();
    assert_eq!(crate::settings::load(&path), ipc::Settings::default());
}

#[test]
fn every_command_is_allowed_by_the_main_capability_and_nothing_else() {
    let cap: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/main.json")).expect("capability is JSON");
    let mut allowed: Vec<String> =
        cap["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect();
    allowed.sort();
    let build = include_str!("../build.rs");
    let mut commands: Vec<String> = build
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"').and_then(|l| l.strip_suffix("\",")))
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    commands.sort();
    assert_eq!(allowed, commands);
    let conf: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["default-src"], "'none'");
    assert!(!include_str!("../Cargo.toml").contains("tauri-plugin"), "no plugins: no fs, shell or http");
}

#[test]
fn a_sparse_reprisal_from_the_window_takes_the_core_defaults() {
    // Regression: a container `default` that deserialized recursed until the stack overflowed.
    let r: ipc::Record = serde_json::from_str(r#"{"type":"reprisal","title":"Travel ban"}"#).unwrap();
    let core: Record = ipc::convert(&r).unwrap();
    let Record::Reprisal(core) = core else { panic!("not a reprisal") };
    assert_eq!(*core, ReprisalRecord { title: "Travel ban".into(), ..Default::default() });
}

#[test]
fn wipe_empties_the_slot_and_the_folder_whether_unlocked_or_locked() {
    use carenet::{Note, SecretString, Vault, VaultOptions};
    use std::sync::Mutex;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let mut v = Vault::create_with(&dir, &pass, &VaultOptions { work_factor: 10 }).unwrap();
    v.add(&Note { title: "CanaryShellWipe".into(), body: "b".into(), tags: vec![], ..Default::default() }).unwrap();
    let slot = Mutex::new(Some(v));
    crate::commands::wipe_in(&slot, &dir).unwrap();
    assert!(slot.lock().unwrap().is_none(), "the keys left memory with the vault");
    assert!(!dir.exists());
    // Nothing left to wipe: a sentence with the core's code, and nothing changes.
    let err = crate::commands::wipe_in(&slot, &dir).unwrap_err();
    assert_eq!(err.code, "no_vault", "{}", err.message);

    // Locked: the folder is wiped without the passphrase.
    Vault::create_with(&dir, &pass, &VaultOptions { work_factor: 10 }).unwrap().lock().unwrap();
    crate::commands::wipe_in(&slot, &dir).unwrap();
    assert!(!dir.exists());
    assert_eq!(Vault::status(&dir).unwrap(), carenet::LockStatus::NoVault);
}

#[test]
fn check_ins_cross_ipc_and_saving_an_arrangement_keeps_its_check_ins() {
    use carenet::{SecretString, Vault, VaultOptions};
    let tmp = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let mut v = Vault::create_with(&tmp.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).unwrap();
    let ana = v.add(&Contact { alias: "Ana".into(), ..Default::default() }).unwrap().to_string();
    let form =
        ipc::CheckIn { person: "Rosa".into(), every_minutes: 60, watchers: vec![ana.clone()], ..Default::default() };
    let id = v.save_check_in(None, ipc::convert(&form).unwrap()).unwrap().to_string();
    crate::commands::post_check_in(&mut v, &id, ipc::CheckInStatus::Safe, "home").unwrap();

    let now = carenet::vault::now_ms();
    let list = crate::commands::check_in_list(&v, now).unwrap();
    assert_eq!(list.now_ms, now);
    let row = &list.rows[0];
    assert_eq!((row.state, row.person.as_str()), (ipc::CheckInState::Safe, "Rosa"));
    assert_eq!(row.last.as_ref().map(|e| (e.status, e.message.as_str())), Some((ipc::CheckInStatus::Safe, "home")));
    assert_eq!(row.watchers, [ipc::Watcher { id: ana, alias: Some("Ana".into()) }]);
    assert_eq!(crate::commands::check_in_list(&v, now + 61 * 60_000).unwrap().rows[0].state, ipc::CheckInState::Missed);

    // An editor opened before the check-in sends the arrangement back without it: kept anyway.
    let edited = ipc::CheckIn { person: "Rosa R.".into(), every_minutes: 120, ..form };
    v.save_check_in(Some(&id.parse().unwrap()), ipc::convert(&edited).unwrap()).unwrap();
    let stored = v.get::<carenet::model::CheckIn>(&id.parse().unwrap()).unwrap().value;
    assert_eq!((stored.person.as_str(), stored.every_minutes, stored.entries.len()), ("Rosa R.", 120, 1));

    // Bad input: a sentence with a stable code, nothing changed.
    let long = "x".repeat(501);
    let e = crate::commands::post_check_in(&mut v, &id, ipc::CheckInStatus::Safe, &long).unwrap_err();
    assert_eq!(e.code, "invalid_input", "{}", e.message);
    let e = crate::commands::post_check_in(&mut v, "not-an-id", ipc::CheckInStatus::Safe, "").unwrap_err();
    assert_eq!(e.code, "invalid_input", "{}", e.message);
    assert_eq!(v.get::<carenet::model::CheckIn>(&id.parse().unwrap()).unwrap().value, stored);
}

#[test]
fn an_editor_save_keeps_what_changed_elsewhere_and_says_so() {
    use crate::commands::save_in;
    use carenet::{SecretString, Vault, VaultOptions};
    let tmp = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let mut v = Vault::create_with(&tmp.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).unwrap();
    let note = |title: &str, body: &str, tags: &[&str]| {
        ipc::Record::Note(ipc::Note {
            title: title.into(),
            body: body.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            attachments: vec![],
            removed_attachments: vec![],
        })
    };
    let first = save_in(&mut v, None, note("Raid", "line one\nline two\n", &["a"]), None).unwrap();
    assert!(!first.merged);
    let id: RecordId = first.stored.id.parse().unwrap();
    let base = first.stored.record.clone();

    // Meanwhile (another window, a sync): the title and a tag change.
    v.update::<Note>(&id, |n| {
        n.title = "Raid at the office".into();
        n.tags.push("urgent".into());
    })
    .unwrap();

    // The editor opened before that saves its body edit.
    let edited = note("Raid", "line one\nline two, with names withheld\n", &["a"]);
    let saved = save_in(&mut v, Some(id), edited.clone(), Some(base.clone())).unwrap();
    assert!(saved.merged, "the editor must show the record again");
    let ipc::Record::Note(n) = &saved.stored.record else { panic!("{:?}", saved.stored.record) };
    assert_eq!(n.title, "Raid at the office");
    assert_eq!(n.body, "line one\nline two, with names withheld\n");
    assert_eq!(n.tags, ["a", "urgent"]);

    // Saving again over what was returned: nothing else changed, so nothing to show again.
    let again = note("Raid at the office", "line one\nline two, with names withheld\nthree\n", &["a", "urgent"]);
    let saved2 = save_in(&mut v, Some(id), again, Some(saved.stored.record.clone())).unwrap();
    assert!(!saved2.merged);
    assert!(!saved.overwrote && !saved2.overwrote);

    // Without a base the fields are replaced, as before.
    let replaced = save_in(&mut v, Some(id), note("Only", "", &[]), None).unwrap();
    let ipc::Record::Note(n) = &replaced.stored.record else { panic!() };
    assert_eq!((n.title.as_str(), n.tags.len()), ("Only", 0));

    // Bad input changes nothing: a base of another kind, a base for a new record.
    let before = v.get::<Note>(&id).unwrap().value;
    let contact = ipc::Record::Contact(ipc::convert(&Contact { alias: "A".into(), ..Default::default() }).unwrap());
    let e = save_in(&mut v, Some(id), edited.clone(), Some(contact)).unwrap_err();
    assert_eq!(e.code, "invalid_input", "{}", e.message);
    let e = save_in(&mut v, None, edited, Some(base)).unwrap_err();
    assert_eq!(e.code, "invalid_input", "{}", e.message);
    assert_eq!(v.get::<Note>(&id).unwrap().value, before);
    assert_eq!(v.len(), 1);
}

#[test]
fn files_cross_ipc_with_their_signer_and_a_form_save_neither_drops_them_nor_reads_as_merged() {
    use carenet::vault::NewFile;
    use carenet::{SecretString, Vault, VaultOptions};
    let tmp = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let mut v = Vault::create_with(&tmp.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).unwrap();
    let form =
        |body: &str| ipc::Record::Note(ipc::Note { title: "Raid".into(), body: body.into(), ..Default::default() });
    let id = crate::commands::save_in(&mut v, None, form("one"), None).unwrap().stored.id;
    let rid = id.parse().unwrap();
    let file = NewFile { name: "photo.jpg", media_type: "image/jpeg", bytes: b"jpeg bytes", captured_ms: Some(5) };
    v.attach(&rid, &file).unwrap();

    let entries = crate::files::entries(&v, &rid).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert!(e.signature_valid && e.this_device && e.signer_name.is_none());
    assert_eq!((e.file.name.as_str(), e.file.size, e.file.captured_ms), ("photo.jpg", 10, Some(5)));

    // The notes form sends `attachments: []` on both sides: the file stays, and the save does not
    // claim that changes made elsewhere were merged.
    let saved = crate::commands::save_in(&mut v, Some(rid), form("two"), Some(form("one"))).unwrap();
    assert!(!saved.merged && !saved.overwrote, "{saved:?}");
    let ipc::Record::Note(n) = saved.stored.record else { panic!("not a note") };
    assert_eq!((n.body.as_str(), n.attachments.len()), ("two", 1));
    assert_eq!(v.read_attachment(&rid, &e.file.id).unwrap().bytes.as_slice(), b"jpeg bytes");

    // A new record cannot arrive with a file description of its own (its bytes were never attached).
    let forged = ipc::Record::Note(ipc::Note {
        title: "Forged".into(),
        attachments: vec![e.file.clone()],
        ..Default::default()
    });
    let other = crate::commands::save_in(&mut v, None, forged, None).unwrap();
    let ipc::Record::Note(n) = other.stored.record else { panic!("not a note") };
    assert!(n.attachments.is_empty());
}
