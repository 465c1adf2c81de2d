/**
 * A processor placed in a flow: its definition, configuration, schedule, run state, queues,
 * statistics, and the glue that runs one trigger inside a ProcessSession.
 */
import path from "node:path";
import { Cron } from "croner";
import type { AnyProcessorDefinition } from "../sdk/define";
import type { DynamicProperty, ProcessorContext, ProcessorLogger, EngineServices } from "../sdk/types";
import { fileRootsFromEnv, type FileRoots } from "../sdk/file-roots";
import type { ProcessorConfig } from "../api/flow-format";
import { SAFE_ID } from "../api/node-api";
import { resolveConfig, type ValidationProblem } from "../sdk/property";
import { FlowFileHandlingError } from "../sdk/errors";
import { compile } from "../core/el";
import { processorProblems, relationshipsOf } from "./validate-flow";
import { parseDuration } from "../core/units";
import { StandardProcessSession, type RouteTarget, type SessionHost } from "../core/session";
import { PROCESSOR_FIELDS, RollingStats, type BulletinBoard, type ConnectionField, type ProcessorField } from "../core/stats";
import type { ContentRepository } from "../core/content-claim";
import type { FlowFileRepository } from "../core/flowfile-repository";
import type { ProvenanceRepository } from "../core/provenance";
import type { ConnectionQueue } from "../queue/connection-queue";
import { HandoverError, isDistributed, type DistributedQueue } from "../queue/distributed-queue";
import type { FlowFileRecord } from "../core/flowfile";
import { SourceHandoverChain } from "./source-handover";
import type { Schedulable } from "../scheduler/scheduler";
import type { RunState, TriggerView } from "../scheduler/trigger";

/** What a node needs from the flow controller. */
export interface NodeEnvironment {
  readonly content: ContentRepository;
  readonly flowFiles: FlowFileRepository;
  readonly provenance: ProvenanceRepository;
  readonly bulletins: BulletinBoard;
  readonly services: EngineServices;
  readonly stateDir: string;
  /** The file roots of the processors' contexts. @default SLUICE_FILE_ROOTS from the environment, read when the node is built */
  readonly fileRoots?: FileRoots;
  connectionStats(queueId: string): RollingStats<ConnectionField> | undefined;
  afterDurable(onCommitted: ReadonlyArray<() => void | Promise<void>>, onFailure: ReadonlyArray<(e: Error) => void>): void;
  sessionOpened(s: StandardProcessSession): void;
  sessionClosed(s: StandardProcessSession): void;
  wake(): void;
  log(level: "debug" | "info" | "warn" | "error", component: string, message: string, fields?: Record<string, unknown>): void;
}

/**
 * `<root>/<id>`, the processor's state dir. Flow validation already refuses unsafe ids; this
 * refuses them again (defence in depth), so no id can place state outside `root`.
 */
function stateDirOf(root: string, id: string): string {
  const dir = path.resolve(root, id);
  if (!SAFE_ID.test(id) || path.dirname(dir) !== path.resolve(root)) {
    throw new Error(`processor id ${JSON.stringify(id)} does not match ${SAFE_ID}; refusing a state directory outside ${root}`);
  }
  return dir;
}

/** Compiled dynamic property. */
function dynamicProperty(name: string, raw: string, el: boolean): DynamicProperty {
  if (!el) return { name, raw, evaluate: () => raw, evaluateBoolean: () => raw === "true" };
  const c = compile(raw);
  return {
    name,
    raw,
    evaluate: (ff, extra) => c.evaluate(ff ? ff.attributes : {}, extra),
    evaluateBoolean: (ff, extra) => {
      const v = c.evaluateValue(ff ? ff.attributes : {}, extra);
      return v === true || v === "true";
    },
  };
}

/**
 * Pipelined commits in flight per concurrent task (see `complete`). Why two: with one, the
 * source still waited now and then for a handover that the thread was slow to finish (event
 * loop utilization 0.89-0.94 in cluster-hop); with two, 0.97-0.99.
 */
const PIPELINED_PER_TASK = 2;

/** `complete`'s answer for a session whose commit goes on after its task ended. */
const RELEASED = Symbol("released");

export class ProcessorNode implements Schedulable, SessionHost {
  readonly componentId: string;
  readonly componentType: string;
  readonly name: string;
  /** Rolling counters; a live edit that rebuilds the node hands the old node's object over. */
  readonly stats: RollingStats<ProcessorField>;
  readonly incoming: ConnectionQueue[] = [];
  /** Relationship → outgoing connection queues. */
  readonly outgoing = new Map<string, ConnectionQueue[]>();
  readonly autoTerminate: Set<string>;
  readonly relationshipNames: Set<string>;
  problems: ValidationProblem[] = [];
  state: RunState = "stopped";
  activeTasks = 0;
  /** Commits in flight of sessions that gave their task slot back (see `complete`). */
  committing = 0;
  /** The last asynchronous commit: true once committed, false once rolled back; null when none is in flight. */
  private commitTail: Promise<boolean> | null = null;
  /**
   * Set when a commit rolled back while later commits of this processor were still in flight:
   * those roll back behind it, so no trigger starts until the last of them has settled. Why: a
   * trigger started meanwhile would chain behind them, hand its FlowFiles to the cluster and roll
   * back as well, sending the same work to the cluster once more for nothing.
   */
  private draining: Promise<boolean> | null = null;
  /** Set once the processor committed inside onTrigger (see `explicitCommit`). */
  private noPipelining = false;
  /** Next time the run schedule or CRON allows a trigger. */
  nextRunAt = 0;
  /** Yield (or failure back-off) in force until then; `context.wake()` lifts it. */
  yieldUntil = 0;
  penaltyMs: number;
  batchSize: number;
  yieldMs: number;
  private runScheduleMs = 0;
  private cron: Cron | null = null;
  private config: Record<string, unknown> = {};
  private userState: unknown = undefined;
  private abort = new AbortController();
  private readonly context: ProcessorContext;
  private stopping: Promise<void> | null = null;
  /** onScheduled in progress (state "starting"); stop() waits for it before onStopped. */
  private scheduling: Promise<void> | null = null;
  private allOutgoing: ConnectionQueue[] = [];
  /** Some outgoing connection is distributed (see SessionHost.distributedOut). */
  distributedOut = false;
  /** Relationship → target, rebuilt by wire(); the session looks one up per FlowFile. */
  private readonly routes = new Map<string, RouteTarget>();
  private readonly fileRoots: FileRoots;
  /** Handover keys of a primary-only source, loaded when it is scheduled (see source-handover.ts). */
  private sourceChain: SourceHandoverChain | null = null;

  constructor(
    readonly def: AnyProcessorDefinition,
    readonly spec: ProcessorConfig,
    private readonly env: NodeEnvironment,
    stats?: RollingStats<ProcessorField>,
  ) {
    this.stats = stats ?? new RollingStats<ProcessorField>(PROCESSOR_FIELDS);
    this.componentId = spec.id;
    this.componentType = def.type;
    this.name = spec.name ?? def.type;
    this.autoTerminate = new Set(spec.autoTerminate);
    this.relationshipNames = new Set(relationshipsOf(def, spec.properties));
    for (const [rel, r] of Object.entries(def.relationships)) if (r.autoTerminateByDefault) this.autoTerminate.add(rel);
    this.penaltyMs = 30_000;
    this.yieldMs = 1000;
    this.batchSize = spec.scheduling.batchSize;
    this.fileRoots = env.fileRoots ?? fileRootsFromEnv();
    this.configure();
    // Getters in the object literals below read live values; they cannot capture lexical `this`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const logger: ProcessorLogger = {
      debug: (m, f) => env.log("debug", node.componentId, m, f),
      info: (m, f) => env.log("info", node.componentId, m, f),
      warn: (m, f) => {
        env.log("warn", node.componentId, m, f);
        env.bulletins.add("warn", node.componentId, node.name, m);
      },
      error: (m, f) => {
        env.log("error", node.componentId, m, f);
        env.bulletins.add("error", node.componentId, node.name, m);
      },
    };
    const dynamic = Object.entries(spec.properties)
      .filter(([k]) => !(k in def.properties))
      .map(([k, v]) => {
        try {
          return dynamicProperty(k, v, def.dynamicProperties?.expressionLanguage !== false);
        } catch {
          return dynamicProperty(k, v, false);
        }
      });
    this.context = {
      id: spec.id,
      name: this.name,
      type: def.type,
      get batchSize() {
        return node.batchSize;
      },
      get penaltyMs() {
        return node.penaltyMs;
      },
      get yieldMs() {
        return node.yieldMs;
      },
      logger,
      dynamicProperties: dynamic,
      get hasIncomingConnection() {
        return node.incoming.length > 0;
      },
      isSpaceAvailable: (rel) => {
        if (this.autoTerminate.has(rel)) return true;
        return (this.outgoing.get(rel) ?? []).every((q) => !q.isFull());
      },
      freeRoom: (rel) => {
        if (this.autoTerminate.has(rel)) return Infinity;
        let room = Infinity;
        for (const q of this.outgoing.get(rel) ?? []) room = Math.min(room, q.isFull() ? 0 : Math.max(0, q.objectThreshold - q.count));
        return room;
      },
      queuedCount: () => this.incoming.reduce((n, q) => n + q.count, 0),
      yield: () => this.yieldNow(),
      wake: () => {
        // Work arrived from outside (a record, a request): a yield for lack of work is over.
        this.yieldUntil = 0;
        env.wake();
      },
      stateDir: stateDirOf(env.stateDir, spec.id),
      fileRoots: this.fileRoots,
      services: env.services,
      get signal() {
        return node.abort.signal;
      },
    };
  }

  /** Resolves properties and scheduling; records every problem instead of throwing. */
  private configure(): void {
    const problems: ValidationProblem[] = processorProblems(this.def, this.spec.properties, { fileRoots: this.fileRoots });
    this.config = resolveConfig(this.def.properties, this.spec.properties).config as Record<string, unknown>;
    const s = this.spec.scheduling;
    for (const key of ["penaltyDuration", "yieldDuration"] as const) {
      try {
        const ms = parseDuration(s[key]);
        if (key === "penaltyDuration") this.penaltyMs = ms;
        else this.yieldMs = ms;
      } catch (e) {
        problems.push({ property: `scheduling.${key}`, message: (e as Error).message });
      }
    }
    try {
      if (s.strategy === "cron") {
        if (!s.cron) problems.push({ property: "scheduling.cron", message: "a CRON expression is required for the cron strategy" });
        else this.cron = new Cron(s.cron, { paused: true });
      } else {
        this.runScheduleMs = parseDuration(s.runSchedule);
      }
    } catch (e) {
      problems.push({ property: s.strategy === "cron" ? "scheduling.cron" : "scheduling.runSchedule", message: (e as Error).message });
    }
    this.problems = problems;
  }

  /** Validation problems that involve the graph (connections); added by the controller. */
  addProblem(p: ValidationProblem): void {
    this.problems.push(p);
  }

  get isValid(): boolean {
    return this.problems.length === 0;
  }

  /** Display state: "invalid" when a stopped processor cannot start. */
  get displayState(): RunState | "invalid" {
    return this.state === "stopped" && !this.isValid ? "invalid" : this.state;
  }

  /** Call after connections change: caches outgoing queues and per-relationship routes. */
  wire(): void {
    this.allOutgoing = [...new Set([...this.outgoing.values()].flat())];
    this.distributedOut = this.allOutgoing.some(isDistributed) || this.incoming.some(isDistributed);
    this.routes.clear();
    for (const rel of this.relationshipNames) {
      this.routes.set(rel, { queues: this.outgoing.get(rel) ?? [], autoTerminate: this.autoTerminate.has(rel) });
    }
  }

  // SessionHost
  get content(): ContentRepository {
    return this.env.content;
  }
  get flowFiles(): FlowFileRepository {
    return this.env.flowFiles;
  }
  get provenance(): ProvenanceRepository {
    return this.env.provenance;
  }
  route(relationship: string): RouteTarget | undefined {
    return this.routes.get(relationship);
  }
  connectionStats(queueId: string): RollingStats<ConnectionField> | undefined {
    return this.env.connectionStats(queueId);
  }
  afterDurable(onCommitted: ReadonlyArray<() => void | Promise<void>>, onFailure: ReadonlyArray<(e: Error) => void>): void {
    this.env.afterDurable(onCommitted, onFailure);
  }
  explicitCommit(): void {
    // A processor that commits inside onTrigger commits synchronously, which could land before
    // a pipelined commit of its own: it is not pipelined from now on.
    this.noPipelining = true;
    if (this.committing > 0) {
      throw new FlowFileHandlingError(`${this.def.type} ${this.componentId}: session.commit() inside onTrigger while an earlier commit of this processor is still handing FlowFiles over; it will not happen again`);
    }
  }
  sourceHandoverKey(handover: ReadonlyMap<DistributedQueue, readonly FlowFileRecord[]>, onCommitted: (callback: () => void) => void): string | undefined {
    return this.sourceChain?.next(handover, onCommitted);
  }
  now(): number {
    return Date.now();
  }

  // Schedulable
  view(now: number): TriggerView {
    let available = false;
    for (const q of this.incoming) {
      if (q.hasAvailable(now)) {
        available = true;
        break;
      }
    }
    let full = false;
    for (const q of this.allOutgoing) {
      if (q.isFull()) {
        full = true;
        break;
      }
    }
    return {
      state: this.state,
      activeTasks: this.activeTasks,
      concurrentTasks: this.spec.scheduling.concurrentTasks,
      now,
      nextRunAt: this.draining ? Infinity : Math.max(this.nextRunAt, this.yieldUntil),
      input: this.def.input,
      hasIncoming: this.incoming.length > 0,
      incomingAvailable: available,
      outgoingFull: full,
    };
  }

  /**
   * When to look at this node again without an event (see Schedulable.nextWakeAt): Infinity
   * while it is stopped, busy, held back by a full outgoing queue or waiting for input, since
   * the queue, task or start that ends the wait wakes the scheduler itself.
   */
  nextWakeAt(now: number): number {
    if (this.state !== "running" || this.activeTasks >= this.spec.scheduling.concurrentTasks || this.draining) return Infinity;
    for (const q of this.allOutgoing) if (q.isFull()) return Infinity;
    const due = Math.max(this.nextRunAt, this.yieldUntil);
    if (this.incoming.length === 0) return this.def.input === "required" ? Infinity : due;
    let penaltyEnds = Infinity;
    for (const q of this.incoming) {
      if (q.hasAvailable(now)) return due;
      penaltyEnds = Math.min(penaltyEnds, q.nextPenaltyExpiry());
    }
    return Math.max(penaltyEnds, due);
  }

  trigger(now: number): void | Promise<void> {
    this.activeTasks++;
    this.scheduleNext(now);
    const session = new StandardProcessSession(this);
    this.env.sessionOpened(session);
    let result: void | Promise<void>;
    try {
      result = this.def.onTrigger({ session, config: this.config, context: this.context, state: this.userState });
    } catch (e) {
      this.fail(session, e);
      this.finish(session, now);
      return;
    }
    if (result && typeof (result as Promise<void>).then === "function") {
      return (result as Promise<void>).then(
        () => {
          const committing = this.complete(session, now);
          if (committing === RELEASED) return;
          if (committing) return committing.then(() => this.finish(session, now));
          this.finish(session, now);
        },
        (e: unknown) => {
          this.fail(session, e);
          this.finish(session, now);
        },
      );
    }
    const committing = this.complete(session, now);
    if (committing === RELEASED) return;
    if (committing) return committing.then(() => this.finish(session, now));
    this.finish(session, now);
  }

  /**
   * Commits (a promise while FlowFiles are handed over to the cluster); a failure rolls back.
   *
   * Pipelined handovers: a session whose commit waits for a handover to unordered distributed
   * connections gives its task slot back at once (undefined here: the trigger ends), so the
   * next trigger of this processor runs while the cluster stores the batches, as NiFi's
   * `commitAsync` lets it. At most PIPELINED_PER_TASK × `concurrentTasks` such commits are in
   * flight. Every later commit of this processor waits for the earlier ones and rolls back
   * when one of them rolled back: commits land in trigger order, and a source never
   * acknowledges (a Kafka offset, a count) work behind work that failed. What such a rolled-back session had handed over stays
   * in the cluster and comes again with the retry (at least once, never lost). Why only
   * unordered connections: two batches in flight may reach the cluster in either order, which
   * partition by attribute must not allow; a primary-only source's chained batch keys need the
   * previous commit first as well.
   */
  private complete(session: StandardProcessSession, started: number): Promise<void> | typeof RELEASED | undefined {
    let r: void | Promise<void>;
    const after = this.commitTail ?? undefined;
    try {
      r = session.commitAsync(after);
    } catch (e) {
      this.fail(session, e);
      return undefined;
    }
    if (!r) return undefined;
    const settled = r.then(
      () => true,
      (e: unknown) => {
        this.fail(session, e);
        const tail = this.commitTail;
        if (tail && tail !== settled) {
          this.draining = tail;
          void tail.then(() => {
            if (this.draining !== tail) return;
            this.draining = null;
            this.env.wake();
          });
        }
        return false;
      },
    );
    this.commitTail = settled;
    const pipelined = session.pipelinable && !this.noPipelining && this.sourceChain === null && this.committing < PIPELINED_PER_TASK * this.spec.scheduling.concurrentTasks;
    if (pipelined) this.committing++;
    void settled.then(() => {
      if (this.commitTail === settled) this.commitTail = null;
      if (!pipelined) return;
      this.committing--;
      this.env.sessionClosed(session);
      this.env.wake();
    });
    if (pipelined) {
      this.activeTasks--;
      this.stats.addMany({ tasks: 1, taskMs: Date.now() - started }, started);
      return RELEASED;
    }
    return settled.then(() => undefined);
  }

  private fail(session: StandardProcessSession, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof HandoverError) {
      // The cluster did not take the FlowFiles: nothing is wrong with them. They go back
      // unpenalized (a batch of a distributed connection is not failed) and the processor yields.
      session.rollback(false);
      this.env.bulletins.add("error", this.componentId, this.name, `could not hand FlowFiles over to the cluster; rolled back, will retry: ${msg}`);
      this.env.log("error", this.componentId, msg);
      this.yieldNow();
      return;
    }
    session.rollback(true, e instanceof Error ? e : new Error(msg));
    this.env.bulletins.add("error", this.componentId, this.name, `${this.def.type} failed and was rolled back: ${msg}`);
    this.env.log("error", this.componentId, msg, { stack: e instanceof Error ? e.stack : undefined });
    this.yieldNow();
  }

  private finish(session: StandardProcessSession, started: number): void {
    this.activeTasks--;
    this.env.sessionClosed(session);
    this.stats.addMany({ tasks: 1, taskMs: Date.now() - started }, started);
  }

  private scheduleNext(now: number): void {
    if (this.cron) {
      const next = this.cron.nextRun(new Date(now));
      this.nextRunAt = next ? next.getTime() : Infinity;
    } else if (this.runScheduleMs > 0) {
      this.nextRunAt = now + this.runScheduleMs;
    }
  }

  yieldNow(): void {
    this.yieldUntil = Math.max(this.yieldUntil, Date.now() + this.yieldMs);
  }

  /**
   * Validates, runs onScheduled, and starts triggering. A stop() while onScheduled runs wins:
   * the processor does not start, and onStopped runs after onScheduled has finished.
   */
  async start(): Promise<void> {
    if (this.state === "running" || this.state === "starting") return;
    if (this.state === "disabled") throw new Error(`${this.name} is disabled; enable it first`);
    if (!this.isValid) {
      throw new Error(`${this.name} is invalid and cannot start: ${this.problems.map((p) => p.message).join("; ")}`);
    }
    await this.schedule();
    if (!this.stillStarting()) return;
    this.nextRunAt = this.cron ? (this.cron.nextRun()?.getTime() ?? Infinity) : 0;
    this.yieldUntil = 0;
    this.state = "running";
    this.syncConsumers();
    this.env.wake();
  }

  /**
   * Takes batches from the incoming distributed connections while running, and stops taking
   * them otherwise (those not started go back to the cluster). Called on start, stop and rewire.
   */
  syncConsumers(): Promise<void> {
    const running = this.state === "running";
    const stops: Array<Promise<void>> = [];
    for (const q of this.incoming) {
      if (!isDistributed(q)) continue;
      if (running) q.startConsuming();
      else if (q.consuming) stops.push(q.stopConsuming());
    }
    return Promise.all(stops).then(() => undefined);
  }

  /** Stops triggering, waits for onScheduled and running tasks, then runs onStopped. */
  stop(): Promise<void> {
    if (this.state !== "running" && this.state !== "starting") return this.stopping ?? Promise.resolve();
    this.state = "stopping";
    this.abort.abort();
    const scheduling = this.scheduling;
    // Batches not taken yet go back to the cluster now; the consumers end once the running
    // tasks' batches are settled.
    const consumers = this.syncConsumers();
    this.stopping = (async () => {
      if (scheduling) await scheduling.catch(() => {});
      while (this.activeTasks > 0 || this.committing > 0) await new Promise((r) => setTimeout(r, 5));
      await consumers;
      await this.unschedule();
      this.stopping = null;
    })();
    return this.stopping;
  }

  /**
   * NiFi's "Run Once" for a stopped, valid processor: onScheduled, one trigger whatever its
   * schedule or input say, onStopped; resolves once the trigger's session has committed or
   * rolled back. The node shows "starting" meanwhile, so the scheduler does not trigger it too.
   * A stop() meanwhile waits for the trigger and runs onStopped itself.
   */
  async runOnce(): Promise<void> {
    if (this.state !== "stopped") throw new Error(`${this.name} is ${this.state}; Run Once is for a stopped processor`);
    if (!this.isValid) throw new Error(`${this.name} is invalid: ${this.problems.map((p) => p.message).join("; ")}`);
    await this.schedule();
    if (!this.stillStarting()) return;
    await this.trigger(Date.now());
    // A pipelined commit goes on after the trigger (see `complete`).
    while (this.committing > 0) await this.commitTail;
    if (this.stillStarting()) await this.unschedule();
  }

  /** State "starting" and onScheduled; a failure raises a bulletin, leaves it stopped, and throws. */
  private async schedule(): Promise<void> {
    this.state = "starting";
    this.abort = new AbortController();
    // Read with the state the processor's onScheduled reads: the state dir the previous primary
    // left (a cluster node restores it before starting a primary-only processor).
    const s = this.spec.scheduling;
    this.sourceChain =
      s.executionNode === "primary" && s.concurrentTasks === 1 ? SourceHandoverChain.load(this.context.stateDir, this.componentId, this.def.type, this.spec.properties) : null;
    const scheduling = (async () => {
      this.userState = this.def.onScheduled ? await this.def.onScheduled({ config: this.config, context: this.context }) : undefined;
    })();
    this.scheduling = scheduling;
    try {
      await scheduling;
    } catch (e) {
      if (this.state === "starting") this.state = "stopped";
      const msg = `${this.def.type} could not be scheduled: ${(e as Error).message}`;
      this.env.bulletins.add("error", this.componentId, this.name, msg);
      throw new Error(msg);
    } finally {
      this.scheduling = null;
    }
  }

  /**
   * True unless a stop() came while awaiting. A method, not an inline comparison, because the
   * compiler narrows `state` across the await and would call the check impossible.
   */
  private stillStarting(): boolean {
    return this.state === "starting";
  }

  /** onStopped (a failure is a warning bulletin), then state "stopped". */
  private async unschedule(): Promise<void> {
    try {
      await this.def.onStopped?.({ config: this.config, context: this.context, state: this.userState });
    } catch (e) {
      this.env.bulletins.add("warn", this.componentId, this.name, `onStopped failed: ${(e as Error).message}`);
    }
    this.userState = undefined;
    this.state = "stopped";
  }

  disable(): void {
    if (this.state === "stopped") this.state = "disabled";
  }

  enable(): void {
    if (this.state === "disabled") this.state = "stopped";
  }
}
