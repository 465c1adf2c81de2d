/**
 * cluster-status: how fast the designer's status call is for a big flow on a cluster. Starts
 * three `sluice node` processes (the bundled CLI beside this file) on Redis, a
 * ClusterCoordinator in this process, deploys a running flow of 300 processors to all of them
 * (see benchFlow), waits until every node answers for it, then times
 * `coordinator.status(flowId)` (the fan-out to every node over Redis and the merge) one call
 * after another.
 *
 * Prints exactly one line on stdout: `cluster-status nodes=<n> processors=<p> status_ms_p95=<t>`
 * (p95 over the measured calls; progress goes to stderr).
 * Options: --redis <url> (default SLUICE_REDIS_URL, else redis://127.0.0.1:6379),
 * --n <calls> (default 200), --nodes <n> (default 3).
 * Target: status_ms_p95 < 250. The cluster's keys (a fresh namespace) are deleted at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { FlowDocument } from "../engine/api/flow-format";
import { ClusterCoordinator } from "../engine/cluster/coordinator";

const CHAINS = 30;
const PER_CHAIN = 10;
const FLOW = "cluster-status";

/**
 * The benchmark flow: 30 chains of GenerateFlowFile (one FlowFile a second) → 9 ×
 * UpdateAttribute, the last one auto-terminating, so the load stays steady (no cycle where
 * FlowFiles pile up): 300 running processors, 270 connections.
 */
function benchFlow(): FlowDocument {
  const processors: Array<Record<string, unknown>> = [];
  const connections: Array<Record<string, unknown>> = [];
  const id = (c: number, j: number) => `p-${c}-${j}`;
  for (let c = 0; c < CHAINS; c++) {
    for (let j = 0; j < PER_CHAIN; j++) {
      const gen = j === 0;
      processors.push({
        id: id(c, j),
        name: gen ? `Generate ${c}` : `Update ${c}.${j}`,
        type: gen ? "GenerateFlowFile" : "UpdateAttribute",
        properties: gen ? { customText: `chain ${c}`, batchSize: "1" } : { step: String(j) },
        ...(gen ? { scheduling: { runSchedule: "1 sec" } } : {}),
        ...(j === PER_CHAIN - 1 ? { autoTerminate: ["success"] } : {}),
        state: "running",
      });
      if (j > 0) connections.push({ id: `c-${c}-${j}`, source: id(c, j - 1), destination: id(c, j), relationships: ["success"] });
    }
  }
  return { sluice: 1, id: FLOW, name: "cluster-status", processors, connections } as unknown as FlowDocument;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | false | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { redis: { type: "string" }, n: { type: "string", default: "200" }, nodes: { type: "string", default: "3" } },
  });
  const redisUrl = values.redis ?? process.env.SLUICE_REDIS_URL ?? "redis://127.0.0.1:6379";
  const calls = Math.max(1, Number(values.n));
  const nodeCount = Math.max(1, Number(values.nodes));
  const secret = randomBytes(24).toString("hex");
  const cluster = `bench-${randomBytes(4).toString("hex")}`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-status-"));
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "sluice.js");
  const children: ChildProcess[] = [];
  let coord: ClusterCoordinator | undefined;
  try {
    coord = await ClusterCoordinator.connect({ redisUrl, secret, cluster, log: (l) => process.stderr.write(`coordinator: ${l}\n`) });
    const names = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
    for (const name of names) {
      const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: secret, SLUICE_ENGINE_LOG_LEVEL: "warn", SLUICE_LOG_LEVEL: "warn" };
      delete env.SLUICE_REDIS_URL;
      const child = spawn(process.execPath, [cli, "node", "--redis", redisUrl, "--data-dir", path.join(base, name), "--name", name, "--cluster", cluster], {
        stdio: ["ignore", "ignore", "inherit"],
        env,
      });
      children.push(child);
    }
    const c = coord;
    await until(`${nodeCount} connected nodes`, 60_000, async () => (await c.members()).filter((m) => m.state === "connected").length === nodeCount);
    const flow = benchFlow();
    await c.deploy({ flowId: FLOW, revision: 1, snapshot: flow, targets: "all" });
    await until(`status from every node`, 60_000, async () => (await c.status(FLOW)).nodes?.length === nodeCount);
    process.stderr.write(`cluster-status: ${nodeCount} nodes run ${flow.processors.length} processors each; timing ${calls} status calls\n`);
    for (let i = 0; i < 10; i++) await c.status(FLOW);
    const ms: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const s = await c.status(FLOW);
      ms.push(performance.now() - t0);
      if (s.nodes?.length !== nodeCount) throw new Error(`status ${i} merged ${s.nodes?.length ?? 0} nodes, not ${nodeCount}: ${JSON.stringify(s.unavailable)}`);
    }
    ms.sort((a, b) => a - b);
    const p95 = ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]!;
    process.stderr.write(`cluster-status: p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms\n`);
    process.stdout.write(`cluster-status nodes=${nodeCount} processors=${flow.processors.length} status_ms_p95=${p95.toFixed(1)}\n`);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((ch) => (ch.exitCode !== null || ch.signalCode !== null ? undefined : new Promise((r) => ch.once("exit", r)))));
    await coord?.close();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${cluster}:*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== "0");
    } finally {
      await redis.quit();
    }
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`cluster-status: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
