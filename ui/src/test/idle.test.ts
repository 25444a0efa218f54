import { describe, expect, it } from "vitest";
import { IdleTimer } from "../lib/idle";

describe("auto-lock", () => {
  it("fires once after the chosen minutes without input, only while unlocked", () => {
    let now = 0;
    let locks = 0;
    const idle = new IdleTimer(() => locks++, () => now);
    idle.set(5);
    idle.active = true;
    now = 4 * 60_000;
    idle.check();
    expect(locks).toBe(0);
    now = 5 * 60_000;
    idle.check();
    expect(locks).toBe(1);
    now += 1000;
    idle.check();
    expect(locks).toBe(1);
    idle.active = false;
    now += 60 * 60_000;
    idle.check();
    expect(locks).toBe(1);
  });

  it("never fires when set to 0", () => {
    let now = 0;
    let locks = 0;
    const idle = new IdleTimer(() => locks++, () => now);
    idle.set(0);
    idle.active = true;
    now = 1e9;
    idle.check();
    expect(locks).toBe(0);
  });
});
