import { describe, expect, it } from "vitest";
import { LANGS, tables, type Plural } from "../lib/strings";
import { locale, setLang, t } from "../lib/locale.svelte";

type Entry = string | Plural;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (e: Entry): string[] => (typeof e === "string" ? [e] : Object.values(e));
const en = tables.en as Record<string, Entry>;

describe("translation tables", () => {
  const keys = Object.keys(tables.en).sort();
  for (const lang of LANGS) {
    it(`${lang} has every English key, nothing more, none empty, same placeholders`, () => {
      const table = tables[lang] as Record<string, Entry>;
      expect(Object.keys(table).sort()).toEqual(keys);
      const want = (k: string) => placeholders(forms(en[k])[0]);
      // A form for a category that holds one number only (Arabic zero, one and two) may leave the
      // number out: "نتيجتان" is "two results". Russian "one" also covers 21, 31...: it keeps {n}.
      const rules = new Intl.PluralRules(lang);
      const single = new Set(
        (rules.resolvedOptions().pluralCategories as string[]).filter(
          (c) => Array.from({ length: 10_001 }, (_, n) => rules.select(n)).filter((x) => x === c).length === 1,
        ),
      );
      for (const k of keys) {
        const entry = table[k];
        const named: [string, string][] = typeof entry === "string" ? [["", entry]] : Object.entries(entry);
        for (const [category, form] of named) {
          expect(form.trim().length, `${lang}:${k}`).toBeGreaterThan(0);
          const expected = single.has(category) && !form.includes("{n}") ? want(k).filter((p) => p !== "n") : want(k);
          expect(placeholders(form), `${lang}:${k}:${category}`).toEqual(expected);
        }
      }
    });

    it(`${lang} writes every count in the forms its plural rules need`, () => {
      const rules = new Intl.PluralRules(lang);
      const categories = rules.resolvedOptions().pluralCategories as string[];
      // The forms a count from 0 to 10,000 can take (French and Spanish "many" is for millions).
      const needed = new Set(Array.from({ length: 10_001 }, (_, n) => rules.select(n)));
      const table = tables[lang] as Record<string, Entry>;
      for (const k of keys) {
        const entry = table[k];
        if (typeof entry === "string") {
          // A count English inflects must be inflected here too, unless the language has one form.
          if (typeof en[k] !== "string") expect(categories, `${lang}:${k} needs plural forms`).toEqual(["other"]);
          continue;
        }
        expect(placeholders(forms(en[k])[0]), `${lang}:${k} is a count`).toContain("n");
        expect(entry.other, `${lang}:${k}`).toBeTruthy();
        for (const c of Object.keys(entry)) expect(categories, `${lang}:${k} has a form "${c}"`).toContain(c);
        for (const c of needed) expect(Object.keys(entry), `${lang}:${k} lacks the form "${c}"`).toContain(c);
      }
    });
  }

  it("the non-English tables are translated, not copies of English", () => {
    for (const lang of LANGS.filter((l) => l !== "en")) {
      const same = Object.entries(tables[lang]).filter(([k, v]) => JSON.stringify(v) === JSON.stringify(en[k]));
      // Brand names (Signal, Matrix...) and shared words (French "Notes", "Description") stay;
      // a table that is mostly English is a copy.
      expect(same.length, `${lang}: ${same.map(([k]) => k).join(", ")}`).toBeLessThan(Object.keys(tables.en).length / 10);
    }
  });
});

describe("t() with a count", () => {
  it("picks the language's form for n and formats the number", () => {
    setLang("en");
    expect(t("search.results", { n: 1 })).toBe("1 result");
    expect(t("search.results", { n: 0 })).toBe("0 results");
    expect(t("search.results", { n: 1234 })).toBe("1,234 results");
    expect(t("files.size", { n: 1 })).toBe("1 byte");
    setLang("ru");
    const ru = tables.ru["search.results"] as Plural;
    expect(t("search.results", { n: 1 })).toBe(ru.one!.replace("{n}", "1"));
    expect(t("search.results", { n: 3 })).toBe(ru.few!.replace("{n}", "3"));
    expect(t("search.results", { n: 5 })).toBe(ru.many!.replace("{n}", "5"));
    expect(t("search.results", { n: 21 })).toBe(ru.one!.replace("{n}", "21"));
    setLang("ar");
    const ar = tables.ar["search.results"] as Plural;
    expect(t("search.results", { n: 2 })).toBe(ar.two);
    expect(t("search.results", { n: 11 })).toBe(ar.many!.replace("{n}", new Intl.NumberFormat("ar").format(11)));
    setLang("en");
    expect(locale.lang).toBe("en");
  });

  it("falls back to the other form when n is not a number", () => {
    setLang("en");
    expect(t("search.results", { n: "some" })).toBe("some results");
    expect(t("search.results")).toBe("{n} results");
  });
});
