//! The records users keep: their typed Rust shapes, validation, and the identifiers and dates they
//! share. Pure data: nothing here touches storage, crypto or automerge.

pub mod attachment;
mod checkin;
mod contact;
mod date;
pub use date::Precision;
mod note;
mod reprisal;
pub mod vocab;

use std::fmt;
use std::str::FromStr;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub use attachment::Attachment;
pub(crate) use checkin::check_message;
pub use checkin::{
    CheckIn, CheckInEntry, CheckInState, CheckInStatus, FUTURE_SLACK_MS, KEEP_ENTRIES, MAX_EVERY_MINUTES, MAX_MESSAGE,
    MIN_EVERY_MINUTES,
};
pub use contact::{Channel, ChannelKind, Contact, RiskLevel};
pub use date::PartialDate;
pub use note::Note;
pub use reprisal::{
    check_country, Act, Consent, ConsentStatus, Engagement, Identification, Intervention, Party, PartyKind,
    Perpetrator, ReprisalRecord, ShareScope, Source,
};

use crate::error::{Error, Result};

/// Longest single-line field (titles, aliases, names), in characters.
pub const MAX_LINE: usize = 500;
/// Longest free-text field (bodies, descriptions), in bytes.
pub const MAX_TEXT: usize = 1_000_000;
/// Most entries in one list field (tags, acts, channels...).
pub const MAX_ITEMS: usize = 1_000;

/// A record's random 128-bit identifier, shown as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub [u8; 16]);

impl RecordId {
    /// A new random id.
    pub fn random() -> Self {
        RecordId(crate::crypto::random_bytes())
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

impl FromStr for RecordId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let mut b = [0u8; 16];
        hex::decode_to_slice(s.trim(), &mut b).map_err(|_| {
            Error::invalid(format!("'{}' is not a record id (32 hex digits).", s.chars().take(40).collect::<String>()))
        })?;
        Ok(RecordId(b))
    }
}

impl Serialize for SpaceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A space's random 128-bit identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SpaceId(pub [u8; 16]);

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The kinds of record a vault holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A free-form note.
    Note,
    /// A person in the network.
    Contact,
    /// A documented reprisal (HURIDOCS event).
    Reprisal,
    /// A check-in arrangement (who checks in, how often, who watches over them).
    #[serde(rename = "checkin")]
    CheckIn,
}

impl RecordKind {
    /// All kinds, in display order.
    pub const ALL: [RecordKind; 4] = [RecordKind::Note, RecordKind::Contact, RecordKind::Reprisal, RecordKind::CheckIn];

    /// The lowercase name used in the CLI, exports and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Note => "note",
            RecordKind::Contact => "contact",
            RecordKind::Reprisal => "reprisal",
            RecordKind::CheckIn => "checkin",
        }
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            RecordKind::Note => 1,
            RecordKind::Contact => 2,
            RecordKind::Reprisal => 3,
            RecordKind::CheckIn => 4,
        }
    }

    pub(crate) fn from_tag(t: u8) -> Option<Self> {
        Some(match t {
            1 => RecordKind::Note,
            2 => RecordKind::Contact,
            3 => RecordKind::Reprisal,
            4 => RecordKind::CheckIn,
            _ => return None,
        })
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "note" | "notes" => Ok(RecordKind::Note),
            "contact" | "contacts" => Ok(RecordKind::Contact),
            "reprisal" | "reprisals" => Ok(RecordKind::Reprisal),
            "checkin" | "checkins" | "check-in" | "check-ins" => Ok(RecordKind::CheckIn),
            _ => Err(Error::invalid(format!("Unknown record type '{s}': use note, contact, reprisal or checkin."))),
        }
    }
}

/// A typed record that lives in its own automerge document.
pub trait RecordType: Serialize + DeserializeOwned + Clone + fmt::Debug {
    /// Which kind this type is.
    const KIND: RecordKind;
    /// Checks lengths, vocabularies and required fields; nothing is stored unless this passes.
    fn validate(&self) -> Result<()>;
    /// The line that names the record in lists and search results.
    fn title(&self) -> &str;
    /// Tags used by the tag filter.
    fn tags(&self) -> &[String];
    /// The date the record is about, if it has one (for date filters).
    fn date(&self) -> Option<PartialDate> {
        None
    }
    /// Every searchable piece of text, for the in-memory index.
    fn search_text(&self, out: &mut String);
    /// The contact inside, for the checks of contact-tree links.
    fn as_contact(&self) -> Option<&Contact> {
        None
    }
    /// The check-in arrangement inside, for the checks of its links.
    fn as_check_in(&self) -> Option<&CheckIn> {
        None
    }
    /// The files kept with the record (notes and reprisal records have them).
    fn attachments(&self) -> &[Attachment] {
        &[]
    }
    /// The ids of files removed from the record (a set that only grows).
    fn removed_attachments(&self) -> &[String] {
        &[]
    }
    /// Both lists, for `Vault::attach` and `detach` (their only writers); `None` for kinds without
    /// files.
    fn files_mut(&mut self) -> Option<(&mut Vec<Attachment>, &mut Vec<String>)> {
        None
    }
}

/// Puts `from`'s files (both lists) into `value`: what every editor's save does, since files
/// change only through `Vault::attach` and `detach`.
pub(crate) fn keep_files<T: RecordType>(value: &mut T, from: &T) {
    let (files, removed) = (from.attachments().to_vec(), from.removed_attachments().to_vec());
    if let Some((f, r)) = value.files_mut() {
        *f = files;
        *r = removed;
    }
}

/// Any record, for code that handles all kinds at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// A note.
    Note(Note),
    /// A contact.
    Contact(Contact),
    /// A reprisal record.
    Reprisal(Box<ReprisalRecord>),
    /// A check-in arrangement.
    #[serde(rename = "checkin")]
    CheckIn(CheckIn),
}

impl Record {
    /// The record's kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Note(_) => RecordKind::Note,
            Record::Contact(_) => RecordKind::Contact,
            Record::Reprisal(_) => RecordKind::Reprisal,
            Record::CheckIn(_) => RecordKind::CheckIn,
        }
    }

    pub(crate) fn from_slice(kind: RecordKind, bytes: &[u8]) -> serde_json::Result<Self> {
        Ok(match kind {
            RecordKind::Note => Record::Note(serde_json::from_slice(bytes)?),
            RecordKind::Contact => Record::Contact(serde_json::from_slice(bytes)?),
            RecordKind::Reprisal => Record::Reprisal(Box::new(serde_json::from_slice(bytes)?)),
            RecordKind::CheckIn => Record::CheckIn(serde_json::from_slice(bytes)?),
        })
    }

    pub(crate) fn from_json(kind: RecordKind, value: serde_json::Value) -> serde_json::Result<Self> {
        Ok(match kind {
            RecordKind::Note => Record::Note(serde_json::from_value(value)?),
            RecordKind::Contact => Record::Contact(serde_json::from_value(value)?),
            RecordKind::Reprisal => Record::Reprisal(Box::new(serde_json::from_value(value)?)),
            RecordKind::CheckIn => Record::CheckIn(serde_json::from_value(value)?),
        })
    }

    /// What this build shows of a document's fields for `kind`: read as the record type and
    /// written back as stored (`document::normalized`); `None` when it cannot be read. Fields a
    /// newer build wrote are not in it (see `RecordDoc::reconcile_keeping`).
    pub(crate) fn shown_json(kind: RecordKind, value: serde_json::Value) -> Option<serde_json::Value> {
        fn typed<T: Serialize + DeserializeOwned>(value: serde_json::Value) -> Option<serde_json::Value> {
            let t: T = serde_json::from_value(value).ok()?;
            serde_json::to_value(t).ok().map(|j| crate::document::normalized(&j))
        }
        match kind {
            RecordKind::Note => typed::<Note>(value),
            RecordKind::Contact => typed::<Contact>(value),
            RecordKind::Reprisal => typed::<ReprisalRecord>(value),
            RecordKind::CheckIn => typed::<CheckIn>(value),
        }
    }

    /// The files kept with the record (none for kinds without files).
    pub fn attachments(&self) -> &[Attachment] {
        match self {
            Record::Note(n) => &n.attachments,
            Record::Reprisal(r) => &r.attachments,
            Record::Contact(_) | Record::CheckIn(_) => &[],
        }
    }

    /// The ids of the files removed from the record.
    pub fn removed_attachments(&self) -> &[String] {
        match self {
            Record::Note(n) => &n.removed_attachments,
            Record::Reprisal(r) => &r.removed_attachments,
            Record::Contact(_) | Record::CheckIn(_) => &[],
        }
    }

    /// Applies `f` to the typed record inside, whatever its kind.
    pub fn with<R>(&self, f: impl FnOnce(&dyn RecordView) -> R) -> R {
        match self {
            Record::Note(n) => f(n),
            Record::Contact(c) => f(c),
            Record::Reprisal(r) => f(r.as_ref()),
            Record::CheckIn(c) => f(c),
        }
    }
}

/// The object-safe part of `RecordType`, for handling mixed kinds.
pub trait RecordView {
    /// See `RecordType::title`.
    fn view_title(&self) -> &str;
    /// See `RecordType::tags`.
    fn view_tags(&self) -> &[String];
    /// See `RecordType::date`.
    fn view_date(&self) -> Option<PartialDate>;
    /// See `RecordType::search_text`.
    fn view_search_text(&self, out: &mut String);
    /// See `RecordType::validate`.
    fn view_validate(&self) -> Result<()>;
    /// See `RecordType::as_contact`.
    fn view_contact(&self) -> Option<&Contact>;
    /// See `RecordType::as_check_in`.
    fn view_check_in(&self) -> Option<&CheckIn>;
}

impl<T: RecordType> RecordView for T {
    fn view_title(&self) -> &str {
        self.title()
    }
    fn view_tags(&self) -> &[String] {
        self.tags()
    }
    fn view_date(&self) -> Option<PartialDate> {
        self.date()
    }
    fn view_search_text(&self, out: &mut String) {
        self.search_text(out)
    }
    fn view_validate(&self) -> Result<()> {
        self.validate()
    }
    fn view_contact(&self) -> Option<&Contact> {
        self.as_contact()
    }
    fn view_check_in(&self) -> Option<&CheckIn> {
        self.as_check_in()
    }
}

/// A record as stored, with its id and timestamps (milliseconds since the Unix epoch).
#[derive(Clone, Debug, Serialize)]
pub struct Stored<T> {
    /// The record's id.
    pub id: RecordId,
    /// When it was created.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// The record itself.
    #[serde(flatten)]
    pub value: T,
}

/// One line of a record list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// The record's id.
    pub id: RecordId,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: RecordKind,
    /// Its title (note title, contact alias, reprisal title).
    pub title: String,
    /// The date it is about, if any.
    pub date: Option<PartialDate>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Created, ms since the epoch.
    pub created_ms: i64,
    /// Last changed, ms since the epoch.
    pub updated_ms: i64,
}

/// One entry of a record's history: who changed what, and when.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    /// Hex of the device key that made the change.
    pub device: String,
    /// True when this device made it.
    pub this_device: bool,
    /// When, ms since the epoch (as claimed by the author).
    pub time_ms: i64,
    /// The fields the change touched.
    pub fields: Vec<String>,
}

/// Checks a single-line field: length and no control characters.
pub fn check_line(field: &str, value: &str) -> Result<()> {
    if value.chars().count() > MAX_LINE {
        return Err(Error::invalid(format!("The {field} is too long: keep it under {MAX_LINE} characters.")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(format!("The {field} must be a single line without control characters.")));
    }
    Ok(())
}

pub(crate) fn check_text(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_TEXT {
        return Err(Error::invalid(format!("The {field} is too long: keep it under 1 MB.")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Error::invalid(format!("The {field} contains control characters.")));
    }
    Ok(())
}

pub(crate) fn check_list(field: &str, values: &[String]) -> Result<()> {
    if values.len() > MAX_ITEMS {
        return Err(Error::invalid(format!("Too many {field}: at most {MAX_ITEMS}.")));
    }
    for v in values {
        check_line(field, v)?;
        if v.trim().is_empty() {
            return Err(Error::invalid(format!("Empty entries are not allowed in {field}.")));
        }
    }
    Ok(())
}

pub(crate) fn check_count<T>(field: &str, values: &[T]) -> Result<()> {
    if values.len() > MAX_ITEMS {
        return Err(Error::invalid(format!("Too many {field}: at most {MAX_ITEMS}.")));
    }
    Ok(())
}

pub(crate) fn push_search(out: &mut String, s: &str) {
    if !s.is_empty() {
        out.push_str(s);
        out.push('\n');
    }
}

/// A short random id for items inside a record (acts, victims, channels...).
pub fn item_id() -> String {
    hex::encode(crate::crypto::random_bytes::<6>())
}
