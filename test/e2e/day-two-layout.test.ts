// Issue 13, item 9 and the designer's day-two extras: the minimap does not cover nodes while a
// side panel is open, the toolbar fits below 1440 px, banners do not push the canvas down, dark
// mode (a remembered switch, following prefers-color-scheme until used; takes
// docs/screenshots/dark-mode.png); keyboard help on `?`; copy and paste of a group with its
// content; a connection's load balance strategy.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { contextMenu, importFlow, openDesigner, rig, SCREENSHOTS, storedDoc, type Rig } from "./day-two-helpers";
import { openConfig, processorNode, signedInPage, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
let r: Rig;
let flowId = "";

const flow = {
  processors: [
    { id: "gen", name: "Make orders", type: "GenerateFlowFile", position: { x: 0, y: 0 } },
    { id: "log", name: "Log orders", type: "LogAttribute", autoTerminate: ["success"], position: { x: 0, y: 240 } },
    { id: "tag", name: "Tag", type: "UpdateAttribute", properties: { tagged: "yes" }, group: "grp", position: { x: 0, y: 0 } },
    { id: "keep", name: "Keep", type: "LogAttribute", autoTerminate: ["success"], group: "sub", position: { x: 0, y: 240 } },
  ],
  groups: [
    { id: "grp", name: "Tagging", position: { x: 420, y: 0 } },
    { id: "sub", name: "Keeping", parent: "grp", position: { x: 300, y: 200 } },
  ],
  connections: [
    { id: "gen-log", source: "gen", destination: "log", relationships: ["success"] },
    { id: "gen-tag", source: "gen", destination: "tag", relationships: ["success"] },
    { id: "tag-keep", source: "tag", destination: "keep", relationships: ["success"] },
  ],
};

/** Relative luminance (0 black … 1 white) of a CSS rgb()/oklch() colour, as the browser computes it. */
async function luminance(page: Rig["page"], selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    const c = document.createElement("canvas").getContext("2d")!;
    c.fillStyle = getComputedStyle(el).backgroundColor;
    c.fillRect(0, 0, 1, 1);
    const [r, g, b] = c.getImageData(0, 0, 1, 1).data;
    return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
  }, selector);
}

beforeAll(async () => {
  r = await rig(baseUrl);
  flowId = await importFlow(r.session, "Layout", flow);
});
afterAll(async () => {
  await r?.browser.close();
});

describe("layout", () => {
  it("hides the minimap while a side panel is open, so it covers no node", async () => {
    const { page } = r;
    await openDesigner(page, baseUrl, flowId);
    await page.locator(".react-flow__minimap").waitFor();
    await openConfig(page, "gen");
    await expect(page.locator(".react-flow__minimap").count()).resolves.toBe(0);
    await page.getByTestId("config-panel").getByRole("button", { name: "Cancel" }).click();
    await page.locator(".react-flow__minimap").waitFor();
  });

  it("fits the whole toolbar on screen at 1200 px with a selection", async () => {
    const { page } = r;
    await page.setViewportSize({ width: 1200, height: 900 });
    await processorNode(page, "gen").locator(".processor-type").click();
    const toolbar = page.getByTestId("toolbar");
    await toolbar.getByRole("button", { name: "Stop selected" }).waitFor();
    const outside = await toolbar.locator("button, a, input").evaluateAll((els) =>
      els.filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && (b.left < 0 || b.right > window.innerWidth);
      }).map((e) => e.textContent),
    );
    expect(outside).toEqual([]);
    await page.setViewportSize({ width: 1500, height: 950 });
  });

  it("shows banners over the canvas without moving it", async () => {
    const { page } = r;
    const canvas = page.getByRole("region", { name: "Flow canvas" });
    const before = (await canvas.boundingBox())!;
    await processorNode(page, "gen").locator(".processor-type").click();
    await page.keyboard.press("Control+c");
    const banner = page.getByTestId("banner");
    await banner.filter({ hasText: "Copied 1 processor." }).waitFor();
    const after = (await canvas.boundingBox())!;
    expect(after.y).toBe(before.y);
    expect(after.height).toBe(before.height);
    // The parameter binding in the top right corner stays clear of the banner, whatever the
    // length of the context names in its list (other tests make long ones).
    const binding = (await page.getByTestId("parameter-binding").boundingBox())!;
    const shown = (await banner.boundingBox())!;
    expect(binding.x).toBeGreaterThanOrEqual(shown.x + shown.width);
    await banner.getByRole("button", { name: "Dismiss" }).click();
  });
});

describe("dark mode", () => {
  it("switches to dark and back, remembers the choice, and follows the system's setting until one is made", async () => {
    const { page, browser } = r;
    await openDesigner(page, baseUrl, flowId);
    await expect(page.evaluate(() => document.documentElement.classList.contains("dark"))).resolves.toBe(false);
    expect(await luminance(page, "body")).toBeGreaterThan(0.8);

    await page.getByTestId("theme-toggle").click();
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    expect(await luminance(page, "body")).toBeLessThan(0.2);
    expect(await luminance(page, "[data-testid=toolbar]")).toBeLessThan(0.2);
    await expect(page.locator(".react-flow").getAttribute("class")).resolves.toContain("dark");
    // The canvas's nodes are dark too.
    expect(await luminance(page, "[data-testid=processor-node-gen]")).toBeLessThan(0.2);

    await page.reload();
    await page.getByTestId("designer").waitFor();
    await expect(page.evaluate(() => document.documentElement.classList.contains("dark"))).resolves.toBe(true);
    await page.locator(".react-flow__node").first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "dark-mode.png"), clip: { x: 0, y: 0, width: 1500, height: 800 } });

    await page.getByTestId("theme-toggle").click();
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(false);
    await expect(page.evaluate(() => localStorage.getItem("sluice.theme"))).resolves.toBe("light");

    // A new browser profile with a dark system setting starts dark, before any choice.
    const dark = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1200, height: 800 }, colorScheme: "dark" });
    await dark.goto(`${baseUrl}/`);
    await expect(dark.evaluate(() => document.documentElement.classList.contains("dark"))).resolves.toBe(true);
    await dark.context().close();
  });
});

describe("designer extras", () => {
  it("shows the keyboard shortcuts on ?", async () => {
    const { page } = r;
    await openDesigner(page, baseUrl, flowId);
    await page.locator(".react-flow__pane").click({ position: { x: 30, y: 30 } });
    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    const text = (await help.textContent()) ?? "";
    for (const k of ["Ctrl+Z", "Ctrl+C", "Ctrl+V", "Ctrl+A", "Delete"]) expect(text).toContain(k);
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
  });

  it("copies a group with its nested group, processors and inner connections, and pastes it", async () => {
    const { page, session } = r;
    await openDesigner(page, baseUrl, flowId);
    const menu = await contextMenu(page, page.getByTestId("group-node-grp"));
    await menu.getByRole("menuitem", { name: "Copy" }).click();
    await page.getByTestId("banner").filter({ hasText: "Copied 1 group." }).waitFor();
    await page.keyboard.press("Control+v");
    await expect.poll(() => page.locator('[data-testid^="group-node-"]').count()).toBe(2);
    await waitSaved(page);
    const doc = await storedDoc(session, flowId);
    const copies = doc.groups.filter((g) => g.id !== "grp" && g.id !== "sub");
    const outer = copies.find((g) => g.name === "Tagging")!;
    const inner = copies.find((g) => g.name === "Keeping")!;
    expect(outer.parent).toBeUndefined();
    expect(inner.parent).toBe(outer.id);
    const tag = doc.processors.find((p) => p.group === outer.id)!;
    const keep = doc.processors.find((p) => p.group === inner.id)!;
    expect([tag.name, keep.name]).toEqual(["Tag (copy)", "Keep (copy)"]);
    // The inner connection came along (it is the nested group's input port); gen → Tag did not.
    expect(doc.connections.filter((c) => c.source === tag.id || c.destination === tag.id).map((c) => [c.source, c.destination])).toEqual([[tag.id, keep.id]]);
    await page.getByTestId(`group-node-${outer.id}`).getByRole("button", { name: "Enter group Tagging" }).click();
    await processorNode(page, tag.id).waitFor();
    await page.getByTestId(`group-node-${inner.id}`).getByRole("button", { name: "Enter group Keeping" }).click();
    await page.getByTestId("port-in").waitFor();
    await page.getByRole("navigation", { name: "Process group breadcrumbs" }).getByRole("button", { name: "Root" }).click();
  });

  it("sets a connection's load balance strategy and partition attribute", async () => {
    const { page, session } = r;
    await page.getByTestId("connection-label-gen-log").dblclick();
    const panel = page.getByTestId("connection-panel");
    await expect(panel.getByLabel("Partition attribute").count()).resolves.toBe(0);
    await panel.getByLabel("Load balance").selectOption("partition-by-attribute");
    await expect(panel.getByRole("button", { name: "Apply" }).isDisabled()).resolves.toBe(true);
    await panel.getByLabel("Partition attribute").fill("customer");
    await expect.poll(() => panel.getByRole("button", { name: "Apply" }).isEnabled()).toBe(true);
    await panel.getByRole("button", { name: "Apply" }).click();
    await waitSaved(page);
    const doc = await storedDoc(session, flowId);
    expect(doc.connections.find((c) => c.id === "gen-log")!.loadBalance).toEqual({ strategy: "partition-by-attribute", partitionAttribute: "customer" });
  });
});
