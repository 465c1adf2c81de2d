/**
 * Distributed connections on the real Redis, with two engines in this process standing for two
 * nodes (each its own data dir and its own RedisDistributedLink): FlowFiles handed over by one
 * are processed by both, every one arrives exactly once when nothing dies, content above the
 * inline threshold crosses through the shared store, partition by attribute keeps per-key
 * order, a batch whose processor keeps failing lands in the dead-letter list and comes back
 * out, cluster-wide back pressure holds the source, and a Redis that is unreachable or full
 * (maxmemory, its own redis-server) makes the handing session roll back, losing nothing. A batch
 * that kills its node (consumers in processes of their own, helpers/crashing-consumer.ts) is
 * dead-lettered alone, not with the batches that died beside it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine/api/engine";
import { queueName, RedisDistributedLink } from "../../engine/cluster/distributed";
import { ClusterKeys } from "../../engine/cluster/keys";
import { threadNice } from "../../engine/core/thread-priority";
import { RedisLink } from "../../engine/cluster/redis-link";
import { ClusterKey } from "../../engine/cluster/seal";
import { compose } from "../../engine/runtime/composition-root";
import { defineProcessor, erase, property, relationship } from "../../engine/sdk";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const keys = new ClusterKeys(uniqueId("dq"));
const key = new ClusterKey("distributed-test-secret-0123456789");
let base = "";
let shared = "";
const cleanup: Array<() => Promise<unknown>> = [];

/** What each sink saw, per test run id: node id + uuid + the `key`/`seq` attributes. */
const seen: Array<{ node: string; uuid: string; key: string; seq: number; size: number; text: string }> = [];

const Sink = defineProcessor({
  type: "TestDqSink",
  summary: "Records every FlowFile it takes.",
  input: "required",
  properties: { node: property.string({ displayName: "Node", description: "Who am I", required: true }) },
  relationships: { success: relationship("Everything.") },
  onTrigger({ session, config }) {
    for (const ff of session.getBatch()) {
      seen.push({ node: config.node, uuid: ff.uuid, key: ff.attributes.key ?? "", seq: Number(ff.attributes.seq ?? -1), size: ff.size, text: ff.size <= 1024 ? session.readText(ff) : "" });
      session.remove(ff);
    }
  },
});

/** What `mid` took, in the order it took it (both nodes: one process). */
const midSeen: Array<{ key: string; seq: number }> = [];

/** Fails (throws) on FlowFiles whose content is "poison"; passes the rest on. */
const Picky = defineProcessor({
  type: "TestDqPicky",
  summary: "Throws on poison.",
  input: "required",
  properties: {},
  relationships: { success: relationship("Everything else.") },
  onTrigger({ session }) {
    for (const ff of session.getBatch()) {
      if (session.readText(ff) === "poison") throw new Error("poison FlowFile");
      midSeen.push({ key: ff.attributes.key ?? "", seq: Number(ff.attributes.seq ?? -1) });
      session.transfer(ff, "success");
    }
  },
});

/** Whether TestDqRollOnce has rolled a session back yet (reset by each test that uses it). */
let rolledBack = false;

/** Puts its first session's FlowFiles back (a rollback, not a failure), then passes everything on. */
const RollOnce = defineProcessor({
  type: "TestDqRollOnce",
  summary: "Rolls its first session back.",
  input: "required",
  properties: {},
  relationships: { success: relationship("Everything.") },
  onTrigger({ session }) {
    const batch = session.getBatch();
    if (batch.length === 0) return;
    if (!rolledBack) {
      rolledBack = true;
      session.rollback();
      return;
    }
    for (const ff of batch) {
      midSeen.push({ key: ff.attributes.key ?? "", seq: Number(ff.attributes.seq ?? -1) });
      session.transfer(ff, "success");
    }
  },
});

/** Emits `count` FlowFiles once, with attributes key=k<i % keys>, seq=i and content of `size` bytes. */
const Burst = defineProcessor({
  type: "TestDqBurst",
  summary: "Emits a numbered burst.",
  input: "forbidden",
  properties: {
    count: property.integer({ displayName: "Count", description: "How many", default: "100" }),
    keys: property.integer({ displayName: "Keys", description: "Distinct keys", default: "4" }),
    size: property.integer({ displayName: "Size", description: "Content bytes", default: "10" }),
    poison: property.integer({ displayName: "Poison", description: "Index of a poison FlowFile (-1 none)", default: "-1" }),
  },
  relationships: { success: relationship("Everything.") },
  onScheduled() {
    return { next: 0 };
  },
  onTrigger({ session, config, state, context }) {
    const s = state as { next: number };
    const end = Math.min(config.count, s.next + context.batchSize);
    const start = s.next;
    s.next = end;
    // A rolled-back session made nothing: its numbers are made again.
    session.onFailure(() => {
      s.next = Math.min(s.next, start);
    });
    for (let i = start; i < end; i++) {
      let ff = session.create();
      ff = session.putAllAttributes(ff, { key: `k${i % config.keys}`, seq: String(i) });
      ff = session.write(ff, i === config.poison ? "poison" : Buffer.alloc(config.size, 97 + (i % 26)));
      session.transfer(ff, "success");
    }
    if (end >= config.count) context.yield();
  },
});

function flow(id: string, opts: { strategy: string; partitionAttribute?: string; count: number; size?: number; poison?: number; sourceOn: boolean; node: string; threshold?: number }) {
  const lb = { strategy: opts.strategy, ...(opts.partitionAttribute ? { partitionAttribute: opts.partitionAttribute } : {}) };
  return {
    sluice: 1,
    id,
    name: id,
    processors: [
      {
        id: "src",
        type: "TestDqBurst",
        properties: { count: String(opts.count), size: String(opts.size ?? 10), poison: String(opts.poison ?? -1) },
        scheduling: { batchSize: 50 },
        state: opts.sourceOn ? "running" : "stopped",
      },
      { id: "mid", type: "TestDqPicky", properties: {}, scheduling: { batchSize: 20 }, state: "running" },
      { id: "sink", type: "TestDqSink", properties: { node: opts.node }, autoTerminate: ["success"], state: "running" },
    ],
    connections: [
      { id: "c1", source: "src", relationships: ["success"], destination: "mid", loadBalance: lb, backPressure: { objectThreshold: opts.threshold ?? 10_000, dataSizeThreshold: "1 GB" } },
      { id: "c2", source: "mid", relationships: ["success"], destination: "sink", loadBalance: { strategy: "round-robin" } },
    ],
  };
}

/**
 * A Redis server of the test's own on a free port: `pause` stops the process (SIGSTOP: every
 * connection of every thread hangs, as with a host that stopped answering), `resume` lets it go
 * on. Killed at cleanup.
 */
async function ownRedis(args: string[] = []): Promise<{ url: string; probe: Redis; pause: () => void; resume: () => void }> {
  const port = 16_400 + Math.floor(Math.random() * 500);
  const server = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", ...args], { stdio: "ignore" });
  cleanup.push(async () => {
    server.kill("SIGCONT");
    server.kill("SIGKILL");
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  await until(() => "the test's own Redis to answer", 10_000, async () => (await probe.connect().then(() => true).catch(() => false)) || undefined);
  cleanup.push(() => probe.quit());
  return { url, probe, pause: () => server.kill("SIGSTOP"), resume: () => server.kill("SIGCONT") };
}

async function node(
  name: string,
  doc: unknown,
  tuning: {
    attempts?: number;
    noSharedStore?: boolean;
    redisUrl?: string;
    inlineMax?: number;
    /** Stands in for the link's handover (the real one is `handover`), to hold or fail one. */
    handover?: (handover: RedisDistributedLink["handover"], ...args: Parameters<RedisDistributedLink["handover"]>) => Promise<void>;
  } = {},
): Promise<{ engine: Engine; link: RedisDistributedLink; redis: RedisLink }> {
  const redis = new RedisLink(tuning.redisUrl ?? redisUrl(), () => {});
  await redis.ready();
  const link = new RedisDistributedLink({
    link: redis,
    keys,
    key,
    nodeId: name,
    sharedContentDir: tuning.noSharedStore ? null : shared,
    inlineMax: tuning.inlineMax ?? 1024,
    lockDurationMs: 4000,
    stalledIntervalMs: 2000,
    attempts: tuning.attempts ?? 5,
    backoffMs: 100,
    log: () => {},
  });
  const hook = tuning.handover;
  if (hook) {
    const real = link.handover.bind(link);
    link.handover = (...args) => hook(real, ...args);
  }
  const composition = { ...compose({ redisUrl: null, extraProcessors: [erase(Sink), erase(Picky), erase(RollOnce), erase(Burst)] }), distributed: link };
  const engine = Engine.open(doc, { dataDir: fs.mkdtempSync(path.join(base, `${name}-`)), silent: true, composition });
  cleanup.push(async () => {
    await engine.shutdown();
    await link.close();
    await redis.close();
  });
  // Without a shared store the processors around distributed connections are invalid and do not start.
  await engine.start().catch((e: unknown) => {
    if (!tuning.noSharedStore) throw e;
  });
  return { engine, link, redis };
}

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-dq-"));
  shared = fs.mkdtempSync(path.join(base, "shared-"));
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  seen.length = 0;
  midSeen.length = 0;
});

afterAll(async () => {
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, keys.cluster);
  } finally {
    await redis.quit();
  }
  fs.rmSync(base, { recursive: true, force: true });
});

describe("distributed connections", () => {
  it("spread a source's FlowFiles over two nodes, each exactly once, large content through the shared store", async () => {
    const N = 2000;
    const a = await node("a", flow("f1", { strategy: "round-robin", count: N, size: 600, sourceOn: true, node: "a" }));
    const b = await node("b", flow("f1", { strategy: "round-robin", count: N, size: 600, sourceOn: false, node: "b" }));
    await until(() => `all ${N} at the sinks (${seen.length})`, 60_000, () => seen.length >= N);
    const uuids = new Set(seen.map((s) => s.uuid));
    expect(uuids.size).toBe(N);
    expect(seen.length).toBe(N);
    expect(seen.every((s) => s.size === 600)).toBe(true);
    // Both nodes took batches.
    expect(seen.some((s) => s.node === "a")).toBe(true);
    expect(seen.some((s) => s.node === "b")).toBe(true);
    await until(() => "the cluster-wide count back to 0", 10_000, () => a.link.queued({ flowId: "f1", connectionId: "c1", strategy: "round-robin" }).count === 0);
    // Provenance: SEND where a FlowFile left a node for the cluster.
    const sends = await a.engine.searchProvenance({ type: "SEND", componentId: "src", limit: 10 });
    expect(sends.length).toBeGreaterThan(0);
    expect(sends[0]!.transitUri).toBe("sluice-cluster://f1/c1");
    // …and RECEIVE where it arrived, under the same uuid: lineage follows it across nodes.
    const uuid = sends[0]!.flowFileUuid;
    const received = [...(await a.engine.searchProvenance({ type: "RECEIVE", flowFileUuid: uuid })), ...(await b.engine.searchProvenance({ type: "RECEIVE", flowFileUuid: uuid }))];
    expect(received.filter((e) => e.transitUri === "sluice-cluster://f1/c1")).toHaveLength(1);
    expect(received.find((e) => e.transitUri === "sluice-cluster://f1/c1")!.componentId).toBe("mid");
    // One SEND per FlowFile the source made, after its CREATE, naming the relationship (SENDs
    // and RECEIVEs are stored as groups: each still reads as an event of its own).
    const created = await a.engine.searchProvenance({ type: "CREATE", componentId: "src", limit: 10_000 });
    const sent = await a.engine.searchProvenance({ type: "SEND", componentId: "src", limit: 10_000 });
    expect(created).toHaveLength(N);
    expect(new Set(sent.map((e) => e.flowFileUuid))).toEqual(new Set(created.map((e) => e.flowFileUuid)));
    expect(sent).toHaveLength(N);
    const atSource = (await a.engine.searchProvenance({ flowFileUuid: uuid, componentId: "src" })).reverse();
    expect(atSource.map((e) => [e.type, e.relationship])).toEqual([
      ["CREATE", null],
      ["SEND", "success"],
    ]);
    expect(atSource[1]!.attributes).toEqual(atSource[0]!.attributes);
    expect(atSource[1]!.previousClaim).toEqual(atSource[1]!.currentClaim);
    expect(atSource[1]!.fileSize).toBe(600);
    // One RECEIVE per FlowFile where it was taken, which brings every attribute.
    const receives = [
      ...(await a.engine.searchProvenance({ type: "RECEIVE", componentId: "mid", limit: 10_000 })),
      ...(await b.engine.searchProvenance({ type: "RECEIVE", componentId: "mid", limit: 10_000 })),
    ];
    expect(receives).toHaveLength(N);
    expect(new Set(receives.map((e) => e.flowFileUuid)).size).toBe(N);
    for (const e of receives) {
      expect(e.updatedAttributes).toEqual(e.attributes);
      expect(e.attributes.uuid).toBe(e.flowFileUuid);
      expect(e.fileSize).toBe(600);
    }
  });

  it("take a node's own batches back from what it kept, without reading them from Redis, content intact", async () => {
    const N = 500;
    const a = await node("a", flow("f9", { strategy: "round-robin", count: N, size: 40, sourceOn: true, node: "a" }));
    const taken = { kept: 0, read: 0 };
    const batchOf = a.link.batchOf.bind(a.link);
    a.link.batchOf = async (...args) => {
      const batch = await batchOf(...args);
      if (batch.kept) taken.kept++;
      else taken.read++;
      return batch;
    };
    await until(() => `all ${N} at the sink (${seen.length})`, 60_000, () => seen.length >= N);
    expect(new Set(seen.map((s) => s.uuid)).size).toBe(N);
    // Every FlowFile has the content its source wrote (40 × the letter of its seq).
    for (const s of seen) expect(s.text, `content of seq ${s.seq}`).toBe(String.fromCharCode(97 + (s.seq % 26)).repeat(40));
    // Both hops' batches came back to the node that handed them over, and none was read.
    expect(taken.kept).toBeGreaterThan(0);
    expect(taken.read).toBe(0);
    // The RECEIVE events say where from.
    const received = await a.engine.searchProvenance({ type: "RECEIVE", componentId: "mid", limit: 5 });
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]!.details).toMatch(/^received from node a \(batch /);
  });

  it.runIf(fs.existsSync("/proc/thread-self"))("run their handover thread at a lower priority than the engine's thread (nice 10)", async () => {
    const self = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    const niceBefore = threadNice(self);
    const before = new Set(fs.readdirSync("/proc/self/task"));
    const a = await node("a", flow("f9p", { strategy: "round-robin", count: 10, size: 10, sourceOn: true, node: "a" }));
    await a.link.ready();
    const handover = fs
      .readdirSync("/proc/self/task")
      .filter((tid) => !before.has(tid))
      .filter((tid) => fs.readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() === "sluice-handover");
    expect(handover).toHaveLength(1);
    expect(threadNice(Number(handover[0]))).toBe(10);
    // The thread's own, not the process's: the engine's thread keeps its priority.
    expect(threadNice(self)).toBe(niceBefore);
    await until(() => `all 10 at the sink (${seen.length})`, 30_000, () => seen.length >= 10);
  });

  it("keeps per-key order with partition by attribute", async () => {
    const N = 600;
    await node("a", flow("f2", { strategy: "partition-by-attribute", partitionAttribute: "key", count: N, sourceOn: true, node: "a" }));
    await node("b", flow("f2", { strategy: "partition-by-attribute", partitionAttribute: "key", count: N, sourceOn: false, node: "b" }));
    await until(() => `all ${N} at the sinks (${seen.length})`, 60_000, () => seen.length >= N);
    // c1 partitions by key: whichever node took a batch, `mid` saw each key's FlowFiles in the
    // order the source made them.
    const byKey = new Map<string, number[]>();
    for (const s of midSeen) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s.seq]);
    expect(byKey.size).toBe(4);
    for (const [k, seqs] of byKey) expect(seqs, `order of ${k}`).toEqual([...seqs].sort((x, y) => x - y));
    expect([...byKey.values()].reduce((n, l) => n + l.length, 0)).toBe(N);
    expect(new Set(seen.map((s) => s.uuid)).size).toBe(N);
  });

  it("are invalid, with the reason, on a node without a shared content store: nothing runs", async () => {
    const a = await node("a", flow("f4", { strategy: "round-robin", count: 10, sourceOn: false, node: "a" }), { noSharedStore: true });
    const src = a.engine.status().processors.find((p) => p.id === "src")!;
    expect(src.problems.map((p) => p.message).join(" ")).toMatch(/connection "c1" is distributed, but node a has no shared content store/);
    await expect(a.engine.startProcessor("src")).rejects.toThrow(/invalid and cannot start.*no shared content store/);
    expect(a.engine.status().processors.find((p) => p.id === "src")!.state).toBe("invalid");
    expect(seen).toHaveLength(0);
  });

  it("roll back and yield with a bulletin while Redis is unreachable, then deliver everything once it is back", async () => {
    const N = 300;
    const redis = await ownRedis();
    const a = await node("a", flow("f5", { strategy: "round-robin", count: N, sourceOn: false, node: "a" }), { redisUrl: redis.url });
    redis.pause();
    await a.engine.startProcessor("src");
    await until(() => "a bulletin about the handover", 20_000, () =>
      a.engine.status().bulletins.some((b) => b.componentId === "src" && /could not hand FlowFiles over to the cluster/.test(b.message)),
    );
    expect(seen).toHaveLength(0);
    redis.resume();
    await until(() => `all ${N} at the sink after Redis is back (${seen.length})`, 60_000, () => seen.length >= N);
    expect(new Set(seen.map((x) => x.uuid)).size).toBe(N);
  });

  it("start a source's next trigger while its handover is in flight, and roll both back in order when the first fails", async () => {
    const N = 200;
    let calls = 0;
    let pipelined = false;
    let releaseFirst: () => void = () => {};
    const secondStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    const a = await node("a", flow("f12", { strategy: "round-robin", count: N, sourceOn: false, node: "a" }), {
      handover: async (real, ...args) => {
        const call = ++calls;
        if (call === 1) {
          // Held until the source's next session hands over too (or 15 s: then it did not).
          pipelined = await Promise.race([secondStarted.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
          throw new Error("the first handover fails");
        }
        if (call === 2) releaseFirst();
        return real(...args);
      },
    });
    await a.engine.startProcessor("src");
    await until(() => `all ${N} numbers at the sink (${seen.length})`, 60_000, () => new Set(seen.map((x) => x.seq)).size >= N);
    expect(pipelined).toBe(true);
    // The second session's batch reached the cluster before it rolled back behind the first:
    // its numbers came twice (at least once), and none is missing.
    expect(new Set(seen.map((x) => x.seq))).toEqual(new Set(Array.from({ length: N }, (_, i) => i)));
    expect(seen.filter((x) => x.seq >= 50 && x.seq < 100)).toHaveLength(100);
    // Only commits that landed count: each number once.
    await until(() => "the source's count", 10_000, () => a.engine.status().processors.find((p) => p.id === "src")!.stats.out === N);
    const bulletins = a.engine.status().bulletins.filter((b) => b.componentId === "src").map((b) => b.message);
    expect(bulletins.some((m) => /the first handover fails/.test(m))).toBe(true);
    expect(bulletins.some((m) => /an earlier session of this processor rolled back/.test(m))).toBe(true);
  });

  it("start no trigger of a source while commits behind its rolled-back one are still in flight", async () => {
    const N = 200;
    let calls = 0;
    let releaseFirst: () => void = () => {};
    const secondStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    let thirdStarted: () => void = () => {};
    const third = new Promise<void>((resolve) => (thirdStarted = resolve));
    let triggeredWhileHeld: boolean | undefined;
    const d = flow("f13", { strategy: "round-robin", count: N, sourceOn: false, node: "a" });
    // A short yield: without the hold, the source would trigger again 100 ms after its failure.
    (d.processors[0]!.scheduling as Record<string, unknown>).yieldDuration = "100 ms";
    const a = await node("a", d, {
      handover: async (real, ...args) => {
        // Only the source's handovers to c1 are counted (mid hands over to c2 through the same link).
        if (args[0].connectionId !== "c1") return real(...args);
        const call = ++calls;
        if (call === 1) {
          await secondStarted;
          throw new Error("the first handover fails");
        }
        if (call === 2) {
          releaseFirst();
          // Held for 20 yields after the first one failed, or until a third handover starts.
          triggeredWhileHeld = await Promise.race([third.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))]);
        }
        if (call === 3) thirdStarted();
        return real(...args);
      },
    });
    await a.engine.startProcessor("src");
    await until(() => `all ${N} numbers at the sink (${seen.length})`, 60_000, () => new Set(seen.map((x) => x.seq)).size >= N);
    expect(triggeredWhileHeld).toBe(false);
    await until(() => "the source's count", 10_000, () => a.engine.status().processors.find((p) => p.id === "src")!.stats.out === N);
    // The first session's numbers once (its handover failed), the second's twice (it reached the
    // cluster, then rolled back behind the first), the rest once: no work sent a third time.
    const times = new Map<number, number>();
    for (const x of seen) times.set(x.seq, (times.get(x.seq) ?? 0) + 1);
    for (let i = 0; i < N; i++) expect(times.get(i), `seq ${i}`).toBe(i >= 50 && i < 100 ? 2 : 1);
  });

  it("make GenerateFlowFile's Total Count whole after handovers that rolled back", async () => {
    const N = 120;
    const doc = {
      sluice: 1,
      id: "f11",
      name: "f11",
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: { fileSize: "10 B", batchSize: "40", totalCount: String(N) }, scheduling: { runSchedule: "0 sec" }, state: "stopped" },
        { id: "sink", type: "TestDqSink", properties: { node: "a" }, autoTerminate: ["success"], state: "running" },
      ],
      connections: [{ id: "c1", source: "gen", relationships: ["success"], destination: "sink", loadBalance: { strategy: "round-robin" } }],
    };
    const redis = await ownRedis();
    const a = await node("a", doc, { redisUrl: redis.url });
    redis.pause();
    await a.engine.startProcessor("gen");
    await until(() => "a bulletin about the handover", 20_000, () =>
      a.engine.status().bulletins.some((b) => b.componentId === "gen" && /could not hand FlowFiles over to the cluster/.test(b.message)),
    );
    redis.resume();
    await until(() => `all ${N} at the sink after Redis is back (${seen.length})`, 30_000, () => seen.length >= N);
    // Nothing more comes: the count the rolled-back triggers had taken was given back, not skipped.
    await until(() => "gen to have nothing left to do", 10_000, () => a.engine.status().processors.find((p) => p.id === "gen")!.stats.out >= N);
    expect(seen).toHaveLength(N);
  });

  it("hold every node's producers at the cluster-wide threshold, and let them go on below it", async () => {
    const N = 1500;
    const doc = (node: string, sinkOn: boolean) => {
      const d = flow("f6", { strategy: "round-robin", count: N, sourceOn: node === "a", node, threshold: 200 });
      // `mid` stopped on both nodes: nothing takes from c1 until it starts.
      d.processors[1]!.state = sinkOn ? "running" : "stopped";
      return d;
    };
    const a = await node("a", doc("a", false));
    const b = await node("b", doc("b", false));
    const ref = { flowId: "f6", connectionId: "c1", strategy: "round-robin" as const };
    const out = () => a.engine.status().processors.find((p) => p.id === "src")!.stats.out;
    // The cluster counts a batch as its handover starts (before its payload is stored), and the
    // source's session commits after: wait for the commit of what the count holds.
    await until(() => "c1 to reach its threshold", 30_000, () => a.link.queued(ref).count >= 200 && out() >= a.link.queued(ref).count);
    // Held: one session's batch (50) at most over the threshold, and it stays there.
    const held = out();
    // Staying held is an absence, so it is observed over a few size refreshes (250 ms each).
    await new Promise((r) => setTimeout(r, 1000));
    expect(a.link.queued(ref).count).toBeLessThanOrEqual(250);
    expect(out()).toBe(held);
    expect(b.link.queued(ref).count).toBe(a.link.queued(ref).count);
    await a.engine.startProcessor("mid");
    await b.engine.startProcessor("mid");
    await until(() => `all ${N} at the sinks after the drain (${seen.length})`, 60_000, () => seen.length >= N);
    expect(new Set(seen.map((x) => x.uuid)).size).toBe(N);
  });

  it("empty queue drops the batches waiting in the cluster, with DROP events", async () => {
    const N = 300;
    const d = flow("f8", { strategy: "round-robin", count: N, sourceOn: true, node: "a" });
    d.processors[1]!.state = "stopped";
    const a = await node("a", d);
    const ref = { flowId: "f8", connectionId: "c1", strategy: "round-robin" as const };
    await until(() => `all ${N} waiting in the cluster`, 30_000, () => a.link.queued(ref).count === N);
    expect(a.engine.emptyQueue("c1") + (await a.engine.emptyWaiting("c1"))).toBe(N);
    await until(() => "the cluster-wide count at 0", 10_000, () => a.link.queued(ref).count === 0);
    const drops = await a.engine.searchProvenance({ type: "DROP", componentId: "c1", limit: 1000 });
    expect(drops).toHaveLength(N);
    await a.engine.startProcessor("mid");
    expect(seen).toHaveLength(0);
  });

  it("keep the cluster-wide count true after a node died between counting and adding, or between finishing and uncounting", async () => {
    const redis = new RedisLink(redisUrl(), () => {});
    await redis.ready();
    // Entries older than a second are looked at: the real batch's, counted just before its add, is not.
    const link = new RedisDistributedLink({ link: redis, keys, key, nodeId: "sweeper", sharedContentDir: shared, sweep: { everyMs: 200, ageMs: 1000 }, log: () => {} });
    cleanup.push(async () => {
      await link.close();
      await redis.close();
    });
    const ref = { flowId: "f9", connectionId: "c1", strategy: "round-robin" as const };
    const batch = (id: string) => ({ id, partition: 0, bytes: 1, flowFiles: [{ uuid: id, attributes: {}, entryDate: 0, lineageStartDate: 0, content: Buffer.from("x") }] });
    await link.handover(ref, [batch("real-0-0")]);
    // A counted batch whose job never came (the node died between the two steps)...
    const k = `${keys.cluster}:dq:f9:c1`;
    await redis.commands.hset(`${k}:batches`, "ghost-0-0", `7:7:${Date.now() - 5000}:0`);
    await redis.commands.hincrby(`${k}:size`, "count", 7);
    await redis.commands.hincrby(`${k}:size`, "bytes", 7);
    // ...is swept; the real one stays counted.
    await until(() => `the count back to the real batch (${link.queued(ref).count})`, 10_000, async () => (await redis.commands.hget(`${k}:size`, "count")) === "1");
    expect(await redis.commands.hexists(`${k}:batches`, "ghost-0-0")).toBe(0);
    // A handover retried after a crash counts the batch once.
    await link.handover(ref, [batch("real-0-0")]);
    expect(await redis.commands.hget(`${k}:size`, "count")).toBe("1");
  });

  it("deliver one intact batch when two handovers of the same batch id race, and leave no payload behind", async () => {
    const links: RedisDistributedLink[] = [];
    for (const name of ["racer-1", "racer-2"]) {
      const redis = new RedisLink(redisUrl(), () => {});
      await redis.ready();
      const link = new RedisDistributedLink({ link: redis, keys, key, nodeId: name, sharedContentDir: shared, inlineMax: 8, log: () => {} });
      links.push(link);
      cleanup.push(async () => {
        await link.close();
        await redis.close();
      });
    }
    const ref = { flowId: "f10", connectionId: "c1", strategy: "round-robin" as const };
    // The same id, different bytes (a stalled batch redone elsewhere while its node wakes up):
    // one inline FlowFile and one through the shared store in each.
    const batch = (text: string) => ({
      id: "race-0-0",
      partition: 0,
      bytes: 4,
      flowFiles: [
        { uuid: "r1", attributes: { text }, entryDate: 0, lineageStartDate: 0, content: Buffer.from(text.slice(0, 4)) },
        { uuid: "r2", attributes: { text }, entryDate: 0, lineageStartDate: 0, content: Buffer.from(text.repeat(10)) },
      ],
    });
    // Both get past the "already there?" check: neither has added when the other looks.
    await Promise.all([links[0]!.handover(ref, [batch("from-one")]), links[1]!.handover(ref, [batch("from-two")])]);
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const payloads = () => redis.keys(`${keys.cluster}:dq:f10:c1:p:*`);
    expect((await payloads()).length).toBeGreaterThanOrEqual(1);
    // The losing handover removes its payload (checked after its add, with others; not awaited
    // by the handover): one is left, the one the job was sealed over.
    await until(() => "the losing handover's payload removed", 10_000, async () => (await payloads()).length === 1);
    const got: Array<{ text: string; contents: string[] }> = [];
    links[0]!.consume(ref, async (b) => {
      got.push({ text: b.flowFiles[0]!.attributes.text!, contents: b.flowFiles.map((f) => f.content!.toString()) });
      return "done";
    });
    await until(() => `the batch delivered (${JSON.stringify(got)})`, 20_000, () => got.length === 1);
    const text = got[0]!.text;
    expect(["from-one", "from-two"]).toContain(text);
    // The bytes are the winner's own, inline and shared alike.
    expect(got[0]!.contents).toEqual([text.slice(0, 4), text.repeat(10)]);
    expect(await links[0]!.deadLetters(ref)).toEqual([]);
    await until(() => "the payload removed once the batch is done", 10_000, async () => (await payloads()).length === 0);
    await until(() => "the cluster-wide count back to 0", 10_000, async () => (await redis.hget(`${keys.cluster}:dq:f10:c1:size`, "count")) === "0");
  });

  it("roll back with a bulletin when Redis is full (maxmemory), and lose nothing once it has room", async () => {
    const { url, probe } = await ownRedis(["--maxmemory", "3mb", "--maxmemory-policy", "noeviction"]);
    const N = 200;
    // 20 KB each, inline: about 5 MB in Redis, more than it may hold.
    const a = await node("a", flow("f7", { strategy: "round-robin", count: N, size: 20_000, sourceOn: false, node: "a" }), { redisUrl: url, inlineMax: 64 * 1024 });
    await a.engine.stopProcessor("mid");
    await a.engine.startProcessor("src");
    await until(() => "a bulletin naming Redis' refusal", 30_000, () =>
      a.engine.status().bulletins.some((b) => b.componentId === "src" && /could not hand FlowFiles over to the cluster.*(OOM|maxmemory)/i.test(b.message)),
    );
    await probe.config("SET", "maxmemory", "0");
    await a.engine.startProcessor("mid");
    await until(() => `all ${N} at the sink once Redis has room (${seen.length})`, 60_000, () => seen.length >= N);
    expect(new Set(seen.map((x) => x.uuid)).size).toBe(N);
  });

  it("give a batch's FlowFiles back in the order they were taken when a session rolls back", async () => {
    const N = 50;
    const doc = flow("f7", { strategy: "round-robin", count: N, sourceOn: true, node: "a" });
    (doc.processors[1] as { type: string }).type = "TestDqRollOnce";
    rolledBack = false;
    await node("a", doc);
    await until(() => `all ${N} at the sink (${seen.length})`, 30_000, () => seen.length >= N);
    expect(rolledBack).toBe(true);
    // One batch of 50 (the source's batch size), taken 20 at a time: the first 20 came back.
    expect(midSeen.map((x) => x.seq)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it("blames a failure on the batch that failed, not on the batches taken with it in one session", async () => {
    const N = 30;
    const POISON = 7;
    const doc = flow("f6", { strategy: "round-robin", count: N, poison: POISON, sourceOn: true, node: "a" });
    const [src, mid] = doc.processors as Array<{ scheduling?: { batchSize: number }; state: string }>;
    // One FlowFile per batch (each source session hands over one), all waiting in the cluster
    // before `mid` starts, so that its sessions of 20 take several batches at once.
    src!.scheduling = { batchSize: 1 };
    mid!.state = "stopped";
    const a = await node("a", doc, { attempts: 2 });
    const ref = { flowId: "f6", connectionId: "c1", strategy: "round-robin" as const };
    await until(() => `all ${N} batches in the cluster (${a.link.queued(ref).count})`, 30_000, () => a.link.queued(ref).count === N);
    await a.engine.startProcessor("mid");
    await until(() => `the ${N - 1} good FlowFiles at the sink (${seen.length})`, 60_000, () => seen.length >= N - 1);
    const dead = await until(() => "the poison batch dead-lettered", 30_000, async () => {
      const list = await a.link.deadLetters(ref);
      return list.length > 0 ? list : undefined;
    });
    await until(() => `the cluster-wide count down to 0 (${a.link.queued(ref).count})`, 10_000, () => a.link.queued(ref).count === 0);
    // Only the poison batch, after its own two failures; every good one once at the sink.
    expect(dead.map((d) => ({ count: d.count, attempts: d.attempts }))).toEqual([{ count: 1, attempts: 2 }]);
    expect(dead[0]!.reason).toMatch(/poison FlowFile/);
    expect(await a.link.deadLetters(ref)).toHaveLength(1);
    expect(seen.map((x) => x.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i).filter((i) => i !== POISON));
  });

  it("moves a batch whose processor keeps failing to the dead-letter list, and retries it from there", async () => {
    const N = 100;
    const a = await node("a", flow("f3", { strategy: "round-robin", count: N, poison: 7, sourceOn: true, node: "a" }), { attempts: 2 });
    const ref = { flowId: "f3", connectionId: "c1", strategy: "round-robin" as const };
    const dead = await until(() => "a dead-lettered batch", 60_000, async () => {
      const list = await a.link.deadLetters(ref);
      return list.length > 0 ? list : undefined;
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/poison FlowFile/);
    expect(dead[0]!.attempts).toBe(2);
    const poisonBatch = dead[0]!.count;
    await until(() => `the other ${N - poisonBatch} at the sink (${seen.length})`, 30_000, () => seen.length >= N - poisonBatch);
    // Out of the list again: dropped, it is gone for good.
    // Retried, it fails again and comes back to the list with its attempts counted anew.
    expect(await a.link.retryDeadLetter(ref, dead[0]!.id)).toBe(true);
    const again = await until(() => "the retried batch back in the list", 30_000, async () => {
      const list = await a.link.deadLetters(ref);
      return list.length === 1 && list[0]!.failedAt > dead[0]!.failedAt ? list : undefined;
    });
    expect(again[0]!.id).toBe(dead[0]!.id);
    expect(again[0]!.attempts).toBe(2);
    const dropped = await a.link.dropDeadLetter(ref, dead[0]!.id);
    expect(dropped).toHaveLength(poisonBatch);
    expect(await a.link.deadLetters(ref)).toHaveLength(0);
    expect(seen).toHaveLength(N - poisonBatch);
  });
  it("dead-letter only the batch that keeps killing its nodes, not the batches that died beside it", async () => {
    const redis = new RedisLink(redisUrl(), () => {});
    await redis.ready();
    const link = new RedisDistributedLink({ link: redis, keys, key, nodeId: "feeder", sharedContentDir: shared, log: () => {} });
    const children: ReturnType<typeof spawn>[] = [];
    cleanup.push(async () => {
      for (const c of children) c.kill("SIGKILL");
      await link.close();
      await redis.close();
    });
    const ref = { flowId: uniqueId("crash"), connectionId: "c1", strategy: "round-robin" as const };
    const batch = (id: string, poison: boolean) => ({
      id,
      partition: 0,
      bytes: 1,
      flowFiles: [{ uuid: id, attributes: (poison ? { poison: "yes" } : {}) as Record<string, string>, entryDate: 0, lineageStartDate: 0, content: Buffer.from("x") }],
    });
    const innocent = ["good-1-0", "good-2-0", "good-3-0"];
    const poison = "poison-0-0";
    const done = new Set<string>();
    /**
     * A node in a process of its own that settles a batch after 1 s, and dies 300 ms after taking
     * the poison one, once it holds `crashWhenHolding` batches.
     */
    const start = async (nodeId: string, crashWhenHolding = 1): Promise<{ child: ReturnType<typeof spawn>; took: string[] }> => {
      const options = {
        url: redisUrl(),
        cluster: keys.cluster,
        secret: "distributed-test-secret-0123456789",
        nodeId,
        ref,
        holdMs: 1000,
        crashAfterMs: 300,
        crashWhenHolding,
        lockDurationMs: 1000,
        stalledIntervalMs: 500,
      };
      const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "helpers", "crashing-consumer.ts"), JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      const took: string[] = [];
      let ready = false;
      let buffered = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line === "ready") ready = true;
          else if (line.startsWith("took ")) took.push(line.slice(5));
          else if (line.startsWith("done ")) done.add(line.slice(5));
        }
      });
      await until(() => `node ${nodeId} to consume`, 30_000, () => ready || child.exitCode !== null);
      return { child, took };
    };
    // Before handing over: the first node then takes all four at once (prefetch 4), and dies
    // only once it holds them all.
    const first = await start("n1", 4);
    await link.handover(ref, [...innocent.map((id) => batch(id, false)), batch(poison, true)]);
    await until(() => `the first node to die on the poison batch (took: ${first.took.join(", ")})`, 30_000, () => first.child.exitCode !== null || first.child.signalCode !== null);
    // It died with the three innocent batches in hand: each stalls once with the poison one.
    expect([...first.took].sort()).toEqual([...innocent, poison].sort());
    expect(done.size).toBe(0);
    // Then one node after another, each started once the one before died, until every batch
    // is done or dead-lettered. Without a node taking one suspect batch at a time, the next
    // node took all four again and died with them, and all four were dead-lettered.
    let dead: string[] = [];
    for (let i = 2; ; i++) {
      expect(i, "nodes started").toBeLessThanOrEqual(8);
      const { child } = await start(`n${i}`);
      const outcome = await until(
        () => `node n${i} to die, or every batch to be done or dead-lettered (done: ${[...done].join(", ")}; dead-lettered: ${dead.join(", ")})`,
        60_000,
        async () => {
          dead = (await link.deadLetters(ref)).map((d) => d.id);
          if ([...innocent, poison].every((id) => done.has(id) || dead.includes(id))) return "settled";
          return child.exitCode !== null || child.signalCode !== null ? "died" : undefined;
        },
      );
      if (outcome === "settled") break;
    }
    expect(dead).toEqual([poison]);
    expect([...done].sort()).toEqual([...innocent].sort());
    const [letter] = await link.deadLetters(ref);
    expect(letter!.reason).toBe("the node processing it died (or stopped answering) 3 times with it in hand");
    // Taken three times, once per node that died with it (BullMQ itself counts one attempt).
    expect(letter!.attempts).toBe(3);
    // Retried from the list (its cause fixed), it starts over as a new batch: no stall counted.
    for (const c of children) c.kill("SIGKILL");
    await until(() => "every node process to end", 10_000, () => children.every((c) => c.exitCode !== null || c.signalCode !== null));
    expect(await link.retryDeadLetter(ref, poison)).toBe(true);
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue(queueName(ref, 0), { connection, prefix: keys.bullPrefix });
    try {
      const job = await queue.getJob(poison);
      expect(job?.stalledCounter).toBe(0);
      expect(await job?.getState()).toBe("waiting");
    } finally {
      await queue.close();
      await connection.quit();
    }
  }, 180_000);
});
