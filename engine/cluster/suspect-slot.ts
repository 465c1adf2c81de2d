/**
 * The one place on a node for a suspect batch: one that stalled at least once (the node that
 * held it died, or lost its lock). The handover thread (payload-worker.ts) asks it about every
 * job its BullMQ workers take.
 *
 * Why a node takes at most one at a time, over all its connections: BullMQ counts a stall
 * against every batch a dying node held, and after `maxStalledCount` stalls dead-letters it.
 * Without the limit, the batches a poison batch's crash sent back went to the next node together
 * (they head the queue, and a node takes `prefetch` at once), died with it again, and after
 * three crashes the innocent ones were dead-lettered beside it. With it, a suspect batch is never
 * held beside another one, so a crash counts again only against the suspect that was in flight
 * (and against fresh batches, once).
 *
 * Contract of `admit(job, stalls, ordered)`:
 * - "take": process it. A suspect (stalls > 0) then holds the slot until `release(job)`, or
 *   until `maxHoldMs` have passed (it may be waiting for back pressure that only another
 *   suspect's progress relieves: the node must not stop for it).
 * - "retry-later": a suspect while the slot is held; the caller sends it back to the queue for
 *   `retryMs` (any node may take it then).
 * - An ordered suspect (a partition's batch, whose order a later batch of its partition would
 *   break if it went back) is always taken; it holds the slot only when the slot was free.
 * `release` of a job that does not hold the slot does nothing.
 */
export interface SuspectSlotOptions {
  /** How long a suspect holds the slot at most. @default 10 s */
  maxHoldMs?: number;
  /** How long a suspect that found the slot held waits in the queue. @default 500 ms */
  retryMs?: number;
  /** The clock (tests give their own). @default Date.now */
  now?: () => number;
}

export class SuspectSlot {
  readonly retryMs: number;
  private readonly maxHoldMs: number;
  private readonly now: () => number;
  private holder: { job: number; since: number } | null = null;

  constructor(o: SuspectSlotOptions = {}) {
    this.maxHoldMs = o.maxHoldMs ?? 10_000;
    this.retryMs = o.retryMs ?? 500;
    this.now = o.now ?? Date.now;
  }

  admit(job: number, stalls: number, ordered: boolean): "take" | "retry-later" {
    if (stalls <= 0) return "take";
    const now = this.now();
    const held = this.holder !== null && now - this.holder.since < this.maxHoldMs;
    if (!held) {
      this.holder = { job, since: now };
      return "take";
    }
    return ordered ? "take" : "retry-later";
  }

  release(job: number): void {
    if (this.holder?.job === job) this.holder = null;
  }
}
