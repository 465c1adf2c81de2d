import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type {
  LineageGraph,
  ProvenanceEvent,
  ProvenanceEventGroup,
  ProvenanceEventInput,
  ProvenanceGroupMember,
  ProvenanceQuery,
  ProvenanceRepository,
} from "../../core/provenance";
import { EventEncoder } from "./event-codec";
import { listLogFiles, logFilePath, recoverLogTail } from "./log-files";
import { LogIndexer } from "./log-indexer";
import { holdsMembers, RecentGroups } from "./recent-groups";
import type { FromIndexWorker, IndexRequest, IndexResult, IndexWorkerInit, LogFileExtent, ToIndexWorker } from "./worker-protocol";

export interface FileProvenanceRepositoryOptions {
  /** Repository root; logs and `index.db` live in `<dir>/provenance`. */
  dir: string;
  /** Attributes whose values are indexed for `search` (others are matched by scanning). @default ["filename", "mime.type", "kafka.topic", "kafka.key", "http.request.uri"] */
  indexedAttributes?: string[];
  /** Oldest log files are deleted while the logs hold more than this. @default 1 GiB */
  maxStorageBytes?: number;
  /** Log files whose last write is older than this are deleted. @default 24 h */
  maxAgeMs?: number;
  /** A log file is closed and a new one started once it holds this many bytes. @default 64 MiB */
  maxLogFileBytes?: number;
  /** `flush` also fdatasyncs the log. @default false */
  sync?: boolean;
  /** Called when the indexer steps over a problem (e.g. a corrupt record). @default console.warn */
  onWarning?: (message: string) => void;
  /**
   * Where the index is maintained. "worker": a worker thread tails the logs (the second core
   * does the SQLite work; `flush` only posts a message). "main": `flush` indexes what it wrote
   * before returning (several microseconds per event on the caller's thread); a fallback for
   * hosts that cannot start the worker (e.g. a bundler that does not ship worker-entry.mjs).
   * @default "worker"
   */
  indexThread?: "worker" | "main";
  /**
   * Index worker only: how long newly flushed events may wait to be indexed together while no
   * query waits (a query never waits for it). Default 250 ms.
   */
  indexBatchDelayMs?: number;
}

export const DEFAULT_INDEXED_ATTRIBUTES: readonly string[] = ["filename", "mime.type", "kafka.topic", "kafka.key", "http.request.uri"];

const MIB = 1024 * 1024;
/** How often `flush` checks the age limit when no log file was rolled. */
const RETENTION_CHECK_MS = 10_000;

interface LogFile extends LogFileExtent {
  /** Epoch millis of the last write (mtime for files found at start). */
  lastWrite: number;
}

interface Pending {
  resolve: (result: IndexResult) => void;
  reject: (error: Error) => void;
}

/**
 * Durable provenance repository: an append-only binary log plus a SQLite index kept by a
 * worker thread.
 *
 * Contract (on top of `ProvenanceRepository`):
 * - `register` encodes each event into an in-memory buffer (no syscall); ids continue after the
 *   highest id in the logs across restarts. Invalid input (e.g. a non-string attribute value)
 *   throws a TypeError and registers none of the call's events.
 * - `flush` appends the buffer to the current log file with one positional `writeSync`, then
 *   posts the new log size to the index worker; with nothing registered it returns at once.
 *   A failed write truncates the partial bytes, keeps the buffer and throws; the next `flush`
 *   retries. Log files roll at `maxLogFileBytes`; retention then deletes whole oldest files
 *   (size and age limits) and the worker drops their index rows.
 * - Queries are answered by the worker once it has indexed every byte flushed before the query
 *   was made, so they see every flushed event (and may wait while the index catches up).
 * - On open, a torn record at the end of the last log (crash) is cut off; the worker re-indexes
 *   whatever the index had not seen and drops rows of events the logs no longer hold.
 * - `close` flushes and stops the worker; afterwards `register` and `flush` throw (the log's
 *   descriptor is closed, and its number may already belong to another file) and queries reject.
 */
export class FileProvenanceRepository implements ProvenanceRepository {
  private readonly logDir: string;
  private readonly maxStorageBytes: number;
  private readonly maxAgeMs: number;
  private readonly maxLogFileBytes: number;
  private readonly sync: boolean;
  private readonly encoder = new EventEncoder();
  /** Group records of the current file whose members a later group may refer to (the last 16). */
  private readonly recent = new RecentGroups();
  private readonly files: LogFile[] = [];
  private fd: number;
  private nextId: number;
  private lastRetentionCheck = 0;

  private readonly index: IndexClient;
  private closed = false;

  constructor(options: FileProvenanceRepositoryOptions) {
    this.logDir = path.join(options.dir, "provenance");
    this.maxStorageBytes = options.maxStorageBytes ?? 1024 * MIB;
    this.maxAgeMs = options.maxAgeMs ?? 24 * 3_600_000;
    this.maxLogFileBytes = options.maxLogFileBytes ?? 64 * MIB;
    this.sync = options.sync ?? false;
    const onWarning = options.onWarning ?? ((message: string) => console.warn(message));
    fs.mkdirSync(this.logDir, { recursive: true });

    this.nextId = this.recoverLogs();
    const last = this.files.at(-1);
    if (last === undefined || last.size > 0) {
      this.files.push({ firstId: this.nextId, size: 0, lastWrite: Date.now() });
    }
    const current = this.files.at(-1)!;
    // Why a new file after every start: the encoder's dictionary of an old file is not rebuilt.
    this.fd = fs.openSync(logFilePath(this.logDir, current.firstId), "w");

    const init: IndexWorkerInit = {
      logDir: this.logDir,
      indexedAttributes: [...(options.indexedAttributes ?? DEFAULT_INDEXED_ATTRIBUTES)],
      files: this.files.map(({ firstId, size }) => ({ firstId, size })),
      nextId: this.nextId,
      batchDelayMs: options.indexBatchDelayMs,
    };
    this.index = options.indexThread === "main" ? new InlineIndexClient(init, onWarning) : new WorkerIndexClient(init, onWarning);
  }

  register(events: ReadonlyArray<ProvenanceEventInput>, groups?: ReadonlyArray<ProvenanceEventGroup>, before?: ReadonlyArray<ProvenanceEventGroup>): void {
    if (this.closed) throw closedError();
    const encoder = this.encoder;
    const mark = encoder.mark();
    const firstId = this.nextId;
    const call: CallGroups = { written: [], changes: [] };
    try {
      if (before !== undefined) for (const group of before) this.registerGroup(group, call, true);
      for (let i = 0; i < events.length; i++) {
        encoder.encode(events[i]!, this.nextId);
        this.nextId++;
      }
      if (groups !== undefined) for (const group of groups) this.registerGroup(group, call, false);
    } catch (error) {
      // All or nothing: a session's events land together or not at all.
      encoder.rollback(mark);
      this.nextId = firstId;
      throw error;
    }
    for (const change of call.changes) change();
    for (const w of call.written) if (w.remember) this.recent.add(w.offset, w.members);
  }

  /**
   * One record for the whole group (see ProvenanceEventGroup). Its members by reference when a
   * full group record of this call, or one lately written to this file (RecentGroups), holds them
   * (see event-codec.ts, "group by reference"). The cases: a source's SENDs refer to its
   * CREATEs of the same call (the FlowFiles it made and handed over), and a batch taken back by
   * the node that handed it over has RECEIVEs that refer to the SENDs' full record (or to the
   * CREATEs that record referred to). A full group is remembered for later calls unless it came
   * in `before` (a session's CREATEs) and nothing in its call referred to it: the FlowFiles of a
   * session that handed nothing over do not come back, and remembering would keep them alive.
   */
  private registerGroup(group: ProvenanceEventGroup, call: CallGroups, leading: boolean): void {
    const encoder = this.encoder;
    const offset = this.files.at(-1)!.size + encoder.length;
    const id = this.nextId;
    const members = group.flowFiles;
    let referred = false;
    if (group.previousClaims === null) {
      const own = call.written.find((w) => holdsMembers(w.members, 0, members));
      if (own !== undefined) {
        encoder.encodeGroupReference(group, id, offset - own.offset, 0);
        own.remember = true;
        referred = true;
      } else {
        const found = this.recent.find(members);
        if (found !== null) {
          encoder.encodeGroupReference(group, id, offset - found.group.offset, found.from);
          call.changes.push(() => this.recent.matched(found, members.length));
          referred = true;
        }
      }
    }
    if (!referred) {
      encoder.encodeGroup(group, id);
      call.written.push({ offset, members, remember: !leading });
    }
    this.nextId += members.length;
  }

  flush(): void {
    if (this.closed) throw closedError();
    if (this.encoder.length === 0) return;
    const bytes = this.encoder.bytes();
    const current = this.files.at(-1)!;
    let written = 0;
    try {
      while (written < bytes.length) {
        written += fs.writeSync(this.fd, bytes, written, bytes.length - written, current.size + written);
      }
      if (this.sync) fs.fdatasyncSync(this.fd);
    } catch (error) {
      // Leave no partial record behind; the buffer is kept, so the next flush retries it.
      try {
        fs.ftruncateSync(this.fd, current.size);
      } catch {
        // The write error is the one worth reporting.
      }
      throw error;
    }
    current.size += bytes.length;
    this.encoder.clear();
    const now = Date.now();
    current.lastWrite = now;
    this.index.written(current.firstId, current.size);
    if (current.size >= this.maxLogFileBytes) {
      this.roll(now);
      this.enforceRetention(now);
    } else if (now - this.lastRetentionCheck >= RETENTION_CHECK_MS) {
      this.enforceRetention(now);
    }
  }

  async getEvent(eventId: number): Promise<ProvenanceEvent | null> {
    const result = await this.index.request({ op: "get", eventId });
    return result.op === "get" ? result.event : null;
  }

  async search(query: ProvenanceQuery): Promise<ProvenanceEvent[]> {
    const result = await this.index.request({ op: "search", query });
    return result.op === "search" ? result.events : [];
  }

  async lineage(flowFileUuid: string): Promise<LineageGraph> {
    const result = await this.index.request({ op: "lineage", flowFileUuid });
    if (result.op !== "lineage") throw new Error("provenance index worker answered a lineage request with " + result.op);
    return result.graph;
  }

  maxEventId(): number {
    return this.nextId - 1;
  }

  /** Resolves once the index holds every flushed event; returns how many events it holds. */
  async waitForIndex(): Promise<number> {
    const result = await this.index.request({ op: "sync" });
    return result.op === "sync" ? result.indexedEvents : 0;
  }

  /**
   * Deletes whole oldest log files (never the current one) while the logs exceed
   * `maxStorageBytes` or a file's last write is older than `maxAgeMs`. `flush` calls it when a
   * file rolls and every few seconds; exposed for the flow controller and tests.
   */
  enforceRetention(now: number = Date.now()): void {
    this.lastRetentionCheck = now;
    let total = 0;
    for (const file of this.files) total += file.size;
    let removed = false;
    while (this.files.length > 1) {
      const oldest = this.files[0]!;
      if (total <= this.maxStorageBytes && oldest.lastWrite >= now - this.maxAgeMs) break;
      fs.rmSync(logFilePath(this.logDir, oldest.firstId), { force: true });
      total -= oldest.size;
      this.files.shift();
      removed = true;
    }
    if (removed) this.index.retain(this.files[0]!.firstId);
  }

  /** Bytes held by the log files (diagnostics, tests). */
  storageBytes(): number {
    return this.files.reduce((sum, file) => sum + file.size, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
    await this.index.close();
  }

  /** Lists the logs, cuts a torn tail off the newest, and returns the next event id. */
  private recoverLogs(): number {
    let nextId = 0;
    const ids = listLogFiles(this.logDir);
    for (const [i, firstId] of ids.entries()) {
      const file = logFilePath(this.logDir, firstId);
      const stat = fs.statSync(file);
      let size = stat.size;
      if (i === ids.length - 1) {
        const recovered = recoverLogTail(file, firstId);
        size = recovered.size;
        nextId = recovered.lastId + 1;
      }
      this.files.push({ firstId, size, lastWrite: stat.mtimeMs });
    }
    return nextId;
  }

  private roll(now: number): void {
    fs.closeSync(this.fd);
    this.files.push({ firstId: this.nextId, size: 0, lastWrite: now });
    this.fd = fs.openSync(logFilePath(this.logDir, this.nextId), "w");
    this.encoder.resetDictionary();
    this.recent.clear();
  }

}

function closedError(): Error {
  return new Error("provenance repository closed");
}

/** Where the index runs; the repository talks to either the same way. */
interface IndexClient {
  /** Log file `file` now holds `size` bytes of complete records. */
  written(file: number, size: number): void;
  /** Log files with ids below `minEventId` were deleted. */
  retain(minEventId: number): void;
  /** Answers once everything reported as written before the call is indexed. */
  request(request: IndexRequest): Promise<IndexResult>;
  close(): Promise<void>;
}

/**
 * Index threads that outlived their repository, waiting for the next one opened in this process
 * (the thread serves one repository at a time; see index-worker.ts `main`). Why: a new thread
 * boots Node, loads SQLite and compiles the indexer again; in cluster-hop, where each run opens a
 * flow as a node does at each deploy, that compile alone took the V8 helper threads 100-150 ms
 * a run, at normal priority (the index thread itself runs SCHED_IDLE, its compiles do not). At
 * most PARKED_MAX wait, each PARKED_MS at most; then it ends. A parked thread holds no file.
 */
const parkedIndexThreads: Array<{ worker: Worker; timer: NodeJS.Timeout; gone: () => void }> = [];
const PARKED_MAX = 1;
const PARKED_MS = 60_000;

function parkIndexThread(worker: Worker): void {
  if (parkedIndexThreads.length >= PARKED_MAX) {
    worker.postMessage({ kind: "exit" } satisfies ToIndexWorker);
    return;
  }
  const entry = {
    worker,
    gone: () => {
      const i = parkedIndexThreads.indexOf(entry);
      if (i >= 0) parkedIndexThreads.splice(i, 1);
      clearTimeout(entry.timer);
    },
    timer: setTimeout(() => {
      entry.gone();
      worker.postMessage({ kind: "exit" } satisfies ToIndexWorker);
    }, PARKED_MS),
  };
  entry.timer.unref();
  // A parked thread that fails or ends leaves the pool; its error must not go unhandled.
  worker.on("error", entry.gone);
  worker.once("exit", entry.gone);
  worker.unref();
  parkedIndexThreads.push(entry);
}

/** @internal How many index threads wait for a repository (tests). */
export function parkedIndexThreadCount(): number {
  return parkedIndexThreads.length;
}

function takeParkedIndexThread(): Worker | null {
  const entry = parkedIndexThreads.pop();
  if (!entry) return null;
  clearTimeout(entry.timer);
  entry.worker.off("error", entry.gone);
  entry.worker.off("exit", entry.gone);
  return entry.worker;
}

/** Runs the indexer in a worker thread (worker-entry.mjs → index-worker), a parked one if there is one. */
class WorkerIndexClient implements IndexClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private requestSeq = 0;
  private error: Error | null = null;
  private readonly exited: Promise<void>;
  /** Resolves once the thread answered `close` (the index is closed; the thread may serve another repository). */
  private readonly closedByThread: Promise<void>;
  private markClosedByThread: () => void = () => {};
  private closed = false;
  /** The worker's thread id while it runs in the background (SCHED_IDLE), else null. */
  private background: number | null = null;
  private readonly listeners: { message: (m: FromIndexWorker) => void; error: (e: Error) => void; exit: (code: number) => void };

  constructor(init: IndexWorkerInit, private readonly onWarning: (message: string) => void) {
    const parked = takeParkedIndexThread();
    if (parked) {
      this.worker = parked;
      this.worker.postMessage({ kind: "init", init } satisfies ToIndexWorker);
    } else {
      const here = import.meta.url;
      // Under tsx or vitest this module is TypeScript source, and so is the worker.
      const entry = new URL(`./index-worker${here.endsWith(".ts") ? ".ts" : ".js"}`, here).href;
      this.worker = new Worker(new URL("./worker-entry.mjs", here), { workerData: { entry, init } });
    }
    this.worker.unref();
    this.closedByThread = new Promise((resolve) => (this.markClosedByThread = resolve));
    let exitedNow: () => void = () => {};
    this.exited = new Promise((resolve) => (exitedNow = resolve));
    this.listeners = {
      message: (message) => this.onMessage(message),
      error: (error) => this.fail(error),
      exit: (code) => {
        if (!this.closed) this.fail(new Error(`provenance index worker exited unexpectedly (code ${code})`));
        exitedNow();
      },
    };
    this.worker.on("message", this.listeners.message);
    this.worker.on("error", this.listeners.error);
    this.worker.on("exit", this.listeners.exit);
  }

  written(file: number, size: number): void {
    this.post({ kind: "written", file, size });
  }

  retain(minEventId: number): void {
    this.post({ kind: "retain", minEventId });
  }

  request(request: IndexRequest): Promise<IndexResult> {
    if (this.error !== null) return Promise.reject(this.error);
    if (this.closed) return Promise.reject(new Error("provenance repository closed"));
    const id = this.requestSeq++;
    const background = this.background;
    return new Promise<IndexResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while an answer is due; an idle worker must not.
      if (this.pending.size === 1) this.worker.ref();
      if (background === null) {
        this.post({ kind: "query", id, request });
        return;
      }
      // SCHED_IDLE until now: to the foreground first (the thread itself might wait long for
      // the CPU to do it), keeping its nice value. It goes back once nothing waits.
      this.background = null;
      execFile("chrt", ["--other", "-p", "0", String(background)], { timeout: 2_000 }, (error) => {
        this.post({ kind: "query", id, request, foreground: error === null });
      });
    });
  }

  /** Closes the index; the thread is parked for the next repository (or ends, when it failed). */
  async close(): Promise<void> {
    this.closed = true;
    this.post({ kind: "close" });
    this.worker.ref();
    const answered = await Promise.race([this.closedByThread.then(() => true), this.exited.then(() => false)]);
    this.rejectPending(new Error("provenance repository closed"));
    this.worker.off("message", this.listeners.message);
    this.worker.off("error", this.listeners.error);
    this.worker.off("exit", this.listeners.exit);
    if (answered && this.error === null) parkIndexThread(this.worker);
    else await this.worker.terminate();
  }

  private post(message: ToIndexWorker): void {
    if (this.error === null) this.worker.postMessage(message);
  }

  private onMessage(message: FromIndexWorker): void {
    if (message.kind === "warning") {
      this.onWarning(message.message);
      return;
    }
    if (message.kind === "background") {
      this.background = message.idle ? message.tid : null;
      return;
    }
    if (message.kind === "closed") {
      this.markClosedByThread();
      return;
    }
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0 && !this.closed) this.worker.unref();
    if (message.kind === "result") pending.resolve(message.result);
    else pending.reject(new Error(message.message));
  }

  private fail(error: Error): void {
    this.error ??= error;
    this.rejectPending(error);
  }

  private rejectPending(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** Runs the indexer on the repository's thread: `written` indexes before returning. */
class InlineIndexClient implements IndexClient {
  private readonly indexer: LogIndexer;
  private closed = false;

  constructor(init: IndexWorkerInit, onWarning: (message: string) => void) {
    this.indexer = new LogIndexer(init, onWarning);
    this.catchUp();
  }

  written(file: number, size: number): void {
    this.indexer.written(file, size);
    this.catchUp();
  }

  retain(minEventId: number): void {
    this.indexer.retain(minEventId);
  }

  async request(request: IndexRequest): Promise<IndexResult> {
    if (this.closed) throw new Error("provenance repository closed");
    return this.indexer.run(request);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.indexer.close();
  }

  private catchUp(): void {
    while (!this.indexer.indexSome()) {
      // Each call commits one batch; loop until everything written is indexed.
    }
  }
}

/** What one `register` call wrote as full group records, and its changes to `recent` (applied once every record is encoded). */
interface CallGroups {
  written: Array<{ offset: number; members: ReadonlyArray<ProvenanceGroupMember>; remember: boolean }>;
  changes: Array<() => void>;
}
