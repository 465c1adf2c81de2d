/**
 * A worker node (startWorkerNode) in a process of its own, for tests that `kill -9` it with
 * options `sluice node` has no flag for (e.g. `offload.pauseMs`). Run with the TypeScript loader:
 *
 *   node --import tsx test/integration/helpers/worker-process.ts '<WorkerNodeOptions as JSON, without log>'
 *
 * It writes "ready" to stdout once it joined the cluster, its log lines to stderr, and leaves
 * the cluster on SIGTERM.
 */
import { startWorkerNode, type WorkerNodeOptions } from "../../../engine/cluster/worker-node";

const options = JSON.parse(process.argv[2] ?? "{}") as Omit<WorkerNodeOptions, "log">;
const worker = await startWorkerNode({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write("ready\n");
process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
