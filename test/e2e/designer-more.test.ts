// The rest of the designer in real Chromium and against its API: input validation with field
// paths, sensitive values that never reach the browser (and are stored encrypted), "empty the
// queue first", process
// groups with ports and breadcrumbs, versions (commit, diff, revert), search, copy/paste, and
// renaming and deleting flows.
import { existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decryptValue, readKeyFile, resolveKeyFile, secretContext } from "../../prisma/secret-key.mjs";
import { applyConfig, launchBrowser, openConfig, processorNode, queuedCount, signedInPage, waitSaved as waitSavedOn } from "./helpers";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
const PLACEHOLDER = "••••••••(sensitive value set)";

let browser: Browser;
let page: Page;

function flowDoc(name: string) {
  return {
    sluice: 1,
    id: "more-flow",
    name,
    processors: [
      { id: "gen", name: "Make orders", type: "GenerateFlowFile", properties: { customText: "order", batchSize: "5" }, scheduling: { runSchedule: "100 ms" }, state: "stopped", position: { x: 0, y: 0 } },
      { id: "tag", name: "Tag orders", type: "UpdateAttribute", properties: { tagged: "yes" }, state: "stopped", position: { x: 0, y: 220 } },
      { id: "log", name: "Log orders", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 440 } },
    ],
    connections: [
      { id: "gen-tag", source: "gen", destination: "tag", relationships: ["success"] },
      { id: "tag-log", source: "tag", destination: "log", relationships: ["success"] },
    ],
    services: [{ id: "kafka", type: "KafkaConnection", properties: { bootstrapServers: "localhost:9092", securityProtocol: "SASL_PLAINTEXT", username: "app", password: "s3cret-p4ss" } }],
  };
}

async function importFlow(name: string): Promise<string> {
  const res = await page.request.post(`${baseUrl}/api/flows`, { data: { import: flowDoc(name) } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const waitSaved = () => waitSavedOn(page);
const node = (id: string): Locator => processorNode(page, id);
const queued = (connectionId: string) => queuedCount(page, connectionId);

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
});

afterAll(async () => {
  await browser?.close();
});

describe("designer API", () => {
  it("validates every body with zod and names the field paths", async () => {
    const id = await importFlow("API checks");
    let res = await page.request.put(`${baseUrl}/api/flows/${id}`, { data: { revision: 1, document: { sluice: 1, id: "x", name: "x", processors: [{ id: "a" }] } } });
    expect(res.status()).toBe(400);
    const body = (await res.json()) as { error: string; problems: Array<{ path: string }> };
    expect(body.error).toContain("processors[0].type");
    expect(body.problems.map((p) => p.path)).toContain("processors[0].type");

    res = await page.request.put(`${baseUrl}/api/flows/${id}`, { data: { revision: "one", document: {} } });
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("revision");

    res = await page.request.put(`${baseUrl}/api/flows/${id}`, { headers: { "Content-Type": "application/json" }, data: "{not json" });
    expect(res.status()).toBe(400);

    res = await page.request.post(`${baseUrl}/api/flows`, { data: { name: "  " } });
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("name");

    const current = (await (await page.request.get(`${baseUrl}/api/flows/${id}`)).json()) as { revision: number; document: unknown };
    res = await page.request.put(`${baseUrl}/api/flows/${id}`, { data: { revision: current.revision - 1, document: current.document } });
    expect(res.status()).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe("stale");

    res = await page.request.post(`${baseUrl}/api/flows/${id}/run`, { data: { action: "start", processors: ["nope"] } });
    expect(res.status()).toBe(404);
    res = await page.request.post(`${baseUrl}/api/flows/${id}/run`, { data: { action: "jump" } });
    expect(res.status()).toBe(400);
    expect((await page.request.get(`${baseUrl}/api/flows/does-not-exist`)).status()).toBe(404);
    expect((await page.request.get(`${baseUrl}/api/flows/${id}/versions/diff?from=abc&to=current`)).status()).toBe(400);
    expect((await page.request.post(`${baseUrl}/api/processors/validate`, { data: { type: "GenerateFlowFile", properties: { batchSize: 5 } } })).status()).toBe(400);
  });

  it("never sends a sensitive value to the browser, stores it encrypted, and keeps it when the placeholder comes back", async () => {
    const id = await importFlow("Secrets");
    const res = await page.request.get(`${baseUrl}/api/flows/${id}`);
    const flow = (await res.json()) as { revision: number; document: { services: Array<{ properties: Record<string, string> }> } };
    expect(JSON.stringify(flow)).not.toContain("s3cret-p4ss");
    expect(flow.document.services[0]!.properties.password).toBe(PLACEHOLDER);

    const html = await (await page.request.get(`${baseUrl}/flows/${id}`)).text();
    expect(html).not.toContain("s3cret-p4ss");
    const exported = await (await page.request.get(`${baseUrl}/api/flows/${id}/export`)).text();
    expect(exported).not.toContain("s3cret-p4ss");

    const save = await page.request.put(`${baseUrl}/api/flows/${id}`, { data: { revision: flow.revision, document: flow.document } });
    expect(save.status()).toBe(200);
    const db = new Database(path.join(dataDir, "sluice.db"), { readonly: true });
    try {
      const row = db.prepare('SELECT snapshot FROM "Flow" WHERE id = ?').get(id) as { snapshot: string };
      expect(row.snapshot).not.toContain("s3cret-p4ss");
      const stored = JSON.parse(row.snapshot).services[0].properties.password as string;
      expect(decryptValue(readKeyFile(resolveKeyFile(dataDir)), stored, secretContext("services", "kafka", "password"))).toBe("s3cret-p4ss");
    } finally {
      db.close();
    }
  });
});

describe("designer UI", () => {
  let flowId = "";

  it("marks a dynamic property sensitive: masked in the browser, encrypted at rest, kept on the next save", async () => {
    const id = await importFlow("Sensitive header");
    await page.goto(`${baseUrl}/flows/${id}`);
    let panel = await openConfig(page, "tag");
    await panel.getByRole("button", { name: "+ Add property" }).click();
    await panel.getByLabel("Dynamic property 2 name").fill("apiKey");
    await panel.getByLabel("Dynamic property 2 value").fill("tok-9f8e7d6c");
    await panel.getByLabel("Dynamic property 2 sensitive").check();
    await applyConfig(panel);
    await waitSaved();
    const flow = (await (await page.request.get(`${baseUrl}/api/flows/${id}`)).json()) as { document: { processors: Array<{ id: string; properties: Record<string, string>; sensitiveDynamicProperties?: string[] }> } };
    expect(JSON.stringify(flow)).not.toContain("tok-9f8e7d6c");
    const tag = flow.document.processors.find((p) => p.id === "tag")!;
    expect(tag.sensitiveDynamicProperties).toEqual(["apiKey"]);
    expect(tag.properties.apiKey).toBe(PLACEHOLDER);
    // Reopened, the field shows that a value is set without showing it; the secret cannot be
    // unmarked without typing a new value.
    await page.reload();
    panel = await openConfig(page, "tag");
    await expect(panel.getByLabel("Dynamic property 2 value").inputValue()).resolves.toBe("");
    await expect(panel.getByLabel("Dynamic property 2 sensitive").isDisabled()).resolves.toBe(true);
    await panel.getByLabel("Dynamic property 1 value").fill("still yes");
    await applyConfig(panel);
    await waitSaved();
    const db = new Database(path.join(dataDir, "sluice.db"), { readonly: true });
    try {
      const row = db.prepare('SELECT snapshot FROM "Flow" WHERE id = ?').get(id) as { snapshot: string };
      expect(row.snapshot).not.toContain("tok-9f8e7d6c");
      const stored = JSON.parse(row.snapshot).processors.find((p: { id: string }) => p.id === "tag").properties.apiKey as string;
      expect(decryptValue(readKeyFile(resolveKeyFile(dataDir)), stored, secretContext("processors", "tag", "apiKey"))).toBe("tok-9f8e7d6c");
    } finally {
      db.close();
    }
  });

  it("refuses to delete a connection that still holds FlowFiles: empty the queue first", async () => {
    flowId = await importFlow("Queue guard");
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await node("gen").waitFor();
    await node("gen").locator(".processor-type").click();
    await page.getByRole("button", { name: "Start selected" }).click();
    await expect.poll(() => queued("gen-tag"), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await page.getByRole("button", { name: "Stop selected" }).click();
    await expect.poll(() => node("gen").getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");

    await page.getByTestId("connection-label-gen-tag").click();
    await page.keyboard.press("Delete");
    const banner = page.getByTestId("banner");
    await banner.waitFor({ timeout: 15_000 });
    await expect(banner.textContent()).resolves.toContain("Empty the queue first");
    await page.getByTestId("connection-label-gen-tag").waitFor();
    await banner.getByRole("button", { name: "Dismiss" }).click();

    await page.getByTestId("connection-label-gen-tag").dblclick();
    page.once("dialog", (d) => void d.accept());
    await page.getByTestId("connection-panel").getByRole("button", { name: "Empty queue" }).click();
    await page.getByRole("status").filter({ hasText: "Dropped" }).waitFor();
    await expect.poll(() => queued("gen-tag"), { timeout: 10_000 }).toBe(0);
    await page.getByTestId("connection-panel").getByRole("button", { name: "Cancel" }).click();

    await page.getByTestId("connection-label-gen-tag").click();
    await page.keyboard.press("Delete");
    await page.getByTestId("connection-label-gen-tag").waitFor({ state: "detached" });
    await waitSaved();
    await expect(page.getByTestId("banner").count()).resolves.toBe(0);
    await page.keyboard.press("Control+z");
    await page.getByTestId("connection-label-gen-tag").waitFor();
    await waitSaved();
  });

  it("groups processors into a process group with ports, enters it and leaves by the breadcrumbs", async () => {
    await node("tag").locator(".processor-type").click();
    await node("log").locator(".processor-type").click({ modifiers: ["Control"] });
    await page.getByRole("button", { name: "Group", exact: true }).click();
    await page.getByLabel("Process group name").fill("Tagging");
    await page.getByRole("button", { name: "Create group" }).click();
    const group = page.locator('[data-testid^="group-node-"]');
    await group.waitFor();
    await expect(group.textContent()).resolves.toContain("Tagging");
    await expect(group.textContent()).resolves.toContain("2 processors");
    await expect(group.textContent()).resolves.toContain("Ports: 1 in · 0 out");
    await expect(node("tag").count()).resolves.toBe(0);
    await waitSaved();

    await group.getByRole("button", { name: "Enter group Tagging" }).click();
    await node("tag").waitFor();
    await page.getByTestId("port-in").waitFor();
    await expect(page.getByRole("navigation", { name: "Process group breadcrumbs" }).textContent()).resolves.toContain("Tagging");
    await expect(node("gen").count()).resolves.toBe(0);
    await page.getByRole("navigation", { name: "Process group breadcrumbs" }).getByRole("button", { name: "Root" }).click();
    await node("gen").waitFor();
    const doc = (await (await page.request.get(`${baseUrl}/api/flows/${flowId}`)).json()) as { document: { groups: Array<{ id: string; name: string }>; processors: Array<{ id: string; group?: string }> } };
    expect(doc.document.groups).toHaveLength(1);
    expect(doc.document.processors.filter((p) => p.group === doc.document.groups[0]!.id).map((p) => p.id).sort()).toEqual(["log", "tag"]);
  });

  it("finds a component by name, copies and pastes it", async () => {
    await page.getByLabel("Find component").fill("Log ord");
    await page.getByRole("listbox", { name: "Search results" }).getByRole("option").first().click();
    await node("log").waitFor();
    await expect.poll(() => node("log").evaluate((el) => el.closest(".react-flow__node")!.classList.contains("selected"))).toBe(true);
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await page.locator(".react-flow__node", { hasText: "Log orders (copy)" }).waitFor();
    await waitSaved();
    await page.keyboard.press("Control+z");
    await page.locator(".react-flow__node", { hasText: "Log orders (copy)" }).waitFor({ state: "detached" });
    await waitSaved();
    await page.getByRole("navigation", { name: "Process group breadcrumbs" }).getByRole("button", { name: "Root" }).click();
  });

  it("commits versions, shows the difference and reverts", async () => {
    await node("gen").waitFor();
    await page.getByRole("button", { name: "Versions" }).click();
    const panel = page.getByTestId("versions-panel");
    await panel.getByLabel("Commit message").fill("grouped");
    await panel.getByRole("button", { name: "Commit" }).click();
    await panel.getByRole("status").filter({ hasText: "Committed version 1" }).waitFor();

    await node("gen").locator(".processor-type").dblclick();
    const config = page.getByTestId("config-panel");
    await config.getByLabel("Name", { exact: true }).fill("Make many orders");
    await expect.poll(() => config.getByRole("button", { name: "Apply" }).isEnabled()).toBe(true);
    await config.getByRole("button", { name: "Apply" }).click();
    await waitSaved();

    await page.getByRole("button", { name: "Versions" }).click();
    await panel.getByLabel("Compare from").selectOption("1");
    await panel.getByLabel("Compare to").selectOption("current");
    await panel.getByRole("button", { name: "Diff" }).click();
    const diff = panel.getByTestId("diff-view");
    await diff.waitFor();
    await expect(diff.textContent()).resolves.toContain("changed Make many orders");
    await expect(diff.textContent()).resolves.toContain("Make many orders");

    page.once("dialog", (d) => void d.accept());
    await panel.getByTestId("version-row").first().getByRole("button", { name: "Revert" }).click();
    await panel.getByRole("status").filter({ hasText: "Reverted to version 1" }).waitFor();
    await expect.poll(() => node("gen").textContent()).toContain("Make orders");
  });

  it("renames and deletes flows from the list", async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByRole("button", { name: "Rename Queue guard" }).click();
    await page.getByLabel("New name").fill("Queue guard (renamed)");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("flow-link").filter({ hasText: "Queue guard (renamed)" }).waitFor();
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete Queue guard (renamed)" }).click();
    await page.getByTestId("flow-link").filter({ hasText: "Queue guard (renamed)" }).waitFor({ state: "detached" });
    expect((await page.request.get(`${baseUrl}/api/flows/${flowId}`)).status()).toBe(404);
    // Its engine ran (queue guard test): the engine's data went with it.
    expect(existsSync(path.join(dataDir, "engine", flowId))).toBe(false);
  });
});
