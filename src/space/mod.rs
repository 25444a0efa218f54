//! Spaces: who may read and write a shared set of records. This module makes and reads the
//! membership log (`log`), member cards (`card`) and invite tickets (`ticket`); it does not store
//! or send anything. The vault keeps the log (`vault::spaces`), and sync moves it.

pub mod card;
pub mod log;
pub mod ticket;

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;

pub use card::MemberCard;
pub use log::{evaluate, DeviceKey, OpBody, OpId, Role, SpaceOp, SpaceState};

use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::model::{check_line, SpaceId};

fn name_aad(space: SpaceId) -> Vec<u8> {
    let mut aad = b"carenet/space-name/v1/".to_vec();
    aad.extend_from_slice(&space.0);
    aad
}

fn seal_name(space: SpaceId, epoch: u32, key: &SecretKey, name: &str) -> Vec<u8> {
    let mut out = epoch.to_le_bytes().to_vec();
    out.extend_from_slice(&key.seal(&name_aad(space), name.as_bytes()));
    out
}

/// Opens a sealed name with whichever epoch key it names.
pub fn open_name(space: SpaceId, keys: &BTreeMap<u32, SecretKey>, sealed: &[u8]) -> Option<String> {
    let epoch = u32::from_le_bytes(sealed.get(..4)?.try_into().ok()?);
    let plain = keys.get(&epoch)?.open(&name_aad(space), &sealed[4..])?;
    String::from_utf8(plain.to_vec()).ok()
}

fn member_name_aad(space: SpaceId, member: &DeviceKey) -> Vec<u8> {
    let mut aad = b"carenet/member-name/v1/".to_vec();
    aad.extend_from_slice(&space.0);
    aad.extend_from_slice(member);
    aad
}

/// Seals the display name `member` sets for itself under the key of `epoch` (prefixed with the
/// epoch, padded like every sealed value, bound to the space and the member).
pub fn seal_member_name(space: SpaceId, member: &DeviceKey, epoch: u32, key: &SecretKey, name: &str) -> Vec<u8> {
    let mut out = epoch.to_le_bytes().to_vec();
    out.extend_from_slice(&key.seal(&member_name_aad(space, member), name.as_bytes()));
    out
}

/// Opens a name `member` set for itself, with whichever epoch key it names.
pub fn open_member_name(
    space: SpaceId,
    member: &DeviceKey,
    keys: &BTreeMap<u32, SecretKey>,
    sealed: &[u8],
) -> Option<String> {
    let epoch = u32::from_le_bytes(sealed.get(..4)?.try_into().ok()?);
    let plain = keys.get(&epoch)?.open(&member_name_aad(space, member), &sealed[4..])?;
    String::from_utf8(plain.to_vec()).ok()
}

/// A member's display name as the holder of `keys` can read it: the one it last set itself,
/// else the one it was added with; `None` when neither exists or opens (a creator that never
/// set one, as in logs written before `Name` existed).
pub fn member_name(space: SpaceId, keys: &BTreeMap<u32, SecretKey>, member: &log::Member) -> Option<String> {
    member
        .own_name
        .as_deref()
        .and_then(|sealed| open_member_name(space, &member.device, keys, sealed))
        .or_else(|| open_name(space, keys, &member.sealed_name))
}

/// Sets this device's own display name in a space, sealed under the current epoch key. Only an
/// active member that reads the space can (a courier holds no key; a removed device is refused).
pub fn set_name(
    device: &SigningKey,
    state: &SpaceState,
    keys: &BTreeMap<u32, SecretKey>,
    name: &str,
) -> Result<SpaceOp> {
    let me = device.verifying_key().to_bytes();
    match state.role(&me) {
        Some(Role::Coordinator | Role::Member) => {}
        Some(Role::Courier) => {
            return Err(Error::invalid("A courier carries this space without reading it, so it has no name in it."))
        }
        None => return Err(Error::invalid("This device is not a member of this space.")),
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("Choose a display name (it need not be your real name)."));
    }
    check_line("display name", name)?;
    let key = keys.get(&state.epoch).ok_or_else(|| Error::Crypto("this device lacks the current space key".into()))?;
    let sealed = seal_member_name(state.space, &me, state.epoch, key, name);
    Ok(SpaceOp::sign(device, state.space, state.heads.clone(), OpBody::Name { name: sealed }))
}

/// Creates a space: a new id, its epoch-0 key, and the signed create operation.
pub fn create(device: &SigningKey, my_recipient: &str, name: &str) -> Result<(SpaceId, SpaceOp, SecretKey)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("A space needs a name."));
    }
    check_line("space name", name)?;
    let space = SpaceId(crate::crypto::random_bytes());
    let key = SecretKey::random();
    let envelope = log::seal_envelope(my_recipient, space, 0, &key)
        .ok_or_else(|| Error::Crypto("could not seal the space key to this device".into()))?;
    let op = SpaceOp::sign(
        device,
        space,
        Vec::new(),
        OpBody::Create { recipient: my_recipient.to_owned(), name: seal_name(space, 0, &key, name), envelope },
    );
    Ok((space, op, key))
}

/// Adds the device of `card` with `role`: a reader gets every epoch key so far.
pub fn add(
    device: &SigningKey,
    state: &SpaceState,
    keys: &BTreeMap<u32, SecretKey>,
    card: &MemberCard,
    role: Role,
) -> Result<SpaceOp> {
    let me = device.verifying_key().to_bytes();
    if state.role(&me) != Some(Role::Coordinator) {
        return Err(Error::invalid("Only a coordinator of this space can add members."));
    }
    if state.is_active(&card.device) {
        return Err(Error::invalid(format!("{} is already a member of this space.", card.name)));
    }
    let current =
        keys.get(&state.epoch).ok_or_else(|| Error::Crypto("this device lacks the current space key".into()))?;
    let envelopes = if role.reads() {
        (0..=state.epoch)
            .map(|e| {
                let k = keys.get(&e).ok_or_else(|| Error::Crypto(format!("this device lacks the key of epoch {e}")))?;
                log::seal_envelope(&card.recipient, state.space, e, k)
                    .map(|env| (e, env))
                    .ok_or_else(|| Error::invalid("The card's age recipient is not valid."))
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(SpaceOp::sign(
        device,
        state.space,
        state.heads.clone(),
        OpBody::Add {
            member: card.device,
            recipient: card.recipient.clone(),
            role,
            name: seal_name(state.space, state.epoch, current, &card.name),
            envelopes,
        },
    ))
}

/// Removes `member` and starts a new epoch whose key only the remaining readers receive.
pub fn remove(device: &SigningKey, state: &SpaceState, member: &DeviceKey) -> Result<(SpaceOp, SecretKey)> {
    let me = device.verifying_key().to_bytes();
    if state.role(&me) != Some(Role::Coordinator) {
        return Err(Error::invalid("Only a coordinator of this space can remove members."));
    }
    if !state.is_active(member) {
        return Err(Error::invalid("That device is not a member of this space."));
    }
    let key = SecretKey::random();
    let epoch = state.epoch + 1;
    let envelopes = state
        .readers()
        .filter(|m| &m.device != member)
        .map(|m| {
            log::seal_envelope(&m.recipient, state.space, epoch, &key)
                .map(|env| (m.device, env))
                .ok_or_else(|| Error::Crypto("could not seal the new space key".into()))
        })
        .collect::<Result<Vec<_>>>()?;
    let op =
        SpaceOp::sign(device, state.space, state.heads.clone(), OpBody::Remove { member: *member, epoch, envelopes });
    Ok((op, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Device {
        key: SigningKey,
        identity: age::x25519::Identity,
        card: MemberCard,
    }

    fn device(name: &str) -> Device {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let identity = age::x25519::Identity::generate();
        let (card, _) = MemberCard::sign(&key, identity.to_public().to_string(), name).unwrap();
        Device { key, identity, card }
    }

    fn keys_of(d: &Device, state: &SpaceState, ops: &[SpaceOp]) -> BTreeMap<u32, SecretKey> {
        log::my_keys(state, ops, &d.card.device, &d.identity)
    }

    #[test]
    fn create_add_remove_gives_keys_to_exactly_the_right_members() {
        let (a, b, c, courier) = (device("A"), device("B"), device("C"), device("Box"));
        let (space, create_op, _) = create(&a.key, &a.card.recipient, "Minsk network").unwrap();
        let mut ops = vec![create_op];
        let st = evaluate(space, &ops).unwrap();
        let ka = keys_of(&a, &st, &ops);
        assert_eq!(open_name(space, &ka, &st.sealed_name).as_deref(), Some("Minsk network"));

        for (d, role) in [(&b, Role::Member), (&c, Role::Member), (&courier, Role::Courier)] {
            let st = evaluate(space, &ops).unwrap();
            ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &d.card, role).unwrap());
        }
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(st.members.len(), 4);
        assert!(st.rejected.is_empty());
        assert_eq!(keys_of(&b, &st, &ops).keys().copied().collect::<Vec<_>>(), vec![0]);
        assert!(keys_of(&courier, &st, &ops).is_empty(), "a courier receives no key");
        let name_of_b = open_name(space, &keys_of(&c, &st, &ops), &st.members[&b.card.device].sealed_name);
        assert_eq!(name_of_b.as_deref(), Some("B"));

        let (remove_op, new_key) = remove(&a.key, &st, &c.card.device).unwrap();
        ops.push(remove_op);
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(st.epoch, 1);
        assert!(!st.is_active(&c.card.device));
        let kb = keys_of(&b, &st, &ops);
        assert_eq!(kb.get(&1).map(|k| k.expose().to_vec()), Some(new_key.expose().to_vec()));
        assert!(!keys_of(&c, &st, &ops).contains_key(&1), "the removed member never gets the new key");
        assert!(!keys_of(&courier, &st, &ops).contains_key(&1));
    }

    #[test]
    fn only_coordinators_change_membership_and_forgeries_are_refused() {
        let (a, b, m) = (device("A"), device("B"), device("Mallory"));
        let (space, create_op, _) = create(&a.key, &a.card.recipient, "S").unwrap();
        let mut ops = vec![create_op];
        let st = evaluate(space, &ops).unwrap();
        ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &b.card, Role::Member).unwrap());
        let st = evaluate(space, &ops).unwrap();
        // B is a member, not a coordinator: its add of Mallory is refused by the library...
        assert!(add(&b.key, &st, &keys_of(&b, &st, &ops), &m.card, Role::Member).is_err());
        // ...and a hand-made one is rejected by every evaluator.
        let forged = SpaceOp::sign(
            &b.key,
            space,
            st.heads.clone(),
            OpBody::Add {
                member: m.card.device,
                recipient: m.card.recipient.clone(),
                role: Role::Coordinator,
                name: vec![],
                envelopes: vec![],
            },
        );
        let forged_id = forged.id();
        ops.push(forged);
        let st = evaluate(space, &ops).unwrap();
        assert!(!st.is_active(&m.card.device));
        assert_eq!(st.rejected, vec![forged_id]);
        // A flipped byte anywhere is refused at decoding.
        let bytes = ops[1].as_bytes().to_vec();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(SpaceOp::decode(&b).is_err(), "flip at {i} accepted");
        }
        for cut in 0..bytes.len() {
            assert!(SpaceOp::decode(&bytes[..cut]).is_err());
        }
        assert_eq!(SpaceOp::decode(&bytes).unwrap().id(), ops[1].id());
    }

    fn name_of(d: &Device, space: SpaceId, st: &SpaceState, ops: &[SpaceOp], of: &Device) -> Option<String> {
        member_name(space, &keys_of(d, st, ops), &st.members[&of.card.device])
    }

    #[test]
    fn members_name_themselves_the_latest_name_wins_and_epochs_keep_it_readable() {
        let (a, b, c, d) = (device("A"), device("B"), device("C"), device("D"));
        let (space, create_op, key) = create(&a.key, &a.card.recipient, "S").unwrap();
        let mut ops = vec![create_op];
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(name_of(&a, space, &st, &ops, &a), None, "a log without a name op has no creator name");
        ops.push(set_name(&a.key, &st, &BTreeMap::from([(0, key)]), "Anna").unwrap());
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(name_of(&a, space, &st, &ops, &a).as_deref(), Some("Anna"));
        for x in [&b, &c] {
            let st = evaluate(space, &ops).unwrap();
            ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &x.card, Role::Member).unwrap());
        }
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(name_of(&b, space, &st, &ops, &a).as_deref(), Some("Anna"), "a member reads the creator's name");
        assert_eq!(name_of(&a, space, &st, &ops, &b).as_deref(), Some("B"), "the card's name until B sets one");
        for n in ["Bea", "Beatriz"] {
            let st = evaluate(space, &ops).unwrap();
            ops.push(set_name(&b.key, &st, &keys_of(&b, &st, &ops), n).unwrap());
        }
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(name_of(&c, space, &st, &ops, &b).as_deref(), Some("Beatriz"), "the later name wins");
        // C is removed: epoch 1. B renames under epoch 1; C cannot read it, a member added later can.
        ops.push(remove(&a.key, &st, &c.card.device).unwrap().0);
        let st = evaluate(space, &ops).unwrap();
        ops.push(set_name(&b.key, &st, &keys_of(&b, &st, &ops), "B. (epoch 1)").unwrap());
        let st = evaluate(space, &ops).unwrap();
        ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &d.card, Role::Member).unwrap());
        let st = evaluate(space, &ops).unwrap();
        assert!(st.rejected.is_empty());
        assert_eq!(name_of(&d, space, &st, &ops, &b).as_deref(), Some("B. (epoch 1)"));
        assert_eq!(name_of(&d, space, &st, &ops, &a).as_deref(), Some("Anna"), "an epoch-0 name stays readable");
        // The removed member cannot open the latest name and sees the one B was added with.
        assert_eq!(name_of(&c, space, &st, &ops, &b).as_deref(), Some("B"), "the removed member reads no later name");
        // The same log in any arrival order gives the same names.
        let mut reversed = ops.clone();
        reversed.reverse();
        assert_eq!(evaluate(space, &reversed).unwrap().members, st.members);
    }

    #[test]
    fn names_by_removed_members_couriers_or_for_others_are_refused() {
        let (a, b, c, courier) = (device("A"), device("B"), device("C"), device("Box"));
        let (space, create_op, _) = create(&a.key, &a.card.recipient, "S").unwrap();
        let mut ops = vec![create_op];
        for (x, role) in [(&b, Role::Member), (&c, Role::Member), (&courier, Role::Courier)] {
            let st = evaluate(space, &ops).unwrap();
            ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &x.card, role).unwrap());
        }
        let st = evaluate(space, &ops).unwrap();
        let kb = keys_of(&b, &st, &ops);
        assert!(set_name(&courier.key, &st, &kb, "Box").is_err(), "a courier has no key to seal a name");
        // A courier's hand-made name op is rejected by every evaluator.
        let sealed = seal_member_name(space, &courier.card.device, 0, &kb[&0], "Box");
        let by_courier = SpaceOp::sign(&courier.key, space, st.heads.clone(), OpBody::Name { name: sealed });
        // B copies C's name op body into its own op: it applies to B only and does not open as B's.
        let cs = set_name(&c.key, &st, &keys_of(&c, &st, &ops), "Mallory").unwrap();
        let OpBody::Name { name } = &cs.body else { unreachable!() };
        let copied = SpaceOp::sign(&b.key, space, st.heads.clone(), OpBody::Name { name: name.clone() });
        // An op claiming to be C's but signed by B fails its signature.
        let mut forged = copied.as_bytes().to_vec();
        forged[4 + 1 + 16..4 + 1 + 16 + 32].copy_from_slice(&c.card.device);
        assert_eq!(SpaceOp::decode(&forged).unwrap_err(), log::OpError::BadSignature);
        ops.extend([by_courier.clone(), copied]);
        let st = evaluate(space, &ops).unwrap();
        assert_eq!(st.rejected, vec![by_courier.id()]);
        assert_eq!(
            name_of(&a, space, &st, &ops, &b).as_deref(),
            Some("B"),
            "a name sealed for another member does not open"
        );
        assert_eq!(name_of(&a, space, &st, &ops, &c).as_deref(), Some("C"));
        // C is removed; a name it signs afterwards (on the log with its removal) is rejected.
        ops.push(remove(&a.key, &st, &c.card.device).unwrap().0);
        let st = evaluate(space, &ops).unwrap();
        assert!(set_name(&c.key, &st, &keys_of(&c, &st, &ops), "C2").is_err());
        let sealed = seal_member_name(space, &c.card.device, 0, &keys_of(&c, &st, &ops)[&0], "C2");
        let late = SpaceOp::sign(&c.key, space, st.heads.clone(), OpBody::Name { name: sealed });
        ops.push(late.clone());
        let st = evaluate(space, &ops).unwrap();
        assert!(st.rejected.contains(&late.id()));
        assert_eq!(name_of(&a, space, &st, &ops, &c).as_deref(), Some("C"));
        // A name naming an epoch the log has not started is rejected.
        let sealed = seal_member_name(space, &b.card.device, 7, &kb[&0], "B7");
        let future = SpaceOp::sign(&b.key, space, st.heads.clone(), OpBody::Name { name: sealed });
        ops.push(future.clone());
        assert!(evaluate(space, &ops).unwrap().rejected.contains(&future.id()));
    }

    #[test]
    fn name_ops_are_version_2_and_every_flip_or_cut_is_refused() {
        let a = device("A");
        let (space, create_op, key) = create(&a.key, &a.card.recipient, "S").unwrap();
        let st = evaluate(space, std::slice::from_ref(&create_op)).unwrap();
        let op = set_name(&a.key, &st, &BTreeMap::from([(0, key)]), "Anna").unwrap();
        let bytes = op.as_bytes().to_vec();
        assert_eq!((bytes[4], create_op.as_bytes()[4]), (2, 1), "only the name op is written as version 2");
        assert_eq!(SpaceOp::decode(&bytes).unwrap().body, op.body);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(SpaceOp::decode(&b).is_err(), "flip at {i} accepted");
        }
        for cut in 0..bytes.len() {
            assert!(SpaceOp::decode(&bytes[..cut]).is_err());
        }
        // Re-signed with another version byte: kind 4 as version 1 is malformed, version 3 unknown.
        let resign = |version: u8, of: &[u8]| {
            let mut signed = of[..of.len() - 64].to_vec();
            signed[4] = version;
            let sig = ed25519_dalek::Signer::sign(&a.key, &signed);
            signed.extend_from_slice(&sig.to_bytes());
            SpaceOp::decode(&signed).map(|_| ())
        };
        assert_eq!(resign(1, &bytes), Err(log::OpError::Malformed));
        assert_eq!(
            resign(2, create_op.as_bytes()),
            Err(log::OpError::Malformed),
            "an old kind as version 2 is malformed"
        );
        assert_eq!(resign(3, &bytes), Err(log::OpError::UnknownVersion(3)));
        assert_eq!(resign(2, &bytes), Ok(()));
    }

    #[test]
    fn evaluation_does_not_depend_on_arrival_order_and_waits_for_parents() {
        let (a, b, c) = (device("A"), device("B"), device("C"));
        let (space, create_op, _) = create(&a.key, &a.card.recipient, "S").unwrap();
        let mut ops = vec![create_op];
        let st = evaluate(space, &ops).unwrap();
        ops.push(add(&a.key, &st, &keys_of(&a, &st, &ops), &b.card, Role::Coordinator).unwrap());
        let st = evaluate(space, &ops).unwrap();
        // Two coordinators act concurrently from the same state.
        let by_a = add(&a.key, &st, &keys_of(&a, &st, &ops), &c.card, Role::Member).unwrap();
        let (by_b, _) = remove(&b.key, &st, &a.card.device).unwrap();
        ops.push(by_a);
        ops.push(by_b);
        let forward = evaluate(space, &ops).unwrap();
        let mut reversed = ops.clone();
        reversed.reverse();
        let backward = evaluate(space, &reversed).unwrap();
        assert_eq!(forward.applied, backward.applied);
        assert_eq!(forward.members, backward.members);
        // Without its parent, an op waits instead of being applied.
        let orphan = ops.pop().unwrap();
        let without_parent = vec![ops[0].clone(), orphan.clone()];
        let st = evaluate(space, &without_parent).unwrap();
        assert_eq!(st.pending, vec![orphan.id()]);
    }
}
