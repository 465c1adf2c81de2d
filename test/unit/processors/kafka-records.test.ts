// Pure Kafka helpers, no broker: demarcation, the framed record-batch format, key encodings,
// header ↔ attribute mapping, and the Java-compatible partitioner.
import { describe, expect, it } from "vitest";
import {
  attributesToHeaders,
  decodeFramed,
  decodeKey,
  encodeFramed,
  encodeKey,
  headerList,
  headersFromList,
  headersToAttributes,
  isFramed,
  joinDemarcated,
  parseDemarcator,
  partitionForKey,
  splitDemarcated,
  wholeNameRegex,
  type FramedRecord,
} from "../../../processors/kafka/records";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const texts = (bufs: Buffer[]): string[] => bufs.map((x) => x.toString("utf8"));

describe("demarcation", () => {
  it("parses escapes in the configured demarcator", () => {
    expect(parseDemarcator("\\n").toString()).toBe("\n");
    expect(parseDemarcator("\\r\\n").toString()).toBe("\r\n");
    expect(parseDemarcator("\\t|\\\\").toString()).toBe("\t|\\");
    expect(parseDemarcator("---").toString()).toBe("---");
  });

  it("splits at every demarcator; a trailing one adds no empty record, inner empties stay", () => {
    const nl = b("\n");
    expect(texts(splitDemarcated(b("a\nb\nc"), nl))).toEqual(["a", "b", "c"]);
    expect(texts(splitDemarcated(b("a\nb\n"), nl))).toEqual(["a", "b"]);
    expect(texts(splitDemarcated(b("a\n\nb"), nl))).toEqual(["a", "", "b"]);
    expect(texts(splitDemarcated(b("\na"), nl))).toEqual(["", "a"]);
    expect(splitDemarcated(b(""), nl)).toEqual([]);
    expect(texts(splitDemarcated(b("no demarcator"), nl))).toEqual(["no demarcator"]);
  });

  it("splits on multi-byte demarcators without matching their parts", () => {
    expect(texts(splitDemarcated(b("a||b|c||"), b("||")))).toEqual(["a", "b|c"]);
    expect(texts(splitDemarcated(b("x€y€z"), b("€")))).toEqual(["x", "y", "z"]);
  });

  it("joins values with the demarcator between them, null values as empty", () => {
    expect(joinDemarcated([b("a"), null, b("c")], b("\n")).toString()).toBe("a\n\nc");
    expect(joinDemarcated([], b("\n")).length).toBe(0);
    const parts = [b("x"), b("y"), b("z")];
    expect(texts(splitDemarcated(joinDemarcated(parts, b("\n")), b("\n")))).toEqual(["x", "y", "z"]);
  });
});

describe("framed record batches", () => {
  const records: FramedRecord[] = [
    { offset: 0, timestamp: 1_700_000_000_000, key: b("k1"), value: b("v1"), headers: [["trace.id", b("t1")]] },
    { offset: 7, timestamp: -1, key: null, value: null, headers: [] },
    { offset: 2 ** 40, timestamp: 5, key: Buffer.alloc(0), value: Buffer.from([0, 1, 2, 255]), headers: [["dup", b("a")], ["dup", b("b")], ["ünï", b("€")]] },
  ];

  it("round-trips keys, values, nulls, offsets, timestamps and repeated headers", () => {
    const enc = encodeFramed(records);
    expect(isFramed(enc)).toBe(true);
    const dec = decodeFramed(enc);
    expect(dec).toHaveLength(3);
    dec.forEach((r, i) => {
      const want = records[i] as FramedRecord;
      expect(r.offset).toBe(want.offset);
      expect(r.timestamp).toBe(want.timestamp);
      expect(r.key === null ? null : Buffer.from(r.key)).toEqual(want.key);
      expect(r.value === null ? null : Buffer.from(r.value)).toEqual(want.value);
      expect(r.headers.map(([n, v]) => [n, v.toString("utf8")])).toEqual(want.headers.map(([n, v]) => [n, v.toString("utf8")]));
    });
  });

  it("an empty batch is just the magic", () => {
    expect(decodeFramed(encodeFramed([]))).toEqual([]);
  });

  it("rejects other content and truncated batches with a message", () => {
    expect(isFramed(b("hello"))).toBe(false);
    expect(() => decodeFramed(b("hello"))).toThrow(/not a framed Kafka record batch/);
    const enc = encodeFramed(records);
    expect(() => decodeFramed(enc.subarray(0, enc.length - 3))).toThrow(/truncated/);
  });

  it("converts kafkajs headers to an ordered list and back", () => {
    const list = headerList({ a: "x", b: [b("1"), "2"], c: undefined });
    expect(list.map(([n, v]) => `${n}=${v.toString()}`)).toEqual(["a=x", "b=1", "b=2"]);
    const back = headersFromList(list);
    expect(back?.a?.toString()).toBe("x");
    expect((back?.b as Buffer[]).map((x) => x.toString())).toEqual(["1", "2"]);
    expect(headersFromList([])).toBeUndefined();
  });
});

describe("keys", () => {
  it("encodes and decodes keys in utf-8, hex and base64", () => {
    const key = Buffer.from([0x6b, 0x31, 0xff, 0x00]);
    for (const enc of ["utf-8", "hex", "base64"] as const) {
      if (enc === "utf-8") continue;
      expect(decodeKey(encodeKey(key, enc), enc)).toEqual(key);
    }
    expect(encodeKey(b("order-1"), "utf-8")).toBe("order-1");
    expect(encodeKey(b("ab"), "hex")).toBe("6162");
    expect(encodeKey(b("ab"), "base64")).toBe("YWI=");
  });

  it("rejects text that is not valid in the encoding", () => {
    expect(() => decodeKey("xyz", "hex")).toThrow(/not hexadecimal/);
    expect(() => decodeKey("abc", "hex")).toThrow(/not hexadecimal/);
    expect(() => decodeKey("a$b=", "base64")).toThrow(/not base64/);
  });
});

describe("headers and attributes", () => {
  it("maps headers whose whole name matches to attributes (last value of a repeated header)", () => {
    const out: Record<string, string> = {};
    headersToAttributes({ "trace.id": b("t1"), "trace.span": "s", other: b("o"), multi: [b("1"), b("2")] }, wholeNameRegex("trace\\..*|multi"), out);
    expect(out).toEqual({ "trace.id": "t1", "trace.span": "s", multi: "2" });
    const none: Record<string, string> = {};
    headersToAttributes({ a: "1" }, null, none);
    expect(none).toEqual({});
  });

  it("maps attributes whose whole name matches to headers", () => {
    expect(attributesToHeaders({ relayed: "true", "trace.id": "t", uuid: "u", relayedx: "no" }, wholeNameRegex("relayed|trace\\..*"))).toEqual({ relayed: "true", "trace.id": "t" });
    expect(attributesToHeaders({ a: "1" }, null)).toBeUndefined();
    expect(attributesToHeaders({ a: "1" }, wholeNameRegex("b"))).toBeUndefined();
  });

  it("anchors patterns to the whole name", () => {
    expect(wholeNameRegex("id")?.test("trace.id")).toBe(false);
    expect(wholeNameRegex("")).toBeNull();
    expect(() => wholeNameRegex("(")).toThrow();
  });
});

describe("partitioner", () => {
  // Apache Kafka's UtilsTest.testMurmur2 vectors; the Java client's partition for a key is
  // toPositive(murmur2(key)) % partitions, toPositive(x) = x & 0x7fffffff.
  const JAVA_MURMUR2: Record<string, number> = {
    "21": -973932308,
    foobar: -790332482,
    "a-little-bit-long-string": -985981536,
    "a-little-bit-longer-string": -1486304829,
    lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
    abc: 479470107,
  };

  it("puts keyed records on the partition the Java client would", () => {
    for (const [key, hash] of Object.entries(JAVA_MURMUR2)) {
      for (const n of [1, 3, 7, 12, 100]) {
        expect(partitionForKey(key, n), `${key} over ${n} partitions`).toBe((hash & 0x7fffffff) % n);
        expect(partitionForKey(Buffer.from(key), n)).toBe((hash & 0x7fffffff) % n);
      }
    }
  });

  it("is stable per key and spreads keys over partitions", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(`k${i}`, 3);
      expect(partitionForKey(`k${i}`, 3)).toBe(p);
      counts[p]! += 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(250);
  });
});
