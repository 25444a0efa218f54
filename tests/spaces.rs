//! Spaces and the sync item API on real vault files: membership, exchange through
//! `items`/`ingest`, refusals that store nothing, removal, couriers.
//!
//! Some tests play a coordinator (or a seized device) with keys held by the test itself, built
//! with the library's public space functions, so that they can sign hostile items a vault would
//! never make.

mod util;

use std::collections::BTreeMap;

use carenet::crypto::SecretKey;
use carenet::model::{RecordId, SpaceId};
use carenet::sealed::SealedChange;
use carenet::space::log::{evaluate, seal_envelope, OpBody, Role, SpaceOp};
use carenet::space::{self, ticket, MemberCard};
use carenet::{Error, Note, Vault};
use ed25519_dalek::SigningKey;
use util::*;

/// A coordinator whose keys the test holds.
struct TestCoordinator {
    key: SigningKey,
    space: SpaceId,
    ops: Vec<SpaceOp>,
    keys: BTreeMap<u32, SecretKey>,
    /// The epoch-0 key's bytes (made by the test, so that files can be searched for them).
    key_bytes: Vec<[u8; 32]>,
}

impl TestCoordinator {
    fn new() -> Self {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let identity = age::x25519::Identity::generate();
        let space = SpaceId(rand::random());
        let bytes: [u8; 32] = rand::random();
        let envelope =
            seal_envelope(&identity.to_public().to_string(), space, 0, &SecretKey::from_bytes(bytes)).unwrap();
        let op = SpaceOp::sign(
            &key,
            space,
            vec![],
            OpBody::Create { recipient: identity.to_public().to_string(), name: vec![], envelope },
        );
        let keys = BTreeMap::from([(0, SecretKey::from_bytes(bytes))]);
        TestCoordinator { key, space, ops: vec![op], keys, key_bytes: vec![bytes] }
    }

    fn state(&self) -> carenet::space::SpaceState {
        evaluate(self.space, &self.ops).unwrap()
    }

    fn add(&mut self, card: &MemberCard, role: Role) -> String {
        let op = space::add(&self.key, &self.state(), &self.keys, card, role).unwrap();
        self.ops.push(op);
        ticket::encode(self.space, &card.device, &self.ops)
    }

    fn remove(&mut self, device: &[u8; 32]) {
        let (op, key) = space::remove(&self.key, &self.state(), device).unwrap();
        self.ops.push(op);
        let epoch = self.state().epoch;
        self.keys.insert(epoch, key);
    }

    fn op_items(&self) -> Vec<Vec<u8>> {
        self.ops.iter().map(|o| o.as_bytes().to_vec()).collect()
    }
}

fn card(v: &Vault, name: &str) -> MemberCard {
    v.member_card(name).unwrap().0
}

fn device(v: &Vault) -> [u8; 32] {
    card(v, "x").device
}

fn note(title: &str, body: &str) -> Note {
    Note { title: title.into(), body: body.into(), tags: vec![], ..Default::default() }
}

/// Sends everything `from` holds of `space` that `to` lacks, through the sync API.
fn exchange(from: &Vault, to: &mut Vault, space: SpaceId) -> carenet::vault::IngestReport {
    let have: std::collections::HashSet<[u8; 32]> = to.item_ids(space).unwrap().into_iter().collect();
    let want: Vec<[u8; 32]> = from.item_ids(space).unwrap().into_iter().filter(|i| !have.contains(i)).collect();
    let items = from.items(space, &want).unwrap();
    to.ingest(space, items).unwrap()
}

fn records_of(v: &Vault, space: SpaceId) -> BTreeMap<RecordId, serde_json::Value> {
    v.all()
        .filter(|r| v.space_of(&r.id) == Some(space))
        .map(|r| (r.id, serde_json::to_value(&r.value).unwrap()))
        .collect()
}

fn refusal_code(e: Error) -> &'static str {
    match &e {
        Error::SyncRefused(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Two vaults in one space, A the coordinator and B a member.
fn pair() -> (TestDir, Vault, TestDir, Vault, SpaceId) {
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let space = a.create_space("Minsk network").unwrap();
    let t = a.invite(&space, &card(&b, "Bea"), Role::Member).unwrap();
    assert_eq!(b.join(&t).unwrap(), space);
    (da, a, db, b, space)
}

#[test]
fn space_lifecycle_create_invite_join_list_remove() {
    let (_da, mut a, _db, mut b, space) = pair();
    let (_dc, mut c) = new_vault();
    let t = a.invite(&space, &card(&c, "Cem"), Role::Member).unwrap();
    c.join(&t).unwrap();
    let listed = a.spaces();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name.as_deref(), Some("Minsk network"));
    assert_eq!(listed[0].role, Some(Role::Coordinator));
    assert_eq!(listed[0].members, 3);
    assert_eq!(b.spaces()[0].name.as_deref(), Some("Minsk network"), "a member reads the space name");
    let names: Vec<Option<String>> = c.space_members(&space).unwrap().into_iter().map(|m| m.name).collect();
    assert!(names.contains(&Some("Bea".into())) && names.contains(&Some("Cem".into())));
    // A ticket made for someone else is refused.
    let (_dd, mut d) = new_vault();
    assert!(d.join(&t).is_err());
    // Removal starts epoch 1; after B syncs the log, C is out and B still writes.
    a.remove_member(&space, &device(&c)).unwrap();
    assert_eq!(a.spaces()[0].epoch, 1);
    exchange(&a, &mut b, space);
    assert_eq!(b.spaces()[0].epoch, 1);
    assert!(b.space_members(&space).unwrap().iter().any(|m| m.removed && m.device == device(&c)));
    assert!(b.add_to_space(&space, &note("after", "x")).is_ok());
    // Everything survives a lock and unlock.
    let a = reopen(a);
    assert_eq!(a.spaces()[0].epoch, 1);
    assert_eq!(a.space_members(&space).unwrap().len(), 3);
}

#[test]
fn two_vaults_converge_with_concurrent_edits_and_survive_reopen() {
    let (_da, mut a, _db, mut b, space) = pair();
    let id = a.add_to_space(&space, &note("Checkpoint", "Use the river road")).unwrap();
    let r = exchange(&a, &mut b, space);
    assert_eq!(r.changed_records, vec![id]);
    // Concurrent edits of different fields and of the same text.
    a.update::<Note>(&id, |n| n.title = "Checkpoint north".into()).unwrap();
    b.update::<Note>(&id, |n| n.body = "Use the river road after dark".into()).unwrap();
    b.update::<Note>(&id, |n| n.tags.push("security".into())).unwrap();
    exchange(&a, &mut b, space);
    exchange(&b, &mut a, space);
    let na = a.get::<Note>(&id).unwrap().value;
    assert_eq!(na, b.get::<Note>(&id).unwrap().value);
    assert_eq!(na.title, "Checkpoint north");
    assert_eq!(na.body, "Use the river road after dark");
    assert_eq!(na.tags, vec!["security".to_string()]);
    // A second exchange brings nothing new.
    let again = exchange(&a, &mut b, space);
    assert_eq!(again.received, 0);
    let dup = b.ingest(space, a.items(space, &a.item_ids(space).unwrap()).unwrap()).unwrap();
    assert_eq!(dup.duplicates, dup.received);
    assert!(dup.changed_records.is_empty());
    let b = reopen(b);
    assert_eq!(b.get::<Note>(&id).unwrap().value, na);
    let mut b = b;
    b.update::<Note>(&id, |n| n.title = "edited after reopen".into()).unwrap();
    exchange(&b, &mut a, space);
    assert_eq!(a.get::<Note>(&id).unwrap().value.title, "edited after reopen");
}

fn random_edit(v: &mut Vault, space: SpaceId, rng: &mut impl rand::Rng, n: usize) {
    let ids: Vec<RecordId> = v.all().filter(|r| v.space_of(&r.id) == Some(space)).map(|r| r.id).collect();
    if ids.is_empty() || rng.gen_bool(0.3) {
        v.add_to_space(&space, &note(&format!("note {n}"), "start")).unwrap();
        return;
    }
    let id = ids[rng.gen_range(0..ids.len())];
    match rng.gen_range(0..3) {
        0 => v.update::<Note>(&id, |x| x.title = format!("title {n}")).map(|_| ()).unwrap(),
        1 => v.update::<Note>(&id, |x| x.body.push_str(&format!(" w{n}"))).map(|_| ()).unwrap(),
        _ => v.update::<Note>(&id, |x| x.tags.push(format!("t{}", n % 4))).map(|_| ()).unwrap(),
    }
}

/// Three vaults make random concurrent edits and exchange in random pairs; after a final round
/// every vault holds identical records. `CARENET_SYNC_CASES` raises the case count.
#[test]
fn three_vaults_with_random_concurrent_edits_converge() {
    use rand::{Rng, SeedableRng};
    let cases: u64 = std::env::var("CARENET_SYNC_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    for case in 0..cases {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0xCA2E + case);
        let (_d0, mut v0, _d1, mut v1, space) = pair();
        let (_d2, mut v2) = new_vault();
        let t = v0.invite(&space, &card(&v2, "C"), Role::Member).unwrap();
        v2.join(&t).unwrap();
        exchange(&v0, &mut v1, space);
        let mut vaults = [v0, v1, v2];
        for step in 0..rng.gen_range(5..25) {
            let who = rng.gen_range(0..3);
            if rng.gen_bool(0.6) {
                random_edit(&mut vaults[who], space, &mut rng, step);
            } else {
                let other = (who + rng.gen_range(1..3)) % 3;
                let (x, y) = two(&mut vaults, who, other);
                exchange(x, y, space);
            }
        }
        for (x, y) in [(0, 1), (1, 2), (2, 0), (0, 1), (1, 2)] {
            let (p, q) = two(&mut vaults, x, y);
            exchange(p, q, space);
        }
        let r0 = records_of(&vaults[0], space);
        assert_eq!(r0, records_of(&vaults[1], space), "case {case}: vaults 0 and 1 differ");
        assert_eq!(r0, records_of(&vaults[2], space), "case {case}: vaults 0 and 2 differ");
        let reopened = reopen(vaults.into_iter().next().unwrap());
        assert_eq!(records_of(&reopened, space), r0, "case {case}: reopening changed the records");
    }
}

fn two(v: &mut [Vault; 3], a: usize, b: usize) -> (&Vault, &mut Vault) {
    assert_ne!(a, b);
    if a < b {
        let (l, r) = v.split_at_mut(b);
        (&l[a], &mut r[0])
    } else {
        let (l, r) = v.split_at_mut(a);
        (&r[0], &mut l[b])
    }
}

#[test]
fn non_member_items_are_refused_and_a_non_member_shares_nothing() {
    let (_da, mut a, _db, b, space) = pair();
    let (_dm, mut m) = new_vault();
    assert!(a.shared_spaces(&device(&m)).unwrap().is_empty(), "a non-member is in no shared space");
    assert_eq!(a.shared_spaces(&device(&b)).unwrap(), vec![space]);
    assert!(m.item_ids(space).is_err(), "a vault that does not hold the space has no items of it");
    // Mallory makes its own space with the same id? It cannot: ids are in the signed ops. It
    // signs a change claiming the space instead.
    let mallory = SigningKey::generate(&mut rand::rngs::OsRng);
    let fake = SealedChange::seal(&mallory, space, 0, &SecretKey::random(), RecordId::random(), b"junk");
    let before = a.item_ids(space).unwrap().len();
    let e = a.ingest(space, vec![fake.as_bytes().to_vec()]).unwrap_err();
    assert_eq!(refusal_code(e), "item_not_a_member");
    assert_eq!(a.item_ids(space).unwrap().len(), before);
    // A valid item of another space is refused too.
    let other = m.create_space("Other").unwrap();
    let foreign = m.items(other, &m.item_ids(other).unwrap()).unwrap();
    assert_eq!(refusal_code(a.ingest(space, foreign).unwrap_err()), "item_wrong_space");
}

#[test]
fn forged_tampered_and_post_removal_items_are_refused_and_nothing_is_stored() {
    let mut coord = TestCoordinator::new();
    let (da, mut a) = new_vault();
    let seized = SigningKey::generate(&mut rand::rngs::OsRng);
    let seized_card =
        MemberCard::sign(&seized, age::x25519::Identity::generate().to_public().to_string(), "Seized").unwrap().0;
    coord.add(&seized_card, Role::Member);
    let t = coord.add(&card(&a, "A"), Role::Member);
    let space = a.join(&t).unwrap();
    let doc = RecordId::random();
    let good = SealedChange::seal(&seized, space, 0, &coord.keys[&0], doc, b"x");
    // A good-looking batch with one forged item: nothing of it is stored.
    let mut forged = good.as_bytes().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let before = a.item_ids(space).unwrap();
    lock(a);
    let files = snapshot_files(da.path());
    let mut a = unlock(da.path());
    let e = a.ingest(space, vec![coord.op_items()[0].clone(), forged]).unwrap_err();
    assert_eq!(refusal_code(e), "item_bad_signature");
    // Tampered ciphertext, re-signed by a member (the signature holds, the AEAD does not).
    let tampered = SealedChange::seal(&seized, space, 0, &SecretKey::random(), doc, b"x");
    assert_eq!(refusal_code(a.ingest(space, vec![tampered.as_bytes().to_vec()]).unwrap_err()), "item_undecryptable");
    // A change claiming an epoch the log has not started.
    let future = SealedChange::seal(&seized, space, 5, &coord.keys[&0], doc, b"x");
    assert_eq!(refusal_code(a.ingest(space, vec![future.as_bytes().to_vec()]).unwrap_err()), "item_unknown_epoch");
    assert_eq!(a.item_ids(space).unwrap(), before);
    lock(a);
    assert_same_files(&files, &snapshot_files(da.path()), "refused batches");
    let mut a = unlock(da.path());
    // The seized device is removed: epoch 1. Its change under epoch 1 (it would need that key:
    // the test plays the worst case where it has it) arrives with the removal: refused whole.
    coord.remove(&seized_card.device);
    let after_removal = SealedChange::seal(&seized, space, 1, &coord.keys[&1], doc, b"x");
    let mut batch = coord.op_items();
    batch.push(after_removal.as_bytes().to_vec());
    assert_eq!(refusal_code(a.ingest(space, batch).unwrap_err()), "item_no_write_rights");
    assert_eq!(a.item_ids(space).unwrap(), before, "nothing of the refused batch was stored");
    // The log alone is accepted.
    let r = a.ingest(space, coord.op_items()).unwrap();
    assert_eq!(r.ops, 1);
    assert!(a.shared_spaces(&seized_card.device).unwrap().is_empty(), "a removed device shares nothing any more");
}

#[test]
fn a_removed_member_cannot_read_what_is_written_after_removal() {
    let (_da, mut a, _db, mut b, space) = pair();
    let (_dc, mut c) = new_vault();
    let t = a.invite(&space, &card(&c, "Cem"), Role::Member).unwrap();
    c.join(&t).unwrap();
    let before = a.add_to_space(&space, &note("Before", "known to all")).unwrap();
    exchange(&a, &mut b, space);
    exchange(&a, &mut c, space);
    assert!(c.record(&before).is_ok());
    a.remove_member(&space, &device(&c)).unwrap();
    let after = a.add_to_space(&space, &note("After removal canary", "secret plan")).unwrap();
    a.update::<Note>(&before, |n| n.body = "changed after removal canary".into()).unwrap();
    exchange(&a, &mut b, space);
    assert_eq!(b.get::<Note>(&after).unwrap().value.title, "After removal canary");
    // Even if C obtains every item (a bundle left behind, a careless peer), it cannot read them.
    let report = exchange(&a, &mut c, space);
    assert!(report.carried >= 2, "changes under the new epoch are only carried: {report:?}");
    assert!(c.record(&after).is_err());
    assert_eq!(c.get::<Note>(&before).unwrap().value.body, "known to all");
    assert!(c.add_to_space(&space, &note("x", "y")).is_err(), "a removed member cannot write");
}

#[test]
fn a_courier_carries_changes_it_cannot_read_and_holds_no_plaintext_or_key() {
    let mut coord = TestCoordinator::new();
    let (_da, mut a) = new_vault();
    let (dc, mut courier) = new_vault();
    let (_db, mut b) = new_vault();
    let space = a.join(&coord.add(&card(&a, "A"), Role::Member)).unwrap();
    assert_eq!(courier.join(&coord.add(&card(&courier, "Box"), Role::Courier)).unwrap(), space);
    b.join(&coord.add(&card(&b, "B"), Role::Member)).unwrap();
    a.ingest(space, coord.op_items()).unwrap();
    assert!(courier.spaces()[0].carried);
    assert_eq!(courier.spaces()[0].name, None);
    let canary = "courier canary 7f3a";
    let id = a.add_to_space(&space, &note(canary, "body canary 99c1")).unwrap();
    assert_eq!(a.shared_spaces(&device(&courier)).unwrap(), vec![space]);
    // A and B are never together: the courier carries A's changes to B.
    let to_courier = exchange(&a, &mut courier, space);
    assert!(to_courier.carried >= 1 && to_courier.applied == 0);
    assert!(courier.add_to_space(&space, &note("x", "y")).is_err(), "a courier cannot write");
    exchange(&courier, &mut b, space);
    assert_eq!(b.get::<Note>(&id).unwrap().value.title, canary);
    let courier = reopen(courier);
    assert!(courier.is_empty());
    drop(courier);
    assert_nowhere(dc.path(), canary, "courier files");
    assert_nowhere(dc.path(), "body canary 99c1", "courier files");
    for key in &coord.key_bytes {
        assert!(files_containing(dc.path(), key).is_empty(), "a space key is in the courier's files");
    }
}

#[test]
fn share_moves_a_record_and_a_contact_branch_with_their_history() {
    let (_da, mut a, _db, mut b, space) = pair();
    let lone = a.add(&note("Personal", "first")).unwrap();
    a.update::<Note>(&lone, |n| n.body = "second".into()).unwrap();
    let leaf = a.add(&carenet::Contact { alias: "Leaf".into(), ..Default::default() }).unwrap();
    let mid = a.add(&carenet::Contact { alias: "Mid".into(), alerts: vec![leaf], ..Default::default() }).unwrap();
    let top = a.add(&carenet::Contact { alias: "Top".into(), alerts: vec![mid], ..Default::default() }).unwrap();
    let other = a.add(&carenet::Contact { alias: "Other".into(), ..Default::default() }).unwrap();
    assert_eq!(a.share(&space, &lone, false).unwrap(), vec![lone]);
    let mut moved = a.share(&space, &mid, true).unwrap();
    moved.sort();
    let mut expect = vec![mid, leaf];
    expect.sort();
    assert_eq!(moved, expect);
    assert_eq!(a.space_of(&top), None);
    assert_eq!(a.space_of(&other), None);
    exchange(&a, &mut b, space);
    assert_eq!(b.get::<Note>(&lone).unwrap().value.body, "second");
    assert_eq!(b.len(), 3, "exactly the shared records arrive");
    // The personal space never leaves: its items are not listed.
    let a = reopen(a);
    assert_eq!(a.get::<Note>(&lone).unwrap().value.body, "second");
    assert_eq!(a.space_of(&lone), Some(space));
    let mut a = a;
    a.update::<Note>(&lone, |n| n.body = "third".into()).unwrap();
    exchange(&a, &mut b, space);
    assert_eq!(b.get::<Note>(&lone).unwrap().value.body, "third");
}

#[test]
fn concurrent_removals_both_take_effect() {
    let (_da, mut a, _db, mut b, space) = pair();
    let (_dx, mut x) = new_vault();
    let (_dy, mut y) = new_vault();
    x.join(&a.invite(&space, &card(&x, "X"), Role::Member).unwrap()).unwrap();
    y.join(&a.invite(&space, &card(&y, "Y"), Role::Member).unwrap()).unwrap();
    // A second coordinator, C2.
    let (_dc2, mut c2) = new_vault();
    c2.join(&a.invite(&space, &card(&c2, "C2"), Role::Coordinator).unwrap()).unwrap();
    exchange(&a, &mut b, space);
    // A removes X while C2 concurrently removes Y.
    a.remove_member(&space, &device(&x)).unwrap();
    c2.remove_member(&space, &device(&y)).unwrap();
    exchange(&a, &mut c2, space);
    exchange(&c2, &mut a, space);
    exchange(&a, &mut c2, space);
    exchange(&a, &mut b, space);
    for v in [&a, &b, &c2] {
        let members = v.space_members(&space).unwrap();
        assert!(members.iter().any(|m| m.device == device(&x) && m.removed), "X still active");
        assert!(members.iter().any(|m| m.device == device(&y) && m.removed), "Y still active");
    }
    assert_eq!(a.spaces()[0].epoch, b.spaces()[0].epoch);
    assert_eq!(a.spaces()[0].epoch, 2);
    // Writers after both removals use a key neither X nor Y holds.
    let id = b.add_to_space(&space, &note("after both", "z")).unwrap();
    let r = exchange(&b, &mut x, space);
    assert!(r.carried >= 1);
    assert!(x.record(&id).is_err());
}

#[test]
fn an_addition_concurrent_with_a_removal_is_reissued_and_gets_the_new_key() {
    let (_da, mut a, _db, mut b, space) = pair();
    let (_dc2, mut c2) = new_vault();
    c2.join(&a.invite(&space, &card(&c2, "C2"), Role::Coordinator).unwrap()).unwrap();
    exchange(&a, &mut b, space);
    // A adds N while C2 concurrently removes B.
    let (_dn, mut n) = new_vault();
    a.invite(&space, &card(&n, "N"), Role::Member).unwrap();
    c2.remove_member(&space, &device(&b)).unwrap();
    for _ in 0..2 {
        exchange(&a, &mut c2, space);
        exchange(&c2, &mut a, space);
    }
    for v in [&a, &c2] {
        let members = v.space_members(&space).unwrap();
        assert!(members.iter().any(|m| m.device == device(&n) && !m.removed), "N was dropped");
        assert!(members.iter().any(|m| m.device == device(&b) && m.removed), "B is still active");
    }
    // N joins with everything A holds, and reads what C2 writes under the new epoch.
    let ops: Vec<Vec<u8>> = a.items(space, &a.item_ids(space).unwrap()).unwrap();
    let t = ticket::encode(space, &device(&n), &ops.iter().map(|o| SpaceOp::decode(o).unwrap()).collect::<Vec<_>>());
    n.join(&t).unwrap();
    let id = c2.add_to_space(&space, &note("for N", "new epoch")).unwrap();
    exchange(&c2, &mut n, space);
    assert_eq!(n.get::<Note>(&id).unwrap().value.title, "for N");
}

#[test]
fn a_schema_one_vault_gains_spaces_on_open() {
    let (dir, mut v) = new_vault();
    let id = v.add(&note("Old", "kept")).unwrap();
    lock(v);
    let conn = open_db(dir.path());
    // As a schema-1 build left it: no spaces, no journal, and the changes indexed by space alone.
    conn.execute_batch(
        "DROP TABLE spaces; DROP TABLE ops; DROP TABLE journal; DROP TABLE journal_applied; \
         DROP INDEX changes_space_id; CREATE INDEX changes_space ON changes(space); PRAGMA user_version = 1;",
    )
    .unwrap();
    close_db(conn);
    std::fs::remove_file(dir.path().join(JOURNAL)).unwrap();
    let mut v = unlock(dir.path());
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "kept");
    let space = v.create_space("New").unwrap();
    v.update::<Note>(&id, |n| n.body = "edited after the upgrade".into()).unwrap();
    let v = reopen(v);
    assert_eq!(v.spaces()[0].id, space);
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "edited after the upgrade");
    let conn = open_db(dir.path());
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, carenet::store::SCHEMA_VERSION);
    let journal: i64 = conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, 0, "the journal table exists and every edit was applied at lock");
    let applied: i64 = conn.query_row("SELECT seq FROM journal_applied", [], |r| r.get(0)).unwrap();
    assert!(applied >= 1, "the journal file's entries are marked applied");
    assert!(dir.path().join(JOURNAL).exists(), "the journal file is made on open");
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'changes' AND sql IS NOT NULL ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["changes_doc", "changes_space_id"], "the space index became the covering one");
    let plan: String =
        conn.query_row("EXPLAIN QUERY PLAN SELECT id FROM changes WHERE space = x'00'", [], |r| r.get(3)).unwrap();
    assert!(plan.contains("COVERING INDEX changes_space_id"), "item ids come from the index alone: {plan}");
}

#[test]
fn a_shared_contact_whose_links_were_not_shared_can_still_be_edited() {
    let (_da, mut a, _db, mut b, space) = pair();
    let leaf = a.add(&carenet::Contact { alias: "Leaf".into(), ..Default::default() }).unwrap();
    let mid = a.add(&carenet::Contact { alias: "Mid".into(), alerts: vec![leaf], ..Default::default() }).unwrap();
    a.share(&space, &mid, false).unwrap();
    exchange(&a, &mut b, space);
    assert!(b.record(&leaf).is_err(), "Leaf was not shared");
    b.update::<carenet::Contact>(&mid, |c| c.alias = "Mid (edited by B)".into()).unwrap();
    let stranger = RecordId::random();
    assert!(
        b.update::<carenet::Contact>(&mid, |c| c.alerts.push(stranger)).is_err(),
        "a new link to a missing contact is refused"
    );
    exchange(&b, &mut a, space);
    assert_eq!(a.get::<carenet::Contact>(&mid).unwrap().value.alias, "Mid (edited by B)");
    assert_eq!(a.get::<carenet::Contact>(&mid).unwrap().value.alerts, vec![leaf]);
}

#[test]
fn the_card_display_name_is_kept_encrypted_and_survives_a_reopen() {
    let (dir, mut v) = new_vault();
    assert_eq!(v.card_name(), carenet::vault::DEFAULT_CARD_NAME);
    let name = format!("Night owl {}", random_hex(6));
    v.set_card_name(&name).unwrap();
    let bad = expect_err(v.set_card_name("   "), "an empty display name");
    assert_eq!(bad.code(), "invalid_input", "{bad}");
    assert_eq!(v.card_name(), name, "a refused name changes nothing");
    let v = reopen(v);
    assert_eq!(v.card_name(), name);
    let (card, _) = v.card().unwrap();
    assert_eq!(card.name, name);
    assert!(v.spaces().is_empty(), "the kept name is not listed as a space");
    // The iroh endpoint key handed out without a second scrypt is the card's device key.
    let secret = v.device_secret();
    assert_eq!(SigningKey::from_bytes(&secret).verifying_key().to_bytes(), card.device);
    lock(v);
    assert_nowhere(dir.path(), &name, "the kept display name");
}

#[test]
fn a_bundle_to_the_members_opens_on_each_members_device_and_nowhere_else() {
    use carenet::bundle::{self, BundleLock};
    let (_da, mut a, _db, mut b, space) = pair();
    let (_dc, mut c) = new_vault();
    let (_dd, stranger) = new_vault();
    let t = a.invite(&space, &card(&c, "Cem"), Role::Member).unwrap();
    c.join(&t).unwrap();
    a.remove_member(&space, &device(&c)).unwrap();
    let id = a.add_to_space(&space, &note("Members bundle canary", "for the members")).unwrap();
    a.wait_for_writes().unwrap();

    let recipients = a.space_recipients(&space).unwrap();
    let mine = |v: &Vault| card(v, "x").recipient;
    let listed: Vec<String> = recipients.iter().map(|r| r.to_string()).collect();
    assert_eq!(listed.len(), 2, "A and B; the removed C is left out: {listed:?}");
    assert!(listed.contains(&mine(&a)) && listed.contains(&mine(&b)));
    assert!(!listed.contains(&mine(&c)) && !listed.contains(&mine(&stranger)));

    let items = a.items(space, &a.item_ids(space).unwrap()).unwrap();
    let file = bundle::write(space, &items, &BundleLock::Recipients(recipients)).unwrap();
    // B opens it with its own key, no passphrase, and gets the note.
    let opened = b.open_bundle(&file, None).unwrap();
    assert_eq!(opened.space, space);
    b.ingest(opened.space, opened.items).unwrap();
    assert_eq!(b.get::<Note>(&id).unwrap().value.title, "Members bundle canary");
    // So does the coordinator's own device (it can check what it carries).
    assert_eq!(a.open_bundle(&file, None).unwrap().items.len(), items.len());
    // The removed member and a stranger cannot open it at all.
    for v in [&c, &stranger] {
        let err = v.open_bundle(&file, None).err().expect("opened by a device that is not a member");
        assert_eq!(err.code(), "bundle_not_for_this_device", "{err:?}");
    }
    // An unknown space has no members to encrypt to.
    assert!(a.space_recipients(&SpaceId([7; 16])).is_err());
}

#[test]
fn an_addition_whose_key_is_unusable_is_refused_and_removals_still_work() {
    // A hostile or broken coordinator signs additions whose age recipient does not parse (the
    // library never writes one). Were they applied, no bundle to the members could be made (any
    // role), and while such a reader is in no new key could be sealed for them, so nobody could
    // be removed. Both a courier (no envelopes needed) and a member (one envelope per epoch, here
    // a junk one) are refused.
    let mut coord = TestCoordinator::new();
    let (_da, mut a) = new_vault();
    let (_db, b) = new_vault();
    let space = a.join(&coord.add(&card(&a, "A"), Role::Member)).unwrap();
    let b_card = card(&b, "B");
    coord.add(&b_card, Role::Member);
    for (device, role, envelopes) in
        [([9; 32], Role::Courier, vec![]), ([8; 32], Role::Member, vec![(0, b"not an envelope".to_vec())])]
    {
        let parents = vec![coord.ops.last().unwrap().id()];
        let bogus = SpaceOp::sign(
            &coord.key,
            space,
            parents,
            OpBody::Add { member: device, recipient: "age1notakey".into(), role, name: vec![], envelopes },
        );
        let bogus_id = bogus.id();
        coord.ops.push(bogus);
        let state = coord.state();
        assert!(state.rejected.contains(&bogus_id), "the log refuses the {role:?}");
        assert!(!state.is_active(&device));
    }
    a.ingest(space, coord.op_items()).unwrap();
    assert_eq!(a.space_recipients(&space).unwrap().len(), 3, "the coordinator, A and B");
    // The coordinator can still remove B: the new key is sealed for everyone left.
    coord.remove(&b_card.device);
    a.ingest(space, coord.op_items()).unwrap();
    assert_eq!(a.space_recipients(&space).unwrap().len(), 2, "the coordinator and A");
}
