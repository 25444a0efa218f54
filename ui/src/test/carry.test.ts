// Carrying data out of the vault and back in: how a written file is protected (lib/protect.ts and
// parts/Protect.svelte), "Save a copy" of a file kept with a record (parts/Files.svelte), the
// Export form of the Search screen, and the USB stick section of the Sync screen (a bundle of a
// space written out, a bundle imported). The shell, which opens the system's file dialog, is
// replaced by `mockIPC`: a null answer is the person closing that dialog.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Files from "../parts/Files.svelte";
import Search from "../screens/Search.svelte";
import Sync from "../screens/Sync.svelte";
import { errorText, setLang } from "../lib/locale.svelte";
import { newChoice, protectOf, type ProtectChoice } from "../lib/protect";
import type { FileEntry, Imported, SpaceView, SyncStatus, Written } from "../lib/bindings";
import { pageOf } from "./pages";

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];
const called = (cmd: string) => calls.filter((c) => c.cmd === cmd);

/** Answers the commands in `answers` (a throw is the shell's refusal); any other one is refused. */
function shell(answers: Record<string, (args: any) => unknown>) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer(args ?? {});
  });
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T | null;
const type = (id: string, value: string) => fireEvent.input(byId<HTMLInputElement>(id)!, { target: { value } });

const PASS = "river stones under the bridge";
const MISMATCH = "The two passphrases differ: type the same passphrase twice.";
const NO_RECIPIENT = "Give at least one recipient (a key that starts with age1).";
const CANCELLED = "Nothing was written: the dialog was closed.";
const READABLE_WARNING =
  "A readable file is not protected at all: anyone who finds it, on this computer, on a stick or in a mailbox, can read it. Choose this only when the file goes straight to a safe place.";

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("protectOf", () => {
  const choice = (over: Partial<ProtectChoice>): ProtectChoice => ({ ...newChoice(), ...over });

  it("starts as a passphrase with nothing typed", () => {
    expect(newChoice()).toEqual({ kind: "passphrase", passphrase: "", confirm: "", recipients: "" });
    // Two fresh choices are not the same object: resetting one form leaves another alone.
    expect(newChoice()).not.toBe(newChoice());
  });

  it("gives the passphrase when it was typed the same twice, and the mismatch key otherwise", () => {
    expect(protectOf(choice({ passphrase: PASS, confirm: PASS }))).toEqual({ kind: "passphrase", passphrase: PASS });
    expect(protectOf(choice({ passphrase: PASS, confirm: `${PASS} ` }))).toEqual({ missing: "carry.pass_mismatch" });
    expect(protectOf(choice({ passphrase: PASS, confirm: "" }))).toEqual({ missing: "carry.pass_mismatch" });
    expect(protectOf(choice({ passphrase: "", confirm: PASS }))).toEqual({ missing: "carry.pass_mismatch" });
    // The passphrase is sent exactly as typed (the shell judges its strength).
    expect(protectOf(choice({ passphrase: " Été 1 ", confirm: " Été 1 " }))).toEqual({ kind: "passphrase", passphrase: " Été 1 " });
  });

  it("splits recipients on spaces, commas and new lines, and asks for one when there is none", () => {
    const typed = "  age1alpha, age1beta\nage1gamma\r\n\tage1delta,,age1epsilon  \n";
    expect(protectOf(choice({ kind: "recipients", recipients: typed }))).toEqual({
      kind: "recipients", recipients: ["age1alpha", "age1beta", "age1gamma", "age1delta", "age1epsilon"],
    });
    expect(protectOf(choice({ kind: "recipients", recipients: "age1only" }))).toEqual({ kind: "recipients", recipients: ["age1only"] });
    for (const empty of ["", "   ", " ,\n, \t", ",,,"]) {
      expect(protectOf(choice({ kind: "recipients", recipients: empty }))).toEqual({ missing: "carry.recipients_missing" });
    }
    // Passphrases typed before switching to recipients do not matter, and are not sent.
    expect(protectOf(choice({ kind: "recipients", recipients: "age1x", passphrase: "a", confirm: "b" }))).toEqual({
      kind: "recipients", recipients: ["age1x"],
    });
  });

  it("gives a readable copy as the kind alone, whatever was typed before", () => {
    expect(protectOf(choice({ kind: "readable" }))).toEqual({ kind: "readable" });
    expect(protectOf(choice({ kind: "readable", passphrase: "a", confirm: "b", recipients: "age1x" }))).toEqual({ kind: "readable" });
  });
});

// ---------------------------------------------------------------------------------------------
// Files: Save a copy

const RECORD = "ab".repeat(16);
const OTHER_RECORD = "cd".repeat(16);
const THIS_KEY = "11".repeat(32);

function entry(n: number, name: string, media_type = "image/png"): FileEntry {
  return {
    file: {
      id: n.toString(16).padStart(32, "0"), name, media_type, size: 1234, sha256: n.toString(16).padStart(2, "0").repeat(32),
      parts: 1, added_ms: Date.UTC(2026, 4, 2), device: THIS_KEY, signature: "ee".repeat(64),
    },
    signature_valid: true, this_device: true, signer_name: null,
  };
}

const PHOTO = entry(1, "photo.png");
const NOTES = entry(2, "notes.txt", "text/plain");
const written = (over: Partial<Written> = {}): Written =>
  ({ name: "photo.png.age", folder: "/media/stick", count: 1, encrypted: true, files: 0, missing_files: 0, ...over });

const TITLE = { selector: ".title" };
const item = (name: string) => screen.getByText(name, TITLE).closest("li") as HTMLLIElement;
const copyButton = (name: string) => within(item(name)).getByRole("button", { name: `Save a copy ${name}` });
const go = () => document.querySelector(".file-copy .copy-go") as HTMLButtonElement;
const filesStatus = () => document.querySelector(".files .status")?.textContent;
const filesAlert = () => document.querySelector(".files [role=alert]")?.textContent ?? null;

function files(recordId: string | null = RECORD) {
  return render(Files, { props: { recordId, prefix: "note", heading: "Files" } });
}

/** Opens the Save a copy panel of `name`. */
async function openCopy(name: string) {
  await screen.findByText(name, TITLE);
  await fireEvent.click(copyButton(name));
  expect(copyButton(name).getAttribute("aria-expanded")).toBe("true");
  expect(item(name).querySelector(".file-copy")).toBeTruthy();
}

describe("Files: Save a copy", () => {
  it("sends the record, the file, the passphrase and a dialog naming the file; then says where it was saved, encrypted", async () => {
    shell({ list_files: () => [PHOTO, NOTES], save_file_copy: () => written() });
    files();
    await screen.findByText("photo.png", TITLE);
    expect(document.querySelector(".file-copy")).toBeNull();
    expect(copyButton("photo.png").getAttribute("aria-expanded")).toBe("false");
    await openCopy("photo.png");
    // One panel, under the file it copies; passphrase is the default protection.
    expect(document.querySelectorAll(".file-copy").length).toBe(1);
    expect(item("notes.txt").querySelector(".file-copy")).toBeNull();
    expect(byId<HTMLInputElement>("note-copy-protect-passphrase")!.checked).toBe(true);
    expect(byId("note-copy-protect-readable")).toBeTruthy();
    expect(byId<HTMLInputElement>("note-copy-pass")!.type).toBe("password");
    expect(byId<HTMLInputElement>("note-copy-pass-confirm")!.type).toBe("password");

    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    expect(go().textContent).toBe("Choose where to save…");
    await fireEvent.click(go());
    await waitFor(() => expect(filesStatus()).toBe("Saved as photo.png.age in /media/stick, encrypted."));

    expect(called("save_file_copy").map((c) => c.args)).toEqual([{
      id: RECORD, file: PHOTO.file.id, protect: { kind: "passphrase", passphrase: PASS },
      dialog: { title: "Save a copy of the file", accept: "Save", cancel: "Cancel" },
    }]);
    expect(filesAlert()).toBeNull();
    // Done: the panel closes and the passphrase is gone from the window.
    expect(document.querySelector(".file-copy")).toBeNull();
    expect(copyButton("photo.png").getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(copyButton("photo.png"));
    expect(byId<HTMLInputElement>("note-copy-pass")!.value).toBe("");
    expect(byId<HTMLInputElement>("note-copy-pass-confirm")!.value).toBe("");
  });

  it("copies the file whose button was pressed", async () => {
    shell({ list_files: () => [PHOTO, NOTES], save_file_copy: () => written({ name: "notes.txt.age" }) });
    files();
    await openCopy("notes.txt");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(go());
    await waitFor(() => expect(called("save_file_copy")).toHaveLength(1));
    expect(called("save_file_copy")[0].args).toMatchObject({ id: RECORD, file: NOTES.file.id, dialog: { title: "Save a copy of the file" } });
  });

  it("says nothing was written when the dialog was closed, and keeps the panel to try again", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => null });
    files();
    await openCopy("photo.png");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(go());
    await waitFor(() => expect(filesStatus()).toBe(CANCELLED));
    expect(filesStatus()).not.toContain("Saved");
    expect(filesAlert()).toBeNull();
    expect(item("photo.png").querySelector(".file-copy")).toBeTruthy();
    expect(go().disabled).toBe(false);
    expect(called("save_file_copy")).toHaveLength(1);
  });

  it("refuses two different passphrases with a sentence and calls nothing", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => written() });
    files();
    await openCopy("photo.png");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", `${PASS}!`);
    await fireEvent.click(go());
    expect((await screen.findByRole("alert")).textContent).toBe(MISMATCH);
    await settle();
    expect(called("save_file_copy")).toEqual([]);
    expect(calls.map((c) => c.cmd)).toEqual(["list_files"]);
    expect(filesStatus()).toBe("");
  });

  it("warns about a readable copy before and after writing it, and sends no passphrase", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => written({ name: "photo.png", encrypted: false }) });
    files();
    await openCopy("photo.png");
    // The live region is there from the start, empty, so that the warning is announced when it
    // appears in it (a region inserted with its text already in it is not).
    const warning = byId("note-copy-readable-warning")!;
    expect(warning.getAttribute("aria-live")).toBe("polite");
    expect(warning.textContent).toBe("");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(byId("note-copy-protect-readable")!);
    expect(byId("note-copy-readable-warning")).toBe(warning);
    expect(warning.textContent).toBe(READABLE_WARNING);
    expect(byId("note-copy-pass")).toBeNull();
    expect(byId("note-copy-pass-confirm")).toBeNull();
    await fireEvent.click(go());
    await waitFor(() => expect(filesStatus()).toMatch(/^Saved as photo\.png in \/media\/stick\./));
    expect(filesStatus()).toBe(
      "Saved as photo.png in /media/stick. This copy is readable by anyone who finds it: delete it when it is no longer needed.",
    );
    expect(filesStatus()).not.toContain("encrypted");
    expect(called("save_file_copy")[0].args.protect).toEqual({ kind: "readable" });
  });

  it("sends the recipients typed, one per key, and asks for one when the box is empty", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => written() });
    files();
    await openCopy("photo.png");
    await fireEvent.click(byId("note-copy-protect-recipients")!);
    expect(byId("note-copy-pass")).toBeNull();
    const box = byId<HTMLTextAreaElement>("note-copy-recipients")!;
    expect(box.tagName).toBe("TEXTAREA");
    await fireEvent.click(go());
    expect((await screen.findByRole("alert")).textContent).toBe(NO_RECIPIENT);
    expect(called("save_file_copy")).toEqual([]);

    await fireEvent.input(box, { target: { value: "age1first\nage1second, age1third" } });
    await fireEvent.click(go());
    await waitFor(() => expect(filesStatus()).toBe("Saved as photo.png.age in /media/stick, encrypted."));
    expect(filesAlert()).toBeNull();
    expect(called("save_file_copy").map((c) => c.args.protect)).toEqual([
      { kind: "recipients", recipients: ["age1first", "age1second", "age1third"] },
    ]);
  });

  it("says it is writing while the shell works, with its button disabled", async () => {
    let done: (w: Written) => void = () => {};
    shell({ list_files: () => [PHOTO], save_file_copy: () => new Promise<Written>((r) => (done = r)) });
    files();
    await openCopy("photo.png");
    await fireEvent.click(byId("note-copy-protect-readable")!);
    await fireEvent.click(go());
    await waitFor(() => expect(filesStatus()).toBe("Choose the place in the file dialog; the file is then encrypted and written…"));
    expect(go().disabled).toBe(true);
    expect((document.getElementById("note-file-attach") as HTMLButtonElement).disabled).toBe(true);
    done(written());
    await waitFor(() => expect(filesStatus()).toBe("Saved as photo.png.age in /media/stick, encrypted."));
    expect((document.getElementById("note-file-attach") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the shell's refusal as a sentence and keeps the panel", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => { throw { code: "dialog_unavailable", message: "no portal" }; } });
    files();
    await openCopy("photo.png");
    await fireEvent.click(byId("note-copy-protect-readable")!);
    await fireEvent.click(go());
    expect((await screen.findByRole("alert")).textContent).toBe(
      "The file dialog could not be opened. Try again; the carenet command can export, copy and bundle as well.",
    );
    expect(filesStatus()).toBe("");
    expect(item("photo.png").querySelector(".file-copy")).toBeTruthy();
  });

  it("a damaged file is refused with its sentence, not copied", async () => {
    shell({ list_files: () => [PHOTO], save_file_copy: () => { throw { code: "attachment_damaged", message: "SHA-256 mismatch" }; } });
    files();
    await openCopy("photo.png");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(go());
    expect((await screen.findByRole("alert")).textContent).toMatch(/^This file is damaged on this device/);
    expect(filesStatus()).toBe("");
  });

  it("closing and opening the panel again, or opening another file's, forgets what was typed", async () => {
    shell({ list_files: () => [PHOTO, NOTES] });
    files();
    await openCopy("photo.png");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(copyButton("photo.png"));
    expect(document.querySelector(".file-copy")).toBeNull();
    await fireEvent.click(copyButton("photo.png"));
    expect(byId<HTMLInputElement>("note-copy-pass")!.value).toBe("");
    await fireEvent.click(byId("note-copy-protect-readable")!);
    await fireEvent.click(copyButton("notes.txt"));
    expect(item("photo.png").querySelector(".file-copy")).toBeNull();
    expect(item("notes.txt").querySelector(".file-copy")).toBeTruthy();
    expect(byId<HTMLInputElement>("note-copy-protect-passphrase")!.checked).toBe(true);
    expect(byId("note-copy-readable-warning")!.textContent).toBe("");
  });
});

describe("Files: a copy's answer that arrives after another record was opened", () => {
  it("changes nothing in the record now shown", async () => {
    let release: (w: Written | null) => void = () => {};
    shell({
      list_files: ({ id }) => (id === RECORD ? [PHOTO] : [entry(3, "other.png")]),
      save_file_copy: () => new Promise<Written | null>((r) => (release = r)),
    });
    const view = files(RECORD);
    await openCopy("photo.png");
    await type("note-copy-pass", PASS);
    await type("note-copy-pass-confirm", PASS);
    await fireEvent.click(go());
    await waitFor(() => expect(called("save_file_copy")).toHaveLength(1));
    await view.rerender({ recordId: OTHER_RECORD, prefix: "note", heading: "Files" });
    await screen.findByText("other.png", TITLE);
    // Opening another record closes the panel and forgets the passphrase.
    expect(document.querySelector(".file-copy")).toBeNull();
    await fireEvent.click(copyButton("other.png"));
    expect(byId<HTMLInputElement>("note-copy-pass")!.value).toBe("");
    await type("note-copy-pass", "something new");

    release(written());
    await settle();
    expect(filesStatus()).not.toContain("Saved");
    expect(filesAlert()).toBeNull();
    expect(screen.queryByText("photo.png", TITLE)).toBeNull();
    // The panel opened on the new record stays open, with what was typed there.
    expect(item("other.png").querySelector(".file-copy")).toBeTruthy();
    expect(byId<HTMLInputElement>("note-copy-pass")!.value).toBe("something new");
    expect(called("list_files").map((c) => c.args)).toEqual([{ id: RECORD }, { id: OTHER_RECORD }]);
  });

  it("a refusal for the record left behind shows no error in the new one", async () => {
    let refuse: (e: unknown) => void = () => {};
    shell({
      list_files: ({ id }) => (id === RECORD ? [PHOTO] : [entry(3, "other.png")]),
      save_file_copy: () => new Promise((_, no) => (refuse = no)),
    });
    const view = files(RECORD);
    await openCopy("photo.png");
    await fireEvent.click(byId("note-copy-protect-readable")!);
    await fireEvent.click(go());
    await waitFor(() => expect(called("save_file_copy")).toHaveLength(1));
    await view.rerender({ recordId: OTHER_RECORD, prefix: "note", heading: "Files" });
    await screen.findByText("other.png", TITLE);
    refuse({ code: "attachment_damaged", message: "x" });
    await settle();
    expect(filesAlert()).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Search: Export

const hit = (i: number) => ({
  id: i.toString(16).padStart(32, "0"), type: "note", title: `checkpoint ${i}`, date: null, tags: [], created_ms: 0, updated_ms: 0, score: 1,
});

function search(exportAnswer: (args: Record<string, unknown>) => unknown) {
  shell({ search_page: (a) => pageOf([hit(1), hit(2)], a), export_records: exportAnswer });
  render(Search, { props: { onopen: () => {} } });
}

const exportStatus = () => byId("export-status")!.textContent;
const exportError = () => byId("export-error")?.textContent ?? null;
const exportGo = () => byId<HTMLButtonElement>("export-go")!;

describe("Search: Export", () => {
  it("sends the search as typed, the format, real names when ticked, and the protection; then says what was written", async () => {
    search(() => ({ name: "carenet-export.csv.age", folder: "/home/amal/Documents", count: 12, encrypted: true }));
    const form = byId<HTMLFormElement>("export-form")!;
    expect(within(form).getByText(/^Writes every record \(no search is typed\)/)).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Search all records"), { target: { value: "checkpoint" } });
    await fireEvent.change(screen.getByLabelText("Only"), { target: { value: "note" } });
    await screen.findByText("2 results");
    expect(within(form).getByText(/^Writes the records this search finds/)).toBeTruthy();

    await fireEvent.change(byId("export-format")!, { target: { value: "csv" } });
    const realNames = byId<HTMLInputElement>("export-real-names")!;
    expect(realNames.checked).toBe(false);
    await fireEvent.click(realNames);
    expect(realNames.checked).toBe(true);
    expect(byId<HTMLInputElement>("export-protect-passphrase")!.checked).toBe(true);
    await type("export-pass", PASS);
    await type("export-pass-confirm", PASS);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe("12 records written to carenet-export.csv.age in /home/amal/Documents, encrypted."));

    expect(called("export_records").map((c) => c.args)).toEqual([{
      query: { text: "checkpoint", kind: "note", tag: null, from: null, to: null, limit: 0 },
      format: "csv",
      includeRealNames: true,
      withFiles: false,
      protect: { kind: "passphrase", passphrase: PASS },
      dialog: { title: "Save the export", accept: "Save", cancel: "Cancel" },
    }]);
    expect(exportError()).toBeNull();
    // The passphrase does not stay in the form once written.
    expect(byId<HTMLInputElement>("export-pass")!.value).toBe("");
    expect(byId<HTMLInputElement>("export-pass-confirm")!.value).toBe("");
  });

  it("exports everything as JSON without real names by default, and warns about a readable file", async () => {
    search(() => ({ name: "carenet-export.json", folder: "/tmp", count: 3, encrypted: false }));
    expect((byId("export-format") as HTMLSelectElement).value).toBe("json");
    await fireEvent.click(byId("export-protect-readable")!);
    expect(byId("export-readable-warning")!.textContent).toBe(READABLE_WARNING);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(called("export_records")).toHaveLength(1));
    expect(called("export_records")[0].args).toEqual({
      query: { text: "", kind: null, tag: null, from: null, to: null, limit: 0 },
      format: "json",
      includeRealNames: false,
      withFiles: false,
      protect: { kind: "readable" },
      dialog: { title: "Save the export", accept: "Save", cancel: "Cancel" },
    });
    await waitFor(() => expect(exportStatus()).toBe(
      "3 records written to carenet-export.json in /tmp. This file is readable by anyone who finds it: delete it when it is no longer needed.",
    ));
    expect(called("search_page")).toEqual([]);
  });

  it("with the files box ticked, asks for an archive and says how many files went in and which could not", async () => {
    let answer: Written = written({ name: "carenet-export.tar.age", count: 2, files: 3, missing_files: 0 });
    search(() => answer);
    const box = byId<HTMLInputElement>("export-files")!;
    expect(box.checked).toBe(false);
    expect(byId("export-files-note")!.textContent).toContain("files.json");
    expect(box.getAttribute("aria-describedby")).toBe("export-files-note");
    await fireEvent.click(box);
    await type("export-pass", PASS);
    await type("export-pass-confirm", PASS);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe(
      "2 records written to carenet-export.tar.age in /media/stick, encrypted. With them, 3 files, each listed with its SHA-256 in files.json.",
    ));
    expect(called("export_records")[0].args).toMatchObject({ withFiles: true });
    answer = written({ name: "carenet-export.tar.age", count: 1, files: 1, missing_files: 1 });
    await type("export-pass", PASS);
    await type("export-pass-confirm", PASS);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe(
      "1 record written to carenet-export.tar.age in /media/stick, encrypted. With them, 1 file, listed with its SHA-256 in files.json. "
        + "1 file could not be read (not all of its parts have arrived yet, or it is damaged): it is named in files.json but not included.",
    ));
    // Records without files: no sentence about files.
    answer = written({ name: "carenet-export.tar.age", count: 2, files: 0, missing_files: 0 });
    await type("export-pass", PASS);
    await type("export-pass-confirm", PASS);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe("2 records written to carenet-export.tar.age in /media/stick, encrypted."));
  });

  it("exports what is typed now, not an earlier search", async () => {
    search(() => written({ count: 1 }));
    const box = screen.getByLabelText("Search all records");
    await fireEvent.input(box, { target: { value: "old words" } });
    await fireEvent.input(box, { target: { value: "river" } });
    await fireEvent.click(byId("export-protect-recipients")!);
    await fireEvent.input(byId("export-recipients")!, { target: { value: "age1partner" } });
    await fireEvent.click(exportGo());
    await waitFor(() => expect(called("export_records")).toHaveLength(1));
    expect(called("export_records")[0].args).toMatchObject({
      query: { text: "river", kind: null }, protect: { kind: "recipients", recipients: ["age1partner"] },
    });
  });

  it("shows an error code as its sentence, and no success", async () => {
    search(() => { throw { code: "weak_passphrase", message: "too short" }; });
    await type("export-pass", "short");
    await type("export-pass-confirm", "short");
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportError()).toBe("The passphrase is too short: use at least 8 characters (a few unrelated words work well)."));
    expect(byId("export-error")!.getAttribute("role")).toBe("alert");
    expect(exportStatus()).toBe("");
    expect(exportGo().disabled).toBe(false);
  });

  it("refuses two different passphrases and empty recipients before calling the shell", async () => {
    search(() => written());
    await type("export-pass", PASS);
    await type("export-pass-confirm", "something else");
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportError()).toBe(MISMATCH));
    await fireEvent.click(byId("export-protect-recipients")!);
    await fireEvent.input(byId("export-recipients")!, { target: { value: " , \n " } });
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportError()).toBe(NO_RECIPIENT));
    await settle();
    expect(called("export_records")).toEqual([]);
    expect(exportStatus()).toBe("");
  });

  it("says nothing was written when the dialog was closed, and clears an earlier error", async () => {
    let answer: () => unknown = () => { throw { code: "io", message: "disk full" }; };
    search(() => answer());
    await fireEvent.click(byId("export-protect-readable")!);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportError()).not.toBeNull());
    answer = () => null;
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe(CANCELLED));
    expect(exportError()).toBeNull();
  });

  it("says it is writing, with the button disabled, until the shell answers", async () => {
    let done: (w: Written) => void = () => {};
    search(() => new Promise<Written>((r) => (done = r)));
    await fireEvent.click(byId("export-protect-readable")!);
    await fireEvent.click(exportGo());
    await waitFor(() => expect(exportStatus()).toBe("Choose the place in the file dialog; the file is then encrypted and written…"));
    expect(exportGo().disabled).toBe(true);
    expect(byId("export-form")!.getAttribute("aria-busy")).toBe("true");
    done(written({ name: "x.json.age", folder: "/f", count: 1 }));
    await waitFor(() => expect(exportStatus()).toBe("1 record written to x.json.age in /f, encrypted."));
    expect(exportGo().disabled).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Sync: USB stick

const idle: SyncStatus = {
  mode: "idle", ticket: null, ends_ms: null, now_ms: Date.now(), peers: [], items_to_go: 0, bytes_to_go: 0,
  items_done: 0, bytes_done: 0, last_sync_ms: null,
};
const LAWYERS = "ab".repeat(16);
const CARRIED = "0123456789abcdef".repeat(2);
const space = (over: Partial<SpaceView> = {}): SpaceView =>
  ({ id: LAWYERS, name: "Lawyers", role: "coordinator", epoch: 0, members: 2, carried: false, records: 4, stowed: false, ...over });
const SPACES = [space(), space({ id: CARRIED, name: null, role: null, carried: true })];

function sync(answers: Record<string, (args: any) => unknown>, spaces: SpaceView[] = SPACES) {
  shell({ sync_status: () => idle, list_spaces: () => spaces, ...answers });
  render(Sync);
}

const usbStatus = () => byId("usb-status")!.textContent;
const usbError = () => byId("usb-error")?.textContent ?? null;
const imported = (over: Partial<Imported> = {}): Imported => ({ new_items: 5, already_here: 2, changed_records: 3, deleted_records: 0, ...over });

describe("Sync: USB stick", () => {
  it("shows this device's age key to give to whoever makes it a bundle, and nothing when it cannot be read", async () => {
    const KEY = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";
    sync({ device_age_key: () => KEY });
    const field = await waitFor(() => {
      const f = byId<HTMLInputElement>("device-age-key");
      expect(f).toBeTruthy();
      return f!;
    });
    expect(field.value).toBe(KEY);
    expect(field.readOnly).toBe(true);
    expect(byId("device-age-key-copy")).toBeTruthy();
    cleanup();
    sync({});
    await waitFor(() => expect(byId<HTMLSelectElement>("bundle-space")?.options.length).toBe(2));
    expect(byId("device-age-key")).toBeNull();
  });

  it("counts records a member deleted for the space in what an import says", async () => {
    sync({ import_bundle: () => imported({ deleted_records: 2 }) });
    await waitFor(() => expect(byId<HTMLSelectElement>("bundle-space")?.options.length).toBe(2));
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() =>
      expect(usbStatus()).toBe("Imported 5 new items (2 already here). 3 records changed. 2 records were deleted for the space by a member."),
    );
  });

  it("lists the spaces, a carried one by the start of its id, and offers no readable bundle", async () => {
    sync({});
    const select = await waitFor(() => {
      const s = byId<HTMLSelectElement>("bundle-space");
      expect(s?.options.length).toBe(2);
      return s!;
    });
    expect(Array.from(select.options, (o) => [o.value, o.textContent])).toEqual([
      [LAWYERS, "Lawyers"],
      [CARRIED, "Carried space 01234567…"],
    ]);
    expect(select.value).toBe(LAWYERS);
    expect(byId("bundle-protect")).toBeTruthy();
    expect(byId("bundle-protect-passphrase")).toBeTruthy();
    expect(byId("bundle-protect-recipients")).toBeTruthy();
    expect(byId("bundle-protect-readable")).toBeNull();
    expect(within(byId("bundle-protect")!).queryByText(/Do not encrypt/)).toBeNull();
    expect(byId<HTMLButtonElement>("bundle-export")!.disabled).toBe(false);
    expect(screen.queryByText(/There is no space yet/)).toBeNull();
  });

  it("writes a bundle of the chosen space with the passphrase and says how many items went where", async () => {
    sync({ export_bundle: () => ({ name: "carenet-bundle.age", folder: "/media/stick", count: 37, encrypted: true }) });
    await waitFor(() => expect(byId<HTMLSelectElement>("bundle-space")?.options.length).toBe(2));
    await fireEvent.change(byId("bundle-space")!, { target: { value: CARRIED } });
    await fireEvent.click(byId("bundle-protect-passphrase")!);
    await type("bundle-pass", PASS);
    await type("bundle-pass-confirm", PASS);
    await fireEvent.click(byId("bundle-export")!);
    await waitFor(() => expect(usbStatus()).toBe("37 items written to carenet-bundle.age in /media/stick, encrypted."));
    expect(called("export_bundle").map((c) => c.args)).toEqual([{
      space: CARRIED, protect: { kind: "passphrase", passphrase: PASS },
      dialog: { title: "Save the bundle", accept: "Save", cancel: "Cancel" },
    }]);
    expect(usbError()).toBeNull();
    // Written: the form is back to its default, the members, and holds no passphrase.
    expect(byId<HTMLInputElement>("bundle-protect-members")!.checked).toBe(true);
    expect(byId("bundle-pass")).toBeNull();
  });

  it("encrypts a bundle to the space's members by default, saying what that covers, with no passphrase asked", async () => {
    sync({ export_bundle: () => written({ name: "b.age", count: 4 }) });
    await waitFor(() => expect(byId("bundle-space")).toBeTruthy());
    expect(byId<HTMLInputElement>("bundle-protect-members")!.checked).toBe(true);
    expect(byId("bundle-pass")).toBeNull();
    expect(byId("bundle-members-note")!.textContent).toContain("not whose");
    expect(byId("bundle-protect-readable")).toBeNull();
    await fireEvent.click(byId("bundle-export")!);
    await waitFor(() => expect(called("export_bundle")).toHaveLength(1));
    expect(called("export_bundle")[0].args).toMatchObject({ space: LAWYERS, protect: { kind: "members" } });
    await waitFor(() => expect(usbStatus()).toBe("4 items written to b.age in /media/stick, encrypted."));
  });

  it("offers the members only for a bundle, not for an export or a file copy", async () => {
    sync({});
    await waitFor(() => expect(byId("bundle-space")).toBeTruthy());
    expect(document.querySelectorAll("[id$='-protect-members']")).toHaveLength(1);
    cleanup();
    search(() => written());
    expect(byId("export-protect-passphrase")).toBeTruthy();
    expect(document.querySelectorAll("[id$='-protect-members']")).toHaveLength(0);
    cleanup();
    shell({ list_files: () => [PHOTO] });
    files();
    await openCopy("photo.png");
    expect(byId("note-copy-protect-passphrase")).toBeTruthy();
    expect(document.querySelectorAll("[id$='-protect-members']")).toHaveLength(0);
    expect(protectOf(newChoice("members"))).toEqual({ kind: "members" });
    expect(protectOf({ ...newChoice("members"), passphrase: "a", confirm: "b", recipients: "age1x" })).toEqual({ kind: "members" });
  });

  it("writes a bundle for recipients, of the first space unless another is chosen", async () => {
    sync({ export_bundle: () => written({ name: "b.age", count: 2 }) });
    await waitFor(() => expect(byId("bundle-space")).toBeTruthy());
    await fireEvent.click(byId("bundle-protect-recipients")!);
    await fireEvent.input(byId("bundle-recipients")!, { target: { value: "age1laptop\nage1phone" } });
    await fireEvent.click(byId("bundle-export")!);
    await waitFor(() => expect(called("export_bundle")).toHaveLength(1));
    expect(called("export_bundle")[0].args).toMatchObject({ space: LAWYERS, protect: { kind: "recipients", recipients: ["age1laptop", "age1phone"] } });
  });

  it("refuses two different passphrases for a bundle before calling the shell", async () => {
    sync({ export_bundle: () => written() });
    await waitFor(() => expect(byId("bundle-space")).toBeTruthy());
    await fireEvent.click(byId("bundle-protect-passphrase")!);
    await type("bundle-pass", PASS);
    await type("bundle-pass-confirm", "not the same");
    await fireEvent.click(byId("bundle-export")!);
    await waitFor(() => expect(usbError()).toBe(MISMATCH));
    await settle();
    expect(called("export_bundle")).toEqual([]);
  });

  it("imports a bundle with the passphrase typed and says what came in", async () => {
    sync({ import_bundle: () => imported() });
    await type("bundle-import-pass", PASS);
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbStatus()).toBe("Imported 5 new items (2 already here). 3 records changed."));
    expect(called("import_bundle").map((c) => c.args)).toEqual([{
      passphrase: PASS, dialog: { title: "Choose a bundle to import", accept: "Open", cancel: "Cancel" },
    }]);
    expect(usbError()).toBeNull();
    expect(byId<HTMLInputElement>("bundle-import-pass")!.value).toBe("");
    expect(byId<HTMLInputElement>("bundle-import-pass")!.type).toBe("password");
  });

  it("imports a bundle made for this device's key with an empty passphrase", async () => {
    sync({ import_bundle: () => imported({ new_items: 0, already_here: 9, changed_records: 0 }) });
    await waitFor(() => expect(called("list_spaces")).toHaveLength(1));
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbStatus()).toBe("Imported 0 new items (9 already here). 0 records changed."));
    expect(called("import_bundle")[0].args.passphrase).toBe("");
  });

  it("shows a wrong bundle passphrase as its sentence, and no success", async () => {
    sync({ import_bundle: () => { throw { code: "bundle_wrong_passphrase", message: "x" }; } });
    await type("bundle-import-pass", "wrong one");
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbError()).toBe("Wrong passphrase for this bundle, or the bundle is damaged. Nothing was imported."));
    expect(byId("usb-error")!.getAttribute("role")).toBe("alert");
    expect(usbStatus()).toBe("");
    expect(byId<HTMLButtonElement>("bundle-import")!.disabled).toBe(false);
    // The sync section's own error line is not used for the stick.
    expect(byId("sync-error")).toBeNull();
  });

  it("says nothing was imported when the dialog was closed, and clears the earlier error", async () => {
    let answer: () => unknown = () => { throw { code: "bundle_needs_passphrase", message: "x" }; };
    sync({ import_bundle: () => answer() });
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbError()).toMatch(/^This bundle is protected by a passphrase/));
    answer = () => null;
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbStatus()).toBe(CANCELLED));
    expect(usbError()).toBeNull();
  });

  it("says it is verifying while an import runs, with both buttons disabled", async () => {
    let done: (i: Imported) => void = () => {};
    sync({ import_bundle: () => new Promise<Imported>((r) => (done = r)) });
    await waitFor(() => expect(byId("bundle-export")).toBeTruthy());
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbStatus()).toBe("Choose the bundle in the file dialog; it is then verified and imported…"));
    expect(byId<HTMLButtonElement>("bundle-import")!.disabled).toBe(true);
    expect(byId<HTMLButtonElement>("bundle-export")!.disabled).toBe(true);
    done(imported({ new_items: 1, already_here: 0, changed_records: 1 }));
    await waitFor(() => expect(usbStatus()).toBe("Imported 1 new item (0 already here). 1 record changed."));
    expect(byId<HTMLButtonElement>("bundle-import")!.disabled).toBe(false);
  });

  it("with no space yet, says to create or join one, offers no bundle to make, and still imports", async () => {
    sync({ import_bundle: () => imported() }, []);
    await screen.findByText("There is no space yet. Records in a space can be carried; create or join one on the Spaces screen.");
    expect(byId("bundle-export")).toBeNull();
    expect(byId("bundle-space")).toBeNull();
    expect(byId("bundle-protect")).toBeNull();
    expect(byId("bundle-import")).toBeTruthy();
    await fireEvent.click(byId("bundle-import")!);
    await waitFor(() => expect(usbStatus()).toBe("Imported 5 new items (2 already here). 3 records changed."));
  });

  it("says when the spaces cannot be listed", async () => {
    shell({ sync_status: () => idle, list_spaces: () => { throw { code: "vault_locked", message: "locked" }; } });
    render(Sync);
    await waitFor(() => expect(usbError()).not.toBeNull());
    expect(usbError()).not.toMatch(/^Something went wrong/);
    expect(byId("bundle-export")).toBeNull();
  });
});

describe("the shell's refusals of carrying, as sentences", () => {
  it("reads every new code as its own sentence, never the generic fallback", () => {
    const said = (code: string) => errorText({ code, message: "English from the shell" });
    expect(said("dialog_busy")).toBe("A file dialog is already open: finish with it first.");
    expect(said("inside_vault_folder")).toMatch(/^Choose a folder outside Carenet's own vault folder/);
    expect(said("bundle_space_too_large")).toMatch(/^This space holds more than one bundle can carry/);
    expect(said("space_log_incomplete")).toMatch(/membership history/);
    expect(said("items_too_many")).toBe("This bundle is too large to import. Nothing was imported.");
    for (const code of ["item_malformed", "item_bad_signature", "item_not_a_member", "item_unknown_epoch", "item_undecryptable"]) {
      expect(said(code)).toMatch(/^Something in this bundle failed verification/);
    }
    expect(said("not_a_code_at_all")).toBe("Something went wrong: English from the shell");
  });
});
