//! Property: 3 to 5 peers make random concurrent automerge edits, seal them, and sync in random
//! pairs (two pairs at once when they can); after a final round every peer holds the same items
//! and rebuilds identical documents. CARENET_SYNC_CASES sets the number of cases (default 200),
//! CARENET_SYNC_SEED replays one. Endpoints are reused across cases; spaces are new each case.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Change, ReadDoc, ROOT};
use carenet::sealed::SealedChange;
use carenet::space::Role;
use carenet::sync::memory::MemoryHost;
use carenet::sync::{Node, SyncHost, Ticket};
use rand::{Rng, SeedableRng};

use crate::support::*;

/// A document's heads and contents.
type Document = (Vec<String>, BTreeMap<String, String>);

/// Rebuilds every document of `space` held by `host`: doc id -> (heads, contents).
fn documents(host: &Host, s: &Space) -> BTreeMap<[u8; 16], Document> {
    let h = host.lock().unwrap();
    let mut changes: BTreeMap<[u8; 16], Vec<Change>> = BTreeMap::new();
    for bytes in h.space_items(s.id).unwrap().values() {
        if let Ok(c) = SealedChange::decode(bytes) {
            let (doc, change) = c.open(&s.key).unwrap();
            changes.entry(doc.0).or_default().push(Change::from_bytes(change).unwrap());
        }
    }
    changes
        .into_iter()
        .map(|(id, cs)| {
            let mut doc = AutoCommit::new();
            doc.apply_changes(cs).unwrap();
            let mut heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
            heads.sort();
            let contents = doc
                .keys(ROOT)
                .map(|k| {
                    let v = doc.get(ROOT, &k).unwrap().map(|(v, _)| v.to_string()).unwrap_or_default();
                    (k, v)
                })
                .collect();
            (id, (heads, contents))
        })
        .collect()
}

/// One local edit by peer `i` on document `doc`, sealed and stored in its host.
fn edit(host: &Host, s: &Space, dev: &Device, i: usize, doc: [u8; 16], key: &str, value: u64) {
    let existing: Vec<Change> = {
        let h = host.lock().unwrap();
        h.space_items(s.id)
            .unwrap()
            .values()
            .filter_map(|b| SealedChange::decode(b).ok())
            .filter_map(|c| c.open(&s.key).ok())
            .filter(|(d, _)| d.0 == doc)
            .map(|(_, c)| Change::from_bytes(c).unwrap())
            .collect()
    };
    let mut d = AutoCommit::new().with_actor(ActorId::from(vec![i as u8 + 1; 16]));
    d.apply_changes(existing).unwrap();
    d.put(ROOT, key, value).unwrap();
    d.commit();
    let change = d.get_last_local_change().unwrap().raw_bytes().to_vec();
    ingest(host, s.id, vec![s.change(dev, doc, &change)]);
}

async fn sync(nodes: &[Node<MemoryHost>], tickets: &[Ticket], from: usize, to: usize) {
    nodes[from].sync_with(&tickets[to]).await.unwrap_or_else(|e| panic!("sync {from}->{to}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_peers_with_concurrent_edits_converge() {
    let cases: u64 = std::env::var("CARENET_SYNC_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let base: u64 = std::env::var("CARENET_SYNC_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    let devices: Vec<Device> = (0..5).map(|i| device(&format!("Peer {i}"))).collect();
    let hosts: Vec<Host> = (0..5).map(|_| std::sync::Arc::new(std::sync::Mutex::new(MemoryHost::new()))).collect();
    let mut nodes = Vec::new();
    for (h, d) in hosts.iter().zip(&devices) {
        let n = node(h, d).await;
        n.serve();
        nodes.push(n);
    }
    let mut tickets = Vec::new();
    for n in &nodes {
        tickets.push(n.ticket().await);
    }
    for case in 0..cases {
        let seed = base.wrapping_add(case);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let n = rng.gen_range(3..=5);
        let members: Vec<(&Device, Role)> = devices[1..n].iter().map(|d| (d, Role::Member)).collect();
        let s = space(&devices[0], &members);
        for h in &hosts[..n] {
            let mut fresh = MemoryHost::new();
            fresh.hold(s.id);
            fresh.ingest(s.id, s.op_bytes()).unwrap();
            *h.lock().unwrap() = fresh;
        }
        for _ in 0..rng.gen_range(10..30) {
            if rng.gen_bool(0.6) {
                let i = rng.gen_range(0..n);
                let doc = [rng.gen_range(0..3u8); 16];
                let key = format!("k{}", rng.gen_range(0..4));
                edit(&hosts[i], &s, &devices[i], i, doc, &key, rng.gen());
            } else {
                let mut order: Vec<usize> = (0..n).collect();
                for k in (1..n).rev() {
                    order.swap(k, rng.gen_range(0..=k));
                }
                if n >= 4 && rng.gen_bool(0.5) {
                    let (a, b) =
                        (sync(&nodes, &tickets, order[0], order[1]), sync(&nodes, &tickets, order[2], order[3]));
                    tokio::join!(a, b);
                } else {
                    sync(&nodes, &tickets, order[0], order[1]).await;
                }
            }
        }
        for i in 1..n {
            sync(&nodes, &tickets, i, 0).await;
        }
        for i in 1..n {
            sync(&nodes, &tickets, 0, i).await;
        }
        let first = hosts[0].lock().unwrap().item_ids(s.id).unwrap();
        let docs = documents(&hosts[0], &s);
        for (i, host) in hosts.iter().enumerate().take(n).skip(1) {
            assert_eq!(host.lock().unwrap().item_ids(s.id).unwrap(), first, "seed {seed}: items of peer {i}");
            assert_eq!(documents(host, &s), docs, "seed {seed}: documents of peer {i}");
        }
    }
    for n in &nodes {
        n.close().await;
    }
}
