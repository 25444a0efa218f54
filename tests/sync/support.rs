//! Devices, spaces and nodes for the sync tests: real iroh endpoints on loopback.
//!
//! The store behind each node is `MemoryHost` (items checked like the vault checks them), not
//! the vault: the vault's space store lands with the spaces work and will replace it here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use carenet::crypto::SecretKey;
use carenet::model::{RecordId, SpaceId};
use carenet::sealed::SealedChange;
use carenet::space::{self, evaluate, MemberCard, Role, SpaceOp};
use carenet::sync::memory::MemoryHost;
use carenet::sync::{Node, NodeOptions, SyncHost};
use ed25519_dalek::SigningKey;

pub struct Device {
    pub key: SigningKey,
    pub identity: age::x25519::Identity,
    pub card: MemberCard,
}

pub fn device(name: &str) -> Device {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let identity = age::x25519::Identity::generate();
    let (card, _) = MemberCard::sign(&key, identity.to_public().to_string(), name).unwrap();
    Device { key, identity, card }
}

/// A space made by `coordinator` with the given members; its ops and epoch-0 key.
pub struct Space {
    pub id: SpaceId,
    pub ops: Vec<SpaceOp>,
    pub key: SecretKey,
}

pub fn space(coordinator: &Device, members: &[(&Device, Role)]) -> Space {
    let (id, create, key) = space::create(&coordinator.key, &coordinator.card.recipient, "Test space").unwrap();
    let mut ops = vec![create];
    for (d, role) in members {
        let st = evaluate(id, &ops).unwrap();
        let mut keys = BTreeMap::new();
        keys.insert(0, key.clone());
        ops.push(space::add(&coordinator.key, &st, &keys, &d.card, *role).unwrap());
    }
    Space { id, ops, key }
}

impl Space {
    pub fn op_bytes(&self) -> Vec<Vec<u8>> {
        self.ops.iter().map(|o| o.as_bytes().to_vec()).collect()
    }

    /// A sealed change by `author` carrying `change` for record `doc`.
    pub fn change(&self, author: &Device, doc: [u8; 16], change: &[u8]) -> Vec<u8> {
        SealedChange::seal(&author.key, self.id, 0, &self.key, RecordId(doc), change).as_bytes().to_vec()
    }
}

pub type Host = Arc<Mutex<MemoryHost>>;

/// A host holding `space` with its membership ops.
pub fn host(space: &Space) -> Host {
    let mut h = MemoryHost::new();
    h.hold(space.id);
    h.ingest(space.id, space.op_bytes()).unwrap();
    Arc::new(Mutex::new(h))
}

pub fn ingest(host: &Host, space: SpaceId, items: Vec<Vec<u8>>) {
    host.lock().unwrap().ingest(space, items).unwrap();
}

pub fn ids(host: &Host, space: SpaceId) -> Vec<[u8; 32]> {
    host.lock().unwrap().item_ids(space).unwrap()
}

pub async fn node(host: &Host, dev: &Device) -> Node<MemoryHost> {
    let opts = NodeOptions { bind: Some("127.0.0.1:0".parse().unwrap()), ..Default::default() };
    Node::start(host.clone(), &dev.key.to_bytes(), opts).await.unwrap()
}
