// Security in real Chromium, on a server of its own started on a fresh data dir WITHOUT
// SLUICE_ADMIN_PASSWORD, as someone installing Sluice meets it:
// - the admin signs in with the password the server printed once, is asked to change it and
//   does, then creates an editor and a viewer on /admin/users, and an API token that works until
//   it is revoked;
// - the editor builds a flow (drag, connect, configure), runs it so a queue holds FlowFiles, and
//   is refused a restricted processor (GetFile) in the UI and by the API;
// - the viewer sees the flow, its status and its queue listing, but no Start button, no
//   palette, no FlowFile content, no provenance content and no replay; forcing the API answers
//   403; the audit trail shows what the editor did; once an admin disables the viewer, their
//   next request sends them to sign in, where their password is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDataDir, startApp, type AppServer } from "./global-setup";
import { ApiSession, applyConfig, connect, createFlowInUi, dropFromPalette, launchBrowser, openConfig, processorNode, queuedCount, signInThroughForm, waitSaved, type Credentials } from "./helpers";

const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-security-"));
const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results");
const EDITOR: Credentials = { username: "edna", password: "edna-password-e2e" };
const VIEWER: Credentials = { username: "vic", password: "vic-password-e2e" };
const NEW_ADMIN_PASSWORD = "admin-chose-this-e2e";
const FLOW_NAME = `Security e2e ${Date.now().toString(36)}`;

let app: AppServer;
let baseUrl = "";
let browser: Browser;
let page: Page;
let flowId = "";
const ids = { gen: "", log: "", genToLog: "" };

interface Doc {
  processors: Array<{ id: string; type: string; autoTerminate: string[] }>;
  connections: Array<{ id: string; source: string; destination: string }>;
}

/** A fresh browser context (no cookie) with Origin on every request, on `path`. */
async function freshPage(to: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, extraHTTPHeaders: { origin: baseUrl } });
  const p = await context.newPage();
  p.on("dialog", (d) => void d.accept());
  await p.goto(`${baseUrl}${to}`);
  return p;
}

async function savedDoc(): Promise<{ revision: number; document: Doc }> {
  const res = await page.request.get(`${baseUrl}/api/flows/${flowId}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { revision: number; document: Doc };
}

/** Signs out through the header's button; resolves on /login. */
async function logOut(): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
}

beforeAll(async () => {
  prepareDataDir(dataDir);
  app = await startApp(dataDir, { adminPassword: null });
  baseUrl = app.baseUrl;
  browser = await launchBrowser();
});

afterAll(async () => {
  if (flowId && page) await page.request.post(`${baseUrl}/api/flows/${flowId}/run`, { data: { action: "stop" } }).catch(() => undefined);
  await browser?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("security", () => {
  it("signs the admin in with the printed password, which they change at /account", async () => {
    await expect.poll(() => /sluice: created user "admin" with password (\S+)/.exec(app.output())?.[1], { timeout: 30_000 }).toBeTruthy();
    const printed = /sluice: created user "admin" with password (\S+)/.exec(app.output())![1]!;

    // Without a session a page sends the browser to sign in, and back afterwards.
    page = await freshPage("/");
    await page.waitForURL((u) => u.pathname === "/login" && u.searchParams.get("next") === "/");
    const login = page.getByRole("form", { name: "Sign in" });
    await login.getByLabel("Username").fill("admin");
    await login.getByLabel("Password").fill(`${printed}x`);
    await login.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("login-error").textContent()).resolves.toBe("Invalid username or password.");

    await signInThroughForm(page, { username: "admin", password: printed });
    expect(new URL(page.url()).pathname).toBe("/");
    await expect(page.getByTestId("current-user").textContent()).resolves.toContain("admin");
    await page.getByTestId("must-change-password").waitFor();

    await page.getByTestId("must-change-password").getByRole("link").click();
    await page.waitForURL((u) => u.pathname === "/account");
    const form = page.getByRole("form", { name: "Password" });
    await form.getByLabel("Current password").fill(printed);
    await form.getByLabel("New password", { exact: true }).fill(NEW_ADMIN_PASSWORD);
    await form.getByLabel("Repeat the new password").fill(NEW_ADMIN_PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await page.getByTestId("password-changed").waitFor();
    await page.getByTestId("must-change-password").waitFor({ state: "detached" });
  });

  it("creates an editor and a viewer on /admin/users, and an API token that works until revoked", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await page.waitForURL((u) => u.pathname === "/admin/users");
    const create = page.getByRole("form", { name: "Create user" });
    for (const [who, role] of [
      [EDITOR, "editor"],
      [VIEWER, "viewer"],
    ] as const) {
      await create.getByLabel("New username").fill(who.username);
      await create.getByLabel("New user password").fill(who.password);
      await create.getByLabel("New user role").selectOption(role);
      await create.getByRole("button", { name: "Create user" }).click();
      const row = page.locator(`[data-testid=user-row][data-username=${who.username}]`);
      await row.waitFor();
      await expect(row.getByLabel(`Role of ${who.username}`).inputValue()).resolves.toBe(role);
    }
    await expect(page.getByTestId("user-row").count()).resolves.toBe(3);

    const tokens = page.getByRole("form", { name: "Create token" });
    await tokens.getByLabel("Token name").fill("ci-deploy");
    await tokens.getByLabel("Token role").selectOption("viewer");
    await expect(tokens.getByLabel("Token lifetime").inputValue()).resolves.toBe("90 days");
    await tokens.getByLabel("Token lifetime").selectOption("30 days");
    await tokens.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token-value").textContent())!.trim();
    expect(token.length).toBeGreaterThan(20);
    await page.locator("[data-testid=token-row][data-name=ci-deploy]").waitFor();
    // The browser's local form of a date 30 days ahead (the page and this test share the locale).
    const expires = await page.evaluate(() => document.querySelector("[data-testid=token-row][data-name=ci-deploy] [data-testid=token-expires]")?.textContent ?? "");
    const in30 = await page.evaluate(() => new Date(Date.now() + 30 * 86_400_000).toLocaleDateString());
    expect(expires).toContain(in30);
    expect((await fetch(`${baseUrl}/api/flows`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await page.screenshot({ path: path.join(shots, "security-admin-users.png") });
    await page.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("new-token").count()).resolves.toBe(0);

    await page.getByRole("button", { name: "Revoke ci-deploy" }).click();
    await expect.poll(() => page.locator("[data-testid=token-row][data-name=ci-deploy] [data-testid=token-status]").textContent()).toMatch(/^revoked/);
    expect((await fetch(`${baseUrl}/api/flows`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await logOut();
  });

  it("lets the editor build and run a flow by dragging, connecting and configuring", async () => {
    await signInThroughForm(page, EDITOR);
    await expect(page.getByTestId("current-user").textContent()).resolves.toContain("editor");
    await expect(page.getByRole("link", { name: "Users" }).count()).resolves.toBe(0);
    flowId = await createFlowInUi(page, FLOW_NAME);

    ids.gen = await dropFromPalette(page, "GenerateFlowFile", 320, 80);
    ids.log = await dropFromPalette(page, "LogAttribute", 320, 380);
    await connect(page, ids.gen, ids.log, "success");
    let panel = await openConfig(page, ids.gen);
    await panel.locator("#prop-customText").fill("payload only operators may read");
    await panel.locator("#cfg-runSchedule").fill("100 ms");
    await applyConfig(panel);
    panel = await openConfig(page, ids.log);
    await panel.getByLabel("Auto-terminate success").check();
    await applyConfig(panel);
    await waitSaved(page);
    const { document } = await savedDoc();
    expect(document.processors.map((p) => p.type).sort()).toEqual(["GenerateFlowFile", "LogAttribute"]);
    ids.genToLog = document.connections[0]!.id;

    // The editor may run it (operator's permission): fill the queue, then stop.
    await processorNode(page, ids.gen).locator(".processor-type").click();
    await page.getByRole("button", { name: "Start selected" }).click();
    await expect.poll(() => queuedCount(page, ids.genToLog), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await page.getByRole("button", { name: "Stop selected" }).click();
    await expect.poll(() => processorNode(page, ids.gen).getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");
  });

  it("refuses the editor a restricted processor, in the palette and through the API", async () => {
    await page.getByLabel("Search processors").fill("GetFile");
    const item = page.getByTestId("palette-GetFile");
    await expect(item.getAttribute("data-restricted")).resolves.toBe("refused");
    await expect(item.getByTestId("restricted-lock").getAttribute("aria-label")).resolves.toContain("restricted:read-files");
    await page.getByLabel("Search processors").fill("");

    const before = await page.locator('[data-testid^="processor-node-"]').count();
    await page.getByTestId("palette-GetFile").dragTo(page.getByRole("region", { name: "Flow canvas" }), { targetPosition: { x: 700, y: 200 } });
    const banner = page.getByTestId("banner");
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toMatch(/GetFile is a restricted processor: it reads files and deletes files\. Adding it needs the permissions restricted:read-files, restricted:delete-files/);
    await page.screenshot({ path: path.join(shots, "security-restricted-refused.png") });
    await expect(page.locator('[data-testid^="processor-node-"]').count()).resolves.toBe(before);
    await waitSaved(page);

    // The server refuses it too.
    const saved = await savedDoc();
    const withGetFile = {
      ...saved.document,
      processors: [...saved.document.processors, { id: "sneaky", type: "GetFile", properties: { inputDirectory: "/etc" }, state: "stopped" }],
    };
    const res = await page.request.put(`${baseUrl}/api/flows/${flowId}`, { data: { revision: saved.revision, document: withGetFile } });
    expect(res.status()).toBe(403);
    expect((await savedDoc()).document.processors).toHaveLength(2);
    await logOut();
  });

  it("shows the viewer the flow and its status, but no Start button, no palette and no content", async () => {
    await signInThroughForm(page, VIEWER);
    await expect(page.getByRole("button", { name: "New flow" }).count()).resolves.toBe(0);
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await processorNode(page, ids.gen).waitFor();
    await page.getByTestId("read-only").waitFor();
    await expect(page.getByRole("button", { name: /Start/ }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: /Stop/ }).count()).resolves.toBe(0);
    await expect(page.getByRole("complementary", { name: "Processor palette" }).count()).resolves.toBe(0);
    await expect(processorNode(page, ids.gen).getAttribute("data-state")).resolves.toBe("stopped");
    await expect.poll(() => queuedCount(page, ids.genToLog)).toBeGreaterThanOrEqual(3);

    // Settings are shown, not changeable.
    const config = await openConfig(page, ids.gen);
    await expect(config.getByRole("button", { name: "Apply" }).count()).resolves.toBe(0);
    await expect(config.locator("#prop-customText").isDisabled()).resolves.toBe(true);
    await config.getByRole("button", { name: "Close" }).click();

    // The queue is listed, but no FlowFile opens and it cannot be emptied.
    await page.getByTestId(`connection-label-${ids.genToLog}`).dblclick();
    const panel = page.getByTestId("connection-panel");
    await panel.getByRole("button", { name: "List queue" }).click();
    const rows = panel.getByTestId("queue-row");
    await rows.first().waitFor();
    await panel.getByTestId("no-content-note").waitFor();
    await rows.first().click();
    await expect(panel.getByTestId("flowfile-view").count()).resolves.toBe(0);
    await expect(panel.getByRole("button", { name: "Empty queue" }).count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(shots, "security-viewer-designer.png") });

    // Provenance: events and their details, no content and no replay.
    await page.goto(`${baseUrl}/flows/${flowId}/provenance`);
    await page.getByTestId("provenance-row").first().click();
    const detail = page.getByTestId("event-detail");
    await detail.getByTestId("no-data-view").waitFor();
    await expect(detail.getByRole("region", { name: "Content" }).count()).resolves.toBe(0);
    await expect(detail.getByRole("button", { name: /Replay/ }).count()).resolves.toBe(0);
  });

  it("answers the viewer 403 when content, replay, run or a save is forced through the API", async () => {
    const queue = (await (await page.request.get(`${baseUrl}/api/flows/${flowId}/connections/${ids.genToLog}/queue`)).json()) as { flowFiles: Array<{ uuid: string }> };
    const uuid = queue.flowFiles[0]!.uuid;
    const events = (await (await page.request.get(`${baseUrl}/api/flows/${flowId}/provenance`)).json()) as { events: Array<{ eventId: number }> };
    const eventId = events.events[0]!.eventId;
    const forced = [
      await page.request.get(`${baseUrl}/api/flows/${flowId}/connections/${ids.genToLog}/flowfiles/${uuid}`),
      await page.request.get(`${baseUrl}/api/flows/${flowId}/provenance/events/${eventId}/content?side=output`),
      await page.request.post(`${baseUrl}/api/flows/${flowId}/provenance/events/${eventId}/replay`),
      await page.request.post(`${baseUrl}/api/flows/${flowId}/run`, { data: { action: "start" } }),
      await page.request.delete(`${baseUrl}/api/flows/${flowId}/connections/${ids.genToLog}/queue`),
    ];
    for (const res of forced) expect(`${res.url()} ${res.status()}`).toBe(`${res.url()} 403`);
    const saved = await savedDoc();
    expect((await page.request.put(`${baseUrl}/api/flows/${flowId}`, { data: { revision: saved.revision, document: saved.document } })).status()).toBe(403);
  });

  it("shows the viewer the audit trail of the flow: the editor created and started it", async () => {
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await page.getByRole("button", { name: "History" }).click();
    const history = page.getByTestId("audit-panel");
    await history.locator("[data-testid=audit-row][data-action=flow-start]").first().waitFor();
    await expect(history.locator("[data-testid=audit-row][data-action=flow-create]").getAttribute("data-user")).resolves.toBe(EDITOR.username);

    await page.goto(`${baseUrl}/audit?user=${EDITOR.username}`);
    const table = page.getByTestId("audit-table");
    await table.locator("[data-testid=audit-row][data-action=flow-create]").waitFor();
    const users = await table.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-user")));
    expect(new Set(users)).toEqual(new Set([EDITOR.username]));
    const times = await table.locator("time").evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime") ?? "")));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    await page.screenshot({ path: path.join(shots, "security-audit.png") });
  });

  it("sends the viewer to sign in at their next request once an admin disabled them, and refuses their password", async () => {
    const admin = await ApiSession.signIn(baseUrl, { username: "admin", password: NEW_ADMIN_PASSWORD });
    const { users } = await admin.ok<{ users: Array<{ id: string; username: string }> }>("GET", "/api/users");
    const vic = users.find((u) => u.username === VIEWER.username)!;
    await admin.ok("PATCH", `/api/users/${vic.id}`, { disabled: true });

    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((u) => u.pathname === "/login" && u.searchParams.get("next")?.startsWith("/audit") === true);
    const login = page.getByRole("form", { name: "Sign in" });
    await login.getByLabel("Username").fill(VIEWER.username);
    await login.getByLabel("Password").fill(VIEWER.password);
    await login.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("login-error").textContent()).resolves.toBe("Invalid username or password.");
  });
});
