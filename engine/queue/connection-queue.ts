/**
 * A connection's queue: bounded (back pressure by count and bytes), prioritized, penalty-aware,
 * expiring, and swapping to disk beyond a threshold so memory stays flat.
 *
 * Sizes count everything the connection holds: active, penalized, waiting to swap, swapped out,
 * and in flight (taken by a session that has not committed yet), as NiFi does.
 */
import type { FlowFileRecord } from "../core/flowfile";
import { Deque, Heap } from "./structures";

export type PrioritizerName = "FIFO" | "OldestFirst" | "NewestFirst" | "PriorityAttribute";

/** One swap file's summary, kept in memory while its FlowFiles are on disk. */
export interface SwapSummary {
  readonly location: string;
  readonly count: number;
  readonly bytes: number;
  /**
   * Highest FlowFile sequence number in the file. Recovery moves the sequence counter past it:
   * FlowFiles created after a restart must sort after the swapped ones (FIFO).
   */
  readonly maxSeq?: number;
}

/**
 * Moves FlowFiles between memory and disk for a queue. Contract: `swapOut` returns only when
 * the file is written; `swapIn` returns the FlowFiles exactly as swapped out and deletes
 * nothing (the queue calls `remove` once the swap-in is recorded).
 */
export interface SwapStore {
  swapOut(queueId: string, flowFiles: readonly FlowFileRecord[]): SwapSummary;
  swapIn(location: string): FlowFileRecord[];
  remove(location: string): void;
}

/** Told about swaps so the FlowFile repository can record where FlowFiles are. */
export interface SwapListener {
  swappedOut(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void;
  swappedIn(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void;
}

export interface QueueOptions {
  /** @default 10000 */
  objectThreshold?: number;
  /** @default 1 GiB */
  bytesThreshold?: number;
  /** Above this many FlowFiles in memory, new arrivals go to swap. @default 20000 */
  swapThreshold?: number;
  /** FlowFiles per swap file. @default 10000 */
  swapBatch?: number;
  prioritizers?: readonly PrioritizerName[];
  /** Drop FlowFiles older than this (ms since entryDate); 0 = never. @default 0 */
  expirationMs?: number;
  swapStore?: SwapStore;
  swapListener?: SwapListener;
  /**
   * Called when this queue may let a processor run that could not run before: it went from
   * nothing available to something available (its consumer has input), from full to not full
   * (its producer may run again), or it got a penalized FlowFile (a new timer to wait for).
   * Only on those transitions, never per FlowFile, because `put` is the hot path. The scheduler
   * sleeps until a timer is due or this is called, so a transition without a call would leave
   * a processor waiting forever; a call without a transition costs one extra round.
   */
  wake?: () => void;
}

/** Settings of a queue that a live edit can change without losing its FlowFiles. */
export interface QueueSettings {
  objectThreshold: number;
  bytesThreshold: number;
  swapThreshold: number;
  prioritizers: readonly PrioritizerName[];
  expirationMs: number;
}

export interface QueueSize {
  count: number;
  bytes: number;
}

function priorityKey(ff: FlowFileRecord): { num: number; str: string | null; missing: boolean } {
  const v = ff.attributes.priority;
  if (v === undefined) return { num: 0, str: null, missing: true };
  const n = Number(v);
  if (v.trim() !== "" && Number.isFinite(n)) return { num: n, str: null, missing: false };
  return { num: 0, str: v, missing: false };
}

/** Builds the comparator for a prioritizer list; ties fall back to FIFO (sequence). */
export function comparatorFor(names: readonly PrioritizerName[]): (a: FlowFileRecord, b: FlowFileRecord) => number {
  const parts = names.filter((n) => n !== "FIFO").map((n): ((a: FlowFileRecord, b: FlowFileRecord) => number) => {
    switch (n) {
      case "OldestFirst":
        return (a, b) => a.lineageStartDate - b.lineageStartDate || a.entryDate - b.entryDate;
      case "NewestFirst":
        return (a, b) => b.lineageStartDate - a.lineageStartDate || b.entryDate - a.entryDate || b.seq - a.seq;
      case "PriorityAttribute":
        // NiFi semantics: lower numbers first; numbers before text; text by code order; missing last.
        return (a, b) => {
          const x = priorityKey(a);
          const y = priorityKey(b);
          if (x.missing || y.missing) return x.missing === y.missing ? 0 : x.missing ? 1 : -1;
          if (x.str === null && y.str === null) return x.num - y.num;
          if (x.str === null) return -1;
          if (y.str === null) return 1;
          return x.str < y.str ? -1 : x.str > y.str ? 1 : 0;
        };
      default:
        return () => 0;
    }
  });
  return (a, b) => {
    for (const p of parts) {
      const c = p(a, b);
      if (c !== 0) return c;
    }
    return a.seq - b.seq;
  };
}

interface Active {
  readonly length: number;
  push(ff: FlowFileRecord): void;
  /** Puts back a FlowFile taken earlier, where its priority (FIFO: its sequence) places it. */
  requeue(ff: FlowFileRecord): void;
  pop(): FlowFileRecord | undefined;
  peek(): FlowFileRecord | undefined;
  /** Removes up to n of the lowest-priority FlowFiles (for swapping out). */
  takeTail(n: number): FlowFileRecord[];
  ordered(limit: number): FlowFileRecord[];
  all(): FlowFileRecord[];
  clear(): FlowFileRecord[];
}

function fifoActive(): Active {
  const d = new Deque<FlowFileRecord>();
  return {
    get length() {
      return d.length;
    },
    push: (ff) => d.push(ff),
    // Rolled-back FlowFiles were taken from the head, so the scan from the head is short.
    requeue: (ff) => {
      let i = 0;
      while (i < d.length && (d.at(i) as FlowFileRecord).seq < ff.seq) i++;
      d.insert(i, ff);
    },
    pop: () => d.shift(),
    peek: () => d.peek(),
    takeTail: (n) => d.popTail(n),
    ordered: (limit) => {
      const out: FlowFileRecord[] = [];
      for (let i = 0; i < Math.min(limit, d.length); i++) out.push(d.at(i) as FlowFileRecord);
      return out;
    },
    all: () => [...d],
    clear: () => d.clear(),
  };
}

function heapActive(cmp: (a: FlowFileRecord, b: FlowFileRecord) => number): Active {
  let h = new Heap<FlowFileRecord>(cmp);
  return {
    get length() {
      return h.length;
    },
    push: (ff) => h.push(ff),
    requeue: (ff) => h.push(ff),
    pop: () => h.pop(),
    peek: () => h.peek(),
    takeTail: (n) => {
      const sorted = [...h.values()].sort(cmp);
      const keep = sorted.slice(0, Math.max(0, sorted.length - n));
      const out = sorted.slice(keep.length);
      h = new Heap<FlowFileRecord>(cmp);
      for (const ff of keep) h.push(ff);
      return out;
    },
    ordered: (limit) => [...h.values()].sort(cmp).slice(0, limit),
    all: () => [...h.values()],
    clear: () => h.clear(),
  };
}

function activeFor(names: readonly PrioritizerName[]): Active {
  return names.every((p) => p === "FIFO") ? fifoActive() : heapActive(comparatorFor(names));
}

function samePrioritizers(a: readonly PrioritizerName[], b: readonly PrioritizerName[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

export class ConnectionQueue {
  readonly swapBatch: number;

  private objects: number;
  private bytes: number;
  private swapAt: number;
  private order: readonly PrioritizerName[];
  private expiresMs: number;
  private active: Active;
  private readonly penalized: Heap<FlowFileRecord>;
  /** Arrivals waiting to be written to a swap file (newest FlowFiles while swapping). */
  private swapBuffer: FlowFileRecord[] = [];
  private swapped: SwapSummary[] = [];
  private readonly wake: (() => void) | undefined;

  private memCount = 0;
  private memBytes = 0;
  private swappedCount = 0;
  private swappedBytes = 0;
  private inFlightCount = 0;
  private inFlightBytes = 0;

  constructor(
    readonly id: string,
    private readonly opts: QueueOptions = {},
  ) {
    this.objects = opts.objectThreshold ?? 10_000;
    this.bytes = opts.bytesThreshold ?? 1024 ** 3;
    this.swapAt = opts.swapThreshold ?? 20_000;
    this.swapBatch = opts.swapBatch ?? 10_000;
    this.order = opts.prioritizers ?? [];
    this.expiresMs = opts.expirationMs ?? 0;
    this.wake = opts.wake;
    this.active = activeFor(this.order);
    this.penalized = new Heap<FlowFileRecord>((a, b) => a.penaltyExpiration - b.penaltyExpiration || a.seq - b.seq);
  }

  /** Back pressure by count. Lowering it below what the queue holds makes it full at once. */
  get objectThreshold(): number {
    return this.objects;
  }
  set objectThreshold(n: number) {
    this.reconfigure({ objectThreshold: n });
  }

  /** Back pressure by size in bytes. */
  get bytesThreshold(): number {
    return this.bytes;
  }
  set bytesThreshold(n: number) {
    this.reconfigure({ bytesThreshold: n });
  }

  /** Above this many FlowFiles in memory, new arrivals go to swap. */
  get swapThreshold(): number {
    return this.swapAt;
  }

  /** Take order; empty (or only FIFO) means first in, first out. */
  get prioritizers(): readonly PrioritizerName[] {
    return this.order;
  }

  /** FlowFiles older than this (ms since entryDate) are dropped when polled; 0 = never. */
  get expirationMs(): number {
    return this.expiresMs;
  }

  /**
   * Changes settings in place, keeping every FlowFile (a live edit). A prioritizer change
   * re-sorts the in-memory FlowFiles into a structure of the new order; swapped-out ones join it
   * when swapped in, so nothing moves between queues and the FlowFile repository needs no
   * record. In-flight FlowFiles are unaffected: a rollback requeues them in the new order.
   */
  reconfigure(settings: Partial<QueueSettings>): void {
    const wasFull = this.isFull();
    if (settings.objectThreshold !== undefined) this.objects = settings.objectThreshold;
    if (settings.bytesThreshold !== undefined) this.bytes = settings.bytesThreshold;
    if (settings.swapThreshold !== undefined) this.swapAt = settings.swapThreshold;
    if (settings.expirationMs !== undefined) this.expiresMs = settings.expirationMs;
    if (settings.prioritizers !== undefined && !samePrioritizers(settings.prioritizers, this.order)) {
      this.order = [...settings.prioritizers];
      const next = activeFor(this.order);
      // A FIFO structure keeps sequence order by arrival, so it must be filled in that order.
      const items = this.active.clear().sort((a, b) => a.seq - b.seq);
      for (const ff of items) next.push(ff);
      this.active = next;
    }
    if (wasFull && !this.isFull()) this.wake?.();
  }

  /** Everything the connection holds, in flight included. */
  size(): QueueSize {
    return {
      count: this.memCount + this.swappedCount + this.inFlightCount,
      bytes: this.memBytes + this.swappedBytes + this.inFlightBytes,
    };
  }

  get count(): number {
    return this.memCount + this.swappedCount + this.inFlightCount;
  }

  /** Back pressure: true when either threshold is reached. */
  isFull(): boolean {
    return (
      this.memCount + this.swappedCount + this.inFlightCount >= this.objects ||
      this.memBytes + this.swappedBytes + this.inFlightBytes >= this.bytes
    );
  }

  /** FlowFiles in memory (active + penalized + waiting to swap). */
  get inMemoryCount(): number {
    return this.memCount;
  }

  get swapFileCount(): number {
    return this.swapped.length;
  }

  /** True when a poll at `now` could return something. */
  hasAvailable(now: number): boolean {
    if (this.active.length > 0) return true;
    const p = this.penalized.peek();
    if (p !== undefined && p.penaltyExpiration <= now) return true;
    return this.swapped.length > 0 || this.swapBuffer.length > 0;
  }

  /** Earliest penalty expiry among penalized FlowFiles, or Infinity. */
  nextPenaltyExpiry(): number {
    return this.penalized.peek()?.penaltyExpiration ?? Infinity;
  }

  /** Adds a FlowFile (committed transfer, recovery or rollback). */
  put(ff: FlowFileRecord, now: number): void {
    this.memCount++;
    this.memBytes += ff.size;
    if (ff.penaltyExpiration > now) {
      this.penalized.push(ff);
      this.wake?.();
      return;
    }
    if (this.swapped.length > 0 || this.swapBuffer.length > 0 || this.active.length >= this.swapAt) {
      if (this.opts.swapStore) {
        this.swapBuffer.push(ff);
        if (this.swapBuffer.length >= this.swapBatch) this.writeSwapFile();
        return;
      }
    }
    // Empty to non-empty is the transition the consumer waits for (swap is non-empty already).
    if (this.active.length === 0) this.wake?.();
    this.active.push(ff);
  }

  /**
   * Takes up to `max` FlowFiles in priority order. Expired ones are not returned but pushed to
   * `expired`; the caller records them (EXPIRE) and acknowledges them with the rest.
   */
  poll(max: number, now: number, expired: FlowFileRecord[]): FlowFileRecord[] {
    const out: FlowFileRecord[] = [];
    this.releasePenalized(now);
    while (out.length < max) {
      let ff = this.active.pop();
      if (ff === undefined) {
        if (!this.refill()) break;
        ff = this.active.pop();
        if (ff === undefined) break;
      }
      this.memCount--;
      this.memBytes -= ff.size;
      this.inFlightCount++;
      this.inFlightBytes += ff.size;
      if (this.expiresMs > 0 && now - ff.entryDate > this.expiresMs) {
        expired.push(ff);
        continue;
      }
      out.push(ff);
    }
    return out;
  }

  /** A session committed: FlowFiles it took from here are gone from this queue. */
  acknowledge(count: number, bytes: number): void {
    const wasFull = this.wake !== undefined && this.isFull();
    this.inFlightCount -= count;
    this.inFlightBytes -= bytes;
    if (wasFull && !this.isFull()) this.wake!();
  }

  /**
   * A session rolled back: a FlowFile it took comes back (maybe penalized). Unpenalized, it
   * returns to its place in priority order (FIFO: before everything enqueued after it, as in
   * NiFi), so a rollback does not reorder a FIFO queue.
   */
  requeue(ff: FlowFileRecord, now: number): void {
    this.inFlightCount--;
    this.inFlightBytes -= ff.size;
    this.memCount++;
    this.memBytes += ff.size;
    if (ff.penaltyExpiration > now) {
      this.penalized.push(ff);
      this.wake?.();
      return;
    }
    const wasEmpty = this.active.length === 0;
    this.active.requeue(ff);
    if (wasEmpty) this.wake?.();
  }

  /** The first `limit` FlowFiles in the order they would be taken (penalized ones last). */
  list(limit = 100): FlowFileRecord[] {
    const out = this.active.ordered(limit);
    if (out.length < limit) out.push(...this.swapBuffer.slice(0, limit - out.length));
    if (out.length < limit) {
      const pen = [...this.penalized.values()].sort((a, b) => a.penaltyExpiration - b.penaltyExpiration);
      out.push(...pen.slice(0, limit - out.length));
    }
    return out;
  }

  /** Finds a queued, in-memory FlowFile by uuid. */
  find(uuid: string): FlowFileRecord | undefined {
    for (const ff of this.active.all()) if (ff.uuid === uuid) return ff;
    for (const ff of this.penalized.values()) if (ff.uuid === uuid) return ff;
    return this.swapBuffer.find((f) => f.uuid === uuid);
  }

  /**
   * Removes every queued FlowFile (not the in-flight ones), swapped ones included, and returns
   * them so the caller can record DROP events and release content.
   */
  drain(): FlowFileRecord[] {
    const wasFull = this.isFull();
    const out = [...this.active.clear(), ...this.penalized.clear(), ...this.swapBuffer];
    this.swapBuffer = [];
    for (const s of this.swapped) {
      const ffs = this.opts.swapStore!.swapIn(s.location);
      this.opts.swapListener?.swappedIn(this.id, s, ffs);
      this.opts.swapStore!.remove(s.location);
      out.push(...ffs);
    }
    this.swapped = [];
    this.memCount = 0;
    this.memBytes = 0;
    this.swappedCount = 0;
    this.swappedBytes = 0;
    if (wasFull && !this.isFull()) this.wake?.();
    return out;
  }

  /** In-memory FlowFiles (for checkpoints); swapped ones are described by `swapSummaries`. */
  inMemory(): FlowFileRecord[] {
    return [...this.active.all(), ...this.penalized.values(), ...this.swapBuffer];
  }

  swapSummaries(): readonly SwapSummary[] {
    return this.swapped;
  }

  /** Recovery: a swap file that belonged to this queue before the restart. */
  restoreSwapFile(summary: SwapSummary): void {
    this.swapped.push(summary);
    this.swappedCount += summary.count;
    this.swappedBytes += summary.bytes;
    this.wake?.();
  }

  private releasePenalized(now: number): void {
    let p = this.penalized.peek();
    while (p !== undefined && p.penaltyExpiration <= now) {
      this.penalized.pop();
      this.active.push(p);
      p = this.penalized.peek();
    }
  }

  /** Active ran dry: bring back the oldest swap file, or the swap buffer. */
  private refill(): boolean {
    const store = this.opts.swapStore;
    const s = this.swapped.shift();
    if (s !== undefined && store) {
      const ffs = store.swapIn(s.location);
      this.opts.swapListener?.swappedIn(this.id, s, ffs);
      store.remove(s.location);
      this.swappedCount -= s.count;
      this.swappedBytes -= s.bytes;
      this.memCount += ffs.length;
      for (const ff of ffs) {
        this.memBytes += ff.size;
        this.active.push(ff);
      }
      return true;
    }
    if (this.swapBuffer.length > 0) {
      const buf = this.swapBuffer;
      this.swapBuffer = [];
      for (const ff of buf) this.active.push(ff);
      return true;
    }
    return false;
  }

  private writeSwapFile(): void {
    const store = this.opts.swapStore!;
    const batch = this.swapBuffer;
    this.swapBuffer = [];
    const summary = store.swapOut(this.id, batch);
    this.opts.swapListener?.swappedOut(this.id, summary, batch);
    this.swapped.push(summary);
    this.memCount -= batch.length;
    this.memBytes -= summary.bytes;
    this.swappedCount += summary.count;
    this.swappedBytes += summary.bytes;
  }
}
