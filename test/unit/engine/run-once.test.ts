/**
 * Run Once (NiFi): a stopped, valid processor runs onScheduled, one trigger and onStopped, and is
 * stopped again; its output is queued durably. Anything else is refused with invalid-state.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import { isNodeError } from "../../../engine/api/node-errors";
import { defineProcessor, erase, relationship } from "../../../engine/sdk";

const calls: string[] = [];
const Counted = defineProcessor({
  type: "TestCounted",
  summary: "Records its lifecycle calls and passes a batch on.",
  input: "required",
  properties: {},
  relationships: { success: relationship("Everything.") },
  onScheduled() {
    calls.push("scheduled");
  },
  onStopped() {
    calls.push("stopped");
  },
  onTrigger({ session }) {
    const batch = session.getBatch();
    calls.push(`trigger ${batch.length}`);
    for (const ff of batch) session.transfer(ff, "success");
  },
});

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.shutdown();
});

const flow = {
  sluice: 1,
  id: "once",
  name: "once",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "3" }, state: "stopped" },
    { id: "counted", type: "TestCounted", autoTerminate: ["success"], state: "stopped" },
  ],
  connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "counted" }],
};

describe("runOnce", () => {
  it("runs a stopped processor through onScheduled, one trigger and onStopped, and leaves it stopped", async () => {
    calls.length = 0;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-once-"));
    const e = Engine.open(flow, { dataDir, mode: "durable", silent: true, extraProcessors: [erase(Counted)] });
    engines.push(e);
    const queued = () => e.status().connections[0]!.queued.count;

    await e.runOnce("gen");
    expect(queued()).toBe(3);
    await e.runOnce("gen");
    expect(queued()).toBe(6);
    expect(e.status().processors.map((p) => p.state)).toEqual(["stopped", "stopped"]);

    await e.runOnce("counted");
    expect(calls).toEqual(["scheduled", "trigger 6", "stopped"]);
    expect(queued()).toBe(0);
    expect(e.status().processors.find((p) => p.id === "counted")!.stats.in).toBe(6);
  });

  it("refuses a running processor with invalid-state", async () => {
    const e = Engine.open(flow, { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "sluice-once-")), mode: "volatile", silent: true, extraProcessors: [erase(Counted)] });
    engines.push(e);
    await e.startProcessor("counted");
    const err = await e.runOnce("counted").catch((x: unknown) => x);
    expect(isNodeError(err, "invalid-state")).toBe(true);
    expect(e.status().processors.find((p) => p.id === "counted")!.state).toBe("running");
  });
});
