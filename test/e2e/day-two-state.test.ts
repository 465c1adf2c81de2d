// Issue 13, item 7 (the designer's parts): state shown stale or wrong. A process group of a flow
// that is not deployed does not say "1 running"; the queue listing follows the queue; the
// version diff is not left showing the comparison from before a revert.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { importFlow, openDesigner, rig, type Rig } from "./day-two-helpers";
import { processorNode, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
let r: Rig;
const started: string[] = [];

beforeAll(async () => {
  r = await rig(baseUrl);
});
afterAll(async () => {
  for (const id of started) await r.session.call("POST", `/api/flows/${id}/run`, { action: "stop" }).catch(() => undefined);
  await r?.browser.close();
});

describe("state shown in the designer", () => {
  it("a group of a flow that is not deployed says 0 running, whatever the document's run states", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Idle group", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", state: "running", group: "grp", position: { x: 0, y: 0 } },
        { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], state: "running", group: "grp", position: { x: 0, y: 220 } },
      ],
      groups: [{ id: "grp", name: "Work", position: { x: 0, y: 0 } }],
      connections: [{ id: "gen-log", source: "gen", destination: "log", relationships: ["success"] }],
    });
    await openDesigner(page, baseUrl, id);
    await expect(page.getByTestId("deploy-state").textContent()).resolves.toBe("Not deployed");
    await expect(page.getByTestId("group-node-grp").textContent()).resolves.toContain("2 processors · 0 running");
  });

  it("the queue listing follows the queue without listing it again", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Growing queue", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", properties: { batchSize: "1" }, scheduling: { runSchedule: "300 ms" }, state: "stopped", position: { x: 0, y: 0 } },
        { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 220 } },
      ],
      connections: [{ id: "gen-log", source: "gen", destination: "log", relationships: ["success"] }],
    });
    started.push(id);
    await openDesigner(page, baseUrl, id);
    await session.ok("POST", `/api/flows/${id}/run`, { action: "start", processors: ["gen"] });
    await page.getByTestId("connection-label-gen-log").dblclick();
    const panel = page.getByTestId("connection-panel");
    await panel.getByRole("button", { name: "List queue" }).click();
    const rows = panel.getByTestId("queue-row");
    await rows.first().waitFor({ timeout: 10_000 });
    const first = await rows.count();
    // Without another click, the listing grows with the queue.
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(first + 2);
    await session.ok("POST", `/api/flows/${id}/run`, { action: "stop" });
    await panel.getByRole("button", { name: "Cancel" }).click();
  });

  it("a comparison shown in Versions is computed again after a revert", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Versioned", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", state: "stopped", position: { x: 0, y: 0 } },
        { id: "log", name: "Log", type: "LogAttribute", autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 220 } },
      ],
      connections: [{ id: "gen-log", source: "gen", destination: "log", relationships: ["success"] }],
    });
    await openDesigner(page, baseUrl, id);
    await page.getByRole("button", { name: "Versions" }).click();
    const panel = page.getByTestId("versions-panel");
    await panel.getByLabel("Commit message").fill("two processors");
    await panel.getByRole("button", { name: "Commit" }).click();
    await panel.getByRole("status").filter({ hasText: "Committed version 1" }).waitFor();

    await processorNode(page, "log").locator(".processor-type").click();
    await page.keyboard.press("Delete");
    await processorNode(page, "log").waitFor({ state: "detached" });
    await waitSaved(page);

    await panel.getByLabel("Compare from").selectOption("1");
    await panel.getByLabel("Compare to").selectOption("current");
    await panel.getByRole("button", { name: "Diff" }).click();
    const diff = panel.getByTestId("diff-view");
    await expect.poll(() => diff.textContent()).toContain("removed Log");

    page.once("dialog", (d) => void d.accept());
    await panel.getByTestId("version-row").first().getByRole("button", { name: "Revert" }).click();
    await panel.getByRole("status").filter({ hasText: "Reverted to version 1" }).waitFor();
    await processorNode(page, "log").waitFor();
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain("No differences");
    await expect(panel.textContent()).resolves.not.toContain("removed Log");
  });
});
