//! Sync benchmarks between real vault files on loopback: the same four figures as
//! `bench/sync.rs` (which puts the in-memory `MemoryHost` behind each node and so measures the
//! protocol and transport only), here with `Vault` behind both nodes, so every received batch is
//! verified, decrypted, applied to automerge documents and written to SQLite in one durable
//! transaction.
//!
//! - cold sync: a coordinator's vault holding RECORDS notes with 5 changes each (an add and 4
//!   edits, made through the vault's API) synced to a member vault that has just joined;
//! - re-sync with nothing new (the same pair again);
//! - one edit on the coordinator reaching the member on a live connection (until the member's
//!   vault has stored and applied it);
//! - frame bytes both ways over sealed payload bytes.
//!
//! `cargo bench --bench sync_vaults`; BENCH_RECORDS (default 10000) and BENCH_RUNS (default 5).
//! Vaults live under `target/tmp` (a real disk, not a tmpfs). Without `--bench` (as under
//! `cargo test --benches`) it is a smoke run of 100 records.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carenet::model::SpaceId;
use carenet::space::Role;
use carenet::sync::{Node, NodeOptions, SyncEvent};
use carenet::{Note, SecretString, Vault, VaultOptions};

const PASSPHRASE: &str = "correct horse battery staple";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn new_vault(root: &Path, name: &str) -> Vault {
    let pass = SecretString::from(PASSPHRASE.to_owned());
    Vault::create_with(&root.join(name), &pass, &VaultOptions { work_factor: 10 }).expect("create a bench vault")
}

/// A fresh member vault that has joined `space` (its log arrives with the first sync).
fn member(root: &Path, a: &mut Vault, space: SpaceId, n: usize) -> Arc<Mutex<Vault>> {
    let mut b = new_vault(root, &format!("member-{n}"));
    let card = b.member_card("B").expect("card").0;
    b.join(&a.invite(&space, &card, Role::Member).expect("invite")).expect("join");
    Arc::new(Mutex::new(b))
}

async fn start(host: &Arc<Mutex<Vault>>) -> Node<Vault> {
    let secret = host.lock().expect("vault").device_secret();
    let opts = NodeOptions { bind: Some("127.0.0.1:0".parse().expect("address")), ..Default::default() };
    Node::start(host.clone(), &secret, opts).await.expect("node")
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let records = if smoke { 100 } else { env("BENCH_RECORDS", 10_000) };
    let runs = if smoke { 1 } else { env("BENCH_RUNS", 5).max(1) };
    let root = tempfile::Builder::new()
        .prefix("carenet-bench-sync-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("bench folder");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");

    eprintln!("building a vault of {records} notes x 5 changes...");
    let t = Instant::now();
    let mut a = new_vault(root.path(), "coordinator");
    let space = a.create_space("Bench").expect("space");
    let mut last = None;
    for i in 0..records {
        let note = Note {
            title: format!("Note {i}"),
            body: format!("record {i}: some words of a note that a defender wrote"),
            tags: vec![],
            ..Default::default()
        };
        let id = a.add_to_space(&space, &note).expect("add");
        for e in 0..4 {
            a.update::<Note>(&id, |n| n.body.push_str(&format!(" edit {e}"))).expect("edit");
        }
        last = Some(id);
    }
    let last = last.expect("at least one record");
    let ids = a.item_ids(space).expect("ids");
    let payload: u64 = a.items(space, &ids).expect("items").iter().map(|i| i.len() as u64).sum();
    eprintln!(
        "built in {:.1} s: {} items, {:.1} MB sealed",
        t.elapsed().as_secs_f64(),
        ids.len(),
        payload as f64 / 1e6
    );
    let ha = Arc::new(Mutex::new(a));

    let mut n = 0;
    let (cold, resync, wire_ratio) = rt.block_on(async {
        let na = start(&ha).await;
        let _serve = na.serve();
        let ticket = na.ticket().await;
        let (mut cold, mut resync, mut ratio) = (Vec::new(), Vec::new(), 0.0);
        for _ in 0..runs {
            n += 1;
            let hb = member(root.path(), &mut ha.lock().expect("vault"), space, n);
            let nb = start(&hb).await;
            let t = Instant::now();
            let s = nb.sync_with(&ticket).await.expect("cold sync");
            cold.push(t.elapsed().as_secs_f64() * 1000.0);
            let (held_a, held_b) = (
                ha.lock().expect("vault").item_ids(space).expect("ids").len(),
                hb.lock().expect("vault").item_ids(space).expect("ids").len(),
            );
            assert_eq!(held_a, held_b, "the member holds every item after the cold sync");
            ratio =
                (s.wire_bytes_sent + s.wire_bytes_received) as f64 / (s.received_bytes + s.sent_bytes).max(1) as f64;
            let t = Instant::now();
            let again = nb.sync_with(&ticket).await.expect("re-sync");
            resync.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!((again.received_items, again.sent_items), (0, 0));
            nb.close().await;
            drop(nb);
            if let Ok(m) = Arc::try_unwrap(hb) {
                m.into_inner().expect("vault").lock().expect("lock the member");
            }
        }
        na.close().await;
        (median(cold), median(resync), ratio)
    });

    let one = rt.block_on(async {
        n += 1;
        let hb = member(root.path(), &mut ha.lock().expect("vault"), space, n);
        let (na, nb) = (start(&ha).await, start(&hb).await);
        let _serve = na.serve();
        nb.sync_with(&na.ticket().await).await.expect("first sync");
        let mut events = na.subscribe();
        let live = nb.sync_live(&na.ticket().await).await.expect("live");
        loop {
            if let Ok(SyncEvent::Connected { .. }) = events.recv().await {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut times = Vec::new();
        for k in 0..(runs * 4) {
            let before = hb.lock().expect("vault").change_count();
            let t = Instant::now();
            ha.lock()
                .expect("vault")
                .update::<Note>(&last, |note| note.title = format!("Live edit {k}"))
                .expect("edit");
            while hb.lock().expect("vault").change_count() == before {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let title = hb.lock().expect("vault").get::<Note>(&last).expect("note").value.title;
            assert_eq!(title, format!("Live edit {k}"), "the edit was applied on the member");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        live.abort();
        na.close().await;
        nb.close().await;
        median(times)
    });

    println!(
        "sync_vaults/cold_{records}x5        median {cold:9.1} ms  ({} items, {:.1} MB sealed)",
        ids.len(),
        payload as f64 / 1e6
    );
    println!("sync_vaults/resync_nothing_new     median {resync:9.1} ms");
    println!("sync_vaults/one_change_live        median {one:9.1} ms");
    println!("sync_vaults/wire_over_payload      {wire_ratio:.4}");
}
