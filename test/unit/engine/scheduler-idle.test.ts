/**
 * Idle means idle: a processor held back by back pressure, or waiting for input, costs no
 * scheduler rounds until a queue changes; the queue's transition wakes the scheduler. Runs the
 * real engine with real timers and counts rounds (not wall time) over a measuring window.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import { waitFor } from "./fixtures/wait";

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.shutdown();
});

function open(flow: unknown): Engine {
  const e = Engine.open(flow, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "sluice-idle-")), mode: "durable", silent: true });
  engines.push(e);
  return e;
}

/** Scheduler rounds and process CPU time spent over `ms` of real time. */
async function measureOnce(e: Engine, ms: number): Promise<{ rounds: number; cpuMs: number }> {
  const rounds = e.controller.scheduler.rounds;
  const cpu = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(cpu);
  return { rounds: e.controller.scheduler.rounds - rounds, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Two windows back to back; rounds summed, CPU the lower of the two. Process CPU also counts the
 * tail of the engine's start (the provenance index worker, GC, compilation), which can land in
 * one window on a busy machine; a spinning scheduler burns a whole core in both.
 */
async function measure(e: Engine, ms: number): Promise<{ rounds: number; cpuMs: number }> {
  const a = await measureOnce(e, ms);
  const b = await measureOnce(e, ms);
  return { rounds: a.rounds + b.rounds, cpuMs: Math.min(a.cpuMs, b.cpuMs) };
}

const THRESHOLD = 20;

function flow(genState: "running" | "stopped", logState: "running" | "stopped") {
  return {
    sluice: 1,
    id: "idle",
    name: "idle",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: {}, scheduling: { runSchedule: "100 ms" }, state: genState },
      { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: logState },
    ],
    connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log", backPressure: { objectThreshold: THRESHOLD } }],
  };
}

describe("scheduler when nothing can run", () => {
  it("does no rounds while the source is held back by back pressure, and resumes when the sink drains the queue", async () => {
    const e = open(flow("running", "stopped"));
    await e.start();
    const queued = () => e.status().connections[0]!.queued.count;
    await waitFor("the queue to reach its back-pressure threshold", () => queued() >= THRESHOLD);

    const idle = await measure(e, 1000);
    // Before: the blocked source counted as due now, so the loop spun (thousands of rounds).
    expect(idle.rounds).toBeLessThanOrEqual(6);
    expect(idle.cpuMs).toBeLessThan(300);
    expect(queued()).toBe(THRESHOLD);

    await e.startProcessor("log");
    await waitFor("the sink to drain the queue", () => queued() === 0);
    const sunk = () => e.status().processors.find((p) => p.id === "log")!.stats.in;
    // The source was woken by the drained queue: data flows on past what was queued.
    await waitFor("data to flow on after the drain", () => sunk() >= THRESHOLD + 3);
  });

  it("does no rounds while a processor that requires input has an empty incoming queue, and runs when data arrives", async () => {
    const e = open(flow("stopped", "running"));
    await e.start();
    await waitFor("the sink to run", () => e.status().processors.find((p) => p.id === "log")!.state === "running");

    const idle = await measure(e, 1000);
    expect(idle.rounds).toBeLessThanOrEqual(6);
    expect(idle.cpuMs).toBeLessThan(300);

    await e.startProcessor("gen");
    await waitFor("the sink to receive data", () => e.status().processors.find((p) => p.id === "log")!.stats.in >= 3);
  });
});
