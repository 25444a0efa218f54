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

/// What `export_records` does once the dialog has answered: render with the vault, then write.
fn export(
    slot: &crate::tests_spaces::Slot,
    path: &std::path::Path,
    query: carenet::Query,
    format: ExportFormat,
    include_sensitive: bool,
    protection: &carenet::export::Protection,
) -> usize {
    let opts = carenet::export::ExportOptions { format, query, include_sensitive };
    let (bytes, n) = on(slot, |v| carenet::export::render_counted(v, &opts).unwrap());
    carenet::export::write(path, &bytes, protection).unwrap();
    n
}

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
    let n = export(&a, &out, all.clone(), ExportFormat::Json, false, &pass);
    assert_eq!(n, 2);
    assert!(std::fs::read(&out).unwrap().starts_with(b"age-encryption.org/v1\n-> scrypt "));
    assert!(!holds(&out, CANARY), "an encrypted export holds no record text in clear");

    let plain = dir.path().join("export.csv");
    let one = carenet::Query { text: "station".into(), limit: 0, ..Default::default() };
    let readable = carry::protection(Protect::Readable).unwrap();
    assert_eq!(export(&a, &plain, one, ExportFormat::Csv, false, &readable), 1);
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
    // A space's members are a bundle's recipients, not an export's.
    let members = carry::protection(Protect::Members).err().unwrap();
    assert_eq!(members.code, "invalid_input");
    let key = on(&a, |v| v.age_recipient());
    let to_key = dir.path().join("to-key.json.age");
    let rec = carry::protection(Protect::Recipients { recipients: vec![format!(" {key} ")] }).unwrap();
    export(&a, &to_key, all.clone(), ExportFormat::Json, true, &rec);
    assert!(std::fs::read(&to_key).unwrap().starts_with(b"age-encryption.org/v1\n-> X25519 "));
    assert!(!holds(&to_key, CANARY));
}

/// A space that `a` coordinates and `b` joined as a member, by `b`'s card.
fn space_with_member(a: &crate::tests_spaces::Slot, b: &crate::tests_spaces::Slot) -> String {
    let space = on(a, |v| v.create_space("Lawyers").unwrap().to_string());
    let card = on(b, |v| spaces::card(v, "Bea").unwrap());
    let invite = on(a, |v| spaces::invite(v, &space, &card.card.text, Role::Member).unwrap());
    on(b, |v| v.join(&invite.text).unwrap());
    space
}

#[test]
fn a_bundle_carries_a_space_to_a_member_and_a_wrong_passphrase_imports_nothing() {
    let ((dir, a), (_db, b)) = (vault(), vault());
    let space = space_with_member(&a, &b);
    let id = on(&a, |v| {
        let id = v.add(&Note { title: CANARY.into(), body: "for the space".into(), ..Default::default() }).unwrap();
        v.share(&spaces::space_id(&space).unwrap(), &id, false).unwrap();
        v.attach(&id, &NewFile { name: "scan.txt", media_type: "text/plain", bytes: b"the scan", captured_ms: None })
            .unwrap();
        v.wait_for_writes().unwrap();
        id
    });
    let out = dir.path().join("bundle.age");
    let lock = carenet::bundle::BundleLock::Passphrase(SecretString::from("stick passphrase seven".to_owned()));
    let sid = spaces::space_id(&space).unwrap();
    let items = on(&a, |v| carry::bundle_items(v, sid).unwrap());
    let n = carry::write_bundle(sid, &items, &lock, &out).unwrap();
    assert!(n >= 3, "the space's membership, the note and its file's part: {n}");
    assert!(!holds(&out, CANARY));

    let wrong = SecretString::from("not the passphrase".to_owned());
    let e = on(&b, |v| carry::import(v, &carry::read_bundle_file(&out).unwrap(), Some(&wrong)).err().unwrap());
    assert_eq!(e.code, "bundle_wrong_passphrase");
    let e = on(&b, |v| carry::import(v, &carry::read_bundle_file(&out).unwrap(), None).err().unwrap());
    assert_eq!(e.code, "bundle_needs_passphrase");
    assert!(on(&b, |v| v.record(&id).is_err()), "nothing was imported");

    let right = SecretString::from("stick passphrase seven".to_owned());
    let got = on(&b, |v| carry::import(v, &carry::read_bundle_file(&out).unwrap(), Some(&right)).unwrap());
    assert!(got.new_items >= 2 && got.changed_records >= 1, "{got:?}");
    let file = on(&b, |v| {
        let rec = v.record(&id).unwrap().value;
        let f = rec.attachments()[0].id.clone();
        v.read_attachment(&id, &f).unwrap().bytes.to_vec()
    });
    assert_eq!(file, b"the scan");
    let again = on(&b, |v| carry::import(v, &carry::read_bundle_file(&out).unwrap(), Some(&right)).unwrap());
    assert_eq!(again.new_items, 0, "an import is idempotent: {again:?}");

    // A file that is not a bundle, and one cut short: a sentence, nothing imported.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a bundle at all").unwrap();
    assert!(on(&b, |v| carry::import(v, &carry::read_bundle_file(&junk).unwrap(), None)).is_err());
    let cut = dir.path().join("cut.age");
    let bytes = std::fs::read(&out).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = on(&b, |v| carry::import(v, &carry::read_bundle_file(&cut).unwrap(), Some(&right)).err().unwrap());
    assert!(e.code.starts_with("bundle_"), "{}", e.code);
    assert_eq!(carry::read_bundle_file(&dir.path().join("missing")).err().unwrap().code, "io");
    assert_eq!(carry::read_bundle_file(dir.path()).err().unwrap().code, "bundle_damaged", "a folder is not a bundle");
}

/// The import command decrypts a passphrase bundle before it takes the vault (scrypt is the slow
/// part, and a lock or a panic wipe must not wait for it); for one made for the members' keys it
/// takes the vault only to unwrap the file key, and reads the body after. Here, in the command's
/// steps: the passphrase bundle opens, and the members' bundle's body is read, while the vault's
/// mutex is held by someone else. (That the command itself takes these steps in this order is
/// read in `import_bundle`, not tested: it needs the file dialog, which the end-to-end run drives.)
#[test]
fn a_passphrase_bundle_is_decrypted_without_the_vault_and_a_members_bundle_with_it() {
    let ((dir, a), (_db, b)) = (vault(), vault());
    let space = space_with_member(&a, &b);
    let sid = spaces::space_id(&space).unwrap();
    let id = on(&a, |v| {
        let id = v.add(&Note { title: CANARY.into(), body: "for the space".into(), ..Default::default() }).unwrap();
        v.share(&sid, &id, false).unwrap();
        v.wait_for_writes().unwrap();
        id
    });
    let items = on(&a, |v| carry::bundle_items(v, sid).unwrap());
    let by_pass = dir.path().join("pass.age");
    let pass = SecretString::from("stick passphrase seven".to_owned());
    carry::write_bundle(sid, &items, &carenet::bundle::BundleLock::Passphrase(pass.clone()), &by_pass).unwrap();
    let for_members = dir.path().join("members.age");
    let members = on(&a, |v| v.space_recipients(&sid).unwrap());
    carry::write_bundle(sid, &items, &carenet::bundle::BundleLock::Recipients(members), &for_members).unwrap();

    let opened = {
        let _held = b.lock().unwrap();
        let wrong = SecretString::from("not the passphrase".to_owned());
        let e = carry::open_without_vault(carry::read_bundle_file(&by_pass).unwrap(), Some(&wrong)).err().unwrap();
        assert_eq!(e.code, "bundle_wrong_passphrase");
        let e = carry::open_without_vault(carry::read_bundle_file(&by_pass).unwrap(), None).err().unwrap();
        assert_eq!(e.code, "bundle_needs_passphrase");
        let ready = carry::open_without_vault(carry::read_bundle_file(&by_pass).unwrap(), Some(&pass)).unwrap();
        assert!(matches!(ready, carry::Opened::Ready(_)), "decrypted with the vault's mutex held elsewhere");
        let later = carry::open_without_vault(carry::read_bundle_file(&for_members).unwrap(), Some(&pass)).unwrap();
        assert!(matches!(later, carry::Opened::ForThisDevice(_)), "a members' bundle needs the vault's key");
        [ready, later]
    };
    assert!(on(&b, |v| v.record(&id).is_err()), "opening imported nothing");
    let [ready, later] = opened;
    let (carry::Opened::Ready(ready), carry::Opened::ForThisDevice(later)) = (ready, later) else { unreachable!() };
    let wrong_kind = on(&b, |v| v.unwrap_bundle(carry::read_bundle_file(&by_pass).unwrap()).err().unwrap());
    assert_eq!(crate::ipc::IpcError::from(wrong_kind).code, "bundle_needs_passphrase");
    // The members' bundle: the vault unwraps its key, its body is read with the vault held elsewhere.
    let sealed = on(&b, |v| v.unwrap_bundle(later).unwrap());
    let later = {
        let _held = b.lock().unwrap();
        sealed.read().unwrap()
    };
    let got = on(&b, |v| carry::import_opened(v, ready).unwrap());
    assert!(got.new_items >= 1 && got.changed_records == 1, "{got:?}");
    assert_eq!(on(&b, |v| v.get::<Note>(&id).unwrap().value.title), CANARY);
    let again = on(&b, |v| carry::import_opened(v, later).unwrap());
    assert_eq!((again.new_items, again.already_here as usize), (0, items.len()), "the same items: {again:?}");
}

#[test]
fn a_place_inside_the_vault_folder_is_refused_and_suggested_names_are_safe() {
    let (dir, _a) = vault();
    let vault_dir = dir.path().join("vault");
    let e = carry::outside_vault(&vault_dir, &vault_dir.join("keyring.age")).err().unwrap();
    assert_eq!(e.code, "inside_vault_folder");
    assert!(carry::outside_vault(&vault_dir, &dir.path().join("export.age")).is_ok());
    // Reached through a link to the vault's folder: still the vault's folder.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&vault_dir, &link).unwrap();
    assert_eq!(carry::outside_vault(&vault_dir, &link.join("vault.db")).err().unwrap().code, "inside_vault_folder");
    // A name that hides its extension behind a right-to-left override loses the override.
    assert_eq!(carry::plain_name("photo\u{202E}gpj.exe"), "photogpj.exe");
    assert_eq!(carry::plain_name("../../etc/passwd"), "_.._etc_passwd");
    // Three-byte characters, so the cut (150 bytes less the extension) falls inside one.
    let long = format!("{}.pdf", "中".repeat(100));
    let cut = carry::plain_name(&long);
    assert!(cut.len() <= 150 && cut.len() > 140 && cut.ends_with(".pdf"), "{} bytes: {cut}", cut.len());
    assert_eq!(carry::plain_name("report\u{061C}\u{200B}.txt"), "report.txt");
    assert!(carry::plain_name("...").starts_with("carenet-file-"));
}

#[test]
fn an_export_with_files_holds_each_file_and_stops_when_the_vault_locks_midway() {
    let (dir, a) = vault();
    let photo = b"CarryFileCanary Pn52: evidence bytes".to_vec();
    on(&a, |v| {
        let id = v.add(&Note { title: CANARY.into(), body: "with a photo".into(), ..Default::default() }).unwrap();
        v.attach(&id, &NewFile { name: "photo.png", media_type: "image/png", bytes: &photo, captured_ms: None })
            .unwrap();
        v.add(&Note { title: "No file".into(), body: "x".into(), ..Default::default() }).unwrap();
    });
    let identity = age::x25519::Identity::generate();
    let rec = carenet::export::Protection::Recipients(vec![identity.to_public()]);
    let opts = carenet::export::ExportOptions {
        format: ExportFormat::Json,
        query: carenet::Query { limit: 0, ..Default::default() },
        include_sensitive: false,
    };
    let out = dir.path().join("case.tar.age");
    let done = carry::write_archive(&a, &opts, &out, &rec).unwrap();
    assert_eq!((done.count, done.files, done.missing_files, done.encrypted), (2, 1, 0, true));
    assert!(!holds(&out, CANARY) && !holds(&out, "CarryFileCanary"), "nothing readable in the archive");
    let bytes = std::fs::read(&out).unwrap();
    let mut tar_bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut age::Decryptor::new_buffered(&bytes[..])
            .unwrap()
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .unwrap(),
        &mut tar_bytes,
    )
    .unwrap();
    let mut names = Vec::new();
    let mut found = None;
    for e in tar::Archive::new(&tar_bytes[..]).entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        if name.ends_with("-photo.png") {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut b).unwrap();
            found = Some(b);
        }
        names.push(name);
    }
    assert_eq!(found.as_deref(), Some(&photo[..]), "{names:?}");
    assert!(
        names.contains(&"case/records.json".to_owned()) && names.contains(&"case/files.json".to_owned()),
        "{names:?}"
    );

    // Locked while the export runs (after its first file, with a second to go): it stops, and
    // no file (nor a temporary one) is left.
    on(&a, |v| {
        let id = v.add(&Note { title: "Second".into(), body: "x".into(), ..Default::default() }).unwrap();
        v.attach(&id, &NewFile { name: "two.png", media_type: "image/png", bytes: b"two", captured_ms: None }).unwrap();
    });
    let midway = dir.path().join("midway.tar.age");
    let mut lock_now = || *a.lock().unwrap() = None;
    let err = carry::write_archive_with(&a, &opts, &midway, &rec, &mut lock_now).unwrap_err();
    assert_eq!(err.code, "vault_locked");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().contains("midway")), "{left:?}");
    // Locked before: refused at once.
    let later = dir.path().join("later.tar.age");
    assert_eq!(carry::write_archive(&a, &opts, &later, &rec).unwrap_err().code, "vault_locked");
    assert!(!later.exists());
}
