//! Check-ins on an unlocked vault: posting one, and where every arrangement stands, worked out
//! from this device's clock and the entries that have reached it (see `model::checkin`).

use serde::Serialize;

use super::{now_ms, Saved, Vault};
use crate::error::Result;
use crate::model::{
    CheckIn, CheckInEntry, CheckInState, CheckInStatus, Record, RecordId, RecordKind, RecordType, Stored,
    MAX_EVERY_MINUTES, MIN_EVERY_MINUTES,
};

/// Someone assigned to watch over a person.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Watcher {
    /// Their contact record.
    pub id: RecordId,
    /// Their alias, or `None` when that contact is not on this device (it was not shared here).
    pub alias: Option<String>,
}

/// One check-in arrangement and where it stands.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CheckInView {
    /// The arrangement's record id.
    pub id: RecordId,
    /// Who checks in.
    pub person: String,
    /// Their contact record, if any.
    pub contact: Option<RecordId>,
    /// Minutes between expected check-ins.
    pub every_minutes: u32,
    /// Where it stands now.
    pub state: CheckInState,
    /// When the next check-in is (or was) due, ms since the epoch, by this device's clock.
    pub due_ms: i64,
    /// The latest check-in that counts.
    pub last: Option<CheckInEntry>,
    /// Who is alerted.
    pub watchers: Vec<Watcher>,
}

impl Vault {
    /// Posts a check-in now on arrangement `id` (by the person, or by a watcher noting what they
    /// heard). Durable when it returns, like any edit.
    pub fn check_in(&mut self, id: &RecordId, status: CheckInStatus, message: &str) -> Result<Stored<CheckIn>> {
        let now = now_ms();
        // Check the message first, so that a refused one changes nothing.
        crate::model::check_message(message)?;
        self.update::<CheckIn>(id, |c| {
            // Cannot fail: the message was checked above.
            let _ = c.push(status, message, now);
            // Settings that arrived by sync out of bounds (from a faulty or newer build) must not
            // stop a check-in, least of all a call for help: bring them within bounds.
            c.every_minutes = c.every_minutes.clamp(MIN_EVERY_MINUTES, MAX_EVERY_MINUTES);
            if c.person.trim().is_empty() {
                c.person = "?".into();
            }
        })
    }

    /// Adds an arrangement (`id` None) or replaces the settings of one (person, contact,
    /// interval, watchers, notes, tags, paused or not; resuming stamps `resumed_ms`) while
    /// keeping its check-ins as stored:
    /// check-ins are added by [`Vault::check_in`] alone, so an editor that loaded the arrangement
    /// before a sync brought new check-ins cannot drop them. A new arrangement starts with none.
    pub fn save_check_in(&mut self, id: Option<&RecordId>, mut value: CheckIn) -> Result<RecordId> {
        match id {
            None => {
                value.entries.clear();
                value.resumed_ms = None;
                self.add(&value)
            }
            Some(id) => {
                let stored = self.get::<CheckIn>(id)?.value;
                value.entries = stored.entries;
                // Resuming a paused arrangement starts its interval again (no false alarm).
                value.resumed_ms = if value.active && !stored.active { Some(now_ms()) } else { stored.resumed_ms };
                self.update::<CheckIn>(id, |old| *old = value).map(|s| s.id)
            }
        }
    }

    /// Saves an editor's copy of an arrangement's settings (see [`Vault::save_edit`]): `base` is
    /// the arrangement as the editor showed it, and only the settings the editor changed from it
    /// are written, so a pause, resumption or watcher that another member's change brought in
    /// meanwhile stays. Check-ins and the resumption time are never the editor's: they stay as
    /// stored, whatever `base` and `edited` hold.
    pub fn edit_check_in(&mut self, id: &RecordId, base: &CheckIn, edited: CheckIn) -> Result<Saved<CheckIn>> {
        edited.validate()?;
        let stored = self.get::<CheckIn>(id)?.value;
        let as_stored =
            |c: &CheckIn| CheckIn { entries: stored.entries.clone(), resumed_ms: stored.resumed_ms, ..c.clone() };
        let (base, edited) = (as_stored(base), as_stored(&edited));
        let (tries, overwrote) = Self::merge_edit(&base, &edited, &stored)?;
        let ((), fallback) = self.first_valid(tries, |v, value| v.save_check_in(Some(id), value).map(|_| ()))?;
        let stored = self.get::<CheckIn>(id)?;
        let shown = CheckIn { entries: stored.value.entries.clone(), resumed_ms: stored.value.resumed_ms, ..edited };
        let merged = Self::differ(&stored.value, &shown)?;
        Ok(Saved { stored, merged, overwrote: overwrote || fallback })
    }

    /// Every check-in arrangement on this device and where it stands at `now_ms`: those that need
    /// attention first (help asked, missed, no news), then by when the next check-in is due.
    pub fn check_ins(&self, now_ms: i64) -> Vec<CheckInView> {
        let mut out: Vec<CheckInView> = self
            .records
            .iter()
            .filter(|(_, c)| c.kind == RecordKind::CheckIn)
            .filter_map(|(id, cached)| match &cached.record {
                Record::CheckIn(c) => Some(self.view_check_in(*id, c, cached.created_ms, now_ms)),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.state.cmp(&b.state).then(a.due_ms.cmp(&b.due_ms)).then_with(|| a.person.cmp(&b.person)));
        out
    }

    /// The arrangements that need their watchers now (help asked, missed, or no news).
    pub fn check_in_alerts(&self, now_ms: i64) -> Vec<CheckInView> {
        self.check_ins(now_ms).into_iter().filter(|v| v.state.needs_attention()).collect()
    }

    fn view_check_in(&self, id: RecordId, c: &CheckIn, since_ms: i64, now_ms: i64) -> CheckInView {
        let alias = |w: &RecordId| match self.records.get(w).map(|r| &r.record) {
            Some(Record::Contact(contact)) => Some(contact.alias.clone()),
            _ => None,
        };
        CheckInView {
            id,
            person: c.person.clone(),
            contact: c.contact,
            every_minutes: c.every_minutes,
            state: c.state(since_ms, now_ms),
            due_ms: c.due_ms(since_ms, now_ms),
            last: c.last_entry(now_ms).cloned(),
            watchers: c.watchers.iter().map(|w| Watcher { id: *w, alias: alias(w) }).collect(),
        }
    }
}
