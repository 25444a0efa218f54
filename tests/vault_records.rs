//! Records through a real vault: what is written comes back equal after lock and unlock, edits
//! touch only what was asked and merge when made in parallel, lists and search find the right
//! records in every script, the contact tree never loops, and bad input changes nothing.

mod util;

use std::collections::BTreeSet;

use carenet::model::vocab::{
    ActType, EngagementForm, EventStatus, FollowUp, InterventionKind, Mechanism, PerpetratorType, SourceKind,
};
use carenet::model::{
    item_id, Act, Channel, ChannelKind, Consent, ConsentStatus, Engagement, Identification, Intervention, PartialDate,
    Party, PartyKind, Perpetrator, RiskLevel, ShareScope, Source,
};
use carenet::{Contact, Error, Note, Query, Record, RecordId, RecordKind, ReprisalRecord, Vault};
use util::*;

fn date(s: &str) -> PartialDate {
    s.parse().unwrap_or_else(|e| panic!("test date {s:?}: {e}"))
}

fn note(title: &str, body: &str, tags: &[&str]) -> Note {
    Note {
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

fn contact(alias: &str) -> Contact {
    Contact { alias: alias.into(), ..Default::default() }
}

fn reprisal(title: &str, start: Option<&str>) -> ReprisalRecord {
    ReprisalRecord { title: title.into(), start: start.map(date), ..Default::default() }
}

/// A reprisal record with every part filled in, dates of every precision included.
fn full_reprisal(victim_contact: Option<RecordId>) -> ReprisalRecord {
    let victim = item_id();
    let second_victim = item_id();
    ReprisalRecord {
        title: "Detention of a lawyer after testimony to CEDAW".into(),
        start: Some(date("2025-03")),
        end: Some(date("2025-04-02")),
        country: "BY".into(),
        place: "Minsk".into(),
        description: "Detained at the border on return from Geneva.\nHeld for 30 days.".into(),
        status: EventStatus::Ongoing,
        acts: vec![
            Act {
                id: item_id(),
                act_type: ActType::ArbitraryArrest,
                date: Some(date("2025-03-14")),
                place: "Border crossing".into(),
                victims: vec![victim.clone()],
                consequences: "Passport confiscated.".into(),
            },
            Act {
                id: item_id(),
                act_type: ActType::FamilyTargeted,
                date: Some(date("2025")),
                place: String::new(),
                victims: vec![victim.clone(), second_victim.clone()],
                consequences: "Relatives questioned twice.".into(),
            },
        ],
        victims: vec![
            Party { id: victim, kind: PartyKind::Person, name: "A. K.".into(), contact: victim_contact },
            Party { id: second_victim, kind: PartyKind::Group, name: "Lawyers' collective".into(), contact: None },
        ],
        perpetrators: vec![Perpetrator {
            id: item_id(),
            kind: PartyKind::Group,
            perpetrator_type: PerpetratorType::State,
            description: "Border guard unit".into(),
        }],
        engagements: vec![Engagement {
            id: item_id(),
            mechanism: Mechanism::TreatyBody,
            body: "CEDAW".into(),
            form: EngagementForm::Testimony,
            date: Some(date("2025-02")),
        }],
        sources: vec![
            Source {
                id: item_id(),
                kind: SourceKind::Media,
                description: "Photo of the detention order".into(),
                sha256: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
                captured: Some(date("2025-03-15")),
            },
            Source {
                id: item_id(),
                kind: SourceKind::Witness,
                description: "Account of a fellow traveller".into(),
                sha256: None,
                captured: None,
            },
        ],
        consent: Consent {
            status: ConsentStatus::Given,
            share_with: vec![ShareScope::UnMechanism, ShareScope::PartnerNgo],
            identification: Identification::InitialsOnly,
            date: Some(date("2025-04-10")),
        },
        interventions: vec![Intervention {
            id: item_id(),
            kind: InterventionKind::ReprisalsFocalPoint,
            date: Some(date("2025-04")),
            addressee: "ASG for Human Rights".into(),
            outcome: "Raised with the government.".into(),
            result: Some(carenet::model::vocab::InterventionResult::TakenUp),
        }],
        follow_up: FollowUp::AwaitingResponse,
        tags: vec!["cedaw".into(), "border".into()],
        attachments: vec![],
        removed_attachments: vec![],
    }
}

fn changes(vault: &Vault) -> u64 {
    vault.personal_change_count().expect("count sealed changes")
}

fn ids(summaries: impl IntoIterator<Item = RecordId>) -> BTreeSet<RecordId> {
    summaries.into_iter().collect()
}

fn listed(vault: &Vault, q: Query) -> BTreeSet<RecordId> {
    ids(vault.list(&q).into_iter().map(|s| s.id))
}

fn searched(vault: &Vault, text: &str) -> BTreeSet<RecordId> {
    ids(vault.search(&Query { text: text.into(), ..Default::default() }).into_iter().map(|h| h.summary.id))
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn note_round_trips_through_lock_and_unlock() {
    let (dir, mut vault) = new_vault();
    let written = note("Meeting with the lawyer", "Bring the documents.\nDo not use the phone.", &["urgent", "legal"]);
    let id = vault.add(&written).expect("add a note");
    let before = vault.get::<Note>(&id).expect("read the note back");
    assert_eq!(before.value, written);
    lock(vault);

    let vault = unlock(dir.path());
    let after = vault.get::<Note>(&id).expect("read the note after unlock");
    assert_eq!(after.id, id);
    assert_eq!(after.value, written);
    assert_eq!((after.created_ms, after.updated_ms), (before.created_ms, before.updated_ms));
    match vault.record(&id).expect("read as any record").value {
        Record::Note(n) => assert_eq!(n, written),
        other => panic!("a note came back as {:?}", other.kind()),
    }
}

#[test]
fn contact_round_trips_with_channels_real_name_and_links() {
    let (_dir, mut vault) = new_vault();
    let alerted = vault.add(&contact("Sparrow")).expect("add a contact to alert");
    let checker = vault.add(&contact("Owl")).expect("add a contact who checks");
    let written = Contact {
        alias: "Heron".into(),
        real_name: Some("Olena Kovalenko".into()),
        channels: vec![
            Channel { id: item_id(), kind: ChannelKind::Signal, value: "+375 29 000 00 00".into() },
            Channel { id: item_id(), kind: ChannelKind::Email, value: "heron@example.org".into() },
            Channel { id: item_id(), kind: ChannelKind::InPerson, value: "Market, Tuesdays".into() },
        ],
        languages: vec!["be".into(), "ru".into(), "en".into()],
        location: "Hrodna region".into(),
        organisation: "Legal aid collective".into(),
        skills: vec!["legal advice".into(), "court monitoring".into()],
        needs: vec!["secure laptop".into()],
        risk: RiskLevel::High,
        notes: "Prefers calls after 20:00.\nNever mention the collective by name.".into(),
        alerts: vec![alerted],
        checked_by: vec![checker],
        tags: vec!["lawyers".into()],
    };
    let id = vault.add(&written).expect("add a full contact");
    let vault = reopen(vault);
    assert_eq!(vault.get::<Contact>(&id).expect("read the contact").value, written);
}

#[test]
fn reprisal_record_round_trips_with_every_part() {
    let (_dir, mut vault) = new_vault();
    let victim = vault.add(&contact("Kestrel")).expect("add the victim's contact");
    let written = full_reprisal(Some(victim));
    let id = vault.add(&written).expect("add a full reprisal record");
    let vault = reopen(vault);
    let read = vault.get::<ReprisalRecord>(&id).expect("read the reprisal record").value;
    assert_eq!(read, written);
    // Dates keep their precision: a month stays a month, a year a year.
    assert_eq!(read.start.map(|d| d.to_string()).as_deref(), Some("2025-03"));
    assert_eq!(read.end.map(|d| d.to_string()).as_deref(), Some("2025-04-02"));
    assert_eq!(read.acts[1].date.map(|d| d.to_string()).as_deref(), Some("2025"));
}

#[test]
fn reading_a_record_as_another_kind_is_refused() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&note("A note", "", &[])).expect("add a note");
    match expect_err(vault.get::<Contact>(&id), "get a note as a contact") {
        Error::WrongKind { id: got, expected, actual } => {
            assert_eq!((got, expected, actual), (id, RecordKind::Contact, RecordKind::Note))
        }
        e => panic!("expected WrongKind, got {e:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Updates, history, drafts

#[test]
fn update_changes_only_the_field_asked_and_history_names_it() {
    let (_dir, mut vault) = new_vault();
    let original = full_reprisal(None);
    let id = vault.add(&original).expect("add");
    let created = vault.get::<ReprisalRecord>(&id).expect("read").value;
    let count_before = changes(&vault);

    let new_description = "Released on 2 April; charges still pending.";
    let stored = vault
        .update::<ReprisalRecord>(&id, |r| r.description = new_description.into())
        .expect("update the description");
    assert_eq!(changes(&vault), count_before + 1, "one update is one sealed change");

    let mut expected = created.clone();
    expected.description = new_description.into();
    assert_eq!(stored.value, expected, "only the description changed");

    let mut vault = reopen(vault);
    let read = vault.get::<ReprisalRecord>(&id).expect("read after unlock");
    assert_eq!(read.value, expected);
    assert!(read.updated_ms >= read.created_ms);

    let history = vault.history(&id).expect("history");
    assert_eq!(history.len(), 2, "creation and one update: {history:?}");
    assert_eq!(history[1].fields, vec!["description".to_string()]);
    let created_fields: BTreeSet<&str> = history[0].fields.iter().map(String::as_str).collect();
    for field in ["title", "acts", "victims", "consent", "sources", "interventions"] {
        assert!(created_fields.contains(field), "creation should list {field}: {created_fields:?}");
    }
    for entry in &history {
        assert!(entry.this_device, "made here: {entry:?}");
        assert_eq!(entry.device, vault.device_id());
    }

    // An edit deep inside one act is reported as a change of the acts.
    vault.update::<ReprisalRecord>(&id, |r| r.acts[0].consequences.push_str(" Returned in May.")).expect("edit an act");
    let history = vault.history(&id).expect("history");
    assert_eq!(history.last().map(|h| h.fields.clone()), Some(vec!["acts".to_string()]));
    let read = vault.get::<ReprisalRecord>(&id).expect("read").value;
    assert_eq!(read.acts[0].consequences, "Passport confiscated. Returned in May.");
    assert_eq!(read.acts[1], expected.acts[1]);
}

#[test]
fn update_that_changes_nothing_writes_nothing() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Same", "Same body", &["t"])).expect("add");
    let count = changes(&vault);
    // Saves are acknowledged before the journal writer has written their rows: let it finish.
    vault.wait_for_writes().expect("apply the journal");
    let rows = db_row_counts(dir.path());
    vault.update::<Note>(&id, |n| n.title = "Same".into()).expect("no-op update");
    assert_eq!(changes(&vault), count);
    assert_eq!(db_row_counts(dir.path()), rows);
    assert_eq!(vault.history(&id).expect("history").len(), 1);
}

#[test]
fn two_drafts_of_one_note_both_keep_their_edits() {
    let (_dir, mut vault) = new_vault();
    let body = "First line of the report.\nSecond line stays.\nThird line of the report.";
    let id = vault.add(&note("Report", body, &["draft"])).expect("add");

    let mut a = vault.draft::<Note>(&id).expect("first draft");
    let mut b = vault.draft::<Note>(&id).expect("second draft");
    a.value.title = "Report, checked".into();
    a.value.body = body.replace("First line", "First (edited) line");
    b.value.tags.push("verified".into());
    b.value.body = body.replace("Third line of the report.", "Third line of the report, with a witness.");

    vault.save_draft(a).expect("save the first draft");
    let merged = vault.save_draft(b).expect("save the second draft");
    let expected = Note {
        title: "Report, checked".into(),
        body: "First (edited) line of the report.\nSecond line stays.\nThird line of the report, with a witness."
            .into(),
        tags: vec!["draft".into(), "verified".into()],
        ..Default::default()
    };
    assert_eq!(merged.value, expected);

    let mut vault = reopen(vault);
    assert_eq!(vault.get::<Note>(&id).expect("read after unlock").value, expected);
    let history = vault.history(&id).expect("history");
    assert_eq!(history.len(), 3, "{history:?}");
    let touched: Vec<BTreeSet<&str>> =
        history[1..].iter().map(|h| h.fields.iter().map(String::as_str).collect()).collect();
    assert!(touched.contains(&["body", "title"].into()), "{touched:?}");
    assert!(touched.contains(&["body", "tags"].into()), "{touched:?}");
}

#[test]
fn two_drafts_editing_one_arabic_text_both_keep_their_edits() {
    let (_dir, mut vault) = new_vault();
    let body = "اُعْتُقِلَ المُدافِع في الصباح.\nنُقِلَ إلى مركز الشرطة.\nأُفْرِجَ عنه بعد يومين.";
    let id = vault.add(&note("تقرير", body, &[])).expect("add");
    let mut a = vault.draft::<Note>(&id).expect("first draft");
    let mut b = vault.draft::<Note>(&id).expect("second draft");
    a.value.body = body.replace("في الصباح", "في الصباح الباكر");
    b.value.body = body.replace("بعد يومين", "بعد يومين بكفالة");
    vault.save_draft(a).expect("save the first draft");
    vault.save_draft(b).expect("save the second draft");
    let expected = body.replace("في الصباح", "في الصباح الباكر").replace("بعد يومين", "بعد يومين بكفالة");
    let vault = reopen(vault);
    assert_eq!(vault.get::<Note>(&id).expect("read").value.body, expected);
}

#[test]
fn two_drafts_adding_channels_to_one_contact_keep_both() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&contact("Swift")).expect("add");
    let mut a = vault.draft::<Contact>(&id).expect("first draft");
    let mut b = vault.draft::<Contact>(&id).expect("second draft");
    let signal = Channel { id: item_id(), kind: ChannelKind::Signal, value: "+7 900 000 0001".into() };
    let matrix = Channel { id: item_id(), kind: ChannelKind::Matrix, value: "@swift:example.org".into() };
    a.value.channels.push(signal.clone());
    a.value.risk = RiskLevel::Medium;
    b.value.channels.push(matrix.clone());
    b.value.location = "Almaty".into();
    vault.save_draft(a).expect("save the first draft");
    vault.save_draft(b).expect("save the second draft");
    let vault = reopen(vault);
    let read = vault.get::<Contact>(&id).expect("read").value;
    let channels: BTreeSet<String> = read.channels.iter().map(|c| c.value.clone()).collect();
    assert_eq!(channels, [signal.value, matrix.value].into_iter().collect());
    assert_eq!((read.risk, read.location.as_str()), (RiskLevel::Medium, "Almaty"));
}

#[test]
fn draft_of_a_record_deleted_meanwhile_is_not_saved() {
    let (dir, mut vault) = new_vault();
    let id = vault.add(&note("Soon gone", "", &[])).expect("add");
    let mut draft = vault.draft::<Note>(&id).expect("draft");
    draft.value.body = "written after the delete".into();
    vault.delete(&id).expect("delete");
    let e = expect_err(vault.save_draft(draft), "save a draft of a deleted record");
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(db_row_counts(dir.path()), (0, 0), "the record did not come back");
    assert!(vault.is_empty());
    assert!(matches!(vault.update::<Note>(&id, |n| n.title.clear()), Err(Error::NotFound(_))));
}

// A move is not an automerge operation: an update that only reorders a list must still be written.
#[test]
fn update_that_reorders_a_list_keeps_the_new_order() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&note("Order", "", &["a", "b", "c"])).expect("add");
    let stored = vault.update::<Note>(&id, |n| n.tags = vec!["c".into(), "a".into(), "b".into()]).expect("reorder");
    assert_eq!(stored.value.tags, ["c", "a", "b"]);
    let vault = reopen(vault);
    assert_eq!(vault.get::<Note>(&id).expect("read").value.tags, ["c", "a", "b"]);
}

// ---------------------------------------------------------------------------------------------
// Lists, search, ids

#[test]
fn list_filters_by_kind_tag_and_partial_dates() {
    let (_dir, mut vault) = new_vault();
    let n1 = vault.add(&note("Checkpoint routine", "", &["Urgent", "travel"])).expect("add");
    let n2 = vault.add(&note("Safe house list", "", &["housing"])).expect("add");
    let c1 = vault.add(&Contact { tags: vec!["urgent".into()], ..contact("Wren") }).expect("add");
    let year = vault.add(&reprisal("Known only to the year", Some("2024"))).expect("add");
    let month = vault.add(&reprisal("Known to the month", Some("2024-05"))).expect("add");
    let day = vault.add(&reprisal("Known to the day", Some("2024-05-10"))).expect("add");
    let new_year = vault.add(&reprisal("New Year's Eve", Some("2023-12-31"))).expect("add");
    // No start: the first dated act gives the record its date.
    let by_act = vault
        .add(&ReprisalRecord {
            acts: vec![Act {
                id: item_id(),
                act_type: ActType::Surveillance,
                date: Some(date("2022-07")),
                place: String::new(),
                victims: vec![],
                consequences: String::new(),
            }],
            ..reprisal("Dated by its act", None)
        })
        .expect("add");
    let vault = reopen(vault);

    let q = |kind: Option<RecordKind>, tag: Option<&str>, from: Option<&str>, to: Option<&str>| Query {
        kind,
        tag: tag.map(str::to_owned),
        from: from.map(date),
        to: to.map(date),
        ..Default::default()
    };
    assert_eq!(listed(&vault, q(None, None, None, None)).len(), 8);
    assert_eq!(listed(&vault, q(Some(RecordKind::Note), None, None, None)), ids([n1, n2]));
    assert_eq!(listed(&vault, q(Some(RecordKind::Contact), None, None, None)), ids([c1]));
    assert_eq!(listed(&vault, q(None, Some("URGENT"), None, None)), ids([n1, c1]), "tags match without case");
    assert_eq!(listed(&vault, q(Some(RecordKind::Note), Some("urgent"), None, None)), ids([n1]));
    assert!(listed(&vault, q(None, Some("urg"), None, None)).is_empty(), "a tag matches whole, not by prefix");

    let reprisals = Some(RecordKind::Reprisal);
    assert_eq!(listed(&vault, q(reprisals, None, Some("2024-05-01"), Some("2024-05-31"))), ids([year, month, day]));
    assert_eq!(listed(&vault, q(reprisals, None, Some("2024-05-11"), Some("2024-05-31"))), ids([year, month]));
    assert_eq!(listed(&vault, q(reprisals, None, Some("2024-06"), None)), ids([year]));
    assert_eq!(listed(&vault, q(reprisals, None, None, Some("2023"))), ids([new_year, by_act]));
    assert_eq!(listed(&vault, q(reprisals, None, Some("2022-07-15"), Some("2022-07-15"))), ids([by_act]));
    assert_eq!(listed(&vault, q(reprisals, None, Some("2024"), Some("2024"))), ids([year, month, day]));

    let summary = vault.list(&q(reprisals, None, Some("2024-05-10"), Some("2024-05-10")));
    let day_summary = summary.iter().find(|s| s.id == day).expect("the dated record is listed");
    assert_eq!((day_summary.kind, day_summary.title.as_str()), (RecordKind::Reprisal, "Known to the day"));
    assert_eq!(day_summary.date.map(|d| d.to_string()).as_deref(), Some("2024-05-10"));
}

#[test]
fn search_needs_every_word_and_works_in_every_script() {
    let (_dir, mut vault) = new_vault();
    let latin = vault
        .add(&note("Détention arbitraire à Minsk", "Le défenseur a été arrêté devant le tribunal.", &[]))
        .expect("add");
    let cyrillic = vault.add(&note("Арест активиста в Гомеле", "Задержан после встречи с ООН.", &[])).expect("add");
    let arabic = vault
        .add(&ReprisalRecord {
            description: "اُعْتُقِلَتْ المُدافِعة بعد مشاركتها في الاستعراض الدوري الشامل".into(),
            ..reprisal("اعتقال المدافعة في القاهرة", Some("2025"))
        })
        .expect("add");
    let chinese = vault.add(&Contact { notes: "他在北京被拘留".into(), ..contact("张律师") }).expect("add");
    let vault = reopen(vault);

    let cases: &[(&str, &[RecordId])] = &[
        ("detention minsk", &[latin]),
        ("MINSK tribunal", &[latin]),
        ("défenseur ARRÊTÉ", &[latin]),
        ("арест гомеле", &[cyrillic]),
        ("ООН задержан", &[cyrillic]),
        ("القاهرة", &[arabic]),
        ("اعتقلت المدافعة", &[arabic]),
        ("الاستعراض الدوري", &[arabic]),
        ("律师 北京", &[chinese]),
        ("拘留", &[chinese]),
        ("minsk гомеле", &[]),
        ("detention cairo", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(searched(&vault, text), ids(expected.iter().copied()), "search {text:?}");
    }
    let only_notes = vault.search(&Query { text: "律师".into(), kind: Some(RecordKind::Note), ..Default::default() });
    assert!(only_notes.is_empty(), "the kind filter applies to search too");
}

#[test]
fn search_ranks_title_matches_first() {
    let (_dir, mut vault) = new_vault();
    let in_title = vault.add(&note("Gomel court", "hearing", &[])).expect("add");
    let in_body = vault.add(&note("Hearing", "at the Gomel court", &[])).expect("add");
    let hits = vault.search(&Query { text: "gomel".into(), ..Default::default() });
    assert_eq!(hits.iter().map(|h| h.summary.id).collect::<Vec<_>>(), vec![in_title, in_body]);
}

#[test]
fn list_puts_the_most_recently_changed_first_and_search_honours_the_limit() {
    let (_dir, mut vault) = new_vault();
    let mut added = Vec::new();
    for title in ["Oldest report", "Middle report", "Newest report"] {
        added.push(vault.add(&note(title, "", &[])).expect("add"));
        // Distinct timestamps, so that the order is the order of the edits.
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    let order = |v: &Vault| v.list(&Query::default()).into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(order(&vault), vec![added[2], added[1], added[0]]);
    vault.update::<Note>(&added[0], |n| n.body = "revisited".into()).expect("update the oldest");
    assert_eq!(order(&vault), vec![added[0], added[2], added[1]], "an edit moves a record to the top");
    let vault = reopen(vault);
    assert_eq!(order(&vault), vec![added[0], added[2], added[1]], "the order survives a lock");

    let limited = vault.search(&Query { text: "report".into(), limit: 2, ..Default::default() });
    assert_eq!(limited.len(), 2);
}

#[test]
fn pages_are_slices_of_the_whole_list_and_search() {
    let (_dir, mut vault) = new_vault();
    for n in 0..40 {
        let tags: &[&str] = if n % 3 == 0 { &["urgent"] } else { &[] };
        let title = if n % 4 == 0 { format!("Court visit {n}") } else { format!("Note {n}") };
        vault.add(&note(&title, "the court again", tags)).expect("add");
    }
    let every = Query::default();
    let urgent = Query { tag: Some("urgent".into()), ..Default::default() };
    let court = Query { text: "court".into(), ..Default::default() };
    for q in [&every, &urgent, &court] {
        let whole: Vec<RecordId> = vault.list(q).into_iter().map(|s| s.id).collect();
        let hits: Vec<(RecordId, u32)> = vault.search(q).into_iter().map(|h| (h.summary.id, h.score)).collect();
        for (offset, count) in [(0, 5), (5, 5), (37, 10), (40, 3), (100, 3), (0, 0)] {
            let (rows, total) = vault.list_page(q, |_| true, offset, count);
            assert_eq!(total, whole.len(), "{q:?}");
            let expected: Vec<RecordId> = whole.iter().skip(offset).take(count).copied().collect();
            assert_eq!(rows.iter().map(|s| s.id).collect::<Vec<_>>(), expected, "{q:?} at {offset}");
            let (found, total) = vault.search_page(q, offset, count);
            assert_eq!(total, hits.len(), "{q:?}");
            let expected: Vec<(RecordId, u32)> = hits.iter().skip(offset).take(count).copied().collect();
            assert_eq!(
                found.iter().map(|h| (h.summary.id, h.score)).collect::<Vec<_>>(),
                expected,
                "{q:?} at {offset}"
            );
        }
    }
    // `keep` narrows before paging: the total counts only what it keeps.
    let first = vault.list(&every)[0].id;
    let (rows, total) = vault.list_page(&every, |s| s.id != first, 0, 3);
    assert_eq!(total, 39);
    assert!(rows.iter().all(|s| s.id != first));
    assert_eq!(rows.len(), 3);
}

#[test]
fn resolve_finds_a_unique_prefix_and_refuses_an_ambiguous_one() {
    let (_dir, mut vault) = new_vault();
    // Add notes until two ids share their first four hex digits (about 320 on average).
    let mut all: Vec<RecordId> = Vec::new();
    let (a, b) = loop {
        assert!(all.len() < 5_000, "no two of {} random ids share 4 hex digits", all.len());
        let id = vault.add(&note(&format!("n{}", all.len()), "", &[])).expect("add");
        let p = id.to_string()[..4].to_owned();
        if let Some(other) = all.iter().find(|o| o.to_string().starts_with(&p)) {
            break (*other, id);
        }
        all.push(id);
    };
    all.push(b);
    let shared = a.to_string()[..4].to_owned();
    assert!(matches!(vault.resolve(&shared), Err(Error::AmbiguousId(_))), "{shared} names two records");

    let shortest_unique = |id: RecordId| -> String {
        let hex = id.to_string();
        (4..=32)
            .map(|n| hex[..n].to_owned())
            .find(|p| all.iter().filter(|o| o.to_string().starts_with(p.as_str())).count() == 1)
            .expect("a full id is unique")
    };
    for id in [a, b] {
        let prefix = shortest_unique(id);
        assert!(prefix.len() > 4);
        assert_eq!(vault.resolve(&prefix).expect("a unique prefix resolves"), id);
        assert_eq!(vault.resolve(&prefix.to_uppercase()).expect("case does not matter"), id);
        assert_eq!(vault.resolve(&id.to_string()).expect("a full id resolves"), id);
    }
    let absent = RecordId([0xEE; 16]);
    assert!(!all.contains(&absent));
    for text in [absent.to_string(), "ab".into(), "not-hex!".into(), String::new()] {
        assert!(matches!(vault.resolve(&text), Err(Error::NotFound(_))), "resolve {text:?}");
    }
}

#[test]
fn deleted_record_is_gone_with_its_changes() {
    let (dir, mut vault) = new_vault();
    let keep = vault.add(&note("Keep", "", &["x"])).expect("add");
    let gone = vault.add(&note("Delete me", "", &["x"])).expect("add");
    vault.update::<Note>(&gone, |n| n.body = "edited once".into()).expect("update");
    vault.wait_for_writes().expect("apply the journal");
    let (records, changes_before) = db_row_counts(dir.path());
    assert_eq!(records, 2);
    vault.delete(&gone).expect("delete");
    assert_eq!(db_row_counts(dir.path()), (1, changes_before - 2), "its row and both of its changes go");
    assert_eq!(changes(&vault), 1);

    let mut vault = reopen(vault);
    assert!(matches!(vault.get::<Note>(&gone), Err(Error::NotFound(_))));
    assert!(matches!(vault.resolve(&gone.to_string()), Err(Error::NotFound(_))));
    assert!(matches!(vault.delete(&gone), Err(Error::NotFound(_))));
    assert_eq!(listed(&vault, Query::default()), ids([keep]));
    assert!(searched(&vault, "delete").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Contact tree

#[test]
fn alert_tree_walks_from_any_contact() {
    let (_dir, mut vault) = new_vault();
    let a = vault.add(&contact("Alder")).expect("add");
    let b = vault.add(&Contact { risk: RiskLevel::High, ..contact("Birch") }).expect("add");
    let c = vault.add(&contact("Cedar")).expect("add");
    let loner = vault.add(&contact("Aspen")).expect("add");
    vault.link_alert(&a, &b).expect("A alerts B");
    vault.link_alert(&b, &c).expect("B alerts C");
    let vault = reopen(vault);

    let from_a = vault.contact_tree(&a).expect("walk from A");
    assert_eq!((from_a.alias.as_str(), from_a.children.len()), ("Alder", 1));
    let b_node = &from_a.children[0];
    assert_eq!((b_node.id, b_node.risk, b_node.repeated), (b, RiskLevel::High, false));
    assert_eq!(b_node.children.iter().map(|n| n.id).collect::<Vec<_>>(), vec![c]);
    assert!(b_node.children[0].children.is_empty());
    assert_eq!(vault.contact_tree(&b).expect("walk from B"), b_node.clone());
    assert_eq!(vault.tree_roots(), vec![a, loner], "roots are the contacts nobody alerts, by alias");
}

#[test]
fn alert_tree_marks_a_contact_reached_twice() {
    let (_dir, mut vault) = new_vault();
    let [a, b, c, d] = ["A", "B", "C", "D"].map(|n| vault.add(&contact(n)).expect("add"));
    for (from, to) in [(a, b), (a, c), (b, d), (c, d)] {
        vault.link_alert(&from, &to).expect("link");
    }
    let tree = vault.contact_tree(&a).expect("walk");
    let d_nodes: Vec<bool> =
        tree.children.iter().flat_map(|n| n.children.iter()).filter(|n| n.id == d).map(|n| n.repeated).collect();
    assert_eq!(d_nodes, vec![false, true], "D is walked once and then marked as repeated");
}

#[test]
fn alert_loop_is_refused_and_changes_nothing() {
    let (dir, mut vault) = new_vault();
    let a = vault.add(&contact("Alder")).expect("add");
    let b = vault.add(&contact("Birch")).expect("add");
    let c = vault.add(&contact("Cedar")).expect("add");
    vault.link_alert(&a, &b).expect("A alerts B");
    vault.link_alert(&b, &c).expect("B alerts C");
    // Saves are acknowledged before the journal writer has written their rows: let it finish.
    vault.wait_for_writes().expect("apply the journal");
    let rows = db_row_counts(dir.path());
    let count = changes(&vault);

    assert!(matches!(expect_err(vault.link_alert(&c, &a), "C alerts A"), Error::TreeCycle(_)));
    assert!(matches!(expect_err(vault.link_alert(&b, &a), "B alerts A"), Error::TreeCycle(_)));
    let by_update = vault.update::<Contact>(&c, |x| x.alerts.push(a));
    assert!(matches!(expect_err(by_update, "C alerts A by update"), Error::TreeCycle(_)));
    assert!(matches!(expect_err(vault.link_alert(&a, &a), "A alerts A"), Error::Invalid(_)));

    assert_eq!(changes(&vault), count);
    assert_eq!(db_row_counts(dir.path()), rows);
    let vault = reopen(vault);
    assert!(vault.get::<Contact>(&c).expect("read C").value.alerts.is_empty());
    assert_eq!(vault.get::<Contact>(&b).expect("read B").value.alerts, vec![c]);
    assert_eq!(vault.tree_roots(), vec![a]);
}

#[test]
fn deleting_a_contact_removes_it_from_every_alert_and_check_list() {
    let (_dir, mut vault) = new_vault();
    let a = vault.add(&contact("Alder")).expect("add");
    let b = vault.add(&contact("Birch")).expect("add");
    let c = vault.add(&contact("Cedar")).expect("add");
    vault.link_alert(&a, &b).expect("A alerts B");
    vault.link_alert(&b, &c).expect("B alerts C");
    vault.link_check(&c, &b).expect("B checks on C");
    vault.link_check(&a, &c).expect("C checks on A");
    vault.delete(&b).expect("delete B");

    let vault = reopen(vault);
    let a_now = vault.get::<Contact>(&a).expect("read A").value;
    let c_now = vault.get::<Contact>(&c).expect("read C").value;
    assert!(a_now.alerts.is_empty(), "A no longer alerts the deleted B");
    assert!(c_now.checked_by.is_empty(), "the deleted B no longer checks on C");
    assert_eq!(a_now.checked_by, vec![c], "links between the others stay");
    assert!(vault.contact_tree(&a).expect("walk").children.is_empty());
    assert_eq!(vault.tree_roots(), vec![a, c]);
    assert!(matches!(vault.contact_tree(&b), Err(Error::NotFound(_))));
}

#[test]
fn unlink_alert_removes_only_that_link() {
    let (_dir, mut vault) = new_vault();
    let [a, b, c] = ["A", "B", "C"].map(|n| vault.add(&contact(n)).expect("add"));
    vault.link_alert(&a, &b).expect("link");
    vault.link_alert(&a, &c).expect("link");
    vault.unlink_alert(&a, &b).expect("unlink");
    let vault = reopen(vault);
    assert_eq!(vault.get::<Contact>(&a).expect("read").value.alerts, vec![c]);
}

// ---------------------------------------------------------------------------------------------
// Validation and sealed changes

#[test]
fn invalid_input_is_refused_and_changes_nothing() {
    let (dir, mut vault) = new_vault();
    let existing = vault.add(&full_reprisal(None)).expect("add a valid record");
    let existing_value = vault.get::<ReprisalRecord>(&existing).expect("read").value;
    // A title of exactly the limit is fine: the next case fails because it is one too long.
    vault.add(&reprisal(&"t".repeat(500), None)).expect("a 500-character title is accepted");

    // Saves are acknowledged before the journal writer has written their rows: let it finish.
    vault.wait_for_writes().expect("apply the journal");
    let rows = db_row_counts(dir.path());
    let count = changes(&vault);
    let len = vault.len();

    let ghost = RecordId([0x11; 16]);
    let attempts: Vec<(&str, Result<RecordId, Error>)> = vec![
        ("empty alias", vault.add(&contact(""))),
        ("blank alias", vault.add(&contact("   "))),
        ("alias on two lines", vault.add(&contact("Crow\nRaven"))),
        ("link to a missing contact", vault.add(&Contact { alerts: vec![ghost], ..contact("Lark") })),
        (
            "country name instead of code",
            vault.add(&ReprisalRecord { country: "Belarus".into(), ..reprisal("T", None) }),
        ),
        ("lowercase country code", vault.add(&ReprisalRecord { country: "by".into(), ..reprisal("T", None) })),
        (
            "end before start",
            vault.add(&ReprisalRecord { end: Some(date("2025-03-01")), ..reprisal("T", Some("2025-04")) }),
        ),
        ("over-long title", vault.add(&reprisal(&"t".repeat(501), None))),
        ("reprisal without title", vault.add(&reprisal("  ", None))),
        ("empty note", vault.add(&note("", " ", &[]))),
        ("empty tag", vault.add(&note("T", "", &[""]))),
        (
            "bad sha256",
            vault.add(&ReprisalRecord {
                sources: vec![Source {
                    id: item_id(),
                    kind: SourceKind::Document,
                    description: "scan".into(),
                    sha256: Some("abc".into()),
                    captured: None,
                }],
                ..reprisal("T", None)
            }),
        ),
        (
            "act naming an unknown victim",
            vault.add(&ReprisalRecord {
                acts: vec![Act {
                    id: item_id(),
                    act_type: ActType::Threat,
                    date: None,
                    place: String::new(),
                    victims: vec!["nobody".into()],
                    consequences: String::new(),
                }],
                ..reprisal("T", None)
            }),
        ),
        (
            "sharing without consent",
            vault.add(&ReprisalRecord {
                consent: Consent { share_with: vec![ShareScope::Public], ..Default::default() },
                ..reprisal("T", None)
            }),
        ),
    ];
    for (what, result) in attempts {
        match result {
            Err(Error::Invalid(msg)) => assert!(!msg.is_empty(), "{what}: the error says what is wrong"),
            Err(e) => panic!("{what}: expected Invalid, got {e:?}"),
            Ok(id) => panic!("{what}: was accepted as {id}"),
        }
    }

    let bad_updates: Vec<(&str, Result<(), Error>)> = vec![
        ("country name", vault.update::<ReprisalRecord>(&existing, |r| r.country = "Belarus".into()).map(drop)),
        ("end before start", vault.update::<ReprisalRecord>(&existing, |r| r.end = Some(date("2024"))).map(drop)),
        ("over-long title", vault.update::<ReprisalRecord>(&existing, |r| r.title = "x".repeat(501)).map(drop)),
    ];
    for (what, result) in bad_updates {
        assert!(matches!(result, Err(Error::Invalid(_))), "update with {what}: {:?}", result.err());
    }

    assert_eq!(changes(&vault), count, "no sealed change was written");
    assert_eq!(db_row_counts(dir.path()), rows, "no row was written");
    assert_eq!(vault.len(), len);
    assert_eq!(vault.get::<ReprisalRecord>(&existing).expect("read").value, existing_value);
    let vault = reopen(vault);
    assert_eq!(vault.get::<ReprisalRecord>(&existing).expect("read after unlock").value, existing_value);
    assert_eq!(vault.len(), len);
}

// Two drafts that are each valid can be invalid together: the merge itself is validated.
#[test]
fn drafts_that_together_break_a_rule_are_not_both_stored() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&reprisal("Dates from two windows", None)).expect("add");
    let mut a = vault.draft::<ReprisalRecord>(&id).expect("draft");
    let mut b = vault.draft::<ReprisalRecord>(&id).expect("draft");
    a.value.start = Some(date("2025-06"));
    b.value.end = Some(date("2025-05"));
    vault.save_draft(a).expect("the first draft alone is valid");
    let second = vault.save_draft(b);
    assert!(matches!(second, Err(Error::Invalid(_))), "the merged record ends before it starts");
    let stored = vault.get::<ReprisalRecord>(&id).expect("read").value;
    assert_eq!((stored.start, stored.end), (Some(date("2025-06")), None));
}

#[test]
fn every_write_is_sealed_as_a_change() {
    let (dir, mut vault) = new_vault();
    assert_eq!(changes(&vault), 0);
    let n = vault.add(&note("One", "", &[])).expect("add");
    assert_eq!(changes(&vault), 1);
    let c = vault.add(&contact("Two")).expect("add");
    let r = vault.add(&full_reprisal(None)).expect("add");
    assert_eq!(changes(&vault), 3);
    vault.update::<Note>(&n, |x| x.body = "more".into()).expect("update");
    vault.update::<Contact>(&c, |x| x.languages.push("ky".into())).expect("update");
    vault.update::<ReprisalRecord>(&r, |x| x.follow_up = FollowUp::Closed).expect("update");
    assert_eq!(changes(&vault), 6);
    let mut d = vault.draft::<Note>(&n).expect("draft");
    d.value.tags.push("drafted".into());
    vault.save_draft(d).expect("save draft");
    assert_eq!(changes(&vault), 7);
    assert_eq!(db_row_counts(dir.path()), (3, 7), "each change is its own row beside the 3 records");
    let vault = reopen(vault);
    assert_eq!(changes(&vault), 7, "sealed changes are durable");
}

// The document row is rewritten only every few dozen changes; the changes in between are replayed
// from the sealed change log when the document is loaded again.
#[test]
fn edits_between_document_rows_are_replayed_after_unlock() {
    let (_dir, mut vault) = new_vault();
    let id = vault.add(&note("Edited often", "", &[])).expect("add");
    for round in [5usize, 70] {
        for i in 0..round {
            vault.update::<Note>(&id, |n| n.body = format!("version {round}-{i}")).expect("edit");
        }
        vault = reopen(vault);
        assert_eq!(vault.get::<Note>(&id).expect("read").value.body, format!("version {round}-{}", round - 1));
        // Loading the document replays the tail and checks the heads: an edit and the history work.
        vault.update::<Note>(&id, |n| n.title = format!("after {round}")).expect("edit after reopening");
    }
    let history = vault.history(&id).expect("history");
    assert_eq!(history.len(), 1 + 5 + 1 + 70 + 1, "every change is in the history");
    vault = reopen(vault);
    assert_eq!(vault.get::<Note>(&id).expect("read").value.title, "after 70");
}
