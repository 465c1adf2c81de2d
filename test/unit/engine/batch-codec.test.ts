/**
 * The distributed-connection batch format (engine/cluster/batch-codec.ts): a batch comes back
 * exactly as it was encoded (names, values, order, the uuid attribute, dates, the three content
 * kinds), and anything that is not exactly one well-formed batch is refused with
 * BatchFormatError, never read past its end.
 */
import { describe, expect, it } from "vitest";
import { BatchFormatError, decodeBatch, encodeBatch, type BatchEntry } from "../../../engine/cluster/batch-codec";

const entries = (): BatchEntry[] => [
  {
    uuid: "0b5c2a1e-1111-4a4a-8b8b-000000000001",
    attributes: { filename: "a.csv", uuid: "0b5c2a1e-1111-4a4a-8b8b-000000000001", "mime.type": "text/csv", path: "./" },
    entryDate: 1_733_400_000_123,
    lineageStartDate: 1_733_400_000_001.5,
    content: Buffer.from("one,two\n"),
  },
  {
    uuid: "0b5c2a1e-1111-4a4a-8b8b-000000000002",
    // Same names in another order, a uuid attribute that is not the FlowFile's, non-ASCII and long values.
    attributes: { "mime.type": "text/plain", uuid: "not-the-flowfile-uuid", filename: "☃ snowman ünïcödé.txt", long: "x".repeat(70_000), "": "empty name" },
    entryDate: 0,
    lineageStartDate: -1,
    content: { f: "c/flow/conn/batch-1", l: 5 * 1024 * 1024 },
  },
  { uuid: "0b5c2a1e-1111-4a4a-8b8b-000000000003", attributes: {}, entryDate: 7, lineageStartDate: 7, content: null },
  { uuid: "u4", attributes: { filename: "" }, entryDate: 8, lineageStartDate: 8, content: Buffer.alloc(0) },
];

describe("batch codec", () => {
  it("gives back what it encoded, attribute order included", () => {
    const decoded = decodeBatch(encodeBatch(entries()));
    expect(decoded).toEqual(entries());
    for (const [i, e] of decoded.entries()) expect(Object.keys(e.attributes)).toEqual(Object.keys(entries()[i]!.attributes));
    expect(Buffer.isBuffer(decoded[0]!.content)).toBe(true);
  });

  it("writes an attribute name once per batch and the uuid attribute as a reference", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      uuid: `uuid-${String(i).padStart(4, "0")}-0000-0000-0000-000000000000`,
      attributes: { "a.rather.long.attribute.name": "v", uuid: `uuid-${String(i).padStart(4, "0")}-0000-0000-0000-000000000000` },
      entryDate: 1,
      lineageStartDate: 1,
      content: null,
    }));
    const bytes = encodeBatch(many);
    expect(bytes.toString("latin1").split("a.rather.long.attribute.name")).toHaveLength(2);
    expect(decodeBatch(bytes)).toEqual(many);
  });

  it("keeps FlowFiles of hundreds of attributes, and names that move between FlowFiles", () => {
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`attr.${i}`, `value ${i}`]));
    const shifted = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`attr.${(i + 1) % 300}`, `other ${i}`]));
    const batch = [
      { uuid: "w1", attributes: wide, entryDate: 1, lineageStartDate: 1, content: null },
      { uuid: "w2", attributes: shifted, entryDate: 2, lineageStartDate: 2, content: Buffer.from("x") },
      { uuid: "w3", attributes: { "attr.5": "five", fresh: "new" }, entryDate: 3, lineageStartDate: 3, content: null },
    ];
    const decoded = decodeBatch(encodeBatch(batch));
    expect(decoded).toEqual(batch);
    for (const [i, e] of decoded.entries()) expect(Object.keys(e.attributes)).toEqual(Object.keys(batch[i]!.attributes));
  });

  it("keeps an attribute named __proto__ as an attribute", () => {
    const attributes = JSON.parse('{"__proto__": "x", "b": "y"}') as Record<string, string>;
    const [e] = decodeBatch(encodeBatch([{ uuid: "u", attributes, entryDate: 1, lineageStartDate: 1, content: null }]));
    expect(Object.keys(e!.attributes)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(e!.attributes)).toBe(Object.prototype);
  });

  it("refuses truncated, padded, foreign and lying input", () => {
    const good = encodeBatch(entries());
    for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 300))) {
      expect(() => decodeBatch(good.subarray(0, cut)), `cut at ${cut}`).toThrow(BatchFormatError);
    }
    expect(() => decodeBatch(Buffer.concat([good, Buffer.from([0])]))).toThrow(/bytes after the last FlowFile/);
    expect(() => decodeBatch(Buffer.from([0x94, 1, 2, 3, 4]))).toThrow(/not a format-3 batch/);
    // A count of 2^40 FlowFiles in a few bytes.
    expect(() => decodeBatch(Buffer.from([3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]))).toThrow(/claims/);
    // A name reference to a name never defined.
    const bad = Buffer.from([3, 1, 1, 0x75, ...Buffer.alloc(16), 1, 9, 1, 0x76, 0]);
    expect(() => decodeBatch(bad)).toThrow(/reference 9 is not defined/);
  });
});

describe("encodeBatch's estimate", () => {
  it("writes a batch whose attributes exceed the estimate again into its exact bound, the same bytes", () => {
    const big = "é".repeat(400) + "x".repeat(300);
    const entries: BatchEntry[] = Array.from({ length: 5 }, (_, i) => ({
      uuid: `u${i}`,
      // "mid": ASCII bytes written before a non-ASCII character turns up are written over.
      attributes: { uuid: `u${i}`, note: i === 3 ? big : "n", mid: `abc${i}é${"d".repeat(i)}`, [`k${i}`]: "v".repeat(i * 90) },
      entryDate: i,
      lineageStartDate: 0,
      content: Buffer.alloc(10 + i, i),
    }));
    const sizes: number[] = [];
    const encoded = encodeBatch(entries, (size) => {
      sizes.push(size);
      return Buffer.alloc(size, 0xee);
    });
    // The estimate fell short (FlowFile 3's note), so the exact bound was asked for second.
    expect(sizes.length).toBe(2);
    expect(sizes[1]!).toBeGreaterThan(sizes[0]!);
    expect(decodeBatch(Buffer.from(encoded))).toEqual(entries);
    // Small attributes fit the estimate: one buffer.
    const calls: number[] = [];
    const small = encodeBatch(entries.slice(0, 3), (size) => {
      calls.push(size);
      return Buffer.allocUnsafeSlow(size);
    });
    expect(calls.length).toBe(1);
    expect(decodeBatch(Buffer.from(small))).toEqual(entries.slice(0, 3));
  });
});
