/**
 * Distributed connections over Redis: the DistributedLink the engine's DistributedQueue uses
 * on a cluster node (see engine/queue/distributed-queue.ts for the engine side).
 *
 * - One BullMQ queue per distributed connection (`dq-<flow>-<connection>`); partition by
 *   attribute uses one queue per partition (`…-p<n>`) with a global concurrency of 1, so one
 *   batch of a partition is processed at a time in the whole cluster and per-key order holds.
 * - A job is a batch of FlowFiles: attributes and small content inline (batch-codec.ts, sealed
 *   with the cluster's batch key (batch-mac.ts) so no process without the secret can inject FlowFiles), larger
 *   content in the shared content store (a directory every node mounts), named after the
 *   batch and the handover. Job ids are the batch ids, and BullMQ's deduplication keeps an id
 *   for an hour from its add (past the job's end: a deduplication key with a TTL outlives its
 *   job), so a batch handed over again (a crash between handover and local commit, a stalled
 *   batch processed again) is not added twice within that window.
 * - Lock and stall: a node that dies holding batches loses their locks after `lockDurationMs`;
 *   a live worker's stall check (every `stalledIntervalMs`) puts them back at the head of the
 *   queue. A batch that stalls more than `maxStalledCount` times, or whose processing fails
 *   `attempts` times, lands in the dead-letter list (BullMQ's failed set).
 * - Cluster-wide size: a hash per connection (count, bytes) raised when a batch is added and
 *   lowered when it finishes or is dead-lettered, read by every node every `refreshMs`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Queue, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { unpack } from "msgpackr";
import { SAFE_ID } from "../api/node-api";
import type { ContentClaim } from "../core/content-claim";
import type {
  BatchFlowFile,
  DeadLetter,
  DistributedConnectionRef,
  DistributedConsumer,
  DistributedLink,
  IncomingBatch,
  OutgoingBatch,
  WireFlowFile,
} from "../queue/distributed-queue";
import type { QueueSize } from "../queue/connection-queue";
import { BATCH_FORMAT, decodeBatch, encodeBatch, type BatchEntry, type EncodableEntry } from "./batch-codec";
import type { ClusterKeys } from "./keys";
import { FINISH_SCRIPT, LUA_UNCOUNT_ENTRY, luaDeleteEntryPayload, type ConsumedJob, type HandoverBatch, type JobSettlement } from "./handover-protocol";
import { PayloadWriter } from "./payload-writer";
import { COMMAND_TIMEOUT_MS, type RedisLink } from "./redis-link";
import type { ClusterKey } from "./seal";

export interface RedisDistributedLinkOptions {
  link: RedisLink;
  keys: ClusterKeys;
  key: ClusterKey;
  nodeId: string;
  /** A directory every node can read and write (NFS, a shared volume); null = none. */
  sharedContentDir?: string | null;
  /** Content up to this many bytes travels inline in the batch. @default 256 KiB */
  inlineMax?: number;
  /** Partitions of a partition-by-attribute connection. @default 8 */
  partitions?: number;
  /** @default { count: 1000, bytes: 1 MiB } */
  batchMax?: { count: number; bytes: number };
  /** @default 10000 */
  lockDurationMs?: number;
  /** @default 5000 */
  stalledIntervalMs?: number;
  /** @default 2 */
  maxStalledCount?: number;
  /** Failed attempts before the dead-letter list. @default 5 */
  attempts?: number;
  /** Delay before a failed batch is tried again. @default 1000 */
  backoffMs?: number;
  /** How long a finished batch id keeps a second add out. @default 1 h */
  dedupTtlMs?: number;
  /** Batches a node holds per connection (prefetch). @default 4 */
  prefetch?: number;
  /** How often cluster-wide sizes are read. @default 250 */
  refreshMs?: number;
  /**
   * The size repair (see `sweep`): how often it runs, and how old a counted batch must be
   * before a missing job uncounts it. @default { everyMs: 30000, ageMs: 60000 }
   */
  sweep?: { everyMs: number; ageMs: number };
  log: (line: string) => void;
}

/**
 * Job data: the batch's summary and where its packed FlowFiles are. The packed batch
 * (batch-codec.ts) is a binary Redis value beside the job, not inside its JSON: as base64 in
 * the job it cost a third of a node's CPU (stringify, parse, base64 both ways) in cluster-hop.
 */
interface JobData {
  v: 2;
  from: string;
  n: number;
  b: number;
  /** The Redis key of the packed batch. */
  k: string;
  /** MAC of the packed bytes under the cluster's batch key (batch-mac.ts; HMAC-SHA256 hex from earlier versions). */
  m: string;
  /** Shared-store files of the batch (relative paths), deleted when it finishes. */
  f: string[];
}

/** One FlowFile in a format-2 (msgpack) batch: uuid, attributes, entryDate, lineageStartDate, content. */
type WireEntry = [string, Record<string, string>, number, number, Buffer | { f: string; l: number } | null];

const DEFAULTS = {
  inlineMax: 256 * 1024,
  partitions: 8,
  batchMax: { count: 1000, bytes: 1024 * 1024 },
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  maxStalledCount: 2,
  attempts: 5,
  backoffMs: 1000,
  dedupTtlMs: 3_600_000,
  prefetch: 4,
  refreshMs: 250,
  sweep: { everyMs: 30_000, ageMs: 60_000 },
};

export class RedisDistributedLink implements DistributedLink {
  readonly nodeId: string;
  readonly partitions: number;
  readonly inlineMax: number;
  readonly sharedStore: boolean;
  readonly batchMax: { count: number; bytes: number };
  private readonly o: Required<Omit<RedisDistributedLinkOptions, "sharedContentDir">> & { sharedContentDir: string | null };
  private readonly queues = new Map<string, Queue>();
  private readonly sizes = new Map<string, QueueSize>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly refs = new Map<string, DistributedConnectionRef>();
  private readonly consumers = new Set<Consumer>();
  private refresher: NodeJS.Timeout | null = null;
  private bullConnection: Redis | null = null;
  /** Stores payloads from its own thread; started by `ready()` or the first handover. */
  private writer: PayloadWriter | null = null;
  private primary = false;
  private closed = false;
  /** Batches added since the last `checkAdds`, and the timer that runs it. */
  private readonly addedBatches: Array<{ ref: DistributedConnectionRef; partition: number; id: string; k: string; f: string[] }> = [];
  private loserTimer: NodeJS.Timeout | null = null;

  constructor(opts: RedisDistributedLinkOptions) {
    this.o = {
      ...DEFAULTS,
      ...opts,
      sharedContentDir: opts.sharedContentDir ? path.resolve(opts.sharedContentDir) : null,
    } as RedisDistributedLink["o"];
    this.nodeId = opts.nodeId;
    this.partitions = this.o.partitions;
    this.inlineMax = this.o.inlineMax;
    this.batchMax = this.o.batchMax;
    this.sharedStore = this.o.sharedContentDir !== null;
  }

  /**
   * Resolves once the link can hand over without a start-up wait: its payload writer thread is
   * loaded and connected to Redis (or `timeoutMs` passed). A node awaits it as it starts, so the
   * first handover of a flow does not wait ~100 ms for the thread.
   */
  ready(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.payloadWriter().ready(timeoutMs);
  }

  /** The node became (or stopped being) the primary: single-node connections follow it. */
  setPrimary(primary: boolean): void {
    this.primary = primary;
    for (const c of this.consumers) c.sync();
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  async handover(ref: DistributedConnectionRef, batches: readonly OutgoingBatch[], sealed?: (id: string, seal: string | null) => void): Promise<void> {
    if (batches.length === 0) return;
    this.track(ref);
    // Payloads and shared files are named after this handover, not only the batch id: two
    // handovers of one id can both get past the claim (a stalled batch redone while the
    // stalled node wakes), and one's payload must not replace what the other's job was sealed
    // over. The add that loses to the other is found afterwards and its leftovers removed.
    const nonce = randomBytes(6).toString("hex");
    const now = Date.now();
    const packs = await Promise.all(batches.map((b) => this.pack(ref, b, nonce)));
    // Kept before anything is added: this node's own consumer can take a job before the thread
    // answers. The seal a consumer compares is the payload key, which names this very handover.
    for (const p of packs) sealed?.(p.id, p.data.k);
    const claimKeys = [this.entriesKey(ref), this.sizeKey(ref), ...batches.map((b) => this.dedupKey(ref, b.partition, b.id))];
    const claimArgs = packs.flatMap((p, i) => [p.id, `${p.data.n}:${p.data.b}:${now}:${batches[i]!.partition}:${nonce}`, String(p.data.n), String(p.data.b)]);
    // One message: the thread claims the batches (which are new to the cluster, not added nor
    // finished within the dedup window; each counted once in the cluster-wide size), stores
    // the new ones' payloads and adds their jobs. A crash before the add leaves a count entry
    // and payload that the sweep removes.
    const added = await this.payloadWriter().handover({
      claimKeys,
      claimArgs,
      batches: packs,
      jobOptions: { removeOnComplete: true, removeOnFail: false, attempts: this.o.attempts, backoff: { type: "fixed", delay: this.o.backoffMs } },
      dedupTtlMs: this.o.dedupTtlMs,
    });
    let count = 0;
    let bytes = 0;
    for (const [i, p] of packs.entries()) {
      if (added[i] === null || added[i] === undefined) {
        // In the cluster already, from an earlier handover: nothing of this one was written
        // but its shared files, which nothing names.
        sealed?.(p.id, null);
        this.removeFiles(p.data.f);
        continue;
      }
      count += p.data.n;
      bytes += p.data.b;
      // Cleanup only, and checked for several handovers at once: nothing the caller waits for.
      this.addedBatches.push({ ref, partition: batches[i]!.partition, id: p.id, k: p.data.k, f: p.data.f });
    }
    this.bump(ref, count, bytes);
    if (this.addedBatches.length >= LOSER_CHECK_BATCHES) void this.checkAdds();
    else if (this.addedBatches.length > 0 && this.loserTimer === null && !this.closed) {
      this.loserTimer = setTimeout(() => void this.checkAdds(), LOSER_CHECK_DELAY_MS);
      this.loserTimer.unref();
    }
  }

  consume(
    ref: DistributedConnectionRef,
    deliver: (batch: IncomingBatch) => Promise<"done" | { failed: Error } | "released">,
    kept?: (id: string, seal: string) => boolean,
  ): DistributedConsumer {
    this.track(ref);
    const c = new Consumer(this, ref, deliver, kept);
    this.consumers.add(c);
    c.sync();
    return {
      stop: async () => {
        this.consumers.delete(c);
        await c.stop();
      },
    };
  }

  queued(ref: DistributedConnectionRef): QueueSize {
    this.track(ref);
    return this.sizes.get(refKey(ref)) ?? { count: 0, bytes: 0 };
  }

  onQueuedChange(ref: DistributedConnectionRef, listener: () => void): () => void {
    this.track(ref);
    const k = refKey(ref);
    const set = this.listeners.get(k) ?? new Set();
    set.add(listener);
    this.listeners.set(k, set);
    return () => set.delete(listener);
  }

  /** The dead-letter list of a connection, newest first. */
  async deadLetters(ref: DistributedConnectionRef, limit = 100): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const p of this.partitionsOf(ref)) {
      const jobs = await this.queue(ref, p).getFailed(0, limit - 1);
      for (const job of jobs) {
        if (!job) continue;
        const data = job.data as JobData;
        let sample: DeadLetter["sample"] = [];
        try {
          sample = (await this.open(data))
            .slice(0, 5)
            .map((e) => ({ uuid: e.uuid, filename: e.attributes.filename ?? null }));
        } catch {
          // A batch that does not open (tampered) is listed without its sample.
        }
        out.push({
          id: String(job.id),
          from: data.from,
          count: data.n,
          bytes: data.b,
          // A batch dead-lettered for stalling was taken once per stall (its nodes died with it);
          // BullMQ counts that as one attempt, which the panel showed as "1 try".
          attempts: job.failedReason === BULLMQ_STALLED ? Math.max(job.stalledCounter ?? 0, job.attemptsMade) : job.attemptsMade,
          reason: deadLetterReason(job.failedReason, job.stalledCounter),
          failedAt: job.finishedOn ?? job.timestamp,
          sample,
        });
      }
    }
    return out.sort((a, b) => b.failedAt - a.failedAt).slice(0, limit);
  }

  /**
   * Puts a dead-lettered batch back in the queue, attempts and stalls reset (as for a new
   * batch: the operator retries it because the cause is fixed). False when no such batch.
   */
  async retryDeadLetter(ref: DistributedConnectionRef, id: string): Promise<boolean> {
    const found = await this.findFailed(ref, id);
    if (!found) return false;
    const { job, queue } = found;
    const data = job.data as JobData;
    await this.count(ref, [{ id: String(job.id), partition: partitionOfBatch(String(job.id)), n: data.n, b: data.b, nonce: keyNonce(data.k) }]);
    // BullMQ's retry resets attempts but not the stall count (the job hash's `stc`).
    await this.o.link.commands.hset(queue.toKey(String(job.id)), "stc", "0");
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    this.bump(ref, data.n, data.b);
    return true;
  }

  /**
   * Removes a dead-lettered batch and its shared content; returns its FlowFiles (for DROP
   * events), or null when no such batch.
   */
  async dropDeadLetter(ref: DistributedConnectionRef, id: string): Promise<WireFlowFile[] | null> {
    const job = (await this.findFailed(ref, id))?.job;
    if (!job) return null;
    const data = job.data as JobData;
    let flowFiles: WireFlowFile[] = [];
    try {
      flowFiles = await this.decode(data, false);
    } catch {
      // Dropped all the same.
    }
    await job.remove();
    await this.o.link.commands.del(data.k);
    this.removeFiles(data.f);
    return flowFiles;
  }

  async drainWaiting(ref: DistributedConnectionRef): Promise<WireFlowFile[]> {
    const out: WireFlowFile[] = [];
    for (const p of this.partitionsOf(ref)) {
      const q = this.queue(ref, p);
      for (;;) {
        const jobs = (await q.getJobs(["waiting", "delayed", "prioritized"], 0, 99)).filter((j): j is Job => Boolean(j));
        let removed = 0;
        for (const job of jobs) {
          const data = job.data as JobData;
          try {
            await job.remove();
          } catch {
            // Taken by a node meanwhile (locked): it finishes there.
            continue;
          }
          removed++;
          try {
            out.push(...(await this.decode(data, false)));
          } catch {
            // A batch that does not open is removed all the same.
          }
          await this.finished(ref, String(job.id), data);
        }
        if (jobs.length < 100 || removed === 0) break;
      }
    }
    return out;
  }

  /** Stops every consumer and closes the queues (batches held go back after their lock expires). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refresher) clearInterval(this.refresher);
    this.refresher = null;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.checkAdds();
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
    this.queues.clear();
    await this.writer?.close();
    this.writer = null;
  }

  // ---- used by Consumer

  /**
   * @internal Takes batches of one queue of `ref` on the handover thread (its BullMQ worker);
   * `process` settles each job it is given. Finished and dead-lettered batches leave the
   * cluster-wide count there; this node's estimate and shared files follow here.
   */
  remoteWorker(ref: DistributedConnectionRef, partition: number, process: (job: ConsumedJob) => Promise<JobSettlement["outcome"]>): { stop: () => Promise<void> } {
    const partitioned = ref.strategy === "partition-by-attribute";
    const writer = this.payloadWriter();
    return writer.consume(
      {
        queue: queueName(ref, partition, partitioned),
        concurrency: partitioned ? 1 : this.o.prefetch,
        lockDurationMs: this.o.lockDurationMs,
        stalledIntervalMs: this.o.stalledIntervalMs,
        maxStalledCount: this.o.maxStalledCount,
        ordered: partitioned,
        entriesKey: this.entriesKey(ref),
        sizeKey: this.sizeKey(ref),
        payloadPrefix: this.payloadKey(ref, "", ""),
      },
      (job) => {
        void process(job).then(
          (outcome) => writer.settle(job.jid, outcome),
          (e: unknown) => writer.settle(job.jid, { failed: e instanceof Error ? e.message : String(e), unrecoverable: false }),
        );
      },
      (e) => {
        if (e.kind === "finished" || e.kind === "deadLettered") {
          const data = e.data as Partial<JobData> | null;
          if (e.entry) this.bump(ref, -(data?.n ?? 0), -(data?.b ?? 0));
          if (e.kind === "finished") this.removeFiles(Array.isArray(data?.f) ? data.f : []);
          else {
            const n = e.attemptsMade;
            const why = e.reason === BULLMQ_STALLED ? `: ${deadLetterReason(e.reason, e.stalls)}` : ` after ${n} failed attempt${n === 1 ? "" : "s"}: ${e.reason}`;
            this.o.log(`distributed connection ${ref.connectionId}: batch ${e.id} moved to the dead-letter list${why}`);
          }
        } else if (e.kind === "consumerError") this.o.log(`distributed connection ${ref.connectionId}: ${e.message}`);
      },
    );
  }

  /**
   * @internal Decodes a job into a batch; UnrecoverableError when it does not open. When
   * `kept(id, seal)` says this node holds the very batch, nothing is read (`kept: true`).
   */
  async batchOf(job: Pick<Job, "id" | "data" | "attemptsMade">, kept?: (id: string, seal: string) => boolean): Promise<IncomingBatch> {
    const data = job.data as JobData;
    if (kept && data?.v === 2 && typeof data.k === "string" && kept(String(job.id), data.k)) {
      return { id: String(job.id), from: data.from, flowFiles: [], attempts: job.attemptsMade, kept: true };
    }
    let flowFiles: WireFlowFile[];
    try {
      flowFiles = await this.decode(data, true);
    } catch (e) {
      throw new UnrecoverableError(`batch ${job.id} refused: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { id: String(job.id), from: data.from, flowFiles, attempts: job.attemptsMade };
  }

  // ---- internals

  private partitionsOf(ref: DistributedConnectionRef): number[] {
    return ref.strategy === "partition-by-attribute" ? [...Array(this.partitions).keys()] : [0];
  }

  private async findFailed(ref: DistributedConnectionRef, id: string): Promise<{ job: Job; queue: Queue } | null> {
    if (!SAFE_BATCH_ID.test(id)) return null;
    for (const p of this.partitionsOf(ref)) {
      const queue = this.queue(ref, p);
      const job = await queue.getJob(id);
      if (job && (await job.isFailed())) return { job, queue };
    }
    return null;
  }

  /**
   * A batch finished here on the event loop (emptied from the queue; batches a worker takes
   * finish on the handover thread): uncounted, its payloads and files deleted.
   */
  private async finished(ref: DistributedConnectionRef, id: string, data: JobData): Promise<void> {
    try {
      // Its payload goes, and the one its count entry names when that was another handover's
      // (one that crashed before its add, whose payload nothing else would remove).
      const done = await this.o.link.commands.eval(FINISH_SCRIPT, 3, this.entriesKey(ref), this.sizeKey(ref), data.k, id, this.payloadKey(ref, id, ""));
      if (typeof done === "string") this.bump(ref, -data.n, -data.b);
      this.removeFiles(data.f);
    } catch (e) {
      this.o.log(`distributed connection ${ref.connectionId}: could not record a finished batch: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private removeFiles(files: readonly string[]): void {
    const dir = this.o.sharedContentDir;
    if (!dir) return;
    for (const f of files) fs.rmSync(path.join(dir, f), { force: true });
  }

  private payloadWriter(): PayloadWriter {
    this.writer ??= new PayloadWriter(this.o.link.url, this.o.key.batchKeyBytes(), COMMAND_TIMEOUT_MS, this.o.keys.bullPrefix);
    return this.writer;
  }

  /** Packs a batch for the handover thread (content above the inline threshold goes to the shared store first). */
  private async pack(ref: DistributedConnectionRef, b: OutgoingBatch, nonce: string): Promise<HandoverBatch> {
    const files: string[] = [];
    const writes: Array<Promise<void>> = [];
    const read = b.read;
    const sizeOf = (ff: BatchFlowFile): number => (ff.content !== undefined ? (ff.content?.length ?? 0) : (ff.claim?.length ?? 0));
    let bytes = 0;
    let inline = true;
    for (const ff of b.flowFiles) {
      const size = sizeOf(ff);
      bytes += size;
      if (size > this.inlineMax) inline = false;
    }
    // Inline content (most batches): the FlowFiles are encoded as they are, their content read
    // as it is written (see BatchFlowFile).
    const entries: ReadonlyArray<EncodableEntry<ContentClaim>> = inline ? b.flowFiles : b.flowFiles.map((ff, i) => {
      const data = ff.content !== undefined ? ff.content : ff.claim ? readClaim(read, ff.claim) : null;
      let content: BatchEntry["content"] = data;
      if (data && data.length > this.inlineMax) {
        const rel = this.sharedPath(ref, `${b.id}.${nonce}`, i, data.length);
        writes.push(this.writeShared(rel, data));
        files.push(rel);
        content = { f: rel, l: data.length };
      }
      return { uuid: ff.uuid, attributes: ff.attributes as Record<string, string>, entryDate: ff.entryDate, lineageStartDate: ff.lineageStartDate, content };
    });
    await Promise.all(writes);
    const writer = this.payloadWriter();
    const k = this.payloadKey(ref, b.id, nonce);
    const packed = writer.place(encodeBatch(entries, (size) => writer.target(size, k), (claim) => readClaim(read, claim)), k);
    return {
      id: b.id,
      queue: queueName(ref, b.partition),
      ordered: ref.strategy === "partition-by-attribute",
      ...packed,
      data: { v: 2, from: this.nodeId, n: b.flowFiles.length, b: bytes, k, f: files },
    };
  }

  private async open(data: JobData): Promise<BatchEntry[]> {
    if (data?.v !== 2 || typeof data.k !== "string" || typeof data.m !== "string") throw new Error("not a Sluice batch");
    if (!data.k.startsWith(`${this.o.keys.cluster}:dq:`)) throw new Error("batch payload key outside this cluster");
    const packed = await this.o.link.commands.getBuffer(data.k);
    if (packed === null) throw new Error("batch payload is gone from Redis");
    if (!(await this.o.key.verifyBatch(packed, data.m))) throw new Error("batch seal does not verify with this cluster's secret");
    if (packed[0] === BATCH_FORMAT) return decodeBatch(packed);
    // Format 2 (msgpack), from a node of an earlier version; its first byte is an array's.
    const entries = unpack(packed) as WireEntry[];
    if (!Array.isArray(entries)) throw new Error("batch payload is not a list");
    return entries.map(([uuid, attributes, entryDate, lineageStartDate, content]) => ({ uuid, attributes, entryDate, lineageStartDate, content }));
  }

  private async decode(data: JobData, withContent: boolean): Promise<WireFlowFile[]> {
    return (await this.open(data)).map(({ uuid, attributes, entryDate, lineageStartDate, content: c }) => {
      let content: Buffer | null = null;
      if (c && withContent) {
        if (Buffer.isBuffer(c)) content = c;
        else if (c instanceof Uint8Array) content = Buffer.from(c);
        else content = this.readShared(c.f, c.l);
      }
      return { uuid, attributes, entryDate, lineageStartDate, content };
    });
  }

  /** Where content of a batch goes in the shared store (relative); throws when there is none. */
  private sharedPath(ref: DistributedConnectionRef, batchId: string, index: number, length: number): string {
    if (!this.o.sharedContentDir) throw new Error(`content of ${length} bytes is above the inline threshold (${this.inlineMax}) and node ${this.nodeId} has no shared content store`);
    return path.join(this.o.keys.cluster, ref.flowId, ref.connectionId, `${batchId}-${index}`);
  }

  /**
   * Writes content to the shared store durably (fsync, then an atomic rename), on libuv's
   * thread pool: a megabyte's fsync would otherwise stop this node's event loop.
   */
  private async writeShared(rel: string, content: Buffer): Promise<void> {
    const file = path.join(this.o.sharedContentDir!, rel);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    const handle = await fs.promises.open(tmp, "w");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
  }

  private readShared(rel: string, length: number): Buffer {
    const dir = this.o.sharedContentDir;
    if (!dir) throw new Error(`batch content is in the shared content store, and node ${this.nodeId} has none`);
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) throw new Error(`shared content path ${JSON.stringify(rel)} leaves the store`);
    const data = fs.readFileSync(file);
    if (data.length !== length) throw new Error(`shared content ${rel} has ${data.length} bytes, expected ${length}`);
    return data;
  }

  private queue(ref: DistributedConnectionRef, partition: number): Queue {
    const partitioned = ref.strategy === "partition-by-attribute";
    const name = queueName(ref, partition, partitioned);
    let q = this.queues.get(name);
    if (!q) {
      this.bullConnection ??= this.o.link.bull();
      q = new Queue(name, { connection: this.bullConnection, prefix: this.o.keys.bullPrefix });
      q.on("error", (e) => this.o.log(`distributed connection ${ref.connectionId}: ${e.message}`));
      // One batch of a partition at a time in the whole cluster: per-key order.
      if (partitioned) void q.setGlobalConcurrency(1).catch((e: unknown) => this.o.log(`could not set global concurrency of ${name}: ${String(e)}`));
      this.queues.set(name, q);
    }
    return q;
  }

  private dedupKey(ref: DistributedConnectionRef, partition: number, id: string): string {
    return `${this.o.keys.bullPrefix}:${queueName(ref, partition, ref.strategy === "partition-by-attribute")}:de:${id}`;
  }

  /** Where a batch's packed FlowFiles live until it is done (nonce "": before handovers had one). */
  private payloadKey(ref: DistributedConnectionRef, id: string, nonce: string): string {
    return `${this.o.keys.cluster}:dq:${ref.flowId}:${ref.connectionId}:p:${id}${nonce ? `.${nonce}` : ""}`;
  }

  /**
   * After adds: a batch whose job does not hold this handover's payload lost to another handover
   * of its id (whose add came first, so BullMQ kept that job), and leaves this handover's payload
   * and shared files behind, which nothing else would remove. A job that is gone finished: its
   * payload is deleted already, unless it was the other handover's, and deleting again is
   * harmless. Why in batches: one round trip for many handovers, off the handover's path.
   */
  private async checkAdds(): Promise<void> {
    if (this.loserTimer !== null) clearTimeout(this.loserTimer);
    this.loserTimer = null;
    const added = this.addedBatches.splice(0);
    if (added.length === 0) return;
    const redis = this.o.link.commands;
    try {
      const pipe = redis.pipeline();
      for (const a of added) pipe.hget(`${this.o.keys.bullPrefix}:${queueName(a.ref, a.partition)}:${a.id}`, "data");
      const got = (await pipe.exec()) ?? [];
      const lost: Array<{ k: string; f: string[] }> = [];
      for (const [i, a] of added.entries()) {
        const [err, text] = got[i] ?? [null, null];
        if (err) continue;
        let k: unknown = null;
        if (typeof text === "string") {
          try {
            k = (JSON.parse(text) as Partial<JobData>).k;
          } catch {
            continue;
          }
        }
        if (k !== a.k) lost.push(a);
      }
      if (lost.length === 0) return;
      await redis.del(...lost.map((d) => d.k));
      for (const d of lost) this.removeFiles(d.f);
    } catch (e) {
      this.o.log(`could not check the adds of ${added.length} handed-over batches: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private sizeKey(ref: DistributedConnectionRef): string {
    return sizeKeyOf(this.o.keys.cluster, ref);
  }

  /** Per batch id, "count:bytes:countedAt:partition" of every batch the size counts. */
  private entriesKey(ref: DistributedConnectionRef): string {
    return `${this.o.keys.cluster}:dq:${ref.flowId}:${ref.connectionId}:batches`;
  }

  /** Counts batches into the cluster-wide size, each at most once (atomic in Redis). */
  private async count(ref: DistributedConnectionRef, entries: readonly SizeEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    const args = entries.flatMap((e) => [e.id, `${e.n}:${e.b}:${now}:${e.partition}:${e.nonce}`, String(e.n), String(e.b)]);
    await this.o.link.commands.eval(COUNT_SCRIPT, 2, this.entriesKey(ref), this.sizeKey(ref), ...args);
  }

  /**
   * Repairs the cluster-wide size after a node died between a batch's change and its count
   * change: an entry counted over a minute ago whose job is gone (finished, or never added) or
   * finished (dead-lettered) is taken out. Idempotent, so every node may run it.
   */
  private async sweep(ref: DistributedConnectionRef): Promise<void> {
    const redis = this.o.link.commands;
    const cutoff = Date.now() - this.o.sweep.ageMs;
    const partitioned = ref.strategy === "partition-by-attribute";
    let cursor = "0";
    do {
      const [next, flat] = await redis.hscan(this.entriesKey(ref), cursor, "COUNT", 200);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i]!;
        const [, , at, partition] = flat[i + 1]!.split(":");
        if (Number(at) > cutoff) continue;
        const jobKey = `${this.o.keys.bullPrefix}:${queueName(ref, Number(partition) || 0, partitioned)}:${id}`;
        // Looked at and uncounted in one script: a batch handed over again between a look at its
        // job and the uncount (same id, after a crash) would lose its count while it waits, and
        // with it, when another node's sweep went first, the payload of its new handover.
        await redis.eval(SWEEP_SCRIPT, 3, this.entriesKey(ref), this.sizeKey(ref), jobKey, id, String(cutoff), this.payloadKey(ref, id, ""));
      }
    } while (cursor !== "0");
  }

  /** Local estimate until the next refresh: what this node added or finished counts at once. */
  private bump(ref: DistributedConnectionRef, count: number, bytes: number): void {
    const k = refKey(ref);
    const cur = this.sizes.get(k) ?? { count: 0, bytes: 0 };
    this.sizes.set(k, { count: Math.max(0, cur.count + count), bytes: Math.max(0, cur.bytes + bytes) });
    if (count < 0) for (const l of this.listeners.get(k) ?? []) l();
  }

  private track(ref: DistributedConnectionRef): void {
    const k = refKey(ref);
    if (!this.refs.has(k)) this.refs.set(k, ref);
    if (!this.refresher && !this.closed) {
      this.refresher = setInterval(() => void this.refresh(), this.o.refreshMs);
      this.refresher.unref();
    }
  }

  private refreshing = false;
  private lastSweep = Date.now();
  private async refresh(): Promise<void> {
    if (this.refreshing || this.o.link.commands.status !== "ready") return;
    this.refreshing = true;
    try {
      const refs = [...this.refs.values()];
      if (Date.now() - this.lastSweep > this.o.sweep.everyMs) {
        this.lastSweep = Date.now();
        for (const r of refs) await this.sweep(r);
      }
      const pipe = this.o.link.commands.pipeline();
      for (const r of refs) pipe.hmget(this.sizeKey(r), "count", "bytes");
      const res = (await pipe.exec()) ?? [];
      refs.forEach((r, i) => {
        const [err, v] = res[i] ?? [null, null];
        if (err || !Array.isArray(v)) return;
        const k = refKey(r);
        const next = { count: Math.max(0, Number(v[0] ?? 0)), bytes: Math.max(0, Number(v[1] ?? 0)) };
        const prev = this.sizes.get(k);
        this.sizes.set(k, next);
        if (prev && (next.count < prev.count || next.bytes < prev.bytes)) for (const l of this.listeners.get(k) ?? []) l();
      });
    } catch {
      // Redis is down: RedisLink says so once; sizes keep their last value.
    } finally {
      this.refreshing = false;
    }
  }
}

/** The content of `claim` with a batch's reader; a batch of claims without one is a caller's bug. */
function readClaim(read: OutgoingBatch["read"], claim: ContentClaim): Buffer {
  if (!read) throw new Error("a batch of FlowFiles without their content needs a content reader");
  return read(claim);
}

/**
 * The workers of one distributed connection on this node. A single-node connection runs them
 * only while this node is the primary.
 */
class Consumer {
  private workers: Array<{ stop: () => Promise<void> }> = [];
  private stopped = false;

  constructor(
    private readonly link: RedisDistributedLink,
    private readonly ref: DistributedConnectionRef,
    private readonly deliver: (batch: IncomingBatch) => Promise<"done" | { failed: Error } | "released">,
    private readonly kept: ((id: string, seal: string) => boolean) | undefined,
  ) {}

  /** Runs the workers when this node should take batches, closes them otherwise. */
  sync(): void {
    const want = !this.stopped && (this.ref.strategy !== "single-node" || this.link.isPrimary);
    if (want && this.workers.length === 0) {
      const parts = this.ref.strategy === "partition-by-attribute" ? this.link.partitions : 1;
      for (let p = 0; p < parts; p++) this.workers.push(this.link.remoteWorker(this.ref, p, (job) => this.process(job)));
    } else if (!want && this.workers.length > 0) void this.closeWorkers();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.closeWorkers();
  }

  private async closeWorkers(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.stop().catch(() => {})));
  }

  private async process(job: ConsumedJob): Promise<JobSettlement["outcome"]> {
    let batch: IncomingBatch;
    try {
      batch = await this.link.batchOf(job, this.kept);
    } catch (e) {
      return { failed: e instanceof Error ? e.message : String(e), unrecoverable: e instanceof UnrecoverableError };
    }
    const outcome = await this.deliver(batch);
    if (outcome === "done" || outcome === "released") return outcome;
    return { failed: outcome.failed.message, unrecoverable: false };
  }
}

/** A batch as the cluster-wide size counts it. */
interface SizeEntry {
  id: string;
  partition: number;
  n: number;
  b: number;
  /** The handover's nonce, which names its payload (see handover). */
  nonce: string;
}

/** The nonce a job's payload key ends with ("" for a key written before nonces). */
function keyNonce(key: string): string {
  const m = /\.([0-9a-f]{12})$/.exec(key);
  return m ? m[1]! : "";
}

/** KEYS: entries hash, size hash; ARGV: (id, entry, count, bytes)…. Counts each new id once. */
const COUNT_SCRIPT = `
for i = 1, #ARGV, 4 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], 'count', ARGV[i + 2])
    redis.call('HINCRBY', KEYS[2], 'bytes', ARGV[i + 3])
  end
end
return 1`;

/**
 * KEYS: entries hash, size hash, the batch's job key; ARGV: id, cutoff (ms), the batch's payload
 * key without a nonce. Uncounts the batch when its entry was counted at or before the cutoff
 * and its job is gone (finished, or never added) or finished (dead-lettered); for a gone job
 * also deletes the payload the entry names (`<key>.<nonce>`, or the key alone for an entry from
 * before nonces), which a crash may have left. Returns the entry when it uncounted, else 0.
 */
const SWEEP_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local at = tonumber(string.match(v, '^%d+:%d+:(%d+)'))
if at and at > tonumber(ARGV[2]) then return 0 end
local gone = redis.call('EXISTS', KEYS[3]) == 0
if not gone and not redis.call('HGET', KEYS[3], 'finishedOn') then return 0 end
${LUA_UNCOUNT_ENTRY}
if gone then
${luaDeleteEntryPayload("ARGV[3]")}
end
return v`;

/** Adds checked together for a lost race (see checkAdds), and the longest a check waits. */
const LOSER_CHECK_BATCHES = 64;
const LOSER_CHECK_DELAY_MS = 500;

/** The partition in a batch id `<key>-<partition>-<n>`. */
function partitionOfBatch(id: string): number {
  const parts = id.split("-");
  return Number(parts[parts.length - 2]) || 0;
}

/** Batch ids: the handover key (uuid or base64url hash) plus partition and index. */
const SAFE_BATCH_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/** BullMQ's failedReason for a job that stalled more than maxStalledCount times. */
const BULLMQ_STALLED = "job stalled more than allowable limit";

/**
 * Why a batch is in the dead-letter list, for the queue panel and the log: BullMQ's own text
 * for the stall limit names neither the cause nor the count (and the attempts beside it say 1:
 * BullMQ counts the failure the limit causes).
 */
function deadLetterReason(failedReason: string | undefined, stalls: number | undefined): string {
  if (failedReason !== BULLMQ_STALLED) return failedReason ?? "";
  return `the node processing it died (or stopped answering) ${stalls ?? 0} times with it in hand`;
}

/** The cluster-wide size hash (count, bytes) of a distributed connection. */
export function sizeKeyOf(cluster: string, ref: DistributedConnectionRef): string {
  return `${cluster}:dq:${ref.flowId}:${ref.connectionId}:size`;
}

/** The BullMQ queue of a distributed connection (of one partition, for partition-by-attribute). */
export function queueName(ref: DistributedConnectionRef, partition: number, partitioned = ref.strategy === "partition-by-attribute"): string {
  if (!SAFE_ID.test(ref.flowId) || !SAFE_ID.test(ref.connectionId)) throw new Error(`unsafe id in distributed connection ${ref.flowId}/${ref.connectionId}`);
  return `dq-${ref.flowId}-${ref.connectionId}${partitioned ? `-p${partition}` : ""}`;
}

function refKey(ref: DistributedConnectionRef): string {
  return `${ref.flowId}\u0000${ref.connectionId}`;
}
