//! Check-ins on real vault files, and between two real vaults over real iroh endpoints on
//! loopback: arrangements persist and stay encrypted, a missed check-in shows as missed, bad input
//! changes nothing, deleting a watcher unlinks it, and check-ins made at once on two devices both
//! survive a sync, so both devices agree on where the person stands.

mod util;

use std::sync::{Arc, Mutex};

use carenet::model::{CheckIn, CheckInState, CheckInStatus, Contact, RecordId, KEEP_ENTRIES};
use carenet::space::Role;
use carenet::Vault;
use util::*;

const MIN: i64 = 60_000;

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn contact(vault: &mut Vault, alias: &str) -> RecordId {
    vault.add(&Contact { alias: alias.into(), ..Default::default() }).unwrap()
}

fn arrangement(person: &str, every_minutes: u32, watchers: Vec<RecordId>) -> CheckIn {
    CheckIn { person: person.into(), every_minutes, watchers, ..Default::default() }
}

#[test]
fn a_check_in_is_kept_encrypted_and_a_missed_one_shows_as_missed() {
    let (dir, mut vault) = new_vault();
    let ana = contact(&mut vault, "Ana");
    let ben = contact(&mut vault, "Ben");
    let id = vault.add(&arrangement("Rosa", 60, vec![ana, ben])).unwrap();

    let t0 = now();
    let v = &vault.check_ins(t0)[0];
    assert_eq!((v.id, v.state), (id, CheckInState::Waiting), "{v:?}");
    let names: Vec<_> = v.watchers.iter().map(|w| w.alias.as_deref()).collect();
    assert_eq!(names, [Some("Ana"), Some("Ben")]);
    // No check-in an hour after it was set up: missed.
    assert_eq!(vault.check_ins(t0 + 61 * MIN)[0].state, CheckInState::Missed);
    assert_eq!(vault.check_in_alerts(t0 + 61 * MIN).len(), 1);
    assert!(vault.check_in_alerts(t0).is_empty());

    vault.check_in(&id, CheckInStatus::Safe, "canary-checkin-at-the-court").unwrap();
    let at = vault.check_ins(now())[0].last.clone().expect("the check-in counts");
    assert_eq!((at.status, at.message.as_str()), (CheckInStatus::Safe, "canary-checkin-at-the-court"));
    assert_eq!(vault.check_ins(at.at_ms + 59 * MIN)[0].state, CheckInState::Safe);
    assert_eq!(vault.check_ins(at.at_ms + 61 * MIN)[0].state, CheckInState::Missed);

    // Help asked outranks every other arrangement, and stays until the next check-in.
    let other = vault.add(&arrangement("Omar", 24 * 60, vec![])).unwrap();
    vault.check_in(&other, CheckInStatus::NeedsHelp, "detained").unwrap();
    let order: Vec<_> = vault.check_ins(at.at_ms + 61 * MIN).iter().map(|v| (v.person.clone(), v.state)).collect();
    assert_eq!(order, [("Omar".into(), CheckInState::NeedsHelp), ("Rosa".into(), CheckInState::Missed)]);

    // It all survives locking, and no byte of it is readable in the folder.
    let vault = reopen(vault);
    let c = vault.get::<CheckIn>(&id).unwrap().value;
    assert_eq!(c.entries.len(), 1);
    assert_eq!(c.watchers, [ana, ben]);
    lock(vault);
    assert_nowhere(dir.path(), "canary-checkin-at-the-court", "after lock");
    assert_nowhere(dir.path(), "detained", "after lock");
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let (dir, mut vault) = new_vault();
    let ana = contact(&mut vault, "Ana");
    let id = vault.add(&arrangement("Rosa", 60, vec![ana])).unwrap();
    let before = vault.get::<CheckIn>(&id).unwrap().value;
    lock(vault);
    let files = snapshot_files(dir.path());
    let mut vault = unlock(dir.path());

    let e = expect_err(vault.check_in(&id, CheckInStatus::Safe, &"x".repeat(501)), "a long message");
    assert_eq!(e.code(), "invalid_input", "{e}");
    let e = expect_err(vault.check_in(&id, CheckInStatus::Safe, "bell\u{7}"), "a control character");
    assert_eq!(e.code(), "invalid_input", "{e}");
    let stranger = RecordId::random();
    let e = expect_err(vault.add(&arrangement("Omar", 60, vec![stranger])), "an unknown watcher");
    assert!(e.to_string().contains("does not exist"), "{e}");
    let e = expect_err(vault.update::<CheckIn>(&id, |c| c.every_minutes = 1), "too short an interval");
    assert!(e.to_string().contains("interval"), "{e}");
    // Checking in on something that is not an arrangement.
    let e = expect_err(vault.check_in(&ana, CheckInStatus::Safe, ""), "a contact is not an arrangement");
    assert_eq!(e.code(), "wrong_kind", "{e}");

    assert_eq!(vault.get::<CheckIn>(&id).unwrap().value, before);
    assert_eq!(vault.len(), 2);
    lock(vault);
    assert_same_files(&files, &snapshot_files(dir.path()), "after refused check-ins");
}

#[test]
fn deleting_a_watcher_unlinks_it_and_entries_stay_bounded() {
    let (_dir, mut vault) = new_vault();
    let ana = contact(&mut vault, "Ana");
    let ben = contact(&mut vault, "Ben");
    let id = vault.add(&CheckIn { contact: Some(ana), ..arrangement("Ana", 30, vec![ben]) }).unwrap();
    vault.delete(&ben).unwrap();
    vault.delete(&ana).unwrap();
    let c = vault.get::<CheckIn>(&id).unwrap().value;
    assert!(c.watchers.is_empty() && c.contact.is_none(), "{c:?}");

    for i in 0..(KEEP_ENTRIES + 5) {
        vault.check_in(&id, CheckInStatus::Safe, &format!("check {i}")).unwrap();
    }
    let vault = reopen(vault);
    let c = vault.get::<CheckIn>(&id).unwrap().value;
    assert_eq!(c.entries.len(), KEEP_ENTRIES);
    assert_eq!(c.entries.last().unwrap().message, format!("check {}", KEEP_ENTRIES + 4), "the newest are kept");
    lock(vault);
}

#[test]
fn saving_an_arrangements_settings_never_drops_its_check_ins() {
    let (_dir, mut vault) = new_vault();
    let id = vault.save_check_in(None, arrangement("Rosa", 60, vec![])).unwrap();
    // What an editor loaded before the check-in below.
    let stale = vault.get::<CheckIn>(&id).unwrap().value;
    vault.check_in(&id, CheckInStatus::NeedsHelp, "arrested").unwrap();
    vault.save_check_in(Some(&id), CheckIn { person: "Rosa R.".into(), every_minutes: 120, ..stale }).unwrap();
    let c = vault.get::<CheckIn>(&id).unwrap().value;
    assert_eq!((c.person.as_str(), c.every_minutes), ("Rosa R.", 120));
    assert_eq!(c.entries.len(), 1, "the check-in made after the editor loaded is kept");
    assert_eq!(vault.check_ins(now())[0].state, CheckInState::NeedsHelp);
    // A new arrangement starts with no check-ins, whatever it was given.
    let mut given = arrangement("Omar", 60, vec![]);
    given.push(CheckInStatus::Safe, "", now()).unwrap();
    let other = vault.save_check_in(None, given).unwrap();
    assert!(vault.get::<CheckIn>(&other).unwrap().value.entries.is_empty());
    lock(vault);
}

#[test]
fn malformed_entries_never_stop_a_check_in_and_resuming_raises_no_false_alarm() {
    use carenet::model::CheckInEntry;
    let (_dir, mut vault) = new_vault();
    let id = vault.save_check_in(None, arrangement("Rosa", 60, vec![])).unwrap();
    // What a faulty or newer build could send by sync: no id, a time out of range, a long message.
    let bad = [("", 5, String::new()), ("x1", -1, String::new()), ("x2", i64::MAX, "y".repeat(900))];
    vault
        .update::<CheckIn>(&id, |c| {
            c.entries.extend(bad.iter().map(|(i, at, m)| CheckInEntry {
                id: (*i).into(),
                at_ms: *at,
                status: CheckInStatus::Safe,
                message: m.clone(),
            }))
        })
        .unwrap();
    vault.check_in(&id, CheckInStatus::NeedsHelp, "detained").unwrap();
    assert_eq!(vault.check_ins(now())[0].state, CheckInState::NeedsHelp);
    vault.check_in(&id, CheckInStatus::Safe, "released").unwrap();

    // Paused for long past the interval, then resumed: safe, due one interval after resuming.
    let stored = vault.get::<CheckIn>(&id).unwrap().value;
    vault.save_check_in(Some(&id), CheckIn { active: false, ..stored.clone() }).unwrap();
    let later = now() + 5 * 60 * MIN;
    assert_eq!(vault.check_ins(later)[0].state, CheckInState::Paused);
    vault.save_check_in(Some(&id), CheckIn { active: true, ..stored }).unwrap();
    let resumed = vault.get::<CheckIn>(&id).unwrap().value.resumed_ms.expect("resuming is stamped");
    assert_eq!(vault.check_ins(resumed + 59 * MIN)[0].state, CheckInState::Safe);
    assert_eq!(vault.check_ins(resumed + 61 * MIN)[0].state, CheckInState::Missed);
    lock(vault);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_made_at_once_on_two_devices_both_arrive_and_both_devices_agree() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = a.create_space("Watch over Rosa").unwrap();
    let card = b.member_card("B").unwrap().0;
    b.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    let ana = a.add_to_space(&space, &Contact { alias: "Ana".into(), ..Default::default() }).unwrap();
    let id = a.add_to_space(&space, &arrangement("Rosa", 60, vec![ana])).unwrap();
    let (a, b): (Host, Host) = (Arc::new(Mutex::new(a)), Arc::new(Mutex::new(b)));
    let (na, nb) = (node(&a).await, node(&b).await);
    na.serve();
    let ticket = na.ticket().await;
    nb.sync_with(&ticket).await.unwrap();
    assert_eq!(b.lock().unwrap().check_ins(now())[0].watchers[0].alias.as_deref(), Some("Ana"));

    // Rosa checks in on A while a watcher on B notes that she cannot be reached.
    a.lock().unwrap().check_in(&id, CheckInStatus::Safe, "home").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    b.lock().unwrap().check_in(&id, CheckInStatus::NoNews, "phone off").unwrap();
    nb.sync_with(&ticket).await.unwrap();

    let t = now();
    let (va, vb) = (a.lock().unwrap().check_ins(t), b.lock().unwrap().check_ins(t));
    assert_eq!(va, vb, "both devices see the same arrangement and state");
    let stored = a.lock().unwrap().get::<CheckIn>(&id).unwrap().value;
    let said: Vec<_> = stored.entries_by_time().iter().map(|e| e.message.as_str()).collect();
    assert_eq!(said, ["home", "phone off"], "both check-ins stay, in time order");
    assert_eq!(va[0].state, CheckInState::NoNews, "the later entry decides");
    na.close().await;
    nb.close().await;
}
