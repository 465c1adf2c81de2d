/**
 * Kafka → distributed connection → Kafka on three `sluice node` processes, and `kill -9` of one
 * of them in the middle (issue 12: "no stranded data").
 *
 * ConsumeKafka runs on every node in one consumer group; its FlowFiles go into a connection
 * partitioned by `kafka.key` (so they live in Redis, one partition queue processed at a time
 * in the whole cluster); PublishKafka on every node writes them to the output topic with the
 * same key. The input is produced in chunks until a node that holds input partitions is seen
 * holding batches it took (at most three quarters of it), that node is killed, the rest is
 * produced. Then the output topic must hold every input record
 * (at-least-once: repeats allowed and counted), and per key, looking at each record's first
 * appearance only, the records in input order. Every wait is for a condition, with a deadline.
 */
import type { Redis } from "ioredis";
import { AssignerProtocol, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument } from "../../engine/api/flow-format";
import type { FlowStatus } from "../../engine/api/node-api";
import { consumerLag, produceInput, readTopic, type ReadRecord } from "../fixtures/kafka/relay";
import { uniqueId } from "./helpers/ids";
import { createTestTopic, deleteTestTopics, testKafka } from "./helpers/kafka";
import { NodeCluster } from "./helpers/node-cluster";
import { testRedis } from "./helpers/redis";
import { kafkaBrokers } from "./helpers/services";
import { until } from "./helpers/until";

const FLOW = "kafka-failover";
const KEYS = 20;
const PER_KEY = 600;
const N = KEYS * PER_KEY;

/** ConsumeKafka (every node, one group) → consumed (partition by kafka.key) → PublishKafka (failures retried). */
function failoverFlow(input: string, output: string, group: string): FlowDocument {
  const brokers = kafkaBrokers().join(",");
  return {
    sluice: 1,
    id: FLOW,
    name: "Kafka failover",
    processors: [
      {
        id: "consume",
        type: "ConsumeKafka",
        properties: {
          bootstrapServers: brokers,
          topics: input,
          groupId: group,
          offsetReset: "earliest",
          // Small triggers and buffers: the work is still under way when the node dies.
          maxRecordsPerTrigger: "100",
          maxBufferedRecords: "500",
          sessionTimeout: "6 sec",
        },
        state: "running",
      },
      {
        id: "publish",
        type: "PublishKafka",
        properties: { bootstrapServers: brokers, topic: output, messageKey: "${kafka.key}" },
        // A paced sink: batches wait on the node that took them, so a node dies holding some.
        scheduling: { batchSize: 100, runSchedule: "250 ms", penaltyDuration: "1 sec", yieldDuration: "200 ms" },
        autoTerminate: ["success"],
        state: "running",
      },
    ],
    connections: [
      { id: "consumed", source: "consume", relationships: ["success"], destination: "publish", loadBalance: { strategy: "partition-by-attribute", partitionAttribute: "kafka.key" } },
      { id: "retry", source: "publish", relationships: ["failure"], destination: "publish" },
    ],
  } as unknown as FlowDocument;
}

function nodeStatus(s: FlowStatus, node: string): FlowStatus | undefined {
  return s.nodes?.find((n) => n.node === node)?.status;
}

function stat(s: FlowStatus | undefined, processor: string, counter: "in" | "out"): number {
  return s?.processors.find((p) => p.id === processor)?.stats[counter] ?? 0;
}

/** What the output topic says about the input records 0..N-1. */
interface FailoverReport {
  distinct: number;
  duplicates: number;
  missing: number[];
  /** Keys whose records went to more than one output partition (their order is then undefined). */
  splitKeys: string[];
  /** Keys whose first appearances are not seq 0, 1, 2, ...: key, position and the seqs there. */
  disorder: Array<{ key: string; at: number; got: number[] }>;
  /** Records whose Kafka key is not the key in their value. */
  wrongKey: number;
}

/**
 * Per key, in output order (partition, offset), drops records already seen (at-least-once
 * repeats) and expects what is left to be exactly seq 0..PER_KEY-1, in that order.
 */
function check(records: readonly ReadRecord[]): FailoverReport {
  const seen = new Set<number>();
  let duplicates = 0;
  let wrongKey = 0;
  const firsts = new Map<string, number[]>();
  const partitions = new Map<string, Set<number>>();
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of ordered) {
    if (r.recordKey !== r.key) wrongKey++;
    partitions.set(r.key, (partitions.get(r.key) ?? new Set()).add(r.partition));
    if (seen.has(r.id)) {
      duplicates++;
      continue;
    }
    seen.add(r.id);
    const list = firsts.get(r.key) ?? [];
    list.push(r.seq);
    firsts.set(r.key, list);
  }
  const disorder: FailoverReport["disorder"] = [];
  for (const [key, seqs] of firsts) {
    const at = seqs.findIndex((s, i) => s !== i);
    if (at >= 0) disorder.push({ key, at, got: seqs.slice(Math.max(0, at - 2), at + 3) });
  }
  const missing: number[] = [];
  for (let id = 0; id < N; id++) if (!seen.has(id)) missing.push(id);
  const splitKeys = [...partitions].filter(([, p]) => p.size > 1).map(([k]) => k);
  return { distinct: seen.size, duplicates, missing, splitKeys, disorder, wrongKey };
}

describe("cluster: Kafka → distributed connection → Kafka while a node dies", () => {
  const kafka = testKafka();
  let admin: Admin;
  let cluster: NodeCluster;
  const topics: string[] = [];
  const groups: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    cluster = await NodeCluster.start(["a", "b", "c"], { prefix: "sluice-kfo" });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    if (admin) {
      await deleteTestTopics(admin, topics);
      await admin.deleteGroups(groups).catch(() => {});
      await admin.disconnect();
    }
  });

  it("every input record reaches the output topic, in order per key, after kill -9 of a node", async () => {
    const { coord } = cluster;
    await cluster.connected(3);
    const input = await createTestTopic(admin, { prefix: "sluice-kfo-in", partitions: 6 });
    const output = await createTestTopic(admin, { prefix: "sluice-kfo-out", partitions: 3 });
    topics.push(input, output);
    const group = uniqueId("sluice-kfo");
    groups.push(group, `${group}-verify`);

    const r = await coord.deploy({ flowId: FLOW, revision: 1, snapshot: failoverFlow(input, output, group) });
    expect(r.nodes!.map((n) => [n.node, n.result.outcome])).toEqual([
      ["a", "opened"],
      ["b", "opened"],
      ["c", "opened"],
    ]);

    // All three ConsumeKafka in the group, each with input partitions of its own.
    let groupState = "";
    await until(
      () => `the consumer group to be stable with three members holding partitions (${groupState}); stderr: ${cluster.stderrs()}`,
      60_000,
      async () => {
        const g = (await admin.describeGroups([group])).groups[0];
        groupState = `${g?.state}, ${g?.members.length} member(s); ${await flowState(cluster)}`;
        if (g?.state !== "Stable" || g.members.length !== 3) return false;
        return g.members.every((m) => {
          const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          return a !== null && Object.values(a.assignment).some((ps) => ps.length > 0);
        });
      },
    );

    // The victim: a node that holds batches when it dies, a non-primary one if it can be (the
    // primary's death is cluster.test.ts's subject). Which node holds batches is up to the
    // cluster: a node that finishes a partition's batch fetches the next one waiting, so the
    // node whose consumers got the first batches (often the primary, which opened the flow
    // first) can keep every partition as long as more wait; fresh-clone CI runs saw no other
    // node hold anything in the whole first half.
    const members = await coord.members();
    const nonPrimary = members.filter((m) => !m.primary).map((m) => m.id);
    const everyNode = [...nonPrimary, ...members.filter((m) => m.primary).map((m) => m.id)];
    let victim = nonPrimary[0]!;

    // Kill it mid-way, once it consumed from its partitions and while it holds batches it took
    // to publish. The input goes in small chunks, looking after each, so a fast cluster cannot
    // finish it before the victim is seen holding something: in the first half only a
    // non-primary node will do, then any node, up to three quarters of the input. The rest
    // always goes in after the kill.
    const outputSize = async () => (await admin.fetchTopicOffsets(output)).reduce((n, o) => n + Number(o.high), 0);
    let seenBefore = "";
    const probe = async (candidates: readonly string[]) => {
      const status = await coord.status(FLOW);
      // Batches a node took and has not published yet are listed as its part of the queue.
      const listed = await coord.listQueue(FLOW, "consumed", 1000);
      const out = await outputSize();
      const seen: string[] = [];
      for (const id of candidates) {
        const s = nodeStatus(status, id);
        const consumed = stat(s, "consume", "out");
        const published = stat(s, "publish", "in");
        const held = listed.filter((f) => f.node === id).length;
        seen.push(`${id}: consumed ${consumed}, taken to publish ${published}, holding ${held}`);
        if (consumed > 0 && held > 0) {
          victim = id;
          return { consumed, published, held, out, primary: !nonPrimary.includes(id) };
        }
      }
      seenBefore = `${seen.join("; ")}; output ${out}`;
      return false;
    };
    const CHUNK = N / 40;
    let produced = 0;
    let atKill: Awaited<ReturnType<typeof probe>> = false;
    while (produced < (N * 3) / 4 && !atKill) {
      await produceInput(kafka, input, CHUNK, KEYS, { from: produced });
      produced += CHUNK;
      atKill = await probe(produced <= N / 2 ? nonPrimary : everyNode);
    }
    if (!atKill) {
      atKill = await until(() => `a node to hold batches while the first three quarters run (${seenBefore}); stderr: ${cluster.stderrs()}`, 90_000, () => probe(everyNode));
    }
    const killedAt = Date.now();
    await cluster.kill(victim);
    await produceInput(kafka, input, N - produced, KEYS, { from: produced });

    // Drained: every input offset committed (so handed over to Redis), no batch of the
    // distributed connection waiting or taken anywhere in the cluster, nothing queued on the
    // nodes (batches they took, failures waiting for a retry).
    let last = "";
    await until(
      () => `the flow to drain (${last}); stderr: ${cluster.stderrs()}`,
      180_000,
      async () => {
        const lag = await consumerLag(admin, group, input);
        const batches = await pendingBatches(cluster.cluster);
        const local = (await coord.listQueue(FLOW, "consumed", 1000)).length + (await coord.listQueue(FLOW, "retry", 1000)).length;
        last = `lag ${lag}, batches in the cluster ${batches}, held by the nodes ${local}${batches > 0 ? `; queues: ${await queueDump(cluster.cluster)}` : ""}`;
        return lag === 0 && batches === 0 && local === 0;
      },
    );
    const drainedS = (Date.now() - killedAt) / 1000;

    const records = await readTopic(kafka, output, { expected: N, groupId: `${group}-verify`, readCommitted: true, timeoutMs: 60_000 });
    const report = check(records);
    const s = await coord.status(FLOW);
    // Publish failures on the survivors (routed to the retry loop; they would reorder a key).
    const failed = s.connections.find((c) => c.id === "retry")?.stats.in ?? 0;
    const deadLettered = await deadLetterCount(cluster.cluster);
    // The cluster-wide FlowFile count the nodes' back pressure reads. Printed, not asserted: a
    // node killed between adding a batch and counting it, or between finishing a batch and
    // uncounting it, leaves it off by that batch (engine/cluster/distributed.ts keeps the count
    // in a hash beside the queues, not atomically with them).
    const redis = testRedis();
    const sizeHash = await redis.hget(`${cluster.cluster}:dq:${FLOW}:consumed:size`, "count").finally(() => redis.quit());
    console.log(
      `cluster-kafka-failover nodes=3 N=${N} keys=${KEYS} killed=${victim}${atKill.primary ? " (the primary)" : ""} (had consumed ${atKill.consumed}, taken ${atKill.published} to publish, held ${atKill.held}; output ${atKill.out} at the kill) ` +
        `lost=${report.missing.length} duplicates=${report.duplicates} out_of_order_keys=${report.disorder.length} publish_failures=${failed} dead_lettered=${deadLettered} cluster_count_after=${sizeHash} drained_s=${drainedS.toFixed(1)}`,
    );
    expect(report.missing.slice(0, 20), `${report.missing.length} input records missing from the output`).toEqual([]);
    expect(report.distinct).toBe(N);
    expect(report.wrongKey).toBe(0);
    expect(report.splitKeys).toEqual([]);
    expect(report.disorder).toEqual([]);
    expect(deadLettered).toBe(0);
  }, 360_000);
});

/** The processors' states and the newest bulletins, for a failure message. */
async function flowState(cluster: NodeCluster): Promise<string> {
  const s = await cluster.coord.status(FLOW).catch((e: unknown) => String(e));
  if (typeof s === "string") return s;
  const procs = (s.nodes ?? []).map((n) => `${n.node}: ${n.status.processors.map((p) => `${p.id} ${p.state}${p.problems?.length ? ` (${p.problems.map((x) => x.message).join("; ")})` : ""}`).join(", ")}`);
  return `${procs.join(" | ")}; bulletins: ${s.bulletins.slice(0, 5).map((b) => `${b.componentId}: ${b.message}`).join(" | ")}`;
}

/** Runs `fn` on a fresh connection to the test Redis with the keys of the cluster's distributed-connection queues. */
async function withQueueKeys<T>(clusterName: string, fn: (redis: Redis, keys: string[]) => Promise<T>): Promise<T> {
  const redis = testRedis();
  try {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", `${clusterName}:bull:dq-*`, "COUNT", 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    return await fn(redis, keys);
  } finally {
    await redis.quit();
  }
}

/** The non-empty lists and sets of the cluster's distributed-connection queues, for a failure message. */
function queueDump(clusterName: string): Promise<string> {
  return withQueueKeys(clusterName, async (redis, keys) => {
    const out: string[] = [];
    for (const k of keys) {
      const type = await redis.type(k);
      const short = k.slice(`${clusterName}:bull:`.length);
      if (type === "list") out.push(`${short}=[${(await redis.lrange(k, 0, 9)).join(",")}]`);
      else if (type === "zset") out.push(`${short}=${await redis.zcard(k)}`);
      else if (type === "hash" && /:meta$/.test(k)) out.push(`${short}=${JSON.stringify(await redis.hgetall(k))}`);
    }
    return out.sort().join(" ");
  });
}

/** Batches waiting, delayed or taken in the cluster's distributed-connection queues (BullMQ's lists and sets). */
function pendingBatches(clusterName: string): Promise<number> {
  return withQueueKeys(clusterName, async (redis, keys) => {
    let n = 0;
    for (const k of keys) {
      if (/:(wait|active|paused)$/.test(k)) n += await redis.llen(k);
      else if (/:(delayed|prioritized|waiting-children)$/.test(k)) n += await redis.zcard(k);
    }
    return n;
  });
}

/** Batches in the dead-letter (BullMQ failed) sets of the cluster's distributed connections. */
function deadLetterCount(clusterName: string): Promise<number> {
  return withQueueKeys(clusterName, async (redis, keys) => {
    let n = 0;
    for (const k of keys) if (k.endsWith(":failed")) n += await redis.zcard(k);
    return n;
  });
}
