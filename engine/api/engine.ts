/**
 * The engine's public, in-process API. The CLI, the benchmarks and the app (through
 * app/lib/engine-client.ts) use only this.
 */
import { isDistributed, type DeadLetter, type DistributedQueue } from "../queue/distributed-queue";
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { fromClaimRef, type LineageGraph, type ProvenanceEvent, type ProvenanceQuery } from "../core/provenance";
import { WINDOW_MS, type Bulletin } from "../core/stats";
import { FlowController, NotFoundError } from "../runtime/flow-controller";
import { compose, defaultComposition, type Composition } from "../runtime/composition-root";
import { acquireDataDirLock, type DataDirLock } from "../runtime/data-dir-lock";
import type { RunMode } from "../runtime/repositories";
import { FlowValidationError, validateFlow, type ProcessorRegistry } from "../runtime/validate-flow";
import type { AnyProcessorDefinition } from "../sdk/define";
import type { FlowDocument, FlowProblem } from "./flow-format";

export { DataDirLockedError } from "../runtime/data-dir-lock";
export { FlowValidationError, NotFoundError };
export type { Bulletin, FlowProblem, LineageGraph, ProvenanceEvent, ProvenanceQuery, RunMode };

export interface EngineOptions {
  /** Where repositories and processor state live. */
  dataDir: string;
  /** @default "durable" */
  mode?: RunMode;
  /** Processor definitions in addition to the built-in registry (tests, benchmarks). */
  extraProcessors?: readonly AnyProcessorDefinition[];
  /** fdatasync every group commit. @default false */
  sync?: boolean;
  /** Log level for the engine log (stderr). @default SLUICE_LOG_LEVEL or "info" */
  logLevel?: string;
  /** Silence the engine log entirely. */
  silent?: boolean;
  controllerServices?: Record<string, Record<string, string>>;
  /**
   * Load flows whose processors are invalid (they stay stopped and report why) instead of
   * rejecting the whole flow; the designer uses this, `sluice run` does not. @default false
   */
  lenient?: boolean;
  /**
   * What the engine is built from (registry, cache, repositories). @default the built-in
   * composition, plus `extraProcessors` when given.
   */
  composition?: Composition;
  /**
   * Take the exclusive lock on the data dir (one owner per data dir). Only a caller that already
   * holds it for this dir may pass false. @default true
   */
  lock?: boolean;
}

export interface ComponentCounts {
  in: number;
  inBytes: number;
  out: number;
  outBytes: number;
}

export interface ProcessorStatus {
  id: string;
  name: string;
  type: string;
  state: "stopped" | "starting" | "running" | "stopping" | "disabled" | "invalid";
  problems: Array<{ property: string; message: string }>;
  activeTasks: number;
  /** Rolling 5-minute counters. */
  stats: ComponentCounts & { read: number; written: number; tasks: number; taskMs: number };
}

export interface ConnectionStatus {
  id: string;
  name: string;
  source: string;
  destination: string;
  relationships: readonly string[];
  queued: { count: number; bytes: number };
  objectThreshold: number;
  bytesThreshold: number;
  /** max(count/objectThreshold, bytes/bytesThreshold), 0..1+ */
  fill: number;
  swapFiles: number;
  stats: ComponentCounts;
  /**
   * A distributed connection (a cluster node, load balance other than "none"): `queued` is then
   * only what waits on this node's disk (recovered or replayed FlowFiles), and `clusterQueued`
   * what the cluster holds for any node (waiting or being processed), as of the last refresh.
   */
  distributed?: { strategy: string; clusterQueued: { count: number; bytes: number } };
}

export interface EngineStatus {
  flowId: string | null;
  mode: RunMode;
  running: boolean;
  windowMs: number;
  processors: ProcessorStatus[];
  connections: ConnectionStatus[];
  bulletins: Bulletin[];
}

export interface QueuedFlowFile {
  uuid: string;
  position: number;
  size: number;
  attributes: Record<string, string>;
  entryDate: number;
  lineageStartDate: number;
  penalized: boolean;
}

/** Validates a flow document without running anything. */
export function checkFlow(input: unknown, extraProcessors: readonly AnyProcessorDefinition[] = []): { ok: true; flow: FlowDocument } | { ok: false; problems: FlowProblem[] } {
  const r = validateFlow(input, extraProcessors.length ? compose({ extraProcessors }).registry : defaultComposition().registry);
  return r.ok ? { ok: true, flow: r.flow } : r;
}

/** Processor types available to flows, for the palette and the docs. */
export function processorTypes(): readonly AnyProcessorDefinition[] {
  return defaultComposition().registry.list();
}

export class Engine {
  readonly controller: FlowController;
  readonly mode: RunMode;
  private readonly registry: ProcessorRegistry;

  private constructor(
    readonly options: EngineOptions,
    controller: FlowController,
    registry: ProcessorRegistry,
    private readonly lock: DataDirLock | null,
  ) {
    this.controller = controller;
    this.mode = options.mode ?? "durable";
    this.registry = registry;
  }

  /**
   * Validates `flow`, opens (and recovers) the repositories in the data dir, and loads the flow
   * with every FlowFile back in the queue it was in. Throws FlowValidationError before touching
   * the data dir when the flow is invalid.
   */
  static open(flow: unknown, options: EngineOptions): Engine {
    const composition = options.composition ?? (options.extraProcessors?.length ? compose({ extraProcessors: options.extraProcessors }) : defaultComposition());
    const registry = composition.registry;
    const v = validateFlow(flow, registry, { lenient: options.lenient });
    if (!v.ok) throw new FlowValidationError(v.problems);
    const mode = options.mode ?? "durable";
    fs.mkdirSync(options.dataDir, { recursive: true });
    const lock = options.lock === false ? null : acquireDataDirLock(options.dataDir);
    const log = options.silent
      ? null
      : pino({ level: options.logLevel ?? process.env.SLUICE_LOG_LEVEL ?? "info", base: undefined }, pino.destination(2));
    let repositories: ReturnType<Composition["createRepositories"]>;
    try {
      repositories = composition.createRepositories(mode, options.dataDir, { sync: options.sync });
    } catch (e) {
      lock?.release();
      throw e;
    }
    const controller = new FlowController({
      registry,
      repositories,
      cache: composition.cache(),
      distributed: composition.distributed,
      stateDir: path.join(options.dataDir, "state"),
      controllerServices: options.controllerServices,
      logger: log ? (level, component, message, fields) => log[level as "info"]({ component, ...fields }, message) : undefined,
    });
    try {
      controller.load(v.flow, { lenient: options.lenient });
    } catch (e) {
      // Recovery refused (e.g. FlowFiles queued in a connection the flow no longer has): close
      // the repositories without a checkpoint, so nothing is lost and the same data dir can be
      // opened again once the flow is fixed.
      repositories.flowFiles.close();
      repositories.content.close();
      repositories.provenance.close().catch(() => {});
      lock?.release();
      throw e;
    }
    return new Engine(options, controller, registry, lock);
  }

  /** Starts the processors whose configured state is running. */
  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
  }

  /** Stops everything and closes the repositories. */
  async shutdown(): Promise<void> {
    try {
      await this.controller.shutdown();
    } finally {
      this.lock?.release();
    }
  }

  startProcessor(id: string): Promise<void> {
    return this.controller.startProcessor(id);
  }

  stopProcessor(id: string): Promise<void> {
    return this.controller.stopProcessor(id);
  }

  waitForIdle(opts?: { quietMs?: number; timeoutMs?: number }): Promise<void> {
    return this.controller.waitForIdle(opts);
  }

  status(opts: { bulletinsSince?: number } = {}): EngineStatus {
    const now = Date.now();
    const c = this.controller;
    return {
      flowId: c.currentFlow?.id ?? null,
      mode: this.mode,
      running: c.scheduler.isRunning,
      windowMs: WINDOW_MS,
      processors: [...c.nodes.values()].map((n) => ({
        id: n.componentId,
        name: n.name,
        type: n.componentType,
        state: n.displayState,
        problems: n.problems,
        activeTasks: n.activeTasks,
        stats: n.stats.snapshot(now),
      })),
      connections: [...c.connections.values()].map((conn) => {
        const q = conn.queue;
        const dist = isDistributed(q) ? { strategy: q.ref.strategy, clusterQueued: q.clusterQueued() } : undefined;
        const local = dist ? (q as DistributedQueue).localSize() : q.size();
        const size = dist ? { count: local.count + dist.clusterQueued.count, bytes: local.bytes + dist.clusterQueued.bytes } : local;
        return {
          id: conn.id,
          name: conn.name,
          source: conn.source.componentId,
          destination: conn.destination.componentId,
          relationships: conn.relationships,
          queued: local,
          ...(dist ? { distributed: dist } : {}),
          objectThreshold: q.objectThreshold,
          bytesThreshold: q.bytesThreshold,
          fill: Math.max(size.count / q.objectThreshold, size.bytes / q.bytesThreshold),
          swapFiles: q.swapFileCount,
          stats: conn.stats.snapshot(now),
        };
      }),
      bulletins: c.bulletins.list({ sinceId: opts.bulletinsSince, limit: 100 }),
    };
  }

  /** The first `limit` FlowFiles of a queue in the order they will be taken. */
  listQueue(connectionId: string, limit = 100): QueuedFlowFile[] {
    const now = Date.now();
    return this.controller
      .requireConnection(connectionId)
      .queue.list(limit)
      .map((ff, i) => ({
        uuid: ff.uuid,
        position: i + 1,
        size: ff.size,
        attributes: { ...ff.attributes },
        entryDate: ff.entryDate,
        lineageStartDate: ff.lineageStartDate,
        penalized: ff.penaltyExpiration > now,
      }));
  }

  queuedContent(connectionId: string, uuid: string): { attributes: Record<string, string>; content: Buffer } {
    const r = this.controller.queuedContent(connectionId, uuid);
    return { attributes: { ...r.flowFile.attributes }, content: r.content };
  }

  emptyQueue(connectionId: string): number {
    return this.controller.emptyQueue(connectionId);
  }

  /** What a distributed connection has waiting in the cluster, dropped (0 for a local one). */
  emptyWaiting(connectionId: string): Promise<number> {
    return this.controller.emptyWaiting(connectionId);
  }

  deadLetters(connectionId: string, limit?: number): Promise<DeadLetter[]> {
    return this.controller.deadLetters(connectionId, limit);
  }

  resolveDeadLetter(connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void> {
    return this.controller.resolveDeadLetter(connectionId, batchId, action);
  }

  searchProvenance(query: ProvenanceQuery): Promise<ProvenanceEvent[]> {
    return this.controller.repositories.provenance.search(query);
  }

  async provenanceEvent(eventId: number): Promise<ProvenanceEvent> {
    const e = await this.controller.repositories.provenance.getEvent(eventId);
    if (!e) throw new NotFoundError(`no provenance event ${eventId}`);
    return e;
  }

  lineage(flowFileUuid: string): Promise<LineageGraph> {
    return this.controller.repositories.provenance.lineage(flowFileUuid);
  }

  /** Content before ("input") or after ("output") an event, from the live or archived repository. */
  async provenanceContent(eventId: number, which: "input" | "output"): Promise<Buffer> {
    const e = await this.provenanceEvent(eventId);
    const ref = which === "input" ? e.previousClaim : e.currentClaim;
    if (!ref) return Buffer.alloc(0);
    return this.controller.repositories.content.read(fromClaimRef(ref));
  }

  /** Re-enqueues the FlowFile of an event as it was before the event. Returns the new uuid. */
  async replay(eventId: number): Promise<string> {
    const e = await this.provenanceEvent(eventId);
    return this.controller.replay(e).uuid;
  }

  /**
   * NiFi's "Run Once" for a stopped, valid processor: onScheduled, one trigger, onStopped.
   * Resolves when the trigger's session has committed (or rolled back).
   */
  async runOnce(id: string): Promise<void> {
    await this.controller.runOnce(id);
  }

  get registryTypes(): readonly AnyProcessorDefinition[] {
    return this.registry.list();
  }

  /**
   * Applies a changed flow snapshot to the running flow, changing only what changed (see
   * FlowController.apply for the contract). Rejects with NodeError "invalid-flow" or
   * "queue-not-empty", changing nothing.
   */
  apply(next: unknown): Promise<import("../runtime/flow-controller").ApplyResult> {
    return this.controller.apply(next);
  }
}

export type { ApplyResult } from "../runtime/flow-controller";
