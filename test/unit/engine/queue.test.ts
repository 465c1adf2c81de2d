import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlowFileRecord } from "../../../engine/core/flowfile";
import { ContentClaim } from "../../../engine/core/content-claim";
import { ConnectionQueue, type PrioritizerName } from "../../../engine/queue/connection-queue";
import { FileSwapStore } from "../../../engine/repository/flowfile/swap-store";

function ff(attrs: Record<string, string> = {}, opts: { size?: number; entry?: number; lineage?: number; penalty?: number } = {}): FlowFileRecord {
  const now = opts.entry ?? Date.now();
  let f = FlowFileRecord.create({ ...attrs }, now, opts.lineage ?? now);
  if (opts.size) f = f.withClaim(new ContentClaim("r1", 0, opts.size));
  if (opts.penalty) f = f.withPenalty(opts.penalty);
  return f;
}

function drainAll(q: ConnectionQueue, now = Date.now()): FlowFileRecord[] {
  const out: FlowFileRecord[] = [];
  for (;;) {
    const got = q.poll(1000, now, []);
    if (got.length === 0) break;
    out.push(...got);
    q.acknowledge(got.length, got.reduce((n, f) => n + f.size, 0));
  }
  return out;
}

describe("ConnectionQueue", () => {
  it("is FIFO by default", () => {
    const q = new ConnectionQueue("q");
    const items = Array.from({ length: 50 }, (_, i) => ff({ i: String(i) }));
    for (const f of items) q.put(f, Date.now());
    expect(drainAll(q).map((f) => f.attributes.i)).toEqual(items.map((f) => f.attributes.i));
  });

  it.each<[PrioritizerName, string[]]>([
    ["OldestFirst", ["a", "b", "c"]],
    ["NewestFirst", ["c", "b", "a"]],
  ])("orders by %s", (p, expected) => {
    const q = new ConnectionQueue("q", { prioritizers: [p] });
    q.put(ff({ n: "b" }, { lineage: 2000, entry: 2000 }), 5000);
    q.put(ff({ n: "c" }, { lineage: 3000, entry: 3000 }), 5000);
    q.put(ff({ n: "a" }, { lineage: 1000, entry: 1000 }), 5000);
    expect(drainAll(q, 5000).map((f) => f.attributes.n)).toEqual(expected);
  });

  it("orders by the priority attribute: numbers ascending, then text, missing last", () => {
    const q = new ConnectionQueue("q", { prioritizers: ["PriorityAttribute"] });
    for (const p of ["10", "b", undefined, "2", "a", "1"]) q.put(ff(p === undefined ? { tag: "none" } : { priority: p, tag: p }), Date.now());
    expect(drainAll(q).map((f) => f.attributes.tag)).toEqual(["1", "2", "10", "a", "b", "none"]);
  });

  it("applies back pressure by count and by bytes, counting in-flight FlowFiles", () => {
    const q = new ConnectionQueue("q", { objectThreshold: 3, bytesThreshold: 1000 });
    q.put(ff(), 0);
    q.put(ff(), 0);
    expect(q.isFull()).toBe(false);
    q.put(ff(), 0);
    expect(q.isFull()).toBe(true);
    const taken = q.poll(3, 0, []);
    expect(taken).toHaveLength(3);
    expect(q.isFull()).toBe(true); // still in flight
    q.acknowledge(3, 0);
    expect(q.isFull()).toBe(false);
    q.put(ff({}, { size: 999 }), 0);
    expect(q.isFull()).toBe(false);
    q.put(ff({}, { size: 1 }), 0);
    expect(q.isFull()).toBe(true);
    expect(q.size()).toEqual({ count: 2, bytes: 1000 });
  });

  it("holds penalized FlowFiles back until their penalty expires", () => {
    const q = new ConnectionQueue("q");
    q.put(ff({ n: "p" }, { penalty: 10_000 }), 1000);
    q.put(ff({ n: "x" }), 1000);
    expect(q.hasAvailable(1000)).toBe(true);
    expect(q.poll(10, 1000, []).map((f) => f.attributes.n)).toEqual(["x"]);
    q.acknowledge(1, 0);
    expect(q.hasAvailable(5000)).toBe(false);
    expect(q.nextPenaltyExpiry()).toBe(10_000);
    expect(q.poll(10, 5000, [])).toEqual([]);
    expect(q.poll(10, 10_000, []).map((f) => f.attributes.n)).toEqual(["p"]);
  });

  it("expires FlowFiles older than the expiration and hands them back separately", () => {
    const q = new ConnectionQueue("q", { expirationMs: 1000 });
    q.put(ff({ n: "old" }, { entry: 0 }), 0);
    q.put(ff({ n: "new" }, { entry: 5000 }), 5000);
    const expired: FlowFileRecord[] = [];
    const got = q.poll(10, 5500, expired);
    expect(got.map((f) => f.attributes.n)).toEqual(["new"]);
    expect(expired.map((f) => f.attributes.n)).toEqual(["old"]);
  });

  it("requeues on rollback and lists in take order", () => {
    const q = new ConnectionQueue("q");
    const a = ff({ n: "a" });
    q.put(a, 0);
    q.put(ff({ n: "b" }), 0);
    const [taken] = q.poll(1, 0, []);
    expect(q.list().map((f) => f.attributes.n)).toEqual(["b"]);
    q.requeue(taken as FlowFileRecord, 0);
    expect(q.count).toBe(2);
    expect(q.list().map((f) => f.attributes.n).sort()).toEqual(["a", "b"]);
  });

  it("swaps to disk beyond the threshold, keeps memory flat with 200,000 queued, and loses nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-swap-"));
    const q = new ConnectionQueue("q", { objectThreshold: 1_000_000, swapThreshold: 20_000, swapStore: new FileSwapStore(dir) });
    const now = Date.now();
    let maxInMemory = 0;
    for (let i = 0; i < 200_000; i++) {
      q.put(ff({ i: String(i) }, { size: 10, entry: now }), now);
      maxInMemory = Math.max(maxInMemory, q.inMemoryCount);
    }
    expect(q.count).toBe(200_000);
    expect(q.size().bytes).toBe(2_000_000);
    // Active (20,000) plus at most one swap batch waiting to be written.
    expect(maxInMemory).toBeLessThanOrEqual(30_000);
    expect(q.swapFileCount).toBeGreaterThanOrEqual(17);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".swap")).length).toBe(q.swapFileCount);
    const seen = new Set<string>();
    let last = -1;
    let ordered = true;
    for (;;) {
      const got = q.poll(5000, now, []);
      if (got.length === 0) break;
      for (const f of got) {
        const i = Number(f.attributes.i);
        if (i < last) ordered = false;
        last = i;
        seen.add(f.attributes.i as string);
      }
      q.acknowledge(got.length, got.length * 10);
      expect(q.inMemoryCount).toBeLessThanOrEqual(30_000);
    }
    expect(seen.size).toBe(200_000);
    expect(ordered).toBe(true);
    expect(q.count).toBe(0);
  });

  it("drain empties everything queued, swapped FlowFiles included", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-swap-"));
    const q = new ConnectionQueue("q", { swapThreshold: 100, swapBatch: 100, swapStore: new FileSwapStore(dir) });
    for (let i = 0; i < 1000; i++) q.put(ff({ i: String(i) }), 0);
    expect(q.swapFileCount).toBeGreaterThan(0);
    const all = q.drain();
    expect(new Set(all.map((f) => f.attributes.i)).size).toBe(1000);
    expect(q.count).toBe(0);
  });

  it("wakes its listener only on the transitions a waiting processor needs", () => {
    let wakes = 0;
    const q = new ConnectionQueue("q", { objectThreshold: 3, wake: () => wakes++ });
    const now = Date.now();
    q.put(ff(), now);
    expect(wakes).toBe(1); // empty → available: the consumer has input
    q.put(ff(), now);
    q.put(ff(), now);
    expect(wakes).toBe(1); // more of the same wakes nobody
    expect(q.isFull()).toBe(true);
    const got = q.poll(2, now, []);
    expect(wakes).toBe(1); // taking keeps the count (in flight): still full
    q.acknowledge(got.length, 0);
    expect(wakes).toBe(2); // full → not full: the producer may run
    q.put(ff({}, { penalty: now + 60_000 }), now);
    expect(wakes).toBe(3); // a penalized arrival is a new timer
    q.objectThreshold = 2;
    expect(wakes).toBe(3);
    q.objectThreshold = 10;
    expect(wakes).toBe(4); // a raised threshold frees the producer
  });

  it("reconfigure changes the prioritizers in place, keeping every FlowFile", () => {
    const q = new ConnectionQueue("q");
    const items = [ff({ i: "a" }, { lineage: 3 }), ff({ i: "b" }, { lineage: 1 }), ff({ i: "c" }, { lineage: 2 })];
    for (const f of items) q.put(f, Date.now());
    q.reconfigure({ prioritizers: ["OldestFirst"] });
    expect(q.list().map((f) => f.attributes.i)).toEqual(["b", "c", "a"]);
    q.reconfigure({ prioritizers: [] });
    expect(drainAll(q).map((f) => f.attributes.i)).toEqual(["a", "b", "c"]);
  });
});
