//! Exports, copies of files and USB bundles without a window: real vault files, the functions the
//! `#[tauri::command]` adapters in carry.rs call once the file dialog has answered with a path.
//! (The dialog itself is GTK's; the end-to-end run drives it in the real window.)

use carenet::export::ExportFormat;
use carenet::vault::NewFile;
use carenet::{Note, SecretString};

use crate::carry::{self, Protect};
use crate::ipc_spaces::Role;
use crate::spaces;
use crate::tests_spaces::{on, vault};

fn holds(path: &std::path::Path, canary: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(canary.len()).any(|w| w == canary.as_bytes())
}

const CANARY: &str = "CarryCanary Wq47";

#[test]
fn an_export_is_encrypted_unless_asked_and_bad_protection_writes_nothing() {
    let (dir, a) = vault();
    on(&a, |v| {
        v.add(&Note { title: CANARY.into(), body: "held at the station".into(), ..Default::default() }).unwrap();
        v.add(&Note { title: "Other".into(), body: "x".into(), ..Default::default() }).unwrap();
    });
    let all = carenet::Query { limit: 0, ..Default::default() };
    let out = dir.path().join("export.json.age");
    let pass = carry::protection(Protect::Passphrase { passphrase: "a long enough passphrase".into() }).unwrap();
    let n = on(&a, |v| carry::write_export(v, &out, all.clone(), ExportFormat::Json, false, &pass).unwrap());
    assert_eq!(n, 2);
    assert!(std::fs::read(&out).unwrap().starts_with(b"age-encryption.org/v1\n-> scrypt "));
    assert!(!holds(&out, CANARY), "an encrypted export holds no record text in clear");

    let plain = dir.path().join("export.csv");
    let one = carenet::Query { text: "station".into(), limit: 0, ..Default::default() };
    let readable = carry::protection(Protect::Readable).unwrap();
    assert_eq!(on(&a, |v| carry::write_export(v, &plain, one, ExportFormat::Csv, false, &readable).unwrap()), 1);
    assert!(holds(&plain, CANARY), "a readable export was asked for");

    // Refused before any dialog opens: nothing to write, so no file.
    let weak = carry::protection(Protect::Passphrase { passphrase: "short".into() }).err().unwrap();
    assert_eq!(weak.code, "weak_passphrase");
    let none = carry::protection(Protect::Recipients { recipients: vec!["  ".into()] }).err().unwrap();
    assert_eq!(none.code, "invalid_input");
    let bad = carry::protection(Protect::Recipients { recipients: vec!["age1notakey".into()] }).err().unwrap();
    assert_eq!(bad.code, "invalid_input");
    assert!(bad.message.contains("age1notakey"), "{}", bad.message);
    let many = carry::protection(Protect::Recipients { recipients: vec!["age1x".into(); 21] }).err().unwrap();
    assert_eq!(many.code, "invalid_input");
    let key = on(&a, |v| v.age_recipient());
    let to_key = dir.path().join("to-key.json.age");
    let rec = carry::protection(Protect::Recipients { recipients: vec![format!(" {key} ")] }).unwrap();
    on(&a, |v| carry::write_export(v, &to_key, all.clone(), ExportFormat::Json, true, &rec).unwrap());
    assert!(std::fs::read(&to_key).unwrap().starts_with(b"age-encryption.org/v1\n-> X25519 "));
    assert!(!holds(&to_key, CANARY));
}

#[test]
fn a_bundle_carries_a_space_to_a_member_and_a_wrong_passphrase_imports_nothing() {
    let ((dir, a), (_db, b)) = (vault(), vault());
    let space = on(&a, |v| v.create_space("Lawyers").unwrap().to_string());
    let card = on(&b, |v| spaces::card(v, "Bea").unwrap());
    let invite = on(&a, |v| spaces::invite(v, &space, &card.card.text, Role::Member).unwrap());
    on(&b, |v| v.join(&invite.text).unwrap());
    let id = on(&a, |v| {
        let id = v.add(&Note { title: CANARY.into(), body: "for the space".into(), ..Default::default() }).unwrap();
        v.share(&spaces::space_id(&space).unwrap(), &id, false).unwrap();
        v.attach(&id, &NewFile { name: "scan.txt", media_type: "text/plain", bytes: b"the scan", captured_ms: None })
            .unwrap();
        v.wait_for_writes().unwrap();
        id
    });
    let out = dir.path().join("bundle.age");
    let lock = || carry::protection(Protect::Passphrase { passphrase: "stick passphrase seven".into() }).unwrap();
    let carenet::export::Protection::Passphrase(p) = lock() else { unreachable!() };
    let n = on(&a, |v| carry::write_bundle(v, &space, &carenet::bundle::BundleLock::Passphrase(p), &out).unwrap());
    assert!(n >= 3, "the space's membership, the note and its file's part: {n}");
    assert!(!holds(&out, CANARY));

    let wrong = SecretString::from("not the passphrase".to_owned());
    let e = on(&b, |v| carry::read_bundle(v, &out, Some(&wrong)).err().unwrap());
    assert_eq!(e.code, "bundle_wrong_passphrase");
    let e = on(&b, |v| carry::read_bundle(v, &out, None).err().unwrap());
    assert_eq!(e.code, "bundle_needs_passphrase");
    assert!(on(&b, |v| v.record(&id).is_err()), "nothing was imported");

    let right = SecretString::from("stick passphrase seven".to_owned());
    let got = on(&b, |v| carry::read_bundle(v, &out, Some(&right)).unwrap());
    assert!(got.new_items >= 2 && got.changed_records >= 1, "{got:?}");
    let file = on(&b, |v| {
        let rec = v.record(&id).unwrap().value;
        let f = rec.attachments()[0].id.clone();
        v.read_attachment(&id, &f).unwrap().bytes.to_vec()
    });
    assert_eq!(file, b"the scan");
    let again = on(&b, |v| carry::read_bundle(v, &out, Some(&right)).unwrap());
    assert_eq!(again.new_items, 0, "an import is idempotent: {again:?}");

    // A file that is not a bundle, and one cut short: a sentence, nothing imported.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a bundle at all").unwrap();
    assert!(on(&b, |v| carry::read_bundle(v, &junk, None)).is_err());
    let cut = dir.path().join("cut.age");
    let bytes = std::fs::read(&out).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = on(&b, |v| carry::read_bundle(v, &cut, Some(&right)).err().unwrap());
    assert!(e.code.starts_with("bundle_"), "{}", e.code);
    let e = on(&b, |v| carry::read_bundle(v, &dir.path().join("missing"), None).err().unwrap());
    assert_eq!(e.code, "io");
}
