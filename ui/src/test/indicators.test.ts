// The Indicators screen over Tauri's IPC mocks (`mockIPC` stands in for the shell). What the
// figures are is the core's business (src/indicators.rs, tests/indicators.rs); here: the screen
// asks for them with the filters as typed (and not for half a date), shows each figure as a
// share of what it is a share of, translates vocabulary words and country codes, says what the
// figures do not show, reads errors as sentences, and an older answer never shows over a newer one.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Indicators from "../screens/Indicators.svelte";
import { setLang } from "../lib/locale.svelte";
import { tables } from "../lib/strings";
import type { IndicatorQuery, Indicators as Figures } from "../lib/bindings";

type Answer = (q: IndicatorQuery) => Figures | Promise<Figures>;
let asked: IndicatorQuery[] = [];
let saves: Record<string, unknown>[] = [];

function shell(answer: Answer, save: (args: Record<string, unknown>) => unknown = () => null) {
  mockIPC((cmd, args) => {
    if (cmd === "export_indicators") {
      saves.push(JSON.parse(JSON.stringify(args)));
      return save(args as Record<string, unknown>);
    }
    if (cmd !== "indicators") throw { code: "internal", message: `unexpected command ${cmd}` };
    const q = (args as { query: IndicatorQuery }).query;
    asked.push({ ...q });
    return answer(q);
  });
}

const c = (key: string, count: number) => ({ key, count });

const FIGURES: Figures = {
  records: 3, undated_left_out: 0, ongoing: 2, victims: 4,
  by_act: [c("arbitrary-arrest", 2), c("travel-ban", 1)],
  by_country: [c("BY", 2), c("", 1)],
  by_year: [c("", 1), c("2025", 2)],
  by_perpetrator: [c("state", 3)],
  linked_to_engagement: 1, by_mechanism: [c("upr", 1)],
  consent_given: 2, shareable_with_un: 1,
  with_intervention: 3, interventions: 5,
  by_intervention: [c("urgent-appeal", 3), c("public-statement", 2)],
  by_result: [c("released", 1), c("", 4)],
  results_known: 1, answered: 1, improved: 1, ongoing_without_intervention: 0,
  days_to_action: { median_days: 12.5, records: 2 },
  by_follow_up: [c("open", 1), c("closed", 2)],
  network: { contacts: 10, alerted: 4, watched: 5, high_risk_unwatched: 2, check_ins: 3, check_ins_attention: 1 },
};

afterEach(() => {
  cleanup();
  clearMocks();
  asked = [];
  saves = [];
  setLang("en");
});

const figure = (label: string) => {
  const dt = screen.getByText(label, { selector: "dt" });
  return (dt.parentElement as HTMLElement).querySelector("dd")!.textContent!.replace(/\s+/g, " ").trim();
};

describe("Indicators", () => {
  it("shows each figure as a share of what it counts from, in words, with what the figures do not show", async () => {
    shell(() => FIGURES);
    render(Indicators);
    expect(await screen.findByText("3 reprisal records counted.")).toBeTruthy();
    expect(asked).toEqual([{ from: "", to: "", country: "", tag: "" }]);
    expect(figure("With at least one solidarity action")).toBe("3 of 3 (100%)");
    expect(figure("Actions answered (acknowledged, taken up, or the situation improved)")).toBe("1 of 5 (20%)");
    expect(figure("Actions with a result noted")).toBe("1 of 5 (20%)");
    expect(figure("Records where the situation improved after an action, of those with an action")).toBe("1 of 3 (33%)");
    expect(figure("Linked to engagement with a UN or regional mechanism")).toBe("1 of 3 (33%)");
    expect(figure("Days from the event to the first action (median)")).toBe("12.5 over 2 records with both dates known to the day");
    expect(figure("High risk, and nobody watches over them")).toBe("2");
    // The gaps stand out; nothing else does.
    expect(screen.getByText("High risk, and nobody watches over them").parentElement!.classList.contains("alert-figure")).toBe(true);
    expect(screen.getByText("Still going on, with no action yet").parentElement!.classList.contains("alert-figure")).toBe(false);
    // Vocabulary words, countries and the unnoted read as words.
    const results = within(screen.getByRole("table", { name: "Results noted after the actions" }));
    expect(results.getByRole("rowheader", { name: "Released, or charges dropped" })).toBeTruthy();
    expect(results.getByRole("rowheader", { name: "Not noted" })).toBeTruthy();
    const countries = within(screen.getByRole("table", { name: "Countries" }));
    expect(countries.getByRole("rowheader", { name: "Belarus (BY)" })).toBeTruthy();
    expect(countries.getByRole("rowheader", { name: "No country noted" })).toBeTruthy();
    const acts = within(screen.getByRole("table", { name: "Acts" }));
    expect(acts.getAllByRole("rowheader").map((r) => r.textContent)).toEqual(["Arbitrary arrest", "Travel ban"]);
    // Honest about what they are.
    expect(screen.getByText(/They are not a count of every reprisal/)).toBeTruthy();
    expect(screen.getByText(/not that the action caused it/)).toBeTruthy();
    expect(screen.getByText(/Small numbers can point to a person \(one arrest/)).toBeTruthy();
  });

  it("asks again as filters are typed, not for half a date or one letter of a country", async () => {
    shell((q) => ({ ...FIGURES, records: q.from ? 1 : 3, undated_left_out: q.from ? 2 : 0, days_to_action: null }));
    render(Indicators);
    await screen.findByText("3 reprisal records counted.");
    const from = screen.getByLabelText("Events from");
    await fireEvent.input(from, { target: { value: "20" } });
    await fireEvent.input(from, { target: { value: "202" } });
    await fireEvent.input(screen.getByLabelText("Country code"), { target: { value: "b" } });
    expect(asked).toHaveLength(1);
    // Half a filter: the figures of the one before are gone, and the status says what to finish.
    expect(document.getElementById("ind-figures")).toBeNull();
    expect(document.getElementById("ind-count")!.textContent).toContain("Finish the date");
    expect(from.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Country code").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Events up to").getAttribute("aria-invalid")).toBe("false");
    await fireEvent.input(screen.getByLabelText("Country code"), { target: { value: "by" } });
    await fireEvent.input(from, { target: { value: "2025" } });
    expect(await screen.findByText(/1 reprisal record counted\. 2 records without a date are left out of this period\./)).toBeTruthy();
    expect(asked.at(-1)).toEqual({ from: "2025", to: "", country: "by", tag: "" });
    expect(figure("Days from the event to the first action (median)")).toBe("Not known: no record has both dates known to the day.");
  });

  it("reads a refused filter as a sentence, and an older answer never shows over a newer one", async () => {
    let release: (f: Figures) => void = () => {};
    shell((q) => {
      if (q.to === "2020") throw { code: "invalid_input", message: "The period ends before it starts: check the dates." };
      if (q.tag === "slow") return new Promise<Figures>((r) => (release = r));
      return { ...FIGURES, records: q.tag === "fast" ? 7 : 3 };
    });
    render(Indicators);
    await screen.findByText("3 reprisal records counted.");
    await fireEvent.input(screen.getByLabelText("Events from"), { target: { value: "2025" } });
    await fireEvent.input(screen.getByLabelText("Events up to"), { target: { value: "2020" } });
    expect((await screen.findByRole("alert")).textContent).toContain("The period ends before it starts");
    expect(screen.queryByText("3 reprisal records counted.")).toBeNull();
    expect(document.getElementById("ind-figures")).toBeNull();
    await fireEvent.input(screen.getByLabelText("Events up to"), { target: { value: "" } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    await fireEvent.input(screen.getByLabelText("Tag"), { target: { value: "slow" } });
    await fireEvent.input(screen.getByLabelText("Tag"), { target: { value: "fast" } });
    await screen.findByText("7 reprisal records counted.");
    release({ ...FIGURES, records: 99 });
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByText("7 reprisal records counted.")).toBeTruthy();
    expect(screen.queryByText(/99/)).toBeNull();
  });

  it("speaks the reader's language: plural forms, numbers and country names", async () => {
    shell(() => ({ ...FIGURES, records: 21 }));
    setLang("ru");
    render(Indicators);
    // Russian takes the "one" form for 21.
    const one = (tables.ru["ind.counted"] as { one: string }).one.replace("{n}", "21");
    await waitFor(() => expect(document.getElementById("ind-count")!.textContent!.trim()).toBe(one));
    expect(document.getElementById("ind-countries")!.textContent).toContain("Беларусь");
  });

  it("saves the figures of the filter shown, encrypted by default, and says where", async () => {
    shell(() => FIGURES, () => ({ name: "carenet-indicators-2026-11-24.csv.age", folder: "/home/a", count: 3, encrypted: true, files: 0, missing_files: 0 }));
    render(Indicators);
    await screen.findByText("3 reprisal records counted.");
    await fireEvent.input(screen.getByLabelText("Country code"), { target: { value: "BY" } });
    await waitFor(() => expect(asked.at(-1)?.country).toBe("BY"));
    expect((screen.getByLabelText("Format") as HTMLSelectElement).value).toBe("csv");
    // A passphrase typed differently twice is caught before the shell is asked.
    await fireEvent.input(screen.getByLabelText("Passphrase for the file"), { target: { value: "long enough passphrase one" } });
    await fireEvent.input(screen.getByLabelText("The passphrase again"), { target: { value: "another" } });
    await fireEvent.click(screen.getByRole("button", { name: "Choose where to save…" }));
    expect(await screen.findByRole("alert")).toBeTruthy();
    expect(saves).toHaveLength(0);
    await fireEvent.input(screen.getByLabelText("The passphrase again"), { target: { value: "long enough passphrase one" } });
    await fireEvent.click(screen.getByRole("button", { name: "Choose where to save…" }));
    await waitFor(() => expect(document.getElementById("ind-save-status")!.textContent).toBe(
      "The figures of 3 records were written to carenet-indicators-2026-11-24.csv.age in /home/a, encrypted."));
    expect(saves[0]).toMatchObject({
      query: { from: "", to: "", country: "BY", tag: "" }, format: "csv",
      protect: { kind: "passphrase", passphrase: "long enough passphrase one" },
      dialog: { title: "Save the figures" },
    });
    // The passphrase does not stay in the form.
    expect((screen.getByLabelText("Passphrase for the file") as HTMLInputElement).value).toBe("");
  });
});
