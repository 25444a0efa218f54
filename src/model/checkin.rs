//! Check-ins: a person of the network says, at an agreed interval, how they are (safe, needs
//! help), and the people assigned to check on them see at once when a check-in is missed.
//!
//! A check-in arrangement is its own record (its own document), apart from the person's contact
//! record, so that it can be shared with the people who watch over someone without sharing that
//! person's channels or real name. Each check-in is an entry with its own id in a list: two
//! entries made at once on two devices both stay after they sync.
//!
//! Whether a check-in is missed is worked out on each device, from its own clock and from the
//! entries that have reached it: the app sends nothing to anyone by itself.

use serde::{Deserialize, Serialize};

use super::{check_count, check_line, check_list, check_text, push_search, RecordId, RecordKind, RecordType};
use crate::error::{Error, Result};

/// Shortest interval between expected check-ins, in minutes.
pub const MIN_EVERY_MINUTES: u32 = 5;
/// Longest interval between expected check-ins, in minutes (31 days).
pub const MAX_EVERY_MINUTES: u32 = 31 * 24 * 60;
/// Entries kept in an arrangement: posting one more drops the oldest beyond this.
pub const KEEP_ENTRIES: usize = 100;
/// Longest check-in message, in characters.
pub const MAX_MESSAGE: usize = 500;
/// An entry dated more than this far after the device's clock is not counted (a wrong clock or a
/// forged date must not hold off an alert).
pub const FUTURE_SLACK_MS: i64 = 10 * 60 * 1000;

/// Latest time an entry may carry: the end of the year 9999, in ms since the epoch.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// What a person said (or what a watcher noted) at a check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckInStatus {
    /// All is well.
    Safe,
    /// The person asks for help.
    NeedsHelp,
    /// A watcher tried and could not reach the person.
    NoNews,
}

impl CheckInStatus {
    /// Every status.
    pub const ALL: [CheckInStatus; 3] = [CheckInStatus::Safe, CheckInStatus::NeedsHelp, CheckInStatus::NoNews];

    /// The kebab-case word used on the wire and in the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInStatus::Safe => "safe",
            CheckInStatus::NeedsHelp => "needs-help",
            CheckInStatus::NoNews => "no-news",
        }
    }
}

impl std::fmt::Display for CheckInStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckInStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        CheckInStatus::ALL.into_iter().find(|v| v.as_str() == t).ok_or_else(|| {
            Error::invalid(format!(
                "'{}' is not a check-in status: use safe, needs-help or no-news.",
                s.chars().take(40).collect::<String>()
            ))
        })
    }
}

/// One check-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInEntry {
    /// Item id (lets entries made at once on two devices both stay).
    pub id: String,
    /// When it was made, ms since the epoch, by the clock of the device that made it.
    pub at_ms: i64,
    /// What it says.
    pub status: CheckInStatus,
    /// A short message ("at the court, the hearing is delayed").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// A check-in arrangement: who checks in, how often, and who watches over them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckIn {
    /// The person who checks in, as the network calls them (an alias).
    pub person: String,
    /// Their contact record, if it is in the vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<RecordId>,
    /// Minutes between expected check-ins.
    pub every_minutes: u32,
    /// Off while the arrangement is paused (nothing is missed then).
    pub active: bool,
    /// When it was last resumed after a pause, ms since the epoch: the time a pause ended counts
    /// as a check-in for working out the next one due, so resuming raises no false alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_ms: Option<i64>,
    /// Contacts to alert when a check-in is missed or help is asked for.
    pub watchers: Vec<RecordId>,
    /// The check-ins, oldest first (at most `KEEP_ENTRIES`).
    pub entries: Vec<CheckInEntry>,
    /// What watchers should do (agreed plan, lawyer's number...).
    pub notes: String,
    /// Tags for filtering.
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

/// Where an arrangement stands at a given moment, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckInState {
    /// The last check-in asks for help.
    NeedsHelp,
    /// The next check-in was due and none has reached this device.
    Missed,
    /// A watcher noted that the person could not be reached.
    NoNews,
    /// The last check-in said safe and the next one is not due yet.
    Safe,
    /// No check-in yet, and the first is not due yet.
    Waiting,
    /// The arrangement is paused.
    Paused,
}

impl CheckInState {
    /// True when the watchers should act.
    pub fn needs_attention(self) -> bool {
        matches!(self, CheckInState::NeedsHelp | CheckInState::Missed | CheckInState::NoNews)
    }
}

impl CheckIn {
    /// True when an entry counts at `now_ms`: a time within the calendar and not more than
    /// `FUTURE_SLACK_MS` ahead of the clock, and an id. Entries that do not count stay stored
    /// (they may come from a peer) but change nothing.
    fn counts(e: &CheckInEntry, now_ms: i64) -> bool {
        (0..=MAX_TIME_MS).contains(&e.at_ms) && e.at_ms <= now_ms.saturating_add(FUTURE_SLACK_MS) && !e.id.is_empty()
    }

    /// The latest entry that counts at `now_ms`. Ties are broken by id, so every device that
    /// holds the same entries picks the same one.
    pub fn last_entry(&self, now_ms: i64) -> Option<&CheckInEntry> {
        self.entries
            .iter()
            .filter(|e| Self::counts(e, now_ms))
            .max_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)))
    }

    /// When the next check-in is due: the last one that counts, or before the first one the
    /// arrangement's start (`since_ms`, when it was made), plus the interval; if it was resumed
    /// after a pause (`resumed_ms`) later than that, from the resumption. Times more than
    /// `FUTURE_SLACK_MS` ahead of the clock do not count: a resumption so dated is ignored, and
    /// a start so dated makes the first check-in due at once (a wrong clock on the device that
    /// made the arrangement must not hold off "missed").
    pub fn due_ms(&self, since_ms: i64, now_ms: i64) -> i64 {
        let every = i64::from(self.every_minutes.max(1)) * 60_000;
        let ok = |t: i64| t <= now_ms.saturating_add(FUTURE_SLACK_MS);
        let resumed = self.resumed_ms.filter(|t| ok(*t)).unwrap_or(i64::MIN);
        let from = match self.last_entry(now_ms) {
            Some(e) => e.at_ms,
            None if ok(since_ms) => since_ms,
            None if resumed == i64::MIN => return now_ms.saturating_sub(1),
            None => i64::MIN,
        };
        from.max(resumed).saturating_add(every)
    }

    /// Where the arrangement stands at `now_ms`; `since_ms` is when it was made.
    pub fn state(&self, since_ms: i64, now_ms: i64) -> CheckInState {
        if !self.active {
            return CheckInState::Paused;
        }
        let last = self.last_entry(now_ms);
        match last.map(|e| e.status) {
            Some(CheckInStatus::NeedsHelp) => return CheckInState::NeedsHelp,
            Some(CheckInStatus::NoNews) => return CheckInState::NoNews,
            _ => {}
        }
        if now_ms > self.due_ms(since_ms, now_ms) {
            CheckInState::Missed
        } else if last.is_some() {
            CheckInState::Safe
        } else {
            CheckInState::Waiting
        }
    }

    /// The entries by time, oldest first, each id once (the list itself keeps the order in
    /// which entries were added and merged, which after a sync need not be time order).
    pub fn entries_by_time(&self) -> Vec<&CheckInEntry> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<&CheckInEntry> = self.entries.iter().filter(|e| seen.insert(e.id.as_str())).collect();
        out.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// Adds a check-in made at `at_ms` (this device's clock), then, beyond `KEEP_ENTRIES`, drops
    /// other entries: first those that do not count at `at_ms` (dated ahead of the clock, or
    /// malformed), then the oldest. The entry just added is never the one dropped. Entries are
    /// only appended or removed, never moved, so two devices adding at once merge.
    pub fn push(&mut self, status: CheckInStatus, message: &str, at_ms: i64) -> Result<()> {
        check_message(message)?;
        let id = super::item_id();
        self.entries.push(CheckInEntry { id: id.clone(), at_ms, status, message: message.trim().to_owned() });
        let extra = self.entries.len().saturating_sub(KEEP_ENTRIES);
        if extra > 0 {
            let mut others: Vec<(usize, &CheckInEntry)> =
                self.entries.iter().enumerate().filter(|(_, e)| e.id != id).collect();
            others.sort_by(|(_, a), (_, b)| {
                Self::counts(a, at_ms)
                    .cmp(&Self::counts(b, at_ms))
                    .then(a.at_ms.cmp(&b.at_ms))
                    .then_with(|| a.id.cmp(&b.id))
            });
            let drop: std::collections::HashSet<usize> = others.iter().take(extra).map(|(i, _)| *i).collect();
            let mut i = 0;
            self.entries.retain(|_| {
                i += 1;
                !drop.contains(&(i - 1))
            });
        }
        Ok(())
    }
}

/// Checks a check-in message (length, control characters).
pub(crate) fn check_message(message: &str) -> Result<()> {
    if message.chars().count() > MAX_MESSAGE {
        return Err(Error::invalid(format!("The check-in message is too long: at most {MAX_MESSAGE} characters.")));
    }
    check_text("check-in message", message)
}

impl RecordType for CheckIn {
    const KIND: RecordKind = RecordKind::CheckIn;

    fn validate(&self) -> Result<()> {
        if self.person.trim().is_empty() {
            return Err(Error::invalid("A check-in needs the person who checks in (an alias is fine)."));
        }
        check_line("person", &self.person)?;
        if !(MIN_EVERY_MINUTES..=MAX_EVERY_MINUTES).contains(&self.every_minutes) {
            return Err(Error::invalid(format!(
                "Choose an interval between {MIN_EVERY_MINUTES} minutes and {} days.",
                MAX_EVERY_MINUTES / (24 * 60)
            )));
        }
        check_count("watchers", &self.watchers)?;
        // Entries are not checked here: each is checked when it is made (`push`: its message;
        // its time is this device's clock), and entries that arrived by sync, whatever they
        // hold, must never stop anyone from checking in or editing the arrangement. Those that
        // are malformed simply do not count (`counts`).
        check_text("notes", &self.notes)?;
        check_list("tags", &self.tags)
    }

    fn title(&self) -> &str {
        &self.person
    }

    fn tags(&self) -> &[String] {
        &self.tags
    }

    fn search_text(&self, out: &mut String) {
        push_search(out, &self.person);
        push_search(out, &self.notes);
        for e in &self.entries {
            push_search(out, &e.message);
        }
        for t in &self.tags {
            push_search(out, t);
        }
    }

    fn as_check_in(&self) -> Option<&CheckIn> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn every_hour() -> CheckIn {
        CheckIn { person: "Rosa".into(), every_minutes: 60, ..Default::default() }
    }

    #[test]
    fn the_state_follows_the_last_entry_and_the_clock() {
        let mut c = every_hour();
        assert_eq!(c.state(0, H / 2), CheckInState::Waiting);
        assert_eq!(c.state(0, H + 1), CheckInState::Missed);
        c.push(CheckInStatus::Safe, "", H / 2).unwrap();
        assert_eq!(c.state(0, H + 1), CheckInState::Safe, "due again an hour after the check-in");
        assert_eq!(c.due_ms(0, H), H / 2 + H);
        assert_eq!(c.state(0, 2 * H), CheckInState::Missed);
        c.push(CheckInStatus::NeedsHelp, "arrested at the march", 2 * H).unwrap();
        assert_eq!(c.state(0, 2 * H), CheckInState::NeedsHelp);
        assert_eq!(c.state(0, 10 * H), CheckInState::NeedsHelp, "help asked stays until a new check-in");
        c.push(CheckInStatus::Safe, "released", 3 * H).unwrap();
        assert_eq!(c.state(0, 3 * H), CheckInState::Safe);
        c.push(CheckInStatus::NoNews, "", 3 * H + 1).unwrap();
        assert_eq!(c.state(0, 3 * H + 2), CheckInState::NoNews);
        c.active = false;
        assert_eq!(c.state(0, 100 * H), CheckInState::Paused);
    }

    #[test]
    fn an_entry_dated_in_the_future_does_not_hold_off_an_alert() {
        let mut c = every_hour();
        c.push(CheckInStatus::Safe, "", 1_000 * H).unwrap();
        assert_eq!(c.state(0, 2 * H), CheckInState::Missed);
        assert!(c.last_entry(2 * H).is_none());
        // A few minutes of clock difference between devices is tolerated.
        let mut d = every_hour();
        d.push(CheckInStatus::Safe, "", 2 * H + 5 * 60_000).unwrap();
        assert_eq!(d.state(0, 2 * H), CheckInState::Safe);
    }

    #[test]
    fn entries_are_bounded_and_the_one_just_added_is_always_kept() {
        let mut c = every_hour();
        for i in 0..KEEP_ENTRIES as i64 {
            c.push(CheckInStatus::Safe, "", 1_000 + i).unwrap();
        }
        // A check-in dated before all the others (this device's clock is behind) is kept, and
        // the oldest of the others goes.
        c.push(CheckInStatus::NeedsHelp, "late clock", 5).unwrap();
        assert_eq!(c.entries.len(), KEEP_ENTRIES);
        assert!(c.entries.iter().any(|e| e.message == "late clock"));
        assert!(!c.entries.iter().any(|e| e.at_ms == 1_000), "the oldest other entry went");
        assert_eq!(c.entries[0].at_ms, 1_001, "kept entries are not moved");

        // A hundred entries dated far ahead (a peer's wrong clock): they go before anything else.
        let mut d = every_hour();
        for i in 0..KEEP_ENTRIES as i64 {
            d.push(CheckInStatus::Safe, "", 1_000 * H + i).unwrap();
        }
        d.push(CheckInStatus::Safe, "now", 2 * H).unwrap();
        d.push(CheckInStatus::Safe, "now again", 2 * H + 1).unwrap();
        assert_eq!(d.entries.len(), KEEP_ENTRIES);
        assert!(d.entries.iter().any(|e| e.message == "now") && d.entries.iter().any(|e| e.message == "now again"));
        assert_eq!(d.last_entry(3 * H).map(|e| e.message.as_str()), Some("now again"));
    }

    #[test]
    fn entries_that_arrived_malformed_never_block_a_check_in_and_do_not_count() {
        let mut c = every_hour();
        let bad = |id: &str, at_ms: i64, message: &str| CheckInEntry {
            id: id.into(),
            at_ms,
            status: CheckInStatus::Safe,
            message: message.into(),
        };
        c.entries = vec![
            bad("", H, ""),
            bad("a", -5, ""),
            bad("b", i64::MAX, ""),
            bad("c", H, &"x".repeat(2 * MAX_MESSAGE)),
            bad("c", 2 * H - 1, "the same id twice, at another time"),
        ];
        c.validate().unwrap();
        assert_eq!(c.entries_by_time().iter().filter(|e| e.id == "c").count(), 1, "each id once");
        assert_eq!(c.last_entry(2 * H).map(|e| e.id.as_str()), Some("c"));
        c.push(CheckInStatus::NeedsHelp, "help", 2 * H).unwrap();
        c.validate().unwrap();
        assert_eq!(c.state(0, 2 * H), CheckInState::NeedsHelp);
        assert_eq!(c.state(0, 2 * H + 1), CheckInState::NeedsHelp);
    }

    #[test]
    fn resuming_after_a_pause_raises_no_false_alarm() {
        let mut c = every_hour();
        c.push(CheckInStatus::Safe, "", H).unwrap();
        c.active = false;
        assert_eq!(c.state(0, 10 * H), CheckInState::Paused);
        c.active = true;
        c.resumed_ms = Some(10 * H);
        assert_eq!(c.state(0, 10 * H + 1), CheckInState::Safe, "the pause counts as a check-in");
        assert_eq!(c.due_ms(0, 10 * H), 11 * H);
        assert_eq!(c.state(0, 11 * H + 1), CheckInState::Missed);
        // A resumption dated ahead of the clock is ignored.
        c.resumed_ms = Some(1_000 * H);
        assert_eq!(c.state(0, 10 * H), CheckInState::Missed);
    }

    #[test]
    fn a_start_dated_ahead_of_the_clock_is_due_at_once() {
        let c = every_hour();
        assert_eq!(c.state(1_000 * H, 2 * H), CheckInState::Missed, "a creator's clock a month ahead");
        assert_eq!(c.state(2 * H + 5 * 60_000, 2 * H), CheckInState::Waiting, "minutes of difference are tolerated");
    }

    #[test]
    fn bad_arrangements_are_refused_with_a_sentence() {
        let mut c = every_hour();
        c.every_minutes = 1;
        assert!(c.validate().unwrap_err().to_string().contains("interval"));
        c.every_minutes = MAX_EVERY_MINUTES + 1;
        assert!(c.validate().is_err());
        c.every_minutes = 60;
        c.person = " ".into();
        assert!(c.validate().is_err());
        c.person = "Rosa".into();
        assert!(c.push(CheckInStatus::Safe, &"x".repeat(MAX_MESSAGE + 1), 0).is_err());
        assert!(c.entries.is_empty(), "a refused check-in adds nothing");
        assert!("maybe".parse::<CheckInStatus>().is_err());
        assert_eq!("needs_help".parse::<CheckInStatus>().unwrap(), CheckInStatus::NeedsHelp);
    }
}
