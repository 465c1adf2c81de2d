// The provenance log record format: round trips through the rarely taken paths.
import { describe, expect, it } from "vitest";
import { PROVENANCE_EVENT_TYPES, expandGroup, type ProvenanceEventInput } from "../../../engine/core/provenance";
import {
  CorruptRecordError,
  EventEncoder,
  MAX_DICT_ENTRIES,
  RECORD_HEADER_BYTES,
  decodeRecord,
  decodeRecords,
  recordEventIds,
  scanRecord,
  scanRecords,
} from "../../../engine/repository/provenance/event-codec";
import { group } from "./provenance-repository.contract";

function event(overrides: Partial<ProvenanceEventInput> = {}): ProvenanceEventInput {
  return {
    type: "ROUTE",
    timestamp: 1_700_000_000_123,
    flowFileUuid: "0b6f4a8e-6f0e-4d38-9f5a-3c1f0f7e2a11",
    fileSize: 42,
    lineageStartDate: 1_700_000_000_000,
    componentId: "proc-1",
    componentType: "RouteOnAttribute",
    parentUuids: [],
    childUuids: [],
    previousAttributes: {},
    updatedAttributes: {},
    attributes: { filename: "a.txt" },
    previousClaim: null,
    currentClaim: { resource: "1/2", offset: 3, length: 42 },
    relationship: "matched",
    details: null,
    transitUri: null,
    sourceQueueId: null,
    ...overrides,
  };
}

/** Decodes every event of every record of `bytes` in order, as the index worker reads them. */
function decodeAll(bytes: Buffer): Array<ReturnType<typeof decodeRecord>> {
  const dict: string[] = [];
  const out: Array<ReturnType<typeof decodeRecord>> = [];
  for (let pos = 0; pos < bytes.length; ) {
    const length = bytes.readUInt32LE(pos);
    out.push(...decodeRecords(bytes, pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length, dict));
    pos += RECORD_HEADER_BYTES + length;
  }
  return out;
}

/** [start, end) of each record's payload in `bytes`. */
function records(bytes: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let pos = 0; pos < bytes.length; ) {
    const length = bytes.readUInt32LE(pos);
    out.push([pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length]);
    pos += RECORD_HEADER_BYTES + length;
  }
  return out;
}

describe("provenance record codec", () => {
  it("round-trips numbers of every kind", () => {
    const encoder = new EventEncoder(16);
    const values = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, 0.5, -1e300, Number.MAX_VALUE];
    values.forEach((v, i) => encoder.encode(event({ fileSize: v, timestamp: v, lineageStartDate: v }), i));
    const decoded = decodeAll(encoder.bytes());
    expect(decoded.map((e) => [e.eventId, e.fileSize, e.timestamp, e.lineageStartDate])).toEqual(values.map((v, i) => [i, v, v, v]));
  });

  it("round-trips long and non-ASCII strings, growing its buffer", () => {
    const encoder = new EventEncoder(16);
    const long = "x".repeat(100_000);
    const unicode = "naïve ✓ 𝄞 ".repeat(20);
    const input = event({ details: long, transitUri: unicode, attributes: { [unicode]: long, short: "é" }, componentId: unicode });
    encoder.encode(input, 7);
    expect(decodeAll(encoder.bytes())).toEqual([{ ...input, eventId: 7 }]);
  });

  it("writes maps with more than 16383 entries", () => {
    const encoder = new EventEncoder();
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) attributes[`k${i}`] = `v${i}`;
    const input = event({ attributes, updatedAttributes: { ...attributes } });
    encoder.encode(input, 0);
    encoder.encode(event(), 1);
    const decoded = decodeAll(encoder.bytes());
    expect(decoded[0]).toEqual({ ...input, eventId: 0 });
    expect(decoded[1]!.eventId).toBe(1);
  });

  it("writes strings literally once the dictionary is full, and starts over after a reset", () => {
    const encoder = new EventEncoder();
    for (let i = 0; i < MAX_DICT_ENTRIES + 10; i++) encoder.encode(event({ componentId: `c${i}`, attributes: {} }), i);
    const decoded = decodeAll(encoder.bytes());
    expect(decoded.length).toBe(MAX_DICT_ENTRIES + 10);
    expect(decoded.at(-1)!.componentId).toBe(`c${MAX_DICT_ENTRIES + 9}`);
    encoder.clear();
    encoder.resetDictionary();
    encoder.encode(event({ componentId: "c1" }), 0);
    expect(decodeAll(encoder.bytes())[0]!.componentId).toBe("c1");
  });

  it("rolls back a batch, including its dictionary entries", () => {
    const encoder = new EventEncoder();
    encoder.encode(event({ componentId: "kept" }), 0);
    const mark = encoder.mark();
    encoder.encode(event({ componentId: "dropped" }), 1);
    expect(() => encoder.encode(event({ attributes: { n: 5 as unknown as string } }), 2)).toThrow(TypeError);
    encoder.rollback(mark);
    encoder.encode(event({ componentId: "dropped" }), 1);
    expect(decodeAll(encoder.bytes()).map((e) => [e.eventId, e.componentId])).toEqual([
      [0, "kept"],
      [1, "dropped"],
    ]);
  });

  it("scans the indexed fields, including an attribute equal to the uuid", () => {
    const encoder = new EventEncoder();
    const uuid = "u-1";
    encoder.encode(event({ flowFileUuid: uuid, attributes: { uuid, filename: "f.csv", other: "x" }, parentUuids: ["p"], childUuids: ["c1", "c2"] }), 5);
    const bytes = encoder.bytes();
    const scanned = scanRecord(bytes, RECORD_HEADER_BYTES, bytes.length, [], ["filename", "uuid", "missing"]);
    expect(scanned).toEqual({
      eventId: 5,
      type: 11,
      timestamp: 1_700_000_000_123,
      flowFileUuid: uuid,
      componentId: "proc-1",
      parentUuids: ["p"],
      childUuids: ["c1", "c2"],
      indexedValues: ["f.csv", uuid, undefined],
    });
  });

  it("writes a details or transit URI that repeats the previous event's once, and one-offs literally", () => {
    const encoder = new EventEncoder();
    const transitUri = "sluice-cluster://flow-1/connection-with-a-long-id-0123456789abcdef";
    const details = "received from node n2 (batch 3f2a9c-0-0), a string long enough to matter";
    const inputs = Array.from({ length: 50 }, (_, i) =>
      event({ type: "RECEIVE", details: i === 20 ? `one-off ${i}` : details, transitUri: i === 30 ? null : transitUri }),
    );
    inputs.forEach((e, i) => encoder.encode(e, i));
    const bytes = Buffer.from(encoder.bytes());
    expect(decodeAll(bytes)).toEqual(inputs.map((e, i) => ({ ...e, eventId: i })));
    // Written in full at most twice each (the first time literally, then once defined).
    const text = bytes.toString("latin1");
    expect(text.split(details).length - 1).toBe(2);
    expect(text.split(transitUri).length - 1).toBe(2);
    // A value that changes every event never enters the dictionary.
    const oneOffs = new EventEncoder();
    for (let i = 0; i < 10; i++) oneOffs.encode(event({ details: `unique ${i}` }), i);
    const dict: string[] = [];
    const all = oneOffs.bytes();
    for (let pos = 0; pos < all.length; ) {
      const length = all.readUInt32LE(pos);
      decodeRecord(all, pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length, dict);
      pos += RECORD_HEADER_BYTES + length;
    }
    expect(dict.some((s) => s.startsWith("unique"))).toBe(false);
  });

  it("leaves out an updatedAttributes that is every attribute and a currentClaim equal to the previous one, and reads records written before", () => {
    const attributes = { uuid: "u-2", filename: "f.csv", "mime.type": "text/csv" };
    const claim = { resource: "7/9", offset: 1024, length: 42 };
    // A RECEIVE: every attribute is "updated", the content is the one it came with.
    const receive = event({ type: "RECEIVE", flowFileUuid: "u-2", attributes, updatedAttributes: attributes, previousClaim: claim, currentClaim: { ...claim } });
    // The same event with a copy of the map and another claim: written in full.
    const full = event({ type: "RECEIVE", flowFileUuid: "u-2", attributes, updatedAttributes: { ...attributes }, previousClaim: claim, currentClaim: { ...claim, offset: 2048 } });
    const one = (e: ProvenanceEventInput): Buffer => {
      const encoder = new EventEncoder();
      // The first use of each string defines it; measure a later use, as in a running log.
      encoder.encode(full, 0);
      const before = encoder.length;
      encoder.encode(e, 1);
      return Buffer.from(encoder.bytes().subarray(before));
    };
    const small = one(receive);
    const big = one(full);
    expect(small.length).toBeLessThanOrEqual(big.length - 3 - Object.keys(attributes).length * 2);
    const encoder = new EventEncoder();
    encoder.encode(receive, 3);
    encoder.encode(full, 4);
    const [a, b] = decodeAll(Buffer.from(encoder.bytes()));
    expect(a).toEqual({ ...receive, eventId: 3, updatedAttributes: { ...attributes }, currentClaim: claim });
    expect(b).toEqual({ ...full, eventId: 4 });
    const scanned = scanRecord(encoder.bytes(), RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + encoder.bytes().readUInt32LE(0), [], ["filename"]);
    expect(scanned.type).toBe(1);
    expect(scanned.indexedValues).toEqual(["f.csv"]);
    // A record as written before the flags existed (the ROUTE event of `event()`: a type byte
    // without flags, both maps and both claims, here written by hand) still reads.
    const old = Buffer.from([
      ...[2], // eventId 1
      ...[11], // ROUTE, no flags
      ...[4], // timestamp 3
      ...[4 * 2 + 2, ...Buffer.from("u3")], // literal uuid
      ...[43, 1, 5 * 4 + 3, ...Buffer.from("p-old"), 1 * 4 + 1, 0, 0], // size 42, lineage 0, componentId (defined: id 2), componentType (id 1), no parents, no children
      ...[0x81, 0x00, 2 * 4 + 3, ...Buffer.from("fn"), 1 * 4 + 2, ...Buffer.from("x")], // attributes {fn: "x"}
      ...[0x80, 0x00], // previousAttributes {}
      ...[0x81, 0x00, 3 * 4 + 1, 1 * 4 + 0], // updatedAttributes {fn: same as attribute}
      ...[1, 3 * 4 + 3, ...Buffer.from("1/2"), 4, 43], // previousClaim 1/2@3+42
      ...[1, 4 * 4 + 1, 5, 43], // currentClaim 1/2@4+42
      ...[0, 0, 0, 0], // relationship, details, transitUri, sourceQueueId: null
    ]);
    expect(decodeRecord(old, 0, old.length, ["dictionary entry 0", "OldType"])).toEqual({
      eventId: 1,
      type: "ROUTE",
      timestamp: 3,
      flowFileUuid: "u3",
      fileSize: 42,
      lineageStartDate: 0,
      componentId: "p-old",
      componentType: "OldType",
      parentUuids: [],
      childUuids: [],
      attributes: { fn: "x" },
      previousAttributes: {},
      updatedAttributes: { fn: "x" },
      previousClaim: { resource: "1/2", offset: 3, length: 42 },
      currentClaim: { resource: "1/2", offset: 4, length: 42 },
      relationship: null,
      details: null,
      transitUri: null,
      sourceQueueId: null,
    });
  });

  it("writes the same bytes when it copies a FlowFile's fields from its previous event", () => {
    // CREATE then SEND of each FlowFile, as a source's session that hands over to a distributed
    // connection records them: one attributes map, one timestamp, one component, and empty
    // lists (the CREATE's parents a list of its own: equal lists need not be one array).
    const none: string[] = [];
    const events: ProvenanceEventInput[] = [];
    for (let i = 0; i < 5; i++) {
      const uuid = `ff-${i}`;
      const attributes = { uuid, filename: `file-${i}.bin`, "mime.type": "application/octet-stream", ...(i === 3 ? { extra: "new name" } : {}) };
      const claim = { resource: "1/1", offset: i * 10, length: 10 };
      const same = { flowFileUuid: uuid, attributes, parentUuids: none, childUuids: none };
      events.push(event({ ...same, parentUuids: [], type: "CREATE", updatedAttributes: attributes, previousClaim: null, currentClaim: claim }));
      events.push(event({ ...same, type: "SEND", previousClaim: claim, currentClaim: claim, details: "handed over", transitUri: "sluice-cluster://f/c" }));
      // Another event of the same FlowFile whose timestamp differs: nothing to copy.
      if (i === 2) events.push(event({ ...same, type: "ROUTE", timestamp: 1_800_000_000_000 }));
    }
    const copying = new EventEncoder();
    events.forEach((e, i) => copying.encode(e, i));
    // The same events, each with its own copy of the map: the encoder cannot copy anything.
    const fresh = new EventEncoder();
    events.forEach((e, i) => {
      const attributes = { ...e.attributes };
      fresh.encode({ ...e, attributes, updatedAttributes: e.updatedAttributes === e.attributes ? attributes : e.updatedAttributes }, i);
    });
    expect(Buffer.from(copying.bytes()).equals(Buffer.from(fresh.bytes()))).toBe(true);
    // Copied: the SENDs of FlowFiles 1, 2 and 4. Not: FlowFile 0's and 3's, whose CREATE defined
    // dictionary entries (the first keys; "extra"), nor the ROUTE at another time.
    expect(copying.subjectCopies).toBe(3);
    expect(fresh.subjectCopies).toBe(0);
    expect(decodeAll(Buffer.from(copying.bytes())).map((e) => [e.type, e.flowFileUuid, e.attributes])).toEqual(events.map((e) => [e.type, e.flowFileUuid, e.attributes]));
    // After a rollback the copied-from bytes are overwritten (here the longer event id of the
    // next record lands on them): the next event is written in full.
    const encoder = new EventEncoder();
    encoder.encode(events[0]!, 0);
    const mark = encoder.mark();
    encoder.encode(events[2]!, 1);
    encoder.rollback(mark);
    encoder.encode(events[3]!, 100_000);
    const reference = new EventEncoder();
    reference.encode(events[0]!, 0);
    reference.encode({ ...events[3]!, attributes: { ...events[3]!.attributes } }, 100_000);
    expect(Buffer.from(encoder.bytes()).equals(Buffer.from(reference.bytes()))).toBe(true);
  });

  it("writes a group as one record holding its events, between single events sharing the dictionary", () => {
    const encoder = new EventEncoder(16);
    const receives = group("RECEIVE", "r", 3);
    const sends = group("SEND", "s", 2, { created: false, previousClaims: [{ resource: "9/9", offset: 1, length: 2 }, null], relationship: "success" });
    encoder.encode(event({ attributes: { filename: "a.txt", "kafka.key": "k" } }), 0);
    encoder.encodeGroup(receives, 1);
    encoder.encodeGroup(sends, 4);
    // Its strings (component, details, attribute names) defined in the group, referenced after it.
    encoder.encode(event({ componentId: "proc-2", details: "received from node n-2 (batch b-1)", attributes: { "kafka.key": "x" } }), 6);
    const bytes = encoder.bytes();
    expect(records(bytes)).toHaveLength(4);
    const expected = [
      { ...event({ attributes: { filename: "a.txt", "kafka.key": "k" } }), eventId: 0 },
      ...[...expandGroup(receives), ...expandGroup(sends)].map((e, i) => ({ ...e, eventId: 1 + i })),
      { ...event({ componentId: "proc-2", details: "received from node n-2 (batch b-1)", attributes: { "kafka.key": "x" } }), eventId: 6 },
    ];
    expect(decodeAll(bytes)).toEqual(expected);

    // The index's view: a row per member; a query's: any one member, with the dictionary read only.
    const dict: string[] = [];
    const scanned = records(bytes).flatMap(([start, end]) => scanRecords(bytes, start, end, dict, ["kafka.key", "uuid"]));
    expect(scanned.map((r) => [r.eventId, r.type, r.flowFileUuid, r.componentId, r.indexedValues])).toEqual(
      expected.map((e) => [e.eventId, PROVENANCE_EVENT_TYPES.indexOf(e.type), e.flowFileUuid, e.componentId, [e.attributes["kafka.key"], e.attributes.uuid]]),
    );
    const [start, end] = records(bytes)[2]!;
    const frozen = [...dict];
    expect(decodeRecord(bytes, start, end, frozen, false, 5)).toEqual(expected[5]);
    expect(decodeRecord(bytes, start, end, frozen, false, 4)).toEqual(expected[4]);
    expect(frozen).toEqual(dict);
    expect(() => decodeRecord(bytes, start, end, frozen, false, 6)).toThrow(CorruptRecordError);
    expect(recordEventIds(bytes, start, end)).toEqual({ first: 4, count: 2 });
    expect(recordEventIds(bytes, ...records(bytes)[3]!)).toEqual({ first: 6, count: 1 });
    // A group is not an event's record.
    expect(() => scanRecord(bytes, start, end, [...dict], [])).toThrow(CorruptRecordError);
  });

  it("writes a group by reference to an earlier group's members, and reads it back through a resolver", () => {
    const encoder = new EventEncoder(16);
    // The SENDs of a handover (claims kept, one changed), a single event, then the RECEIVEs of
    // two batches cut from it: members 0-2 and 3-4.
    const sends = group("SEND", "s", 5, { created: false, relationship: "success", details: null });
    encoder.encodeGroup(sends, 10);
    encoder.encode(event({ attributes: { filename: "b.txt" } }), 15);
    const batch = (from: number, n: number) => group("RECEIVE", "r", 0, { flowFiles: sends.flowFiles.slice(from, from + n) });
    const offsets = records(encoder.bytes()).map(([start]) => start - RECORD_HEADER_BYTES);
    const refsStart = encoder.length;
    encoder.encodeGroupReference(batch(0, 3), 16, refsStart - offsets[0]!, 0);
    encoder.encodeGroupReference(batch(3, 2), 19, encoder.length - offsets[0]!, 3);
    const bytes = encoder.bytes();
    // A reference costs its shared fields, not its members: none of their uuids or attributes.
    for (const ff of sends.flowFiles) expect(bytes.subarray(refsStart).includes(ff.attributes.filename!)).toBe(false);
    const resolve = (recordStart: number) => (back: number) => {
      const at = recordStart - RECORD_HEADER_BYTES - back;
      return at < 0 ? null : { buf: bytes, start: at + RECORD_HEADER_BYTES, end: at + RECORD_HEADER_BYTES + bytes.readUInt32LE(at) };
    };
    const expected = [
      ...expandGroup(sends).map((e, i) => ({ ...e, eventId: 10 + i })),
      { ...event({ attributes: { filename: "b.txt" } }), eventId: 15 },
      ...expandGroup(batch(0, 5)).map((e, i) => ({ ...e, eventId: 16 + i })),
    ];
    const dict: string[] = [];
    const decoded = records(bytes).flatMap(([start, end]) => decodeRecords(bytes, start, end, dict, true, resolve(start)));
    expect(decoded).toEqual(expected);
    // The index's rows, and one member of a reference with the dictionary read only.
    const scanDict: string[] = [];
    const scanned = records(bytes).flatMap(([start, end]) => scanRecords(bytes, start, end, scanDict, ["filename"], resolve(start)));
    expect(scanned.map((r) => [r.eventId, r.type, r.flowFileUuid, r.componentId, r.indexedValues])).toEqual(
      expected.map((e) => [e.eventId, PROVENANCE_EVENT_TYPES.indexOf(e.type), e.flowFileUuid, e.componentId, [e.attributes.filename]]),
    );
    expect(scanDict).toEqual(dict);
    const [start, end] = records(bytes)[3]!;
    expect(decodeRecord(bytes, start, end, [...dict], false, 20, resolve(start))).toEqual(expected[10]);
    expect(recordEventIds(bytes, start, end)).toEqual({ first: 19, count: 2 });
    // Without a resolver, or pointing at something that is not a full group holding the
    // members, the record is corrupt (never a wrong event).
    expect(() => decodeRecords(bytes, start, end, [...dict], false)).toThrow(CorruptRecordError);
    expect(() => scanRecords(bytes, start, end, [...dict], [], () => null)).toThrow(CorruptRecordError);
    const single = records(bytes)[1]!;
    expect(() => decodeRecords(bytes, start, end, [...dict], false, () => ({ buf: bytes, start: single[0], end: single[1] }))).toThrow(/not a group/);
    const firstRef = records(bytes)[2]!;
    expect(() => decodeRecords(bytes, start, end, [...dict], false, () => ({ buf: bytes, start: firstRef[0], end: firstRef[1] }))).toThrow(/by reference|members 3-4/);
  });

  it("refuses a group by reference that would change claims or has no earlier record", () => {
    const encoder = new EventEncoder(16);
    encoder.encodeGroup(group("SEND", "s", 2), 0);
    const mark = encoder.mark();
    expect(() => encoder.encodeGroupReference(group("RECEIVE", "r", 2, { previousClaims: [null, null] }), 2, 10, 0)).toThrow(TypeError);
    encoder.rollback(mark);
    expect(() => encoder.encodeGroupReference(group("RECEIVE", "r", 2), 2, 0, 0)).toThrow(TypeError);
    encoder.rollback(mark);
    expect(records(encoder.bytes())).toHaveLength(1);
  });

  it("rolls back a group with a value it cannot store, and refuses an empty one", () => {
    const encoder = new EventEncoder(16);
    encoder.encode(event(), 0);
    const before = Buffer.from(encoder.bytes());
    const bad = group("RECEIVE", "r", 2, { componentId: "new-component" });
    const members = [...bad.flowFiles];
    members[1] = { ...members[1]!, attributes: { "new-key": 5 as unknown as string } };
    const mark = encoder.mark();
    expect(() => encoder.encodeGroup({ ...bad, flowFiles: members }, 1)).toThrow(TypeError);
    encoder.rollback(mark);
    expect(() => encoder.encodeGroup(group("SEND", "s", 0), 1)).toThrow(TypeError);
    encoder.rollback(mark);
    expect(() => encoder.encodeGroup(group("SEND", "s", 2, { previousClaims: [null] }), 1)).toThrow(TypeError);
    encoder.rollback(mark);
    expect(Buffer.from(encoder.bytes()).equals(before)).toBe(true);
    // The dictionary forgot "new-component": a later use defines it again, and it reads back.
    encoder.encodeGroup(group("RECEIVE", "r", 1, { componentId: "new-component" }), 1);
    expect(decodeAll(encoder.bytes()).map((e) => e.componentId)).toEqual(["proc-1", "new-component"]);
  });

  it("rejects a truncated group and a group whose size is garbage", () => {
    const encoder = new EventEncoder();
    encoder.encodeGroup(group("RECEIVE", "r", 3), 0);
    const bytes = encoder.bytes();
    expect(() => decodeRecords(bytes, RECORD_HEADER_BYTES, bytes.length - 3, [])).toThrow(CorruptRecordError);
    expect(() => scanRecords(bytes, RECORD_HEADER_BYTES, bytes.length - 3, [], [])).toThrow(CorruptRecordError);
    const huge = Buffer.from(bytes);
    // The count is the byte after the first id (1 byte), the type byte and the member type.
    huge[RECORD_HEADER_BYTES + 3] = 0x7f;
    expect(() => decodeRecords(huge, RECORD_HEADER_BYTES, huge.length, [])).toThrow(/group size|ends early|trailing/);
  });

  it("rejects a truncated record", () => {
    const encoder = new EventEncoder();
    encoder.encode(event(), 0);
    const bytes = encoder.bytes();
    expect(() => decodeRecord(bytes, RECORD_HEADER_BYTES, bytes.length - 3, [])).toThrow(CorruptRecordError);
  });
});
