// Issue 13, item 2: a connection from a processor back to itself (PutFile failure → PutFile, the
// usual retry loop) is drawn, can be selected and deleted, and its relationship is not shown
// as auto-terminated.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { importFlow, openDesigner, rig, storedDoc, type Rig } from "./day-two-helpers";
import { openConfig, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
/** A directory inside SLUICE_FILE_ROOTS (the data dir's files/), so PutFile is valid. */
const outDir = `${inject("dataDir")}/files/out`;
let r: Rig;

beforeAll(async () => {
  r = await rig(baseUrl);
});
afterAll(async () => {
  await r?.browser.close();
});

describe("self-loop connections", () => {
  it("draws PutFile failure → PutFile after a reload, shows failure as connected, and deletes it when selected", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Retry loop", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", position: { x: 0, y: 0 } },
        // As the bug left it: failure connected to itself and still in autoTerminate.
        { id: "put", name: "Write files", type: "PutFile", properties: { directory: outDir }, autoTerminate: ["success", "failure"], position: { x: 0, y: 220 } },
      ],
      connections: [
        { id: "make-write", source: "gen", destination: "put", relationships: ["success"] },
        { id: "retry", source: "put", destination: "put", relationships: ["failure"] },
      ],
    });
    await openDesigner(page, baseUrl, id);
    await page.reload();
    await page.getByTestId("designer").waitFor();

    const label = page.getByTestId("connection-label-retry");
    await label.waitFor({ timeout: 10_000 });
    await expect(label.locator(".edge-relationships").textContent()).resolves.toBe("failure");
    // The loop is a real path beside the node, not a zero-length line.
    const path = page.getByTestId("rf__edge-retry").locator("path.react-flow__edge-path");
    const box = (await path.boundingBox())!;
    const nodeBox = (await page.getByTestId("processor-node-put").boundingBox())!;
    expect(box.height).toBeGreaterThan(nodeBox.height);
    expect(box.x + box.width).toBeGreaterThan(nodeBox.x + nodeBox.width);

    const panel = await openConfig(page, "put");
    await expect(panel.getByLabel("Auto-terminate failure").isChecked()).resolves.toBe(false);
    await expect(panel.getByLabel("Auto-terminate failure").isDisabled()).resolves.toBe(true);
    await expect(panel.getByLabel("Auto-terminate success").isChecked()).resolves.toBe(true);
    await panel.getByRole("button", { name: "Cancel" }).click();

    // Select the loop (its label, as for any connection), then delete it.
    await label.click();
    await expect.poll(() => page.getByTestId("rf__edge-retry").getAttribute("class")).toContain("selected");
    await page.keyboard.press("Delete");
    await label.waitFor({ state: "detached" });
    await waitSaved(page);
    const doc = await storedDoc(session, id);
    expect(doc.connections.map((c) => c.id)).toEqual(["make-write"]);
  });
});
