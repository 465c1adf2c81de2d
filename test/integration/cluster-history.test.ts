/**
 * Status history from a cluster, on the real Redis: the coordinator (in this process) and two
 * worker nodes (startWorkerNode, in this process, each with its own data dir) run one flow;
 * the coordinator's statusHistory sums each minute over both nodes, and when one node does not
 * answer in time it returns the other's figures and names the silent node in `unavailable`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument } from "../../engine/api/flow-format";
import type { StatusHistory } from "../../engine/api/node-api";
import { ClusterCoordinator } from "../../engine/cluster/coordinator";
import { startWorkerNode, type WorkerNode } from "../../engine/cluster/worker-node";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const SECRET = `history-test-${uniqueId("secret")}`;
const CLUSTER = uniqueId("history-test");
/** FlowFiles each node's GenerateFlowFile makes (left queued before a stopped processor). */
const PER_NODE = 5;

const flow = {
  sluice: 1,
  id: "history",
  name: "history test",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { customText: "abc", totalCount: String(PER_NODE) }, scheduling: { runSchedule: "20 ms" }, state: "running" },
    { id: "hold", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
  ],
  connections: [{ id: "q", source: "gen", relationships: ["success"], destination: "hold" }],
} as unknown as FlowDocument;

let base = "";
let coord: ClusterCoordinator;
const workers: WorkerNode[] = [];

const sum = (h: StatusHistory, k: "in" | "out") => h.points.reduce((n, p) => n + p[k], 0);

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-history-"));
  coord = await ClusterCoordinator.connect({ redisUrl: redisUrl(), secret: SECRET, cluster: CLUSTER, log: () => {}, callTimeoutMs: 2_000 });
  for (const name of ["a", "b"]) {
    workers.push(await startWorkerNode({ redisUrl: redisUrl(), secret: SECRET, dataDir: path.join(base, name), name, cluster: CLUSTER, log: () => {}, logLevel: "error" }));
  }
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.close().catch(() => {});
  await coord?.close().catch(() => {});
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    await redis.quit();
  }
  fs.rmSync(base, { recursive: true, force: true });
});

describe("cluster status history", () => {
  it("sums each minute over the nodes, and names a node that did not answer", async () => {
    await until(
      () => "both nodes to join",
      20_000,
      async () => (await coord.members()).filter((m) => m.state === "connected").length === 2,
    );
    await coord.deploy({ flowId: "history", revision: 1, snapshot: flow });

    const both = await until(
      () => `${2 * PER_NODE} FlowFiles into q over both nodes`,
      30_000,
      async () => {
        const h = await coord.statusHistory("history", "q");
        return sum(h, "in") === 2 * PER_NODE && h.points.at(-1)!.queued === 2 * PER_NODE && h;
      },
    );
    expect(both).toMatchObject({ kind: "connection", componentId: "q", resolutionMs: 60_000, unavailable: [] });
    expect([...both.nodes!].sort()).toEqual(["a", "b"]);
    expect(both.points.at(-1)!.queuedBytes).toBe(2 * PER_NODE * 3);
    expect(sum(await coord.statusHistory("history", "gen"), "out")).toBe(2 * PER_NODE);

    // Node b stops answering this call: the sums are a's alone, and b is named.
    const b = workers.find((w) => w.id === "b")!;
    const original = b.node.statusHistory.bind(b.node);
    b.node.statusHistory = () => new Promise<StatusHistory>(() => {});
    try {
      const partial = await coord.statusHistory("history", "q");
      expect(partial.nodes).toEqual(["a"]);
      expect(sum(partial, "in")).toBe(PER_NODE);
      expect(partial.points.at(-1)!.queued).toBe(PER_NODE);
      expect(partial.unavailable).toEqual([{ node: "b", code: "node-unavailable", message: expect.stringMatching(/did not answer/) }]);
    } finally {
      b.node.statusHistory = original;
    }

    await expect(coord.statusHistory("history", "no-such")).rejects.toMatchObject({ code: "not-found" });
  });
});
