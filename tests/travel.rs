//! Travel mode on real vault files over real iroh endpoints on loopback: a space is stowed only
//! after a sync that finished confirmed the peer holds all of it, stowing erases its rows (and
//! their ciphertext from every file) while the personal records stay, a stowed space is offered
//! to no peer until the user brings it back, and the next sync then restores every record.

mod util;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use carenet::model::{RecordId, SpaceId};
use carenet::space::Role;
use carenet::sync::SyncError;
use carenet::{Error, Note};
use util::*;

fn note(title: &str, body: &str) -> Note {
    Note { title: title.into(), body: body.into(), tags: vec!["travel".into()], ..Default::default() }
}

/// A coordinates a space with two notes in it and one personal note; B is a member.
struct Pair {
    _dirs: Vec<TestDir>,
    a: Host,
    b: Host,
    space: SpaceId,
    shared: Vec<RecordId>,
    personal: RecordId,
}

fn pair() -> Pair {
    let (da, mut a) = new_vault();
    let (db, mut b) = new_vault();
    let space = a.create_space("Border crossing").unwrap();
    let card = b.member_card("B").unwrap().0;
    let invite = a.invite(&space, &card, Role::Member).unwrap();
    b.join(&invite).unwrap();
    let shared = vec![
        a.add_to_space(&space, &note("Safe house list", "canary-travel-one")).unwrap(),
        a.add_to_space(&space, &note("Lawyers on call", "canary-travel-two")).unwrap(),
    ];
    a.update::<Note>(&shared[0], |n| n.body.push_str(" (edited)")).unwrap();
    let personal = a.add(&note("My own note", "stays here")).unwrap();
    Pair { _dirs: vec![da, db], a: Arc::new(Mutex::new(a)), b: Arc::new(Mutex::new(b)), space, shared, personal }
}

fn stow(host: &Host, space: &SpaceId) -> Result<carenet::vault::Stowed, Error> {
    host.lock().unwrap().stow_space(space)
}

/// Encrypted bodies of every row (records, docs, changes) of the given records.
fn ciphertexts(dir: &std::path::Path, records: &[RecordId]) -> Vec<Vec<u8>> {
    let conn = open_db(dir);
    let mut out = Vec::new();
    for id in records {
        for sql in [
            "SELECT body FROM records WHERE id = ?1",
            "SELECT body FROM docs WHERE id = ?1",
            "SELECT body FROM changes WHERE doc = ?1",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([&id.0[..]], |r| r.get::<_, Vec<u8>>(0)).unwrap();
            out.extend(rows.map(|r| r.unwrap()));
        }
    }
    close_db(conn);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_is_stowed_only_once_a_finished_sync_confirms_a_peer_holds_all_of_it() {
    let p = pair();
    // Nothing confirmed yet: refused, nothing removed.
    let e = expect_err(stow(&p.a, &p.space), "stowing before any sync must fail");
    assert_eq!(e.code(), "not_held_elsewhere", "{e}");
    assert!(!p.a.lock().unwrap().travel_status(&p.space).unwrap().can_stow);
    assert_eq!(p.a.lock().unwrap().spaces()[0].records, 2);

    let (na, nb) = (node(&p.a).await, node(&p.b).await);
    na.serve();
    let ticket_a = na.ticket().await;
    nb.sync_with(&ticket_a).await.unwrap();
    // Both ends of a finished sync hold everything: either may stow.
    for h in [&p.a, &p.b] {
        let t = h.lock().unwrap().travel_status(&p.space).unwrap();
        assert!(t.can_stow, "{t:?}");
    }
    let b_key = hex::encode(p.b.lock().unwrap().member_card("B").unwrap().0.device);
    assert_eq!(p.a.lock().unwrap().travel_status(&p.space).unwrap().held_by.as_deref(), Some(b_key.as_str()));

    // An edit made after the sync is held nowhere else: stowing waits for the next sync.
    p.a.lock().unwrap().update::<Note>(&p.shared[1], |n| n.body.push_str(" after the sync")).unwrap();
    assert!(!p.a.lock().unwrap().travel_status(&p.space).unwrap().can_stow);
    let before = p.a.lock().unwrap().get::<Note>(&p.shared[1]).unwrap().value;
    assert_eq!(expect_err(stow(&p.a, &p.space), "refused").code(), "not_held_elsewhere");
    assert_eq!(p.a.lock().unwrap().get::<Note>(&p.shared[1]).unwrap().value, before, "a refused stow changes nothing");

    nb.sync_with(&ticket_a).await.unwrap();
    let stowed = stow(&p.a, &p.space).unwrap();
    assert_eq!(stowed.records, 2);
    assert!(!stowed.returning);
    na.close().await;
    nb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_connection_never_confirms() {
    let p = pair();
    let (na, nb) = (node(&p.a).await, node(&p.b).await);
    na.serve();
    let live = nb.sync_live(&na.ticket().await).await.unwrap();
    let mut arrived = false;
    for _ in 0..400 {
        if p.b.lock().unwrap().get::<Note>(&p.shared[1]).is_ok() {
            arrived = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(arrived, "the notes did not arrive within 20 s");
    // B holds everything, but a connection that never said goodbye confirms nothing.
    assert!(!p.a.lock().unwrap().travel_status(&p.space).unwrap().can_stow);
    assert_eq!(expect_err(stow(&p.a, &p.space), "refused").code(), "not_held_elsewhere");
    live.abort();
    na.close().await;
    nb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stowing_erases_the_space_from_disk_and_bringing_it_back_restores_every_record() {
    let p = pair();
    let dir_a = p.a.lock().unwrap().dir().to_owned();
    let originals: Vec<Note> = p.shared.iter().map(|id| p.a.lock().unwrap().get::<Note>(id).unwrap().value).collect();
    let (na, nb) = (node(&p.a).await, node(&p.b).await);
    na.serve();
    nb.serve();
    let (ticket_a, ticket_b) = (na.ticket().await, nb.ticket().await);
    na.sync_with(&ticket_b).await.unwrap();
    {
        // The journal writer has written every row once a sync read the space.
        let v = p.a.lock().unwrap();
        assert!(v.travel_status(&p.space).unwrap().can_stow);
    }
    let secret_rows = ciphertexts(&dir_a, &p.shared);
    assert!(secret_rows.len() >= 2 * 3, "view, document and changes of each shared note");

    let stowed = stow(&p.a, &p.space).unwrap();
    assert_eq!(stowed.records, 2);
    {
        let mut v = p.a.lock().unwrap();
        for id in &p.shared {
            assert_eq!(expect_err(v.get::<Note>(id), "gone").code(), "not_found");
        }
        assert_eq!(v.get::<Note>(&p.personal).unwrap().value.body, "stays here");
        assert!(
            v.search(&carenet::Query { text: "canary-travel".into(), ..Default::default() }).is_empty(),
            "nothing of it left in the index"
        );
        let summary = v.spaces().into_iter().find(|s| s.id == p.space).unwrap();
        assert!(summary.stowed);
        assert_eq!(summary.records, 0);
        assert_eq!(summary.name.as_deref(), Some("Border crossing"), "the membership stays");
        let e = expect_err(v.add_to_space(&p.space, &note("new", "")), "no writes into a stowed space");
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(expect_err(v.stow_space(&p.space), "twice").code(), "invalid_input");
    }
    // At rest: no row of the space, and none of their ciphertext in any file.
    na.close().await;
    drop(na);
    let v = Arc::try_unwrap(p.a).ok().expect("one owner").into_inner().unwrap();
    lock(v);
    let conn = open_db(&dir_a);
    let space_changes: i64 =
        conn.query_row("SELECT count(*) FROM changes WHERE space = ?1", [&p.space.0[..]], |r| r.get(0)).unwrap();
    assert_eq!(space_changes, 0);
    close_db(conn);
    assert!(ciphertexts(&dir_a, &p.shared).is_empty());
    for (i, body) in secret_rows.iter().enumerate() {
        // 48 bytes from the middle of each ciphertext: random, so a hit is a leftover copy.
        let mid = body.len() / 2;
        let hits = files_containing(&dir_a, &body[mid - 24..mid + 24]);
        assert!(hits.is_empty(), "ciphertext {i} of the stowed space is still in {hits:?}");
    }

    // Stowed survives a restart, and no peer can sync the space back unasked.
    let a = Arc::new(Mutex::new(unlock(&dir_a)));
    assert!(a.lock().unwrap().spaces()[0].stowed);
    assert!(a.lock().unwrap().get::<Note>(&p.shared[0]).is_err());
    let na = node(&a).await;
    na.serve();
    let ticket_a2 = na.ticket().await;
    assert!(matches!(nb.sync_with(&ticket_a2).await, Err(SyncError::NotMember)));
    assert!(matches!(na.sync_with(&ticket_b).await, Err(SyncError::NotMember)));
    assert!(a.lock().unwrap().get::<Note>(&p.shared[0]).is_err());
    let _ = ticket_a;

    // Brought back: the next sync restores every record as it was.
    a.lock().unwrap().bring_back(&p.space).unwrap();
    assert!(a.lock().unwrap().travel_status(&p.space).unwrap().stowed.unwrap().returning);
    na.sync_with(&ticket_b).await.unwrap();
    {
        let v = a.lock().unwrap();
        for (id, original) in p.shared.iter().zip(&originals) {
            assert_eq!(&v.get::<Note>(id).unwrap().value, original);
        }
        let t = v.travel_status(&p.space).unwrap();
        assert!(t.stowed.is_none(), "{t:?}");
        assert!(!v.spaces()[0].stowed);
    }
    a.lock().unwrap().add_to_space(&p.space, &note("after the trip", "")).unwrap();
    na.close().await;
    nb.close().await;
    drop(na);
    let v = Arc::try_unwrap(a).ok().expect("one owner").into_inner().unwrap();
    let v = reopen(v);
    assert_eq!(v.get::<Note>(&p.shared[1]).unwrap().value, originals[1]);
    assert_eq!(v.spaces()[0].records, 3);
    assert!(v.travel_status(&p.space).unwrap().stowed.is_none());
}

#[test]
fn travel_calls_on_the_personal_space_or_an_unknown_space_are_refused() {
    let (_d, mut v) = new_vault();
    let unknown = SpaceId([7; 16]);
    assert_eq!(expect_err(v.stow_space(&unknown), "unknown").code(), "unknown_space");
    assert_eq!(expect_err(v.bring_back(&unknown), "unknown").code(), "unknown_space");
    assert_eq!(expect_err(v.travel_status(&unknown), "unknown").code(), "unknown_space");
    let space = v.create_space("Not stowed").unwrap();
    assert_eq!(expect_err(v.bring_back(&space), "not stowed").code(), "invalid_input");
}
