// How a file written out of the vault is protected, as the Protect part collects it.
import type { Protect } from "./bindings";

export type ProtectChoice = { kind: "members" | "passphrase" | "recipients" | "readable"; passphrase: string; confirm: string; recipients: string };

/** A fresh choice: a passphrase, or for a bundle the space's members. */
export const newChoice = (kind: ProtectChoice["kind"] = "passphrase"): ProtectChoice => ({ kind, passphrase: "", confirm: "", recipients: "" });

/** The protection chosen, or the key of the sentence saying what is missing. The shell checks
 *  again (passphrase strength, recipients that parse). */
export function protectOf(c: ProtectChoice): Protect | { missing: "carry.pass_mismatch" | "carry.recipients_missing" } {
  if (c.kind === "readable") return { kind: "readable" };
  if (c.kind === "members") return { kind: "members" };
  if (c.kind === "recipients") {
    const recipients = c.recipients.split(/[\s,]+/).map((r) => r.trim()).filter(Boolean);
    if (recipients.length === 0) return { missing: "carry.recipients_missing" };
    return { kind: "recipients", recipients };
  }
  if (c.passphrase !== c.confirm) return { missing: "carry.pass_mismatch" };
  return { kind: "passphrase", passphrase: c.passphrase };
}
