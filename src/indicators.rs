//! Indicators: what the records on this device say about reprisals, about the network's solidarity
//! actions and about the results noted after them. Worked out in memory from the decrypted records on each call and
//! never stored.
//!
//! Every figure counts records on this device (the user's own and those shared with them), not
//! reprisals in the world: what was never recorded, or not shared here, is missing. A result
//! recorded after an intervention is counted as recorded; it does not show that the intervention
//! caused it.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::vocab::{EventStatus, InterventionResult, Mechanism};
use crate::model::{CheckIn, CheckInState, Contact, PartialDate, RecordId, RiskLevel};
use crate::ReprisalRecord;

/// Which reprisal records the indicators count. The care network's figures ignore it.
#[derive(Clone, Debug, Default)]
pub struct IndicatorFilter {
    /// Only events that took place, or went on, on this day or later: from the event's date to
    /// its end date, or to today while it goes on (records without a date are then left out,
    /// and counted in [`Indicators::undated_left_out`]).
    pub from: Option<PartialDate>,
    /// Only events that began on or before this day.
    pub to: Option<PartialDate>,
    /// Only events in this country (ISO 3166-1 alpha-2, any case).
    pub country: Option<String>,
    /// Only records with this tag (case-insensitive).
    pub tag: Option<String>,
}

/// How many records (or items) have one value of a field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The value: a vocabulary word, a country code, a year, or "" for none recorded.
    pub key: String,
    /// How many.
    pub count: u32,
}

/// The median number of days from an event to the first intervention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DaysToAction {
    /// The median, in days.
    pub median_days: f64,
    /// Over how many records: those whose event date and first intervention date are both known
    /// to the day, the intervention not before the event.
    pub records: u32,
}

/// The indicators of the records a filter lets through, and of the care network.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Indicators {
    /// Reprisal records counted.
    pub records: u32,
    /// Records left out because they have no date and a period was asked for.
    pub undated_left_out: u32,
    /// Records whose event is still going on.
    pub ongoing: u32,
    /// Victims named, one per record they are named in (a person in two records counts twice; a
    /// group counts as one).
    pub victims: u32,
    /// Records per type of act (a record with two acts of one type counts once for it).
    pub by_act: Vec<Count>,
    /// Records per country ("" when none was recorded).
    pub by_country: Vec<Count>,
    /// Records per year the event began ("" when undated), oldest first.
    pub by_year: Vec<Count>,
    /// Records per kind of perpetrator (state, non-state, unknown).
    pub by_perpetrator: Vec<Count>,
    /// Records linked to a person's engagement with a UN or regional mechanism.
    pub linked_to_engagement: u32,
    /// Records per mechanism engaged with.
    pub by_mechanism: Vec<Count>,
    /// Records with informed consent given.
    pub consent_given: u32,
    /// Records whose consent allows sharing with UN mechanisms (for the reprisals focal point).
    pub shareable_with_un: u32,
    /// Records with at least one intervention.
    pub with_intervention: u32,
    /// Interventions in all.
    pub interventions: u32,
    /// Interventions per kind.
    pub by_intervention: Vec<Count>,
    /// Interventions per result ("" when none is recorded).
    pub by_result: Vec<Count>,
    /// Interventions with a result other than pending.
    pub results_known: u32,
    /// Interventions answered (acknowledged, taken up, or an improvement).
    pub answered: u32,
    /// Records with at least one intervention whose result is an improvement (released, a
    /// restriction lifted, safe).
    pub improved: u32,
    /// Records still going on with no intervention yet: where action may be needed.
    pub ongoing_without_intervention: u32,
    /// Days from the event to the first intervention, when any record has both dates.
    pub days_to_action: Option<DaysToAction>,
    /// Records per follow-up stage.
    pub by_follow_up: Vec<Count>,
    /// The care network (not filtered).
    pub network: Network,
}

/// The care network's indicators: who is reached by an alert and who is watched over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Network {
    /// Contacts on this device.
    pub contacts: u32,
    /// Contacts whom a contact on this device alerts (they are in an alert tree below someone).
    pub alerted: u32,
    /// Contacts watched over by a contact on this device: one checks on them, or they have a
    /// check-in arrangement (not paused) with one to alert.
    pub watched: u32,
    /// High-risk contacts whom nobody watches over: the gap to close first.
    pub high_risk_unwatched: u32,
    /// Check-in arrangements.
    pub check_ins: u32,
    /// Arrangements that need their watchers now (help asked, missed, no news).
    pub check_ins_attention: u32,
}

fn counts<K: Ord + ToString>(map: BTreeMap<K, u32>, by_key: bool) -> Vec<Count> {
    let mut out: Vec<Count> = map.into_iter().map(|(k, count)| Count { key: k.to_string(), count }).collect();
    if !by_key {
        // Most first; equal counts keep the key order (stable sort).
        out.sort_by_key(|c| std::cmp::Reverse(c.count));
    }
    out
}

fn day_of(d: &PartialDate) -> Option<chrono::NaiveDate> {
    (d.precision() == crate::model::Precision::Day).then(|| d.range().0)
}

impl IndicatorFilter {
    /// A filter from what a person typed: dates as YYYY, YYYY-MM or YYYY-MM-DD, a country code
    /// in any case, a tag; blanks mean no filter. A date or code that does not parse, or a period
    /// that ends before it starts, is refused with a sentence saying so.
    pub fn parse(from: Option<&str>, to: Option<&str>, country: Option<&str>, tag: Option<&str>) -> Result<Self> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let date = |s: Option<&str>| given(s).map(str::parse::<PartialDate>).transpose();
        let (from, to) = (date(from)?, date(to)?);
        if let (Some(f), Some(t)) = (&from, &to) {
            if t.range().1 < f.range().0 {
                return Err(Error::invalid("The period ends before it starts: check the dates."));
            }
        }
        let country = given(country).map(str::to_ascii_uppercase);
        if let Some(c) = &country {
            crate::model::check_country(c)?;
        }
        let tag = given(tag).map(str::to_owned);
        if let Some(t) = &tag {
            crate::model::check_line("tag", t)?;
        }
        Ok(IndicatorFilter { from, to, country, tag })
    }

    /// True when the filter lets `r` through; `None` when it is left out only for lacking a date.
    /// An event counts in a period when any day of it falls there: from its date to its end
    /// date, or to `today` while it is still going on (a detention that began in 2024 and goes
    /// on counts in 2026).
    /// `event` is `event_date(r)`; `tag` is the filter's tag folded (see `compute`).
    fn admits(
        &self,
        r: &ReprisalRecord,
        event: Option<PartialDate>,
        tag: Option<&str>,
        today: NaiveDate,
    ) -> Option<bool> {
        if let Some(c) = &self.country {
            if !r.country.eq_ignore_ascii_case(c) {
                return Some(false);
            }
        }
        // As the lists and search compare tags: case, accents and harakat ignored.
        if let Some(tag) = tag {
            if !r.tags.iter().any(|t| crate::search::fold(t) == tag) {
                return Some(false);
            }
        }
        if self.from.is_none() && self.to.is_none() {
            return Some(true);
        }
        let (first, event_end) = event?.range();
        let last = match (&r.end, r.status) {
            (Some(end), _) => end.range().1,
            (None, EventStatus::Ongoing) => today,
            (None, _) => event_end,
        }
        .max(first);
        Some(self.from.is_none_or(|f| last >= f.range().0) && self.to.is_none_or(|t| first <= t.range().1))
    }
}

/// When the event began: its start date, else the earliest of its acts' dates.
fn event_date(r: &ReprisalRecord) -> Option<PartialDate> {
    r.start.or_else(|| r.acts.iter().filter_map(|a| a.date).min_by_key(|d| d.range().0))
}

/// Works out the indicators. `reprisals`, `contacts` and `check_ins` are every record of each
/// kind on the device (with its id for contacts); `now_ms` is this device's clock, for check-ins.
pub fn compute<'a>(
    filter: &IndicatorFilter,
    reprisals: impl IntoIterator<Item = &'a ReprisalRecord>,
    contacts: impl IntoIterator<Item = (RecordId, &'a Contact)>,
    check_ins: impl IntoIterator<Item = (&'a CheckIn, i64)>,
    now_ms: i64,
) -> Indicators {
    let mut ind = Indicators::default();
    let today = PartialDate::from_millis(now_ms).map_or(NaiveDate::MAX, |d| d.range().0);
    let (mut by_act, mut by_country, mut by_year, mut by_perp, mut by_mech) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let (mut by_kind, mut by_result, mut by_follow) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut days: Vec<i64> = Vec::new();
    let tag = filter.tag.as_deref().map(crate::search::fold);
    for r in reprisals {
        let event = event_date(r);
        match filter.admits(r, event, tag.as_deref(), today) {
            Some(true) => {}
            Some(false) => continue,
            None => {
                ind.undated_left_out += 1;
                continue;
            }
        }
        ind.records += 1;
        if r.status == EventStatus::Ongoing {
            ind.ongoing += 1;
            if r.interventions.is_empty() {
                ind.ongoing_without_intervention += 1;
            }
        }
        ind.victims += r.victims.len() as u32;
        let acts: HashSet<&str> = r.acts.iter().map(|a| a.act_type.as_str()).collect();
        for a in acts {
            *by_act.entry(a).or_insert(0) += 1;
        }
        *by_country.entry(r.country.to_ascii_uppercase()).or_insert(0) += 1;
        let year = event.map(|d| d.range().0.format("%Y").to_string()).unwrap_or_default();
        *by_year.entry(year).or_insert(0) += 1;
        let perps: HashSet<&str> = r.perpetrators.iter().map(|p| p.perpetrator_type.as_str()).collect();
        for p in perps {
            *by_perp.entry(p).or_insert(0) += 1;
        }
        if !r.engagements.is_empty() {
            ind.linked_to_engagement += 1;
        }
        let mechs: HashSet<Mechanism> = r.engagements.iter().map(|e| e.mechanism).collect();
        for m in mechs {
            *by_mech.entry(m.as_str()).or_insert(0) += 1;
        }
        if r.consent.status == crate::model::ConsentStatus::Given {
            ind.consent_given += 1;
            if r.consent.share_with.contains(&crate::model::ShareScope::UnMechanism) {
                ind.shareable_with_un += 1;
            }
        }
        if !r.interventions.is_empty() {
            ind.with_intervention += 1;
        }
        let mut improved = false;
        for i in &r.interventions {
            ind.interventions += 1;
            *by_kind.entry(i.kind.as_str()).or_insert(0) += 1;
            *by_result.entry(i.result.map(InterventionResult::as_str).unwrap_or("")).or_insert(0) += 1;
            if let Some(res) = i.result {
                if res != InterventionResult::Pending {
                    ind.results_known += 1;
                }
                if res.answered() {
                    ind.answered += 1;
                }
                improved |= res.improved();
            }
        }
        if improved {
            ind.improved += 1;
        }
        // Days to the first intervention: the event's date and the earliest dated intervention's
        // both known to the day, the action not before the event (a date typed wrong would
        // otherwise count as a negative delay); otherwise the record is left out of the median.
        let first = r.interventions.iter().filter_map(|i| i.date).min_by_key(|d| d.range().0);
        if let (Some(e), Some(f)) = (event.as_ref().and_then(day_of), first.as_ref().and_then(day_of)) {
            if f >= e {
                days.push((f - e).num_days());
            }
        }
        *by_follow.entry(r.follow_up.as_str()).or_insert(0) += 1;
    }
    ind.by_act = counts(by_act, false);
    ind.by_country = counts(by_country, false);
    ind.by_year = counts(by_year, true);
    ind.by_perpetrator = counts(by_perp, false);
    ind.by_mechanism = counts(by_mech, false);
    ind.by_intervention = counts(by_kind, false);
    ind.by_result = counts(by_result, false);
    ind.by_follow_up = {
        // In the order of the follow-up's stages, not by count.
        let order = crate::model::vocab::FollowUp::ALL;
        let mut v = counts(by_follow, true);
        v.sort_by_key(|c| order.iter().position(|f| f.as_str() == c.key));
        v
    };
    if !days.is_empty() {
        days.sort_unstable();
        let n = days.len();
        let median = if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 };
        ind.days_to_action = Some(DaysToAction { median_days: median, records: n as u32 });
    }
    ind.network = network(contacts, check_ins, now_ms);
    ind
}

fn network<'a>(
    contacts: impl IntoIterator<Item = (RecordId, &'a Contact)>,
    check_ins: impl IntoIterator<Item = (&'a CheckIn, i64)>,
    now_ms: i64,
) -> Network {
    let contacts: Vec<(RecordId, &Contact)> = contacts.into_iter().collect();
    let mut net = Network { contacts: contacts.len() as u32, ..Default::default() };
    // Only links to contacts on this device count: a link left to a contact deleted elsewhere,
    // or not shared here, would otherwise show someone as watched whom nobody here watches.
    let here: HashSet<RecordId> = contacts.iter().map(|(id, _)| *id).collect();
    let alerted: HashSet<RecordId> = contacts.iter().flat_map(|(_, c)| c.alerts.iter().copied()).collect();
    let mut watched: HashSet<RecordId> =
        contacts.iter().filter(|(_, c)| c.checked_by.iter().any(|w| here.contains(w))).map(|(id, _)| *id).collect();
    for (c, since_ms) in check_ins {
        net.check_ins += 1;
        let state = c.state(since_ms, now_ms);
        if state.needs_attention() {
            net.check_ins_attention += 1;
        }
        if let Some(person) = c.contact {
            if c.watchers.iter().any(|w| here.contains(w)) && state != CheckInState::Paused {
                watched.insert(person);
            }
        }
    }
    for (id, c) in &contacts {
        if alerted.contains(id) {
            net.alerted += 1;
        }
        if watched.contains(id) {
            net.watched += 1;
        } else if c.risk == RiskLevel::High {
            net.high_risk_unwatched += 1;
        }
    }
    net
}

/// What an exported file of figures says of itself, first (the same limits the screen states).
pub const ABOUT: &str = "Counted from the records on one device (its own and those shared with it), not every reprisal; a result noted after an action does not show that the action caused it; small numbers can point to a person.";

impl IndicatorFilter {
    fn rows(&self) -> [(&'static str, String); 4] {
        let text = |d: &Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
        [
            ("filter.from", text(&self.from)),
            ("filter.to", text(&self.to)),
            ("filter.country", self.country.clone().unwrap_or_default()),
            ("filter.tag", self.tag.clone().unwrap_or_default()),
        ]
    }
}

impl Indicators {
    /// The figures as JSON: what they are (`about`), the filter they answer, the day they were
    /// counted (UTC) and every figure.
    pub fn to_json(&self, filter: &IndicatorFilter, now_ms: i64) -> Result<Vec<u8>> {
        let filter: serde_json::Map<String, serde_json::Value> =
            filter.rows().into_iter().map(|(k, v)| (k.trim_start_matches("filter.").to_owned(), v.into())).collect();
        let day = PartialDate::from_millis(now_ms).map(|d| d.to_string()).unwrap_or_default();
        let doc = serde_json::json!({ "about": ABOUT, "counted_on": day, "filter": filter, "indicators": self });
        serde_json::to_vec_pretty(&doc).map_err(|e| Error::invalid(e.to_string()))
    }

    /// The figures as CSV, one per row: `figure,key,count` (`key` is the value counted in a
    /// breakdown, such as an act type or a year; for the filter rows it is the filter).
    pub fn to_csv(&self, filter: &IndicatorFilter, now_ms: i64) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut rows: Vec<(String, String, String)> = vec![("about".into(), ABOUT.into(), String::new())];
        let day = PartialDate::from_millis(now_ms).map(|d| d.to_string()).unwrap_or_default();
        rows.push(("counted_on".into(), day, String::new()));
        rows.extend(filter.rows().into_iter().map(|(k, v)| (k.to_owned(), v, String::new())));
        let one = |name: &str, n: u32| (name.to_owned(), String::new(), n.to_string());
        rows.extend([
            one("records", self.records),
            one("undated_left_out", self.undated_left_out),
            one("ongoing", self.ongoing),
            one("victims", self.victims),
            one("linked_to_engagement", self.linked_to_engagement),
            one("consent_given", self.consent_given),
            one("shareable_with_un", self.shareable_with_un),
            one("with_intervention", self.with_intervention),
            one("interventions", self.interventions),
            one("results_known", self.results_known),
            one("answered", self.answered),
            one("improved", self.improved),
            one("ongoing_without_intervention", self.ongoing_without_intervention),
        ]);
        if let Some(d) = &self.days_to_action {
            rows.push(("days_to_action.median_days".into(), String::new(), d.median_days.to_string()));
            rows.push(("days_to_action.records".into(), String::new(), d.records.to_string()));
        }
        for (name, list) in [
            ("by_act", &self.by_act),
            ("by_country", &self.by_country),
            ("by_year", &self.by_year),
            ("by_perpetrator", &self.by_perpetrator),
            ("by_mechanism", &self.by_mechanism),
            ("by_intervention", &self.by_intervention),
            ("by_result", &self.by_result),
            ("by_follow_up", &self.by_follow_up),
        ] {
            rows.extend(list.iter().map(|c| (name.to_owned(), c.key.clone(), c.count.to_string())));
        }
        let n = &self.network;
        rows.extend([
            one("network.contacts", n.contacts),
            one("network.alerted", n.alerted),
            one("network.watched", n.watched),
            one("network.high_risk_unwatched", n.high_risk_unwatched),
            one("network.check_ins", n.check_ins),
            one("network.check_ins_attention", n.check_ins_attention),
        ]);
        let err = |e: csv::Error| Error::invalid(e.to_string());
        w.write_record(["figure", "key", "count"]).map_err(err)?;
        for (figure, key, count) in rows {
            // A tag typed as a filter is the one cell a person wrote: defused like an export's.
            w.write_record([figure.as_str(), &crate::export::defuse_formula(&key), count.as_str()]).map_err(err)?;
        }
        w.into_inner().map_err(|e| Error::invalid(e.to_string()))
    }
}
