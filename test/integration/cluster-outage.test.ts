/**
 * Redis outages, through TCP proxies in front of the real Redis that the test cuts and
 * restores: the coordinator (in this process) and a worker node (startWorkerNode, in this
 * process too) each lose Redis in turn. Each outage gives the one losing it one log line when it
 * starts and one when Redis answers again; nothing crashes; the coordinator's calls fail with
 * NodeError "node-unavailable" meanwhile; everything reconnects by itself, and a node that was
 * away long enough to show disconnected catches up with the revision deployed meanwhile.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument } from "../../engine/api/flow-format";
import { isNodeError } from "../../engine/api/node-errors";
import { ClusterCoordinator } from "../../engine/cluster/coordinator";
import { startWorkerNode, type WorkerNode } from "../../engine/cluster/worker-node";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const SECRET = "outage-test-secret-0123456789";
const CLUSTER = uniqueId("cluster-outage");

/**
 * A TCP proxy to Redis that can drop every connection and stop listening for a while (new
 * connections are refused, as when Redis is down).
 */
class CuttableProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  constructor(target: URL) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `redis://127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  async restore(): Promise<void> {
    if (!this.server.listening) await this.listen();
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.cut();
  }
}

function flow(stage: string): FlowDocument {
  return {
    sluice: 1,
    id: "outage",
    name: "outage test",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "1", totalCount: "5", customText: "x" }, scheduling: { runSchedule: "20 ms" }, state: "running" },
      { id: "upd", type: "UpdateAttribute", properties: { stage }, autoTerminate: ["success"], state: "running" },
    ],
    connections: [{ id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd" }],
  } as unknown as FlowDocument;
}

let base = "";
const coordProxy = new CuttableProxy(new URL(redisUrl()));
const nodeProxy = new CuttableProxy(new URL(redisUrl()));
const coordLog: string[] = [];
const nodeLog: string[] = [];
let coord: ClusterCoordinator;
let worker: WorkerNode;

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-outage-"));
  const coordUrl = await coordProxy.listen();
  const nodeUrl = await nodeProxy.listen();
  coord = await ClusterCoordinator.connect({ redisUrl: coordUrl, secret: SECRET, cluster: CLUSTER, log: (l) => coordLog.push(l), callTimeoutMs: 3_000 });
  worker = await startWorkerNode({ redisUrl: nodeUrl, secret: SECRET, dataDir: path.join(base, "w"), name: "w", cluster: CLUSTER, log: (l) => nodeLog.push(l) });
}, 60_000);

afterAll(async () => {
  await coordProxy.restore();
  await nodeProxy.restore();
  await worker?.close().catch(() => {});
  await coord?.close().catch(() => {});
  await coordProxy.close();
  await nodeProxy.close();
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    await redis.quit();
  }
  fs.rmSync(base, { recursive: true, force: true });
});

describe("cluster: Redis outages", () => {
  it("the coordinator loses Redis for 10 s: one line each way, calls fail as node-unavailable meanwhile, then it works again by itself", async () => {
    await until(
      () => "the node to join",
      20_000,
      async () => (await coord.members()).some((m) => m.id === "w" && m.state === "connected"),
    );
    await coord.deploy({ flowId: "outage", revision: 1, snapshot: flow("v1") });

    await coordProxy.cut();
    const cutAt = Date.now();
    const err = await coord.members().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isNodeError(err, "node-unavailable"), String(err)).toBe(true);
    await until(
      () => "10 s of outage",
      15_000,
      () => Date.now() - cutAt >= 10_000,
    );
    await coordProxy.restore();
    const members = await until(
      () => "the coordinator to read members again",
      30_000,
      () => coord.members(),
    );
    expect(members.map((m) => [m.id, m.state])).toEqual([["w", "connected"]]);
    expect(coordLog.filter((l) => l.includes("is unreachable"))).toHaveLength(1);
    await until(
      () => `the coordinator's "answers again" line; log: ${coordLog.join(" | ")}`,
      10_000,
      () => coordLog.filter((l) => l.includes("answers again")).length === 1,
    );
    // The node's answers come back over pub/sub, which resubscribes after the reconnect: the
    // first status call may still be lost, the ones after it are not (by itself, within 10 s).
    const status = await until(() => "the node to answer a status call through the coordinator again", 10_000, () => coord.status("outage"));
    expect(status.revision).toBe(1);
  });

  it("a node away long enough to show disconnected catches up with the revision deployed meanwhile", async () => {
    await nodeProxy.cut();
    await until(
      () => "the node to show disconnected",
      30_000,
      async () => (await coord.members()).find((m) => m.id === "w")?.state === "disconnected",
    );
    // No connected node: the revision is kept as the desired state.
    const r = await coord.deploy({ flowId: "outage", revision: 2, snapshot: flow("v2") });
    expect(r.outcome).toBe("pending");
    expect(r.nodes).toEqual([]);
    await nodeProxy.restore();
    await until(
      () => `the node to run revision 2; log: ${nodeLog.join(" | ")}`,
      30_000,
      async () => (await coord.status("outage")).revision === 2,
    );
    expect((await coord.members()).find((m) => m.id === "w")?.state).toBe("connected");
    expect(nodeLog.filter((l) => l.includes("is unreachable"))).toHaveLength(1);
    expect(nodeLog.filter((l) => l.includes("answers again"))).toHaveLength(1);
    expect(nodeLog).toContain("deployed flow outage at revision 2");
    // And the node API over Redis works again both ways.
    const again = await coord.deploy({ flowId: "outage", revision: 3, snapshot: flow("v3") });
    expect(again.nodes!.map((n) => [n.node, n.result.outcome])).toEqual([["w", "applied"]]);
  });
});
