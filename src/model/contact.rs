//! A person in the network, and the edges of the contact tree (who alerts whom, who checks on whom).

use serde::{Deserialize, Serialize};

use super::{check_count, check_line, check_list, check_text, push_search, RecordId, RecordKind, RecordType};
use crate::error::{Error, Result};

/// How exposed a person is, as the network judges it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    /// Not assessed.
    #[default]
    Unknown,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
}

/// A way to reach someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// Signal messenger.
    Signal,
    /// Phone call or SMS.
    Phone,
    /// Email.
    Email,
    /// Matrix.
    Matrix,
    /// Telegram.
    Telegram,
    /// WhatsApp.
    Whatsapp,
    /// In person, at an agreed place.
    InPerson,
    /// Anything else.
    Other,
}

/// One contact channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Stable item id (lets concurrent edits of a list merge).
    pub id: String,
    /// Which channel.
    pub kind: ChannelKind,
    /// Number, handle or address.
    pub value: String,
}

/// A person in the network. The alias is what everyone sees; the real name is optional and
/// marked sensitive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Pseudonym used everywhere by default.
    pub alias: String,
    /// Legal name: sensitive, optional, never shown in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_name: Option<String>,
    /// Ways to reach them.
    pub channels: Vec<Channel>,
    /// Languages they speak.
    pub languages: Vec<String>,
    /// Coarse location (a city or region, never an address).
    pub location: String,
    /// Organisation.
    pub organisation: String,
    /// What they can help with.
    pub skills: Vec<String>,
    /// What they may need.
    pub needs: Vec<String>,
    /// Risk level.
    pub risk: RiskLevel,
    /// Free notes.
    pub notes: String,
    /// Contacts this person alerts when something happens (edges of the alert tree).
    pub alerts: Vec<RecordId>,
    /// Contacts who check on this person.
    pub checked_by: Vec<RecordId>,
    /// Tags for filtering.
    pub tags: Vec<String>,
}

impl RecordType for Contact {
    const KIND: RecordKind = RecordKind::Contact;

    fn validate(&self) -> Result<()> {
        if self.alias.trim().is_empty() {
            return Err(Error::invalid("A contact needs an alias (a pseudonym is fine)."));
        }
        check_line("alias", &self.alias)?;
        if let Some(n) = &self.real_name {
            check_line("real name", n)?;
        }
        check_count("channels", &self.channels)?;
        for c in &self.channels {
            check_line("channel", &c.value)?;
            check_line("channel id", &c.id)?;
        }
        check_list("languages", &self.languages)?;
        check_line("location", &self.location)?;
        check_line("organisation", &self.organisation)?;
        check_list("skills", &self.skills)?;
        check_list("needs", &self.needs)?;
        check_text("notes", &self.notes)?;
        check_count("alert links", &self.alerts)?;
        check_count("check links", &self.checked_by)?;
        check_list("tags", &self.tags)
    }

    fn title(&self) -> &str {
        &self.alias
    }

    fn as_contact(&self) -> Option<&Contact> {
        Some(self)
    }

    fn tags(&self) -> &[String] {
        &self.tags
    }

    fn search_text(&self, out: &mut String) {
        push_search(out, &self.alias);
        if let Some(n) = &self.real_name {
            push_search(out, n);
        }
        for c in &self.channels {
            push_search(out, &c.value);
        }
        for l in self.languages.iter().chain(&self.skills).chain(&self.needs).chain(&self.tags) {
            push_search(out, l);
        }
        push_search(out, &self.location);
        push_search(out, &self.organisation);
        push_search(out, &self.notes);
    }
}
