import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch, type BatchEntry } from "../../../engine/cluster/batch-codec";
import { PayloadWriter } from "../../../engine/cluster/payload-writer";

/** The bytes `place` must give: the RESP command `SET <key> <payload>`. */
function resp(key: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${payload.length}\r\n`, "latin1"), payload, Buffer.from("\r\n")]);
}

// The thread is started only by ready(), a handover or a consumer: none here, so no slot is
// ever given back, and after the eighth placement batches get buffers of their own.
const writer = () => new PayloadWriter("redis://127.0.0.1:1", new Uint8Array(32), 1000, "bull");

describe("PayloadWriter.target and place", () => {
  it("wraps what was packed in place in the SET command, in a slot and then in buffers of their own", () => {
    const w = writer();
    const kinds = new Set<string>();
    for (let k = 0; k < 12; k++) {
      // Keys and payloads of varying lengths: the head's length varies.
      const key = `c:dq:f:conn:p:${"x".repeat(k * 7)}`;
      const size = 1000 + k * 37 + (k === 5 ? 100_000 : 0);
      const buf = w.target(size, key);
      expect(buf.length).toBeGreaterThanOrEqual(size);
      for (let i = 0; i < size; i++) buf[i] = (i * 31 + k) & 0xff;
      const packed = buf.subarray(0, size);
      const expected = Buffer.from(packed);
      const placed = w.place(packed, key);
      kinds.add(placed.bytes instanceof SharedArrayBuffer ? "slot" : "own");
      expect(Buffer.from(placed.bytes, placed.offset, placed.length).equals(expected)).toBe(true);
      expect(Buffer.from(placed.bytes, placed.setCommand.offset, placed.setCommand.length).equals(resp(key, expected))).toBe(true);
    }
    expect([...kinds].sort()).toEqual(["own", "slot"]);
  });

  it("gives a reservation that was never placed out again, so a failed packing holds no slot", () => {
    const w = writer();
    const first = w.target(100, "k");
    // Many packings that threw before place(): still the same slot.
    for (let i = 0; i < 20; i++) expect(w.target(100, "k").byteOffset).toBe(first.byteOffset);
    const packed = w.target(3, "k").subarray(0, 3).fill(9);
    const placed = w.place(packed, "k");
    expect(placed.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(placed.bytes, placed.setCommand.offset, placed.setCommand.length).toString("latin1")).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\t\t\t\r\n");
  });

  it("gives a batch too big for a slot a buffer of its own", () => {
    const w = writer();
    const size = 3 * 1024 * 1024;
    const packed = w.target(size, "k").subarray(0, size).fill(7);
    const placed = w.place(packed, "k");
    expect(placed.bytes).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(placed.bytes, placed.setCommand.offset, placed.setCommand.length).equals(resp("k", Buffer.alloc(size, 7)))).toBe(true);
  });

  it("refuses bytes that were not packed into the last target", () => {
    const w = writer();
    w.target(10, "k");
    expect(() => w.place(Buffer.alloc(10), "k")).toThrow(/last target/);
  });

  it("packs a batch straight into shared memory and it decodes the same (content copied at odd offsets)", () => {
    const w = writer();
    const entries: BatchEntry[] = Array.from({ length: 50 }, (_, i) => ({
      uuid: `u-${i}`,
      attributes: { uuid: `u-${i}`, filename: `f${"y".repeat(i % 9)}`, "mime.type": "text/plain" },
      entryDate: 1_700_000_000_000 + i,
      lineageStartDate: 1_700_000_000_000,
      content: i % 7 === 3 ? null : Buffer.from(Array.from({ length: 1 + ((i * 131) % 1500) }, (_, j) => (j * 7 + i) & 0xff)),
    }));
    const key = "c:dq:f:c:p:b1";
    const placed = w.place(encodeBatch(entries, (size) => w.target(size, key)), key);
    expect(placed.bytes).toBeInstanceOf(SharedArrayBuffer);
    const decoded = decodeBatch(Buffer.from(Buffer.from(placed.bytes, placed.offset, placed.length)));
    expect(decoded.map((e) => ({ ...e, content: e.content && Buffer.isBuffer(e.content) ? Buffer.from(e.content) : e.content }))).toEqual(entries);
  });
});
