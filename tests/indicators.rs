//! Indicators on a real vault file: every figure checked against records whose counts are known,
//! the filters (period, country, tag, undated records left out and counted), the care network,
//! results surviving a lock and unlock, bad filters refused; and `carenet indicators` end to end.

use std::process::{Command, Output};

use carenet::indicators::{Count, IndicatorFilter, Indicators};
use carenet::model::vocab::{
    ActType, EventStatus, FollowUp, InterventionKind, InterventionResult, Mechanism, PerpetratorType,
};
use carenet::model::{
    item_id, Act, CheckIn, Consent, ConsentStatus, Engagement, Intervention, Party, PartyKind, Perpetrator, RiskLevel,
    ShareScope,
};
use carenet::{Contact, ReprisalRecord, SecretString, Vault, VaultOptions};

mod util;
use util::{last_line, success_stdout};

const PASS: &str = "a long enough test passphrase";

fn date(s: &str) -> carenet::model::PartialDate {
    s.parse().unwrap()
}

fn act(t: ActType, d: Option<&str>) -> Act {
    Act {
        id: item_id(),
        act_type: t,
        date: d.map(date),
        place: String::new(),
        victims: vec![],
        consequences: String::new(),
    }
}

fn intervention(kind: InterventionKind, d: Option<&str>, result: Option<InterventionResult>) -> Intervention {
    Intervention { id: item_id(), kind, date: d.map(date), addressee: String::new(), outcome: String::new(), result }
}

fn victim(name: &str) -> Party {
    Party { id: item_id(), kind: PartyKind::Person, name: name.into(), contact: None }
}

fn perpetrator(t: PerpetratorType) -> Perpetrator {
    Perpetrator { id: item_id(), kind: PartyKind::Group, perpetrator_type: t, description: "unit".into() }
}

fn engagement(m: Mechanism) -> Engagement {
    Engagement { id: item_id(), mechanism: m, body: String::new(), form: "submission".parse().unwrap(), date: None }
}

/// Four records with known figures:
/// A: BY, 2025-03-10, ongoing, arrest + detention + arrest, 2 victims, state, UPR + treaty body,
///    consent to the UN, an urgent appeal on 2025-03-14 (released) and a focal-point report
///    (taken up), tag "upr", follow-up in progress.
/// B: BY, 2026-01 (month only), ongoing, travel ban, 1 victim, unknown perpetrator, UPR,
///    consent without the UN, no intervention, open.
/// C: EG, 2026-02-01, ended, smear campaign, state + non-state, a letter on 2026-02-21 (no
///    response) and a statement without a date or result, awaiting response.
/// D: NI, undated, unknown status, threat, an urgent appeal with a pending result, closed.
fn records() -> Vec<ReprisalRecord> {
    let a = ReprisalRecord {
        title: "Arrest after the UPR session".into(),
        start: Some(date("2025-03-10")),
        country: "BY".into(),
        status: EventStatus::Ongoing,
        acts: vec![
            act(ActType::ArbitraryArrest, Some("2025-03-10")),
            act(ActType::Detention, None),
            act(ActType::ArbitraryArrest, Some("2025-03-11")),
        ],
        victims: vec![victim("M."), victim("K.")],
        perpetrators: vec![perpetrator(PerpetratorType::State), perpetrator(PerpetratorType::State)],
        engagements: vec![engagement(Mechanism::Upr), engagement(Mechanism::TreatyBody), engagement(Mechanism::Upr)],
        consent: Consent {
            status: ConsentStatus::Given,
            share_with: vec![ShareScope::UnMechanism],
            ..Default::default()
        },
        interventions: vec![
            intervention(InterventionKind::UrgentAppeal, Some("2025-03-14"), Some(InterventionResult::Released)),
            intervention(InterventionKind::ReprisalsFocalPoint, Some("2025-04"), Some(InterventionResult::TakenUp)),
        ],
        follow_up: FollowUp::InProgress,
        tags: vec!["UPR".into()],
        ..Default::default()
    };
    let b = ReprisalRecord {
        title: "Stopped at the border".into(),
        start: Some(date("2026-01")),
        country: "BY".into(),
        status: EventStatus::Ongoing,
        acts: vec![act(ActType::TravelBan, None)],
        victims: vec![victim("S.")],
        perpetrators: vec![perpetrator(PerpetratorType::Unknown)],
        engagements: vec![engagement(Mechanism::Upr)],
        consent: Consent { status: ConsentStatus::Given, share_with: vec![ShareScope::Network], ..Default::default() },
        follow_up: FollowUp::Open,
        ..Default::default()
    };
    let c = ReprisalRecord {
        title: "Smear campaign".into(),
        start: Some(date("2026-02-01")),
        country: "EG".into(),
        status: EventStatus::Ended,
        acts: vec![act(ActType::SmearCampaign, None)],
        perpetrators: vec![perpetrator(PerpetratorType::State), perpetrator(PerpetratorType::NonState)],
        interventions: vec![
            intervention(
                InterventionKind::LetterToAuthorities,
                Some("2026-02-21"),
                Some(InterventionResult::NoResponse),
            ),
            intervention(InterventionKind::PublicStatement, None, None),
        ],
        follow_up: FollowUp::AwaitingResponse,
        ..Default::default()
    };
    let d = ReprisalRecord {
        title: "Threats by phone".into(),
        country: "NI".into(),
        acts: vec![act(ActType::Threat, None)],
        interventions: vec![intervention(InterventionKind::UrgentAppeal, None, Some(InterventionResult::Pending))],
        follow_up: FollowUp::Closed,
        ..Default::default()
    };
    vec![a, b, c, d]
}

fn count(list: &[Count], key: &str) -> u32 {
    list.iter().find(|c| c.key == key).map_or(0, |c| c.count)
}

fn keys(list: &[Count]) -> Vec<&str> {
    list.iter().map(|c| c.key.as_str()).collect()
}

fn new_vault(dir: &std::path::Path) -> Vault {
    Vault::create_with(dir, &SecretString::from(PASS.to_owned()), &VaultOptions { work_factor: 10 }).unwrap()
}

fn check_all(ind: &Indicators) {
    assert_eq!(ind.records, 4);
    assert_eq!(ind.undated_left_out, 0);
    assert_eq!(ind.ongoing, 2);
    assert_eq!(ind.ongoing_without_intervention, 1, "B is going on with nothing done yet");
    assert_eq!(ind.victims, 3);
    // A record counts once per act type, however many acts of that type it has.
    assert_eq!(count(&ind.by_act, "arbitrary-arrest"), 1);
    assert_eq!(count(&ind.by_act, "detention"), 1);
    assert_eq!(ind.by_act.iter().map(|c| c.count).sum::<u32>(), 5);
    assert_eq!(
        ind.by_country,
        vec![
            Count { key: "BY".into(), count: 2 },
            Count { key: "EG".into(), count: 1 },
            Count { key: "NI".into(), count: 1 }
        ]
    );
    assert_eq!(keys(&ind.by_year), vec!["", "2025", "2026"], "years in order, undated first");
    assert_eq!(count(&ind.by_year, "2026"), 2);
    assert_eq!(count(&ind.by_perpetrator, "state"), 2);
    assert_eq!(count(&ind.by_perpetrator, "non-state"), 1);
    assert_eq!(count(&ind.by_perpetrator, "unknown"), 1);
    assert_eq!(ind.linked_to_engagement, 2);
    assert_eq!(ind.by_mechanism[0], Count { key: "upr".into(), count: 2 }, "most first; A's two UPR links count once");
    assert_eq!(count(&ind.by_mechanism, "treaty-body"), 1);
    assert_eq!(ind.consent_given, 2);
    assert_eq!(ind.shareable_with_un, 1);
    assert_eq!(ind.with_intervention, 3);
    assert_eq!(ind.interventions, 5);
    assert_eq!(count(&ind.by_intervention, "urgent-appeal"), 2);
    assert_eq!(count(&ind.by_result, ""), 1, "the statement has no result recorded");
    assert_eq!(count(&ind.by_result, "pending"), 1);
    assert_eq!(ind.results_known, 3, "released, taken up, no response; pending and none are not known");
    assert_eq!(ind.answered, 2, "released and taken up");
    assert_eq!(ind.improved, 1, "A: released");
    // A: 2025-03-10 to 2025-03-14 = 4 days; C: 2026-02-01 to 2026-02-21 = 20 days; B has no
    // intervention and D no dates. Median of [4, 20] = 12.
    let days = ind.days_to_action.as_ref().expect("two records have both dates");
    assert_eq!((days.median_days, days.records), (12.0, 2));
    assert_eq!(keys(&ind.by_follow_up), vec!["open", "in-progress", "awaiting-response", "closed"], "in stage order");
}

#[test]
fn indicators_count_what_the_records_hold_and_survive_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let mut vault = new_vault(&dir);
    for r in records() {
        vault.add(&r).unwrap();
    }
    let now = carenet::vault::now_ms();
    check_all(&vault.indicators(&IndicatorFilter::default(), now));
    vault.lock().unwrap();
    let vault = Vault::unlock(&dir, &SecretString::from(PASS.to_owned())).unwrap();
    let ind = vault.indicators(&IndicatorFilter::default(), now);
    check_all(&ind);
    assert_eq!(ind.network.contacts, 0);
    vault.lock().unwrap();
}

#[test]
fn filters_narrow_the_records_and_say_what_they_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&tmp.path().join("vault"));
    for r in records() {
        vault.add(&r).unwrap();
    }
    let now = carenet::vault::now_ms();
    let f = |from: Option<&str>, to: Option<&str>, country: Option<&str>, tag: Option<&str>| {
        vault.indicators(&IndicatorFilter::parse(from, to, country, tag).unwrap(), now)
    };
    // 2026: B (2026-01), C, and A, which began in 2025 and is still going on; D is undated
    // (left out and counted).
    let y = f(Some("2026"), None, None, None);
    assert_eq!((y.records, y.undated_left_out), (3, 1));
    assert_eq!(keys(&y.by_country), vec!["BY", "EG"]);
    assert_eq!(y.days_to_action.as_ref().map(|d| d.records), Some(2));
    // Up to 2025: A only (B began in 2026).
    assert_eq!(f(None, Some("2025-12-31"), None, None).records, 1);
    // A period that ends in January 2026 takes A and B (B's month reaches into it).
    let p = f(Some("2025-01-01"), Some("2026-01-15"), None, None);
    assert_eq!((p.records, p.undated_left_out), (2, 1));
    assert_eq!(p.improved, 1);
    // Country in any case, with spaces; no period, so the undated record counts when it fits.
    let by = f(None, None, Some(" by "), None);
    assert_eq!((by.records, by.undated_left_out, by.ongoing), (2, 0, 2));
    assert_eq!(f(None, None, Some("ni"), None).records, 1);
    // Tag, as search compares them: case and accents ignored.
    let upr = f(None, None, None, Some("ÚPR"));
    assert_eq!((upr.records, upr.interventions, upr.answered), (1, 2, 2));
    // Blank fields are no filter.
    check_all(&f(Some(" "), Some(""), Some(""), Some(" ")));
    // Nothing matches: zeros, no median, no panic.
    let none = f(None, None, Some("FR"), None);
    assert_eq!(none.records, 0);
    assert!(none.days_to_action.is_none() && none.by_act.is_empty());
}

#[test]
fn a_period_counts_events_going_on_in_it_and_the_median_takes_the_first_action() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&tmp.path().join("vault"));
    let base = |title: &str| ReprisalRecord { title: title.into(), country: "BY".into(), ..Default::default() };
    // Still detained since 2024: counts in 2026. Its first action is dated to the month only,
    // so the median leaves it out, although a later action is dated to the day.
    vault
        .add(&ReprisalRecord {
            start: Some(date("2024-02-10")),
            status: EventStatus::Ongoing,
            interventions: vec![
                intervention(InterventionKind::LegalSupport, Some("2024-06-20"), None),
                intervention(InterventionKind::UrgentAppeal, Some("2024-02"), None),
            ],
            ..base("Detained since 2024")
        })
        .unwrap();
    // Ended in 2024: not in 2026. Its start is unknown; the event's date is its earliest act's,
    // whichever order the acts are listed in (a year alone reaches back to January).
    vault
        .add(&ReprisalRecord {
            status: EventStatus::Ended,
            acts: vec![act(ActType::Threat, Some("2024-03-05")), act(ActType::Threat, Some("2024-03-01"))],
            interventions: vec![intervention(InterventionKind::PublicStatement, Some("2024-03-11"), None)],
            ..base("Threats in March")
        })
        .unwrap();
    // An end date reaching into 2026 counts there.
    vault
        .add(&ReprisalRecord { start: Some(date("2025-12")), end: Some(date("2026-01-03")), ..base("Travel ban") })
        .unwrap();
    // An action dated before the event (a typing slip) is not a negative delay: left out.
    vault
        .add(&ReprisalRecord {
            start: Some(date("2025-05-10")),
            interventions: vec![intervention(InterventionKind::UrgentAppeal, Some("2025-05-01"), None)],
            ..base("Slip")
        })
        .unwrap();
    let now = carenet::vault::now_ms();
    let all = vault.indicators(&IndicatorFilter::default(), now);
    let days = all.days_to_action.expect("the threats have both dates");
    assert_eq!((days.median_days, days.records), (10.0, 1), "2024-03-01 to 2024-03-11, the other three left out");
    assert_eq!(keys(&all.by_year), vec!["2024", "2025"], "the threats' year is their earliest act's");
    let y2026 = vault.indicators(&IndicatorFilter::parse(Some("2026"), Some("2026"), None, None).unwrap(), now);
    assert_eq!(y2026.records, 2, "the ongoing detention and the ban that ended in 2026");
    assert_eq!(y2026.ongoing, 1);
    let march = vault.indicators(&IndicatorFilter::parse(Some("2024-03"), Some("2024-03"), None, None).unwrap(), now);
    assert_eq!(march.records, 2, "the detention going on, and the threats");
}

#[test]
fn bad_filters_are_refused_with_a_sentence() {
    let refused = |from: Option<&str>, to: Option<&str>, country: Option<&str>| {
        let e = IndicatorFilter::parse(from, to, country, None).expect_err("refused");
        assert_eq!(e.code(), "invalid_input");
        e.to_string()
    };
    assert!(refused(Some("2026"), Some("2025-12"), None).contains("ends before it starts"));
    assert!(refused(None, None, Some("Belarus")).contains("country code"));
    refused(Some("2026-13"), None, None);
    refused(Some("yesterday"), None, None);
    // A period of one day, and a month that contains its own end, are fine.
    IndicatorFilter::parse(Some("2026-05-01"), Some("2026-05-01"), None, None).unwrap();
    IndicatorFilter::parse(Some("2026-05"), Some("2026-05-31"), None, None).unwrap();
}

#[test]
fn the_care_network_shows_who_nobody_watches_over() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&tmp.path().join("vault"));
    let contact = |alias: &str, risk| Contact { alias: alias.into(), risk, ..Default::default() };
    // Rana alerts Omar; Lea checks on Rana; Sami (high risk) has a check-in arrangement with a
    // watcher; Nadia (high risk) has nobody; Yusuf (high risk) has an arrangement without
    // watchers, which watches over nobody.
    let lea = vault.add(&contact("Lea", RiskLevel::Low)).unwrap();
    let omar = vault.add(&contact("Omar", RiskLevel::Medium)).unwrap();
    let rana =
        vault.add(&Contact { alerts: vec![omar], checked_by: vec![lea], ..contact("Rana", RiskLevel::High) }).unwrap();
    let sami = vault.add(&contact("Sami", RiskLevel::High)).unwrap();
    vault.add(&contact("Nadia", RiskLevel::High)).unwrap();
    let yusuf = vault.add(&contact("Yusuf", RiskLevel::High)).unwrap();
    let arrangement = |person: &str, contact, watchers| CheckIn {
        person: person.into(),
        contact: Some(contact),
        every_minutes: 60,
        watchers,
        ..Default::default()
    };
    vault.save_check_in(None, arrangement("Sami", sami, vec![rana])).unwrap();
    vault.save_check_in(None, arrangement("Yusuf", yusuf, vec![])).unwrap();
    // Karim's arrangement is paused: he is not watched over meanwhile.
    let karim = vault.add(&contact("Karim", RiskLevel::High)).unwrap();
    vault.save_check_in(None, CheckIn { active: false, ..arrangement("Karim", karim, vec![lea]) }).unwrap();
    let now = carenet::vault::now_ms();
    let net = vault.indicators(&IndicatorFilter::default(), now).network;
    assert_eq!(net.contacts, 7);
    assert_eq!(net.alerted, 1, "Omar");
    assert_eq!(net.watched, 2, "Rana (checked by Lea) and Sami (a check-in with a watcher)");
    assert_eq!(net.high_risk_unwatched, 3, "Nadia, Yusuf and Karim");
    assert_eq!((net.check_ins, net.check_ins_attention), (3, 0), "nothing due yet");
    // Two hours later the two active arrangements are missed; the paused one is not.
    let later = vault.indicators(&IndicatorFilter::default(), now + 2 * 3_600_000).network;
    assert_eq!(later.check_ins_attention, 2);
    // The network is not filtered by the records' filters.
    let filtered = vault.indicators(&IndicatorFilter::parse(Some("1990"), Some("1990"), None, None).unwrap(), now);
    assert_eq!((filtered.records, filtered.network), (0, net));
}

#[test]
fn links_to_contacts_not_on_this_device_watch_over_nobody() {
    // A vault refuses such links when they are made, but one can be left behind: a contact
    // deleted on another device (its tombstone removes it here; the links to it in this device's
    // own contacts stay), or a branch shared without the contact who checks on it. The figures
    // are worked out by `compute` from the records as they are, so it is called directly here.
    let gone = carenet::RecordId::random();
    let (zara, omar) = (carenet::RecordId::random(), carenet::RecordId::random());
    let contacts = [
        (zara, Contact { alias: "Zara".into(), risk: RiskLevel::High, checked_by: vec![gone], ..Default::default() }),
        (omar, Contact { alias: "Omar".into(), risk: RiskLevel::High, ..Default::default() }),
    ];
    let arrangement =
        CheckIn { person: "Omar".into(), contact: Some(omar), watchers: vec![gone], ..Default::default() };
    let ind = carenet::indicators::compute(
        &IndicatorFilter::default(),
        [],
        contacts.iter().map(|(id, c)| (*id, c)),
        [(&arrangement, 0)],
        1_000,
    );
    assert_eq!((ind.network.watched, ind.network.high_risk_unwatched), (0, 2));
}

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carenet"))
        .arg("--vault")
        .arg(dir.join("vault"))
        .args(args)
        .env("CARENET_PASSPHRASE", PASS)
        .env_remove("CARENET_VAULT")
        .output()
        .expect("run carenet")
}

#[test]
fn the_command_line_prints_indicators_and_refuses_bad_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ok = |args: &[&str]| success_stdout(run(dir, args), args);
    ok(&["init"]);
    ok(&[
        "reprisal",
        "add",
        "--title",
        "Arrest",
        "--date",
        "2025-03-10",
        "--country",
        "BY",
        "--type",
        "arbitrary-arrest",
        "--status",
        "ongoing",
        "--engagement",
        "upr",
        "--intervention",
        "urgent-appeal:SR on HRDs:2025-03-14:released",
    ]);
    let b = last_line(&ok(&[
        "reprisal",
        "add",
        "--title",
        "Ban",
        "--date",
        "2026-01",
        "--country",
        "EG",
        "--type",
        "travel-ban",
    ]));
    ok(&["reprisal", "edit", &b, "--intervention", "letter-to-authorities::2026-01-20:no-response"]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["--json", "indicators"])).expect("indicators --json prints JSON");
    assert_eq!(json["records"], 2);
    assert_eq!(json["interventions"], 2);
    assert_eq!(json["improved"], 1);
    assert_eq!(json["answered"], 1);
    assert_eq!(json["linked_to_engagement"], 1);
    assert_eq!(json["days_to_action"]["median_days"], 4.0);
    let by = serde_json::from_str::<serde_json::Value>(&ok(&["--json", "indicators", "--country", "by"])).unwrap();
    assert_eq!(by["records"], 1);
    let text = ok(&["indicators", "--to", "2025-12"]);
    assert!(text.contains("Reprisal records:") && text.contains("not every reprisal"), "{text}");
    assert!(!text.contains("travel-ban") && text.contains("arbitrary-arrest"), "{text}");
    // Bad input: exit 1, a sentence, nothing printed on stdout.
    for (args, says) in [
        (&["indicators", "--from", "2026", "--to", "2025"][..], "ends before it starts"),
        (&["indicators", "--country", "Belarus"][..], "country code"),
        (&["reprisal", "edit", &b, "--intervention", "urgent-appeal:x:2026-02-01:freed"][..], "InterventionResult"),
    ] {
        let out = run(dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // The refused edit changed nothing.
    let after = serde_json::from_str::<serde_json::Value>(&ok(&["--json", "indicators"])).unwrap();
    assert_eq!(after["interventions"], 2);
    // An answer that comes weeks later is noted on the intervention already there, not added.
    ok(&["reprisal", "edit", &b, "--set-result", "1:restriction-lifted"]);
    let later = serde_json::from_str::<serde_json::Value>(&ok(&["--json", "indicators"])).unwrap();
    assert_eq!((later["interventions"].clone(), later["improved"].clone()), (2.into(), 2.into()));
    ok(&["reprisal", "edit", &b, "--set-result", "1:none"]);
    let cleared = serde_json::from_str::<serde_json::Value>(&ok(&["--json", "indicators"])).unwrap();
    assert_eq!((cleared["improved"].clone(), cleared["results_known"].clone()), (1.into(), 1.into()));
    for bad in ["2:released", "0:released", "x", "1:freed"] {
        let out = run(dir, &["reprisal", "edit", &b, "--set-result", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
    }
}

#[test]
fn a_result_cleared_in_an_editor_is_cleared_in_the_record() {
    // The form sends an intervention without `result` when "not noted" is chosen again: the
    // editor's merge must take that as a change, not keep the stored result.
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&tmp.path().join("vault"));
    let mut record = records().remove(0);
    record.interventions.truncate(1);
    let id = vault.add(&record).unwrap();
    let base = vault.get::<ReprisalRecord>(&id).unwrap().value;
    assert_eq!(base.interventions[0].result, Some(InterventionResult::Released));
    let mut edited = base.clone();
    edited.interventions[0].result = None;
    vault.save_edit(&id, &base, edited).unwrap();
    let now = carenet::vault::now_ms();
    assert_eq!(vault.get::<ReprisalRecord>(&id).unwrap().value.interventions[0].result, None);
    assert_eq!(vault.indicators(&IndicatorFilter::default(), now).improved, 0);
}

#[test]
fn the_figures_export_as_csv_and_json_with_what_they_are_and_their_filter() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&tmp.path().join("vault"));
    for r in records() {
        vault.add(&r).unwrap();
    }
    let now = carenet::vault::now_ms();
    // A tag typed as "=cmd": the one cell a person wrote is defused for spreadsheets.
    let filter = IndicatorFilter::parse(Some("2025"), None, Some("by"), Some("=cmd")).unwrap();
    let ind = vault.indicators(&filter, now);
    let csv = String::from_utf8(ind.to_csv(&filter, now).unwrap()).unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<(String, String, String)> = rows.deserialize().map(|r| r.unwrap()).collect();
    let find = |figure: &str, key: &str| {
        rows.iter()
            .find(|(f, k, _)| f == figure && k == key)
            .map(|(_, _, c)| c.clone())
            .unwrap_or_else(|| panic!("{figure} {key}: {csv}"))
    };
    assert!(find("about", carenet::indicators::ABOUT).is_empty());
    assert_eq!(find("filter.from", "2025"), "");
    assert_eq!(find("filter.country", "BY"), "");
    assert_eq!(find("filter.tag", "'=cmd"), "");
    assert_eq!(find("records", ""), "0", "no record carries that tag");
    let all = IndicatorFilter::default();
    let figures = vault.indicators(&all, now);
    let csv = String::from_utf8(figures.to_csv(&all, now).unwrap()).unwrap();
    assert!(csv.starts_with("figure,key,count\n"));
    for line in [
        "records,,4",
        "improved,,1",
        "days_to_action.median_days,,12",
        "by_act,arbitrary-arrest,1",
        "by_year,2025,1",
        "network.contacts,,0",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} in {csv}");
    }
    let json: serde_json::Value = serde_json::from_slice(&figures.to_json(&all, now).unwrap()).unwrap();
    assert_eq!(json["indicators"]["records"], 4);
    assert_eq!(json["indicators"]["by_follow_up"][0]["key"], "open");
    assert_eq!(json["filter"]["country"], "");
    assert_eq!(json["about"], carenet::indicators::ABOUT);
    assert_eq!(json["counted_on"].as_str().unwrap().len(), 10);
}
