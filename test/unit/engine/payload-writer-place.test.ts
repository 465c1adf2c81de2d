import { describe, expect, it } from "vitest";
import { PayloadWriter } from "../../../engine/cluster/payload-writer";

/** The bytes `place` must give: the RESP command `SET <key> <payload>`. */
function resp(key: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${payload.length}\r\n`, "latin1"), payload, Buffer.from("\r\n")]);
}

describe("PayloadWriter.place", () => {
  // The thread is started only by ready(), a handover or a consumer: none here.
  const writer = new PayloadWriter("redis://127.0.0.1:1", new Uint8Array(32), 1000, "bull");

  it("puts the SET command around the batch, with the batch at the alignment it was packed at", () => {
    // Keys of every length modulo 8, and payloads of odd sizes, so that the command's head
    // varies in length: each placement must still start the batch where a word copy applies.
    for (let k = 0; k < 16; k++) {
      const key = `c:dq:f:conn:p:${"x".repeat(k)}`;
      const size = 1000 + k * 37;
      const scratch = writer.scratch(size);
      for (let i = 0; i < size; i++) scratch[i] = (i * 31 + k) & 0xff;
      const packed = scratch.subarray(0, size);
      const placed = writer.place(packed, key);
      expect(placed.offset % 8).toBe(packed.byteOffset % 8);
      const all = Buffer.from(placed.bytes, placed.setCommand.offset, placed.setCommand.length);
      expect(all.equals(resp(key, Buffer.from(packed)))).toBe(true);
      expect(Buffer.from(placed.bytes, placed.offset, placed.length).equals(packed)).toBe(true);
      // Once placed, the batch no longer depends on the scratch buffer (the next pack reuses it).
      scratch.fill(0);
      expect(Buffer.from(placed.bytes, placed.offset, placed.length)[1]).toBe((31 + k) & 0xff);
    }
  });

  it("gives a batch too big for a slot a buffer of its own, with the same bytes", () => {
    const size = 3 * 1024 * 1024;
    const packed = writer.scratch(size).subarray(0, size).fill(7);
    const placed = writer.place(packed, "k");
    expect(placed.bytes).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(placed.bytes, placed.setCommand.offset, placed.setCommand.length).equals(resp("k", Buffer.from(packed)))).toBe(true);
  });
});
