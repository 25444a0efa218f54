// Answers `list_page` / `search_page` as the shell does (src-tauri/src/commands.rs `page`):
// the rows from `offset`, at most `count` of them, and the length of the whole list, with the
// record `exclude` left out first.
export function pageOf<T extends { id: string }>(all: readonly T[], args: unknown) {
  const { offset, count, exclude } = args as { offset: number; count: number; exclude?: string | null };
  const kept = exclude ? all.filter((r) => r.id !== exclude) : all;
  const start = Math.min(offset, kept.length);
  return { total: kept.length, offset: start, rows: kept.slice(start, start + count) };
}
