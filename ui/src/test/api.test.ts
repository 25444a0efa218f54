// The typed command layer over Tauri's IPC mocks: what it asks the shell, and how often.
import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../lib/api";

afterEach(() => clearMocks());

describe("vocabularies", () => {
  it("are asked once per window, and asked again after a failed call", async () => {
    const vocab = { act_type: ["arbitrary-arrest"], mechanism: [], engagement_form: [], intervention_kind: [], intervention_result: [], source_kind: [], perpetrator_type: [], event_status: [], follow_up: [] };
    let asked = 0;
    let fail = true;
    mockIPC((cmd) => {
      if (cmd !== "vocabularies") throw { code: "internal", message: `unexpected command ${cmd}` };
      asked++;
      if (fail) throw { code: "vault_locked", message: "The vault is locked." };
      return vocab;
    });
    await expect(api.vocabularies()).rejects.toMatchObject({ code: "vault_locked" });
    fail = false;
    expect(await api.vocabularies()).toEqual(vocab);
    expect(await api.vocabularies()).toEqual(vocab);
    expect(asked).toBe(2);
  });
});
