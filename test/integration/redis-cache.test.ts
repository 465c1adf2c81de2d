// RedisDistributedCache against the real Redis (scripts/services.sh), and DetectDuplicate /
// Wait+Notify sharing it from two "nodes" (two runners, two connections).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisDistributedCache } from "../../engine/cluster/redis-cache";
import { DetectDuplicate } from "../../processors/detect-duplicate";
import { Notify } from "../../processors/notify";
import { Wait } from "../../processors/wait";
import { testRunner } from "../../processors/testing/runner";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let a: Redis;
let b: Redis;
let prefix: string;
let nodeA: RedisDistributedCache;
let nodeB: RedisDistributedCache;

beforeAll(() => {
  a = testRedis();
  b = testRedis();
  prefix = uniqueId("sluice-cache");
  nodeA = new RedisDistributedCache(a, { prefix: `${prefix}:` });
  nodeB = new RedisDistributedCache(b, { prefix: `${prefix}:` });
});

afterAll(async () => {
  await deleteKeysWithPrefix(a, prefix);
  await Promise.all([a.quit(), b.quit()]);
});

describe("RedisDistributedCache", () => {
  it("putIfAbsent, get, put and remove", async () => {
    expect(await nodeA.putIfAbsent("k", "v1")).toBe(true);
    expect(await nodeB.putIfAbsent("k", "v2")).toBe(false);
    expect(await nodeB.get("k")).toBe("v1");
    await nodeB.put("k", "v3");
    expect(await nodeA.get("k")).toBe("v3");
    await nodeA.remove("k");
    expect(await nodeB.get("k")).toBeNull();
    expect(await a.exists(`${prefix}:k`)).toBe(0);
  });

  it("expires entries after their TTL", async () => {
    expect(await nodeA.putIfAbsent("ttl", "x", 100)).toBe(true);
    expect(await a.pttl(`${prefix}:ttl`)).toBeGreaterThan(0);
    await sleep(150);
    expect(await nodeB.get("ttl")).toBeNull();
    expect(await nodeB.putIfAbsent("ttl", "y", 100)).toBe(true);
    await nodeA.put("ttl2", "z", 100);
    await sleep(150);
    expect(await nodeA.get("ttl2")).toBeNull();
  });

  it("lets exactly one of many concurrent putIfAbsent calls win, across connections", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? nodeA : nodeB).putIfAbsent("race", String(i))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("replace is a compare-and-set: absent, present, delete, TTL", async () => {
    expect(await nodeA.replace("cas", "x", "1")).toBe(false);
    expect(await nodeA.get("cas")).toBeNull();
    expect(await nodeA.replace("cas", null, "1")).toBe(true);
    expect(await nodeB.replace("cas", null, "2")).toBe(false);
    expect(await nodeB.replace("cas", "0", "2")).toBe(false);
    expect(await nodeB.replace("cas", "1", "2")).toBe(true);
    expect(await nodeA.get("cas")).toBe("2");
    expect(await nodeA.replace("cas", "2", null)).toBe(true);
    expect(await a.exists(`${prefix}:cas`)).toBe(0);
    expect(await nodeA.replace("cas-ttl", null, "t", 100)).toBe(true);
    expect(await a.pttl(`${prefix}:cas-ttl`)).toBeGreaterThan(0);
    await sleep(150);
    expect(await nodeB.get("cas-ttl")).toBeNull();
    // After SCRIPT FLUSH the server no longer knows the script: replace falls back to EVAL.
    await a.script("FLUSH");
    expect(await nodeA.replace("cas", null, "3")).toBe(true);
    expect(await nodeB.get("cas")).toBe("3");
  });

  it("loses no update when two nodes increment one counter concurrently with get + replace", async () => {
    const increment = async (cache: RedisDistributedCache): Promise<void> => {
      for (;;) {
        const current = await cache.get("counter");
        if (await cache.replace("counter", current, String(Number(current ?? "0") + 1))) return;
      }
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => increment(i % 2 ? nodeA : nodeB)));
    expect(await nodeA.get("counter")).toBe("200");
  });

  it("owns and closes its own connection with connect()", async () => {
    const own = RedisDistributedCache.connect(redisUrl(), { prefix: `${prefix}:own:` });
    await own.put("x", "1");
    expect(await nodeA.get("own:x")).toBe("1");
    await own.close();
  });
});

describe("processors on a shared Redis cache", () => {
  it("DetectDuplicate on two nodes sees each other's identifiers", async () => {
    const props = { cacheEntryIdentifier: "${key}", ageOffDuration: "1 min" };
    const r1 = testRunner(DetectDuplicate, { cache: nodeA, properties: props });
    const r2 = testRunner(DetectDuplicate, { cache: nodeB, properties: props });
    r1.enqueue("1", { key: "order-1" });
    r2.enqueue("2", { key: "order-1" });
    r2.enqueue("3", { key: "order-2" });
    await r1.run();
    await r2.run();
    r1.assertTransferCount("non-duplicate", 1);
    expect(r2.flowFiles("duplicate").map((f) => f.content)).toEqual(["2"]);
    expect(r2.flowFiles("non-duplicate").map((f) => f.content)).toEqual(["3"]);
  });

  it("Notify on one node releases a Wait on another", async () => {
    const id = uniqueId("job");
    const w = testRunner(Wait, { cache: nodeA, properties: { releaseSignalIdentifier: "${id}", targetSignalCount: "2" } });
    w.enqueue("payload", { id });
    await w.run(1, { stop: false });
    w.assertTransferCount("wait", 1);
    const n = testRunner(Notify, { cache: nodeB, properties: { releaseSignalIdentifier: "${id}" } });
    n.enqueue("", { id });
    n.enqueue("", { id });
    await n.run();
    const waiting = w.flowFiles("wait")[0]!;
    w.enqueue(waiting.content, { ...waiting.attributes });
    await w.run();
    w.assertTransferCount("success", 1);
    expect(await nodeA.get(`sluice.signal.${id}`)).toBeNull();
  });

  it("Notify on two nodes at once: every signal count lands (no lost update)", async () => {
    const id = uniqueId("fan-in");
    const notifiers = [nodeA, nodeB, nodeA, nodeB].map((cache) =>
      testRunner(Notify, { cache, scheduling: { batchSize: 1 }, properties: { releaseSignalIdentifier: "${id}", signalCounterName: "${part}" } }),
    );
    notifiers.forEach((n, i) => {
      for (let k = 0; k < 25; k++) n.enqueue("", { id, part: i % 2 ? "b" : "a" });
    });
    // Each runner's trigger reads, changes and writes the same signal: they interleave on the awaits.
    await Promise.all(notifiers.map((n) => n.run(25)));
    for (const n of notifiers) n.assertTransferCount("success", 25);
    const signal = JSON.parse((await nodeB.get(`sluice.signal.${id}`)) ?? "null") as { counts: Record<string, number> } | null;
    expect(signal?.counts).toEqual({ a: 50, b: 50 });
  });
});
