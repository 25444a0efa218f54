//! Sync through the real `carenet` binary on loopback, as users would script it: three vaults
//! (A, B and a courier) in one temp folder; `sync --listen` in a background process prints its
//! ticket, the others run `sync --peer TICKET`; the courier also runs as `carenet serve`. Listeners are killed (as a user would stop
//! them), which also shows a vault survives being stopped while serving.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

mod util;
use util::{last_line, success_stdout};

const PASS: &str = "a long enough test passphrase";

fn cmd(dir: &Path, vault: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carenet"));
    c.arg("--vault").arg(dir.join(vault)).args(args).env("CARENET_PASSPHRASE", PASS).env_remove("CARENET_VAULT");
    c
}

fn run(dir: &Path, vault: &str, args: &[&str]) -> Output {
    cmd(dir, vault, args).output().expect("run carenet")
}

fn ok(dir: &Path, vault: &str, args: &[&str]) -> String {
    success_stdout(run(dir, vault, args), args)
}

fn json(dir: &Path, vault: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&last_line(&ok(dir, vault, &a))).expect("json output")
}

/// Starts `sync --listen` and returns the process and the ticket it printed alone on a line.
fn listen(dir: &Path, vault: &str) -> (Child, String) {
    let mut child = cmd(dir, vault, &["sync", "--listen", "--for", "120", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn listener");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("ticket line");
    assert!(line.starts_with("carenet-sync1:"), "ticket: {line}");
    (child, line.trim().to_owned())
}

/// Starts the headless courier (`carenet serve --config`) on the courier's vault.
fn serve(dir: &Path) -> (Child, String) {
    let pass = dir.join("courier-pass");
    std::fs::write(&pass, PASS).unwrap();
    let config = dir.join("serve.json");
    let body = serde_json::json!({ "vault": dir.join("courier"), "passphrase_file": pass, "bind": "127.0.0.1:0" });
    std::fs::write(&config, body.to_string()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carenet"))
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--for", "120"])
        .env_remove("CARENET_PASSPHRASE")
        .env("CARENET_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("ticket line");
    assert!(line.starts_with("carenet-sync1:"), "ticket: {line}");
    (child, line.trim().to_owned())
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn titles(dir: &Path, vault: &str) -> Vec<String> {
    let list = json(dir, vault, &["note", "list"]);
    list.as_array().expect("list").iter().map(|n| n["title"].as_str().unwrap_or_default().to_owned()).collect()
}

fn files_contain(dir: &Path, needle: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            files_contain(&p, needle)
        } else {
            std::fs::read(&p).map(|b| b.windows(needle.len()).any(|w| w == needle)).unwrap_or(false)
        }
    })
}

#[test]
fn three_carenet_processes_sync_by_ticket_and_through_a_courier() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for v in ["a", "b", "courier"] {
        ok(d, v, &["init"]);
    }
    let space = last_line(&ok(d, "a", &["space", "create", "Minsk network"]));
    let card_b = last_line(&ok(d, "b", &["id", "--name", "Bea"]));
    let invite = last_line(&ok(d, "a", &["space", "invite", &space, "--member", &card_b]));
    ok(d, "b", &["space", "join", &invite]);
    let card_k = last_line(&ok(d, "courier", &["id", "--name", "Box"]));
    let invite = last_line(&ok(d, "a", &["space", "invite", &space, "--member", &card_k, "--role", "courier"]));
    ok(d, "courier", &["space", "join", &invite]);

    // A listens; B syncs by ticket and can read A's note; B's note reaches A the same way.
    ok(d, "a", &["note", "add", "--title", "Checkpoint canary 51aa", "--body", "river road", "--space", &space]);
    let (a_listening, ticket) = listen(d, "a");
    let summary = json(d, "b", &["sync", "--peer", &ticket]);
    assert!(summary["received_items"].as_u64().unwrap() >= 1, "{summary}");
    assert!(titles(d, "b").contains(&"Checkpoint canary 51aa".to_owned()));
    ok(d, "b", &["note", "add", "--title", "Reply from B", "--space", &space]);
    ok(d, "b", &["sync", "--peer", &ticket]);
    stop(a_listening);
    assert!(titles(d, "a").contains(&"Reply from B".to_owned()));

    // A -> courier, then courier -> B: A and B are never running at the same time.
    ok(d, "a", &["note", "add", "--title", "Courier canary 7f3c", "--space", &space]);
    let (k, ticket_k) = serve(d);
    ok(d, "a", &["sync", "--peer", &ticket_k]);
    stop(k);
    let (k, ticket_k) = listen(d, "courier");
    ok(d, "b", &["sync", "--peer", &ticket_k]);
    stop(k);
    assert!(titles(d, "b").contains(&"Courier canary 7f3c".to_owned()));
    assert!(!files_contain(&d.join("courier"), b"Courier canary 7f3c"), "the courier holds no plaintext");
    let status = json(d, "courier", &["sync", "status"]);
    assert!(status[0]["items"].as_u64().unwrap() > 0, "{status}");

    // A bad ticket is a clear error, not a crash.
    let out = run(d, "b", &["sync", "--peer", "carenet-sync1:nonsense", "--json"]);
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(last_line(&String::from_utf8_lossy(&out.stderr)).as_bytes()).unwrap();
    assert_eq!(err["error"]["code"], "sync_ticket");
}

#[test]
fn travel_mode_stows_a_space_after_a_sync_and_a_sync_brings_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for v in ["a", "b"] {
        ok(d, v, &["init"]);
    }
    let space = last_line(&ok(d, "a", &["space", "create", "Trip network"]));
    let card_b = last_line(&ok(d, "b", &["id", "--name", "Bea"]));
    let invite = last_line(&ok(d, "a", &["space", "invite", &space, "--member", &card_b]));
    ok(d, "b", &["space", "join", &invite]);
    ok(d, "a", &["note", "add", "--title", "Travel canary 0c9e", "--space", &space]);
    ok(d, "a", &["note", "add", "--title", "Kept at home"]);

    // Refused without --yes, and before any sync (a typed error, nothing removed).
    assert!(!run(d, "a", &["space", "stow", &space]).status.success());
    let out = run(d, "a", &["space", "stow", &space, "--yes", "--json"]);
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(last_line(&String::from_utf8_lossy(&out.stderr)).as_bytes()).unwrap();
    assert_eq!(err["error"]["code"], "not_held_elsewhere");
    assert!(ok(d, "a", &["space", "travel", &space]).starts_with("Not yet"));
    assert!(titles(d, "a").contains(&"Travel canary 0c9e".to_owned()));

    // B syncs with A's listener; once that sync returned, A may stow (the listener kept the
    // confirmation before it answered, so killing it right away loses nothing).
    let (a_listening, ticket_a) = listen(d, "a");
    ok(d, "b", &["sync", "--peer", &ticket_a]);
    stop(a_listening);
    let status = json(d, "a", &["space", "travel", &space]);
    assert_eq!(status["can_stow"], true, "{status}");
    let stowed = ok(d, "a", &["space", "stow", &space, "--yes"]);
    assert!(stowed.starts_with("Stowed: 1 record removed"), "{stowed}");
    assert!(stowed.contains("Not covered"), "the limits are printed: {stowed}");
    assert_eq!(titles(d, "a"), vec!["Kept at home".to_owned()]);
    assert!(ok(d, "a", &["space", "list"]).contains("(stowed)"));

    // Brought back: the next sync restores it.
    ok(d, "a", &["space", "bring-back", &space]);
    let (b_listening, ticket_b) = listen(d, "b");
    ok(d, "a", &["sync", "--peer", &ticket_b]);
    stop(b_listening);
    assert!(titles(d, "a").contains(&"Travel canary 0c9e".to_owned()));
    let status = json(d, "a", &["space", "travel", &space]);
    assert!(status.get("stowed").is_none(), "{status}");
}
