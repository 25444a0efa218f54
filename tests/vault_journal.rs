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
    let conn = open_db(dir);
    let n = conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0)).expect("count journal entries");
    close_db(conn);
    n
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
