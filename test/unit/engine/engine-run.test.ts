/**
 * The engine running flows in volatile mode: scheduling (run schedule, CRON, concurrent tasks,
 * batch size), back pressure stopping the upstream, expiration, statistics, invalid processors.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import { defineProcessor, erase, property, relationship } from "../../../engine/sdk";

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.shutdown();
});

function open(flow: unknown, extra = [] as ReturnType<typeof erase>[]): Engine {
  const e = Engine.open(flow, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "sluice-run-")), mode: "volatile", silent: true, extraProcessors: extra });
  engines.push(e);
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records how many FlowFiles each trigger took, and how many triggers overlapped. */
const seen = { batches: [] as number[], active: 0, maxActive: 0 };
const Slow = defineProcessor({
  type: "TestSlow",
  summary: "Takes a batch, waits, passes it on.",
  input: "required",
  properties: { delayMs: property.integer({ displayName: "Delay", description: "ms", default: "0" }) },
  relationships: { success: relationship("done") },
  async onTrigger({ session, config }) {
    seen.active++;
    seen.maxActive = Math.max(seen.maxActive, seen.active);
    const batch = session.getBatch();
    seen.batches.push(batch.length);
    await sleep(config.delayMs);
    for (const ff of batch) session.transfer(ff, "success");
    seen.active--;
  },
});

function gen(props: Record<string, string>, scheduling: Record<string, unknown> = {}) {
  return { id: "gen", type: "GenerateFlowFile", properties: props, scheduling };
}

describe("engine scheduling and back pressure", () => {
  it("stops the upstream while its connection is full and resumes when it drains", async () => {
    const e = open({
      sluice: 1,
      id: "bp",
      name: "bp",
      processors: [
        gen({ batchSize: "10" }, { runSchedule: "0 sec" }),
        { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log", backPressure: { objectThreshold: 100 } }],
    });
    await e.start();
    await sleep(500);
    const q = () => e.status().connections[0]!.queued.count;
    expect(q()).toBeGreaterThanOrEqual(100);
    expect(q()).toBeLessThan(110);
    const produced = e.status().processors.find((p) => p.id === "gen")!.stats.out;
    await sleep(300);
    expect(e.status().processors.find((p) => p.id === "gen")!.stats.out).toBe(produced);
    await e.startProcessor("log");
    await sleep(500);
    expect(e.status().processors.find((p) => p.id === "gen")!.stats.out).toBeGreaterThan(produced + 100);
  });

  it("lists a queue in take order, shows a FlowFile's content, and empties the queue with DROP events", async () => {
    const e = open({
      sluice: 1,
      id: "q",
      name: "q",
      processors: [
        gen({ batchSize: "5", totalCount: "5", customText: "payload-${nextInt}", nextInt: "${literal(1)}" }, { runSchedule: "0 sec" }),
        { id: "log", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log" }],
    });
    await e.start();
    await sleep(300);
    const listed = e.listQueue("c", 100);
    expect(listed).toHaveLength(5);
    expect(listed.map((f) => f.position)).toEqual([1, 2, 3, 4, 5]);
    expect(listed[0]!.attributes["mime.type"]).toBe("text/plain");
    const { content } = e.queuedContent("c", listed[2]!.uuid);
    expect(content.toString()).toBe("payload-1");
    expect(() => e.queuedContent("c", "no-such-uuid")).toThrow(/not queued/);
    expect(e.emptyQueue("c")).toBe(5);
    expect(e.status().connections[0]!.queued.count).toBe(0);
    const drops = await e.searchProvenance({ type: "DROP" });
    expect(drops.map((d) => d.flowFileUuid).sort()).toEqual(listed.map((f) => f.uuid).sort());
  });

  it("honours the run schedule", async () => {
    const e = open({
      sluice: 1,
      id: "timer",
      name: "timer",
      processors: [gen({}, { runSchedule: "200 ms" }), { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log" }],
    });
    await e.start();
    await sleep(1050);
    const n = e.status().connections[0]!.queued.count;
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(7);
  });

  it("triggers on a CRON schedule", async () => {
    const e = open({
      sluice: 1,
      id: "cron",
      name: "cron",
      processors: [gen({}, { strategy: "cron", cron: "* * * * * *" }), { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log" }],
    });
    await e.start();
    await sleep(2300);
    const n = e.status().connections[0]!.queued.count;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(3);
  });

  it("runs concurrent tasks and takes at most the batch size per trigger", async () => {
    seen.batches = [];
    seen.maxActive = 0;
    const e = open(
      {
        sluice: 1,
        id: "conc",
        name: "conc",
        processors: [
          gen({ batchSize: "100", totalCount: "1000" }, { runSchedule: "0 sec" }),
          { id: "slow", type: "TestSlow", properties: { delayMs: "30" }, scheduling: { concurrentTasks: 3, batchSize: 25 } },
          { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"] },
        ],
        connections: [
          { id: "a", source: "gen", relationships: ["success"], destination: "slow" },
          { id: "b", source: "slow", relationships: ["success"], destination: "log" },
        ],
      },
      [erase(Slow)],
    );
    await e.start();
    await e.waitForIdle({ quietMs: 300, timeoutMs: 20_000 });
    expect(seen.batches.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.max(...seen.batches)).toBeLessThanOrEqual(25);
    expect(seen.maxActive).toBe(3);
    const st = e.status();
    expect(st.processors.find((p) => p.id === "slow")!.stats.in).toBe(1000);
    expect(st.processors.find((p) => p.id === "slow")!.stats.out).toBe(1000);
    expect(st.connections.find((c) => c.id === "a")!.stats.in).toBe(1000);
  });

  it("drops FlowFiles older than the connection's expiration with EXPIRE events", async () => {
    const e = open({
      sluice: 1,
      id: "exp",
      name: "exp",
      processors: [gen({ batchSize: "5", totalCount: "5" }, { runSchedule: "0 sec" }), { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log", expiration: "200 ms" }],
    });
    await e.start();
    await sleep(400);
    await e.startProcessor("log");
    await sleep(300);
    expect(e.status().connections[0]!.queued.count).toBe(0);
    const expired = await e.searchProvenance({ type: "EXPIRE" });
    expect(expired).toHaveLength(5);
    expect(await e.searchProvenance({ type: "DROP", componentId: "log" })).toHaveLength(0);
  });

  it("loads a flow with an invalid processor leniently: it shows as invalid, says why, and cannot start", async () => {
    const flow = {
      sluice: 1,
      id: "inv2",
      name: "inv2",
      processors: [gen({}, { runSchedule: "1 sec" }), { id: "put", type: "PutFile", properties: {}, state: "stopped" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "put" }],
    };
    expect(() => open(flow)).toThrow(/processors\[1\]\.properties\.directory/);
    const e = Engine.open(flow, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "sluice-run-")), mode: "volatile", silent: true, lenient: true });
    engines.push(e);
    const put = e.status().processors.find((p) => p.id === "put")!;
    expect(put.state).toBe("invalid");
    expect(put.problems.map((p) => p.message).join(" | ")).toMatch(/"Directory" is required/);
    expect(put.problems.map((p) => p.message).join(" | ")).toMatch(/relationship "success" is neither connected nor auto-terminated/);
    await expect(e.startProcessor("put")).rejects.toThrow(/invalid and cannot start: .*Directory/);
  });

  it("shows a disabled processor as disabled and refuses to start it", async () => {
    const e = open({
      sluice: 1,
      id: "inv",
      name: "inv",
      processors: [gen({}, { runSchedule: "1 sec" }), { id: "log", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "disabled" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log" }],
    });
    const st = e.status();
    expect(st.processors.find((p) => p.id === "log")!.state).toBe("disabled");
    await expect(e.startProcessor("log")).rejects.toThrow(/disabled/);
  });

  it("keeps bulletins for failures with the component and message", async () => {
    const Boom = defineProcessor({
      type: "TestBoom",
      summary: "always fails",
      input: "required",
      properties: {},
      relationships: { success: relationship("never") },
      onTrigger() {
        throw new Error("remote system unavailable");
      },
    });
    const e = open(
      {
        sluice: 1,
        id: "b",
        name: "b",
        processors: [gen({ totalCount: "1" }, { runSchedule: "0 sec" }), { id: "boom", type: "TestBoom", autoTerminate: ["success"], scheduling: { yieldDuration: "50 ms", penaltyDuration: "50 ms" } }],
        connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "boom" }],
      },
      [erase(Boom)],
    );
    await e.start();
    await sleep(400);
    const st = e.status();
    expect(st.bulletins.length).toBeGreaterThanOrEqual(2);
    expect(st.bulletins[0]).toMatchObject({ componentId: "boom", level: "error" });
    expect(st.bulletins[0]!.message).toContain("remote system unavailable");
    expect(st.connections[0]!.queued.count).toBe(1);
  });
});
