// The windowed list and the on-demand tree: with 10,000 rows the page draws a bounded number of
// them, scrolling draws the right ones, the keyboard moves focus row by row (scrolling as it
// goes), and a screen reader is told each drawn row's place in the whole list.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { createRawSnippet, tick } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import WindowedList from "../parts/WindowedList.svelte";
import Notes from "../screens/Notes.svelte";
import Contacts from "../screens/Contacts.svelte";
import Reprisals from "../screens/Reprisals.svelte";
import { setLang } from "../lib/locale.svelte";
import { pageOf, treeOf } from "./pages";

type Item = { id: string; title: string };
const N = 10_000;
const items: Item[] = Array.from({ length: N }, (_, i) => ({ id: `id-${i}`, title: `row ${i}` }));
const row = createRawSnippet((item: () => Item) => ({ render: () => `<button type="button">${item().title}</button>` }));

// jsdom has no layout: the list assumes a 600 px box, so 40 px rows show 15, plus 8 above and below.
const MOST_DRAWN = 15 + 2 * 8 + 1;

function list(props: Record<string, unknown> = {}) {
  const { container } = render(WindowedList<Item>, { props: { items, key: (x: Item) => x.id, row, rowHeight: 40, label: "Rows", ...props } });
  const box = container.querySelector(".window") as HTMLDivElement;
  const drawn = () => [...container.querySelectorAll<HTMLLIElement>(".rows > li")];
  return { box, drawn };
}

async function scrollTo(box: HTMLDivElement, px: number) {
  Object.defineProperty(box, "scrollTop", { value: px, writable: true, configurable: true });
  await fireEvent.scroll(box);
}

beforeEach(() => setLang("en"));
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("WindowedList", () => {
  it("draws a bounded window of 10,000 rows and tells their place in the whole list", () => {
    const { drawn } = list();
    const rows = drawn();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThanOrEqual(MOST_DRAWN);
    expect(rows[0].textContent).toBe("row 0");
    expect(rows[0].getAttribute("aria-posinset")).toBe("1");
    expect(rows[0].getAttribute("aria-setsize")).toBe(String(N));
    expect(screen.getByRole("list", { name: "Rows" })).toBeTruthy();
  });

  it("draws the rows under the scroll position, at their offsets", async () => {
    const { box, drawn } = list();
    await scrollTo(box, 5000 * 40);
    const rows = drawn();
    expect(rows.length).toBeLessThanOrEqual(MOST_DRAWN);
    const shown = rows.map((r) => Number(r.dataset.index));
    expect(shown).toContain(5000);
    expect(shown).toContain(5014);
    expect(shown).not.toContain(100);
    const r5000 = rows.find((r) => r.dataset.index === "5000")!;
    expect(r5000.textContent).toBe("row 5000");
    expect(r5000.getAttribute("aria-posinset")).toBe("5001");
    expect(r5000.style.insetBlockStart).toBe(`${5000 * 40}px`);
  });

  it("keeps one row in the tab order and moves focus with the arrows, End and Home", async () => {
    const { box, drawn } = list();
    await tick();
    const tabbable = drawn().flatMap((li) => [...li.querySelectorAll("button")]).filter((b) => b.tabIndex === 0);
    expect(tabbable.map((b) => b.textContent)).toEqual(["row 0"]);
    tabbable[0].focus();
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("row 1"));
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe(`row ${N - 1}`));
    expect(box.scrollTop).toBe(N * 40 - 600);
    expect(drawn().length).toBeLessThanOrEqual(MOST_DRAWN);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe(`row ${N - 2}`));
    await fireEvent.keyDown(document.activeElement!, { key: "Home" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("row 0"));
    expect(box.scrollTop).toBe(0);
  });

  it("keeps one row in the tab order when other records take the drawn places (a reload)", async () => {
    const { container, rerender } = render(WindowedList<Item>, { props: { items, key: (x: Item) => x.id, row, rowHeight: 40, label: "Rows" } });
    await tick();
    // The same number of rows, other records at every place (as after a save reorders the list).
    await rerender({ items: [...items].reverse() });
    await tick();
    const tabbable = [...container.querySelectorAll<HTMLButtonElement>(".rows > li button")].filter((b) => b.tabIndex === 0);
    expect(tabbable.map((b) => b.textContent)).toEqual([`row ${N - 1}`]);
  });

  it("keeps the focused row drawn when the mouse scrolls it away", async () => {
    const { box, drawn } = list();
    await tick();
    (drawn()[0].querySelector("button") as HTMLButtonElement).focus();
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("row 1"));
    await scrollTo(box, 8000 * 40);
    const shown = drawn().map((r) => Number(r.dataset.index));
    expect(shown).toContain(8000);
    expect(shown).toContain(1);
    expect(document.activeElement?.textContent).toBe("row 1");
    await fireEvent.keyDown(document.activeElement!, { key: "PageDown" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("row 15"));
  });
});

/** The contact tree once it is drawn. */
function drawnTree(container: HTMLElement): Promise<Element> {
  return waitFor(() => {
    const el = container.querySelector("#contact-tree");
    if (!el) throw new Error("no tree yet");
    return el;
  });
}

function summary(i: number, type = "note") {
  return { id: i.toString(16).padStart(32, "0"), type, title: `${type} ${i}`, date: null, tags: [], created_ms: 0, updated_ms: 0, score: null };
}

describe("Screens on 10,000 records", () => {
  it("the notes list says how many there are and draws only a window of them", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return pageOf(Array.from({ length: N }, (_, i) => summary(i)), args);
      throw { code: "internal", message: cmd };
    });
    const { container } = render(Notes, { props: {} });
    await screen.findByText("10,000 shown");
    const rows = container.querySelectorAll(".rows > li");
    expect(rows.length).toBeLessThanOrEqual(MOST_DRAWN);
    expect(rows[0].textContent).toContain("note 0");
  });

  it("asks the shell for the page in view only, then for the rows scrolled or moved to", async () => {
    const all = Array.from({ length: N }, (_, i) => summary(i));
    const asked: number[] = [];
    const held: (() => void)[] = [];
    mockIPC(async (cmd, args) => {
      if (cmd !== "list_page") throw { code: "internal", message: cmd };
      const { offset, count } = args as { offset: number; count: number };
      asked.push(offset);
      expect(count).toBe(100);
      // Pages after the first wait until the test lets them through, to see the rows meanwhile.
      if (offset > 0) await new Promise<void>((go) => held.push(go));
      return pageOf(all, args);
    });
    const { container } = render(Notes, { props: {} });
    await screen.findByText("10,000 shown");
    expect(asked).toEqual([0]);
    const box = container.querySelector(".window") as HTMLDivElement;
    await scrollTo(box, 5000 * 56);
    const at = (i: number) => container.querySelector<HTMLLIElement>(`.rows > li[data-index="${i}"]`);
    expect(at(5000)?.getAttribute("aria-busy")).toBe("true");
    expect(at(5000)?.getAttribute("aria-posinset")).toBe("5001");
    expect(at(5000)?.querySelector("button")).toBeNull();
    expect(asked).toEqual([0, 4900, 5000]);
    held.splice(0).forEach((go) => go());
    await waitFor(() => expect(at(5000)?.textContent).toContain("note 5000"));
    expect(at(5000)?.hasAttribute("aria-busy")).toBe(false);
    expect(container.querySelectorAll(".rows > li").length).toBeLessThanOrEqual(MOST_DRAWN);
    // The keyboard goes to a row whose page is not here yet: it is focused once it arrives.
    at(5000)!.querySelector("button")!.focus();
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    await waitFor(() => expect(held.length).toBe(1));
    expect(asked.at(-1)).toBe(9900);
    expect(document.activeElement?.textContent).toContain("note 5000");
    held.splice(0).forEach((go) => go());
    await waitFor(() => expect(document.activeElement?.textContent).toContain(`note ${N - 1}`));
  });

  it("the contact tree draws roots in steps and opens a branch on demand", async () => {
    const leaf = (i: number) => ({ id: `c${i}`, alias: `person ${i}`, risk: "low", repeated: false, children: [] });
    const roots = Array.from({ length: 250 }, (_, i) => ({ ...leaf(i), children: i === 0 ? [leaf(1000), leaf(1001)] : [] }));
    const asked: number[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return pageOf(Array.from({ length: 2000 }, (_, i) => summary(i, "contact")), args);
      if (cmd === "contact_tree") return (asked.push((args as { count: number }).count), treeOf(roots, args));
      throw { code: "internal", message: cmd };
    });
    const { container } = render(Contacts, { props: {} });
    // Queries stay inside the tree: role queries over the whole screen are slow in jsdom.
    const tree = await drawnTree(container);
    const text = (s: string) => [...tree.querySelectorAll("button")].find((b) => b.textContent?.trim().startsWith(s));
    expect(tree.querySelectorAll(":scope > li").length).toBe(50);
    expect(asked).toEqual([50]);
    expect(text("person 1000")).toBeUndefined();
    const first = tree.querySelector(":scope > li") as HTMLElement;
    expect(first.getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(tree.querySelector('button[aria-label="Show who person 0 alerts"]')!);
    expect(first.getAttribute("aria-expanded")).toBe("true");
    expect(text("person 1000")).toBeTruthy();
    await fireEvent.keyDown(text("person 0")!, { key: "ArrowLeft" });
    expect(text("person 1000")).toBeUndefined();
    await fireEvent.keyDown(text("person 0")!, { key: "ArrowRight" });
    expect(text("person 1001")).toBeTruthy();
    const more = container.querySelector("#tree-more")!;
    expect(more.textContent?.trim()).toBe("Show 50 more (of 250)");
    await fireEvent.click(more);
    await waitFor(() => expect(tree.querySelectorAll(":scope > li").length).toBe(100));
    expect(asked).toEqual([50, 100]);
    expect(more.textContent?.trim()).toBe("Show 50 more (of 250)");
    expect(text("person 1000"), "an open branch stays open when more roots arrive").toBeTruthy();
    // The alert picker of the editor is windowed too: far fewer than 2,000 checkboxes.
    expect(container.querySelectorAll("#contact-form input[type=checkbox]").length).toBeLessThan(40);
  });

  it("the contact tree shows roots past the shell's page size, and a late older answer is dropped", async () => {
    const leaf = (i: number) => ({ id: `c${i}`, alias: `person ${i}`, risk: "low", repeated: false, children: [] });
    const roots = Array.from({ length: 620 }, (_, i) => leaf(i));
    const asked: [number, number][] = [];
    const held: (() => void)[] = [];
    let hold = false;
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return pageOf(Array.from({ length: 620 }, (_, i) => summary(i, "contact")), args);
      if (cmd === "contact_tree") {
        const { offset, count } = args as { offset: number; count: number };
        asked.push([offset, count]);
        const answer = treeOf(roots, args);
        return hold ? new Promise((go) => held.push(() => go(answer))) : answer;
      }
      throw { code: "internal", message: cmd };
    });
    const { container } = render(Contacts, { props: {} });
    const tree = await drawnTree(container);
    const shown = () => tree.querySelectorAll(":scope > li").length;
    const more = () => container.querySelector("#tree-more") as HTMLButtonElement | null;
    // "Show more" held for a moment, then a second one answered at once: the first answer, when it
    // comes, does not take the tree back to fewer roots.
    hold = true;
    await fireEvent.click(more()!);
    hold = false;
    await fireEvent.click(more()!);
    await waitFor(() => expect(shown()).toBe(150));
    held.splice(0).forEach((go) => go());
    await new Promise((r) => setTimeout(r, 20));
    expect(shown()).toBe(150);
    for (let n = 200; n <= 550; n += 50) {
      await fireEvent.click(more()!);
      await waitFor(() => expect(shown()).toBe(n));
    }
    // 550 roots are asked as a page of 500 and one of 50; none is refused, none shown twice.
    expect(asked.slice(-2)).toEqual([[0, 500], [500, 50]]);
    expect(container.querySelector("#tree-error")).toBeNull();
    expect(more()!.textContent?.trim()).toBe("Show 50 more (of 620)");
    await fireEvent.click(more()!);
    await waitFor(() => expect(shown()).toBe(600));
    await fireEvent.click(more()!);
    await waitFor(() => expect(shown()).toBe(620));
    expect(more()).toBeNull();
  });

  it("a branch with many children draws them in steps once opened", async () => {
    const leaf = (i: number) => ({ id: `c${i}`, alias: `person ${i}`, risk: "low", repeated: false, children: [] });
    const hub = { ...leaf(0), alias: "hub", children: Array.from({ length: 120 }, (_, i) => leaf(i + 1)) };
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return pageOf(Array.from({ length: 121 }, (_, i) => summary(i, "contact")), args);
      if (cmd === "contact_tree") return treeOf([hub], args);
      throw { code: "internal", message: cmd };
    });
    const { container } = render(Contacts, { props: {} });
    const tree = await drawnTree(container);
    const group = () => tree.querySelector(":scope > li > ul[role=group]");
    expect(group()).toBeNull();
    await fireEvent.click(tree.querySelector('button[aria-label="Show who hub alerts"]')!);
    expect(group()!.querySelectorAll(":scope > li[aria-level='2']").length).toBe(50);
    const more = tree.querySelector(":scope > li > button.more") as HTMLButtonElement;
    expect(more.textContent?.trim()).toBe("Show 50 more (of 120)");
    await fireEvent.click(more);
    expect(group()!.querySelectorAll(":scope > li").length).toBe(100);
    expect(more.textContent?.trim()).toBe("Show 20 more (of 120)");
    await fireEvent.click(more);
    expect(group()!.querySelectorAll(":scope > li").length).toBe(120);
    expect(tree.querySelector(":scope > li > button.more")).toBeNull();
  });

  it("contacts draws the list first, then the tree; the tree pickers draw options once used", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return pageOf(Array.from({ length: 2000 }, (_, i) => summary(i, "contact")), args);
      if (cmd === "contact_tree") return treeOf([{ id: "c1", alias: "person 1", risk: "low", repeated: false, children: [] }], args);
      throw { code: "internal", message: cmd };
    });
    // Which batch of DOM changes first holds the list's rows, and which the tree: never the same.
    let batch = 0;
    let rowsAt = -1;
    let treeAt = -1;
    const watch = new MutationObserver(() => {
      batch++;
      if (rowsAt < 0 && document.querySelector(".rows > li")) rowsAt = batch;
      if (treeAt < 0 && document.querySelector("#contact-tree > li")) treeAt = batch;
    });
    watch.observe(document.body, { childList: true, subtree: true });
    const { container } = render(Contacts, { props: {} });
    await screen.findByText("2,000 shown");
    expect(container.querySelector(".rows > li")?.textContent).toContain("contact 0");
    await waitFor(() => expect(container.querySelector("#contact-tree > li")).toBeTruthy(), { timeout: 3000 });
    watch.disconnect();
    expect(rowsAt).toBeGreaterThan(0);
    expect(treeAt).toBeGreaterThan(rowsAt);
    const from = container.querySelector("#link-from") as HTMLSelectElement;
    const to = container.querySelector("#link-to") as HTMLSelectElement;
    expect(from.options.length).toBe(1);
    expect(to.options.length).toBe(1);
    from.focus();
    expect(from.options.length).toBe(201);
    expect(from.options[1].textContent).toBe("contact 0");
    expect(to.options.length).toBe(1);
    await fireEvent.pointerDown(to);
    expect(to.options.length).toBe(201);
    expect(container.querySelector("#link-hint")?.textContent).toContain("200");
  });

  it("the shared list screen sends each screen's own filters with its kind", async () => {
    const queries: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_page") return queries.push((args as { query: Record<string, unknown> }).query), pageOf([], args);
      if (cmd === "vocabularies") return { act_type: [], mechanism: [], engagement_form: [], intervention_kind: [], intervention_result: [], source_kind: [], perpetrator_type: [], event_status: [], follow_up: [] };
      throw { code: "internal", message: cmd };
    });
    render(Reprisals, { props: {} });
    const filters = await screen.findByRole("group", { name: "Filters" });
    expect([...filters.querySelectorAll("label")].map((l) => l.textContent)).toEqual(["Filter by words", "Tag", "From date", "To date"]);
    await fireEvent.input(screen.getByLabelText("From date"), { target: { value: "2026-05" } });
    await fireEvent.input(screen.getByLabelText("Tag"), { target: { value: "travel" } });
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ kind: "reprisal", tag: "travel", from: "2026-05", to: null }));
    cleanup();
    render(Notes, { props: {} });
    const noteFilters = await screen.findByRole("group", { name: "Filters" });
    expect([...noteFilters.querySelectorAll("label")].map((l) => l.textContent)).toEqual(["Filter by words", "Tag"]);
    await fireEvent.input(screen.getByLabelText("Filter by words"), { target: { value: "river" } });
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ kind: "note", text: "river", tag: null }));
  });
});
