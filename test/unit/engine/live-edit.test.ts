/**
 * Live edits: FlowController.apply (through Engine.apply) changes only what a new snapshot
 * changes. Unchanged processors never leave "running" and keep their counters; a changed one is
 * restarted with its new configuration; a connection that holds FlowFiles cannot be removed; a
 * durable restart (after kill -9) with the new flow recovers every FlowFile.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import { isNodeError } from "../../../engine/api/node-errors";
import type { ProcessorNode } from "../../../engine/runtime/processor-node";
import { defineProcessor, erase, relationship } from "../../../engine/sdk";
import { liveEditFlows } from "./fixtures/live-edit-flows";
import { waitFor } from "./fixtures/wait";

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.shutdown();
});

function open(flow: unknown, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-live-"))): Engine {
  const e = Engine.open(flow, { dataDir, mode: "durable", silent: true, extraProcessors: [erase(Probe)] });
  engines.push(e);
  return e;
}

/** Per processor id: onScheduled/onStopped calls and the `tag` attribute of every FlowFile seen. */
const probes = new Map<string, { scheduled: number; stopped: number; tags: string[] }>();
function probe(id: string) {
  let p = probes.get(id);
  if (!p) probes.set(id, (p = { scheduled: 0, stopped: 0, tags: [] }));
  return p;
}

const Probe = defineProcessor({
  type: "TestProbe",
  summary: "Records what it sees and passes it on.",
  input: "required",
  properties: {},
  relationships: { success: relationship("Everything.") },
  onScheduled({ context }) {
    probe(context.id).scheduled++;
  },
  onStopped({ context }) {
    probe(context.id).stopped++;
  },
  onTrigger({ session, context }) {
    for (const ff of session.getBatch()) {
      probe(context.id).tags.push(ff.attributes.tag ?? "");
      session.transfer(ff, "success");
    }
  },
});

/** Records every run-state change of a node (the field is replaced by an accessor on the instance). */
function observeState(node: ProcessorNode): string[] {
  const changes: string[] = [];
  let state = node.state;
  Object.defineProperty(node, "state", {
    get: () => state,
    set: (s: ProcessorNode["state"]) => {
      if (s !== state) changes.push(s);
      state = s;
    },
  });
  return changes;
}

function gen(props: Record<string, string> = {}, scheduling: Record<string, unknown> = { runSchedule: "20 ms" }) {
  return { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "5", ...props }, scheduling };
}

/** gen → c1 → tag (UpdateAttribute tag=<tag>) → c2 → probe. */
function pipeline(tag: string, extra: { processors?: unknown[]; connections?: unknown[] } = {}) {
  return {
    sluice: 1,
    id: "live",
    name: "live",
    processors: [
      gen(),
      { id: "tag", type: "UpdateAttribute", properties: { tag } },
      { id: "probe", type: "TestProbe", autoTerminate: ["success"] },
      ...(extra.processors ?? []),
    ],
    connections: [
      { id: "c1", source: "gen", relationships: ["success"], destination: "tag" },
      { id: "c2", source: "tag", relationships: ["success"], destination: "probe" },
      ...(extra.connections ?? []),
    ],
  };
}

const stats = (e: Engine, id: string) => e.status().processors.find((p) => p.id === id)!.stats;

describe("live edits (apply)", () => {
  it("restarts only the changed processor: its new property takes effect, the others keep running and keep their counters", async () => {
    probes.clear();
    const e = open(pipeline("v1"));
    await e.start();
    await waitFor("data through the pipeline", () => probe("probe").tags.length >= 20);
    const c = e.controller;
    const genNode = c.nodes.get("gen")!;
    const probeNode = c.nodes.get("probe")!;
    const oldTag = c.nodes.get("tag")!;
    const transitions = { gen: observeState(genNode), probe: observeState(probeNode) };
    c.bulletins.add("warn", "tag", "tag", "raised before the edit");
    const before = { gen: stats(e, "gen").out, tag: stats(e, "tag").in, probe: stats(e, "probe").in, c2: e.status().connections.find((x) => x.id === "c2")!.stats.in };

    const result = await e.apply(pipeline("v2"));

    expect(result).toEqual({ restarted: ["tag"], added: [], removed: [], connectionsAdded: [], connectionsRemoved: [], connectionsUpdated: [], unchanged: 4 });
    const seenBefore = probe("probe").tags.length;
    await waitFor("the new tag value downstream", () => probe("probe").tags.slice(seenBefore).includes("v2"));
    // After the first v2, only v2: the restarted processor runs its new configuration only.
    const after = probe("probe").tags.slice(probe("probe").tags.indexOf("v2"));
    expect(new Set(after)).toEqual(new Set(["v2"]));

    expect(transitions).toEqual({ gen: [], probe: [] });
    expect(c.nodes.get("gen")).toBe(genNode);
    expect(c.nodes.get("probe")).toBe(probeNode);
    expect(probe("probe")).toMatchObject({ scheduled: 1, stopped: 0 });
    expect(c.nodes.get("tag")).not.toBe(oldTag);
    expect(c.nodes.get("tag")!.state).toBe("running");
    // Counters survive, for the changed processor and connections too.
    expect(stats(e, "gen").out).toBeGreaterThanOrEqual(before.gen);
    expect(stats(e, "tag").in).toBeGreaterThanOrEqual(before.tag);
    expect(stats(e, "probe").in).toBeGreaterThanOrEqual(before.probe);
    expect(e.status().connections.find((x) => x.id === "c2")!.stats.in).toBeGreaterThanOrEqual(before.c2);
    expect(e.status().bulletins.map((b) => b.message)).toContain("raised before the edit");
  });

  it("adds a processor and a connection: the new branch receives data, the source is not restarted", async () => {
    probes.clear();
    const e = open(pipeline("v1"));
    await e.start();
    await waitFor("data through the pipeline", () => probe("probe").tags.length >= 5);
    const genNode = e.controller.nodes.get("gen")!;
    const transitions = observeState(genNode);

    const result = await e.apply(
      pipeline("v1", {
        processors: [{ id: "probe2", type: "TestProbe", autoTerminate: ["success"] }],
        connections: [{ id: "c3", source: "gen", relationships: ["success"], destination: "probe2" }],
      }),
    );

    expect(result).toMatchObject({ restarted: [], added: ["probe2"], connectionsAdded: ["c3"], unchanged: 5 });
    await waitFor("data on the new branch", () => probe("probe2").tags.length >= 5);
    expect(transitions).toEqual([]);
    expect(e.controller.nodes.get("gen")).toBe(genNode);
  });

  it("updates a connection's settings in place, keeping its FlowFiles, and wakes the upstream when the threshold rises", async () => {
    const flow = (threshold: number, prioritizers: string[]) => ({
      sluice: 1,
      id: "upd",
      name: "upd",
      processors: [gen({ batchSize: "5" }, { runSchedule: "0 sec" }), { id: "sink", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" }],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "sink", backPressure: { objectThreshold: threshold }, prioritizers }],
    });
    const e = open(flow(20, []));
    await e.start();
    const queued = () => e.status().connections[0]!.queued.count;
    await waitFor("back pressure", () => queued() >= 20);
    const listed = e.listQueue("c", 100).map((f) => f.uuid);

    const result = await e.apply(flow(40, ["NewestFirst"]));

    expect(result).toMatchObject({ connectionsUpdated: ["c"], restarted: [], unchanged: 2 });
    // The queue was kept (same FlowFiles, now newest first) and the source filled it to the new threshold.
    await waitFor("the source to fill up to the new threshold", () => queued() >= 40);
    const now = e.listQueue("c", 100).map((f) => f.uuid);
    expect(now).toEqual(expect.arrayContaining(listed));
    expect(now.indexOf(listed[listed.length - 1]!)).toBeLessThan(now.indexOf(listed[0]!));
  });

  it("refuses to remove a connection that holds FlowFiles (queue-not-empty) and changes nothing", async () => {
    const flow = {
      sluice: 1,
      id: "rm",
      name: "rm",
      processors: [gen({ totalCount: "5" }, { runSchedule: "0 sec" }), { id: "sink", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" }],
      connections: [{ id: "c", name: "to the sink", source: "gen", relationships: ["success"], destination: "sink" }],
    };
    const e = open(flow);
    await e.start();
    await waitFor("five queued", () => e.status().connections[0]!.queued.count === 5);
    const nodes = new Map(e.controller.nodes);
    const next = { ...flow, processors: [{ ...gen({ totalCount: "5" }, { runSchedule: "0 sec" }), autoTerminate: ["success"] }], connections: [] };

    const err = await e.apply(next).catch((x: unknown) => x);

    expect(isNodeError(err, "queue-not-empty")).toBe(true);
    expect((err as Error).message).toMatch(/"to the sink" \(c\) holds 5 FlowFiles/);
    expect(e.status().connections.map((c) => [c.id, c.queued.count])).toEqual([["c", 5]]);
    expect(new Map(e.controller.nodes)).toEqual(nodes);
    expect(e.controller.nodes.get("gen")!.state).toBe("running");
    expect(e.controller.currentFlow!.connections.map((c) => c.id)).toEqual(["c"]);

    // Once emptied, the same change applies.
    e.emptyQueue("c");
    await expect(e.apply(next)).resolves.toMatchObject({ removed: ["sink"], connectionsRemoved: ["c"], restarted: ["gen"] });
    expect(e.status().connections).toEqual([]);
  });

  it("rejects an invalid snapshot with invalid-flow and its problems, changing nothing", async () => {
    probes.clear();
    const e = open(pipeline("v1"));
    await e.start();
    const genNode = e.controller.nodes.get("gen")!;
    const bad = pipeline("v1", { processors: [{ id: "x", type: "NoSuchProcessor" }] });

    const err = await e.apply(bad).catch((x: unknown) => x);

    expect(isNodeError(err, "invalid-flow")).toBe(true);
    expect((err as { details: { problems: Array<{ path: string }> } }).details.problems.map((p) => p.path)).toContain("processors[3].type");
    expect(e.controller.nodes.get("gen")).toBe(genNode);
    expect([...e.controller.nodes.keys()]).toEqual(["gen", "tag", "probe"]);
  });

  it("applies run-state changes of the snapshot: stopped and started without a rebuild", async () => {
    probes.clear();
    const e = open(pipeline("v1"));
    await e.start();
    await waitFor("probe running", () => probe("probe").scheduled === 1);
    const probeNode = e.controller.nodes.get("probe")!;
    const stopped = pipeline("v1");
    (stopped.processors[2] as { state?: string }).state = "stopped";

    expect(await e.apply(stopped)).toMatchObject({ restarted: [], unchanged: 5 });
    expect(probeNode.state).toBe("stopped");
    expect(probe("probe").stopped).toBe(1);

    await e.apply(pipeline("v1"));
    expect(e.controller.nodes.get("probe")).toBe(probeNode);
    expect(probeNode.state).toBe("running");
    expect(probe("probe").scheduled).toBe(2);
  });

  it("after a live edit and a kill -9, a restart with the new flow recovers every FlowFile", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-live-crash-"));
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures", "live-edit-child.ts"), dataDir], {
      cwd: path.resolve(__dirname, "../../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    try {
      await waitFor("the child to apply the edit and settle", () => out.includes("READY") || child.exitCode !== null, 30_000);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(out, err).toContain("READY");
    const { applied } = JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1)) as { applied: { connectionsRemoved: string[] } };
    expect(applied.connectionsRemoved).toEqual(["to-old"]);

    const e = open(liveEditFlows().after, dataDir);
    const queued = Object.fromEntries(e.status().connections.map((c) => [c.id, c.queued.count]));
    expect(queued).toEqual({ c1: 0, c2: liveEditFlows().total, c3: liveEditFlows().total });
    expect(e.controller.recovery.flowFiles).toBe(2 * liveEditFlows().total);
    expect(new Set(e.listQueue("c3", 1000).map((f) => f.attributes.tag))).toEqual(new Set(["v2"]));
  });
});
