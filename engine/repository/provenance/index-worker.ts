/**
 * The provenance index worker thread (loaded through worker-entry.mjs): runs a `LogIndexer`
 * and speaks the protocol of worker-protocol.ts with `FileProvenanceRepository`.
 */
import { execFileSync } from "node:child_process";
import { parentPort, workerData } from "node:worker_threads";
import { nameThisThread } from "../../core/thread-name";
import { lowerThisThreadPriority } from "../../core/thread-priority";
import { LogIndexer, type LogPosition } from "./log-indexer";
import type { FromIndexWorker, IndexRequest, IndexWorkerInit, ToIndexWorker } from "./worker-protocol";

/**
 * This thread's scheduling (Linux; elsewhere it indexes at normal priority). In the background
 * it runs SCHED_IDLE: on CPU time nothing else wants. Why not only a lower nice value (which it
 * keeps, 10): a core that runs only SCHED_IDLE work counts as idle when the kernel places a
 * thread that wakes up (Redis, the handover thread, the garbage collector's helpers), so those
 * no longer land on the engine's core and take turns with it; in cluster-hop the engine's
 * thread waited 10-25% of a run for its core before. It comes to the foreground (SCHED_OTHER,
 * nice 10, as before) while a query waits and while records have waited more than
 * `FOREGROUND_AFTER_MS` to be indexed, so queries are answered as promptly as before and a
 * sustained load cannot starve the index; it stays there at least `FOREGROUND_MIN_MS`.
 * The policy is set with util-linux's `chrt` (Node has no call for it); without it, nice 10.
 */
class IndexPriority {
  private readonly tid: number | null;
  private idle = false;
  private canIdle = true;
  private foregroundUntil = 0;

  constructor(private readonly report: (tid: number, idle: boolean) => void) {
    // Not Linux, or not permitted (null): index at normal priority.
    this.tid = lowerThisThreadPriority(10);
    this.background(0);
  }

  /** Reports the current policy again (to the repository of a new session). */
  announce(): void {
    if (this.tid !== null) this.report(this.tid, this.idle);
  }

  /** When the foreground's minimum time ends (0: never in the foreground). */
  get foregroundEndsAt(): number {
    return this.idle ? 0 : this.foregroundUntil;
  }

  /** SCHED_IDLE, unless in the foreground for less than FOREGROUND_MIN_MS. */
  background(now: number): void {
    if (this.idle || !this.canIdle || this.tid === null || now < this.foregroundUntil) return;
    this.idle = this.chrt("--idle");
    if (!this.idle) this.canIdle = false;
    else this.report(this.tid, true);
  }

  /**
   * To the foreground for at least FOREGROUND_MIN_MS. `done`: the repository has set the policy
   * already (it does before it posts a query).
   */
  foreground(now: number, done = false): void {
    this.foregroundUntil = now + FOREGROUND_MIN_MS;
    if (!this.idle || this.tid === null) return;
    // Back to SCHED_OTHER; the nice value set above stays.
    if (done || this.chrt("--other")) {
      this.idle = false;
      this.report(this.tid, false);
    }
  }

  private chrt(policy: "--idle" | "--other"): boolean {
    try {
      execFileSync("chrt", [policy, "-p", "0", String(this.tid)], { stdio: "ignore", timeout: 2_000 });
      return true;
    } catch {
      return false;
    }
  }
}

/** Records older than this (not indexed yet) bring the index thread to the foreground. */
const FOREGROUND_AFTER_MS = 10_000;
/** Once in the foreground, it stays there at least this long (each switch runs `chrt`). */
const FOREGROUND_MIN_MS = 5_000;

/** How long newly written records may wait to be indexed together when no query waits. */
const INDEX_BATCH_DELAY_MS = 250;

/**
 * The thread: one repository's indexer at a time (a session), from `workerData.init` and then
 * from each `init` message after the session before was closed (see WorkerIndexClient's pool:
 * a thread outlives the repository that started it, so the next one opened in this process
 * neither boots a thread nor compiles the indexer again). Its scheduling (IndexPriority) is the
 * thread's, across sessions.
 */
function main(): void {
  const port = parentPort;
  if (port === null) throw new Error("index-worker must run in a worker thread");
  nameThisThread("sluice-index");
  const post = (message: FromIndexWorker): void => port.postMessage(message);
  const priority = new IndexPriority((tid, idle) => post({ kind: "background", tid, idle }));
  let session: ((message: ToIndexWorker) => void) | null = serve((workerData as { init: IndexWorkerInit }).init, post, priority);
  port.on("message", (message: ToIndexWorker) => {
    if (message.kind === "init") {
      if (session !== null) throw new Error("index-worker: init while a repository is open");
      session = serve(message.init, post, priority);
      priority.announce();
    } else if (message.kind === "exit") port.close();
    else if (session !== null) {
      session(message);
      if (message.kind === "close") {
        session = null;
        post({ kind: "closed" });
      }
    }
  });
}

/** Indexes one repository's logs and answers its queries; returns its message handler. */
function serve(init: IndexWorkerInit, post: (message: FromIndexWorker) => void, priority: IndexPriority): (message: ToIndexWorker) => void {
  /** Since when records reported written wait to be indexed (null: none waits). */
  let backlogSince: number | null = null;
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
  /** Foreground while a query waits or records wait too long, else background (see IndexPriority). */
  let settleTimer: NodeJS.Timeout | null = null;
  const settlePriority = (): void => {
    const now = Date.now();
    if (waiting.length > 0 || (backlogSince !== null && now - backlogSince > FOREGROUND_AFTER_MS)) priority.foreground(now);
    else priority.background(now);
    // Back to the background once the foreground's minimum is over, even with nothing to do.
    if (priority.foregroundEndsAt > now && settleTimer === null && !closed) {
      settleTimer = setTimeout(() => {
        settleTimer = null;
        settlePriority();
      }, priority.foregroundEndsAt - now + 10);
      settleTimer.unref();
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
    settlePriority();
    // One batch per turn, so new messages (sizes, queries, close) are seen between batches.
    const caughtUp = indexer.indexSome();
    answerReached();
    if (caughtUp) backlogSince = null;
    settlePriority();
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

  const handle = (message: ToIndexWorker): void => {
    if (closed) return;
    switch (message.kind) {
      case "written":
        indexer.written(message.file, message.size);
        backlogSince ??= Date.now();
        schedule();
        break;
      case "retain":
        indexer.retain(message.minEventId);
        break;
      case "query":
        waiting.push({ id: message.id, request: message.request, target: indexer.target() });
        priority.foreground(Date.now(), message.foreground === true);
        settlePriority();
        schedule();
        break;
      case "close":
        closed = true;
        if (timer !== null) clearTimeout(timer);
        if (settleTimer !== null) clearTimeout(settleTimer);
        for (const { id } of waiting.splice(0)) post({ kind: "failed", id, message: "provenance repository closed" });
        indexer.close();
        // Idle between repositories: nothing waits for this thread.
        priority.background(Date.now());
        break;
    }
  };
  schedule();
  return handle;
}

main();
