/**
 * RedisDistributedLink's Redis work on a worker thread (payload-worker.ts): its handovers (the
 * claim, each new batch's signed payload and its job) and the BullMQ workers that take batches
 * for this node (`consume`: each job is posted here and settled from here).
 *
 * Why a thread: in cluster-hop, a megabyte payload cost the node's event loop its MAC, two
 * copies inside ioredis and the socket write, and every Redis command costs the event loop far
 * more wall time than its bytes (its write wakes Redis; on two cores the woken side often runs
 * on the node's core). The thread does all of it; each payload is packed straight into a slot
 * of a shared buffer (see `target`), not sent in a message.
 *
 * Contract: `handover(request)` takes ownership of each batch's bytes (a slot that `place()`
 * filled, or an ArrayBuffer of its own, transferred; the caller must not use either again) and
 * resolves, once every batch new to the cluster has its payload and its job in Redis, with one
 * entry per batch: the payload's MAC (a BatchSigner's under the cluster's batch key, see
 * batch-mac.ts), or null for a batch that was in the cluster already (nothing was
 * written for it). It rejects when Redis refuses or does not answer, or when the thread failed;
 * some of the batches may then have been added. `close()` ends the thread; handovers in flight
 * reject.
 */
import { Worker } from "node:worker_threads";
import type { ConsumeRequest, ConsumedJob, ConsumerEvent, HandoverBatch, HandoverRequest, JobSettlement } from "./handover-protocol";

/**
 * The shared packing buffer: slots for the batches of handovers in flight (a batch holds 1 MiB
 * of inline content by default, plus its attributes), and how long a slot of a failed
 * handover waits before it is used again (longer than a Redis command may take).
 */
const SLOT_COUNT = 8;
const SLOT_BYTES = 2 * 1024 * 1024;
const SLOT_QUARANTINE_MS = 60_000;

/** Bytes the head of `SET <key> <payload>` can take: `*3 $3 SET $<n> <key> $<n>` with CRLFs, lengths up to 10 digits. */
function headRoom(key: string): number {
  return 4 + 4 + 5 + 13 + Buffer.byteLength(key) + 2 + 13;
}

interface Pending {
  resolve: (added: Array<string | null>) => void;
  reject: (e: Error) => void;
}

export class PayloadWriter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closed = false;
  /** The thread's Redis connection was ready once. */
  private connected = false;
  private readonly readyWaiters = new Set<() => void>();
  /** Consumers running in the thread, by id. */
  private readonly consumers = new Map<number, { onJob: (job: ConsumedJob) => void; onEvent: (e: ConsumerEvent) => void; stopped: (() => void) | null }>();
  private consumerSeq = 0;
  /** The shared packing buffer, SLOT_COUNT slots of SLOT_BYTES, and its free slots. */
  private readonly slots = new SharedArrayBuffer(SLOT_COUNT * SLOT_BYTES);
  private readonly freeSlots: number[] = Array.from({ length: SLOT_COUNT }, (_, i) => SLOT_COUNT - 1 - i);
  /** The buffer the last `target` gave, until it is placed (slot null: a buffer of its own). */
  private reservation: { buffer: ArrayBuffer | SharedArrayBuffer; offset: number; length: number; room: number; slot: number | null } | null = null;

  constructor(
    private readonly url: string,
    private readonly batchKey: Uint8Array,
    private readonly commandTimeoutMs: number,
    private readonly bullPrefix: string,
  ) {}

  /**
   * Where to pack the batch that will be stored under `key`: a buffer of at least `size` bytes,
   * inside a free slot of the shared buffer after room for the Redis command's head (or, with no
   * slot free or a batch too big for one, a buffer of its own with that room). Pack into it from
   * its start, then `place` what was packed. A reservation that was never placed (the packing
   * threw) is given out again by the next call. Why pack in place: copying a packed megabyte
   * into the slot was the engine thread's biggest single copy per batch (~350 µs per cache-cold
   * megabyte in cluster-hop). Why room for the head: the command is written as one piece from the
   * slot by the thread (see `place`).
   */
  target(size: number, key: string): Buffer {
    const room = headRoom(key);
    const r = this.reservation;
    if (r !== null && r.length >= size && r.room === room) return Buffer.from(r.buffer, r.offset, r.length);
    this.unreserve();
    const need = room + size + 2;
    const slot = need <= SLOT_BYTES ? this.freeSlots.pop() : undefined;
    const reservation =
      slot === undefined
        ? { buffer: new ArrayBuffer(need) as ArrayBuffer | SharedArrayBuffer, offset: room, length: size, room, slot: null }
        : { buffer: this.slots, offset: slot * SLOT_BYTES + room, length: SLOT_BYTES - room - 2, room, slot };
    this.reservation = reservation;
    return Buffer.from(reservation.buffer, reservation.offset, reservation.length);
  }

  /**
   * Wraps `packed` (the start of the buffer `target(…, key)` gave) in the Redis command that
   * stores it under `key` (`setCommand`, see HandoverBatch): the head goes just before it, CRLF
   * after. Moves nothing. The result is `handover`'s to own.
   */
  place(packed: Uint8Array, key: string): Pick<HandoverBatch, "bytes" | "offset" | "length" | "setCommand"> {
    const r = this.reservation;
    if (r === null || packed.buffer !== r.buffer || packed.byteOffset !== r.offset || packed.length > r.length) {
      throw new Error("place() takes what was packed into the buffer of the last target() call");
    }
    this.reservation = null;
    const head = Buffer.from(`*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${packed.length}\r\n`, "latin1");
    const start = r.offset - head.length;
    const end = r.offset + packed.length;
    // Buffer#fill copies into shared memory at memcpy speed; TypedArray#set and Buffer#copy do
    // not (relaxed atomics, byte by byte when misaligned).
    Buffer.from(r.buffer, start, head.length).fill(head);
    const tail = Buffer.from(r.buffer, end, 2);
    tail[0] = 0x0d;
    tail[1] = 0x0a;
    return { bytes: r.buffer, offset: r.offset, length: packed.length, setCommand: { offset: start, length: end + 2 - start } };
  }

  /** Gives back a reservation that was not placed. */
  private unreserve(): void {
    const r = this.reservation;
    this.reservation = null;
    if (r?.slot !== null && r?.slot !== undefined) this.freeSlots.push(r.slot);
  }

  handover(request: Omit<HandoverRequest, "id">): Promise<Array<string | null>> {
    const slots = request.batches.filter((b) => b.bytes === this.slots).map((b) => Math.floor(b.offset / SLOT_BYTES));
    if (this.closed) {
      this.releaseSlots(slots, true);
      return Promise.reject(new Error("the distributed link is closed"));
    }
    const worker = this.start();
    const id = this.seq++;
    return new Promise<Array<string | null>>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (added) => {
          this.releaseSlots(slots, true);
          resolve(added);
        },
        reject: (e) => {
          this.releaseSlots(slots, false);
          reject(e);
        },
      });
      this.updateRef();
      const own = request.batches.filter((b) => b.bytes !== this.slots).map((b) => b.bytes as ArrayBuffer);
      worker.postMessage({ ...request, id } satisfies HandoverRequest, own);
    });
  }

  /**
   * Slots of a handover become free once the thread answered. After a failure, a write of one
   * may still be on its way in the thread: its slot waits a while before it is used again.
   */
  private releaseSlots(slots: readonly number[], done: boolean): void {
    if (slots.length === 0) return;
    if (done) {
      this.freeSlots.push(...slots);
      return;
    }
    setTimeout(() => this.freeSlots.push(...slots), SLOT_QUARANTINE_MS).unref();
  }

  /**
   * Runs a BullMQ worker for `request.queue` in the thread: `onJob` gets each job it takes, which
   * must be answered with `settle`; `onEvent` gets what it did (finished, dead-lettered, errors).
   * `stop()` ends it once its active jobs are settled.
   */
  consume(
    request: Omit<ConsumeRequest, "kind" | "cid">,
    onJob: (job: ConsumedJob) => void,
    onEvent: (e: ConsumerEvent) => void,
  ): { stop: () => Promise<void> } {
    const cid = this.consumerSeq++;
    const worker = this.start();
    this.consumers.set(cid, { onJob, onEvent, stopped: null });
    this.updateRef();
    worker.postMessage({ ...request, kind: "consume", cid } satisfies ConsumeRequest);
    return {
      stop: () =>
        new Promise<void>((resolve) => {
          const c = this.consumers.get(cid);
          if (!c || !this.worker) {
            this.consumers.delete(cid);
            resolve();
            return;
          }
          c.stopped = resolve;
          this.worker.postMessage({ kind: "stopConsume", cid });
        }),
    };
  }

  settle(jid: number, outcome: JobSettlement["outcome"]): void {
    this.worker?.postMessage({ kind: "settle", jid, outcome } satisfies JobSettlement);
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    this.fail(new Error("the distributed link is closed"));
    for (const done of [...this.readyWaiters]) done();
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
    w.postMessage({ close: true });
    // A thread that does not end on its own (Redis hung) is stopped.
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Starts the thread now rather than with the first write, and resolves once its connection to
   * Redis is ready, or after `timeoutMs` (a write then waits or fails as it would have anyway).
   * Why: loading the thread and connecting take ~100 ms, which the first handover of a flow
   * would otherwise wait for.
   */
  ready(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.start();
    if (this.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      const waiters = this.readyWaiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const here = import.meta.url;
    // Under tsx or vitest this module is TypeScript source, and so is the thread; the engine
    // bundle has both entries flat beside it (scripts/build-engine.mjs).
    const source = here.endsWith(".ts");
    const entry = new URL(`./payload-worker${source ? ".ts" : ".js"}`, here).href;
    const loader = new URL(source ? "../repository/provenance/worker-entry.mjs" : "./worker-entry.mjs", here);
    const w = new Worker(loader, { workerData: { entry, init: { url: this.url, batchKey: this.batchKey, commandTimeoutMs: this.commandTimeoutMs, bullPrefix: this.bullPrefix } } });
    w.unref();
    w.on("message", (m: { id: number; added?: Array<string | null>; error?: string } | { ready: true } | ConsumedJob | ConsumerEvent) => {
      if ("ready" in m) {
        this.connected = true;
        for (const done of [...this.readyWaiters]) done();
        return;
      }
      if ("kind" in m) {
        const c = this.consumers.get(m.cid);
        if (!c) return;
        if (m.kind === "job") c.onJob(m);
        else if (m.kind === "stopped") {
          this.consumers.delete(m.cid);
          this.updateRef();
          c.stopped?.();
        } else c.onEvent(m);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.updateRef();
      if (m.error !== undefined || m.added === undefined) p.reject(new Error(m.error ?? "no answer"));
      else p.resolve(m.added);
    });
    w.on("error", (e) => this.fail(e));
    w.once("exit", () => {
      if (this.worker === w) this.worker = null;
      this.fail(new Error("the payload writer thread ended"));
    });
    this.worker = w;
    return w;
  }

  /** The thread keeps the process alive while a handover is due or a consumer runs in it. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.pending.size > 0 || this.consumers.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    // Consumers end with the thread: their jobs come back to the cluster when the locks expire.
    for (const c of this.consumers.values()) {
      c.onEvent({ kind: "consumerError", cid: -1, message: `the handover thread ended: ${e.message}` });
      c.stopped?.();
    }
    this.consumers.clear();
  }
}
