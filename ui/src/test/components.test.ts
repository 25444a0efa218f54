// Component tests over Tauri's IPC mocks: the shell is replaced by `mockIPC`, which records
// every command the component sends and answers as the real shell would (including its errors).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Welcome from "../screens/Welcome.svelte";
import Notes from "../screens/Notes.svelte";
import Reprisals from "../screens/Reprisals.svelte";
import Search from "../screens/Search.svelte";
import CopyButton from "../parts/CopyButton.svelte";
import { setLang } from "../lib/locale.svelte";
import type { Note, StoredRecord, Summary } from "../lib/bindings";
import { pageOf, savedAs, wire } from "./pages";

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];

const vocab = {
  act_type: ["arbitrary-arrest", "travel-ban"], mechanism: ["upr"], engagement_form: ["submission"],
  intervention_kind: ["urgent-appeal"], intervention_result: ["pending", "released"], source_kind: ["witness"], perpetrator_type: ["state", "non-state"],
  event_status: ["ongoing", "ended", "unknown"], follow_up: ["open", "closed"],
};

function shell(answers: Record<string, (args: Record<string, unknown>) => unknown>) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer((args ?? {}) as Record<string, unknown>);
  });
}

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Welcome", () => {
  it("refuses two different passphrases before calling the shell", async () => {
    shell({});
    render(Welcome, { props: { vault: "no-vault", onunlocked: () => {}, onretry: () => {}, onwiped: () => {} } });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "correct horse battery" } });
    await fireEvent.input(screen.getByLabelText("Type the passphrase again"), { target: { value: "correct horse battery!" } });
    await fireEvent.click(screen.getByRole("button", { name: "Create vault" }));
    expect((await screen.findByRole("alert")).textContent).toContain("The two passphrases differ");
    expect(calls).toEqual([]);
  });

  it("shows a wrong passphrase as a sentence, clears the field, and stays locked", async () => {
    shell({ unlock_vault: () => { throw { code: "wrong_passphrase", message: "Wrong passphrase. Nothing was changed; try again." }; } });
    let unlocked = false;
    render(Welcome, { props: { vault: "locked", onunlocked: () => (unlocked = true), onretry: () => {}, onwiped: () => {} } });
    const field = screen.getByLabelText("Passphrase") as HTMLInputElement;
    await fireEvent.input(field, { target: { value: "not the one" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Wrong passphrase. Nothing was changed; try again.");
    expect(calls).toEqual([{ cmd: "unlock_vault", args: { passphrase: "not the one" } }]);
    expect(field.value).toBe("");
    expect(unlocked).toBe(false);
  });

  it("unlocks with the passphrase typed", async () => {
    shell({ unlock_vault: () => null });
    let unlocked = false;
    render(Welcome, { props: { vault: "locked", onunlocked: () => (unlocked = true), onretry: () => {}, onwiped: () => {} } });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "the right one" } });
    await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
    await waitFor(() => expect(unlocked).toBe(true));
  });
});

describe("Notes", () => {
  it("saves a new note with its tags split on commas and lists it", async () => {
    const saved: unknown[] = [];
    shell({
      list_page: (a) => pageOf(saved.map((_, i) => ({ id: `${i}`.padStart(32, "0"), type: "note", title: "Checkpoint", date: null, tags: ["security", "roads"], created_ms: 0, updated_ms: 0, score: null })), a),
      save_record: (a) => { saved.push(a.record); return savedAs(a, "0".repeat(32)); },
    });
    render(Notes, { props: {} });
    await fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Checkpoint" } });
    await fireEvent.input(screen.getByLabelText("Text"), { target: { value: "Use the river road" } });
    await fireEvent.input(screen.getByLabelText("Tags"), { target: { value: "security, roads," } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(saved).toEqual([{ type: "note", title: "Checkpoint", body: "Use the river road", tags: ["security", "roads"], attachments: [], removed_attachments: [] }]);
    const save = calls.find((c) => c.cmd === "save_record");
    expect(save?.args).toEqual({ id: null, record: saved[0], base: null });
    expect(await screen.findByText("1 shown")).toBeTruthy();
  });

  it("shows the core's refusal as a sentence", async () => {
    shell({
      list_page: (a) => pageOf([], a),
      save_record: () => { throw { code: "invalid_input", message: "A note needs a title or a body." }; },
    });
    render(Notes, { props: {} });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Please check what you typed: A note needs a title or a body.");
  });
});

describe("Notes saved over changes made elsewhere", () => {
  // The shell writes only what the editor changed from `base` (the note as the editor showed it)
  // and says `merged` when what it stored differs from what was sent; the form then shows it.
  const NOTE = "ab".repeat(16);
  const MERGED = "Saved. Changes made elsewhere while you were editing were kept, and the form now shows them.";
  const opened: StoredRecord = {
    id: NOTE, created_ms: 1_000, updated_ms: 2_000,
    record: { type: "note", title: "Checkpoint", body: "Use the river road", tags: ["roads"], attachments: [], removed_attachments: [] },
  };
  /** What the shell holds once a sync brought in a new title and a tag while the note was open. */
  const elsewhere = (sent: Note): StoredRecord => ({
    id: NOTE, created_ms: 1_000, updated_ms: 3_000,
    record: { ...wire(sent), type: "note", title: "Checkpoint at the bridge", tags: [...sent.tags, "bridge"] },
  });
  const row: Summary = { id: NOTE, type: "note", title: "Checkpoint", date: null, tags: ["roads"], created_ms: 1_000, updated_ms: 2_000, score: null };
  const saves = () => calls.filter((c) => c.cmd === "save_record").map((c) => c.args);
  const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement | HTMLTextAreaElement;

  function notes(save: (args: Record<string, unknown>, n: number) => unknown) {
    let n = 0;
    shell({
      list_page: (a) => pageOf([row], a),
      get_record: (a) => {
        if (a.id !== NOTE) throw { code: "not_found", message: "no such record" };
        return structuredClone(opened);
      },
      save_record: (a) => save(a, n++),
    });
  }

  async function openNote() {
    await fireEvent.click(await screen.findByRole("button", { name: /^Checkpoint/ }));
    await screen.findByRole("heading", { name: "Edit note" });
    await waitFor(() => expect(input("Title").value).toBe("Checkpoint"));
  }

  it("an opened note is saved with its id and, as base, the note as it was read; a new one with no base", async () => {
    notes((a) => savedAs(a, "cd".repeat(16)));
    render(Notes, { props: {} });
    await openNote();
    await fireEvent.input(input("Text"), { target: { value: "Use the north road" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(saves()).toEqual([{
      id: NOTE,
      record: { type: "note", title: "Checkpoint", body: "Use the north road", tags: ["roads"], attachments: [], removed_attachments: [] },
      base: opened.record,
    }]);

    await fireEvent.click(screen.getByRole("button", { name: "New note" }));
    await screen.findByRole("heading", { name: "New note" });
    await fireEvent.input(input("Title"), { target: { value: "Safe house" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saves().length).toBe(2));
    await screen.findByText("Saved.");
    expect(saves()[1]).toEqual({ id: null, record: { type: "note", title: "Safe house", body: "", tags: [], attachments: [], removed_attachments: [] }, base: null });

    // Saved, the new note is the one open: saved again, it goes under its id, over what was stored.
    await screen.findByRole("heading", { name: "Edit note" });
    await fireEvent.input(input("Text"), { target: { value: "Back door" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saves().length).toBe(3));
    expect(saves()[2]).toEqual({
      id: "cd".repeat(16),
      record: { type: "note", title: "Safe house", body: "Back door", tags: [], attachments: [], removed_attachments: [] },
      base: { type: "note", title: "Safe house", body: "", tags: [], attachments: [], removed_attachments: [] },
    });
  });

  it("a merged save shows the note as stored and says that changes made elsewhere were kept", async () => {
    notes((a) => ({ stored: elsewhere(a.record as Note), merged: true, overwrote: false }));
    render(Notes, { props: { openId: NOTE } });
    await screen.findByRole("heading", { name: "Edit note" });
    await waitFor(() => expect(input("Title").value).toBe("Checkpoint"));
    await fireEvent.input(input("Text"), { target: { value: "Use the north road" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByText(MERGED)).getAttribute("role")).toBe("status");
    expect(input("Title").value).toBe("Checkpoint at the bridge");
    expect(input("Text").value).toBe("Use the north road");
    expect(input("Tags").value).toBe("roads, bridge");
    expect(screen.queryByText("Saved.")).toBeNull();
    expect(screen.getByRole("heading", { name: "Edit note" })).toBeTruthy();
  });

  it("a save that merged nothing says Saved. and leaves the fields as typed", async () => {
    notes((a) => savedAs(a, NOTE, 3_000));
    render(Notes, { props: { openId: NOTE } });
    await waitFor(() => expect(input("Title").value).toBe("Checkpoint"));
    await fireEvent.input(input("Title"), { target: { value: "Checkpoint moved" } });
    await fireEvent.input(input("Tags"), { target: { value: "roads ,night," } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByText("Saved.")).getAttribute("role")).toBe("status");
    expect(saves()[0].record).toEqual({ type: "note", title: "Checkpoint moved", body: "Use the river road", tags: ["roads", "night"], attachments: [], removed_attachments: [] });
    // Filled again from the stored record, the tags would read "roads, night".
    expect(input("Tags").value).toBe("roads ,night,");
    expect(input("Title").value).toBe("Checkpoint moved");
    expect(input("Text").value).toBe("Use the river road");
    expect(screen.queryByText(MERGED)).toBeNull();
  });

  it("a save whose values replaced a change made elsewhere says so", async () => {
    notes((a) => ({ ...savedAs(a, NOTE, 3_000), overwrote: true }));
    render(Notes, { props: { openId: NOTE } });
    await waitFor(() => expect(input("Title").value).toBe("Checkpoint"));
    await fireEvent.input(input("Title"), { target: { value: "Checkpoint moved" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText(/your version replaced theirs/)).toBeTruthy());
    expect(screen.getByText(/your version replaced theirs/).textContent).toMatch(/^Saved\. Where someone else had changed/);
    expect(input("Title").value).toBe("Checkpoint moved");
  });

  it("the save after a merged one sends as base the note the shell returned, not the one first opened", async () => {
    let first: StoredRecord | null = null;
    notes((a, n) => {
      if (n > 0) return savedAs(a, NOTE, 4_000);
      first = elsewhere(a.record as Note);
      return { stored: first, merged: true, overwrote: false };
    });
    render(Notes, { props: { openId: NOTE } });
    await waitFor(() => expect(input("Title").value).toBe("Checkpoint"));
    await fireEvent.input(input("Text"), { target: { value: "Use the north road" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText(MERGED);
    await fireEvent.input(input("Text"), { target: { value: "Use the north road after dark" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(saves().length).toBe(2);
    expect(saves()[0].base).toEqual(opened.record);
    expect(saves()[1]).toEqual({
      id: NOTE,
      record: { type: "note", title: "Checkpoint at the bridge", body: "Use the north road after dark", tags: ["roads", "bridge"], attachments: [], removed_attachments: [] },
      base: first!.record,
    });
    expect(saves()[1].base).toEqual({ type: "note", title: "Checkpoint at the bridge", body: "Use the north road", tags: ["roads", "bridge"], attachments: [], removed_attachments: [] });
  });
});

describe("Reprisal form", () => {
  it("offers the core's vocabulary as pickers and sharing only after consent is given", async () => {
    shell({ vocabularies: () => vocab, list_page: (a) => pageOf([], a), save_record: (a) => savedAs(a, "1".repeat(32)) });
    render(Reprisals, { props: {} });
    await screen.findByLabelText("What happened, in a few words");
    await fireEvent.click(screen.getByRole("button", { name: "Add an act" }));
    const actType = screen.getByLabelText("Type of act") as HTMLSelectElement;
    expect([...actType.options].map((o) => o.value)).toEqual(vocab.act_type);
    expect([...actType.options].map((o) => o.text)).toEqual(["Arbitrary arrest", "Travel ban"]);
    const un = screen.getByLabelText("UN mechanisms") as HTMLInputElement;
    expect(un.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText("Given"));
    expect(un.disabled).toBe(false);
    await fireEvent.click(un);
    await fireEvent.input(screen.getByLabelText("What happened, in a few words"), { target: { value: "Travel ban after UPR" } });
    await fireEvent.change(actType, { target: { value: "travel-ban" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    const rec = calls.find((c) => c.cmd === "save_record")?.args.record as Record<string, any>;
    expect(rec.type).toBe("reprisal");
    expect(rec.acts[0].act_type).toBe("travel-ban");
    expect(rec.consent).toMatchObject({ status: "given", share_with: ["un-mechanism"] });
  });

  it("withdrawing consent clears the sharing choices", async () => {
    shell({ vocabularies: () => vocab, list_page: (a) => pageOf([], a), save_record: (a) => savedAs(a, "1".repeat(32)) });
    render(Reprisals, { props: {} });
    await screen.findByLabelText("What happened, in a few words");
    await fireEvent.click(screen.getByLabelText("Given"));
    await fireEvent.click(screen.getByLabelText("Partner NGOs"));
    await fireEvent.click(screen.getByLabelText("Refused (nothing may be shared)"));
    await fireEvent.input(screen.getByLabelText("What happened, in a few words"), { target: { value: "x" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    const rec = calls.find((c) => c.cmd === "save_record")?.args.record as Record<string, any>;
    expect(rec.consent).toMatchObject({ status: "refused", share_with: [] });
  });

  it("notes what came of an intervention from the core's vocabulary, and none means not noted", async () => {
    shell({ vocabularies: () => vocab, list_page: (a) => pageOf([], a), save_record: (a) => savedAs(a, "1".repeat(32)) });
    render(Reprisals, { props: {} });
    await screen.findByLabelText("What happened, in a few words");
    await fireEvent.input(screen.getByLabelText("What happened, in a few words"), { target: { value: "Detained" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add an intervention" }));
    await fireEvent.click(screen.getByRole("button", { name: "Add an intervention" }));
    const results = screen.getAllByLabelText("Result") as HTMLSelectElement[];
    expect([...results[0].options].map((o) => o.value)).toEqual(["", "pending", "released"]);
    expect(results[0].options[2].text).toBe("Released, or charges dropped");
    await fireEvent.change(results[0], { target: { value: "released" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    const rec = calls.find((c) => c.cmd === "save_record")?.args.record as Record<string, any>;
    expect(rec.interventions.map((i: any) => i.result)).toEqual(["released", undefined]);
    // The second one is sent without the field at all (the core reads it as not noted).
    expect(JSON.parse(JSON.stringify(rec.interventions[1]))).not.toHaveProperty("result");
  });
});

describe("Search", () => {
  it("asks the shell for the first page of results, says how many there are, and opens one", async () => {
    const hits = Array.from({ length: 250 }, (_, i) => ({
      id: i.toString(16).padStart(32, "0"), type: i % 2 ? "contact" : "note", title: `checkpoint ${i}`, date: null, tags: [],
      created_ms: 0, updated_ms: 0, score: 11,
    }));
    shell({ search_page: (a) => pageOf(hits, a) });
    const opened: string[] = [];
    render(Search, { props: { onopen: (_kind: string, id: string) => opened.push(id) } });
    await fireEvent.input(screen.getByLabelText("Search all records"), { target: { value: "checkpoint" } });
    expect(await screen.findByText("250 results")).toBeTruthy();
    const asked = calls.filter((c) => c.cmd === "search_page").map((c) => c.args);
    expect(asked[0]).toMatchObject({ offset: 0, count: 100, query: { text: "checkpoint", kind: null } });
    expect(asked.every((a) => a.offset === 0)).toBe(true);
    const first = screen.getByRole("button", { name: /checkpoint 0(?!\d)/ });
    await fireEvent.click(first);
    expect(opened).toEqual([hits[0].id]);
    await fireEvent.input(screen.getByLabelText("Search all records"), { target: { value: "" } });
    await waitFor(() => expect(screen.queryByText("250 results")).toBeNull());
  });
});

describe("CopyButton", () => {
  it("copies through the shell and says when the clipboard is cleared and what it cannot clear", async () => {
    shell({ copy_secret: () => 45 });
    render(CopyButton, { props: { id: "t-copy", text: "carenet-sync1:abc" } });
    await fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).not.toBe(""));
    const said = screen.getByRole("status").textContent ?? "";
    expect(said).toContain("clears the clipboard in 45 seconds");
    expect(said).toContain("clipboard manager");
    expect(calls).toEqual([{ cmd: "copy_secret", args: { text: "carenet-sync1:abc" } }]);
  });

  it("says to copy by hand when the clipboard cannot be reached", async () => {
    shell({ copy_secret: () => { throw { code: "clipboard_unavailable", message: "x" }; } });
    render(CopyButton, { props: { id: "t-copy", text: "carenet-sync1:abc" } });
    await fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("select the text and copy it by hand"));
  });
});
