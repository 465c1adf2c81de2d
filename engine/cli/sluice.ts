/**
 * The `sluice` command line.
 *
 *   sluice run <flow.json> --data-dir <dir> [--mode durable|volatile] [--exit-when-idle] [--idle-ms N]
 *   sluice validate <flow.json>
 *   sluice node --redis <url> --data-dir <dir> [--name <n>] [--cluster <name>] [--shared-content <dir>] [--inline-max <size>]
 *   (run and node also take [--metrics-port <p>] [--metrics-host <addr>]: /metrics, /healthz and
 *   /readyz for the process itself, engine/api/metrics.ts; /metrics needs SLUICE_METRICS_TOKEN)
 *
 * Exit codes: 0 ok, 1 runtime error, 2 invalid input (bad flow file, bad arguments) or a data
 * dir that another process holds (one line naming the dir and the holder's pid); for `node`
 * also a missing or wrong SLUICE_CLUSTER_SECRET, or a node name in use (one line each).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DataDirLockedError, Engine, FlowValidationError, checkFlow } from "../api/engine";
import { gatherMetrics, startMetricsServer, type MetricsServerOptions } from "../api/metrics";
import { isNodeError } from "../api/node-errors";
import { parseDataSize } from "../core/units";
import { sensitiveProperties } from "../api/designer-catalog";
import { parseFlowDocument } from "../api/flow-format";
import { flowFileScopes, resolveFlow } from "../api/parameters";

const USAGE = `usage:
  sluice run <flow.json> --data-dir <dir> [--mode durable|volatile] [--exit-when-idle] [--idle-ms <ms>] [--sync]
  sluice validate <flow.json>
  sluice import-nifi <file> [--out <flow.json>] [--name <n>] [--parameters contexts|inline]
      a NiFi flow definition or flow.json(.gz) → a Sluice flow file, with a report
  sluice node --redis <url> --data-dir <dir> [--name <n>] [--cluster <name>] [--shared-content <dir>] [--inline-max <size>]
      a worker node of a cluster; needs SLUICE_CLUSTER_SECRET (--redis defaults to SLUICE_REDIS_URL,
      --name to the host name, --cluster to SLUICE_CLUSTER_NAME or "sluice"). --shared-content
      (default SLUICE_SHARED_CONTENT_DIR) is a directory every node mounts, for content of
      distributed connections above --inline-max (default SLUICE_INLINE_CONTENT_MAX or 256 KB)
  run and node also take --metrics-port <p> [--metrics-host <addr>] (default 127.0.0.1):
      GET /metrics (Prometheus; Authorization: Bearer $SLUICE_METRICS_TOKEN, disabled while unset),
      GET /healthz and GET /readyz`;

class UsageError extends Error {}

function readFlow(file: string | undefined): unknown {
  if (!file) throw new UsageError("missing <flow.json>");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read flow file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`flow file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function printProblems(file: string, problems: ReadonlyArray<{ path: string; message: string }>): void {
  process.stderr.write(`sluice: flow file ${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n`);
  for (const p of problems) process.stderr.write(`  ${p.path}: ${p.message}\n`);
}

/**
 * A flow file with its `#{name}` references resolved against the parameter contexts it carries
 * (null after printing the references that do not resolve). A file that does not parse comes
 * back as it is, so validation reports its problems as before.
 */
function withParameters(file: string, raw: unknown): unknown {
  const parsed = parseFlowDocument(raw);
  if (!parsed.ok) return raw;
  const sensitive = sensitiveProperties();
  const r = resolveFlow(parsed.flow, flowFileScopes(parsed.flow), (c) => [...(sensitive[c.type] ?? []), ...(c.sensitiveDynamicProperties ?? [])]);
  if (r.problems.length) {
    printProblems(file, r.problems);
    return null;
  }
  return r.flow;
}

async function run(argv: string[]): Promise<number> {
  // `sluice import-nifi` has its own options and usage (engine/cli/import-nifi.ts).
  if (argv[0] === "import-nifi") return (await import("./import-nifi")).importNifiCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      mode: { type: "string", default: "durable" },
      "exit-when-idle": { type: "boolean", default: false },
      "idle-ms": { type: "string", default: "2000" },
      sync: { type: "boolean", default: false },
      redis: { type: "string" },
      name: { type: "string" },
      cluster: { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-host": { type: "string", default: "127.0.0.1" },
      "shared-content": { type: "string" },
      "inline-max": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === "validate") {
    const resolved = withParameters(file as string, readFlow(file));
    if (resolved === null) return 2;
    const r = checkFlow(resolved);
    if (!r.ok) {
      printProblems(file as string, r.problems);
      return 2;
    }
    process.stdout.write(`${file}: valid (${r.flow.processors.length} processors, ${r.flow.connections.length} connections)\n`);
    return 0;
  }
  if (command === "node") return runNode(values);
  if (command !== "run") throw new UsageError(`unknown command "${command}"`);
  const metricsPort = parseMetricsPort(values["metrics-port"]);
  if (!values["data-dir"]) throw new UsageError("--data-dir is required");
  const mode = values.mode;
  if (mode !== "durable" && mode !== "volatile") throw new UsageError(`--mode must be durable or volatile, not "${mode}"`);
  const idleMs = Number(values["idle-ms"]);
  if (!Number.isFinite(idleMs) || idleMs < 0) throw new UsageError("--idle-ms must be a number of milliseconds");
  const flow = withParameters(file as string, readFlow(file));
  if (flow === null) return 2;
  const dataDir = path.resolve(values["data-dir"]);
  let engine: Engine;
  try {
    engine = Engine.open(flow, { dataDir, mode, sync: values.sync });
  } catch (e) {
    if (e instanceof FlowValidationError) {
      printProblems(file as string, e.problems);
      return 2;
    }
    if (e instanceof DataDirLockedError) {
      process.stderr.write(`sluice: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let stopping = false;
  const flowId = engine.status().flowId ?? path.basename(file as string, ".json");
  const metrics = await serveMetrics(metricsPort, {
    host: values["metrics-host"],
    gather: async () => ({ flows: [{ flowId, node: os.hostname(), status: engine.status() }] }),
    ready: async () => (stopping ? "stopping" : null),
  });
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sluice: ${signal}, stopping\n`);
    await metrics?.close();
    await engine.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  const t0 = Date.now();
  const rec = engine.controller.recovery;
  process.stderr.write(
    `sluice: running ${file} (${mode}) with data in ${dataDir}; recovered ${rec.flowFiles + rec.swapped} FlowFiles in ${rec.ms} ms\n`,
  );
  await engine.start();
  if (values["exit-when-idle"]) {
    await engine.waitForIdle({ quietMs: idleMs });
    const s = engine.status();
    await engine.shutdown();
    await metrics?.close();
    const summary = s.processors.map((p) => `${p.name}: in=${p.stats.in} out=${p.stats.out}`).join(", ");
    process.stderr.write(`sluice: idle after ${Date.now() - t0} ms; ${summary}\n`);
    return 0;
  }
  await new Promise(() => {});
  return 0;
}

/** `--metrics-port`: undefined when absent; a UsageError unless a port number 0-65535. */
function parseMetricsPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--metrics-port must be a port number, not "${value}"`);
  return port;
}

/**
 * Starts the metrics/health listener (engine/api/metrics.ts) on `port` with SLUICE_METRICS_TOKEN
 * and says on stderr where it listens and whether /metrics is enabled (never the token).
 * Resolves undefined when no port was asked for. A port that cannot be bound is a UsageError.
 */
async function serveMetrics(port: number | undefined, o: Omit<MetricsServerOptions, "token" | "port">): Promise<{ close(): Promise<void> } | undefined> {
  if (port === undefined) return undefined;
  const token = process.env.SLUICE_METRICS_TOKEN || undefined;
  try {
    const server = await startMetricsServer({ ...o, port, token });
    const where = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
    process.stderr.write(
      token
        ? `sluice: metrics at ${where}/metrics (bearer token SLUICE_METRICS_TOKEN), health at ${where}/healthz and /readyz\n`
        : `sluice: /metrics is disabled (SLUICE_METRICS_TOKEN is not set); health at ${where}/healthz and /readyz\n`,
    );
    return server;
  } catch (e) {
    throw new UsageError(`cannot listen on ${o.host ?? "127.0.0.1"}:${port} for metrics: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * `sluice node`: joins the cluster and runs until SIGINT/SIGTERM, then leaves it cleanly
 * (steps down as primary, stops its flows with a checkpoint, removes its heartbeat).
 */
async function runNode(values: {
  redis?: string;
  "data-dir"?: string;
  name?: string;
  cluster?: string;
  "metrics-port"?: string;
  "metrics-host"?: string;
  "shared-content"?: string;
  "inline-max"?: string;
}): Promise<number> {
  const redisUrl = values.redis ?? process.env.SLUICE_REDIS_URL;
  if (!redisUrl) throw new UsageError("--redis <url> (or SLUICE_REDIS_URL) is required");
  if (!values["data-dir"]) throw new UsageError("--data-dir is required");
  const metricsPort = parseMetricsPort(values["metrics-port"]);
  const sharedContentDir = values["shared-content"] ?? (process.env.SLUICE_SHARED_CONTENT_DIR || undefined);
  if (sharedContentDir !== undefined && !fs.existsSync(sharedContentDir)) throw new UsageError(`--shared-content: no directory ${sharedContentDir}`);
  let inlineMax: number | undefined;
  const inlineText = values["inline-max"] ?? (process.env.SLUICE_INLINE_CONTENT_MAX || undefined);
  if (inlineText !== undefined) {
    try {
      inlineMax = parseDataSize(inlineText);
    } catch (e) {
      throw new UsageError(`--inline-max: ${(e as Error).message}`);
    }
  }
  // Loaded here, so `sluice run` and `validate` never load the Redis clients.
  const { startWorkerNode } = await import("../cluster/worker-node");
  const { ClusterSecretError } = await import("../cluster/seal");
  const { NodeIdInUseError } = await import("../cluster/membership");
  let stopping = false;
  let stop: (why: string, code: number) => Promise<void> = async () => {};
  let worker: Awaited<ReturnType<typeof startWorkerNode>>;
  try {
    worker = await startWorkerNode({
      redisUrl,
      secret: process.env.SLUICE_CLUSTER_SECRET,
      dataDir: values["data-dir"],
      name: values.name,
      cluster: values.cluster ?? (process.env.SLUICE_CLUSTER_NAME || undefined),
      onFatal: () => void stop("refused by the cluster", 2),
      sharedContentDir,
      inlineMax,
    });
  } catch (e) {
    if (e instanceof ClusterSecretError || e instanceof NodeIdInUseError || isNodeError(e, "data-dir-locked")) {
      process.stderr.write(`sluice: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const joined = worker;
  const metrics = await serveMetrics(metricsPort, {
    host: values["metrics-host"],
    gather: () => gatherMetrics(joined.node),
    ready: async () => {
      if (stopping) return "leaving the cluster";
      if (!joined.redisReady()) return "Redis is unreachable";
      await joined.node.info();
      return null;
    },
  });
  stop = async (why, code) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sluice: ${why}, leaving the cluster\n`);
    await metrics?.close();
    await worker.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  await new Promise(() => {});
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`sluice: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`sluice: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.SLUICE_DEBUG) console.error(e);
    process.exit(1);
  },
);
