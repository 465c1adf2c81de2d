// The composition root wires the shared DistributedCache: with a Redis URL (SLUICE_REDIS_URL in
// the product), two engines built from two compositions (two nodes, two Redis connections)
// see each other's DetectDuplicate entries; without one, each composition has its own cache.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { compose, type Composition } from "../../engine/runtime/composition-root";
import { redisUrl } from "./helpers/services";

const dirs: string[] = [];
const compositions: Composition[] = [];
afterAll(async () => {
  await Promise.all(compositions.map((c) => c.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SCHEDULING = { strategy: "timer", runSchedule: "0 sec", concurrentTasks: 1, batchSize: 250, penaltyDuration: "30 sec", yieldDuration: "1 sec" };

/** GenerateFlowFile (5 FlowFiles, one identifier) → DetectDuplicate → two counted connections. */
function dedupeFlow(key: string) {
  return {
    sluice: 1,
    id: "dedupe",
    name: "dedupe",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { customText: "x", batchSize: "5", totalCount: "5" }, scheduling: SCHEDULING, autoTerminate: [], state: "running" },
      { id: "dd", type: "DetectDuplicate", properties: { cacheEntryIdentifier: key }, scheduling: SCHEDULING, autoTerminate: ["failure"], state: "running" },
      { id: "dup", type: "LogAttribute", properties: {}, scheduling: SCHEDULING, autoTerminate: ["success"], state: "stopped" },
      { id: "new", type: "LogAttribute", properties: {}, scheduling: SCHEDULING, autoTerminate: ["success"], state: "stopped" },
    ],
    connections: [
      { id: "c-gen", source: "gen", relationships: ["success"], destination: "dd" },
      { id: "c-dup", source: "dd", relationships: ["duplicate"], destination: "dup" },
      { id: "c-new", source: "dd", relationships: ["non-duplicate"], destination: "new" },
    ],
  };
}

/** Runs the flow on a fresh data dir with `composition`; returns [duplicates, non-duplicates]. */
async function run(composition: Composition, key: string): Promise<[number, number]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-compose-"));
  dirs.push(dataDir);
  const engine = Engine.open(dedupeFlow(key), { dataDir, mode: "volatile", composition, silent: true });
  try {
    await engine.start();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const q = (id: string) => engine.status().connections.find((c) => c.id === id)!.queued.count;
      if (q("c-dup") + q("c-new") === 5) return [q("c-dup"), q("c-new")];
      if (Date.now() > deadline) throw new Error("the five FlowFiles did not reach DetectDuplicate's outputs");
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await engine.shutdown();
  }
}

describe("composition root: the shared DistributedCache", () => {
  it("with Redis, two nodes' engines share DetectDuplicate's entries", async () => {
    const a = compose({ redisUrl: redisUrl() });
    const b = compose({ redisUrl: redisUrl() });
    compositions.push(a, b);
    const key = `compose-test-${randomUUID()}`;
    expect(await run(a, key)).toEqual([4, 1]);
    // Node B never saw the key itself: only Redis can tell it that A did.
    expect(await run(b, key)).toEqual([5, 0]);
    await a.cache().remove(`sluice.dedupe.${key}`);
  });

  it("without Redis, each node has its own cache", async () => {
    const a = compose({ redisUrl: null });
    const b = compose({ redisUrl: null });
    compositions.push(a, b);
    const key = `compose-test-${randomUUID()}`;
    expect(await run(a, key)).toEqual([4, 1]);
    expect(await run(b, key)).toEqual([4, 1]);
  });
});
