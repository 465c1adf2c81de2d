/**
 * The cluster-wide size of a distributed connection on the real Redis, link to link (no engine,
 * no child process). The sweep (see RedisDistributedLink's sweep) takes out what a killed node
 * left counted: a batch BullMQ finished whose uncount never ran goes back to 0. And it must not
 * uncount a batch that a live node hands over again, with the same id, while the sweep is at
 * work on what a node killed between its claim and its add left of it.
 *
 * Why not the unit tier: it starts no Redis (scripts/test.mjs starts the services for this tier).
 */
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisDistributedLink, type RedisDistributedLinkOptions } from "../../engine/cluster/distributed";
import { UNCOUNT_SCRIPT } from "../../engine/cluster/handover-protocol";
import { ClusterKeys } from "../../engine/cluster/keys";
import { RedisLink } from "../../engine/cluster/redis-link";
import { ClusterKey } from "../../engine/cluster/seal";
import type { DistributedConnectionRef, OutgoingBatch } from "../../engine/queue/distributed-queue";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const keys = new ClusterKeys(uniqueId("dqsize"));
const key = new ClusterKey("distributed-size-test-secret-0123");
const cleanup: Array<() => Promise<unknown>> = [];

/**
 * A link of its own on its own RedisLink. `aroundEval`, when given, stands in for each script the
 * link sends with EVAL: it gets the command's arguments and `send`, which sends it.
 */
async function newLink(
  nodeId: string,
  tuning: Partial<Pick<RedisDistributedLinkOptions, "sweep" | "refreshMs">>,
  aroundEval?: (args: unknown[], send: () => Promise<unknown>) => Promise<unknown>,
): Promise<RedisDistributedLink> {
  const redis = new RedisLink(redisUrl(), () => {});
  await redis.ready();
  if (aroundEval) {
    const real = redis.commands.eval.bind(redis.commands) as unknown as (...args: unknown[]) => Promise<unknown>;
    const hooked = (...args: unknown[]): Promise<unknown> => aroundEval(args, () => real(...args));
    redis.commands.eval = hooked as unknown as Redis["eval"];
  }
  const link = new RedisDistributedLink({ link: redis, keys, key, nodeId, log: () => {}, ...tuning });
  cleanup.push(async () => {
    await link.close();
    await redis.close();
  });
  return link;
}

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

afterAll(async () => {
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, keys.cluster);
  } finally {
    await redis.quit();
  }
});

describe("the cluster-wide size of a distributed connection", () => {
  /**
   * A node was killed between counting batch `id` and adding its job, two minutes ago (its
   * entry, count and payload are written here as it left them). The sweep, at work on that
   * entry, is held just before its script reaches Redis; meanwhile `othersSweep` says whether
   * another node's sweep took the entry out first, then a live node hands the same batch over
   * again (the same inputs processed again give the same id) and its job waits.
   */
  async function raceTheSweep(flowId: string, othersSweep: boolean): Promise<void> {
    const ref: DistributedConnectionRef = { flowId, connectionId: "c1", strategy: "round-robin" };
    const k = `${keys.cluster}:dq:${flowId}:c1`;
    const id = "redone-0-0";
    const deadNonce = "0123456789ab";
    const probe = testRedis();
    cleanup.push(() => probe.quit());
    await probe.hset(`${k}:batches`, id, `1:5:${Date.now() - 120_000}:0:${deadNonce}`);
    await probe.hincrby(`${k}:size`, "count", 1);
    await probe.hincrby(`${k}:size`, "bytes", 5);
    await probe.set(`${k}:p:${id}.${deadNonce}`, "left by the dead node");

    // The live node sweeps only on its own schedule (not within this test).
    const live = await newLink("live", { sweep: { everyMs: 3_600_000, ageMs: 60_000 } });
    const batch: OutgoingBatch = { id, partition: 0, bytes: 5, flowFiles: [{ uuid: "u1", attributes: {}, entryDate: 0, lineageStartDate: 0, content: Buffer.from("again") }] };
    let raced = false;
    let sweepDone: () => void = () => {};
    const swept = new Promise<void>((resolve) => (sweepDone = resolve));
    const sweeper = await newLink("sweeper", { sweep: { everyMs: 0, ageMs: 60_000 }, refreshMs: 20 }, async (args, send) => {
      if (raced || !args.includes(id)) return send();
      raced = true;
      if (othersSweep) {
        await probe.eval(UNCOUNT_SCRIPT, 2, `${k}:batches`, `${k}:size`, id);
        await probe.del(`${k}:p:${id}.${deadNonce}`);
      }
      await live.handover(ref, [batch]);
      try {
        return await send();
      } finally {
        sweepDone();
      }
    });
    // Tracked from now on: the sweeper sweeps the connection at each size refresh.
    sweeper.queued(ref);
    await until(() => "the sweep to reach the dead node's batch", 10_000, () => raced);
    await swept;

    // The batch waits, and is counted once.
    expect(await probe.hget(`${k}:size`, "count")).toBe("1");
    expect(await probe.hget(`${k}:size`, "bytes")).toBe("5");
    expect(await probe.hexists(`${k}:batches`, id)).toBe(1);

    // It is delivered intact (its payload read from Redis), and then nothing is left counted.
    const got: string[] = [];
    live.consume(ref, async (b) => {
      for (const ff of b.flowFiles) got.push(ff.content?.toString() ?? "");
      return "done";
    });
    await until(() => `the batch delivered (${JSON.stringify(got)})`, 20_000, () => got.length > 0);
    expect(got).toEqual(["again"]);
    expect(await live.deadLetters(ref)).toEqual([]);
    await until(() => "the cluster-wide count back to 0", 10_000, async () => (await probe.hget(`${k}:size`, "count")) === "0");
    expect(await probe.hget(`${k}:size`, "bytes")).toBe("0");
    expect(await probe.hlen(`${k}:batches`)).toBe(0);
    await until(() => "no payload left", 10_000, async () => (await probe.keys(`${k}:p:*`)).length === 0);
  }

  it("goes back to 0 once swept after a node died between BullMQ finishing a batch and its uncount", async () => {
    const ref: DistributedConnectionRef = { flowId: "f3", connectionId: "c1", strategy: "round-robin" };
    const k = `${keys.cluster}:dq:f3:c1`;
    const id = "finished-0-0";
    const probe = testRedis();
    cleanup.push(() => probe.quit());
    const node = await newLink("node", { sweep: { everyMs: 3_600_000, ageMs: 60_000 } });
    await node.handover(ref, [{ id, partition: 0, bytes: 5, flowFiles: [{ uuid: "u1", attributes: {}, entryDate: 0, lineageStartDate: 0, content: Buffer.from("hello") }] }]);
    let delivered = 0;
    node.consume(ref, async () => {
      delivered++;
      return "done";
    });
    await until(() => "the batch finished and uncounted", 20_000, async () => delivered === 1 && (await probe.hlen(`${k}:batches`)) === 0);
    // What the uncount would have taken out, had the node died just after BullMQ finished the job
    // (and removed it): its entry, counted two minutes ago, its count and its payload.
    const nonce = "0123456789ab";
    await probe.hset(`${k}:batches`, id, `1:5:${Date.now() - 120_000}:0:${nonce}`);
    await probe.hincrby(`${k}:size`, "count", 1);
    await probe.hincrby(`${k}:size`, "bytes", 5);
    await probe.set(`${k}:p:${id}.${nonce}`, "left by the dead node");

    const sweeper = await newLink("sweeper", { sweep: { everyMs: 0, ageMs: 60_000 }, refreshMs: 20 });
    sweeper.queued(ref);
    await until(() => "the count back to 0", 10_000, async () => (await probe.hget(`${k}:size`, "count")) === "0");
    expect(await probe.hget(`${k}:size`, "bytes")).toBe("0");
    expect(await probe.hlen(`${k}:batches`)).toBe(0);
    expect(await probe.keys(`${k}:p:*`)).toEqual([]);
    expect(delivered).toBe(1);
  });

  it("keeps a batch counted that is handed over again while the sweep uncounts what a dead node left of it", async () => {
    await raceTheSweep("f1", false);
  });

  it("keeps a batch counted, and its payload, when another node's sweep went first and the batch was counted again", async () => {
    await raceTheSweep("f2", true);
  });
});
