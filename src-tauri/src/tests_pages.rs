//! The paged list and search commands without a window, on a real vault file: pages put end to
//! end give the whole list in the core's order, filters and the left-out record apply before
//! paging, and a page past the end or too large is handled without panicking.

use carenet::model::Contact;
use carenet::{Note, Query, RecordKind, SecretString, Vault, VaultOptions};

use crate::commands::{list_page_of, search_page_of, tree_page, MAX_PAGE};
use crate::ipc::{Kind, QueryInput};

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let pass = SecretString::from("correct horse battery staple".to_owned());
    let v = Vault::create_with(&dir.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).unwrap();
    (dir, v)
}

fn filled() -> (tempfile::TempDir, Vault) {
    let (dir, mut v) = vault();
    for i in 0..25 {
        let tags = if i % 5 == 0 { vec!["roads".to_owned()] } else { vec![] };
        v.add(&Note { title: format!("note {i}"), body: format!("checkpoint {i}"), tags, ..Default::default() })
            .unwrap();
    }
    for i in 0..7 {
        v.add(&Contact { alias: format!("person {i}"), ..Default::default() }).unwrap();
    }
    (dir, v)
}

fn of(kind: Kind) -> QueryInput {
    QueryInput { kind: Some(kind), ..Default::default() }
}

#[test]
fn pages_end_to_end_are_the_whole_list_in_the_core_order() {
    let (_dir, v) = filled();
    let whole: Vec<String> = v
        .list(&Query { kind: Some(RecordKind::Note), ..Default::default() })
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(whole.len(), 25);
    let mut paged = vec![];
    for offset in (0..30).step_by(10) {
        let page = list_page_of(&v, &of(Kind::Note), offset, 10, None).unwrap();
        assert_eq!(page.total, 25, "every page tells the whole length");
        assert_eq!(page.offset, offset.min(25));
        assert!(page.rows.iter().all(|r| r.kind == Kind::Note && r.score.is_none()));
        paged.extend(page.rows.into_iter().map(|r| r.id));
    }
    assert_eq!(paged, whole);
}

#[test]
fn filters_and_the_left_out_record_apply_before_paging() {
    let (_dir, v) = filled();
    let tagged = list_page_of(&v, &QueryInput { tag: Some("roads".into()), ..of(Kind::Note) }, 0, 100, None).unwrap();
    assert_eq!(tagged.total, 5);
    assert!(tagged.rows.iter().all(|r| r.tags == ["roads"]));
    let contacts = list_page_of(&v, &of(Kind::Contact), 0, 100, None).unwrap();
    assert_eq!(contacts.total, 7);
    let me = contacts.rows[3].id.clone();
    let others = list_page_of(&v, &of(Kind::Contact), 0, 100, Some(&me)).unwrap();
    assert_eq!(others.total, 6);
    assert!(others.rows.iter().all(|r| r.id != me));
    let bad = list_page_of(&v, &of(Kind::Contact), 0, 100, Some("not an id")).unwrap_err();
    assert_eq!(bad.code, "invalid_input");
}

#[test]
fn search_pages_are_best_first_with_scores() {
    let (_dir, v) = filled();
    let text = QueryInput { text: "note 1".into(), ..Default::default() };
    let whole: Vec<(String, u32)> = v
        .search(&Query { text: "note 1".into(), ..Default::default() })
        .iter()
        .map(|h| (h.summary.id.to_string(), h.score))
        .collect();
    assert!(whole.len() > 3);
    let first = search_page_of(&v, &text, 0, 3).unwrap();
    let rest = search_page_of(&v, &text, 3, 100).unwrap();
    assert_eq!(first.total as usize, whole.len());
    let paged: Vec<(String, u32)> =
        first.rows.into_iter().chain(rest.rows).map(|r| (r.id, r.score.expect("search rows carry a score"))).collect();
    assert_eq!(paged, whole);
    assert!(paged.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
}

#[test]
fn a_page_past_the_end_is_empty_and_a_page_too_large_is_refused() {
    let (_dir, v) = filled();
    let past = list_page_of(&v, &of(Kind::Note), 1_000, 10, None).unwrap();
    assert_eq!((past.total, past.offset, past.rows.len()), (25, 25, 0));
    let last = list_page_of(&v, &of(Kind::Note), 20, 10, None).unwrap();
    assert_eq!(last.rows.len(), 5);
    let huge = list_page_of(&v, &of(Kind::Note), u32::MAX, u32::MAX, None).unwrap_err();
    assert_eq!(huge.code, "invalid_input");
    assert!(list_page_of(&v, &of(Kind::Note), u32::MAX, MAX_PAGE, None).unwrap().rows.is_empty());
    let long = QueryInput { text: "x".repeat(501), ..Default::default() };
    assert_eq!(search_page_of(&v, &long, 0, 10).unwrap_err().code, "invalid_input");
}

/// The contact tree a page of roots at a time: pages end to end are every root in the core's
/// order (by alias), each with its whole branch; a page past the end is empty; too large a page
/// is refused.
#[test]
fn tree_pages_are_the_roots_in_order_with_their_branches() {
    let (_dir, mut v) = filled();
    let ids: Vec<_> =
        v.list(&Query { kind: Some(RecordKind::Contact), ..Default::default() }).iter().map(|s| s.id).collect();
    let by_alias =
        |v: &Vault, alias: &str| *ids.iter().find(|id| v.get::<Contact>(id).unwrap().value.alias == alias).unwrap();
    let (p0, p1, p2) = (by_alias(&v, "person 0"), by_alias(&v, "person 1"), by_alias(&v, "person 2"));
    v.link_alert(&p0, &p1).unwrap();
    v.link_alert(&p1, &p2).unwrap();
    let p3 = by_alias(&v, "person 3");
    v.update::<Contact>(&p3, |c| c.risk = carenet::model::RiskLevel::High).unwrap();
    let mut pages = Vec::new();
    for offset in (0..6).step_by(2) {
        let page = tree_page(&v, offset, 2).unwrap();
        assert_eq!(page.total, 5, "seven contacts, two of them alerted by another");
        pages.extend(page.roots);
    }
    let aliases: Vec<&str> = pages.iter().map(|n| n.alias.as_str()).collect();
    assert_eq!(aliases, ["person 0", "person 3", "person 4", "person 5", "person 6"], "by alias");
    assert!(matches!(pages[1].risk, crate::ipc::RiskLevel::High), "the risk level crosses IPC");
    assert!(matches!(pages[0].risk, crate::ipc::RiskLevel::Unknown));
    let first = &pages[0];
    assert_eq!((first.alias.as_str(), first.children.len()), ("person 0", 1));
    assert_eq!(first.children[0].children[0].id, p2.to_string(), "a root comes with its whole branch");
    assert!(tree_page(&v, 5, 10).unwrap().roots.is_empty());
    assert!(tree_page(&v, u32::MAX, MAX_PAGE).unwrap().roots.is_empty());
    assert_eq!(tree_page(&v, 0, MAX_PAGE + 1).unwrap_err().code, "invalid_input");
}

#[test]
fn indicators_cross_ipc_whole_and_bad_filters_are_refused() {
    use crate::ipc_indicators::{indicators_of, IndicatorQuery};
    use carenet::model::vocab::{InterventionKind, InterventionResult};
    use carenet::model::{item_id, Intervention};
    let (_dir, mut v) = filled();
    let record = |country: &str, start: &str, result| carenet::ReprisalRecord {
        title: "Arrest".into(),
        country: country.into(),
        start: Some(start.parse().unwrap()),
        interventions: vec![Intervention {
            id: item_id(),
            kind: InterventionKind::UrgentAppeal,
            date: None,
            addressee: String::new(),
            outcome: String::new(),
            result,
        }],
        ..Default::default()
    };
    v.add(&record("BY", "2025-04", Some(InterventionResult::Protected))).unwrap();
    v.add(&record("EG", "2026-01-02", None)).unwrap();
    let now = carenet::vault::now_ms();
    // The mirror carries every field of the core's answer.
    let all = indicators_of(&v, &IndicatorQuery::default(), now).unwrap();
    let core = v.indicators(&carenet::indicators::IndicatorFilter::default(), now);
    assert_eq!(serde_json::to_value(&all).unwrap(), serde_json::to_value(&core).unwrap());
    assert_eq!((all.records, all.improved, all.network.contacts), (2, 1, 7));
    let by = IndicatorQuery { country: "by".into(), from: "2025".into(), ..Default::default() };
    assert_eq!(indicators_of(&v, &by, now).unwrap().records, 1);
    for bad in [
        IndicatorQuery { from: "2026".into(), to: "2025".into(), ..Default::default() },
        IndicatorQuery { country: "Egypt".into(), ..Default::default() },
        IndicatorQuery { tag: "x".repeat(10_000), ..Default::default() },
        IndicatorQuery { from: "soon".into(), ..Default::default() },
    ] {
        let e = indicators_of(&v, &bad, now).unwrap_err();
        assert_eq!(e.code, "invalid_input", "{bad:?}");
        assert!(!e.message.is_empty());
    }
}

#[test]
fn indicator_files_hold_the_figures_of_the_query_asked() {
    use crate::carry::Format;
    use crate::ipc_indicators::{filter_of, render, IndicatorQuery};
    let (_dir, mut v) = filled();
    for country in ["BY", "EG", "BY"] {
        v.add(&carenet::ReprisalRecord { title: "Raid".into(), country: country.into(), ..Default::default() })
            .unwrap();
    }
    let now = carenet::vault::now_ms();
    let by = filter_of(&IndicatorQuery { country: "by".into(), ..Default::default() }).unwrap();
    let (csv, count) = render(&v, &by, Format::Csv, now).unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert_eq!(count, 2);
    assert!(csv.lines().any(|l| l == "records,,2") && csv.lines().any(|l| l == "filter.country,BY,"), "{csv}");
    assert!(csv.lines().any(|l| l == "network.contacts,,7"), "{csv}");
    let (json, _) = render(&v, &by, Format::Json, now).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!((json["indicators"]["records"].clone(), json["filter"]["country"].clone()), (2.into(), "BY".into()));
    let bad = IndicatorQuery { tag: "t".repeat(201), ..Default::default() };
    assert_eq!(filter_of(&bad).unwrap_err().code, "invalid_input");
}
