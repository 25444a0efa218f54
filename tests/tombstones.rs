//! Deleting a shared record for the whole space, on real vault files through the sync item API
//! (`item_ids`/`items`/`ingest`): the receiver erases its copy and refuses later changes of it,
//! erased ids are neither asked for nor offered again, nothing readable stays on disk; forged,
//! unsigned, malformed and courier's or removed member's tombstones are refused with typed
//! errors and change nothing; a tombstone for an unknown record, or twice, is harmless.
//!
//! Some tests sign hostile items with keys held by the test (a courier that somehow got the space
//! key, a removed member): a vault never makes those.

mod util;

use std::collections::{BTreeMap, BTreeSet};

use carenet::crypto::SecretKey;
use carenet::model::SpaceId;
use carenet::sealed::SealedChange;
use carenet::space::log::{evaluate, seal_envelope, OpBody, SpaceOp};
use carenet::space::{self, ticket, MemberCard, Role};
use carenet::tombstone::Tombstone;
use carenet::vault::DeleteScope;
use carenet::{Error, Note, Vault};
use ed25519_dalek::SigningKey;
use util::*;

fn note(title: &str) -> Note {
    Note { title: title.into(), body: "body".into(), tags: vec![], ..Default::default() }
}

fn ids(v: &Vault, space: SpaceId) -> BTreeSet<[u8; 32]> {
    v.item_ids(space).unwrap().into_iter().collect()
}

/// Sends what `to` lacks of what `from` offers; returns the report.
fn exchange(from: &Vault, to: &mut Vault, space: SpaceId) -> carenet::vault::IngestReport {
    let have = ids(to, space);
    let want: Vec<[u8; 32]> = from.item_ids(space).unwrap().into_iter().filter(|i| !have.contains(i)).collect();
    let items = from.items(space, &want).unwrap();
    to.ingest(space, items).unwrap()
}

fn both_ways(a: &mut Vault, b: &mut Vault, space: SpaceId) {
    exchange(a, b, space);
    exchange(b, a, space);
}

fn refusal_code(e: Error) -> &'static str {
    match &e {
        Error::SyncRefused(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A coordinator and two members in one space, synced.
fn three() -> (Vec<TestDir>, [Vault; 3], SpaceId) {
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let (dc, mut c) = new_vault();
    let space = a.create_space("Tombstones").unwrap();
    for v in [&mut b, &mut c] {
        let card = v.member_card("peer").unwrap().0;
        let invite = a.invite(&space, &card, Role::Member).unwrap();
        v.join(&invite).unwrap();
    }
    both_ways(&mut a, &mut b, space);
    both_ways(&mut a, &mut c, space);
    (vec![da, db, dc], [a, b, c], space)
}

/// The sealed bytes of every change of `space` a vault holds (for searching files later).
fn all_items(v: &Vault, space: SpaceId) -> Vec<Vec<u8>> {
    let ids: Vec<[u8; 32]> = v.item_ids(space).unwrap();
    v.items(space, &ids).unwrap()
}

#[test]
fn a_tombstone_erases_every_copy_and_its_ciphertext_and_is_not_undone_by_sync() {
    let (dirs, [mut a, mut b, mut c], space) = three();
    let id = a.add_to_space(&space, &note("Safe house on the river")).unwrap();
    a.update::<Note>(&id, |n| n.body = "second version".into()).unwrap();
    both_ways(&mut a, &mut b, space);
    both_ways(&mut a, &mut c, space);
    let before_delete = all_items(&b, space);
    let record_items: Vec<Vec<u8>> = {
        let ops_and_others = all_items(&a, space);
        before_delete.iter().filter(|i| i.starts_with(b"CNSC") && ops_and_others.contains(i)).cloned().collect()
    };
    assert_eq!(record_items.len(), 2, "the two changes of the note");
    assert_eq!(a.delete_scope(&id), DeleteScope::Space(space));
    a.delete(&id).unwrap();
    assert!(a.is_deleted_by_tombstone(&id));
    assert!(matches!(a.delete(&id), Err(Error::NotFound(_))), "deleting again is a typed not-found");
    // B receives the tombstone only (it holds the changes): it erases its copy.
    let r = exchange(&a, &mut b, space);
    assert_eq!((r.received - r.duplicates, r.deleted_records.clone()), (1, vec![id]));
    assert!(matches!(b.get::<Note>(&id), Err(Error::NotFound(_))));
    // Neither side sees anything missing any more: B still lists the erased ids, A has no bytes.
    assert_eq!(ids(&a, space), ids(&b, space));
    let erased: Vec<[u8; 32]> = record_items.iter().map(|i| *blake3::hash(i).as_bytes()).collect();
    assert!(a.items(space, &erased).unwrap().is_empty(), "erased changes are never sent");
    // C was offline during the delete; it meets B, not A.
    exchange(&b, &mut c, space);
    assert!(c.get::<Note>(&id).is_err());
    // Once converged, nothing is asked for or offered in any direction.
    assert_eq!(exchange(&a, &mut c, space).received, 0);
    assert_eq!(exchange(&c, &mut a, space).received, 0);
    assert_eq!(exchange(&c, &mut b, space).received, 0);
    // A new member gets the tombstone and the listed ids, and never asks for the erased changes.
    let (dd, mut d) = new_vault();
    let card = d.member_card("late").unwrap().0;
    d.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    exchange(&a, &mut d, space);
    exchange(&d, &mut a, space);
    assert_eq!(ids(&d, space), ids(&a, space));
    assert!(d.get::<Note>(&id).is_err());
    // After a reopen the erased ids and the delete are still known, and no byte of the erased
    // changes is in any file of A, B or C.
    let b_ids = ids(&b, space);
    let (a, b, c) = (reopen(a), reopen(b), reopen(c));
    assert!(b.is_deleted_by_tombstone(&id) && c.is_deleted_by_tombstone(&id));
    assert_eq!(ids(&b, space), b_ids);
    assert_eq!(ids(&a, space), ids(&d, space));
    drop((a, b, c, d, dd));
    for dir in &dirs {
        for item in &record_items {
            let tail = &item[item.len() - 64..];
            assert!(files_containing(dir.path(), tail).is_empty(), "an erased change's bytes are still on disk");
        }
    }
}

#[test]
fn an_edit_concurrent_with_the_delete_converges_in_either_order() {
    for tombstone_first in [true, false] {
        let (_dirs, [mut a, mut b, mut c], space) = three();
        let id = a.add_to_space(&space, &note("Contact list")).unwrap();
        both_ways(&mut a, &mut b, space);
        both_ways(&mut a, &mut c, space);
        // A deletes while C, offline, edits the same record.
        a.delete(&id).unwrap();
        c.update::<Note>(&id, |n| n.body = "edited offline".into()).unwrap();
        if tombstone_first {
            // B gets the tombstone, then C's edit: the edit is dropped, not stored.
            exchange(&a, &mut b, space);
            let r = exchange(&c, &mut b, space);
            assert_eq!(r.dropped, 1, "a later change of a deleted record is refused");
            assert!(b.get::<Note>(&id).is_err());
        } else {
            // B gets C's edit first (and shows it), then the tombstone.
            exchange(&c, &mut b, space);
            assert_eq!(b.get::<Note>(&id).unwrap().value.body, "edited offline");
            let r = exchange(&a, &mut b, space);
            assert_eq!(r.deleted_records, vec![id]);
        }
        for _ in 0..2 {
            both_ways(&mut a, &mut b, space);
            both_ways(&mut b, &mut c, space);
            both_ways(&mut a, &mut c, space);
        }
        for v in [&a, &b, &c] {
            assert!(v.get::<Note>(&id).is_err(), "order {tombstone_first}: the record came back");
            assert!(v.is_deleted_by_tombstone(&id));
        }
        assert_eq!(ids(&a, space), ids(&b, space), "order {tombstone_first}");
        assert_eq!(ids(&a, space), ids(&c, space), "order {tombstone_first}");
        // Once converged, nothing is asked for or offered in any direction.
        assert_eq!(exchange(&c, &mut a, space).received, 0);
        assert_eq!(exchange(&a, &mut c, space).received, 0);
    }
}

#[test]
fn deleting_on_two_devices_at_once_or_receiving_a_tombstone_twice_is_harmless() {
    let (_dirs, [mut a, mut b, mut c], space) = three();
    let id = a.add_to_space(&space, &note("Twice")).unwrap();
    let keep = a.add_to_space(&space, &note("Kept")).unwrap();
    both_ways(&mut a, &mut b, space);
    both_ways(&mut a, &mut c, space);
    a.delete(&id).unwrap();
    b.delete(&id).unwrap();
    both_ways(&mut a, &mut b, space);
    let again = a.items(space, &a.item_ids(space).unwrap()).unwrap();
    let r = c.ingest(space, again.clone()).unwrap();
    assert_eq!(r.deleted_records, vec![id]);
    let r = c.ingest(space, again).unwrap();
    assert_eq!((r.received, r.duplicates, r.deleted_records.len()), (r.duplicates, r.duplicates, 0));
    both_ways(&mut b, &mut c, space);
    both_ways(&mut a, &mut c, space);
    for v in [&a, &b, &c] {
        assert!(v.get::<Note>(&id).is_err());
        assert_eq!(v.get::<Note>(&keep).unwrap().value.title, "Kept", "other records are untouched");
    }
    assert_eq!(ids(&a, space), ids(&c, space));
    assert_eq!(ids(&b, space), ids(&c, space));
}

#[test]
fn a_tombstone_for_an_unknown_record_is_harmless_and_later_changes_of_it_are_dropped() {
    let (_dirs, [mut a, mut b, _c], space) = three();
    let kept = a.add_to_space(&space, &note("Kept")).unwrap();
    both_ways(&mut a, &mut b, space);
    // B deletes a record A never had: A receives a tombstone for an unknown record.
    let only_b = b.add_to_space(&space, &note("Only on B")).unwrap();
    let b_changes: Vec<Vec<u8>> = {
        let held = ids(&a, space);
        let new: Vec<[u8; 32]> = b.item_ids(space).unwrap().into_iter().filter(|i| !held.contains(i)).collect();
        b.items(space, &new).unwrap()
    };
    b.delete(&only_b).unwrap();
    let before: Vec<_> = a.all().map(|r| r.id).collect();
    let r = exchange(&b, &mut a, space);
    assert_eq!((r.received - r.duplicates, r.deleted_records.clone()), (1, vec![only_b]));
    assert_eq!(a.all().map(|r| r.id).collect::<Vec<_>>(), before, "nothing else changed");
    assert!(a.get::<Note>(&kept).is_ok());
    // The record's changes arriving later (from a courier that still carries them) are dropped.
    let r = a.ingest(space, b_changes).unwrap();
    assert_eq!(r.received, r.duplicates, "the listed ids count as held");
    assert!(a.get::<Note>(&only_b).is_err());
}

#[test]
fn forged_unsigned_and_malformed_tombstones_are_refused_and_change_nothing() {
    let (da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = a.create_space("S").unwrap();
    let card = b.member_card("B").unwrap().0;
    b.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    both_ways(&mut a, &mut b, space);
    let id = a.add_to_space(&space, &note("Still here")).unwrap();
    both_ways(&mut a, &mut b, space);
    // B's real tombstone, taken before A sees it, then altered.
    b.delete(&id).unwrap();
    let held = ids(&a, space);
    let new: Vec<[u8; 32]> = b.item_ids(space).unwrap().into_iter().filter(|i| !held.contains(i)).collect();
    let tombstone = b.items(space, &new).unwrap().pop().unwrap();
    let mut forged = tombstone.clone();
    let at = forged.len() - 80;
    forged[at] ^= 1;
    let mut unsigned = tombstone.clone();
    let n = unsigned.len();
    unsigned[n - 64..].fill(0);
    let before = ids(&a, space);
    lock(a);
    let files = snapshot_files(da.path());
    let mut a = unlock(da.path());
    for (bytes, code) in [(&forged, "item_bad_signature"), (&unsigned, "item_bad_signature")] {
        let e = a.ingest(space, vec![bytes.clone()]).unwrap_err();
        assert_eq!(e.code(), code);
        assert!(matches!(e, Error::SyncRefused(_)), "a typed refusal");
    }
    assert_eq!(ids(&a, space), before);
    assert!(a.get::<Note>(&id).is_ok(), "the record is still there");
    lock(a);
    assert_same_files(&files, &snapshot_files(da.path()), "refused tombstones");
    let mut a = unlock(da.path());
    // The genuine one is accepted.
    assert_eq!(a.ingest(space, vec![tombstone]).unwrap().deleted_records, vec![id]);
}

/// A coordinator whose keys the test holds (to sign what a vault never would).
struct TestCoordinator {
    key: SigningKey,
    space: SpaceId,
    ops: Vec<SpaceOp>,
    keys: BTreeMap<u32, SecretKey>,
}

impl TestCoordinator {
    fn new() -> Self {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let identity = age::x25519::Identity::generate();
        let space = SpaceId(rand::random());
        let k0 = SecretKey::random();
        let envelope = seal_envelope(&identity.to_public().to_string(), space, 0, &k0).unwrap();
        let op = SpaceOp::sign(
            &key,
            space,
            vec![],
            OpBody::Create { recipient: identity.to_public().to_string(), name: vec![], envelope },
        );
        TestCoordinator { key, space, ops: vec![op], keys: BTreeMap::from([(0, k0)]) }
    }

    fn add(&mut self, card: &MemberCard, role: Role) -> String {
        let op = space::add(&self.key, &evaluate(self.space, &self.ops).unwrap(), &self.keys, card, role).unwrap();
        self.ops.push(op);
        ticket::encode(self.space, &card.device, &self.ops)
    }

    fn remove(&mut self, device: &[u8; 32]) {
        let (op, key) = space::remove(&self.key, &evaluate(self.space, &self.ops).unwrap(), device).unwrap();
        self.ops.push(op);
        let epoch = evaluate(self.space, &self.ops).unwrap().epoch;
        self.keys.insert(epoch, key);
    }

    fn op_items(&self) -> Vec<Vec<u8>> {
        self.ops.iter().map(|o| o.as_bytes().to_vec()).collect()
    }
}

fn test_card(key: &SigningKey, name: &str) -> MemberCard {
    MemberCard::sign(key, age::x25519::Identity::generate().to_public().to_string(), name).unwrap().0
}

#[test]
fn a_couriers_or_a_removed_members_tombstone_is_refused_and_a_malformed_one_too() {
    // The test plays the worst case: the courier and the removed device hold the space key.
    let mut coord = TestCoordinator::new();
    let courier = SigningKey::generate(&mut rand::rngs::OsRng);
    coord.add(&test_card(&courier, "Box"), Role::Courier);
    let seized = SigningKey::generate(&mut rand::rngs::OsRng);
    let seized_card = test_card(&seized, "Seized");
    coord.add(&seized_card, Role::Member);
    let (_dm, mut m) = new_vault();
    let space = m.join(&coord.add(&m.member_card("M").unwrap().0, Role::Member)).unwrap();
    m.ingest(space, coord.op_items()).unwrap();
    let id = m.add_to_space(&space, &note("Target")).unwrap();
    let payload = Tombstone { deleted_ms: 1, erased: vec![] }.encode();
    let by_courier = SealedChange::seal(&courier, space, 0, &coord.keys[&0], id, &payload);
    assert_eq!(
        refusal_code(m.ingest(space, vec![by_courier.as_bytes().to_vec()]).unwrap_err()),
        "item_no_write_rights"
    );
    // The seized device is removed (epoch 1); its tombstone under the new epoch is refused.
    coord.remove(&seized_card.device);
    m.ingest(space, coord.op_items()).unwrap();
    let by_removed = SealedChange::seal(&seized, space, 1, &coord.keys[&1], id, &payload);
    assert_eq!(
        refusal_code(m.ingest(space, vec![by_removed.as_bytes().to_vec()]).unwrap_err()),
        "item_no_write_rights"
    );
    // The coordinator's tombstone whose payload is damaged is refused, typed.
    let mut bad = payload.clone();
    bad.push(0);
    let malformed = SealedChange::seal(&coord.key, space, 1, &coord.keys[&1], id, &bad);
    let e = m.ingest(space, vec![malformed.as_bytes().to_vec()]).unwrap_err();
    assert!(!e.to_string().is_empty());
    assert_eq!(refusal_code(e), "item_unapplicable");
    assert_eq!(m.get::<Note>(&id).unwrap().value.title, "Target", "nothing was deleted");
    assert!(!m.is_deleted_by_tombstone(&id));
    // The coordinator's genuine tombstone deletes it.
    let good = SealedChange::seal(&coord.key, space, 1, &coord.keys[&1], id, &payload);
    assert_eq!(m.ingest(space, vec![good.as_bytes().to_vec()]).unwrap().deleted_records, vec![id]);
    assert!(m.get::<Note>(&id).is_err());
}

#[test]
fn a_member_that_knows_it_was_removed_deletes_only_its_own_copy() {
    let (_dirs, [mut a, mut b, _c], space) = three();
    let id = a.add_to_space(&space, &note("Kept by the space")).unwrap();
    both_ways(&mut a, &mut b, space);
    assert_eq!(b.delete_scope(&id), DeleteScope::Space(space));
    let b_device = b.member_card("B").unwrap().0.device;
    a.remove_member(&space, &b_device).unwrap();
    exchange(&a, &mut b, space);
    assert_eq!(b.delete_scope(&id), DeleteScope::ThisDevice, "a removed member cannot delete for the space");
    let before = ids(&b, space);
    b.delete(&id).unwrap();
    assert!(b.get::<Note>(&id).is_err());
    assert!(!b.is_deleted_by_tombstone(&id));
    assert!(ids(&b, space).is_subset(&before), "no tombstone was written");
    assert!(a.get::<Note>(&id).is_ok());
}
