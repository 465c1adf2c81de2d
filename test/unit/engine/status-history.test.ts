// The status history ring (engine/core/stats.ts MinuteHistory): counters summed per minute,
// queued sampled (last value in the minute, carried into the next minute), an hour kept and
// older minutes dropped; time comes from the caller (an injected clock here).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { FlowDocument } from "../../../engine/api/flow-format";
import { startLocalNode } from "../../../engine/api/local-node";
import type { StatusHistory } from "../../../engine/api/node-api";
import { mergeHistory } from "../../../engine/cluster/merge";
import { CONNECTION_FIELDS, HISTORY_SLOT_MS, HISTORY_SLOTS, MinuteHistory, RollingStats } from "../../../engine/core/stats";
import { until } from "../../integration/helpers/until";

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

describe("statusHistory through the node API", () => {
  it("a local node (worker thread) reports a connection's and a processor's minutes; an unknown id is not-found", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-history-"));
    const node = await startLocalNode({ dataDir, name: "history", logLevel: "error" });
    try {
      const sched = { strategy: "timer", runSchedule: "10 ms", concurrentTasks: 1, batchSize: 10, penaltyDuration: "30 sec", yieldDuration: "1 sec" };
      const doc = {
        sluice: 1,
        id: "h",
        name: "H",
        processors: [
          { id: "gen", name: "Gen", type: "GenerateFlowFile", properties: { customText: "hi", totalCount: "30" }, scheduling: sched, autoTerminate: [], state: "running" },
          { id: "log", name: "Log", type: "LogAttribute", properties: {}, scheduling: sched, autoTerminate: ["success"], state: "stopped" },
        ],
        connections: [{ id: "c1", source: "gen", relationships: ["success"], destination: "log", backPressure: { objectThreshold: 10_000, dataSizeThreshold: "1 GB" }, prioritizers: ["FIFO"], expiration: "0 sec", swapThreshold: 20_000 }],
        groups: [],
        services: [],
      } as unknown as FlowDocument;
      await node.client.deploy({ flowId: "h", revision: 1, snapshot: doc });
      const total = (h: StatusHistory, k: "in" | "out") => h.points.reduce((n, p) => n + p[k], 0);
      const conn = await until(() => "30 FlowFiles into c1", 20_000, async () => {
        const h = await node.client.statusHistory("h", "c1");
        return total(h, "in") === 30 && h;
      });
      expect(conn).toMatchObject({ kind: "connection", componentId: "c1", resolutionMs: 60_000 });
      expect(conn.points.at(-1)).toMatchObject({ queued: 30, queuedBytes: 60 });
      const gen = await node.client.statusHistory("h", "gen");
      expect(gen).toMatchObject({ kind: "processor", name: "Gen" });
      expect(total(gen, "out")).toBe(30);
      const log = await node.client.statusHistory("h", "log");
      expect(log.points.at(-1)).toMatchObject({ in: 0, queued: 30 });
      await expect(node.client.statusHistory("h", "nope")).rejects.toMatchObject({ code: "not-found" });
      await expect(node.client.statusHistory("other", "c1")).rejects.toMatchObject({ code: "not-deployed" });
    } finally {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a cluster sums each minute over its nodes and keeps the nodes that did not answer", () => {
    const part = (node: string, index: number, points: StatusHistory["points"]) => ({
      node,
      index,
      value: { flowId: "f", componentId: "c", kind: "connection" as const, name: "C", resolutionMs: MIN, points },
    });
    const p = (time: number, n: number) => ({ time, in: n, inBytes: 10 * n, out: n, outBytes: 10 * n, queued: n, queuedBytes: 10 * n });
    const merged = mergeHistory([part("a", 1, [p(t0, 1), p(t0 + MIN, 2)]), part("b", 2, [p(t0 + MIN, 5), p(t0 + 2 * MIN, 7)])], [{ node: "c", code: "node-unavailable", message: "did not answer" }]);
    expect(merged.points).toEqual([p(t0, 1), p(t0 + MIN, 7), p(t0 + 2 * MIN, 7)]);
    expect(merged.nodes).toEqual(["a", "b"]);
    expect(merged.unavailable).toEqual([{ node: "c", code: "node-unavailable", message: "did not answer" }]);
  });
});
