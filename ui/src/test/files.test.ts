// The files of a note or reprisal record (parts/Files.svelte, through lib/api.ts): the list with
// size, SHA-256 and who signed each file; attaching (the bytes as the raw body, the details in
// headers) with its refusals before any call; viewing an image or a text from memory; removing
// in two steps; the core's errors as sentences; and the Files section of the Notes and Reprisals
// screens. The shell is replaced by `mockIPC` because the real one cannot run inside Vitest (the
// real app is covered by the end-to-end tests). `mockIPC` hands its handler only the command and
// its arguments, so the options `invoke` got (the headers) are recorded one step before it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Files from "../parts/Files.svelte";
import Notes from "../screens/Notes.svelte";
import Reprisals from "../screens/Reprisals.svelte";
import { formatTime, setLang } from "../lib/locale.svelte";
import type { FileEntry, StoredRecord, Summary } from "../lib/bindings";
import { pageOf, savedAs } from "./pages";

type Call = { cmd: string; args: unknown; options?: { headers?: Record<string, string> } };
let calls: Call[] = [];
const called = (cmd: string) => calls.filter((c) => c.cmd === cmd);
type Internals = { invoke: (cmd: string, args?: unknown, options?: unknown) => Promise<unknown> };
const internals = () => (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;

/** Answers the commands in `answers` (a throw is the shell's refusal); any other one is refused. */
function shell(answers: Record<string, (args: any) => unknown>) {
  mockIPC((cmd, args) => {
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer(args);
  });
  const inner = internals().invoke;
  internals().invoke = (cmd, args, options) => {
    calls.push({ cmd, args, options: options as Call["options"] });
    return inner(cmd, args, options);
  };
}

const RECORD = "ab".repeat(16);
const OTHER_RECORD = "cd".repeat(16);
const THIS_KEY = "11".repeat(32);
const MEMBER_KEY = "0123456789abcdef".repeat(4);
const STRANGER_KEY = "fedcba9876543210".repeat(4);
const ADDED = Date.UTC(2026, 4, 2, 9, 15);
const CAPTURED = Date.UTC(2026, 4, 1, 7, 0);
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80];

function entry(n: number, over: Partial<FileEntry["file"]> = {}, who: Partial<Omit<FileEntry, "file">> = {}): FileEntry {
  return {
    file: {
      id: n.toString(16).padStart(32, "0"), name: `file ${n}.png`, media_type: "image/png", size: 1_234_567,
      sha256: n.toString(16).padStart(2, "0").repeat(32), parts: 1, added_ms: ADDED, device: THIS_KEY,
      signature: "ee".repeat(64), ...over,
    },
    signature_valid: true, this_device: true, signer_name: null, ...who,
  };
}

/** File names appear as the row's title and, for screen readers, inside its buttons. */
const TITLE = { selector: ".title" };
/** The list item of the file named `name`. */
const item = (name: string) => screen.getByText(name, TITLE).closest("li") as HTMLLIElement;
/** The file's own View, Hide or Remove button: its accessible name is the word and the file's name. */
const button = (name: string, word: "View" | "Hide" | "Remove") => within(item(name)).getByRole("button", { name: `${word} ${name}` });
const alert = async () => (await screen.findByRole("alert")).textContent;
const statusText = () => document.querySelector(".files .status")?.textContent;
const fileInput = () => screen.getByLabelText("File to attach (up to 50 MB)") as HTMLInputElement;
const capturedInput = () => screen.getByLabelText("When it was captured (optional)") as HTMLInputElement;

function files(recordId: string | null) {
  return render(Files, { props: { recordId, prefix: "t", heading: "Files" } });
}

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
  vi.restoreAllMocks();
});

describe("Files: the list", () => {
  it("asks nothing for a record not saved yet and says to save it first", async () => {
    shell({});
    files(null);
    expect(screen.getByRole("heading", { name: "Files" })).toBeTruthy();
    expect(screen.getByText("Save the record first; then you can attach files to it.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Attach" })).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
  });

  it("lists each file with its size, times, SHA-256 and who signed it", async () => {
    const here = entry(1, { name: "here.png", captured_ms: CAPTURED });
    const member = entry(2, { name: "member.png", device: MEMBER_KEY }, { this_device: false, signer_name: "Amal" });
    const stranger = entry(3, { name: "stranger.png", device: STRANGER_KEY, size: 42 }, { this_device: false });
    // A bad signature is reported even when the key it names is this device's or a member's.
    const forged = entry(4, { name: "forged.png", device: MEMBER_KEY }, { signature_valid: false, this_device: true, signer_name: "Amal" });
    shell({ list_files: () => [here, member, stranger, forged] });
    files(RECORD);
    await screen.findByText("here.png", TITLE);
    expect(called("list_files").map((c) => c.args)).toEqual([{ id: RECORD }]);
    expect(screen.queryByText("No files yet.")).toBeNull();

    const h = item("here.png");
    expect(h.id).toBe(`t-file-${here.file.id}`);
    expect(h.textContent).toContain("image/png");
    expect(h.textContent).toContain("1,234,567 bytes");
    expect(h.textContent).toContain(`captured ${formatTime(CAPTURED)}`);
    expect(h.textContent).toContain(`added ${formatTime(ADDED)}`);
    expect(h.querySelector("code")?.textContent).toBe(here.file.sha256);
    expect(h.textContent).toContain("Signed by this device when it was added.");

    const m = item("member.png");
    expect(m.textContent).toContain("Signed by Amal (the name they chose; not a verified identity) when it was added.");
    expect(m.textContent).not.toContain("captured");
    expect(m.querySelector("code")?.textContent).toBe(member.file.sha256);

    const s = item("stranger.png");
    expect(s.textContent).toContain("42 bytes");
    expect(s.textContent).toContain("Signed by device fedcba987654… when it was added.");
    expect(s.textContent).not.toContain(STRANGER_KEY.slice(0, 13));

    const f = item("forged.png");
    const warning = within(f).getByText(/^Warning: the signature over this file's details does not verify\./);
    expect(warning.classList.contains("error")).toBe(true);
    expect(f.textContent).not.toContain("Signed by");
    for (const ok of [h, m, s]) expect(ok.querySelector(".meta.error")).toBeNull();
  });

  it("says when a record has no files yet", async () => {
    shell({ list_files: () => [] });
    files(RECORD);
    await screen.findByText("No files yet.");
    expect(called("list_files").length).toBe(1);
  });

  it("shows a failed list as a sentence", async () => {
    shell({ list_files: () => { throw { code: "attachment_incomplete", message: "incomplete" }; } });
    files(RECORD);
    expect(await alert()).toBe("Not all of this file has reached this device yet. Sync again with a member who has it; the record itself is complete.");
  });

  it("lists the files of the record it is given now, not the late answer for the one before", async () => {
    const held: (() => void)[] = [];
    shell({
      list_files: async (a: { id: string }) => {
        if (a.id === RECORD) await new Promise<void>((go) => held.push(go));
        return [entry(a.id === RECORD ? 1 : 2, { name: a.id === RECORD ? "old.png" : "new.png" })];
      },
    });
    const { rerender } = files(RECORD);
    await waitFor(() => expect(held.length).toBe(1));
    await rerender({ recordId: OTHER_RECORD });
    await screen.findByText("new.png", TITLE);
    held.splice(0).forEach((go) => go());
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText("old.png", TITLE)).toBeNull();
    expect(screen.getByText("new.png", TITLE)).toBeTruthy();
    expect(called("list_files").map((c) => c.args)).toEqual([{ id: RECORD }, { id: OTHER_RECORD }]);
  });
});

describe("Files: attaching", () => {
  it("sends the chosen file's bytes raw, its details in headers, and shows the new list", async () => {
    const name = "photo été.png";
    const added = entry(9, { name, size: PNG.length, captured_ms: new Date(2026, 4, 1, 10, 30).getTime() });
    shell({ list_files: () => [], attach_file: () => [added] });
    files(RECORD);
    await screen.findByText("No files yet.");
    await fireEvent.change(fileInput(), { target: { files: [new File([new Uint8Array(PNG)], name, { type: "image/png" })] } });
    await fireEvent.input(capturedInput(), { target: { value: "2026-05-01T10:30" } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    await screen.findByText(name, TITLE);

    const [sent] = called("attach_file");
    expect(called("attach_file").length).toBe(1);
    expect(sent.args).toBeInstanceOf(Uint8Array);
    expect(Array.from(sent.args as Uint8Array)).toEqual(PNG);
    expect(sent.options?.headers).toEqual({
      "x-carenet-record": RECORD,
      "x-carenet-name": "photo%20%C3%A9t%C3%A9.png",
      "x-carenet-type": "image/png",
      // The datetime-local field is read as this computer's local time.
      "x-carenet-captured": String(new Date(2026, 4, 1, 10, 30).getTime()),
    });
    expect(decodeURIComponent(sent.options!.headers!["x-carenet-name"])).toBe(name);
    // Header values must be plain ASCII (the real IPC sends them as HTTP headers).
    for (const v of Object.values(sent.options!.headers!)) expect(v).toMatch(/^[\x20-\x7e]*$/);

    expect(statusText()).toBe("photo été.png is attached, encrypted in the vault.");
    expect(screen.queryByText("No files yet.")).toBeNull();
    expect(capturedInput().value).toBe("");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(called("list_files").length).toBe(1);
  });

  it("sends an empty capture time when none is set", async () => {
    shell({ list_files: () => [], attach_file: () => [entry(1, { name: "notes.txt", media_type: "text/plain" })] });
    files(RECORD);
    await screen.findByText("No files yet.");
    await fireEvent.change(fileInput(), { target: { files: [new File(["hello"], "notes.txt", { type: "text/plain" })] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    await screen.findByText("notes.txt", TITLE);
    const [sent] = called("attach_file");
    expect(Array.from(sent.args as Uint8Array)).toEqual([...new TextEncoder().encode("hello")]);
    expect(sent.options?.headers?.["x-carenet-captured"]).toBe("");
    expect(sent.options?.headers?.["x-carenet-type"]).toBe("text/plain");
  });

  it("asks for a file first when none is chosen, and calls nothing", async () => {
    shell({ list_files: () => [] });
    files(RECORD);
    await screen.findByText("No files yet.");
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    expect(await alert()).toBe("Choose a file first.");
    expect(calls.map((c) => c.cmd)).toEqual(["list_files"]);
  });

  it("refuses a file over 50 MiB before reading it or calling the shell", async () => {
    shell({ list_files: () => [], attach_file: () => [] });
    files(RECORD);
    await screen.findByText("No files yet.");
    const big = new File([new Uint8Array(PNG)], "video.mp4", { type: "video/mp4" });
    Object.defineProperty(big, "size", { value: 50 * 1024 * 1024 + 1 });
    const read = vi.spyOn(big, "arrayBuffer");
    await fireEvent.change(fileInput(), { target: { files: [big] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    expect(await alert()).toBe("This file is too large: Carenet keeps files up to 50 MB.");
    expect(read).not.toHaveBeenCalled();
    expect(called("attach_file")).toEqual([]);
    expect(statusText()).toBe("");
  });

  it("takes a file of exactly 50 MiB", async () => {
    shell({ list_files: () => [], attach_file: () => [entry(1, { name: "video.mp4", media_type: "video/mp4" })] });
    files(RECORD);
    await screen.findByText("No files yet.");
    const edge = new File([new Uint8Array(PNG)], "video.mp4", { type: "video/mp4" });
    Object.defineProperty(edge, "size", { value: 50 * 1024 * 1024 });
    await fireEvent.change(fileInput(), { target: { files: [edge] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    await screen.findByText("video.mp4", TITLE);
    expect(called("attach_file").length).toBe(1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the core's refusal with its detail and keeps the list", async () => {
    shell({
      list_files: () => [entry(1, { name: "kept.png" })],
      attach_file: () => { throw { code: "invalid_input", message: "The file name must be one line." }; },
    });
    files(RECORD);
    await screen.findByText("kept.png", TITLE);
    await fireEvent.change(fileInput(), { target: { files: [new File(["x"], "bad.txt", { type: "text/plain" })] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    expect(await alert()).toBe("Please check what you typed: The file name must be one line.");
    expect(screen.getByText("kept.png", TITLE)).toBeTruthy();
    expect(statusText()).toBe("");
    expect((screen.getByRole("button", { name: "Attach" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("says it is saving while the shell works, with Attach disabled", async () => {
    let done: (v: FileEntry[]) => void = () => {};
    shell({ list_files: () => [], attach_file: () => new Promise<FileEntry[]>((r) => (done = r)) });
    files(RECORD);
    await screen.findByText("No files yet.");
    await fireEvent.change(fileInput(), { target: { files: [new File(["x"], "slow.txt", { type: "text/plain" })] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    await waitFor(() => expect(statusText()).toBe("Encrypting and saving slow.txt…"));
    expect((screen.getByRole("button", { name: "Attach" }) as HTMLButtonElement).disabled).toBe(true);
    done([entry(1, { name: "slow.txt", media_type: "text/plain" })]);
    await waitFor(() => expect(statusText()).toBe("slow.txt is attached, encrypted in the vault."));
    expect((screen.getByRole("button", { name: "Attach" }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("Files: viewing", () => {
  const png = entry(1, { name: "photo.png", media_type: "image/png" });
  const txt = entry(2, { name: "notes.txt", media_type: "text/plain" });
  const pdf = entry(3, { name: "report.pdf", media_type: "application/pdf" });
  const bytes: Record<string, number[]> = {
    [png.file.id]: PNG,
    [txt.file.id]: [...new TextEncoder().encode("Line one — été\nline two")],
  };
  const NO_VIEW = /^Only images and plain text can be shown inside Carenet\./;

  function withFiles(list: FileEntry[]) {
    shell({
      list_files: () => list,
      read_file: (a: { id: string; file: string }) => {
        const b = bytes[a.file];
        if (!b) throw { code: "attachment_not_found", message: "no such file" };
        return new Uint8Array(b).buffer;
      },
    });
  }

  it("shows an image from memory as a data: URL of its exact bytes, and hides it again", async () => {
    withFiles([png, txt]);
    files(RECORD);
    await screen.findByText("photo.png", TITLE);
    const view = button("photo.png", "View");
    expect(view.getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(view);
    const img = (await screen.findByRole("img", { name: "photo.png" })) as HTMLImageElement;
    expect(img.getAttribute("src")).toBe(`data:image/png;base64,${btoa(String.fromCharCode(...PNG))}`);
    expect(img.getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgoA/xCA");
    expect(called("read_file").map((c) => c.args)).toEqual([{ id: RECORD, file: png.file.id }]);
    expect(item("photo.png").contains(img)).toBe(true);
    expect(item("photo.png").textContent).toContain("Shown from memory: viewing writes nothing to disk.");
    const hide = button("photo.png", "Hide");
    expect(hide.getAttribute("aria-expanded")).toBe("true");
    expect(statusText()).toBe("");

    await fireEvent.click(hide);
    expect(screen.queryByRole("img")).toBeNull();
    expect(button("photo.png", "View")).toBeTruthy();
    expect(called("read_file").length).toBe(1);
  });

  it("shows a text decoded as UTF-8 in a pre, one file at a time", async () => {
    withFiles([png, txt]);
    files(RECORD);
    await screen.findByText("notes.txt", TITLE);
    await fireEvent.click(button("photo.png", "View"));
    await screen.findByRole("img");
    await fireEvent.click(button("notes.txt", "View"));
    await waitFor(() => expect(item("notes.txt").querySelector("pre")).toBeTruthy());
    expect(item("notes.txt").querySelector("pre")!.textContent).toBe("Line one — été\nline two");
    expect(screen.queryByRole("img")).toBeNull();
    expect(called("read_file").map((c) => c.args)).toEqual([
      { id: RECORD, file: png.file.id },
      { id: RECORD, file: txt.file.id },
    ]);
  });

  it("offers no View for a PDF and says what can be shown", async () => {
    withFiles([pdf]);
    files(RECORD);
    await screen.findByText("report.pdf", TITLE);
    expect(within(item("report.pdf")).queryByRole("button", { name: /^View/ })).toBeNull();
    expect(button("report.pdf", "Remove")).toBeTruthy();
    expect(screen.getByText(NO_VIEW)).toBeTruthy();
  });

  it("gives no such hint when every file can be shown", async () => {
    withFiles([png, txt]);
    files(RECORD);
    await screen.findByText("notes.txt", TITLE);
    expect(screen.queryByText(NO_VIEW)).toBeNull();
  });

  it("shows a damaged file as the sentence for it, and no view", async () => {
    shell({
      list_files: () => [png],
      read_file: () => { throw { code: "attachment_damaged", message: "SHA-256 mismatch" }; },
    });
    files(RECORD);
    await screen.findByText("photo.png", TITLE);
    await fireEvent.click(button("photo.png", "View"));
    expect(await alert()).toBe(
      "This file is damaged on this device: its bytes do not match the SHA-256 the record holds. Other files and records are not affected; sync again to get an intact copy from a member.",
    );
    expect(screen.getByRole("alert").id).toBe("t-files-error");
    expect(screen.queryByRole("img")).toBeNull();
    expect(statusText()).toBe("");
  });

  it("shows a file removed elsewhere as the sentence for it", async () => {
    withFiles([entry(7, { name: "gone.png" })]);
    files(RECORD);
    await screen.findByText("gone.png", TITLE);
    await fireEvent.click(button("gone.png", "View"));
    expect(await alert()).toBe("This file is no longer on the record (it may have been removed on another device). Open the record again.");
  });
});

describe("Files: removing", () => {
  const a = entry(1, { name: "a.png" });
  const b = entry(2, { name: "b.txt", media_type: "text/plain" });
  const CONFIRM = /^Remove this file\? It is erased from this device now/;

  it("asks first; Cancel calls nothing; confirming removes the file and says so", async () => {
    shell({ list_files: () => [a, b], remove_file: () => [b] });
    files(RECORD);
    await screen.findByText("a.png", TITLE);
    await fireEvent.click(button("a.png", "Remove"));
    const ask = within(item("a.png")).getByRole("group", { name: CONFIRM });
    expect(within(ask).getByText(CONFIRM)).toBeTruthy();
    expect(within(item("b.txt")).queryByRole("group")).toBeNull();
    expect(called("remove_file")).toEqual([]);

    await fireEvent.click(within(ask).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByText(CONFIRM)).toBeNull();
    expect(screen.getByText("a.png", TITLE)).toBeTruthy();
    expect(called("remove_file")).toEqual([]);

    await fireEvent.click(button("a.png", "Remove"));
    await fireEvent.click(within(within(item("a.png")).getByRole("group")).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(screen.queryByText("a.png", TITLE)).toBeNull());
    expect(called("remove_file").map((c) => c.args)).toEqual([{ id: RECORD, file: a.file.id }]);
    expect(statusText()).toBe("a.png was removed and erased from this device.");
    expect(screen.getByText("b.txt", TITLE)).toBeTruthy();
    expect(screen.queryByText(CONFIRM)).toBeNull();
  });

  it("removing the file being viewed takes its view away too", async () => {
    shell({ list_files: () => [a], read_file: () => new Uint8Array(PNG).buffer, remove_file: () => [] });
    files(RECORD);
    await screen.findByText("a.png", TITLE);
    await fireEvent.click(button("a.png", "View"));
    await screen.findByRole("img");
    await fireEvent.click(button("a.png", "Remove"));
    await fireEvent.click(within(within(item("a.png")).getByRole("group")).getByRole("button", { name: "Remove" }));
    await screen.findByText("No files yet.");
    expect(screen.queryByRole("img")).toBeNull();
  });

  it("keeps the file and says why when the shell refuses", async () => {
    shell({ list_files: () => [a], remove_file: () => { throw { code: "attachment_not_found", message: "gone" }; } });
    files(RECORD);
    await screen.findByText("a.png", TITLE);
    await fireEvent.click(button("a.png", "Remove"));
    await fireEvent.click(within(within(item("a.png")).getByRole("group")).getByRole("button", { name: "Remove" }));
    expect(await alert()).toMatch(/^This file is no longer on the record/);
    expect(screen.getByText("a.png", TITLE)).toBeTruthy();
    expect(statusText()).toBe("");
  });
});

describe("Files in the screens", () => {
  const NOTE = "ef".repeat(16);
  const FRESH = "12".repeat(16);
  const opened: StoredRecord = {
    id: NOTE, created_ms: 1_000, updated_ms: 2_000,
    record: { type: "note", title: "Checkpoint", body: "Use the river road", tags: ["roads"], attachments: [], removed_attachments: [] },
  };
  const row: Summary = { id: NOTE, type: "note", title: "Checkpoint", date: null, tags: ["roads"], created_ms: 1_000, updated_ms: 2_000, score: null };

  function notesShell() {
    shell({
      list_page: (a) => pageOf([row], a),
      get_record: (a: { id: string }) => {
        if (a.id !== NOTE) throw { code: "not_found", message: "no such record" };
        return structuredClone(opened);
      },
      list_files: (a: { id: string }) => (a.id === NOTE ? [entry(1, { name: "checkpoint.png" })] : []),
      save_record: (a) => savedAs(a, FRESH),
    });
  }

  it("an opened note lists its files under Files; a new note says to save it first", async () => {
    notesShell();
    const { container } = render(Notes, { props: { openId: NOTE } });
    await screen.findByRole("heading", { name: "Edit note" });
    const section = container.querySelector("#note-files") as HTMLElement;
    expect(within(section).getByRole("heading", { name: "Files" })).toBeTruthy();
    await within(section).findByText("checkpoint.png", TITLE);
    expect(called("list_files").map((c) => c.args)).toEqual([{ id: NOTE }]);
    // The files are not part of what Save writes: the section is outside the form, and its
    // buttons save nothing.
    expect(section.closest("form")).toBeNull();
    await fireEvent.click(within(section).getByRole("button", { name: /^Remove/ }));
    await fireEvent.click(within(within(section).getByRole("group")).getByRole("button", { name: "Cancel" }));
    expect(called("save_record")).toEqual([]);

    await fireEvent.click(screen.getByRole("button", { name: "New note" }));
    await screen.findByRole("heading", { name: "New note" });
    const fresh = container.querySelector("#note-files") as HTMLElement;
    expect(within(fresh).getByText("Save the record first; then you can attach files to it.")).toBeTruthy();
    expect(within(fresh).queryByText("checkpoint.png", TITLE)).toBeNull();
    expect(within(fresh).queryByRole("button", { name: "Attach" })).toBeNull();
    expect(called("list_files").length).toBe(1);
  });

  it("a new note, once saved, can take files: its Files section lists those of its new id", async () => {
    notesShell();
    const { container } = render(Notes, { props: {} });
    const section = container.querySelector("#note-files") as HTMLElement;
    expect(within(section).getByText("Save the record first; then you can attach files to it.")).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Safe house" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await within(container.querySelector("#note-files") as HTMLElement).findByText("No files yet.");
    expect(called("list_files").map((c) => c.args)).toEqual([{ id: FRESH }]);
    expect(within(container.querySelector("#note-files") as HTMLElement).getByRole("button", { name: "Attach" })).toBeTruthy();
  });

  it("the reprisal form has its Evidence files section", async () => {
    shell({
      list_page: (a) => pageOf([], a),
      vocabularies: () => ({ act_type: [], mechanism: [], engagement_form: [], intervention_kind: [], intervention_result: [], source_kind: [], perpetrator_type: [], event_status: [], follow_up: [] }),
    });
    render(Reprisals, { props: {} });
    await screen.findByLabelText("What happened, in a few words");
    const heading = screen.getByRole("heading", { name: "Evidence files" });
    const section = heading.closest("section") as HTMLElement;
    expect(within(section).getByText("Save the record first; then you can attach files to it.")).toBeTruthy();
    expect(called("list_files")).toEqual([]);
  });
});

describe("Files answers that arrive after another record was opened", () => {
  it("an attach answered for the record left behind changes nothing in the one now shown", async () => {
    let release: (v: FileEntry[]) => void = () => {};
    shell({
      list_files: ({ id }) => (id === RECORD ? [] : [entry(2, { name: "other.png" })]),
      attach_file: () => new Promise<FileEntry[]>((r) => (release = r)),
    });
    const view = files(RECORD);
    await waitFor(() => expect(called("list_files")).toHaveLength(1));
    await fireEvent.change(fileInput(), { target: { files: [new File([new Uint8Array([1, 2, 3])], "slow.png", { type: "image/png" })] } });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    await waitFor(() => expect(called("attach_file")).toHaveLength(1));
    await view.rerender({ recordId: OTHER_RECORD, prefix: "t", heading: "Files" });
    await screen.findByText("other.png", TITLE);
    release([entry(1, { name: "slow.png" })]);
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText("slow.png", TITLE)).toBeNull();
    expect(screen.getByText("other.png", TITLE)).toBeTruthy();
    expect(statusText()).not.toContain("attached");
  });
});
