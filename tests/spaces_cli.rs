//! Spaces and USB bundles through the real `carenet` binary, as users would script them: three
//! vaults (a coordinator, a member, a courier) in one temp folder; every call pays the real
//! scrypt cost. Byte-by-byte damage of bundles is tested on the library (`bundles_*` below),
//! where thousands of attempts stay cheap.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use carenet::bundle::{self, BundleLock};
use carenet::space::Role;
use carenet::{Error, Note};
use serde_json::Value;
use util::*;

const PASS: &str = "a long enough test passphrase";

fn run(dir: &Path, vault: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carenet"))
        .arg("--vault")
        .arg(dir.join(vault))
        .args(args)
        .env("CARENET_PASSPHRASE", PASS)
        .env("CARENET_BUNDLE_PASSPHRASE", "bundle passphrase of several words")
        .env_remove("CARENET_VAULT")
        .output()
        .expect("run carenet")
}

fn ok(dir: &Path, vault: &str, args: &[&str]) -> String {
    success_stdout(run(dir, vault, args), args)
}

fn json(dir: &Path, vault: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(dir, vault, &a)).expect("json output")
}

#[test]
fn spaces_and_bundles_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for v in ["a", "b", "courier"] {
        ok(d, v, &["init"]);
    }
    let space = last_line(&ok(d, "a", &["space", "create", "Minsk network"]));
    assert_eq!(space.len(), 32);
    let card_b = last_line(&ok(d, "b", &["id", "--name", "Bea"]));
    assert!(card_b.starts_with("carenet-card1:"));
    // The chosen name is kept: a later `id` without --name gives the same card.
    assert_eq!(last_line(&ok(d, "b", &["id"])), card_b);
    let qr = ok(d, "b", &["id", "--qr"]);
    assert!(qr.contains('█') || qr.contains('▀'), "a QR code is drawn");
    let ticket = last_line(&ok(d, "a", &["space", "invite", &space[..8], "--member", &card_b]));
    assert!(ticket.starts_with("carenet-invite1:"));
    assert_eq!(last_line(&ok(d, "b", &["space", "join", &ticket])), space);
    let card_c = json(d, "courier", &["id", "--name", "Box"]);
    let courier_ticket = last_line(&ok(
        d,
        "a",
        &["space", "invite", "Minsk network", "--member", card_c["card"].as_str().unwrap(), "--role", "courier"],
    ));
    ok(d, "courier", &["space", "join", &courier_ticket]);

    let list = json(d, "a", &["space", "list"]);
    assert_eq!(list[0]["name"], "Minsk network");
    assert_eq!(list[0]["members"], 3);
    let members = json(d, "b", &["space", "members", &space]);
    assert_eq!(members.as_array().unwrap().len(), 2, "B's log knows A and B so far");
    // A chose no name before creating the space: B sees its device. Once A chooses one, the
    // name travels with the space's items (in the bundles below), sealed.
    let coordinator = members.as_array().unwrap().iter().find(|m| m["role"] == "coordinator").unwrap()["device"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = ok(d, "b", &["space", "members", &space]);
    assert!(shown.contains(&format!("Device {}", &coordinator[..8])), "{shown}");
    let anna = "Anna of the river 5c1";
    assert_eq!(json(d, "a", &["id", "--name", anna])["spaces_named"], 1);

    let canary = "bundle canary 4d2e";
    let note = last_line(&ok(d, "a", &["note", "add", "--title", canary, "--body", "river road", "--space", &space]));
    let personal = last_line(&ok(d, "a", &["note", "add", "--title", "Personal only"]));

    // A -> courier (passphrase bundle) -> B (bundle to B's recipient).
    let bundle1 = d.join("one.bundle");
    ok(d, "a", &["bundle", "export", "--space", &space, "--out", bundle1.to_str().unwrap()]);
    let stanzas = age_stanzas(&std::fs::read(&bundle1).unwrap());
    assert_eq!(stanzas.len(), 1, "a passphrase bundle has one stanza");
    assert_eq!(stanzas[0][0], "scrypt");
    let first = json(d, "courier", &["bundle", "import", bundle1.to_str().unwrap()]);
    assert_eq!(first["applied"], 0);
    assert!(first["carried"].as_u64().unwrap() >= 1);
    let again = json(d, "courier", &["bundle", "import", bundle1.to_str().unwrap()]);
    assert_eq!(again["duplicates"], again["received"], "importing twice changes nothing");
    assert_nowhere(&d.join("courier"), canary, "courier vault");
    assert_nowhere(&d.join("courier"), anna, "courier vault");
    // A bundle to the space's members: one X25519 stanza per member (A, B and the courier), opened
    // by a member with its own key and no passphrase.
    let to_members = d.join("members.bundle");
    ok(d, "a", &["bundle", "export", "--space", &space, "--out", to_members.to_str().unwrap(), "--to-members"]);
    let stanzas = age_stanzas(&std::fs::read(&to_members).unwrap());
    // (age may add a "grease" stanza of random type that every reader skips.)
    assert_eq!(stanzas.iter().filter(|s| s[0] == "X25519").count(), 3, "{stanzas:?}");
    assert!(!stanzas.iter().any(|s| s[0] == "scrypt"), "{stanzas:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_carenet"))
        .arg("--vault")
        .arg(d.join("courier"))
        .args(["bundle", "import", to_members.to_str().unwrap()])
        .env("CARENET_PASSPHRASE", PASS)
        .env_remove("CARENET_BUNDLE_PASSPHRASE")
        .env_remove("CARENET_VAULT")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a member imports without a bundle passphrase: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        run(d, "a", &["bundle", "export", "--space", &space, "--out", "x", "--to-members", "--recipient", "age1x"]);
    assert!(!out.status.success(), "--to-members and --recipient together are refused");

    let have = d.join("b-has.txt");
    std::fs::write(&have, ok(d, "b", &["bundle", "have", "--space", &space])).unwrap();
    let bundle2 = d.join("two.bundle");
    let recipient = json(d, "b", &["id"])["recipient"].as_str().unwrap().to_owned();
    ok(
        d,
        "courier",
        &[
            "bundle",
            "export",
            "--space",
            &space,
            "--out",
            bundle2.to_str().unwrap(),
            "--recipient",
            &recipient,
            "--have",
            have.to_str().unwrap(),
        ],
    );
    let imported = json(d, "b", &["bundle", "import", bundle2.to_str().unwrap()]);
    assert_eq!(imported["duplicates"], 0, "--have left out what B holds");
    assert_eq!(imported["changed_records"][0], note.as_str());
    let shown = json(d, "b", &["note", "show", &note]);
    assert_eq!(shown["title"], canary);
    let named = json(d, "b", &["space", "members", &space]);
    assert!(
        named.as_array().unwrap().iter().any(|m| m["device"] == coordinator.as_str() && m["name"] == anna),
        "{named}"
    );
    let out = run(d, "b", &["note", "show", &personal]);
    assert!(!out.status.success(), "a personal record never travels");

    // A cut bundle is refused with a clear sentence and changes nothing.
    let bytes = std::fs::read(&bundle2).unwrap();
    let cut: PathBuf = d.join("cut.bundle");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let before = json(d, "b", &["bundle", "have", "--space", &space]);
    let out = run(d, "b", &["bundle", "import", cut.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut short") || err.contains("damaged"), "unclear error: {err}");
    assert_eq!(json(d, "b", &["bundle", "have", "--space", &space]), before);

    // Removal through the CLI starts a new epoch.
    let b_device = members.as_array().unwrap().iter().find(|m| m["this_device"] == true).unwrap()["device"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(d, "a", &["space", "remove", &space, &b_device[..8]]);
    assert_eq!(json(d, "a", &["space", "list"])[0]["epoch"], 1);

    // Deleting a shared record goes to the space, and says what it cannot reach (B has not
    // learnt of its removal yet, so it still deletes for the space: others accept that tombstone
    // under the epoch B held, as they would an edit); a personal record's delete says nothing of
    // the kind. The local-only case (a device that knows it was removed) is in tests/tombstones.rs.
    for who in ["b", "a"] {
        let out = run(d, who, &["note", "rm", &note]);
        assert!(out.status.success(), "rm: {}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("deleted for the space") && err.contains("already read, exported"), "no warning: {err}");
        assert!(!err.contains("on this device only"), "wrong warning: {err}");
    }
    let out = run(d, "a", &["note", "rm", &personal]);
    assert!(out.status.success(), "rm: {}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("on this device only") && !err.contains("for the space"),
        "warning for a personal record: {err}"
    );
}

/// A small real bundle from a member, and a fresh vault of the same space to import it into.
fn small_bundle() -> (TestDir, carenet::Vault, TestDir, carenet::Vault, carenet::model::SpaceId, Vec<u8>) {
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let space = a.create_space("S").unwrap();
    b.join(&a.invite(&space, &b.member_card("B").unwrap().0, Role::Member).unwrap()).unwrap();
    a.add_to_space(&space, &Note { title: "t".into(), body: "b".into(), tags: vec![], ..Default::default() }).unwrap();
    let items = a.items(space, &a.item_ids(space).unwrap()).unwrap();
    let recipient: age::x25519::Recipient = b.member_card("B").unwrap().0.recipient.parse().unwrap();
    let file = bundle::write(space, &items, &BundleLock::Recipients(vec![recipient])).unwrap();
    (da, a, db, b, space, file)
}

fn import(v: &mut carenet::Vault, file: &[u8]) -> Result<carenet::vault::IngestReport, Error> {
    let b = v.open_bundle(file, None)?;
    v.ingest(b.space, b.items)
}

#[test]
fn bundles_cut_at_any_byte_are_refused_and_apply_nothing() {
    let (_da, _a, _db, mut b, space, file) = small_bundle();
    let before = b.item_ids(space).unwrap();
    for cut in 0..file.len() {
        let e = import(&mut b, &file[..cut]).expect_err("a cut bundle was accepted");
        assert!(matches!(e, Error::Bundle(_)), "cut at {cut}: {e:?}");
    }
    // age cannot tell a cut inside the encrypted body from an altered byte: both messages say so.
    for cut in [10, file.len() / 2, file.len() - 1] {
        let e = import(&mut b, &file[..cut]).unwrap_err();
        assert!(e.to_string().contains("cut short"), "cut at {cut}: {e}");
    }
    assert_eq!(b.item_ids(space).unwrap(), before, "nothing was applied");
    assert!(b.is_empty());
    let r = import(&mut b, &file).unwrap();
    assert_eq!(r.changed_records.len(), 1);
}

#[test]
fn bundles_with_any_byte_flipped_are_refused_and_apply_nothing() {
    let (_da, _a, _db, mut b, space, file) = small_bundle();
    let before = b.item_ids(space).unwrap();
    for i in 0..file.len() {
        let mut f = file.clone();
        f[i] ^= 0x01;
        assert!(import(&mut b, &f).is_err(), "flip at {i} accepted");
    }
    assert_eq!(b.item_ids(space).unwrap(), before);
    assert!(b.is_empty());
    assert_eq!(import(&mut b, &file).unwrap().changed_records.len(), 1);
    let twice = import(&mut b, &file).unwrap();
    assert_eq!(twice.duplicates, twice.received);
    assert!(twice.changed_records.is_empty());
}
