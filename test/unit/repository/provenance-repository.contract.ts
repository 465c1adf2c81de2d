/**
 * The ProvenanceRepository contract (engine/core/provenance.ts) as one suite, run against every
 * implementation by provenance-repository.test.ts (n8n style). Behaviour only a durable
 * repository has (reopening, refusing input it cannot store) runs when the implementation says
 * it is durable.
 */
import { afterEach, describe, expect, it } from "vitest";
import { expandGroup, type ProvenanceEventGroup, type ProvenanceEventInput, type ProvenanceEventType, type ProvenanceRepository } from "../../../engine/core/provenance";

/** A plausible event; every field can be overridden. */
export function event(type: ProvenanceEventType, flowFileUuid: string, overrides: Partial<ProvenanceEventInput> = {}): ProvenanceEventInput {
  const attributes = overrides.attributes ?? { uuid: flowFileUuid, filename: `${flowFileUuid}.txt` };
  return {
    type,
    timestamp: 1_700_000_000_000,
    flowFileUuid,
    fileSize: 10,
    lineageStartDate: 1_700_000_000_000,
    componentId: "proc-1",
    componentType: "UpdateAttribute",
    parentUuids: [],
    childUuids: [],
    previousAttributes: {},
    updatedAttributes: {},
    attributes,
    previousClaim: null,
    currentClaim: { resource: "3/19", offset: 100, length: 10 },
    relationship: null,
    details: null,
    transitUri: null,
    sourceQueueId: null,
    ...overrides,
  };
}

/** A hop's group of `n` FlowFiles `<prefix>-<i>`; every field can be overridden. */
export function group(type: ProvenanceEventType, prefix: string, n: number, overrides: Partial<ProvenanceEventGroup> = {}): ProvenanceEventGroup {
  return {
    type,
    timestamp: 1_700_000_000_500,
    componentId: "proc-2",
    componentType: "UpdateAttribute",
    relationship: null,
    details: "received from node n-2 (batch b-1)",
    transitUri: "sluice-cluster://flow-1/conn-1",
    sourceQueueId: "conn-1",
    created: true,
    flowFiles: Array.from({ length: n }, (_, i) => {
      const uuid = `${prefix}-${i}`;
      return {
        uuid,
        size: 10 + i,
        lineageStartDate: 1_700_000_000_000 - i,
        attributes: { filename: `${uuid}.txt`, uuid, "kafka.key": i % 2 ? "odd" : "ëven ✓" },
        claim: i === 1 ? null : { resource: "4/2", offset: 100 * i, length: 10 + i },
      };
    }),
    previousClaims: null,
    ...overrides,
  };
}

export interface ProvenanceHarness {
  /** Opens a repository; a durable harness opens each one over the same storage. */
  open(): ProvenanceRepository;
  /** Closes what it opened and removes its storage. */
  dispose(): Promise<void>;
}

export interface ProvenanceImplementation {
  readonly name: string;
  /** True when events survive a reopen. */
  readonly durable: boolean;
  /** A harness over fresh storage. */
  harness(): ProvenanceHarness;
}

export function describeProvenanceRepository(impl: ProvenanceImplementation): void {
  const { durable } = impl;
  describe(`ProvenanceRepository contract: ${impl.name}`, () => {
    let harness: ProvenanceHarness;
    const open = (): ProvenanceRepository => {
      harness = impl.harness();
      return harness.open();
    };
    afterEach(() => harness.dispose());

    it("assigns ids in call order from 0 and returns each event as registered", async () => {
      const repo = open();
      expect(repo.maxEventId()).toBe(-1);
      const inputs = [
        event("CREATE", "ff-1", { updatedAttributes: { uuid: "ff-1", filename: "ff-1.txt" } }),
        event("ATTRIBUTES_MODIFIED", "ff-1", {
          previousAttributes: { filename: "ff-1.txt", gone: "x", added: null },
          updatedAttributes: { filename: "renamed.txt", gone: null, added: "yes" },
          attributes: { uuid: "ff-1", filename: "renamed.txt", added: "yes" },
        }),
        event("SEND", "ff-1", {
          transitUri: "kafka://broker:9092/orders",
          details: "line one\nline \"two\" ünïcødé ✓ 𝄞",
          relationship: "success",
          sourceQueueId: "conn-7",
          previousClaim: { resource: "3/19", offset: 100, length: 10 },
          currentClaim: null,
          fileSize: 2 ** 40,
          timestamp: 1_700_000_000_999,
        }),
      ];
      repo.register(inputs.slice(0, 2));
      repo.register(inputs.slice(2));
      expect(repo.maxEventId()).toBe(2);
      repo.flush();
      for (const [i, input] of inputs.entries()) {
        expect(await repo.getEvent(i)).toEqual({ ...input, eventId: i });
      }
      expect(await repo.getEvent(3)).toBeNull();
      expect(await repo.getEvent(-1)).toBeNull();
    });

    it("registers a group as its events, after the call's single events, with consecutive ids", async () => {
      const repo = open();
      const single = [event("CREATE", "s-0"), event("DROP", "s-0")];
      const receives = group("RECEIVE", "r", 3);
      const sends = group("SEND", "s", 2, {
        created: false,
        relationship: "success",
        details: null,
        sourceQueueId: null,
        previousClaims: [null, { resource: "1/1", offset: 0, length: 4 }],
      });
      repo.register(single, [receives, sends]);
      expect(repo.maxEventId()).toBe(6);
      repo.flush();
      const expected = [...single, ...expandGroup(receives), ...expandGroup(sends)];
      for (const [i, input] of expected.entries()) expect(await repo.getEvent(i)).toEqual({ ...input, eventId: i });
      // What a RECEIVE creates: every attribute is updated; a SEND changes none.
      expect((await repo.getEvent(3))!.updatedAttributes).toEqual(receives.flowFiles[1]!.attributes);
      expect((await repo.getEvent(6))!.updatedAttributes).toEqual({});
      expect((await repo.getEvent(6))!.previousClaim).toEqual({ resource: "1/1", offset: 0, length: 4 });
      expect(await repo.getEvent(7)).toBeNull();
      // Found like any event: by FlowFile, type, component and indexed attribute.
      expect((await repo.search({ flowFileUuid: "r-2" })).map((e) => e.eventId)).toEqual([4]);
      expect((await repo.search({ type: "RECEIVE" })).map((e) => e.eventId)).toEqual([4, 3, 2]);
      expect((await repo.search({ componentId: "proc-2", attributes: { filename: "s-1.txt" } })).map((e) => e.eventId)).toEqual([6]);
      expect((await repo.search({ attributes: { "kafka.key": "odd" } })).map((e) => e.flowFileUuid)).toEqual(["s-1", "r-1"]);
      expect((await repo.lineage("s-0")).events.map((e) => [e.eventId, e.type])).toEqual([
        [0, "CREATE"],
        [1, "DROP"],
        [5, "SEND"],
      ]);
    });

    it("registers the groups given as `before` ahead of the call's single events", async () => {
      const repo = open();
      const creates = group("CREATE", "c", 3, { relationship: null, details: null, transitUri: null, sourceQueueId: null, previousClaims: [null, null, null] });
      const sends = group("SEND", "c", 0, { created: false, flowFiles: creates.flowFiles.slice(0, 2) });
      const single = [event("DROP", "c-2"), event("ROUTE", "x")];
      repo.register(single, [sends], [creates]);
      expect(repo.maxEventId()).toBe(6);
      repo.flush();
      const expected = [...expandGroup(creates), ...single, ...expandGroup(sends)];
      for (const [i, input] of expected.entries()) expect(await repo.getEvent(i)).toEqual({ ...input, eventId: i });
      expect((await repo.getEvent(0))!.previousClaim).toBeNull();
      expect((await repo.getEvent(0))!.updatedAttributes).toEqual(creates.flowFiles[0]!.attributes);
      expect((await repo.lineage("c-0")).events.map((e) => [e.eventId, e.type])).toEqual([
        [0, "CREATE"],
        [5, "SEND"],
      ]);
    });

    it("keeps values that are not what the contract promises (updated value differs from attributes, empty strings)", async () => {
      const repo = open();
      const odd = event("ATTRIBUTES_MODIFIED", "", {
        updatedAttributes: { a: "new", "": "" },
        previousAttributes: { a: "old" },
        attributes: { a: "different", "": "" },
        componentId: "",
        fileSize: 1.5,
        lineageStartDate: -5,
      });
      repo.register([odd]);
      repo.flush();
      expect(await repo.getEvent(0)).toEqual({ ...odd, eventId: 0 });
    });

    it("searches by FlowFile, component, type, time range and attribute values, newest first", async () => {
      const repo = open();
      const t0 = 1_700_000_000_000;
      const inputs: ProvenanceEventInput[] = [];
      for (let i = 0; i < 30; i++) {
        const ff = `ff-${i % 5}`;
        inputs.push(
          event(i % 3 === 0 ? "RECEIVE" : i % 3 === 1 ? "ROUTE" : "SEND", ff, {
            timestamp: t0 + i * 1000,
            componentId: `proc-${i % 2}`,
            attributes: { uuid: ff, filename: `file-${i % 4}.json`, "mime.type": "application/json", color: i % 2 ? "red" : "blue" },
          }),
        );
      }
      repo.register(inputs);
      repo.flush();
      const ids = async (query: Parameters<ProvenanceRepository["search"]>[0]): Promise<number[]> =>
        (await repo.search(query)).map((e) => e.eventId);
      const expected = (pred: (e: ProvenanceEventInput, i: number) => boolean): number[] =>
        inputs.flatMap((e, i) => (pred(e, i) ? [i] : [])).reverse();

      expect(await ids({})).toEqual(expected(() => true));
      expect(await ids({ flowFileUuid: "ff-2" })).toEqual(expected((e) => e.flowFileUuid === "ff-2"));
      expect(await ids({ componentId: "proc-1" })).toEqual(expected((e) => e.componentId === "proc-1"));
      expect(await ids({ type: "SEND" })).toEqual(expected((e) => e.type === "SEND"));
      expect(await ids({ type: "DROP" })).toEqual([]);
      // Inclusive bounds.
      expect(await ids({ startTime: t0 + 5000, endTime: t0 + 9000 })).toEqual([9, 8, 7, 6, 5]);
      expect(await ids({ startTime: t0 + 28_000 })).toEqual([29, 28]);
      expect(await ids({ endTime: t0 + 1000 })).toEqual([1, 0]);
      // An indexed attribute (filename) and one that is not indexed by default (color).
      expect(await ids({ attributes: { filename: "file-3.json" } })).toEqual(expected((e) => e.attributes.filename === "file-3.json"));
      expect(await ids({ attributes: { color: "red" } })).toEqual(expected((e) => e.attributes.color === "red"));
      expect(await ids({ attributes: { filename: "nope.json" } })).toEqual([]);
      // Criteria combine with AND.
      expect(await ids({ flowFileUuid: "ff-1", type: "ROUTE", attributes: { "mime.type": "application/json", color: "red" } })).toEqual(
        expected((e) => e.flowFileUuid === "ff-1" && e.type === "ROUTE" && e.attributes.color === "red"),
      );
      expect(await ids({ componentId: "proc-0", startTime: t0 + 10_000, endTime: t0 + 20_000, limit: 3 })).toEqual([20, 18, 16]);
    });

    it("limits results to 1000 by default, newest first", async () => {
      const repo = open();
      repo.register(Array.from({ length: 1100 }, (_, i) => event("ROUTE", `ff-${i}`)));
      repo.flush();
      const all = await repo.search({});
      expect(all.length).toBe(1000);
      expect(all[0]!.eventId).toBe(1099);
      expect(all.at(-1)!.eventId).toBe(100);
      expect((await repo.search({ limit: 5 })).map((e) => e.eventId)).toEqual([1099, 1098, 1097, 1096, 1095]);
      expect(await repo.search({ limit: 0 })).toEqual([]);
    });

    it("sees events registered after earlier queries once flushed", async () => {
      const repo = open();
      repo.register([event("CREATE", "a")]);
      repo.flush();
      expect((await repo.search({})).length).toBe(1);
      repo.register([event("DROP", "a")]);
      repo.flush();
      expect((await repo.search({ flowFileUuid: "a" })).map((e) => e.type)).toEqual(["DROP", "CREATE"]);
    });

    it("follows parents and children transitively through FORK, CLONE, JOIN and REPLAY", async () => {
      const repo = open();
      repo.register([
        event("RECEIVE", "A"), // 0
        event("FORK", "A", { childUuids: ["B", "C"] }), // 1
        event("FORK", "B", { parentUuids: ["A"] }), // 2
        event("FORK", "C", { parentUuids: ["A"] }), // 3
        event("CLONE", "B", { childUuids: ["D"] }), // 4
        event("CLONE", "D", { parentUuids: ["B"] }), // 5
        event("JOIN", "E", { parentUuids: ["C", "D"] }), // 6: no parent event names E
        event("SEND", "E"), // 7
        event("RECEIVE", "X"), // 8: unrelated
        event("DROP", "X"), // 9
        event("DROP", "A"), // 10
        event("REPLAY", "R", { parentUuids: ["E"] }), // 11
      ]);
      repo.flush();
      const edgeSet = (edges: Array<{ from: number; to: number; flowFileUuid: string }>): string[] =>
        edges.map((e) => `${e.from}>${e.to}:${e.flowFileUuid}`).sort();
      const expectedEdges = [
        "0>1:A", "1>10:A", "1>2:B", "1>3:C", "2>4:B", "4>5:D", "3>6:E", "5>6:E", "6>7:E", "7>11:R",
      ].sort();

      for (const start of ["A", "E", "D", "R"]) {
        const graph = await repo.lineage(start);
        expect(graph.flowFiles).toEqual(["A", "B", "C", "D", "E", "R"]);
        expect(graph.events.map((e) => e.eventId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 10, 11]);
        expect(edgeSet(graph.edges)).toEqual(expectedEdges);
      }
      const alone = await repo.lineage("X");
      expect(alone.flowFiles).toEqual(["X"]);
      expect(alone.events.map((e) => e.eventId)).toEqual([8, 9]);
      expect(edgeSet(alone.edges)).toEqual(["8>9:X"]);
      const unknown = await repo.lineage("nobody");
      expect(unknown.events).toEqual([]);
      expect(unknown.edges).toEqual([]);
    });

    it("answers getEvent with null for ids it does not hold", async () => {
      const repo = open();
      repo.register([event("CREATE", "a"), event("DROP", "a")]);
      repo.flush();
      for (const id of [2, 1000, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(await repo.getEvent(id)).toBeNull();
      expect((await repo.getEvent(1))?.type).toBe("DROP");
    });

    it("counts registered events in maxEventId before they are flushed", async () => {
      const repo = open();
      repo.register([]);
      expect(repo.maxEventId()).toBe(-1);
      repo.register([event("CREATE", "a"), event("ROUTE", "a")]);
      expect(repo.maxEventId()).toBe(1);
      repo.flush();
      expect(repo.maxEventId()).toBe(1);
      expect((await repo.search({})).map((e) => e.eventId)).toEqual([1, 0]);
    });

    it("orders search results by id, not by timestamp", async () => {
      const repo = open();
      const t0 = 1_700_000_000_000;
      repo.register([event("ROUTE", "a", { timestamp: t0 + 500 }), event("ROUTE", "b", { timestamp: t0 }), event("ROUTE", "c", { timestamp: t0 + 900 })]);
      repo.flush();
      expect((await repo.search({})).map((e) => e.flowFileUuid)).toEqual(["c", "b", "a"]);
      expect((await repo.search({ startTime: t0 + 100 })).map((e) => e.flowFileUuid)).toEqual(["c", "a"]);
      expect(await repo.search({ startTime: t0 + 1000, endTime: t0 })).toEqual([]);
    });

    it("matches attribute values exactly: an absent attribute matches no value, not even the empty one", async () => {
      const repo = open();
      repo.register([
        event("ROUTE", "a", { attributes: { uuid: "a", filename: "", color: "red" } }),
        event("ROUTE", "b", { attributes: { uuid: "b", color: "Red" } }),
      ]);
      repo.flush();
      const uuids = async (attributes: Record<string, string>): Promise<string[]> => (await repo.search({ attributes })).map((e) => e.flowFileUuid);
      expect(await uuids({ filename: "" })).toEqual(["a"]);
      expect(await uuids({ color: "red" })).toEqual(["a"]);
      expect(await uuids({ color: "Red" })).toEqual(["b"]);
      expect(await uuids({ shape: "" })).toEqual([]);
    });

    it("gives the lineage of a FlowFile without events as that FlowFile alone", async () => {
      const repo = open();
      repo.register([event("CREATE", "a")]);
      repo.flush();
      expect(await repo.lineage("nobody")).toEqual({ flowFiles: ["nobody"], events: [], edges: [] });
    });

    it("close flushes, is idempotent, and ends the repository (maxEventId still answers)", async () => {
      const repo = open();
      repo.register([event("CREATE", "a"), event("SEND", "a")]);
      await repo.close();
      await repo.close();
      expect(repo.maxEventId()).toBe(1);
      expect(() => repo.register([event("DROP", "a")])).toThrow(/closed/);
      expect(() => repo.flush()).toThrow(/closed/);
      await expect(repo.getEvent(0)).rejects.toThrow(/closed/);
      await expect(repo.search({})).rejects.toThrow(/closed/);
      await expect(repo.lineage("a")).rejects.toThrow(/closed/);
      expect(repo.maxEventId()).toBe(1);
    });

    it.runIf(durable)("keeps every event registered before close across a restart, and continues its ids", async () => {
      const first = open();
      first.register([event("CREATE", "a"), event("ROUTE", "a")]);
      first.flush();
      first.register([event("SEND", "a")]);
      await first.close();
      const second = harness.open();
      expect(second.maxEventId()).toBe(2);
      second.register([event("DROP", "a")]);
      second.flush();
      expect((await second.search({ flowFileUuid: "a" })).map((e) => [e.eventId, e.type])).toEqual([
        [3, "DROP"],
        [2, "SEND"],
        [1, "ROUTE"],
        [0, "CREATE"],
      ]);
      expect((await second.lineage("a")).events.map((e) => e.eventId)).toEqual([0, 1, 2, 3]);
    });

    it.runIf(durable)("continues ids after a group across a restart", async () => {
      const first = open();
      first.register([event("CREATE", "a")], [group("SEND", "g", 4, { created: false })]);
      await first.close();
      const second = harness.open();
      expect(second.maxEventId()).toBe(4);
      second.register([], [group("RECEIVE", "g", 2)]);
      second.flush();
      expect((await second.search({ flowFileUuid: "g-1" })).map((e) => [e.eventId, e.type])).toEqual([
        [6, "RECEIVE"],
        [2, "SEND"],
      ]);
    });

    it.runIf(durable)("registers none of a call's events when one of them cannot be stored", async () => {
      const repo = open();
      repo.register([event("CREATE", "a")]);
      const bad = event("ROUTE", "b", { attributes: { uuid: "b", count: 3 as unknown as string } });
      expect(() => repo.register([event("ROUTE", "a"), bad])).toThrow(TypeError);
      // …or when a group holds one, or holds none.
      const badGroup = group("RECEIVE", "b", 2);
      const members = [...badGroup.flowFiles];
      members[1] = { ...members[1]!, attributes: { uuid: "b-1", count: 3 as unknown as string } };
      expect(() => repo.register([event("ROUTE", "a")], [group("SEND", "c", 2), { ...badGroup, flowFiles: members }])).toThrow(TypeError);
      expect(() => repo.register([], [group("SEND", "d", 0)])).toThrow(TypeError);
      expect(repo.maxEventId()).toBe(0);
      repo.register([event("DROP", "a")]);
      repo.flush();
      expect((await repo.search({})).map((e) => [e.eventId, e.type])).toEqual([
        [1, "DROP"],
        [0, "CREATE"],
      ]);
    });
  });
}
