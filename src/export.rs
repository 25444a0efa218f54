//! Exports for partners and UN mechanisms: JSON (every field) or CSV (one row per record), written
//! as an age file to a passphrase or to recipients. A readable file is written only when the
//! caller asks for it explicitly.
//!
//! Must never: include a contact's real name unless asked, or leave a partial export behind.

use std::path::Path;

use age::secrecy::SecretString;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keyring::WORK_FACTOR;
use crate::model::{Record, Stored};
use crate::search::Query;
use crate::vault::Vault;

/// File format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// A JSON array of records with every field.
    Json,
    /// CSV, one row per record, the fields partners use most.
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(Error::invalid(format!("Unknown export format '{s}': use json or csv."))),
        }
    }
}

/// How the export file is protected.
pub enum Protection {
    /// age scrypt to a passphrase (work factor 2^18): open with `age -d` or Carenet.
    Passphrase(SecretString),
    /// age to X25519 recipients (`age1...`).
    Recipients(Vec<age::x25519::Recipient>),
    /// No encryption: a readable file. The caller must have warned the user.
    Plaintext,
}

/// What to export.
pub struct ExportOptions {
    /// JSON or CSV.
    pub format: ExportFormat,
    /// Which records (kind, tag, dates, words).
    pub query: Query,
    /// Include contacts' real names.
    pub include_sensitive: bool,
}

fn record_json(r: &Stored<Record>, include_sensitive: bool) -> Value {
    let mut v = serde_json::to_value(&r.value).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        if !include_sensitive {
            o.remove("real_name");
        }
        o.insert("id".into(), json!(r.id.to_string()));
        o.insert("created".into(), json!(iso(r.created_ms)));
        o.insert("updated".into(), json!(iso(r.updated_ms)));
    }
    v
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339()).unwrap_or_default()
}

/// Renders the chosen records in the chosen format (in memory; wiped when dropped).
pub fn render(vault: &Vault, opts: &ExportOptions) -> Result<Zeroizing<Vec<u8>>> {
    render_counted(vault, opts).map(|(bytes, _)| bytes)
}

/// [`render`], with how many records the file holds (a record that cannot be read is left out).
pub fn render_counted(vault: &Vault, opts: &ExportOptions) -> Result<(Zeroizing<Vec<u8>>, usize)> {
    render_selected(vault, opts).map(|(bytes, ids)| (bytes, ids.len()))
}

/// [`render`], with the ids of the records the file holds, in its order.
pub fn render_selected(
    vault: &Vault,
    opts: &ExportOptions,
) -> Result<(Zeroizing<Vec<u8>>, Vec<crate::model::RecordId>)> {
    let ids: Vec<_> = vault.list(&opts.query).into_iter().map(|s| s.id).collect();
    let records: Vec<Stored<Record>> = ids.iter().filter_map(|id| vault.record(id).ok()).collect();
    let bytes = match opts.format {
        ExportFormat::Json => {
            let all: Vec<Value> = records.iter().map(|r| record_json(r, opts.include_sensitive)).collect();
            serde_json::to_vec_pretty(&all).map(Zeroizing::new).map_err(|e| Error::invalid(e.to_string()))?
        }
        ExportFormat::Csv => render_csv(&records, opts.include_sensitive)?,
    };
    Ok((bytes, records.iter().map(|r| r.id).collect()))
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "type",
    "title",
    "date",
    "country",
    "place",
    "acts",
    "victims",
    "perpetrators",
    "mechanisms",
    "consent",
    "follow_up",
    "tags",
    "created",
    "updated",
    "text",
    // Last, so that a sheet read by column position before it was added still lines up.
    "interventions",
];

/// A time as ISO 8601 UTC to the minute ("2026-11-23T10:05Z"), or the raw number if out of range.
fn utc_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// A record's interventions in one cell: "kind (date): result" each, separated by "; " (the
/// addressee and the outcome in words are in the JSON export).
fn interventions_cell(list: &[crate::model::Intervention]) -> String {
    list.iter()
        .map(|i| {
            let mut s = i.kind.as_str().to_owned();
            if let Some(d) = &i.date {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(r) = i.result {
                s.push_str(&format!(": {}", r.as_str()));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A check-in arrangement as text: its interval, notes, then one line per check-in.
fn check_in_text(c: &crate::model::CheckIn) -> String {
    let mut out = format!("every {} minutes{}\n", c.every_minutes, if c.active { "" } else { " (paused)" });
    if !c.notes.is_empty() {
        out.push_str(&c.notes);
        out.push('\n');
    }
    for e in c.entries_by_time() {
        out.push_str(&format!("{} {}", utc_time(e.at_ms), e.status));
        if !e.message.is_empty() {
            out.push_str(": ");
            out.push_str(&e.message);
        }
        out.push('\n');
    }
    out
}

fn render_csv(records: &[Stored<Record>], include_sensitive: bool) -> Result<Zeroizing<Vec<u8>>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::invalid(e.to_string());
    w.write_record(CSV_COLUMNS).map_err(csv_err)?;
    for r in records {
        let (title, date, country, place, acts, victims, perps, mechs, consent, follow, tags, text) = match &r.value {
            Record::Note(n) => (
                n.title.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                n.tags.join("; "),
                n.body.clone(),
            ),
            Record::Contact(c) => {
                let title = match (&c.real_name, include_sensitive) {
                    (Some(real), true) => format!("{} ({real})", c.alias),
                    _ => c.alias.clone(),
                };
                (
                    title,
                    String::new(),
                    String::new(),
                    c.location.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    c.tags.join("; "),
                    c.notes.clone(),
                )
            }
            Record::Reprisal(p) => (
                p.title.clone(),
                p.start.map(|d| d.to_string()).unwrap_or_default(),
                p.country.clone(),
                p.place.clone(),
                p.acts.iter().map(|a| a.act_type.as_str()).collect::<Vec<_>>().join("; "),
                p.victims.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join("; "),
                p.perpetrators.iter().map(|v| v.perpetrator_type.as_str()).collect::<Vec<_>>().join("; "),
                p.engagements.iter().map(|e| e.mechanism.as_str()).collect::<Vec<_>>().join("; "),
                serde_json::to_value(p.consent.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                p.follow_up.as_str().to_owned(),
                p.tags.join("; "),
                p.description.clone(),
            ),
            Record::CheckIn(c) => (
                c.person.clone(),
                c.entries_by_time().last().map(|e| utc_time(e.at_ms)).unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                c.tags.join("; "),
                check_in_text(c),
            ),
        };
        let interventions = match &r.value {
            Record::Reprisal(p) => interventions_cell(&p.interventions),
            _ => String::new(),
        };
        let kind = r.value.kind().as_str().to_owned();
        let row = [
            r.id.to_string(),
            kind,
            title,
            date,
            country,
            place,
            acts,
            victims,
            perps,
            mechs,
            consent,
            follow,
            tags,
            iso(r.created_ms),
            iso(r.updated_ms),
            text,
            interventions,
        ];
        w.write_record(row.iter().map(|cell| defuse_formula(cell).into_owned())).map_err(csv_err)?;
    }
    w.into_inner().map(Zeroizing::new).map_err(|e| Error::invalid(e.to_string()))
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) as
/// a formula: a record synced from someone else could then run code on the partner's computer.
/// Such cells get a leading apostrophe (the OWASP advice for CSV injection).
pub(crate) fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// age recipients as people give them (`age1...`), each checked.
pub fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    list.iter()
        .map(|r| {
            r.trim()
                .parse::<age::x25519::Recipient>()
                .map_err(|_| Error::invalid(format!("'{}' is not an age recipient (age1...).", r.trim())))
        })
        .collect()
}

/// Encrypts (unless `Plaintext`) and writes an export crash-safely; the file appears whole or not
/// at all.
pub fn write(path: &Path, bytes: &[u8], protection: &Protection) -> Result<()> {
    // A bare file name has an empty parent folder, which cannot be synced: name it in full.
    let full = std::path::absolute(path).map_err(|e| Error::io("write", path, e))?;
    let path = full.as_path();
    let out = match protection {
        // Written as it is: no second readable copy in memory.
        Protection::Plaintext => return crate::atomic_file::write_atomic(path, bytes),
        Protection::Passphrase(p) => {
            crate::keyring::check_passphrase_strength(p)?;
            let mut r = age::scrypt::Recipient::new(p.clone());
            r.set_work_factor(WORK_FACTOR);
            age::encrypt(&r, bytes).map_err(|e| Error::Crypto(e.to_string()))?
        }
        Protection::Recipients(rs) => {
            if rs.is_empty() {
                return Err(Error::invalid("Give at least one recipient (age1...)."));
            }
            let enc = age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| Error::Crypto(e.to_string()))?;
            let mut out = Vec::with_capacity(bytes.len() + 512);
            let mut w = enc.wrap_output(&mut out).map_err(|e| Error::Crypto(e.to_string()))?;
            std::io::Write::write_all(&mut w, bytes).map_err(|e| Error::Crypto(e.to_string()))?;
            w.finish().map_err(|e| Error::Crypto(e.to_string()))?;
            out
        }
    };
    crate::atomic_file::write_atomic(path, &out)
}

#[cfg(test)]
mod tests {
    use super::{defuse_formula, interventions_cell};
    use crate::model::vocab::{InterventionKind, InterventionResult};
    use crate::model::Intervention;

    #[test]
    fn a_csv_row_says_what_each_intervention_was_when_and_what_came_of_it() {
        let iv = |kind, date: Option<&str>, result| Intervention {
            id: "i".into(),
            kind,
            date: date.map(|d| d.parse().unwrap()),
            addressee: "secret addressee".into(),
            outcome: "words".into(),
            result,
        };
        let cell = interventions_cell(&[
            iv(InterventionKind::UrgentAppeal, Some("2026-05-03"), Some(InterventionResult::Released)),
            iv(InterventionKind::LetterToAuthorities, None, None),
            iv(InterventionKind::PublicStatement, Some("2026"), Some(InterventionResult::NoResponse)),
        ]);
        assert_eq!(
            cell,
            "urgent-appeal (2026-05-03): released; letter-to-authorities; public-statement (2026): no-response"
        );
        assert_eq!(interventions_cell(&[]), "");
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_defused() {
        assert_eq!(defuse_formula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(defuse_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse_formula("-1+1"), "'-1+1");
        assert_eq!(defuse_formula("Arrest in Minsk"), "Arrest in Minsk");
        assert_eq!(defuse_formula(""), "");
    }
}
