// Generated from src-tauri/src/ipc.rs by `cargo test -p carenet-desktop bindings`.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test --release -p carenet-desktop bindings` instead.

export type IpcError = { 
/**
 * Stable machine code (`carenet::Error::code`, or one of the shell's own).
 */
code: string, 
/**
 * A sentence the user can act on (English; the UI translates known codes).
 */
message: string, };

export type VaultState = "no-vault" | "locked" | "open-elsewhere" | "unlocked";

export type Kind = "note" | "contact" | "reprisal";

export type Summary = { 
/**
 * Record id (32 hex digits).
 */
id: string, 
/**
 * Kind.
 */
type: Kind, 
/**
 * Title.
 */
title: string, 
/**
 * Date the record is about (YYYY, YYYY-MM or YYYY-MM-DD).
 */
date: string | null, 
/**
 * Tags.
 */
tags: Array<string>, 
/**
 * Created, ms since the epoch.
 */
created_ms: number, 
/**
 * Last changed, ms since the epoch.
 */
updated_ms: number, 
/**
 * Search score (absent in plain lists).
 */
score: number | null, };

export type QueryInput = { 
/**
 * Words that must all appear.
 */
text: string, 
/**
 * Only this kind.
 */
kind: Kind | null, 
/**
 * Only this tag.
 */
tag: string | null, 
/**
 * From this date (YYYY[-MM[-DD]]).
 */
from: string | null, 
/**
 * Up to this date.
 */
to: string | null, 
/**
 * At most this many (0: the shell's cap).
 */
limit: number, };

export type Note = { 
/**
 * Title.
 */
title: string, 
/**
 * Body.
 */
body: string, 
/**
 * Tags.
 */
tags: Array<string>, };

export type RiskLevel = "unknown" | "low" | "medium" | "high";

export type ChannelKind = "signal" | "phone" | "email" | "matrix" | "telegram" | "whatsapp" | "in-person" | "other";

export type Channel = { 
/**
 * Item id.
 */
id: string, 
/**
 * Which channel.
 */
kind: ChannelKind, 
/**
 * Number, handle or address.
 */
value: string, };

export type Contact = { 
/**
 * Pseudonym.
 */
alias: string, 
/**
 * Legal name (sensitive).
 */
real_name?: string, 
/**
 * Channels.
 */
channels: Array<Channel>, 
/**
 * Languages.
 */
languages: Array<string>, 
/**
 * Coarse location.
 */
location: string, 
/**
 * Organisation.
 */
organisation: string, 
/**
 * Skills.
 */
skills: Array<string>, 
/**
 * Needs.
 */
needs: Array<string>, 
/**
 * Risk.
 */
risk: RiskLevel, 
/**
 * Notes.
 */
notes: string, 
/**
 * Ids of the contacts this one alerts.
 */
alerts: Array<string>, 
/**
 * Ids of the contacts who check on this one.
 */
checked_by: Array<string>, 
/**
 * Tags.
 */
tags: Array<string>, };

export type PartyKind = "person" | "group";

export type Party = { 
/**
 * Item id (acts refer to it).
 */
id: string, 
/**
 * Person or group.
 */
kind: PartyKind, 
/**
 * Name or alias.
 */
name: string, 
/**
 * The contact this victim is, if any.
 */
contact?: string, };

export type Perpetrator = { 
/**
 * Item id.
 */
id: string, 
/**
 * Person or group.
 */
kind: PartyKind, 
/**
 * Vocabulary `perpetrator_type`.
 */
perpetrator_type: string, 
/**
 * Description.
 */
description: string, };

export type Act = { 
/**
 * Item id.
 */
id: string, 
/**
 * Vocabulary `act_type`.
 */
act_type: string, 
/**
 * When.
 */
date?: string, 
/**
 * Where.
 */
place: string, 
/**
 * Victim item ids.
 */
victims: Array<string>, 
/**
 * Consequences.
 */
consequences: string, };

export type Engagement = { 
/**
 * Item id.
 */
id: string, 
/**
 * Vocabulary `mechanism`.
 */
mechanism: string, 
/**
 * Which body.
 */
body: string, 
/**
 * Vocabulary `engagement_form`.
 */
form: string, 
/**
 * When.
 */
date?: string, };

export type Source = { 
/**
 * Item id.
 */
id: string, 
/**
 * Vocabulary `source_kind`.
 */
kind: string, 
/**
 * Description.
 */
description: string, 
/**
 * SHA-256 of an evidence file.
 */
sha256?: string, 
/**
 * When captured.
 */
captured?: string, };

export type ConsentStatus = "not-asked" | "given" | "refused";

export type ShareScope = "network" | "partner-ngo" | "un-mechanism" | "regional-body" | "public";

export type Identification = "anonymous" | "initials-only" | "named";

export type Consent = { 
/**
 * Status.
 */
status: ConsentStatus, 
/**
 * Sharing scopes.
 */
share_with: Array<ShareScope>, 
/**
 * Identification.
 */
identification: Identification, 
/**
 * When recorded.
 */
date?: string, };

export type Intervention = { 
/**
 * Item id.
 */
id: string, 
/**
 * Vocabulary `intervention_kind`.
 */
kind: string, 
/**
 * When.
 */
date?: string, 
/**
 * Addressee.
 */
addressee: string, 
/**
 * Outcome.
 */
outcome: string, };

export type Reprisal = { 
/**
 * Title.
 */
title: string, 
/**
 * Start date.
 */
start?: string, 
/**
 * End date.
 */
end?: string, 
/**
 * ISO 3166-1 alpha-2.
 */
country: string, 
/**
 * Place.
 */
place: string, 
/**
 * Description.
 */
description: string, 
/**
 * Vocabulary `event_status`.
 */
status: string, 
/**
 * Acts.
 */
acts: Array<Act>, 
/**
 * Victims.
 */
victims: Array<Party>, 
/**
 * Perpetrators.
 */
perpetrators: Array<Perpetrator>, 
/**
 * Engagements.
 */
engagements: Array<Engagement>, 
/**
 * Sources.
 */
sources: Array<Source>, 
/**
 * Consent.
 */
consent: Consent, 
/**
 * Interventions.
 */
interventions: Array<Intervention>, 
/**
 * Vocabulary `follow_up`.
 */
follow_up: string, 
/**
 * Tags.
 */
tags: Array<string>, };

export type Record = { "type": "note" } & Note | { "type": "contact" } & Contact | { "type": "reprisal" } & Reprisal;

export type StoredRecord = { 
/**
 * Id.
 */
id: string, 
/**
 * Created, ms since the epoch.
 */
created_ms: number, 
/**
 * Last changed, ms since the epoch.
 */
updated_ms: number, 
/**
 * The record.
 */
record: Record, };

export type TreeNode = { 
/**
 * Contact id.
 */
id: string, 
/**
 * Alias.
 */
alias: string, 
/**
 * Risk.
 */
risk: RiskLevel, 
/**
 * Already shown higher up.
 */
repeated: boolean, 
/**
 * The contacts this one alerts.
 */
children: Array<TreeNode>, };

export type Vocabularies = { 
/**
 * Act types.
 */
act_type: Array<string>, 
/**
 * Mechanisms.
 */
mechanism: Array<string>, 
/**
 * Engagement forms.
 */
engagement_form: Array<string>, 
/**
 * Intervention kinds.
 */
intervention_kind: Array<string>, 
/**
 * Source kinds.
 */
source_kind: Array<string>, 
/**
 * Perpetrator types.
 */
perpetrator_type: Array<string>, 
/**
 * Event statuses.
 */
event_status: Array<string>, 
/**
 * Follow-up stages.
 */
follow_up: Array<string>, };

export type Settings = { 
/**
 * UI language: ar, en, es, fr, ru or zh.
 */
language: string, 
/**
 * Minutes without input before the vault locks itself (0: never).
 */
auto_lock_minutes: number, };

