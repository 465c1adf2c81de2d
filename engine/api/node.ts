/**
 * A node: owns one locked data dir and runs any number of deployed flows, one Engine each (its
 * repositories under `<dataDir>/<flowId>`), behind the NodeApi (engine/api/node-api.ts).
 *
 * This class is the in-process implementation. The designer never holds one on its own event
 * loop: it talks to a node in a worker thread through engine/api/local-node.ts, and a worker
 * node (`sluice node`, engine/cluster/worker-node.ts) serves the same class over Redis.
 *
 * Primary node: processors with `scheduling.executionNode: "primary"` run only while the node is
 * primary (`setPrimary`); a node outside a cluster is its own primary. In a cluster their state
 * dir follows the primary through a PrimaryStateStore.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ContentNotFoundError } from "../core/content-claim";
import { HISTORY_SLOT_MS } from "../core/stats";
import { compose, defaultComposition, type Composition, type CompositionOptions } from "../runtime/composition-root";
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from "../runtime/data-dir-lock";
import type { FlowController } from "../runtime/flow-controller";
import type { QueueSize } from "../queue/connection-queue";
import type { IncomingBatch } from "../queue/distributed-queue";
import { analyzeFlow, dataSizeProblem, durationProblem, elFunctions, processorCatalog, sensitiveProperties, validateProcessorConfig, type ConfigProblem } from "./designer-catalog";
import { Engine, FlowValidationError, NotFoundError, type EngineStatus } from "./engine";
import type { FlowDocument, FlowProblem } from "./flow-format";
import {
  SAFE_ID,
  type ConnectionSettingsInput,
  type DeployRequest,
  type DeployResult,
  type DeploymentSummary,
  type FlowStatus,
  type LineageGraph,
  type NodeApi,
  type NodeCatalog,
  type NodeEvent,
  type NodeInfo,
  type ProcessorConfigInput,
  type ProvenanceEvent,
  type ProvenanceQuery,
  type QueuedContent,
  type StatusHistory,
  type Unsubscribe,
} from "./node-api";
import type { DeadLetter } from "./node-api";
import { NodeError, isNodeError } from "./node-errors";

export interface NodeOptions {
  /** The node's data dir (locked for the node's life); flows live in `<dataDir>/<flowId>`. */
  dataDir: string;
  /** @default the host name */
  name?: string;
  /** @default the built-in composition */
  composition?: Composition;
  /** Engine log level. @default SLUICE_ENGINE_LOG_LEVEL or "warn" (LogAttribute logs at info) */
  logLevel?: string;
  /** How often subscribers get a status frame. @default 1000 */
  statusIntervalMs?: number;
  /** Whether primary-only processors run (see setPrimary). @default true: a lone node is its own primary */
  primary?: boolean;
  /** Where the state of primary-only processors is kept for the next primary (a cluster). @default none */
  primaryState?: PrimaryStateStore;
  /** How often queue sizes are sampled into the status history. @default 10000 */
  historySampleMs?: number;
  /** The status history's clock (samples and reads). @default Date.now */
  clock?: () => number;
}

/**
 * Where a cluster keeps the state dirs of primary-only processors, so the next primary goes on
 * where the last one stopped (GenerateFlowFile's count, ListFile's listing). The node saves a
 * processor's files after each commit that changed them, and loads them before the processor
 * starts on the primary. Only plain files directly in the state dir travel, at most
 * MAX_MIRRORED_STATE_BYTES in all.
 */
export interface PrimaryStateStore {
  /** Saves the files; resolves false, saving nothing, when this node no longer holds the primary. */
  save(flowId: string, processorId: string, files: Record<string, Uint8Array>): Promise<boolean>;
  /** The files last saved for the processor, or null when none were. */
  load(flowId: string, processorId: string): Promise<Record<string, Uint8Array> | null>;
}

/** The most state a primary-only processor may have for it to follow the primary. */
export const MAX_MIRRORED_STATE_BYTES = 1024 * 1024;

interface Deployed {
  engine: Engine;
  revision: number;
  doc: FlowDocument;
  pending: FlowProblem[];
  stopBulletins: () => void;
}

/** Maps what engine code throws to the node API's error catalogue. */
export function toNodeError(e: unknown): NodeError {
  if (isNodeError(e)) return e;
  if (e instanceof FlowValidationError) return new NodeError("invalid-flow", e.message, { problems: e.problems });
  if (e instanceof NotFoundError) return new NodeError("not-found", e.message);
  if (e instanceof DataDirLockedError) return new NodeError("data-dir-locked", e.message, { dir: e.dir, pid: e.holderPid });
  if (e instanceof ContentNotFoundError) return new NodeError("content-gone", e.message);
  return new NodeError("internal", e instanceof Error ? e.message : String(e));
}

export class SluiceNode implements NodeApi {
  readonly dataDir: string;
  readonly name: string;
  private readonly startedAt = Date.now();
  private readonly elu = performance.eventLoopUtilization();
  private readonly flows = new Map<string, Deployed>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly watchers = new Map<string, { listeners: Set<(e: NodeEvent) => void>; timer: ReturnType<typeof setInterval> }>();
  private readonly composition: Composition;
  private closed = false;
  private primary: boolean;
  /** Per `<flowId>/<processorId>`: hash of the state last saved to (or loaded from) the store. */
  private readonly mirrored = new Map<string, string>();
  /** Per `<flowId>/<processorId>`: the save in flight, and whether another must follow it. */
  private readonly saving = new Map<string, { done: Promise<void>; again: boolean }>();
  /** Samples queue sizes into every flow's status history (see sampleHistory). */
  private readonly historyTimer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly opts: NodeOptions,
    private readonly lock: DataDirLock,
  ) {
    this.dataDir = lock.dir;
    this.name = opts.name ?? os.hostname();
    this.composition = opts.composition ?? defaultComposition();
    this.primary = opts.primary ?? true;
    this.historyTimer = setInterval(() => {
      for (const d of this.flows.values()) sampleHistory(d, this.now());
    }, opts.historySampleMs ?? 10_000);
    this.historyTimer.unref();
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Locks `opts.dataDir` (throws NodeError "data-dir-locked" when another process holds it). */
  static open(opts: NodeOptions): SluiceNode {
    let lock: DataDirLock;
    try {
      lock = acquireDataDirLock(opts.dataDir);
    } catch (e) {
      throw toNodeError(e);
    }
    return new SluiceNode(opts, lock);
  }

  /** Runs `fn` after every earlier call for the same flow; errors become NodeErrors. */
  private serial<T>(flowId: string, fn: () => Promise<T> | T): Promise<T> {
    return inOrder(this.chains, flowId, fn).catch((e: unknown) => {
      throw toNodeError(e);
    });
  }

  private async guard<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toNodeError(e);
    }
  }

  private checkId(flowId: unknown): string {
    if (typeof flowId !== "string" || !SAFE_ID.test(flowId)) {
      throw new NodeError("bad-request", `flowId must match ${SAFE_ID} (letters, digits, "_" and "-"), got ${JSON.stringify(flowId)}`);
    }
    return flowId;
  }

  private flowDir(flowId: string): string {
    return path.join(this.dataDir, this.checkId(flowId));
  }

  private require(flowId: string): Deployed {
    const d = this.flows.get(this.checkId(flowId));
    if (!d) throw new NodeError("not-deployed", `flow ${flowId} is not deployed on node ${this.name}`);
    return d;
  }

  private summary(flowId: string, d: Deployed): DeploymentSummary {
    // Only the run states: a whole status() (every counter and queue) per flow per call was
    // paid by every deployments() the designer makes while resolving a request.
    let running = false;
    for (const n of d.engine.controller.nodes.values()) if (n.state === "running") running = true;
    return { flowId, revision: d.revision, running, pending: d.pending };
  }

  // ---- info and catalog

  async info(): Promise<NodeInfo> {
    const u = performance.eventLoopUtilization(this.elu);
    return {
      name: this.name,
      pid: process.pid,
      dataDir: this.dataDir,
      startedAt: this.startedAt,
      flows: [...this.flows].map(([id, d]) => this.summary(id, d)),
      busyMs: Math.round(u.active),
      primary: this.primary,
    };
  }

  async catalog(): Promise<NodeCatalog> {
    return { processors: processorCatalog(), elFunctions: elFunctions(), sensitive: sensitiveProperties() };
  }

  async processorDocs(): Promise<string> {
    return this.composition.processorDocs();
  }

  async analyzeFlow(doc: unknown) {
    return this.guard(() => analyzeFlow(doc));
  }

  async validateProcessorConfig(input: ProcessorConfigInput) {
    return this.guard(() => validateProcessorConfig(input));
  }

  async validateConnectionSettings(input: ConnectionSettingsInput): Promise<ConfigProblem[]> {
    return connectionSettingsProblems(input);
  }

  // ---- deployment

  /**
   * A cluster node without a shared content store refuses distributed connections before
   * anything runs: content above the inline threshold could not cross to another node.
   */
  private checkDistributed(snapshot: unknown): void {
    const link = this.composition.distributed;
    if (!link || link.sharedStore) return;
    const conns = (snapshot as { connections?: Array<{ id?: unknown; name?: unknown; loadBalance?: { strategy?: unknown } }> } | null)?.connections;
    if (!Array.isArray(conns)) return;
    const problems: FlowProblem[] = [];
    conns.forEach((c, i) => {
      const strategy = c?.loadBalance?.strategy;
      if (strategy === undefined || strategy === "none") return;
      problems.push({
        path: `connections[${i}].loadBalance`,
        message: `connection "${String(c.name ?? c.id)}" is distributed (${String(strategy)}), but node ${this.name} has no shared content store for content above ${link.inlineMax} bytes; start the node with --shared-content <dir> (a directory every node mounts), or make the connection local`,
      });
    });
    if (problems.length) throw new NodeError("invalid-flow", problems.map((p) => p.message).join("; "), { problems });
  }

  /** Names (with counts) of connections `next` drops that still hold FlowFiles. */
  private removedNonEmpty(d: Deployed, next: FlowDocument): string[] {
    const keep = new Set(next.connections.map((c) => c.id));
    const out: string[] = [];
    for (const c of d.engine.status().connections) {
      if (!keep.has(c.id) && c.queued.count > 0) out.push(`"${c.name}" holds ${c.queued.count} FlowFile${c.queued.count === 1 ? "" : "s"}`);
    }
    return out;
  }

  private precheck(req: DeployRequest): { pending: FlowProblem[] } {
    this.checkId(req.flowId);
    if (!Number.isInteger(req.revision) || req.revision < 0) throw new NodeError("bad-request", "revision must be a whole number ≥ 0");
    const analysis = analyzeFlow(req.snapshot);
    this.checkDistributed(req.snapshot);
    const d = this.flows.get(req.flowId);
    if (!analysis.deployable) {
      if (!d) throw new NodeError("invalid-flow", "The flow cannot be deployed until these problems are fixed", { problems: analysis.problems.filter((p) => !p.path.startsWith("processors[")) });
      return { pending: analysis.problems };
    }
    if (d) {
      const blocked = this.removedNonEmpty(d, req.snapshot);
      if (blocked.length) {
        throw new NodeError("queue-not-empty", `Cannot remove a connection that still holds data: ${blocked.join(", ")}. Empty the queue first.`, { connections: blocked });
      }
    }
    return { pending: [] };
  }

  checkDeploy(req: DeployRequest): Promise<{ pending: FlowProblem[] }> {
    return this.serial(req?.flowId, () => this.precheck(req));
  }

  deploy(req: DeployRequest): Promise<DeployResult> {
    return this.serial(req?.flowId, () => this.deployNow(req));
  }

  private async deployNow(req: DeployRequest): Promise<DeployResult> {
    if (this.closed) throw new NodeError("node-unavailable", `node ${this.name} is shutting down`);
    const { pending } = this.precheck(req);
    const flowId = req.flowId;
    const d = this.flows.get(flowId);
    if (!d) {
      const opened = this.openFlow(flowId, req);
      const failures = await this.startMarked(opened, req.snapshot);
      return { ...this.summary(flowId, opened), outcome: "opened", changes: null, failures };
    }
    if (pending.length) {
      // Keep running what runs, but honour run-state changes: stopping must always work.
      d.pending = pending;
      const wanted = new Map(req.snapshot.processors.map((p) => [p.id, p.state]));
      const failures: DeployResult["failures"] = [];
      for (const p of d.doc.processors) {
        const state = wanted.get(p.id);
        if (state === undefined || state === p.state) continue;
        try {
          if (state === "running") await d.engine.startProcessor(p.id);
          else await d.engine.stopProcessor(p.id);
          p.state = state;
        } catch (e) {
          failures.push({ id: p.id, message: e instanceof Error ? e.message : String(e) });
        }
      }
      return { ...this.summary(flowId, d), outcome: "pending", changes: null, failures };
    }
    const changes = await d.engine.apply(req.snapshot);
    d.doc = req.snapshot;
    d.revision = req.revision;
    d.pending = [];
    return { ...this.summary(flowId, d), outcome: "applied", changes, failures: this.startFailures(d.engine.status(), req.snapshot) };
  }

  private openFlow(flowId: string, req: DeployRequest): Deployed {
    let engine: Engine;
    try {
      engine = Engine.open(req.snapshot, {
        dataDir: this.flowDir(flowId),
        mode: "durable",
        lenient: true,
        composition: this.composition,
        logLevel: this.opts.logLevel ?? process.env.SLUICE_ENGINE_LOG_LEVEL ?? "warn",
      });
    } catch (e) {
      if (e instanceof FlowValidationError || e instanceof DataDirLockedError) throw e;
      if (e instanceof Error && /connections that are not in this flow/.test(e.message)) {
        throw new NodeError("queue-not-empty", `${e.message.replace(/Restore those connections.*$/, "").trim()} Empty the queue first (restore the connection, empty it, then remove it).`);
      }
      throw e;
    }
    const d: Deployed = {
      engine,
      revision: req.revision,
      doc: req.snapshot,
      pending: [],
      stopBulletins: engine.controller.bulletins.subscribe((bulletin) => this.emit(flowId, { type: "bulletin", flowId, bulletin })),
    };
    // Nothing runs yet, so this only sets the flag, before any processor starts.
    void engine.controller.setPrimary(this.primary);
    const store = this.opts.primaryState;
    if (store) {
      engine.controller.beforePrimaryStart = (processorId) => this.loadState(store, flowId, processorId);
      engine.controller.afterCommit = () => this.saveChangedState(store, flowId);
    }
    this.flows.set(flowId, d);
    return d;
  }

  private stateDir(flowId: string, processorId: string): string {
    return path.join(this.flowDir(flowId), "state", processorId);
  }

  /**
   * The plain files directly in a processor's state dir, or null when they are larger than
   * MAX_MIRRORED_STATE_BYTES. A missing dir has no files.
   */
  private readState(dir: string): Record<string, Uint8Array> | null {
    const files: Record<string, Uint8Array> = {};
    let total = 0;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return files;
    }
    for (const e of names) {
      if (!e.isFile()) continue;
      const bytes = fs.readFileSync(path.join(dir, e.name));
      total += bytes.length;
      if (total > MAX_MIRRORED_STATE_BYTES) return null;
      files[e.name] = new Uint8Array(bytes);
    }
    return files;
  }

  /**
   * After a commit on the primary: saves the state of each primary-only processor whose files
   * changed since the last save. Why compare contents and not mtimes: two commits within one
   * clock tick may write the same size, and the last one must not be missed. One save per
   * processor is in flight at a time; a change meanwhile is saved after it (latest files win).
   */
  private saveChangedState(store: PrimaryStateStore, flowId: string): void {
    const d = this.flows.get(flowId);
    if (!d || !this.primary) return;
    for (const n of d.engine.controller.nodes.values()) {
      if (n.spec.scheduling.executionNode !== "primary") continue;
      const key = `${flowId}/${n.componentId}`;
      const inFlight = this.saving.get(key);
      if (inFlight) {
        inFlight.again = true;
        continue;
      }
      this.saveState(store, flowId, n.componentId, d);
    }
  }

  private saveState(store: PrimaryStateStore, flowId: string, processorId: string, d: Deployed): void {
    const key = `${flowId}/${processorId}`;
    const name = d.engine.controller.nodes.get(processorId)?.name ?? processorId;
    const files = this.readState(this.stateDir(flowId, processorId));
    if (files === null) {
      if (this.mirrored.get(key) !== "too-large") {
        this.mirrored.set(key, "too-large");
        d.engine.controller.bulletins.add("warn", processorId, name, `its state is larger than ${MAX_MIRRORED_STATE_BYTES} bytes, so the next primary node cannot take it over`);
      }
      return;
    }
    const hash = stateHash(files);
    if (this.mirrored.get(key) === hash) return;
    const entry = { done: Promise.resolve(), again: false };
    entry.done = store
      .save(flowId, processorId, files)
      .then(
        (saved) => {
          if (saved) this.mirrored.set(key, hash);
        },
        (e: unknown) => {
          d.engine.controller.bulletins.add("warn", processorId, name, `could not save its state for the next primary node: ${e instanceof Error ? e.message : String(e)}`);
        },
      )
      .finally(() => {
        this.saving.delete(key);
        if (entry.again && this.flows.get(flowId) === d) this.saveState(store, flowId, processorId, d);
      });
    this.saving.set(key, entry);
  }

  /** Before a primary-only processor starts here: replaces its state dir with the store's files. */
  private async loadState(store: PrimaryStateStore, flowId: string, processorId: string): Promise<void> {
    const files = await store.load(flowId, processorId);
    if (!files) return;
    const dir = this.stateDir(flowId, processorId);
    fs.mkdirSync(dir, { recursive: true });
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile() && !(e.name in files)) fs.rmSync(path.join(dir, e.name));
    for (const [name, bytes] of Object.entries(files)) {
      // Names come from a signed store; still, only plain names may become paths.
      if (name !== path.basename(name) || name === "." || name === "..") continue;
      fs.writeFileSync(path.join(dir, name), bytes);
    }
    this.mirrored.set(`${flowId}/${processorId}`, stateHash(files));
  }

  /**
   * Makes this node the cluster's primary or not (FlowController.setPrimary on every flow):
   * gaining it loads the state of primary-only processors and starts them; losing it stops
   * them before resolving. Not queued behind other calls for a flow: a node that lost the
   * lease must stop its primary-only processors before the lease's TTL runs out.
   */
  async setPrimary(primary: boolean): Promise<void> {
    const apply = () => Promise.allSettled([...this.flows.values()].map((d) => d.engine.controller.setPrimary(primary)));
    if (primary) this.primary = true;
    await apply();
    if (primary) return;
    // Only now: the commits of processors stopping above still save their state. Again after,
    // for a flow opened meanwhile (it took the old flag).
    this.primary = false;
    await apply();
  }

  /** Resolves once every state save in flight (PrimaryStateStore) has finished. */
  async flushState(): Promise<void> {
    while (this.saving.size > 0) await Promise.allSettled([...this.saving.values()].map((s) => s.done));
  }

  /** Whether primary-only processors run here. */
  get isPrimary(): boolean {
    return this.primary;
  }

  /** Starts each processor marked running; an invalid one stays stopped and is reported. */
  private async startMarked(d: Deployed, doc: FlowDocument): Promise<DeployResult["failures"]> {
    const failures: DeployResult["failures"] = [];
    for (const p of doc.processors) {
      if (p.state !== "running") continue;
      try {
        await d.engine.startProcessor(p.id);
      } catch (e) {
        failures.push({ id: p.id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return failures;
  }

  private startFailures(status: EngineStatus, doc: FlowDocument): DeployResult["failures"] {
    const wanted = new Set(doc.processors.filter((p) => p.state === "running").map((p) => p.id));
    return status.processors
      .filter((p) => wanted.has(p.id) && p.state === "invalid")
      .map((p) => ({ id: p.id, message: `${p.name} is invalid: ${p.problems.map((x) => x.message).join("; ")}` }));
  }

  undeploy(flowId: string, opts: { removeData?: boolean } = {}): Promise<void> {
    return this.serial(flowId, async () => {
      const dir = this.flowDir(flowId);
      const d = this.flows.get(flowId);
      if (d) {
        this.flows.delete(flowId);
        d.stopBulletins();
        await d.engine.shutdown();
        this.emit(flowId, { type: "undeployed", flowId });
      }
      if (opts.removeData) fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  async deployments(): Promise<DeploymentSummary[]> {
    return [...this.flows].map(([id, d]) => this.summary(id, d));
  }

  async hasData(flowId: string): Promise<boolean> {
    return this.guard(() => fs.existsSync(this.flowDir(flowId)));
  }

  // ---- run control

  startFlow(flowId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const d = this.require(flowId);
      for (const p of d.engine.status().processors) {
        if (p.state === "stopped") await d.engine.startProcessor(p.id);
      }
    });
  }

  stopFlow(flowId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const d = this.require(flowId);
      for (const p of d.engine.status().processors) {
        if (p.state === "running" || p.state === "starting") await d.engine.stopProcessor(p.id);
      }
      // Primary-only processors waiting for this node to become primary must not start then.
      for (const id of d.engine.controller.standby) await d.engine.stopProcessor(id);
    });
  }

  startComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const d = this.require(flowId);
      const n = d.engine.controller.requireNode(componentId);
      if (n.displayState === "invalid" || n.state === "disabled") throw new NodeError("invalid-state", `${n.name} cannot start: ${n.state === "disabled" ? "it is disabled" : n.problems.map((p) => p.message).join("; ")}`);
      await d.engine.startProcessor(componentId);
    });
  }

  stopComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, () => this.require(flowId).engine.stopProcessor(componentId));
  }

  runOnce(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const d = this.require(flowId);
      const n = d.engine.controller.requireNode(componentId);
      if (n.state !== "stopped") throw new NodeError("invalid-state", `${n.name} is ${n.state}; Run Once is for a stopped processor`);
      if (!n.isValid) throw new NodeError("invalid-state", `${n.name} is invalid: ${n.problems.map((p) => p.message).join("; ")}`);
      await d.engine.runOnce(componentId);
    });
  }

  enableComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => {
      this.require(flowId).engine.controller.requireNode(componentId).enable();
    });
  }

  disableComponent(flowId: string, componentId: string): Promise<void> {
    return this.serial(flowId, async () => {
      const n = this.require(flowId).engine.controller.requireNode(componentId);
      if (n.state !== "stopped") throw new NodeError("invalid-state", `${n.name} is ${n.state}; stop it before disabling it`);
      n.disable();
    });
  }

  // ---- status and queues

  async status(flowId: string, opts: { bulletinsSince?: number } = {}): Promise<FlowStatus> {
    return this.guard(() => flowStatus(this.require(flowId), opts));
  }

  async statusHistory(flowId: string, componentId: string): Promise<StatusHistory> {
    return this.guard(() => {
      const d = this.require(flowId);
      const now = this.now();
      // The current minute shows the queue as it is now, not as at the last timer sample.
      sampleHistory(d, now);
      const c = d.engine.controller;
      const base = { flowId, componentId, resolutionMs: HISTORY_SLOT_MS };
      const conn = c.connections.get(componentId);
      if (conn) return { ...base, kind: "connection", name: conn.name, points: conn.stats.history.points(now) };
      const n = c.nodes.get(componentId);
      if (n) return { ...base, kind: "processor", name: n.name, points: n.stats.history.points(now) };
      throw new NodeError("not-found", `flow ${flowId} has no processor or connection ${JSON.stringify(componentId)}`);
    });
  }

  async listQueue(flowId: string, connectionId: string, limit = 100) {
    return this.guard(() => this.require(flowId).engine.listQueue(connectionId, Math.max(1, Math.min(1000, Math.floor(limit) || 100))));
  }

  async queuedContent(flowId: string, connectionId: string, uuid: string): Promise<QueuedContent> {
    return this.guard(() => {
      const r = this.require(flowId).engine.queuedContent(connectionId, uuid);
      return { attributes: r.attributes, content: new Uint8Array(r.content) };
    });
  }

  emptyQueue(flowId: string, connectionId: string): Promise<number> {
    return this.serial(flowId, async () => {
      const engine = this.require(flowId).engine;
      return engine.emptyQueue(connectionId) + (await engine.emptyWaiting(connectionId));
    });
  }

  async deadLetters(flowId: string, connectionId: string): Promise<DeadLetter[]> {
    return this.guard(() => this.require(flowId).engine.deadLetters(String(connectionId)));
  }

  resolveDeadLetter(flowId: string, connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void> {
    if (action !== "retry" && action !== "drop") return Promise.reject(new NodeError("bad-request", `action must be "retry" or "drop", not ${JSON.stringify(action)}`));
    if (typeof batchId !== "string" || !/^[A-Za-z0-9_.-]{1,200}$/.test(batchId)) return Promise.reject(new NodeError("bad-request", `batch id ${JSON.stringify(batchId)} is not a batch id`));
    return this.serial(flowId, () => this.require(flowId).engine.resolveDeadLetter(connectionId, batchId, action));
  }

  // ---- decommission (a cluster node moving its queued FlowFiles away: engine/cluster/offload.ts)

  /** What a deployed flow has queued on this node's disk (FlowController.localQueued). */
  async localQueued(flowId: string): Promise<QueueSize> {
    return this.guard(() => this.require(flowId).engine.controller.localQueued());
  }

  /**
   * One step of moving a stopped flow's queued FlowFiles off this node (FlowController
   * .offloadQueued: `send` makes them durable elsewhere first); resolves with how many moved,
   * 0 when none is left. Runs after every earlier call for the flow.
   */
  offloadQueued(flowId: string, max: number, maxBytes: number, send: Parameters<FlowController["offloadQueued"]>[2]): Promise<number> {
    return this.serial(flowId, () => this.require(flowId).engine.controller.offloadQueued(max, maxBytes, send));
  }

  /**
   * Queues, durably, FlowFiles another node moved off itself into `connectionId` of the flow
   * (FlowController.acceptOffloaded). Runs after every earlier call for the flow; NodeError
   * "not-deployed" when the flow is not here, "not-found" when it has no such connection.
   */
  acceptOffloaded(flowId: string, connectionId: string, batch: IncomingBatch): Promise<void> {
    return this.serial(flowId, () => this.require(flowId).engine.controller.acceptOffloaded(connectionId, batch));
  }

  // ---- provenance

  async searchProvenance(flowId: string, query: ProvenanceQuery): Promise<ProvenanceEvent[]> {
    return this.guard(() => this.require(flowId).engine.searchProvenance(query));
  }

  async provenanceEvent(flowId: string, eventId: number): Promise<ProvenanceEvent> {
    return this.guard(() => this.require(flowId).engine.provenanceEvent(eventId));
  }

  async provenanceContent(flowId: string, eventId: number, side: "input" | "output"): Promise<Uint8Array> {
    return this.guard(async () => new Uint8Array(await this.require(flowId).engine.provenanceContent(eventId, side)));
  }

  async lineage(flowId: string, flowFileUuid: string): Promise<LineageGraph> {
    return this.guard(() => this.require(flowId).engine.lineage(flowFileUuid));
  }

  replay(flowId: string, eventId: number): Promise<string> {
    return this.serial(flowId, async () => {
      try {
        return await this.require(flowId).engine.replay(eventId);
      } catch (e) {
        if (e instanceof Error && !(e instanceof NotFoundError) && !(e instanceof ContentNotFoundError) && !isNodeError(e) && /replay|no longer exists/.test(e.message)) {
          throw new NodeError("not-replayable", e.message);
        }
        throw e;
      }
    });
  }

  // ---- live stream

  subscribe(flowId: string, listener: (event: NodeEvent) => void): Unsubscribe {
    let w = this.watchers.get(flowId);
    if (!w) {
      const timer = setInterval(() => {
        const d = this.flows.get(flowId);
        if (!d) return;
        let status: FlowStatus;
        try {
          status = flowStatus(d);
        } catch {
          return;
        }
        this.emit(flowId, { type: "status", flowId, status });
      }, this.opts.statusIntervalMs ?? 1000);
      w = { listeners: new Set(), timer };
      this.watchers.set(flowId, w);
    }
    w.listeners.add(listener);
    const watcher = w;
    return () => {
      watcher.listeners.delete(listener);
      if (watcher.listeners.size === 0 && this.watchers.get(flowId) === watcher) {
        clearInterval(watcher.timer);
        this.watchers.delete(flowId);
      }
    };
  }

  private emit(flowId: string, event: NodeEvent): void {
    notifyAll(this.watchers.get(flowId)?.listeners ?? [], event);
  }

  /** Stops every flow (checkpointing its repositories), releases the data dir, closes the cache. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.historyTimer);
    for (const w of this.watchers.values()) clearInterval(w.timer);
    this.watchers.clear();
    const ids = [...this.flows.keys()];
    await Promise.allSettled(ids.map((id) => this.undeploy(id)));
    // Stopping committed last state: let its saves finish (the next primary starts from it).
    await this.flushState();
    this.lock.release();
    if (this.opts.composition === undefined) await defaultComposition().close();
  }
}

/**
 * Runs `fn` after every earlier call queued under `key` in `chains` has settled (whatever its
 * outcome), so calls for one key run one at a time, in order. Keys leave `chains` when idle.
 */
export function inOrder<T>(chains: Map<string, Promise<unknown>>, key: string, fn: () => Promise<T> | T): Promise<T> {
  const run = (chains.get(key) ?? Promise.resolve()).then(
    () => fn(),
    () => fn(),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  chains.set(key, settled);
  void settled.then(() => {
    if (chains.get(key) === settled) chains.delete(key);
  });
  return run;
}

/** Calls every listener with `event`; one that throws does not stop the others. */
export function notifyAll<E>(listeners: Iterable<(event: E) => void>, event: E): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch {
      // A listener's failure must not stop the others.
    }
  }
}

/** A deployed flow's status as the node API reports it. */
function flowStatus(d: Deployed, opts: { bulletinsSince?: number } = {}): FlowStatus {
  const standby = d.engine.controller.standby;
  return { ...d.engine.status(opts), revision: d.revision, pending: d.pending, ...(standby.length ? { standby } : {}) };
}

/**
 * Samples what each connection holds, and each processor's incoming queues together, into the
 * status history's current minute.
 */
function sampleHistory(d: Deployed, now: number): void {
  const c = d.engine.controller;
  for (const conn of c.connections.values()) {
    const size = conn.queue.size();
    conn.stats.history.sample({ queued: size.count, queuedBytes: size.bytes }, now);
  }
  for (const n of c.nodes.values()) {
    let queued = 0;
    let queuedBytes = 0;
    for (const q of n.incoming) {
      const size = q.size();
      queued += size.count;
      queuedBytes += size.bytes;
    }
    n.stats.history.sample({ queued, queuedBytes }, now);
  }
}

/** Problems of a connection's queue settings as typed, keyed by field. */
export function connectionSettingsProblems(input: ConnectionSettingsInput): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!/^\s*\d+\s*$/.test(input.objectThreshold) || Number(input.objectThreshold) < 1) out.push({ property: "objectThreshold", message: "must be a whole number of at least 1" });
  const size = dataSizeProblem(input.dataSizeThreshold);
  if (size) out.push({ property: "dataSizeThreshold", message: size });
  const exp = durationProblem(input.expiration);
  if (exp) out.push({ property: "expiration", message: exp });
  return out;
}

/** A content hash of state files (names and bytes), to tell whether they changed. */
function stateHash(files: Record<string, Uint8Array>): string {
  const h = createHash("sha1");
  for (const name of Object.keys(files).sort()) h.update(name).update("\0").update(files[name]!).update("\0");
  return h.digest("hex");
}

/** A node for tests and benchmarks: built-in composition plus extra processor definitions. */
export function openNode(opts: NodeOptions & Pick<CompositionOptions, "extraProcessors">): SluiceNode {
  const { extraProcessors, ...rest } = opts;
  return SluiceNode.open(extraProcessors?.length ? { ...rest, composition: compose({ extraProcessors }) } : rest);
}
