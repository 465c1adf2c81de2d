// The designer in real Chromium, doing what a user does: build GenerateFlowFile →
// UpdateAttribute → LogAttribute from the palette, configure (an invalid value is refused
// inline), run it and watch the live counts, list a queue and open a FlowFile, reload, undo a
// delete, export and import, and get the 409 message for a stale save from a second tab.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  applyConfig,
  connect as connectOn,
  createFlowInUi,
  dropFromPalette as dropFromPaletteOn,
  launchBrowser,
  openConfig as openConfigOn,
  processorNode,
  queuedCount,
  signedInPage,
  statNumber as statNumberOn,
  waitSaved as waitSavedOn,
} from "./helpers";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results");
const baseUrl = inject("baseUrl");
const FLOW_NAME = `Designer e2e ${Date.now().toString(36)}`;

let browser: Browser;
let page: Page;
let flowId = "";
const ids = { gen: "", upd: "", log: "", genToUpd: "", updToLog: "" };

interface Doc {
  processors: Array<{ id: string; type: string; name?: string; properties: Record<string, string>; autoTerminate: string[]; scheduling: { runSchedule: string } }>;
  connections: Array<{ id: string; source: string; destination: string; relationships: string[] }>;
}

async function savedDoc(): Promise<Doc> {
  const res = await page.request.get(`${baseUrl}/api/flows/${flowId}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { document: Doc }).document;
}

const waitSaved = (p: Page = page) => waitSavedOn(p);
const node = (id: string, p: Page = page): Locator => processorNode(p, id);

const dropFromPalette = (type: string, x: number, y: number) => dropFromPaletteOn(page, type, x, y);
const connect = (from: string, to: string, relationship: string) => connectOn(page, from, to, relationship);

const openConfig = (id: string) => openConfigOn(page, id);
const statNumber = (id: string, which: "in" | "out") => statNumberOn(page, id, which);
const queued = (connectionId: string, p: Page = page) => queuedCount(p, connectionId);

async function clickPane(): Promise<void> {
  const box = (await page.locator(".react-flow__pane").boundingBox())!;
  await page.mouse.click(box.x + box.width - 150, box.y + 40);
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 }, acceptDownloads: true });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  if (flowId) await page?.request.post(`${baseUrl}/api/flows/${flowId}/run`, { data: { action: "stop" } }).catch(() => undefined);
  await browser?.close();
});

describe("designer", () => {
  it("creates a flow and builds GenerateFlowFile → UpdateAttribute → LogAttribute by dragging and connecting", async () => {
    await page.goto(`${baseUrl}/`);
    flowId = await createFlowInUi(page, FLOW_NAME);

    ids.gen = await dropFromPalette("GenerateFlowFile", 320, 60);
    ids.upd = await dropFromPalette("UpdateAttribute", 320, 280);
    ids.log = await dropFromPalette("LogAttribute", 320, 500);
    await expect(node(ids.gen).textContent()).resolves.toContain("GenerateFlowFile");
    await expect(node(ids.log).textContent()).resolves.toContain("LogAttribute");

    await connect(ids.gen, ids.upd, "success");
    await connect(ids.upd, ids.log, "success");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
    await waitSaved();

    const doc = await savedDoc();
    expect(doc.processors.map((p) => p.type).sort()).toEqual(["GenerateFlowFile", "LogAttribute", "UpdateAttribute"]);
    expect(doc.connections).toHaveLength(2);
    ids.genToUpd = doc.connections.find((c) => c.source === ids.gen)!.id;
    ids.updToLog = doc.connections.find((c) => c.source === ids.upd)!.id;
    expect(doc.connections.find((c) => c.id === ids.updToLog)).toMatchObject({ destination: ids.log, relationships: ["success"] });

    // LogAttribute's "success" goes nowhere: the canvas says it is invalid, and why.
    const icon = node(ids.log).getByTestId("problems-icon");
    await icon.waitFor();
    await expect(icon.getAttribute("title")).resolves.toContain('relationship "success" is neither connected nor auto-terminated');
    await expect(node(ids.log).getAttribute("data-state")).resolves.toBe("invalid");
    await expect(node(ids.gen).getByTestId("problems-icon").count()).resolves.toBe(0);
  });

  it("configures processors from their descriptors and refuses an invalid value inline", async () => {
    let panel = await openConfig(ids.gen);
    const batch = panel.locator("#prop-batchSize");
    await batch.fill("abc");
    const error = panel.locator(".field-error", { hasText: "is not an integer" });
    await error.waitFor();
    await expect(panel.getByRole("button", { name: "Apply" }).isDisabled()).resolves.toBe(true);
    // The EL hint lists the functions for an EL-capable property.
    await panel.locator("#prop-customText").fill("hello from ${literal('sluice')}");
    await panel.getByRole("button", { name: "${EL}" }).first().click();
    await expect(panel.getByTestId("el-hint").textContent()).resolves.toContain("toUpper");
    await page.screenshot({ path: path.join(shots, "designer-config.png") });

    await batch.fill("2");
    await error.waitFor({ state: "detached" });
    await panel.locator("#cfg-runSchedule").fill("200 ms");
    await applyConfig(panel);

    panel = await openConfig(ids.upd);
    await panel.getByRole("button", { name: "+ Add property" }).click();
    await panel.getByLabel("Dynamic property 1 name").fill("greeting");
    await panel.getByLabel("Dynamic property 1 value").fill("${literal('hi'):toUpper()}");
    await applyConfig(panel);

    panel = await openConfig(ids.log);
    await panel.getByLabel("Auto-terminate success").check();
    await applyConfig(panel);
    await node(ids.log).getByTestId("problems-icon").waitFor({ state: "detached" });
    await waitSaved();

    const doc = await savedDoc();
    const gen = doc.processors.find((p) => p.id === ids.gen)!;
    expect(gen.properties).toMatchObject({ batchSize: "2", customText: "hello from ${literal('sluice')}" });
    expect(gen.scheduling.runSchedule).toBe("200 ms");
    expect(doc.processors.find((p) => p.id === ids.upd)!.properties).toEqual({ greeting: "${literal('hi'):toUpper()}" });
    expect(doc.processors.find((p) => p.id === ids.log)!.autoTerminate).toEqual(["success"]);
  });

  it("starts a processor and sees the queue and out counts rise, then lists the queue and opens a FlowFile", async () => {
    await node(ids.gen).locator(".processor-type").click();
    await page.getByRole("button", { name: "Start selected" }).click();
    await expect.poll(() => queued(ids.genToUpd), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    await expect.poll(() => statNumber(ids.gen, "out"), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    await expect(node(ids.gen).getAttribute("data-state")).resolves.toBe("running");
    await page.getByRole("button", { name: "Stop selected" }).click();
    await expect.poll(() => node(ids.gen).getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");

    await page.getByTestId(`connection-label-${ids.genToUpd}`).dblclick();
    const panel = page.getByTestId("connection-panel");
    await panel.waitFor();
    await panel.getByRole("button", { name: "List queue" }).click();
    const rows = panel.getByTestId("queue-row");
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(4);
    await rows.first().click();
    const content = panel.getByTestId("flowfile-content");
    await expect.poll(() => content.textContent()).toContain("hello from sluice");
    await expect(panel.getByRole("table", { name: "Attributes" }).textContent()).resolves.toContain("mime.type");
    await page.screenshot({ path: path.join(shots, "designer-queue.png") });
    await panel.getByRole("button", { name: "Cancel" }).click();
  });

  it("starts the whole flow: every processor counts FlowFiles out and the queue drains; then stops", async () => {
    await clickPane();
    await page.getByRole("button", { name: "Start all" }).click();
    await expect.poll(() => statNumber(ids.upd, "out"), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    await expect.poll(() => statNumber(ids.log, "in"), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    await expect.poll(() => node(ids.log).getAttribute("data-state"), { timeout: 10_000 }).toBe("running");
    await page.screenshot({ path: path.join(shots, "designer-canvas.png") });
    await page.getByRole("button", { name: "Stop all" }).click();
    for (const id of [ids.gen, ids.upd, ids.log]) await expect.poll(() => node(id).getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");
    await expect.poll(() => queued(ids.updToLog), { timeout: 10_000 }).toBe(0);
  });

  it("finds the flow intact after a reload", async () => {
    await waitSaved();
    await page.reload();
    await node(ids.gen).waitFor();
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
    await expect(page.locator(".react-flow__node").count()).resolves.toBe(3);
    const panel = await openConfig(ids.gen);
    await expect(panel.locator("#prop-batchSize").inputValue()).resolves.toBe("2");
    await expect(panel.locator("#cfg-runSchedule").inputValue()).resolves.toBe("200 ms");
    await panel.getByRole("button", { name: "Cancel" }).click();
  });

  it("undoes a delete", async () => {
    await node(ids.log).locator(".processor-type").click();
    await page.keyboard.press("Delete");
    await node(ids.log).waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);
    await waitSaved();
    expect((await savedDoc()).processors).toHaveLength(2);

    await page.keyboard.press("Control+z");
    await node(ids.log).waitFor();
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
    await waitSaved();
    const doc = await savedDoc();
    expect(doc.processors.map((p) => p.id).sort()).toEqual([ids.gen, ids.upd, ids.log].sort());
    expect(doc.connections.map((c) => c.id).sort()).toEqual([ids.genToUpd, ids.updToLog].sort());
  });

  it("exports the flow file and imports it again; a broken file is refused with field paths", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export" }).click()]);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, "utf8")) as Doc & { sluice: number; name: string };
    expect(exported.sluice).toBe(1);
    expect(exported.name).toBe(FLOW_NAME);
    expect(exported.processors).toHaveLength(3);
    expect(exported.connections).toHaveLength(2);

    await page.goto(`${baseUrl}/`);
    await page.getByTestId("import-input").setInputFiles(file);
    await page.getByRole("status").filter({ hasText: "Imported" }).waitFor();
    await expect.poll(() => page.getByTestId("flow-link").filter({ hasText: FLOW_NAME }).count(), { timeout: 10_000 }).toBe(2);

    const broken = { ...exported, processors: [{ ...exported.processors[0], type: 42 }] };
    await page.getByTestId("import-input").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(broken)) });
    const err = page.getByTestId("list-error");
    await err.waitFor();
    await expect(err.textContent()).resolves.toContain("processors[0].type");
  });

  it("refuses a stale save from a second tab with a clear 409 message", async () => {
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await node(ids.gen).waitFor();
    const other = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
    try {
      await other.goto(`${baseUrl}/flows/${flowId}`);
      await node(ids.gen, other).waitFor();
      await other.getByLabel("Search processors").fill("LogMessage");
      await other.getByTestId("palette-LogMessage").press("Enter");
      await other.waitForFunction(() => document.querySelectorAll('[data-testid^="processor-node-"]').length === 4);
      await waitSaved(other);

      // The first tab still holds the old revision: its next save must be refused, not merged.
      const box = (await node(ids.upd).boundingBox())!;
      await page.mouse.move(box.x + 40, box.y + 30);
      await page.mouse.down();
      await page.mouse.move(box.x + 140, box.y + 40, { steps: 6 });
      await page.mouse.up();
      const banner = page.getByTestId("banner");
      await banner.waitFor({ timeout: 15_000 });
      await expect(banner.textContent()).resolves.toContain("changed elsewhere");
      await expect(page.getByTestId("save-state").getAttribute("data-state")).resolves.toBe("stale");
      expect((await savedDoc()).processors).toHaveLength(4);
    } finally {
      await other.context().close();
    }
  });
});
