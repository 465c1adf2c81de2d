/**
 * The handover thread (see payload-writer.ts): for each handover it is given, claims the
 * batches in the cluster (CLAIM_SCRIPT), signs and stores the payload of each batch that is new
 * to the cluster, then adds their BullMQ jobs, all on its own Redis connection, so that a node's
 * event loop does none of the hashing, the megabyte copies or the three round trips.
 *
 * Messages in: a `HandoverRequest` (payload bytes transferred), or { close: true }.
 * Messages out: { id, added: (mac | null)[] } once every new batch's job is added (null: the
 * batch was in the cluster already, nothing was done for it), or { id, error }; { ready: true }
 * each time its connection to Redis is ready.
 */
import { createHmac } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { CLAIM_SCRIPT, type HandoverRequest } from "./handover-protocol";

interface Init {
  url: string;
  macKey: Uint8Array;
  commandTimeoutMs: number;
  bullPrefix: string;
}

const port = parentPort;
if (port === null) throw new Error("payload-worker must run in a worker thread");
const init = workerData.init as Init;
const macKey = Buffer.from(init.macKey);
// As RedisLink's command connection: one reconnect attempt per command, and a time limit, so a
// Redis that is away fails the handover (which rolls back) instead of holding it.
const redis = new Redis(init.url, { enableReadyCheck: true, maxRetriesPerRequest: 1, commandTimeout: init.commandTimeoutMs });
// Errors reach the caller through the failed handover; the node's RedisLink logs outages.
redis.on("error", () => {});
// Connected (again): PayloadWriter.ready waits for the first.
redis.on("ready", () => port.postMessage({ ready: true }));
redis.defineCommand("sluiceClaim", { lua: CLAIM_SCRIPT });
const claim = (redis as unknown as { sluiceClaim(numKeys: number, ...args: string[]): Promise<number[]> }).sluiceClaim.bind(redis);

/** Queues by name, each ready once an ordered one's global concurrency is set. */
const queues = new Map<string, Promise<Queue>>();
function queue(name: string, ordered: boolean): Promise<Queue> {
  let q = queues.get(name);
  if (!q) {
    const created = new Queue(name, { connection: redis, prefix: init.bullPrefix });
    // Failures reach the caller through the failed add.
    created.on("error", () => {});
    q = ordered ? created.setGlobalConcurrency(1).then(() => created) : Promise.resolve(created);
    // A failed setting is tried again with the next handover.
    q.catch(() => queues.delete(name));
    queues.set(name, q);
  }
  return q;
}

async function handover(m: HandoverRequest): Promise<Array<string | null>> {
  const fresh = await claim(m.claimKeys.length, ...m.claimKeys, ...m.claimArgs);
  const macs = m.batches.map((b, i) => {
    if (fresh[i] !== 1) return null;
    const bytes = Buffer.from(b.bytes, 0, b.length);
    return createHmac("sha256", macKey).update(bytes).digest("hex");
  });
  // The payloads are in Redis before any job names them.
  await Promise.all(m.batches.map((b, i) => (macs[i] === null ? null : redis.set(b.data.k, Buffer.from(b.bytes, 0, b.length)))));
  const byQueue = new Map<string, { ordered: boolean; jobs: Array<{ name: string; data: object; opts: object }> }>();
  m.batches.forEach((b, i) => {
    const mac = macs[i];
    if (mac === null || mac === undefined) return;
    const entry = byQueue.get(b.queue) ?? { ordered: b.ordered, jobs: [] };
    entry.jobs.push({ name: "batch", data: { ...b.data, m: mac }, opts: { ...m.jobOptions, jobId: b.id, deduplication: { id: b.id, ttl: m.dedupTtlMs } } });
    byQueue.set(b.queue, entry);
  });
  await Promise.all([...byQueue].map(async ([name, { ordered, jobs }]) => (await queue(name, ordered)).addBulk(jobs)));
  return macs;
}

port.on("message", (m: HandoverRequest | { close: true }) => {
  if ("close" in m) {
    void Promise.all([...queues.values()].map((q) => q.then((queue) => queue.close()).catch(() => {})))
      .then(() => redis.quit())
      .catch(() => redis.disconnect())
      .finally(() => port.close());
    return;
  }
  handover(m).then(
    (added) => port.postMessage({ id: m.id, added }),
    (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
