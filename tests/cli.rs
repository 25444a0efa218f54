//! The `carenet` binary end to end, in a temp folder, as a user would script it. Every call pays
//! the real scrypt cost (2^18), as users do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PASS: &str = "a long enough test passphrase";

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Cli { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("vault")
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write file");
        p
    }

    fn run_with(&self, args: &[&str], pass: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carenet"));
        cmd.arg("--vault").arg(self.vault()).args(args).env_remove("CARENET_PASSPHRASE").env_remove("CARENET_VAULT");
        if let Some(p) = pass {
            cmd.env("CARENET_PASSPHRASE", p);
        }
        cmd.output().expect("run carenet")
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run_with(args, Some(PASS));
        assert!(out.status.success(), "carenet {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects failure; returns stderr.
    fn fails(&self, args: &[&str], pass: Option<&str>) -> String {
        let out = self.run_with(args, pass);
        assert!(!out.status.success(), "carenet {args:?} should have failed");
        assert_eq!(out.status.code(), Some(1), "errors exit with 1 (2 is for usage)");
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).expect("valid JSON output")
    }

    /// `add` prints the id alone on its last line.
    fn add(&self, args: &[&str]) -> String {
        let out = self.ok(args);
        let last = out.lines().last().expect("some output").to_owned();
        assert_eq!(last.len(), 32, "last line is the id: {out:?}");
        assert!(last.bytes().all(|b| b.is_ascii_hexdigit()));
        last
    }
}

fn vault_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("read vault dir")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let b = std::fs::read(&p).unwrap_or_default();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn scripted_session_adds_lists_edits_searches_and_removes() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    assert_eq!(cli.json(&["lock-status"])["status"], "locked");

    let note =
        cli.add(&["note", "add", "--title", "Checkpoint north", "--body", "Use the river road", "--tag", "security"]);
    let anna = cli.add(&["contact", "add", "--alias", "Anna", "--real-name", "Anna Real", "--channel", "signal:+1555"]);
    let boris = cli.add(&["contact", "add", "--alias", "Boris", "--alerts", &anna[..8]]);
    let carl = cli.add(&["contact", "add", "--alias", "Carl"]);
    cli.ok(&["contact", "edit", &anna, "--alerts", &carl]);
    let rep = cli.add(&[
        "reprisal",
        "add",
        "--title",
        "Arrest after UPR",
        "--date",
        "2026-05-01",
        "--country",
        "BY",
        "--type",
        "arbitrary-arrest",
    ]);

    let notes = cli.json(&["note", "list"]);
    assert_eq!(notes.as_array().map(Vec::len), Some(1));
    assert_eq!(notes[0]["id"], note.as_str());
    assert_eq!(notes[0]["title"], "Checkpoint north");

    let shown = cli.json(&["reprisal", "show", &rep[..6]]);
    assert_eq!(shown["country"], "BY");
    assert_eq!(shown["start"], "2026-05-01");
    assert_eq!(shown["acts"][0]["act_type"], "arbitrary-arrest");

    // The real name is hidden unless asked for.
    assert!(!cli.ok(&["contact", "show", &anna]).contains("Anna Real"));
    assert!(cli.ok(&["contact", "show", &anna, "--reveal"]).contains("Anna Real"));

    let tree = cli.json(&["contact", "tree", &boris]);
    assert_eq!(tree[0]["alias"], "Boris");
    assert_eq!(tree[0]["children"][0]["alias"], "Anna");
    assert_eq!(tree[0]["children"][0]["children"][0]["alias"], "Carl");
    let err = cli.fails(&["contact", "edit", &carl, "--alerts", &boris], Some(PASS));
    assert!(err.contains("loop"), "{err}");

    cli.ok(&["note", "edit", &note, "--title", "Checkpoint north road", "--remove-tag", "security", "--tag", "roads"]);
    let shown = cli.json(&["note", "show", &note, "--history"]);
    assert_eq!(shown["title"], "Checkpoint north road");
    assert_eq!(shown["tags"], serde_json::json!(["roads"]));
    assert_eq!(shown["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(shown["history"][1]["fields"], serde_json::json!(["tags", "title"]));

    let hits = cli.json(&["search", "RIVER"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(1));
    assert_eq!(hits[0]["id"], note.as_str());
    let hits = cli.json(&["search", "arrest", "--type", "reprisal", "--from", "2026-05"]);
    assert_eq!(hits[0]["id"], rep.as_str());
    assert!(cli.json(&["search", "arrest", "--to", "2026-04"]).as_array().is_some_and(Vec::is_empty));

    cli.ok(&["note", "rm", &note]);
    assert!(cli.json(&["note", "list"]).as_array().is_some_and(Vec::is_empty));
    let err = cli.fails(&["note", "show", &note], Some(PASS));
    assert!(err.contains("No record matches"), "{err}");
}

#[test]
fn exports_are_encrypted_unless_plaintext_is_asked() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    cli.add(&["contact", "add", "--alias", "Dana", "--real-name", "Dana Secretname"]);
    cli.add(&["reprisal", "add", "--title", "Smear campaign", "--country", "EG", "--type", "smear-campaign"]);

    let pass_file = cli.file("export-pass", "partner passphrase 2026\n");
    let out = cli.dir.path().join("export.csv.age");
    cli.ok(&[
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--export-passphrase-file",
        pass_file.to_str().unwrap(),
    ]);
    let sealed = std::fs::read(&out).expect("export written");
    assert!(sealed.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    assert!(!String::from_utf8_lossy(&sealed).contains("Smear"));
    let identity = age::scrypt::Identity::new(carenet::SecretString::from("partner passphrase 2026".to_owned()));
    let csv = String::from_utf8(age::decrypt(&identity, &sealed).expect("decrypts with the passphrase")).unwrap();
    assert!(csv.starts_with("id,type,title,date,country"));
    assert!(csv.contains("Smear campaign"));
    assert!(!csv.contains("Secretname"), "real names stay out unless --include-sensitive");

    let plain = cli.dir.path().join("export.json");
    let o = cli.run_with(
        &["export", "--format", "json", "--out", plain.to_str().unwrap(), "--plaintext", "--include-sensitive"],
        Some(PASS),
    );
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not encrypted"), "the user is warned");
    let records: Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).expect("JSON export");
    assert_eq!(records.as_array().map(Vec::len), Some(2));
    assert!(records.as_array().unwrap().iter().any(|r| r["real_name"] == "Dana Secretname"));

    // A bare file name lands in the current folder, and the command says it succeeded (its
    // folder, "", used to fail the final sync after the file was written).
    let o = Command::new(env!("CARGO_BIN_EXE_carenet"))
        .current_dir(cli.dir.path())
        .arg("--vault")
        .arg(cli.vault())
        .args(["export", "--format", "json", "--out", "bare.json.age"])
        .args(["--export-passphrase-file", pass_file.to_str().unwrap()])
        .env("CARENET_PASSPHRASE", PASS)
        .output()
        .expect("run carenet");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(cli.dir.path().join("bare.json.age")).unwrap().starts_with(b"age-encryption.org/v1\n"));
}

#[test]
fn wrong_passphrase_and_bad_input_fail_clearly_and_change_nothing() {
    let cli = Cli::new();
    let err = cli.fails(&["note", "list"], Some(PASS));
    assert!(err.contains("No vault was found"), "{err}");

    cli.ok(&["init"]);
    let err = cli.fails(&["init"], Some(PASS));
    assert!(err.contains("already exists"), "{err}");
    cli.add(&["note", "add", "--title", "kept"]);
    let before = vault_files(&cli.vault());

    let err = cli.fails(&["note", "add", "--title", "x"], Some("not the passphrase"));
    assert!(err.contains("Wrong passphrase"), "{err}");
    let err = cli.fails(&["reprisal", "add", "--title", "t", "--date", "2026-02-30"], Some(PASS));
    assert!(err.contains("is not a date"), "{err}");
    let err = cli.fails(&["reprisal", "add", "--title", "t", "--type", "jaywalking"], Some(PASS));
    assert!(err.contains("arbitrary-arrest"), "the message lists the valid act types: {err}");
    let err = cli.fails(&["contact", "add", "--alias", "  "], Some(PASS));
    assert!(err.contains("needs an alias"), "{err}");
    let err = cli.fails(&["note", "show", "zz"], Some(PASS));
    assert!(err.contains("No record matches"), "{err}");
    let out = cli.run_with(&["note", "show", "0000", "--json"], Some(PASS));
    let e: Value = serde_json::from_slice(&out.stderr).expect("JSON error on stderr");
    assert_eq!(e["error"]["code"], "not_found");

    assert_eq!(vault_files(&cli.vault()), before, "failed commands changed no file");
    assert_eq!(cli.json(&["note", "list"]).as_array().map(Vec::len), Some(1));
}

#[test]
fn passphrase_change_from_files() {
    let cli = Cli::new();
    let old = cli.file("old", "first passphrase here\n");
    let new = cli.file("new", "second passphrase here\n");
    let o = cli.run_with(&["--passphrase-file", old.to_str().unwrap(), "init"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli.run_with(
        &[
            "--passphrase-file",
            old.to_str().unwrap(),
            "passphrase",
            "change",
            "--new-passphrase-file",
            new.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = cli.fails(&["--passphrase-file", old.to_str().unwrap(), "note", "list"], None);
    assert!(err.contains("Wrong passphrase"));
    let o = cli.run_with(&["--passphrase-file", new.to_str().unwrap(), "note", "list"], None);
    assert!(o.status.success());
    // Without any source and without a terminal, the user is told how to give one.
    let err = cli.fails(&["note", "list"], None);
    assert!(err.contains("--passphrase-file"), "{err}");
}

#[test]
fn wipe_needs_yes_then_destroys_the_vault_without_the_passphrase() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    cli.add(&["note", "add", "--title", "CanaryCliWipe", "--body", "b"]);
    let err = cli.fails(&["wipe"], None);
    assert!(err.contains("--yes"), "{err}");
    assert!(cli.vault().join("keyring.age").exists(), "a wipe without --yes changes nothing");
    let out = cli.run_with(&["wipe", "--yes", "--json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["key_files"], 2, "{report}");
    assert_eq!(report["folder_removed"], true, "{report}");
    assert!(!cli.vault().exists());
    let err = cli.fails(&["note", "list"], Some(PASS));
    assert!(err.contains("No vault"), "{err}");
    let err = cli.fails(&["wipe", "--yes"], None);
    assert!(err.contains("No vault"), "{err}");
}

#[test]
fn passphrase_guard_wipes_after_the_chosen_number_of_wrong_passphrases() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let set = cli.json(&["passphrase", "guard", "--wipe-after", "3"]);
    assert_eq!(set["wipe_after"], "3", "{set}");
    let status = cli.json(&["lock-status"]);
    assert_eq!(status["wipe_after"], 3, "{status}");
    let err = cli.fails(&["passphrase", "guard", "--wipe-after", "1"], Some(PASS));
    assert!(err.contains("3 to 99"), "{err}");
    for _ in 0..2 {
        let err = cli.fails(&["note", "list"], Some("wrong passphrase here"));
        assert!(err.contains("Wrong passphrase"), "{err}");
    }
    let err = cli.fails(&["note", "list"], Some("wrong passphrase here"));
    assert!(err.contains("wiped itself"), "{err}");
    assert!(!cli.vault().exists());
}

#[test]
fn check_ins_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let ana = cli.add(&["contact", "add", "--alias", "Ana"]);
    let rosa = cli.add(&["contact", "add", "--alias", "Rosa"]);
    // The person's alias comes from their contact when --person is not given.
    let id = cli.add(&["checkin", "add", "--contact", &rosa, "--every", "4h", "--watcher", &ana[..8]]);
    let list = cli.json(&["checkin", "list"]);
    let row = &list["check_ins"][0];
    assert_eq!((row["person"].as_str(), row["state"].as_str()), (Some("Rosa"), Some("waiting")), "{list}");
    assert_eq!(row["every_minutes"], 240);
    assert_eq!(row["watchers"][0]["alias"], "Ana");
    assert!(cli.json(&["checkin", "list", "--due"])["check_ins"].as_array().is_some_and(Vec::is_empty));

    let out = cli.ok(&["checkin", "now", &id[..6], "--status", "needs-help", "--message", "stopped at the border"]);
    assert!(out.contains("needs-help"), "{out}");
    let due = cli.json(&["checkin", "list", "--due"]);
    assert_eq!(due["check_ins"][0]["state"], "needs-help", "{due}");
    assert_eq!(due["check_ins"][0]["last"]["message"], "stopped at the border");
    // The human listing says how far it reaches.
    let out = cli.run_with(&["checkin", "list"], Some(PASS));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("NEEDS HELP") && stdout.contains("Rosa"), "{stdout}");
    assert!(stderr.contains("sends no message"), "{stderr}");

    // Bad input: a sentence, exit 1, nothing changed.
    let before = vault_files(&cli.vault());
    let err = cli.fails(&["checkin", "now", &id, "--status", "fine"], Some(PASS));
    assert!(err.contains("safe, needs-help or no-news"), "{err}");
    let err = cli.fails(&["checkin", "edit", &id, "--every", "2min"], Some(PASS));
    assert!(err.contains("interval"), "{err}");
    let err = cli.fails(&["checkin", "now", &ana, "--status", "safe"], Some(PASS));
    assert!(err.contains("checkin"), "{err}");
    assert_eq!(vault_files(&cli.vault()), before, "refused commands leave every file as it was");

    cli.ok(&["checkin", "edit", &id, "--pause", "--every", "1day"]);
    let row = &cli.json(&["checkin", "list"])["check_ins"][0];
    assert_eq!((row["state"].as_str(), row["every_minutes"].as_u64()), (Some("paused"), Some(1440)));
    assert_eq!(cli.json(&["search", "border", "--type", "checkin"])[0]["id"], id.as_str());
    cli.ok(&["checkin", "rm", &id]);
    assert!(cli.json(&["checkin", "list"])["check_ins"].as_array().is_some_and(Vec::is_empty));
}
