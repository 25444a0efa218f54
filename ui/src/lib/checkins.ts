// Check-ins in the window: which states need attention, and an interval as a number and a unit.
// The bounds mirror the core (src/model/checkin.rs); the core checks them again on save.
import type { CheckInEntry, CheckInList, CheckInState } from "./bindings";
import { t } from "./locale.svelte";

/** Shortest interval between check-ins, in minutes. */
export const MIN_EVERY_MINUTES = 5;
/** Longest interval between check-ins, in minutes (31 days). */
export const MAX_EVERY_MINUTES = 31 * 24 * 60;
/** Longest check-in message, in characters. */
export const MAX_MESSAGE = 500;
/** A check-in dated more than this far after the device's clock is not counted. */
export const FUTURE_SLACK_MS = 10 * 60 * 1000;

export type Unit = "minutes" | "hours" | "days";
export const UNITS: readonly Unit[] = ["minutes", "hours", "days"];
export const UNIT_MINUTES: Record<Unit, number> = { minutes: 1, hours: 60, days: 24 * 60 };

/** True when the watchers should act: help asked for, a check-in missed, or nobody reached them. */
export function needsAttention(state: CheckInState): boolean {
  return state === "needs-help" || state === "missed" || state === "no-news";
}

/** How many arrangements of the list need attention. */
export function attentionCount(list: CheckInList): number {
  return list.rows.filter((r) => needsAttention(r.state)).length;
}

/** "2 check-ins need attention", "1 check-in needs attention", in the language's plural form. */
export function attentionText(n: number): string {
  return t("checkins.badge", { n });
}

/** An interval in minutes as the largest unit that divides it (1440 → 1 day, 90 → 90 minutes). */
export function splitInterval(minutes: number): { value: number; unit: Unit } {
  if (minutes % UNIT_MINUTES.days === 0) return { value: minutes / UNIT_MINUTES.days, unit: "days" };
  if (minutes % UNIT_MINUTES.hours === 0) return { value: minutes / UNIT_MINUTES.hours, unit: "hours" };
  return { value: minutes, unit: "minutes" };
}

/** A number and a unit as whole minutes, or null when the number is missing. */
export function toMinutes(value: number | null | undefined, unit: Unit): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.round(value * UNIT_MINUTES[unit]);
}

/** Whether an interval in minutes is one the core accepts. */
export function intervalOk(minutes: number | null): minutes is number {
  return minutes !== null && minutes >= MIN_EVERY_MINUTES && minutes <= MAX_EVERY_MINUTES;
}

/** Entries newest first (ties by id, as the core breaks them). */
export function newestFirst(a: CheckInEntry, b: CheckInEntry): number {
  return b.at_ms - a.at_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
