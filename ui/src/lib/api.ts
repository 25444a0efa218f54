// Typed calls to the shell's commands. The types come from bindings.ts, generated from Rust.
import { invoke } from "@tauri-apps/api/core";
import type {
  DialogText, Format, Imported, Protect, Written,
  FileEntry, IpcError, Page, QueryInput, Record as VaultRecord, SavedRecord, Settings, StoredRecord, Summary, TreePage, VaultState,
  Vocabularies, CheckInList, IndicatorQuery, Indicators, CheckInStatus, MemberCardView, MemberView, Role, Shown, SpaceView, SyncResult, SyncStatus, TravelView,
} from "./bindings";

/** Every command's failure: a stable code and an English sentence. */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as IpcError;
  return { code: "internal", message: String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asIpcError(e);
  }
}

/** The controlled vocabularies are compiled into the core: asked once per window, again only
 *  after a failed call. */
let vocabularies: Promise<Vocabularies> | null = null;

export const api = {
  status: () => call<VaultState>("vault_status"),
  create: (passphrase: string) => call<null>("create_vault", { passphrase }),
  unlock: (passphrase: string) => call<null>("unlock_vault", { passphrase }),
  lock: () => call<null>("lock_vault"),
  /** The panic wipe: destroys the vault's keys, then its files; no passphrase (locks first if open). */
  wipe: () => call<null>("wipe_vault"),
  changePassphrase: (current: string, next: string) => call<null>("change_passphrase", { current, new: next }),
  /** `count` rows of the list from `offset`, newest first, and the list's length; `exclude`
   *  leaves one record out (the contact being edited, in its own alert picker). */
  page: (query: QueryInput, offset: number, count: number, exclude: string | null = null) =>
    call<Page>("list_page", { query, offset, count, exclude }),
  /** `count` search results from `offset`, best first, and how many there are. */
  searchPage: (query: QueryInput, offset: number, count: number) => call<Page>("search_page", { query, offset, count }),
  get: (id: string) => call<StoredRecord>("get_record", { id }),
  /** Adds a record (id null) or saves an editor's copy of one. `base` is the record as the editor
   *  showed it: only what the editor changed from it is written, so changes that reached the
   *  record meanwhile (a sync, the tree screen) stay. The answer holds the record as stored, and
   *  `merged` when that differs from what was sent (the editor should show it again). */
  save: (id: string | null, record: VaultRecord, base: VaultRecord | null = null) =>
    call<SavedRecord>("save_record", { id, record, base }),
  remove: (id: string) => call<null>("delete_record", { id }),
  /** `count` roots of the contact tree from `offset` (by alias), each with its whole branch. */
  tree: (offset: number, count: number) => call<TreePage>("contact_tree", { offset, count }),
  linkAlert: (from: string, to: string) => call<null>("link_alert", { from, to }),
  unlinkAlert: (from: string, to: string) => call<null>("unlink_alert", { from, to }),
  vocabularies: () =>
    (vocabularies ??= call<Vocabularies>("vocabularies").catch((e) => {
      vocabularies = null;
      throw e;
    })),
  /** How many wrong passphrases in a row wipe the vault on this device, or null when off. */
  unlockGuard: () => call<number | null>("unlock_guard"),
  /** Sets that number (null = off, else 3 to 99; the shell refuses anything else); only while unlocked. */
  setUnlockGuard: (limit: number | null) => call<null>("set_unlock_guard", { limit }),
  /** Every check-in arrangement and where it stands by this device's clock, most urgent first. */
  checkIns: () => call<CheckInList>("check_ins"),
  indicators: (query: IndicatorQuery) => call<Indicators>("indicators", { query }),
  /** Checks in now on an arrangement (message: at most 500 characters). */
  checkIn: (id: string, status: CheckInStatus, message: string) => call<null>("check_in", { id, status, message }),
  loadSettings: () => call<Settings>("load_settings"),
  saveSettings: (settings: Settings) => call<null>("save_settings", { settings }),
  /** Copies a ticket or card to the clipboard; answers after how many seconds the shell clears
   *  it again (it also clears it on lock and wipe, if it still holds what was copied). */
  copySecret: (text: string) => call<number>("copy_secret", { text }),
  /** A record's files, each with who vouches for it. */
  listFiles: (id: string) => call<FileEntry[]>("list_files", { id }),
  /** Attaches a file to a note or a reprisal record. The bytes cross raw (the request's body),
   *  the details in headers (the name percent-encoded). Answers the record's files. */
  attachFile: async (id: string, name: string, mediaType: string, capturedMs: number | null, bytes: Uint8Array) => {
    try {
      return await invoke<FileEntry[]>("attach_file", bytes, {
        headers: {
          "x-carenet-record": id,
          "x-carenet-name": encodeURIComponent(name),
          "x-carenet-type": mediaType,
          "x-carenet-captured": capturedMs == null ? "" : String(Math.round(capturedMs)),
        },
      });
    } catch (e) {
      throw asIpcError(e);
    }
  },
  /** A file's bytes, checked by the core against the SHA-256 its record holds. */
  readFile: (id: string, file: string) => call<ArrayBuffer>("read_file", { id, file }),
  /** Removes a file from its record and erases it from this vault; answers the record's files. */
  removeFile: (id: string, file: string) => call<FileEntry[]>("remove_file", { id, file }),
  /** Tells the shell the first screen is drawn (it prints the start-up time only for the bench). */
  startupDrawn: () => call<null>("startup_drawn"),
};

export function query(q: Partial<QueryInput>): QueryInput {
  return { text: "", kind: null, tag: null, from: null, to: null, limit: 0, ...q };
}

/** A short random id for items inside a record (as the core's item_id). */
export function itemId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Spaces and sync (src-tauri/src/spaces.rs and sync.rs). */
export const net = {
  memberCard: (displayName: string) => call<MemberCardView>("member_card", { displayName }),
  cardName: () => call<string | null>("card_name"),
  createSpace: (name: string) => call<string>("create_space", { name }),
  spaces: () => call<SpaceView[]>("list_spaces"),
  members: (space: string) => call<MemberView[]>("space_members", { space }),
  invite: (space: string, card: string, role: Role) => call<Shown>("invite_member", { space, card, role }),
  join: (ticket: string) => call<string>("join_space", { ticket }),
  removeMember: (space: string, device: string) => call<null>("remove_member", { space, device }),
  share: (space: string, record: string, branch: boolean) => call<string[]>("share_into_space", { space, record, branch }),
  /** `count` of a space's records from `offset`, newest first, and how many it holds here. */
  spaceRecords: (space: string, offset: number, count: number) => call<Page>("space_records", { space, offset, count }),
  /** Records in no space yet that match `query`: what the share picker offers. */
  shareCandidates: (query: QueryInput, offset: number, count: number) => call<Page>("share_candidates", { query, offset, count }),
  /** Travel mode of a space: which device a finished sync confirmed holding all of it, and
   *  whether it is stowed (its records removed from this device) or on its way back. */
  spaceTravel: (space: string) => call<TravelView>("space_travel", { space }),
  /** Removes the space's records from this device; refused (`not_held_elsewhere`) unless a
   *  finished sync confirmed another device holds all of it and nothing was added since. */
  stowSpace: (space: string) => call<TravelView>("stow_space", { space }),
  /** Lets the next sync with a member restore a stowed space's records. */
  bringBackSpace: (space: string) => call<TravelView>("bring_back_space", { space }),
  listen: () => call<Shown>("sync_listen"),
  syncWith: (ticket: string) => call<SyncResult>("sync_with_ticket", { ticket }),
  nearby: (minutes: number) => call<SyncStatus>("sync_nearby", { minutes }),
  stop: () => call<null>("sync_stop"),
  status: () => call<SyncStatus>("sync_status"),
};

/** Carrying data out and in (src-tauri/src/carry.rs). The shell asks where with the system's file
 *  dialog, whose words (`dialog`) come from here; null: the person cancelled it. */
export const carry = {
  /** The records `query` selects (the search as shown), as JSON or CSV. */
  exportRecords: (query: QueryInput, format: Format, includeRealNames: boolean, withFiles: boolean, protect: Protect, dialog: DialogText) =>
    call<Written | null>("export_records", { query, format, includeRealNames, withFiles, protect, dialog }),
  /** The indicators of a query (the figures as shown), with their filter and what they are not. */
  exportIndicators: (query: IndicatorQuery, format: Format, protect: Protect, dialog: DialogText) =>
    call<Written | null>("export_indicators", { query, format, protect, dialog }),
  /** A copy of a file kept with a record, checked against its SHA-256 first. */
  saveFileCopy: (id: string, file: string, protect: Protect, dialog: DialogText) =>
    call<Written | null>("save_file_copy", { id, file, protect, dialog }),
  /** A USB bundle of a space (always encrypted). */
  exportBundle: (space: string, protect: Protect, dialog: DialogText) =>
    call<Written | null>("export_bundle", { space, protect, dialog }),
  /** Imports a bundle the person picks; `passphrase` for one made with a passphrase, else "". */
  importBundle: (passphrase: string, dialog: DialogText) => call<Imported | null>("import_bundle", { passphrase, dialog }),
  /** This device's age recipient (public), for whoever makes it a bundle. */
  deviceKey: () => call<string>("device_age_key"),
};
