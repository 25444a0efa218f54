//! Files kept with records, on real vault files and between real vaults (item exchange, and real
//! iroh endpoints on loopback): a file reads back byte for byte after a lock, is never in clear on
//! disk, is checked against its SHA-256 and signature, travels with its record (sync, sharing into
//! a space), and is erased everywhere when it is removed or its record deleted; bad input changes
//! nothing.

mod util;

use std::sync::{Arc, Mutex};

use carenet::model::{Contact, Note, RecordId, ReprisalRecord, SpaceId};
use carenet::space::Role;
use carenet::vault::NewFile;
use carenet::Vault;
use util::*;

fn note(title: &str) -> Note {
    Note { title: title.into(), body: "see the files".into(), ..Default::default() }
}

/// Bytes that do not compress and hold `canary` at the start, the middle and the end.
fn file_bytes(len: usize, canary: &str) -> Vec<u8> {
    use rand::RngCore;
    let mut b = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut b);
    for at in [0, len / 2, len - canary.len()] {
        b[at..at + canary.len()].copy_from_slice(canary.as_bytes());
    }
    b
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> NewFile<'a> {
    NewFile { name, media_type: "image/jpeg", bytes, captured_ms: Some(1_777_000_000_000) }
}

/// The stored changes of a record: (id, body), read from the file with the vault locked.
fn changes_of(dir: &std::path::Path, id: &RecordId) -> Vec<(Vec<u8>, Vec<u8>)> {
    let conn = open_db(dir);
    let rows = {
        let mut stmt = conn.prepare("SELECT id, body FROM changes WHERE doc = ?1 ORDER BY rowid").unwrap();
        stmt.query_map([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    close_db(conn);
    rows
}

fn sync(from: &Vault, to: &mut Vault, space: SpaceId) -> carenet::vault::IngestReport {
    let ids = from.item_ids(space).unwrap();
    to.ingest(space, from.items(space, &ids).unwrap()).unwrap()
}

fn space_of_two(a: &mut Vault, b: &mut Vault) -> SpaceId {
    let space = a.create_space("Office").unwrap();
    a.set_card_name("Amina").unwrap();
    let card = b.member_card("Bo").unwrap().0;
    b.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    sync(a, b, space);
    space
}

#[test]
fn a_file_reads_back_after_a_lock_is_signed_and_is_never_in_clear_on_disk() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid")).unwrap();
    let canary = format!("FILECANARY{}", random_hex(8));
    let name = format!("raid-{}.jpg", random_hex(6));
    let bytes = file_bytes(600_000, &canary); // three parts
    let a = vault.attach(&id, &file(&name, &bytes)).unwrap();
    assert_eq!((a.parts, a.size, a.name.as_str()), (3, 600_000, name.as_str()));
    assert_eq!(a.captured_ms, Some(1_777_000_000_000));
    let small =
        vault.attach(&id, &NewFile { name: "list.txt", media_type: "", bytes: b"", captured_ms: None }).unwrap();
    assert_eq!((small.media_type.as_str(), small.parts), ("application/octet-stream", 1));

    // An editor's save keeps the files, even one that sends the list without them.
    vault.update::<Note>(&id, |n| n.attachments.clear()).unwrap();
    let base = vault.get::<Note>(&id).unwrap().value;
    let saved =
        vault.save_edit(&id, &base, Note { body: "edited".into(), attachments: vec![], ..base.clone() }).unwrap();
    assert_eq!(saved.stored.value.attachments.len(), 2);
    // The file names are searchable.
    let hits = vault.search(&carenet::search::Query { text: name.clone(), ..Default::default() });
    assert_eq!(hits.len(), 1);

    let vault = reopen(vault);
    let read = vault.read_attachment(&id, &a.id).unwrap();
    assert!(read.bytes.as_slice() == bytes.as_slice(), "the same bytes");
    assert!(read.signer.valid && read.signer.this_device, "{:?}", read.signer);
    assert_eq!(vault.read_attachment(&id, &small.id[..6]).unwrap().bytes.len(), 0, "by a unique prefix");
    assert_eq!(vault.get::<Note>(&id).unwrap().value.body, "edited");
    lock(vault);
    assert_nowhere(dir.path(), &canary, "after attaching");
    assert_nowhere(dir.path(), &name, "the file name");
}

#[test]
fn removing_a_file_erases_its_parts_and_deleting_the_record_erases_them_all() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&ReprisalRecord { title: "Detention".into(), ..Default::default() }).unwrap();
    let photo = vault.attach(&id, &file("photo.jpg", &file_bytes(300_000, "PHOTO"))).unwrap();
    let video = vault.attach(&id, &file("video.mp4", &file_bytes(100, "VIDEO"))).unwrap();
    lock(vault);
    let before = changes_of(dir.path(), &id);
    // The largest stored change is a part of the photo.
    let part = before.iter().map(|(_, b)| b.clone()).max_by_key(Vec::len).unwrap();

    let mut vault = unlock(dir.path());
    vault.detach(&id, &photo.id).unwrap();
    let e = expect_err(vault.read_attachment(&id, &photo.id), "a removed file");
    assert_eq!(e.code(), "attachment_not_found", "{e}");
    assert_eq!(vault.read_attachment(&id, &video.id).unwrap().bytes.len(), 100);
    lock(vault);
    let after = changes_of(dir.path(), &id);
    assert_eq!(after.len(), before.len() - 2 + 1, "two parts gone, one change added");
    let hits = files_containing(dir.path(), &part[part.len() - 64..]);
    assert!(hits.is_empty(), "the removed part's ciphertext is gone from every file: {hits:?}");

    let mut vault = unlock(dir.path());
    vault.delete(&id).unwrap();
    lock(vault);
    assert!(changes_of(dir.path(), &id).is_empty());
}

#[test]
fn a_damaged_or_moved_part_is_reported_and_nothing_else_is_affected() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid")).unwrap();
    let other = vault.add(&note("Other")).unwrap();
    let a = vault.attach(&id, &file("a.jpg", &file_bytes(300_000, "AAAA"))).unwrap();
    let b = vault.attach(&id, &file("b.jpg", &file_bytes(1000, "BBBB"))).unwrap();
    lock(vault);

    // Flip a byte in the middle of the largest part (one of a's).
    let conn = open_db(dir.path());
    let (part_id, mut body): (Vec<u8>, Vec<u8>) = conn
        .query_row("SELECT id, body FROM changes WHERE doc = ?1 ORDER BY length(body) DESC LIMIT 1", [&id.0[..]], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let mid = body.len() / 2;
    body[mid] ^= 1;
    conn.execute("UPDATE changes SET body = ?1 WHERE id = ?2", rusqlite::params![body, part_id]).unwrap();
    close_db(conn);
    let vault = unlock(dir.path());
    let e = expect_err(vault.read_attachment(&id, &a.id), "a flipped byte");
    assert_eq!(e.code(), "attachment_damaged", "{e}");
    assert!(e.to_string().contains(&id.to_string()), "{e}");
    assert_eq!(vault.read_attachment(&id, &b.id).unwrap().bytes.len(), 1000, "the other file still reads");
    assert_eq!(vault.get::<Note>(&id).unwrap().value.attachments.len(), 2, "the record still opens");
    lock(vault);

    // A part moved to another record's changes is not taken for one of that record's files,
    // and is missing from its own.
    let conn = open_db(dir.path());
    let (small_id,): (Vec<u8>,) = conn
        .query_row(
            "SELECT id FROM changes WHERE doc = ?1 AND length(body) < 4000 ORDER BY rowid DESC LIMIT 1 OFFSET 1",
            [&id.0[..]],
            |r| Ok((r.get(0)?,)),
        )
        .unwrap();
    conn.execute("UPDATE changes SET doc = ?1 WHERE id = ?2", rusqlite::params![&other.0[..], small_id]).unwrap();
    close_db(conn);
    let vault = unlock(dir.path());
    let e = expect_err(vault.read_attachment(&id, &b.id), "a part moved away");
    assert!(matches!(e.code(), "attachment_incomplete" | "attachment_damaged"), "{e}");
    assert_eq!(vault.get::<Note>(&other).unwrap().value.attachments.len(), 0);
    lock(vault);
}

#[test]
fn bad_files_are_refused_and_change_nothing() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid")).unwrap();
    let contact = vault.add(&Contact { alias: "Ana".into(), ..Default::default() }).unwrap();
    let a = vault.attach(&id, &file("a.jpg", b"jpeg")).unwrap();
    lock(vault);
    let files = snapshot_files(dir.path());
    let mut vault = unlock(dir.path());
    let too_big = vec![0u8; carenet::model::attachment::MAX_ATTACHMENT_BYTES + 1];
    let cases: Vec<(NewFile<'_>, RecordId, &str)> = vec![
        (file("a.jpg", b"x"), contact, "invalid_input"),
        (file("../etc/passwd", b"x"), id, "invalid_input"),
        (file("", b"x"), id, "invalid_input"),
        (file("two\nlines", b"x"), id, "invalid_input"),
        (NewFile { media_type: "not a type", ..file("a.jpg", b"x") }, id, "invalid_input"),
        (file("big.bin", &too_big), id, "invalid_input"),
        (file("a.jpg", b"x"), RecordId::random(), "not_found"),
    ];
    for (f, record, code) in cases {
        let e = expect_err(vault.attach(&record, &f), f.name);
        assert_eq!(e.code(), code, "{}: {e}", f.name);
    }
    for bad in ["", "zz", "0000", &a.id[..3]] {
        let e = expect_err(vault.read_attachment(&id, bad), bad);
        assert_eq!(e.code(), "attachment_not_found", "{bad}: {e}");
        let e = expect_err(vault.detach(&id, bad), bad);
        assert_eq!(e.code(), "attachment_not_found", "{bad}: {e}");
    }
    assert_eq!(vault.read_attachment(&id, &a.id).unwrap().bytes.as_slice(), b"jpeg");
    lock(vault);
    assert_same_files(&files, &snapshot_files(dir.path()), "after refused files");
}

#[test]
fn files_travel_with_their_record_and_their_removal_reaches_every_member() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = space_of_two(&mut a, &mut b);
    let id = a.add_to_space(&space, &note("Raid")).unwrap();
    let photo_bytes = file_bytes(700_000, "PHOTO");
    let photo = a.attach(&id, &file("photo.jpg", &photo_bytes)).unwrap();
    let memo = a.attach(&id, &file("memo.txt", b"three taken")).unwrap();

    let report = sync(&a, &mut b, space);
    assert_eq!(report.applied, report.received - report.duplicates - report.ops, "{report:?}");
    let read = b.read_attachment(&id, &photo.id).unwrap();
    assert!(read.bytes.as_slice() == photo_bytes.as_slice());
    assert!(read.signer.valid && !read.signer.this_device);
    assert_eq!(read.signer.name.as_deref(), Some("Amina"), "named as the member who added it");

    // A removes the photo: B's parts of it are erased when the removal arrives, and are not
    // brought back by a later sync with a device that still offers them.
    let stale = a.items(space, &a.item_ids(space).unwrap()).unwrap();
    a.detach(&id, &photo.id).unwrap();
    let parts_before = b.item_ids(space).unwrap().len();
    sync(&a, &mut b, space);
    let e = expect_err(b.read_attachment(&id, &photo.id), "a removed file on B");
    assert_eq!(e.code(), "attachment_not_found");
    assert_eq!(b.read_attachment(&id, &memo.id).unwrap().bytes.as_slice(), b"three taken");
    let report = b.ingest(space, stale).unwrap();
    assert_eq!(report.received, report.duplicates, "the erased parts count as held: {report:?}");
    assert_eq!(b.item_ids(space).unwrap().len(), parts_before + 1, "one change more; erased ids still listed");
    let dir_b = b.dir().to_path_buf();
    lock(b);
    let b_changes = changes_of(&dir_b, &id);
    assert!(b_changes.iter().all(|(_, body)| body.len() < 100_000), "no part of the photo stays on B");
}

#[test]
fn sharing_a_record_into_a_space_takes_its_files_along() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = space_of_two(&mut a, &mut b);
    let id = a.add(&note("Personal first")).unwrap();
    let bytes = file_bytes(400_000, "SHARED");
    let f = a.attach(&id, &file("evidence.png", &bytes)).unwrap();
    a.share(&space, &id, false).unwrap();
    assert!(a.read_attachment(&id, &f.id).unwrap().bytes.as_slice() == bytes.as_slice(), "still readable on A");
    sync(&a, &mut b, space);
    assert!(b.read_attachment(&id, &f.id).unwrap().bytes.as_slice() == bytes.as_slice(), "and on B");
    let a = reopen(a);
    assert!(a.read_attachment(&id, &f.id).unwrap().bytes.as_slice() == bytes.as_slice(), "after a reopen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_several_megabytes_syncs_over_iroh_on_loopback() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = space_of_two(&mut a, &mut b);
    let id = a.add_to_space(&space, &note("Video")).unwrap();
    let bytes = file_bytes(3 * 1024 * 1024 + 17, "VIDEO");
    let f = a.attach(&id, &file("video.mp4", &bytes)).unwrap();
    let (a, b): (Host, Host) = (Arc::new(Mutex::new(a)), Arc::new(Mutex::new(b)));
    let (na, nb) = (node(&a).await, node(&b).await);
    na.serve();
    let ticket = na.ticket().await;
    nb.sync_with(&ticket).await.unwrap();
    let read = b.lock().unwrap().read_attachment(&id, &f.id).unwrap();
    assert!(read.bytes.as_slice() == bytes.as_slice(), "13 parts, in several batches, arrive whole");
    // Parts that came after the record's document row are not taken for document changes.
    b.lock().unwrap().update::<Note>(&id, |n| n.title = "Video of the raid".into()).unwrap();
    nb.sync_with(&ticket).await.unwrap();
    assert_eq!(a.lock().unwrap().get::<Note>(&id).unwrap().value.title, "Video of the raid");
    na.close().await;
    nb.close().await;
    drop((na, nb));
    let b = Arc::try_unwrap(b).ok().expect("the nodes are closed").into_inner().unwrap();
    let mut b = reopen(b);
    assert!(b.read_attachment(&id, &f.id).unwrap().bytes.as_slice() == bytes.as_slice());
    // Loading the document from disk skips the parts stored after its document row.
    b.update::<Note>(&id, |n| n.body = "Filmed from the window".into()).unwrap();
    assert_eq!(reopen(b).get::<Note>(&id).unwrap().value.body, "Filmed from the window");
}

/// The names of a reprisal record's files, sorted.
fn names_on(v: &Vault, id: &RecordId) -> Vec<String> {
    let mut names: Vec<String> =
        v.get::<ReprisalRecord>(id).unwrap().value.attachments.into_iter().map(|f| f.name).collect();
    names.sort();
    names
}

#[test]
fn files_attached_at_once_on_two_devices_are_both_kept_and_a_removal_does_not_take_the_other() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let space = space_of_two(&mut a, &mut b);
    let id = a.add_to_space(&space, &ReprisalRecord { title: "Detention".into(), ..Default::default() }).unwrap();
    sync(&a, &mut b, space);

    // Offline, each adds a file to the record; then they sync both ways.
    let photo = a.attach(&id, &file("photo.jpg", b"photo bytes")).unwrap();
    let video = b.attach(&id, &file("video.mp4", b"video bytes")).unwrap();
    sync(&a, &mut b, space);
    sync(&b, &mut a, space);
    for (name, v) in [("A", &a), ("B", &b)] {
        assert_eq!(names_on(v, &id), ["photo.jpg", "video.mp4"], "on {name}");
        assert_eq!(v.read_attachment(&id, &photo.id).unwrap().bytes.as_slice(), b"photo bytes", "on {name}");
        assert_eq!(v.read_attachment(&id, &video.id).unwrap().bytes.as_slice(), b"video bytes", "on {name}");
    }

    // Offline again: A removes the photo while B adds a memo. Neither change undoes the other.
    a.detach(&id, &photo.id).unwrap();
    let memo = b.attach(&id, &file("memo.txt", b"memo bytes")).unwrap();
    sync(&a, &mut b, space);
    sync(&b, &mut a, space);
    for (name, v) in [("A", &a), ("B", &b)] {
        assert_eq!(names_on(v, &id), ["memo.txt", "video.mp4"], "on {name}");
        assert_eq!(v.read_attachment(&id, &memo.id).unwrap().bytes.as_slice(), b"memo bytes", "on {name}");
        assert_eq!(expect_err(v.read_attachment(&id, &photo.id), "removed").code(), "attachment_not_found");
    }
    // An editor's save on B afterwards changes neither list.
    b.update::<ReprisalRecord>(&id, |r| r.title = "Detention at the border".into()).unwrap();
    sync(&b, &mut a, space);
    assert_eq!(a.get::<ReprisalRecord>(&id).unwrap().value.attachments.len(), 2);
}

#[test]
fn parts_of_a_removed_file_that_arrive_later_are_dropped_and_not_passed_on() {
    let (_da, mut a) = new_vault();
    let (_db, mut b) = new_vault();
    let (_dc, mut c) = new_vault();
    let space = space_of_two(&mut a, &mut b);
    let card = c.member_card("Chen").unwrap().0;
    c.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    let id = a.add_to_space(&space, &note("Raid")).unwrap();
    let photo = a.attach(&id, &file("witness.jpg", &file_bytes(300_000, "WITNESS"))).unwrap();
    sync(&a, &mut b, space); // B holds the photo's parts
    a.detach(&id, &photo.id).unwrap();

    // C first gets everything B holds (the parts, not yet the removal), then A's removal.
    let from_b = b.items(space, &b.item_ids(space).unwrap()).unwrap();
    c.ingest(space, from_b.clone()).unwrap();
    assert_eq!(c.read_attachment(&id, &photo.id).unwrap().bytes.len(), 300_000, "C holds the photo");
    let report = sync(&a, &mut c, space);
    assert_eq!(report.dropped, 0, "the removal erases what C holds; nothing in the batch is dropped");
    // ... and in the other order: D gets the removal first, then B's stale parts.
    let (_dd, mut d) = new_vault();
    let card = d.member_card("Dina").unwrap().0;
    d.join(&a.invite(&space, &card, Role::Member).unwrap()).unwrap();
    sync(&a, &mut d, space);
    let report = d.ingest(space, from_b).unwrap();
    assert_eq!(report.dropped, 2, "the two parts are dropped: {report:?}");
    for (name, v) in [("C", c), ("D", d)] {
        assert_eq!(expect_err(v.read_attachment(&id, &photo.id), "removed").code(), "attachment_not_found", "{name}");
        let dir = v.dir().to_path_buf();
        lock(v);
        assert!(changes_of(&dir, &id).iter().all(|(_, body)| body.len() < 100_000), "no part of it on {name}");
    }
}

#[test]
fn a_draft_opened_before_a_file_was_attached_keeps_the_file() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&note("Raid")).unwrap();
    let first = vault.attach(&id, &file("first.jpg", b"1")).unwrap();
    let mut draft = vault.draft::<Note>(&id).unwrap();
    let second = vault.attach(&id, &file("second.jpg", b"2")).unwrap();
    draft.value.body = "edited in a draft".into();
    draft.value.attachments.clear();
    let saved = vault.save_draft(draft).unwrap();
    let ids: Vec<&str> = saved.value.attachments.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
    assert_eq!(saved.value.body, "edited in a draft");
}
