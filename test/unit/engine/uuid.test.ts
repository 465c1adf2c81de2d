import { describe, expect, it } from "vitest";
import { newUuid } from "../../../engine/core/uuid";

describe("newUuid", () => {
  it("makes lowercase version 4 UUIDs with the RFC 4122 variant, all distinct across pool refills", () => {
    const seen = new Set<string>();
    const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (let i = 0; i < 100_000; i++) {
      const uuid = newUuid();
      expect(uuid).toMatch(shape);
      seen.add(uuid);
    }
    expect(seen.size).toBe(100_000);
  });

  it("spreads its random hex digits evenly (no stuck bits)", () => {
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      // Digits 0-7: fully random positions.
      for (const c of newUuid().slice(0, 8)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(16);
    const expected = (n * 8) / 16;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
  });
});
