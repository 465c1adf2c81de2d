/**
 * The app's only door into the engine (ARCHITECTURE.md, enforced by eslint.config.js):
 * everything in app/ that needs engine code imports it from here, and this file imports only
 * from engine/api. Server-only; client components may import types from it, nothing else.
 *
 * Two halves:
 * - the flow format (zod schema and parser) and the node API's types and error codes: plain
 *   data code, bundled like any module;
 * - the node: a NodeApi client (engine/api/node-api.ts) for the local node, which runs in a
 *   worker thread started on first use (engine/api/local-node.ts, loaded from the engine
 *   bundle). No processor code ever runs on the designer's event loop. The client is kept on
 *   globalThis so `next dev` hot reloads reuse the running node instead of starting a second
 *   one on the same (locked) data dir.
 * - in cluster mode (SLUICE_REDIS_URL set) the same NodeApi is the cluster coordinator
 *   (engine/cluster/coordinator.ts, from the same bundle): flows run on `sluice node` processes
 *   and the designer runs no engine at all.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { resolveDataDir } from "../../prisma/data-store.mjs";
import type * as LocalNodeModule from "../../engine/api/local-node";
// Types only: the coordinator itself is loaded from the engine bundle at run time.
import type * as CoordinatorModule from "../../engine/cluster/coordinator";
import type { NodeApi, NodeCatalog } from "../../engine/api/node-api";

export { FLOW_FORMAT_VERSION, flowSchema, formatPath, parseFlowDocument } from "../../engine/api/flow-format";
export { PROVENANCE_EVENT_TYPES, type ProvenanceEventType } from "../../engine/api/provenance-types";
export { NodeError, isNodeError, type NodeErrorCode } from "../../engine/api/node-errors";
export { SAFE_ID } from "../../engine/api/node-api";
export type { ConnectionConfig, FlowDocument, FlowProblem, ProcessorConfig, SchedulingConfig } from "../../engine/api/flow-format";
export type { ConfigProblem, ElFunctionInfo, FlowAnalysis, ProcessorTypeInfo, PropertyInfo } from "../../engine/api/designer-catalog";
export type { ConnectionStatus, EngineStatus, ProcessorStatus, QueuedFlowFile } from "../../engine/api/engine";
export type {
  DeadLetter,
  DeployResult,
  DeploymentSummary,
  FlowStatus,
  LineageGraph,
  NodeApi,
  NodeCatalog,
  NodeEvent,
  NodeInfo,
  ProvenanceEvent,
  ProvenanceQuery,
} from "../../engine/api/node-api";

/** What `localNode()` runs: a local node in a worker thread, or the cluster coordinator. */
interface LocalNode {
  client: NodeApi;
  close(): Promise<void>;
}

const holder = globalThis as typeof globalThis & {
  sluiceLocalNode?: Promise<LocalNode>;
  sluiceCatalog?: Promise<NodeCatalog>;
  sluiceFlowLocks?: Map<string, Promise<unknown>>;
};

/** The local node's data dir: one per designer data dir; flows live in `<it>/<flowId>`. */
export function nodeDataDir(): string {
  return path.join(resolveDataDir(), "engine");
}

/**
 * Loads the local-node module from the same esbuild bundle `sluice run` uses
 * (scripts/build-engine.mjs; rebuilt when a source changed). Why not a static import: bundled
 * into .next, the worker threads (the node, the provenance index) could not find their entry
 * files, and the engine would be compiled twice; the bundle keeps them side by side.
 */
async function loadBundleModule<T>(file: "local-node.js" | "coordinator.js"): Promise<T> {
  const builder = pathToFileURL(path.join(process.cwd(), "scripts", "build-engine.mjs")).href;
  const { ensureEngineBuild } = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ builder)) as {
    ensureEngineBuild(): Promise<string>;
  };
  const dir = await ensureEngineBuild();
  const entry = pathToFileURL(path.join(dir, file)).href;
  return (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ entry)) as T;
}

/** True when the designer is a cluster coordinator (SLUICE_REDIS_URL is set). */
export function clusterMode(): boolean {
  return !!process.env.SLUICE_REDIS_URL;
}

/**
 * The local node, started on first use. If its worker dies (a crash), the next call starts a
 * new one; flows that ran before are resumed by flow-service as they are used. Rejects with a
 * NodeError ("data-dir-locked" when another process holds the data dir).
 */
export function localNode(): Promise<NodeApi> {
  holder.sluiceLocalNode ??= (async (): Promise<LocalNode> => {
    if (clusterMode()) {
      const { ClusterCoordinator } = await loadBundleModule<typeof CoordinatorModule>("coordinator.js");
      const coordinator = await ClusterCoordinator.connect({
        redisUrl: process.env.SLUICE_REDIS_URL!,
        secret: process.env.SLUICE_CLUSTER_SECRET,
        cluster: process.env.SLUICE_CLUSTER_NAME || undefined,
      });
      return { client: coordinator, close: () => coordinator.close() };
    }
    const mod = await loadBundleModule<typeof LocalNodeModule>("local-node.js");
    return mod.startLocalNode({
      dataDir: nodeDataDir(),
      name: "local",
      // LogAttribute logs every FlowFile at info; in the app server that would drown the log.
      logLevel: process.env.SLUICE_ENGINE_LOG_LEVEL ?? "warn",
      onExit: (reason) => {
        console.error(`sluice: ${reason}; it restarts on the next request`);
        holder.sluiceLocalNode = undefined;
      },
    });
  })();
  const started = holder.sluiceLocalNode;
  started.catch(() => {
    if (holder.sluiceLocalNode === started) holder.sluiceLocalNode = undefined;
  });
  return started.then((n) => n.client);
}

/** Stops the local node (checkpointing every flow) if it runs. */
export async function stopLocalNode(): Promise<void> {
  const n = holder.sluiceLocalNode;
  holder.sluiceLocalNode = undefined;
  if (n) await (await n.catch(() => null))?.close();
}

/** The catalog (processor types, EL functions, sensitive property names), fetched once. */
export function catalog(): Promise<NodeCatalog> {
  holder.sluiceCatalog ??= localNode().then((n) => n.catalog());
  const c = holder.sluiceCatalog;
  c.catch(() => {
    if (holder.sluiceCatalog === c) holder.sluiceCatalog = undefined;
  });
  return c;
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
  void settled.then(() => {
    if (locks.get(flowId) === settled) locks.delete(flowId);
  });
  return run;
}
