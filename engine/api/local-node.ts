/**
 * The local transport: a node in a worker thread of the calling process, reached through a
 * NodeClient. `npm start` uses it, so the designer's event loop never runs processor code.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { NodeError } from "./node-errors";
import { NodeClient, type ClientMessage, type ServerMessage } from "./node-transport";
import type { NodeWorkerData, NodeWorkerHello } from "./node-worker";

export interface LocalNodeOptions extends NodeWorkerData {
  /** Called once if the worker ends without being closed (a crash); the client is dead then. */
  onExit?: (reason: string) => void;
}

/** A running local node: the client, and how to stop it. */
export interface LocalNode {
  readonly client: NodeClient;
  readonly dataDir: string;
  /** Thread id of the worker (for diagnostics). */
  readonly threadId: number;
  /** Shuts every flow down (checkpointing), releases the data dir and ends the worker. */
  close(): Promise<void>;
}

/**
 * The worker's entry next to this module: the bundle's node-worker.js, or under tests (this
 * module loaded as TypeScript) a one-line ES module that registers tsx's loader and then imports
 * node-worker.ts. Why not `--import tsx` in execArgv: a worker ignores loaders given that way here.
 */
function workerEntry(): URL {
  const self = import.meta.url;
  if (!self.endsWith(".ts")) return new URL("./node-worker.js", self);
  // require.resolve finds the CommonJS build; the ES module build sits beside it.
  const tsx = pathToFileURL(createRequire(self).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(new URL("./node-worker.ts", self).href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Starts a node in a worker thread on `opts.dataDir`. Rejects with NodeError "data-dir-locked"
 * when another process (or node) holds the dir, with the worker already gone.
 */
export function startLocalNode(opts: LocalNodeOptions): Promise<LocalNode> {
  const worker = new Worker(workerEntry(), {
    workerData: { dataDir: opts.dataDir, name: opts.name, logLevel: opts.logLevel } satisfies NodeWorkerData,
    execArgv: process.execArgv.filter((a) => !a.startsWith("--max-semi-space-size")),
    // Same young generation as `sluice run` and the benchmarks (fewer scavenges under load).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
    stdout: false,
    stderr: false,
  });
  return new Promise<LocalNode>((resolve, reject) => {
    let ready = false;
    let closing = false;
    const messageListeners: Array<(m: ServerMessage) => void> = [];
    const closeListeners: Array<(reason: string) => void> = [];
    let closed: (() => void) | null = null;
    const client = new NodeClient({
      send: (m: ClientMessage) => worker.postMessage(m),
      onMessage: (l) => messageListeners.push(l),
      onClose: (l) => closeListeners.push(l),
    });
    worker.on("message", (m: ServerMessage | NodeWorkerHello | { t: "closed" }) => {
      if (m.t === "ready") {
        ready = true;
        resolve({
          client,
          dataDir: m.dataDir,
          threadId: worker.threadId,
          close: () =>
            new Promise<void>((done) => {
              if (closing) return done();
              closing = true;
              closed = done;
              worker.postMessage({ t: "shutdown" });
            }),
        });
        return;
      }
      if (m.t === "fatal") {
        reject(NodeError.fromWire(m.error as never));
        return;
      }
      if (m.t === "closed") {
        void worker.terminate().then(() => closed?.());
        return;
      }
      for (const l of messageListeners) l(m);
    });
    worker.on("error", (e) => {
      if (!ready) reject(new NodeError("internal", `the local node failed to start: ${e.message}`));
      for (const l of closeListeners) l(e.message);
    });
    worker.on("exit", (code) => {
      const reason = `the local node's worker exited with code ${code}`;
      for (const l of closeListeners) l(reason);
      if (!ready) reject(new NodeError("node-unavailable", reason));
      else if (!closing) opts.onExit?.(reason);
      closed?.();
    });
  });
}
