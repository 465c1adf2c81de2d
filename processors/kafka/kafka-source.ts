/**
 * The consuming half of ConsumeKafka: a kafkajs consumer that fills a bounded in-memory buffer,
 * pauses fetching when the buffer or the outgoing connection is full, and commits offsets only
 * for records whose session is durable.
 *
 * Why a buffer: kafkajs pushes batches from its own fetch loop, while the engine pulls work in
 * triggers. The buffer decouples the two; its bound (and consumer.pause) is what turns back
 * pressure on the outgoing connection into consumer lag instead of heap.
 *
 * Rebalances: kafkajs has no onAssigned/onRevoked callbacks. Every (re)join emits GROUP_JOIN
 * with the new assignment, after which kafkajs fetches each partition from its committed
 * offset. On GROUP_JOIN this class drops the buffered records of partitions no longer
 * assigned (never committing them), and seeks partitions it keeps to just after what it
 * already holds, so records in the buffer or in the flow are not fetched twice.
 */
import type { Consumer, ConsumerGroupJoinEvent, EachBatchPayload, IHeaders, Kafka } from "kafkajs";
import type { ProcessorContext, SafeRegex } from "../../engine/sdk";

/** One fetched record waiting in the buffer. */
export interface BufferedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers: IHeaders | undefined;
  /** Bytes counted against the buffer bound. */
  readonly size: number;
}

/** A contiguous offset range of one partition taken into a session. */
export interface TakenRange {
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
}

export interface KafkaSourceOptions {
  readonly groupId: string;
  /**
   * Topic names, or a pattern matched against the topics that exist when the consumer starts.
   * The pattern is filtered here rather than handed to kafkajs, which would need a (backtracking)
   * RegExp.
   */
  readonly topics: ReadonlyArray<string> | SafeRegex;
  readonly fromBeginning: boolean;
  readonly readUncommitted: boolean;
  /** Whether this consumer commits offsets (false when a transactional PublishKafka does). */
  readonly commitOffsets: boolean;
  readonly maxBufferedRecords: number;
  readonly maxBufferedBytes: number;
  readonly sessionTimeoutMs: number;
  /** Relationship whose back pressure pauses fetching. */
  readonly outputRelationship: string;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** FIFO of one partition's records; a head index instead of Array.shift keeps draining O(1). */
class PartitionQueue {
  private items: BufferedRecord[] = [];
  private head = 0;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
  get length(): number {
    return this.items.length - this.head;
  }
  push(r: BufferedRecord): void {
    this.items.push(r);
  }
  shift(): BufferedRecord | undefined {
    if (this.head >= this.items.length) return undefined;
    const r = this.items[this.head] as BufferedRecord;
    this.items[this.head++] = undefined as unknown as BufferedRecord;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }
  clear(): BufferedRecord[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class KafkaSource {
  private consumer: Consumer | null = null;
  /** True once consumer.run() returned: commits before that would throw. */
  private running = false;
  private readonly queues = new Map<string, PartitionQueue>();
  /** Round-robin start for draining, so one busy partition does not starve the others. */
  private drainCursor = 0;
  private count = 0;
  private bytes = 0;
  /** Next offset after the last record this process buffered, per assigned partition. */
  private readonly position = new Map<string, number>();
  private assignment = new Set<string>();
  private assignedTopics = new Set<string>();
  /** Bumped on every (re)join; a batch handler that straddles a join drops its records. */
  private generation = 0;
  private paused = false;
  /** Next offset to commit per partition: last record of a durable session + 1. */
  private readonly durable = new Map<string, { topic: string; partition: number; offset: number }>();
  /** Offsets this consumer committed; cleared on (re)join so durable offsets are sent again. */
  private readonly committed = new Map<string, number>();
  private committing: Promise<void> | null = null;
  private commitAgain = false;
  /** Sessions holding records from this buffer that are not durable (or failed) yet. */
  private inFlight = 0;
  /** Batch handlers waiting for room in the buffer. */
  private spaceWaiters: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private starting: Promise<void> | null = null;
  /** Set when kafkajs crashed and will not restart on its own. */
  fatal: Error | null = null;
  /** Records dropped because their partition was revoked (for logs and tests). */
  droppedOnRevoke = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: KafkaSourceOptions,
    private readonly context: ProcessorContext,
  ) {}

  get bufferedCount(): number {
    return this.count;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Starts connecting and consuming in the background; errors are logged and retried. */
  start(): void {
    this.timer = setInterval(() => {
      this.updateFlowControl();
      this.scheduleCommit();
    }, 100);
    this.starting = this.runUntilStarted();
  }

  private async runUntilStarted(): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      const consumer = this.kafka.consumer({
        groupId: this.opts.groupId,
        sessionTimeout: this.opts.sessionTimeoutMs,
        rebalanceTimeout: Math.max(this.opts.sessionTimeoutMs, 10_000),
        heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(this.opts.sessionTimeoutMs / 3))),
        // Short fetch waits: a stop waits for the fetch in flight, and a paused consumer
        // sleeps this long between checks.
        maxWaitTimeInMs: 250,
        readUncommitted: this.opts.readUncommitted,
        retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 5_000 },
      });
      consumer.on(consumer.events.GROUP_JOIN, (e: ConsumerGroupJoinEvent) => this.onGroupJoin(e));
      consumer.on(consumer.events.CRASH, (e) => {
        const err = e.payload.error;
        if (e.payload.restart) this.context.logger.warn(`Kafka consumer restarting after: ${err.message}`);
        else {
          this.fatal = err;
          this.context.logger.error(`Kafka consumer stopped: ${err.message}`);
        }
      });
      this.consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: await this.topicNames(), fromBeginning: this.opts.fromBeginning });
        if (this.stopped) return;
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (p) => this.onBatch(p),
        });
        this.running = true;
        return;
      } catch (e) {
        this.consumer = null;
        if (this.stopped) return;
        this.context.logger.warn(`Kafka consumer could not start (retrying in ${delay} ms): ${(e as Error).message}`);
        await consumer.disconnect().catch(() => {});
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** The configured topics, or the existing topics the pattern matches. */
  private async topicNames(): Promise<string[]> {
    const topics = this.opts.topics;
    if (!("test" in topics)) return [...topics];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => topics.test(t));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  private onGroupJoin(e: ConsumerGroupJoinEvent): void {
    const assignment = new Set<string>();
    const topics = new Set<string>();
    for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
      topics.add(topic);
      for (const p of partitions) assignment.add(tpKey(topic, p));
    }
    this.generation++;
    let dropped = 0;
    for (const [key, q] of this.queues) {
      if (assignment.has(key)) continue;
      // Revoked: its buffered records were never emitted, so they are dropped, not committed.
      for (const r of q.clear()) {
        this.count--;
        this.bytes -= r.size;
        dropped++;
      }
      this.queues.delete(key);
    }
    if (dropped) this.notifySpace();
    for (const key of this.position.keys()) if (!assignment.has(key)) this.position.delete(key);
    for (const key of this.durable.keys()) if (!assignment.has(key)) this.durable.delete(key);
    this.droppedOnRevoke += dropped;
    this.assignment = assignment;
    this.assignedTopics = topics;
    this.committed.clear();
    const consumer = this.consumer;
    if (consumer) {
      for (const key of assignment) {
        const pos = this.position.get(key);
        if (pos === undefined) continue;
        const [topic, partition] = key.split("\u0000") as [string, string];
        consumer.seek({ topic, partition: Number(partition), offset: String(pos) });
      }
      // A restarted kafkajs consumer starts unpaused.
      if (this.paused) consumer.pause([...topics].map((topic) => ({ topic })));
    }
    this.context.logger.info(`joined group ${e.payload.groupId}: ${assignment.size} partition(s)${dropped ? `, dropped ${dropped} buffered record(s) of revoked partitions` : ""}`);
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const key = tpKey(batch.topic, batch.partition);
    if (!this.assignment.has(key) || this.stopped) return;
    const generation = this.generation;
    let q = this.queues.get(key);
    if (!q) {
      q = new PartitionQueue(batch.topic, batch.partition);
      this.queues.set(key, q);
    }
    const live = (): boolean => isRunning() && !isStale() && generation === this.generation && !this.stopped;
    if (!live()) return;
    let pushed = 0;
    for (const m of batch.messages) {
      // Seeks and rejoins come from this class (generation) or wait for this handler to return,
      // so the cheap checks suffice per record; live() is re-checked after every wait.
      if (generation !== this.generation || this.stopped) break;
      // A full buffer holds this handler, and with it kafkajs's fetch loop (it fetches again
      // only when the batches of the last fetch are handled): nothing fetched is thrown away.
      while (this.isFull()) {
        if (pushed) this.notify();
        pushed = 0;
        await this.waitForSpace(1_000);
        if (!live()) return;
        // Heartbeats go out only from the fetch loop or from here; this throws when the group
        // is rebalancing, and kafkajs then rejoins (unhandled records are fetched again).
        await heartbeat();
      }
      const offset = Number(m.offset);
      const pos = this.position.get(key);
      if (pos !== undefined && offset < pos) {
        resolveOffset(m.offset);
        continue;
      }
      const size = (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64;
      q.push({ topic: batch.topic, partition: batch.partition, offset, key: m.key, value: m.value, timestamp: m.timestamp, headers: m.headers, size });
      this.count++;
      this.bytes += size;
      this.position.set(key, offset + 1);
      resolveOffset(m.offset);
      pushed++;
    }
    this.updateFlowControl();
    if (pushed > 0) this.notify();
  }

  private waitForSpace(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.spaceWaiters = this.spaceWaiters.filter((w) => w !== done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.spaceWaiters.push(done);
    });
  }

  private notifySpace(): void {
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const f of w) f();
  }

  private isFull(): boolean {
    return this.count >= this.opts.maxBufferedRecords || this.bytes >= this.opts.maxBufferedBytes;
  }

  /**
   * consumer.pause() while the outgoing connection is back-pressured and at least half a buffer
   * is waiting; resume once the connection has room again (or the buffer ran low). A full
   * buffer pauses fetching by itself (see onBatch).
   */
  updateFlowControl(): void {
    const consumer = this.consumer;
    if (!consumer || this.stopped) return;
    const space = this.context.isSpaceAvailable(this.opts.outputRelationship);
    const half = this.count >= this.opts.maxBufferedRecords / 2 || this.bytes >= this.opts.maxBufferedBytes / 2;
    if (!this.paused && !space && half) {
      this.paused = true;
      consumer.pause([...this.assignedTopics].map((topic) => ({ topic })));
    } else if (this.paused && (space || !half)) {
      this.paused = false;
      consumer.resume([...this.assignedTopics].map((topic) => ({ topic })));
    }
  }

  /** Records arrived: lifts the processor's yield so a trigger drains them now. */
  private notify(): void {
    this.context.wake();
  }

  /**
   * Takes up to `max` records, partitions in turn, each partition's records in offset order.
   * Returns the records and the offset range taken per partition.
   */
  take(max: number): { records: BufferedRecord[]; ranges: TakenRange[] } {
    const records: BufferedRecord[] = [];
    const ranges = new Map<string, { topic: string; partition: number; first: number; last: number }>();
    const queues = [...this.queues.values()].filter((q) => q.length > 0);
    if (queues.length === 0) return { records, ranges: [] };
    const share = Math.max(1, Math.ceil(max / queues.length));
    this.drainCursor = (this.drainCursor + 1) % queues.length;
    while (records.length < max && this.count > 0) {
      let progressed = false;
      for (let i = 0; i < queues.length && records.length < max; i++) {
        const q = queues[(this.drainCursor + i) % queues.length] as PartitionQueue;
        for (let n = 0; n < share && records.length < max; n++) {
          const r = q.shift();
          if (!r) break;
          this.count--;
          this.bytes -= r.size;
          records.push(r);
          progressed = true;
          const key = tpKey(r.topic, r.partition);
          const range = ranges.get(key);
          if (range) range.last = r.offset;
          else ranges.set(key, { topic: r.topic, partition: r.partition, first: r.offset, last: r.offset });
        }
      }
      if (!progressed) break;
    }
    if (records.length) this.notifySpace();
    this.updateFlowControl();
    return { records, ranges: [...ranges.values()] };
  }

  /** A session holding `ranges` was staged; call exactly one of durable()/failed() for it later. */
  sessionStaged(): void {
    this.inFlight++;
  }

  /** The session holding `ranges` is durable: their offsets may be committed. */
  durableRanges(ranges: readonly TakenRange[]): void {
    this.inFlight--;
    if (!this.opts.commitOffsets) return;
    for (const r of ranges) {
      const key = tpKey(r.topic, r.partition);
      // Only partitions still ours: a revoked partition's new owner restarts from the last
      // commit, which at worst duplicates, never loses.
      if (!this.assignment.has(key)) continue;
      const prev = this.durable.get(key);
      if (!prev || prev.offset < r.last + 1) this.durable.set(key, { topic: r.topic, partition: r.partition, offset: r.last + 1 });
    }
    this.scheduleCommit();
  }

  /**
   * The session holding `ranges` failed: its records are not in the flow, so each partition
   * is rewound to the first of them (buffered later records are dropped and fetched again).
   */
  failedRanges(ranges: readonly TakenRange[]): void {
    this.inFlight--;
    const consumer = this.consumer;
    for (const r of ranges) {
      const key = tpKey(r.topic, r.partition);
      if (!this.assignment.has(key)) continue;
      const q = this.queues.get(key);
      if (q) {
        for (const rec of q.clear()) {
          this.count--;
          this.bytes -= rec.size;
        }
        this.notifySpace();
      }
      this.position.set(key, r.first);
      consumer?.seek({ topic: r.topic, partition: r.partition, offset: String(r.first) });
    }
  }

  /** Commits durable offsets not committed yet; one commit request at a time, coalesced. */
  scheduleCommit(): void {
    if (!this.opts.commitOffsets || !this.consumer || !this.running) return;
    if (this.committing) {
      this.commitAgain = true;
      return;
    }
    let pending = false;
    for (const [key, d] of this.durable) {
      if (this.committed.get(key) !== d.offset) {
        pending = true;
        break;
      }
    }
    if (!pending) return;
    this.committing = this.commitLoop().finally(() => {
      this.committing = null;
    });
  }

  private async commitLoop(): Promise<void> {
    do {
      this.commitAgain = false;
      const consumer = this.consumer;
      if (!consumer) return;
      const batch: Array<{ key: string; topic: string; partition: number; offset: number }> = [];
      for (const [key, d] of this.durable) if (this.committed.get(key) !== d.offset) batch.push({ key, ...d });
      if (batch.length === 0) return;
      try {
        await consumer.commitOffsets(batch.map((b) => ({ topic: b.topic, partition: b.partition, offset: String(b.offset) })));
        for (const b of batch) this.committed.set(b.key, b.offset);
      } catch (e) {
        // Not fatal: the offsets stay pending and are retried; a crash before that only
        // means records are delivered again.
        this.context.logger.warn(`committing offsets failed (will retry): ${(e as Error).message}`);
        return;
      }
    } while (this.commitAgain);
  }

  /**
   * Stops consuming: waits (bounded) for sessions in flight to become durable and for their
   * offsets to be committed, then leaves the group.
   */
  async stop(): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(10);
    this.scheduleCommit();
    while (this.committing && Date.now() < deadline) {
      await Promise.race([this.committing, sleep(Math.max(1, deadline - Date.now()))]);
      this.scheduleCommit();
    }
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.notifySpace();
    await Promise.race([this.starting, sleep(1_000)]);
    const consumer = this.consumer;
    this.consumer = null;
    this.running = false;
    if (consumer) await Promise.race([consumer.disconnect().catch(() => {}), sleep(10_000)]);
    for (const q of this.queues.values()) q.clear();
    this.queues.clear();
    this.count = 0;
    this.bytes = 0;
  }
}
