/**
 * Read-only views of a cluster's distributed connections in Redis, for benchmarks and
 * diagnostics: how many batches each BullMQ state holds, which batches are being processed
 * right now, and what became of given batches. (Only engine/cluster imports bullmq/ioredis,
 * so anything outside that needs to look at the queues comes through here.)
 *
 * Nothing here changes a queue, except `deleteClusterKeys`, which removes a whole cluster's
 * keys (a benchmark's throw-away namespace) and refuses a name with glob characters.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { DistributedConnectionRef } from "../queue/distributed-queue";
import { queueName, sizeKeyOf } from "./distributed";
import { ClusterKeys } from "./keys";

/** Batches of one distributed connection by BullMQ state, summed over its partitions. */
export interface BatchCounts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  /** The dead-letter list. */
  failed: number;
}

/**
 * Where a batch is: a BullMQ job state, or "gone" when no job has its id any more (finished:
 * distributed connections remove a finished batch at once).
 */
export type BatchState = "waiting" | "active" | "delayed" | "prioritized" | "failed" | "completed" | "waiting-children" | "gone";

/** A batch still to be processed somewhere (not finished and not dead-lettered). */
export function isPending(state: BatchState): boolean {
  return state === "waiting" || state === "active" || state === "delayed" || state === "prioritized" || state === "waiting-children";
}

/**
 * Looks at one cluster's distributed connections. Contract: reads only (BullMQ getters); a
 * connection never used yet reads as empty; ids of finished batches read as "gone".
 */
export class DistributedInspector {
  private readonly keys: ClusterKeys;
  private readonly queues = new Map<string, Queue>();

  /**
   * `redis`: a connection the caller owns (BullMQ queues share it and never close it);
   * `partitions`: as the nodes' links are configured (8 unless tuned).
   */
  constructor(
    private readonly redis: Redis,
    cluster: string,
    private readonly partitions = 8,
  ) {
    this.keys = new ClusterKeys(cluster);
  }

  /** Batch counts of a connection, over all its partitions. */
  async counts(ref: DistributedConnectionRef): Promise<BatchCounts> {
    const total: BatchCounts = { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 };
    for (const q of this.queuesOf(ref)) {
      const c = await q.getJobCounts("wait", "active", "delayed", "prioritized", "failed");
      total.waiting += c.wait ?? 0;
      total.active += c.active ?? 0;
      total.delayed += c.delayed ?? 0;
      total.prioritized += c.prioritized ?? 0;
      total.failed += c.failed ?? 0;
    }
    return total;
  }

  /** Batches waiting or being processed (the dead-letter list not counted). */
  async pendingCount(ref: DistributedConnectionRef): Promise<number> {
    const c = await this.counts(ref);
    return c.waiting + c.active + c.delayed + c.prioritized;
  }

  /** Ids of the batches some node is processing right now (BullMQ's active list). */
  async activeBatchIds(ref: DistributedConnectionRef): Promise<string[]> {
    const ids: string[] = [];
    for (const q of this.queuesOf(ref)) {
      for (const job of await q.getActive(0, -1)) if (job?.id !== undefined) ids.push(job.id);
    }
    return ids;
  }

  /** The state of each batch id (looked up in every partition of the connection). */
  async batchStates(ref: DistributedConnectionRef, ids: readonly string[]): Promise<Map<string, BatchState>> {
    const out = new Map<string, BatchState>();
    const queues = this.queuesOf(ref);
    for (const id of ids) {
      let state: BatchState = "gone";
      for (const q of queues) {
        const s = await q.getJobState(id);
        if (s !== "unknown") {
          state = s;
          break;
        }
      }
      out.set(id, state);
    }
    return out;
  }

  /**
   * The cluster-wide size the nodes' back pressure reads (the per-connection hash distributed.ts
   * keeps: raised on handover, lowered when a batch finishes). Once nothing is queued it
   * should read 0; anything else is drift that holds producers back (or lets them overshoot).
   */
  async clusterSize(ref: DistributedConnectionRef): Promise<{ count: number; bytes: number }> {
    const [count, bytes] = await this.redis.hmget(sizeKeyOf(this.keys.cluster, ref), "count", "bytes");
    return { count: Number(count ?? 0), bytes: Number(bytes ?? 0) };
  }

  /** Closes the queue objects (not the Redis connection, which the caller owns). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
    this.queues.clear();
  }

  private queuesOf(ref: DistributedConnectionRef): Queue[] {
    const parts = ref.strategy === "partition-by-attribute" ? this.partitions : 1;
    const out: Queue[] = [];
    for (let p = 0; p < parts; p++) {
      const name = queueName(ref, p);
      let q = this.queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: this.redis, prefix: this.keys.bullPrefix });
        this.queues.set(name, q);
      }
      out.push(q);
    }
    return out;
  }
}

/** A Redis connection for a DistributedInspector (BullMQ needs maxRetriesPerRequest: null). */
export function inspectorRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Deletes every key of a cluster (`<cluster>:*`, with SCAN, never KEYS). Resolves with the count. */
export async function deleteClusterKeys(redis: Redis, cluster: string): Promise<number> {
  const keys = new ClusterKeys(cluster);
  let removed = 0;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${keys.cluster}:*`, "COUNT", 500);
    cursor = next;
    if (found.length > 0) removed += await redis.unlink(...found);
  } while (cursor !== "0");
  return removed;
}

/**
 * CPU seconds the Redis server has used since it started (INFO cpu: user + system, main thread
 * and children), so a benchmark can tell what a run cost Redis besides itself. Redis is shared:
 * other clients' work counts too.
 */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  let total = 0;
  for (const m of info.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm)) total += Number(m[1]);
  return total;
}

/** How many times a node took the primary lease in this cluster (its fencing token counter). */
export async function primaryTerms(redis: Redis, cluster: string): Promise<number> {
  return Number((await redis.get(new ClusterKeys(cluster).primaryToken)) ?? 0);
}
