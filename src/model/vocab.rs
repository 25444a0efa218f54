//! Controlled vocabularies for reprisal records, after the HURIDOCS Events micro-thesauri, trimmed
//! to the reprisals that human rights defenders meet. Each term is a kebab-case word on the wire.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            /// Every term of this vocabulary.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The term's wire word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::Error;
            fn from_str(s: &str) -> crate::error::Result<Self> {
                let t = s.trim().to_ascii_lowercase().replace('_', "-");
                $name::ALL.iter().copied().find(|v| v.as_str() == t).ok_or_else(|| {
                    crate::error::Error::invalid(format!(
                        "'{}' is not a known {}: use one of {}.",
                        s.chars().take(40).collect::<String>(),
                        stringify!($name),
                        $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                })
            }
        }
    };
}

vocabulary! {
    /// What was done (HURIDOCS "Type of act", reprisal-oriented).
    ActType {
        /// Arrest without legal basis or due process.
        ArbitraryArrest = "arbitrary-arrest",
        /// Detention, including incommunicado.
        Detention = "detention",
        /// Enforced disappearance.
        EnforcedDisappearance = "enforced-disappearance",
        /// Torture or ill-treatment.
        TortureIllTreatment = "torture-ill-treatment",
        /// Killing or attempted killing.
        Killing = "killing",
        /// Physical attack.
        PhysicalAttack = "physical-attack",
        /// Threats, including death threats.
        Threat = "threat",
        /// Travel ban or confiscated passport.
        TravelBan = "travel-ban",
        /// Surveillance, physical or digital.
        Surveillance = "surveillance",
        /// Smear or stigmatisation campaign.
        SmearCampaign = "smear-campaign",
        /// Online harassment.
        OnlineHarassment = "online-harassment",
        /// Judicial or administrative harassment.
        LegalHarassment = "legal-harassment",
        /// Freezing of assets or bank accounts.
        AssetFreeze = "asset-freeze",
        /// Raid or search of home or office.
        RaidSearch = "raid-search",
        /// Confiscation of equipment or documents.
        Confiscation = "confiscation",
        /// Deregistration or refusal to register an organisation.
        Deregistration = "deregistration",
        /// Dismissal or other work reprisal.
        Dismissal = "dismissal",
        /// Reprisal against relatives.
        FamilyTargeted = "family-targeted",
        /// Deportation or forced exile.
        Deportation = "deportation",
        /// Anything else (describe it).
        Other = "other",
    }
}

vocabulary! {
    /// Which UN or regional mechanism the victim engaged with.
    Mechanism {
        /// Universal Periodic Review.
        Upr = "upr",
        /// A treaty body (CAT, CEDAW, CCPR...).
        TreatyBody = "treaty-body",
        /// A special procedure (special rapporteur, working group).
        SpecialProcedure = "special-procedure",
        /// The Human Rights Council itself.
        HumanRightsCouncil = "human-rights-council",
        /// OHCHR or a UN field presence.
        Ohchr = "ohchr",
        /// A regional body (African Commission, IACHR, OSCE, Council of Europe...).
        RegionalBody = "regional-body",
        /// Another mechanism.
        Other = "other",
    }
}

vocabulary! {
    /// How the victim engaged with the mechanism.
    EngagementForm {
        /// Written submission or shadow report.
        Submission = "submission",
        /// Testimony or statement at a session.
        Testimony = "testimony",
        /// Attendance at a session.
        SessionAttendance = "session-attendance",
        /// Meeting with a mandate holder or official.
        Meeting = "meeting",
        /// Communication or complaint.
        Communication = "communication",
        /// Cooperation during a country visit.
        CountryVisit = "country-visit",
        /// Other form.
        Other = "other",
    }
}

vocabulary! {
    /// What was done in response.
    InterventionKind {
        /// Urgent appeal.
        UrgentAppeal = "urgent-appeal",
        /// Communication to a special procedure.
        SpecialProcedureCommunication = "special-procedure-communication",
        /// Report to the UN reprisals focal point (Assistant Secretary-General).
        ReprisalsFocalPoint = "reprisals-focal-point",
        /// Letter to authorities.
        LetterToAuthorities = "letter-to-authorities",
        /// Legal support.
        LegalSupport = "legal-support",
        /// Trial or detention monitoring.
        Monitoring = "monitoring",
        /// Relocation or emergency support.
        Relocation = "relocation",
        /// Public statement or campaign.
        PublicStatement = "public-statement",
        /// Other action.
        Other = "other",
    }
}

vocabulary! {
    /// What came of an intervention, as far as the network knows. The indicators count these:
    /// `released`, `restriction-lifted` and `protected` are improvements; `acknowledged` and
    /// `taken-up` are answers; an improvement after an intervention is recorded, not proven to
    /// follow from it.
    InterventionResult {
        /// Sent; no answer yet.
        Pending = "pending",
        /// No answer came.
        NoResponse = "no-response",
        /// The addressee acknowledged it or answered.
        Acknowledged = "acknowledged",
        /// A mechanism took it up: raised it with the state, or made it public (for example in
        /// the Secretary-General's report on reprisals).
        TakenUp = "taken-up",
        /// The person was released, or charges were dropped.
        Released = "released",
        /// A travel ban or another restriction was lifted.
        RestrictionLifted = "restriction-lifted",
        /// The person is safe: protected or relocated.
        Protected = "protected",
        /// The situation got worse.
        Worsened = "worsened",
        /// Something else (say what in the outcome).
        Other = "other",
    }
}

impl InterventionResult {
    /// An improvement for the person: released, a restriction lifted, safe.
    pub fn improved(self) -> bool {
        matches!(
            self,
            InterventionResult::Released | InterventionResult::RestrictionLifted | InterventionResult::Protected
        )
    }

    /// An answer from the addressee, or an improvement.
    pub fn answered(self) -> bool {
        self.improved() || matches!(self, InterventionResult::Acknowledged | InterventionResult::TakenUp)
    }
}

vocabulary! {
    /// Who or what an item of evidence is.
    SourceKind {
        /// The victim's own account.
        Victim = "victim",
        /// A witness.
        Witness = "witness",
        /// A relative or lawyer.
        RelativeOrLawyer = "relative-or-lawyer",
        /// An official document.
        Document = "document",
        /// Photo, video or audio.
        Media = "media",
        /// Press or social media report.
        PressReport = "press-report",
        /// Other source.
        Other = "other",
    }
}

vocabulary! {
    /// Whether the perpetrator is a state actor.
    PerpetratorType {
        /// Police, security services, courts, officials.
        State = "state",
        /// Non-state actors (companies, armed groups, individuals).
        NonState = "non-state",
        /// Not known.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Where the event stands.
    EventStatus {
        /// Still going on (e.g. still detained).
        Ongoing = "ongoing",
        /// Over.
        Ended = "ended",
        /// Not known.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Where the network's follow-up stands.
    FollowUp {
        /// Just recorded.
        Open = "open",
        /// Being verified.
        Verifying = "verifying",
        /// Action under way.
        InProgress = "in-progress",
        /// Waiting for a response.
        AwaitingResponse = "awaiting-response",
        /// Closed.
        Closed = "closed",
    }
}
