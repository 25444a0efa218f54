//! A verified batch that cannot be stored (disk full) ends the sync with its own code on both
//! sides, not as a "refused item": the sender did nothing wrong.
//!
//! The full disk is a stand-in (a host whose every store fails with the I/O error a full disk
//! gives), because a full filesystem cannot be made here without root mounts; everything else is
//! real: iroh endpoints on loopback and the real session.

use std::sync::{Arc, Mutex};

use carenet::model::SpaceId;
use carenet::space::Role;
use carenet::sync::memory::MemoryHost;
use carenet::sync::{close, ItemId, Node, NodeOptions, SyncError, SyncEvent, SyncHost};

use crate::support::*;

/// A host whose disk is full: it reads and verifies like `MemoryHost`, and every write fails.
struct FullDisk(MemoryHost);

impl SyncHost for FullDisk {
    fn shared_spaces(&self, peer: &[u8; 32]) -> carenet::Result<Vec<SpaceId>> {
        self.0.shared_spaces(peer)
    }
    fn item_ids(&self, space: SpaceId) -> carenet::Result<Vec<ItemId>> {
        self.0.item_ids(space)
    }
    fn items(&self, space: SpaceId, ids: &[ItemId]) -> carenet::Result<Vec<Vec<u8>>> {
        self.0.items(space, ids)
    }
    fn ingest(&mut self, _space: SpaceId, _items: Vec<Vec<u8>>) -> carenet::Result<usize> {
        Err(carenet::Error::Io {
            action: "write",
            path: "the vault".into(),
            source: std::io::ErrorKind::StorageFull.into(),
        })
    }
    fn change_counter(&self) -> u64 {
        self.0.change_counter()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_ends_the_sync_with_a_storage_code_on_both_sides() {
    let (a, b) = (device("A"), device("B"));
    let s = space(&a, &[(&b, Role::Member)]);
    let ha = host(&s);
    ingest(&ha, s.id, (0..5u8).map(|i| s.change(&a, [i; 16], &[i; 64])).collect());
    let mut inner = MemoryHost::new();
    inner.hold(s.id);
    inner.ingest(s.id, s.op_bytes()).unwrap();
    let hb = Arc::new(Mutex::new(FullDisk(inner)));
    let na = node(&ha, &a).await;
    let _serving = na.serve();
    let mut events_a = na.subscribe();
    let opts = NodeOptions { bind: Some("127.0.0.1:0".parse().unwrap()), ..Default::default() };
    let nb = Node::start(hb.clone(), &b.key.to_bytes(), opts).await.unwrap();
    let err = nb.sync_with(&na.ticket().await).await.unwrap_err();
    assert!(matches!(err, SyncError::Storage("io")), "{err:?}");
    assert_eq!(err.code(), "sync_storage");
    assert_eq!(err.close_code(), close::STORAGE);
    assert!(err.to_string().contains("disk space"), "{err}");
    // A learns that B could not store, not that it sent something bad.
    let code = loop {
        if let SyncEvent::Closed { code, .. } = events_a.recv().await.unwrap() {
            break code;
        }
    };
    assert_eq!(code, Some("sync_peer_storage"));
    assert_eq!(hb.lock().unwrap().item_ids(s.id).unwrap().len(), s.ops.len(), "nothing stored on B");
    na.close().await;
    nb.close().await;
}
