//! The indicators as they cross IPC (mirrors of `carenet::indicators`, exported to TypeScript
//! with the rest of the schema), and the command that works them out.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use carenet::indicators::IndicatorFilter;

use crate::commands::{with_vault, State};
use crate::ipc::{convert, IpcError, IpcResult};

/// Which reprisal records to count; blank fields are no filter.
#[derive(Clone, Debug, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct IndicatorQuery {
    /// Events from this date (YYYY[-MM[-DD]]).
    pub from: String,
    /// Events up to this date.
    pub to: String,
    /// Country code (ISO 3166-1 alpha-2, any case).
    pub country: String,
    /// Tag.
    pub tag: String,
}

/// How many have one value ("" for none recorded).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct IndicatorCount {
    /// The value: a vocabulary word, a country code or a year.
    pub key: String,
    /// How many.
    pub count: u32,
}

/// The median days from an event to the first intervention, and over how many records.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct DaysToAction {
    /// Median, in days.
    pub median_days: f64,
    /// Records with both dates known to the day.
    pub records: u32,
}

/// The care network's figures (not filtered).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct CareNetwork {
    /// Contacts.
    pub contacts: u32,
    /// Contacts someone alerts.
    pub alerted: u32,
    /// Contacts watched over (checked on, or a check-in with a watcher).
    pub watched: u32,
    /// High-risk contacts nobody watches over.
    pub high_risk_unwatched: u32,
    /// Check-in arrangements.
    pub check_ins: u32,
    /// Arrangements needing attention now.
    pub check_ins_attention: u32,
}

/// The indicators (see `carenet::indicators::Indicators`, field for field).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Indicators {
    /// Records counted.
    pub records: u32,
    /// Undated records left out of a period.
    pub undated_left_out: u32,
    /// Events still going on.
    pub ongoing: u32,
    /// Victims named, once per record.
    pub victims: u32,
    /// Records per act type.
    pub by_act: Vec<IndicatorCount>,
    /// Records per country.
    pub by_country: Vec<IndicatorCount>,
    /// Records per year, oldest first ("" undated).
    pub by_year: Vec<IndicatorCount>,
    /// Records per perpetrator type.
    pub by_perpetrator: Vec<IndicatorCount>,
    /// Records linked to UN or regional engagement.
    pub linked_to_engagement: u32,
    /// Records per mechanism.
    pub by_mechanism: Vec<IndicatorCount>,
    /// Records with consent given.
    pub consent_given: u32,
    /// Records that may be shared with UN mechanisms.
    pub shareable_with_un: u32,
    /// Records with an intervention.
    pub with_intervention: u32,
    /// Interventions.
    pub interventions: u32,
    /// Interventions per kind.
    pub by_intervention: Vec<IndicatorCount>,
    /// Interventions per result ("" not recorded).
    pub by_result: Vec<IndicatorCount>,
    /// Interventions with a result other than pending.
    pub results_known: u32,
    /// Interventions answered.
    pub answered: u32,
    /// Records improved after an intervention.
    pub improved: u32,
    /// Ongoing records with no intervention.
    pub ongoing_without_intervention: u32,
    /// Days to the first intervention (null when no record has both dates to the day).
    pub days_to_action: Option<DaysToAction>,
    /// Records per follow-up stage, in stage order.
    pub by_follow_up: Vec<IndicatorCount>,
    /// The care network.
    pub network: CareNetwork,
}

/// Longest filter field accepted (a date is 10 characters; a tag is checked by the core).
const MAX_FIELD: usize = 200;

/// The core's filter for a query, each field checked (length here, meaning in the core).
pub(crate) fn filter_of(q: &IndicatorQuery) -> IpcResult<IndicatorFilter> {
    for (field, text) in [("start date", &q.from), ("end date", &q.to), ("country code", &q.country), ("tag", &q.tag)] {
        if text.chars().count() > MAX_FIELD {
            return Err(IpcError::too_long(field, MAX_FIELD));
        }
    }
    Ok(IndicatorFilter::parse(Some(&q.from), Some(&q.to), Some(&q.country), Some(&q.tag))?)
}

pub(crate) fn indicators_of(v: &carenet::Vault, q: &IndicatorQuery, now_ms: i64) -> IpcResult<Indicators> {
    convert(&v.indicators(&filter_of(q)?, now_ms))
}

/// The figures of `filter` as a file's bytes (CSV or JSON, see `carenet::indicators`), and how
/// many records they count.
pub(crate) fn render(
    v: &carenet::Vault,
    filter: &IndicatorFilter,
    format: crate::carry::Format,
    now_ms: i64,
) -> IpcResult<(zeroize::Zeroizing<Vec<u8>>, usize)> {
    let ind = v.indicators(filter, now_ms);
    let bytes = match format {
        crate::carry::Format::Json => ind.to_json(filter, now_ms)?,
        crate::carry::Format::Csv => ind.to_csv(filter, now_ms)?,
    };
    Ok((zeroize::Zeroizing::new(bytes), ind.records as usize))
}

/// The indicators of the reprisal records a query lets through, and of the care network.
#[tauri::command]
pub async fn indicators(state: State<'_>, query: IndicatorQuery) -> IpcResult<Indicators> {
    with_vault(state, move |v| indicators_of(v, &query, carenet::vault::now_ms())).await
}

/// The declarations for bindings.ts, in order.
#[cfg(test)]
pub fn declarations() -> Vec<String> {
    vec![IndicatorQuery::decl(), IndicatorCount::decl(), DaysToAction::decl(), CareNetwork::decl(), Indicators::decl()]
}
