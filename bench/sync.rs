//! Sync benchmarks on loopback, real iroh endpoints (a bench binary: each cold sync takes
//! seconds, so runs are counted by hand and medians printed). The store behind each node is the
//! in-memory `MemoryHost` (items verified as the vault verifies them), so this measures the
//! protocol and transport, not SQLite.
//!
//! - cold sync: RECORDS records x 5 real automerge changes, sealed, from a peer holding them all
//!   to an empty one (the initiator pushes; the run ends when the receiver has stored everything);
//! - re-sync with nothing new;
//! - one new change reaching a peer on a live connection;
//! - frame bytes both ways over sealed payload bytes (QUIC/UDP headers not counted);
//! - the same documents synced by JavaScript automerge-repo (bench/js), when `node` and
//!   bench/js/node_modules are there, as a ratio.
//!
//! `cargo bench --bench sync`; BENCH_RECORDS (default 10000) and BENCH_RUNS (default 5).
//! Without `--bench` (as under `cargo test --benches`) it is a smoke run of 200 records.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use carenet::model::RecordId;
use carenet::sealed::SealedChange;
use carenet::space::{self, evaluate, MemberCard, Role};
use carenet::sync::memory::MemoryHost;
use carenet::sync::{item_id, Node, NodeOptions, SyncEvent, SyncHost};
use ed25519_dalek::SigningKey;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn start(host: &Arc<Mutex<MemoryHost>>, key: &SigningKey) -> Node<MemoryHost> {
    let opts = NodeOptions { bind: Some("127.0.0.1:0".parse().expect("address")), ..Default::default() };
    Node::start(host.clone(), &key.to_bytes(), opts).await.expect("node")
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test --benches` this is a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let records = if smoke { 200 } else { env("BENCH_RECORDS", 10_000) };
    let runs = if smoke { 1 } else { env("BENCH_RUNS", 5).max(1) };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");

    let a = SigningKey::generate(&mut rand::rngs::OsRng);
    let b = SigningKey::generate(&mut rand::rngs::OsRng);
    let ida = age::x25519::Identity::generate();
    let idb = age::x25519::Identity::generate();
    let (card_b, _) = MemberCard::sign(&b, idb.to_public().to_string(), "B").expect("card");
    let (space_id, create, key) = space::create(&a, &ida.to_public().to_string(), "Bench").expect("space");
    let mut ops = vec![create];
    let st = evaluate(space_id, &ops).expect("state");
    ops.push(space::add(&a, &st, &[(0, key.clone())].into_iter().collect(), &card_b, Role::Member).expect("add"));
    let op_bytes: Vec<Vec<u8>> = ops.iter().map(|o| o.as_bytes().to_vec()).collect();

    eprintln!("building {records} records x 5 sealed changes...");
    let mut items = Vec::with_capacity(records * 5);
    for i in 0..records {
        let mut doc = AutoCommit::new();
        let mut rid = [0u8; 16];
        rid[..8].copy_from_slice(&(i as u64).to_le_bytes());
        for c in 0..5 {
            doc.put(
                ROOT,
                format!("field{c}"),
                format!("record {i} change {c}: some words of a note that a defender wrote"),
            )
            .expect("put");
            doc.commit();
            let change = doc.get_last_local_change().expect("change").raw_bytes().to_vec();
            items.push(SealedChange::seal(&a, space_id, 0, &key, RecordId(rid), &change).as_bytes().to_vec());
        }
    }
    let payload: u64 = items.iter().map(|i| i.len() as u64).sum();
    let fresh = |with: Option<&Vec<Vec<u8>>>| {
        let mut h = MemoryHost::new();
        h.hold(space_id);
        h.ingest(space_id, op_bytes.clone()).expect("ops");
        if let Some(items) = with {
            h.ingest(space_id, items.clone()).expect("items");
        }
        Arc::new(Mutex::new(h))
    };
    let ha = fresh(Some(&items));

    let (cold, resync, wire_ratio) = rt.block_on(async {
        let na = start(&ha, &a).await;
        let mut cold = Vec::new();
        let mut resync = Vec::new();
        let mut ratio = 0.0;
        for _ in 0..runs {
            let hb = fresh(None);
            let nb = start(&hb, &b).await;
            let _serve = nb.serve();
            let ticket = nb.ticket().await;
            let t = Instant::now();
            let s = na.sync_with(&ticket).await.expect("cold sync");
            cold.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(s.sent_items as usize, items.len());
            ratio = (s.wire_bytes_sent + s.wire_bytes_received) as f64 / s.sent_bytes as f64;
            let t = Instant::now();
            na.sync_with(&ticket).await.expect("re-sync");
            resync.push(t.elapsed().as_secs_f64() * 1000.0);
            nb.close().await;
        }
        na.close().await;
        (median(cold), median(resync), ratio)
    });

    let one = rt.block_on(async {
        let hb = fresh(Some(&items));
        let na = start(&ha, &a).await;
        let nb = start(&hb, &b).await;
        let _serve = nb.serve();
        let mut events = nb.subscribe();
        let live = na.sync_live(&nb.ticket().await).await.expect("live");
        loop {
            if let Ok(SyncEvent::Connected { .. }) = events.recv().await {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut times = Vec::new();
        for n in 0..(runs * 4) {
            let mut doc = AutoCommit::new();
            doc.put(ROOT, "title", format!("new {n}")).expect("put");
            doc.commit();
            let change = doc.get_last_local_change().expect("change").raw_bytes().to_vec();
            let item = SealedChange::seal(&a, space_id, 0, &key, RecordId([0xEE; 16]), &change).as_bytes().to_vec();
            let id = item_id(&item);
            let t = Instant::now();
            ha.lock().expect("host").ingest(space_id, vec![item]).expect("ingest");
            loop {
                if hb.lock().expect("host").space_items(space_id).is_some_and(|m| m.contains_key(&id)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        live.abort();
        na.close().await;
        nb.close().await;
        median(times)
    });

    println!(
        "sync/cold_{records}x5        median {cold:9.1} ms  ({} items, {:.1} MB sealed)",
        items.len(),
        payload as f64 / 1e6
    );
    println!("sync/resync_nothing_new     median {resync:9.1} ms");
    println!("sync/one_change_live        median {one:9.1} ms");
    println!("sync/wire_over_payload      {wire_ratio:.4}");
    let js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/js");
    if !smoke && js.join("node_modules/@automerge/automerge-repo").exists() {
        let mut times = Vec::new();
        for _ in 0..runs.min(3) {
            let out =
                std::process::Command::new("node").arg(js.join("repo_sync.mjs")).arg(records.to_string()).output();
            let Ok(out) = out else { break };
            let text = String::from_utf8_lossy(&out.stdout);
            let ms = serde_json::from_str::<serde_json::Value>(text.trim()).ok().and_then(|v| v["cold_ms"].as_f64());
            match ms {
                Some(ms) => times.push(ms),
                None => {
                    eprintln!("automerge-repo run failed: {}", String::from_utf8_lossy(&out.stderr));
                    break;
                }
            }
        }
        if !times.is_empty() {
            let js_ms = median(times);
            println!("automerge-repo/cold_{records}x5 median {js_ms:9.1} ms");
            println!("ratio automerge-repo / carenet cold sync: {:.1}x", js_ms / cold);
        }
    } else {
        println!("automerge-repo: skipped (run `npm ci` in bench/js to compare)");
    }
}
