// The canvas's level of detail: a flow too wide to read when fitted into view shows compact
// processors (state and name, no handles) and bare connection lines; zooming in past DETAIL_ZOOM
// brings back the types, counters, handles and connection labels, in nodes of the same size.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { importFlow, openDesigner, rig, type Rig } from "./day-two-helpers";
import { processorNode } from "./helpers";

const baseUrl = inject("baseUrl");
let r: Rig;
let flowId = "";

// Twelve processors in a row, 600 px apart: fitted into a 1500 px window that is a zoom of about 0.15.
const flow = {
  processors: Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, name: `Step ${i}`, type: i === 0 ? "GenerateFlowFile" : "UpdateAttribute", position: { x: i * 600, y: 0 } })),
  connections: Array.from({ length: 11 }, (_, i) => ({ id: `c${i}`, source: `p${i}`, destination: `p${i + 1}`, relationships: ["success"] })),
};

/** The canvas's zoom, from React Flow's viewport transform. */
async function zoom(page: Rig["page"]): Promise<number> {
  const transform = await page.locator(".react-flow__viewport").evaluate((el) => (el as HTMLElement).style.transform);
  return Number(/scale\(([\d.]+)\)/.exec(transform)?.[1]);
}

beforeAll(async () => {
  r = await rig(baseUrl);
  flowId = await importFlow(r.session, "Detail", flow);
});
afterAll(async () => {
  await r?.browser.close();
});

describe("level of detail", () => {
  it("shows compact processors and bare lines when zoomed out, and everything once zoomed in", async () => {
    const { page } = r;
    await openDesigner(page, baseUrl, flowId);
    const node = processorNode(page, "p5");
    await node.waitFor();
    expect(await zoom(page)).toBeLessThan(0.4);
    await expect(node.getAttribute("aria-label")).resolves.toBe("Processor Step 5 (UpdateAttribute)");
    await expect(node.getAttribute("title")).resolves.toBe("Step 5");
    await expect(node.getByTestId("run-state").getAttribute("aria-label")).resolves.toBe("state Stopped");
    await expect(node.locator(".processor-type").count()).resolves.toBe(0);
    await expect(page.locator("[data-testid^=connection-label-]").count()).resolves.toBe(0);
    await expect(page.locator(".react-flow__edge").count()).resolves.toBe(11);
    await expect(node.locator(".react-flow__handle").first().isVisible()).resolves.toBe(false);
    const compact = (await node.boundingBox())!;
    const compactZoom = await zoom(page);

    const zoomIn = page.locator(".react-flow__controls-zoomin");
    while ((await zoom(page)) < 0.4) await zoomIn.click();
    await page.getByTestId("connection-label-c4").waitFor();
    await expect(page.locator("[data-testid^=connection-label-]").count()).resolves.toBe(11);
    await expect(node.locator(".processor-type").textContent()).resolves.toBe("UpdateAttribute");
    await expect(node.getByTestId("stat-in").textContent()).resolves.toContain("In 0");
    await expect(node.locator(".react-flow__handle").first().isVisible()).resolves.toBe(true);
    // Same node size at both levels: nothing is re-measured, no edge moves.
    const detailed = (await node.boundingBox())!;
    const detailedZoom = await zoom(page);
    expect(detailed.width / detailedZoom).toBeCloseTo(compact.width / compactZoom, 0);
    expect(detailed.height / detailedZoom).toBeCloseTo(compact.height / compactZoom, 0);
  });
});
