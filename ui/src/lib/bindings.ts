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

export type Kind = "note" | "contact" | "reprisal" | "checkin";

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

export type Page = { 
/**
 * Rows the whole list has.
 */
total: number, 
/**
 * Place of the first row of `rows` in the whole list.
 */
offset: number, 
/**
 * The rows asked for (fewer at the end of the list).
 */
rows: Array<Summary>, };

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

export type Attachment = { 
/**
 * Random id, 32 hex digits.
 */
id: string, 
/**
 * File name.
 */
name: string, 
/**
 * Media type, e.g. image/jpeg.
 */
media_type: string, 
/**
 * Size in bytes.
 */
size: number, 
/**
 * SHA-256 of the file, hex.
 */
sha256: string, 
/**
 * Number of parts it travels in.
 */
parts: number, 
/**
 * When the evidence was captured, ms since the epoch, if known.
 */
captured_ms?: number | null, 
/**
 * When it was added, ms since the epoch.
 */
added_ms: number, 
/**
 * The adding device's key, hex.
 */
device: string, 
/**
 * That device's signature over the description, hex.
 */
signature: string, };

export type FileEntry = { 
/**
 * The description.
 */
file: Attachment, 
/**
 * The description's signature verifies with the device key it names.
 */
signature_valid: boolean, 
/**
 * That key is this device's.
 */
this_device: boolean, 
/**
 * The name that device goes by in a space shared with it (self-chosen, not verified).
 */
signer_name: string | null, };

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
tags: Array<string>, 
/**
 * Files (changed only by `attach_file` and `remove_file`; a save keeps them as stored).
 */
attachments: Array<Attachment>, 
/**
 * Ids of files removed from the record (kept as stored by a save, like `attachments`).
 */
removed_attachments: Array<string>, };

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
 * Outcome, in words.
 */
outcome: string, 
/**
 * Vocabulary `intervention_result` (none: not recorded).
 */
result?: string, };

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
tags: Array<string>, 
/**
 * Evidence files (changed only by `attach_file` and `remove_file`).
 */
attachments: Array<Attachment>, 
/**
 * Ids of files removed from the record (kept as stored by a save).
 */
removed_attachments: Array<string>, };

export type Record = { "type": "note" } & Note | { "type": "contact" } & Contact | { "type": "reprisal" } & Reprisal | { "type": "checkin" } & CheckIn;

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

export type SavedRecord = { 
/**
 * The record as stored now.
 */
stored: StoredRecord, 
/**
 * What is stored differs from what was saved: changes made elsewhere after the editor
 * opened the record were kept. The editor should show `stored`.
 */
merged: boolean, 
/**
 * The editor's values replaced changes made elsewhere meanwhile (the same field, the same or
 * neighbouring lines of a text): the editor should say so.
 */
overwrote: boolean, };

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

export type TreePage = { 
/**
 * Roots the whole tree has.
 */
total: number, 
/**
 * The roots asked for, from the first (fewer at the end).
 */
roots: Array<TreeNode>, };

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
 * What came of an intervention.
 */
intervention_result: Array<string>, 
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

export type CheckInStatus = "safe" | "needs-help" | "no-news";

export type CheckInEntry = { 
/**
 * Item id.
 */
id: string, 
/**
 * When, ms since the epoch (the clock of the device that made it).
 */
at_ms: number, 
/**
 * What it says.
 */
status: CheckInStatus, 
/**
 * A short message.
 */
message: string, };

export type CheckIn = { 
/**
 * Who checks in (an alias).
 */
person: string, 
/**
 * Their contact record's id.
 */
contact?: string, 
/**
 * Minutes between expected check-ins (5 to 44,640).
 */
every_minutes: number, 
/**
 * False while paused.
 */
active: boolean, 
/**
 * When it was last resumed, ms since the epoch (set by the core; the window need not send it).
 */
resumed_ms?: number, 
/**
 * Ids of the contacts alerted when a check-in is missed.
 */
watchers: Array<string>, 
/**
 * The check-ins, oldest first.
 */
entries: Array<CheckInEntry>, 
/**
 * What the watchers should do.
 */
notes: string, 
/**
 * Tags.
 */
tags: Array<string>, };

export type CheckInState = "needs-help" | "missed" | "no-news" | "safe" | "waiting" | "paused";

export type Watcher = { 
/**
 * Their contact id.
 */
id: string, 
/**
 * Their alias (absent when that contact is not on this device).
 */
alias: string | null, };

export type CheckInView = { 
/**
 * The arrangement's record id.
 */
id: string, 
/**
 * Who checks in.
 */
person: string, 
/**
 * Their contact id.
 */
contact: string | null, 
/**
 * Minutes between check-ins.
 */
every_minutes: number, 
/**
 * Where it stands.
 */
state: CheckInState, 
/**
 * When the next check-in is (or was) due, ms since the epoch, by this device's clock.
 */
due_ms: number, 
/**
 * The latest check-in that counts.
 */
last: CheckInEntry | null, 
/**
 * Who is alerted.
 */
watchers: Array<Watcher>, };

export type CheckInList = { 
/**
 * This device's clock when the states were worked out, ms since the epoch.
 */
now_ms: number, 
/**
 * The arrangements, those needing attention first.
 */
rows: Array<CheckInView>, };

export type IndicatorQuery = { 
/**
 * Events from this date (YYYY[-MM[-DD]]).
 */
from: string, 
/**
 * Events up to this date.
 */
to: string, 
/**
 * Country code (ISO 3166-1 alpha-2, any case).
 */
country: string, 
/**
 * Tag.
 */
tag: string, };

export type IndicatorCount = { 
/**
 * The value: a vocabulary word, a country code or a year.
 */
key: string, 
/**
 * How many.
 */
count: number, };

export type DaysToAction = { 
/**
 * Median, in days.
 */
median_days: number, 
/**
 * Records with both dates known to the day.
 */
records: number, };

export type CareNetwork = { 
/**
 * Contacts.
 */
contacts: number, 
/**
 * Contacts someone alerts.
 */
alerted: number, 
/**
 * Contacts watched over (checked on, or a check-in with a watcher).
 */
watched: number, 
/**
 * High-risk contacts nobody watches over.
 */
high_risk_unwatched: number, 
/**
 * Check-in arrangements.
 */
check_ins: number, 
/**
 * Arrangements needing attention now.
 */
check_ins_attention: number, };

export type Indicators = { 
/**
 * Records counted.
 */
records: number, 
/**
 * Undated records left out of a period.
 */
undated_left_out: number, 
/**
 * Events still going on.
 */
ongoing: number, 
/**
 * Victims named, once per record.
 */
victims: number, 
/**
 * Records per act type.
 */
by_act: Array<IndicatorCount>, 
/**
 * Records per country.
 */
by_country: Array<IndicatorCount>, 
/**
 * Records per year, oldest first ("" undated).
 */
by_year: Array<IndicatorCount>, 
/**
 * Records per perpetrator type.
 */
by_perpetrator: Array<IndicatorCount>, 
/**
 * Records linked to UN or regional engagement.
 */
linked_to_engagement: number, 
/**
 * Records per mechanism.
 */
by_mechanism: Array<IndicatorCount>, 
/**
 * Records with consent given.
 */
consent_given: number, 
/**
 * Records that may be shared with UN mechanisms.
 */
shareable_with_un: number, 
/**
 * Records with an intervention.
 */
with_intervention: number, 
/**
 * Interventions.
 */
interventions: number, 
/**
 * Interventions per kind.
 */
by_intervention: Array<IndicatorCount>, 
/**
 * Interventions per result ("" not recorded).
 */
by_result: Array<IndicatorCount>, 
/**
 * Interventions with a result other than pending.
 */
results_known: number, 
/**
 * Interventions answered.
 */
answered: number, 
/**
 * Records improved after an intervention.
 */
improved: number, 
/**
 * Ongoing records with no intervention.
 */
ongoing_without_intervention: number, 
/**
 * Days to the first intervention (null when no record has both dates to the day).
 */
days_to_action: DaysToAction | null, 
/**
 * Records per follow-up stage, in stage order.
 */
by_follow_up: Array<IndicatorCount>, 
/**
 * The care network.
 */
network: CareNetwork, };

export type QrCode = { 
/**
 * Width and height in modules, margin included (the SVG viewBox).
 */
size: number, 
/**
 * The path's `d` attribute.
 */
path: string, };

export type Shown = { 
/**
 * The text.
 */
text: string, 
/**
 * Its QR code (absent when the text is too long for one).
 */
qr: QrCode | null, };

export type MemberCardView = { 
/**
 * The card (`carenet-card1:...`) and its QR code.
 */
card: Shown, 
/**
 * Short fingerprint to compare aloud.
 */
fingerprint: string, };

export type Role = "coordinator" | "member" | "courier";

export type SpaceView = { 
/**
 * Space id (32 hex digits).
 */
id: string, 
/**
 * Its name (absent when this device only carries it and cannot read it).
 */
name: string | null, 
/**
 * This device's role (absent for a carried space).
 */
role: Role | null, 
/**
 * Current key epoch.
 */
epoch: number, 
/**
 * Active members and couriers.
 */
members: number, 
/**
 * True when this device carries it without reading it.
 */
carried: boolean, 
/**
 * Records of the space held here.
 */
records: number, 
/**
 * True while its records are stowed for travel (removed from this device).
 */
stowed: boolean, };

export type TravelView = { 
/**
 * The device a finished sync last confirmed holding all of the space (hex).
 */
held_by: string | null, 
/**
 * That device's display name, when this device can read it.
 */
held_by_name: string | null, 
/**
 * When that sync ended, ms since the epoch.
 */
held_at_ms: number | null, 
/**
 * True when nothing was added here since: stowing is possible now.
 */
can_stow: boolean, 
/**
 * True while the space's records are removed from this device.
 */
stowed: boolean, 
/**
 * When it was stowed, ms since the epoch.
 */
stowed_at_ms: number | null, 
/**
 * Records removed by stowing.
 */
stowed_records: number, 
/**
 * True once the user asked for it back: the next sync with a member restores it.
 */
returning: boolean, };

export type MemberView = { 
/**
 * Device key (64 hex digits).
 */
device: string, 
/**
 * Display name, when readable here.
 */
name: string | null, 
/**
 * Role.
 */
role: Role, 
/**
 * True once removed.
 */
removed: boolean, 
/**
 * True for this device.
 */
this_device: boolean, };

export type SyncMode = "idle" | "listening" | "nearby";

export type PeerSeen = { 
/**
 * Device key (64 hex digits).
 */
device: string, 
/**
 * Its display name, when it is a member of a space held here.
 */
name: string | null, 
/**
 * Spaces both hold.
 */
spaces: number, 
/**
 * Items received from it.
 */
received_items: number, 
/**
 * True while connected.
 */
connected: boolean, 
/**
 * Error code of its last connection, if it failed.
 */
error: string | null, 
/**
 * Last contact, ms since the epoch.
 */
last_ms: number, };

export type SyncStatus = { 
/**
 * What the node is doing.
 */
mode: SyncMode, 
/**
 * This device's sync ticket while listening or nearby.
 */
ticket: Shown | null, 
/**
 * When "sync nearby" stops by itself, ms since the epoch.
 */
ends_ms: number | null, 
/**
 * This machine's clock when the status was read (the countdown is `ends_ms - now_ms`).
 */
now_ms: number, 
/**
 * Devices met since unlock.
 */
peers: Array<PeerSeen>, 
/**
 * Items still to receive in the current exchange.
 */
items_to_go: number, 
/**
 * Bytes still to receive in the current exchange.
 */
bytes_to_go: number, 
/**
 * Items received in the current exchange so far.
 */
items_done: number, 
/**
 * Bytes received in the current exchange so far.
 */
bytes_done: number, 
/**
 * The last completed exchange since unlock, ms since the epoch.
 */
last_sync_ms: number | null, };

export type SyncResult = { 
/**
 * Items received and stored.
 */
received_items: number, 
/**
 * Items sent.
 */
sent_items: number, };

export type Protect = { "kind": "passphrase", passphrase: string, } | { "kind": "recipients", recipients: Array<string>, } | { "kind": "readable" } | { "kind": "members" };

export type Format = "json" | "csv";

export type DialogText = { 
/**
 * The dialog's title.
 */
title: string, 
/**
 * The button that saves or opens.
 */
accept: string, 
/**
 * The button that cancels.
 */
cancel: string, };

export type Written = { 
/**
 * The file's name.
 */
name: string, 
/**
 * The folder it is in.
 */
folder: string, 
/**
 * How many records (export) or items (bundle) it holds; 1 for a file's copy.
 */
count: number, 
/**
 * Whether it is encrypted.
 */
encrypted: boolean, 
/**
 * An export with files: how many files it holds (0 otherwise).
 */
files: number, 
/**
 * An export with files: files that could not be read (not all of their parts have arrived,
 * or damaged); `files.json` in the archive lists them.
 */
missing_files: number, };

export type Imported = { 
/**
 * Items this vault did not have.
 */
new_items: number, 
/**
 * Items it already had.
 */
already_here: number, 
/**
 * Records that changed.
 */
changed_records: number, 
/**
 * Records a member deleted for the space.
 */
deleted_records: number, };

