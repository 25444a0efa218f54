//! `checkin` subcommands: arrangements (who checks in, how often, who watches over them), posting
//! a check-in, and where every arrangement stands.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use carenet::model::{
    CheckIn, CheckInState, CheckInStatus, RecordId, RecordKind, MAX_EVERY_MINUTES, MIN_EVERY_MINUTES,
};
use carenet::vault::{now_ms, CheckInView};
use carenet::{Error, Result, Vault};

use super::records::{add_unique, remove, resolve_kind, show, IdArg, ShowArgs};
use super::Cli;

/// What `checkin list` says about how far it reaches.
pub const REACH: &str = "Missed check-ins are worked out on this device, from its clock and the check-ins that \
have reached it by sync: Carenet sends no message and alerts no one by itself, and a check-in made on a \
device that has not synced with this one does not count here yet.";

/// `checkin` subcommands.
#[derive(Subcommand, Debug)]
pub enum CheckInCmd {
    /// Set up a check-in arrangement; prints its id on the last line.
    Add {
        /// The fields.
        #[command(flatten)]
        fields: CheckInFields,
        /// Put it in this space (id, unique prefix or name), to share it with the watchers.
        #[arg(long, value_name = "SPACE")]
        space: Option<String>,
    },
    /// Every arrangement and where it stands (help asked, missed, no news, safe...).
    List {
        /// Only those that need their watchers now.
        #[arg(long)]
        due: bool,
    },
    /// Check in now (as the person, or as a watcher noting what you heard).
    Now {
        /// The arrangement's id or unique prefix.
        id: String,
        /// safe, needs-help or no-news.
        #[arg(long, default_value = "safe")]
        status: String,
        /// A short message.
        #[arg(long, default_value = "")]
        message: String,
    },
    /// Show one arrangement with its check-ins.
    Show(ShowArgs),
    /// Change an arrangement.
    Edit {
        /// Record id or unique prefix.
        id: String,
        /// The changes.
        #[command(flatten)]
        fields: CheckInFields,
        /// Pause it: nothing is missed while paused.
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        /// Resume a paused arrangement.
        #[arg(long)]
        resume: bool,
        /// No longer alert this contact.
        #[arg(long = "remove-watcher", value_name = "ID")]
        remove_watchers: Vec<String>,
    },
    /// Delete an arrangement.
    Rm(IdArg),
}

/// Arrangement fields.
#[derive(Args, Debug)]
pub struct CheckInFields {
    /// Who checks in (an alias).
    #[arg(long)]
    pub person: Option<String>,
    /// Their contact record (id or unique prefix).
    #[arg(long, value_name = "ID")]
    pub contact: Option<String>,
    /// How often they check in: "30min", "4h", "1day", "1h 30m".
    #[arg(long, value_name = "INTERVAL")]
    pub every: Option<String>,
    /// A contact to alert when a check-in is missed (repeat for several).
    #[arg(long = "watcher", value_name = "ID")]
    pub watchers: Vec<String>,
    /// What the watchers should do (the agreed plan).
    #[arg(long)]
    pub notes: Option<String>,
    /// Tag (repeat for several).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

/// Parses an interval such as "4h" or "30min" into whole minutes within the allowed range.
pub fn parse_every(text: &str) -> Result<u32> {
    let t = text.trim();
    let d: Duration = match t.parse::<u64>() {
        Ok(minutes) => Duration::from_secs(minutes.saturating_mul(60)),
        Err(_) => humantime::parse_duration(t).map_err(|_| {
            Error::invalid(format!(
                "'{}' is not an interval: write it like 30min, 4h or 2days.",
                t.chars().take(40).collect::<String>()
            ))
        })?,
    };
    let minutes = d.as_secs() / 60;
    if !d.as_secs().is_multiple_of(60)
        || minutes < u64::from(MIN_EVERY_MINUTES)
        || minutes > u64::from(MAX_EVERY_MINUTES)
    {
        return Err(Error::invalid(format!(
            "Choose an interval of whole minutes between {MIN_EVERY_MINUTES} minutes and {} days.",
            MAX_EVERY_MINUTES / (24 * 60)
        )));
    }
    Ok(minutes as u32)
}

fn apply(vault: &Vault, c: &mut CheckIn, f: &CheckInFields) -> Result<()> {
    if let Some(p) = &f.person {
        c.person = p.clone();
    }
    if let Some(id) = &f.contact {
        c.contact = Some(resolve_kind(vault, id, RecordKind::Contact)?);
    }
    if let Some(e) = &f.every {
        c.every_minutes = parse_every(e)?;
    }
    for w in &f.watchers {
        let id = resolve_kind(vault, w, RecordKind::Contact)?;
        if !c.watchers.contains(&id) {
            c.watchers.push(id);
        }
    }
    if let Some(n) = &f.notes {
        c.notes = n.clone();
    }
    add_unique(&mut c.tags, &f.tags);
    Ok(())
}

/// Runs a `checkin` subcommand.
pub fn checkin(cli: &Cli, vault: &mut Vault, cmd: &CheckInCmd) -> Result<()> {
    match cmd {
        CheckInCmd::Add { fields, space } => {
            let mut c = CheckIn::default();
            apply(vault, &mut c, fields)?;
            if c.person.trim().is_empty() {
                if let Some(contact) = c.contact {
                    c.person = vault.get::<carenet::Contact>(&contact)?.value.alias;
                }
            }
            let id = super::spaces::add_in(vault, space.as_deref(), &c)?;
            super::print::added(cli.json, "check-in arrangement", &id);
        }
        CheckInCmd::List { due } => {
            let now = now_ms();
            let list = if *due { vault.check_in_alerts(now) } else { vault.check_ins(now) };
            print_list(cli.json, &list, now);
        }
        CheckInCmd::Now { id, status, message } => {
            let id = resolve_kind(vault, id, RecordKind::CheckIn)?;
            let status: CheckInStatus = status.parse()?;
            vault.check_in(&id, status, message)?;
            let person = vault.get::<CheckIn>(&id)?.value.person;
            super::print::done(
                cli.json,
                &format!("Checked in for {person}: {status}. Others see it once their devices sync with this one."),
                &id.to_string(),
                "id",
            );
        }
        CheckInCmd::Show(a) => show(cli, vault, a, RecordKind::CheckIn)?,
        CheckInCmd::Edit { id, fields, pause, resume, remove_watchers } => {
            let id = resolve_kind(vault, id, RecordKind::CheckIn)?;
            let removed: Vec<RecordId> = remove_watchers.iter().map(|w| vault.resolve(w)).collect::<Result<_>>()?;
            let mut draft = vault.draft::<CheckIn>(&id)?;
            let was_active = draft.value.active;
            apply(vault, &mut draft.value, fields)?;
            if *resume && !was_active {
                // The pause ends now: the next check-in is due one interval from now.
                draft.value.resumed_ms = Some(now_ms());
            }
            draft.value.watchers.retain(|w| !removed.contains(w));
            if *pause {
                draft.value.active = false;
            }
            if *resume {
                draft.value.active = true;
            }
            vault.save_draft(draft)?;
            super::print::done(cli.json, "Check-in arrangement saved.", &id.to_string(), "id");
        }
        CheckInCmd::Rm(a) => remove(cli, vault, &a.id, RecordKind::CheckIn)?,
    }
    Ok(())
}

fn state_word(s: CheckInState) -> &'static str {
    match s {
        CheckInState::NeedsHelp => "NEEDS HELP",
        CheckInState::Missed => "MISSED",
        CheckInState::NoNews => "NO NEWS",
        CheckInState::Safe => "safe",
        CheckInState::Waiting => "waiting",
        CheckInState::Paused => "paused",
    }
}

/// How long from `now` to `then`, in words ("in 2 h 5 min", "3 h ago").
fn relative(then: i64, now: i64) -> String {
    let mins = then.saturating_sub(now).unsigned_abs() / 60_000;
    let span = if mins >= 48 * 60 {
        format!("{} days", mins / (24 * 60))
    } else if mins >= 60 {
        format!("{} h {} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    };
    if then >= now {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn print_list(json: bool, list: &[CheckInView], now: i64) {
    if json {
        println!("{}", serde_json::to_string(&json!({ "now_ms": now, "check_ins": list })).unwrap_or_default());
        return;
    }
    if list.is_empty() {
        println!("No check-in arrangements.");
    }
    for v in list {
        let due = match v.state {
            CheckInState::Paused => String::new(),
            CheckInState::Missed => format!("due {}", relative(v.due_ms, now)),
            _ => format!("next {}", relative(v.due_ms, now)),
        };
        let last = v.last.as_ref().map_or_else(
            || "no check-in yet".to_owned(),
            |e| {
                let msg = if e.message.is_empty() { String::new() } else { format!(": {}", e.message) };
                format!("last {} {}{msg}", e.status, relative(e.at_ms, now))
            },
        );
        let watchers: Vec<String> = v
            .watchers
            .iter()
            .map(|w| w.alias.clone().unwrap_or_else(|| format!("contact {}", &w.id.to_string()[..10])))
            .collect();
        let watchers = if watchers.is_empty() { String::new() } else { format!("  watchers: {}", watchers.join(", ")) };
        println!("{}  {:<10}  {}  {due}; {last}{watchers}", &v.id.to_string()[..10], state_word(v.state), v.person);
    }
    eprintln!("carenet: {REACH}");
}

#[cfg(test)]
mod tests {
    use super::parse_every;

    #[test]
    fn intervals_read_as_people_write_them() {
        assert_eq!(parse_every("30min").unwrap(), 30);
        assert_eq!(parse_every("4h").unwrap(), 240);
        assert_eq!(parse_every("1h 30m").unwrap(), 90);
        assert_eq!(parse_every("2days").unwrap(), 2880);
        assert_eq!(parse_every("45").unwrap(), 45, "a bare number is minutes");
        for bad in ["", "soon", "1min", "90s", "40days", "1m 30s"] {
            assert!(parse_every(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
