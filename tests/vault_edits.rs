//! Editors' saves on real vault files, and between two real vaults over real iroh endpoints on
//! loopback: an editor opened before another change (the tree screen, another window, a sync)
//! writes only what it changed, so that other change stays; where both changed the same thing the
//! editor's value wins and the answer says so; a merge that would break a rule between fields
//! falls back to the editor's fields; bad input changes nothing.

mod util;

use std::sync::{Arc, Mutex};

use carenet::model::{Act, CheckIn, ConsentStatus, Contact, Note, ReprisalRecord, ShareScope};
use carenet::space::Role;
use util::*;

fn note(title: &str, body: &str) -> Note {
    Note { title: title.into(), body: body.into(), tags: vec!["raid".into()], ..Default::default() }
}

#[test]
fn an_editor_keeps_what_changed_elsewhere_and_says_it_must_show_the_record_again() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid", "Seen at 9.\nThree people taken.\nLawyer called.\n")).unwrap();
    let base = vault.get::<Note>(&id).unwrap().value;

    // Another window changes the title, adds a tag and corrects the first line of the body.
    vault
        .update::<Note>(&id, |n| {
            n.title = "Raid on the office".into();
            n.tags.push("urgent".into());
            n.body = n.body.replace("Seen at 9.", "Seen at 9:10.");
        })
        .unwrap();

    // The editor opened before that changes the last line and drops the tag "raid".
    let edited =
        Note { tags: vec![], body: base.body.replace("Lawyer called.", "Lawyer refused entry."), ..base.clone() };
    let saved = vault.save_edit(&id, &base, edited.clone()).unwrap();
    assert!(saved.merged, "what is stored is not what the editor shows");
    assert!(!saved.overwrote, "nothing changed elsewhere was replaced");
    let want = Note {
        title: "Raid on the office".into(),
        body: "Seen at 9:10.\nThree people taken.\nLawyer refused entry.\n".into(),
        tags: vec!["urgent".into()],
        ..Default::default()
    };
    assert_eq!(saved.stored.value, want);
    // Acknowledged means durable: the merged record is what the vault holds after a lock.
    let vault = reopen(vault);
    assert_eq!(vault.get::<Note>(&id).unwrap().value, want);
    let mut vault = vault;

    // Saving from what was shown, with nothing else changed meanwhile: stored as sent.
    let shown = saved.stored.value;
    let again = Note { body: format!("{}Released at 18.\n", shown.body), ..shown.clone() };
    let saved = vault.save_edit(&id, &shown, again.clone()).unwrap();
    assert!(!saved.merged);
    assert_eq!(saved.stored.value, again);
    lock(vault);
    assert_nowhere(dir.path(), "Lawyer refused entry", "after merged saves");
}

#[test]
fn where_both_changed_the_same_thing_the_editor_wins() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid", "one line")).unwrap();
    let base = vault.get::<Note>(&id).unwrap().value;
    vault.update::<Note>(&id, |n| n.body = "their line".into()).unwrap();
    let saved = vault.save_edit(&id, &base, Note { body: "my line".into(), ..base.clone() }).unwrap();
    assert_eq!(saved.stored.value.body, "my line");
    assert!(!saved.merged, "the editor already shows what is stored");
    assert!(saved.overwrote, "and it says that it replaced another change");
}

#[test]
fn a_contact_editor_keeps_links_made_on_the_tree_screen() {
    let (_dir, mut vault) = new_vault();
    let ana = vault.add(&Contact { alias: "Ana".into(), ..Default::default() }).unwrap();
    let ben = vault.add(&Contact { alias: "Ben".into(), ..Default::default() }).unwrap();
    let base = vault.get::<Contact>(&ana).unwrap().value;

    // With Ana's editor open, the tree screen makes Ana alert Ben.
    vault.link_alert(&ana, &ben).unwrap();

    // The editor saves Ana's notes; it still holds the alert list without Ben.
    let edited = Contact { notes: "Prefers Signal after 18:00".into(), ..base.clone() };
    let saved = vault.save_edit(&ana, &base, edited).unwrap();
    assert_eq!(saved.stored.value.alerts, [ben], "the link stays");
    assert_eq!(saved.stored.value.notes, "Prefers Signal after 18:00");
    assert!(saved.merged);
    assert_eq!(vault.contact_tree(&ana).unwrap().children.len(), 1);
}

#[test]
fn reprisal_acts_merge_item_by_item() {
    let (_dir, mut vault) = new_vault();
    let act = |id: &str, t: &str| Act {
        id: id.into(),
        act_type: t.parse().unwrap(),
        date: None,
        place: String::new(),
        victims: vec![],
        consequences: String::new(),
    };
    let record = ReprisalRecord {
        title: "Detention after the UPR session".into(),
        country: "BY".into(),
        acts: vec![act("a1", "arbitrary-arrest")],
        ..Default::default()
    };
    let id = vault.add(&record).unwrap();
    let base = vault.get::<ReprisalRecord>(&id).unwrap().value;

    // Elsewhere: a second act is recorded and the place filled in.
    vault
        .update::<ReprisalRecord>(&id, |r| {
            r.acts.push(act("a2", "travel-ban"));
            r.place = "Minsk".into();
        })
        .unwrap();

    // The editor fills in the first act's consequences.
    let mut edited = base.clone();
    edited.acts[0].consequences = "Held for 15 days".into();
    let stored = vault.save_edit(&id, &base, edited).unwrap().stored.value;
    let acts: Vec<_> = stored.acts.iter().map(|a| (a.id.as_str(), a.consequences.as_str())).collect();
    assert_eq!(acts, [("a1", "Held for 15 days"), ("a2", "")]);
    assert_eq!(stored.place, "Minsk");
}

#[test]
fn a_merge_that_would_break_a_rule_falls_back_to_the_editors_fields_and_says_so() {
    let (_dir, mut vault) = new_vault();
    let mut record = ReprisalRecord { title: "Smear campaign".into(), country: "BY".into(), ..Default::default() };
    record.consent.status = ConsentStatus::Given;
    record.consent.share_with = vec![ShareScope::Network];
    let id = vault.add(&record).unwrap();
    let base = vault.get::<ReprisalRecord>(&id).unwrap().value;

    // Elsewhere, sharing is widened to the public; meanwhile the victim withdraws consent and the
    // editor records it (which clears the sharing choices).
    vault.update::<ReprisalRecord>(&id, |r| r.consent.share_with.push(ShareScope::Public)).unwrap();
    let mut edited = base.clone();
    edited.consent.status = ConsentStatus::Refused;
    edited.consent.share_with.clear();
    edited.place = "Minsk".into();

    // Field by field, that would be "refused, shared with the public": not allowed. The
    // editor's consent is taken whole instead, so the withdrawal holds.
    let saved = vault.save_edit(&id, &base, edited).unwrap();
    let c = &saved.stored.value.consent;
    assert_eq!((c.status, c.share_with.len()), (ConsentStatus::Refused, 0), "{c:?}");
    assert_eq!(saved.stored.value.place, "Minsk");
    assert!(saved.overwrote, "the sharing widened elsewhere was replaced: the form says so");
    assert!(!saved.merged, "what is stored is what the editor shows");
}

#[test]
fn a_check_in_editor_keeps_a_pause_made_elsewhere_and_the_check_ins() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&CheckIn { person: "Rosa".into(), every_minutes: 60, ..Default::default() }).unwrap();
    let base = vault.get::<CheckIn>(&id).unwrap().value;
    vault.check_in(&id, carenet::model::CheckInStatus::Safe, "home").unwrap();
    vault.update::<CheckIn>(&id, |c| c.active = false).unwrap();

    // The editor (opened before both) changes the interval and sends no entries.
    let edited = CheckIn { every_minutes: 240, entries: vec![], ..base.clone() };
    let saved = vault.edit_check_in(&id, &base, edited).unwrap();
    let c = saved.stored.value;
    assert_eq!((c.every_minutes, c.active, c.entries.len()), (240, false, 1), "{c:?}");
    assert!(saved.merged, "the pause is not in the editor");
}

#[test]
fn bad_edits_are_refused_and_change_nothing() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid", "body")).unwrap();
    let base = vault.get::<Note>(&id).unwrap().value;
    vault.update::<Note>(&id, |n| n.tags.push("urgent".into())).unwrap();
    let before = vault.get::<Note>(&id).unwrap().value;
    lock(vault);
    let files = snapshot_files(dir.path());
    let mut vault = unlock(dir.path());

    let e = expect_err(vault.save_edit(&id, &base, Note { title: "a\u{7}".into(), ..base.clone() }), "a control char");
    assert_eq!(e.code(), "invalid_input", "{e}");
    let e = expect_err(vault.save_edit(&id, &base, Note::default()), "an empty note");
    assert_eq!(e.code(), "invalid_input", "{e}");
    let gone = carenet::model::RecordId::random();
    let e = expect_err(vault.save_edit(&gone, &base, base.clone()), "a record that is not there");
    assert_eq!(e.code(), "not_found", "{e}");
    let contact = vault.resolve(&id.to_string()).unwrap();
    let e = expect_err(
        vault.save_edit(&contact, &Contact::default(), Contact { alias: "X".into(), ..Default::default() }),
        "a note saved as a contact",
    );
    assert_eq!(e.code(), "wrong_kind", "{e}");

    assert_eq!(vault.get::<Note>(&id).unwrap().value, before);
    lock(vault);
    assert_same_files(&files, &snapshot_files(dir.path()), "after refused edits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_before_a_sync_keeps_what_the_sync_brought_on_both_devices() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = a.create_space("Office").unwrap();
    let card = b.member_card("B").unwrap().0;
    b.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    let id = a.add_to_space(&space, &note("Raid", "Seen at 9.\nThree people taken.\n")).unwrap();
    let (a, b): (Host, Host) = (Arc::new(Mutex::new(a)), Arc::new(Mutex::new(b)));
    let (na, nb) = (node(&a).await, node(&b).await);
    na.serve();
    let ticket = na.ticket().await;
    nb.sync_with(&ticket).await.unwrap();

    // A opens the note in its editor; B retitles it and adds a line; they sync.
    let base = a.lock().unwrap().get::<Note>(&id).unwrap().value;
    b.lock()
        .unwrap()
        .update::<Note>(&id, |n| {
            n.title = "Raid on the office".into();
            n.body.push_str("Released at 18.\n");
        })
        .unwrap();
    nb.sync_with(&ticket).await.unwrap();

    // A's editor saves its correction of the first line.
    let edited = Note { body: base.body.replace("Seen at 9.", "Seen at 9:10."), ..base.clone() };
    let saved = a.lock().unwrap().save_edit(&id, &base, edited).unwrap();
    assert!(saved.merged);
    nb.sync_with(&ticket).await.unwrap();

    let want = "Seen at 9:10.\nThree people taken.\nReleased at 18.\n";
    for (name, host) in [("A", &a), ("B", &b)] {
        let n = host.lock().unwrap().get::<Note>(&id).unwrap().value;
        assert_eq!((n.title.as_str(), n.body.as_str()), ("Raid on the office", want), "on {name}");
    }
    na.close().await;
    nb.close().await;
}
