// Behaviour specific to the durable FileProvenanceRepository: restart, crash tails, retention, rolling.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandGroup, type ProvenanceEventInput, type ProvenanceEventType } from "../../../engine/core/provenance";
import {
  FileProvenanceRepository,
  parkedIndexThreadCount,
  type FileProvenanceRepositoryOptions,
} from "../../../engine/repository/provenance/file-provenance-repository";
import { event as contractEvent, group } from "./provenance-repository.contract";
import { until } from "../../integration/helpers/until";

const HOUR = 3_600_000;
const dirs: string[] = [];
const open: FileProvenanceRepository[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-prov-file-"));
  dirs.push(dir);
  return dir;
}

let indexThread: "worker" | "main" = "worker";

function repository(options: FileProvenanceRepositoryOptions): FileProvenanceRepository {
  const repo = new FileProvenanceRepository({ indexThread, ...options });
  open.push(repo);
  return repo;
}

/** The contract suite's event, with the attributes, claim and routing these tests index on. */
function event(type: ProvenanceEventType, flowFileUuid: string, extra: Partial<ProvenanceEventInput> = {}): ProvenanceEventInput {
  return contractEvent(type, flowFileUuid, {
    attributes: { uuid: flowFileUuid, filename: `${flowFileUuid}.txt`, "mime.type": "text/plain" },
    currentClaim: { resource: "0/1", offset: 0, length: 10 },
    relationship: "success",
    sourceQueueId: "conn-1",
    ...extra,
  });
}

function logFiles(dir: string): string[] {
  return fs.readdirSync(path.join(dir, "provenance")).filter((f) => f.endsWith(".log")).sort();
}

/** Deletes the index database, as if it were lost (the logs stay). */
function removeIndex(dir: string): void {
  for (const f of fs.readdirSync(path.join(dir, "provenance"))) {
    if (f.startsWith("index.db")) fs.rmSync(path.join(dir, "provenance", f));
  }
}

/**
 * Runs `check` on `first` (whose index read the log as it was flushed), then closes it, loses
 * its index, and runs `check` on a repository that rebuilds the index from the whole log.
 */
async function checkThenRebuilt(
  first: FileProvenanceRepository,
  dir: string,
  events: number,
  check: (repo: FileProvenanceRepository) => Promise<void>,
): Promise<void> {
  await check(first);
  await first.close();
  removeIndex(dir);
  const second = repository({ dir });
  expect(await second.waitForIndex()).toBe(events);
  await check(second);
}

afterEach(async () => {
  for (const repo of open.splice(0)) await repo.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(["worker", "main"] as const)("FileProvenanceRepository (index on the %s thread)", (thread) => {
  beforeEach(() => {
    indexThread = thread;
  });

  it("continues ids after reopening and still finds the old events", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    first.register([event("CREATE", "a"), event("ROUTE", "a"), event("SEND", "a")]);
    first.flush();
    await first.close();

    const second = repository({ dir });
    expect(second.maxEventId()).toBe(2);
    second.register([event("DROP", "a")]);
    second.flush();
    expect(second.maxEventId()).toBe(3);
    expect((await second.search({ flowFileUuid: "a" })).map((e) => [e.eventId, e.type])).toEqual([
      [3, "DROP"],
      [2, "SEND"],
      [1, "ROUTE"],
      [0, "CREATE"],
    ]);
    // Each start begins a new log file (an empty newest one is reused).
    expect(logFiles(dir).length).toBe(2);
    await second.close();
    const third = repository({ dir });
    expect(third.maxEventId()).toBe(3);
    await third.close();
    expect(logFiles(dir).length).toBe(3);
  });

  it("hands its index thread to the next repository opened, which indexes and finds only its own events", async () => {
    const one = tempDir();
    const two = tempDir();
    const first = repository({ dir: one });
    first.register([event("CREATE", "a"), event("DROP", "a")]);
    first.flush();
    expect((await first.search({ flowFileUuid: "a" })).length).toBe(2);
    await first.close();
    if (thread === "worker") expect(parkedIndexThreadCount()).toBe(1);

    const second = repository({ dir: two });
    if (thread === "worker") expect(parkedIndexThreadCount()).toBe(0);
    second.register([event("CREATE", "b"), event("ROUTE", "b"), event("DROP", "b")]);
    second.flush();
    expect((await second.search({})).map((e) => [e.eventId, e.flowFileUuid, e.type])).toEqual([
      [2, "b", "DROP"],
      [1, "b", "ROUTE"],
      [0, "b", "CREATE"],
    ]);
    expect(await second.search({ flowFileUuid: "a" })).toEqual([]);
    await second.close();

    const again = repository({ dir: one });
    expect((await again.search({})).map((e) => [e.flowFileUuid, e.type])).toEqual([
      ["a", "DROP"],
      ["a", "CREATE"],
    ]);
    await again.close();
    if (thread === "worker") expect(parkedIndexThreadCount()).toBe(1);
  });

  it("answers a query with everything flushed before it, whatever the index's batch delay", async () => {
    // A delay no test waits out: a query that waited for it would time out.
    const repo = repository({ dir: tempDir(), indexBatchDelayMs: 3_600_000 });
    for (let i = 0; i < 5; i++) {
      repo.register([event("CREATE", `f${i}`), event("DROP", `f${i}`)]);
      repo.flush();
      expect((await repo.search({ flowFileUuid: `f${i}` })).map((e) => e.type)).toEqual(["DROP", "CREATE"]);
    }
    repo.register([event("CREATE", "late")]);
    repo.flush();
    expect((await repo.search({ type: "CREATE", limit: 100 })).map((e) => e.flowFileUuid)).toEqual(["late", "f4", "f3", "f2", "f1", "f0"]);
  });

  it.runIf(thread === "worker" && process.platform === "linux")("indexes in the background (SCHED_IDLE, nice 10) while no query waits, and still answers queries", async () => {
    const repo = repository({ dir: tempDir() });
    repo.register([event("CREATE", "bg")]);
    repo.flush();
    expect(await repo.search({ flowFileUuid: "bg" })).toHaveLength(1);
    // /proc/<pid>/task/<tid>/stat: field 19 is the nice value, field 41 the policy (5 = SCHED_IDLE).
    const idleThreads = () =>
      fs.readdirSync("/proc/self/task").filter((tid) => {
        try {
          const fields = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
          return fields[41 - 3] === "5" && fields[19 - 3] === "10";
        } catch {
          return false;
        }
      });
    await until(() => "the index thread in the background", 10_000, () => idleThreads().length >= 1);
    repo.register([event("DROP", "bg")]);
    repo.flush();
    expect((await repo.search({ flowFileUuid: "bg" })).map((e) => e.type)).toEqual(["DROP", "CREATE"]);
  });

  it("does not write when nothing was registered", async () => {
    const dir = tempDir();
    const repo = repository({ dir });
    repo.register([event("CREATE", "a")]);
    repo.flush();
    const size = repo.storageBytes();
    expect(size).toBeGreaterThan(0);
    repo.flush();
    repo.flush();
    expect(repo.storageBytes()).toBe(size);
    expect(fs.statSync(path.join(dir, "provenance", logFiles(dir)[0]!)).size).toBe(size);
  });

  it("tolerates a torn last record after a crash: cuts it, forgets its index row, reuses its id", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    first.register(Array.from({ length: 10 }, (_, i) => event("ROUTE", `ff-${i}`)));
    first.flush();
    expect(await first.waitForIndex()).toBe(10); // the index has seen event 9 before the "crash"
    await first.close();
    const log = path.join(dir, "provenance", logFiles(dir)[0]!);
    const size = fs.statSync(log).size;
    fs.truncateSync(log, size - 7); // cut the last record in the middle

    const second = repository({ dir });
    expect(second.maxEventId()).toBe(8);
    expect(await second.getEvent(9)).toBeNull();
    expect((await second.getEvent(8))?.flowFileUuid).toBe("ff-8");
    expect((await second.search({})).length).toBe(9);
    second.register([event("CREATE", "after-crash")]);
    second.flush();
    expect((await second.getEvent(9))?.flowFileUuid).toBe("after-crash");
    expect((await second.search({ flowFileUuid: "ff-9" })).length).toBe(0);
    expect((await second.search({ attributes: { filename: "after-crash.txt" } })).map((e) => e.eventId)).toEqual([9]);
  });

  it("cuts a torn group whole after a crash, and keeps the group before it", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    first.register([event("CREATE", "a")], [group("SEND", "kept", 3, { created: false })]);
    first.register([], [group("RECEIVE", "torn", 4)]);
    first.flush();
    await first.close();
    const log = path.join(dir, "provenance", logFiles(dir)[0]!);
    fs.truncateSync(log, fs.statSync(log).size - 5);

    const second = repository({ dir });
    expect(second.maxEventId()).toBe(3);
    expect(await second.getEvent(4)).toBeNull();
    expect((await second.getEvent(3))?.flowFileUuid).toBe("kept-2");
    second.register([event("DROP", "kept-2")]);
    second.flush();
    expect((await second.search({ flowFileUuid: "kept-2" })).map((e) => [e.eventId, e.type])).toEqual([
      [4, "DROP"],
      [3, "SEND"],
    ]);
    expect(await second.search({ flowFileUuid: "torn-0" })).toEqual([]);
  });

  it("writes the RECEIVEs of a batch taken back as a reference to its SENDs, and reads them in full", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    const sends = group("SEND", "hop", 60, { created: false, relationship: "success", details: null });
    first.register([event("CREATE", "x")], [sends]);
    first.flush();
    // Indexed before the references come: the index reads the SENDs back from the file.
    expect(await first.waitForIndex()).toBe(61);
    const log = path.join(dir, "provenance", logFiles(dir)[0]!);
    const sendBytes = fs.statSync(log).size;
    // Taken back as materialize makes them: new records, the same uuids, attribute maps, claims.
    const taken = (from: number, n: number, copyAttributes = false) =>
      group("RECEIVE", "r", 0, {
        flowFiles: sends.flowFiles.slice(from, from + n).map((m) => ({ ...m, attributes: copyAttributes ? { ...m.attributes } : m.attributes })),
      });
    first.register([], [taken(0, 40)]);
    first.flush();
    first.register([], [taken(40, 20)]);
    first.flush();
    const referenced = fs.statSync(log).size - sendBytes;
    // A batch decoded from its payload (new attribute maps) is written whole.
    first.register([], [taken(0, 60, true)]);
    first.flush();
    const whole = fs.statSync(log).size - sendBytes - referenced;
    expect(referenced).toBeLessThan(whole / 10);

    const check = async (repo: FileProvenanceRepository): Promise<void> => {
      const expected = [...expandGroup(taken(0, 60)), ...expandGroup(taken(0, 60))].map((e, i) => ({ ...e, eventId: 61 + i }));
      expect(await repo.search({ type: "RECEIVE" })).toEqual(expected.reverse());
      expect((await repo.search({ attributes: { filename: "hop-5.txt" } })).map((e) => [e.eventId, e.type])).toEqual([
        [126, "RECEIVE"],
        [66, "RECEIVE"],
        [6, "SEND"],
      ]);
      expect((await repo.lineage("hop-4")).events.map((e) => [e.eventId, e.type])).toEqual(expect.arrayContaining([[5, "SEND"], [65, "RECEIVE"], [125, "RECEIVE"]]));
    };
    // The references are read from the file (indexed flush by flush), then from the index's read
    // buffer (the whole log indexed at once, after the index was lost).
    await checkThenRebuilt(first, dir, 181, check);
  });

  it("writes a source's SENDs as a reference to its CREATEs, and the RECEIVEs of their batches too", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    const log = (): string => path.join(dir, "provenance", logFiles(dir)[0]!);
    const creates = (prefix: string, n: number) =>
      group("CREATE", prefix, n, { relationship: null, details: null, transitUri: null, sourceQueueId: null, previousClaims: new Array<null>(n).fill(null) });
    // A session that handed nothing over: its CREATEs are not remembered for later calls.
    const local = creates("local", 50);
    first.register([], [], [local]);
    first.flush();
    const createBytes = fs.statSync(log()).size;
    const made = creates("hop", 50);
    const sends = group("SEND", "s", 0, { created: false, relationship: "success", details: null, flowFiles: made.flowFiles });
    first.register([], [sends], [made]);
    first.flush();
    const afterSends = fs.statSync(log()).size;
    // The SENDs are a reference: what they add is a small part of what the CREATEs took.
    expect(afterSends - 2 * createBytes).toBeLessThan(createBytes / 10);
    // Taken back in two batches, as materialize makes them (new records, the same maps and claims).
    const taken = (from: number, n: number, members = made.flowFiles) =>
      group("RECEIVE", "r", 0, { flowFiles: members.slice(from, from + n).map((m) => ({ ...m })) });
    first.register([], [taken(0, 30)]);
    first.register([], [taken(30, 20)]);
    first.flush();
    const referenced = fs.statSync(log()).size - afterSends;
    expect(referenced).toBeLessThan(createBytes / 10);
    // The local session's FlowFiles were not remembered: written whole.
    first.register([], [taken(0, 50, local.flowFiles)]);
    first.flush();
    expect(fs.statSync(log()).size - afterSends - referenced).toBeGreaterThan(createBytes / 2);

    const check = async (repo: FileProvenanceRepository): Promise<void> => {
      const expected = [...expandGroup(local), ...expandGroup(made), ...expandGroup(sends), ...expandGroup(taken(0, 50)), ...expandGroup(taken(0, 50, local.flowFiles))];
      for (const id of [0, 49, 50, 99, 100, 149, 150, 179, 180, 199, 200, 249]) expect(await repo.getEvent(id)).toEqual({ ...expected[id], eventId: id });
      expect((await repo.search({ flowFileUuid: "hop-7" })).map((e) => [e.eventId, e.type])).toEqual([
        [157, "RECEIVE"],
        [107, "SEND"],
        [57, "CREATE"],
      ]);
      expect((await repo.search({ attributes: { filename: "hop-42.txt" } })).map((e) => e.eventId)).toEqual([192, 142, 92]);
    };
    await checkThenRebuilt(first, dir, 250, check);
  });

  it("writes a batch taken back whole when its SENDs are in an earlier log file", async () => {
    const dir = tempDir();
    const repo = repository({ dir, maxLogFileBytes: 256 });
    const sends = group("SEND", "hop", 6, { created: false, relationship: "success", details: null });
    repo.register([], [sends]);
    repo.flush();
    const receives = group("RECEIVE", "r", 0, { flowFiles: sends.flowFiles.map((m) => ({ ...m })) });
    repo.register([], [receives]);
    repo.flush();
    expect(logFiles(dir)).toHaveLength(3);
    expect(await repo.search({ type: "RECEIVE" })).toEqual(expandGroup(receives).map((e, i) => ({ ...e, eventId: 6 + i })).reverse());
  });

  it("tolerates garbage after the last record (a zero-filled tail)", async () => {
    const dir = tempDir();
    const first = repository({ dir });
    first.register([event("CREATE", "a"), event("DROP", "a")]);
    first.flush();
    await first.close();
    fs.appendFileSync(path.join(dir, "provenance", logFiles(dir)[0]!), Buffer.alloc(100));

    const second = repository({ dir });
    expect(second.maxEventId()).toBe(1);
    expect((await second.search({})).map((e) => e.type)).toEqual(["DROP", "CREATE"]);
  });

  it("rebuilds a lost index from the logs", async () => {
    const dir = tempDir();
    const first = repository({ dir, maxLogFileBytes: 2048 });
    for (let i = 0; i < 50; i++) {
      first.register([event("ROUTE", `ff-${i}`, { componentId: `proc-${i % 3}` })]);
      first.flush();
    }
    await first.close();
    for (const f of fs.readdirSync(path.join(dir, "provenance"))) {
      if (f.startsWith("index.db")) fs.rmSync(path.join(dir, "provenance", f));
    }
    const second = repository({ dir, maxLogFileBytes: 2048 });
    expect(await second.waitForIndex()).toBe(50);
    expect((await second.search({ componentId: "proc-2" })).length).toBe(16);
    expect((await second.getEvent(49))?.flowFileUuid).toBe("ff-49");
  });

  it("indexes a different attribute list after a restart (rebuilding the index)", async () => {
    const dir = tempDir();
    const first = repository({ dir, indexedAttributes: ["filename"] });
    first.register([event("CREATE", "a", { attributes: { uuid: "a", team: "blue" } }), event("CREATE", "b", { attributes: { uuid: "b", team: "red" } })]);
    first.flush();
    await first.close();
    const second = repository({ dir, indexedAttributes: ["team"] });
    expect(await second.waitForIndex()).toBe(2);
    expect((await second.search({ attributes: { team: "red" } })).map((e) => e.flowFileUuid)).toEqual(["b"]);
  });

  it("rolls log files and reads events across them (each file has its own dictionary)", async () => {
    const dir = tempDir();
    const repo = repository({ dir, maxLogFileBytes: 1024 });
    for (let i = 0; i < 60; i++) {
      repo.register([event(i % 2 ? "SEND" : "RECEIVE", `ff-${i}`, { componentId: `proc-${i % 4}`, relationship: i % 2 ? "success" : "failure" })]);
      repo.flush();
    }
    expect(logFiles(dir).length).toBeGreaterThan(3);
    const sends = await repo.search({ type: "SEND", componentId: "proc-3" });
    expect(sends.map((e) => e.eventId)).toEqual([59, 55, 51, 47, 43, 39, 35, 31, 27, 23, 19, 15, 11, 7, 3]);
    for (const e of sends) expect(e.relationship).toBe("success");
    expect((await repo.getEvent(0))?.relationship).toBe("failure");
  });

  it("deletes whole oldest log files beyond the size limit, with their index rows", async () => {
    const dir = tempDir();
    const repo = repository({ dir, maxLogFileBytes: 1000, maxStorageBytes: 3000 });
    for (let i = 0; i < 200; i++) {
      repo.register([event("ROUTE", `ff-${i}`)]);
      repo.flush();
    }
    expect(repo.storageBytes()).toBeLessThanOrEqual(3000 + 1100);
    const total = logFiles(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, "provenance", f)).size, 0);
    expect(total).toBe(repo.storageBytes());
    const remaining = await repo.search({ limit: 10_000 });
    const oldest = remaining.at(-1)!.eventId;
    expect(oldest).toBeGreaterThan(0);
    expect(remaining.map((e) => e.eventId)).toEqual(Array.from({ length: 200 - oldest }, (_, i) => 199 - i));
    expect(await repo.getEvent(0)).toBeNull();
    expect(await repo.getEvent(oldest - 1)).toBeNull();
    expect((await repo.getEvent(oldest))?.flowFileUuid).toBe(`ff-${oldest}`);
    expect(await repo.lineage("ff-0")).toMatchObject({ events: [] });
  });

  it("stays consistent when retention deletes files the index has not reached yet", async () => {
    const dir = tempDir();
    const repo = repository({ dir, maxLogFileBytes: 2000, maxStorageBytes: 6000 });
    for (let i = 0; i < 3000; i += 10) {
      repo.register(Array.from({ length: 10 }, (_, j) => event("ROUTE", `ff-${i + j}`)));
      repo.flush();
    }
    const remaining = (await repo.search({ limit: 100_000 })).map((e) => e.eventId);
    expect(remaining[0]).toBe(2999);
    expect(remaining.length).toBeGreaterThan(10);
    expect(remaining).toEqual(Array.from({ length: remaining.length }, (_, i) => 2999 - i));
    expect(await repo.waitForIndex()).toBe(remaining.length);
  });

  it("deletes log files older than the age limit, never the current one", async () => {
    const dir = tempDir();
    const repo = repository({ dir, maxLogFileBytes: 500, maxAgeMs: 24 * HOUR });
    for (let i = 0; i < 40; i++) {
      repo.register([event("ROUTE", `ff-${i}`)]);
      repo.flush();
    }
    const before = logFiles(dir).length;
    expect(before).toBeGreaterThan(2);
    repo.enforceRetention(Date.now() + 23 * HOUR);
    expect(logFiles(dir).length).toBe(before);
    repo.enforceRetention(Date.now() + 25 * HOUR);
    expect(logFiles(dir).length).toBe(1);
    const left = await repo.search({});
    expect(left.every((e) => e.eventId > 30)).toBe(true);
    repo.register([event("DROP", "last")]);
    repo.flush();
    expect((await repo.getEvent(40))?.type).toBe("DROP");
  });

  it("rejects an invalid event without consuming an id or corrupting the log", async () => {
    const dir = tempDir();
    const repo = repository({ dir });
    repo.register([event("CREATE", "ok-1")]);
    const bad = event("CREATE", "bad", { attributes: { uuid: "bad", count: 3 as unknown as string } });
    expect(() => repo.register([event("CREATE", "lost-with-bad", { componentId: "new-1" }), bad])).toThrow(TypeError);
    const badType = event("NOT_A_TYPE" as ProvenanceEventType, "bad");
    expect(() => repo.register([badType])).toThrow(/unknown provenance event type/);
    expect(() => repo.register([event("toString" as ProvenanceEventType, "bad")])).toThrow(/unknown provenance event type/);
    expect(repo.maxEventId()).toBe(0);
    repo.register([event("CREATE", "ok-2", { componentId: "fresh-component" })]);
    repo.flush();
    expect((await repo.search({})).map((e) => [e.eventId, e.flowFileUuid, e.componentId])).toEqual([
      [1, "ok-2", "fresh-component"],
      [0, "ok-1", "proc-1"],
    ]);
  });

  it("keeps a large event (bigger than the read chunk) intact", async () => {
    const dir = tempDir();
    const repo = repository({ dir });
    const details = "d".repeat(5 * 1024 * 1024);
    repo.register([event("CREATE", "small-1"), event("CONTENT_MODIFIED", "big", { details }), event("DROP", "small-2")]);
    repo.flush();
    expect((await repo.getEvent(1))?.details?.length).toBe(details.length);
    expect((await repo.search({})).map((e) => e.flowFileUuid)).toEqual(["small-2", "big", "small-1"]);
    await repo.close();
    const reopened = repository({ dir });
    expect(reopened.maxEventId()).toBe(2);
    expect((await reopened.getEvent(1))?.details).toBe(details);
  });
});
