/**
 * The engine's FlowFile implementation: an immutable record. A change makes a new version
 * (same uuid) through `with*` helpers, called only by the session.
 */
import { newUuid } from "./uuid";
import type { FlowFile } from "../sdk/types";
import type { ContentClaim } from "./content-claim";

let sequence = 0;
/** Monotonic per-process counter used to keep FIFO order among equal timestamps. */
export function nextSequence(): number {
  return ++sequence;
}
/** Recovery moves the counter past every recovered FlowFile. */
export function advanceSequence(atLeast: number): void {
  if (atLeast > sequence) sequence = atLeast;
}

export class FlowFileRecord implements FlowFile {
  /**
   * The session record staging this version, if any (engine-internal). Lets a session find its
   * record of a FlowFile without a map lookup; cleared when the session commits or rolls back.
   */
  owner: object | null = null;
  /**
   * The batch unit of a distributed connection this version was taken from, until its commit
   * is settled (engine-internal; see distributed-queue.ts). Why a field and not a WeakMap: the
   * map's ephemeron table cost every scavenge, ~2% of the engine thread in cluster-hop.
   */
  unit: object | null = null;

  constructor(
    readonly uuid: string,
    readonly attributes: Readonly<Record<string, string>>,
    readonly claim: ContentClaim | null,
    readonly entryDate: number,
    readonly lineageStartDate: number,
    readonly penaltyExpiration: number,
    /** Order of creation/enqueue, for FIFO and stable sorting; not part of identity. */
    readonly seq: number,
  ) {}

  get size(): number {
    return this.claim === null ? 0 : this.claim.length;
  }

  getAttribute(name: string): string | undefined {
    return this.attributes[name];
  }

  static create(attributes: Record<string, string>, now: number, lineageStartDate = now, uuid: string = newUuid()): FlowFileRecord {
    attributes.uuid = uuid;
    return new FlowFileRecord(uuid, attributes, null, now, lineageStartDate, 0, nextSequence());
  }

  withAttributes(attributes: Readonly<Record<string, string>>): FlowFileRecord {
    return new FlowFileRecord(this.uuid, attributes, this.claim, this.entryDate, this.lineageStartDate, this.penaltyExpiration, this.seq);
  }

  withClaim(claim: ContentClaim | null): FlowFileRecord {
    return new FlowFileRecord(this.uuid, this.attributes, claim, this.entryDate, this.lineageStartDate, this.penaltyExpiration, this.seq);
  }

  withPenalty(until: number): FlowFileRecord {
    return new FlowFileRecord(this.uuid, this.attributes, this.claim, this.entryDate, this.lineageStartDate, until, this.seq);
  }

  withSeq(seq: number): FlowFileRecord {
    return new FlowFileRecord(this.uuid, this.attributes, this.claim, this.entryDate, this.lineageStartDate, this.penaltyExpiration, seq);
  }
}
