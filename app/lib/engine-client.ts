/**
 * The app's only door into the engine (ARCHITECTURE.md, enforced by eslint.config.js):
 * everything in app/ that needs engine code imports it from here, and this file imports only
 * from engine/api. Server-only; client components may import types from it, nothing else.
 *
 * Two halves:
 * - the flow format (zod schema and parser): plain data code, bundled like any module;
 * - the engine itself (Engine, catalog, validation), loaded at run time through tsx by
 *   engineRuntime(), plus the embedded deployments: one Engine per deployed flow, kept on
 *   globalThis so `next dev` hot reloads find the running engines instead of opening a second
 *   one on the same data dir.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as DesignerRuntime from "../../engine/api/designer-runtime";
import type { FlowDocument } from "../../engine/api/flow-format";

export { FLOW_FORMAT_VERSION, flowSchema, formatPath, parseFlowDocument } from "../../engine/api/flow-format";
export { PROVENANCE_EVENT_TYPES, type ProvenanceEventType } from "../../engine/api/provenance-types";
export type { ConnectionConfig, FlowDocument, FlowProblem, ProcessorConfig, SchedulingConfig } from "../../engine/api/flow-format";
export type {
  ConfigProblem,
  ConnectionStatus,
  ElFunctionInfo,
  EngineStatus,
  FlowAnalysis,
  ProcessorStatus,
  ProcessorTypeInfo,
  PropertyInfo,
  QueuedFlowFile,
} from "../../engine/api/designer-runtime";

/** The engine's run-time API as loaded by engineRuntime(). */
export type EngineRuntime = typeof DesignerRuntime;
type Engine = DesignerRuntime.Engine;

/** One embedded engine running a flow's snapshot. */
export interface Deployment {
  flowId: string;
  engine: Engine;
  dataDir: string;
  /** The document the engine was opened with (its run states are kept current). */
  doc: FlowDocument;
  /** engineKey(doc): a change means the engine must be reopened. */
  key: string;
  /**
   * Problems of a newer saved snapshot that could not be deployed (the engine keeps running the
   * last deployable one); empty when the engine runs the saved snapshot.
   */
  pending: Array<{ path: string; message: string }>;
  openedAt: number;
}

/**
 * A redeploy was refused because a connection the new snapshot removes still holds FlowFiles
 * (or the engine refused the snapshot for another reason that keeps data safe). Route handlers
 * answer it with 409.
 */
export class DeployConflictError extends Error {
  override name = "DeployConflictError";
}

const holder = globalThis as typeof globalThis & {
  sluiceEngineRuntime?: Promise<EngineRuntime>;
  sluiceDeployments?: Map<string, Deployment>;
  sluiceFlowLocks?: Map<string, Promise<unknown>>;
};

/**
 * Loads the engine (engine/api/designer-runtime.ts) once per process, from the same esbuild
 * bundle `sluice run` uses (scripts/build-engine.mjs; rebuilt when a source changed).
 * Why not a static import: bundled into .next, the provenance index worker cannot find its
 * entry files, and the engine would be compiled twice; the bundle keeps them side by side.
 */
export function engineRuntime(): Promise<EngineRuntime> {
  holder.sluiceEngineRuntime ??= (async () => {
    const builder = pathToFileURL(path.join(process.cwd(), "scripts", "build-engine.mjs")).href;
    const { ensureEngineBuild } = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ builder)) as {
      ensureEngineBuild(): Promise<string>;
    };
    const dir = await ensureEngineBuild();
    const entry = pathToFileURL(path.join(dir, "designer-runtime.js")).href;
    return (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ entry)) as EngineRuntime;
  })();
  holder.sluiceEngineRuntime.catch(() => {
    holder.sluiceEngineRuntime = undefined;
  });
  return holder.sluiceEngineRuntime;
}

function deployments(): Map<string, Deployment> {
  holder.sluiceDeployments ??= new Map();
  return holder.sluiceDeployments;
}

/**
 * Runs `fn` after every earlier call for the same flow has finished, so deploys, saves and
 * start/stop requests of one flow never interleave (two tabs, SSE resume, a save during start).
 */
export async function withFlowLock<T>(flowId: string, fn: () => Promise<T>): Promise<T> {
  holder.sluiceFlowLocks ??= new Map();
  const locks = holder.sluiceFlowLocks;
  const before = locks.get(flowId) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(flowId, settled);
  settled.then(() => {
    if (locks.get(flowId) === settled) locks.delete(flowId);
  });
  return run;
}

/** The deployment of a flow, or undefined when it has no engine in this process. */
export function deploymentOf(flowId: string): Deployment | undefined {
  return deployments().get(flowId);
}

/**
 * What the engine cares about in a document: everything but canvas positions, groups, names,
 * comments and run states (run states are applied with start/stop, not by reopening).
 */
export function engineKey(doc: FlowDocument): string {
  return JSON.stringify({
    services: doc.services,
    processors: doc.processors.map((p) => ({
      id: p.id,
      type: p.type,
      properties: p.properties,
      scheduling: p.scheduling,
      autoTerminate: p.autoTerminate,
      disabled: p.state === "disabled",
    })),
    connections: doc.connections.map((c) => ({ ...c, name: undefined })),
  });
}

function logLevel(): string {
  // LogAttribute logs every FlowFile at info; in the app server that would drown the server log.
  return process.env.SLUICE_ENGINE_LOG_LEVEL ?? "warn";
}

/** Starts each processor whose run state is "running"; an invalid one stays stopped (shown as invalid). */
async function startMarked(engine: Engine, doc: FlowDocument): Promise<void> {
  for (const p of doc.processors) {
    if (p.state !== "running") continue;
    try {
      await engine.startProcessor(p.id);
    } catch {
      // Invalid processors cannot start; status() reports them as "invalid" with the reasons.
    }
  }
}

/**
 * Opens an engine for `doc` on `dataDir` (durable, lenient: invalid processors stay stopped) and
 * starts the processors marked running. Caller holds the flow lock and has checked that no
 * deployment exists.
 */
async function open(flowId: string, doc: FlowDocument, dataDir: string): Promise<Deployment> {
  const rt = await engineRuntime();
  let engine: Engine;
  try {
    engine = rt.Engine.open(doc, { dataDir, mode: "durable", lenient: true, logLevel: logLevel() });
  } catch (e) {
    if (e instanceof rt.FlowValidationError) throw e;
    throw new DeployConflictError(`${(e as Error).message.replace(/Restore those connections.*$/, "").trim()} Empty the queue first (restore the connection, empty it, then remove it).`);
  }
  await startMarked(engine, doc);
  const d: Deployment = { flowId, engine, dataDir, doc, key: engineKey(doc), pending: [], openedAt: Date.now() };
  deployments().set(flowId, d);
  return d;
}

/**
 * Deploys `doc` unless the flow already has an engine. Caller holds the flow lock.
 * Throws FlowValidationError (problems outside single processors) or DeployConflictError.
 */
export async function ensureDeployed(flowId: string, doc: FlowDocument, dataDir: string): Promise<Deployment> {
  return deploymentOf(flowId) ?? open(flowId, doc, dataDir);
}

/** The queued count of every connection `next` no longer has, as "name (n FlowFiles)". */
function removedNonEmpty(d: Deployment, next: FlowDocument): string[] {
  const keep = new Set(next.connections.map((c) => c.id));
  const out: string[] = [];
  for (const c of d.engine.status().connections) {
    if (!keep.has(c.id) && c.queued.count > 0) out.push(`"${c.name}" holds ${c.queued.count} FlowFile${c.queued.count === 1 ? "" : "s"}`);
  }
  return out;
}

/**
 * Checks that a running flow may take `next` (no removed connection holds FlowFiles). Throws
 * DeployConflictError with "empty the queue first" otherwise. No-op when the flow is not deployed.
 */
export function assertCanApply(flowId: string, next: FlowDocument): void {
  const d = deploymentOf(flowId);
  if (!d) return;
  const blocked = removedNonEmpty(d, next);
  if (blocked.length) {
    throw new DeployConflictError(`Cannot remove a connection that still holds data: ${blocked.join(", ")}. Empty the queue first.`);
  }
}

/**
 * Brings a deployed flow to the newly saved `next`. Run-state changes start or stop processors;
 * any other engine-relevant change reopens the engine on the same data dir (queues of unchanged
 * connection ids are recovered). A snapshot the engine cannot load leaves the old engine
 * running and is reported in `pending`. Caller holds the flow lock and called assertCanApply.
 */
export async function applyDocument(flowId: string, next: FlowDocument): Promise<Deployment | undefined> {
  const d = deploymentOf(flowId);
  if (!d) return undefined;
  const rt = await engineRuntime();
  if (engineKey(next) !== d.key) {
    const analysis = rt.analyzeFlow(next);
    if (analysis.deployable) {
      await d.engine.shutdown();
      deployments().delete(flowId);
      try {
        return await open(flowId, next, d.dataDir);
      } catch (e) {
        // Keep the flow running on what it ran before; the caller reports why.
        await open(flowId, d.doc, d.dataDir).catch(() => undefined);
        throw e;
      }
    }
    d.pending = analysis.problems;
  } else d.pending = [];
  // Run states apply to what the engine runs, even while a newer design waits in `pending`:
  // stopping must always work.
  const wanted = new Map(next.processors.map((p) => [p.id, p.state]));
  const before = d.doc;
  d.doc = d.pending.length ? { ...before, processors: before.processors.map((p) => ({ ...p, state: wanted.get(p.id) ?? p.state })) } : next;
  for (const p of before.processors) {
    const state = wanted.get(p.id);
    if (state === undefined || state === p.state) continue;
    try {
      if (state === "running") await d.engine.startProcessor(p.id);
      else await d.engine.stopProcessor(p.id);
    } catch {
      // An invalid processor stays stopped; status() says why.
    }
  }
  return d;
}

/** Stops the flow's engine and forgets it; with `removeData` its data dir is deleted too. */
export async function undeploy(flowId: string, opts: { removeData?: string } = {}): Promise<void> {
  const d = deploymentOf(flowId);
  if (d) {
    deployments().delete(flowId);
    await d.engine.shutdown();
  }
  if (opts.removeData) rmSync(opts.removeData, { recursive: true, force: true });
}
