// The panic wipe in the UI, over Tauri's IPC mocks: `mockIPC` stands in for the shell (which
// needs a window) and records every command sent. What the wipe does to the files is the core's
// and the shell's tests' business; here: two presses, never one, and the state read afterwards.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import WipeVault from "../parts/WipeVault.svelte";
import Welcome from "../screens/Welcome.svelte";
import Settings from "../screens/Settings.svelte";
import App from "../App.svelte";
import { setLang } from "../lib/locale.svelte";
import { LANGS, tables } from "../lib/strings";
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

const SLOW = 20_000;
const sent = (cmd: string) => calls.filter((c) => c.cmd === cmd).length;
const opener = () => screen.getByRole("button", { name: "Wipe this vault…" });
const panel = () => screen.queryByRole("group", { name: "Wipe this vault" });

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("WipeVault", () => {
  it("the first press only opens the confirmation; Cancel closes it and sends nothing", async () => {
    shell({ wipe_vault: () => null });
    let wiped = 0;
    render(WipeVault, { props: { onwiped: () => wiped++ } });
    expect(panel()).toBeNull();
    await fireEvent.click(opener());
    const box = panel();
    expect(box).not.toBeNull();
    expect(box?.textContent).toContain("Destroys this vault's keys first, then deletes its files.");
    expect(box?.textContent).toContain("It cannot reach copies made before");
    expect(box?.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent))
      .toEqual([tables.en["wipe.does"], tables.en["wipe.does_not"]]);
    await waitFor(() => expect(box?.contains(document.activeElement)).toBe(true));
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(panel()).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(opener()));
    expect(calls).toEqual([]);
    expect(wiped).toBe(0);
  });

  it("Escape cancels likewise and gives focus back to the button that opened it", async () => {
    shell({ wipe_vault: () => null });
    let wiped = 0;
    render(WipeVault, { props: { onwiped: () => wiped++ } });
    await fireEvent.click(opener());
    const now = screen.getByRole("button", { name: "Wipe now" });
    now.focus();
    await fireEvent.keyDown(now, { key: "Escape" });
    expect(panel()).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(opener()));
    expect(calls).toEqual([]);
    expect(wiped).toBe(0);
  });

  it("Wipe now sends exactly one wipe_vault, busy while it runs, then calls onwiped", async () => {
    let finish: (v: null) => void = () => {};
    shell({ wipe_vault: () => new Promise<null>((r) => (finish = r)) });
    let wiped = 0;
    render(WipeVault, { props: { onwiped: () => wiped++ } });
    await fireEvent.click(opener());
    const now = screen.getByRole("button", { name: "Wipe now" }) as HTMLButtonElement;
    await fireEvent.click(now);
    await waitFor(() => expect(now.disabled).toBe(true));
    expect(now.getAttribute("aria-busy")).toBe("true");
    expect((screen.getByRole("button", { name: "Cancel" }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(now); // a second press while it runs sends nothing more
    await fireEvent.keyDown(now, { key: "Escape" }); // and Escape cannot call it back
    expect(panel()).not.toBeNull();
    expect(wiped).toBe(0);
    finish(null);
    await waitFor(() => expect(wiped).toBe(1));
    expect(calls).toEqual([{ cmd: "wipe_vault", args: {} }]);
  });

  it("an error shows its sentence in an alert and onwiped is not called", async () => {
    shell({ wipe_vault: () => { throw { code: "io", message: "permission denied" }; } });
    let wiped = 0;
    render(WipeVault, { props: { onwiped: () => wiped++ } });
    await fireEvent.click(opener());
    await fireEvent.click(screen.getByRole("button", { name: "Wipe now" }));
    expect((await screen.findByRole("alert")).textContent).toBe(tables.en["err.io"]);
    expect(sent("wipe_vault")).toBe(1);
    expect(wiped).toBe(0);
    expect((screen.getByRole("button", { name: "Wipe now" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("speaks every language and keeps Arabic laid out right to left", async () => {
    shell({});
    render(WipeVault, { props: { onwiped: () => {} } });
    for (const lang of LANGS) {
      setLang(lang);
      await waitFor(() => expect(screen.getByRole("button").textContent).toBe(tables[lang]["wipe.open"]));
    }
    setLang("ar");
    expect(document.documentElement.dir).toBe("rtl");
    await fireEvent.click(screen.getByRole("button"));
    expect(screen.getByRole("group", { name: tables.ar["wipe.title"] }).textContent).toContain(tables.ar["wipe.does_not"]);
  });
});

describe("where the wipe is offered", () => {
  const props = { onunlocked: () => {}, onretry: () => {}, onwiped: () => {} };

  it("shows on the unlock screen of a locked vault, not on the create screen", () => {
    shell({});
    const locked = render(Welcome, { props: { vault: "locked", ...props } });
    expect(opener()).toBeTruthy();
    locked.unmount();
    render(Welcome, { props: { vault: "no-vault", ...props } });
    expect(screen.getByRole("heading", { name: "Create your vault" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Wipe this vault…" })).toBeNull();
  });

  it("does not show while the vault is open in another window", () => {
    shell({});
    render(Welcome, { props: { vault: "open-elsewhere", ...props } });
    expect(screen.queryByRole("button", { name: "Wipe this vault…" })).toBeNull();
  });

  it("is the last section of Settings", () => {
    shell({});
    const { container } = render(Settings, { props: { settings: { language: "en", auto_lock_minutes: 5 }, onchange: () => {}, onwiped: () => {} } });
    const sections = container.querySelector(".settings")?.children;
    expect(sections?.[sections.length - 1].contains(opener())).toBe(true);
  });
});

describe("App after a wipe", () => {
  it("wiping from the unlock screen shows the create screen", async () => {
    let state = "locked";
    shell({
      vault_status: () => state,
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      wipe_vault: () => { state = "no-vault"; return null; },
    });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Wipe this vault…" }));
    await fireEvent.click(screen.getByRole("button", { name: "Wipe now" }));
    expect(await screen.findByRole("heading", { name: "Create your vault" })).toBeTruthy();
    expect(sent("wipe_vault")).toBe(1);
    expect(calls.map((c) => c.cmd).lastIndexOf("vault_status")).toBeGreaterThan(calls.map((c) => c.cmd).indexOf("wipe_vault"));
  });

  it("wiping from Settings of an open vault shows the create screen", async () => {
    let state = "locked";
    shell({
      vault_status: () => state,
      unlock_vault: () => { state = "unlocked"; return null; },
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      list_page: (a) => pageOf([], a),
      unlock_guard: () => null, // Settings shows the wipe after wrong passphrases (off)
      // The shell locks the vault itself before wiping it.
      wipe_vault: () => { state = "no-vault"; return null; },
    });
    render(App);
    await fireEvent.input(await screen.findByLabelText("Passphrase"), { target: { value: "the right one" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    // The screens behind unlock are a dynamic import that Vite compiles on first use: a cold run
    // on a loaded machine can take seconds (a wait bound, not a speed assertion).
    await fireEvent.click(await screen.findByRole("button", { name: "Wipe this vault…" }, { timeout: SLOW }));
    await fireEvent.click(screen.getByRole("button", { name: "Wipe now" }));
    expect(await screen.findByRole("heading", { name: "Create your vault" })).toBeTruthy();
    expect(sent("wipe_vault")).toBe(1);
  }, 3 * SLOW);
});
