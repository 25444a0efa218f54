import { afterEach, describe, expect, it } from "vitest";
import { errorText, formatNumber, formatPartialDate, setLang, t, term } from "../lib/locale.svelte";

afterEach(() => setLang("en"));

describe("locale", () => {
  it("Arabic turns the page right-to-left and back", () => {
    setLang("ar");
    expect(document.documentElement.dir).toBe("rtl");
    expect(document.documentElement.lang).toBe("ar");
    expect(t("nav.notes")).toBe("الملاحظات");
    setLang("fr");
    expect(document.documentElement.dir).toBe("ltr");
  });

  it("an unknown language falls back to English", () => {
    setLang("xx");
    expect(t("lock.button")).toBe("Lock");
  });

  it("numbers and dates go through Intl in the current language", () => {
    setLang("ar");
    expect(formatNumber(10000)).toBe(new Intl.NumberFormat("ar").format(10000));
    setLang("en");
    expect(formatNumber(10000)).toBe("10,000");
    expect(formatPartialDate("2026-05")).toBe("May 2026");
    expect(formatPartialDate("2026")).toBe("2026");
  });

  it("known error codes become translated sentences; others keep the core's words", () => {
    setLang("es");
    expect(errorText({ code: "wrong_passphrase", message: "Wrong passphrase." })).toMatch(/incorrecta/);
    expect(errorText({ code: "invalid_input", message: "A note needs a title or a body." })).toContain(
      "A note needs a title or a body.",
    );
  });

  it("vocabulary terms are translated", () => {
    setLang("ru");
    expect(term("travel-ban")).toBe("Запрет на выезд");
    expect(term("not-a-term")).toBe("not-a-term");
  });
});
