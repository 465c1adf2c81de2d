/**
 * The handover thread (see payload-writer.ts). For each handover it is given, it claims the
 * batches in the cluster (CLAIM_SCRIPT), signs and stores the payload of each batch that is new
 * to the cluster, then adds their BullMQ jobs. For each distributed connection the node takes
 * batches from, it runs the BullMQ worker: posts each job to the node and ends it as the node
 * settles it, finishes it in the cluster's count. All on its own Redis connections, so that a
 * node's event loop does none of the hashing, the megabyte copies or the round trips.
 *
 * Messages in: a `HandoverRequest` (payload bytes transferred), `ConsumeRequest`,
 * `StopConsumeRequest`, `JobSettlement`, or { close: true }.
 * Messages out: { id, added: (mac | null)[] } once every new batch's job is added (null: the
 * batch was in the cluster already, nothing was done for it), or { id, error }; `ConsumedJob`
 * and `ConsumerEvent`s; { ready: true } each time its connection to Redis is ready.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DelayedError, Queue, UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { Command, Redis } from "ioredis";
import {
  CLAIM_SCRIPT,
  FINISH_SCRIPT,
  UNCOUNT_SCRIPT,
  type ConsumeRequest,
  type ConsumerEvent,
  type ConsumedJob,
  type HandoverRequest,
  type JobSettlement,
  type StopConsumeRequest,
} from "./handover-protocol";
import { nameThisThread } from "../core/thread-name";
import { lowerThisThreadPriority } from "../core/thread-priority";
import { BatchSigner } from "./batch-mac";
import { SuspectSlot } from "./suspect-slot";

interface Init {
  url: string;
  /** ClusterKey.batchKeyBytes(). */
  batchKey: Uint8Array;
  commandTimeoutMs: number;
  bullPrefix: string;
}

/**
 * A command the node encoded itself (RESP), written to the connection as it is: see
 * PayloadWriter.place. Why: ioredis copies a command's arguments into one new buffer first.
 */
class PackedCommand extends Command {
  constructor(
    name: string,
    private readonly encoded: Buffer,
  ) {
    super(name, []);
  }

  override toWritable(): Buffer {
    return this.encoded;
  }
}

const port = parentPort;
if (port === null) throw new Error("payload-worker must run in a worker thread");
nameThisThread("sluice-handover");
/**
 * Why a lower priority (nice 10): the node's engine thread is the one that runs the flow, and
 * this thread's wake-ups (a Redis reply, a job) often land on the engine's core and take turns
 * with it there. In cluster-hop (session 14, nice switched between rounds in one process, 4
 * sittings at nice 10) the engine thread's median wait for its core was 94-112 ms a run at
 * nice 0 and 33-61 at nice 10, and the distributed rate rose 5-12%. Why not lower still: at nice 19 the handover
 * answers came late enough to idle the engine (no gain over 10). The thread still gets the
 * other cores, and a tenth of a contended one: its lock renewals are milliseconds of work
 * every few seconds.
 */
const HANDOVER_THREAD_NICE = 10;
lowerThisThreadPriority(HANDOVER_THREAD_NICE);
const init = workerData.init as Init;
const signer = new BatchSigner(init.batchKey);
// As RedisLink's command connection: one reconnect attempt per command, and a time limit, so a
// Redis that is away fails the handover (which rolls back) instead of holding it.
const redis = new Redis(init.url, { enableReadyCheck: true, maxRetriesPerRequest: 1, commandTimeout: init.commandTimeoutMs });
// Errors reach the caller through the failed handover; the node's RedisLink logs outages.
redis.on("error", () => {});
/**
 * The connection this thread's BullMQ workers share for their non-blocking commands (each
 * worker opens its own blocking one; BullMQ wants no retry limit on both), made as the thread
 * starts. Why not one per consumer, as before: a consumer then waited for a new connection and
 * its ready check first, ~15 of the ~35 ms a flow's distributed connection took to deliver its
 * first batch in cluster-hop.
 */
const workerConnection = new Redis(init.url, { enableReadyCheck: true, maxRetriesPerRequest: null });
workerConnection.on("error", () => {});
// Connected (again): PayloadWriter.ready waits for the first.
redis.on("ready", () => port.postMessage({ ready: true }));
// As commands, so that each call sends the script's hash (EVALSHA), not its text.
redis.defineCommand("sluiceClaim", { lua: CLAIM_SCRIPT });
redis.defineCommand("sluiceFinish", { lua: FINISH_SCRIPT, numberOfKeys: 3 });
redis.defineCommand("sluiceUncount", { lua: UNCOUNT_SCRIPT, numberOfKeys: 2 });
const scripts = redis as unknown as {
  sluiceClaim(numKeys: number, ...args: string[]): Promise<number[]>;
  sluiceFinish(...keysAndArgs: string[]): Promise<string | number>;
  sluiceUncount(...keysAndArgs: string[]): Promise<string | number>;
};
const claim = scripts.sluiceClaim.bind(redis);

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
    const bytes = Buffer.from(b.bytes, b.offset, b.length);
    return signer.sign(bytes);
  });
  // The payloads are in Redis before any job names them.
  await Promise.all(
    m.batches.map((b, i) => (macs[i] === null ? null : redis.sendCommand(new PackedCommand("set", Buffer.from(b.bytes, b.setCommand.offset, b.setCommand.length))))),
  );
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

/** Workers by consumer id, and the jobs they wait on the node to settle. */
const workers = new Map<number, Worker>();
const settling = new Map<number, (s: JobSettlement["outcome"]) => void>();
let jobSeq = 0;
const post = (m: ConsumedJob | ConsumerEvent): void => port.postMessage(m);

/** At most one batch that stalled before in flight on this node (see suspect-slot.ts). */
const suspects = new SuspectSlot();

function consume(m: ConsumeRequest): void {
  // On the shared workerConnection; BullMQ makes the worker's blocking connection from it.
  const w = new Worker(
    m.queue,
    async (job: Job, token?: string) => {
      const jid = jobSeq++;
      if (suspects.admit(jid, job.stalledCounter, m.ordered) === "retry-later") {
        // A delayed job: no attempt counted, and any node may take it when it is due.
        await job.moveToDelayed(Date.now() + suspects.retryMs, token);
        throw new DelayedError();
      }
      const outcome = await new Promise<JobSettlement["outcome"]>((resolve) => {
        settling.set(jid, resolve);
        post({ kind: "job", cid: m.cid, jid, id: String(job.id), data: job.data, attemptsMade: job.attemptsMade });
      });
      suspects.release(jid);
      if (outcome === "done") return;
      if (outcome === "released") {
        // Back to the head of the queue, no attempt counted (the node stops taking batches).
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw outcome.unrecoverable ? new UnrecoverableError(outcome.failed) : new Error(outcome.failed);
    },
    {
      connection: workerConnection,
      prefix: init.bullPrefix,
      concurrency: m.concurrency,
      lockDuration: m.lockDurationMs,
      stalledInterval: m.stalledIntervalMs,
      maxStalledCount: m.maxStalledCount,
      autorun: true,
    },
  );
  w.on("error", (e) => post({ kind: "consumerError", cid: m.cid, message: e.message }));
  w.on("completed", (job) => {
    const data = job.data as { k?: unknown };
    const k = typeof data?.k === "string" ? data.k : "";
    scripts.sluiceFinish(m.entriesKey, m.sizeKey, k, String(job.id), `${m.payloadPrefix}${String(job.id)}`).then(
      (entry) => post({ kind: "finished", cid: m.cid, id: String(job.id), data: job.data, entry: typeof entry === "string" ? entry : null }),
      (e: unknown) => post({ kind: "consumerError", cid: m.cid, message: `could not record finished batch ${String(job.id)}: ${e instanceof Error ? e.message : String(e)}` }),
    );
  });
  w.on("failed", (job, err) => {
    // Dead-lettered when out of attempts, and also at once on an UnrecoverableError (a batch
    // that does not open; one that stalled more than maxStalledCount times), which BullMQ
    // moves to the failed set whatever the attempts left.
    const unrecoverable = err instanceof UnrecoverableError || err?.name === "UnrecoverableError";
    if (!job || !(unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1))) return;
    scripts.sluiceUncount(m.entriesKey, m.sizeKey, String(job.id)).then(
      (entry) =>
        post({ kind: "deadLettered", cid: m.cid, id: String(job.id), data: job.data, attemptsMade: job.attemptsMade, stalls: job.stalledCounter, reason: job.failedReason, entry: typeof entry === "string" ? entry : null }),
      (e: unknown) => post({ kind: "consumerError", cid: m.cid, message: `could not uncount dead-lettered batch ${String(job.id)}: ${e instanceof Error ? e.message : String(e)}` }),
    );
  });
  workers.set(m.cid, w);
}

async function stopConsuming(cid: number): Promise<void> {
  const w = workers.get(cid);
  workers.delete(cid);
  if (w) {
    await w.close().catch(() => {});
  }
  post({ kind: "stopped", cid });
}

port.on("message", (m: HandoverRequest | ConsumeRequest | StopConsumeRequest | JobSettlement | { close: true }) => {
  if ("close" in m) {
    void Promise.all([...workers.keys()].map((cid) => stopConsuming(cid)))
      .then(() => Promise.all([...queues.values()].map((q) => q.then((queue) => queue.close()).catch(() => {}))))
      // Not connected (Redis down): QUIT would wait for a reconnect for ever (no retry limit).
      .then(() => Promise.all([redis.quit(), workerConnection.status === "ready" ? workerConnection.quit() : workerConnection.disconnect()]))
      .catch(() => redis.disconnect())
      .finally(() => port.close());
    return;
  }
  if ("kind" in m) {
    if (m.kind === "consume") consume(m);
    else if (m.kind === "stopConsume") void stopConsuming(m.cid);
    else {
      const settle = settling.get(m.jid);
      settling.delete(m.jid);
      settle?.(m.outcome);
    }
    return;
  }
  handover(m).then(
    (added) => port.postMessage({ id: m.id, added }),
    (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
