// Exactly-once PublishKafka tells duplicates by source offset, which relies on FlowFiles of a
// partition reaching it in the order consumed: a rollback (e.g. PublishKafka stopping in the
// middle of a transaction retry) must put FlowFiles back where they were in a FIFO queue.
import { describe, expect, it } from "vitest";
import { FlowFileRecord } from "../../../engine/core/flowfile";
import { ConnectionQueue } from "../../../engine/queue/connection-queue";
import { Deque } from "../../../engine/queue/structures";

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
