/**
 * A distributed (load-balanced) connection as one node runs it.
 *
 * Its FlowFiles live in the cluster (Redis, in batches: see engine/cluster/distributed.ts), not
 * on this node's disk, so a node's death strands nothing. This class is the node's view of it:
 *
 * - Producing: a session that transfers FlowFiles here hands them over with
 *   `DistributedQueue.handover` *before* it commits locally (see StandardProcessSession.commit).
 *   The batches get deterministic ids, so a retried handover adds nothing twice.
 * - Consuming: while this node runs the destination processor, the link delivers batches
 *   ("units") taken from the cluster. Their FlowFiles are polled like any queue's. A unit is
 *   finished once every FlowFile of it was committed by local sessions and those commits are
 *   durable; only then does the cluster forget it. A unit this node dies holding comes back to
 *   the other nodes after the link's lock and stall intervals.
 * - Local part: the class is still a ConnectionQueue. FlowFiles recovered from this node's
 *   repository (queued while the connection was local, or by a replay) stay there, are polled
 *   first, and count like any local FlowFile.
 *
 * Sizes and back pressure: `isFull` counts the whole cluster's queue (every node's producers
 * see the same count), with a high and a low watermark so producers do not flap. `size()` is
 * what this node holds (local part and units it took); `clusterQueued()` is what waits in the
 * cluster for any node.
 *
 * Threading: like the rest of the engine, one thread; the link's callbacks come back on it.
 */
import type { ContentClaim } from "../core/content-claim";
import type { FlowFileRecord } from "../core/flowfile";
import { ConnectionQueue, type QueueOptions, type QueueSize } from "./connection-queue";

export type LoadBalanceStrategy = "round-robin" | "partition-by-attribute" | "single-node";

/** A FlowFile crossing nodes: what a batch carries for each. */
export interface WireFlowFile {
  readonly uuid: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly entryDate: number;
  readonly lineageStartDate: number;
  /** Null when the FlowFile has no content. */
  readonly content: Buffer | null;
  /**
   * Engine-internal, never sent: the claim in this node's content repository that `content`
   * was read from, on what a node keeps of a batch it handed over (see DistributedQueue).
   */
  readonly claim?: ContentClaim | null;
}

/**
 * A FlowFile of a batch this node hands over, or holds since (see DistributedQueue's `kept`):
 * as a WireFlowFile, except that `content` may be absent, to be read from `claim` (this node's
 * content repository) with the batch's `read` as the batch is packed. Why: a FlowFileRecord is
 * one as it is, so a handover makes no object per FlowFile.
 */
export interface BatchFlowFile extends Omit<WireFlowFile, "content"> {
  readonly content?: Buffer | null;
}

/** Where one distributed connection lives in the cluster. */
export interface DistributedConnectionRef {
  readonly flowId: string;
  readonly connectionId: string;
  readonly strategy: LoadBalanceStrategy;
  /** partition-by-attribute: the attribute whose value picks the partition. */
  readonly partitionAttribute?: string;
}

/** A batch of FlowFiles to hand over, and its id (deterministic: same batch, same id). */
export interface OutgoingBatch {
  readonly id: string;
  /** partition-by-attribute: the partition (0 ≤ p < link.partitions); otherwise 0. */
  readonly partition: number;
  readonly flowFiles: readonly BatchFlowFile[];
  readonly bytes: number;
  /** Reads the content of a FlowFile that carries only its `claim` (required when one does). */
  readonly read?: (claim: ContentClaim) => Buffer;
}

/** A batch this node took from the cluster. */
export interface IncomingBatch {
  readonly id: string;
  /** The node that handed it over. */
  readonly from: string;
  /**
   * The batch's FlowFiles, read from the cluster and verified (with their content); when `kept`,
   * given by DistributedQueue: what it kept of its own handover (content in `claim`).
   */
  readonly flowFiles: readonly BatchFlowFile[];
  /** How many times it was taken before (stalls and failures). */
  readonly attempts: number;
  /**
   * True when the consumer's `kept` said this node still holds this very batch (same id, same
   * seal): nothing was read, and the node uses what it kept.
   */
  readonly kept?: boolean;
}


/**
 * How a batch this node holds ends. `settle` is awaited by the link before it tells the cluster
 * the batch is done, and `fail` makes it count one failed attempt (a dead-letter list after
 * the link's limit); `release` gives it back untouched (the consumer stops).
 */
export interface BatchOutcome {
  done: Promise<"done" | { failed: Error } | "released">;
}

/**
 * The cluster side of distributed connections (engine/cluster implements it over Redis). The
 * engine holds no Redis client: only engine/cluster imports bullmq and ioredis. Contract:
 *
 * - `handover` resolves only once every batch is durable in the cluster; a batch whose id is
 *   already there (or was finished recently) is not added again. For each batch it first calls
 *   `sealed(id, seal)`, before any node can take it (the seal names this very handover of the
 *   batch: equal seals, equal FlowFiles), and `sealed(id, null)` once it knows the batch was not
 *   added (already there). It rejects (and may have added some of the batches) when the cluster
 *   cannot take them; the caller rolls back.
 * - `consume` starts taking batches for the connection on this node and calls `deliver` for
 *   each (in order per partition for partition-by-attribute). The returned promise settles
 *   when the batch is finished, failed or released, and the link acts on it. `stop` stops
 *   taking new batches; batches delivered and not settled are released. Before reading a
 *   batch's FlowFiles from the cluster it asks `kept(id, seal)`: true means this node still
 *   holds the very batch it handed over, and `deliver` gets it with `kept: true` (no
 *   read, no decode: NiFi keeps a load-balanced connection's local share local too).
 * - `queued` is the cluster-wide count and bytes of FlowFiles waiting or being processed in
 *   this connection, as of the last refresh (cheap; never a Redis round trip).
 * - `inlineMax` is the largest content carried inline; larger content goes to the shared
 *   content store, and `sharedStore` is false when the node has none (a distributed connection
 *   is then invalid).
 */
export interface DistributedLink {
  readonly nodeId: string;
  readonly partitions: number;
  readonly inlineMax: number;
  readonly sharedStore: boolean;
  /** Largest number of FlowFiles and bytes (inline) in one batch. */
  readonly batchMax: { count: number; bytes: number };
  handover(conn: DistributedConnectionRef, batches: readonly OutgoingBatch[], sealed?: (id: string, seal: string | null) => void): Promise<void>;
  consume(
    conn: DistributedConnectionRef,
    deliver: (batch: IncomingBatch) => Promise<"done" | { failed: Error } | "released">,
    kept?: (id: string, seal: string) => boolean,
  ): DistributedConsumer;
  queued(conn: DistributedConnectionRef): QueueSize;
  /** Called when `queued` may have gone down (so producers held back can look again). */
  onQueuedChange(conn: DistributedConnectionRef, listener: () => void): () => void;
  /** The dead-letter list, newest first (at most `limit`). */
  deadLetters(conn: DistributedConnectionRef, limit?: number): Promise<DeadLetter[]>;
  /** Puts a dead-lettered batch back in the queue, attempts reset; false when there is no such batch. */
  retryDeadLetter(conn: DistributedConnectionRef, id: string): Promise<boolean>;
  /** Removes a dead-lettered batch for good; its FlowFiles (for DROP events), or null when there is no such batch. */
  dropDeadLetter(conn: DistributedConnectionRef, id: string): Promise<WireFlowFile[] | null>;
  /**
   * Removes the batches waiting in the cluster (not those a node holds: they finish or come
   * back); resolves with their FlowFiles (for DROP events). "Empty queue" on every node.
   */
  drainWaiting(conn: DistributedConnectionRef): Promise<WireFlowFile[]>;
}

/** A batch in a distributed connection's dead-letter list. */
export interface DeadLetter {
  id: string;
  /** The node that handed the batch over. */
  from: string;
  count: number;
  bytes: number;
  /** Times it was taken and failed: failed attempts, or for a batch that kept stalling, its stalls. */
  attempts: number;
  reason: string;
  failedAt: number;
  /** The first FlowFiles' uuids and filenames. */
  sample: Array<{ uuid: string; filename: string | null }>;
}

/** A running consumer of one distributed connection on this node. */
export interface DistributedConsumer {
  stop(): Promise<void>;
}

/**
 * A unit: one batch taken from the cluster, while this node holds it. `pending` counts its
 * FlowFiles not yet committed durably here.
 */
export class BatchUnit {
  pending: number;
  private settled = false;
  /** Sessions that took FlowFiles of this unit so far (names the outputs deterministically). */
  sessions = 0;
  /**
   * Taken only by a session that takes nothing else (see DistributedQueue.poll), so that its
   * failure is its own. Set for a batch that failed before, and for the units of a session that
   * failed holding FlowFiles of more than one origin (StandardProcessSession.rollback).
   */
  suspect: boolean;
  constructor(
    readonly batch: IncomingBatch,
    private readonly resolve: (r: "done" | { failed: Error } | "released") => void,
  ) {
    this.pending = batch.flowFiles.length;
    this.suspect = batch.attempts > 0;
  }
  get id(): string {
    return this.batch.id;
  }
  get isSettled(): boolean {
    return this.settled;
  }
  settle(r: "done" | { failed: Error } | "released"): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(r);
  }
}

export interface DistributedQueueOptions extends QueueOptions {
  link: DistributedLink;
  ref: DistributedConnectionRef;
  /**
   * Turns an incoming batch's FlowFiles into local records (content written to this node's
   * content repository, one reference each, as a queued FlowFile holds). `release` undoes it
   * for FlowFiles that are never polled (the unit failed or was released).
   */
  materialize(batch: IncomingBatch, connectionId: string): FlowFileRecord[];
  release(flowFiles: readonly FlowFileRecord[]): void;
  /**
   * Adds (+1) or removes (-1) one reference to each content claim. With it, the queue keeps
   * what it hands over (up to `keepMax`), holding a reference to the content, so that when this
   * node takes the same batch back it neither reads nor decodes it; `materialize` then gets
   * FlowFiles with their `claim` set. Without it, every batch is read from the cluster.
   */
  retain?(claims: readonly ContentClaim[], delta: 1 | -1): void;
  /** Batches and inline bytes kept at most (the oldest go first). @default { count: 32, bytes: 32 MiB } */
  keepMax?: { count: number; bytes: number };
  /** Low watermark as a fraction of the thresholds: once full, full until below it. @default 0.9 */
  lowWatermark?: number;
}

/** The cluster did not take a handover (unreachable, full, refused); nothing is wrong with the FlowFiles. */
export class HandoverError extends Error {
  override name = "HandoverError";
}

/** FNV-1a: a stable, fast hash of a partition key (the same value gives the same partition everywhere). */
export function partitionOf(value: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** The unit a FlowFile taken from a distributed queue came from (engine-internal tag). */
export function batchUnitOf(ff: FlowFileRecord): BatchUnit | undefined {
  return (ff.unit as BatchUnit | null) ?? undefined;
}

export class DistributedQueue extends ConnectionQueue {
  readonly distributed = true;
  /** Provenance of the hop (SEND and RECEIVE events): built once, not once per FlowFile. */
  readonly transitUri: string;
  readonly sendDetails: string;
  private readonly link: DistributedLink;
  readonly ref: DistributedConnectionRef;
  private readonly materialize: DistributedQueueOptions["materialize"];
  private readonly releaseRecords: (ffs: readonly FlowFileRecord[]) => void;
  private readonly retain: DistributedQueueOptions["retain"];
  private readonly keepMax: { count: number; bytes: number };
  /** Batches handed over from here, by id, oldest first (see DistributedQueueOptions.retain). */
  private readonly kept = new Map<string, { seal: string; flowFiles: readonly BatchFlowFile[]; bytes: number }>();
  /** FlowFiles of handovers in flight from this node (see isFull). */
  private readonly handingOver = { count: 0, bytes: 0 };
  private keptBytes = 0;
  private readonly low: number;
  /** Units delivered and not yet fully polled, in delivery order, with what is left of each. */
  private readonly ready: Array<{ unit: BatchUnit; rest: FlowFileRecord[]; next: number }> = [];
  private readyCount = 0;
  private readyBytes = 0;
  /** FlowFiles of units taken by sessions and not yet committed (or requeued). */
  private takenCount = 0;
  private takenBytes = 0;
  private consumer: DistributedConsumer | null = null;
  private fullLatch = false;
  private readonly wakeUp: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(id: string, opts: DistributedQueueOptions) {
    super(id, opts);
    this.link = opts.link;
    this.ref = opts.ref;
    this.transitUri = `sluice-cluster://${opts.ref.flowId}/${id}`;
    this.sendDetails = `handed over to distributed connection ${id}`;
    this.materialize = opts.materialize;
    this.releaseRecords = opts.release;
    this.retain = opts.retain?.bind(opts);
    this.keepMax = opts.keepMax ?? { count: 32, bytes: 32 * 1024 * 1024 };
    this.low = opts.lowWatermark ?? 0.9;
    this.wakeUp = opts.wake;
    this.unsubscribe = this.link.onQueuedChange(this.ref, () => {
      if (this.fullLatch && !this.isFull()) this.wakeUp?.();
    });
  }

  /**
   * Hands FlowFiles over to the cluster, in batches named `<key>-<partition>-<n>`; resolves once
   * they are durable there. Rejects with HandoverError when the cluster does not take them.
   */
  async handover(flowFiles: readonly FlowFileRecord[], key: string, read: (claim: ContentClaim) => Buffer): Promise<void> {
    let bytes = 0;
    for (const ff of flowFiles) bytes += ff.size;
    this.handingOver.count += flowFiles.length;
    this.handingOver.bytes += bytes;
    try {
      await this.handoverBatches(flowFiles, key, read);
    } finally {
      this.handingOver.count -= flowFiles.length;
      this.handingOver.bytes -= bytes;
    }
  }

  private async handoverBatches(flowFiles: readonly FlowFileRecord[], key: string, read: (claim: ContentClaim) => Buffer): Promise<void> {
    const link = this.link;
    const byPartition = new Map<number, FlowFileRecord[]>();
    const attr = this.ref.strategy === "partition-by-attribute" ? this.ref.partitionAttribute : undefined;
    for (const ff of flowFiles) {
      const p = attr === undefined ? 0 : partitionOf(ff.attributes[attr] ?? "", link.partitions);
      const list = byPartition.get(p);
      if (list) list.push(ff);
      else byPartition.set(p, [ff]);
    }
    const batches: OutgoingBatch[] = [];
    for (const [partition, list] of byPartition) {
      // The records themselves go (see BatchFlowFile); the link reads their content as it packs.
      let current: FlowFileRecord[] = [];
      let bytes = 0;
      const flush = () => {
        batches.push({ id: `${key}-${partition}-${batches.length}`, partition, flowFiles: current, bytes, read });
        current = [];
        bytes = 0;
      };
      for (const ff of list) {
        const size = ff.claim ? ff.claim.length : 0;
        const inline = size <= link.inlineMax ? size : 0;
        if (current.length > 0 && (current.length >= link.batchMax.count || bytes + inline > link.batchMax.bytes)) flush();
        current.push(ff);
        bytes += inline;
      }
      if (current.length > 0) flush();
    }
    // A batch already in the cluster holds what an earlier handover put there, which need not
    // be what this one built: only what is added now is kept, from before this node's own
    // consumer can take it.
    const byId = this.retain ? new Map(batches.map((b) => [b.id, b])) : null;
    if (byId) for (const id of byId.keys()) this.forget(id);
    const sealed = byId ? (id: string, seal: string | null) => (seal === null ? this.forget(id) : this.keep(byId.get(id)!, seal)) : undefined;
    try {
      await link.handover(this.ref, batches, sealed);
    } catch (e) {
      if (byId) for (const id of byId.keys()) this.forget(id);
      throw e instanceof HandoverError ? e : new HandoverError(e instanceof Error ? e.message : String(e));
    }
  }

  private keep(b: OutgoingBatch | undefined, seal: string): void {
    if (!b || b.bytes > this.keepMax.bytes) return;
    this.forget(b.id);
    this.retain!(claimsOf(b.flowFiles), 1);
    this.kept.set(b.id, { seal, flowFiles: b.flowFiles, bytes: b.bytes });
    this.keptBytes += b.bytes;
    for (const [id] of this.kept) {
      if (this.kept.size <= this.keepMax.count && this.keptBytes <= this.keepMax.bytes) break;
      this.forget(id);
    }
  }

  /** Drops what was kept of batch `id` (if anything) and its content references. */
  private forget(id: string): void {
    const k = this.kept.get(id);
    if (!k) return;
    this.kept.delete(id);
    this.keptBytes -= k.bytes;
    this.retain!(claimsOf(k.flowFiles), -1);
  }

  override requeue(ff: FlowFileRecord, now: number): void {
    if (ff.unit !== null) this.requeueUnit(ff);
    else super.requeue(ff, now);
  }

  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.link.deadLetters(this.ref, limit);
  }

  retryDeadLetter(id: string): Promise<boolean> {
    return this.link.retryDeadLetter(this.ref, id);
  }

  dropDeadLetter(id: string): Promise<WireFlowFile[] | null> {
    return this.link.dropDeadLetter(this.ref, id);
  }

  /** The batches waiting in the cluster, removed (see DistributedLink.drainWaiting). */
  drainWaiting(): Promise<WireFlowFile[]> {
    return this.link.drainWaiting(this.ref);
  }

  /** FlowFiles waiting in the cluster for any node (not counting what this node holds). */
  clusterQueued(): QueueSize {
    return this.link.queued(this.ref);
  }

  /** What waits on this node's disk (the local part), without the batches it holds. */
  localSize(): QueueSize {
    return super.size();
  }

  override size(): QueueSize {
    const s = super.size();
    return { count: s.count + this.readyCount + this.takenCount, bytes: s.bytes + this.readyBytes + this.takenBytes };
  }

  override get count(): number {
    return super.count + this.readyCount + this.takenCount;
  }

  /**
   * Back pressure over the whole cluster: the cluster's queue plus this node's local part. Once
   * full it stays full until both are below the low watermark, so producers do not flap.
   */
  override isFull(): boolean {
    const cluster = this.link.queued(this.ref);
    const local = super.size();
    // FlowFiles on their way to the cluster count too: a producer's pipelined commits (several
    // of its sessions in flight) must not all pass the threshold before the first one lands.
    const count = cluster.count + local.count + this.handingOver.count;
    const bytes = cluster.bytes + local.bytes + this.handingOver.bytes;
    const factor = this.fullLatch ? this.low : 1;
    const full = count >= this.objectThreshold * factor || bytes >= this.bytesThreshold * factor;
    this.fullLatch = full;
    return full;
  }

  override hasAvailable(now: number): boolean {
    return this.ready.length > 0 || super.hasAvailable(now);
  }

  /**
   * Local part first (recovered FlowFiles), then units in delivery order. `alone` is what a
   * session says: true when it holds no FlowFile taken from anywhere yet, false when it does;
   * then a suspect unit (BatchUnit.suspect) is only given to a session alone, and to it alone:
   * the poll returns that unit's FlowFiles only, and the session takes nothing more. Why: a
   * processor failure fails every unit of the session, and a good batch that shared sessions
   * with a poison one went to the dead-letter list with it. Undefined (callers outside a
   * session) takes suspect units as any other.
   */
  override poll(max: number, now: number, expired: FlowFileRecord[], alone?: boolean): FlowFileRecord[] {
    const out = super.hasAvailable(now) ? super.poll(max, now, expired) : [];
    let i = 0;
    while (out.length < max && i < this.ready.length) {
      const entry = this.ready[i]!;
      if (alone !== undefined && entry.unit.suspect) {
        if (!alone || out.length > 0) {
          i++;
          continue;
        }
        this.takeFrom(i, max, out);
        return out;
      }
      this.takeFrom(i, max, out);
    }
    return out;
  }

  /** Moves FlowFiles of ready entry `i` to `out` (up to `max` in all); removes the entry once empty. */
  private takeFrom(i: number, max: number, out: FlowFileRecord[]): void {
    const entry = this.ready[i]!;
    if (entry.next === 0) entry.unit.sessions++;
    while (out.length < max && entry.next < entry.rest.length) {
      const ff = entry.rest[entry.next++]!;
      ff.unit = entry.unit;
      this.readyCount--;
      this.readyBytes -= ff.size;
      this.takenCount++;
      this.takenBytes += ff.size;
      out.push(ff);
    }
    if (entry.next >= entry.rest.length) this.ready.splice(i, 1);
  }

  /**
   * A session committed FlowFiles taken from here. Those of units are counted here; the
   * units are settled by `settleCommitted` once the commit is durable.
   */
  acknowledgeUnits(flowFiles: readonly FlowFileRecord[]): void {
    for (const ff of flowFiles) {
      this.takenCount--;
      this.takenBytes -= ff.size;
    }
  }

  /** The commit holding these FlowFiles is durable: units whose FlowFiles are all done finish. */
  settleCommitted(flowFiles: readonly FlowFileRecord[]): void {
    for (const ff of flowFiles) {
      const unit = ff.unit as BatchUnit | null;
      if (unit === null) continue;
      ff.unit = null;
      unit.pending--;
      if (unit.pending === 0) unit.settle("done");
    }
  }

  /** FlowFiles of a unit come back from a rolled-back session: polled again, first. */
  requeueUnit(ff: FlowFileRecord): void {
    const unit = ff.unit as BatchUnit;
    this.takenCount--;
    this.takenBytes -= ff.size;
    if (unit.isSettled) {
      this.releaseRecords([ff]);
      return;
    }
    this.readyCount++;
    this.readyBytes += ff.size;
    const head = this.ready[0];
    if (head && head.unit === unit) head.rest.splice(head.next, 0, ff);
    else this.ready.unshift({ unit, rest: [ff], next: 0 });
    this.wakeUp?.();
  }

  /**
   * A unit whose FlowFile failed its processor: the unit fails (the cluster retries it, on any
   * node, and moves it to the dead-letter list after its limit). Its FlowFiles still here are
   * dropped from this node; ones in other open sessions settle nothing when they commit.
   */
  failUnit(unit: BatchUnit, error: Error): void {
    if (unit.isSettled) return;
    unit.settle({ failed: error });
    this.dropReady(unit);
  }

  /** True when a FlowFile came from a unit (not from the local part). */
  isUnitFlowFile(ff: FlowFileRecord): boolean {
    return ff.unit !== null;
  }

  /** Starts taking batches from the cluster (the destination runs here). Idempotent. */
  startConsuming(): void {
    if (this.consumer) return;
    this.consumer = this.link.consume(
      this.ref,
      (batch) => this.deliver(batch),
      this.retain ? (id, seal) => this.kept.get(id)?.seal === seal : undefined,
    );
  }

  /** Stops taking batches; units not fully polled go back to the cluster. */
  async stopConsuming(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    // Partly taken ones too: what was taken and committed comes again (at-least-once).
    for (const r of [...this.ready]) {
      r.unit.settle("released");
      this.dropReady(r.unit);
    }
    await c?.stop();
  }

  get consuming(): boolean {
    return this.consumer !== null;
  }

  /** Stops consuming and listening; FlowFiles held return to the cluster. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.stopConsuming();
    for (const id of [...this.kept.keys()]) this.forget(id);
  }

  override list(limit = 100): FlowFileRecord[] {
    const out = super.list(limit);
    for (const r of this.ready) {
      for (let i = r.next; i < r.rest.length && out.length < limit; i++) out.push(r.rest[i]!);
      if (out.length >= limit) break;
    }
    return out;
  }

  override find(uuid: string): FlowFileRecord | undefined {
    const local = super.find(uuid);
    if (local) return local;
    for (const r of this.ready) for (let i = r.next; i < r.rest.length; i++) if (r.rest[i]!.uuid === uuid) return r.rest[i];
    return undefined;
  }

  private deliver(incoming: IncomingBatch): Promise<"done" | { failed: Error } | "released"> {
    return new Promise((resolve) => {
      let batch = incoming;
      // This node's own batch, kept since its handover (the link checked the seal). Forgotten
      // since the link asked (a handover meanwhile made room): back to the cluster untouched,
      // to be read from there next time.
      const k = batch.kept ? this.kept.get(batch.id) : undefined;
      if (batch.kept) batch = { ...batch, flowFiles: k?.flowFiles ?? [] };
      const unit = new BatchUnit(batch, resolve);
      if (!this.consumer || (batch.kept && !k)) {
        unit.settle("released");
        return;
      }
      let records: FlowFileRecord[];
      try {
        records = this.materialize(batch, this.id);
        if (k) this.forget(batch.id);
      } catch (e) {
        unit.settle({ failed: e instanceof Error ? e : new Error(String(e)) });
        return;
      }
      if (records.length === 0) {
        unit.settle("done");
        return;
      }
      let bytes = 0;
      for (const ff of records) bytes += ff.size;
      this.ready.push({ unit, rest: records, next: 0 });
      this.readyCount += records.length;
      this.readyBytes += bytes;
      if (this.ready.length === 1) this.wakeUp?.();
    });
  }

  private dropReady(unit: BatchUnit): void {
    const i = this.ready.findIndex((r) => r.unit === unit);
    if (i < 0) return;
    const r = this.ready[i]!;
    this.ready.splice(i, 1);
    const left = r.rest.slice(r.next);
    for (const ff of left) {
      this.readyCount--;
      this.readyBytes -= ff.size;
    }
    this.releaseRecords(left);
  }
}

function claimsOf(flowFiles: readonly BatchFlowFile[]): ContentClaim[] {
  const out: ContentClaim[] = [];
  for (const ff of flowFiles) if (ff.claim) out.push(ff.claim);
  return out;
}

export function isDistributed(q: ConnectionQueue): q is DistributedQueue {
  return (q as Partial<DistributedQueue>).distributed === true;
}
