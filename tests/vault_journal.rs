//! The edit journal on real vault files: a save is readable at once and acknowledged before its
//! document is updated; the journal writer then applies it, in order, and nothing a delete,
//! a draft or a lock does afterwards can lose or resurrect it. (The crash test kills a writing
//! process to leave entries for unlock to apply: tests/crash.rs.)

mod util;

use carenet::{Note, Query};
use util::*;

fn note(title: &str, body: &str, tags: &[&str]) -> Note {
    Note {
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

fn journal_rows(dir: &std::path::Path) -> i64 {
    pending_journal_entries(dir)
}

#[test]
fn a_save_is_readable_at_once_and_writes_one_change_once_applied() {
    let (_dir, mut v) = new_vault();
    let id = v.add(&note("Visit", "first", &["legal"])).unwrap();
    let stored = v.update::<Note>(&id, |n| n.body = "second".into()).unwrap();
    assert_eq!(stored.value.body, "second", "update returns the record as saved");
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "second", "a read right after the save sees it");
    assert_eq!(v.search(&Query { text: "Visit".into(), ..Default::default() }).len(), 1);
    v.wait_for_writes().unwrap();
    assert_eq!(v.personal_change_count().unwrap(), 2, "the add and the update, one sealed change each");
    let unchanged = v.update::<Note>(&id, |n| n.body = "second".into()).unwrap();
    assert_eq!(unchanged.updated_ms, stored.updated_ms, "an edit that changes nothing is not a save");
    v.wait_for_writes().unwrap();
    assert_eq!(v.personal_change_count().unwrap(), 2, "and writes no change");
    let history = v.history(&id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].time_ms, stored.updated_ms, "the change carries the time the save was acknowledged");
    assert_eq!(history[1].fields, ["body"]);
}

#[test]
fn a_duplicate_tag_is_shown_as_the_document_stores_it() {
    let (_dir, mut v) = new_vault();
    let id = v.add(&note("Tags", "", &["a", "a", "b"])).unwrap();
    assert_eq!(v.get::<Note>(&id).unwrap().value.tags, ["a", "b"], "shown without the duplicate at once");
    v.update::<Note>(&id, |n| n.tags.push("b".into())).unwrap();
    assert_eq!(v.get::<Note>(&id).unwrap().value.tags, ["a", "b"]);
    let v = reopen(v);
    assert_eq!(v.get::<Note>(&id).unwrap().value.tags, ["a", "b"], "the document holds the same");
}

#[test]
fn a_long_burst_of_saves_is_applied_in_order_and_the_journal_empties() {
    let (dir, mut v) = new_vault();
    let ids: Vec<_> = (0..10).map(|i| v.add(&note(&format!("n{i}"), "", &[])).unwrap()).collect();
    // More saves than the writer's queue holds, so some wait for room.
    for round in 0..30 {
        for id in &ids {
            v.update::<Note>(id, |n| n.body = format!("round {round}")).unwrap();
        }
    }
    let v = reopen(v);
    for id in &ids {
        assert_eq!(v.get::<Note>(id).unwrap().value.body, "round 29");
    }
    assert_eq!(v.personal_change_count().unwrap(), 10 + 300);
    lock(v);
    assert_eq!(journal_rows(dir.path()), 0, "lock applies every entry");
}

#[test]
fn a_delete_right_after_a_save_is_not_undone_by_the_writer() {
    let (_dir, mut v) = new_vault();
    let keep = v.add(&note("keep", "", &[])).unwrap();
    let gone = v.add(&note("gone", "", &[])).unwrap();
    v.update::<Note>(&gone, |n| n.body = "last words".into()).unwrap();
    v.delete(&gone).unwrap();
    let v = reopen(v);
    assert!(v.get::<Note>(&gone).is_err(), "the deleted record stays deleted");
    assert_eq!(v.len(), 1);
    assert_eq!(v.get::<Note>(&keep).unwrap().value.title, "keep");
}

#[test]
fn a_draft_opened_after_a_save_merges_with_it() {
    let (_dir, mut v) = new_vault();
    let id = v.add(&note("Draft", "body", &[])).unwrap();
    v.update::<Note>(&id, |n| n.title = "Saved title".into()).unwrap();
    let mut draft = v.draft::<Note>(&id).unwrap();
    assert_eq!(draft.value.title, "Saved title", "the draft starts from the saved record");
    v.update::<Note>(&id, |n| n.tags = vec!["later".into()]).unwrap();
    draft.value.body = "edited in the draft".into();
    let merged = v.save_draft(draft).unwrap().value;
    assert_eq!(merged.title, "Saved title");
    assert_eq!(merged.body, "edited in the draft");
    assert_eq!(merged.tags, ["later"], "the save made while the draft was open is kept");
    let v = reopen(v);
    assert_eq!(v.get::<Note>(&id).unwrap().value, merged);
}

#[test]
fn quick_saves_of_one_record_each_keep_their_change_and_reload() {
    let (dir, mut v) = new_vault();
    // Added, then edited faster than the writer applies: the new document and many of its edits
    // meet in the writer's batches, and the document row falls due (every 32 changes) inside one.
    let id = v.add(&note("Fast", "0", &[])).unwrap();
    for i in 1..=70 {
        v.update::<Note>(&id, |n| n.body = i.to_string()).unwrap();
        if i % 7 == 0 {
            v.add(&note(&format!("other {i}"), "x", &[])).unwrap();
        }
    }
    v.wait_for_writes().unwrap();
    let history = v.history(&id).unwrap();
    assert_eq!(history.len(), 71, "one change per save");
    assert!(history.windows(2).all(|w| w[0].time_ms <= w[1].time_ms), "in the order they were saved");
    assert_eq!(v.personal_change_count().unwrap(), 71 + 10);
    let mut v = reopen(v);
    // Unlock reads the view rows; a draft loads the document from its row and the later changes.
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "70");
    let draft = v.draft::<Note>(&id).unwrap();
    assert_eq!(draft.value.body, "70", "the stored document and change log agree with the view");
    let saved = v.save_draft(draft).unwrap();
    assert_eq!(saved.value.body, "70");
    assert_eq!(v.len(), 11);
    lock(v);
    assert_eq!(journal_rows(dir.path()), 0);
}

#[test]
fn each_save_is_an_entry_of_the_journal_file_until_a_delete_or_the_lock_wipes_it() {
    let (dir, mut v) = new_vault();
    let a = v.add(&note("first", "", &[])).unwrap();
    let b = v.add(&note("second", "", &[])).unwrap();
    for i in 0..5 {
        v.update::<Note>(&a, |n| n.body = format!("edit {i}")).unwrap();
    }
    let numbers = journal_file_numbers(dir.path());
    assert!(!numbers.is_empty(), "the saves are entries of the journal file");
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "numbered in order: {numbers:?}");
    v.wait_for_writes().unwrap();
    assert_eq!(journal_rows(dir.path()), 0, "applied entries are not pending");
    assert!(!journal_file_is_blank(dir.path()), "an applied entry stays until something wipes the file");
    // Once the writer has caught up (its commit durable), the next save starts the file again.
    v.update::<Note>(&a, |n| n.body = "edit 5".into()).unwrap();
    let restarted = journal_file_numbers(dir.path());
    assert_eq!(restarted, [numbers.last().unwrap() + 1], "written at the start of the file");
    // A delete leaves no sealed copy of the record's edits in the journal file.
    v.delete(&a).unwrap();
    assert!(journal_file_is_blank(dir.path()), "a delete wipes the journal file");
    v.update::<Note>(&b, |n| n.body = "after the delete".into()).unwrap();
    assert_eq!(journal_file_numbers(dir.path()).len(), 1);
    lock(v);
    assert!(journal_file_is_blank(dir.path()), "the lock wipes the journal file");
    let v = unlock(dir.path());
    assert_eq!(v.get::<Note>(&b).unwrap().value.body, "after the delete");
    assert!(v.get::<Note>(&a).is_err());
}

#[test]
fn an_entry_cut_short_at_the_end_of_the_journal_is_dropped_and_one_before_others_is_kept() {
    let (dir, mut v) = new_vault();
    let id = v.add(&note("kept", "body", &[])).unwrap();
    lock(v);
    // A power cut while the next save was being written: the entry is torn, never acknowledged.
    append_torn_journal_entry(dir.path(), Some(1000));
    assert_eq!(journal_rows(dir.path()), 1);
    let mut v = unlock(dir.path());
    assert!(v.damaged().is_empty(), "a torn last entry is not damage: {:?}", v.damaged());
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "body");
    assert_eq!(journal_rows(dir.path()), 0, "unlock dropped it");
    // Saves go on, numbered after it, and reload.
    v.update::<Note>(&id, |n| n.body = "later".into()).unwrap();
    assert!(journal_file_numbers(dir.path()).iter().all(|n| *n > 1000), "numbers never go back");
    let v = reopen(v);
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "later");
    lock(v);

    // An unreadable entry with another after it is not a torn write: it is kept, not dropped.
    append_torn_journal_entry(dir.path(), Some(2000));
    append_torn_journal_entry(dir.path(), None);
    let v = unlock(dir.path());
    assert_eq!(v.get::<Note>(&id).unwrap().value.body, "later", "the records read");
    lock(v);
    let conn = open_db(dir.path());
    let kept: Vec<i64> = conn
        .prepare("SELECT seq FROM journal")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    close_db(conn);
    assert_eq!(kept, [2000], "kept in the table for a later unlock; the torn last one dropped");
    assert!(journal_file_is_blank(dir.path()));
}
