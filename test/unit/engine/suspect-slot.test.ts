/**
 * SuspectSlot (engine/cluster/suspect-slot.ts), on an injected clock: a node takes fresh batches
 * freely, one suspect (stalled before) at a time, sends the others back, keeps a partition's
 * order, and frees a slot its holder kept past the limit.
 */
import { describe, expect, it } from "vitest";
import { SuspectSlot } from "../../../engine/cluster/suspect-slot";

function slot(maxHoldMs = 10_000): { s: SuspectSlot; clock: { t: number } } {
  const clock = { t: 1_000 };
  return { s: new SuspectSlot({ maxHoldMs, retryMs: 500, now: () => clock.t }), clock };
}

describe("SuspectSlot", () => {
  it("takes fresh batches whatever holds the slot", () => {
    const { s } = slot();
    expect(s.admit(1, 1, false)).toBe("take");
    expect(s.admit(2, 0, false)).toBe("take");
    expect(s.admit(3, 0, true)).toBe("take");
  });

  it("takes one suspect at a time and sends the others back until it is released", () => {
    const { s } = slot();
    expect(s.admit(1, 1, false)).toBe("take");
    expect(s.admit(2, 2, false)).toBe("retry-later");
    expect(s.admit(3, 1, false)).toBe("retry-later");
    s.release(2);
    expect(s.admit(4, 1, false)).toBe("retry-later");
    s.release(1);
    expect(s.admit(5, 1, false)).toBe("take");
    expect(s.admit(6, 1, false)).toBe("retry-later");
    expect(s.retryMs).toBe(500);
  });

  it("never sends a partition's suspect back, and lets it hold the slot only when the slot is free", () => {
    const { s } = slot();
    expect(s.admit(1, 1, false)).toBe("take");
    expect(s.admit(2, 1, true)).toBe("take");
    s.release(2);
    expect(s.admit(3, 1, false)).toBe("retry-later");
    s.release(1);
    expect(s.admit(4, 1, true)).toBe("take");
    expect(s.admit(5, 1, false)).toBe("retry-later");
  });

  it("frees the slot once its holder has had it for the limit, and a late release then changes nothing", () => {
    const { s, clock } = slot(10_000);
    expect(s.admit(1, 1, false)).toBe("take");
    clock.t += 9_999;
    expect(s.admit(2, 1, false)).toBe("retry-later");
    clock.t += 1;
    expect(s.admit(3, 1, false)).toBe("take");
    s.release(1);
    expect(s.admit(4, 1, false)).toBe("retry-later");
    s.release(3);
    expect(s.admit(5, 1, false)).toBe("take");
  });
});
