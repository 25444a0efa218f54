import type { Record as VaultRecord, SavedRecord } from "../lib/bindings";

// Answers `list_page` / `search_page` as the shell does (src-tauri/src/commands.rs `page`):
// the rows from `offset`, at most `count` of them, and the length of the whole list, with the
// record `exclude` left out first.
export function pageOf<T extends { id: string }>(all: readonly T[], args: unknown) {
  const { offset, count, exclude } = args as { offset: number; count: number; exclude?: string | null };
  const kept = exclude ? all.filter((r) => r.id !== exclude) : all;
  const start = Math.min(offset, kept.length);
  return { total: kept.length, offset: start, rows: kept.slice(start, start + count) };
}

// Answers `contact_tree` as the shell does (src-tauri/src/commands.rs `tree_page`): `count`
// roots from `offset`, each with its branch, and how many roots the whole tree has.
// A page over 500 roots (the shell's MAX_PAGE) is refused as the shell refuses it, and the roots
// come back as copies, as over the real IPC.
export function treeOf<T>(roots: readonly T[], args: unknown) {
  const { offset, count } = args as { offset: number; count: number };
  if (count > 500) throw { code: "invalid_input", message: "A page of a list holds at most 500 rows." };
  return { total: roots.length, roots: wire(roots.slice(offset, offset + count)) };
}

// Answers `save_record` as the shell does when nothing reached the record since the editor read
// it: the record stored as sent, under the id sent (or `fresh`, the id a new record is given),
// and `merged: false, overwrote: false`. The record comes back as a copy, as over the real IPC's JSON: `mockIPC`
// hands over the very object sent, which may hold the form's state proxies.
export function savedAs(args: unknown, fresh: string, at_ms = 0): SavedRecord {
  const { id, record } = args as { id: string | null; record: VaultRecord };
  return { stored: { id: id ?? fresh, created_ms: at_ms, updated_ms: at_ms, record: wire(record) }, merged: false, overwrote: false };
}

/** `value` as it reaches the other side of the IPC (JSON), a plain copy. */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
