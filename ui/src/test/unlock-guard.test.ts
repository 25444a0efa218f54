// The wipe after N wrong passphrases in the UI, over Tauri's IPC mocks: `mockIPC` stands in for
// the shell (which needs a window) and records every command sent. Counting the tries, refusing
// bad limits and wiping are the shell's and the core's business (and their tests'); here: the
// setting shows what the shell says, sends what the user chose, reports failures, and the unlock
// screen explains a wipe.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import UnlockGuard from "../parts/UnlockGuard.svelte";
import Settings from "../screens/Settings.svelte";
import Welcome from "../screens/Welcome.svelte";
import App from "../App.svelte";
import { setLang } from "../lib/locale.svelte";
import { LANGS, tables } from "../lib/strings";

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

const sentTo = (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);
const select = () => screen.getByLabelText("Wrong passphrases in a row before the wipe") as HTMLSelectElement;
/** The select once the shell's answer is in (it is disabled until then). */
async function loaded() {
  await waitFor(() => expect(select().disabled).toBe(false));
  return select();
}
const optionTexts = (s: HTMLSelectElement) => Array.from(s.options, (o) => o.textContent);
const WIPED = tables.en["err.wiped_after_failures"];

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("UnlockGuard setting", () => {
  it("shows Off when the shell says it is off, with the honest text under it", async () => {
    shell({ unlock_guard: () => null });
    render(UnlockGuard);
    const s = await loaded();
    expect(s.value).toBe("off");
    expect(s.selectedOptions[0].textContent).toBe("Off");
    expect(optionTexts(s)).toEqual(["Off", "3", "5", "10", "20"]);
    expect(screen.getByRole("heading", { name: "Wipe after wrong passphrases" })).toBeTruthy();
    expect(s.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent))
      .toEqual([tables.en["guard.does"], tables.en["guard.does_not"]]);
    expect(sentTo("unlock_guard")).toEqual([{}]);
  });

  it("shows the number the shell has set", async () => {
    shell({ unlock_guard: () => 10 });
    render(UnlockGuard);
    const s = await loaded();
    expect(s.value).toBe("10");
    expect(s.selectedOptions[0].textContent).toBe("10");
  });

  it("offers a number set outside the usual choices, in order, selected", async () => {
    shell({ unlock_guard: () => 7 });
    render(UnlockGuard);
    const s = await loaded();
    expect(optionTexts(s)).toEqual(["Off", "3", "5", "7", "10", "20"]);
    expect(s.value).toBe("7");
  });

  it("stays disabled, and says why, when the setting cannot be read", async () => {
    shell({ unlock_guard: () => { throw { code: "io", message: "permission denied" }; } });
    render(UnlockGuard);
    expect((await screen.findByRole("alert")).textContent).toBe(tables.en["err.io"]);
    expect(select().disabled).toBe(true);
  });

  it("choosing 5 sends set_unlock_guard with limit 5 and says it is saved", async () => {
    let limit: unknown = null;
    shell({ unlock_guard: () => limit, set_unlock_guard: (a) => { limit = a.limit; return null; } });
    render(UnlockGuard);
    const s = await loaded();
    await fireEvent.change(s, { target: { value: "5" } });
    expect((await screen.findByRole("status")).textContent).toBe("Saved: after 5 wrong passphrases in a row, this vault wipes itself.");
    expect(sentTo("set_unlock_guard")).toEqual([{ limit: 5 }]);
    expect(select().value).toBe("5");
    expect(select().disabled).toBe(false);
  });

  it("choosing Off sends set_unlock_guard with limit null", async () => {
    shell({ unlock_guard: () => 20, set_unlock_guard: () => null });
    render(UnlockGuard);
    const s = await loaded();
    await fireEvent.change(s, { target: { value: "off" } });
    expect((await screen.findByRole("status")).textContent).toBe(tables.en["guard.saved_off"]);
    expect(sentTo("set_unlock_guard")).toEqual([{ limit: null }]);
    expect(select().value).toBe("off");
  });

  it("a refusal shows its sentence in an alert and the select goes back to what is still set", async () => {
    shell({
      unlock_guard: () => 10,
      set_unlock_guard: () => { throw { code: "invalid_input", message: "the limit must be off or 3 to 99" }; },
    });
    render(UnlockGuard);
    const s = await loaded();
    await fireEvent.change(s, { target: { value: "3" } });
    expect((await screen.findByRole("alert")).textContent).toBe("Please check what you typed: the limit must be off or 3 to 99");
    expect(screen.queryByRole("status")).toBeNull();
    expect(sentTo("set_unlock_guard")).toEqual([{ limit: 3 }]);
    await waitFor(() => expect(select().value).toBe("10"));
    expect(select().disabled).toBe(false);
  });

  it("a locked vault's refusal reads as a sentence too, and the next success clears it", async () => {
    let fail = true;
    shell({
      unlock_guard: () => null,
      set_unlock_guard: () => {
        if (fail) throw { code: "vault_locked", message: "locked" };
        return null;
      },
    });
    render(UnlockGuard);
    const s = await loaded();
    await fireEvent.change(s, { target: { value: "20" } });
    expect((await screen.findByRole("alert")).textContent).toBe(tables.en["err.vault_locked"]);
    await waitFor(() => expect(select().value).toBe("off"));
    fail = false;
    await fireEvent.change(select(), { target: { value: "20" } });
    await screen.findByRole("status");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(sentTo("set_unlock_guard")).toEqual([{ limit: 20 }, { limit: 20 }]);
  });

  it("speaks every language", async () => {
    shell({ unlock_guard: () => null });
    render(UnlockGuard);
    await loaded();
    for (const lang of LANGS) {
      setLang(lang);
      await waitFor(() => expect(screen.getByRole("heading").textContent).toBe(tables[lang]["guard.title"]));
      const s = screen.getByLabelText(tables[lang]["guard.label"]) as HTMLSelectElement;
      expect(s.id).toBe("settings-guard");
      expect(s.options[0].textContent).toBe(tables[lang]["guard.off"]);
      expect(document.body.textContent).toContain(tables[lang]["guard.does_not"]);
    }
  });
});

describe("where the setting sits", () => {
  it("is in Settings, just before the panic wipe, and shows the shell's value there", async () => {
    shell({ unlock_guard: () => 5 });
    const { container } = render(Settings, {
      props: { settings: { language: "en", auto_lock_minutes: 5 }, onchange: () => {}, onwiped: () => {} },
    });
    const s = await loaded();
    expect(s.value).toBe("5");
    const sections = Array.from(container.querySelector(".settings")?.children ?? []);
    const guard = sections.findIndex((el) => el.contains(s));
    expect(guard).toBe(sections.length - 2);
    expect(within(sections[guard + 1] as HTMLElement).getByRole("button", { name: "Wipe this vault…" })).toBeTruthy();
  });
});

describe("unlocking when the Nth wrong passphrase wiped the vault", () => {
  it("a wrong passphrase before that shows the usual sentence, with no count of tries left", async () => {
    shell({ unlock_vault: () => { throw { code: "wrong_passphrase", message: "wrong passphrase" }; } });
    let wiped = 0;
    render(Welcome, { props: { vault: "locked", onunlocked: () => {}, onretry: () => {}, onwiped: () => wiped++ } });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "not the one" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    expect((await screen.findByRole("alert")).textContent).toBe(tables.en["err.wrong_passphrase"]);
    expect(document.body.textContent).not.toMatch(/\d+ (more )?(tries|attempts)/i);
    expect(wiped).toBe(0);
  });

  it("Welcome hands the sentence to its parent as the reason for the wipe", async () => {
    shell({ unlock_vault: () => { throw { code: "wiped_after_failures", message: "wiped" }; } });
    const reasons: (string | undefined)[] = [];
    render(Welcome, { props: { vault: "locked", onunlocked: () => {}, onretry: () => {}, onwiped: (r?: string) => reasons.push(r) } });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "still not it" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    await waitFor(() => expect(reasons).toEqual([WIPED]));
    expect((screen.getByLabelText("Passphrase") as HTMLInputElement).value).toBe("");
  });

  it("App shows the create screen with the sentence still visible, in an alert", async () => {
    let state = "locked";
    shell({
      vault_status: () => state,
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      // The shell wiped the vault (keys first, then files) before answering.
      unlock_vault: () => {
        state = "no-vault";
        throw { code: "wiped_after_failures", message: "wiped after failures" };
      },
    });
    render(App);
    await fireEvent.input(await screen.findByLabelText("Passphrase"), { target: { value: "a guess" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    expect(await screen.findByRole("heading", { name: "Create your vault" })).toBeTruthy();
    const alerts = screen.getAllByRole("alert");
    expect(alerts.map((a) => a.textContent)).toEqual([WIPED]);
    expect(screen.getByLabelText("Type the passphrase again")).toBeTruthy();
    const cmds = calls.map((c) => c.cmd);
    expect(cmds.lastIndexOf("vault_status")).toBeGreaterThan(cmds.indexOf("unlock_vault"));
  });

  it("the sentence is gone once a new vault is created", async () => {
    let state = "locked";
    shell({
      vault_status: () => state,
      load_settings: () => ({ language: "en", auto_lock_minutes: 5 }),
      startup_drawn: () => null,
      unlock_vault: () => {
        state = "no-vault";
        throw { code: "wiped_after_failures", message: "wiped after failures" };
      },
      create_vault: () => { state = "unlocked"; return null; },
      lock_vault: () => { state = "locked"; return null; },
      list_page: (a) => ({ total: 0, offset: (a as { offset: number }).offset, rows: [] }),
    });
    render(App);
    await fireEvent.input(await screen.findByLabelText("Passphrase"), { target: { value: "a guess" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    await screen.findByRole("heading", { name: "Create your vault" });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "a new long passphrase" } });
    await fireEvent.input(screen.getByLabelText("Type the passphrase again"), { target: { value: "a new long passphrase" } });
    await fireEvent.click(screen.getByRole("button", { name: "Create vault" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Lock" }));
    expect(await screen.findByRole("heading", { name: "Unlock your vault" })).toBeTruthy();
    expect(document.body.textContent).not.toContain(WIPED);
  });
});
