// Issue 13, item 3: right-click menus on processors, connections, groups and the canvas; "View
// data provenance" opens the provenance page filtered to the processor (?component=); Run once
// and Disable/Enable from the menu; the toolbar's Provenance button stays on screen at 1440 px
// and below with something selected. Takes docs/screenshots/context-menu.png.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { contextMenu, importFlow, menuLabels, openDesigner, rig, SCREENSHOTS, storedDoc, type Rig } from "./day-two-helpers";
import { processorNode, queuedCount, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
let r: Rig;
let flowId = "";

const flow = {
  processors: [
    { id: "gen", name: "Make orders", type: "GenerateFlowFile", properties: { customText: "order", batchSize: "2" }, scheduling: { runSchedule: "500 ms" }, state: "stopped", position: { x: 0, y: 0 } },
    { id: "log", name: "Log orders", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 240 } },
    { id: "inner", name: "Inner log", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 400, y: 0 }, group: "grp" },
  ],
  groups: [{ id: "grp", name: "Archive", position: { x: 420, y: 240 } }],
  connections: [{ id: "gen-log", source: "gen", destination: "log", relationships: ["success"] }],
};

beforeAll(async () => {
  r = await rig(baseUrl);
  flowId = await importFlow(r.session, "Menus", flow);
});
afterAll(async () => {
  if (flowId) await r.session.call("POST", `/api/flows/${flowId}/run`, { action: "stop" }).catch(() => undefined);
  await r?.browser.close();
});

describe("context menus", () => {
  it("opens a menu on a processor, a connection, a group and the canvas, each with its commands", async () => {
    const { page } = r;
    await openDesigner(page, baseUrl, flowId);

    let menu = await contextMenu(page, processorNode(page, "gen").locator(".processor-type"));
    await expect(menu.getAttribute("aria-label")).resolves.toBe("Make orders");
    expect(await menuLabels(menu)).toEqual(["Configure", "Start", "Stop", "Run once", "Disable", "View data provenance", "View status history", "Center in view", "Copy", "Delete"]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "context-menu.png"), clip: { x: 0, y: 0, width: 1100, height: 780 } });
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });

    menu = await contextMenu(page, page.getByTestId("connection-label-gen-log"));
    expect(await menuLabels(menu)).toEqual(["Configure", "List queue", "Empty queue", "View data provenance", "View status history", "Center in view", "Delete"]);
    await menu.getByRole("menuitem", { name: "List queue" }).click();
    await page.getByTestId("connection-panel").getByTestId("queue-table").waitFor();
    await page.getByTestId("connection-panel").getByRole("button", { name: "Cancel" }).click();

    menu = await contextMenu(page, page.getByTestId("group-node-grp"));
    expect(await menuLabels(menu)).toEqual(["Enter group", "Start", "Stop", "Enable all", "Disable all", "Center in view", "Copy", "Delete"]);
    await page.keyboard.press("Escape");

    const pane = page.locator(".react-flow__pane");
    const paneBox = (await pane.boundingBox())!;
    menu = await contextMenu(page, pane, { x: paneBox.width - 260, y: 40 });
    expect(await menuLabels(menu)).toEqual(["Start all", "Stop all", "Paste", "Select all", "Fit view", "Auto-layout", "View data provenance", "Keyboard shortcuts"]);
    // A click elsewhere closes it.
    await page.mouse.click(paneBox.x + 20, paneBox.y + paneBox.height - 20);
    await menu.waitFor({ state: "detached" });
  });

  it("runs a stopped processor once, and disables and enables it, from its menu", async () => {
    const { page, session } = r;
    await session.ok("POST", `/api/flows/${flowId}/run`, { action: "start", processors: ["gen"] });
    await session.ok("POST", `/api/flows/${flowId}/run`, { action: "stop", processors: ["gen"] });
    await page.reload();
    await page.getByTestId("designer").waitFor();
    await expect.poll(() => processorNode(page, "gen").getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");
    // What the short start queued, once the canvas shows it.
    const before = (await session.ok<{ queued: { count: number } }>("GET", `/api/flows/${flowId}/connections/gen-log/queue`)).queued.count;
    await expect.poll(() => queuedCount(page, "gen-log"), { timeout: 10_000 }).toBe(before);

    let menu = await contextMenu(page, processorNode(page, "gen").locator(".processor-type"));
    await menu.getByRole("menuitem", { name: "Run once" }).click();
    await page.getByTestId("banner").filter({ hasText: "Make orders ran once." }).waitFor();
    // One trigger of a batch of 2, and the processor is stopped again.
    await expect.poll(() => queuedCount(page, "gen-log"), { timeout: 10_000 }).toBe(before + 2);
    await expect(processorNode(page, "gen").getAttribute("data-state")).resolves.toBe("stopped");

    menu = await contextMenu(page, processorNode(page, "gen").locator(".processor-type"));
    await menu.getByRole("menuitem", { name: "Disable" }).click();
    await expect.poll(() => processorNode(page, "gen").getAttribute("data-state"), { timeout: 10_000 }).toBe("disabled");
    await expect.poll(async () => (await storedDoc(session, flowId)).processors.find((p) => p.id === "gen")!.state).toBe("disabled");
    menu = await contextMenu(page, processorNode(page, "gen").locator(".processor-type"));
    await expect(menu.getByRole("menuitem", { name: "Start", exact: true }).isDisabled()).resolves.toBe(true);
    await menu.getByRole("menuitem", { name: "Enable" }).click();
    await expect.poll(() => processorNode(page, "gen").getAttribute("data-state"), { timeout: 10_000 }).toBe("stopped");
    await waitSaved(page);
  });

  it("View data provenance from a processor opens the provenance page filtered to it", async () => {
    const { page, session } = r;
    // Both processors have events: gen's CREATEs (run once above) and log's after it runs.
    await session.ok("POST", `/api/flows/${flowId}/run`, { action: "start", processors: ["log"] });
    await expect
      .poll(async () => (await session.ok<{ events: unknown[] }>("GET", `/api/flows/${flowId}/provenance?component=log`)).events.length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await page.reload();
    await page.getByTestId("designer").waitFor();
    const menu = await contextMenu(page, processorNode(page, "gen").locator(".processor-type"));
    await menu.getByRole("menuitem", { name: "View data provenance" }).click();
    await page.waitForURL((u) => u.pathname === `/flows/${flowId}/provenance` && u.searchParams.get("component") === "gen");
    await expect(page.getByLabel("Component").inputValue()).resolves.toBe("gen");
    const rows = page.locator("[data-testid=provenance] table tbody tr");
    await rows.first().waitFor();
    const components = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector("td[title]")?.getAttribute("title") ?? ""));
    expect(components.length).toBeGreaterThan(0);
    for (const c of components) expect(c).toContain("(gen)");
  });

  it("keeps the Provenance button on screen at 1440 and 1280 px with a processor selected", async () => {
    const { page } = r;
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await page.getByTestId("designer").waitFor();
    await processorNode(page, "gen").locator(".processor-type").click();
    for (const width of [1440, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const link = page.getByRole("link", { name: "Provenance" });
      await expect.poll(async () => {
        const b = await link.boundingBox();
        return b !== null && b.x >= 0 && b.x + b.width <= width;
      }).toBe(true);
      // Clickable where it is: nothing scrolls or covers it.
      await link.click({ trial: true });
    }
    await page.setViewportSize({ width: 1500, height: 950 });
  });
});
