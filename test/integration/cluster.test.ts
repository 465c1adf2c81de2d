/**
 * A cluster on one machine, on the real Redis: the coordinator (ClusterCoordinator) in this
 * process and three `sluice node` processes (the bundled CLI), each with its own data dir. The
 * steps share the cluster and run in order:
 * - three nodes join, one of them primary; a node with the wrong secret is refused and is no
 *   member, and neither is a heartbeat forged without the secret; a missing secret, a locked
 *   data dir and a node name in use each stop `sluice node` with one line and exit code 2;
 * - a deploy to all three: every node runs the revision, the cluster status sums their counters;
 * - a property change reaches every node as a live edit, the other processors keep running;
 * - a revision one node refuses (a PutFile directory outside that node's SLUICE_FILE_ROOTS) is
 *   applied on none, and the error names the node and the reason;
 * - a provenance search finds the events of all three nodes;
 * - `kill -9` of the primary: it shows disconnected and another node is primary within 15 s;
 *   restarted, it catches up to the revision deployed meanwhile and recovers its queue; the
 *   primary-only GenerateFlowFile makes exactly its Total Count across the whole test;
 * - decommission stops a node's flows; a node that leaves cleanly shows disconnected at once
 *   and can be removed.
 * Every wait is for a condition, with a deadline.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument } from "../../engine/api/flow-format";
import type { ClusterMember, FlowStatus } from "../../engine/api/node-api";
import { isNodeError } from "../../engine/api/node-errors";
import { ClusterCoordinator } from "../../engine/cluster/coordinator";
import { ClusterKeys } from "../../engine/cluster/keys";
import { ClusterKey } from "../../engine/cluster/seal";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = `cluster-test-${uniqueId("secret")}`;
const CLUSTER = uniqueId("cluster-test");
const FLOW = "clustered";
/** FlowFiles each node's GenerateFlowFile makes (left queued before a stopped processor). */
const PER_NODE = 20;
/** FlowFiles the primary-only GenerateFlowFile makes in the whole cluster. */
const PRIMARY_TOTAL = 30;

interface NodeProc {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

let base = "";
let cli = "";
let out = "";
let onlyAB = "";
let shared = "";
let coord: ClusterCoordinator;
const procs = new Map<string, NodeProc>();
const children = new Set<ChildProcess>();

function dataDir(name: string): string {
  return path.join(base, `node-${name}`);
}

/**
 * `sluice node` for node `name`; a and b may write to `onlyAB`, c may not. With any option it
 * is a process expected to be refused: `secret` (null: none), another `dir`.
 */
function startNode(name: string, opts: { secret?: string | null; dir?: string } = {}): NodeProc {
  const roots = name === "c" ? out : [out, onlyAB].join(path.delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: opts.secret ?? SECRET, SLUICE_FILE_ROOTS: roots, SLUICE_ENGINE_LOG_LEVEL: "warn" };
  delete env.SLUICE_REDIS_URL;
  if (opts.secret === null) delete env.SLUICE_CLUSTER_SECRET;
  const args = [cli, "node", "--redis", redisUrl(), "--data-dir", opts.dir ?? dataDir(name), "--name", name, "--cluster", CLUSTER, "--shared-content", shared];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  children.add(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const p = { child, stderr: () => err, exited };
  if (Object.keys(opts).length === 0) procs.set(name, p);
  return p;
}

/** Exit code and stderr lines of a process expected to stop on its own. */
async function refused(p: NodeProc): Promise<{ code: number | null | "hung"; lines: string[] }> {
  const code = await Promise.race([p.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000))]);
  return { code, lines: p.stderr().trim().split("\n") };
}

function member(members: ClusterMember[], id: string): ClusterMember | undefined {
  return members.find((m) => m.id === id);
}

function nodeStatus(s: FlowStatus, node: string): FlowStatus {
  const n = s.nodes?.find((x) => x.node === node);
  if (!n) throw new Error(`no status from node ${node}`);
  return n.status;
}

function queued(s: FlowStatus, connectionId: string): number {
  return s.connections.find((c) => c.id === connectionId)?.queued.count ?? -1;
}

function proc(s: FlowStatus, id: string) {
  const p = s.processors.find((x) => x.id === id);
  if (!p) throw new Error(`no processor ${id}`);
  return p;
}

function outFiles(): number {
  return fs.readdirSync(out).filter((f) => f.endsWith(".txt")).length;
}

/**
 * gen (every node, Total Count PER_NODE) → upd (UpdateAttribute stage) → hold (stopped, so
 * each node keeps PER_NODE queued); pgen (primary only, Total Count PRIMARY_TOTAL) → put.
 */
function flow(opts: { stage: string; putDir?: string; pgen: "running" | "stopped" }): FlowDocument {
  return {
    sluice: 1,
    id: FLOW,
    name: "cluster test",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "1", totalCount: String(PER_NODE), customText: "g" }, scheduling: { runSchedule: "50 ms" }, state: "running" },
      { id: "upd", type: "UpdateAttribute", properties: { stage: opts.stage }, state: "running" },
      { id: "hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
      {
        id: "pgen",
        type: "GenerateFlowFile",
        properties: { batchSize: "1", totalCount: String(PRIMARY_TOTAL), customText: "p" },
        scheduling: { runSchedule: "400 ms", executionNode: "primary" },
        state: opts.pgen,
      },
      { id: "put", type: "PutFile", properties: { directory: opts.putDir ?? out, fileName: "${uuid}.txt", conflictResolution: "fail" }, autoTerminate: ["success", "failure"], state: "running" },
    ],
    connections: [
      { id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd" },
      { id: "upd-hold", source: "upd", relationships: ["success"], destination: "hold" },
      { id: "pgen-put", source: "pgen", relationships: ["success"], destination: "put" },
    ],
  } as unknown as FlowDocument;
}

let revision = 0;

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-"));
  out = path.join(base, "out");
  onlyAB = path.join(base, "only-ab");
  shared = path.join(base, "shared");
  fs.mkdirSync(out);
  fs.mkdirSync(onlyAB);
  fs.mkdirSync(shared);
  const built = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"],
    { cwd: ROOT, encoding: "utf8" },
  );
  cli = path.join(built.trim(), "sluice.js");
  coord = await ClusterCoordinator.connect({ redisUrl: redisUrl(), secret: SECRET, cluster: CLUSTER, log: () => {} });
  for (const name of ["a", "b", "c"]) startNode(name);
}, 120_000);

afterAll(async () => {
  const left = [...children];
  for (const c of left) c.kill("SIGKILL");
  await Promise.all(left.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
  await coord?.close();
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    await redis.quit();
  }
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe("cluster: coordinator and three sluice node processes", () => {
  it("three nodes join, and one of them is primary", async () => {
    const members = await until(
      () => `three connected nodes; stderr: ${[...procs].map(([n, p]) => `${n}: ${p.stderr()}`).join(" | ")}`,
      60_000,
      async () => {
        const m = await coord.members();
        return m.filter((x) => x.state === "connected").length === 3 && m.filter((x) => x.primary).length === 1 && m;
      },
    );
    expect(members.map((m) => m.id)).toEqual(["a", "b", "c"]);
    for (const m of members) {
      expect(m.pid).toBe(procs.get(m.id)!.child.pid);
      expect(m.heartbeatAgeMs).toBeLessThan(15_000);
      expect(m.dataDir).toBe(dataDir(m.id));
    }
  });

  it("refuses a node with the wrong secret, and a heartbeat forged without the secret", async () => {
    expect(await refused(startNode("rogue", { secret: "not-the-cluster-secret-at-all" }))).toEqual({
      code: 2,
      lines: [expect.stringContaining("SLUICE_CLUSTER_SECRET differs from the secret of cluster")],
    });

    const keys = new ClusterKeys(CLUSTER);
    const forged = new ClusterKey("another-secret-of-16-chars-or-more").seal("heartbeat", { id: "forged", host: "x", pid: 1, startedAt: 0, dataDir: "/x", at: Date.now(), flows: [], queued: { count: 0, bytes: 0 }, cpuPercent: 0, heap: { usedBytes: 0, totalBytes: 0 } });
    const redis = testRedis();
    try {
      await redis.multi().set(keys.node("forged"), forged, "PX", 60_000).hset(keys.members, "forged", forged).exec();
      const ids = (await coord.members()).map((m) => m.id);
      expect(ids).toEqual(["a", "b", "c"]);
    } finally {
      await redis.multi().del(keys.node("forged")).hdel(keys.members, "forged").exec();
      await redis.quit();
    }
  });

  it("stops `sluice node` with one line and exit 2 without a secret, on a locked data dir, or with a name in use", async () => {
    expect(await refused(startNode("nosecret", { secret: null }))).toEqual({ code: 2, lines: ["sluice: SLUICE_CLUSTER_SECRET is not set; every node and the coordinator need the same cluster secret"] });
    const holder = procs.get("a")!.child.pid;
    expect(await refused(startNode("a2", { dir: dataDir("a") }))).toEqual({
      code: 2,
      lines: [`sluice: data dir ${dataDir("a")} is in use by pid ${holder} (a sluice run, sluice node or app server); stop it or use another data dir`],
    });
    expect(await refused(startNode("b", { dir: path.join(base, "elsewhere") }))).toEqual({
      code: 2,
      lines: [expect.stringMatching(/^sluice: node id "b" is in use by pid \d+ on .* \(data dir .*node-b\); give this node another --name$/)],
    });
    expect((await coord.members()).map((m) => [m.id, m.state])).toEqual([
      ["a", "connected"],
      ["b", "connected"],
      ["c", "connected"],
    ]);
  });

  it("deploys a flow to all three: every node reports the revision, and the cluster status sums their counters", async () => {
    revision = 1;
    const r = await coord.deploy({ flowId: FLOW, revision, snapshot: flow({ stage: "v1", pgen: "stopped" }) });
    expect(r.nodes!.map((n) => [n.node, n.result.outcome, n.result.revision])).toEqual([
      ["a", "opened", 1],
      ["b", "opened", 1],
      ["c", "opened", 1],
    ]);
    const s = await until(
      () => "every node to queue its FlowFiles before the stopped processor",
      60_000,
      async () => {
        const st = await coord.status(FLOW);
        return st.nodes?.length === 3 && st.nodes.every((n) => queued(n.status, "upd-hold") === PER_NODE) && st;
      },
    );
    expect(s.revision).toBe(1);
    expect(s.nodes!.map((n) => n.status.revision)).toEqual([1, 1, 1]);
    const perNode = s.nodes!.map((n) => proc(n.status, "gen").stats.out);
    expect(perNode).toEqual([PER_NODE, PER_NODE, PER_NODE]);
    expect(proc(s, "gen").stats.out).toBe(3 * PER_NODE);
    expect(proc(s, "upd").stats.in).toBe(s.nodes!.reduce((n, x) => n + proc(x.status, "upd").stats.in, 0));
    expect(queued(s, "upd-hold")).toBe(3 * PER_NODE);
    // The members' heartbeats report the revision too (within a heartbeat).
    await until(
      () => "every member's heartbeat to list the flow at revision 1",
      15_000,
      async () => (await coord.members()).every((m) => m.flows.some((f) => f.flowId === FLOW && f.revision === 1)),
    );
  });

  it("a property change reaches every node as a live edit, and the other processors keep running", async () => {
    revision = 2;
    const r = await coord.deploy({ flowId: FLOW, revision, snapshot: flow({ stage: "v2", pgen: "stopped" }) });
    expect(r.outcome).toBe("applied");
    for (const n of r.nodes!) {
      expect(n.result.outcome).toBe("applied");
      expect(n.result.changes?.restarted).toEqual(["upd"]);
    }
    const s = await coord.status(FLOW);
    for (const node of ["a", "b", "c"]) {
      const ns = nodeStatus(s, node);
      expect(ns.revision).toBe(2);
      for (const id of ["gen", "upd", "put"]) expect(proc(ns, id).state).toBe("running");
      // Queues and counters survive a live edit.
      expect(queued(ns, "upd-hold")).toBe(PER_NODE);
      expect(proc(ns, "gen").stats.out).toBe(PER_NODE);
    }
  });

  it("a revision one node refuses is applied on none, and the error names the node and the reason", async () => {
    const refused = flow({ stage: "v2", putDir: onlyAB, pgen: "stopped" });
    const err = await coord.deploy({ flowId: FLOW, revision: 3, snapshot: refused }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isNodeError(err, "invalid-flow"), String(err)).toBe(true);
    const e = err as { message: string; details: { nodes: Array<{ node: string; code: string; message: string }>; problems: Array<{ path: string; message: string }> } };
    expect(e.message).toContain("refused by node c");
    expect(e.details.nodes).toEqual([{ node: "c", code: "invalid-flow", message: expect.stringContaining("outside the file roots") }]);
    expect(e.details.problems).toEqual([{ path: "processors[4].properties.directory", message: expect.stringContaining("(on c)") }]);
    // Phase one alone says the same, and nothing changed anywhere.
    await expect(coord.checkDeploy({ flowId: FLOW, revision: 3, snapshot: refused })).rejects.toThrow(/refused by node c/);
    const s = await coord.status(FLOW);
    expect(s.nodes!.map((n) => n.status.revision)).toEqual([2, 2, 2]);
    expect((await coord.deployments()).find((d) => d.flowId === FLOW)?.revision).toBe(2);
  });

  it("a provenance search finds events from all three nodes", async () => {
    const { events, unavailable } = await coord.provenanceSearch(FLOW, { componentId: "gen", type: "CREATE", limit: 1000 });
    expect(unavailable).toEqual([]);
    expect(events).toHaveLength(3 * PER_NODE);
    expect(new Set(events.map((e) => e.node))).toEqual(new Set(["a", "b", "c"]));
    for (let i = 1; i < events.length; i++) expect(events[i - 1]!.timestamp).toBeGreaterThanOrEqual(events[i]!.timestamp);
    // A cluster event id leads back to the node holding the event, its content included.
    const pick = events.find((e) => e.node === "b")!;
    const again = await coord.provenanceEvent(FLOW, pick.eventId);
    expect([again.node, again.flowFileUuid]).toEqual(["b", pick.flowFileUuid]);
    expect(Buffer.from(await coord.provenanceContent(FLOW, pick.eventId, "output")).toString()).toBe("g");
    const lineage = await coord.lineage(FLOW, pick.flowFileUuid);
    expect(lineage.events.every((e) => e.node === "b")).toBe(true);
    expect(lineage.events.map((e) => e.type)).toContain("CREATE");
  });

  it("lineage follows a FlowFile across nodes through a distributed connection (SEND on one, RECEIVE on another)", async () => {
    const hop = {
      sluice: 1,
      id: "hop",
      name: "hop",
      processors: [
        { id: "src", type: "GenerateFlowFile", properties: { batchSize: "1", totalCount: "30", customText: "h" }, scheduling: { runSchedule: "50 ms", executionNode: "primary" }, state: "running" },
        { id: "tag", type: "UpdateAttribute", properties: { hopped: "yes" }, autoTerminate: ["success"], state: "running" },
      ],
      connections: [{ id: "src-tag", source: "src", relationships: ["success"], destination: "tag", loadBalance: { strategy: "round-robin" } }],
    } as unknown as FlowDocument;
    await coord.deploy({ flowId: "hop", revision: 1, snapshot: hop });
    // A FlowFile created on one node and taken by another.
    const crossed = await until(
      () => "a FlowFile received on another node than the one that sent it",
      60_000,
      async () => {
        const { events } = await coord.provenanceSearch("hop", { type: "RECEIVE", limit: 100 });
        return events.find((e) => !new RegExp(`from node ${e.node} `).test(e.details ?? ""));
      },
    );
    const lineage = await coord.lineage("hop", crossed.flowFileUuid);
    const byType = new Map(lineage.events.map((e) => [e.type, e.node]));
    expect(byType.get("CREATE")).toBeDefined();
    expect(byType.get("SEND")).toBe(byType.get("CREATE"));
    expect(byType.get("RECEIVE")).toBe(crossed.node);
    expect(byType.get("RECEIVE")).not.toBe(byType.get("SEND"));
    expect(new Set(lineage.events.map((e) => e.node)).size).toBe(2);
    await coord.undeploy("hop", { removeData: true });
  });

  it("kill -9 of the primary: disconnected and a new primary within 15 s; restarted, it catches up and recovers its queue; the primary-only generator makes exactly its total", async () => {
    revision = 3;
    await coord.deploy({ flowId: FLOW, revision, snapshot: flow({ stage: "v3", pgen: "running" }) });
    await until(() => `the primary to write files (${outFiles()} so far)`, 30_000, () => outFiles() >= 5);
    const before = await coord.members();
    const primary = before.find((m) => m.primary)!.id;
    const killedAt = Date.now();
    procs.get(primary)!.child.kill("SIGKILL");
    await procs.get(primary)!.exited;

    const after = await until(
      () => `${primary} to show disconnected and another node to be primary`,
      20_000,
      async () => {
        const m = await coord.members();
        return member(m, primary)?.state === "disconnected" && m.some((x) => x.primary && x.id !== primary) && m;
      },
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(15_000);
    const newPrimary = after.find((m) => m.primary)!.id;

    // A revision deployed while the node is down reaches the two others now, and it later.
    revision = 4;
    const r = await coord.deploy({ flowId: FLOW, revision, snapshot: flow({ stage: "v4", pgen: "running" }) });
    expect(r.nodes!.map((n) => n.node).sort()).toEqual(["a", "b", "c"].filter((n) => n !== primary));

    startNode(primary);
    const s = await until(
      () => `${primary} to reconnect at revision 4 with its queue; stderr: ${procs.get(primary)!.stderr()}`,
      60_000,
      async () => {
        const st = await coord.status(FLOW);
        const mine = st.nodes?.find((n) => n.node === primary)?.status;
        return mine && mine.revision === 4 && queued(mine, "upd-hold") === PER_NODE && st;
      },
    );
    expect(s.nodes!.map((n) => n.status.revision)).toEqual([4, 4, 4]);
    expect(member(await coord.members(), primary)?.state).toBe("connected");
    // The restarted node is no primary: its primary-only processor waits.
    expect(nodeStatus(s, primary).standby).toEqual(["pgen"]);

    // Exactly PRIMARY_TOTAL files: the old primary's queued ones (written after its restart)
    // plus the new primary's, which went on from the old one's count.
    await until(
      () => `${PRIMARY_TOTAL} files (${outFiles()} so far)`,
      60_000,
      async () => outFiles() >= PRIMARY_TOTAL && queued(await coord.status(FLOW), "pgen-put") === 0,
    );
    const tasks = proc(nodeStatus(await coord.status(FLOW), newPrimary), "pgen").stats.tasks;
    await until(
      () => "the new primary's generator to be triggered again after its total",
      30_000,
      async () => proc(nodeStatus(await coord.status(FLOW), newPrimary), "pgen").stats.tasks >= tasks + 3,
    );
    expect(outFiles()).toBe(PRIMARY_TOTAL);
    const created = await coord.provenanceSearch(FLOW, { componentId: "pgen", type: "CREATE", limit: 1000 });
    expect(created.events).toHaveLength(PRIMARY_TOTAL);
  });

  it("decommission stops a node's flows; a node that leaves cleanly shows disconnected at once and can be removed", async () => {
    await coord.decommission("c");
    await until(
      () => "c to undeploy its flows",
      20_000,
      async () => {
        const m = member(await coord.members(), "c");
        return m?.state === "decommissioned" && m.alive && m.flows.length === 0;
      },
    );
    expect((await coord.status(FLOW)).nodes!.map((n) => n.node)).toEqual(["a", "b"]);
    await coord.recommission("c");
    await until(
      () => "c to run the flow again",
      20_000,
      async () => (await coord.status(FLOW)).nodes?.some((n) => n.node === "c" && n.status.revision === revision),
    );

    await expect(coord.removeNode("c")).rejects.toThrow(/connected/);
    procs.get("c")!.child.kill("SIGTERM");
    expect(await procs.get("c")!.exited).toBe(0);
    expect(member(await coord.members(), "c")?.state).toBe("disconnected");
    await coord.removeNode("c");
    expect((await coord.members()).map((m) => m.id)).toEqual(["a", "b"]);
  });
});
