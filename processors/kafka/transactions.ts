/**
 * Exactly-once Kafka → Kafka for PublishKafka's transactional mode.
 *
 * kafkajs 2.2.4 has no KIP-447 (a producer cannot be fenced by consumer-group generation), so
 * zombie fencing uses the older scheme: one transactional id per *input* topic-partition.
 * Whoever publishes records read from input partition P uses the producer of P's id; a new
 * producer with that id (after a crash, or on another node) fences the previous one and makes
 * the broker finish or abort its open transaction.
 *
 * One transaction per input partition per trigger: the records, then `sendOffsets` of the
 * consumer group's next offset for P (last offset + 1), then commit. Records and offsets
 * become visible to read_committed consumers together, or not at all.
 *
 * Duplicates: the engine may hold FlowFiles whose records are already published (the
 * transaction committed but the engine crashed before its session was durable), and
 * ConsumeKafka reads again from the committed offset after a restart or rebalance. Both are
 * recognised by their source offset: for each input partition the publisher knows the
 * group's committed offset `next`; a FlowFile whose offset is below it was published by an
 * earlier transaction and is dropped. `next` is read from the broker after the producer is
 * (re)initialised, never trusted across a failure: a failed commit may still have committed.
 *
 * Out of order: FlowFiles should arrive in consumed order, but if one arrives late (say it was
 * penalized while later ones went ahead), its offset is below `next` although nobody published
 * it. Below the offset read at initialisation, the broker's word stands (published before);
 * between that and `next`, the producer remembers which offsets it published itself, so a late
 * record there is published (the group's offset stays where it is) instead of being dropped.
 */
import type { Admin, Kafka, Message, Producer } from "kafkajs";

/** The input partition a FlowFile's records came from, as ConsumeKafka recorded it. */
export interface SourcePartition {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** One FlowFile's records, to publish in the transaction of its input partition. */
export interface TransactionalItem<T> {
  readonly ref: T;
  readonly source: SourcePartition;
  /** Output topic. */
  readonly topic: string;
  readonly messages: Message[];
  /** Source offset of each message (parallel to `messages`; equal for parts of one record). */
  readonly offsets: readonly number[];
}

/** What happened to one input partition's items. */
export interface PartitionOutcome<T> {
  /** Published (all of their records, or those not published before), offsets committed, in one transaction. */
  readonly published: T[];
  /** Every record already published by an earlier transaction (offset below the committed one). */
  readonly duplicates: T[];
  /** Records skipped as already published, over all items. */
  readonly duplicateRecords: number;
  /** Not publishable (a record error such as a record too large); the message says why. */
  readonly failed: T[];
  readonly error?: string;
}

export interface TransactionalPublisherOptions {
  readonly transactionalIdPrefix: string;
  readonly compression: number;
  /** Bytes per sendBatch call inside a transaction. */
  readonly maxRequestBytes: number;
  readonly timeoutMs: number;
  readonly log: (level: "debug" | "info" | "warn", message: string) => void;
}

/** Errors about the records themselves: retrying cannot help, the FlowFiles go to failure. */
const RECORD_ERRORS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "INVALID_REQUIRED_ACKS",
]);

/** The innermost `type` in a kafkajs error's cause chain (protocol error name), if any. */
export function kafkaErrorType(e: unknown): string | undefined {
  let cur: unknown = e;
  let type: string | undefined;
  for (let i = 0; i < 10 && cur && typeof cur === "object"; i++) {
    const t = (cur as { type?: unknown }).type;
    if (typeof t === "string") type = t;
    cur = (cur as { cause?: unknown }).cause;
  }
  return type;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

interface PooledProducer {
  readonly producer: Producer;
  readonly connected: Promise<void>;
  /** The group's committed offset for this input partition; unknown until read after init. */
  next: number | undefined;
  /** Offsets below the initial `next` or published by this producer (see "Out of order"). */
  published: OffsetRanges | undefined;
}

/**
 * Disjoint half-open ranges of offsets, merged as they touch, above a floor below which every
 * offset counts as covered. Bounded: beyond MAX_RANGES the floor moves past the oldest range,
 * i.e. a gap that far behind (most likely a record dropped upstream) is taken as published, and
 * a record arriving that late is treated as a duplicate, as without this record-keeping.
 */
export class OffsetRanges {
  static readonly MAX_RANGES = 1024;
  /** [start, end) pairs above the floor, ascending, not touching each other or the floor. */
  private readonly ranges: Array<[number, number]> = [];

  constructor(private floor: number) {}

  has(offset: number): boolean {
    if (offset < this.floor) return true;
    for (const [start, end] of this.ranges) {
      if (offset < start) return false;
      if (offset < end) return true;
    }
    return false;
  }

  add(start: number, end: number): void {
    start = Math.max(start, this.floor);
    if (end <= start) return;
    const r = this.ranges;
    let i = 0;
    while (i < r.length && r[i]![1] < start) i++;
    let j = i;
    while (j < r.length && r[j]![0] <= end) {
      start = Math.min(start, r[j]![0]);
      end = Math.max(end, r[j]![1]);
      j++;
    }
    r.splice(i, j - i, [start, end]);
    if (r[0]![0] === this.floor) this.floor = r.shift()![1];
    while (r.length > OffsetRanges.MAX_RANGES) this.floor = r.shift()![1];
  }

  /** Number of ranges kept (tests). */
  get size(): number {
    return this.ranges.length;
  }
}

/** Thrown when the processor is stopping while a transaction still has to be retried. */
export class StoppingError extends Error {
  override name = "StoppingError";
}

export class TransactionalPublisher {
  private readonly producers = new Map<string, PooledProducer>();
  private admin: Admin | null = null;
  private adminConnected: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: TransactionalPublisherOptions,
  ) {}

  /** The transactional id for an input partition: stable across restarts. */
  transactionalId(source: SourcePartition): string {
    return `${this.opts.transactionalIdPrefix}-${source.group}-${source.topic}-${source.partition}`;
  }

  private producerFor(tid: string): PooledProducer {
    let p = this.producers.get(tid);
    if (!p) {
      const producer = this.kafka.producer({
        transactionalId: tid,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 60_000,
        // Bounded, so a broker outage surfaces here and the retry loop can watch for a stop.
        retry: { initialRetryTime: 200, retries: 6, maxRetryTime: 3_000 },
      });
      const connected = producer.connect();
      connected.catch(() => {});
      p = { producer, connected, next: undefined, published: undefined };
      this.producers.set(tid, p);
    }
    return p;
  }

  /** Drops a producer after any error: its kafkajs transaction state can no longer be trusted. */
  private discard(tid: string): void {
    const p = this.producers.get(tid);
    if (!p) return;
    this.producers.delete(tid);
    void p.producer.disconnect().catch(() => {});
  }

  private async committedOffset(source: SourcePartition): Promise<number> {
    if (!this.admin) {
      this.admin = this.kafka.admin({ retry: { initialRetryTime: 200, retries: 6, maxRetryTime: 3_000 } });
      this.adminConnected = this.admin.connect();
    }
    try {
      await this.adminConnected;
    } catch (e) {
      this.admin = null;
      throw e;
    }
    const admin = this.admin;
    const read = async (): Promise<number> => {
      const res = await admin.fetchOffsets({ groupId: source.group, topics: [source.topic] });
      const part = res.find((t) => t.topic === source.topic)?.partitions.find((p) => p.partition === source.partition);
      return part ? Number(part.offset) : -1;
    };
    const first = await read();
    // A transaction that just completed (e.g. the one a crashed engine was committing, which
    // the broker finished when our producer initialised) has its offsets materialised by the
    // group coordinator asynchronously, and kafkajs's OffsetFetch (v4) has no require_stable.
    // Read again a moment later and keep the larger value.
    await new Promise((r) => setTimeout(r, 300));
    return Math.max(first, await read());
  }

  /**
   * Publishes one input partition's items in one transaction with the consumer offset, retrying
   * (with backoff) on anything but a record error until it succeeds or `signal` aborts (then
   * throws StoppingError; nothing was committed for these items).
   */
  async publishPartition<T>(items: readonly TransactionalItem<T>[], signal: AbortSignal): Promise<PartitionOutcome<T>> {
    const source = (items[0] as TransactionalItem<T>).source;
    const tid = this.transactionalId(source);
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new StoppingError("stopping with a transaction still to publish");
      const pooled = this.producerFor(tid);
      let inTransaction = false;
      try {
        await pooled.connected;
        // The first transaction() initialises the producer id: this fences an older producer
        // with this id and waits for its open transaction to be completed or aborted.
        const txn = await pooled.producer.transaction();
        inTransaction = true;
        if (pooled.next === undefined) pooled.next = await this.committedOffset(source);
        const done = (pooled.published ??= new OffsetRanges(pooled.next));
        const publishedOffsets: number[] = [];
        const published: T[] = [];
        const duplicates: T[] = [];
        const byTopic = new Map<string, Message[]>();
        let next = pooled.next;
        // Parts of one record (split content) share its offset: a repeat of the offset just
        // published is part of the same record, not a duplicate.
        let lastPublished = -1;
        let duplicateRecords = 0;
        for (const it of items) {
          let list = byTopic.get(it.topic);
          let any = false;
          it.messages.forEach((m, i) => {
            const o = it.offsets[i] as number;
            // Below `next`: published already, unless this producer skipped it (out of order).
            if (o < next && o !== lastPublished && done.has(o)) {
              duplicateRecords++;
              return;
            }
            if (!list) byTopic.set(it.topic, (list = []));
            list.push(m);
            if (o !== lastPublished) publishedOffsets.push(o);
            lastPublished = o;
            if (o + 1 > next) next = o + 1;
            any = true;
          });
          (any || it.messages.length === 0 ? published : duplicates).push(it.ref);
        }
        if (byTopic.size === 0) {
          await txn.abort();
          return { published, duplicates, duplicateRecords, failed: [] };
        }
        for (const batch of chunkTopicMessages(byTopic, this.opts.maxRequestBytes)) {
          await txn.sendBatch({ topicMessages: batch, acks: -1, compression: this.opts.compression, timeout: this.opts.timeoutMs });
        }
        await txn.sendOffsets({
          consumerGroupId: source.group,
          topics: [{ topic: source.topic, partitions: [{ partition: source.partition, offset: String(next) }] }],
        });
        await txn.commit();
        pooled.next = next;
        for (const o of publishedOffsets) done.add(o, o + 1);
        return { published, duplicates, duplicateRecords, failed: [] };
      } catch (e) {
        this.discard(tid);
        const type = kafkaErrorType(e);
        const message = (e as Error).message;
        if (inTransaction && type !== undefined && RECORD_ERRORS.has(type)) {
          this.opts.log("warn", `transaction for ${tid} aborted by a record error: ${message}`);
          return { published: [], duplicates: [], duplicateRecords: 0, failed: items.map((i) => i.ref), error: message };
        }
        const delay = Math.min(200 * 2 ** Math.min(attempt, 5), 5_000);
        this.opts.log(attempt === 0 ? "info" : "warn", `transaction for ${tid} failed (attempt ${attempt + 1}, retrying in ${delay} ms): ${message}`);
        await sleep(delay, signal);
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(all.map((p) => p.producer.disconnect().catch(() => {})));
    const admin = this.admin;
    this.admin = null;
    if (admin) await admin.disconnect().catch(() => {});
  }
}

/**
 * Records per sendBatch call. kafkajs groups a topic's messages by partition with an array
 * copy per message (groupMessagesPerPartition.js), quadratic in the batch: beyond a few
 * thousand records one bigger request costs more CPU than the round trip it saves.
 */
export const MAX_RECORDS_PER_SEND = 2_000;

/**
 * Splits records into sendBatch payloads of at most `maxBytes` and {@link MAX_RECORDS_PER_SEND}
 * records (at least one record each), keeping order.
 */
export function chunkTopicMessages(
  byTopic: ReadonlyMap<string, Message[]>,
  maxBytes: number,
  maxRecords = MAX_RECORDS_PER_SEND,
): Array<Array<{ topic: string; messages: Message[] }>> {
  const out: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let current: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  let count = 0;
  for (const [topic, messages] of byTopic) {
    let entry: { topic: string; messages: Message[] } | null = null;
    for (const m of messages) {
      const size = messageSize(m);
      if (count > 0 && (bytes + size > maxBytes || count >= maxRecords)) {
        out.push(current);
        current = [];
        entry = null;
        bytes = 0;
        count = 0;
      }
      if (!entry) {
        entry = { topic, messages: [] };
        current.push(entry);
      }
      entry.messages.push(m);
      bytes += size;
      count++;
    }
  }
  if (current.length) out.push(current);
  return out;
}

/** Approximate bytes of a record on the wire (key + value + headers + overhead). */
export function messageSize(m: Message): number {
  let n = 24 + lengthOf(m.key) + lengthOf(m.value);
  if (m.headers) {
    for (const k in m.headers) {
      const v = m.headers[k];
      n += k.length + (Array.isArray(v) ? v.reduce((s: number, x) => s + lengthOf(x), 0) : lengthOf(v));
    }
  }
  return n;
}

function lengthOf(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}
