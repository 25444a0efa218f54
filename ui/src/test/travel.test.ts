// Travel mode in the UI, over Tauri's IPC mocks (`mockIPC` stands in for the shell and records
// every command sent). What stowing does to the vault is the core's and the shell's tests'
// business; here: each state says what it is, stowing takes two presses, never one, a refusal
// changes nothing, and the list says in words which spaces are stowed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import TravelMode from "../parts/TravelMode.svelte";
import Spaces from "../screens/Spaces.svelte";
import { formatTime, setLang } from "../lib/locale.svelte";
import { tables } from "../lib/strings";
import type { MemberView, SpaceView, TravelView } from "../lib/bindings";
import { pageOf } from "./pages";

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];

function shell(answers: Record<string, (args: Record<string, unknown>) => unknown>) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer((args ?? {}) as Record<string, unknown>);
  });
}

const SPACE = "ab".repeat(16);
const OTHER = "cd".repeat(16);
const BEA = "22334455".repeat(8);
const HELD_AT = Date.UTC(2026, 10, 20, 9, 30);
const STOWED_AT = Date.UTC(2026, 10, 21, 18, 5);

const travel = (over: Partial<TravelView> = {}): TravelView => ({
  held_by: null, held_by_name: null, held_at_ms: null, can_stow: false,
  stowed: false, stowed_at_ms: null, stowed_records: 0, returning: false, ...over,
});
const notYet = travel();
const addedSince = travel({ held_by: BEA, held_by_name: null, held_at_ms: HELD_AT });
const canStow = travel({ held_by: BEA, held_by_name: "Bea", held_at_ms: HELD_AT, can_stow: true });
const stowed = travel({ held_by: BEA, held_by_name: "Bea", held_at_ms: HELD_AT, stowed: true, stowed_at_ms: STOWED_AT, stowed_records: 42 });
const returning = travel({ ...stowed, returning: true });

const sent = (cmd: string) => calls.filter((c) => c.cmd === cmd);
/** The polite live region that holds the state's sentence. */
const said = () => document.querySelector('[aria-live="polite"]')?.textContent?.trim() ?? "";
const opener = () => screen.getByRole("button", { name: "Stow this space…" });
const panel = () => screen.queryByRole("group", { name: "Stow this space" });

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("TravelMode: what each state says", () => {
  it("nothing confirmed: says to sync with a member first, and offers no stow", async () => {
    shell({ space_travel: () => notYet });
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toBe(tables.en["travel.not_yet"]));
    expect(said()).toContain("Not yet: no finished sync has confirmed");
    expect(screen.queryByRole("button")).toBeNull();
    expect(sent("space_travel").map((c) => c.args)).toEqual([{ space: SPACE }]);
  });

  it("confirmed but something added since: names the device by its key, gives the time, offers no stow", async () => {
    shell({ space_travel: () => addedSince });
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toContain("but something was added here since"));
    expect(said()).toBe(`Device 22334455 confirmed holding it at ${formatTime(HELD_AT)}, but something was added here since. Sync again before stowing.`);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("can stow: names the device and the time, and offers to stow", async () => {
    shell({ space_travel: () => canStow });
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toBe(`Bea confirmed holding all of it at ${formatTime(HELD_AT)}.`));
    expect(opener()).toBeTruthy();
    expect(panel()).toBeNull();
  });

  it("stowed: says when and how many records left, and offers to bring it back", async () => {
    shell({ space_travel: () => stowed });
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toBe(`Stowed ${formatTime(STOWED_AT)}: 42 records removed from this device.`));
    expect(screen.getByRole("button", { name: "Bring back" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Stow this space…" })).toBeNull();
  });

  it("stowed and asked back: says it comes back at the next sync, with no button", async () => {
    shell({ space_travel: () => returning });
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toBe("It comes back at the next sync with a member."));
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("reads the state again when another space is selected", async () => {
    shell({ space_travel: (a) => (a.space === SPACE ? canStow : returning) });
    const view = render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toContain("Bea confirmed holding all of it"));
    await view.rerender({ space: OTHER, onchange: () => {} });
    await waitFor(() => expect(said()).toBe(tables.en["travel.returning"]));
    expect(sent("space_travel").map((c) => c.args)).toEqual([{ space: SPACE }, { space: OTHER }]);
  });

  it("speaks Arabic, right to left, with the time in Arabic", async () => {
    shell({ space_travel: () => canStow });
    setLang("ar");
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await waitFor(() => expect(said()).toBe(tables.ar["travel.held"].replace("{name}", "Bea").replace("{time}", formatTime(HELD_AT))));
    expect(document.documentElement.dir).toBe("rtl");
    expect(screen.getByRole("button", { name: tables.ar["travel.open"] })).toBeTruthy();
  });
});

describe("TravelMode: stowing and bringing back", () => {
  it("the first press only opens the panel, which says what it does and does not cover", async () => {
    shell({ space_travel: () => canStow, stow_space: () => stowed });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    const box = panel();
    expect(box).not.toBeNull();
    expect(box?.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent))
      .toEqual([tables.en["travel.does"], tables.en["travel.does_not"]]);
    expect(box?.textContent).toContain("name and members stay on this device");
    expect(box?.textContent).toContain("exports, backups, a disk image");
    expect(box?.textContent).toContain("only other members' copies remain");
    await waitFor(() => expect(box?.contains(document.activeElement)).toBe(true));
    expect(sent("stow_space")).toEqual([]);
    expect(changed).toBe(0);
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(panel()).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(opener()));
    expect(sent("stow_space")).toEqual([]);
  });

  it("Stow now sends exactly one stow_space with the space's id, then says it is stowed", async () => {
    let finish: (v: TravelView) => void = () => {};
    shell({ space_travel: () => canStow, stow_space: () => new Promise<TravelView>((r) => (finish = r)) });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    const now = screen.getByRole("button", { name: "Stow now" }) as HTMLButtonElement;
    await fireEvent.click(now);
    await waitFor(() => expect(now.disabled).toBe(true));
    await fireEvent.click(now); // a second press while it runs sends nothing more
    await fireEvent.keyDown(now, { key: "Escape" }); // and Escape cannot call it back
    expect(panel()).not.toBeNull();
    finish(stowed);
    await waitFor(() => expect(said()).toContain("42 records removed from this device"));
    expect(sent("stow_space").map((c) => c.args)).toEqual([{ space: SPACE }]);
    expect(changed).toBe(1);
    expect(panel()).toBeNull();
    await waitFor(() => expect(document.activeElement?.classList.contains("travel-state")).toBe(true));
  });

  it("Escape cancels without stowing and gives focus back to the button that opened it", async () => {
    shell({ space_travel: () => canStow, stow_space: () => stowed });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    const now = screen.getByRole("button", { name: "Stow now" });
    now.focus();
    await fireEvent.keyDown(now, { key: "Escape" });
    expect(panel()).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(opener()));
    expect(sent("stow_space")).toEqual([]);
    expect(changed).toBe(0);
  });

  it("a not_held_elsewhere refusal shows its sentence and changes nothing", async () => {
    shell({
      space_travel: () => canStow,
      stow_space: () => { throw { code: "not_held_elsewhere", message: "no finished sync confirmed" }; },
    });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    await fireEvent.click(screen.getByRole("button", { name: "Stow now" }));
    expect((await screen.findByRole("alert")).textContent).toBe(tables.en["err.not_held_elsewhere"]);
    expect(sent("stow_space").map((c) => c.args)).toEqual([{ space: SPACE }]);
    expect(changed).toBe(0);
    expect(said()).toBe(`Bea confirmed holding all of it at ${formatTime(HELD_AT)}.`);
    expect(screen.queryByRole("button", { name: "Bring back" })).toBeNull();
    // The panel stays open for another try once the state was read again (still stowable).
    await waitFor(() => expect((screen.getByRole("button", { name: "Stow now" }) as HTMLButtonElement).disabled).toBe(false));
    expect(panel()).not.toBeNull();
    expect(sent("space_travel").length).toBe(2);
    expect(sent("stow_space").length).toBe(1);
    expect(changed).toBe(0);
  });

  it("a refusal because something was added since closes the panel and says so", async () => {
    let refused = false;
    shell({
      space_travel: () => (refused ? addedSince : canStow),
      stow_space: () => { refused = true; throw { code: "not_held_elsewhere", message: "something was added since" }; },
    });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    await fireEvent.click(screen.getByRole("button", { name: "Stow now" }));
    await waitFor(() => expect(said()).toContain("but something was added here since"));
    expect(screen.getByRole("alert").textContent).toBe(tables.en["err.not_held_elsewhere"]);
    expect(panel()).toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
    expect(sent("stow_space").length).toBe(1);
    expect(changed).toBe(0);
  });

  it("the refusal reads in the user's language", async () => {
    shell({
      space_travel: () => canStow,
      stow_space: () => { throw { code: "not_held_elsewhere", message: "no finished sync confirmed" }; },
    });
    setLang("fr");
    render(TravelMode, { props: { space: SPACE, onchange: () => {} } });
    await fireEvent.click(await screen.findByRole("button", { name: tables.fr["travel.open"] }));
    await fireEvent.click(screen.getByRole("button", { name: tables.fr["travel.now"] }));
    expect((await screen.findByRole("alert")).textContent).toBe(tables.fr["err.not_held_elsewhere"]);
  });

  it("Bring back sends bring_back_space with the space's id, then says when it comes back", async () => {
    shell({ space_travel: () => stowed, bring_back_space: () => returning });
    let changed = 0;
    render(TravelMode, { props: { space: SPACE, onchange: () => changed++ } });
    await fireEvent.click(await screen.findByRole("button", { name: "Bring back" }));
    await waitFor(() => expect(said()).toBe(tables.en["travel.returning"]));
    expect(sent("bring_back_space").map((c) => c.args)).toEqual([{ space: SPACE }]);
    expect(changed).toBe(1);
    expect(screen.queryByRole("button", { name: "Bring back" })).toBeNull();
  });
});

describe("travel mode in the Spaces screen", () => {
  const me: MemberView = { device: "11".repeat(32), name: null, role: "coordinator", removed: false, this_device: true };
  const space = (over: Partial<SpaceView> = {}): SpaceView =>
    ({ id: SPACE, name: "Lawyers", role: "coordinator", epoch: 0, members: 2, carried: false, records: 3, stowed: false, ...over });

  it("marks a stowed space in the list in words, and not the others", async () => {
    shell({
      card_name: () => null,
      list_spaces: () => [space({ stowed: true, records: 0 }), space({ id: OTHER, name: "Medics" })],
      space_members: () => [me],
      space_records: (a) => pageOf([], a),
      share_candidates: (a) => pageOf([], a),
      space_travel: () => stowed,
    });
    render(Spaces, { props: { onopen: () => {} } });
    const lawyers = await screen.findByRole("button", { name: /Lawyers/ });
    expect(lawyers.querySelector(".badge")?.textContent).toBe("stowed");
    expect(lawyers.textContent).toContain("stowed");
    expect(screen.getByRole("button", { name: /Medics/ }).textContent).not.toContain("stowed");
    await waitFor(() => expect(said()).toContain("42 records removed"));
    expect(sent("space_travel").map((c) => c.args)).toEqual([{ space: SPACE }]);
  });

  it("after stowing, re-reads the list, which then shows the badge", async () => {
    let isStowed = false;
    shell({
      card_name: () => null,
      list_spaces: () => [space({ stowed: isStowed, records: isStowed ? 0 : 3 })],
      space_members: () => [me],
      space_records: (a) => pageOf([], a),
      share_candidates: (a) => pageOf([], a),
      space_travel: () => (isStowed ? stowed : canStow),
      stow_space: () => { isStowed = true; return stowed; },
    });
    render(Spaces, { props: { onopen: () => {} } });
    await fireEvent.click(await screen.findByRole("button", { name: "Stow this space…" }));
    expect(screen.getByRole("button", { name: /Lawyers/ }).textContent).not.toContain("stowed");
    expect(document.querySelector("#share-form")).not.toBeNull();
    const lists = sent("list_spaces").length;
    await fireEvent.click(screen.getByRole("button", { name: "Stow now" }));
    await waitFor(() => expect(screen.getByRole("button", { name: /Lawyers/ }).querySelector(".badge")?.textContent).toBe("stowed"));
    expect(sent("list_spaces").length).toBeGreaterThan(lists);
    expect(sent("stow_space").map((c) => c.args)).toEqual([{ space: SPACE }]);
    // A stowed space takes nothing new: the share form is gone until it is back.
    expect(document.querySelector("#share-form")).toBeNull();
  });
});
