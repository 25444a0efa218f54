//! Travel mode: removing a shared space's records from this device once another device is
//! confirmed to hold all of it, and bringing them back from the network later.
//!
//! *Confirmed to hold all of it.* A one-shot sync that ends normally (`Bye` answered by `Bye`)
//! leaves the peer holding every item this device held for the space when the sync began plus
//! every item it received: the initiator says `Bye` only once every item it wanted was stored
//! and every item it pushed was sent, and the responder reads those pushes (and stores them)
//! before it reads the `Bye`. The session hands that set to [`Vault::note_peer_holds`], which
//! keeps the peer and a digest of this device's item ids when they are all in it. A live
//! connection never ends that way, so it never confirms.
//!
//! *Stowing* ([`Vault::stow_space`]) is refused unless the space's item ids, read now, are
//! exactly the ones confirmed: an edit or a received item since the confirming sync means one
//! more sync first. It then erases, in one transaction, the view and document rows of the
//! space's records and every sealed change of the space, and truncates the WAL. The membership
//! log stays (it is how this device is still a member, and how its epoch keys reach it again),
//! and so do the `erased` rows of tombstones.
//!
//! *While stowed* the space is left out of `shared_spaces`, so no sync (nearby, by ticket, or
//! a peer that dials in) brings it back unasked, and nothing can be added to it.
//! [`Vault::bring_back`] lets the next sync with a member fetch it; once the space holds at least
//! as many items as when it was stowed, it is a normal space again. A bundle imported for it is
//! an explicit request too, and counts the same way.
//!
//! What this does not do, said in the CLI and the app: it does not hide that the space exists
//! or who its members are (the log stays, readable with the passphrase), and it cannot reach a
//! copy of the records made before stowing (a backup, an export, a disk image). The peer that
//! confirmed may lose its copy later; other members' copies are the rest of the safety net.
//!
//! Must never: erase an item no completed sync confirmed, or erase anything of another space.

use std::collections::HashSet;

use super::{now_ms, Vault};
use crate::error::{Error, Result};
use crate::model::{RecordId, SpaceId};

/// The last completed sync that confirmed a peer holds every item of a space held here.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    /// The peer's device key.
    #[serde(with = "hex::serde")]
    pub peer: [u8; 32],
    /// When the sync ended (ms since the epoch, this device's clock).
    pub at_ms: i64,
    /// Items this device held for the space then.
    pub items: u64,
    /// BLAKE3 of those item ids, sorted.
    #[serde(with = "hex::serde")]
    pub digest: [u8; 32],
}

/// A space whose records were removed from this device.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stowed {
    /// When (ms since the epoch).
    pub at_ms: i64,
    /// Items (operations, changes and erased ids) the space had: it is back once it has as many.
    pub items: u64,
    /// Records removed.
    pub records: u64,
    /// The peer whose sync confirmed it held them.
    #[serde(with = "hex::serde")]
    pub peer: [u8; 32],
    /// True once the user asked to bring it back: the next sync with a member fetches it.
    #[serde(default)]
    pub returning: bool,
}

/// Travel-mode state of one space, kept in its encrypted settings row.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Travel {
    /// The latest confirmation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<Holder>,
    /// Set while the space's records are removed from this device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stowed: Option<Stowed>,
}

impl Travel {
    pub(super) fn is_default(&self) -> bool {
        self.held_by.is_none() && self.stowed.is_none()
    }
}

/// What `carenet space travel` and the app show for a space.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TravelStatus {
    /// The space.
    pub space: SpaceId,
    /// The last peer a completed sync confirmed holds all of the space, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    /// When that sync ended (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_at_ms: Option<i64>,
    /// True when nothing was added to the space here since that sync: it can be stowed now.
    pub can_stow: bool,
    /// Set while stowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stowed: Option<Stowed>,
}

/// BLAKE3 of sorted item ids.
fn digest(ids: &[[u8; 32]]) -> [u8; 32] {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut h = blake3::Hasher::new();
    h.update(b"carenet/travel-held/v1");
    for id in &sorted {
        h.update(id);
    }
    *h.finalize().as_bytes()
}

impl Vault {
    /// Called when a one-shot sync with `peer` ended normally: `held` is every item of `space`
    /// the peer is known to hold. Keeps the confirmation when it covers every item held here
    /// (returns whether it did); a stowed space is never confirmed from what little it holds.
    pub fn note_peer_holds(&mut self, peer: &[u8; 32], space: SpaceId, held: &HashSet<[u8; 32]>) -> Result<bool> {
        self.check_space_entry(&space)?;
        if self.entry(&space)?.travel.stowed.is_some() {
            return Ok(false);
        }
        self.settle()?;
        let ids = self.item_ids(space)?;
        if ids.is_empty() || !ids.iter().all(|id| held.contains(id)) {
            return Ok(false);
        }
        let holder = Holder { peer: *peer, at_ms: now_ms(), items: ids.len() as u64, digest: digest(&ids) };
        self.update_travel(space, |t| t.held_by = Some(holder))?;
        Ok(true)
    }

    /// Travel-mode state of a space held here.
    pub fn travel_status(&self, space: &SpaceId) -> Result<TravelStatus> {
        self.check_space_entry(space)?;
        let travel = self.entry(space)?.travel.clone();
        let can_stow = travel.stowed.is_none()
            && match &travel.held_by {
                Some(h) => self.item_ids(*space).map(|ids| digest(&ids) == h.digest).unwrap_or(false),
                None => false,
            };
        Ok(TravelStatus {
            space: *space,
            held_by: travel.held_by.as_ref().map(|h| hex::encode(h.peer)),
            held_at_ms: travel.held_by.as_ref().map(|h| h.at_ms),
            can_stow,
            stowed: travel.stowed,
        })
    }

    /// Removes a space's records and sealed changes from this device, once a completed sync has
    /// confirmed a peer holds every item of it held here. Returns what was removed.
    pub fn stow_space(&mut self, space: &SpaceId) -> Result<Stowed> {
        self.check_space_entry(space)?;
        let travel = self.entry(space)?.travel.clone();
        if travel.stowed.is_some() {
            return Err(Error::invalid("This space is already stowed: nothing of its records is left here."));
        }
        self.settle()?;
        let ids = self.item_ids(*space)?;
        let Some(holder) = travel.held_by.filter(|h| h.digest == digest(&ids)) else {
            return Err(Error::NotHeldElsewhere(space.to_string()));
        };
        let records: Vec<RecordId> =
            self.spaces.record_space.iter().filter(|(_, s)| *s == space).map(|(r, _)| *r).collect();
        let stowed = Stowed {
            at_ms: now_ms(),
            items: ids.len() as u64,
            records: records.len() as u64,
            peer: holder.peer,
            returning: false,
        };
        let mut next = self.entry(space)?.travel.clone();
        next.stowed = Some(stowed.clone());
        let body = self.settings_row(space, &next)?;
        self.store.stow_space(&space.0, &records, &body)?;
        for r in &records {
            self.forget_record(r);
        }
        self.spaces.entries.get_mut(space).ok_or_else(|| Error::UnknownSpace(space.to_string()))?.travel = next;
        // Free pages are zeroed (secure_delete) and the WAL is truncated; a file that became
        // mostly free is rebuilt as well.
        self.store.compact_if_sparse()?;
        tracing::info!("space stowed for travel");
        Ok(stowed)
    }

    /// Lets the next sync with a member bring a stowed space back.
    pub fn bring_back(&mut self, space: &SpaceId) -> Result<()> {
        self.check_space_entry(space)?;
        if self.entry(space)?.travel.stowed.is_none() {
            return Err(Error::invalid("This space is not stowed: its records are already on this device."));
        }
        self.update_travel(*space, |t| {
            if let Some(s) = t.stowed.as_mut() {
                s.returning = true;
            }
        })
    }

    /// True while a space's records are removed and the user has not asked for them back: such a
    /// space is not offered to peers.
    pub(super) fn is_stowed_away(&self, space: &SpaceId) -> bool {
        self.spaces.entries.get(space).and_then(|e| e.travel.stowed.as_ref()).is_some_and(|s| !s.returning)
    }

    /// Refuses writes into a stowed space.
    pub(super) fn check_not_stowed(&self, space: &SpaceId) -> Result<()> {
        match self.spaces.entries.get(space).and_then(|e| e.travel.stowed.as_ref()) {
            Some(_) => Err(Error::invalid(
                "This space is stowed for travel: bring it back and sync with a member before adding to it.",
            )),
            None => Ok(()),
        }
    }

    /// After items of a stowed space were stored: once it holds as many as when it was stowed,
    /// it is a normal space again.
    pub(super) fn check_returned(&mut self, space: SpaceId) -> Result<()> {
        let Some(stowed) = self.spaces.entries.get(&space).and_then(|e| e.travel.stowed.as_ref()) else {
            return Ok(());
        };
        let want = stowed.items;
        if self.item_ids(space)?.len() as u64 >= want {
            self.update_travel(space, |t| t.stowed = None)?;
            tracing::info!("stowed space brought back");
        }
        Ok(())
    }

    fn check_space_entry(&self, space: &SpaceId) -> Result<()> {
        if *space == self.keys.personal_space || !self.spaces.entries.contains_key(space) {
            return Err(Error::UnknownSpace(space.to_string()));
        }
        Ok(())
    }

    /// Changes a space's travel state and writes its settings row.
    fn update_travel(&mut self, space: SpaceId, f: impl FnOnce(&mut Travel)) -> Result<()> {
        let mut next = self.entry(&space)?.travel.clone();
        f(&mut next);
        let body = self.settings_row(&space, &next)?;
        self.store.save_space(&space.0, Some(&body), &[])?;
        self.spaces.entries.get_mut(&space).ok_or_else(|| Error::UnknownSpace(space.to_string()))?.travel = next;
        Ok(())
    }
}
