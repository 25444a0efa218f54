// End to end, two devices: two release apps, each in its own WebKit window with its own
// throw-away HOME and its own tauri-driver, sync by ticket on loopback. A creates a vault and a
// space; B creates a vault and shows its member card; A invites B's card; B joins with the
// ticket; each adds a note and shares it into the space; B syncs with A's ticket; each window
// then shows the other's note. Then one note is edited on both at once: A's editor, opened before
// B's change arrived, keeps it when A saves. Then both unlock again and press "sync nearby": they find each
// other by mDNS (no namespaces needed: multicast works between two processes here) and each
// shows the other's new note. Then A stows the space for travel (its notes leave the window) and
// brings it back with one more sync by ticket; the ticket A copies then leaves the clipboard when
// A locks. Last, a USB bundle: A adds a note to the space and writes a bundle to the space's members through GTK's save
// dialog; B imports it through the open dialog (both answered with the keyboard by xdotool) and
// shows the note. Screenshots of the spaces and sync screens go to the artifacts
// folder, and each of those screens is checked for accessibility (./a11y.mjs). With both apps
// closed, no canary typed into either appears under either HOME.
//
// Run through scripts/e2e.sh, which provides Xvfb, a D-Bus session, the two HOMEs and ports.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, answerFileDialog, sleep } from "./webdriver.mjs";
import { reporter, scanForCanaries } from "./report.mjs";
import { accessibility, windowFocuser } from "./a11y.mjs";

const app = resolve(process.argv[2] || "target/release/carenet-desktop");
const artifacts = resolve(process.argv[3] || "target/e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

const devices = ["A", "B"].map((name) => ({
  name,
  home: process.env[`HOME_${name}`],
  port: Number(process.env[`DRIVER_PORT_${name}`]),
  nativePort: Number(process.env[`NATIVE_PORT_${name}`]),
}));
const CANARY = {
  passA: "canary passphrase A lantern Wq52",
  passB: "canary passphrase B orchard Zt93",
  space: "CanarySpace Lawyers Hx21",
  nameB: "CanaryBea Ny47",
  noteA: "CanarySyncNoteA Rp15",
  noteB: "CanarySyncNoteB Lm68",
  nearbyA: "CanaryNearbyNoteA Jc30",
  nearbyB: "CanaryNearbyNoteB Vu81",
  editA: "CanaryEditA Kb27",
  fileB: "CanaryFileB Gm62",
  usbA: "CanaryUsbNoteA Pf39",
};

const { results, step, shot: screenshot } = reporter(artifacts);
/** Every screen saved as a screenshot is also checked for accessibility (./a11y.mjs), its window
 *  given the keyboard focus first (two windows share the display). */
const a11y = accessibility(screenshot);
const shot = (s, name) => a11y.shot(s, name, windowFocuser(drivers[sessions.indexOf(s)].proc.pid));

// What the X clipboard holds now ("" when nothing does). Both windows share this Xvfb display.
function clipboard() {
  try {
    return execFileSync("xclip", ["-o", "-selection", "clipboard"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

const valueOf = (s, css) => s.run(`return document.querySelector(arguments[0]).value`, css);

// Pastes a ticket or card into a field, as a user does: WebDriver's typing sends a multi-kilobyte
// ticket one key at a time, which tests the driver rather than the app.
async function paste(s, css, text) {
  await s.waitFor(css);
  await s.run(
    `const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
     el.dispatchEvent(new Event("input", { bubbles: true }));`,
    css,
    text,
  );
}

async function pick(s, select, label) {
  const value = await s.run(
    `const o = [...document.querySelectorAll(arguments[0] + " option")].find((o) => o.textContent.trim().startsWith(arguments[1]));
     return o ? o.value : null;`,
    select,
    label,
  );
  if (value === null) throw new Error(`no option "${label}" in ${select}`);
  await s.run(
    `const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
     el.dispatchEvent(new Event("change", { bubbles: true }));`,
    select,
    value,
  );
}

async function createVault(s, pass) {
  await s.waitFor("#passphrase", "the create-vault screen");
  await s.type("#passphrase", pass);
  await s.type("#confirm", pass);
  await s.click("#welcome-submit");
  await s.waitFor("#nav-notes", "the main screen after creating the vault");
}

async function addNote(s, title) {
  await s.click("#nav-notes");
  await s.click("#note-new");
  await s.type("#note-title", title);
  await s.click("#note-save");
  await s.waitForText("#note-form [role=status]", "Saved");
}

async function shareIntoSpace(s, title) {
  await s.click("#nav-spaces");
  await s.waitFor("#share-record", "the share form");
  await s.waitFor("#share-record", `${title} offered for sharing`, async () =>
    s.run(`return [...document.querySelectorAll("#share-record option")].some((o) => o.textContent.includes(arguments[0]))`, title),
  );
  await pick(s, "#share-record", title);
  await s.click("#share-form button[type=submit]");
  await s.waitForText("#spaces-status", "moved into the space");
  await s.waitForText("#space-records", title);
}

async function openNote(s, title) {
  await s.click("#nav-notes");
  await s.waitForText(".list-pane .rows", title, 60_000);
  await s.run(
    `[...document.querySelectorAll(".list-pane .rows button")].find((b) => b.textContent.includes(arguments[0])).click()`,
    title,
  );
  await s.waitFor("#note-title", `${title} in the editor`, async () => (await valueOf(s, "#note-title")) === title);
}

async function syncWith(s, ticket) {
  await s.click("#nav-sync");
  await paste(s, "#peer-ticket", ticket);
  await s.click("#sync-now");
  await s.waitFor("#sync-result", "the end of the sync", async () => true, 60_000);
}

// One note edited on both devices at once: A opens B's note in its editor; meanwhile B tags it and
// syncs; A then types a body and saves. A's save writes only what A changed, so B's tags stay, and
// A's form says so and shows them; B's next sync brings A's body.
async function editedOnBoth(a, b, ticket) {
  await openNote(a, CANARY.noteB);
  await openNote(b, CANARY.noteB);
  await b.type("#note-tags", "from-b");
  await b.click("#note-save");
  await b.waitForText("#note-form [role=status]", "Saved");
  await syncWith(b, ticket);
  await a.type("#note-body", CANARY.editA);
  await a.click("#note-save");
  await a.waitForText("#note-form [role=status]", "were kept");
  const tags = await valueOf(a, "#note-tags");
  await shot(a, "sync-06b-A-saved-over-a-synced-change");
  step("A's editor, opened before B's change arrived, keeps B's tags when it saves", tags === "from-b", tags);
  await syncWith(b, ticket);
  await openNote(b, CANARY.noteB);
  await b.waitFor("#note-body", "A's body on B", async () => (await valueOf(b, "#note-body")) === CANARY.editA);
  step("B's next sync brings A's body, its tags kept", (await valueOf(b, "#note-tags")) === "from-b");
}

async function run(a, b) {
  await createVault(a, CANARY.passA);
  await createVault(b, CANARY.passB);
  step("two vaults in two HOMEs", true);

  await a.click("#nav-spaces");
  await a.type("#space-name", CANARY.space);
  await a.click("#space-create button[type=submit]");
  await a.waitForText("#spaces-status", "coordinator");
  step("A creates a space", true);

  await b.click("#nav-spaces");
  await b.type("#card-name", CANARY.nameB);
  await b.click("#card-form button[type=submit]");
  await b.waitFor("#card-qr", "B's card as a QR code");
  const card = await valueOf(b, "#card-text");
  await shot(b, "sync-01-B-member-card");
  step("B shows its member card as QR and text", card.startsWith("carenet-card1:"));

  await paste(a, "#invite-card", card);
  await a.click("#invite-form button[type=submit]");
  await a.waitFor("#invite-ticket", "the invite ticket");
  const invite = await valueOf(a, "#invite-ticket");
  await a.waitForText("#members", CANARY.nameB);
  await shot(a, "sync-02-A-invite");
  step("A invites B's card and gets a ticket", invite.startsWith("carenet-invite1:"));

  await paste(b, "#join-ticket", invite);
  await b.click("#space-join button[type=submit]");
  await b.waitForText("#spaces-status", "joined");
  await b.waitForText("#space-list", CANARY.space);
  step("B joins with the ticket", true);

  await addNote(a, CANARY.noteA);
  await shareIntoSpace(a, CANARY.noteA);
  await addNote(b, CANARY.noteB);
  // B attaches a file to its note before sharing it: the file's parts move into the space with it.
  const pickDir = mkdtempSync(join(tmpdir(), "carenet-e2e-pick-"));
  const picked = join(pickDir, "evidence.txt");
  writeFileSync(picked, `${CANARY.fileB}\nseen at the gate\n`);
  const input = await b.waitFor("#note-file-input");
  await b.cmd("POST", `/element/${input}/value`, { text: picked });
  await b.click("#note-file-attach");
  await b.waitForText("#note-files [role=status]", "attached");
  rmSync(pickDir, { recursive: true, force: true });
  await shareIntoSpace(b, CANARY.noteB);
  step("each adds a note into the space (B's with a file)", true);

  await a.click("#nav-sync");
  await a.click("#sync-listen");
  await a.waitFor("#my-ticket-qr", "A's sync ticket as a QR code");
  const ticket = await valueOf(a, "#my-ticket");
  await shot(a, "sync-03-A-listening");
  step("A shows its sync ticket", ticket.startsWith("carenet-sync1:"));
  await a.click("#my-ticket-copy");
  await a.waitForText("#my-ticket-copy-status", "clears the clipboard");
  step("A's Copy button puts the ticket on the clipboard", clipboard() === ticket);

  await b.click("#nav-sync");
  await paste(b, "#peer-ticket", ticket);
  await b.click("#sync-now");
  const done = await b.waitFor("#sync-result, #sync-error", "the end of B's sync", async () => true, 60_000);
  const said = await b.text(done);
  await b.waitForText("#sync-last", "Last sync");
  await b.waitForText("#sync-peers", "1 shared spaces");
  await shot(b, "sync-04-B-synced");
  step("B syncs with A's ticket", said.startsWith("Synced"), said);
  await a.waitForText("#sync-peers", CANARY.nameB);
  await a.waitForText("#sync-last", "Last sync");
  await shot(a, "sync-05-A-peer-seen");
  step("A sees B by name, and its last sync time", true);

  for (const [s, other, who] of [[a, CANARY.noteB, "A"], [b, CANARY.noteA, "B"]]) {
    await s.click("#nav-spaces");
    await s.waitForText("#space-records", other);
    await shot(s, `sync-06-${who}-space-records`);
    await s.click("#nav-notes");
    await s.waitForText(".list-pane .rows", other);
    step(`${who}'s window shows the other's note`, true);
  }
  await openNote(a, CANARY.noteB);
  await a.waitForText("#note-files .file-list", `Signed by ${CANARY.nameB}`);
  await a.click("#note-files .file-list .actions button:not(.danger)");
  const shown = await a.text(await a.waitFor("#note-files .file-view pre", "B's file shown on A"));
  await shot(a, "sync-06b-A-file-from-B");
  step("A shows the file B attached, signed by B's name, read from the synced parts", shown.includes(CANARY.fileB), shown);
  await editedOnBoth(a, b, ticket);
  await a.click("#nav-sync");
  await a.click("#sync-stop");
  await a.waitForText("#sync-mode", "Offline");
  step("A stops listening", true);
  for (const s of [a, b]) {
    await s.click("#lock");
    await s.waitFor("#passphrase", "the unlock screen");
  }
}

// "Sync nearby" between the two windows: mDNS on this machine's network (both apps announce and
// look up on every interface; they find each other without a ticket). Locking forgot the peers
// of the ticket sync, so a peer listed now was found by mDNS.
async function nearby(a, b) {
  for (const [s, pass] of [[a, CANARY.passA], [b, CANARY.passB]]) {
    await s.type("#passphrase", pass);
    await s.click("#welcome-submit");
    await s.waitFor("#nav-notes", "the main screen after unlocking");
  }
  await b.click("#nav-spaces");
  await b.waitFor("#card-name", "B's card form", async () => (await valueOf(b, "#card-name")) === CANARY.nameB);
  step("B's card form shows the name kept in its vault", true);
  await addNote(a, CANARY.nearbyA);
  await shareIntoSpace(a, CANARY.nearbyA);
  await addNote(b, CANARY.nearbyB);
  await shareIntoSpace(b, CANARY.nearbyB);
  for (const s of [a, b]) {
    await s.click("#nav-sync");
    await s.waitFor("#nearby-start");
    await s.waitForText("#sync-last", "No sync since");
  }
  for (const s of [a, b]) await s.click("#nearby-start");
  for (const s of [a, b]) await s.waitFor("#sync-countdown", "the nearby countdown");
  step("both press sync nearby and see a countdown", true);
  await a.waitForText("#sync-peers", CANARY.nameB, 60_000);
  await b.waitForText("#sync-peers", "1 shared spaces", 60_000);
  for (const s of [a, b]) await s.waitForText("#sync-last", "Last sync", 60_000);
  await shot(a, "sync-07-A-nearby");
  await shot(b, "sync-07-B-nearby");
  step("each finds the other nearby by mDNS and syncs", true);
  for (const [s, other, who] of [[a, CANARY.nearbyB, "A"], [b, CANARY.nearbyA, "B"]]) {
    await s.click("#nav-notes");
    await s.waitForText(".list-pane .rows", other, 60_000);
    step(`${who}'s window shows the other's note shared nearby`, true);
  }
  for (const s of [a, b]) {
    await s.click("#nav-sync");
    await s.click("#sync-stop");
    await s.waitForText("#sync-mode", "Offline");
    await s.click("#lock");
    await s.waitFor("#passphrase", "the unlock screen");
  }
}


// Travel mode in the window: the nearby sync finished, so A may stow the space; its records
// leave A's window; "Bring back" and a sync by ticket with B bring every one of them back.
async function travel(a, b) {
  for (const [s, pass] of [[a, CANARY.passA], [b, CANARY.passB]]) {
    await s.type("#passphrase", pass);
    await s.click("#welcome-submit");
    await s.waitFor("#nav-notes", "the main screen after unlocking");
  }
  await a.click("#nav-spaces");
  await a.waitForText("#travel-status", "confirmed holding all");
  await a.click("#travel-stow");
  await a.waitFor("#travel-stow-now", "the stow panel");
  await shot(a, "sync-08-A-stow-panel");
  await a.click("#travel-stow-now");
  await a.waitForText("#travel-status", "records removed from this device");
  await a.waitForText("#space-list", "stowed");
  await shot(a, "sync-09-A-stowed");
  step("A stows the space once the finished sync confirmed B holds it", true);
  const shows = (s, text) => s.run(`return document.body.innerText.includes(arguments[0])`, text);
  await a.click("#nav-notes");
  await a.waitFor(".list-pane", "A's notes without the space's notes", async () => !(await shows(a, CANARY.noteB)));
  step("A's window no longer shows the space's notes", !(await shows(a, CANARY.nearbyA)));

  await a.click("#nav-spaces");
  await a.click("#travel-bring-back");
  await a.waitForText("#travel-status", "comes back at the next sync");
  await a.click("#nav-sync");
  await a.click("#sync-listen");
  await a.waitFor("#my-ticket-qr", "A's sync ticket as a QR code");
  const ticket = await valueOf(a, "#my-ticket");
  await b.click("#nav-sync");
  await paste(b, "#peer-ticket", ticket);
  await b.click("#sync-now");
  await b.waitFor("#sync-result", "the end of B's sync", async () => true, 60_000);
  await a.click("#nav-notes");
  for (const title of [CANARY.noteB, CANARY.noteA, CANARY.nearbyB]) await a.waitForText(".list-pane .rows", title, 60_000);
  await a.click("#nav-spaces");
  await a.waitForText("#travel-status", "confirmed holding all");
  await shot(a, "sync-10-A-brought-back");
  step("A brings the space back with one sync by ticket", true);
  await a.click("#nav-sync");
  // Copied seconds before the lock (the timer clears it only after 45 s).
  await a.click("#my-ticket-copy");
  await a.waitForText("#my-ticket-copy-status", "clears the clipboard");
  const copied = clipboard();
  await a.click("#sync-stop");
  await a.waitForText("#sync-mode", "Offline");
  for (const s of [a, b]) {
    await s.click("#lock");
    await s.waitFor("#passphrase", "the unlock screen");
  }
  const left = clipboard();
  step("locking clears the ticket A copied from the clipboard", copied === ticket && left === "",
    copied !== ticket ? "the copy did not reach the clipboard" : left === "" ? "" : "still on the clipboard");
}

// A USB bundle between the two windows: no network at all. A writes it into its HOME through the
// save dialog; B types that path into the open dialog.
async function usb(a, b) {
  for (const [s, pass] of [[a, CANARY.passA], [b, CANARY.passB]]) {
    await s.type("#passphrase", pass);
    await s.click("#welcome-submit");
    await s.waitFor("#nav-notes", "the main screen after unlocking");
  }
  await addNote(a, CANARY.usbA);
  await shareIntoSpace(a, CANARY.usbA);
  await a.click("#nav-sync");
  await a.waitFor("#bundle-space", "the space to bundle");
  // The default protection: encrypted to the space's members, so nobody types a passphrase.
  await a.waitFor("#bundle-protect-members:checked", "members chosen by default");
  await a.click("#bundle-export");
  await answerFileDialog("Save the bundle");
  await a.waitForText("#usb-status", "written to carenet-bundle-");
  const name = readdirSync(devices[0].home).find((n) => /^carenet-bundle-\d{4}-\d{2}-\d{2}\.age$/.test(n));
  await shot(a, "sync-11-A-bundle");
  const header = name ? readFileSync(join(devices[0].home, name)).subarray(0, 600).toString("latin1") : "";
  const stanzas = (header.match(/\n-> X25519 /g) || []).length;
  step("A writes a bundle of the space, to its two members' keys, through the system's save dialog",
    !!name && stanzas === 2 && !header.includes("-> scrypt"), `${name}: ${stanzas} X25519 stanzas`);
  await b.click("#nav-sync");
  await b.click("#bundle-import");
  await answerFileDialog("Choose a bundle to import", join(devices[0].home, name));
  await b.waitForText("#usb-status", "Imported");
  const said = await b.text(await b.find("#usb-status"));
  await shot(b, "sync-11-B-imported");
  step("B imports it through the system's open dialog", /^Imported [1-9]/.test(said), said);
  await b.click("#nav-notes");
  await b.waitForText(".list-pane .rows", CANARY.usbA);
  step("B's window shows the note that came on the stick", true);
  for (const s of [a, b]) {
    await s.click("#lock");
    await s.waitFor("#passphrase", "the unlock screen");
  }
}

async function driverFor(d) {
  const env = {
    ...process.env, HOME: d.home, XDG_CONFIG_HOME: `${d.home}/.config`, XDG_DATA_HOME: `${d.home}/.local/share`,
    XDG_CACHE_HOME: `${d.home}/.cache`, XDG_RUNTIME_DIR: `${d.home}/runtime`,
  };
  const proc = spawn("tauri-driver", ["--port", String(d.port), "--native-port", String(d.nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    stdio: ["ignore", "inherit", "inherit"],
    env,
  });
  const base = `http://127.0.0.1:${d.port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (i > 100) throw new Error(`tauri-driver ${d.name} did not start`);
      await sleep(100);
    }
  }
  return { proc, base };
}

let failed = false;
const drivers = [];
const sessions = [];
try {
  for (const d of devices) drivers.push(await driverFor(d));
  for (const d of drivers) sessions.push(await Session.create(d.base, app));
  await run(sessions[0], sessions[1]);
  await nearby(sessions[0], sessions[1]);
  await travel(sessions[0], sessions[1]);
  await usb(sessions[0], sessions[1]);
  await a11y.report(sessions[0], step, windowFocuser(drivers[0].proc.pid));
} catch (e) {
  failed = true;
  console.error(`FAIL ${e.message}`);
  for (const [i, s] of sessions.entries()) await screenshot(s, `sync-failure-${devices[i].name}`).catch(() => {});
} finally {
  for (const s of sessions) await s.close().catch(() => {});
  for (const d of drivers) d.proc.kill();
}

await sleep(1000);
for (const d of devices) {
  // The bundle's name too: GTK would note the chosen file's path in recently-used.xbel.
  const { count, found } = scanForCanaries(d.home, [...Object.values(CANARY), "carenet-bundle-"]);
  const clean = found.length === 0 && count > 0;
  results.push({ name: `no canary at rest in ${d.name}'s HOME`, ok: clean });
  console.log(`${clean ? "ok  " : "FAIL"} no canary in any of the ${count} files under ${d.name}'s throw-away HOME`);
  for (const f of found) console.error(`  canary found: ${f}`);
  failed = failed || !clean;
}
const passed = results.filter((r) => r.ok).length;
const failures = results.filter((r) => !r.ok).length + (failed && results.every((r) => r.ok) ? 1 : 0);
console.log(`e2e: ${passed} passed, ${failures} failed (two devices); screenshots in ${artifacts}`);
process.exit(failed ? 1 : 0);
