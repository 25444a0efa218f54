// A long list that stays in the shell: the window holds its length and the pages of rows it has
// asked for, and asks for more as they scroll into view (`WindowedList` calls `want`). Opening
// a list of 10,000 records therefore moves one page across IPC, not 10,000 rows.
import { untrack } from "svelte";
import type { Page, Summary } from "./bindings";

/** Rows per request: a few screens' worth, so scrolling rarely waits. */
export const PAGE_ROWS = 100;

/** Asks the shell for `count` rows from `offset` (and how many there are in all). */
export type PageFetch = (offset: number, count: number) => Promise<Page>;

/** What `WindowedList` needs from a list it does not hold: the length, a row if fetched yet,
 *  and a way to ask for the rows about to be drawn. */
export interface RowSource<T> {
  readonly total: number;
  at(i: number): T | undefined;
  want(first: number, last: number, also?: number): void;
}

export class PagedRows implements RowSource<Summary> {
  /** How many rows the list has in all. */
  total = $state(0);
  #pages = $state.raw(new Map<number, Summary[]>());
  #asked = new Set<number>();
  /** Pages that arrived since the last reload started (`want`'s answers for the current query). */
  #arrived = new Set<number>();
  /** Bumped by `reload`: answers to older requests are dropped. */
  #generation = 0;
  /** The range last asked for, refetched on reload so the rows in view come back at once. */
  #range: [number, number] = [0, 0];
  #fetch: PageFetch;
  #onerror: (e: unknown) => void;

  constructor(fetch: PageFetch, onerror: (e: unknown) => void = () => {}) {
    // Asked for from inside effects: what the fetch reads (filters, ids) must not become
    // the caller's dependencies.
    this.#fetch = (offset, count) => untrack(() => fetch(offset, count));
    this.#onerror = onerror;
  }

  /** Starts over (new filters, a save, a delete): fetches the first page and the pages in view.
   *  Rejects if the first page cannot be had; until the answer the old rows stay shown. */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    const wanted = new Set([0, ...pagesOf(...this.#range)]);
    this.#asked = new Set(wanted);
    this.#arrived = new Set();
    let answers;
    try {
      answers = await Promise.all([...wanted].map((p) => this.#fetch(p * PAGE_ROWS, PAGE_ROWS).then((page) => [p, page] as const)));
    } catch (e) {
      if (generation === this.#generation) this.#asked = new Set();
      throw e;
    }
    if (generation !== this.#generation) return;
    const next = new Map(answers.map(([p, page]) => [p, page.rows]));
    // Pages scrolled to while this reload was on its way were fetched for the same query: keep them.
    for (const p of this.#arrived) if (!next.has(p)) next.set(p, this.#pages.get(p) ?? []);
    this.total = answers[0][1].total;
    this.#pages = next;
  }

  /** Row `i`, or undefined while its page is on its way. */
  at(i: number): Summary | undefined {
    return this.#pages.get(Math.floor(i / PAGE_ROWS))?.[i % PAGE_ROWS];
  }

  /** The first rows fetched (the first page at most). */
  get head(): Summary[] {
    return this.#pages.get(0) ?? [];
  }

  /** Fetches the pages of rows `first` to `last - 1`, and of row `also` (the focused one, drawn
   *  wherever it is), that were not asked for yet. */
  want(first: number, last: number, also?: number) {
    this.#range = [first, last];
    const generation = this.#generation;
    const pages = pagesOf(first, last);
    if (also !== undefined && also >= 0) pages.push(Math.floor(also / PAGE_ROWS));
    for (const p of pages) {
      if (this.#asked.has(p)) continue;
      this.#asked.add(p);
      this.#fetch(p * PAGE_ROWS, PAGE_ROWS).then(
        (page) => {
          if (generation !== this.#generation) return;
          this.#arrived.add(p);
          this.total = page.total;
          this.#pages = new Map(this.#pages).set(p, page.rows);
        },
        (e) => {
          this.#asked.delete(p);
          if (generation === this.#generation) this.#onerror(e);
        },
      );
    }
  }
}

function pagesOf(first: number, last: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(first / PAGE_ROWS); p * PAGE_ROWS < last; p++) out.push(p);
  return out;
}
