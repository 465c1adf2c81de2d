/**
 * Entry of the local node's worker thread (started by engine/api/local-node.ts): opens a
 * SluiceNode on the data dir in `workerData` and serves it on the parent port.
 *
 * Why a worker thread and not a child process: it ends with the server however the server
 * ends (a `kill -9` of the app server cannot leave an orphan holding the data-dir lock), content
 * moves without a pipe, and it still has its own event loop and heap, so a busy processor or a
 * long GC never stalls the designer's requests.
 */
import { parentPort, workerData } from "node:worker_threads";
import { nameThisThread } from "../core/thread-name";
import { SluiceNode } from "./node";
import { NodeError } from "./node-errors";
import { serveNode, type ClientMessage, type ServerMessage } from "./node-transport";

/** What local-node.ts passes in `workerData`. */
export interface NodeWorkerData {
  dataDir: string;
  name?: string;
  logLevel?: string;
}

/** The first message the worker posts. */
export type NodeWorkerHello = { t: "ready"; pid: number; dataDir: string } | { t: "fatal"; error: { code: string; message: string; details?: Record<string, unknown> } };

const port = parentPort;
if (!port) throw new Error("node-worker.ts runs only as a worker thread");
nameThisThread("sluice-engine");
const data = workerData as NodeWorkerData;

let node: SluiceNode;
try {
  node = SluiceNode.open({ dataDir: data.dataDir, name: data.name, logLevel: data.logLevel });
} catch (e) {
  const err = e instanceof NodeError ? e.toWire() : { code: "internal" as const, message: e instanceof Error ? e.message : String(e) };
  port.postMessage({ t: "fatal", error: err } satisfies NodeWorkerHello);
  process.exit(2);
}

const closeListeners: Array<(reason: string) => void> = [];
serveNode(node, {
  send: (m: ServerMessage) => port.postMessage(m),
  onMessage: (l) =>
    port.on("message", (m: ClientMessage | { t: "shutdown" }) => {
      if (m.t === "shutdown") {
        void node.shutdown().finally(() => {
          port.postMessage({ t: "closed" });
          port.close();
        });
        return;
      }
      l(m);
    }),
  onClose: (l) => closeListeners.push(l),
});
port.on("close", () => {
  for (const l of closeListeners) l("parent port closed");
});
port.postMessage({ t: "ready", pid: process.pid, dataDir: node.dataDir } satisfies NodeWorkerHello);
