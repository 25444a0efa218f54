// Accessibility checks run in the real WebKit window, on each screen as it is drawn:
// - `audit`: axe-core's rules for WCAG 2.1 levels A and AA (names and labels for screen readers,
//   roles and ARIA states, colour contrast computed from the painted styles, language, structure).
// - `keyboardWalk`: real Tab presses (WebDriver's Actions API, so WebKit moves the focus as it does
//   for a user) must reach every control the screen shows, and each control must draw a focus
//   indicator when it has the focus from the keyboard.
// axe-core is the UI's dev dependency (ui/node_modules, installed by scripts/setup.sh); it is sent
// with the check, so the app itself never carries it.
import { readFileSync, readdirSync } from "node:fs";
import { sleep, xdotool as x } from "./webdriver.mjs";

const AXE = readFileSync(new URL("../../ui/node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const TAB = "\uE004";

/** axe-core's WCAG 2.1 A and AA violations on the page as it is now: [] when there is none, else
 *  one line per rule with the first few elements it found. */
export async function audit(s) {
  const found = await s.cmd("POST", "/execute/async", {
    script: `${AXE}
      const done = arguments[arguments.length - 1];
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] })
        .then((r) => done(r.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + " -- " +
          v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " [" + (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 160) + "]").join("; "))),
          (e) => done(["axe-core could not run: " + e]));`,
    args: [],
  });
  return found;
}

/** What the page can be tabbed to now, marked with data-walk numbers: enabled, rendered controls
 *  with a tab index of 0 or more, one radio button per group (the others are reached with the
 *  arrow keys, as in every browser). Also returned: rendered, enabled controls taken out of the
 *  tab order (tab index -1) outside the widgets whose arrows reach them (the alert tree, a
 *  windowed list), which no key reaches. Each control's outline and shadow unfocused are kept,
 *  so a focus indicator is a change that focus makes, not a border it always has. */
const MARK = `
  const sel = "a[href], button, input, select, textarea, summary, [tabindex], [contenteditable='true']";
  const look = (el) => { const st = getComputedStyle(el); return st.outlineStyle + " " + st.outlineWidth + " " + st.boxShadow; };
  document.activeElement && document.activeElement.blur();
  const groups = new Set();
  let n = 0;
  for (const el of document.querySelectorAll("[data-walk]")) el.removeAttribute("data-walk");
  const want = [];
  const unreachable = [];
  window.__walkBase = {};
  const named = (el) => (el.id ? "#" + el.id : el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "")) + " " +
    ((el.getAttribute("aria-label") || el.textContent || el.getAttribute("placeholder") || "").trim().slice(0, 30));
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || el.closest("[inert], [hidden], [aria-hidden='true'], fieldset:disabled")) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    if (el.tabIndex < 0) {
      if (!el.closest("[role='tree'], ul.rows") && el.matches("a[href], button, input, select, textarea, summary")) unreachable.push(named(el));
      continue;
    }
    if (el.type === "radio" && el.name) {
      if (groups.has(el.name)) continue;
      groups.add(el.name);
      for (const r of document.querySelectorAll("input[type=radio][name='" + CSS.escape(el.name) + "']")) r.setAttribute("data-walk", String(n));
    } else el.setAttribute("data-walk", String(n));
    window.__walkBase[n] = look(el);
    want.push(n + " " + named(el));
    n++;
  }
  window.__walk = [];
  // Each Tab's keydown reaches the page before the focus moves: what has the focus then is what
  // the previous press focused (read at the end for the last press). A focus listener would miss
  // date fields: WebKit moves the focus between their parts inside the field.
  window.__walkSeen = () => {
    const el = document.activeElement;
    if (!el || el === document.body) return;
    const st = getComputedStyle(el);
    const drawn = (st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== "none";
    const n = el.getAttribute("data-walk");
    const ring = drawn && (n === null || look(el) !== window.__walkBase[n]);
    window.__walk.push([n, ring, (el.id || el.tagName.toLowerCase()) + (document.hasFocus() ? "" : " (window not focused)")]);
  };
  window.__walkListener && window.removeEventListener("keydown", window.__walkListener, true);
  window.__walkListener = (e) => e.key === "Tab" && window.__walkSeen();
  window.addEventListener("keydown", window.__walkListener, true);
  return { want, unreachable };`;

/** Presses Tab twice for every control the screen shows (the walk starts where the focus last was,
 *  not at the top, and going past the last control takes a press or two before the first is
 *  focused again), then reports the controls never reached, those no key reaches (tab index -1
 *  outside a tree or a list), and those reached without a visible focus indicator. The caller
 *  moves on by clicking, as before. */
export async function keyboardWalk(s) {
  const { want, unreachable } = await s.run(MARK);
  const presses = 2 * want.length + 6;
  const actions = [];
  for (let i = 0; i < presses; i++) actions.push({ type: "keyDown", value: TAB }, { type: "keyUp", value: TAB });
  await s.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
  await s.cmd("DELETE", "/actions");
  const walk = await s.run(`window.removeEventListener("keydown", window.__walkListener, true);
    window.__walkSeen();
    for (const el of document.querySelectorAll("[data-walk]")) el.removeAttribute("data-walk");
    return window.__walk;`);
  const reached = new Set(walk.map(([n]) => n).filter((n) => n !== null));
  const missed = [...want.filter((w) => !reached.has(w.split(" ")[0])), ...unreachable.map((u) => `${u} (tab index -1)`)];
  const noRing = [...new Set(walk.filter(([, ring]) => !ring).map(([, , name]) => name))];
  return { controls: want.length, missed, noRing };
}

/** Proof that both checks can fail, on the page as it is now: an unlabelled field, a button drawn
 *  without a focus indicator and a button out of the tab order are planted, both checks run, the
 *  plants are removed. Returns [whether axe-core named the field and the walk both buttons, what
 *  each found]. */
export async function checksCanFail(s) {
  await s.run(`const box = document.createElement("div");
    box.id = "a11y-plants";
    box.innerHTML = '<input id="a11y-plant-field" type="text"><button type="button" id="a11y-plant-button">plant</button>' +
      '<button type="button" id="a11y-plant-hidden" tabindex="-1">no key reaches this</button>';
    document.body.append(box);
    // Through the CSSOM: the page's CSP ignores style attributes.
    const b = document.getElementById("a11y-plant-button");
    b.style.setProperty("outline", "none", "important");
    b.style.setProperty("box-shadow", "none", "important");`);
  try {
    const violations = await audit(s);
    const walk = await keyboardWalk(s);
    const ok = violations.some((v) => v.startsWith("label ") && v.includes("#a11y-plant-field")) && walk.noRing.includes("a11y-plant-button")
      && walk.missed.some((m) => m.startsWith("#a11y-plant-hidden"));
    return [ok, JSON.stringify({ violations, walk })];
  } finally {
    await s.run(`document.getElementById("a11y-plants")?.remove();`);
  }
}

/** Saves each screen as a screenshot (`screenshot`, the run's) and checks it as the run reaches
 *  it (`shot`), then reports once for all of them (`report`): every finding is printed before
 *  the steps, so one failing screen does not hide another. */
export function accessibility(screenshot) {
  const screens = [];
  /** `focus`, when given, gives the window the keyboard focus first (WebKit draws :focus only in
   *  the focused window; with two windows on one display, only one has it). */
  async function shot(s, name, focus) {
    await screenshot(s, name);
    if (focus) await focus(s);
    const violations = await audit(s);
    const walk = await keyboardWalk(s);
    screens.push({ name, violations, ...walk });
  }
  /** `s`: a session still on a screen, for the proof that the checks can fail (`focus` as for
   *  `shot`). */
  async function report(s, step, focus) {
    if (focus) await focus(s);
    const [caught, found] = await checksCanFail(s);
    step("the accessibility checks find an unlabelled field, a button without a focus indicator and one out of the tab order, planted on the page",
      caught, caught ? "" : found);
    const axeBad = screens.filter((x) => x.violations.length);
    const keyBad = screens.filter((x) => x.controls === 0 || x.missed.length || x.noRing.length);
    for (const x of axeBad) console.log(`  axe-core on ${x.name}:\n    ${x.violations.join("\n    ")}`);
    for (const x of keyBad) console.log(`  keyboard on ${x.name}: ${x.controls} controls; not reached by Tab: ${x.missed.join(", ") || "none"}; no focus indicator: ${x.noRing.join(", ") || "none"}`);
    const controls = screens.reduce((a, x) => a + x.controls, 0);
    step(`axe-core finds no WCAG 2.1 A or AA violation (names, labels, roles, contrast) on any of ${screens.length} screens`,
      screens.length > 0 && axeBad.length === 0, axeBad.map((x) => x.name).join(", "));
    step(`Tab reaches each of the ${controls} tab stops on those screens (a tree or a list is one; its arrows reach the rest), and each shows a focus indicator`,
      controls > 0 && keyBad.length === 0, keyBad.map((x) => x.name).join(", "));
  }
  return { shot, report };
}

/** Gives the keyboard focus to the window of the app that the tauri-driver process `driverPid`
 *  launched (tauri-driver, then WebKitWebDriver, then the app), with xdotool: for a run with two
 *  windows on one display. The app's main window is its largest visible one (a file dialog or a
 *  drop-down list is smaller); the page must then report that it has the focus. */
export function windowFocuser(driverPid) {
  return async (s) => {
    const parent = new Map();
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const ppid = Number(readFileSync(`/proc/${d}/stat`, "utf8").replace(/^.*\) \S+ /s, "").split(" ")[0]);
        const argv0 = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0")[0];
        parent.set(Number(d), { name: argv0.split("/").pop(), ppid });
      } catch {
        // the process ended meanwhile
      }
    }
    const under = (pid) => {
      for (let p = pid; p > 1; p = parent.get(p)?.ppid ?? 0) if (p === driverPid) return true;
      return false;
    };
    const app = [...parent].find(([pid, p]) => p.name === "carenet-desktop" && under(pid));
    if (!app) throw new Error(`no app window under tauri-driver ${driverPid}`);
    const area = (id) => {
      const m = x("getwindowgeometry", id).match(/Geometry: (\d+)x(\d+)/);
      return m ? Number(m[1]) * Number(m[2]) : 0;
    };
    const ids = x("search", "--onlyvisible", "--pid", String(app[0])).trim().split("\n").filter(Boolean);
    const id = ids.sort((a, b) => area(b) - area(a))[0];
    x("windowraise", id);
    x("windowfocus", "--sync", id);
    for (let i = 0; i < 30; i++) {
      if (await s.run("return document.hasFocus()")) return;
      await sleep(100);
    }
    throw new Error(`the app's window under tauri-driver ${driverPid} did not take the keyboard focus`);
  };
}
