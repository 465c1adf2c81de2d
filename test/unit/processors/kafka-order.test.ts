// Exactly-once PublishKafka tells duplicates by source offset, which relies on FlowFiles of a
// partition reaching it in the order consumed: a rollback (e.g. PublishKafka stopping in the
// middle of a transaction retry) must put FlowFiles back where they were in a FIFO queue.
import { describe, expect, it } from "vitest";
import { FlowFileRecord } from "../../../engine/core/flowfile";
import { ConnectionQueue } from "../../../engine/queue/connection-queue";
import { Deque } from "../../../engine/queue/structures";
import { OffsetRanges } from "../../../processors/kafka/transactions";

const make = (n: number): FlowFileRecord[] => Array.from({ length: n }, (_, i) => FlowFileRecord.create({ "kafka.offset": String(i) }, 0));
const offsets = (ffs: readonly FlowFileRecord[]): number[] => ffs.map((f) => Number(f.attributes["kafka.offset"]));

describe("rollback order", () => {
  it("an unpenalized rollback returns FlowFiles to their place in a FIFO queue", () => {
    const q = new ConnectionQueue("c");
    for (const ff of make(10)) q.put(ff, 0);
    const taken = q.poll(4, 0, []);
    expect(offsets(taken)).toEqual([0, 1, 2, 3]);
    for (const ff of taken) q.requeue(ff, 0);
    expect(offsets(q.poll(100, 0, []))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("keeps the order when a rollback comes after newer FlowFiles arrived", () => {
    const q = new ConnectionQueue("c");
    const all = make(8);
    for (const ff of all.slice(0, 5)) q.put(ff, 0);
    const taken = q.poll(3, 0, []);
    for (const ff of all.slice(5)) q.put(ff, 0);
    for (const ff of taken.reverse()) q.requeue(ff, 0);
    expect(offsets(q.poll(100, 0, []))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("Deque.insert places an item at any index", () => {
    const d = new Deque<number>(4);
    for (const v of [1, 2, 4]) d.push(v);
    d.insert(2, 3);
    d.insert(0, 0);
    d.insert(5, 5);
    expect([...d]).toEqual([0, 1, 2, 3, 4, 5]);
    d.shift();
    d.insert(1, 1.5);
    expect([...d]).toEqual([1, 1.5, 2, 3, 4, 5]);
  });
});

describe("OffsetRanges (exactly-once: offsets published since the committed offset was read)", () => {
  it("covers everything below the floor and each published offset above it, merging as offsets touch", () => {
    const r = new OffsetRanges(100);
    expect(r.has(99)).toBe(true);
    expect(r.has(100)).toBe(false);
    r.add(103, 104);
    r.add(105, 106);
    expect([100, 101, 102, 103, 104, 105, 106].map((o) => r.has(o))).toEqual([false, false, false, true, false, true, false]);
    expect(r.size).toBe(2);
    r.add(104, 105);
    expect(r.size).toBe(1);
    // Filling the gap at the floor folds everything into the floor.
    r.add(100, 103);
    expect(r.size).toBe(0);
    expect(r.has(105)).toBe(true);
    expect(r.has(106)).toBe(false);
  });

  it("in order it keeps nothing but the floor; with endless gaps it stays bounded and forgets the oldest", () => {
    const r = new OffsetRanges(0);
    for (let o = 0; o < 10_000; o++) r.add(o, o + 1);
    expect(r.size).toBe(0);
    expect(r.has(9_999)).toBe(true);
    const gaps = new OffsetRanges(0);
    // Every other record dropped upstream: a gap after each published offset.
    for (let o = 1; o < 2 * (OffsetRanges.MAX_RANGES + 10); o += 2) gaps.add(o, o + 1);
    expect(gaps.size).toBe(OffsetRanges.MAX_RANGES);
    expect(gaps.has(0)).toBe(true); // forgotten: a record this late counts as published
    expect(gaps.has(2 * (OffsetRanges.MAX_RANGES + 10) - 2)).toBe(false);
  });
});
