// Accessibility of the states the end-to-end runs rarely reach: every screen when every command
// the shell answers fails (a full disk, a locked vault). axe-core
// runs its WCAG 2.1 A and AA rules on what jsdom drew; jsdom has no layout or painted colours, so
// contrast is left to the end-to-end runs (tests/e2e/a11y.mjs), which check it in the real window.
// A failure must also be said where a screen reader announces it (role="alert"), in words.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import axe from "axe-core";
import type { Component } from "svelte";
import Welcome from "../screens/Welcome.svelte";
import Notes from "../screens/Notes.svelte";
import Contacts from "../screens/Contacts.svelte";
import CheckIns from "../screens/CheckIns.svelte";
import Reprisals from "../screens/Reprisals.svelte";
import Indicators from "../screens/Indicators.svelte";
import Search from "../screens/Search.svelte";
import Spaces from "../screens/Spaces.svelte";
import Sync from "../screens/Sync.svelte";
import Settings from "../screens/Settings.svelte";
import { setLang } from "../lib/locale.svelte";

const FAILURE = "The disk is full: nothing was saved. Free some space, then try again.";

const SCREENS: [string, Component<any>, Record<string, unknown>][] = [
  ["Notes", Notes, {}],
  ["Contacts", Contacts, {}],
  ["Check-ins", CheckIns, {}],
  ["Reprisals", Reprisals, {}],
  ["Indicators", Indicators, {}],
  ["Search", Search, { onopen: () => {} }],
  ["Spaces", Spaces, { onopen: () => {} }],
  ["Sync", Sync, {}],
  ["Settings", Settings, { settings: { language: "en", auto_lock_minutes: 5 }, onchange: () => {}, onwiped: () => {} }],
];

/** axe-core's WCAG 2.1 A and AA violations in `root`, one line each. */
async function violations(root: HTMLElement): Promise<string[]> {
  const found = await axe.run(root, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
    resultTypes: ["violations"],
  });
  return found.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Lets the screen's first requests settle (answers, then the frame some screens wait for). */
async function settled() {
  await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  await new Promise((r) => setTimeout(r, 50));
}

beforeEach(() => setLang("en"));
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("accessibility when every command fails", () => {
  beforeEach(() =>
    mockIPC(() => {
      throw { code: "io", message: FAILURE };
    }),
  );

  for (const [name, screen, props] of SCREENS) {
    it(`${name}: says why in an alert, and breaks no WCAG A/AA rule`, async () => {
      const { container } = render(screen, { props });
      // Search asks the shell only once something is typed.
      if (name === "Search") await fireEvent.input(container.querySelector("#search-text")!, { target: { value: "arrest" } });
      await waitFor(() => {
        const alerts = [...container.querySelectorAll('[role="alert"]')].map((a) => a.textContent ?? "");
        // Settings reads nothing at first: it fails only once asked to do something.
        if (name !== "Settings") expect(alerts.some((a) => a.trim().length > 10)).toBe(true);
      });
      await settled();
      expect(await violations(container)).toEqual([]);
    });
  }

  it("the unlock screen, after a failed unlock, breaks no rule either", async () => {
    const { container, getByLabelText, getByRole } = render(Welcome, {
      props: { vault: "locked", onunlocked: () => {}, onretry: () => {}, onwiped: () => {} },
    });
    (getByLabelText("Passphrase") as HTMLInputElement).value = "some passphrase";
    getByLabelText("Passphrase").dispatchEvent(new Event("input", { bubbles: true }));
    getByRole("button", { name: "Unlock" }).click();
    await waitFor(() => expect(container.querySelector('[role="alert"]')?.textContent?.trim().length).toBeGreaterThan(10));
    expect(await violations(container)).toEqual([]);
  });
});

describe("the check itself", () => {
  it("catches a planted fault (an unlabelled field), so a pass means something", async () => {
    mockIPC(() => null);
    const { container } = render(Settings, { props: { settings: { language: "en", auto_lock_minutes: 5 }, onchange: () => {}, onwiped: () => {} } });
    const plant = document.createElement("input");
    container.append(plant);
    expect((await violations(container)).some((v) => v.startsWith("label:"))).toBe(true);
  });
});
