//! Deletes across a space over real iroh endpoints on loopback, between real vault files:
//! three vaults make random concurrent adds, edits and deletes and sync in random pairs (so
//! tombstones arrive before and after concurrent edits, and peers are offline during deletes);
//! after two final rounds every vault holds the same item ids and reads identical records, and
//! no deleted record is anywhere. A courier (the in-memory host: it holds sealed items and no
//! key) carries a tombstone between two vaults that are never online together; a delete on a
//! connected vault reaches the other without a new sync.
//! CARENET_TOMBSTONE_CASES sets the number of random cases (default 8).

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carenet::model::{RecordId, SpaceId};
use carenet::space::{MemberCard, Role};
use carenet::sync::memory::MemoryHost;
use carenet::sync::{Node, NodeOptions, SyncHost, Ticket};
use carenet::{Note, Vault};
use rand::{Rng, SeedableRng};
use util::*;

type Host = Arc<Mutex<Vault>>;

fn opts() -> NodeOptions {
    NodeOptions { bind: Some("127.0.0.1:0".parse().unwrap()), ..Default::default() }
}

async fn node(host: &Host) -> Node<Vault> {
    let secret = host.lock().unwrap().device_secret();
    Node::start(host.clone(), &secret, opts()).await.unwrap()
}

fn notes(v: &Vault, space: SpaceId) -> BTreeMap<RecordId, Note> {
    v.all().filter(|r| v.space_of(&r.id) == Some(space)).map(|r| (r.id, v.get::<Note>(&r.id).unwrap().value)).collect()
}

fn ids(v: &Vault, space: SpaceId) -> BTreeSet<[u8; 32]> {
    v.item_ids(space).unwrap().into_iter().collect()
}

/// Three vaults in one space: A coordinates, B and C are members.
fn three_vaults() -> (Vec<TestDir>, Vec<Host>, SpaceId) {
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let (dc, mut c) = new_vault();
    let space = a.create_space("Tombstone sync").unwrap();
    for v in [&mut b, &mut c] {
        let card = v.member_card("peer").unwrap().0;
        let invite = a.invite(&space, &card, Role::Member).unwrap();
        v.join(&invite).unwrap();
    }
    (vec![da, db, dc], [a, b, c].into_iter().map(|v| Arc::new(Mutex::new(v))).collect(), space)
}

async fn nodes_for(hosts: &[Host]) -> (Vec<Node<Vault>>, Vec<Ticket>) {
    let mut nodes = Vec::new();
    let mut tickets = Vec::new();
    for h in hosts {
        let n = node(h).await;
        n.serve();
        tickets.push(n.ticket().await);
        nodes.push(n);
    }
    // B and C learn of each other from A's log first.
    for (i, j) in [(1, 0), (2, 0), (1, 0)] {
        nodes[i].sync_with(&tickets[j]).await.unwrap();
    }
    (nodes, tickets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_adds_edits_deletes_and_syncs_converge_and_deleted_records_stay_deleted() {
    let cases: u64 = std::env::var("CARENET_TOMBSTONE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let base: u64 = rand::random();
    let mut deletes_total = 0;
    for case in 0..cases {
        let seed = base.wrapping_add(case);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (_dirs, hosts, space) = three_vaults();
        let (nodes, tickets) = nodes_for(&hosts).await;
        let mut deleted: BTreeSet<RecordId> = BTreeSet::new();
        for step in 0..rng.gen_range(12..28) {
            let i = rng.gen_range(0..3);
            let roll: f64 = rng.gen();
            if roll < 0.6 {
                let mut v = hosts[i].lock().unwrap();
                let shared: Vec<RecordId> = notes(&v, space).into_keys().collect();
                if shared.is_empty() || roll < 0.2 {
                    v.add_to_space(
                        &space,
                        &Note {
                            title: format!("note {step} by {i}"),
                            body: String::new(),
                            tags: vec![],
                            ..Default::default()
                        },
                    )
                    .unwrap();
                } else if roll < 0.45 {
                    let id = shared[rng.gen_range(0..shared.len())];
                    let body = format!("edit {step} by {i}");
                    v.update::<Note>(&id, |n| n.body = body).unwrap();
                } else {
                    let id = shared[rng.gen_range(0..shared.len())];
                    v.delete(&id).unwrap();
                    deleted.insert(id);
                }
            } else {
                let j = (i + rng.gen_range(1..3)) % 3;
                nodes[i].sync_with(&tickets[j]).await.unwrap_or_else(|e| panic!("seed {seed}: sync {i}->{j}: {e}"));
            }
        }
        for _ in 0..2 {
            for (i, j) in [(1, 0), (2, 0), (0, 1), (0, 2)] {
                nodes[i]
                    .sync_with(&tickets[j])
                    .await
                    .unwrap_or_else(|e| panic!("seed {seed}: final sync {i}->{j}: {e}"));
            }
        }
        let (all_ids, records) = {
            let first = hosts[0].lock().unwrap();
            (ids(&first, space), notes(&first, space))
        };
        for h in &hosts {
            let v = h.lock().unwrap();
            assert_eq!(ids(&v, space), all_ids, "seed {seed}: item ids");
            assert_eq!(notes(&v, space), records, "seed {seed}: records");
            for id in &deleted {
                assert!(v.get::<Note>(id).is_err(), "seed {seed}: a deleted record is back");
            }
        }
        // Converged: a new sync moves no item either way.
        let again = nodes[1].sync_with(&tickets[2]).await.unwrap();
        assert_eq!(
            (again.received_items, again.sent_items),
            (0, 0),
            "seed {seed}: a converged space still exchanged items"
        );
        deletes_total += deleted.len();
        for n in &nodes {
            n.close().await;
        }
    }
    assert!(cases == 0 || deletes_total > 0, "no case deleted anything: the test tested nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_courier_carries_a_tombstone_between_vaults_that_never_meet() {
    let (_dirs, hosts, space) = three_vaults();
    // A courier box (the in-memory host: sealed items, no key) joins as a courier.
    let courier_key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let courier_card =
        MemberCard::sign(&courier_key, age::x25519::Identity::generate().to_public().to_string(), "Box").unwrap().0;
    hosts[0].lock().unwrap().invite(&space, &courier_card, Role::Courier).unwrap();
    let (nodes, tickets) = nodes_for(&hosts).await;
    let id = hosts[0]
        .lock()
        .unwrap()
        .add_to_space(&space, &Note { title: "Carried".into(), body: "x".into(), tags: vec![], ..Default::default() })
        .unwrap();
    nodes[2].sync_with(&tickets[0]).await.unwrap();
    assert!(hosts[2].lock().unwrap().get::<Note>(&id).is_ok());
    let mut mem = MemoryHost::new();
    mem.hold(space);
    {
        let a = hosts[0].lock().unwrap();
        let all = a.item_ids(space).unwrap();
        let items = a.items(space, &all).unwrap();
        let ops: Vec<Vec<u8>> = items.into_iter().filter(|b| b.starts_with(b"CNSO")).collect();
        mem.ingest(space, ops).unwrap();
    }
    let courier = Arc::new(Mutex::new(mem));
    let kn = Node::start(courier.clone(), &courier_key.to_bytes(), opts()).await.unwrap();
    kn.serve();
    let kt = kn.ticket().await;
    // A deletes, then only meets the courier; C later only meets the courier.
    hosts[0].lock().unwrap().delete(&id).unwrap();
    nodes[0].sync_with(&kt).await.unwrap();
    nodes[0].close().await;
    nodes[2].sync_with(&kt).await.unwrap();
    assert!(hosts[2].lock().unwrap().get::<Note>(&id).is_err(), "the tombstone reached C through the courier");
    assert!(hosts[2].lock().unwrap().is_deleted_by_tombstone(&id));
    // The courier still holds the record's sealed changes (it cannot read the tombstone), but
    // C and the courier see nothing missing: re-syncing moves nothing.
    let again = nodes[2].sync_with(&kt).await.unwrap();
    assert_eq!((again.received_items, again.sent_items), (0, 0));
    let held: BTreeSet<[u8; 32]> = courier.lock().unwrap().item_ids(space).unwrap().into_iter().collect();
    assert_eq!(held, ids(&hosts[2].lock().unwrap(), space));
    for n in [&nodes[1], &nodes[2]] {
        n.close().await;
    }
    kn.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_on_a_connected_vault_reaches_the_other_without_a_new_sync() {
    let (_dirs, hosts, space) = three_vaults();
    let (na, nb) = (node(&hosts[0]).await, node(&hosts[1]).await);
    nb.serve();
    na.sync_with(&nb.ticket().await).await.unwrap();
    let id = hosts[0]
        .lock()
        .unwrap()
        .add_to_space(
            &space,
            &Note { title: "Live delete".into(), body: String::new(), tags: vec![], ..Default::default() },
        )
        .unwrap();
    let live = na.sync_live(&nb.ticket().await).await.unwrap();
    let wait = |want: bool| {
        let h = hosts[1].clone();
        async move {
            for _ in 0..400 {
                if h.lock().unwrap().get::<Note>(&id).is_ok() == want {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(wait(true).await, "the note did not arrive within 20 s");
    hosts[0].lock().unwrap().delete(&id).unwrap();
    assert!(wait(false).await, "the delete did not arrive within 20 s");
    assert!(hosts[1].lock().unwrap().is_deleted_by_tombstone(&id));
    assert!(!live.is_finished());
    live.abort();
    na.close().await;
    nb.close().await;
}
