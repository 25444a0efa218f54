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

// Times one interaction inside the page: from the click to the frame after `ready()` holds.
const TIMED = `
  const [selector, want, done] = arguments;
  // The CSP forbids eval, so readiness is data: an element, optionally rows, optionally a value.
  const ready = () => !!document.querySelector(want.el)
    && (!want.rows || document.querySelectorAll(".rows li").length > 0)
    && (!want.value || document.querySelector(want.value).value.length > 0);
  const t0 = performance.now();
  document.querySelector(selector).click();
  (function poll() {
    if (ready()) requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
    else setTimeout(poll, 1);
  })();`;

async function timed(s, selector, want) {
  await sleep(300);
  return s.cmd("POST", "/execute/async", { script: TIMED, args: [selector, want] });
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
const figures = {
  "open notes list": await timed(s, "#nav-contacts", rows("#contact-tree")) && await timed(s, "#nav-notes", rows("#note-form")),
  "open one note": await timed(s, ".rows li button", { el: "#note-title", value: "#note-title" }),
  "open contacts (list + tree)": await timed(s, "#nav-contacts", rows("#contact-tree")),
  "open reprisals list": await timed(s, "#nav-reprisals", rows("#rep-form")),
  "open one reprisal record": await timed(s, ".rows li button", { el: "#rep-title", value: "#rep-title" }),
};
await s.click("#nav-search");
await s.type("#search-text", "border");
await s.waitFor("#search-count");
figures["search 'border' (every record, typed)"] = await (async () => {
  await s.run(`document.getElementById("search-text").value = ""; document.getElementById("search-text").dispatchEvent(new Event("input"));`);
  await sleep(300);
  return s.cmd("POST", "/execute/async", { script: `
    const done = arguments[0]; const el = document.getElementById("search-text"); const t0 = performance.now();
    el.value = "checkpoint"; el.dispatchEvent(new Event("input"));
    (function poll() { const c = document.getElementById("search-count");
      if (c && document.querySelectorAll("#search-results li").length > 0) requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
      else setTimeout(poll, 1); })();`, args: [] });
})();
// Where "open contacts" goes: the two commands alone (request, core, JSON both ways), no drawing.
const IPC = `
  const [cmd, args, done] = arguments;
  const t0 = performance.now();
  window.__TAURI_INTERNALS__.invoke(cmd, args).then((r) => done([performance.now() - t0, Array.isArray(r) ? r.length : 0]), (e) => done([-1, String(e.code || e)]));`;
const everyContact = { query: { text: "", kind: "contact", tag: null, from: null, to: null, limit: 0 } };
const ipc = {
  "list_records (every contact)": await s.cmd("POST", "/execute/async", { script: IPC, args: ["list_records", everyContact] }),
  "contact_tree": await s.cmd("POST", "/execute/async", { script: IPC, args: ["contact_tree", {}] }),
};
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
for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${Number(v).toFixed(1)} ms`);
for (const [k, [ms, n]] of Object.entries(ipc)) console.log(`  command alone, ${k}: ${Number(ms).toFixed(1)} ms for ${n} rows`);
for (const line of locked) console.log(`at the unlock screen, ${line}`);
for (const p of tree) console.log(`RSS ${p.comm} (pid ${p.pid}): ${(p.rssKb / 1024).toFixed(1)} MB; ${smaps(p.pid)}`);
console.log(`RSS total of the app's processes: ${(rss / 1024).toFixed(1)} MB; ${totals(tree)}`);
await s.click("#lock").catch(() => {});
await s.close().catch(() => {});
driver.kill();
process.exit(0);
