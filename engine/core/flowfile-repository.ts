/**
 * The FlowFile repository contract: where every FlowFile is, as of the last commit.
 */
import type { SwapSummary } from "../queue/connection-queue";
import type { FlowFileRecord } from "./flowfile";

/** Attribute changes of one FlowFile in one commit: new value, or null when removed. */
export type AttributeDelta = Record<string, string | null>;

/** Live FlowFiles per queue after recovery. */
export interface RecoveredState {
  queues: Map<string, FlowFileRecord[]>;
  swaps: Map<string, SwapSummary[]>;
  /** Highest FlowFile sequence seen, so new ones sort after recovered ones. */
  maxSeq: number;
}

/** A queue's durable state for a checkpoint. */
export interface QueueCheckpoint {
  id: string;
  flowFiles: Iterable<FlowFileRecord>;
  swaps: readonly SwapSummary[];
}

/**
 * Contract:
 * - A session commit is one frame: `beginCommit`, any number of `upsert`/`delete`, `endCommit`.
 *   Recovery applies whole frames only; a frame cut short by a crash is discarded whole, so a
 *   commit lands entirely or not at all. `abortCommit` forgets the open frame (a commit that
 *   failed half way), so that it is neither written nor left open.
 * - Frames become durable at `flush` (write to the OS; with `sync` also fdatasync). The flow
 *   controller flushes the content repository first and runs `onCommitted` callbacks after.
 * - `upsert(queueId, ff, undefined)` writes the complete FlowFile; with a delta (or null for "no
 *   attribute change") only what changed, relative to the FlowFile's previous record.
 * - `checkpoint` replaces the log with a snapshot of every live FlowFile; it is called at a
 *   point where queue state equals the state of every staged frame.
 * - `recover` returns every FlowFile in the queue it was in at its last durable commit.
 */
export interface FlowFileRepository {
  beginCommit(): void;
  upsert(queueId: string, ff: FlowFileRecord, delta: AttributeDelta | null | undefined): void;
  delete(uuid: string): void;
  endCommit(): void;
  abortCommit(): void;
  swappedOut(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void;
  swappedIn(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void;
  flush(): void;
  /** True when the log has grown enough that a checkpoint is due. */
  needsCheckpoint(now: number): boolean;
  checkpoint(queues: Iterable<QueueCheckpoint>, now: number): void;
  recover(): RecoveredState;
  close(): void;
}

/** Volatile mode: nothing is recorded and nothing survives a restart. */
export class VolatileFlowFileRepository implements FlowFileRepository {
  beginCommit(): void {}
  upsert(): void {}
  delete(): void {}
  endCommit(): void {}
  abortCommit(): void {}
  swappedOut(): void {}
  swappedIn(): void {}
  flush(): void {}
  needsCheckpoint(): boolean {
    return false;
  }
  checkpoint(): void {}
  recover(): RecoveredState {
    return { queues: new Map(), swaps: new Map(), maxSeq: 0 };
  }
  close(): void {}
}
