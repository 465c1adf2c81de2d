/**
 * The embedded engine across a server crash: a running flow's queue survives `kill -9` of the
 * app server, and the flow resumes on its own when the server starts again (no page visit).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareDataDir, startApp, type AppServer } from "./global-setup";
import { ApiSession } from "./helpers";

const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-restart-"));
let app: AppServer | undefined;
afterAll(async () => {
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const flow = {
  sluice: 1,
  id: "restart-demo",
  name: "Restart demo",
  processors: [
    { id: "gen", type: "GenerateFlowFile", properties: { batchSize: "5", customText: "tick" }, scheduling: { runSchedule: "100 ms" }, state: "stopped" },
    { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
  ],
  connections: [{ id: "gen-log", source: "gen", relationships: ["success"], destination: "log" }],
};

/** The admin's session on the running server (signed in again after each start). */
let session: ApiSession;
const api = <T>(method: string, url: string, body?: unknown): Promise<T> => session.ok<T>(method, url, body);

const queued = async (id: string) => (await api<{ queued: { count: number } }>("GET", `/api/flows/${id}/connections/gen-log/queue`)).queued.count;

describe("embedded engine across a server crash", () => {
  it("keeps the queue through kill -9 and resumes the running flow at start-up", async () => {
    prepareDataDir(dataDir);
    app = await startApp(dataDir);
    session = await ApiSession.signIn(app.baseUrl);
    const { id } = await api<{ id: string }>("POST", "/api/flows", { import: flow });
    await api("POST", `/api/flows/${id}/run`, { action: "start", processors: ["gen"] });
    await new Promise((r) => setTimeout(r, 1500));
    const before = await queued(id);
    expect(before).toBeGreaterThan(10);

    await app.stop({ crash: true });
    app = await startApp(dataDir);
    expect(app.output()).toMatch(/resumed 1 flow/);
    session = await ApiSession.signIn(app.baseUrl);
    // The generator was running, so after the restart the queue holds at least what it had
    // at the last commit before the crash, and keeps growing without anyone opening the flow.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await queued(id);
    expect(after).toBeGreaterThanOrEqual(before - 5);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await queued(id)).toBeGreaterThan(after);
  });
});
