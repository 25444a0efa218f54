//! kill -9 during writes: a child process (`examples/crash_writer.rs`) writes to a vault and
//! acknowledges each write on stdout once the vault returned from it; the test kills it at a
//! random moment, then unlocks the vault and checks that every acknowledged write is there, that
//! nothing half-written or unexpected appeared, and that SQLite finds the file sound.
//!
//! `CARENET_CRASH_CYCLES` sets the number of kills per test (default 200).

#![cfg(unix)]

mod util;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use carenet::{LockStatus, Note, RecordId, Vault};
use rand::Rng;
use util::*;

/// Kills per test unless `CARENET_CRASH_CYCLES` says otherwise.
const DEFAULT_CYCLES: usize = 200;
/// Acknowledgements to wait for before the random delay starts (the child is then mid-loop).
const FIRST_ACKS: usize = 3;
/// Longest random delay between those acknowledgements and the kill.
const MAX_KILL_DELAY_MS: u64 = 150;
/// Kills survived by one vault before the next cycle starts a fresh one (keeps unlock cheap).
const CYCLES_PER_VAULT: usize = 5;

fn cycles() -> usize {
    match std::env::var("CARENET_CRASH_CYCLES") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("CARENET_CRASH_CYCLES={s:?} is not a number")),
        Err(_) => DEFAULT_CYCLES,
    }
}

/// Held while this process has a vault open, and while it starts a child.
///
/// A child starts as a copy of this process, with a copy of every open file, until it replaces
/// itself with crash_writer (which closes them all). If the other test of this file spawned its
/// child while this one held its vault open, the copy would keep the vault's lock alive for a
/// moment after `lock()`, and the next crash_writer would find the vault busy.
static OPEN_OR_SPAWN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn guard() -> std::sync::MutexGuard<'static, ()> {
    OPEN_OR_SPAWN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The crash_writer example, built for the same profile and target folder as this test.
///
/// `cargo test` builds examples, but `cargo test --test crash` and filtered nextest runs do not,
/// and a binary left from an earlier build would test old code: so build it (a no-op when fresh).
fn crash_writer() -> &'static Path {
    static WRITER: OnceLock<PathBuf> = OnceLock::new();
    WRITER.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/crash-<hash>
        let deps = exe.parent().expect("the test binary is in target/<profile>/deps");
        let profile_dir = deps.parent().expect("deps is in target/<profile>");
        let target_dir = profile_dir.parent().expect("<profile> is in the target folder");
        let bin = profile_dir.join("examples").join(format!("crash_writer{}", std::env::consts::EXE_SUFFIX));
        let cargo = env!("CARGO");
        if Path::new(cargo).exists() {
            let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") => "dev".to_owned(),
                Some(other) => other.to_owned(),
                None => panic!("cannot tell the build profile from {}", profile_dir.display()),
            };
            let out = Command::new(cargo)
                .args(["build", "--quiet", "--example", "crash_writer", "--profile", &profile, "--manifest-path"])
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
                .arg("--target-dir")
                .arg(target_dir)
                .output()
                .expect("run cargo to build the crash_writer example");
            assert!(
                out.status.success(),
                "building the crash_writer example failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(bin.exists(), "{} is missing: run `cargo build --examples` first", bin.display());
        bin
    })
}

/// One acknowledged write.
#[derive(Debug)]
enum Ack {
    Add { id: RecordId, name: String },
    Update { id: RecordId, seq: u64 },
}

fn parse_ack(line: &str) -> Ack {
    let words: Vec<&str> = line.trim_end_matches('\n').split(' ').collect();
    let id = |s: &str| s.parse::<RecordId>().unwrap_or_else(|e| panic!("bad id in ack {line:?}: {e}"));
    match words.as_slice() {
        ["add", i, name] => Ack::Add { id: id(i), name: name.to_string() },
        ["update", i, seq] => {
            Ack::Update { id: id(i), seq: seq.parse().unwrap_or_else(|_| panic!("bad sequence in ack {line:?}")) }
        }
        _ => panic!("unexpected line from crash_writer: {line:?}"),
    }
}

/// Runs crash_writer on `dir`, kills it with SIGKILL a random moment after its first few
/// acknowledgements, and returns every write it acknowledged.
fn write_until_killed(dir: &Path, mode: &str) -> Vec<Ack> {
    let writer = crash_writer();
    let spawning = guard();
    let mut child = Command::new(writer)
        .arg(dir)
        .arg(mode)
        .env("CARENET_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start crash_writer");
    drop(spawning);
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut lines = Vec::new();
    for _ in 0..FIRST_ACKS {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).expect("read from crash_writer");
        if n == 0 || !line.ends_with('\n') {
            let status = child.wait().expect("wait for crash_writer");
            let mut err = String::new();
            child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("crash_writer stopped before writing ({status}): {err}");
        }
        lines.push(line);
    }
    {
        let _checking = guard();
        let status = Vault::status(dir).expect("status of the vault being written");
        assert_eq!(status, LockStatus::OpenElsewhere, "crash_writer holds the vault");
    }
    // Everything it prints from now on is read on another thread, up to the kill.
    let reader = std::thread::spawn(move || {
        let mut rest = Vec::new();
        loop {
            let mut line = String::new();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                // A line cut short was never fully acknowledged.
                Ok(_) if line.ends_with('\n') => rest.push(line),
                Ok(_) => break,
            }
        }
        rest
    });
    let delay = rand::thread_rng().gen_range(0..=MAX_KILL_DELAY_MS);
    std::thread::sleep(Duration::from_millis(delay));
    child.kill().expect("send SIGKILL to crash_writer");
    let status = child.wait().expect("reap crash_writer");
    if status.signal() != Some(9) {
        let mut err = String::new();
        child.stderr.take().map(|mut e| e.read_to_string(&mut err));
        panic!("crash_writer ended by itself before the kill ({status}): {err}");
    }
    lines.extend(reader.join().expect("the reader thread"));
    lines.iter().map(|l| parse_ack(l)).collect()
}

/// What the test knows must be in the vault: each note's name and the latest acknowledged (or
/// since observed) update number.
#[derive(Default)]
struct Expected {
    notes: HashMap<RecordId, (String, u64)>,
}

impl Expected {
    fn apply(&mut self, acks: &[Ack]) {
        for ack in acks {
            match ack {
                Ack::Add { id, name } => {
                    let old = self.notes.insert(*id, (name.clone(), 0));
                    assert!(old.is_none(), "id {id} acknowledged twice as new");
                }
                Ack::Update { id, seq } => {
                    let entry = self.notes.get_mut(id).unwrap_or_else(|| panic!("update of unknown note {id}"));
                    assert!(*seq > entry.1, "update {seq} of {id} acknowledged after {}", entry.1);
                    entry.1 = *seq;
                }
            }
        }
    }
}

fn split_title(title: &str) -> (&str, u64) {
    let (name, seq) = title.rsplit_once(" #").unwrap_or_else(|| panic!("unexpected title {title:?}"));
    (name, seq.parse().unwrap_or_else(|_| panic!("unexpected title {title:?}")))
}

fn body_after(seq: u64) -> String {
    (1..=seq).map(|k| format!("edit {k}\n")).collect()
}

/// Unlocks after a kill and checks the vault against what was acknowledged. A write that was in
/// flight at the kill may have landed (at most one per kill); it then joins what is expected.
/// Returns how many acknowledged edits the kill left in the journal (unlock applies them).
fn check_after_kill(dir: &Path, expected: &mut Expected, cycle: usize) -> i64 {
    let _open = guard();
    let left = pending_journal_entries(dir);
    // What a power cut adds to a kill: the entry being written torn. Unlock must drop it (it was
    // never acknowledged) and still apply every entry before it.
    if cycle.is_multiple_of(2) {
        append_torn_journal_entry(dir, None);
    }
    let vault = Vault::unlock(dir, &passphrase())
        .unwrap_or_else(|e| panic!("kill {cycle}: unlock after the kill failed: {e} ({})", e.code()));
    assert!(vault.damaged().is_empty(), "kill {cycle}: damaged records {:?}", vault.damaged());
    if let Err(e) = vault.integrity_check() {
        panic!("kill {cycle}: integrity check failed: {e}");
    }

    let mut landed_unacknowledged = 0;
    for (id, (name, acked)) in expected.notes.iter_mut() {
        let note = vault
            .get::<Note>(id)
            .unwrap_or_else(|e| panic!("kill {cycle}: acknowledged note {id} is missing: {e}"))
            .value;
        let (stored_name, stored_seq) = split_title(&note.title);
        assert_eq!(stored_name, name, "kill {cycle}: note {id} has another name");
        assert!(stored_seq >= *acked, "kill {cycle}: note {id} lost acknowledged update {acked} (has {stored_seq})");
        assert!(stored_seq <= *acked + 1, "kill {cycle}: note {id} is at {stored_seq}, acknowledged {acked}");
        assert_eq!(note.body, body_after(stored_seq), "kill {cycle}: note {id} body does not match its title");
        if stored_seq > *acked {
            landed_unacknowledged += 1;
            *acked = stored_seq;
        }
    }
    for s in vault.list(&Default::default()) {
        if let Entry::Vacant(slot) = expected.notes.entry(s.id) {
            let note = vault.get::<Note>(&s.id).expect("read an unacknowledged note").value;
            let (name, seq) = split_title(&note.title);
            assert_eq!((seq, note.body.as_str()), (0, ""), "kill {cycle}: unexpected note {:?}", note.title);
            slot.insert((name.to_owned(), 0));
            landed_unacknowledged += 1;
        }
    }
    assert!(landed_unacknowledged <= 1, "kill {cycle}: {landed_unacknowledged} unacknowledged writes landed");
    assert_eq!(vault.len(), expected.notes.len(), "kill {cycle}");
    lock(vault);
    assert_eq!(pending_journal_entries(dir), 0, "kill {cycle}: every journal entry was applied by unlock and lock");
    left
}

fn kill_repeatedly(mode: &str, cycles: usize) {
    assert!(cycles > 0);
    let mut current: Option<(TestDir, Expected)> = None;
    let mut acknowledged = 0;
    let (mut kills_with_journal, mut journal_left) = (0, 0);
    for cycle in 0..cycles {
        if cycle % CYCLES_PER_VAULT == 0 {
            let _open = guard();
            let (dir, vault) = new_vault();
            lock(vault);
            current = Some((dir, Expected::default()));
        }
        let (dir, expected) = current.as_mut().expect("a vault for this cycle");
        let acks = write_until_killed(dir.path(), mode);
        acknowledged += acks.len();
        expected.apply(&acks);
        let left = check_after_kill(dir.path(), expected, cycle);
        journal_left += left;
        kills_with_journal += usize::from(left > 0);
    }
    assert!(acknowledged >= cycles * FIRST_ACKS);
    eprintln!("{mode}: {kills_with_journal} of {cycles} kills left edits in the journal ({journal_left} in all), applied at unlock");
    // A save is acknowledged before its document is updated, so some kills must land in between;
    // if none did, the path that applies the journal at unlock was not tested.
    if cycles >= 50 {
        assert!(kills_with_journal > 0, "{mode}: no kill left an edit in the journal");
    }
}

#[test]
fn kill_during_write_loses_no_acknowledged_record() {
    kill_repeatedly("add", cycles());
}

#[test]
fn kill_during_updates_loses_no_acknowledged_edit() {
    kill_repeatedly("add-update", cycles());
}
