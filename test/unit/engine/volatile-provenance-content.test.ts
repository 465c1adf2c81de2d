// In volatile mode the bytes live only in the claims, so provenance content must be read
// through the event's own claim (a claim rebuilt from its reference has no bytes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";

const dir = mkdtempSync(path.join(tmpdir(), "sluice-volprov-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S = { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 250, penaltyDuration: "30 sec", yieldDuration: "1 sec" };

it("volatile provenance shows an event's content", async () => {
  const engine = Engine.open(
    {
      sluice: 1,
      id: "v",
      name: "v",
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: { customText: "volatile bytes", totalCount: "1" }, scheduling: S, autoTerminate: [], state: "running" },
        { id: "log", type: "LogAttribute", properties: {}, scheduling: S, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "log" }],
    },
    { dataDir: dir, mode: "volatile", silent: true },
  );
  try {
    await engine.start();
    const deadline = Date.now() + 10_000;
    while (engine.status().connections[0]!.queued.count < 1) {
      if (Date.now() > deadline) throw new Error("no FlowFile queued");
      await new Promise((r) => setTimeout(r, 10));
    }
    const [created] = await engine.searchProvenance({ type: "CREATE", limit: 10 });
    expect(created).toBeDefined();
    expect((await engine.provenanceContent(created!.eventId, "output")).toString()).toBe("volatile bytes");
    // Replay reads the same content back into a new FlowFile: let LogAttribute take it once,
    // stop it, replay its event, and read the replayed FlowFile from the queue.
    await engine.startProcessor("log");
    while (engine.status().connections[0]!.queued.count > 0) {
      if (Date.now() > deadline) throw new Error("LogAttribute did not take the FlowFile");
      await new Promise((r) => setTimeout(r, 10));
    }
    await engine.stopProcessor("log");
    const taken = (await engine.searchProvenance({ componentId: "log", limit: 10 })).find((e) => e.sourceQueueId === "c");
    expect(taken).toBeDefined();
    const uuid = await engine.replay(taken!.eventId);
    expect(engine.queuedContent("c", uuid).content.toString()).toBe("volatile bytes");
  } finally {
    await engine.shutdown();
  }
});
