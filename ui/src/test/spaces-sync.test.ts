// Component tests of the spaces and sync screens over Tauri's IPC mocks (`mockIPC` stands in for
// the shell, which needs a window; the shell's own tests run the real commands on loopback).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Spaces from "../screens/Spaces.svelte";
import Sync from "../screens/Sync.svelte";
import { setLang } from "../lib/locale.svelte";
import type { MemberView, SpaceView, SyncStatus, TravelView } from "../lib/bindings";
import { pageOf } from "./pages";

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];

/** Every test answers `card_name` (no name kept yet) and `space_travel` (no sync confirmed yet)
 *  unless it says otherwise. */
function shell(answers: Record<string, (args: Record<string, unknown>) => unknown>) {
  answers = { card_name: () => null, space_travel: () => notYet, list_spaces: () => [], ...answers };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const answer = answers[cmd];
    if (!answer) throw { code: "internal", message: `unexpected command ${cmd}` };
    return answer((args ?? {}) as Record<string, unknown>);
  });
}

const SPACE = "ab".repeat(16);
const notYet: TravelView = { held_by: null, held_by_name: null, held_at_ms: null, can_stow: false, stowed: false, stowed_at_ms: null, stowed_records: 0, returning: false };
const ME = "11".repeat(32);
const BEA = "22".repeat(32);
const qr = { size: 29, path: "M4 4h1v1h-1zM5 4h1v1h-1z" };
const space = (over: Partial<SpaceView> = {}): SpaceView =>
  ({ id: SPACE, name: "Lawyers", role: "coordinator", epoch: 0, members: 1, carried: false, records: 0, stowed: false, ...over });
const me: MemberView = { device: ME, name: null, role: "coordinator", removed: false, this_device: true };
const bea: MemberView = { device: BEA, name: "Bea", role: "member", removed: false, this_device: false };
const note = { id: "cd".repeat(16), type: "note", title: "Checkpoint list", date: null, tags: [], created_ms: 1, updated_ms: 1, score: null };
const contact = { ...note, id: "ef".repeat(16), type: "contact", title: "Dana" };

beforeEach(() => {
  calls = [];
  setLang("en");
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Spaces", () => {
  it("shows my member card as a QR code drawn in SVG and as text, with its fingerprint", async () => {
    shell({ list_spaces: () => [], member_card: () => ({ card: { text: "carenet-card1:xyz", qr }, fingerprint: "ab12 cd34" }) });
    render(Spaces);
    await screen.findByText(/No spaces yet/);
    await fireEvent.input(screen.getByLabelText("Name others will see"), { target: { value: "Ana" } });
    await fireEvent.click(screen.getByRole("button", { name: "Show my card" }));
    const code = await screen.findByRole("img", { name: "QR code of your member card" });
    expect(code.querySelector("path")?.getAttribute("d")).toBe(qr.path);
    expect(code.getAttribute("viewBox")).toBe("0 0 29 29");
    expect((screen.getByLabelText("Your member card as text") as HTMLTextAreaElement).value).toBe("carenet-card1:xyz");
    expect(screen.getByText(/ab12 cd34/)).toBeTruthy();
    expect(calls.find((c) => c.cmd === "member_card")?.args).toEqual({ displayName: "Ana" });
  });

  it("prefills the card's name with the one kept in the vault, and shows the card under it", async () => {
    shell({ list_spaces: () => [], card_name: () => "Ana K.", member_card: () => ({ card: { text: "carenet-card1:xyz", qr }, fingerprint: "ab12 cd34" }) });
    render(Spaces);
    const field = screen.getByLabelText("Name others will see") as HTMLInputElement;
    await waitFor(() => expect(field.value).toBe("Ana K."));
    await fireEvent.click(screen.getByRole("button", { name: "Show my card" }));
    await screen.findByRole("img", { name: "QR code of your member card" });
    expect(calls.find((c) => c.cmd === "member_card")?.args).toEqual({ displayName: "Ana K." });
  });

  it("leaves the card's name empty while none is kept, and says so when it cannot be read", async () => {
    shell({ list_spaces: () => [] });
    render(Spaces);
    await screen.findByText(/No spaces yet/);
    expect((screen.getByLabelText("Name others will see") as HTMLInputElement).value).toBe("");
    expect(calls.some((c) => c.cmd === "card_name")).toBe(true);
    cleanup();
    shell({ list_spaces: () => [], card_name: () => { throw { code: "locked", message: "The vault is locked." }; } });
    render(Spaces);
    expect((await screen.findByRole("alert")).textContent?.length).toBeGreaterThan(0);
    expect((screen.getByLabelText("Name others will see") as HTMLInputElement).value).toBe("");
  });

  it("creates a space, adds a member by card with a role and shows the invite ticket as QR and text", async () => {
    let spaces: SpaceView[] = [];
    let members = [me];
    shell({
      list_spaces: () => spaces,
      create_space: () => { spaces = [space()]; return SPACE; },
      space_members: () => members,
      space_records: (a) => pageOf([], a),
      share_candidates: (a) => pageOf([note], a),
      invite_member: () => { members = [me, bea]; spaces = [space({ members: 2 })]; return { text: "carenet-invite1:abc", qr: null }; },
    });
    render(Spaces);
    await fireEvent.input(await screen.findByLabelText("Name of the new space"), { target: { value: "Lawyers" } });
    await fireEvent.click(screen.getByRole("button", { name: "Create space" }));
    expect(await screen.findByText("Space created; you are its coordinator.")).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Their member card"), { target: { value: "carenet-card1:bea" } });
    await fireEvent.change(screen.getByLabelText("Role"), { target: { value: "courier" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add member" }));
    expect(await screen.findByText(/Give them this invite ticket/)).toBeTruthy();
    expect(calls.find((c) => c.cmd === "invite_member")?.args).toEqual({ space: SPACE, card: "carenet-card1:bea", role: "courier" });
    expect((screen.getByLabelText("Invite ticket as text") as HTMLTextAreaElement).value).toBe("carenet-invite1:abc");
    expect(screen.getByText("This is too long for a QR code: give the text instead.")).toBeTruthy();
    const rows = screen.getAllByRole("row").map((r) => r.textContent);
    expect(rows.some((r) => r?.includes("Bea") && r.includes("Member") && r.includes("Active"))).toBe(true);
    expect(rows.some((r) => r?.includes("(this device)") && r.includes("Coordinator"))).toBe(true);
  });

  it("names a member without a name in the log by its device, and shows my new name after I show my card", async () => {
    const coordinator: MemberView = { device: BEA, name: null, role: "coordinator", removed: false, this_device: false };
    let mine: MemberView = { ...me, role: "member", name: "Ana" };
    shell({
      list_spaces: () => [space({ role: "member", members: 2 })],
      space_members: () => [coordinator, mine],
      space_records: (a) => pageOf([], a),
      share_candidates: (a) => pageOf([], a),
      member_card: (args) => { mine = { ...mine, name: args.displayName as string }; return { card: { text: "carenet-card1:xyz", qr }, fingerprint: "ab12 cd34" }; },
    });
    render(Spaces);
    const rows = async () => (await screen.findAllByRole("row")).map((r) => r.textContent ?? "");
    await waitFor(async () => expect((await rows()).some((r) => r.includes("Device 22222222") && r.includes("Coordinator"))).toBe(true));
    expect(screen.getByText(/This name is also yours in every space/)).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Name others will see"), { target: { value: "Ana K." } });
    await fireEvent.click(screen.getByRole("button", { name: "Show my card" }));
    await waitFor(async () => expect((await rows()).some((r) => r.includes("Ana K.") && r.includes("(this device)"))).toBe(true));
    expect(calls.filter((c) => c.cmd === "space_members").length).toBeGreaterThan(1);
    setLang("ru");
    await waitFor(() => expect(screen.getAllByRole("row").some((r) => r.textContent?.includes("Устройство 22222222"))).toBe(true));
  });

  it("removes a member only after a second, explicit press", async () => {
    shell({ list_spaces: () => [space({ members: 2 })], space_members: () => [me, bea], space_records: (a) => pageOf([], a), share_candidates: (a) => pageOf([], a), remove_member: () => null });
    render(Spaces);
    await fireEvent.click(await screen.findByRole("button", { name: "Remove Bea" }));
    expect(calls.some((c) => c.cmd === "remove_member")).toBe(false);
    expect(screen.getAllByText(/A new key starts/).length).toBeGreaterThan(0);
    const buttons = screen.getAllByRole("button", { name: "Remove Bea" });
    await fireEvent.click(buttons[0]);
    await waitFor(() => expect(calls.find((c) => c.cmd === "remove_member")?.args).toEqual({ space: SPACE, device: BEA }));
    expect(await screen.findByText(/Member removed/)).toBeTruthy();
  });

  it("joins by a pasted ticket and reads a refusal as a sentence", async () => {
    shell({ list_spaces: () => [], join_space: () => { throw { code: "invalid_input", message: "This invite ticket was made for another device." }; } });
    render(Spaces);
    await screen.findByText(/No spaces yet/);
    await fireEvent.input(screen.getByLabelText("Invite ticket from the coordinator"), { target: { value: "carenet-invite1:zz" } });
    await fireEvent.click(screen.getByRole("button", { name: "Join space" }));
    expect((await screen.findByRole("alert")).textContent).toContain("This invite ticket was made for another device.");
    expect(calls.find((c) => c.cmd === "join_space")?.args).toEqual({ ticket: "carenet-invite1:zz" });
  });

  it("shares a contact with everyone below it, and lists the space's records", async () => {
    let inside: (typeof note)[] = [];
    const opened: [string, string][] = [];
    shell({
      list_spaces: () => [space({ records: inside.length })],
      space_members: () => [me],
      space_records: (a) => pageOf(inside, a),
      share_candidates: (a) => pageOf([note, contact].filter((r) => !inside.includes(r)), a),
      share_into_space: () => { inside = [contact]; return [contact.id, "99".repeat(16)]; },
    });
    render(Spaces, { props: { onopen: (kind: string, id: string) => void opened.push([kind, id]) } });
    await waitFor(() => expect(screen.getByRole("option", { name: "Dana (Contact)" })).toBeTruthy());
    expect(screen.queryByLabelText(/everyone this contact alerts/)).toBeNull();
    await fireEvent.change(screen.getByLabelText("Record"), { target: { value: contact.id } });
    await fireEvent.click(await screen.findByLabelText(/everyone this contact alerts/));
    await fireEvent.click(screen.getByRole("button", { name: "Share into space" }));
    expect(await screen.findByText("2 records moved into the space.")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "share_into_space")?.args).toEqual({ space: SPACE, record: contact.id, branch: true });
    await waitFor(() => expect(document.getElementById("space-records")?.textContent).toContain("Dana"));
    expect(screen.queryByRole("option", { name: "Dana (Contact)" }), "a record in the space is not offered again").toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: /Dana/ }));
    expect(opened).toEqual([["contact", contact.id]]);
  });

  it("draws a space of 5,000 records a page at a time", async () => {
    const inside = Array.from({ length: 5_000 }, (_, i) => ({ ...note, id: `${i}`.padStart(32, "0"), title: `Shared ${i}` }));
    shell({ list_spaces: () => [space({ records: 5_000 })], space_members: () => [me], space_records: (a) => pageOf(inside, a), share_candidates: (a) => pageOf([], a) });
    render(Spaces, { props: { onopen: () => {} } });
    await waitFor(() => expect(document.getElementById("space-records")?.textContent).toContain("Shared 0"));
    const list = document.getElementById("space-records")!;
    expect(list.querySelectorAll("li").length).toBeLessThan(60);
    expect(list.querySelector("li")?.getAttribute("aria-setsize")).toBe("5000");
    const asked = calls.filter((c) => c.cmd === "space_records").map((c) => c.args as { space: string; count: number });
    expect(asked.every((q) => q.space === SPACE && q.count <= 100)).toBe(true);
  });

  it("offers a page of the newest records to share, and finds others by their words", async () => {
    // 10,000 records: the picker must not hold them all; it asks for a page that matches its filter.
    const all = Array.from({ length: 10_000 }, (_, i) => ({ ...note, id: `${i}`.padStart(32, "0"), title: `Note ${i}` }));
    shell({
      list_spaces: () => [space()],
      space_members: () => [me],
      space_records: (a) => pageOf([], a),
      share_candidates: (a) => {
        const text = ((a as { query: { text: string } }).query.text ?? "").toLowerCase();
        return pageOf(all.filter((r) => r.title.toLowerCase().includes(text)), a);
      },
    });
    render(Spaces);
    await waitFor(() => expect(screen.getByRole("option", { name: "Note 0 (Note)" })).toBeTruthy());
    const offered = () => document.querySelectorAll("#share-record option").length;
    expect(offered()).toBe(51); // the placeholder and one page
    expect(document.getElementById("share-more")?.textContent).toContain("50 newest of 10,000");
    await fireEvent.input(screen.getByLabelText("Find a record by its words"), { target: { value: "Note 9999" } });
    await waitFor(() => expect(screen.getByRole("option", { name: "Note 9999 (Note)" })).toBeTruthy());
    expect(offered()).toBe(2);
    expect(document.getElementById("share-more")).toBeNull();
    const asked = calls.filter((c) => c.cmd === "share_candidates").map((c) => (c.args as { query: { text: string }; count: number }));
    expect(asked.at(-1)?.query.text).toBe("Note 9999");
    expect(asked.every((q) => q.count === 50)).toBe(true);
  });
});

const idle: SyncStatus = {
  mode: "idle", ticket: null, ends_ms: null, now_ms: Date.now(), peers: [], items_to_go: 0, bytes_to_go: 0,
  items_done: 0, bytes_done: 0, last_sync_ms: null,
};

describe("Sync", () => {
  it("is offline until asked, and says what each transport reveals and does not cover", async () => {
    shell({ sync_status: () => idle });
    render(Sync);
    expect(await screen.findByText(/Offline: this device is not reachable/)).toBeTruthy();
    expect(screen.getByText("No sync since the vault was unlocked.")).toBeTruthy();
    for (const t of ["Ticket", "Nearby", "Relay", "USB bundle"]) expect(screen.getByText(t, { selector: "dt" })).toBeTruthy();
    expect(screen.getByText(/does not hide that a connection took place/)).toBeTruthy();
    expect(screen.getByText(/This app never uses a relay/)).toBeTruthy();
    // Nothing but the status and the spaces a USB bundle could carry: no network command.
    expect(calls.every((c) => ["sync_status", "list_spaces", "device_age_key"].includes(c.cmd))).toBe(true);
  });

  it("shows my ticket as QR and text while listening, and stops", async () => {
    let st: SyncStatus = idle;
    shell({
      sync_status: () => st,
      sync_listen: () => { st = { ...idle, mode: "listening", ticket: { text: "carenet-sync1:aa@127.0.0.1:1", qr } }; return st.ticket; },
      sync_stop: () => { st = idle; return null; },
    });
    render(Sync);
    await fireEvent.click(await screen.findByRole("button", { name: "Show my ticket" }));
    expect(await screen.findByRole("img", { name: "QR code of your sync ticket" })).toBeTruthy();
    expect((screen.getByLabelText("Your sync ticket as text") as HTMLTextAreaElement).value).toBe("carenet-sync1:aa@127.0.0.1:1");
    expect(screen.getByText("Waiting for devices that hold your ticket.")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByText(/Offline/)).toBeTruthy();
    expect(screen.queryByRole("img")).toBeNull();
  });

  it("counts down while syncing nearby for the minutes chosen", async () => {
    const now = Date.now();
    shell({
      sync_status: () => ({ ...idle, now_ms: now }),
      sync_nearby: (a) => ({ ...idle, mode: "nearby", now_ms: now, ends_ms: now + (a.minutes as number) * 60_000 }),
    });
    render(Sync);
    await fireEvent.change(await screen.findByLabelText("For how long"), { target: { value: "5" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sync nearby" }));
    const timer = await screen.findByRole("timer");
    expect(timer.textContent).toMatch(/Stops by itself in [45]:\d\d/);
    expect(calls.find((c) => c.cmd === "sync_nearby")?.args).toEqual({ minutes: 5 });
  });

  it("syncs by a pasted ticket, shows progress, peers and the result, and its date in Arabic too", async () => {
    const busy: SyncStatus = {
      ...idle, items_done: 3, items_to_go: 1, bytes_to_go: 2048, last_sync_ms: Date.UTC(2026, 10, 22, 12),
      peers: [{ device: BEA, name: "Bea", spaces: 1, received_items: 3, connected: true, error: null, last_ms: 1 }],
    };
    shell({ sync_status: () => busy, sync_with_ticket: () => ({ received_items: 4, sent_items: 2 }) });
    render(Sync);
    await fireEvent.input(screen.getByLabelText("Ticket shown on the other device"), { target: { value: " carenet-sync1:bb@127.0.0.1:2 " } });
    await fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    expect(await screen.findByText("Synced: received 4 changes, sent 2.")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "sync_with_ticket")?.args).toEqual({ ticket: "carenet-sync1:bb@127.0.0.1:2" });
    const bar = screen.getByLabelText("Changes received") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([3, 4]);
    expect(screen.getByText("Bea")).toBeTruthy();
    expect(screen.getByText(/Last sync: .*2026/)).toBeTruthy();
    setLang("ar");
    await waitFor(() => expect(screen.getByText(/آخر مزامنة/).textContent).toMatch(/2026/));
  });

  it("reads a failed sync as a sentence the user can act on", async () => {
    shell({ sync_status: () => idle, sync_with_ticket: () => { throw { code: "sync_ticket", message: "That is not a Carenet sync ticket (x)." }; } });
    render(Sync);
    await fireEvent.input(screen.getByLabelText("Ticket shown on the other device"), { target: { value: "hello" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    expect((await screen.findByRole("alert")).textContent).toBe("That is not a Carenet sync ticket. Copy the whole ticket shown on the other device.");
  });
});
