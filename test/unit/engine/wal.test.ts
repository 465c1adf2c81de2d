import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ContentClaim } from "../../../engine/core/content-claim";
import { FlowFileRecord } from "../../../engine/core/flowfile";
import { WalFlowFileRepository } from "../../../engine/repository/flowfile/wal-repository";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sluice-wal-"));

function make(i: number): FlowFileRecord {
  return FlowFileRecord.create({ filename: `f${i}`, n: String(i), "ünïcode": "välüe ✓" }, 1000 + i).withClaim(new ContentClaim("7", i * 10, 10));
}

describe("WalFlowFileRepository", () => {
  it("recovers every FlowFile in the queue of its last commit: creates, deltas, moves, deletes", () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const ffs = Array.from({ length: 100 }, (_, i) => make(i));
    w.beginCommit();
    for (const ff of ffs) w.upsert("q1", ff, undefined);
    w.endCommit();
    // Move half to q2 with an attribute change and a removal; delete ten; penalize one.
    w.beginCommit();
    for (const ff of ffs.slice(0, 50)) {
      const next = ff.withAttributes({ ...ff.attributes, moved: "yes" });
      w.upsert("q2", next, { moved: "yes", "ünïcode": null });
    }
    for (const ff of ffs.slice(90)) w.delete(ff.uuid);
    w.upsert("q1", ffs[60]!.withPenalty(99_999), null);
    w.endCommit();
    w.flush();
    w.close();

    const state = new WalFlowFileRepository({ dir }).recover();
    const q1 = state.queues.get("q1")!;
    const q2 = state.queues.get("q2")!;
    expect(q2).toHaveLength(50);
    expect(q1).toHaveLength(40);
    expect(q2[0]!.attributes).toEqual({ filename: "f0", n: "0", uuid: ffs[0]!.uuid, moved: "yes" });
    expect(q1.find((f) => f.uuid === ffs[60]!.uuid)!.penaltyExpiration).toBe(99_999);
    expect(q1[0]!.attributes["ünïcode"]).toBe("välüe ✓");
    expect(q1[0]!.claim).toEqual(expect.objectContaining({ resource: "7", offset: 500, length: 10 }));
    // FIFO order is kept.
    expect(q2.map((f) => f.attributes.n)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it("abortCommit forgets the open frame: nothing of it is written, and later commits flush", () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const [a, b] = [make(1), make(2)];
    w.beginCommit();
    w.upsert("q1", a, undefined);
    w.abortCommit();
    w.beginCommit();
    w.upsert("q2", b, undefined);
    w.endCommit();
    w.flush();
    w.close();
    const state = new WalFlowFileRepository({ dir }).recover();
    expect(state.queues.get("q1")).toBeUndefined();
    expect(state.queues.get("q2")?.map((ff) => ff.uuid)).toEqual([b.uuid]);
  });

  it("discards a commit frame torn by a crash, whole", () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const a = make(1);
    const b = make(2);
    w.beginCommit();
    w.upsert("q", a, undefined);
    w.endCommit();
    w.flush();
    w.beginCommit();
    w.upsert("q", b, undefined);
    w.delete(a.uuid);
    w.endCommit();
    w.flush();
    const log = fs.readdirSync(dir).find((f) => f.startsWith("wal-"))!;
    const full = fs.statSync(path.join(dir, log)).size;
    fs.truncateSync(path.join(dir, log), full - 5);
    const state = new WalFlowFileRepository({ dir }).recover();
    // The second commit (create b + delete a) is gone entirely: a is still there, b never was.
    expect(state.queues.get("q")!.map((f) => f.uuid)).toEqual([a.uuid]);
  });

  it("checkpoints: a snapshot replaces the log, and later frames apply on top", async () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const ffs = Array.from({ length: 2500 }, (_, i) => make(i));
    w.beginCommit();
    for (const ff of ffs) w.upsert("q", ff, undefined);
    w.endCommit();
    w.checkpoint([{ id: "q", flowFiles: ffs.slice(0, 2000), swaps: [{ location: "/x/swap-1", count: 500, bytes: 5000 }] }], Date.now());
    // Old generations are deleted in the background.
    await vi.waitFor(() => expect(fs.readdirSync(dir).filter((f) => f.startsWith("wal-"))).toHaveLength(0));
    w.beginCommit();
    w.delete(ffs[0]!.uuid);
    w.endCommit();
    w.flush();
    const state = new WalFlowFileRepository({ dir }).recover();
    expect(state.queues.get("q")).toHaveLength(1999);
    expect(state.swaps.get("q")).toEqual([{ location: "/x/swap-1", count: 500, bytes: 5000, maxSeq: 0 }]);
  });

  it("recovers the highest sequence number of swapped-out FlowFiles, from the log and from a checkpoint", () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const live = make(1);
    w.beginCommit();
    w.upsert("q", live, undefined);
    w.endCommit();
    // Swapped FlowFiles were created later than the live one: their sequence numbers are higher.
    const summary = { location: "/s/late", count: 2, bytes: 20, maxSeq: live.seq + 5000 };
    w.swappedOut("q", summary, []);
    w.flush();
    const fromLog = new WalFlowFileRepository({ dir }).recover();
    expect(fromLog.maxSeq).toBe(live.seq + 5000);
    expect(fromLog.swaps.get("q")).toEqual([summary]);
    const w2 = new WalFlowFileRepository({ dir });
    w2.recover();
    w2.checkpoint([{ id: "q", flowFiles: [live], swaps: [summary] }], Date.now());
    w2.close();
    expect(new WalFlowFileRepository({ dir }).recover().maxSeq).toBe(live.seq + 5000);
  });

  it("tracks swap-out and swap-in so swapped FlowFiles are not lost or doubled", () => {
    const dir = tmp();
    const w = new WalFlowFileRepository({ dir });
    const ffs = Array.from({ length: 10 }, (_, i) => make(i));
    w.beginCommit();
    for (const ff of ffs) w.upsert("q", ff, undefined);
    w.endCommit();
    const summary = { location: "/s/1", count: 4, bytes: 40 };
    w.swappedOut("q", summary, ffs.slice(6));
    w.flush();
    let state = new WalFlowFileRepository({ dir }).recover();
    expect(state.queues.get("q")).toHaveLength(6);
    expect(state.swaps.get("q")).toEqual([{ ...summary, maxSeq: 0 }]);
    const w2 = new WalFlowFileRepository({ dir });
    w2.recover();
    w2.swappedIn("q", summary, ffs.slice(6));
    w2.flush();
    state = new WalFlowFileRepository({ dir }).recover();
    expect(state.queues.get("q")).toHaveLength(10);
    expect(state.swaps.get("q")).toEqual([]);
  });
});
