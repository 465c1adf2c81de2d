/**
 * A decommissioned node's move of its queued FlowFiles, on one engine (FlowController
 * .offloadQueued and .acceptOffloaded; the cluster around them is in
 * test/integration/cluster-decommission.test.ts):
 * - FlowFiles leave the WAL only once `send` resolved: a send that rejects puts every one back,
 *   in order, and the disk still has them; a checkpoint while `send` runs keeps them too (a
 *   crash then loses none); a step that went through removes them durably, a SEND event each;
 * - FlowFiles taken in are durable and queued with their uuid, attributes, content and dates,
 *   a RECEIVE event each naming the node they came from.
 * "On disk" is what a crash at that moment would recover: the WAL read by a second repository.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/api/engine";
import type { IncomingBatch } from "../../../engine/queue/distributed-queue";
import { WalFlowFileRepository } from "../../../engine/repository/flowfile/wal-repository";

const flow = {
  sluice: 1,
  id: "offload",
  name: "offload",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "10", customText: "x-${uuid}" }, state: "stopped" },
    { id: "hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
  ],
  connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "hold" }],
};

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.shutdown();
});

function open(): { e: Engine; dataDir: string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-offload-"));
  const e = Engine.open(flow, { dataDir, mode: "durable", silent: true });
  engines.push(e);
  return { e, dataDir };
}

/** Uuids queued in c that a crash now would recover, in queue order. */
function onDisk(dataDir: string): string[] {
  const state = new WalFlowFileRepository({ dir: path.join(dataDir, "flowfile-repository") }).recover();
  return (state.queues.get("c") ?? []).map((ff) => ff.uuid);
}

const queuedUuids = (e: Engine) => e.listQueue("c", 100).map((f) => f.uuid);

describe("offloadQueued", () => {
  it("removes FlowFiles from this node only once send resolved, durably, with a SEND event each", async () => {
    const { e, dataDir } = open();
    const ctrl = e.controller;
    await e.runOnce("gen");
    const before = queuedUuids(e);
    expect(before).toHaveLength(10);

    await expect(
      ctrl.offloadQueued(4, 1 << 20, async () => {
        throw new Error("the cluster did not take them");
      }),
    ).rejects.toThrow("the cluster did not take them");
    expect(queuedUuids(e)).toEqual(before);
    expect(onDisk(dataDir)).toEqual(before);
    expect(ctrl.localQueued().count).toBe(10);

    let sent: Array<[string, string]> = [];
    const moved = await ctrl.offloadQueued(4, 1 << 20, async (conn, ffs, read) => {
      sent = ffs.map((ff) => [ff.uuid, read(ff.claim!).toString()]);
      expect(conn.id).toBe("c");
      // A checkpoint while they are on their way keeps them: they are still this node's.
      ctrl.repositories.flowFiles.checkpoint(ctrl["queueCheckpoints"](), Date.now());
      expect(onDisk(dataDir)).toEqual(before);
      return { details: "moved to the test", transitUri: "test://elsewhere" };
    });
    expect(moved).toBe(4);
    expect(sent).toEqual(before.slice(0, 4).map((u) => [u, `x-${u}`]));
    expect(queuedUuids(e)).toEqual(before.slice(4));
    expect(onDisk(dataDir)).toEqual(before.slice(4));
    expect(ctrl.localQueued().count).toBe(6);

    while ((await ctrl.offloadQueued(4, 1 << 20, async () => ({ details: "moved to the test", transitUri: "test://elsewhere" }))) > 0);
    expect(onDisk(dataDir)).toEqual([]);
    expect(ctrl.localQueued()).toEqual({ count: 0, bytes: 0 });
    const sends = await e.searchProvenance({ type: "SEND", limit: 100 });
    expect(sends.map((ev) => ev.flowFileUuid).sort()).toEqual([...before].sort());
    expect(sends[0]).toMatchObject({ componentId: "c", details: "moved to the test", transitUri: "test://elsewhere" });
  });

  it("takes at most maxBytes of content a step (at least one FlowFile)", async () => {
    const { e } = open();
    await e.runOnce("gen");
    const size = e.listQueue("c", 1)[0]!.size;
    let n = 0;
    await e.controller.offloadQueued(100, 2 * size, async (_c, ffs) => {
      n = ffs.length;
      return { details: "", transitUri: "" };
    });
    expect(n).toBe(2);
  });
});

describe("acceptOffloaded", () => {
  it("queues another node's FlowFiles durably, as they were, with a RECEIVE event naming that node", async () => {
    const { e, dataDir } = open();
    const batch: IncomingBatch & { flowFiles: NonNullable<IncomingBatch["flowFiles"]> } = {
      id: "c.n1.0123abcd-0-0",
      from: "n1",
      attempts: 0,
      flowFiles: [
        { uuid: "11111111-1111-4111-8111-111111111111", attributes: { filename: "one", note: "kept" }, entryDate: 1_000, lineageStartDate: 500, content: Buffer.from("hello") },
        { uuid: "22222222-2222-4222-8222-222222222222", attributes: { filename: "two" }, entryDate: 2_000, lineageStartDate: 2_000, content: null },
      ],
    };
    await e.controller.acceptOffloaded("c", batch);
    const uuids = batch.flowFiles.map((w) => w.uuid);
    expect(onDisk(dataDir)).toEqual(uuids);
    const listed = e.listQueue("c", 10);
    expect(listed.map((f) => [f.uuid, f.attributes.note ?? null, f.attributes.uuid, f.entryDate, f.lineageStartDate])).toEqual([
      [uuids[0], "kept", uuids[0], 1_000, 500],
      [uuids[1], null, uuids[1], 2_000, 2_000],
    ]);
    expect(e.queuedContent("c", uuids[0]!).content.toString()).toBe("hello");
    const received = await e.searchProvenance({ type: "RECEIVE", limit: 10 });
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ componentId: "hold", transitUri: "sluice-cluster://offload/c" });
    expect(received[0]!.details).toContain("received from node n1");

    await expect(e.controller.acceptOffloaded("nope", batch)).rejects.toThrow(/no connection/);
  });
});
