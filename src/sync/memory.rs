//! An in-memory [`SyncHost`]: spaces' items in maps, checked the way the vault checks them
//! (operation signatures; sealed-change signatures; authors must be active, non-courier members
//! by the membership log held). It decrypts nothing and applies nothing to documents.
//!
//! Used by the sync tests and benchmarks as the store behind real iroh endpoints, until the
//! vault's space store is the host; it is not a vault and keeps nothing on disk.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::SpaceId;
use crate::sealed::SealedChange;
use crate::space::{evaluate, Role, SpaceOp};
use crate::sync_item::Refusal;

use super::{item_id, ItemId, SyncHost};

/// Items of each space, by id.
#[derive(Default, Debug, Clone)]
pub struct MemoryHost {
    spaces: BTreeMap<SpaceId, BTreeMap<ItemId, Vec<u8>>>,
    counter: u64,
}

fn ops_of<'a>(items: impl Iterator<Item = &'a Vec<u8>>) -> Vec<SpaceOp> {
    items.filter_map(|b| SpaceOp::decode(b).ok()).collect()
}

impl MemoryHost {
    /// An empty host.
    pub fn new() -> Self {
        MemoryHost::default()
    }

    /// Starts holding `space` (its items arrive by `ingest` or sync).
    pub fn hold(&mut self, space: SpaceId) {
        self.spaces.entry(space).or_default();
        self.counter += 1;
    }

    /// Every item of `space`, by id.
    pub fn space_items(&self, space: SpaceId) -> Option<&BTreeMap<ItemId, Vec<u8>>> {
        self.spaces.get(&space)
    }

    /// The spaces held.
    pub fn spaces(&self) -> Vec<SpaceId> {
        self.spaces.keys().copied().collect()
    }
}

impl SyncHost for MemoryHost {
    fn shared_spaces(&self, peer: &[u8; 32]) -> Result<Vec<SpaceId>> {
        Ok(self
            .spaces
            .iter()
            .filter(|(space, items)| evaluate(**space, &ops_of(items.values())).is_some_and(|s| s.is_active(peer)))
            .map(|(s, _)| *s)
            .collect())
    }

    fn item_ids(&self, space: SpaceId) -> Result<Vec<ItemId>> {
        Ok(self.spaces.get(&space).map(|m| m.keys().copied().collect()).unwrap_or_default())
    }

    fn items(&self, space: SpaceId, ids: &[ItemId]) -> Result<Vec<Vec<u8>>> {
        let Some(m) = self.spaces.get(&space) else { return Ok(Vec::new()) };
        Ok(ids.iter().filter_map(|id| m.get(id).cloned()).collect())
    }

    fn ingest(&mut self, space: SpaceId, items: Vec<Vec<u8>>) -> Result<usize> {
        let held = self.spaces.get(&space).ok_or_else(|| Error::UnknownSpace(space.to_string()))?;
        let mut ops = ops_of(held.values());
        let mut changes = Vec::new();
        for b in &items {
            if let Ok(op) = SpaceOp::decode(b) {
                if op.space != space {
                    return Err(Error::SyncRefused(Refusal::WrongSpace));
                }
                ops.push(op);
                continue;
            }
            let c = SealedChange::decode(b).map_err(|_| Error::SyncRefused(Refusal::Malformed))?;
            c.verify().map_err(|_| Error::SyncRefused(Refusal::BadSignature))?;
            if c.space != space {
                return Err(Error::SyncRefused(Refusal::WrongSpace));
            }
            changes.push(c);
        }
        let state = evaluate(space, &ops).ok_or(Error::SyncRefused(Refusal::NoSpaceLog))?;
        for c in &changes {
            // A seized device's later changes are refused once it is removed; couriers never write.
            match state.role(&c.author) {
                Some(Role::Coordinator | Role::Member) => {}
                _ => return Err(Error::SyncRefused(Refusal::NoWriteRights)),
            }
        }
        let m = self.spaces.entry(space).or_default();
        let mut new = 0;
        for b in items {
            let id = item_id(&b);
            if m.insert(id, b).is_none() {
                new += 1;
            }
        }
        if new > 0 {
            self.counter += 1;
        }
        Ok(new)
    }

    fn change_counter(&self) -> u64 {
        self.counter
    }
}
