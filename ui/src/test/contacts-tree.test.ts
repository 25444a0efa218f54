// Linking contacts on the tree while a contact is open in the editor: the link is made in the
// vault at once, and the editor keeps what was typed in it. Before, the screen reopened the
// contact after every link and what was typed (an alias, a note) was lost without a word.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Contacts from "../screens/Contacts.svelte";
import { setLang } from "../lib/locale.svelte";
import type { Contact, Summary, TreeNode } from "../lib/bindings";
import { pageOf, savedAs, treeOf, wire } from "./pages";

const [ANA, BO, CEM] = ["a", "b", "c"].map((x) => x.repeat(32));
type Stored = Contact & { type: "contact" };
let store: Record<string, Stored>;
let calls: { cmd: string; args: Record<string, unknown> }[];

const contact = (alias: string, over: Partial<Contact> = {}): Stored => ({
  type: "contact", alias, channels: [], languages: [], location: "", organisation: "", skills: [], needs: [],
  risk: "unknown", notes: "", alerts: [], checked_by: [], tags: [], ...over,
});
const summary = (id: string): Summary =>
  ({ id, type: "contact", title: store[id].alias, date: null, tags: [], created_ms: 0, updated_ms: 0, score: null }) as Summary;
function tree(): TreeNode[] {
  const node = (id: string): TreeNode => ({ id, alias: store[id].alias, risk: "unknown", repeated: false, children: store[id].alerts.map(node) });
  const alerted = new Set(Object.values(store).flatMap((c) => c.alerts));
  return Object.keys(store).filter((id) => !alerted.has(id)).map(node);
}

beforeEach(() => {
  setLang("en");
  calls = [];
  store = { [ANA]: contact("Ana"), [BO]: contact("Bo"), [CEM]: contact("Cem") };
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: wire(args) });
    const ids = () => Object.keys(store);
    switch (cmd) {
      case "list_page": return pageOf(ids().map(summary), args);
      case "contact_tree": return treeOf(tree(), args);
      case "get_record": return { id: args.id, created_ms: 0, updated_ms: 0, record: wire(store[args.id as string]) };
      case "link_alert": store[args.from as string].alerts.push(args.to as string); return null;
      case "unlink_alert": { const c = store[args.from as string]; c.alerts = c.alerts.filter((x) => x !== args.to); return null; }
      case "save_record": store[args.id as string] = wire(args.record as Stored); return savedAs(args, ANA);
      default: throw { code: "internal", message: `unexpected command ${cmd}` };
    }
  });
});
afterEach(() => {
  cleanup();
  clearMocks();
});

/** Waits until Ana is open in the editor and the tree is drawn; returns the alias field. */
async function opened(container: HTMLElement): Promise<HTMLInputElement> {
  const alias = await waitFor(() => {
    const el = container.querySelector("#contact-alias") as HTMLInputElement;
    if (el?.value !== "Ana") throw new Error("Ana not open yet");
    return el;
  });
  await waitFor(() => expect(container.querySelector("#contact-tree > li")).toBeTruthy(), { timeout: 3000 });
  return alias;
}

async function pick(container: HTMLElement, picker: "#link-from" | "#link-to", id: string) {
  const select = container.querySelector(picker) as HTMLSelectElement;
  select.focus();
  await fireEvent.change(select, { target: { value: id } });
}

/** The button `selector` finds, once it is drawn. */
const present = (container: HTMLElement, selector: string) =>
  waitFor(() => {
    const button = container.querySelector<HTMLButtonElement>(selector);
    if (!button) throw new Error(`${selector} not drawn yet`);
    return button;
  }, { timeout: 3000 });

/** The editor's "alerts" box for a contact. */
const box = (container: HTMLElement, name: string) => [...container.querySelectorAll<HTMLLabelElement>("#contact-form label.check")]
  .find((l) => l.textContent?.includes(name))?.querySelector("input") as HTMLInputElement | undefined;

describe("the contact tree's links", () => {
  it("keep what is typed in the open contact's editor, and show its own new link there", async () => {
    const { container } = render(Contacts, { props: { openId: ANA } });
    const alias = await opened(container);
    await fireEvent.input(alias, { target: { value: "Ana (typed, not saved)" } });

    // A link between two other contacts: the editor is untouched.
    await pick(container, "#link-from", BO);
    await pick(container, "#link-to", CEM);
    await fireEvent.click(container.querySelector("#link-add")!);
    await waitFor(() => expect(store[BO].alerts).toEqual([CEM]));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "contact_tree").length).toBeGreaterThan(1));
    expect(alias.value).toBe("Ana (typed, not saved)");

    // A link from the open contact: the editor shows it, and still holds what was typed.
    await pick(container, "#link-from", ANA);
    await pick(container, "#link-to", BO);
    await fireEvent.click(container.querySelector("#link-add")!);
    await waitFor(() => expect(store[ANA].alerts).toEqual([BO]));
    await waitFor(() => expect(box(container, "Bo")?.checked).toBe(true));
    expect(alias.value).toBe("Ana (typed, not saved)");

    // Saving sends the link as the editor's starting point, so the vault keeps it.
    await fireEvent.submit(container.querySelector("#contact-form")!);
    await waitFor(() => expect(calls.some((c) => c.cmd === "save_record")).toBe(true));
    const save = calls.find((c) => c.cmd === "save_record")!.args as { record: Stored; base: Stored };
    expect(save.record.alias).toBe("Ana (typed, not saved)");
    expect(save.record.alerts).toEqual([BO]);
    expect(save.base.alerts).toEqual([BO]);
    expect(save.base.alias).toBe("Ana");
  });

  it("an unlink from the open contact clears its box in the editor and keeps the typing", async () => {
    store[ANA].alerts = [BO, CEM];
    const { container } = render(Contacts, { props: { openId: ANA } });
    const alias = await opened(container);
    await fireEvent.input(alias, { target: { value: "Ana 2" } });
    await pick(container, "#link-from", ANA);
    await pick(container, "#link-to", CEM);
    await fireEvent.click(container.querySelector("#link-remove")!);
    await waitFor(() => expect(store[ANA].alerts).toEqual([BO]));
    await waitFor(() => expect(box(container, "Cem")?.checked).toBe(false));
    expect(box(container, "Bo")?.checked).toBe(true);
    expect(alias.value).toBe("Ana 2");
  });

  it("an alert ticked in the editor stays ticked when the tree links the same contact to another", async () => {
    const { container } = render(Contacts, { props: { openId: ANA } });
    await opened(container);
    await waitFor(() => expect(box(container, "Cem")).toBeTruthy());
    await fireEvent.click(box(container, "Cem")!);
    expect(box(container, "Cem")!.checked).toBe(true);
    await pick(container, "#link-from", ANA);
    await pick(container, "#link-to", BO);
    await fireEvent.click(container.querySelector("#link-add")!);
    await waitFor(() => expect(box(container, "Bo")?.checked).toBe(true));
    expect(box(container, "Cem")!.checked).toBe(true);
    expect(store[ANA].alerts).toEqual([BO]);
    await fireEvent.submit(container.querySelector("#contact-form")!);
    await waitFor(() => expect(calls.some((c) => c.cmd === "save_record")).toBe(true));
    const save = calls.find((c) => c.cmd === "save_record")!.args as { record: Stored; base: Stored };
    expect(save.record.alerts).toEqual([BO, CEM]);
    expect(save.base.alerts).toEqual([BO]);
  });
});

describe("the tree's keyboard (WAI-ARIA tree view)", () => {
  /** The tree's names, and the one that has the focus. */
  const names = (container: HTMLElement) => [...container.querySelectorAll<HTMLButtonElement>("#contact-tree button.node")];
  const focused = () => (document.activeElement as HTMLElement | null)?.textContent?.split(",")[0].trim();
  const tabStops = (container: HTMLElement) =>
    [...container.querySelectorAll<HTMLButtonElement>("#contact-tree button")].filter((b) => b.tabIndex === 0).map((b) => b.textContent?.split(",")[0].trim());

  it("is one tab stop; the arrows, Home and End move between names, open branches and go in and out", async () => {
    store[ANA].alerts = [BO];
    const { container } = render(Contacts, { props: {} });
    await waitFor(() => expect(names(container).length).toBe(2), { timeout: 3000 });
    expect(tabStops(container)).toEqual(["Ana"]);
    names(container)[0].focus();
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(focused()).toBe("Cem");
    // The tab stop follows the focus, so Tab comes back to the name last used.
    expect(tabStops(container)).toEqual(["Cem"]);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    expect(focused()).toBe("Ana");
    // Right opens Ana's branch, Right again goes to the first person Ana alerts.
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    await waitFor(() => expect(names(container).map((b) => b.textContent?.split(",")[0].trim())).toEqual(["Ana", "Bo", "Cem"]));
    expect(focused()).toBe("Ana");
    expect(tabStops(container)).toEqual(["Ana"]);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    expect(focused()).toBe("Bo");
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect(focused()).toBe("Cem");
    await fireEvent.keyDown(document.activeElement!, { key: "Home" });
    expect(focused()).toBe("Ana");
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(focused()).toBe("Bo");
    // Left on a child goes up to its parent; Left on an open branch closes it.
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowLeft" });
    expect(focused()).toBe("Ana");
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowLeft" });
    await waitFor(() => expect(names(container).length).toBe(2));
    expect(container.querySelector("#contact-tree > li")!.getAttribute("aria-expanded")).toBe("false");
  });
});

describe("the tree's keyboard in a deeper tree", () => {
  const label = (el: Element | null) => el?.textContent?.split(",")[0].trim();
  const key = (k: string) => fireEvent.keyDown(document.activeElement!, { key: k });
  const name = (container: HTMLElement, who: string) =>
    [...container.querySelectorAll<HTMLButtonElement>("#contact-tree button.node")].find((b) => label(b) === who)!;

  beforeEach(() => {
    // Ana alerts Bo, who alerts 60 people: Bo's branch shows 50 and a "show more".
    const kids = Array.from({ length: 60 }, (_, i) => `${(100 + i).toString(16)}`.padStart(32, "0"));
    for (const [i, id] of kids.entries()) store[id] = contact(`Kid ${String(i).padStart(2, "0")}`);
    store[ANA].alerts = [BO];
    store[BO].alerts = kids;
  });
  afterEach(() => document.documentElement.removeAttribute("dir"));

  /** Draws the screen, opens Ana's and Bo's branches from the keyboard, and returns Bo's "show
   *  more" (the focus on Bo). */
  async function bosBranchOpen(container: HTMLElement): Promise<HTMLButtonElement> {
    await waitFor(() => expect(name(container, "Ana")).toBeTruthy(), { timeout: 3000 });
    name(container, "Ana").focus();
    await key("ArrowRight");
    await waitFor(() => expect(name(container, "Bo")).toBeTruthy());
    await key("ArrowRight");
    expect(label(document.activeElement)).toBe("Bo");
    await key("ArrowRight");
    const more = await present(container, "#contact-tree button.more");
    expect(label(document.activeElement)).toBe("Bo");
    return more;
  }

  it("Left closes an open branch inside another and stays on it; from a branch's 'show more' it goes to the branch", async () => {
    const { container } = render(Contacts, { props: {} });
    // From "show more", Left goes to the branch's name.
    (await bosBranchOpen(container)).focus();
    await key("ArrowLeft");
    expect(label(document.activeElement)).toBe("Bo");
    // Left on Bo's open branch closes it, and the focus stays on Bo (not Ana).
    await key("ArrowLeft");
    await waitFor(() => expect(container.querySelector("#contact-tree button.more")).toBeNull());
    expect(label(document.activeElement)).toBe("Bo");
    // Left again goes up to Ana.
    await key("ArrowLeft");
    expect(label(document.activeElement)).toBe("Ana");
  });

  it("'show more' puts the focus on the first person it adds", async () => {
    const { container } = render(Contacts, { props: {} });
    const more = await bosBranchOpen(container);
    more.focus();
    await fireEvent.click(more);
    await waitFor(() => expect(label(document.activeElement)).toBe("Kid 50"));
    expect(container.querySelector("#contact-tree button.more")).toBeNull();
  });

  it("in a right-to-left page Left opens and enters a branch, Right closes it", async () => {
    document.documentElement.setAttribute("dir", "rtl");
    const { container } = render(Contacts, { props: {} });
    await waitFor(() => expect(name(container, "Ana")).toBeTruthy(), { timeout: 3000 });
    name(container, "Ana").focus();
    await key("ArrowLeft");
    await waitFor(() => expect(name(container, "Bo")).toBeTruthy());
    expect(label(document.activeElement)).toBe("Ana");
    await key("ArrowLeft");
    expect(label(document.activeElement)).toBe("Bo");
    await key("ArrowRight");
    expect(label(document.activeElement)).toBe("Ana");
    await key("ArrowRight");
    await waitFor(() => expect(name(container, "Bo")).toBeUndefined());
  });
});

describe("the tree's keys after a mouse press", () => {
  it("act from the name when a branch's toggle has the focus", async () => {
    store[ANA].alerts = [BO];
    const { container } = render(Contacts, { props: {} });
    const toggle = await present(container, '#contact-tree button[aria-label="Show who Ana alerts"]');
    toggle.focus();
    await fireEvent.click(toggle);
    await waitFor(() => expect(container.querySelectorAll("#contact-tree button.node").length).toBe(3));
    await fireEvent.keyDown(toggle, { key: "ArrowDown" });
    expect(document.activeElement?.textContent?.split(",")[0].trim()).toBe("Bo");
  });
});

describe("the tree's own 'show more'", () => {
  it("puts the focus on the first root it adds when it had the focus", async () => {
    for (let i = 0; i < 60; i++) store[`${(200 + i).toString(16)}`.padStart(32, "0")] = contact(`Root ${String(i).padStart(2, "0")}`);
    const { container } = render(Contacts, { props: {} });
    const more = await present(container, "#tree-more");
    expect(container.querySelectorAll("#contact-tree > li").length).toBe(50);
    more.focus();
    await fireEvent.click(more);
    const fifty_first = tree()[50].alias;
    await waitFor(() => expect(document.activeElement?.textContent?.split(",")[0].trim()).toBe(fifty_first));
    expect(container.querySelectorAll("#contact-tree > li").length).toBe(63);
    expect(container.querySelector("#tree-more")).toBeNull();
  });
});
