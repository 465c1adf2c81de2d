/** Messages between `FileProvenanceRepository` (main thread) and its index worker. */
import type { LineageGraph, ProvenanceEvent, ProvenanceQuery } from "../../core/provenance";

/** A log file by the id of its first event, and how many bytes of it are complete records. */
export interface LogFileExtent {
  firstId: number;
  size: number;
}

/** What the worker starts with (`workerData.init`). */
export interface IndexWorkerInit {
  /** `<dir>/provenance`: the log files and `index.db`. */
  logDir: string;
  indexedAttributes: string[];
  /** Every log file after recovery, oldest first, with its recovered size. */
  files: LogFileExtent[];
  /** Next event id after recovery; index rows at or above it are stale (log tail lost). */
  nextId: number;
  /** How long newly written records may wait to be indexed together when no query waits (default 250 ms). */
  batchDelayMs?: number;
}

export type IndexRequest =
  | { op: "search"; query: ProvenanceQuery }
  | { op: "get"; eventId: number }
  | { op: "lineage"; flowFileUuid: string }
  | { op: "sync" };

export type IndexResult =
  | { op: "search"; events: ProvenanceEvent[] }
  | { op: "get"; event: ProvenanceEvent | null }
  | { op: "lineage"; graph: LineageGraph }
  | { op: "sync"; indexedEvents: number };

export type ToIndexWorker =
  /** The log file `file` now holds `size` bytes of complete records (sent after every flush). */
  | { kind: "written"; file: number; size: number }
  /** Log files holding ids below `minEventId` were deleted (retention). */
  | { kind: "retain"; minEventId: number }
  /** Answered once everything reported as written before it has been indexed. `foreground`: the repository brought the thread to the foreground for it. */
  | { kind: "query"; id: number; request: IndexRequest; foreground?: boolean }
  /**
   * Commit and close the index (answered with `closed`); a tail not indexed yet is indexed at
   * the next start. The thread then waits for `init` (another repository) or `exit`.
   */
  | { kind: "close" }
  /** Serve another repository: the thread's first one came in its workerData. */
  | { kind: "init"; init: IndexWorkerInit }
  /** End the thread (between repositories). */
  | { kind: "exit" };

export type FromIndexWorker =
  | { kind: "result"; id: number; result: IndexResult }
  | { kind: "failed"; id: number; message: string }
  /** Indexing hit a problem it stepped over (e.g. a corrupt record; the rest of that file is skipped). */
  | { kind: "warning"; message: string }
  /**
   * The thread now runs in the background (SCHED_IDLE; see index-worker.ts) or not. While it
   * does, the repository brings it to the foreground itself before it posts a query: a thread
   * that only gets CPU time nothing else wants could take long to do so under load.
   */
  | { kind: "background"; tid: number; idle: boolean }
  /** The repository's index is closed; the thread may serve another one. */
  | { kind: "closed" };
