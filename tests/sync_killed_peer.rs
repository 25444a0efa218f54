//! A peer killed in the middle of a sync loses nothing, and the next sync completes.
//!
//! Real `carenet` processes on loopback, real vault files in temporary folders: A runs
//! `sync --listen`, B runs `sync --peer TICKET`, and at a random moment (once connected, after a
//! random number of stored batches, plus a random delay) the test SIGKILLs one of them. Several
//! cycles, each with new notes written on both sides first (CARENET_KILL_CYCLES sets how many;
//! default 4). After every kill, on both vault files:
//! - SQLite's `PRAGMA integrity_check` says ok;
//! - every item held before the sync is still held (the vault's own notes among them), and at
//!   least as many new items are held as the processes had reported stored ("received N item(s)"
//!   on stderr, printed only after the batch was committed);
//! - the vault unlocks and its own integrity check passes.
//!
//! Then a sync runs to its end, and both vaults hold the same items and read identical notes.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use carenet::model::{RecordId, SpaceId};
use carenet::space::Role;
use carenet::{Note, Vault};
use rand::{Rng, SeedableRng};
use util::*;

/// Notes written on each side before the first cycle, and before each later one.
const FIRST_NOTES: usize = 150;
const MORE_NOTES: usize = 60;
/// Body size of each note: up to a MiB moves each way per cycle (one or two stored batches,
/// each a progress line), while few records have to be written and applied.
const BODY_BYTES: usize = 6000;

fn carenet(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carenet"));
    c.arg("--vault").arg(dir).args(args).env("CARENET_PASSPHRASE", PASSPHRASE).env_remove("CARENET_VAULT");
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Forwards every stderr line of a process to `tx`, tagged with `who`.
fn forward_stderr(child: &mut Child, who: usize, tx: mpsc::Sender<(usize, String)>) -> std::thread::JoinHandle<()> {
    let err = child.stderr.take().expect("stderr is piped");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send((who, line)).is_err() {
                return;
            }
        }
    })
}

/// Items reported stored in a progress line ("carenet: received N item(s); ...").
fn reported(line: &str) -> u64 {
    line.strip_prefix("carenet: received ").and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn notes(v: &Vault, space: SpaceId) -> BTreeMap<RecordId, Note> {
    v.all()
        .filter(|r| v.space_of(&r.id) == Some(space))
        .map(|r| (r.id, v.get::<Note>(&r.id).expect("read a note").value))
        .collect()
}

fn write_notes(dir: &Path, space: SpaceId, n: usize, rng: &mut impl Rng, tag: &str) {
    let mut v = unlock(dir);
    for i in 0..n {
        let body: String = (0..BODY_BYTES).map(|_| char::from(b'a' + rng.gen_range(0..26u8))).collect();
        v.add_to_space(&space, &Note { title: format!("{tag} {i}"), body, tags: vec![], ..Default::default() })
            .expect("add a note");
    }
    lock(v);
}

/// What a vault holds, read from its files while no process has it open.
struct Held {
    items: BTreeSet<[u8; 32]>,
    notes: BTreeMap<RecordId, Note>,
}

fn held(dir: &Path, space: SpaceId, context: &str) -> Held {
    let conn = open_db(dir);
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "{context}: SQLite integrity_check on {}", dir.display());
    close_db(conn);
    let v = unlock(dir);
    v.integrity_check().unwrap_or_else(|e| panic!("{context}: vault integrity check: {e}"));
    assert!(v.damaged().is_empty(), "{context}: damaged records after the kill");
    let out = Held { items: v.item_ids(space).expect("item ids").into_iter().collect(), notes: notes(&v, space) };
    lock(v);
    out
}

/// Starts `sync --listen` on `dir` and returns it with the ticket it printed.
fn listen(dir: &Path) -> (Child, String) {
    let mut child = carenet(dir, &["sync", "--listen", "--for", "300", "--bind", "127.0.0.1:0"])
        .spawn()
        .expect("spawn the listener");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the ticket line");
    assert!(line.starts_with("carenet-sync1:"), "ticket: {line:?}");
    (child, line.trim().to_owned())
}

/// Waits for a process to end by itself; kills it if it has not within `limit`.
fn wait_or_kill(child: &mut Child, limit: Duration) {
    let start = std::time::Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop_gently(child: &mut Child) {
    // SIGINT: `sync --listen` stops serving and locks its vault, as on Ctrl-C.
    // The shell's own `kill` (a builtin: no procps needed).
    let _ = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status();
    wait_or_kill(child, Duration::from_secs(30));
}

#[test]
fn a_peer_killed_mid_sync_loses_nothing_and_the_next_sync_completes() {
    let cycles: usize = std::env::var("CARENET_KILL_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let seed: u64 = std::env::var("CARENET_KILL_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (dir_a, mut a) = new_vault();
    let (dir_b, mut b) = new_vault();
    let space = a.create_space("Killed peer").expect("create a space");
    let card = b.member_card("B").expect("card").0;
    b.join(&a.invite(&space, &card, Role::Member).expect("invite")).expect("join");
    lock(a);
    lock(b);
    let (pa, pb) = (dir_a.path(), dir_b.path());
    write_notes(pa, space, FIRST_NOTES, &mut rng, "A0");
    write_notes(pb, space, FIRST_NOTES, &mut rng, "B0");

    let mut killed_mid_sync = 0;
    for cycle in 0..cycles {
        let context = format!("seed {seed}, cycle {cycle}");
        if cycle > 0 {
            write_notes(pa, space, MORE_NOTES, &mut rng, &format!("A{cycle}"));
            write_notes(pb, space, MORE_NOTES, &mut rng, &format!("B{cycle}"));
        }
        let before = [held(pa, space, &context), held(pb, space, &context)];

        let (tx, rx) = mpsc::channel();
        let (mut listener, ticket) = listen(pa);
        let t_a = forward_stderr(&mut listener, 0, tx.clone());
        let mut peer = carenet(pb, &["sync", "--peer", &ticket]).spawn().expect("spawn the peer");
        let t_b = forward_stderr(&mut peer, 1, tx);

        // The moment: once the two have connected, after `batches` stored batches, plus a delay.
        // The first cycle kills right after the connection (before the first batch can be
        // stored), so at least one kill lands mid-sync; later cycles pick at random.
        let victim = rng.gen_range(0..2usize);
        let (batches, delay) =
            if cycle == 0 { (0, rng.gen_range(0..50)) } else { (rng.gen_range(0..3u32), rng.gen_range(0..300)) };
        let delay = Duration::from_millis(delay);
        let mut stored = [0u64; 2];
        let (mut connected, mut seen) = (false, 0);
        while !(connected && seen >= batches) && peer.try_wait().expect("try_wait").is_none() {
            if let Ok((who, line)) = rx.recv_timeout(Duration::from_millis(5)) {
                connected |= line.starts_with("carenet: a peer connected");
                let n = reported(&line);
                stored[who] += n;
                seen += u32::from(n > 0);
            }
        }
        std::thread::sleep(delay);
        // The listener serves until stopped: the sync is running as long as the peer is.
        if peer.try_wait().expect("try_wait").is_none() {
            killed_mid_sync += 1;
        }
        let target = if victim == 0 { &mut listener } else { &mut peer };
        let _ = target.kill();
        let _ = target.wait();
        // The other side: the peer ends by itself when it notices the listener is gone (that can
        // take iroh's idle timeout, so after a few seconds it is killed too: two kills); the
        // listener is stopped as a user would (SIGINT).
        if victim == 0 {
            wait_or_kill(&mut peer, Duration::from_secs(3));
        } else {
            stop_gently(&mut listener);
        }
        let _ = (t_a.join(), t_b.join());
        for (who, line) in rx.try_iter() {
            stored[who] += reported(&line);
        }

        let after = [held(pa, space, &context), held(pb, space, &context)];
        for side in 0..2 {
            let name = ["A", "B"][side];
            let lost: Vec<_> = before[side].items.difference(&after[side].items).collect();
            assert!(lost.is_empty(), "{context}: {name} lost {} item(s) it held before the kill", lost.len());
            for (id, note) in &before[side].notes {
                assert_eq!(after[side].notes.get(id), Some(note), "{context}: {name} lost or changed note {id}");
            }
            let new = (after[side].items.len() - before[side].items.len()) as u64;
            assert!(
                new >= stored[side],
                "{context}: {name} reported {} item(s) stored but holds {new} new",
                stored[side]
            );
        }
    }

    // A sync with no kill completes, and both sides converge.
    let (mut listener, ticket) = listen(pa);
    let out = carenet(pb, &["sync", "--peer", &ticket, "--json"]).output().expect("run the final sync");
    stop_gently(&mut listener);
    assert!(
        out.status.success(),
        "seed {seed}: the sync after the kills failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (fa, fb) = (held(pa, space, "final"), held(pb, space, "final"));
    assert_eq!(fa.items, fb.items, "seed {seed}: both vaults hold the same items");
    assert_eq!(fa.notes, fb.notes, "seed {seed}: both vaults read identical notes");
    let expected = 2 * (FIRST_NOTES + cycles.saturating_sub(1) * MORE_NOTES);
    assert_eq!(fa.notes.len(), expected, "seed {seed}: every note written on either side is there");
    assert!(killed_mid_sync > 0 || cycles < 2, "seed {seed}: no kill landed while the sync was running");
    eprintln!("seed {seed}: {cycles} cycle(s), {killed_mid_sync} kill(s) while both processes were syncing");
}
