//! The membership log of a space: signed, causally ordered operations (create, add, remove, and
//! a member's own display name) that every member and courier can verify, and the key epochs
//! they carry as age envelopes.
//!
//! An operation names the operations its author had seen (`parents`), so the log is a DAG.
//! Evaluation walks it in a deterministic topological order (ties broken by op id) and applies
//! each operation only if its author is an active coordinator at that point (for `Name`: an
//! active reading member, naming only itself); the rest are rejected, not applied. Removing a member starts a new epoch whose key is sent to every other
//! reading member and never to the removed one.
//!
//! In clear (couriers must check authors without reading content): space id, author and member
//! device keys, roles and epochs. Encrypted: display names and the space's name (under the
//! epoch key) and the keys themselves (age, one envelope per member).
//!
//! Wire layout: `"CNSO" | version u8 | space [16] | author [32] | parent count u8 | parents
//! [32 each] | kind u8 | body | signature [64]` (lengths little-endian u32 unless said).
//! Version 1 has kinds 1 (create), 2 (add) and 3 (remove); version 2 is kind 4 (name), written
//! with version 2 so that a build that knows only version 1 reports it as made by a newer
//! Carenet instead of as damaged. Each kind is written with exactly one version.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::crypto::SecretKey;
use crate::model::SpaceId;

const MAGIC: &[u8; 4] = b"CNSO";
const VERSION: u8 = 1;
/// The version that `Name` operations are written with.
const NAME_VERSION: u8 = 2;
/// Largest operation accepted.
pub const MAX_OP_LEN: usize = 1024 * 1024;
const MAX_PARENTS: usize = 64;
const MAX_ENVELOPES: usize = 4096;

/// An operation's id: the BLAKE3 hash of its bytes.
pub type OpId = [u8; 32];
/// A device's Ed25519 public key.
pub type DeviceKey = [u8; 32];

/// What a member may do in a space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Adds and removes members; reads and writes.
    Coordinator,
    /// Reads and writes.
    Member,
    /// Carries sealed changes it cannot read; receives no key.
    Courier,
}

impl Role {
    fn tag(self) -> u8 {
        match self {
            Role::Coordinator => 1,
            Role::Member => 2,
            Role::Courier => 3,
        }
    }

    fn from_tag(t: u8) -> Option<Role> {
        Some(match t {
            1 => Role::Coordinator,
            2 => Role::Member,
            3 => Role::Courier,
            _ => return None,
        })
    }

    /// True for roles that receive the space key.
    pub fn reads(self) -> bool {
        self != Role::Courier
    }
}

/// Why an operation was refused outright (before evaluation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// Not an operation, cut short, or over the size limits.
    #[error("not a space operation")]
    Malformed,
    /// A newer format.
    #[error("space operation format {0} is not supported")]
    UnknownVersion(u8),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
}

/// The kinds of operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpBody {
    /// Creates the space; the author is its first coordinator, epoch 0 begins.
    Create {
        /// The creator's age recipient.
        recipient: String,
        /// The space name, sealed under the epoch-0 key.
        name: Vec<u8>,
        /// The epoch-0 key, as an age envelope to the creator.
        envelope: Vec<u8>,
    },
    /// Adds a member (or a courier).
    Add {
        /// The new member's device key.
        member: DeviceKey,
        /// Their age recipient.
        recipient: String,
        /// Their role.
        role: Role,
        /// Their display name, sealed under the current epoch key.
        name: Vec<u8>,
        /// Every epoch's key so far, as age envelopes to them (none for a courier).
        envelopes: Vec<(u32, Vec<u8>)>,
    },
    /// Removes a member and starts epoch `epoch`.
    Remove {
        /// The removed device.
        member: DeviceKey,
        /// The new epoch (current + 1).
        epoch: u32,
        /// The new epoch's key, as an age envelope to each remaining reading member.
        envelopes: Vec<(DeviceKey, Vec<u8>)>,
    },
    /// Sets the author's own display name (no one can name another member this way).
    Name {
        /// The name, sealed under an epoch key and bound to the author (`space::seal_member_name`).
        name: Vec<u8>,
    },
}

impl OpBody {
    fn version(&self) -> u8 {
        match self {
            OpBody::Name { .. } => NAME_VERSION,
            _ => VERSION,
        }
    }
}

/// A parsed, signature-checked operation.
#[derive(Clone, Debug)]
pub struct SpaceOp {
    bytes: Vec<u8>,
    /// The space.
    pub space: SpaceId,
    /// Who made it.
    pub author: DeviceKey,
    /// The operations its author had seen.
    pub parents: Vec<OpId>,
    /// What it does.
    pub body: OpBody,
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u32).to_le_bytes());
        self.0.extend_from_slice(b);
    }
}

type Reader<'a> = crate::wire::Reader<'a, OpError>;

fn string(r: &mut Reader<'_>) -> Result<String, OpError> {
    String::from_utf8(r.bytes()?.to_vec()).map_err(|_| OpError::Malformed)
}

fn count(r: &mut Reader<'_>) -> Result<usize, OpError> {
    let n = r.u32()? as usize;
    if n > MAX_ENVELOPES {
        return Err(OpError::Malformed);
    }
    Ok(n)
}

impl SpaceOp {
    /// Signs a new operation.
    pub fn sign(device: &SigningKey, space: SpaceId, parents: Vec<OpId>, body: OpBody) -> SpaceOp {
        let author = device.verifying_key().to_bytes();
        let mut w = Writer(Vec::with_capacity(256));
        w.0.extend_from_slice(MAGIC);
        w.0.push(body.version());
        w.0.extend_from_slice(&space.0);
        w.0.extend_from_slice(&author);
        w.0.push(parents.len().min(MAX_PARENTS) as u8);
        for p in parents.iter().take(MAX_PARENTS) {
            w.0.extend_from_slice(p);
        }
        match &body {
            OpBody::Create { recipient, name, envelope } => {
                w.0.push(1);
                w.bytes(recipient.as_bytes());
                w.bytes(name);
                w.bytes(envelope);
            }
            OpBody::Add { member, recipient, role, name, envelopes } => {
                w.0.push(2);
                w.0.extend_from_slice(member);
                w.bytes(recipient.as_bytes());
                w.0.push(role.tag());
                w.bytes(name);
                w.0.extend_from_slice(&(envelopes.len() as u32).to_le_bytes());
                for (epoch, env) in envelopes {
                    w.0.extend_from_slice(&epoch.to_le_bytes());
                    w.bytes(env);
                }
            }
            OpBody::Remove { member, epoch, envelopes } => {
                w.0.push(3);
                w.0.extend_from_slice(member);
                w.0.extend_from_slice(&epoch.to_le_bytes());
                w.0.extend_from_slice(&(envelopes.len() as u32).to_le_bytes());
                for (dev, env) in envelopes {
                    w.0.extend_from_slice(dev);
                    w.bytes(env);
                }
            }
            OpBody::Name { name } => {
                w.0.push(4);
                w.bytes(name);
            }
        }
        let sig = device.sign(&w.0);
        w.0.extend_from_slice(&sig.to_bytes());
        SpaceOp { bytes: w.0, space, author, parents: parents.into_iter().take(MAX_PARENTS).collect(), body }
    }

    /// Parses an operation and verifies its signature; never panics.
    pub fn decode(bytes: &[u8]) -> Result<SpaceOp, OpError> {
        if bytes.len() > MAX_OP_LEN || bytes.len() < 4 + 1 + 16 + 32 + 1 + 1 + 64 {
            return Err(OpError::Malformed);
        }
        let (signed, sig) = bytes.split_at(bytes.len() - 64);
        let mut r = Reader::new(signed, OpError::Malformed);
        if r.take(4)? != MAGIC {
            return Err(OpError::Malformed);
        }
        let version = r.u8()?;
        if version != VERSION && version != NAME_VERSION {
            return Err(OpError::UnknownVersion(version));
        }
        let space = SpaceId(r.array()?);
        let author: DeviceKey = r.array()?;
        let key = VerifyingKey::from_bytes(&author).map_err(|_| OpError::BadSignature)?;
        let sig = Signature::from_slice(sig).map_err(|_| OpError::BadSignature)?;
        key.verify_strict(signed, &sig).map_err(|_| OpError::BadSignature)?;
        let n = r.u8()? as usize;
        if n > MAX_PARENTS {
            return Err(OpError::Malformed);
        }
        let parents = (0..n).map(|_| r.array()).collect::<Result<Vec<OpId>, _>>()?;
        let body = match r.u8()? {
            1 => {
                OpBody::Create { recipient: string(&mut r)?, name: r.bytes()?.to_vec(), envelope: r.bytes()?.to_vec() }
            }
            2 => {
                let member = r.array()?;
                let recipient = string(&mut r)?;
                let role = Role::from_tag(r.u8()?).ok_or(OpError::Malformed)?;
                let name = r.bytes()?.to_vec();
                let n = count(&mut r)?;
                let envelopes =
                    (0..n).map(|_| Ok((r.u32()?, r.bytes()?.to_vec()))).collect::<Result<Vec<_>, OpError>>()?;
                OpBody::Add { member, recipient, role, name, envelopes }
            }
            3 => {
                let member = r.array()?;
                let epoch = r.u32()?;
                let n = count(&mut r)?;
                let envelopes =
                    (0..n).map(|_| Ok((r.array()?, r.bytes()?.to_vec()))).collect::<Result<Vec<_>, OpError>>()?;
                OpBody::Remove { member, epoch, envelopes }
            }
            4 => OpBody::Name { name: r.bytes()?.to_vec() },
            _ => return Err(OpError::Malformed),
        };
        if !r.is_done() || body.version() != version {
            return Err(OpError::Malformed);
        }
        Ok(SpaceOp { bytes: bytes.to_vec(), space, author, parents, body })
    }

    /// The operation's id.
    pub fn id(&self) -> OpId {
        *blake3::hash(&self.bytes).as_bytes()
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A member as the log says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Device key.
    pub device: DeviceKey,
    /// age recipient.
    pub recipient: String,
    /// Role.
    pub role: Role,
    /// Display name the coordinator gave when adding it (from its card), sealed under an epoch
    /// key; empty for the creator.
    pub sealed_name: Vec<u8>,
    /// Display name the member last set itself (`Name`), sealed and bound to it; wins over
    /// `sealed_name` when present.
    pub own_name: Option<Vec<u8>>,
    /// True once removed.
    pub removed: bool,
}

/// The state of a space after evaluating its log.
#[derive(Clone, Debug)]
pub struct SpaceState {
    /// The space.
    pub space: SpaceId,
    /// Who created it.
    pub creator: DeviceKey,
    /// The space name, sealed under the epoch-0 key.
    pub sealed_name: Vec<u8>,
    /// Members, active and removed.
    pub members: BTreeMap<DeviceKey, Member>,
    /// The current key epoch.
    pub epoch: u32,
    /// Ops applied, in order.
    pub applied: Vec<OpId>,
    /// Ops that were valid but not allowed (author not a coordinator, stale epoch...).
    pub rejected: Vec<OpId>,
    /// Ops waiting for parents that are not known yet.
    pub pending: Vec<OpId>,
    /// Ops that no applied or pending op names as a parent: the parents of the next op.
    pub heads: Vec<OpId>,
}

impl SpaceState {
    /// True when `device` is an active member with at least the reading role.
    pub fn is_active(&self, device: &DeviceKey) -> bool {
        self.members.get(device).is_some_and(|m| !m.removed)
    }

    /// The active member's role.
    pub fn role(&self, device: &DeviceKey) -> Option<Role> {
        self.members.get(device).filter(|m| !m.removed).map(|m| m.role)
    }

    /// Active members who receive keys.
    pub fn readers(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| !m.removed && m.role.reads())
    }
}

/// Evaluates a space's log. `None` when no valid create operation for `space` is present.
pub fn evaluate(space: SpaceId, ops: &[SpaceOp]) -> Option<SpaceState> {
    let by_id: HashMap<OpId, &SpaceOp> = ops.iter().filter(|o| o.space == space).map(|o| (o.id(), o)).collect();
    // Kahn's algorithm over known parents; an op with an unknown parent never becomes ready.
    let mut missing: HashMap<OpId, usize> = HashMap::new();
    let mut children: HashMap<OpId, Vec<OpId>> = HashMap::new();
    let mut ready = BinaryHeap::new();
    for (id, op) in &by_id {
        let unknown = op.parents.iter().filter(|p| !by_id.contains_key(*p)).count();
        let known: BTreeSet<&OpId> = op.parents.iter().filter(|p| by_id.contains_key(*p)).collect();
        for p in &known {
            children.entry(**p).or_default().push(*id);
        }
        let waiting = known.len() + if unknown > 0 { usize::MAX / 2 } else { 0 };
        if waiting == 0 {
            ready.push(Reverse(*id));
        }
        missing.insert(*id, waiting);
    }
    let mut state: Option<SpaceState> = None;
    let mut applied: Vec<OpId> = Vec::new();
    let mut rejected = Vec::new();
    while let Some(Reverse(id)) = ready.pop() {
        let op = by_id[&id];
        if apply(&mut state, space, op) {
            applied.push(id);
        } else {
            rejected.push(id);
        }
        for child in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(n) = missing.get_mut(child) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse(*child));
                }
            }
        }
    }
    let mut state = state?;
    let seen: BTreeSet<OpId> = applied.iter().chain(&rejected).copied().collect();
    state.pending = by_id.keys().filter(|id| !seen.contains(*id)).copied().collect();
    state.pending.sort();
    let named: BTreeSet<OpId> = seen.iter().flat_map(|id| by_id[id].parents.iter().copied()).collect();
    state.heads = seen.iter().filter(|id| !named.contains(*id)).copied().collect();
    state.applied = applied;
    state.rejected = rejected;
    Some(state)
}

/// True when `recipient` is an age X25519 recipient (what `seal_envelope` and bundles need).
fn usable(recipient: &str) -> bool {
    recipient.parse::<age::x25519::Recipient>().is_ok()
}

fn apply(state: &mut Option<SpaceState>, space: SpaceId, op: &SpaceOp) -> bool {
    match (&op.body, state.as_mut()) {
        (OpBody::Create { recipient, name, .. }, None) if op.parents.is_empty() && usable(recipient) => {
            let mut members = BTreeMap::new();
            members.insert(
                op.author,
                Member {
                    device: op.author,
                    recipient: recipient.clone(),
                    role: Role::Coordinator,
                    sealed_name: Vec::new(),
                    own_name: None,
                    removed: false,
                },
            );
            *state = Some(SpaceState {
                space,
                creator: op.author,
                sealed_name: name.clone(),
                members,
                epoch: 0,
                applied: Vec::new(),
                rejected: Vec::new(),
                pending: Vec::new(),
                heads: Vec::new(),
            });
            true
        }
        (OpBody::Add { member, recipient, role, name, envelopes }, Some(s)) => {
            // A member whose age recipient does not parse could never be sent a new key, so no
            // coordinator could remove anyone while they are in: the addition is refused.
            if s.role(&op.author) != Some(Role::Coordinator) || s.is_active(member) || !usable(recipient) {
                return false;
            }
            // A reader must get every epoch's key so far; a courier gets none.
            let epochs: BTreeSet<u32> = envelopes.iter().map(|(e, _)| *e).collect();
            let complete = if role.reads() { epochs == (0..=s.epoch).collect() } else { envelopes.is_empty() };
            if !complete {
                return false;
            }
            s.members.insert(
                *member,
                Member {
                    device: *member,
                    recipient: recipient.clone(),
                    role: *role,
                    sealed_name: name.clone(),
                    own_name: None,
                    removed: false,
                },
            );
            true
        }
        (OpBody::Remove { member, epoch, envelopes }, Some(s)) => {
            if s.role(&op.author) != Some(Role::Coordinator) || !s.is_active(member) || *epoch != s.epoch + 1 {
                return false;
            }
            let remaining: BTreeSet<DeviceKey> = s.readers().map(|m| m.device).filter(|d| d != member).collect();
            let addressed: BTreeSet<DeviceKey> = envelopes.iter().map(|(d, _)| *d).collect();
            if remaining != addressed {
                return false;
            }
            if let Some(m) = s.members.get_mut(member) {
                m.removed = true;
            }
            s.epoch = *epoch;
            true
        }
        (OpBody::Name { name }, Some(s)) => {
            // Only an active reading member names itself, under an epoch the log has started.
            let epoch = name.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
            let readable = epoch.is_some_and(|e| e <= s.epoch);
            match s.members.get_mut(&op.author) {
                Some(m) if !m.removed && m.role.reads() && readable => {
                    m.own_name = Some(name.clone());
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// An epoch key in an age envelope: the plaintext binds the key to its space and epoch.
pub fn seal_envelope(recipient: &str, space: SpaceId, epoch: u32, key: &SecretKey) -> Option<Vec<u8>> {
    let r: age::x25519::Recipient = recipient.parse().ok()?;
    let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(52));
    plain.extend_from_slice(&space.0);
    plain.extend_from_slice(&epoch.to_le_bytes());
    plain.extend_from_slice(key.expose());
    age::encrypt(&r, &plain).ok()
}

/// Opens an envelope addressed to `identity`; checks it is for this space and epoch.
pub fn open_envelope(
    identity: &age::x25519::Identity,
    space: SpaceId,
    epoch: u32,
    envelope: &[u8],
) -> Option<SecretKey> {
    let plain = zeroize::Zeroizing::new(age::decrypt(identity, envelope).ok()?);
    if plain.len() != 52 || plain[..16] != space.0 || plain[16..20] != epoch.to_le_bytes() {
        return None;
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(&plain[20..]);
    Some(SecretKey::from_bytes(k))
}

/// Every epoch key of `space` that the log gives to the holder of `identity` (device `me`).
pub fn my_keys(
    state: &SpaceState,
    ops: &[SpaceOp],
    me: &DeviceKey,
    identity: &age::x25519::Identity,
) -> BTreeMap<u32, SecretKey> {
    let mut keys = BTreeMap::new();
    let applied: BTreeSet<&OpId> = state.applied.iter().collect();
    let mut epoch_of_remove = Vec::new();
    for op in ops.iter().filter(|o| o.space == state.space && applied.contains(&o.id())) {
        match &op.body {
            OpBody::Create { envelope, .. } if &op.author == me => {
                if let Some(k) = open_envelope(identity, state.space, 0, envelope) {
                    keys.insert(0, k);
                }
            }
            OpBody::Add { member, envelopes, .. } if member == me => {
                for (epoch, env) in envelopes {
                    if let Some(k) = open_envelope(identity, state.space, *epoch, env) {
                        keys.insert(*epoch, k);
                    }
                }
            }
            OpBody::Remove { epoch, envelopes, .. } => epoch_of_remove.push((*epoch, envelopes)),
            _ => {}
        }
    }
    for (epoch, envelopes) in epoch_of_remove {
        if let Some((_, env)) = envelopes.iter().find(|(d, _)| d == me) {
            if let Some(k) = open_envelope(identity, state.space, epoch, env) {
                keys.insert(epoch, k);
            }
        }
    }
    keys
}
