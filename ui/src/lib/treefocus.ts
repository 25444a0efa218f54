// The alert tree's keyboard model, as WAI-ARIA's tree view pattern describes it: the tree is one
// stop in the tab order (the name last focused in it, else the first); Up and Down move between
// the names shown and the "show more" buttons, Home and End to the first and last. Right on a
// closed branch opens it and on an open one moves to its first child; Left on an open branch
// closes it, and on a name inside a branch (or its "show more") moves to that branch's name. In a
// right-to-left page Right and Left swap, as the tree is drawn mirrored. Opening and closing
// press the branch's toggle, so TreeBranch.svelte keeps the open branches.
// Used as a Svelte action on the `role="tree"` element; it follows the tree as it is redrawn.

const STOPS = "button.node, button.more";

/** The key that goes into a branch (Right, or Left in a right-to-left page). */
export function inwardKey(el: Element): string {
  return getComputedStyle(el).direction === "rtl" ? "ArrowLeft" : "ArrowRight";
}

export function treeFocus(tree: HTMLElement) {
  let current: HTMLElement | null = null;
  const stops = () => [...tree.querySelectorAll<HTMLElement>(STOPS)];

  /** Only `current` (or the first name) is in the tab order; every other button in the tree is
   *  reached with the arrows (the open/close toggles are for the mouse: Right and Left do it). */
  function rove() {
    if (!current || !tree.contains(current)) current = stops()[0] ?? null;
    for (const b of tree.querySelectorAll<HTMLElement>("button")) {
      const want = b === current ? 0 : -1;
      if (b.tabIndex !== want) b.tabIndex = want;
    }
  }

  function onfocusin(e: FocusEvent) {
    const b = (e.target as HTMLElement | null)?.closest?.("button");
    if (b && b.matches(STOPS) && b !== current) {
      current = b as HTMLElement;
      rove();
    }
  }

  function onkeydown(e: KeyboardEvent) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const all = stops();
    let from = (e.target as HTMLElement | null)?.closest?.<HTMLElement>("button");
    // A toggle the mouse pressed has the focus: the keys act as from its name.
    if (from?.matches("button.twist")) from = from.closest("li[role=treeitem]")?.querySelector<HTMLElement>(":scope > button.node");
    if (!from) return;
    const at = all.indexOf(from);
    if (at < 0) return;
    const onName = from.matches("button.node");
    // The branch the focus is in: a name's own, or the one whose "show more" has the focus.
    const item = from.closest("li[role=treeitem]");
    const open = item?.getAttribute("aria-expanded");
    const toggle = item?.querySelector<HTMLElement>(":scope > button.twist");
    const inward = inwardKey(tree);
    const outward = inward === "ArrowRight" ? "ArrowLeft" : "ArrowRight";
    let to: HTMLElement | null | undefined;
    if (e.key === "ArrowDown") to = all[at + 1];
    else if (e.key === "ArrowUp") to = all[at - 1];
    else if (e.key === "Home") to = all[0];
    else if (e.key === "End") to = all[all.length - 1];
    else if (e.key === inward && onName && open === "false") {
      // A closed branch opens; the focus stays on its name.
      e.preventDefault();
      return void toggle?.click();
    } else if (e.key === inward && onName && open === "true") to = item?.querySelector<HTMLElement>(":scope > ul > li > button.node");
    else if (e.key === outward && onName && open === "true") {
      e.preventDefault();
      return void toggle?.click();
    } else if (e.key === outward && onName) to = item?.parentElement?.closest("li[role=treeitem]")?.querySelector<HTMLElement>(":scope > button.node");
    else if (e.key === outward) to = item?.querySelector<HTMLElement>(":scope > button.node");
    if (!to) return;
    e.preventDefault();
    current = to;
    rove();
    to.focus();
  }

  // Branches opened, roots added, a tree redrawn: the tab stop stays one.
  const watch = new MutationObserver(rove);
  watch.observe(tree, { childList: true, subtree: true });
  tree.addEventListener("keydown", onkeydown);
  tree.addEventListener("focusin", onfocusin);
  rove();
  return {
    destroy() {
      watch.disconnect();
      tree.removeEventListener("keydown", onkeydown);
      tree.removeEventListener("focusin", onfocusin);
    },
  };
}
