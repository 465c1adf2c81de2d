// Issue 12's designer parts: with the designer in cluster mode (SLUICE_REDIS_URL; no worker
// node is needed for this), a connection without load balancing carries a "not HA" badge whose
// tooltip says what that means, and "Make distributed" from its menu sets round-robin. Without
// cluster mode there is no badge (the other day-two tests run there). afterAll stops the server
// and deletes the cluster's Redis keys.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../integration/helpers/redis";
import { contextMenu, importFlow, openDesigner, storedDoc } from "./day-two-helpers";
import { prepareDataDir, startApp, type AppServer } from "./global-setup";
import { ApiSession, launchBrowser, signedInPage, waitSaved } from "./helpers";

const REDIS_URL = process.env.SLUICE_TEST_REDIS ?? "redis://127.0.0.1:6379";
const CLUSTER = `e2e-badge-${randomBytes(5).toString("hex")}`;
const SECRET = `e2e-badge-secret-${randomBytes(12).toString("hex")}`;
const base = mkdtempSync(path.join(tmpdir(), "sluice-e2e-badge-"));
let app: AppServer | undefined;
let browser: Browser | undefined;
let page: Page;
let session: ApiSession;

beforeAll(async () => {
  const dir = path.join(base, "app");
  prepareDataDir(dir);
  app = await startApp(dir, { env: { SLUICE_REDIS_URL: REDIS_URL, SLUICE_CLUSTER_SECRET: SECRET, SLUICE_CLUSTER_NAME: CLUSTER } });
  session = await ApiSession.signIn(app.baseUrl);
  browser = await launchBrowser();
  page = await signedInPage(browser, app.baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
});

afterAll(async () => {
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
