/**
 * The flow controller: builds processor nodes and connection queues from a flow document,
 * owns the repositories, recovers after a crash, runs the scheduler, and performs the group
 * commit (content → FlowFile WAL → provenance, then onCommitted callbacks) after every round.
 */
import type { FlowDocument } from "../api/flow-format";
import type { ContentRepository } from "../core/content-claim";
import { ContentClaim } from "../core/content-claim";
import { advanceSequence, FlowFileRecord } from "../core/flowfile";
import type { FlowFileRepository, QueueCheckpoint } from "../core/flowfile-repository";
import type { ProvenanceEvent, ProvenanceEventInput, ProvenanceRepository } from "../core/provenance";
import { toClaimRef } from "../core/provenance";
import type { StandardProcessSession } from "../core/session";
import { BulletinBoard, CONNECTION_FIELDS, RollingStats, type ConnectionField } from "../core/stats";
import { parseDataSize, parseDuration } from "../core/units";
import { ConnectionQueue, type PrioritizerName, type SwapListener } from "../queue/connection-queue";
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
  controllerServices?: Record<string, Record<string, string>>;
  logger?: (level: string, component: string, message: string, fields?: Record<string, unknown>) => void;
}

export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly source: ProcessorNode;
  readonly destination: ProcessorNode;
  readonly relationships: readonly string[];
  readonly queue: ConnectionQueue;
  readonly stats: RollingStats<ConnectionField>;
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
  /** Time of the last commit that moved data; idle detection reads it. */
  lastDataActivity = Date.now();
  /** What the last load recovered from the repositories, and how long it took. */
  recovery = { flowFiles: 0, swapped: 0, ms: 0 };
  private readonly services: EngineServices;
  private flowServices: Record<string, Record<string, string>> = {};
  /** Runs the group commit's housekeeping while no rounds run (see startScheduler). */
  private housekeeping: NodeJS.Timeout | null = null;

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
    if (this.flow) throw new Error("a flow is already loaded; stop and create a new controller");
    const v = validateFlow(input, this.opts.registry, opts);
    if (!v.ok) throw new FlowValidationError(v.problems);
    const flow = v.flow;
    for (const sv of flow.services) this.flowServices[sv.id] = { type: sv.type, ...sv.properties };
    const env = this.nodeEnvironment();
    for (const p of flow.processors) {
      const def = this.opts.registry.get(p.type)!;
      const node = new ProcessorNode(def, p, env);
      if (p.state === "disabled") node.disable();
      // Graph-level problems (unconnected relationships...) join the node's own property problems.
      for (const pr of v.invalid.get(p.id) ?? []) {
        if (!/\.(properties|scheduling)\b/.test(pr.path)) node.addProblem({ property: pr.path.replace(/^processors\[\d+\]\.?/, ""), message: pr.message });
      }
      this.nodes.set(p.id, node);
    }
    const repo = this.opts.repositories;
    const swapListener: SwapListener = {
      swappedOut: (q, s, ffs) => repo.flowFiles.swappedOut(q, s, ffs),
      swappedIn: (q, s, ffs) => repo.flowFiles.swappedIn(q, s, ffs),
    };
    for (const c of flow.connections) {
      const queue = new ConnectionQueue(c.id, {
        objectThreshold: c.backPressure.objectThreshold,
        bytesThreshold: parseDataSize(c.backPressure.dataSizeThreshold),
        swapThreshold: c.swapThreshold,
        prioritizers: c.prioritizers as PrioritizerName[],
        expirationMs: parseDuration(c.expiration),
        swapStore: repo.swap ?? undefined,
        swapListener,
        wake: () => this.scheduler.wake(),
      });
      const source = this.nodes.get(c.source)!;
      const destination = this.nodes.get(c.destination)!;
      destination.incoming.push(queue);
      for (const r of c.relationships) {
        const list = source.outgoing.get(r) ?? [];
        list.push(queue);
        source.outgoing.set(r, list);
      }
      this.connections.set(c.id, {
        id: c.id,
        name: c.name ?? c.relationships.join(", "),
        source,
        destination,
        relationships: c.relationships,
        queue,
        stats: new RollingStats<ConnectionField>(CONNECTION_FIELDS),
      });
    }
    for (const n of this.nodes.values()) n.wire();
    // Downstream first: draining queues before filling them keeps in-flight data low.
    this.nodeList = topologicalOrder([...this.nodes.values()], this.connections).reverse();
    this.flow = flow;
    this.recover();
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
      if (opts.all || p.state === "running") await node.start();
    }
  }

  async startProcessor(id: string): Promise<void> {
    const node = this.requireNode(id);
    this.startScheduler();
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
    await this.requireNode(id).stop();
    this.groupCommit();
  }

  /** Stops every processor and the scheduler, and makes everything durable. */
  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    await this.scheduler.stop();
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    this.groupCommit();
  }

  /** Stops and closes the repositories (checkpointing the FlowFile repository). */
  async shutdown(): Promise<void> {
    await this.stop();
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
      const data = repo.content.read(new ContentClaim(claimRef.resource, claimRef.offset, claimRef.length));
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
