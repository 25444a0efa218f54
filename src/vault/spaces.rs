//! Spaces held by this device: their membership logs (stored encrypted in `ops`), this device's
//! settings for each (`spaces`: whether it only carries the space), the epoch keys it can open,
//! and which space each record lives in. Creating, inviting, joining, removing, carrying and
//! moving records into a space all happen here.
//!
//! Must never: write a space key or name in clear, seal a record's change under a space this
//! device may not write to, or accept a ticket that does not make this device a member.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::records::{row_aad, OpenDoc};
use super::travel::Travel;
use super::Vault;
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::model::{Record, RecordId, RecordType, SpaceId};
use crate::sealed::SealedChange;
use crate::space::log::{evaluate, my_keys, DeviceKey, OpBody, Role, SpaceOp, SpaceState};
use crate::space::{self, ticket, MemberCard};
use crate::store::{ChangeRow, OpRow, RecordWrite};

/// One space as this device holds it.
pub(crate) struct SpaceEntry {
    /// Every operation held, in storage order.
    pub ops: Vec<SpaceOp>,
    /// The evaluated log (`None` while no valid create operation is held: a carried space before
    /// its first items arrive).
    pub state: Option<SpaceState>,
    /// The epoch keys this device can open.
    pub keys: BTreeMap<u32, SecretKey>,
    /// True when the user opted in to carry this space's items (a courier).
    pub carried: bool,
    /// Travel mode: who was confirmed to hold the space, and whether it is stowed.
    pub travel: Travel,
}

/// Every space this device holds, and where each record lives.
#[derive(Default)]
pub(crate) struct SpaceBook {
    pub entries: BTreeMap<SpaceId, SpaceEntry>,
    /// Records in a shared space (records not listed are in the personal space).
    pub record_space: HashMap<RecordId, SpaceId>,
    /// The display name kept for this device's card (see `card`).
    pub card_name: Option<String>,
}

/// A space as `carenet space list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SpaceSummary {
    /// The space id.
    pub id: SpaceId,
    /// Its name, when this device holds the key to read it.
    pub name: Option<String>,
    /// This device's role (`None` when it only carries the space and is not listed).
    pub role: Option<Role>,
    /// The current key epoch.
    pub epoch: u32,
    /// Active members and couriers.
    pub members: usize,
    /// True when this device carries the space's items without reading them.
    pub carried: bool,
    /// Records of the space held here.
    pub records: usize,
    /// True while its records are stowed for travel (removed from this device).
    pub stowed: bool,
}

/// A member as `carenet space members` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MemberInfo {
    /// The device key, hex.
    #[serde(with = "hex::serde")]
    pub device: [u8; 32],
    /// Display name, when this device can read it.
    pub name: Option<String>,
    /// Role.
    pub role: Role,
    /// True once removed.
    pub removed: bool,
    /// True for this device.
    pub this_device: bool,
}

fn space_aad(id: &SpaceId) -> Vec<u8> {
    let mut aad = b"carenet/space-row/v1/".to_vec();
    aad.extend_from_slice(&id.0);
    aad
}

fn op_aad(id: &[u8; 32]) -> Vec<u8> {
    let mut aad = b"carenet/op-row/v1/".to_vec();
    aad.extend_from_slice(id);
    aad
}

const SETTINGS_FORMAT: u8 = 1;

impl SpaceEntry {
    fn new(carried: bool) -> Self {
        SpaceEntry { ops: Vec::new(), state: None, keys: BTreeMap::new(), carried, travel: Travel::default() }
    }

    /// Re-evaluates the log and the keys this device can open.
    pub(super) fn refresh(&mut self, space: SpaceId, me: &DeviceKey, identity: &age::x25519::Identity) {
        self.state = evaluate(space, &self.ops);
        self.keys = match &self.state {
            Some(st) => my_keys(st, &self.ops, me, identity),
            None => BTreeMap::new(),
        };
    }
}

/// True when `author` may write changes sealed under `epoch`, by the evaluated log: a
/// coordinator or member added to the space and not removed by an operation that started `epoch`
/// or an earlier one. Without a trusted clock, a change a removed device seals under an epoch it
/// still held cannot be told from one it sealed before its removal.
pub(crate) fn may_write(state: &SpaceState, ops: &[SpaceOp], author: &DeviceKey, epoch: u32) -> bool {
    let Some(m) = state.members.get(author) else { return false };
    if !m.role.reads() || epoch > state.epoch {
        return false;
    }
    if !m.removed {
        return true;
    }
    let applied: BTreeSet<&[u8; 32]> = state.applied.iter().collect();
    let removed_at = ops
        .iter()
        .filter(|o| applied.contains(&o.id()))
        .filter_map(|o| match &o.body {
            OpBody::Remove { member, epoch, .. } if member == author => Some(*epoch),
            _ => None,
        })
        .max();
    removed_at.is_some_and(|r| epoch < r)
}

impl Vault {
    /// Reads every space and its log at unlock; with no space this costs one empty query each.
    pub(super) fn load_spaces(&mut self) -> Result<()> {
        let me = self.keys.device_public();
        for (id, body) in self.store.all_spaces()? {
            let space = SpaceId(id);
            if space == self.keys.personal_space {
                self.load_card_name(&body)?;
                continue;
            }
            let plain = self
                .row_key
                .open(&space_aad(&space), &body)
                .ok_or_else(|| Error::DatabaseDamaged("a space row does not decrypt".into()))?;
            let carried = plain.get(1).copied() == Some(1);
            let mut entry = SpaceEntry::new(carried);
            // Travel state follows the two bytes every build reads (older builds ignore it).
            if plain.len() > 2 {
                entry.travel = serde_json::from_slice(&plain[2..])
                    .map_err(|_| Error::DatabaseDamaged("a space's travel settings are unreadable".into()))?;
            }
            self.spaces.entries.insert(space, entry);
        }
        for (id, space, body) in self.store.all_ops()? {
            let plain = self
                .row_key
                .open(&op_aad(&id), &body)
                .ok_or_else(|| Error::DatabaseDamaged("a space operation does not decrypt".into()))?;
            let op = SpaceOp::decode(&plain)
                .map_err(|_| Error::DatabaseDamaged("a stored space operation is unusable".into()))?;
            if op.id() != id || op.space.0 != space {
                return Err(Error::DatabaseDamaged("a space operation was moved".into()));
            }
            self.spaces.entries.entry(SpaceId(space)).or_insert_with(|| SpaceEntry::new(false)).ops.push(op);
        }
        if self.spaces.entries.is_empty() {
            return Ok(());
        }
        for (space, entry) in self.spaces.entries.iter_mut() {
            entry.refresh(*space, &me, &self.keys.age_identity);
        }
        let personal = self.keys.personal_space;
        for (rec, space) in self.store.record_spaces()? {
            if space != personal.0 {
                self.spaces.record_space.insert(rec, SpaceId(space));
            }
        }
        Ok(())
    }

    /// The key that opens changes of `space` sealed under `epoch`, if this device holds it.
    pub(super) fn opening_key(&self, space: SpaceId, epoch: u32) -> Option<&SecretKey> {
        if space == self.keys.personal_space {
            return (epoch == super::records::PERSONAL_EPOCH).then_some(&self.personal_key);
        }
        self.spaces.entries.get(&space)?.keys.get(&epoch)
    }

    /// The space, epoch and key under which new changes of a record are sealed.
    pub(super) fn sealing_key(&self, id: &RecordId) -> Result<(SpaceId, u32, &SecretKey)> {
        match self.spaces.record_space.get(id) {
            None => Ok((self.keys.personal_space, super::records::PERSONAL_EPOCH, &self.personal_key)),
            Some(space) => {
                let (epoch, key) = self.writable(space)?;
                Ok((*space, epoch, key))
            }
        }
    }

    /// The current epoch and key of a space this device may write to.
    pub(super) fn writable(&self, space: &SpaceId) -> Result<(u32, &SecretKey)> {
        let entry = self.spaces.entries.get(space).ok_or_else(|| Error::UnknownSpace(space.to_string()))?;
        let st = entry
            .state
            .as_ref()
            .ok_or_else(|| Error::invalid("This space's membership log has not arrived yet: sync first."))?;
        match st.role(&self.keys.device_public()) {
            Some(Role::Coordinator | Role::Member) => {}
            Some(Role::Courier) => {
                return Err(Error::invalid("This device only carries this space: it cannot write to it."))
            }
            None => {
                return Err(Error::invalid("This device is no longer a member of this space: it cannot write to it."))
            }
        }
        let key = entry.keys.get(&st.epoch).ok_or_else(|| {
            Error::invalid("This device lacks the space's current key: sync with a coordinator first.")
        })?;
        Ok((st.epoch, key))
    }

    pub(super) fn op_row(&self, op: &SpaceOp) -> OpRow {
        let id = op.id();
        OpRow { id, space: op.space.0, body: self.row_key.seal(&op_aad(&id), op.as_bytes()) }
    }

    fn settings_body(&self, space: &SpaceId, carried: bool) -> Result<Vec<u8>> {
        let travel = self.spaces.entries.get(space).map(|e| e.travel.clone()).unwrap_or_default();
        self.seal_settings(space, carried, &travel)
    }

    /// The settings row of a space with new travel state.
    pub(super) fn settings_row(&self, space: &SpaceId, travel: &Travel) -> Result<Vec<u8>> {
        self.seal_settings(space, self.entry(space)?.carried, travel)
    }

    fn seal_settings(&self, space: &SpaceId, carried: bool, travel: &Travel) -> Result<Vec<u8>> {
        let mut plain = vec![SETTINGS_FORMAT, carried as u8];
        if !travel.is_default() {
            plain.extend(serde_json::to_vec(travel).map_err(|e| Error::Database(e.to_string()))?);
        }
        Ok(self.row_key.seal(&space_aad(space), &plain))
    }

    /// Stores new operations of a space (and its settings row when `carried` is given), then
    /// re-evaluates it.
    fn save_ops(&mut self, space: SpaceId, ops: Vec<SpaceOp>, carried: Option<bool>) -> Result<()> {
        self.settle()?;
        let rows: Vec<OpRow> = ops.iter().map(|o| self.op_row(o)).collect();
        let settings = carried.map(|c| self.settings_body(&space, c)).transpose()?;
        self.store.save_space(&space.0, settings.as_deref(), &rows)?;
        self.changes_made.fetch_add(rows.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let me = self.keys.device_public();
        let entry = self.spaces.entries.entry(space).or_insert_with(|| SpaceEntry::new(carried.unwrap_or(false)));
        if let Some(c) = carried {
            entry.carried = c;
        }
        let known: BTreeSet<[u8; 32]> = entry.ops.iter().map(SpaceOp::id).collect();
        entry.ops.extend(ops.into_iter().filter(|o| !known.contains(&o.id())));
        entry.refresh(space, &me, &self.keys.age_identity);
        Ok(())
    }

    /// Stores new operations of a space made by this device (see `card::set_card_name`).
    pub(super) fn save_own_ops(&mut self, space: SpaceId, ops: Vec<SpaceOp>) -> Result<()> {
        self.save_ops(space, ops, None)
    }

    pub(super) fn entry(&self, space: &SpaceId) -> Result<&SpaceEntry> {
        self.spaces.entries.get(space).ok_or_else(|| Error::UnknownSpace(space.to_string()))
    }

    fn state_of(&self, space: &SpaceId) -> Result<&SpaceState> {
        self.entry(space)?
            .state
            .as_ref()
            .ok_or_else(|| Error::invalid("This space's membership log has not arrived yet: sync first."))
    }

    /// This device's member card (text form on the side), under the display name `name`.
    pub fn member_card(&self, name: &str) -> Result<(MemberCard, String)> {
        MemberCard::sign(&self.keys.device, self.keys.age_recipient(), name)
    }

    /// This device's Ed25519 secret key (the sync endpoint key), for an app that stays unlocked
    /// and goes online without asking for the passphrase again. Wiped when dropped.
    pub fn device_secret(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.keys.device.to_bytes())
    }

    /// Creates a space with this device as its first coordinator, named in it by the card's
    /// display name once the user has chosen one (both operations in one transaction); returns
    /// its id.
    pub fn create_space(&mut self, name: &str) -> Result<SpaceId> {
        let (space, op, key) = space::create(&self.keys.device, &self.keys.age_recipient(), name)?;
        let mut ops = vec![op];
        if let Some(mine) = self.spaces.card_name.clone() {
            let state =
                evaluate(space, &ops).ok_or_else(|| Error::Crypto("a new space's log does not evaluate".into()))?;
            ops.push(space::set_name(&self.keys.device, &state, &BTreeMap::from([(0, key)]), &mine)?);
        }
        self.save_ops(space, ops, Some(false))?;
        tracing::info!("space created");
        Ok(space)
    }

    /// Every space held here.
    pub fn spaces(&self) -> Vec<SpaceSummary> {
        let me = self.keys.device_public();
        self.spaces
            .entries
            .iter()
            .map(|(id, e)| {
                let st = e.state.as_ref();
                SpaceSummary {
                    id: *id,
                    name: st.and_then(|s| space::open_name(*id, &e.keys, &s.sealed_name)),
                    role: st.and_then(|s| s.role(&me)),
                    epoch: st.map_or(0, |s| s.epoch),
                    members: st.map_or(0, |s| s.members.values().filter(|m| !m.removed).count()),
                    carried: e.carried,
                    records: self
                        .spaces
                        .record_space
                        .iter()
                        .filter(|(r, s)| *s == id && self.records.contains_key(r))
                        .count(),
                    stowed: e.travel.stowed.is_some(),
                }
            })
            .collect()
    }

    /// Finds a space by id, unique id prefix (4+ hex digits) or exact name.
    pub fn resolve_space(&self, text: &str) -> Result<SpaceId> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let mut found: Vec<SpaceId> = if lower.len() >= 4 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.spaces.entries.keys().filter(|id| id.to_string().starts_with(&lower)).copied().collect()
        } else {
            Vec::new()
        };
        if found.is_empty() {
            found = self.spaces().into_iter().filter(|s| s.name.as_deref() == Some(t)).map(|s| s.id).collect();
        }
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(Error::UnknownSpace(t.chars().take(40).collect())),
            _ => Err(Error::invalid(format!(
                "'{}' matches several spaces: give more of the id.",
                t.chars().take(40).collect::<String>()
            ))),
        }
    }

    /// Members of a space, active and removed.
    pub fn space_members(&self, space: &SpaceId) -> Result<Vec<MemberInfo>> {
        let entry = self.entry(space)?;
        let st = self.state_of(space)?;
        let me = self.keys.device_public();
        Ok(st
            .members
            .values()
            .map(|m| MemberInfo {
                device: m.device,
                name: space::member_name(*space, &entry.keys, m),
                role: m.role,
                removed: m.removed,
                this_device: m.device == me,
            })
            .collect())
    }

    /// The age recipients of a space's current members, this device's among them, from the
    /// space's membership log: a bundle encrypted to them opens on every member's device and on
    /// no other (a removed member's device is left out). Nobody has to pass a key around.
    pub fn space_recipients(&self, space: &SpaceId) -> Result<Vec<age::x25519::Recipient>> {
        let st = self.state_of(space)?;
        st.members
            .values()
            .filter(|m| !m.removed)
            .map(|m| {
                // The log refuses an addition whose recipient does not parse (`space::log`), so
                // this holds for every member; should it not, say whose key it is, not panic.
                m.recipient.parse::<age::x25519::Recipient>().map_err(|_| {
                    Error::invalid(format!(
                        "The key of member {} in this space's membership log is not usable, so a bundle cannot be encrypted to every member: encrypt it to a passphrase or to recipients instead.",
                        hex::encode(&m.device[..4])
                    ))
                })
            })
            .collect()
    }

    /// Adds the device of `card` with `role` and returns the invite ticket it joins with.
    pub fn invite(&mut self, space: &SpaceId, card: &MemberCard, role: Role) -> Result<String> {
        let st = self.state_of(space)?;
        let op = space::add(&self.keys.device, st, &self.entry(space)?.keys, card, role)?;
        self.save_ops(*space, vec![op], None)?;
        Ok(ticket::encode(*space, &card.device, &self.entry(space)?.ops))
    }

    /// Joins a space from an invite ticket made for this device; returns the space.
    pub fn join(&mut self, text: &str) -> Result<SpaceId> {
        let t = ticket::decode(text)?;
        let me = self.keys.device_public();
        if t.invitee != me {
            return Err(Error::invalid(
                "This invite ticket was made for another device: send your own card (`carenet id`) to the coordinator.",
            ));
        }
        let st = evaluate(t.space, &t.ops)
            .ok_or_else(|| Error::invalid("This invite ticket lacks the space's first operation: ask for it again."))?;
        let role = st.role(&me).ok_or_else(|| {
            Error::invalid(
                "This invite ticket does not add this device (it may have been removed since): ask the coordinator.",
            )
        })?;
        let carried =
            self.spaces.entries.get(&t.space).map_or(role == Role::Courier, |e| e.carried || role == Role::Courier);
        self.save_ops(t.space, t.ops, Some(carried))?;
        // The coordinator named this device from the card it was given; the name kept now wins.
        self.name_me_in(t.space)?;
        tracing::info!("space joined");
        Ok(t.space)
    }

    /// Removes a member: a new epoch starts whose key the removed device never receives.
    pub fn remove_member(&mut self, space: &SpaceId, device: &DeviceKey) -> Result<()> {
        let st = self.state_of(space)?;
        if *device == self.keys.device_public() {
            return Err(Error::invalid("A coordinator cannot remove their own device; ask another coordinator."));
        }
        let (op, _key) = space::remove(&self.keys.device, st, device)?;
        self.save_ops(*space, vec![op], None)
    }

    /// Finds a member of a space by device key hex prefix (4+ digits) or exact display name.
    pub fn resolve_member(&self, space: &SpaceId, text: &str) -> Result<DeviceKey> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let members = self.space_members(space)?;
        let mut found: Vec<DeviceKey> = members
            .iter()
            .filter(|m| lower.len() >= 4 && hex::encode(m.device).starts_with(&lower))
            .map(|m| m.device)
            .collect();
        if found.is_empty() {
            found = members.iter().filter(|m| m.name.as_deref() == Some(t)).map(|m| m.device).collect();
        }
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(Error::invalid("No member of this space matches that: list them with `carenet space members`.")),
            _ => Err(Error::invalid("Several members match that: give more of the device key.")),
        }
    }

    /// Opts in to carry a space's items without a key (a courier). Joining by a courier ticket
    /// does this too.
    pub fn carry(&mut self, space: SpaceId) -> Result<()> {
        if space == self.keys.personal_space {
            return Err(Error::invalid("The personal space never leaves this device."));
        }
        self.save_ops(space, Vec::new(), Some(true))
    }

    /// The space a record lives in (`None`: this device's personal space).
    pub fn space_of(&self, id: &RecordId) -> Option<SpaceId> {
        self.spaces.record_space.get(id).copied()
    }

    /// Stores a new record directly in a space.
    pub fn add_to_space<T: RecordType>(&mut self, space: &SpaceId, value: &T) -> Result<RecordId> {
        self.writable(space)?;
        self.check_not_stowed(space)?;
        let id = RecordId::random();
        self.spaces.record_space.insert(id, *space);
        let res = self.add_with_id(id, value);
        if res.is_err() {
            self.spaces.record_space.remove(&id);
        }
        res
    }

    /// Moves a record (or, with `branch`, a contact and everyone below it in the alert tree)
    /// into a space: its whole history is re-sealed under the space's current key, so members
    /// receive all of it. Returns the records moved.
    pub fn share(&mut self, space: &SpaceId, record: &RecordId, branch: bool) -> Result<Vec<RecordId>> {
        self.settle()?;
        self.writable(space)?;
        self.check_not_stowed(space)?;
        let ids = if branch { self.branch_of(record)? } else { vec![*self.cached(record).map(|_| record)?] };
        if ids.iter().any(|id| self.space_of(id).is_some_and(|s| s != *space)) {
            return Err(Error::invalid("A record there is already in another space: moving records between spaces is not supported. Nothing was moved."));
        }
        let ids: Vec<RecordId> = ids.into_iter().filter(|id| self.space_of(id) != Some(*space)).collect();
        let mut opened: Vec<(RecordId, OpenDoc, Vec<SealedChange>, Vec<u8>)> = Vec::new();
        for id in &ids {
            let mut open = self.take_doc(id)?;
            // The parts of the record's files move with it, before its document's changes.
            let mut payloads: Vec<zeroize::Zeroizing<Vec<u8>>> = Vec::new();
            self.for_each_part(id, |_, _, p| payloads.push(p.encode()))?;
            payloads.extend(open.doc.all_change_bytes().into_iter().map(zeroize::Zeroizing::new));
            let (epoch, key) = self.writable(space)?;
            let sealed =
                payloads.iter().map(|c| SealedChange::seal(&self.keys.device, *space, epoch, key, *id, c)).collect();
            let bytes = open.doc.save();
            opened.push((*id, open, sealed, bytes));
        }
        let row_key = &self.row_key;
        let makers: Vec<Box<dyn Fn(i64) -> Vec<u8> + '_>> = opened
            .iter()
            .map(|(id, _, _, bytes)| {
                let id = *id;
                Box::new(move |through: i64| {
                    row_key.seal(&row_aad("doc", &id), &super::snapshot::DocRow { id, through, doc: bytes }.encode())
                }) as Box<dyn Fn(i64) -> Vec<u8> + '_>
            })
            .collect();
        let moves: Vec<(RecordWrite<'_>, Vec<ChangeRow<'_>>)> = opened
            .iter()
            .zip(&makers)
            .map(|((id, _, sealed, _), make)| {
                let rows =
                    sealed.iter().map(|s| ChangeRow { id: s.id(), space: space.0, body: s.as_bytes() }).collect();
                (RecordWrite { id: *id, view: None, doc: make.as_ref(), complete: true }, rows)
            })
            .collect();
        self.store.rehome_records(&moves)?;
        let n: u64 = moves.iter().map(|(_, r)| r.len() as u64).sum();
        drop(moves);
        drop(makers);
        self.changes_made.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        for (id, mut open, _, _) in opened {
            open.tail = Some(0);
            self.spaces.record_space.insert(id, *space);
            self.keep_doc(id, open);
        }
        Ok(ids)
    }

    /// A contact and every contact it alerts, directly or down the chain.
    fn branch_of(&self, root: &RecordId) -> Result<Vec<RecordId>> {
        match &self.cached(root)?.record {
            Record::Contact(_) => {}
            _ => return Err(Error::invalid("--branch shares a contact and everyone below it: give a contact's id.")),
        }
        let mut out = Vec::new();
        let mut queue = VecDeque::from([*root]);
        while let Some(id) = queue.pop_front() {
            if out.contains(&id) {
                continue;
            }
            if let Some(Record::Contact(c)) = self.records.get(&id).map(|c| &c.record) {
                out.push(id);
                queue.extend(c.alerts.iter().copied());
            }
        }
        Ok(out)
    }
}
