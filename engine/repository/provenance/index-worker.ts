/**
 * The provenance index worker thread (loaded through worker-entry.mjs): runs a `LogIndexer`
 * and speaks the protocol of worker-protocol.ts with `FileProvenanceRepository`.
 */
import fs from "node:fs";
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { LogIndexer, type LogPosition } from "./log-indexer";
import type { FromIndexWorker, IndexRequest, IndexWorkerInit, ToIndexWorker } from "./worker-protocol";

/**
 * Lowers this thread's scheduling priority (Linux: a thread id is a valid setpriority target).
 * Why: indexing is catch-up work; at full priority it took the second core from the engine's
 * garbage-collector helper threads and slowed the flow itself. Queries still wait for the index
 * to catch up, so nothing is lost but freshness under load. No-op where unsupported.
 */
function lowerPriority(): void {
  try {
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
  } catch {
    // Not Linux, or not permitted: index at normal priority.
  }
}

/** How long newly written records may wait to be indexed together when no query waits. */
const INDEX_BATCH_DELAY_MS = 250;

function main(): void {
  lowerPriority();
  const port = parentPort;
  if (port === null) throw new Error("index-worker must run in a worker thread");
  const post = (message: FromIndexWorker): void => port.postMessage(message);
  const init = (workerData as { init: IndexWorkerInit }).init;
  const indexer = new LogIndexer(init, (message) => post({ kind: "warning", message }));
  // Each query waits for the log end as it was when the query arrived, not for a moving end:
  // under sustained load the index may lag, and a query's wait must stay bounded.
  const waiting: Array<{ id: number; request: IndexRequest; target: LogPosition }> = [];
  let closed = false;

  const answerReached = (): void => {
    for (let i = 0; i < waiting.length; ) {
      const { id, request, target } = waiting[i]!;
      if (!indexer.reached(target)) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      try {
        post({ kind: "result", id, result: indexer.run(request) });
      } catch (error) {
        post({ kind: "failed", id, message: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  const batchDelayMs = init.batchDelayMs ?? INDEX_BATCH_DELAY_MS;
  let lastPass = 0;
  /** A pass is queued with setImmediate. */
  let immediate = false;
  /** A delayed pass (see `schedule`). */
  let timer: NodeJS.Timeout | null = null;
  const pass = (): void => {
    immediate = false;
    if (closed) return;
    lastPass = Date.now();
    // One batch per turn, so new messages (sizes, queries, close) are seen between batches.
    const caughtUp = indexer.indexSome();
    answerReached();
    if (!caughtUp) schedule(true);
  };
  /**
   * Runs a pass at once when there is a backlog or a query waits; otherwise newly written
   * records wait until `batchDelayMs` after the last pass. Why: the repository reports every
   * flush (hundreds a second under load), and indexing each few records in a transaction of
   * their own cost this thread two to three times the CPU of indexing them together, CPU that
   * it takes from the engine on a two-core machine.
   */
  const schedule = (now = false): void => {
    if (immediate || closed) return;
    const wait = now || waiting.length > 0 ? 0 : lastPass + batchDelayMs - Date.now();
    if (wait <= 0) {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      immediate = true;
      setImmediate(pass);
    } else if (timer === null) {
      timer = setTimeout(() => {
        timer = null;
        immediate = true;
        pass();
      }, wait);
    }
  };

  port.on("message", (message: ToIndexWorker) => {
    if (closed) return;
    switch (message.kind) {
      case "written":
        indexer.written(message.file, message.size);
        schedule();
        break;
      case "retain":
        indexer.retain(message.minEventId);
        break;
      case "query":
        waiting.push({ id: message.id, request: message.request, target: indexer.target() });
        schedule();
        break;
      case "close":
        closed = true;
        if (timer !== null) clearTimeout(timer);
        for (const { id } of waiting.splice(0)) post({ kind: "failed", id, message: "provenance repository closed" });
        indexer.close();
        port.close();
        break;
    }
  });
  schedule();
}

main();
