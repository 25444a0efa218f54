import { describe, expect, it } from "vitest";
import { LANGS, tables } from "../lib/strings";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translation tables", () => {
  const keys = Object.keys(tables.en).sort();
  for (const lang of LANGS) {
    it(`${lang} has every English key, nothing more, none empty, same placeholders`, () => {
      const table = tables[lang] as Record<string, string>;
      expect(Object.keys(table).sort()).toEqual(keys);
      for (const k of keys) {
        expect(table[k].trim().length, `${lang}:${k}`).toBeGreaterThan(0);
        expect(placeholders(table[k]), `${lang}:${k}`).toEqual(placeholders((tables.en as Record<string, string>)[k]));
      }
    });
  }

  it("the non-English tables are translated, not copies of English", () => {
    for (const lang of LANGS.filter((l) => l !== "en")) {
      const same = Object.entries(tables[lang]).filter(([k, v]) => v === (tables.en as Record<string, string>)[k]);
      // Brand names (Signal, Matrix...) and shared words (French "Notes", "Description") stay;
      // a table that is mostly English is a copy.
      expect(same.length, `${lang}: ${same.map(([k]) => k).join(", ")}`).toBeLessThan(Object.keys(tables.en).length / 10);
    }
  });
});
