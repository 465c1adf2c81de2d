/**
 * Cluster mode in the browser: a `next start` with SLUICE_REDIS_URL (the designer is the
 * cluster coordinator) and three `sluice node` processes (the bundled CLI), on the real Redis
 * (SLUICE_TEST_REDIS, default redis://127.0.0.1:6379), under a cluster name of their own and
 * with their own data dirs and port, so nothing else of the e2e tier sees them. First, on the
 * tier's own server (no cluster mode), the Cluster page shows the one local node. Then, in order:
 * - the header links to the Cluster page, which lists three connected nodes, one primary;
 * - a flow imported and its generator started through the API: the canvas counters are the cluster totals,
 *   equal to the sum of the nodes' own figures (status.nodes from the live stream, queued counts
 *   from GET /api/node), and the counters' hover shows the per-node breakdown;
 * - the scheduling form's Execution choice (All nodes / Primary node) is saved to the flow;
 * - removing a connected node is refused with 409 and says why;
 * - after `kill -9` of one node the page shows it disconnected, and Remove takes it away.
 * Every wait is for a condition, with a deadline. afterAll ends every process and deletes the
 * cluster's Redis keys, whatever failed.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { NodeInfo } from "../../app/lib/engine-client";
import { deleteKeysWithPrefix } from "../integration/helpers/redis";
import { prepareDataDir, spawnGuarded, startApp, type AppServer } from "./global-setup";
import { ApiSession, applyConfig, launchBrowser, openConfig, processorNode, queuedCount, signedInPage, statNumber, StatusStream, waitSaved } from "./helpers";

const ROOT = path.resolve(import.meta.dirname, "../..");
const REDIS_URL = process.env.SLUICE_TEST_REDIS ?? "redis://127.0.0.1:6379";
const CLUSTER = `e2e-cluster-${randomBytes(5).toString("hex")}`;
const SECRET = `e2e-cluster-secret-${randomBytes(12).toString("hex")}`;
const NODES = ["n1", "n2", "n3"] as const;
/** FlowFiles each node's GenerateFlowFile makes (Total Count); they stay queued before a stopped processor. */
const PER_NODE = 4;

type Member = NonNullable<NodeInfo["cluster"]>["members"][number];

interface NodeProc {
  guard: ChildProcess;
  output: () => string;
}

const base = mkdtempSync(path.join(tmpdir(), "sluice-e2e-cluster-"));
const nodes = new Map<string, NodeProc>();
let app: AppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let session: ApiSession;
let cli = "";
/** The flow the canvas steps import. */
let flowId = "";

/** GenerateFlowFile (every node, Total Count PER_NODE) → LogAttribute (never started: the queue holds them). */
const flow = {
  sluice: 1,
  id: "cluster-e2e",
  name: "Cluster e2e",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "1", totalCount: String(PER_NODE), customText: "c" }, scheduling: { runSchedule: "100 ms" }, state: "stopped", position: { x: 0, y: 0 } },
    { id: "hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 250 } },
  ],
  connections: [{ id: "gen-hold", source: "gen", relationships: ["success"], destination: "hold" }],
};

/** Starts `sluice node` `name` under the server guard (its own process group). */
function startNode(name: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: SECRET, SLUICE_ENGINE_LOG_LEVEL: "warn" };
  delete env.SLUICE_REDIS_URL;
  const guard = spawnGuarded([cli, "node", "--redis", REDIS_URL, "--data-dir", path.join(base, `node-${name}`), "--name", name, "--cluster", CLUSTER], { cwd: ROOT, env });
  let output = "";
  guard.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  guard.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  nodes.set(name, { guard, output: () => output });
}

/** SIGKILL to a node's whole process group (guard and node); resolves once the guard is gone. */
async function killNode(name: string): Promise<void> {
  const n = nodes.get(name);
  if (!n?.guard.pid || n.guard.exitCode !== null || n.guard.signalCode !== null) return;
  const exited = new Promise((r) => n.guard.once("exit", r));
  try {
    process.kill(-n.guard.pid, "SIGKILL");
  } catch {
    // already gone
  }
  await exited;
}

function nodeOutputs(): string {
  return [...nodes].map(([name, n]) => `${name}: ${n.output().trim().slice(-500)}`).join(" | ");
}

async function members(): Promise<Member[]> {
  return (await session.ok<NodeInfo>("GET", "/api/node")).cluster?.members ?? [];
}

/** The state the Cluster page shows for node `id` ("" while it has no row). */
async function shownState(id: string): Promise<string> {
  const row = page.getByTestId(`cluster-node-${id}`);
  return (await row.count()) ? ((await row.getAttribute("data-state")) ?? "") : "";
}

beforeAll(async () => {
  const built = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  cli = path.join(built.trim(), "sluice.js");
  const appDir = path.join(base, "app");
  prepareDataDir(appDir);
  app = await startApp(appDir, { env: { SLUICE_REDIS_URL: REDIS_URL, SLUICE_CLUSTER_SECRET: SECRET, SLUICE_CLUSTER_NAME: CLUSTER } });
  for (const name of NODES) startNode(name);
  session = await ApiSession.signIn(app.baseUrl);
  browser = await launchBrowser();
  page = await signedInPage(browser, app.baseUrl);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await Promise.all([...nodes.keys()].map((name) => killNode(name)));
  await app?.stop();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    redis.disconnect();
  }
  rmSync(base, { recursive: true, force: true });
});

describe("without cluster mode", () => {
  it("the Cluster page says the designer runs one local node and shows it; the header has no Cluster link", async () => {
    const local = await signedInPage(browser!, inject("baseUrl"));
    try {
      await local.goto(`${inject("baseUrl")}/cluster`);
      await local.getByTestId("single-node").waitFor();
      await local.getByTestId("local-node").waitFor();
      expect(await local.getByTestId("local-node").textContent()).toContain(inject("dataDir"));
      expect(await local.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cluster" }).count()).toBe(0);
    } finally {
      await local.context().close();
    }
  });
});

describe("cluster mode in the designer", () => {
  it("the Cluster page lists three connected nodes, one of them primary", async () => {
    await page.goto(`${app!.baseUrl}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cluster" }).click();
    await page.waitForURL(/\/cluster$/);
    await expect
      .poll(async () => Promise.all(NODES.map((n) => shownState(n))), { timeout: 60_000, interval: 500, message: `three connected nodes; nodes said: ${nodeOutputs()}` })
      .toEqual(["connected", "connected", "connected"]);
    await expect.poll(() => page.locator('[data-testid^="cluster-node-"][data-primary="true"]').count(), { timeout: 20_000 }).toBe(1);
    const row = page.getByTestId("cluster-node-n1");
    await expect.poll(() => row.getByTestId("node-heartbeat").textContent()).toMatch(/^\d+(\.\d)? s ago$/);
    expect(await row.getByTestId("node-queued").textContent()).toMatch(/^\d+ \(/);
  });

  it("shows the cluster totals on the canvas: the sum of the nodes' figures", async () => {
    const { id } = await session.ok<{ id: string }>("POST", "/api/flows", { import: flow });
    flowId = id;
    await session.ok("POST", `/api/flows/${id}/run`, { action: "start", processors: ["gen"] });
    const total = PER_NODE * NODES.length;
    await page.goto(`${app!.baseUrl}/flows/${id}`);
    await processorNode(page, "gen").waitFor();
    await expect.poll(() => statNumber(page, "gen", "out"), { timeout: 30_000, interval: 500 }).toBe(total);
    await expect.poll(() => queuedCount(page, "gen-hold"), { timeout: 30_000, interval: 500 }).toBe(total);

    // The nodes' own figures: each node's status (status.nodes, as the canvas's stream carries
    // it) and each node's queued count from its heartbeat (GET /api/node).
    const stream = new StatusStream(session, id);
    try {
      await expect.poll(() => stream.latest()?.processors.find((p) => p.id === "gen")?.nodes?.length, { timeout: 15_000 }).toBe(NODES.length);
      const gen = stream.latest()!.processors.find((p) => p.id === "gen")!;
      expect(gen.nodes!.map((n) => n.node).sort()).toEqual([...NODES]);
      expect(gen.nodes!.reduce((sum, n) => sum + n.out, 0)).toBe(await statNumber(page, "gen", "out"));
      const queue = stream.latest()!.connections.find((c) => c.id === "gen-hold")!;
      expect(queue.nodes!.reduce((sum, n) => sum + n.count, 0)).toBe(await queuedCount(page, "gen-hold"));
    } finally {
      await stream.close();
    }
    await expect
      .poll(async () => (await members()).reduce((sum, m) => sum + m.queued.count, 0), { timeout: 20_000, interval: 500 })
      .toBe(await queuedCount(page, "gen-hold"));

    // Hovering the counters shows each node's part.
    await processorNode(page, "gen").getByTestId("stat-out").hover();
    const breakdown = processorNode(page, "gen").getByTestId("node-breakdown");
    await breakdown.waitFor({ state: "visible" });
    for (const n of NODES) expect(await breakdown.locator(`li[data-node="${n}"]`).textContent()).toContain(`out ${PER_NODE} `);
  });

  it("offers Execution: All nodes / Primary node in the scheduling form, and saves the choice", async () => {
    const panel = await openConfig(page, "hold");
    const execution = panel.getByLabel("Execution", { exact: true });
    expect(await execution.inputValue()).toBe("all");
    expect(await execution.locator("option").allTextContents()).toEqual(["All nodes", "Primary node"]);
    await execution.selectOption("primary");
    await applyConfig(panel);
    await waitSaved(page);
    const { document } = await session.ok<{ document: { processors: Array<{ id: string; scheduling?: { executionNode?: string } }> } }>("GET", `/api/flows/${flowId}`);
    expect(document.processors.find((p) => p.id === "hold")?.scheduling?.executionNode).toBe("primary");
    expect(document.processors.find((p) => p.id === "gen")?.scheduling?.executionNode).toBeUndefined();
  });

  it("refuses to remove a connected node, with the reason", async () => {
    const r = await session.call("POST", "/api/cluster/nodes/n1/remove");
    expect(r.status).toBe(409);
    expect(String(r.body.error)).toMatch(/connected/);
    expect((await members()).map((m) => m.id).sort()).toEqual([...NODES]);
  });

  it("shows a node disconnected after kill -9, and Remove takes it off the list", async () => {
    await page.goto(`${app!.baseUrl}/cluster`);
    await expect.poll(() => shownState("n3"), { timeout: 20_000 }).toBe("connected");
    await killNode("n3");
    const killedAt = Date.now();
    await expect.poll(() => shownState("n3"), { timeout: 25_000, interval: 500 }).toBe("disconnected");
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    expect(await shownState("n1")).toBe("connected");
    expect(await shownState("n2")).toBe("connected");

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Remove n3" }).click();
    await expect.poll(() => page.getByTestId("cluster-node-n3").count(), { timeout: 10_000 }).toBe(0);
    expect((await members()).map((m) => m.id).sort()).toEqual(["n1", "n2"]);
  });
});
