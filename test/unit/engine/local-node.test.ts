// The node API through the local transport: a SluiceNode in a worker thread, driven by a
// NodeClient, as the designer uses it. Real repositories in a temp data dir, real timers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNode, type LocalNode } from "../../../engine/api/local-node";
import type { FlowDocument } from "../../../engine/api/flow-format";
import type { NodeEvent } from "../../../engine/api/node-api";
import { isNodeError } from "../../../engine/api/node-errors";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "sluice-node-"));
  dirs.push(d);
  return d;
}

function flow(genState: "running" | "stopped", logState: "running" | "stopped"): FlowDocument {
  return {
    sluice: 1,
    id: "f",
    name: "F",
    processors: [
      { id: "gen", name: "Gen", type: "GenerateFlowFile", properties: { customText: "hello" }, scheduling: { strategy: "timer", runSchedule: "20 ms", concurrentTasks: 1, batchSize: 250, penaltyDuration: "30 sec", yieldDuration: "1 sec" }, autoTerminate: [], state: genState },
      { id: "log", name: "Log", type: "LogAttribute", properties: {}, scheduling: { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 250, penaltyDuration: "30 sec", yieldDuration: "1 sec" }, autoTerminate: ["success"], state: logState },
    ],
    connections: [{ id: "c1", source: "gen", relationships: ["success"], destination: "log", backPressure: { objectThreshold: 10_000, dataSizeThreshold: "1 GB" }, prioritizers: ["FIFO"], expiration: "0 sec", swapThreshold: 20_000 }],
    groups: [],
    services: [],
  } as FlowDocument;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("local node (worker thread)", () => {
  let node: LocalNode;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir();
    node = await startLocalNode({ dataDir, name: "test", logLevel: "error" });
  });

  afterAll(async () => {
    await node?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("runs in its own thread and reports who it is", async () => {
    const info = await node.client.info();
    expect(info.name).toBe("test");
    expect(info.dataDir).toBe(path.resolve(dataDir));
    expect(info.pid).toBe(process.pid);
    expect(node.threadId).toBeGreaterThan(0);
    expect(info.flows).toEqual([]);
  });

  it("deploys a flow, queues FlowFiles, lists and reads them, and empties the queue", async () => {
    const c = node.client;
    const r = await c.deploy({ flowId: "flow1", revision: 1, snapshot: flow("running", "stopped") });
    expect(r.outcome).toBe("opened");
    expect(r.revision).toBe(1);
    const st = await until(() => c.status("flow1"), (s) => s.connections[0]!.queued.count >= 5, "5 queued FlowFiles");
    expect(st.processors.find((p) => p.id === "gen")!.state).toBe("running");
    expect(st.processors.find((p) => p.id === "log")!.state).toBe("stopped");
    const listed = await c.listQueue("flow1", "c1", 3);
    expect(listed).toHaveLength(3);
    const content = await c.queuedContent("flow1", "c1", listed[0]!.uuid);
    expect(Buffer.from(content.content).toString()).toBe("hello");
    await c.stopComponent("flow1", "gen");
    const dropped = await c.emptyQueue("flow1", "c1");
    expect(dropped).toBeGreaterThanOrEqual(5);
    expect((await c.status("flow1")).connections[0]!.queued.count).toBe(0);
    const drops = await c.searchProvenance("flow1", { type: "DROP", limit: 1000 });
    expect(drops.length).toBe(dropped);
  });

  it("answers with stable error codes", async () => {
    const c = node.client;
    const codeOf = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (isNodeError(e) ? e.code : `not a NodeError: ${String(e)}`));
    expect(await codeOf(c.status("nope"))).toBe("not-deployed");
    expect(await codeOf(c.listQueue("flow1", "no-such-connection"))).toBe("not-found");
    expect(await codeOf(c.deploy({ flowId: "../../etc", revision: 1, snapshot: flow("stopped", "stopped") }))).toBe("bad-request");
    const broken = { ...flow("stopped", "stopped"), connections: [{ ...flow("stopped", "stopped").connections[0]!, destination: "missing" }] };
    expect(await codeOf(c.deploy({ flowId: "flow2", revision: 1, snapshot: broken as FlowDocument }))).toBe("invalid-flow");
  });

  it("refuses to drop a connection that holds FlowFiles (queue-not-empty), changing nothing", async () => {
    const c = node.client;
    await c.startComponent("flow1", "gen");
    await until(() => c.status("flow1"), (s) => s.connections[0]!.queued.count > 0, "queued FlowFiles");
    await c.stopComponent("flow1", "gen");
    const without = { ...flow("stopped", "stopped"), connections: [] };
    const err = await c.deploy({ flowId: "flow1", revision: 2, snapshot: without as FlowDocument }).catch((e: unknown) => e);
    expect(isNodeError(err, "queue-not-empty")).toBe(true);
    const st = await c.status("flow1");
    expect(st.revision).toBe(1);
    expect(st.connections).toHaveLength(1);
  });

  it("streams live status and bulletins to subscribers", async () => {
    const c = node.client;
    const events: NodeEvent[] = [];
    const stop = c.subscribe("flow1", (e) => events.push(e));
    await until(async () => events.length, (n) => n >= 2, "two status frames");
    stop();
    expect(events.every((e) => e.flowId === "flow1")).toBe(true);
    expect(events.some((e) => e.type === "status" && e.status.connections.length === 1)).toBe(true);
  });

  it("a second node on the same data dir is refused with data-dir-locked, naming the holder", async () => {
    const err = await startLocalNode({ dataDir }).catch((e: unknown) => e);
    expect(isNodeError(err, "data-dir-locked")).toBe(true);
    expect((err as Error).message).toContain(path.resolve(dataDir));
    expect((err as Error).message).toContain(`pid ${process.pid}`);
  });

  it("undeploys with its data, and a closed node frees the data dir", async () => {
    const c = node.client;
    await c.undeploy("flow1", { removeData: true });
    expect(await c.hasData("flow1")).toBe(false);
    expect(await c.deployments()).toEqual([]);
    await node.close();
    const again = await startLocalNode({ dataDir });
    expect((await again.client.info()).flows).toEqual([]);
    node = again;
  });
});
