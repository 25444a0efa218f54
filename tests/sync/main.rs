//! Sync over real iroh endpoints on loopback (see `support` for what stands behind each node).

mod convergence;
mod malformed;
mod nearby;
mod storage;
mod support;

use std::time::Duration;

use carenet::space::Role;
use carenet::sync::{SyncError, SyncEvent};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_exchange_what_each_lacks_by_ticket() {
    let (a, b) = (device("A"), device("B"));
    let s = space(&a, &[(&b, Role::Member)]);
    let (ha, hb) = (host(&s), host(&s));
    ingest(&ha, s.id, (0..50u8).map(|i| s.change(&a, [i; 16], &[i; 40])).collect());
    ingest(&hb, s.id, (0..30u8).map(|i| s.change(&b, [i; 16], &[i; 300])).collect());
    let (na, nb) = (node(&ha, &a).await, node(&hb, &b).await);
    let _serving = nb.serve();
    let summary = na.sync_with(&nb.ticket().await).await.unwrap();
    assert_eq!(summary.received_items, 30);
    assert_eq!(summary.sent_items, 50);
    assert_eq!(ids(&ha, s.id), ids(&hb, s.id));
    assert_eq!(ids(&ha, s.id).len(), 50 + 30 + s.ops.len());
    // Again: nothing new moves.
    let again = na.sync_with(&nb.ticket().await).await.unwrap();
    assert_eq!((again.received_items, again.sent_items), (0, 0));
    na.close().await;
    nb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_connection_pushes_new_changes_both_ways() {
    let (a, b) = (device("A"), device("B"));
    let s = space(&a, &[(&b, Role::Member)]);
    let (ha, hb) = (host(&s), host(&s));
    let (na, nb) = (node(&ha, &a).await, node(&hb, &b).await);
    let _serving = nb.serve();
    let mut events_b = nb.subscribe();
    let live = na.sync_live(&nb.ticket().await).await.unwrap();
    // Wait for the hellos, then write on A: B receives it on the same connection.
    loop {
        if let SyncEvent::Connected { .. } = events_b.recv().await.unwrap() {
            break;
        }
    }
    let c = s.change(&a, [1; 16], b"new on A");
    ingest(&ha, s.id, vec![c.clone()]);
    wait_for(|| ids(&hb, s.id).contains(&carenet::sync::item_id(&c))).await;
    let d = s.change(&b, [2; 16], b"new on B");
    ingest(&hb, s.id, vec![d.clone()]);
    wait_for(|| ids(&ha, s.id).contains(&carenet::sync::item_id(&d))).await;
    assert!(!live.is_finished(), "the live connection stays open");
    live.abort();
    na.close().await;
    nb.close().await;
}

/// Polls `f` until true; gives up (fails) after 20 s so a broken build does not hang CI.
pub async fn wait_for(f: impl Fn() -> bool) {
    for _ in 0..400 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached within 20 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_member_receives_nothing_and_the_node_keeps_serving() {
    let (a, b, outsider) = (device("A"), device("B"), device("Outsider"));
    let s = space(&a, &[(&b, Role::Member)]);
    let ha = host(&s);
    ingest(&ha, s.id, vec![s.change(&a, [5; 16], b"secret")]);
    let na = node(&ha, &a).await;
    let _serving = na.serve();
    // The outsider even holds a copy of the space's ops (it learnt the space id), but is no member.
    let ho = host(&s);
    let no = node(&ho, &outsider).await;
    let err = no.sync_with(&na.ticket().await).await.unwrap_err();
    assert!(matches!(err, SyncError::NotMember | SyncError::Network(_) | SyncError::Closed(_)), "{err:?}");
    assert_eq!(ids(&ho, s.id).len(), s.ops.len(), "the outsider got no item");
    // A raw connection from the outsider's key reads no byte either.
    let got = malformed::raw_read_all(&outsider, &na).await;
    assert!(got.is_empty(), "a non-member read {} bytes", got.len());
    // A member still syncs.
    let hb = host(&s);
    let nb = node(&hb, &b).await;
    nb.sync_with(&na.ticket().await).await.unwrap();
    assert_eq!(ids(&hb, s.id), ids(&ha, s.id));
    for n in [na, nb, no] {
        n.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_courier_carries_changes_between_devices_never_online_together() {
    let (a, c, courier) = (device("A"), device("C"), device("Box"));
    let s = space(&a, &[(&c, Role::Member), (&courier, Role::Courier)]);
    let canary = b"CANARY-river-road-7731";
    let (ha, hc, hk) = (host(&s), host(&s), host(&s));
    ingest(&ha, s.id, vec![s.change(&a, [9; 16], canary)]);
    let nk = node(&hk, &courier).await;
    let _serving = nk.serve();
    {
        let na = node(&ha, &a).await;
        na.sync_with(&nk.ticket().await).await.unwrap();
        na.close().await;
    }
    {
        let nc = node(&hc, &c).await;
        nc.sync_with(&nk.ticket().await).await.unwrap();
        nc.close().await;
    }
    assert_eq!(ids(&hc, s.id), ids(&ha, s.id), "C got A's change through the courier");
    // The courier holds sealed bytes only: no plaintext, and no key envelope addressed to it.
    let held = hk.lock().unwrap().space_items(s.id).unwrap().clone();
    for bytes in held.values() {
        assert!(!bytes.windows(canary.len()).any(|w| w == canary));
    }
    let st = carenet::space::evaluate(s.id, &s.ops).unwrap();
    assert!(carenet::space::log::my_keys(&st, &s.ops, &courier.card.device, &courier.identity).is_empty());
    nk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_killed_mid_sync_loses_nothing_and_the_next_sync_completes() {
    let (a, b) = (device("A"), device("B"));
    let s = space(&a, &[(&b, Role::Member)]);
    let (ha, hb) = (host(&s), host(&s));
    // About 6 MB in 300 changes: several batches.
    ingest(
        &ha,
        s.id,
        (0..300u32).map(|i| s.change(&a, [(i % 200) as u8; 16], &vec![(i % 251) as u8; 20_000 + i as usize])).collect(),
    );
    let before_b = ids(&hb, s.id);
    let na = node(&ha, &a).await;
    let _serving = na.serve();
    let nb = node(&hb, &b).await;
    let mut events = nb.subscribe();
    let ticket = na.ticket().await;
    let sync = tokio::spawn(async move {
        let r = nb.sync_with(&ticket).await;
        (nb, r)
    });
    // Kill B's side after its first stored batch.
    loop {
        if let SyncEvent::Progress { .. } = events.recv().await.unwrap() {
            break;
        }
    }
    sync.abort();
    let _ = sync.await;
    let partial = ids(&hb, s.id);
    assert!(before_b.iter().all(|id| partial.contains(id)), "nothing B had is lost");
    let all = ids(&ha, s.id);
    assert!(partial.iter().all(|id| all.contains(id)), "B holds only whole, verified items");
    let nb2 = node(&hb, &b).await;
    nb2.sync_with(&na.ticket().await).await.unwrap();
    assert_eq!(ids(&hb, s.id), all);
    na.close().await;
    nb2.close().await;
}
