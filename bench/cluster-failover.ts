/**
 * cluster-failover: does a node's death strand or lose FlowFiles on distributed connections?
 *
 * Three `sluice node` processes on Redis (one shared content dir), a ClusterCoordinator in this
 * process, and the flow
 *
 *   gen  (GenerateFlowFile, primary only, Total Count N − big, 1 KB, 1,000 per trigger) ─┐ round-robin
 *   big  (GenerateFlowFile, primary only, Total Count big, 1 MB, one per 100 ms)         ─┴→ upd (UpdateAttribute)
 *   upd ─round-robin→ sink (PutFile `${uuid}` into out/, conflict "fail")
 *   sink ─failure→ dups (PutFile `${uuid}.${UUID()}` into dups/; its failure loops to itself)
 *
 * so every delivery leaves a file whose name starts with the FlowFile's uuid: out/ holds the
 * first delivery of each, dups/ every further one. 1 MB content is above the nodes' inline
 * maximum (256 KB), so it crosses through the shared content dir.
 *
 * When about half of N are in out/, a node that is not the primary (so both generators keep
 * running) is killed with SIGKILL. Then:
 * - resume_s: seconds from the kill until every batch that was being processed at the kill
 *   (BullMQ's active list of each distributed connection, snapshot once the process is gone:
 *   the dead node's batches, and the live nodes' which finish at once) was finished or
 *   dead-lettered: the dead node's batches were taken over and processed elsewhere.
 * - Drain: the live nodes work until the distributed queues hold no batch, no live node has a
 *   FlowFile queued, and no file arrived for 5 s. `delivered` = distinct uuids at that point.
 * - The killed node is restarted on the same data dir and everything drains again.
 *   stranded = distinct uuids that arrived only after the restart (work that waited for the
 *   dead node); lost = N − distinct uuids at the end (negative when the generators made more
 *   than N: when the primary lease moves while they run, the new primary can repeat the old
 *   one's last trigger; primary_changes on stderr); duplicates = deliveries − distinct. On
 *   stderr also the cluster-wide size each connection's back pressure reads once all is
 *   drained (should be 0).
 *
 * Prints one line: `cluster-failover nodes=3 N=<n> lost=<l> duplicates=<d> resume_s=<r> stranded=<s>`
 * (progress and details on stderr). Targets: lost=0, stranded=0, resume_s ≤ 30.
 * Options: --redis <url> (default SLUICE_REDIS_URL, else redis://127.0.0.1:6379), --n (100000),
 * --big (100), --nodes (3), --kill-at (fraction of N delivered, 0.5). The cluster's keys (a fresh
 * namespace) and the temporary dirs are deleted at the end.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { FlowDocument } from "../engine/api/flow-format";
import type { FlowStatus } from "../engine/api/node-api";
import { ClusterCoordinator } from "../engine/cluster/coordinator";
import { deleteClusterKeys, DistributedInspector, inspectorRedis, isPending, primaryTerms } from "../engine/cluster/inspect";
import type { DistributedConnectionRef } from "../engine/queue/distributed-queue";
import { startNode, stopNodes, waitFor, type NodeProcess, type NodeSpec } from "./lib/cluster-node";

const FLOW = "failover";
/** The distributed connections of the flow. */
const DISTRIBUTED = ["gen-upd", "big-upd", "upd-sink"] as const;
/** No file arrived for this long (and nothing is queued anywhere): drained. */
const QUIET_MS = 5_000;

function benchFlow(n: number, big: number, out: string, dups: string): FlowDocument {
  const rr = { strategy: "round-robin" };
  return {
    sluice: 1,
    id: FLOW,
    name: "cluster-failover",
    processors: [
      {
        id: "gen",
        type: "GenerateFlowFile",
        properties: { fileSize: "1 KB", batchSize: "1000", totalCount: String(n - big) },
        scheduling: { runSchedule: "0 sec", executionNode: "primary" },
        state: "running",
      },
      {
        id: "big",
        type: "GenerateFlowFile",
        properties: { fileSize: "1 MB", batchSize: "1", totalCount: String(big) },
        scheduling: { runSchedule: "100 ms", executionNode: "primary" },
        state: "running",
      },
      { id: "upd", type: "UpdateAttribute", properties: { hop: "upd" }, scheduling: { batchSize: 1000 }, state: "running" },
      {
        id: "sink",
        type: "PutFile",
        properties: { directory: out, conflictResolution: "fail", fileName: "${uuid}" },
        // A conflict is a duplicate delivery: off to `dups` at once, not after a penalty.
        scheduling: { batchSize: 1000, penaltyDuration: "0 sec" },
        autoTerminate: ["success"],
        state: "running",
      },
      {
        id: "dups",
        type: "PutFile",
        properties: { directory: dups, conflictResolution: "fail", fileName: "${uuid}.${UUID()}" },
        scheduling: { batchSize: 1000, penaltyDuration: "1 sec" },
        autoTerminate: ["success"],
        state: "running",
      },
    ],
    connections: [
      { id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd", loadBalance: rr },
      { id: "big-upd", source: "big", relationships: ["success"], destination: "upd", loadBalance: rr },
      { id: "upd-sink", source: "upd", relationships: ["success"], destination: "sink", loadBalance: rr },
      { id: "sink-dups", source: "sink", relationships: ["failure"], destination: "dups" },
      { id: "dups-retry", source: "dups", relationships: ["failure"], destination: "dups" },
    ],
  } as unknown as FlowDocument;
}

/** Every delivery so far: uuid → how many times. Temporary files (".name.uuid.tmp") are not deliveries. */
function deliveries(out: string, dups: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const dir of [out, dups]) {
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(".")) continue;
      const uuid = f.split(".")[0]!;
      seen.set(uuid, (seen.get(uuid) ?? 0) + 1);
    }
  }
  return seen;
}

function firstDeliveries(out: string): number {
  let n = 0;
  for (const f of fs.readdirSync(out)) if (!f.startsWith(".")) n++;
  return n;
}

function totalOf(seen: Map<string, number>): number {
  let n = 0;
  for (const c of seen.values()) n += c;
  return n;
}

/** FlowFiles queued on the nodes that answered (local parts and batches they hold). */
function queuedOnNodes(s: FlowStatus): number {
  let n = 0;
  for (const part of s.nodes ?? []) for (const c of part.status.connections) n += c.queued.count;
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: "string" },
      n: { type: "string", default: "100000" },
      big: { type: "string", default: "100" },
      nodes: { type: "string", default: "3" },
      "kill-at": { type: "string", default: "0.5" },
    },
  });
  const redisUrl = values.redis ?? process.env.SLUICE_REDIS_URL ?? "redis://127.0.0.1:6379";
  const n = Number(values.n);
  const big = Number(values.big);
  const nodeCount = Math.max(2, Number(values.nodes));
  const killAt = Number(values["kill-at"]);
  const secret = randomBytes(24).toString("hex");
  const cluster = `bench-failover-${randomBytes(4).toString("hex")}`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-failover-"));
  const shared = path.join(base, "shared");
  const out = path.join(base, "out");
  const dups = path.join(base, "dups");
  for (const d of [shared, out, dups]) fs.mkdirSync(d);
  const log = (line: string) => process.stderr.write(`cluster-failover: ${line}\n`);
  const redis = inspectorRedis(redisUrl);
  const inspector = new DistributedInspector(redis, cluster);
  const refs: DistributedConnectionRef[] = DISTRIBUTED.map((connectionId) => ({ flowId: FLOW, connectionId, strategy: "round-robin" }));
  const procs = new Map<string, NodeProcess>();
  let coord: ClusterCoordinator | undefined;
  const load0 = os.loadavg()[0]!;
  try {
    coord = await ClusterCoordinator.connect({ redisUrl, secret, cluster, callTimeoutMs: 3_000, log: (l) => log(`coordinator: ${l}`) });
    const c = coord;
    const spec = (name: string): NodeSpec => ({ name, redisUrl, cluster, secret, dataDir: path.join(base, name), sharedContent: shared, fileRoots: base });
    const names = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
    for (const name of names) procs.set(name, startNode(spec(name)));
    await waitFor(() => `${nodeCount} connected nodes and a primary`, 60_000, async () => {
      const m = await c.members();
      return m.filter((x) => x.state === "connected").length === nodeCount && m.some((x) => x.primary);
    });
    await c.deploy({ flowId: FLOW, revision: 1, snapshot: benchFlow(n, big, out, dups), targets: "all" });
    const t0 = Date.now();
    log(`deployed to ${nodeCount} nodes; N=${n} (${big} of 1 MB); killing a non-primary node at ${Math.round(n * killAt)} delivered`);

    const victimName = await waitFor(() => `${Math.round(n * killAt)} deliveries (${firstDeliveries(out)} so far)`, 600_000, async () => {
      if (firstDeliveries(out) < n * killAt) return false;
      const m = await c.members();
      return m.find((x) => !x.primary && x.state === "connected")?.id;
    });
    const victim = procs.get(victimName)!;
    const killedAt = Date.now();
    victim.child.kill("SIGKILL");
    await victim.exited;
    const atKill = firstDeliveries(out);
    // The dead node's batches stay active until their lock expires and a stall check returns them.
    const held = new Map<DistributedConnectionRef, string[]>();
    for (const ref of refs) held.set(ref, await inspector.activeBatchIds(ref));
    const heldCount = [...held.values()].reduce((s, ids) => s + ids.length, 0);
    log(`killed ${victimName} (pid ${victim.child.pid}) at ${atKill} delivered, ${((killedAt - t0) / 1000).toFixed(1)} s after deploy; ${heldCount} batches active at the kill`);

    // When each of them was finished (or dead-lettered): the live nodes' at once, the dead node's
    // after its locks expired and a stall check gave them to another node.
    const finishedAfter = new Map<string, number>();
    let deadLettered = 0;
    await waitFor(() => "the batches active at the kill to be processed elsewhere", 300_000, async () => {
      let pending = 0;
      for (const [ref, ids] of held) {
        for (const [id, state] of await inspector.batchStates(ref, ids)) {
          if (isPending(state)) pending++;
          else if (!finishedAfter.has(`${ref.connectionId}/${id}`)) {
            finishedAfter.set(`${ref.connectionId}/${id}`, (Date.now() - killedAt) / 1000);
            if (state === "failed") deadLettered++;
          }
        }
      }
      return pending === 0;
    }, 100);
    const resumeS = (Date.now() - killedAt) / 1000;
    const times = [...finishedAfter.values()].sort((a, b) => a - b).map((t) => t.toFixed(1));
    log(`resume_s=${resumeS.toFixed(1)}; batches active at the kill finished after [${times.join(", ")}] s${deadLettered > 0 ? ` (${deadLettered} of them dead-lettered)` : ""}`);

    const drain = async (phase: string, live: () => number): Promise<Map<string, number>> => {
      let last = -1;
      let quietSince = Date.now();
      await waitFor(() => `the cluster to drain (${phase}; ${last} deliveries so far)`, 900_000, async () => {
        const seen = deliveries(out, dups);
        const total = totalOf(seen);
        if (total !== last) {
          last = total;
          quietSince = Date.now();
          return false;
        }
        if (Date.now() - quietSince < QUIET_MS) return false;
        for (const ref of refs) if ((await inspector.pendingCount(ref)) > 0) return false;
        const s = await c.status(FLOW);
        return (s.nodes?.length ?? 0) >= live() && queuedOnNodes(s) === 0;
      }, 1_000);
      return deliveries(out, dups);
    };

    const before = await drain("live nodes", () => nodeCount - 1);
    const delivered = before.size;
    log(`live nodes drained ${((Date.now() - t0) / 1000).toFixed(1)} s after deploy: delivered=${delivered} deliveries=${totalOf(before)}`);

    const restartedAt = Date.now();
    procs.set(victimName, startNode(spec(victimName)));
    await waitFor(() => `${victimName} to rejoin and run the flow`, 120_000, async () => {
      const m = (await c.members()).find((x) => x.id === victimName);
      return m?.state === "connected" && m.flows.some((f) => f.flowId === FLOW && f.running);
    });
    const after = await drain("after the restart", () => nodeCount);
    log(`drained again ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart: distinct=${after.size} deliveries=${totalOf(after)}`);

    let stranded = 0;
    for (const uuid of after.keys()) if (!before.has(uuid)) stranded++;
    const lost = n - after.size;
    const duplicates = totalOf(after) - after.size;
    const dupsAfterRestart = totalOf(after) - totalOf(before) - stranded;
    let deadLetters = 0;
    const sizes: string[] = [];
    for (const ref of refs) {
      deadLetters += (await inspector.counts(ref)).failed;
      sizes.push(`${ref.connectionId}:${(await inspector.clusterSize(ref)).count}`);
    }
    // Primary-only state follows the lease at least once: a node that loses the lease while its
    // generators run (a starved event loop misses renewals) has its last trigger's progress
    // refused, and the next primary makes that trigger's FlowFiles again.
    const primaryChanges = (await primaryTerms(redis, cluster)) - 1;
    log(
      `details: delivered_before_restart=${delivered} primary_changes=${primaryChanges} duplicates_after_restart=${dupsAfterRestart} dead_lettered_batches=${deadLetters}` +
        `${after.size > n ? ` extra_uuids=${after.size - n} (more FlowFiles than N; see primary_changes)` : ""}` +
        ` cluster_size_after_drain=${sizes.join(",")} load_avg_1m=${load0.toFixed(1)}→${os.loadavg()[0]!.toFixed(1)}`,
    );
    process.stdout.write(`cluster-failover nodes=${nodeCount} N=${n} lost=${lost} duplicates=${duplicates} resume_s=${resumeS.toFixed(1)} stranded=${stranded}\n`);
  } finally {
    await stopNodes(procs.values());
    await coord?.close();
    await inspector.close();
    try {
      await deleteClusterKeys(redis, cluster);
    } finally {
      await redis.quit();
    }
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`cluster-failover: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
