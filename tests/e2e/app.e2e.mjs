// End to end: the real release binary in its real WebKit window (tauri-driver + WebKitWebDriver,
// under Xvfb), with a throw-away HOME. Create a vault, add a note, a contact tree of three people,
// a reprisal record and a check-in arrangement that asks for help, lock, fail one unlock,
// unlock, search and export, count the indicators and save them, switch to Arabic (dir=rtl), and
// save a screenshot of each screen; each of those screens is also checked for accessibility
// (axe-core's WCAG 2.1 A and AA rules, and a walk with the Tab key: ./a11y.mjs). Then, with
// the app closed, no canary string typed through the UI may appear in any file under that HOME.
//
// Run through scripts/e2e.sh, which provides Xvfb, a D-Bus session and the environment.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ARROW, CTRL, Session, answerFileDialog, sleep, windowShown } from "./webdriver.mjs";
import { reporter, scanForCanaries, vaultFiles } from "./report.mjs";
import { accessibility } from "./a11y.mjs";

const app = resolve(process.argv[2] || "target/release/carenet-desktop");
const artifacts = resolve(process.argv[3] || "target/e2e-artifacts");
const home = process.env.HOME;
const port = Number(process.env.TAURI_DRIVER_PORT || 4444);
const nativePort = Number(process.env.TAURI_NATIVE_PORT || 4445);
mkdirSync(artifacts, { recursive: true });

const PASS = "canary passphrase Q7 lantern orchard";
const FILE_PASS = "canary file passphrase Hb62 copper";
const CANARY = {
  noteTitle: "CanaryNoteTitle Zq81",
  noteBody: "CanaryNoteBody river road Kx42",
  noteTag: "canarytag-w9",
  dana: "CanaryDana Pv33",
  lev: "CanaryLev Hn57",
  mira: "CanaryMira Tb06",
  repTitle: "CanaryReprisal travel ban Jm29",
  victim: "CanaryVictim Rw18",
  perpetrator: "CanaryPerpetrator Yd64",
  addressee: "CanaryAddressee Fs75",
  checkinPerson: "CanaryCheckinPerson Ug40",
  checkinMessage: "CanaryCheckinMessage held at station Vb93",
  fileName: "CanaryFileName Qd27",
  fileContent: "CanaryFileContent Lw53",
};
// A 1x1 PNG; the canary follows its end chunk, where image decoders ignore it.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

const { results, step, shot: screenshot } = reporter(artifacts);
/** Every screen saved as a screenshot is also checked for accessibility (./a11y.mjs). */
const a11y = accessibility(screenshot);
const shot = (s, name) => a11y.shot(s, name);

/** The file the app wrote into HOME whose name matches `pattern` (the dialog's suggestion), and
 *  whether it is an age file to a passphrase. */
function writtenInHome(pattern) {
  const name = readdirSync(home).find((n) => pattern.test(n));
  if (!name) return { name: null, age: false };
  const head = readFileSync(join(home, name)).subarray(0, 40).toString("latin1");
  return { name, age: head.startsWith("age-encryption.org/v1\n-> scrypt ") };
}

// The contact pickers draw their options once focused, as when a user tabs or clicks to them.
async function optionValue(s, select, label) {
  return s.run(
    `const el = document.querySelector(arguments[0]); el.focus(); el.dispatchEvent(new FocusEvent("focus"));
     const o = [...el.querySelectorAll("option")].find((o) => o.textContent.trim() === arguments[1]);
     return o ? o.value : null;`,
    select,
    label,
  );
}

// Chooses an option of a <select>. WebKitWebDriver's option click and type-ahead do not fire
// `change` reliably on GTK drop-down lists (the second choice in one list was lost), so this
// sets the value and fires `change` as the browser does after a user's choice.
async function pick(s, select, label) {
  const value = await optionValue(s, select, label);
  if (value === null) throw new Error(`no option "${label}" in ${select}`);
  await s.run(
    `const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
     el.dispatchEvent(new Event("input", { bubbles: true })); el.dispatchEvent(new Event("change", { bubbles: true }));`,
    select,
    value,
  );
  await s.waitFor(select, `${select} = ${label}`, async () =>
    (await s.run(`return document.querySelector(arguments[0]).value`, select)) === value,
  );
}

async function saved(s, form) {
  await s.waitForText(`${form} [role=status]`, "Saved");
}

async function run(s) {
  // 1. Create the vault.
  await s.waitFor("#passphrase", "the create-vault screen");
  await s.type("#passphrase", PASS);
  await s.type("#confirm", PASS);
  await shot(s, "01-create-vault");
  await s.click("#welcome-submit");
  await s.waitFor("#nav-notes", "the main screen after creating the vault");
  step("create vault", true);

  // 2. A note.
  await s.click("#note-new");
  await s.type("#note-title", CANARY.noteTitle);
  await s.type("#note-body", CANARY.noteBody);
  await s.type("#note-tags", CANARY.noteTag);
  await s.click("#note-save");
  await saved(s, "#note-form");
  await s.waitForText(".list-pane .rows", CANARY.noteTitle);
  await shot(s, "02-notes");
  step("add a note", true);

  // 2b. A file attached to the note (picked outside the throw-away HOME, as a user picks one from
  // a USB stick): listed with its signer, shown from memory, nothing of it left in clear.
  const pickDir = mkdtempSync(join(tmpdir(), "carenet-e2e-pick-"));
  const picked = join(pickDir, `${CANARY.fileName}.png`);
  writeFileSync(picked, Buffer.concat([PNG, Buffer.from(CANARY.fileContent)]));
  const input = await s.waitFor("#note-file-input");
  await s.cmd("POST", `/element/${input}/value`, { text: picked });
  await s.click("#note-file-attach");
  await s.waitForText("#note-files [role=status]", "attached");
  await s.waitForText("#note-files .file-list", "Signed by this device");
  await s.click("#note-files .file-list .actions button:not(.danger)");
  const img = await s.waitFor("#note-files .file-view img", "the attached image shown");
  const src = (await s.attr(img, "src")) ?? "";
  const listed = await s.text(await s.find("#note-files .file-list"));
  rmSync(pickDir, { recursive: true, force: true });
  await shot(s, "02b-note-file");
  step("a file attached to a note is listed as signed here and shown from memory",
    src.startsWith("data:image/png;base64,") && listed.includes(CANARY.fileName) && listed.includes("image/png"), listed.slice(0, 200));

  // 2c. An encrypted copy of the file, saved where GTK's own dialog (opened by the shell, answered
  // with the keyboard through xdotool) suggests: the throw-away HOME, under a name that says
  // nothing of the file. The scan at the end checks that neither its name nor its content is there.
  await s.click("#note-files .file-list .actions button.copy");
  await s.type("#note-copy-pass", FILE_PASS);
  await s.type("#note-copy-pass-confirm", FILE_PASS);
  await s.click("#note-files .copy-go");
  await answerFileDialog("Save a copy of");
  // Not "encrypted" alone: the status while the dialog is open says the file is then encrypted.
  await s.waitForText("#note-files [role=status]", "Saved as carenet-file-");
  const copy = writtenInHome(/^carenet-file-\d{4}-\d{2}-\d{2}\.age$/);
  await shot(s, "02c-file-copy");
  step("a copy of the file is saved through the system's dialog, encrypted to a passphrase", copy.age, JSON.stringify(copy));

  // 2d. A lock while the dialog is open (as the idle timer locks) closes the dialog and writes
  // nothing: no dialog stays over the unlock screen.
  await s.click("#note-files .file-list .actions button.copy");
  await s.type("#note-copy-pass", FILE_PASS);
  await s.type("#note-copy-pass-confirm", FILE_PASS);
  await s.click("#note-files .copy-go");
  for (let i = 0; i < 100 && !(await windowShown("Save a copy of")); i++) await sleep(150);
  const opened = await windowShown("Save a copy of");
  const before = readdirSync(home).filter((n) => n.startsWith("carenet-file-")).length;
  await s.run(`document.querySelector("#lock").click()`);
  await s.waitFor("#passphrase", "the unlock screen after a lock with the dialog open");
  let closed = false;
  for (let i = 0; i < 50 && !closed; i++) {
    closed = !(await windowShown("Save a copy of"));
    if (!closed) await sleep(100);
  }
  const after = readdirSync(home).filter((n) => n.startsWith("carenet-file-")).length;
  await shot(s, "02d-locked-with-dialog");
  step("locking with the file dialog open closes it and writes nothing", opened && closed && before === after,
    JSON.stringify({ opened, closed, before, after }));
  await s.type("#passphrase", PASS);
  await s.click("#welcome-submit");
  await s.waitFor("#nav-notes", "the main screen after unlocking again");

  // 3. Three contacts, then the tree: Dana alerts Lev and Mira.
  await s.click("#nav-contacts");
  for (const alias of [CANARY.dana, CANARY.lev, CANARY.mira]) {
    await s.click("#contact-new");
    await s.type("#contact-alias", alias);
    await s.click("#contact-save");
    await saved(s, "#contact-form");
    await s.waitForText(".list-pane .rows", alias);
  }
  for (const to of [CANARY.lev, CANARY.mira]) {
    await pick(s, "#link-from", CANARY.dana);
    await pick(s, "#link-to", to);
    await s.click("#link-add");
    await s.waitFor("#contact-tree", `${CANARY.dana} -> ${to}`, async () =>
      s.run(`return [...document.querySelectorAll("#contact-tree > li > ul > li")].some((li) => li.textContent.includes(arguments[0]))`, to),
    );
  }
  const shape = await s.run(`
    const roots = [...document.querySelectorAll("#contact-tree > li")];
    return roots.map((r) => ({ name: r.querySelector("button.node").textContent.trim(), children: r.querySelectorAll(":scope > ul > li").length }));`);
  step("contact tree of three, drawn as a tree", shape.length === 1 && shape[0].name.startsWith(CANARY.dana) && shape[0].children === 2, JSON.stringify(shape));
  // The tree from the keyboard, with WebKit's own key events: one tab stop, Down to the next
  // name, Left up to the parent, Left again closes the branch, Right opens it again.
  await s.run(`document.querySelector("#contact-tree button.node").focus()`);
  const focusedName = () => s.run(`const a = document.activeElement; return a && a.matches("#contact-tree button.node") ? a.textContent.trim() : null`);
  const danaOpen = () => s.run(`return document.querySelector("#contact-tree > li").getAttribute("aria-expanded")`);
  const walked = [];
  for (const key of [ARROW.down, ARROW.left, ARROW.left, ARROW.right]) {
    await s.keys(key);
    await sleep(150);
    walked.push(`${(await focusedName())?.split(" ")[0]}:${await danaOpen()}`);
  }
  const tabStops = await s.run(`return [...document.querySelectorAll("#contact-tree button")].filter((b) => b.tabIndex >= 0).length`);
  step("the tree is one tab stop, and the arrows move, go up, close and open",
    tabStops === 1 && walked.join(" ") === "CanaryLev:true CanaryDana:true CanaryDana:false CanaryDana:true", `${tabStops} stop(s); ${walked.join(" ")}`);
  // A loop is refused with a sentence, and changes nothing.
  await pick(s, "#link-from", CANARY.mira);
  await pick(s, "#link-to", CANARY.dana);
  await s.click("#link-add");
  const loop = await s.waitFor(".tree-pane [role=alert]", "the loop refusal");
  step("a loop in the tree is refused with a sentence", (await s.text(loop)).includes("loop"));
  await shot(s, "03-contacts-tree");

  // 4. A reprisal record with victims, an act, a perpetrator, consent and an intervention.
  await s.click("#nav-reprisals");
  await s.click("#rep-new");
  await s.type("#rep-title", CANARY.repTitle);
  await s.type("#rep-start", "2026-05");
  await s.type("#rep-country", "BY");
  await s.click("#rep-add-victim");
  await s.type(".victim-name", CANARY.victim);
  await s.click("#rep-add-act");
  await pick(s, ".act-type", "Travel ban");
  await s.click("#rep-acts input[type=checkbox]");
  await s.click("#rep-add-perpetrator");
  await s.type(".perpetrator-description", CANARY.perpetrator);
  await s.click('input[name="consent-status"][value="given"]');
  await s.click("#rep-consent input[type=checkbox]");
  await s.click('input[name="consent-identification"][value="initials-only"]');
  await s.click("#rep-add-intervention");
  await s.type(".intervention-addressee", CANARY.addressee);
  await pick(s, ".intervention-result", "Released, or charges dropped");
  await s.click("#rep-save");
  await saved(s, "#rep-form");
  await s.waitForText(".list-pane .rows", CANARY.repTitle);
  await shot(s, "04-reprisal-record");
  step("add a reprisal record", true);

  // 4b. A check-in arrangement every 4 hours, watched by Dana; the person asks for help, and
  // the nav badge counts it.
  await s.click("#nav-checkins");
  await s.waitFor("#checkins-does-not", "the check-ins screen with what it does not do");
  await s.click("#checkins-new");
  await s.type("#checkin-person", CANARY.checkinPerson);
  await s.run(
    `const el = document.querySelector("#checkin-every"); el.value = "4";
     el.dispatchEvent(new Event("input", { bubbles: true }));`,
  );
  await pick(s, "#checkin-unit", "hours");
  await s.waitForText("#checkin-watchers", CANARY.dana);
  await s.run(
    `const label = [...document.querySelectorAll("#checkin-watchers label")].find((l) => l.textContent.includes(arguments[0]));
     label.querySelector("input").click();`,
    CANARY.dana,
  );
  await s.waitForText("#checkin-watchers-chosen", CANARY.dana);
  await s.click("#checkin-save");
  await s.waitForText("#checkin-saved", "Saved");
  await s.waitForText("#checkin-list", CANARY.checkinPerson);
  const waiting = await s.run(`return document.querySelector("#checkin-list .checkin-state").dataset.state`);
  step("a check-in arrangement is saved and waits for its first check-in", waiting === "waiting", String(waiting));
  await s.type("#checkin-message", CANARY.checkinMessage);
  await s.click("#checkin-help");
  await s.waitFor("#checkin-now-status", "the check-in recorded");
  await s.waitFor("#checkin-list", "the row needing help", async () =>
    (await s.run(`return document.querySelector("#checkin-list .checkin-state").dataset.state`)) === "needs-help",
  );
  await s.waitForText("#checkin-recent", CANARY.checkinMessage);
  const badge = await s.waitForText("#checkins-badge", "1");
  const badgeLabel = await s.attr(badge, "aria-label");
  await shot(s, "04b-checkins");
  step("checking in 'needs help' puts the person first and the nav badge counts it", /1/.test(badgeLabel ?? ""), String(badgeLabel));

  // 5. Lock, fail one unlock, unlock.
  await s.click("#lock");
  await s.waitFor("#passphrase", "the unlock screen after locking");
  await shot(s, "05-locked");
  const leaked = await s.run(`return document.body.innerText.includes(arguments[0])`, CANARY.noteTitle);
  step("lock hides every record", leaked === false);
  await s.type("#passphrase", "not the passphrase at all");
  await s.click("#welcome-submit");
  const wrong = await s.waitFor("#welcome-error", "the wrong-passphrase sentence");
  await shot(s, "06-wrong-passphrase");
  step("a wrong passphrase is refused with a sentence", (await s.text(wrong)).includes("Wrong passphrase"));
  await s.type("#passphrase", PASS);
  await s.click("#welcome-submit");
  await s.waitFor("#nav-notes", "the main screen after unlocking");
  step("unlock", true);

  // 6. Search, opened with its shortcut.
  await s.chord(CTRL, "k");
  await s.waitFor("#search-text", "the search screen after Ctrl+K");
  const focused = await s.run(`return document.activeElement && document.activeElement.id`);
  step("Ctrl+K opens search with the field focused", focused === "search-text", String(focused));
  await s.type("#search-text", "RIVER road");
  await s.waitForText("#search-results", CANARY.noteTitle);
  await shot(s, "07-search");
  step("search finds the note (case ignored)", true);
  // 6b. Export what the search found with its file (one archive), encrypted, through the system's
  // save dialog.
  await s.click("#export-files");
  await s.type("#export-pass", FILE_PASS);
  await s.type("#export-pass-confirm", FILE_PASS);
  await s.click("#export-go");
  await answerFileDialog("Save the export");
  await s.waitForText("#export-status", "written to carenet-export-");
  const exportStatus = await s.text(await s.find("#export-status"));
  const exported = writtenInHome(/^carenet-export-\d{4}-\d{2}-\d{2}\.tar\.age$/);
  await shot(s, "07b-export");
  step("the search's record and its file are exported as one archive through the system's dialog, encrypted to a passphrase",
    exported.age && exportStatus.startsWith("1 ") && exportStatus.includes("With them, 1 file"), `${exportStatus} ${JSON.stringify(exported)}`);
  // 6c. Indicators: the reprisal record counts, with its released result, and a country filter
  // narrows them.
  await s.click("#nav-indicators");
  await s.waitForText("#ind-count", "1 reprisal record counted");
  const improved = await s.text(await s.find("#ind-improved"));
  const acts = await s.text(await s.find("#ind-acts"));
  await shot(s, "07c-indicators");
  // The figures saved as a CSV file through the system's dialog, encrypted to a passphrase.
  await s.type("#ind-save-pass", FILE_PASS);
  await s.type("#ind-save-pass-confirm", FILE_PASS);
  await s.click("#ind-save-go");
  await answerFileDialog("Save the figures");
  await s.waitForText("#ind-save-status", "written to carenet-indicators-");
  const figuresFile = writtenInHome(/^carenet-indicators-\d{4}-\d{2}-\d{2}\.csv\.age$/);
  step("the figures are saved through the system's dialog as a CSV file encrypted to a passphrase", figuresFile.age, JSON.stringify(figuresFile));
  await s.type("#ind-country", "EG");
  await s.waitForText("#ind-count", "0 reprisal records counted");
  step("indicators count the record, its act and the improvement after its intervention, and a country filter narrows them",
    improved.startsWith("1 of 1") && acts.includes("Travel ban"), `${improved} | ${acts}`);
  await s.click("#nav-sync");
  await s.waitForText("#sync-mode", "Offline");
  await shot(s, "08-sync-offline");

  // 7. Arabic, right to left.
  await s.click("#nav-settings");
  await s.waitFor("#settings-language", "the settings screen");
  await shot(s, "08b-settings");
  await pick(s, "#settings-language", "العربية");
  await s.waitFor("html", "dir=rtl", async () => (await s.run(`return document.documentElement.dir`)) === "rtl");
  const navText = await s.text(await s.find("#nav-notes"));
  await shot(s, "09-settings-arabic");
  step("Arabic turns the page right-to-left", navText === "الملاحظات", navText);
  // The Arabic glyphs come from the font bundled with the app (the machine may have its own Noto).
  const arabicFaces = await s.cmd("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      document.fonts.ready.then(() => done([...document.fonts]
        .filter((f) => f.family.replace(/["']/g, "") === "Noto Sans Arabic" && f.status === "loaded").map((f) => f.weight)));`,
    args: [],
  });
  step("the Arabic text is drawn with the bundled Noto Sans Arabic", arabicFaces.length > 0, JSON.stringify(arabicFaces));
  await s.click("#nav-contacts");
  await s.waitFor("#contact-tree");
  await shot(s, "10-contacts-arabic");
  await s.click("#nav-indicators");
  await s.waitFor("#ind-figures", "the indicators in Arabic");
  await shot(s, "11-indicators-arabic");

  // 8. Lock before closing, then the accessibility of every screen shown above.
  await s.click("#lock");
  await s.waitFor("#passphrase", "the unlock screen");
  await a11y.report(s, step);
}



const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  stdio: ["ignore", "inherit", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
let failed = false;

/** One launch of the app, driven by `work`; a failure is reported with a screenshot. */
async function launch(work) {
  const s = await Session.create(base, app);
  try {
    await work(s);
  } catch (e) {
    failed = true;
    console.error(`FAIL ${e.message}`);
    await screenshot(s, "failure").catch(() => {});
  } finally {
    await s.close().catch(() => {});
  }
}

// 9. The panic wipe, in a second launch (after the scan below, which checks the vault it
// destroys): from the unlock screen, without the passphrase, two presses.
async function wipeRun(s) {
  const wipeA11y = accessibility(screenshot);
  await s.waitFor("#passphrase", "the unlock screen after a restart");
  await s.click(".wipe > button.danger");
  await s.waitFor(".wipe-panel", "the wipe confirmation");
  await wipeA11y.shot(s, "11-wipe-confirm");
  await s.click(".wipe-panel button.danger");
  await s.waitFor("#confirm", "the create screen after the wipe");
  await wipeA11y.shot(s, "12-after-wipe");
  step("the panic wipe from the unlock screen leads to the create screen", true);
  await wipeA11y.report(s, step);
}

let clean = false;
try {
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (i > 100) throw new Error("tauri-driver did not start");
      await sleep(100);
    }
  }
  await launch(run);
  await sleep(1000);
  // The names the save dialogs suggested too: GTK would note a chosen file's path in
  // recently-used.xbel unless the shell turned that off.
  const { count, found } = scanForCanaries(home, [PASS, FILE_PASS, ...Object.values(CANARY), "carenet-file-", "carenet-export-"]);
  clean = found.length === 0 && count > 0;
  results.push({ name: "no canary at rest", ok: clean });
  console.log(`${clean ? "ok  " : "FAIL"} no canary in any of the ${count} files under the throw-away HOME`);
  for (const f of found) console.error(`  canary found: ${f}`);
  if (!failed) {
    await launch(wipeRun);
    await sleep(500);
    const left = [...vaultFiles(home)];
    const gone = !failed && left.length === 0;
    results.push({ name: "no key file or database left after the wipe", ok: gone });
    console.log(`${gone ? "ok  " : "FAIL"} no key file or database left under the throw-away HOME after the wipe${left.length ? ` (${left.join(", ")})` : ""}`);
    failed = failed || !gone;
  }
} catch (e) {
  failed = true;
  console.error(`FAIL ${e.message}`);
} finally {
  driver.kill();
}

const passed = results.filter((r) => r.ok).length;
const failures = results.filter((r) => !r.ok).length + (failed && results.every((r) => r.ok) ? 1 : 0);
console.log(`e2e: ${passed} passed, ${failures} failed; screenshots in ${artifacts}`);
failed = failed || !clean;
process.exit(failed ? 1 : 0);
