//! A reprisal record, aligned with the HURIDOCS Events standard: who did what to whom, when and
//! where, the link to UN or regional engagement, sources, consent, interventions and follow-up.

use serde::{Deserialize, Serialize};

use super::attachment::Attachment;
use super::vocab::{
    ActType, EngagementForm, EventStatus, FollowUp, InterventionKind, InterventionResult, Mechanism, PerpetratorType,
    SourceKind,
};
use super::{
    check_count, check_line, check_list, check_text, push_search, PartialDate, RecordId, RecordKind, RecordType,
};
use crate::error::{Error, Result};

/// A person or a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    /// One person.
    #[default]
    Person,
    /// A group or organisation.
    Group,
}

/// A victim of the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// Item id, referenced by acts.
    pub id: String,
    /// Person or group.
    #[serde(default)]
    pub kind: PartyKind,
    /// Name or alias as recorded.
    pub name: String,
    /// The contact this victim is, if they are in the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<RecordId>,
}

/// Who did it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Perpetrator {
    /// Item id.
    pub id: String,
    /// Person or group.
    #[serde(default)]
    pub kind: PartyKind,
    /// State or non-state.
    pub perpetrator_type: PerpetratorType,
    /// Description (unit, office, name if known).
    pub description: String,
}

/// One act within the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Act {
    /// Item id.
    pub id: String,
    /// What was done.
    pub act_type: ActType,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// Where (coarse).
    #[serde(default)]
    pub place: String,
    /// Ids of the victims (from `victims`) this act targeted.
    #[serde(default)]
    pub victims: Vec<String>,
    /// Consequences for the victims.
    #[serde(default)]
    pub consequences: String,
}

/// The victim's engagement with a UN or regional mechanism that the reprisal answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    /// Item id.
    pub id: String,
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// Which body precisely (e.g. "CEDAW", "SR on human rights defenders").
    #[serde(default)]
    pub body: String,
    /// In what form.
    pub form: EngagementForm,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
}

/// A source or item of evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Item id.
    pub id: String,
    /// What kind of source.
    pub kind: SourceKind,
    /// Description (never a real name unless consent allows).
    pub description: String,
    /// SHA-256 of an evidence file, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When the evidence was captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured: Option<PartialDate>,
}

/// Whether informed consent was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentStatus {
    /// Not asked yet: nothing may be shared.
    #[default]
    NotAsked,
    /// Given.
    Given,
    /// Refused: nothing may be shared.
    Refused,
}

/// With whom the record may be shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShareScope {
    /// Within the network's spaces.
    Network,
    /// Partner NGOs.
    PartnerNgo,
    /// UN mechanisms (including the reprisals focal point).
    UnMechanism,
    /// Regional bodies.
    RegionalBody,
    /// Public reporting.
    Public,
}

/// How the victim may be identified when the record is shared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Identification {
    /// No identifying details at all.
    #[default]
    Anonymous,
    /// Initials only.
    InitialsOnly,
    /// Full name.
    Named,
}

/// Informed consent, as explicit choices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Consent {
    /// Was consent given.
    pub status: ConsentStatus,
    /// With whom the record may be shared.
    pub share_with: Vec<ShareScope>,
    /// How the victim may be named.
    pub identification: Identification,
    /// When consent was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
}

/// Something the network did in response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// Item id.
    pub id: String,
    /// What kind of action.
    pub kind: InterventionKind,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// Addressed to whom (mandate, authority).
    #[serde(default)]
    pub addressee: String,
    /// What came of it, in words.
    #[serde(default)]
    pub outcome: String,
    /// What came of it, as the indicators count it (none: not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<InterventionResult>,
}

/// A documented reprisal: the event and everything attached to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReprisalRecord {
    /// Event title.
    pub title: String,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<PartialDate>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<PartialDate>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Coarse place.
    pub place: String,
    /// What happened.
    pub description: String,
    /// Is it still going on.
    pub status: EventStatus,
    /// The acts.
    pub acts: Vec<Act>,
    /// The victims.
    pub victims: Vec<Party>,
    /// The perpetrators.
    pub perpetrators: Vec<Perpetrator>,
    /// Links to UN or regional engagement.
    pub engagements: Vec<Engagement>,
    /// Sources and evidence.
    pub sources: Vec<Source>,
    /// Informed consent.
    pub consent: Consent,
    /// What was done in response.
    pub interventions: Vec<Intervention>,
    /// Where follow-up stands.
    pub follow_up: FollowUp,
    /// Tags.
    pub tags: Vec<String>,
    /// Evidence files (changed only by `Vault::attach` and `Vault::detach`; always written, see
    /// `Note::attachments`).
    pub attachments: Vec<Attachment>,
    /// Ids of files removed from the record (see `Note::removed_attachments`).
    pub removed_attachments: Vec<String>,
}

impl Default for ReprisalRecord {
    fn default() -> Self {
        ReprisalRecord {
            title: String::new(),
            start: None,
            end: None,
            country: String::new(),
            place: String::new(),
            description: String::new(),
            status: EventStatus::Unknown,
            acts: Vec::new(),
            victims: Vec::new(),
            perpetrators: Vec::new(),
            engagements: Vec::new(),
            sources: Vec::new(),
            consent: Consent::default(),
            interventions: Vec::new(),
            follow_up: FollowUp::Open,
            tags: Vec::new(),
            attachments: Vec::new(),
            removed_attachments: Vec::new(),
        }
    }
}

/// Checks an ISO 3166-1 alpha-2 code's shape (two ASCII capitals).
pub fn check_country(code: &str) -> Result<()> {
    if code.is_empty() || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "'{}' is not a country code: use the two capital letters of ISO 3166-1 (for example BY, EG, NI).",
            code.chars().take(20).collect::<String>()
        )))
    }
}

impl RecordType for ReprisalRecord {
    const KIND: RecordKind = RecordKind::Reprisal;

    fn validate(&self) -> Result<()> {
        if self.title.trim().is_empty() {
            return Err(Error::invalid("A reprisal record needs a title."));
        }
        check_line("title", &self.title)?;
        check_country(&self.country)?;
        check_line("place", &self.place)?;
        check_text("description", &self.description)?;
        if let (Some(s), Some(e)) = (&self.start, &self.end) {
            if e.range().1 < s.range().0 {
                return Err(Error::invalid("The event ends before it starts: check the dates."));
            }
        }
        check_count("acts", &self.acts)?;
        check_count("victims", &self.victims)?;
        check_count("perpetrators", &self.perpetrators)?;
        check_count("engagements", &self.engagements)?;
        check_count("sources", &self.sources)?;
        check_count("interventions", &self.interventions)?;
        for a in &self.acts {
            check_line("act place", &a.place)?;
            check_text("consequences", &a.consequences)?;
            for v in &a.victims {
                if !self.victims.iter().any(|p| &p.id == v) {
                    return Err(Error::invalid("An act names a victim who is not in the victims list."));
                }
            }
        }
        for p in &self.victims {
            check_line("victim name", &p.name)?;
        }
        for p in &self.perpetrators {
            check_line("perpetrator", &p.description)?;
        }
        for e in &self.engagements {
            check_line("mechanism body", &e.body)?;
        }
        for s in &self.sources {
            check_text("source", &s.description)?;
            if let Some(h) = &s.sha256 {
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Error::invalid("A source's SHA-256 must be 64 hex digits."));
                }
            }
        }
        for i in &self.interventions {
            check_line("addressee", &i.addressee)?;
            check_text("outcome", &i.outcome)?;
        }
        if self.consent.status != ConsentStatus::Given && !self.consent.share_with.is_empty() {
            return Err(Error::invalid("Sharing choices need consent to be marked as given first."));
        }
        check_list("tags", &self.tags)
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    fn removed_attachments(&self) -> &[String] {
        &self.removed_attachments
    }

    fn files_mut(&mut self) -> Option<(&mut Vec<Attachment>, &mut Vec<String>)> {
        Some((&mut self.attachments, &mut self.removed_attachments))
    }

    fn tags(&self) -> &[String] {
        &self.tags
    }

    fn date(&self) -> Option<PartialDate> {
        self.start.or_else(|| self.acts.iter().find_map(|a| a.date))
    }

    fn search_text(&self, out: &mut String) {
        push_search(out, &self.title);
        push_search(out, &self.country);
        push_search(out, &self.place);
        push_search(out, &self.description);
        for a in &self.acts {
            push_search(out, a.act_type.as_str());
            push_search(out, &a.place);
            push_search(out, &a.consequences);
        }
        for v in &self.victims {
            push_search(out, &v.name);
        }
        for p in &self.perpetrators {
            push_search(out, &p.description);
        }
        for e in &self.engagements {
            push_search(out, e.mechanism.as_str());
            push_search(out, &e.body);
        }
        for s in &self.sources {
            push_search(out, &s.description);
        }
        for i in &self.interventions {
            push_search(out, &i.addressee);
            push_search(out, &i.outcome);
        }
        for t in &self.tags {
            push_search(out, t);
        }
        for a in &self.attachments {
            push_search(out, &a.name);
        }
    }
}
