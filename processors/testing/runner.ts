/**
 * A processor test runner in the spirit of nifi-mock: enqueue FlowFiles, run the processor
 * through the real session, queue and repository code (in memory), and assert what was
 * transferred, penalized and recorded in provenance.
 *
 * ```ts
 * const r = testRunner(UpdateAttribute, { properties: { kind: "order" } });
 * r.enqueue("{}", { amount: "51" });
 * await r.run();
 * r.assertTransferCount("success", 1);
 * expect(r.flowFiles("success")[0].attributes.kind).toBe("order");
 * ```
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AnyProcessorDefinition, ProcessorDefinition, PropertyMap } from "../../engine/sdk";
import { erase, FileRoots } from "../../engine/sdk";
import { schedulingSchema } from "../../engine/api/flow-format";
import { FlowFileRecord } from "../../engine/core/flowfile";
import { VolatileFlowFileRepository } from "../../engine/core/flowfile-repository";
import type { ProvenanceEvent } from "../../engine/core/provenance";
import type { StandardProcessSession } from "../../engine/core/session";
import { BulletinBoard, CONNECTION_FIELDS, RollingStats, type Bulletin } from "../../engine/core/stats";
import { ConnectionQueue } from "../../engine/queue/connection-queue";
import { MemoryContentRepository } from "../../engine/repository/content/memory-content-repository";
import { MemoryProvenanceRepository } from "../../engine/repository/provenance/memory-provenance-repository";
import { decideTrigger } from "../../engine/scheduler/trigger";
import { ProcessorNode, type NodeEnvironment } from "../../engine/runtime/processor-node";
import { LocalCache } from "../../engine/runtime/flow-controller";
import { relationshipsOf } from "../../engine/runtime/validate-flow";
import type { DistributedCache } from "../../engine/sdk";

let processDir: string | null = null;

/**
 * Where a runner keeps its processor's state: a fresh directory under one directory per test
 * process (`<tmp>/sluice-runner-<pid>-<random>`, made by mkdtemp, so no one can put a directory
 * or link there first), removed when the process exits. Why: a runner has no end of life to
 * clean up at, and one temp directory per runner piled up by the thousand in /tmp. A test
 * process that is killed instead (vitest kills its forks) leaves its directory; the test
 * command gives each tier a TMPDIR of its own and removes it (scripts/test.mjs).
 */
function runnerStateDir(): string {
  if (processDir === null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-runner-${process.pid}-`));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    processDir = dir;
  }
  return fs.mkdtempSync(path.join(processDir, "r-"));
}

/** A FlowFile as a test sees it: attributes plus content read back as text and bytes. */
export interface MockFlowFile {
  uuid: string;
  attributes: Readonly<Record<string, string>>;
  content: string;
  bytes: Buffer;
  size: number;
  penalized: boolean;
}

export interface RunnerOptions {
  properties?: Record<string, string>;
  scheduling?: Partial<{ batchSize: number; penaltyDuration: string; yieldDuration: string; concurrentTasks: number }>;
  /** Relationships to auto-terminate (the others each get a queue the test can inspect). */
  autoTerminate?: string[];
  cache?: DistributedCache;
  controllerServices?: Record<string, Record<string, string>>;
  /** Whether the processor has an incoming connection. @default true unless input is "forbidden" */
  withInput?: boolean;
  /** The processor's id (its state dir is `<runner state dir>/<id>`). @default "under-test" */
  id?: string;
  /** Directories file processors may reach. @default SLUICE_FILE_ROOTS from the environment */
  fileRoots?: readonly string[];
}

export class TestRunner {
  readonly content = new MemoryContentRepository();
  readonly provenanceRepo = new MemoryProvenanceRepository();
  readonly bulletins = new BulletinBoard();
  readonly input: ConnectionQueue;
  readonly outputs = new Map<string, ConnectionQueue>();
  readonly node: ProcessorNode;
  readonly logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  private readonly committedCallbacks: Array<() => void | Promise<void>> = [];
  private started = false;
  private readonly stateDir = runnerStateDir();
  /** The processor's own state directory (its `context.stateDir`), to look at what it keeps there. */
  get processorStateDir(): string {
    return path.join(this.stateDir, this.node.componentId);
  }
  private readonly sessions = new Set<StandardProcessSession>();

  constructor(def: AnyProcessorDefinition, opts: RunnerOptions = {}) {
    const properties = opts.properties ?? {};
    const scheduling = schedulingSchema.parse({ ...opts.scheduling });
    const env: NodeEnvironment = {
      content: this.content,
      flowFiles: new VolatileFlowFileRepository(),
      provenance: this.provenanceRepo,
      bulletins: this.bulletins,
      services: {
        cache: opts.cache ?? new LocalCache(),
        getControllerService: (id) => opts.controllerServices?.[id],
      },
      stateDir: this.stateDir,
      fileRoots: opts.fileRoots ? new FileRoots(opts.fileRoots) : undefined,
      connectionStats: () => new RollingStats(CONNECTION_FIELDS),
      afterDurable: (ok) => this.committedCallbacks.push(...ok),
      sessionOpened: (s) => this.sessions.add(s),
      sessionClosed: (s) => this.sessions.delete(s),
      wake: () => {},
      log: (level, _c, message, fields) => this.logs.push({ level, message, fields }),
    };
    this.node = new ProcessorNode(
      def,
      { id: opts.id ?? "under-test", type: def.type, properties, scheduling, autoTerminate: opts.autoTerminate ?? [], state: "stopped" },
      env,
    );
    this.input = new ConnectionQueue("input");
    if (opts.withInput ?? def.input !== "forbidden") this.node.incoming.push(this.input);
    for (const rel of relationshipsOf(def, properties)) {
      if (this.node.autoTerminate.has(rel)) continue;
      const q = new ConnectionQueue(`out:${rel}`);
      this.outputs.set(rel, q);
      this.node.outgoing.set(rel, [q]);
    }
    this.node.wire();
  }

  /** Validation problems of the configuration (empty = valid). */
  get problems(): ReadonlyArray<{ property: string; message: string }> {
    return this.node.problems;
  }

  get isValid(): boolean {
    return this.node.isValid;
  }

  /** Queues a FlowFile on the processor's input. */
  enqueue(content: string | Buffer = "", attributes: Record<string, string> = {}): FlowFileRecord {
    const now = Date.now();
    let ff = FlowFileRecord.create({ filename: `ff-${this.input.count}`, ...attributes }, now);
    const buf = typeof content === "string" ? Buffer.from(content) : content;
    if (buf.length) {
      const claim = this.content.write(buf);
      this.content.incrementRef(claim);
      ff = ff.withClaim(claim);
    }
    this.input.put(ff, now);
    return ff;
  }

  /**
   * Triggers the processor `iterations` times (scheduling it first), like the scheduler would:
   * a trigger is skipped when the scheduler would skip it (no input, back pressure), unless
   * `force`. Runs onCommitted callbacks after each trigger. `stop: false` leaves it scheduled.
   */
  async run(iterations = 1, opts: { stop?: boolean; force?: boolean } = {}): Promise<number> {
    if (!this.started) {
      await this.node.start();
      this.started = true;
    }
    let ran = 0;
    for (let i = 0; i < iterations; i++) {
      const now = Date.now();
      const view = { ...this.node.view(now), nextRunAt: 0 };
      if (!opts.force && !decideTrigger(view).run) continue;
      ran++;
      await this.node.trigger(now);
      const cbs = this.committedCallbacks.splice(0);
      for (const cb of cbs) await cb();
    }
    if (opts.stop !== false) await this.stop();
    return ran;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.node.stop();
    this.started = false;
  }

  /** Makes a relationship's connection full (back pressure) or releases it. */
  setFull(relationship: string, full = true): void {
    const q = this.outputs.get(relationship);
    if (!q) throw new Error(`relationship "${relationship}" has no connection in this runner`);
    q.objectThreshold = full ? 0 : 10_000;
  }

  /** FlowFiles routed to a relationship, in order, read back with their content. */
  flowFiles(relationship: string): MockFlowFile[] {
    const q = this.outputs.get(relationship);
    if (!q) throw new Error(`relationship "${relationship}" has no connection in this runner (auto-terminated or unknown)`);
    return q.list(Number.MAX_SAFE_INTEGER).map((ff) => this.mock(ff));
  }

  /** FlowFiles still (or again) on the input queue, penalized ones included. */
  inputFlowFiles(): MockFlowFile[] {
    return this.input.list(Number.MAX_SAFE_INTEGER).map((ff) => this.mock(ff));
  }

  assertTransferCount(relationship: string, expected: number): void {
    const n = this.outputs.get(relationship)?.count ?? 0;
    if (n !== expected) {
      const all = [...this.outputs].map(([r, q]) => `${r}=${q.count}`).join(", ");
      throw new Error(`expected ${expected} FlowFile(s) on "${relationship}" but found ${n} (${all}; input=${this.input.count})`);
    }
  }

  assertAllTransferred(relationship: string, expected?: number): void {
    for (const [r, q] of this.outputs) {
      if (r !== relationship && q.count > 0) throw new Error(`expected everything on "${relationship}" but "${r}" has ${q.count}`);
    }
    if (expected !== undefined) this.assertTransferCount(relationship, expected);
  }

  /** Provenance events recorded so far, oldest first. */
  async provenance(): Promise<ProvenanceEvent[]> {
    this.provenanceRepo.flush();
    return (await this.provenanceRepo.search({ limit: 1_000_000 })).reverse();
  }

  bulletinList(): Bulletin[] {
    return this.bulletins.list();
  }

  private mock(ff: FlowFileRecord): MockFlowFile {
    const bytes = ff.claim ? this.content.read(ff.claim) : Buffer.alloc(0);
    return {
      uuid: ff.uuid,
      attributes: ff.attributes,
      content: bytes.toString("utf8"),
      bytes,
      size: ff.size,
      penalized: ff.penaltyExpiration > Date.now(),
    };
  }
}

/** Creates a runner for a processor definition. */
export function testRunner<P extends PropertyMap, R extends string, S>(def: ProcessorDefinition<P, R, S>, opts: RunnerOptions = {}): TestRunner {
  return new TestRunner(erase(def), opts);
}
