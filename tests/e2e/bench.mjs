// Desktop figures on a vault of N records (seeded by src-tauri/examples/seed_vault.rs): cold start
// to the unlock screen, resident memory with every record open, and the slowest interaction.
// Prints figures; asserts nothing about speed (see ARCHITECTURE.md for the recorded numbers).
// Run through scripts/bench-desktop.sh.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Session, sleep } from "./webdriver.mjs";

const app = resolve(process.argv[2]);
const port = Number(process.env.TAURI_DRIVER_PORT);
const nativePort = Number(process.env.TAURI_NATIVE_PORT);
const PASS = process.env.CARENET_PASSPHRASE;

function processes() {
  const out = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] || 0);
      out.push({ pid: Number(pid), ppid, comm, rssKb: rss });
    } catch {}
  }
  return out;
}

// Where a process's memory is: resident total, the part private to it (anonymous: heaps, JS,
// DOM, caches) and the part mapped from files (shared libraries, shared with other processes).
function smaps(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] || 0);
    const mb = (v) => (v / 1024).toFixed(1);
    return `Rss ${mb(kb("Rss"))} MB = anonymous ${mb(kb("Anonymous"))} + file-backed ${mb(kb("Rss") - kb("Anonymous"))}; Pss ${mb(kb("Pss"))} MB`;
  } catch {
    return "smaps_rollup unreadable";
  }
}

function appTree(pid) {
  const all = processes();
  const root = all.find((p) => (pid ? p.pid === pid : p.comm.startsWith("carenet-deskto")));
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i].pid));
  return tree;
}

// RSS, PSS and anonymous memory summed over a process tree, in MB.
function totals(tree) {
  const sum = { rss: 0, pss: 0, anon: 0 };
  for (const p of tree) {
    try {
      const text = readFileSync(`/proc/${p.pid}/smaps_rollup`, "utf8");
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] || 0);
      sum.rss += kb("Rss") / 1024; sum.pss += kb("Pss") / 1024; sum.anon += kb("Anonymous") / 1024;
    } catch {}
  }
  return `RSS ${sum.rss.toFixed(1)} / PSS ${sum.pss.toFixed(1)} / anonymous ${sum.anon.toFixed(1)} MB`;
}

// Cold start as a user meets it: the app alone (no tauri-driver, no WebKitWebDriver, incognito as
// users get it), from spawn until the page reports its first screen drawn. CARENET_BENCH_STARTUP=1
// makes the shell print one line then (src-tauri/src/startup.rs): the milliseconds since main().
async function startAlone() {
  const env = { ...process.env, CARENET_BENCH_STARTUP: "1" };
  delete env.TAURI_WEBVIEW_AUTOMATION;
  const t0 = performance.now();
  const child = spawn(app, [], { env, stdio: ["ignore", "pipe", "ignore"] });
  const shellMs = await new Promise((done, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("no start-up line within 60 s")), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /first screen drawn after ms=(\d+)/.exec(out);
      if (m) { clearTimeout(timer); done(Number(m[1])); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`the app exited (${code}) before drawing`)); });
  });
  const wall = performance.now() - t0;
  await sleep(1500);
  const tree = appTree(child.pid);
  const memory = totals(tree);
  const perProcess = tree.map((p) => `${p.comm}: ${smaps(p.pid)}`);
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
  return { wall, shellMs, memory, perProcess };
}

const alone = [];
for (let i = 0; i < 3; i++) alone.push(await startAlone());

// Times one interaction inside the page: from the action (a click, text typed into a field, or a
// key) to the frame after `ready()` holds. The CSP forbids eval, so readiness is data: an element
// exists, list rows are drawn, a field holds a value, an element's text changed or contains
// something, or the focused row is the last of its list.
const TIMED = `
  const [act, want, done] = arguments;
  const q = (s) => document.querySelector(s);
  const text = (s) => q(s)?.textContent ?? "";
  const before = want.changes ? text(want.changes) : null;
  const focusedRow = () => document.activeElement?.closest("li[aria-posinset]");
  const ready = () => (!want.el || !!q(want.el))
    && (!want.rows || !!q(".rows li button"))
    && (!want.value || q(want.value).value.length > 0)
    && (!want.changes || text(want.changes) !== before)
    && (!want.text || text(want.text[0]).includes(want.text[1]))
    && (!want.last || (focusedRow() && focusedRow().getAttribute("aria-posinset") === focusedRow().getAttribute("aria-setsize")));
  const t0 = performance.now();
  const el = q(act.on);
  if (!el) return done(null);
  if (act.type !== undefined) { el.value = act.type; el.dispatchEvent(new Event("input", { bubbles: true })); }
  else if (act.key) el.dispatchEvent(new KeyboardEvent("keydown", { key: act.key, bubbles: true }));
  else el.click();
  // Where the time goes: the page's own work on the action (Svelte's update runs in a microtask
  // queued by the action, so a microtask queued after it runs once it is done), then until the
  // result is in the document (the shell's answer, drawing), then the frames until it is painted.
  let sync = null;
  queueMicrotask(() => queueMicrotask(() => (sync = performance.now() - t0)));
  (function poll() {
    if (ready()) {
      const at = performance.now() - t0;
      requestAnimationFrame(() => requestAnimationFrame(() => done([performance.now() - t0, sync, at])));
    } else setTimeout(poll, 1);
  })();`;

/** Times one interaction and prints it at once (null: what it acts on is not on the page). */
async function timed(s, act, want, name) {
  await sleep(300);
  const ms = await s.cmd("POST", "/execute/async", { script: TIMED, args: [typeof act === "string" ? { on: act } : act, want] });
  if (name) console.log(`  (measured) ${name}: ${shown(ms)}`);
  return ms;
}

/** "total ms (of which: the page's own work on the action, then until the result is in the
 *  document; the rest is the frames until it is painted)". */
function shown(ms) {
  if (ms === null) return "not found on the page";
  const [total, sync, ready] = ms;
  return `${total.toFixed(1)} ms (action handled ${Number(sync).toFixed(1)}, result in the document ${ready.toFixed(1)}, then painted)`;
}

/** Sets a field as typing would, untimed (to clear a filter between two timings). */
async function setField(s, selector, value) {
  await s.run(`const el = document.querySelector(${JSON.stringify(selector)}); el.value = ${JSON.stringify(value)};
    el.dispatchEvent(new Event("input", { bubbles: true }));`);
  await sleep(500);
}

const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { await fetch(`${base}/status`); break; } catch { await sleep(100); }
}
const t0 = performance.now();
const spawnedAt = Date.now();
const s = await Session.create(base, app);
await s.waitFor("#passphrase", "unlock screen", async () => true, 60_000);
const coldStart = performance.now() - t0;
// Where the cold start goes, on the page's own clock (timeOrigin: when WebKit began loading it).
const page = await s.run(`const n = performance.getEntriesByType("navigation")[0];
  const m = performance.getEntriesByName("unlock-screen")[0];
  return { origin: performance.timeOrigin, dcl: n ? n.domContentLoadedEventEnd : null, shown: m ? m.startTime : null };`);
await sleep(1000);
const lockedTree = appTree();
const locked = [...lockedTree.map((p) => `${p.comm}: ${smaps(p.pid)}`), `total: ${totals(lockedTree)}`];
await s.cmd("POST", "/timeouts", { script: 120_000 });
await s.type("#passphrase", PASS);
const tu = performance.now();
await s.click("#welcome-submit");
await s.waitFor("#nav-notes", "main screen", async () => true, 120_000);
const unlock = performance.now() - tu;
await s.waitFor(".rows li", "note rows", async () => true, 60_000);
const rows = (el) => ({ el, rows: true });
const count = ".list-pane .count";
const figures = {};
const figure = async (name, act, want) => void (figures[name] = await timed(s, act, want, name));
await timed(s, "#nav-contacts", rows("#contact-tree"));
await figure("open notes list", "#nav-notes", rows("#note-form"));
await figure("open one note", ".rows li button", { el: "#note-title", value: "#note-title" });
await figure("save a note (list reloaded)", "#note-save", { text: ["#note-form [role=status]", "Saved"] });
await figure("notes list: End key (last row fetched and focused)", { on: ".rows li button", key: "End" }, { last: true });
await figure("notes: filter by words, typed ('Note 12')", { on: "#note-filter-text", type: "Note 12" }, { changes: count, rows: true });
await setField(s, "#note-filter-text", "");
await figure("notes: filter by tag, typed ('tag7')", { on: "#note-filter-tag", type: "tag7" }, { changes: count, rows: true });
await setField(s, "#note-filter-tag", "");
await figure("open contacts (list shown)", "#nav-contacts", rows("#contact-form"));
await timed(s, "#nav-notes", rows("#note-form"));
await figure("open contacts (list + tree)", "#nav-contacts", rows("#contact-tree"));
await figure("contact tree: open a root with 500 children", '#contact-tree button[aria-label="Show who Alert hub alerts"]', { el: "#contact-tree > li > ul[role=group] > li" });
await figure("open one contact (editor and its alert picker)", ".rows li button", { el: "#contact-alias", value: "#contact-alias" });
await figure("open reprisals list", "#nav-reprisals", rows("#rep-form"));
await figure("open one reprisal record", ".rows li button", { el: "#rep-title", value: "#rep-title" });
await figure("reprisals: filter from a date, typed ('2020')", { on: "#rep-filter-from", type: "2020" }, { changes: count, rows: true });
await setField(s, "#rep-filter-from", "");
// The seeded space holds one record in five (2,000 of 10,000): the screen draws its members, the
// share picker (a page of the newest matches) and the space's records.
await figure("open spaces (a space of 2,000 records selected)", "#nav-spaces", { el: "#space-records li", text: ["#share-record", "("] });
await figure("spaces: share picker filter, typed ('Note 99')", { on: "#share-filter", type: "Note 99" }, { changes: "#share-record" });
await figure("open search screen", "#nav-search", { el: "#search-text" });
await figure("open settings screen", "#nav-settings", { el: "#settings-language" });
// Indicators: the core counts every record on each visit and filter, then eight tables are drawn.
await figure("open indicators (every record counted)", "#nav-indicators", { el: "#ind-records", text: ["#ind-count", "counted"] });
await figure("indicators: filter from a year, typed ('2020')", { on: "#ind-from", type: "2020" }, { changes: "#ind-count" });
await s.click("#nav-search");
await s.type("#search-text", "border");
await s.waitForText("#search-count", "result");
await setField(s, "#search-text", "");
await figure("search 'checkpoint' (every record, typed)", { on: "#search-text", type: "checkpoint" }, { el: "#search-count", text: ["#search-results", "checkpoint"] });
// Where "open contacts" goes: the two commands alone (request, core, JSON both ways), no drawing.
const IPC = `
  const [cmd, args, done] = arguments;
  const t0 = performance.now();
  window.__TAURI_INTERNALS__.invoke(cmd, args).then((r) => done([performance.now() - t0, Array.isArray(r) ? r.length : r && (r.rows || r.roots) ? (r.rows || r.roots).length : 0]), (e) => done([-1, String(e.code || e)]));`;
const everyContact = { query: { text: "", kind: "contact", tag: null, from: null, to: null, limit: 0 } };
const firstPage = { ...everyContact, offset: 0, count: 100, exclude: null };
const ipc = {
  "list_page (first 100 contacts, as the list asks now)": await s.cmd("POST", "/execute/async", { script: IPC, args: ["list_page", firstPage] }),
  "contact_tree (first 50 roots, as the screen asks)": await s.cmd("POST", "/execute/async", { script: IPC, args: ["contact_tree", { offset: 0, count: 50 }] }),
};
// Where "open spaces" goes: the list of spaces first, then three commands at once.
const firstSpace = await s.cmd("POST", "/execute/async", {
  script: `const done = arguments[arguments.length - 1];
    window.__TAURI_INTERNALS__.invoke("list_spaces", {}).then((r) => done(r.length ? r[0].id : null), () => done(null));`,
  args: [],
});
if (firstSpace) {
  ipc["list_spaces"] = await s.cmd("POST", "/execute/async", { script: IPC, args: ["list_spaces", {}] });
  ipc["space_members"] = await s.cmd("POST", "/execute/async", { script: IPC, args: ["space_members", { space: firstSpace }] });
  ipc["space_records (first 100)"] = await s.cmd("POST", "/execute/async", { script: IPC, args: ["space_records", { space: firstSpace, offset: 0, count: 100 }] });
  ipc["share_candidates (first 50)"] = await s.cmd("POST", "/execute/async", { script: IPC, args: ["share_candidates", { ...everyContact, query: { ...everyContact.query, kind: null }, offset: 0, count: 50 }] });
}
await sleep(1000);
const tree = appTree();
const rss = tree.reduce((a, p) => a + p.rssKb, 0);
for (const [i, a] of alone.entries()) {
  console.log(`cold start to unlock screen, app alone (run ${i + 1}): ${a.wall.toFixed(0)} ms from spawn (${a.shellMs} ms from main() to the page's report)`);
  console.log(`  at the unlock screen, app alone (incognito): ${a.memory}`);
}
for (const line of alone[alone.length - 1].perProcess) console.log(`  app alone, ${line}`);
console.log(`cold start to unlock screen (spawn via WebDriver, upper bound): ${coldStart.toFixed(0)} ms`);
console.log(`  of which: spawn to the page starting to load ${(page.origin - spawnedAt).toFixed(0)} ms (tauri-driver, WebKitWebDriver, the app, GTK, WebKit's processes); page start to script ready ${Number(page.dcl).toFixed(0)} ms; page start to unlock screen drawn ${Number(page.shown).toFixed(0)} ms`);
console.log(`unlock (scrypt 2^18 + decrypt every record): ${unlock.toFixed(0)} ms`);
for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${shown(v)}`);
for (const [k, [ms, n]] of Object.entries(ipc)) console.log(`  command alone, ${k}: ${Number(ms).toFixed(1)} ms for ${n} rows`);
for (const line of locked) console.log(`at the unlock screen, ${line}`);
for (const p of tree) console.log(`RSS ${p.comm} (pid ${p.pid}): ${(p.rssKb / 1024).toFixed(1)} MB; ${smaps(p.pid)}`);
console.log(`RSS total of the app's processes: ${(rss / 1024).toFixed(1)} MB; ${totals(tree)}`);
console.log(`load average after the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
await s.click("#lock").catch(() => {});
await s.close().catch(() => {});
driver.kill();
process.exit(0);
