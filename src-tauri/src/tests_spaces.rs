//! The spaces and sync commands without a window: real vault files, real iroh endpoints on
//! loopback. Each test calls the same functions the `#[tauri::command]` adapters call.

use std::sync::{Arc, Mutex};

use carenet::{Note, SecretString, Vault, VaultOptions};

use crate::ipc::QueryInput;
use crate::ipc_spaces::{Role, SyncMode};
use crate::{qr, spaces, sync};

pub(crate) type Slot = Arc<Mutex<Option<Vault>>>;

/// A fresh vault (a cheap work factor) in a temp folder, unlocked.
pub(crate) fn vault() -> (tempfile::TempDir, Slot) {
    let dir = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let v = Vault::create_with(&dir.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).unwrap();
    (dir, Arc::new(Mutex::new(Some(v))))
}

/// Runs `f` on the unlocked vault of `slot`.
pub(crate) fn on<T>(slot: &Slot, f: impl FnOnce(&mut Vault) -> T) -> T {
    f(slot.lock().unwrap().as_mut().unwrap())
}

fn note(title: &str) -> Note {
    Note { title: title.into(), body: "body".into(), tags: vec![], ..Default::default() }
}

/// A coordinates a space that B joined by the ticket A made from B's card.
fn space_of_two(a: &Slot, b: &Slot) -> String {
    let space = on(a, |v| v.create_space("Lawyers").unwrap().to_string());
    assert_eq!(on(b, |v| spaces::kept_name(v)), None, "no name kept before one is chosen");
    let card = on(b, |v| spaces::card(v, "Bea").unwrap());
    assert_eq!(on(b, |v| spaces::kept_name(v)).as_deref(), Some("Bea"), "the form is prefilled with it");
    assert!(card.card.text.starts_with("carenet-card1:"));
    assert_eq!(on(b, |v| v.card_name().to_owned()), "Bea", "the chosen name is kept");
    let invite = on(a, |v| spaces::invite(v, &space, &card.card.text, Role::Member).unwrap());
    let joined = on(b, |v| v.join(&invite.text).unwrap().to_string());
    assert_eq!(joined, space);
    space
}

#[test]
fn a_space_lists_its_members_with_roles_and_the_records_shared_into_it() {
    let ((_da, a), (_db, b)) = (vault(), vault());
    let space = space_of_two(&a, &b);
    let list = on(&a, |v| spaces::list(v));
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].name.as_deref(), list[0].role, list[0].members), (Some("Lawyers"), Some(Role::Coordinator), 2));
    let mut members = on(&a, |v| spaces::members(v, &space).unwrap());
    members.sort_by_key(|m| !m.this_device);
    assert_eq!((members[0].role, members[0].this_device), (Role::Coordinator, true));
    assert_eq!((members[1].role, members[1].name.as_deref(), members[1].removed), (Role::Member, Some("Bea"), false));
    assert_eq!(on(&b, |v| spaces::list(v))[0].role, Some(Role::Member));

    let (kept, shared) = on(&a, |v| (v.add(&note("Kept here")).unwrap(), v.add(&note("For the space")).unwrap()));
    let words = |text: &str| QueryInput { text: text.into(), kind: None, tag: None, from: None, to: None, limit: 0 };
    let offered = on(&a, |v| spaces::share_candidates_of(v, &words(""), 0, 50).unwrap());
    assert_eq!(offered.total, 2, "both records are in no space yet");
    on(&a, |v| v.share(&spaces::space_id(&space).unwrap(), &shared, false).unwrap());
    let in_space = on(&a, |v| spaces::records(v, &space, 0, 100).unwrap());
    assert_eq!(in_space.total, 1);
    assert_eq!(in_space.rows.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![shared.to_string()]);
    let offered = on(&a, |v| spaces::share_candidates_of(v, &words(""), 0, 50).unwrap());
    assert_eq!(
        offered.rows.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        vec![kept.to_string()],
        "a shared record is not offered again"
    );
    assert_eq!(
        on(&a, |v| spaces::share_candidates_of(v, &words("space"), 0, 50).unwrap()).total,
        0,
        "the words filter too"
    );
}

#[test]
fn a_space_of_many_records_comes_a_page_at_a_time() {
    let ((_da, a), (_db, b)) = (vault(), vault());
    let space = space_of_two(&a, &b);
    let sid = spaces::space_id(&space).unwrap();
    on(&a, |v| {
        for i in 0..250 {
            let id = v.add(&note(&format!("Shared {i}"))).unwrap();
            v.share(&sid, &id, false).unwrap();
        }
        v.add(&note("Not shared")).unwrap();
    });
    let pages: Vec<_> =
        [0, 100, 200].iter().map(|&at| on(&a, |v| spaces::records(v, &space, at, 100).unwrap())).collect();
    assert_eq!(
        pages.iter().map(|p| (p.total, p.offset, p.rows.len())).collect::<Vec<_>>(),
        [(250, 0, 100), (250, 100, 100), (250, 200, 50)]
    );
    let ids: std::collections::HashSet<_> = pages.iter().flat_map(|p| p.rows.iter().map(|r| r.id.clone())).collect();
    assert_eq!(ids.len(), 250, "every shared record once across the pages");
    assert!(pages.iter().flat_map(|p| &p.rows).all(|r| r.title.starts_with("Shared ")), "and nothing else");
    let past = on(&a, |v| spaces::records(v, &space, 900, 100).unwrap());
    assert!(past.rows.is_empty(), "a page past the end is empty, not an error");
    let err = on(&a, |v| spaces::records(v, &space, 0, crate::commands::MAX_PAGE + 1)).unwrap_err();
    assert_eq!(err.code, "invalid_input");
}

#[test]
fn bad_space_input_is_a_sentence_and_changes_nothing() {
    let (_d, a) = vault();
    for (err, code) in [
        (on(&a, |v| spaces::card(v, "  ")).unwrap_err(), "invalid_input"),
        (on(&a, |v| spaces::card(v, &"n".repeat(101))).unwrap_err(), "invalid_input"),
        (on(&a, |v| spaces::members(v, "not hex")).unwrap_err(), "invalid_input"),
        (on(&a, |v| spaces::members(v, &"ab".repeat(16))).unwrap_err(), "unknown_space"),
        (on(&a, |v| spaces::records(v, "zz", 0, 10)).unwrap_err(), "invalid_input"),
    ] {
        assert_eq!(err.code, code, "{}", err.message);
        assert!(err.message.ends_with('.'), "{}", err.message);
    }
    let space = on(&a, |v| v.create_space("S").unwrap().to_string());
    let err = on(&a, |v| spaces::invite(v, &space, "carenet-card1:garbage", Role::Member)).unwrap_err();
    assert_ne!(err.code, "internal");
    let err = on(&a, |v| spaces::invite(v, &space, &"x".repeat(spaces::MAX_CARD + 1), Role::Member)).unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert_eq!(on(&a, |v| spaces::members(v, &space).unwrap()).len(), 1, "a refused invite adds nobody");
}

#[test]
fn a_qr_code_draws_every_dark_module_once_inside_its_margin() {
    let q = qr::encode("carenet-sync1:hello").unwrap();
    let code = qrcode::QrCode::with_error_correction_level(b"carenet-sync1:hello", qrcode::EcLevel::L).unwrap();
    assert_eq!(q.size as usize, code.width() + 8);
    let dark = code.to_colors().iter().filter(|c| **c == qrcode::Color::Dark).count();
    assert_eq!(q.path.matches('M').count(), dark);
    for square in q.path.split('M').filter(|s| !s.is_empty()) {
        let xy: Vec<u32> = square.trim_end_matches("h1v1h-1z").split(' ').map(|n| n.parse().unwrap()).collect();
        assert!(xy[0] >= 4 && xy[0] < q.size - 4 && xy[1] >= 4 && xy[1] < q.size - 4, "{square}");
    }
    assert!(qr::encode(&"x".repeat(5000)).is_none(), "too long for any QR version");
}

fn sync_of(slot: &Slot) -> Arc<sync::Sync> {
    Arc::new(sync::Sync::new(slot.clone(), Some("127.0.0.1:0".parse().unwrap())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_sync_by_ticket_on_loopback_and_each_holds_the_others_record() {
    let ((_da, a), (_db, b)) = (vault(), vault());
    let space = space_of_two(&a, &b);
    let sid = spaces::space_id(&space).unwrap();
    let from_a = on(&a, |v| v.add_to_space(&sid, &note("From A")).unwrap());
    let from_b = on(&b, |v| v.add_to_space(&sid, &note("From B")).unwrap());
    // A created the space before choosing a name; showing its card under one names it there.
    let coordinator = |slot: &Slot| {
        on(slot, |v| spaces::members(v, &space).unwrap()).into_iter().find(|m| m.role == Role::Coordinator).unwrap()
    };
    assert_eq!(coordinator(&b).name, None);
    on(&a, |v| spaces::card(v, "Anna").unwrap());
    assert_eq!(coordinator(&a).name.as_deref(), Some("Anna"));
    let (sa, sb) = (sync_of(&a), sync_of(&b));

    let ticket = sa.listen().await.unwrap();
    assert!(ticket.text.starts_with("carenet-sync1:") && ticket.qr.is_some());
    assert_eq!(sa.status().mode, SyncMode::Listening);
    let moved = sb.with_ticket(&ticket.text).await.unwrap();
    assert!(moved.received_items > 0 && moved.sent_items > 0, "{moved:?}");
    assert_eq!(sb.status().mode, SyncMode::Idle, "a one-off sync closes its own node");

    assert_eq!(on(&b, |v| v.get::<Note>(&from_a).unwrap().value.title), "From A");
    assert_eq!(on(&a, |v| v.get::<Note>(&from_b).unwrap().value.title), "From B");
    let seen = sb.status();
    assert_eq!(seen.peers.len(), 1);
    assert_eq!(
        (seen.peers[0].name.as_deref(), seen.peers[0].spaces, seen.peers[0].error.as_deref()),
        (Some("Anna"), 1, None)
    );
    assert_eq!(coordinator(&b).name.as_deref(), Some("Anna"), "the coordinator's name reached B");
    assert!(seen.peers[0].received_items > 0 && seen.last_sync_ms.is_some() && seen.items_to_go == 0);
    // A sees B by the name on B's card, once A's side of the exchange has ended.
    for _ in 0..100 {
        if sa.status().last_sync_ms.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let seen = sa.status();
    assert_eq!(seen.peers[0].name.as_deref(), Some("Bea"));

    sa.stop().await;
    assert_eq!(sa.status().mode, SyncMode::Idle);
    let err = sb.with_ticket(&ticket.text).await.unwrap_err();
    assert_eq!(err.code, "sync_network", "a stopped node no longer answers: {}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refuses_bad_input_and_a_locked_vault() {
    let (_d, a) = vault();
    let s = sync_of(&a);
    assert_eq!(s.with_ticket("carenet-sync1:zz@1.2.3.4:5").await.unwrap_err().code, "sync_ticket");
    assert_eq!(s.with_ticket(&"x".repeat(sync::MAX_TICKET + 1)).await.unwrap_err().code, "invalid_input");
    assert_eq!(s.nearby(0).await.unwrap_err().code, "invalid_input");
    assert_eq!(s.nearby(sync::MAX_NEARBY_MINUTES + 1).await.unwrap_err().code, "invalid_input");
    assert_eq!(s.status().mode, SyncMode::Idle, "refused input starts nothing");
    let v = a.lock().unwrap().take().unwrap();
    v.lock().unwrap();
    assert_eq!(s.listen().await.unwrap_err().code, "vault_locked");
    assert_eq!(s.status().mode, SyncMode::Idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn travel_mode_stows_a_space_after_a_sync_through_the_window_and_brings_it_back() {
    let ((_da, a), (_db, b)) = (vault(), vault());
    let space = space_of_two(&a, &b);
    let sid = spaces::space_id(&space).unwrap();
    let trip = on(&a, |v| v.add_to_space(&sid, &note("Trip contacts")).unwrap());
    let before = on(&a, |v| spaces::travel(v, &space).unwrap());
    assert!(!before.can_stow && !before.stowed && before.held_by.is_none());
    let err = on(&a, |v| spaces::stow(v, &space)).unwrap_err();
    assert_eq!(err.code, "not_held_elsewhere", "{}", err.message);
    assert!(err.message.ends_with('.'), "{}", err.message);

    let (sa, sb) = (sync_of(&a), sync_of(&b));
    let ticket = sa.listen().await.unwrap();
    sb.with_ticket(&ticket.text).await.unwrap();
    let ready = on(&a, |v| spaces::travel(v, &space).unwrap());
    assert!(ready.can_stow, "{ready:?}");
    assert_eq!(ready.held_by_name.as_deref(), Some("Bea"));
    let stowed = on(&a, |v| spaces::stow(v, &space).unwrap());
    assert!(stowed.stowed && !stowed.returning && stowed.stowed_records == 1, "{stowed:?}");
    let listed = on(&a, |v| spaces::list(v));
    assert!(listed[0].stowed && listed[0].records == 0);
    assert!(on(&a, |v| v.get::<Note>(&trip).is_err()));

    let back = on(&a, |v| spaces::bring_back(v, &space).unwrap());
    assert!(back.returning);
    sb.with_ticket(&ticket.text).await.unwrap();
    assert_eq!(on(&a, |v| v.get::<Note>(&trip).unwrap().value.title), "Trip contacts");
    assert!(!on(&a, |v| spaces::travel(v, &space).unwrap()).stowed);
    sa.stop().await;
}
