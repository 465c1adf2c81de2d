// Issue 12's designer parts: with the designer in cluster mode (SLUICE_REDIS_URL), a connection
// without load balancing carries a "not HA" badge whose tooltip says what that means, and "Make
// distributed" from its menu sets round-robin. Without cluster mode there is no badge (the other
// day-two tests run there). With a `sluice node` joined, a distributed connection's panel shows
// its load-balance strategy and its dead-letter list, where a batch that kept failing (a
// division by zero in UpdateAttribute) is listed with its reason and can be dropped. afterAll
// stops the node and the server and deletes the cluster's Redis keys.
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../integration/helpers/redis";
import { contextMenu, importFlow, openDesigner, storedDoc } from "./day-two-helpers";
import { prepareDataDir, spawnGuarded, startApp, type AppServer } from "./global-setup";
import { ApiSession, launchBrowser, signedInPage, waitSaved } from "./helpers";

const REDIS_URL = process.env.SLUICE_TEST_REDIS ?? "redis://127.0.0.1:6379";
const CLUSTER = `e2e-badge-${randomBytes(5).toString("hex")}`;
const SECRET = `e2e-badge-secret-${randomBytes(12).toString("hex")}`;
const base = mkdtempSync(path.join(tmpdir(), "sluice-e2e-badge-"));
let app: AppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let session: ApiSession;
let node: ChildProcess | undefined;
let nodeOutput = "";

/** A `sluice node` of this cluster (the built CLI, under the server guard), with a shared content store. */
function startNode(): void {
  const built = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    encoding: "utf8",
  });
  const shared = path.join(base, "shared");
  mkdirSync(shared, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: SECRET, SLUICE_ENGINE_LOG_LEVEL: "warn" };
  delete env.SLUICE_REDIS_URL;
  const cli = path.join(built.trim(), "sluice.js");
  node = spawnGuarded([cli, "node", "--redis", REDIS_URL, "--data-dir", path.join(base, "node"), "--name", "solo", "--cluster", CLUSTER, "--shared-content", shared], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env,
  });
  node.stdout?.on("data", (d: Buffer) => (nodeOutput += d.toString()));
  node.stderr?.on("data", (d: Buffer) => (nodeOutput += d.toString()));
}

beforeAll(async () => {
  const dir = path.join(base, "app");
  prepareDataDir(dir);
  app = await startApp(dir, { env: { SLUICE_REDIS_URL: REDIS_URL, SLUICE_CLUSTER_SECRET: SECRET, SLUICE_CLUSTER_NAME: CLUSTER } });
  session = await ApiSession.signIn(app.baseUrl);
  browser = await launchBrowser();
  page = await signedInPage(browser, app.baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
});

afterAll(async () => {
  if (node?.pid && node.exitCode === null && node.signalCode === null) {
    const exited = new Promise((r) => node!.once("exit", r));
    try {
      process.kill(-node.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  }
  await browser?.close().catch(() => undefined);
  await app?.stop();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, CLUSTER);
  } finally {
    redis.disconnect();
  }
  rmSync(base, { recursive: true, force: true });
});

describe("node-local connections in cluster mode", () => {
  it("badges a connection without load balancing 'not HA' and makes it distributed from its menu", async () => {
    const id = await importFlow(session, "Badges", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", state: "stopped", position: { x: 0, y: 0 } },
        { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 240 } },
        { id: "keep", name: "Keep", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 320, y: 240 } },
      ],
      connections: [
        { id: "gen-log", source: "gen", destination: "log", relationships: ["success"] },
        { id: "gen-keep", source: "gen", destination: "keep", relationships: ["success"], loadBalance: { strategy: "round-robin" } },
      ],
    });
    await openDesigner(page, app!.baseUrl, id);
    const badge = page.getByTestId("connection-label-gen-log").getByTestId("not-ha");
    await badge.waitFor();
    await expect(badge.getAttribute("title")).resolves.toContain("queued FlowFiles wait for their node if it dies");
    await expect(page.getByTestId("connection-label-gen-keep").getByTestId("not-ha").count()).resolves.toBe(0);

    const menu = await contextMenu(page, page.getByTestId("connection-label-gen-log"));
    await menu.getByRole("menuitem", { name: "Make distributed" }).click();
    await badge.waitFor({ state: "detached" });
    await waitSaved(page);
    const doc = await storedDoc(session, id);
    expect(doc.connections.find((c) => c.id === "gen-log")!.loadBalance).toEqual({ strategy: "round-robin" });
  });
});

describe("a distributed connection's panel", () => {
  it("shows its load-balance strategy and its dead-letter list, where a failing batch can be dropped", async () => {
    startNode();
    const id = await importFlow(session, "Poison", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", properties: { totalCount: "1", customText: "x" }, state: "running", position: { x: 0, y: 0 } },
        { id: "calc", name: "Divide", type: "UpdateAttribute", properties: { ratio: "${literal(100):divide(0)}" }, autoTerminate: ["success"], state: "running", position: { x: 0, y: 240 } },
      ],
      connections: [{ id: "gen-calc", source: "gen", destination: "calc", relationships: ["success"], loadBalance: { strategy: "round-robin" } }],
    });
    // Once the node has joined, starting deploys the flow to it.
    await expect
      .poll(
        async () => {
          const info = await session.ok<{ cluster?: { members: Array<{ id: string; state: string }> } }>("GET", "/api/node");
          return info.cluster?.members.some((m) => m.id === "solo" && m.state === "connected") ?? false;
        },
        { timeout: 90_000, interval: 500, message: `node "solo" to join; its output: ${nodeOutput}` },
      )
      .toBe(true);
    await session.ok("POST", `/api/flows/${id}/run`, { action: "start" });
    // Five failed attempts, one second apart, and the batch is dead-lettered.
    await expect
      .poll(async () => (await session.ok<{ batches: unknown[] }>("GET", `/api/flows/${id}/connections/gen-calc/dead-letters`)).batches.length, { timeout: 60_000, interval: 500 })
      .toBe(1);

    await openDesigner(page, app!.baseUrl, id);
    const menu = await contextMenu(page, page.getByTestId("connection-label-gen-calc"));
    await menu.getByRole("menuitem", { name: "Configure" }).click();
    await expect(page.getByLabel("Load balance").inputValue()).resolves.toBe("round-robin");
    const list = page.getByTestId("dead-letters");
    const entry = list.getByTestId("dead-letter");
    await entry.waitFor();
    await expect(entry.innerText()).resolves.toMatch(/1 FlowFile from solo[\s\S]*5 tries[\s\S]*zero/);
    page.once("dialog", (d) => void d.accept());
    await entry.getByRole("button", { name: "Drop" }).click();
    await list.getByText("No batch has failed here.").waitFor();
    expect((await session.ok<{ batches: unknown[] }>("GET", `/api/flows/${id}/connections/gen-calc/dead-letters`)).batches).toEqual([]);
  });
});
