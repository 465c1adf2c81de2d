// The status history ring (engine/core/stats.ts MinuteHistory): counters summed per minute,
// queued sampled (last value in the minute, carried into the next minute), an hour kept and
// older minutes dropped; time comes from the caller (an injected clock here).
import { describe, expect, it } from "vitest";
import { CONNECTION_FIELDS, HISTORY_SLOT_MS, HISTORY_SLOTS, MinuteHistory, RollingStats } from "../../../engine/core/stats";

const MIN = HISTORY_SLOT_MS;
/** A clock at the start of some minute, moved by the test. */
const t0 = 1_800_000_000_000 - (1_800_000_000_000 % MIN);

describe("MinuteHistory", () => {
  it("sums counters per minute and keeps the last queued sample of each minute", () => {
    const h = new MinuteHistory(["in", "out"] as const);
    h.add("in", 3, t0 + 1_000);
    h.addMany({ in: 2, out: 4 }, t0 + 59_999);
    h.sample({ queued: 7, queuedBytes: 70 }, t0 + 10_000);
    h.sample({ queued: 5, queuedBytes: 50 }, t0 + 50_000);
    h.add("out", 1, t0 + MIN);
    expect(h.points(t0 + MIN + 5)).toEqual([
      { time: t0, in: 5, out: 4, queued: 5, queuedBytes: 50 },
      // No sample yet in this minute: the queue is as last sampled, not empty.
      { time: t0 + MIN, in: 0, out: 1, queued: 5, queuedBytes: 50 },
    ]);
  });

  it("keeps one hour: a minute older than HISTORY_SLOTS minutes is gone, its slot reused", () => {
    const h = new MinuteHistory(["in"] as const);
    for (let m = 0; m < HISTORY_SLOTS + 5; m++) h.add("in", m, t0 + m * MIN);
    const now = t0 + (HISTORY_SLOTS + 4) * MIN;
    const points = h.points(now);
    expect(points).toHaveLength(HISTORY_SLOTS);
    expect(points[0]).toMatchObject({ time: t0 + 5 * MIN, in: 5 });
    expect(points.at(-1)).toMatchObject({ time: now, in: HISTORY_SLOTS + 4 });
    // An hour later with nothing recorded meanwhile: nothing is left.
    expect(h.points(now + HISTORY_SLOTS * MIN)).toEqual([]);
  });

  it("leaves out minutes without data, in time order", () => {
    const h = new MinuteHistory(["in"] as const, 4, 1000);
    h.add("in", 1, 10_000);
    h.add("in", 2, 12_500);
    expect(h.points(13_000)).toEqual([
      { time: 10_000, in: 1, queued: 0, queuedBytes: 0 },
      { time: 12_000, in: 2, queued: 0, queuedBytes: 0 },
    ]);
  });

  it("is fed by RollingStats, so the 5-minute counters and the hour agree", () => {
    const s = new RollingStats(CONNECTION_FIELDS);
    s.addMany({ in: 10, inBytes: 100 }, t0 + 1);
    s.add("out", 4, t0 + 2);
    expect(s.snapshot(t0 + 3)).toMatchObject({ in: 10, out: 4, inBytes: 100 });
    expect(s.history.points(t0 + 3)).toEqual([{ time: t0, in: 10, inBytes: 100, out: 4, outBytes: 0, queued: 0, queuedBytes: 0 }]);
  });
});
