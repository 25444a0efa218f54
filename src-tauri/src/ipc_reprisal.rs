//! The reprisal record's parts as they cross IPC (HURIDOCS-aligned: parties, perpetrators, acts,
//! engagements with UN or regional mechanisms, sources, consent, interventions). Part of the
//! IPC schema in `ipc.rs`, which re-exports them and lists them in the generated bindings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Person or group.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    /// A person.
    #[default]
    Person,
    /// A group.
    Group,
}

/// A victim.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Party {
    /// Item id (acts refer to it).
    pub id: String,
    /// Person or group.
    #[serde(default)]
    pub kind: PartyKind,
    /// Name or alias.
    pub name: String,
    /// The contact this victim is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub contact: Option<String>,
}

/// A perpetrator.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Perpetrator {
    /// Item id.
    pub id: String,
    /// Person or group.
    #[serde(default)]
    pub kind: PartyKind,
    /// Vocabulary `perpetrator_type`.
    pub perpetrator_type: String,
    /// Description.
    pub description: String,
}

/// An act.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Act {
    /// Item id.
    pub id: String,
    /// Vocabulary `act_type`.
    pub act_type: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date: Option<String>,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// Victim item ids.
    #[serde(default)]
    pub victims: Vec<String>,
    /// Consequences.
    #[serde(default)]
    pub consequences: String,
}

/// An engagement with a UN or regional mechanism.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Engagement {
    /// Item id.
    pub id: String,
    /// Vocabulary `mechanism`.
    pub mechanism: String,
    /// Which body.
    #[serde(default)]
    pub body: String,
    /// Vocabulary `engagement_form`.
    pub form: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date: Option<String>,
}

/// A source.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Source {
    /// Item id.
    pub id: String,
    /// Vocabulary `source_kind`.
    pub kind: String,
    /// Description.
    pub description: String,
    /// SHA-256 of an evidence file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sha256: Option<String>,
    /// When captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub captured: Option<String>,
}

/// Whether consent was given.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentStatus {
    /// Not asked.
    #[default]
    NotAsked,
    /// Given.
    Given,
    /// Refused.
    Refused,
}

/// With whom a record may be shared.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ShareScope {
    /// The network's spaces.
    Network,
    /// Partner NGOs.
    PartnerNgo,
    /// UN mechanisms.
    UnMechanism,
    /// Regional bodies.
    RegionalBody,
    /// Public.
    Public,
}

/// How the victim may be identified.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Identification {
    /// Anonymous.
    #[default]
    Anonymous,
    /// Initials only.
    InitialsOnly,
    /// Named.
    Named,
}

/// Informed consent.
#[derive(Clone, Debug, Serialize, Deserialize, TS, Default)]
#[serde(default)]
pub struct Consent {
    /// Status.
    pub status: ConsentStatus,
    /// Sharing scopes.
    pub share_with: Vec<ShareScope>,
    /// Identification.
    pub identification: Identification,
    /// When recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date: Option<String>,
}

/// An intervention.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct Intervention {
    /// Item id.
    pub id: String,
    /// Vocabulary `intervention_kind`.
    pub kind: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date: Option<String>,
    /// Addressee.
    #[serde(default)]
    pub addressee: String,
    /// Outcome, in words.
    #[serde(default)]
    pub outcome: String,
    /// Vocabulary `intervention_result` (none: not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub result: Option<String>,
}

/// A reprisal record.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Reprisal {
    /// Title.
    pub title: String,
    /// Start date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub start: Option<String>,
    /// End date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub end: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Place.
    pub place: String,
    /// Description.
    pub description: String,
    /// Vocabulary `event_status`.
    pub status: String,
    /// Acts.
    pub acts: Vec<Act>,
    /// Victims.
    pub victims: Vec<Party>,
    /// Perpetrators.
    pub perpetrators: Vec<Perpetrator>,
    /// Engagements.
    pub engagements: Vec<Engagement>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Consent.
    pub consent: Consent,
    /// Interventions.
    pub interventions: Vec<Intervention>,
    /// Vocabulary `follow_up`.
    pub follow_up: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Evidence files (changed only by `attach_file` and `remove_file`).
    #[serde(default)]
    pub attachments: Vec<crate::ipc::Attachment>,
    /// Ids of files removed from the record (kept as stored by a save).
    #[serde(default)]
    pub removed_attachments: Vec<String>,
}

impl Default for Reprisal {
    /// The core's defaults (checked by `empty_reprisal_form_means_the_core_default`). Written out:
    /// serde's container `default` calls this while deserializing, so it must not deserialize.
    fn default() -> Self {
        Reprisal {
            title: String::new(),
            start: None,
            end: None,
            country: String::new(),
            place: String::new(),
            description: String::new(),
            status: "unknown".into(),
            acts: vec![],
            victims: vec![],
            perpetrators: vec![],
            engagements: vec![],
            sources: vec![],
            consent: Consent::default(),
            interventions: vec![],
            follow_up: "open".into(),
            tags: vec![],
            attachments: vec![],
            removed_attachments: vec![],
        }
    }
}
