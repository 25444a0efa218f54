// Check-ins in the UI, over Tauri's IPC mocks (`mockIPC` stands in for the shell and records
// every command sent). How a state is worked out is the core's business (src/model/checkin.rs)
// and the shell's; here: the list says each state in words, in the shell's order; the nav badge
// counts what needs attention and is refreshed on unlock, every minute and after a change, and
// stops on lock; "check in now" sends what was chosen; the editor checks before it sends and
// sends the record's shape, with the arrangement it was drawn with as `base`, and shows the
// arrangement as stored when the shell kept changes made elsewhere; errors read as sentences; a
// check-in opened from elsewhere shows.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import CheckIns from "../screens/CheckIns.svelte";
import App from "../App.svelte";
import { formatTime, setLang } from "../lib/locale.svelte";
import { tables } from "../lib/strings";
import { splitInterval, toMinutes } from "../lib/checkins";
import type { CheckIn, CheckInEntry, CheckInList, CheckInState, CheckInView, StoredRecord, Summary } from "../lib/bindings";
import { pageOf, savedAs, wire } from "./pages";

type Call = { cmd: string; args: Record<string, unknown> };
type Answers = Record<string, (args: Record<string, unknown>) => unknown>;
let calls: Call[] = [];

function shell(answers: Answers) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer((args ?? {}) as Record<string, unknown>);
  });
}

const SLOW = 20_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const id = (n: number) => n.toString(16).padStart(32, "0");
const [AMAL, BILAL, CHEN, DARA, ESI, FARID] = [1, 2, 3, 4, 5, 6].map(id);
const ANA = "a1".repeat(16);
const BO = "b2".repeat(16);
const CARA = "c3".repeat(16);
const GONE = "d4".repeat(16);

const entry = (n: number, at_ms: number, status: CheckInEntry["status"], message = ""): CheckInEntry =>
  ({ id: `e${n}`, at_ms, status, message });
const view = (over: Partial<CheckInView> & Pick<CheckInView, "id" | "person" | "state">): CheckInView =>
  ({ contact: null, every_minutes: 1440, due_ms: NOW + 20 * HOUR, last: null, watchers: [], ...over });

/** One arrangement in each state, in the order the shell sends them (most urgent first). */
const ROWS: CheckInView[] = [
  view({ id: AMAL, person: "Amal", state: "needs-help", last: entry(1, NOW - HOUR, "needs-help", "Police at the door"),
    due_ms: NOW + 23 * HOUR, watchers: [{ id: ANA, alias: "Ana" }, { id: GONE, alias: null }] }),
  view({ id: BILAL, person: "Bilal", state: "missed", last: entry(2, NOW - 26 * HOUR, "safe"), due_ms: NOW - 2 * HOUR,
    watchers: [{ id: BO, alias: "Bo" }] }),
  view({ id: CHEN, person: "Chen", state: "no-news", last: entry(3, NOW - 3 * HOUR, "no-news"), due_ms: NOW + 21 * HOUR }),
  view({ id: DARA, person: "Dara", state: "safe", every_minutes: 480, last: entry(4, NOW - 3 * HOUR, "safe"), due_ms: NOW + 5 * HOUR }),
  view({ id: ESI, person: "Esi", state: "waiting", due_ms: NOW + 20 * HOUR }),
  view({ id: FARID, person: "Farid", state: "paused" }),
];

const contact = (cid: string, title: string): Summary =>
  ({ id: cid, type: "contact", title, date: null, tags: [], created_ms: 0, updated_ms: 0, score: null });
const CONTACTS = [contact(ANA, "Ana"), contact(BO, "Bo"), contact(CARA, "Cara")];

/** Amal's arrangement holds twelve check-ins, one every hour, and one dated ahead of the clock. */
const AMAL_ENTRIES: CheckInEntry[] = [
  ...Array.from({ length: 12 }, (_, i) => entry(100 + i, NOW - (12 - i) * HOUR, i === 11 ? "needs-help" : "safe", i === 11 ? "Police at the door" : "")),
  entry(200, NOW + 20 * MIN, "safe", "from a fast clock"),
];

function stored(v: CheckInView, over: Partial<CheckIn> = {}): StoredRecord {
  return {
    id: v.id, created_ms: NOW - 100 * HOUR, updated_ms: NOW - HOUR,
    record: {
      type: "checkin", person: v.person, every_minutes: v.every_minutes, active: v.state !== "paused",
      watchers: v.watchers.map((w) => w.id), entries: v.last ? [v.last] : [], notes: "", tags: [], ...over,
    },
  };
}

/** The shell of a vault holding ROWS and CONTACTS; `over` replaces or adds commands. */
function vault(over: Answers = {}, rows: () => CheckInView[] = () => ROWS) {
  const records = new Map<string, StoredRecord>(ROWS.map((r) => [r.id, stored(r)]));
  records.set(AMAL, stored(ROWS[0], { entries: AMAL_ENTRIES, contact: CARA, notes: "Call the lawyer", tags: ["court"] }));
  for (const c of CONTACTS) {
    records.set(c.id, { id: c.id, created_ms: 0, updated_ms: 0, record: {
      type: "contact", alias: c.title, channels: [], languages: [], location: "", organisation: "", skills: [], needs: [],
      risk: "unknown", notes: "", alerts: [], checked_by: [], tags: [] } });
  }
  shell({
    check_ins: (): CheckInList => ({ now_ms: NOW, rows: rows() }),
    get_record: (a) => {
      const r = records.get(a.id as string);
      if (!r) throw { code: "not_found", message: "no such record" };
      return r;
    },
    list_page: (a) => {
      const text = ((a.query as { text: string }).text ?? "").toLowerCase();
      return pageOf(CONTACTS.filter((c) => c.title.toLowerCase().includes(text)), a);
    },
    ...over,
  });
  return records;
}

const sent = (cmd: string) => calls.filter((c) => c.cmd === cmd);
const states = () => [...document.querySelectorAll<HTMLElement>("#checkin-list .checkin-state")];
const rowOf = (person: string) => screen.getByRole("button", { name: new RegExp(`^${person}`) });
const field = <T extends HTMLElement = HTMLInputElement>(elId: string) => document.getElementById(elId) as T;

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  vi.useRealTimers();
  cleanup();
  clearMocks();
});

describe("the list of arrangements", () => {
  it("shows every state in the shell's order, as a word in a badge, with the last check-in, the due time and the watchers", async () => {
    vault();
    render(CheckIns);
    await waitFor(() => expect(states().length).toBe(6));
    expect(states().map((s) => s.dataset.state)).toEqual(["needs-help", "missed", "no-news", "safe", "waiting", "paused"]);
    expect(states().map((s) => s.textContent)).toEqual(["Needs help", "Missed", "No news", "Safe", "Waiting for the first check-in", "Paused"]);
    expect([...document.querySelectorAll("#checkin-list .title")].map((t) => t.textContent))
      .toEqual(["Amal", "Bilal", "Chen", "Dara", "Esi", "Farid"]);

    const amal = rowOf("Amal");
    expect(amal.textContent).toContain("Last check-in: Needs help, 1 hour ago");
    expect(amal.textContent).toContain("Next check-in due in 23 hours");
    expect(amal.textContent).toContain("Watchers: Ana and a contact not on this device");
    const bilal = rowOf("Bilal");
    expect(bilal.textContent).toContain("Last check-in: Safe, 26 hours ago");
    expect(bilal.textContent).toContain("Overdue: was due 2 hours ago");
    expect(bilal.textContent).toContain("Watchers: Bo");
    expect(rowOf("Dara").textContent).toContain("Next check-in due in 5 hours");
    expect(rowOf("Esi").textContent).toContain("No check-in yet");
    expect(rowOf("Esi").textContent).toContain("No watchers chosen");
    // A paused arrangement is not due.
    expect(rowOf("Farid").querySelector(".checkin-due")).toBeNull();
    expect(screen.getByText("3 check-ins need attention")).toBeTruthy();
    expect(sent("check_ins").length).toBe(1);
  });

  it("always says what it does and does not do", async () => {
    vault({ check_ins: () => ({ now_ms: NOW, rows: [] }) });
    render(CheckIns);
    expect(await screen.findByText(tables.en["checkins.none"])).toBeTruthy();
    const about = screen.getByRole("region", { name: "What this does and does not do" });
    expect(about.textContent).toContain("sends no message, SMS or notification, and alerts no one by itself");
    expect(about.textContent).toContain("“missed” can mean “not synced yet”");
    expect(about.textContent).toContain("more than 10 minutes ahead of this device's clock is not counted");
    expect(about.textContent).toContain("share it into a space (Spaces screen), then sync");
    expect(about.textContent).toContain("from its own clock and from the check-ins that have reached it by sync");
  });

  it("reads the list again every minute while open, and stops once closed", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    vault();
    const { unmount } = render(CheckIns);
    await waitFor(() => expect(states().length).toBe(6));
    expect(sent("check_ins").length).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent("check_ins").length).toBe(2);
    unmount();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(sent("check_ins").length).toBe(2);
  });

  it("speaks Arabic, right to left, with relative times in Arabic", async () => {
    vault();
    setLang("ar");
    render(CheckIns);
    await waitFor(() => expect(states().length).toBe(6));
    expect(document.documentElement.dir).toBe("rtl");
    expect(states().map((s) => s.textContent)).toEqual(
      (["needs-help", "missed", "no-news", "safe", "waiting", "paused"] as CheckInState[]).map((s) => tables.ar[`checkins.state.${s}`]));
    const ago = new Intl.RelativeTimeFormat("ar", { numeric: "auto" }).format(-2, "hour");
    expect(rowOf("Bilal").textContent).toContain(tables.ar["checkins.overdue"].replace("{time}", ago));
    expect(screen.getByRole("button", { name: tables.ar["checkins.new"] })).toBeTruthy();
  });
});

describe("an arrangement opened", () => {
  it("shows check in now, the ten newest check-ins with their dates, and its editor filled", async () => {
    vault();
    render(CheckIns);
    await fireEvent.click(await screen.findByRole("button", { name: /^Amal/ }));
    await screen.findByRole("heading", { name: "Check in now" });
    expect(rowOf("Amal").getAttribute("aria-current")).toBe("true");
    for (const b of ["checkin-safe", "checkin-help", "checkin-nonews"]) expect(field(b).tagName).toBe("BUTTON");
    expect(field("checkin-safe").textContent).toBe("Safe");
    expect(field("checkin-help").textContent).toBe("Needs help");
    expect(field("checkin-nonews").textContent).toBe("No news: could not reach them");
    expect(field<HTMLTextAreaElement>("checkin-message").maxLength).toBe(500);
    expect(screen.getByLabelText("Message (optional)")).toBe(field("checkin-message"));

    const items = [...document.querySelectorAll("#checkin-recent > li")];
    expect(items.length).toBe(10);
    // Newest first: the one dated ahead of the clock, then the call for help an hour ago.
    expect(items[0].textContent).toContain(formatTime(NOW + 20 * MIN));
    expect(items[0].textContent).toContain("Dated ahead of this device's clock: not counted.");
    expect(items[1].textContent).toContain("Needs help");
    expect(items[1].textContent).toContain(formatTime(NOW - HOUR));
    expect(items[1].textContent).toContain("Police at the door");
    expect(items[1].textContent).not.toContain("not counted");
    expect(items[9].textContent).toContain(formatTime(NOW - 9 * HOUR));

    expect(field("checkin-person").value).toBe("Amal");
    expect(field("checkin-every").value).toBe("1");
    expect(field<HTMLSelectElement>("checkin-unit").value).toBe("days");
    expect(field("checkin-active").checked).toBe(true);
    expect(field<HTMLTextAreaElement>("checkin-notes").value).toBe("Call the lawyer");
    expect(field("checkin-tags").value).toBe("court");
    // The person's contact shows although its picker was not used yet; watchers are listed by alias.
    await waitFor(() => expect(field<HTMLSelectElement>("checkin-contact").selectedOptions[0]?.textContent).toBe("Cara"));
    const chosen = within(field("checkin-watchers-chosen"));
    expect(chosen.getByText("Ana")).toBeTruthy();
    expect(chosen.getByText("a contact not on this device")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Remove a contact not on this device from the watchers" })).toBeTruthy();
  });

  it("a check-in opened from elsewhere (openId) shows selected", async () => {
    vault();
    render(CheckIns, { props: { openId: BILAL } });
    await screen.findByRole("heading", { name: "Check in now" });
    await waitFor(() => expect(rowOf("Bilal").getAttribute("aria-current")).toBe("true"));
    expect(rowOf("Amal").getAttribute("aria-current")).toBeNull();
    expect(field("checkin-person").value).toBe("Bilal");
    expect(screen.getByRole("heading", { name: "Edit check-in" })).toBeTruthy();
    expect(sent("get_record").map((c) => c.args)).toContainEqual({ id: BILAL });
  });

  it("an openId that is not a check-in opens nothing", async () => {
    vault();
    render(CheckIns, { props: { openId: ANA } });
    await waitFor(() => expect(states().length).toBe(6));
    await waitFor(() => expect(sent("get_record").length).toBe(1));
    expect(screen.queryByRole("heading", { name: "Check in now" })).toBeNull();
    expect(document.getElementById("checkin-form")).toBeNull();
  });
});

describe("check in now", () => {
  it("sends check_in with the status and the message, then reads the list and the arrangement again", async () => {
    let checkedIn = false;
    const records = vault({
      check_in: (a) => {
        checkedIn = true;
        const r = records.get(a.id as string)!.record as CheckIn;
        r.entries = [...r.entries, entry(300, NOW, a.status as CheckInEntry["status"], a.message as string)];
        return null;
      },
    }, () => (checkedIn ? ROWS.map((r) => (r.id === BILAL ? { ...r, state: "safe" as const, last: entry(300, NOW, "safe"), due_ms: NOW + 24 * HOUR } : r)) : ROWS));
    render(CheckIns);
    await fireEvent.click(await screen.findByRole("button", { name: /^Bilal/ }));
    await screen.findByRole("heading", { name: "Check in now" });
    expect(document.getElementById("checkin-recent")?.textContent).not.toContain("Back home");
    const lists = sent("check_ins").length;
    const gets = sent("get_record").length;
    await fireEvent.input(field("checkin-message"), { target: { value: "Back home" } });
    await fireEvent.click(field("checkin-safe"));
    expect(await screen.findByText("Check-in recorded: Safe.")).toBeTruthy();
    expect(sent("check_in").map((c) => c.args)).toEqual([{ id: BILAL, status: "safe", message: "Back home" }]);
    await waitFor(() => expect(rowOf("Bilal").querySelector(".checkin-state")?.getAttribute("data-state")).toBe("safe"));
    expect(sent("check_ins").length).toBe(lists + 1);
    expect(sent("get_record").length).toBeGreaterThan(gets);
    await waitFor(() => expect(document.getElementById("checkin-recent")?.textContent).toContain("Back home"));
    expect(field<HTMLTextAreaElement>("checkin-message").value).toBe("");
  });

  it("sends needs-help and no-news from their buttons", async () => {
    vault({ check_in: () => null });
    render(CheckIns, { props: { openId: DARA } });
    await screen.findByRole("heading", { name: "Check in now" });
    await fireEvent.click(field("checkin-help"));
    await screen.findByText("Check-in recorded: Needs help.");
    // The buttons wait while the list and the arrangement are read again.
    await waitFor(() => expect((field("checkin-nonews") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(field("checkin-nonews"));
    await screen.findByText("Check-in recorded: No news.");
    expect(sent("check_in").map((c) => c.args)).toEqual([
      { id: DARA, status: "needs-help", message: "" },
      { id: DARA, status: "no-news", message: "" },
    ]);
  });

  it("an error from check_in shows its sentence and keeps the message", async () => {
    vault({
      check_in: () => { throw { code: "invalid_input", message: "The check-in message is too long: keep it under 500 characters." }; },
    });
    render(CheckIns, { props: { openId: AMAL } });
    await screen.findByRole("heading", { name: "Check in now" });
    const lists = sent("check_ins").length;
    await fireEvent.input(field("checkin-message"), { target: { value: "x" } });
    await fireEvent.click(field("checkin-help"));
    const alert = await screen.findByRole("alert");
    expect(alert.id).toBe("checkin-now-error");
    expect(alert.textContent).toBe("Please check what you typed: The check-in message is too long: keep it under 500 characters.");
    expect(screen.queryByText(/Check-in recorded/)).toBeNull();
    expect(field<HTMLTextAreaElement>("checkin-message").value).toBe("x");
    expect(sent("check_ins").length).toBe(lists);
  });

  it("a known error code reads in the user's language", async () => {
    vault({ check_in: () => { throw { code: "not_found", message: "no such record" }; } });
    setLang("fr");
    render(CheckIns, { props: { openId: AMAL } });
    await screen.findByRole("heading", { name: tables.fr["checkins.now_title"] });
    await fireEvent.click(field("checkin-safe"));
    expect((await screen.findByRole("alert")).textContent).toBe(tables.fr["err.not_found"]);
  });
});

describe("the editor", () => {
  async function startNew() {
    render(CheckIns);
    await waitFor(() => expect(states().length).toBe(6));
    await fireEvent.click(screen.getByRole("button", { name: "New check-in" }));
    await screen.findByRole("heading", { name: "New check-in" });
  }

  it("refuses an empty person and an interval out of range with sentences, without calling save", async () => {
    vault({ save_record: (a) => savedAs(a, id(99)) });
    await startNew();
    await waitFor(() => expect(document.activeElement).toBe(field("checkin-person")));
    expect(field("checkin-person").value).toBe("");
    await fireEvent.click(field("checkin-save"));
    expect((await screen.findByRole("alert")).textContent).toBe("Write who checks in (an alias is enough).");
    expect(field("checkin-person").getAttribute("aria-invalid")).toBe("true");
    expect(field("checkin-person").getAttribute("aria-describedby")).toContain("checkin-person-error");

    await fireEvent.input(field("checkin-person"), { target: { value: "   " } });
    await fireEvent.click(field("checkin-save"));
    expect(screen.getByRole("alert").textContent).toBe("Write who checks in (an alias is enough).");

    await fireEvent.input(field("checkin-person"), { target: { value: "Gala" } });
    await fireEvent.input(field("checkin-every"), { target: { value: "4" } });
    await fireEvent.change(field("checkin-unit"), { target: { value: "minutes" } });
    await fireEvent.click(field("checkin-save"));
    expect(screen.getByRole("alert").textContent).toBe("Choose an interval from 5 minutes to 31 days.");
    await waitFor(() => expect(document.activeElement).toBe(field("checkin-every")));

    await fireEvent.input(field("checkin-every"), { target: { value: "32" } });
    await fireEvent.change(field("checkin-unit"), { target: { value: "days" } });
    await fireEvent.click(field("checkin-save"));
    expect(screen.getByRole("alert").textContent).toBe("Choose an interval from 5 minutes to 31 days.");

    await fireEvent.input(field("checkin-every"), { target: { value: "" } });
    await fireEvent.click(field("checkin-save"));
    expect(screen.getByRole("alert").textContent).toBe("Choose an interval from 5 minutes to 31 days.");
    expect(sent("save_record")).toEqual([]);

    // At the bounds it goes through.
    await fireEvent.input(field("checkin-every"), { target: { value: "31" } });
    await fireEvent.click(field("checkin-save"));
    await screen.findByText("Saved.");
    expect(sent("save_record").map((c) => (c.args.record as CheckIn).every_minutes)).toEqual([31 * 24 * 60]);
  });

  it("saves a new arrangement with the record's shape: minutes from number and unit, watchers' ids", async () => {
    const NEW = id(42);
    vault({ save_record: (a) => savedAs(a, NEW) });
    await startNew();
    // Choosing a contact while the person is empty fills in the contact's alias.
    const picker = field<HTMLSelectElement>("checkin-contact");
    await fireEvent.focus(picker);
    await waitFor(() => expect([...picker.options].map((o) => o.textContent)).toEqual(["—", "Ana", "Bo", "Cara"]));
    await fireEvent.change(picker, { target: { value: CARA } });
    expect(field("checkin-person").value).toBe("Cara");
    await fireEvent.input(field("checkin-every"), { target: { value: "6" } });
    await fireEvent.change(field("checkin-unit"), { target: { value: "hours" } });
    const list = within(screen.getByRole("list", { name: "Contacts to choose from" }));
    await fireEvent.click(list.getByLabelText("Bo"));
    await fireEvent.click(list.getByLabelText("Ana"));
    expect(within(field("checkin-watchers-chosen")).getAllByRole("listitem").map((li) => li.firstElementChild?.textContent))
      .toEqual(["Bo", "Ana"]);
    await fireEvent.input(field("checkin-notes"), { target: { value: "Call her sister first" } });
    await fireEvent.input(field("checkin-tags"), { target: { value: "court, night" } });
    await fireEvent.click(field("checkin-active"));
    await fireEvent.click(field("checkin-save"));
    await screen.findByText("Saved.");
    expect(sent("save_record").map((c) => c.args)).toEqual([{
      id: null,
      record: {
        type: "checkin", person: "Cara", contact: CARA, every_minutes: 360, active: false, watchers: [BO, ANA],
        entries: [], notes: "Call her sister first", tags: ["court", "night"],
      },
      base: null,
    }]);
    // The new arrangement is then the one open, and the list is read again.
    await waitFor(() => expect(sent("get_record").map((c) => c.args)).toContainEqual({ id: NEW }));
    expect(sent("check_ins").length).toBe(2);
    expect(screen.getByRole("heading", { name: "Edit check-in" })).toBeTruthy();
  });

  it("does not overwrite a person already typed, and leaves the contact out when none is chosen", async () => {
    vault({ save_record: (a) => savedAs(a, id(43)) });
    await startNew();
    await fireEvent.input(field("checkin-person"), { target: { value: "Hana" } });
    const picker = field<HTMLSelectElement>("checkin-contact");
    await fireEvent.focus(picker);
    await waitFor(() => expect(picker.options.length).toBe(4));
    await fireEvent.change(picker, { target: { value: ANA } });
    expect(field("checkin-person").value).toBe("Hana");
    await fireEvent.change(picker, { target: { value: "" } });
    await fireEvent.click(field("checkin-save"));
    await screen.findByText("Saved.");
    const record = sent("save_record")[0].args.record as CheckIn;
    expect(record).toEqual({
      type: "checkin", person: "Hana", every_minutes: 1440, active: true, watchers: [], entries: [], notes: "", tags: [],
    });
    expect("contact" in record).toBe(false);
  });

  it("an edit sends the id, keeps watchers not on this device, and never sends the stored check-ins", async () => {
    const records = vault({ save_record: (a) => savedAs(a, id(99)) });
    const opened = structuredClone(records.get(AMAL)!.record);
    render(CheckIns, { props: { openId: AMAL } });
    await screen.findByRole("heading", { name: "Edit check-in" });
    await fireEvent.click(screen.getByRole("button", { name: "Remove Ana from the watchers" }));
    await fireEvent.input(field("checkin-every"), { target: { value: "12" } });
    await fireEvent.change(field("checkin-unit"), { target: { value: "hours" } });
    await fireEvent.click(field("checkin-save"));
    await screen.findByText("Saved.");
    expect(sent("save_record").map((c) => c.args)).toEqual([{
      id: AMAL,
      record: {
        type: "checkin", person: "Amal", contact: CARA, every_minutes: 720, active: true, watchers: [GONE],
        entries: [], notes: "Call the lawyer", tags: ["court"],
      },
      // The arrangement as the editor was drawn with it (its check-ins too): the shell writes
      // only what changed from it.
      base: opened,
    }]);
    expect(opened).toEqual({
      type: "checkin", person: "Amal", contact: CARA, every_minutes: 1440, active: true, watchers: [ANA, GONE],
      entries: AMAL_ENTRIES, notes: "Call the lawyer", tags: ["court"],
    });
  });

  it("a save that kept changes made elsewhere fills the form with the arrangement as stored, says so, and is the next save's base", async () => {
    const MERGED = "Saved. Changes made elsewhere while you were editing were kept, and the form now shows them.";
    let merged: CheckIn & { type: "checkin" } | null = null;
    const records = vault({
      save_record: (a) => {
        if (merged) return savedAs(a, id(99), NOW);
        // Meanwhile another member paused the arrangement, made it every two days and watches it.
        const was = records.get(DARA)!.record as CheckIn;
        merged = { ...wire(a.record as CheckIn & { type: "checkin" }), every_minutes: 2 * 1440, active: false, watchers: [BO], entries: was.entries };
        records.set(DARA, { id: DARA, created_ms: NOW - 100 * HOUR, updated_ms: NOW, record: merged });
        return { stored: wire(records.get(DARA)), merged: true, overwrote: false };
      },
    });
    const opened = structuredClone(records.get(DARA)!.record);
    render(CheckIns, { props: { openId: DARA } });
    await screen.findByRole("heading", { name: "Edit check-in" });
    expect(field("checkin-every").value).toBe("8");
    expect(field<HTMLSelectElement>("checkin-unit").value).toBe("hours");
    expect(field("checkin-active").checked).toBe(true);
    await within(await screen.findByRole("list", { name: "Contacts to choose from" })).findByLabelText("Bo");
    await fireEvent.input(field("checkin-notes"), { target: { value: "Ring twice" } });
    await fireEvent.click(field("checkin-save"));
    expect((await screen.findByText(MERGED)).id).toBe("checkin-saved");
    expect(screen.queryByText("Saved.")).toBeNull();

    expect(sent("save_record").map((c) => c.args)).toEqual([{
      id: DARA,
      record: { type: "checkin", person: "Dara", every_minutes: 480, active: true, watchers: [], entries: [], notes: "Ring twice", tags: [] },
      base: opened,
    }]);
    expect(opened).toEqual({
      type: "checkin", person: "Dara", every_minutes: 480, active: true, watchers: [], entries: [ROWS[3].last], notes: "", tags: [],
    });
    // The form shows what is stored: every two days, paused, watched by Bo, with the notes typed.
    expect(field("checkin-every").value).toBe("2");
    expect(field<HTMLSelectElement>("checkin-unit").value).toBe("days");
    expect(field("checkin-active").checked).toBe(false);
    await waitFor(() => expect(within(field("checkin-watchers-chosen")).getAllByRole("listitem")
      .map((li) => li.firstElementChild?.textContent)).toEqual(["Bo"]));
    expect(field<HTMLTextAreaElement>("checkin-notes").value).toBe("Ring twice");
    expect(field("checkin-person").value).toBe("Dara");
    expect(screen.getByRole("heading", { name: "Edit check-in" })).toBeTruthy();

    // Saved again, the form sends what it shows, over the arrangement as the shell returned it.
    await fireEvent.input(field("checkin-tags"), { target: { value: "night" } });
    await fireEvent.click(field("checkin-save"));
    await screen.findByText("Saved.");
    expect(sent("save_record").length).toBe(2);
    expect(sent("save_record")[1].args).toEqual({
      id: DARA,
      record: { type: "checkin", person: "Dara", every_minutes: 2880, active: false, watchers: [BO], entries: [], notes: "Ring twice", tags: ["night"] },
      base: merged,
    });
  });

  it("a save that merged nothing says Saved. and leaves the fields as typed", async () => {
    vault({ save_record: (a) => savedAs(a, id(99), NOW) });
    render(CheckIns, { props: { openId: ESI } });
    await screen.findByRole("heading", { name: "Edit check-in" });
    await fireEvent.input(field("checkin-every"), { target: { value: "36" } });
    await fireEvent.change(field("checkin-unit"), { target: { value: "hours" } });
    await fireEvent.input(field("checkin-tags"), { target: { value: "court ,night," } });
    await fireEvent.click(field("checkin-save"));
    expect((await screen.findByText("Saved.")).id).toBe("checkin-saved");
    expect((sent("save_record")[0].args.record as CheckIn).every_minutes).toBe(36 * 60);
    // Filled again from the stored record, the tags would read "court, night".
    expect(field("checkin-every").value).toBe("36");
    expect(field<HTMLSelectElement>("checkin-unit").value).toBe("hours");
    expect(field("checkin-tags").value).toBe("court ,night,");
  });

  it("a refusal from the shell shows its sentence", async () => {
    vault({ save_record: () => { throw { code: "invalid_input", message: "Choose an interval between 5 minutes and 31 days." }; } });
    render(CheckIns, { props: { openId: DARA } });
    await screen.findByRole("heading", { name: "Edit check-in" });
    await fireEvent.click(field("checkin-save"));
    const alert = await screen.findByRole("alert");
    expect(alert.id).toBe("checkin-error");
    expect(alert.textContent).toBe("Please check what you typed: Choose an interval between 5 minutes and 31 days.");
  });

  it("deletes in two presses, then reads the list again and closes the arrangement", async () => {
    let gone = false;
    vault({ delete_record: () => { gone = true; return null; } }, () => (gone ? ROWS.filter((r) => r.id !== ESI) : ROWS));
    render(CheckIns, { props: { openId: ESI } });
    await screen.findByRole("heading", { name: "Edit check-in" });
    await fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(sent("delete_record")).toEqual([]);
    await fireEvent.click(within(screen.getByRole("group", { name: tables.en["common.confirm_delete"] })).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(states().length).toBe(5));
    expect(sent("delete_record").map((c) => c.args)).toEqual([{ id: ESI }]);
    expect(document.getElementById("checkin-form")).toBeNull();
    expect(screen.queryByRole("heading", { name: "Check in now" })).toBeNull();
    await waitFor(() => expect(document.activeElement?.id).toBe("checkins-new"));
  });

  it("splits an interval into its largest unit and back", () => {
    expect(splitInterval(1440)).toEqual({ value: 1, unit: "days" });
    expect(splitInterval(360)).toEqual({ value: 6, unit: "hours" });
    expect(splitInterval(90)).toEqual({ value: 90, unit: "minutes" });
    expect(toMinutes(2, "days")).toBe(2880);
    expect(toMinutes(1.5, "hours")).toBe(90);
    expect(toMinutes(null, "hours")).toBeNull();
  });
});

describe("the nav badge", () => {
  const FINE = ROWS.filter((r) => ["safe", "waiting", "paused"].includes(r.state));

  function app(rows: () => CheckInView[], over: Answers = {}) {
    let state = "unlocked";
    vault({
      vault_status: () => state,
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      lock_vault: () => { state = "locked"; return null; },
      ...over,
    }, rows);
    render(App);
  }

  it("counts the arrangements that need help, were missed or have no news, with a label in words", async () => {
    app(() => ROWS);
    const badge = await screen.findByText("3", { selector: "#checkins-badge" });
    expect(badge.getAttribute("aria-label")).toBe("3 check-ins need attention");
    expect(badge.getAttribute("role")).toBe("img");
    const nav = document.getElementById("nav-checkins") as HTMLButtonElement;
    expect(nav.contains(badge)).toBe(true);
    expect(nav.textContent).toContain("Check-ins");
    // Right after Contacts in the nav.
    const order = [...document.querySelectorAll("nav button")].map((b) => b.id);
    expect(order.indexOf("nav-checkins")).toBe(order.indexOf("nav-contacts") + 1);
    expect(document.getElementById("checkins-live")?.textContent).toBe("3 check-ins need attention");
    expect(sent("check_ins").length).toBe(1);
  });

  it("hides at zero", async () => {
    app(() => FINE);
    await waitFor(() => expect(sent("check_ins").length).toBe(1));
    await screen.findByRole("button", { name: "Check-ins" });
    expect(document.getElementById("checkins-badge")).toBeNull();
  });

  it("is read again every minute while unlocked, and no more once locked", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    let rows = ROWS;
    app(() => rows);
    expect((await screen.findByText("3", { selector: "#checkins-badge" })).getAttribute("aria-label")).toBe("3 check-ins need attention");
    rows = ROWS.filter((r) => r.state !== "needs-help" && r.state !== "no-news");
    await vi.advanceTimersByTimeAsync(60_000);
    const badge = await screen.findByText("1", { selector: "#checkins-badge" });
    expect(badge.getAttribute("aria-label")).toBe("1 check-in needs attention");
    expect(sent("check_ins").length).toBe(2);
    rows = FINE;
    await vi.advanceTimersByTimeAsync(60_000);
    await waitFor(() => expect(document.getElementById("checkins-badge")).toBeNull());
    expect(sent("check_ins").length).toBe(3);
    rows = ROWS;
    await fireEvent.click(screen.getByRole("button", { name: "Lock" }));
    await screen.findByRole("heading", { name: "Unlock your vault" });
    await vi.advanceTimersByTimeAsync(300_000);
    expect(sent("check_ins").length).toBe(3);
  });

  it("says so when the check-ins cannot be read", async () => {
    app(() => { throw { code: "database_damaged", message: "damaged" }; });
    const badge = await screen.findByText("?", { selector: "#checkins-badge" });
    expect(badge.getAttribute("aria-label")).toBe(tables.en["checkins.badge_error"]);
  });

  it("follows a change made on the Check-ins screen", async () => {
    let checkedIn = false;
    app(() => (checkedIn ? ROWS.map((r) => (r.id === BILAL ? { ...r, state: "safe" as const } : r)) : ROWS),
      { check_in: () => { checkedIn = true; return null; } });
    await screen.findByText("3", { selector: "#checkins-badge" });
    await fireEvent.click(screen.getByRole("button", { name: /^Check-ins/ }));
    await fireEvent.click(await screen.findByRole("button", { name: /^Bilal/ }, { timeout: SLOW }));
    await screen.findByRole("heading", { name: "Check in now" });
    await fireEvent.click(field("checkin-safe"));
    const badge = await screen.findByText("2", { selector: "#checkins-badge" });
    expect(badge.getAttribute("aria-label")).toBe("2 check-ins need attention");
  }, 3 * SLOW);
});

describe("opening a check-in from elsewhere in the app", () => {
  it("a check-in found by Search opens on the Check-ins screen, selected", async () => {
    const hit: Summary = { id: CHEN, type: "checkin", title: "Chen", date: null, tags: [], created_ms: 0, updated_ms: NOW, score: 3 };
    vault({
      vault_status: () => "unlocked",
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      search_page: (a) => pageOf([hit], a),
    });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Search" }));
    const kinds = await screen.findByLabelText("Only", {}, { timeout: SLOW });
    expect([...(kinds as HTMLSelectElement).options].map((o) => o.value)).toContain("checkin");
    await fireEvent.input(screen.getByLabelText("Search all records"), { target: { value: "chen" } });
    const result = await screen.findByRole("button", { name: /Check-in\s*Chen/ });
    await fireEvent.click(result);
    await screen.findByRole("heading", { name: "Check in now" }, { timeout: SLOW });
    expect(document.getElementById("nav-checkins")?.getAttribute("aria-current")).toBe("page");
    await waitFor(() => expect(rowOf("Chen").getAttribute("aria-current")).toBe("true"));
    expect(field("checkin-person").value).toBe("Chen");
  }, 3 * SLOW);
});
