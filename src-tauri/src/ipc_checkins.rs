//! The IPC types of check-ins (the rest of the schema is in `ipc`), exported to TypeScript with
//! them by the `bindings_are_current` test. They mirror `carenet::model::CheckIn` and
//! `carenet::vault::CheckInView` field for field.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a check-in says.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CheckInStatus {
    /// All is well.
    Safe,
    /// The person asks for help.
    NeedsHelp,
    /// A watcher could not reach the person.
    NoNews,
}

/// One check-in.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct CheckInEntry {
    /// Item id.
    pub id: String,
    /// When, ms since the epoch (the clock of the device that made it).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// What it says.
    pub status: CheckInStatus,
    /// A short message.
    #[serde(default)]
    pub message: String,
}

/// A check-in arrangement (the record). Saving it through `save_record` changes its settings
/// only: its check-ins are added by `check_in` alone, so an editor opened before a sync cannot
/// drop check-ins that arrived meanwhile.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CheckIn {
    /// Who checks in (an alias).
    pub person: String,
    /// Their contact record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub contact: Option<String>,
    /// Minutes between expected check-ins (5 to 44,640).
    pub every_minutes: u32,
    /// False while paused.
    pub active: bool,
    /// When it was last resumed, ms since the epoch (set by the core; the window need not send it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub resumed_ms: Option<i64>,
    /// Ids of the contacts alerted when a check-in is missed.
    pub watchers: Vec<String>,
    /// The check-ins, oldest first.
    pub entries: Vec<CheckInEntry>,
    /// What the watchers should do.
    pub notes: String,
    /// Tags.
    pub tags: Vec<String>,
}

impl Default for CheckIn {
    fn default() -> Self {
        CheckIn {
            person: String::new(),
            contact: None,
            every_minutes: 24 * 60,
            active: true,
            resumed_ms: None,
            watchers: Vec::new(),
            entries: Vec::new(),
            notes: String::new(),
            tags: Vec::new(),
        }
    }
}

/// Where an arrangement stands, most urgent first.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CheckInState {
    /// The last check-in asks for help.
    NeedsHelp,
    /// A check-in was due and none has reached this device.
    Missed,
    /// A watcher noted the person could not be reached.
    NoNews,
    /// Safe, next check-in not due yet.
    Safe,
    /// No check-in yet; the first is not due yet.
    Waiting,
    /// Paused.
    Paused,
}

/// Someone who watches over the person.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Watcher {
    /// Their contact id.
    pub id: String,
    /// Their alias (absent when that contact is not on this device).
    pub alias: Option<String>,
}

/// An arrangement and where it stands.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct CheckInView {
    /// The arrangement's record id.
    pub id: String,
    /// Who checks in.
    pub person: String,
    /// Their contact id.
    pub contact: Option<String>,
    /// Minutes between check-ins.
    pub every_minutes: u32,
    /// Where it stands.
    pub state: CheckInState,
    /// When the next check-in is (or was) due, ms since the epoch, by this device's clock.
    #[ts(type = "number")]
    pub due_ms: i64,
    /// The latest check-in that counts.
    pub last: Option<CheckInEntry>,
    /// Who is alerted.
    pub watchers: Vec<Watcher>,
}

/// Every arrangement, with the clock reading they were judged at.
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct CheckInList {
    /// This device's clock when the states were worked out, ms since the epoch.
    #[ts(type = "number")]
    pub now_ms: i64,
    /// The arrangements, those needing attention first.
    pub rows: Vec<CheckInView>,
}

/// The declarations for bindings.ts, in order.
#[cfg(test)]
pub fn declarations() -> Vec<String> {
    vec![
        CheckInStatus::decl(),
        CheckInEntry::decl(),
        CheckIn::decl(),
        CheckInState::decl(),
        Watcher::decl(),
        CheckInView::decl(),
        CheckInList::decl(),
    ]
}
