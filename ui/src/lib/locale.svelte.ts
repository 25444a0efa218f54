// The current language, and everything that depends on it: translated strings, text direction,
// dates and numbers (through Intl). Every string the UI shows goes through `t`.
import { tables, type Key, type Lang, type Plural, LANGS } from "./strings";
import type { IpcError } from "./bindings";

export const locale = $state({ lang: "en" as Lang });

export function setLang(lang: string) {
  const l = (LANGS as readonly string[]).includes(lang) ? (lang as Lang) : "en";
  locale.lang = l;
  if (typeof document !== "undefined") {
    document.documentElement.lang = l;
    document.documentElement.dir = l === "ar" ? "rtl" : "ltr";
  }
}

/** The string for `key` in the current language, with `{name}` placeholders filled. A sentence with
 *  a count takes the language's plural form for `vars.n` ("1 result", "2 results"; in Russian one,
 *  few, many; in Arabic six forms). */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const lang = key in tables[locale.lang] ? locale.lang : "en";
  const entry: string | Plural = tables[lang][key];
  const s = typeof entry === "string" ? entry : pluralForm(lang, entry, vars.n);
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? formatValue(vars[k]) : `{${k}}`));
}

const pluralRules = new Map<Lang, Intl.PluralRules>();

/** The form of `entry` for the count `n` in `lang` (`other` when `n` is not a number or the form is
 *  missing). */
function pluralForm(lang: Lang, entry: Plural, n: string | number | undefined): string {
  if (typeof n !== "number") return entry.other;
  let rules = pluralRules.get(lang);
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(lang)));
  return entry[rules.select(n)] ?? entry.other;
}

function formatValue(v: string | number): string {
  return typeof v === "number" ? new Intl.NumberFormat(locale.lang).format(v) : v;
}

/** A vocabulary term (kebab-case from the core) in the current language. */
export function term(word: string): string {
  const key = `term.${word}` as Key;
  return key in tables.en ? t(key) : word;
}

/** A timestamp (ms) as a date and time in the current language. */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  // A time out of Date's range (a forged or damaged one from a peer) must not throw.
  if (Number.isNaN(date.getTime())) return "?";
  return new Intl.DateTimeFormat(locale.lang, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** An ISO 8601 time for a `datetime` attribute, or undefined when out of Date's range. */
export function isoTime(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A partial date (YYYY, YYYY-MM, YYYY-MM-DD) at the precision it is known. */
export function formatPartialDate(d: string | null | undefined): string {
  if (!d) return "";
  const [y, m, day] = d.split("-").map(Number);
  const date = new Date(Date.UTC(y, (m || 1) - 1, day || 1));
  const opts: Intl.DateTimeFormatOptions = { year: "numeric", timeZone: "UTC" };
  if (m) opts.month = "long";
  if (day) opts.day = "numeric";
  return new Intl.DateTimeFormat(locale.lang, opts).format(date);
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale.lang).format(n);
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** `ms` relative to `now` ("3 hours ago", "in 20 minutes", "now") in the current language. */
export function formatRelative(ms: number, now: number): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(locale.lang, { numeric: "auto" });
  if (abs < MINUTE_MS) return rtf.format(0, "second");
  if (abs < HOUR_MS) return rtf.format(Math.round(diff / MINUTE_MS), "minute");
  if (abs < 2 * DAY_MS) return rtf.format(Math.round(diff / HOUR_MS), "hour");
  return rtf.format(Math.round(diff / DAY_MS), "day");
}

/** A length of time given in minutes, in the largest unit that divides it ("2 days", "90 minutes"). */
export function formatMinutes(minutes: number): string {
  const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, "day"] : minutes % 60 === 0 ? [minutes / 60, "hour"] : [minutes, "minute"];
  return new Intl.NumberFormat(locale.lang, { style: "unit", unit, unitDisplay: "long" }).format(value);
}

/** Names joined as the language does ("Ana, Bo and Chen"). */
export function formatList(items: readonly string[]): string {
  return new Intl.ListFormat(locale.lang, { style: "long", type: "conjunction" }).format(items);
}

const errorKeys: Record<string, Key> = {
  wrong_passphrase: "err.wrong_passphrase",
  weak_passphrase: "err.weak_passphrase",
  vault_exists: "err.vault_exists",
  no_vault: "err.no_vault",
  vault_busy: "err.vault_busy",
  vault_locked: "err.vault_locked",
  not_found: "err.not_found",
  tree_cycle: "err.tree_cycle",
  record_damaged: "err.record_damaged",
  keyring_damaged: "err.keyring_damaged",
  database_damaged: "err.database_damaged",
  newer_version: "err.newer_version",
  io: "err.io",
  sync_ticket: "err.sync_ticket",
  sync_network: "err.sync_network",
  sync_not_member: "err.sync_not_member",
  sync_unknown_version: "err.sync_unknown_version",
  sync_refused_item: "err.sync_refused",
  sync_protocol: "err.sync_refused",
  sync_oversize: "err.sync_refused",
  unknown_space: "err.unknown_space",
  sync_closed: "err.sync_closed",
  sync_local: "err.sync_local",
  sync_storage: "err.sync_storage",
  sync_peer_storage: "err.sync_peer_storage",
  wiped_after_failures: "err.wiped_after_failures",
  not_held_elsewhere: "err.not_held_elsewhere",
  clipboard_unavailable: "err.clipboard_unavailable",
  attachment_not_found: "err.attachment_not_found",
  attachment_incomplete: "err.attachment_incomplete",
  attachment_damaged: "err.attachment_damaged",
  dialog_unavailable: "err.dialog_unavailable",
  dialog_busy: "err.dialog_busy",
  inside_vault_folder: "err.inside_vault_folder",
  bundle_space_too_large: "err.bundle_space_too_large",
  items_too_many: "err.bundle_too_large",
  space_log_incomplete: "err.space_log_incomplete",
  item_malformed: "err.bundle_item_refused",
  item_newer_version: "err.bundle_item_refused",
  item_bad_signature: "err.bundle_item_refused",
  item_wrong_space: "err.bundle_item_refused",
  item_not_a_member: "err.bundle_item_refused",
  item_no_write_rights: "err.bundle_item_refused",
  item_unknown_epoch: "err.bundle_item_refused",
  item_undecryptable: "err.bundle_item_refused",
  item_unapplicable: "err.bundle_item_refused",
  bundle_cut_short: "err.bundle_cut_short",
  bundle_damaged: "err.bundle_damaged",
  bundle_not_for_this_device: "err.bundle_not_for_this_device",
  bundle_wrong_passphrase: "err.bundle_wrong_passphrase",
  bundle_needs_passphrase: "err.bundle_needs_passphrase",
  bundle_newer_version: "err.bundle_newer_version",
  bundle_too_large: "err.bundle_too_large",
};

/** What a save answered, as a sentence: saved; changes made elsewhere kept (the form shows them
 *  again); changes made elsewhere replaced by the editor's. */
export function savedText(saved: { merged: boolean; overwrote: boolean }): string {
  const first = t(saved.merged ? "common.saved_merged" : "common.saved");
  return saved.overwrote ? `${first} ${t("common.overwrote")}` : first;
}

/** An error as a sentence the user can act on, in their language. */
export function errorText(e: IpcError): string {
  const key = errorKeys[e.code];
  if (key) return t(key);
  if (e.code === "invalid_input") return t("err.invalid_input", { detail: e.message });
  return t("err.other", { detail: e.message });
}
