//! `note`, `contact` and `reprisal` subcommands: options map one-to-one onto record fields.

use clap::{Args, Subcommand};

use carenet::model::vocab::{
    ActType, EngagementForm, EventStatus, FollowUp, InterventionKind, InterventionResult, Mechanism, PerpetratorType,
    SourceKind,
};
use carenet::model::{
    item_id, Act, Channel, ChannelKind, ConsentStatus, Engagement, Identification, Intervention, PartialDate, Party,
    Perpetrator, RecordId, RecordKind, RiskLevel, ShareScope, Source,
};
use carenet::vault::DeleteScope;
use carenet::{Contact, Error, Note, ReprisalRecord, Result, Vault};

use super::{print, Cli, FilterArgs};

/// Arguments naming one record.
#[derive(Args, Debug)]
pub struct IdArg {
    /// Record id, or a unique prefix of it (at least 4 hex digits).
    pub id: String,
}

/// `show` arguments.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Record id or unique prefix.
    pub id: String,
    /// Also print who changed what, and when.
    #[arg(long)]
    pub history: bool,
    /// Show sensitive fields (a contact's real name).
    #[arg(long)]
    pub reveal: bool,
}

/// `note` subcommands.
#[derive(Subcommand, Debug)]
pub enum NoteCmd {
    /// Add a note; prints its id on the last line.
    Add {
        /// The fields.
        #[command(flatten)]
        fields: NoteFields,
        /// Put the new record in this space (id, unique prefix or name) instead of your personal space.
        #[arg(long, value_name = "SPACE")]
        space: Option<String>,
    },
    /// List notes, newest first.
    List(FilterArgs),
    /// Show one note.
    Show(ShowArgs),
    /// Change a note.
    Edit {
        /// Record id or unique prefix.
        id: String,
        /// The changes.
        #[command(flatten)]
        fields: NoteFields,
        /// Tags to remove.
        #[arg(long = "remove-tag")]
        remove_tags: Vec<String>,
    },
    /// Delete a note for good.
    Rm(IdArg),
}

/// Note fields.
#[derive(Args, Debug)]
pub struct NoteFields {
    /// Title.
    #[arg(long)]
    pub title: Option<String>,
    /// Body text ("-" reads it from standard input).
    #[arg(long)]
    pub body: Option<String>,
    /// Tag (repeat for several).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

/// `contact` subcommands.
#[derive(Subcommand, Debug)]
pub enum ContactCmd {
    /// Add a contact; prints its id on the last line.
    Add {
        /// The fields.
        #[command(flatten)]
        fields: ContactFields,
        /// Put the new record in this space (id, unique prefix or name) instead of your personal space.
        #[arg(long, value_name = "SPACE")]
        space: Option<String>,
    },
    /// List contacts.
    List(FilterArgs),
    /// Show one contact.
    Show(ShowArgs),
    /// Change a contact (list options add; --remove-* options remove).
    Edit {
        /// Record id or unique prefix.
        id: String,
        /// The changes.
        #[command(flatten)]
        fields: ContactFields,
        /// Forget the real name.
        #[arg(long)]
        clear_real_name: bool,
        /// Stop alerting this contact.
        #[arg(long = "remove-alerts", value_name = "ID")]
        remove_alerts: Vec<String>,
        /// This contact no longer checks on them.
        #[arg(long = "remove-checked-by", value_name = "ID")]
        remove_checked_by: Vec<String>,
        /// Tags to remove.
        #[arg(long = "remove-tag")]
        remove_tags: Vec<String>,
    },
    /// Delete a contact (and the links to it).
    Rm(IdArg),
    /// Show the alert tree (who alerts whom) from a contact, or every tree.
    Tree {
        /// Root contact (default: every contact nobody alerts).
        root: Option<String>,
    },
}

/// Contact fields.
#[derive(Args, Debug)]
pub struct ContactFields {
    /// Alias (a pseudonym is the safe default).
    #[arg(long)]
    pub alias: Option<String>,
    /// Real name (sensitive: hidden in lists and exports).
    #[arg(long)]
    pub real_name: Option<String>,
    /// Channel as KIND:VALUE, e.g. signal:+15550100 (kinds: signal, phone, email, matrix, telegram, whatsapp, in-person, other).
    #[arg(long = "channel", value_name = "KIND:VALUE")]
    pub channels: Vec<String>,
    /// Language spoken.
    #[arg(long = "language")]
    pub languages: Vec<String>,
    /// Coarse location (city or region).
    #[arg(long)]
    pub location: Option<String>,
    /// Organisation.
    #[arg(long)]
    pub organisation: Option<String>,
    /// Skill they offer.
    #[arg(long = "skill")]
    pub skills: Vec<String>,
    /// Need they have.
    #[arg(long = "need")]
    pub needs: Vec<String>,
    /// Risk level: unknown, low, medium, high.
    #[arg(long)]
    pub risk: Option<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// Contact this person alerts (id or prefix; repeat).
    #[arg(long = "alerts", value_name = "ID")]
    pub alerts: Vec<String>,
    /// Contact who checks on this person (id or prefix; repeat).
    #[arg(long = "checked-by", value_name = "ID")]
    pub checked_by: Vec<String>,
    /// Tag.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

/// `reprisal` subcommands.
#[derive(Subcommand, Debug)]
pub enum ReprisalCmd {
    /// Add a reprisal record; prints its id on the last line.
    Add {
        /// The fields.
        #[command(flatten)]
        fields: ReprisalFields,
        /// Put the new record in this space (id, unique prefix or name) instead of your personal space.
        #[arg(long, value_name = "SPACE")]
        space: Option<String>,
    },
    /// List reprisal records.
    List {
        /// Filters.
        #[command(flatten)]
        filter: FilterArgs,
        /// Only this country (ISO code).
        #[arg(long)]
        country: Option<String>,
        /// Only records with an act of this type.
        #[arg(long = "type")]
        act_type: Option<String>,
    },
    /// Show one record.
    Show(ShowArgs),
    /// Change a record (list options add an entry).
    Edit {
        /// Record id or unique prefix.
        id: String,
        /// The changes.
        #[command(flatten)]
        fields: ReprisalFields,
        /// Tags to remove.
        #[arg(long = "remove-tag")]
        remove_tags: Vec<String>,
    },
    /// Delete a record for good.
    Rm(IdArg),
}

/// Reprisal record fields.
#[derive(Args, Debug)]
pub struct ReprisalFields {
    /// Event title.
    #[arg(long)]
    pub title: Option<String>,
    /// Start date: YYYY, YYYY-MM or YYYY-MM-DD (precision is kept).
    #[arg(long = "date")]
    pub start: Option<String>,
    /// End date.
    #[arg(long = "end")]
    pub end: Option<String>,
    /// Country, ISO 3166-1 alpha-2 (e.g. BY).
    #[arg(long)]
    pub country: Option<String>,
    /// Coarse place.
    #[arg(long)]
    pub place: Option<String>,
    /// What happened.
    #[arg(long)]
    pub description: Option<String>,
    /// Event status: ongoing, ended, unknown.
    #[arg(long)]
    pub status: Option<String>,
    /// Act type (repeat; see `carenet vocab`), e.g. arbitrary-arrest.
    #[arg(long = "type", value_name = "ACT")]
    pub act_types: Vec<String>,
    /// Victim name or alias (repeat). Every act targets every victim given here.
    #[arg(long = "victim")]
    pub victims: Vec<String>,
    /// Perpetrator as TYPE:DESCRIPTION, TYPE one of state, non-state, unknown.
    #[arg(long = "perpetrator", value_name = "TYPE:DESCRIPTION")]
    pub perpetrators: Vec<String>,
    /// UN or regional engagement as MECHANISM[:BODY[:FORM[:DATE]]], e.g. treaty-body:CEDAW:submission:2026-02.
    #[arg(long = "engagement", value_name = "MECHANISM[:BODY[:FORM[:DATE]]]")]
    pub engagements: Vec<String>,
    /// Source as KIND:DESCRIPTION (kinds: victim, witness, relative-or-lawyer, document, media, press-report, other).
    #[arg(long = "source", value_name = "KIND:DESCRIPTION")]
    pub sources: Vec<String>,
    /// Consent: given, refused, not-asked.
    #[arg(long)]
    pub consent: Option<String>,
    /// May be shared with (repeat): network, partner-ngo, un-mechanism, regional-body, public.
    #[arg(long = "share-with")]
    pub share_with: Vec<String>,
    /// How the victim may be identified: anonymous, initials-only, named.
    #[arg(long)]
    pub identify: Option<String>,
    /// Intervention as KIND[:ADDRESSEE[:DATE[:RESULT]]], e.g. urgent-appeal:SR on HRDs:2026-05-03:taken-up.
    #[arg(long = "intervention", value_name = "KIND[:ADDRESSEE[:DATE[:RESULT]]]")]
    pub interventions: Vec<String>,
    /// What came of an intervention already in the record, as N:RESULT (N counts from 1 in the
    /// order `reprisal show` lists them; RESULT from `carenet vocab`, or none), e.g. 1:released.
    #[arg(long = "set-result", value_name = "N:RESULT")]
    pub set_results: Vec<String>,
    /// Follow-up: open, verifying, in-progress, awaiting-response, closed.
    #[arg(long)]
    pub follow_up: Option<String>,
    /// Tag.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

fn read_body(b: &str) -> Result<String> {
    if b == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|_| Error::invalid("Could not read the body from standard input (is it UTF-8 text?)."))?;
        Ok(s)
    } else {
        Ok(b.to_owned())
    }
}

pub(super) fn add_unique(list: &mut Vec<String>, items: &[String]) {
    for i in items {
        if !list.contains(i) {
            list.push(i.clone());
        }
    }
}

fn parse_kebab<T: serde::de::DeserializeOwned>(what: &str, s: &str, choices: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase()))
        .map_err(|_| Error::invalid(format!("'{s}' is not a valid {what}: use one of {choices}.")))
}

fn date(s: &Option<String>) -> Result<Option<PartialDate>> {
    s.as_deref().map(str::parse).transpose()
}

fn resolve_all(vault: &Vault, ids: &[String]) -> Result<Vec<RecordId>> {
    ids.iter().map(|i| vault.resolve(i)).collect()
}

pub(super) fn resolve_kind(vault: &Vault, text: &str, kind: RecordKind) -> Result<RecordId> {
    let id = vault.resolve(text)?;
    if let Ok(r) = vault.record(&id) {
        if r.value.kind() != kind {
            return Err(Error::WrongKind { id, expected: kind, actual: r.value.kind() });
        }
    }
    Ok(id)
}

fn apply_note(n: &mut Note, f: &NoteFields) -> Result<()> {
    if let Some(t) = &f.title {
        n.title = t.clone();
    }
    if let Some(b) = &f.body {
        n.body = read_body(b)?;
    }
    add_unique(&mut n.tags, &f.tags);
    Ok(())
}

/// Runs a `note` subcommand.
pub fn note(cli: &Cli, vault: &mut Vault, cmd: &NoteCmd) -> Result<()> {
    match cmd {
        NoteCmd::Add { fields: f, space } => {
            let mut n = Note::default();
            apply_note(&mut n, f)?;
            let id = super::spaces::add_in(vault, space.as_deref(), &n)?;
            print::added(cli.json, "note", &id);
        }
        NoteCmd::List(filter) => print::summaries(cli.json, &vault.list(&filter.query(Some(RecordKind::Note), "")?)),
        NoteCmd::Show(a) => show(cli, vault, a, RecordKind::Note)?,
        NoteCmd::Edit { id, fields, remove_tags } => {
            let id = resolve_kind(vault, id, RecordKind::Note)?;
            let mut draft = vault.draft::<Note>(&id)?;
            apply_note(&mut draft.value, fields)?;
            draft.value.tags.retain(|t| !remove_tags.contains(t));
            vault.save_draft(draft)?;
            print::done(cli.json, "Note saved.", &id.to_string(), "id");
        }
        NoteCmd::Rm(a) => remove(cli, vault, &a.id, RecordKind::Note)?,
    }
    Ok(())
}

fn apply_contact(vault: &Vault, c: &mut Contact, f: &ContactFields) -> Result<()> {
    if let Some(v) = &f.alias {
        c.alias = v.clone();
    }
    if let Some(v) = &f.real_name {
        c.real_name = Some(v.clone());
    }
    for ch in &f.channels {
        let (kind, value) = ch
            .split_once(':')
            .ok_or_else(|| Error::invalid(format!("Write the channel as KIND:VALUE, for example signal:{ch}.")))?;
        let kind: ChannelKind =
            parse_kebab("channel kind", kind, "signal, phone, email, matrix, telegram, whatsapp, in-person, other")?;
        c.channels.push(Channel { id: item_id(), kind, value: value.trim().to_owned() });
    }
    add_unique(&mut c.languages, &f.languages);
    if let Some(v) = &f.location {
        c.location = v.clone();
    }
    if let Some(v) = &f.organisation {
        c.organisation = v.clone();
    }
    add_unique(&mut c.skills, &f.skills);
    add_unique(&mut c.needs, &f.needs);
    if let Some(r) = &f.risk {
        c.risk = parse_kebab::<RiskLevel>("risk level", r, "unknown, low, medium, high")?;
    }
    if let Some(v) = &f.notes {
        c.notes = read_body(v)?;
    }
    for id in resolve_all(vault, &f.alerts)? {
        if !c.alerts.contains(&id) {
            c.alerts.push(id);
        }
    }
    for id in resolve_all(vault, &f.checked_by)? {
        if !c.checked_by.contains(&id) {
            c.checked_by.push(id);
        }
    }
    add_unique(&mut c.tags, &f.tags);
    Ok(())
}

/// Runs a `contact` subcommand.
pub fn contact(cli: &Cli, vault: &mut Vault, cmd: &ContactCmd) -> Result<()> {
    match cmd {
        ContactCmd::Add { fields: f, space } => {
            let mut c = Contact::default();
            apply_contact(vault, &mut c, f)?;
            let id = super::spaces::add_in(vault, space.as_deref(), &c)?;
            print::added(cli.json, "contact", &id);
        }
        ContactCmd::List(filter) => {
            print::summaries(cli.json, &vault.list(&filter.query(Some(RecordKind::Contact), "")?))
        }
        ContactCmd::Show(a) => show(cli, vault, a, RecordKind::Contact)?,
        ContactCmd::Edit { id, fields, clear_real_name, remove_alerts, remove_checked_by, remove_tags } => {
            let id = resolve_kind(vault, id, RecordKind::Contact)?;
            let drop_alerts = resolve_all(vault, remove_alerts)?;
            let drop_checkers = resolve_all(vault, remove_checked_by)?;
            let mut draft = vault.draft::<Contact>(&id)?;
            apply_contact(vault, &mut draft.value, fields)?;
            if *clear_real_name {
                draft.value.real_name = None;
            }
            draft.value.alerts.retain(|a| !drop_alerts.contains(a));
            draft.value.checked_by.retain(|a| !drop_checkers.contains(a));
            draft.value.tags.retain(|t| !remove_tags.contains(t));
            vault.save_draft(draft)?;
            print::done(cli.json, "Contact saved.", &id.to_string(), "id");
        }
        ContactCmd::Rm(a) => remove(cli, vault, &a.id, RecordKind::Contact)?,
        ContactCmd::Tree { root } => {
            let roots = match root {
                Some(r) => vec![resolve_kind(vault, r, RecordKind::Contact)?],
                None => vault.tree_roots(),
            };
            let trees = roots.iter().map(|r| vault.contact_tree(r)).collect::<Result<Vec<_>>>()?;
            print::trees(cli.json, &trees);
        }
    }
    Ok(())
}

fn apply_reprisal(r: &mut ReprisalRecord, f: &ReprisalFields) -> Result<()> {
    if let Some(v) = &f.title {
        r.title = v.clone();
    }
    if f.start.is_some() {
        r.start = date(&f.start)?;
    }
    if f.end.is_some() {
        r.end = date(&f.end)?;
    }
    if let Some(v) = &f.country {
        r.country = v.trim().to_owned();
    }
    if let Some(v) = &f.place {
        r.place = v.clone();
    }
    if let Some(v) = &f.description {
        r.description = read_body(v)?;
    }
    if let Some(v) = &f.status {
        r.status = v.parse::<EventStatus>()?;
    }
    let new_victims: Vec<String> = f
        .victims
        .iter()
        .map(|name| {
            let id = item_id();
            r.victims.push(Party { id: id.clone(), kind: Default::default(), name: name.clone(), contact: None });
            id
        })
        .collect();
    for t in &f.act_types {
        let act_type: ActType = t.parse()?;
        r.acts.push(Act {
            id: item_id(),
            act_type,
            date: r.start,
            place: r.place.clone(),
            victims: if new_victims.is_empty() {
                r.victims.iter().map(|v| v.id.clone()).collect()
            } else {
                new_victims.clone()
            },
            consequences: String::new(),
        });
    }
    for p in &f.perpetrators {
        let (t, d) = p.split_once(':').unwrap_or((p.as_str(), ""));
        r.perpetrators.push(Perpetrator {
            id: item_id(),
            kind: Default::default(),
            perpetrator_type: t.parse::<PerpetratorType>()?,
            description: d.trim().to_owned(),
        });
    }
    for e in &f.engagements {
        let mut parts = e.splitn(4, ':');
        let mechanism: Mechanism = parts.next().unwrap_or_default().parse()?;
        let body = parts.next().unwrap_or_default().trim().to_owned();
        let form = match parts.next().filter(|s| !s.trim().is_empty()) {
            Some(s) => s.parse::<EngagementForm>()?,
            None => EngagementForm::Other,
        };
        let date = parts.next().filter(|s| !s.trim().is_empty()).map(str::parse).transpose()?;
        r.engagements.push(Engagement { id: item_id(), mechanism, body, form, date });
    }
    for s in &f.sources {
        let (k, d) = s.split_once(':').unwrap_or((s.as_str(), ""));
        r.sources.push(Source {
            id: item_id(),
            kind: k.parse::<SourceKind>()?,
            description: d.trim().to_owned(),
            sha256: None,
            captured: None,
        });
    }
    if let Some(c) = &f.consent {
        r.consent.status = parse_kebab::<ConsentStatus>("consent", c, "given, refused, not-asked")?;
    }
    for s in &f.share_with {
        let scope: ShareScope =
            parse_kebab("sharing choice", s, "network, partner-ngo, un-mechanism, regional-body, public")?;
        if !r.consent.share_with.contains(&scope) {
            r.consent.share_with.push(scope);
        }
    }
    if let Some(i) = &f.identify {
        r.consent.identification =
            parse_kebab::<Identification>("identification", i, "anonymous, initials-only, named")?;
    }
    for i in &f.interventions {
        let mut parts = i.splitn(4, ':');
        let kind: InterventionKind = parts.next().unwrap_or_default().parse()?;
        let addressee = parts.next().unwrap_or_default().trim().to_owned();
        let date = parts.next().filter(|s| !s.trim().is_empty()).map(str::parse).transpose()?;
        let result = parts.next().filter(|s| !s.trim().is_empty()).map(str::parse::<InterventionResult>).transpose()?;
        r.interventions.push(Intervention { id: item_id(), kind, date, addressee, outcome: String::new(), result });
    }
    for s in &f.set_results {
        let (n, word) = s.split_once(':').unwrap_or((s, ""));
        let count = r.interventions.len();
        let slot = n.trim().parse::<usize>().ok().filter(|n| (1..=count).contains(n)).ok_or_else(|| {
            Error::invalid(format!(
                "'{}' names no intervention of this record (it has {count}): give N:RESULT, N from 1 in the order `carenet reprisal show` lists them.",
                s.chars().take(40).collect::<String>()
            ))
        })?;
        r.interventions[slot - 1].result = match word.trim() {
            "none" => None,
            w => Some(w.parse::<InterventionResult>()?),
        };
    }
    if let Some(v) = &f.follow_up {
        r.follow_up = v.parse::<FollowUp>()?;
    }
    add_unique(&mut r.tags, &f.tags);
    Ok(())
}

/// Runs a `reprisal` subcommand.
pub fn reprisal(cli: &Cli, vault: &mut Vault, cmd: &ReprisalCmd) -> Result<()> {
    match cmd {
        ReprisalCmd::Add { fields: f, space } => {
            let mut r = ReprisalRecord::default();
            apply_reprisal(&mut r, f)?;
            let id = super::spaces::add_in(vault, space.as_deref(), &r)?;
            print::added(cli.json, "reprisal record", &id);
        }
        ReprisalCmd::List { filter, country, act_type } => {
            let act: Option<ActType> = act_type.as_deref().map(str::parse).transpose()?;
            let country = country.as_deref().map(|c| c.trim().to_ascii_uppercase());
            let mut out = vault.list(&filter.query(Some(RecordKind::Reprisal), "")?);
            if act.is_some() || country.is_some() {
                out.retain(|s| match vault.get::<ReprisalRecord>(&s.id) {
                    Ok(r) => {
                        country.as_ref().is_none_or(|c| r.value.country == *c)
                            && act.is_none_or(|a| r.value.acts.iter().any(|x| x.act_type == a))
                    }
                    Err(_) => false,
                });
            }
            print::summaries(cli.json, &out);
        }
        ReprisalCmd::Show(a) => show(cli, vault, a, RecordKind::Reprisal)?,
        ReprisalCmd::Edit { id, fields, remove_tags } => {
            let id = resolve_kind(vault, id, RecordKind::Reprisal)?;
            let mut draft = vault.draft::<ReprisalRecord>(&id)?;
            apply_reprisal(&mut draft.value, fields)?;
            draft.value.tags.retain(|t| !remove_tags.contains(t));
            vault.save_draft(draft)?;
            print::done(cli.json, "Reprisal record saved.", &id.to_string(), "id");
        }
        ReprisalCmd::Rm(a) => remove(cli, vault, &a.id, RecordKind::Reprisal)?,
    }
    Ok(())
}

pub(super) fn show(cli: &Cli, vault: &mut Vault, a: &ShowArgs, kind: RecordKind) -> Result<()> {
    let id = resolve_kind(vault, &a.id, kind)?;
    let record = vault.record(&id)?;
    let history = if a.history { Some(vault.history(&id)?) } else { None };
    print::record(cli.json, &record, history.as_deref(), a.reveal);
    Ok(())
}

pub(super) fn remove(cli: &Cli, vault: &mut Vault, text: &str, kind: RecordKind) -> Result<()> {
    let id = resolve_kind(vault, text, kind)?;
    let shared = vault.space_of(&id).is_some();
    let scope = vault.delete_scope(&id);
    vault.delete(&id)?;
    print::done(cli.json, &format!("Deleted {kind} {id}."), &id.to_string(), "deleted");
    match scope {
        // What a tombstone does and does not do (ARCHITECTURE.md, "Deleting a record of a
        // shared space"): say it where the user deletes.
        DeleteScope::Space(_) => eprintln!(
            "carenet: it was shared in a space, so it is deleted for the space: each member's \
             device deletes its copy when it next syncs with this one (or with a device that has \
             synced since), and refuses later edits of it. A delete cannot reach a copy already \
             read, exported or copied, nor a device that never syncs again (lost, seized or \
             removed from the space); couriers keep the encrypted copy they carry. This device \
             and the members keep a small encrypted note of the delete (the record's id, who \
             deleted it and when)."
        ),
        DeleteScope::ThisDevice if shared => eprintln!(
            "carenet: it was shared in a space this device may no longer write to, so it is \
             deleted on this device only: the other members keep their copies, and a sync may \
             bring it back here."
        ),
        DeleteScope::ThisDevice => {}
    }
    Ok(())
}
