// Comma-separated fields (tags, languages, skills) to and from lists.
export function splitList(text: string): string[] {
  return text.split(/[,،、，]/).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function joinList(items: readonly string[]): string {
  return items.join(", ");
}
