//! Display names in the space log (the `Name` operation) on real vault files: the coordinator's
//! name and a rename travel over real iroh endpoints on loopback; forged, copied or late names
//! are refused; a log written before `Name` existed still loads and shows "Device xxxx" (through
//! the real `carenet` binary); no name is ever stored in clear.
//!
//! Hostile operations are signed by a device whose keys the test holds (a vault never makes
//! them), with the library's public space functions.

mod util;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use carenet::crypto::SecretKey;
use carenet::model::SpaceId;
use carenet::space::log::{evaluate, my_keys, OpBody, Role, SpaceOp};
use carenet::space::{self, ticket, MemberCard};
use carenet::{Error, Vault};
use ed25519_dalek::SigningKey;
use util::*;

fn device(v: &Vault) -> [u8; 32] {
    v.card().unwrap().0.device
}

/// Every member's display name as `v` reads it.
fn names(v: &Vault, space: SpaceId) -> BTreeMap<[u8; 32], Option<String>> {
    v.space_members(&space).unwrap().into_iter().map(|m| (m.device, m.name)).collect()
}

fn name_of(v: &Vault, space: SpaceId, who: &[u8; 32]) -> Option<String> {
    names(v, space).remove(who).expect("a member of the space")
}

fn refusal_code(e: Error) -> &'static str {
    match &e {
        Error::SyncRefused(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coordinators_name_and_a_rename_reach_the_others_over_iroh() {
    let tag = random_hex(4);
    let (anna, bea, beatriz) = (format!("Anna K {tag}"), format!("Bea {tag}"), format!("Beatriz {tag}"));
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let (dc, mut c) = new_vault();
    // A creates the space before choosing a name: its log has no name for A yet.
    let space = a.create_space("Names").unwrap();
    b.set_card_name(&bea).unwrap();
    let invite = a.invite(&space, &b.card().unwrap().0, Role::Member).unwrap();
    b.join(&invite).unwrap();
    let invite = a.invite(&space, &c.member_card("Cem").unwrap().0, Role::Member).unwrap();
    c.join(&invite).unwrap();
    let (ka, kb, kc) = (device(&a), device(&b), device(&c));
    assert_eq!(name_of(&b, space, &ka), None, "no name for A yet");
    assert_eq!(name_of(&a, space, &kb).as_deref(), Some(bea.as_str()));

    // A chooses its name: one Name op, in the one space it reads.
    assert_eq!(a.set_card_name(&anna).unwrap(), 1);
    assert_eq!(a.set_card_name(&anna).unwrap(), 0, "nothing to write when the name already matches");
    let hosts: Vec<Host> = [a, b, c].into_iter().map(|v| Arc::new(Mutex::new(v))).collect();
    let na = node(&hosts[0]).await;
    na.serve();
    let ticket_a = na.ticket().await;
    let (nb, nc) = (node(&hosts[1]).await, node(&hosts[2]).await);
    nb.sync_with(&ticket_a).await.unwrap();
    assert_eq!(
        name_of(&hosts[1].lock().unwrap(), space, &ka).as_deref(),
        Some(anna.as_str()),
        "the coordinator's name reached B"
    );

    // B renames itself; A and, through A, C see the new name.
    assert_eq!(hosts[1].lock().unwrap().set_card_name(&beatriz).unwrap(), 1);
    nb.sync_with(&ticket_a).await.unwrap();
    nc.sync_with(&ticket_a).await.unwrap();
    for h in [&hosts[0], &hosts[2]] {
        assert_eq!(
            name_of(&h.lock().unwrap(), space, &kb).as_deref(),
            Some(beatriz.as_str()),
            "B's rename reached the others"
        );
    }
    assert_eq!(name_of(&hosts[2].lock().unwrap(), space, &ka).as_deref(), Some(anna.as_str()));
    assert_eq!(
        name_of(&hosts[0].lock().unwrap(), space, &kc).as_deref(),
        Some("Cem"),
        "C never chose a name: its card's stays"
    );
    for n in [&na, &nb, &nc] {
        n.close().await;
    }

    // A space A creates now carries A's name from the start; C reads it from the ticket alone.
    let (mut a, mut c) = (hosts[0].lock().unwrap(), hosts[2].lock().unwrap());
    let second = a.create_space("Second").unwrap();
    let invite = a.invite(&second, &c.member_card("Cem").unwrap().0, Role::Member).unwrap();
    c.join(&invite).unwrap();
    assert_eq!(name_of(&c, second, &ka).as_deref(), Some(anna.as_str()));
    assert_eq!(name_of(&c, space, &kb).as_deref(), Some(beatriz.as_str()));
    drop((a, c, da, db, dc));
}

/// A member device whose keys the test holds (to sign what a vault never would).
struct Held {
    key: SigningKey,
    identity: age::x25519::Identity,
    card: MemberCard,
}

impl Held {
    fn new(name: &str) -> Self {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let identity = age::x25519::Identity::generate();
        let card = MemberCard::sign(&key, identity.to_public().to_string(), name).unwrap().0;
        Held { key, identity, card }
    }

    /// A `Name` op signed by this device on `ops`, with `sealed` as its body.
    fn name_op(&self, space: SpaceId, ops: &[SpaceOp], sealed: Vec<u8>) -> SpaceOp {
        let st = evaluate(space, ops).unwrap();
        SpaceOp::sign(&self.key, space, st.heads.clone(), OpBody::Name { name: sealed })
    }

    fn keys(&self, space: SpaceId, ops: &[SpaceOp]) -> BTreeMap<u32, SecretKey> {
        let st = evaluate(space, ops).unwrap();
        my_keys(&st, ops, &self.card.device, &self.identity)
    }
}

/// Every operation `v` holds for `space`, decoded.
fn ops_of(v: &Vault, space: SpaceId) -> Vec<SpaceOp> {
    let ids = v.item_ids(space).unwrap();
    v.items(space, &ids).unwrap().iter().filter_map(|b| SpaceOp::decode(b).ok()).collect()
}

#[test]
fn forged_copied_and_late_names_are_refused_and_names_stay_sealed() {
    let tag = random_hex(4);
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    a.set_card_name(&format!("Anna {tag}")).unwrap();
    b.set_card_name(&format!("Bea {tag}")).unwrap();
    let space = a.create_space("Forgeries").unwrap();
    b.join(&a.invite(&space, &b.card().unwrap().0, Role::Member).unwrap()).unwrap();
    let m = Held::new(&format!("Mallory {tag}"));
    let courier = Held::new("Box");
    a.invite(&space, &m.card, Role::Member).unwrap();
    a.invite(&space, &courier.card, Role::Courier).unwrap();
    let r = b.ingest(space, a.items(space, &a.item_ids(space).unwrap()).unwrap()).unwrap();
    assert_eq!(r.ops, 2, "B learnt of M and the courier");
    let (kb, km) = (device(&b), m.card.device);
    let before = names(&b, space);
    assert_eq!(before[&km].as_deref(), Some(format!("Mallory {tag}").as_str()));

    // M signs a name but claims B's device key as author: the signature fails, nothing is stored.
    let ops = ops_of(&b, space);
    let keys = m.keys(space, &ops);
    let sealed = space::seal_member_name(space, &kb, 0, &keys[&0], "B is a traitor");
    let mut forged = m.name_op(space, &ops, sealed.clone()).as_bytes().to_vec();
    forged[4 + 1 + 16..4 + 1 + 16 + 32].copy_from_slice(&kb);
    let held = b.item_ids(space).unwrap();
    assert_eq!(refusal_code(b.ingest(space, vec![forged]).unwrap_err()), "item_bad_signature");
    assert_eq!(b.item_ids(space).unwrap(), held, "nothing of the forged batch is stored");

    // M signs, as itself, a name sealed for B: the op can only name M, and the name does not
    // open as M's (it is bound to B), so every member keeps showing M's card name.
    let copied = m.name_op(space, &ops, sealed);
    b.ingest(space, vec![copied.as_bytes().to_vec()]).unwrap();
    assert_eq!(names(&b, space), before, "a name sealed for another member changes no one's name");

    // A courier holds no key; its name op (sealed under a key it should not have) is rejected.
    let by_courier = courier.name_op(
        space,
        &ops_of(&b, space),
        space::seal_member_name(space, &courier.card.device, 0, &keys[&0], "Box 2"),
    );
    b.ingest(space, vec![by_courier.as_bytes().to_vec()]).unwrap();
    assert_eq!(names(&b, space), before, "a courier cannot name itself");

    // A removes M; M (seized) then signs a new name on the log that removes it: rejected.
    exchange_all(&b, &mut a, space);
    a.remove_member(&space, &km).unwrap();
    exchange_all(&a, &mut b, space);
    let ops = ops_of(&b, space);
    let late =
        m.name_op(space, &ops, space::seal_member_name(space, &km, 0, &m.keys(space, &ops)[&0], "Mallory (new)"));
    b.ingest(space, vec![late.as_bytes().to_vec()]).unwrap();
    let after = b.space_members(&space).unwrap();
    let mm = after.iter().find(|x| x.device == km).unwrap();
    assert!(mm.removed);
    assert_eq!(mm.name.as_deref(), Some(format!("Mallory {tag}").as_str()), "a removed member cannot rename itself");

    // A real rename under epoch 1 reaches A; every device agrees after a reopen.
    b.set_card_name(&format!("Beatriz {tag}")).unwrap();
    exchange_all(&b, &mut a, space);
    let a = reopen(a);
    let b = reopen(b);
    assert_eq!(name_of(&a, space, &kb), Some(format!("Beatriz {tag}")));
    assert_eq!(names(&a, space), names(&b, space), "both devices evaluate the same names");
    for (dir, v) in [(&da, a), (&db, b)] {
        lock(v);
        for n in ["Anna", "Bea", "Beatriz", "Mallory"]
            .map(|n| format!("{n} {tag}"))
            .iter()
            .chain([&"B is a traitor".to_owned()])
        {
            assert_nowhere(dir.path(), n, "a display name");
        }
    }
}

/// Sends everything `from` holds of `space` that `to` lacks, through the sync API.
fn exchange_all(from: &Vault, to: &mut Vault, space: SpaceId) {
    let have: std::collections::HashSet<[u8; 32]> = to.item_ids(space).unwrap().into_iter().collect();
    let want: Vec<[u8; 32]> = from.item_ids(space).unwrap().into_iter().filter(|i| !have.contains(i)).collect();
    to.ingest(space, from.items(space, &want).unwrap()).unwrap();
}

#[test]
fn a_log_written_before_name_ops_still_loads_and_shows_device() {
    // The space as an older Carenet makes it: a create and an add, no name op; the test holds the
    // coordinator's keys.
    let coord = Held::new("Old coordinator");
    let (space, create, _) = space::create(&coord.key, &coord.card.recipient, "Old space").unwrap();
    let mut ops = vec![create];
    let (dir, mut b) = new_vault();
    let st = evaluate(space, &ops).unwrap();
    let keys = coord.keys(space, &ops);
    ops.push(space::add(&coord.key, &st, &keys, &b.member_card("Bea").unwrap().0, Role::Member).unwrap());
    b.join(&ticket::encode(space, &device(&b), &ops)).unwrap();
    assert!(ops_of(&b, space).iter().all(|o| !matches!(o.body, OpBody::Name { .. })), "B chose no name: it wrote none");
    let b = reopen(b);
    assert_eq!(name_of(&b, space, &coord.card.device), None);
    assert_eq!(name_of(&b, space, &device(&b)).as_deref(), Some("Bea"));
    lock(b);
    // The CLI shows the nameless coordinator as "Device" and the start of its key.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carenet"))
        .arg("--vault")
        .arg(dir.path())
        .args(["space", "members", &space.to_string()])
        .env("CARENET_PASSPHRASE", PASSPHRASE)
        .env_remove("CARENET_VAULT")
        .output()
        .unwrap();
    let text = success_stdout(out, &["space", "members"]);
    let expected = format!("Device {}", &hex::encode(coord.card.device)[..8]);
    assert!(text.contains(&expected), "{text}");
    assert!(text.contains("Bea"), "{text}");
}

#[test]
fn a_ticket_holding_an_op_of_a_newer_format_says_to_update() {
    let coord = Held::new("Coordinator");
    let (space, create, _) = space::create(&coord.key, &coord.card.recipient, "Later").unwrap();
    // The create op as a future format would write it (version 9), signed by its author.
    let mut signed = create.as_bytes()[..create.as_bytes().len() - 64].to_vec();
    signed[4] = 9;
    let sig = ed25519_dalek::Signer::sign(&coord.key, &signed);
    signed.extend_from_slice(&sig.to_bytes());
    assert_eq!(SpaceOp::decode(&signed).unwrap_err(), carenet::space::log::OpError::UnknownVersion(9));
    // Made by hand: `ticket::encode` takes decoded ops. Layout as in `space::ticket`.
    let mut bytes = b"CNIV\x01".to_vec();
    bytes.extend_from_slice(&space.0);
    bytes.extend_from_slice(&coord.card.device);
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&(signed.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&signed);
    let text = format!(
        "carenet-invite1:{}",
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &bytes)
    );
    let err = ticket::decode(&text).err().expect("refused");
    assert!(err.to_string().contains("newer version of Carenet"), "{err}");
    // The same ticket with the op as written today decodes.
    let mut today = bytes[..bytes.len() - signed.len()].to_vec();
    today.extend_from_slice(create.as_bytes());
    let text = format!(
        "carenet-invite1:{}",
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &today)
    );
    assert!(ticket::decode(&text).is_ok());
}
