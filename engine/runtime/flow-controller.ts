/**
 * The flow controller: builds processor nodes and connection queues from a flow document,
 * owns the repositories, recovers after a crash, runs the scheduler, and performs the group
 * commit (content → FlowFile WAL → provenance, then onCommitted callbacks) after every round.
 */
import type { ConnectionConfig, FlowDocument, FlowProblem, ProcessorConfig } from "../api/flow-format";
import { NodeError } from "../api/node-errors";
import type { ContentRepository } from "../core/content-claim";
import type { ContentClaim } from "../core/content-claim";
import { advanceSequence, FlowFileRecord, nextSequence } from "../core/flowfile";
import type { FlowFileRepository, QueueCheckpoint } from "../core/flowfile-repository";
import type { ProvenanceEvent, ProvenanceEventInput, ProvenanceRepository } from "../core/provenance";
import { fromClaimRef, toClaimRef } from "../core/provenance";
import type { StandardProcessSession } from "../core/session";
import { BulletinBoard, CONNECTION_FIELDS, RollingStats, type ConnectionField, type ProcessorField } from "../core/stats";
import { parseDataSize, parseDuration } from "../core/units";
import { ConnectionQueue, type PrioritizerName, type QueueSettings, type QueueSize, type SwapListener } from "../queue/connection-queue";
import { DistributedQueue, isDistributed, type DeadLetter, type DistributedLink, type IncomingBatch } from "../queue/distributed-queue";
import type { FileSwapStore } from "../repository/flowfile/swap-store";
import { Scheduler } from "../scheduler/scheduler";
import type { DistributedCache, EngineServices } from "../sdk/types";
import { ProcessorNode, type NodeEnvironment } from "./processor-node";
import { FlowValidationError, validateFlow, type ProcessorRegistry } from "./validate-flow";

export interface Repositories {
  content: ContentRepository;
  flowFiles: FlowFileRepository;
  provenance: ProvenanceRepository;
  swap: FileSwapStore | null;
}

export interface ControllerOptions {
  registry: ProcessorRegistry;
  repositories: Repositories;
  /** Where processors keep local state. */
  stateDir: string;
  cache?: DistributedCache;
  /**
   * The cluster's distributed connections (a cluster node). Without it every connection is
   * local, whatever its load-balance strategy says.
   */
  distributed?: DistributedLink;
  controllerServices?: Record<string, Record<string, string>>;
  logger?: (level: string, component: string, message: string, fields?: Record<string, unknown>) => void;
}

/**
 * A connection as the controller runs it. Records are replaced, never mutated, when a live edit
 * changes a connection; the queue and the statistics objects are kept across such edits.
 */
export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly source: ProcessorNode;
  readonly destination: ProcessorNode;
  readonly relationships: readonly string[];
  readonly queue: ConnectionQueue;
  readonly stats: RollingStats<ConnectionField>;
}

/**
 * What `FlowController.apply` changed, by id. Run-state changes alone (start, stop, disable,
 * enable) do not count as changes here.
 */
export interface ApplyResult {
  /**
   * Existing processors that were rebuilt: their configuration (type, name, properties,
   * scheduling, autoTerminate), their graph-level problems, or a controller service they
   * reference changed. Each was stopped (if running), rebuilt, and started again when it was
   * running before (or is marked running and was invalid before) and is valid now.
   */
  restarted: string[];
  /** Processors created (started when marked "running" and the flow is running). */
  added: string[];
  /** Processors stopped and removed. */
  removed: string[];
  /** Connections created (an endpoint change counts as removed and added). */
  connectionsAdded: string[];
  /** Connections removed; each was empty. */
  connectionsRemoved: string[];
  /** Connections whose settings changed in place, FlowFiles kept. */
  connectionsUpdated: string[];
  /** Processors and connections left exactly as they were. */
  unchanged: number;
}

/** A tiny in-process DistributedCache for single-node runs. */
export class LocalCache implements DistributedCache {
  private readonly m = new Map<string, { v: string; exp: number }>();
  private live(key: string): { v: string; exp: number } | undefined {
    const e = this.m.get(key);
    if (e && e.exp > 0 && e.exp < Date.now()) {
      this.m.delete(key);
      return undefined;
    }
    return e;
  }
  async putIfAbsent(key: string, value: string, ttlMs = 0): Promise<boolean> {
    if (this.live(key)) return false;
    this.m.set(key, { v: value, exp: ttlMs > 0 ? Date.now() + ttlMs : 0 });
    return true;
  }
  async get(key: string): Promise<string | null> {
    return this.live(key)?.v ?? null;
  }
  async put(key: string, value: string, ttlMs = 0): Promise<void> {
    this.m.set(key, { v: value, exp: ttlMs > 0 ? Date.now() + ttlMs : 0 });
  }
  async remove(key: string): Promise<void> {
    this.m.delete(key);
  }
  async replace(key: string, expected: string | null, value: string | null, ttlMs = 0): Promise<boolean> {
    if ((this.live(key)?.v ?? null) !== expected) return false;
    if (value === null) this.m.delete(key);
    else this.m.set(key, { v: value, exp: ttlMs > 0 ? Date.now() + ttlMs : 0 });
    return true;
  }
}

/** How often an idle flow still runs the group commit's housekeeping; the cleanup interval. */
const HOUSEKEEPING_MS = 10_000;

export class FlowController {
  readonly bulletins = new BulletinBoard();
  readonly nodes = new Map<string, ProcessorNode>();
  readonly connections = new Map<string, Connection>();
  readonly scheduler: Scheduler;
  private flow: FlowDocument | null = null;
  private readonly activeSessions = new Set<StandardProcessSession>();
  private pendingCommitted: Array<() => void | Promise<void>> = [];
  private pendingFailures: Array<(e: Error) => void> = [];
  private nodeList: ProcessorNode[] = [];
  private lastCleanup = Date.now();
  /**
   * FlowFiles `offloadQueued` took out of their queue and has not settled yet: checkpoints keep
   * them (they are still this node's until they are durable elsewhere).
   */
  private readonly offloading = new Set<{ queueId: string; flowFiles: readonly FlowFileRecord[] }>();
  /** Time of the last commit that moved data; idle detection reads it. */
  lastDataActivity = Date.now();
  /** What the last load recovered from the repositories, and how long it took. */
  recovery = { flowFiles: 0, swapped: 0, ms: 0 };
  private readonly services: EngineServices;
  private flowServices: Record<string, Record<string, string>> = {};
  /** The validation mode of load(); apply() validates the same way. */
  private lenient = false;
  /** Graph-level problems per processor as of the last load or apply (see graphKeysOf). */
  private graphKeys = new Map<string, string>();
  /** The last apply() (settled), so calls run one after another. */
  private applying: Promise<unknown> = Promise.resolve();
  /** The one environment every node shares (built on first use: it closes over this controller). */
  private env: NodeEnvironment | undefined;
  /** Runs the group commit's housekeeping while no rounds run (see startScheduler). */
  private housekeeping: NodeJS.Timeout | null = null;
  /** Whether primary-only processors may run here (see setPrimary). A lone node is its own primary. */
  private primary = true;
  /** Primary-only processors that would be running, waiting for this node to become primary. */
  private readonly waitingForPrimary = new Set<string>();
  /**
   * Awaited before a primary-only processor starts on the primary: a cluster node restores the
   * processor's state from the previous primary there. A rejection is a bulletin; the processor
   * still starts.
   */
  beforePrimaryStart: ((processorId: string) => Promise<void>) | null = null;
  /**
   * Called after each group commit that ran onCommitted callbacks (where processors save their
   * state): a cluster node mirrors primary-only state there. Must not throw.
   */
  afterCommit: (() => void) | null = null;

  constructor(private readonly opts: ControllerOptions) {
    this.scheduler = new Scheduler(() => this.nodeList, { afterRound: () => this.groupCommit() });
    const cache = opts.cache ?? new LocalCache();
    const services = opts.controllerServices ?? {};
    this.services = { cache, getControllerService: (id) => this.flowServices[id] ?? services[id] };
  }

  get repositories(): Repositories {
    return this.opts.repositories;
  }

  get currentFlow(): FlowDocument | null {
    return this.flow;
  }

  /**
   * Loads a flow: validates it (throws FlowValidationError listing every problem), builds
   * nodes and queues, and puts recovered FlowFiles back into their queues.
   */
  load(input: unknown, opts: { lenient?: boolean } = {}): void {
    if (this.flow) throw new Error("a flow is already loaded; use apply() to change it");
    const v = validateFlow(input, this.opts.registry, opts);
    if (!v.ok) throw new FlowValidationError(v.problems);
    const flow = v.flow;
    this.lenient = opts.lenient ?? false;
    this.flowServices = servicesOf(flow);
    for (const p of flow.processors) this.nodes.set(p.id, this.createNode(p, v.invalid));
    for (const c of flow.connections) this.connections.set(c.id, this.createConnection(c, flow.id));
    this.distributedProblems(flow);
    this.rewire();
    this.flow = flow;
    this.graphKeys = graphKeysOf(flow, v.invalid);
    this.recover();
  }

  /** A node for `p`, with the graph-level problems validation found for it. */
  private createNode(p: ProcessorConfig, invalid: ReadonlyMap<string, FlowProblem[]>, stats?: RollingStats<ProcessorField>): ProcessorNode {
    const def = this.opts.registry.get(p.type)!;
    this.env ??= this.nodeEnvironment();
    const node = new ProcessorNode(def, p, this.env, stats);
    if (p.state === "disabled") node.disable();
    // Property and scheduling problems the node finds itself; the others involve the graph.
    for (const pr of graphProblems(invalid.get(p.id))) node.addProblem(pr);
    return node;
  }

  /** A connection record with a new queue and statistics; the nodes must exist. */
  private createConnection(c: ConnectionConfig, flowId: string): Connection {
    return this.connectionRecord(c, this.createQueue(c, flowId), new RollingStats<ConnectionField>(CONNECTION_FIELDS));
  }

  /** A distributed queue when this node is in a cluster and the connection load-balances; a local one otherwise. */
  private createQueue(c: ConnectionConfig, flowId: string): ConnectionQueue {
    const repo = this.opts.repositories;
    const swapListener: SwapListener = {
      swappedOut: (q, s, ffs) => repo.flowFiles.swappedOut(q, s, ffs),
      swappedIn: (q, s, ffs) => repo.flowFiles.swappedIn(q, s, ffs),
    };
    const base = {
      ...queueSettings(c),
      swapStore: repo.swap ?? undefined,
      swapListener,
      wake: () => this.scheduler.wake(),
    };
    const link = this.opts.distributed;
    const strategy = c.loadBalance?.strategy ?? "none";
    if (!link || strategy === "none") return new ConnectionQueue(c.id, base);
    return new DistributedQueue(c.id, {
      ...base,
      link,
      ref: { flowId, connectionId: c.id, strategy, partitionAttribute: c.loadBalance?.partitionAttribute },
      materialize: (batch, connectionId) => this.materialize(batch, connectionId),
      release: (ffs) => {
        for (const ff of ffs) if (ff.claim) repo.content.decrementRef(ff.claim);
      },
      retain: (claims, delta) => {
        for (const claim of claims) if (delta > 0) repo.content.incrementRef(claim);
        else repo.content.decrementRef(claim);
      },
    });
  }

  private refOf(c: ConnectionConfig, flowId: string): DistributedQueue["ref"] {
    const strategy = c.loadBalance?.strategy ?? "none";
    return { flowId, connectionId: c.id, strategy: strategy === "none" ? "round-robin" : strategy, partitionAttribute: c.loadBalance?.partitionAttribute };
  }

  /**
   * Problems of distributed connections on this node, put on their source processor (so it
   * cannot start): without a shared content store, content above the inline threshold could
   * not cross nodes, so the connection is refused before anything runs.
   */
  private distributedProblems(flow: FlowDocument): void {
    const link = this.opts.distributed;
    if (!link || link.sharedStore) return;
    for (const c of flow.connections) {
      if ((c.loadBalance?.strategy ?? "none") === "none") continue;
      this.nodes.get(c.source)?.addProblem({
        property: `connections.${c.id}.loadBalance`,
        message: `connection "${c.name ?? c.id}" is distributed, but node ${link.nodeId} has no shared content store for content above ${link.inlineMax} bytes (start it with --shared-content <dir>), or set its load balance strategy to "none"`,
      });
    }
  }

  /**
   * A batch's FlowFiles as local records: content written to this node's content repository
   * (or, for a batch this node handed over and kept, the claim it came from) with one reference
   * each (as a queued FlowFile holds), and a RECEIVE event naming the node that handed it over.
   * Nothing goes to the WAL: the cluster holds the batch until the sessions that take these
   * FlowFiles commit durably.
   */
  private materialize(batch: IncomingBatch, connectionId: string): FlowFileRecord[] {
    const repo = this.opts.repositories;
    const now = Date.now();
    const out: FlowFileRecord[] = [];
    for (const w of batch.flowFiles) {
      let claim: ContentClaim | null = null;
      if (w.claim) claim = w.claim;
      else if (w.content && w.content.length > 0) claim = repo.content.write(w.content);
      if (claim) repo.content.incrementRef(claim);
      // Attribute maps are never changed in place (a session makes new ones), so a kept
      // FlowFile's map, which holds its uuid already, is shared rather than copied.
      const attributes = w.attributes.uuid === w.uuid ? w.attributes : { ...w.attributes, uuid: w.uuid };
      out.push(new FlowFileRecord(w.uuid, attributes, claim, now, w.lineageStartDate, 0, nextSequence()));
    }
    if (out.length === 0) return out;
    const dest = this.connections.get(connectionId)?.destination;
    // The batch's RECEIVEs share everything but the FlowFile: one group (a batch holds up to thousands).
    repo.provenance.register(NO_EVENTS, [
      {
        type: "RECEIVE",
        timestamp: now,
        componentId: dest?.componentId ?? connectionId,
        componentType: dest?.componentType ?? "Connection",
        relationship: null,
        details: `received from node ${batch.from} (batch ${batch.id})`,
        transitUri: `sluice-cluster://${this.flow?.id ?? ""}/${connectionId}`,
        sourceQueueId: connectionId,
        created: true,
        flowFiles: out,
        // The claim serves as its own reference, as in the session's events.
        previousClaims: null,
      },
    ]);
    return out;
  }

  private connectionRecord(c: ConnectionConfig, queue: ConnectionQueue, stats: RollingStats<ConnectionField>): Connection {
    return {
      id: c.id,
      name: c.name ?? c.relationships.join(", "),
      source: this.nodes.get(c.source)!,
      destination: this.nodes.get(c.destination)!,
      relationships: c.relationships,
      queue,
      stats,
    };
  }

  /**
   * Rebuilds every node's incoming and outgoing queues from the connection records, and the
   * scheduling order. Synchronous, so the scheduler (and every commit) sees either the old
   * wiring or the new one, never a mix.
   */
  private rewire(): void {
    for (const n of this.nodes.values()) {
      n.incoming.length = 0;
      n.outgoing.clear();
    }
    for (const [id, c] of this.connections) {
      // Records point at the node objects of their ids, which a live edit may have replaced.
      const source = this.nodes.get(c.source.componentId)!;
      const destination = this.nodes.get(c.destination.componentId)!;
      const conn = source === c.source && destination === c.destination ? c : { ...c, source, destination };
      this.connections.set(id, conn);
      destination.incoming.push(conn.queue);
      for (const r of conn.relationships) {
        const list = source.outgoing.get(r) ?? [];
        list.push(conn.queue);
        source.outgoing.set(r, list);
      }
    }
    for (const n of this.nodes.values()) n.wire();
    for (const n of this.nodes.values()) void n.syncConsumers();
    // Downstream first: draining queues before filling them keeps in-flight data low.
    this.nodeList = topologicalOrder([...this.nodes.values()], this.connections).reverse();
  }

  /**
   * Applies a changed flow snapshot to the loaded (possibly running) flow, changing only what
   * changed; everything else keeps running untouched, statistics and bulletins included.
   *
   * - `next` is validated as the flow was loaded (lenient or not); an invalid one throws
   *   NodeError "invalid-flow" (details.problems) and changes nothing.
   * - A connection `next` removes (or whose source or destination changes, which is a remove
   *   and an add) must be empty, in-flight and swapped FlowFiles included; otherwise NodeError
   *   "queue-not-empty" (details.connections: id, name, count) and nothing changes. Should one
   *   receive FlowFiles while changed processors are being stopped (a running upstream), the
   *   processors stopped for the edit are started again and the same error is thrown.
   * - A connection whose settings change (name, relationships, back pressure, prioritizers,
   *   expiration, swap threshold) is updated in place and keeps its FlowFiles and statistics.
   * - A processor whose configuration changes (type, name, properties, scheduling,
   *   autoTerminate), whose graph-level problems change, or that references (by property
   *   value) a controller service that changed is stopped, waiting for its tasks and
   *   onStopped, rebuilt with the same statistics, and started again if it was running and is
   *   valid. One that became invalid stays stopped and reports why.
   * - Removed processors are stopped and dropped (their connections are removed too, so they
   *   were empty); added ones are created.
   * - Run states: where a processor's `state` in `next` differs from the previous snapshot (or
   *   the processor is new), it is applied: stopped, disabled, enabled, or started (if the flow
   *   is running, i.e. started with start() or startProcessor(); otherwise start() applies it
   *   later). Where it is the same, the processor keeps the state it is actually in. A start
   *   that fails (invalid, onScheduled threw) leaves the processor stopped with its problems
   *   or a bulletin; apply() still resolves.
   *
   * Calls are serialized. FlowFile repository: queues keep their ids and FlowFiles, removed
   * ones were empty, so a restart with `next` recovers every FlowFile.
   */
  apply(next: unknown): Promise<ApplyResult> {
    const run = this.applying.then(() => this.applyNow(next));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(input: unknown): Promise<ApplyResult> {
    const prev = this.flow;
    if (!prev) throw new NodeError("not-deployed", "no flow is loaded; load one before applying a change");
    const v = validateFlow(input, this.opts.registry, { lenient: this.lenient });
    if (!v.ok) {
      throw new NodeError("invalid-flow", `flow is invalid: ${v.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, { problems: v.problems });
    }
    const flow = v.flow;
    const plan = this.planApply(prev, flow, v.invalid);
    this.assertRemovable(plan.connectionsRemoved);

    // Stop what changes (synchronously marked "stopping": no new trigger from here on).
    const stopping = [...plan.stop].map((id) => this.nodes.get(id)!);
    const wasRunning = new Set(stopping.filter((n) => n.state === "running" || n.state === "starting").map((n) => n.componentId));
    await Promise.all(stopping.map((n) => n.stop()));
    try {
      this.assertRemovable(plan.connectionsRemoved);
    } catch (e) {
      await this.startAll([...wasRunning]);
      this.groupCommit();
      throw e;
    }

    // From here to rewire() nothing awaits: the scheduler sees the old flow or the new one.
    this.flowServices = servicesOf(flow);
    for (const id of plan.connectionsRemoved) this.connections.delete(id);
    for (const id of plan.removed) {
      this.nodes.delete(id);
      this.waitingForPrimary.delete(id);
    }
    for (const p of flow.processors) {
      const old = this.nodes.get(p.id);
      if (!old) this.nodes.set(p.id, this.createNode(p, v.invalid));
      else if (plan.restarted.has(p.id)) this.nodes.set(p.id, this.createNode(p, v.invalid, old.stats));
    }
    for (const c of flow.connections) {
      const old = this.connections.get(c.id);
      if (!old) this.connections.set(c.id, this.createConnection(c, flow.id));
      else if (plan.connectionsUpdated.has(c.id)) {
        let queue = old.queue;
        const distributed = this.opts.distributed !== undefined && (c.loadBalance?.strategy ?? "none") !== "none";
        if (distributed !== isDistributed(queue) || (isDistributed(queue) && canonical(queue.ref) !== canonical(this.refOf(c, flow.id)))) {
          // Local ↔ distributed (or another strategy): a new queue object; both ends were
          // stopped for the edit, so nothing is in flight, and queued FlowFiles move over
          // (same queue id: their WAL records stay valid).
          queue = this.createQueue(c, flow.id);
          for (const ff of old.queue.drain()) queue.put(ff, Date.now());
          if (isDistributed(old.queue)) void old.queue.close();
        } else queue.reconfigure(queueSettings(c));
        this.connections.set(c.id, this.connectionRecord(c, queue, old.stats));
      }
    }
    this.distributedProblems(flow);
    this.rewire();
    this.flow = flow;
    this.graphKeys = graphKeysOf(flow, v.invalid);
    this.groupCommit();
    this.scheduler.wake();

    // Run states.
    const before = new Map(prev.processors.map((p) => [p.id, p.state]));
    const toStart: string[] = [];
    for (const p of flow.processors) {
      const node = this.nodes.get(p.id)!;
      const stateChanged = before.get(p.id) !== p.state;
      if (p.state === "disabled") node.disable();
      else if (stateChanged) node.enable();
      let run = false;
      if (!before.has(p.id) || stateChanged) run = p.state === "running";
      else if (plan.restarted.has(p.id)) run = wasRunning.has(p.id) || this.waitingForPrimary.has(p.id) || (p.state === "running" && plan.wasInvalid.has(p.id));
      if (stateChanged && p.state !== "running") this.waitingForPrimary.delete(p.id);
      if (run && this.scheduler.isRunning) toStart.push(p.id);
    }
    await this.startAll(toStart);
    return {
      restarted: [...plan.restarted],
      added: plan.added,
      removed: [...plan.removed],
      connectionsAdded: plan.connectionsAdded,
      connectionsRemoved: plan.connectionsRemoved,
      connectionsUpdated: [...plan.connectionsUpdated],
      unchanged:
        flow.processors.length - plan.added.length - plan.restarted.size + (flow.connections.length - plan.connectionsAdded.length - plan.connectionsUpdated.size),
    };
  }

  /** Works out what `apply` changes; reads state only. */
  private planApply(prev: FlowDocument, flow: FlowDocument, invalid: ReadonlyMap<string, FlowProblem[]>) {
    const prevServices = new Map(prev.services.map((sv) => [sv.id, canonical(sv)]));
    const changedServices = new Set<string>();
    for (const sv of flow.services) if (prevServices.get(sv.id) !== canonical(sv)) changedServices.add(sv.id);
    for (const id of prevServices.keys()) if (!flow.services.some((sv) => sv.id === id)) changedServices.add(id);

    const nextKeys = graphKeysOf(flow, invalid);
    const prevById = new Map(prev.processors.map((p) => [p.id, p]));
    const nextIds = new Set(flow.processors.map((p) => p.id));
    const added: string[] = [];
    const restarted = new Set<string>();
    const wasInvalid = new Set<string>();
    const stop = new Set<string>();
    for (const p of flow.processors) {
      const old = prevById.get(p.id);
      if (!old) {
        added.push(p.id);
        continue;
      }
      const usesChangedService = Object.values(p.properties).some((value) => changedServices.has(value.trim()));
      if (configKey(old) !== configKey(p) || this.graphKeys.get(p.id) !== nextKeys.get(p.id) || usesChangedService) {
        restarted.add(p.id);
        stop.add(p.id);
        if (!this.nodes.get(p.id)!.isValid) wasInvalid.add(p.id);
      } else if (old.state !== p.state && p.state !== "running") stop.add(p.id);
    }
    const removed = new Set([...this.nodes.keys()].filter((id) => !nextIds.has(id)));
    for (const id of removed) stop.add(id);

    const prevConns = new Map(prev.connections.map((c) => [c.id, c]));
    const nextConnIds = new Set(flow.connections.map((c) => c.id));
    const connectionsAdded: string[] = [];
    const connectionsRemoved = [...this.connections.keys()].filter((id) => !nextConnIds.has(id));
    const connectionsUpdated = new Set<string>();
    for (const c of flow.connections) {
      const old = prevConns.get(c.id);
      if (!old) connectionsAdded.push(c.id);
      else if (old.source !== c.source || old.destination !== c.destination) {
        connectionsRemoved.push(c.id);
        connectionsAdded.push(c.id);
      } else if (canonical(old) !== canonical(c)) {
        connectionsUpdated.add(c.id);
        if (canonical(old.loadBalance ?? null) !== canonical(c.loadBalance ?? null)) {
          // The queue object changes: both ends stop (nothing in flight) and are rebuilt.
          for (const id of [c.source, c.destination]) {
            if (!nextIds.has(id) || !this.nodes.has(id)) continue;
            restarted.add(id);
            stop.add(id);
            if (!this.nodes.get(id)!.isValid) wasInvalid.add(id);
          }
        }
      }
    }
    return { added, restarted, wasInvalid, stop, removed, connectionsAdded, connectionsRemoved, connectionsUpdated };
  }

  /** Throws NodeError "queue-not-empty" naming every connection of `ids` that holds FlowFiles. */
  private assertRemovable(ids: readonly string[]): void {
    const full = ids.map((id) => this.connections.get(id)!).filter((c) => c.queue.count > 0);
    if (full.length === 0) return;
    const what = full.map((c) => `"${c.name}" (${c.id}) holds ${c.queue.count} FlowFile${c.queue.count === 1 ? "" : "s"}`);
    throw new NodeError("queue-not-empty", `cannot remove a connection that holds data: ${what.join(", ")}. Empty the queue first.`, {
      connections: full.map((c) => ({ id: c.id, name: c.name, count: c.queue.count })),
    });
  }

  /** Starts these processors; one that cannot start stays stopped (problems or a bulletin say why). */
  private async startAll(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (!node) continue;
      try {
        await this.startNode(node);
      } catch {
        // Invalid: status shows it with its problems. onScheduled failed: start() raised a bulletin.
      }
    }
  }

  private recover(): void {
    const started = performance.now();
    const repo = this.opts.repositories;
    const state = repo.flowFiles.recover();
    advanceSequence(state.maxSeq);
    const claims: ContentClaim[] = [];
    const now = Date.now();
    const missing: string[] = [];
    for (const [qid, ffs] of state.queues) {
      const conn = this.connections.get(qid);
      if (!conn) {
        missing.push(`${qid} (${ffs.length} FlowFiles)`);
        continue;
      }
      for (const ff of ffs) {
        conn.queue.put(ff, now);
        if (ff.claim) claims.push(ff.claim);
      }
    }
    const swapInUse = new Set<string>();
    for (const [qid, list] of state.swaps) {
      const conn = this.connections.get(qid);
      if (!conn) {
        missing.push(`${qid} (${list.reduce((n, s) => n + s.count, 0)} swapped FlowFiles)`);
        continue;
      }
      for (const s of list) {
        conn.queue.restoreSwapFile(s);
        swapInUse.add(s.location);
        // Swapped FlowFiles hold content references too.
        if (repo.swap) for (const ff of repo.swap.swapIn(s.location)) if (ff.claim) claims.push(ff.claim);
      }
    }
    if (missing.length) {
      throw new Error(
        `the repositories hold FlowFiles for connections that are not in this flow: ${missing.join(", ")}. ` +
          `Restore those connections (or use a fresh data dir) so no data is lost.`,
      );
    }
    repo.swap?.removeOrphans(swapInUse);
    repo.content.recover(claims);
    repo.flowFiles.checkpoint(this.queueCheckpoints(), Date.now());
    let flowFiles = 0;
    for (const list of state.queues.values()) flowFiles += list.length;
    let swapped = 0;
    for (const list of state.swaps.values()) for (const s of list) swapped += s.count;
    this.recovery = { flowFiles, swapped, ms: Math.round(performance.now() - started) };
  }

  private nodeEnvironment(): NodeEnvironment {
    const repo = this.opts.repositories;
    const log = this.opts.logger ?? (() => {});
    return {
      content: repo.content,
      flowFiles: repo.flowFiles,
      provenance: repo.provenance,
      bulletins: this.bulletins,
      services: this.services,
      stateDir: this.opts.stateDir,
      connectionStats: (id) => this.connections.get(id)?.stats,
      afterDurable: (ok, fail) => {
        for (const f of ok) this.pendingCommitted.push(f);
        for (const f of fail) this.pendingFailures.push(f);
      },
      sessionOpened: (s) => this.activeSessions.add(s),
      sessionClosed: (s) => {
        this.activeSessions.delete(s);
        if (s.committedCount > 0) this.lastDataActivity = Date.now();
      },
      wake: () => this.scheduler.wake(),
      log: (level, component, message, fields) => log(level, component, message, fields),
    };
  }

  /** The group commit: make every staged session durable, then acknowledge sources. */
  groupCommit(): void {
    const repo = this.opts.repositories;
    const committed = this.pendingCommitted;
    const failures = this.pendingFailures;
    this.pendingCommitted = [];
    this.pendingFailures = [];
    try {
      repo.content.flush();
      repo.flowFiles.flush();
      repo.swap?.afterFlush();
      repo.provenance.flush();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.bulletins.add("error", "controller", "Flow Controller", `repository flush failed: ${err.message}`);
      for (const f of failures) f(err);
      return;
    }
    for (const cb of committed) {
      try {
        const r = cb();
        if (r && typeof (r as Promise<void>).catch === "function") {
          (r as Promise<void>).catch((e: unknown) =>
            this.bulletins.add("error", "controller", "Flow Controller", `onCommitted callback failed: ${String(e)}`),
          );
        }
      } catch (e) {
        this.bulletins.add("error", "controller", "Flow Controller", `onCommitted callback failed: ${String(e)}`);
      }
    }
    if (committed.length > 0) this.afterCommit?.();
    const now = Date.now();
    if (repo.flowFiles.needsCheckpoint(now)) repo.flowFiles.checkpoint(this.queueCheckpoints(), now);
    if (now - this.lastCleanup > HOUSEKEEPING_MS) {
      this.lastCleanup = now;
      repo.content.cleanup(now);
    }
  }

  /** Queue state for a checkpoint: in-memory FlowFiles, those taken by open sessions, swap files. */
  private queueCheckpoints(): QueueCheckpoint[] {
    const inFlight = new Map<string, FlowFileRecord[]>();
    for (const s of this.activeSessions) {
      for (const { queue, ff } of s.takenOriginals()) {
        const list = inFlight.get(queue.id) ?? [];
        list.push(ff);
        inFlight.set(queue.id, list);
      }
    }
    for (const o of this.offloading) inFlight.set(o.queueId, [...(inFlight.get(o.queueId) ?? []), ...o.flowFiles]);
    return [...this.connections.values()].map((c) => ({
      id: c.id,
      flowFiles: [...c.queue.inMemory(), ...(inFlight.get(c.id) ?? [])],
      swaps: c.queue.swapSummaries(),
    }));
  }

  /** Starts every processor whose configured state is "running" (or all valid ones with `all`). */
  async start(opts: { all?: boolean } = {}): Promise<void> {
    const flow = this.flow;
    if (!flow) throw new Error("no flow loaded");
    this.startScheduler();
    for (const p of flow.processors) {
      const node = this.nodes.get(p.id)!;
      if (node.state === "disabled") continue;
      if (opts.all || p.state === "running") await this.startNode(node);
    }
  }

  /** Starts a processor; a primary-only one on a node that is not primary waits (see setPrimary). */
  async startProcessor(id: string): Promise<void> {
    const node = this.requireNode(id);
    this.startScheduler();
    await this.startNode(node);
  }

  /** True when this node runs primary-only processors (the default outside a cluster). */
  get isPrimary(): boolean {
    return this.primary;
  }

  /** Primary-only processors that would be running but wait for this node to become primary. */
  get standby(): string[] {
    return [...this.waitingForPrimary];
  }

  /**
   * Makes this node the cluster's primary or not. Gaining it starts the primary-only processors
   * waiting for it (after beforePrimaryStart); losing it stops the running ones, waiting for
   * their tasks and onStopped, and they wait for the next time. Idempotent.
   */
  async setPrimary(primary: boolean): Promise<void> {
    this.primary = primary;
    if (primary) {
      await this.startAll([...this.waitingForPrimary]);
      return;
    }
    const running = [...this.nodes.values()].filter((n) => isPrimaryOnly(n) && (n.state === "running" || n.state === "starting"));
    for (const n of running) this.waitingForPrimary.add(n.componentId);
    await Promise.all(running.map((n) => n.stop()));
    this.groupCommit();
  }

  /**
   * Every start goes through here. A valid primary-only processor on a node that is not the
   * primary is not started but remembered (an invalid or disabled one fails as usual). The
   * primary is checked again after beforePrimaryStart, which may outlast the lease.
   */
  private async startNode(node: ProcessorNode): Promise<void> {
    this.waitingForPrimary.delete(node.componentId);
    if (isPrimaryOnly(node) && node.isValid && node.state !== "disabled") {
      if (this.primary && node.state === "stopped" && this.beforePrimaryStart) {
        await this.beforePrimaryStart(node.componentId).catch((e: unknown) =>
          this.bulletins.add("warn", node.componentId, node.name, `could not restore the state of the previous primary: ${e instanceof Error ? e.message : String(e)}`),
        );
      }
      if (!this.primary) {
        this.waitingForPrimary.add(node.componentId);
        return;
      }
    }
    await node.start();
  }

  /**
   * Starts the scheduler, and a timer for the group commit's housekeeping (content archive
   * cleanup, WAL checkpoint): the scheduler does no rounds while the flow is idle or blocked,
   * and the group commit after a round is where that housekeeping otherwise runs.
   */
  private startScheduler(): void {
    this.scheduler.start();
    this.housekeeping ??= setInterval(() => this.groupCommit(), HOUSEKEEPING_MS).unref();
  }

  async stopProcessor(id: string): Promise<void> {
    this.waitingForPrimary.delete(id);
    await this.requireNode(id).stop();
    this.groupCommit();
  }

  /**
   * Runs a stopped, valid processor once (ProcessorNode.runOnce) and makes its commit durable.
   * NodeError "invalid-state" when it is not stopped or is invalid. The scheduler is not
   * started: what the trigger queued waits for its consumers like any other FlowFile.
   */
  async runOnce(id: string): Promise<void> {
    const node = this.requireNode(id);
    if (node.state !== "stopped") throw new NodeError("invalid-state", `${node.name} is ${node.state}; Run Once is for a stopped processor`);
    if (!node.isValid) throw new NodeError("invalid-state", `${node.name} is invalid: ${node.problems.map((p) => p.message).join("; ")}`);
    try {
      await node.runOnce();
    } finally {
      this.groupCommit();
    }
  }

  /** Stops every processor and the scheduler, and makes everything durable. */
  async stop(): Promise<void> {
    this.waitingForPrimary.clear();
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    await this.scheduler.stop();
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    this.groupCommit();
  }

  /** Stops and closes the repositories (checkpointing the FlowFile repository). */
  async shutdown(): Promise<void> {
    await this.stop();
    for (const c of this.connections.values()) if (isDistributed(c.queue)) await c.queue.close();
    const repo = this.opts.repositories;
    if (this.flow) repo.flowFiles.checkpoint(this.queueCheckpoints(), Date.now());
    repo.flowFiles.close();
    repo.content.close();
    await repo.provenance.close();
  }

  /** True when nothing is queued or running and no data moved for `quietMs`. */
  isIdle(quietMs = 1000): boolean {
    if (this.activeSessions.size > 0 || this.scheduler.inFlight > 0) return false;
    for (const c of this.connections.values()) if (c.queue.count > 0) return false;
    return Date.now() - this.lastDataActivity >= quietMs;
  }

  /** Resolves once the flow is idle (see isIdle). */
  async waitForIdle(opts: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? Infinity);
    while (!this.isIdle(opts.quietMs ?? 1000)) {
      if (Date.now() > deadline) throw new Error("flow did not become idle in time");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  requireNode(id: string): ProcessorNode {
    const n = this.nodes.get(id);
    if (!n) throw new NotFoundError(`no processor with id "${id}"`);
    return n;
  }

  requireConnection(id: string): Connection {
    const c = this.connections.get(id);
    if (!c) throw new NotFoundError(`no connection with id "${id}"`);
    return c;
  }

  /**
   * Empties what a distributed connection has waiting in the cluster (batches a node holds
   * finish there), each FlowFile dropped with a DROP event; 0 for a local connection. "Empty
   * queue" calls it after `emptyQueue`.
   */
  async emptyWaiting(connectionId: string): Promise<number> {
    const conn = this.requireConnection(connectionId);
    if (!isDistributed(conn.queue)) return 0;
    const waiting = await conn.queue.drainWaiting();
    const now = Date.now();
    this.opts.repositories.provenance.register(
      waiting.map((w) => ({
        ...dropEvent(new FlowFileRecord(w.uuid, { ...w.attributes, uuid: w.uuid }, null, w.entryDate, w.lineageStartDate, 0, 0), now, connectionId, "Queue emptied by user (waiting in the cluster)"),
        fileSize: w.content?.length ?? 0,
      })),
    );
    this.groupCommit();
    return waiting.length;
  }

  /**
   * Empties a queue: every queued FlowFile (not those in flight) is dropped with a DROP event,
   * durably. Returns how many were dropped.
   */
  emptyQueue(connectionId: string): number {
    const conn = this.requireConnection(connectionId);
    const repo = this.opts.repositories;
    const dropped = conn.queue.drain();
    const now = Date.now();
    const events: ProvenanceEventInput[] = [];
    for (let i = 0; i < dropped.length; i += 1000) {
      repo.flowFiles.beginCommit();
      for (const ff of dropped.slice(i, i + 1000)) {
        repo.flowFiles.delete(ff.uuid);
        if (ff.claim) repo.content.decrementRef(ff.claim);
        events.push(dropEvent(ff, now, connectionId, "Queue emptied by user"));
      }
      repo.flowFiles.endCommit();
    }
    repo.provenance.register(events);
    this.groupCommit();
    return dropped.length;
  }

  /** The distributed queue of a connection; NodeError "bad-request" when it is local. */
  private distributedQueue(connectionId: string): DistributedQueue {
    const conn = this.requireConnection(connectionId);
    if (!isDistributed(conn.queue)) throw new NodeError("bad-request", `connection "${conn.name}" (${connectionId}) is not distributed here, so it has no dead-letter list`);
    return conn.queue;
  }

  /** A distributed connection's dead-letter list, newest first. */
  deadLetters(connectionId: string, limit = 100): Promise<DeadLetter[]> {
    return this.distributedQueue(connectionId).deadLetters(limit);
  }

  /**
   * Retries ("retry": back in the queue, attempts reset) or drops ("drop": gone, with a DROP
   * event per FlowFile on this node) a dead-lettered batch. NodeError "not-found" when the
   * batch is not in the list.
   */
  async resolveDeadLetter(connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void> {
    const q = this.distributedQueue(connectionId);
    if (action === "retry") {
      if (!(await q.retryDeadLetter(batchId))) throw new NodeError("not-found", `no batch ${JSON.stringify(batchId)} in the dead-letter list of ${connectionId}`);
      return;
    }
    const dropped = await q.dropDeadLetter(batchId);
    if (dropped === null) throw new NodeError("not-found", `no batch ${JSON.stringify(batchId)} in the dead-letter list of ${connectionId}`);
    const now = Date.now();
    this.opts.repositories.provenance.register(
      dropped.map((w) => ({
        ...dropEvent(new FlowFileRecord(w.uuid, { ...w.attributes, uuid: w.uuid }, null, w.entryDate, w.lineageStartDate, 0, 0), now, connectionId, `Dropped from the dead-letter list (batch ${batchId})`),
        fileSize: w.content?.length ?? 0,
      })),
    );
    this.groupCommit();
  }

  // ---- offload (a decommissioned cluster node; engine/cluster/offload.ts)

  /**
   * What waits on this node's disk: the FlowFiles of local connections (in flight included) and
   * the local part of distributed ones (not the batches a node holds: those are the cluster's).
   */
  localQueued(): QueueSize {
    const out = { count: 0, bytes: 0 };
    for (const c of this.connections.values()) {
      const s = isDistributed(c.queue) ? c.queue.localSize() : c.queue.size();
      out.count += s.count;
      out.bytes += s.bytes;
    }
    return out;
  }

  /**
   * Moves FlowFiles queued on this node off it. Takes up to `max` FlowFiles (and about
   * `maxBytes` of content) from the first connection holding local ones, penalized and expired
   * ones too (the taker applies expiration again), and passes them to `send` with a reader of
   * their content. Only once `send` resolved (they are durable elsewhere) are they removed
   * here, in one durable commit with a SEND event each (`send` says where to); until then a
   * crash leaves them here, so a crash at any point gives at-least-once, never loss. When
   * `send` rejects they go back to their queue, in order, and the rejection is passed on.
   * Resolves with how many moved: 0 when nothing local is queued. For a stopped flow: what
   * running sessions hold is not taken.
   */
  async offloadQueued(
    max: number,
    maxBytes: number,
    send: (conn: Connection, flowFiles: readonly FlowFileRecord[], read: (claim: ContentClaim) => Buffer) => Promise<{ details: string; transitUri: string }>,
  ): Promise<number> {
    const repo = this.opts.repositories;
    const conn = [...this.connections.values()].find((c) => (isDistributed(c.queue) ? c.queue.localSize().count : c.queue.count) > 0);
    if (!conn) return 0;
    const q = conn.queue;
    const taken: FlowFileRecord[] = [];
    let bytes = 0;
    const expired: FlowFileRecord[] = [];
    // "Now" far ahead: penalized FlowFiles are released too (a penalty does not cross nodes).
    while (taken.length < max && bytes < maxBytes) {
      const got = q.poll(1, Number.MAX_SAFE_INTEGER, expired);
      got.push(...expired.splice(0));
      if (got.length === 0) break;
      for (const ff of got) {
        taken.push(ff);
        bytes += ff.size;
      }
    }
    if (taken.length === 0) return 0;
    const entry = { queueId: conn.id, flowFiles: taken };
    this.offloading.add(entry);
    const giveBack = (e: unknown): never => {
      this.offloading.delete(entry);
      const now = Date.now();
      // Last first: each goes back to the head of a FIFO queue without a scan.
      for (let i = taken.length - 1; i >= 0; i--) q.requeue(taken[i]!, now);
      throw e;
    };
    let where: { details: string; transitUri: string };
    try {
      where = await send(conn, taken, (claim) => repo.content.read(claim));
    } catch (e) {
      return giveBack(e);
    }
    const now = Date.now();
    repo.flowFiles.beginCommit();
    for (const ff of taken) repo.flowFiles.delete(ff.uuid);
    repo.flowFiles.endCommit();
    repo.provenance.register(taken.map((ff) => ({ ...dropEvent(ff, now, conn.id, where.details), type: "SEND" as const, transitUri: where.transitUri })));
    try {
      await this.commitDurably(() => {
        // Before the group commit's checkpoint: it must not write these FlowFiles again.
        this.offloading.delete(entry);
        q.acknowledge(taken.length, bytes);
        for (const ff of taken) if (ff.claim) repo.content.decrementRef(ff.claim);
      });
    } catch (e) {
      // They are in the cluster already; kept here too, a retry hands the same batches over
      // (a no-op there) and removes them then.
      giveBack(e);
    }
    return taken.length;
  }

  /**
   * Takes FlowFiles another node moved off itself into connection `connectionId`, durably
   * (content, WAL, a RECEIVE event each naming the node), keeping their uuid, attributes and
   * dates; resolves once they are durable and queued. NotFoundError when the flow has no such
   * connection (another revision).
   */
  async acceptOffloaded(connectionId: string, batch: IncomingBatch): Promise<void> {
    const conn = this.requireConnection(connectionId);
    const wire = batch.flowFiles;
    // Null only for a batch a consumer kept (DistributedLink.consume's `kept`); offload keeps none.
    if (!wire) throw new Error(`offload batch ${batch.id} came without its FlowFiles`);
    const repo = this.opts.repositories;
    const now = Date.now();
    const records = wire.map((w) => {
      let claim: ContentClaim | null = null;
      if (w.claim) claim = w.claim;
      else if (w.content && w.content.length > 0) claim = repo.content.write(w.content);
      if (claim) repo.content.incrementRef(claim);
      return new FlowFileRecord(w.uuid, { ...w.attributes, uuid: w.uuid }, claim, w.entryDate, w.lineageStartDate, 0, nextSequence());
    });
    repo.flowFiles.beginCommit();
    for (const ff of records) repo.flowFiles.upsert(conn.id, ff, undefined);
    repo.flowFiles.endCommit();
    repo.provenance.register(
      records.map((ff) => ({
        ...dropEvent(ff, now, conn.id, `received from node ${batch.from}, which was decommissioned (batch ${batch.id})`),
        type: "RECEIVE" as const,
        componentId: conn.destination.componentId,
        componentType: conn.destination.componentType,
        updatedAttributes: ff.attributes as Record<string, string>,
        transitUri: `sluice-cluster://${this.flow?.id ?? ""}/${conn.id}`,
      })),
    );
    try {
      await this.commitDurably(() => {
        for (const ff of records) conn.queue.put(ff, now);
      });
    } catch (e) {
      for (const ff of records) if (ff.claim) repo.content.decrementRef(ff.claim);
      throw e;
    }
  }

  /**
   * Runs the group commit now; resolves once what was staged is durable, after `onDurable`
   * (which runs before the commit's checkpoint), and rejects when the repositories failed.
   */
  private commitDurably(onDurable: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingCommitted.push(() => {
        onDurable();
        resolve();
      });
      this.pendingFailures.push(reject);
      this.groupCommit();
    });
  }

  /**
   * Replays a provenance event: a new FlowFile with the event's attributes and content (as they
   * were before the event) is queued where the original was, and a REPLAY event is recorded.
   */
  replay(event: ProvenanceEvent): FlowFileRecord {
    const repo = this.opts.repositories;
    const queueId = event.sourceQueueId;
    if (!queueId) throw new Error(`event ${event.eventId} has no source queue to replay into (it was not taken from a connection)`);
    const conn = this.connections.get(queueId);
    if (!conn) throw new Error(`connection ${queueId} of event ${event.eventId} no longer exists`);
    const claimRef = event.previousClaim ?? event.currentClaim;
    let claim: ContentClaim | null = null;
    if (claimRef) {
      const data = repo.content.read(fromClaimRef(claimRef));
      claim = repo.content.write(data);
    }
    const attrs: Record<string, string> = { ...reconstructPreviousAttributes(event) };
    const now = Date.now();
    const ff = FlowFileRecord.create(attrs, now).withClaim(claim);
    if (claim) repo.content.incrementRef(claim);
    repo.flowFiles.beginCommit();
    repo.flowFiles.upsert(queueId, ff, undefined);
    repo.flowFiles.endCommit();
    conn.queue.put(ff, now);
    repo.provenance.register([
      {
        ...dropEvent(ff, now, queueId, `Replay of event ${event.eventId} (FlowFile ${event.flowFileUuid})`),
        type: "REPLAY",
        parentUuids: [event.flowFileUuid],
        componentId: conn.destination.componentId,
        componentType: conn.destination.componentType,
        updatedAttributes: ff.attributes as Record<string, string>,
      },
    ]);
    this.groupCommit();
    this.scheduler.wake();
    return ff;
  }

  /** Reads the content a FlowFile in a queue has. */
  queuedContent(connectionId: string, uuid: string): { flowFile: FlowFileRecord; content: Buffer } {
    const conn = this.requireConnection(connectionId);
    const ff = conn.queue.find(uuid);
    if (!ff) throw new NotFoundError(`FlowFile ${uuid} is not queued in ${connectionId} (it may have moved on)`);
    return { flowFile: ff, content: ff.claim ? this.opts.repositories.content.read(ff.claim) : Buffer.alloc(0) };
  }
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** No single events (a call that registers only a group); never changed. */
const NO_EVENTS: readonly ProvenanceEventInput[] = [];

function dropEvent(ff: FlowFileRecord, now: number, queueId: string, details: string): ProvenanceEventInput {
  return {
    type: "DROP",
    timestamp: now,
    flowFileUuid: ff.uuid,
    fileSize: ff.size,
    lineageStartDate: ff.lineageStartDate,
    componentId: queueId,
    componentType: "Connection",
    parentUuids: [],
    childUuids: [],
    previousAttributes: {},
    updatedAttributes: {},
    attributes: ff.attributes as Record<string, string>,
    previousClaim: toClaimRef(ff.claim),
    currentClaim: toClaimRef(ff.claim),
    relationship: null,
    details,
    transitUri: null,
    sourceQueueId: queueId,
  };
}

/** The attributes a FlowFile had before `event` (its attributes with this event's changes undone). */
export function reconstructPreviousAttributes(event: ProvenanceEvent): Record<string, string> {
  const out: Record<string, string> = { ...event.attributes };
  for (const [k, v] of Object.entries(event.previousAttributes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  delete out.uuid;
  return out;
}

/** Processors in topological order of connections (cycles keep their input order). */
function topologicalOrder(nodes: ProcessorNode[], connections: Map<string, Connection>): ProcessorNode[] {
  const indeg = new Map(nodes.map((n) => [n, 0]));
  const out = new Map<ProcessorNode, ProcessorNode[]>(nodes.map((n) => [n, []]));
  for (const c of connections.values()) {
    if (c.source === c.destination) continue;
    indeg.set(c.destination, (indeg.get(c.destination) ?? 0) + 1);
    out.get(c.source)!.push(c.destination);
  }
  const ready = nodes.filter((n) => indeg.get(n) === 0);
  const order: ProcessorNode[] = [];
  const seen = new Set<ProcessorNode>();
  while (ready.length) {
    const n = ready.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    order.push(n);
    for (const d of out.get(n)!) {
      indeg.set(d, (indeg.get(d) ?? 0) - 1);
      if (indeg.get(d) === 0) ready.push(d);
    }
  }
  for (const n of nodes) if (!seen.has(n)) order.push(n);
  return order;
}

/** Controller services of a flow as the engine services see them (type plus properties). */
function servicesOf(flow: FlowDocument): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const sv of flow.services) out[sv.id] = { type: sv.type, ...sv.properties };
  return out;
}

function queueSettings(c: ConnectionConfig): QueueSettings {
  return {
    objectThreshold: c.backPressure.objectThreshold,
    bytesThreshold: parseDataSize(c.backPressure.dataSizeThreshold),
    swapThreshold: c.swapThreshold,
    prioritizers: c.prioritizers as PrioritizerName[],
    expirationMs: parseDuration(c.expiration),
  };
}

/** True for a processor that runs on the cluster's primary node only (scheduling.executionNode). */
function isPrimaryOnly(node: ProcessorNode): boolean {
  return node.spec.scheduling.executionNode === "primary";
}

/** Validation problems that involve the graph (unconnected relationships...), not the node's own config. */
function graphProblems(problems: readonly FlowProblem[] | undefined): Array<{ property: string; message: string }> {
  return (problems ?? [])
    .filter((pr) => !/\.(properties|scheduling)\b/.test(pr.path))
    .map((pr) => ({ property: pr.path.replace(/^processors\[\d+\]\.?/, ""), message: pr.message }));
}

/** Per processor, its graph-level problems as a comparable string. */
function graphKeysOf(flow: FlowDocument, invalid: ReadonlyMap<string, FlowProblem[]>): Map<string, string> {
  return new Map(flow.processors.map((p) => [p.id, JSON.stringify(graphProblems(invalid.get(p.id)))]));
}

/** What makes a processor's node: a change here means the node is rebuilt. */
function configKey(p: ProcessorConfig): string {
  return canonical({ type: p.type, name: p.name, properties: p.properties, scheduling: p.scheduling, autoTerminate: p.autoTerminate });
}

/** JSON with object keys sorted, so equal documents compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
