//! `carenet file` end to end, in a temp folder, as a user would script it: attach, list, write
//! out (encrypted by default, in clear only when asked), remove; bad input exits 1 with a
//! sentence and changes nothing.

use std::process::{Command, Output};

mod util;
use util::{find_bytes, last_line, random_hex, success_stdout};

const PASS: &str = "a long enough test passphrase";
const EXPORT_PASS: &str = "another long export passphrase";

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carenet"))
        .arg("--vault")
        .arg(dir.join("vault"))
        .args(args)
        .env("CARENET_PASSPHRASE", PASS)
        .env("CARENET_EXPORT_PASSPHRASE", EXPORT_PASS)
        .env_remove("CARENET_VAULT")
        .output()
        .expect("run carenet")
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    success_stdout(run(dir, args), args)
}

fn fails(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert_eq!(out.status.code(), Some(1), "carenet {args:?} should fail with 1");
    String::from_utf8(out.stderr).expect("utf-8")
}

#[test]
fn attach_list_get_and_remove_a_file_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["init"]);
    let record = last_line(&ok(
        dir,
        &[
            "reprisal",
            "add",
            "--title",
            "Detention",
            "--date",
            "2026-05-01",
            "--country",
            "BY",
            "--type",
            "arbitrary-arrest",
        ],
    ));
    let canary = format!("EVIDENCECANARY{}", random_hex(6));
    let mut content = vec![0u8; 300_000];
    content[1000..1000 + canary.len()].copy_from_slice(canary.as_bytes());
    let src = dir.join("photo.jpg");
    std::fs::write(&src, &content).unwrap();

    let out = ok(dir, &["file", "add", &record, src.to_str().unwrap(), "--captured", "2026-05-01T09:30"]);
    let file_id = last_line(&out);
    assert_eq!(file_id.len(), 32, "the id alone on the last line: {out}");

    let list: serde_json::Value =
        serde_json::from_str(&ok(dir, &["file", "list", &record, "--json"])).expect("JSON listing");
    let a = &list[0];
    assert_eq!(a["name"], "photo.jpg");
    assert_eq!(a["media_type"], "image/jpeg", "guessed from the extension");
    assert_eq!(a["size"], 300_000);
    assert_eq!(a["captured_ms"], 1_777_627_800_000_i64);
    assert_eq!(a["signer"]["valid"], true);
    assert_eq!(a["signer"]["this_device"], true);
    let text = ok(dir, &["file", "list", &record]);
    assert!(text.contains("signed by this device") && text.contains(a["sha256"].as_str().unwrap()), "{text}");

    // Written out in clear only when asked, and byte for byte.
    let clear = dir.join("out.jpg");
    ok(dir, &["file", "get", &record, &file_id[..8], "--out", clear.to_str().unwrap(), "--plaintext"]);
    assert!(std::fs::read(&clear).unwrap() == content);
    // By default age-encrypted to a passphrase.
    let sealed = dir.join("out.jpg.age");
    ok(dir, &["file", "get", &record, &file_id, "--out", sealed.to_str().unwrap()]);
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(find_bytes(&bytes, canary.as_bytes()).is_none(), "not in clear");
    let id = age::scrypt::Identity::new(age::secrecy::SecretString::from(EXPORT_PASS.to_owned()));
    assert!(age::decrypt(&id, &bytes).unwrap() == content);

    // An export with the files: one encrypted tar archive holding the record and the file.
    let archive = dir.join("case.tar.age");
    let said = ok(dir, &["export", "--format", "json", "--with-files", "--out", archive.to_str().unwrap()]);
    assert!(said.contains("1 record and 1 file"), "{said}");
    let bytes = std::fs::read(&archive).unwrap();
    assert!(find_bytes(&bytes, canary.as_bytes()).is_none(), "not in clear");
    let tar_bytes = age::decrypt(&id, &bytes).unwrap();
    let mut found = Vec::new();
    for e in tar::Archive::new(&tar_bytes[..]).entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut b).unwrap();
        found.push((name, b));
    }
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"case/records.json") && names.contains(&"case/files.json"), "{names:?}");
    assert!(found.iter().any(|(n, b)| n.ends_with("-photo.jpg") && *b == content), "{names:?}");

    // Bad input: a sentence, exit 1, nothing written or changed.
    let e = fails(dir, &["file", "get", &record, &file_id, "--out", clear.to_str().unwrap(), "--plaintext"]);
    assert!(e.contains("already exists"), "{e}");
    let e = fails(dir, &["file", "add", &record, dir.join("missing.jpg").to_str().unwrap()]);
    assert!(e.contains("missing.jpg"), "{e}");
    let e = fails(dir, &["file", "add", &record, src.to_str().unwrap(), "--captured", "yesterday"]);
    assert!(e.contains("capture time"), "{e}");
    let e = fails(dir, &["file", "rm", &record, "ffff"]);
    assert!(e.contains("no attached file"), "{e}");
    let contact = last_line(&ok(dir, &["contact", "add", "--alias", "Ana"]));
    let e = fails(dir, &["file", "add", &contact, src.to_str().unwrap()]);
    assert!(e.contains("notes and reprisal records"), "{e}");

    ok(dir, &["file", "rm", &record, &file_id]);
    assert_eq!(ok(dir, &["file", "list", &record]).trim(), "No files.");
    for f in std::fs::read_dir(dir.join("vault")).unwrap() {
        let b = std::fs::read(f.unwrap().path()).unwrap();
        assert!(find_bytes(&b, canary.as_bytes()).is_none());
    }
}
