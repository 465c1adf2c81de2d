// Issue 13, item 5: validation messages in the user's words. The Problems list names the
// processor and the field (not `processors[1].properties.directory`) and selects the component;
// the config panel does not say "Valid" while the canvas says invalid; "abc" in Concurrent tasks
// gets a plain message; one field's error does not hide another's.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { importFlow, openDesigner, rig, type Rig } from "./day-two-helpers";
import { openConfig, processorNode } from "./helpers";

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

describe("validation messages", () => {
  it("the Problems list names the processor and field, and choosing a problem selects the processor", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Problems", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", position: { x: 0, y: 0 } },
        { id: "put", name: "Write files", type: "PutFile", autoTerminate: ["success", "failure"], position: { x: 0, y: 220 } },
      ],
      connections: [{ id: "gen-put", source: "gen", destination: "put", relationships: ["success"] }],
    });
    await openDesigner(page, baseUrl, id);
    await page.getByRole("button", { name: /^Problems \(/ }).click();
    const list = page.getByTestId("problems-panel");
    const problem = list.getByTestId("problem").filter({ hasText: "Write files" }).first();
    await problem.waitFor();
    await expect(problem.textContent()).resolves.toContain("Write files (PutFile) · Directory");
    await expect(list.textContent()).resolves.not.toContain("processors[");
    await expect(page.locator(".react-flow__node.selected").count()).resolves.toBe(0);
    await problem.getByRole("button").click();
    await expect.poll(() => page.locator(".react-flow__node.selected").getAttribute("data-id")).toBe("put");
  });

  it("the config panel is not 'Valid' while the canvas says invalid, and names why", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Unterminated", {
      processors: [
        { id: "gen", name: "Make", type: "GenerateFlowFile", position: { x: 0, y: 0 } },
        { id: "put", name: "Write files", type: "PutFile", properties: { directory: outDir }, autoTerminate: ["success"], position: { x: 0, y: 220 } },
      ],
      connections: [{ id: "gen-put", source: "gen", destination: "put", relationships: ["success"] }],
    });
    await openDesigner(page, baseUrl, id);
    await expect.poll(() => processorNode(page, "put").getAttribute("data-state")).toBe("invalid");
    const panel = await openConfig(page, "put");
    const status = panel.getByTestId("config-status");
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('Relationship "failure" is neither connected nor auto-terminated');
    await expect(status.textContent()).resolves.not.toBe("Valid");
    // Ticking auto-terminate makes it valid, as the canvas will agree.
    await panel.getByLabel("Auto-terminate failure").check();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("Valid");
    await panel.getByRole("button", { name: "Cancel" }).click();
  });

  it("says 'abc' is not a whole number in plain words, and shows every bad field's message at once", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Bad numbers", {
      processors: [{ id: "gen", name: "Make", type: "GenerateFlowFile", autoTerminate: ["success"], position: { x: 0, y: 0 } }],
      connections: [],
    });
    await openDesigner(page, baseUrl, id);
    const panel = await openConfig(page, "gen");
    await panel.getByLabel("Concurrent tasks").fill("abc");
    await panel.getByLabel("Run schedule").fill("soon");
    await panel.getByLabel("Yield duration").fill("later");
    const errors = panel.locator(".field-error");
    await expect.poll(async () => (await errors.allTextContents()).length, { timeout: 10_000 }).toBe(3);
    expect((await errors.allTextContents()).join("\n")).not.toMatch(/expected number|received null|Invalid input/);
    // Each field shows its own message: the count's in plain words, the durations' too.
    const field = (inputId: string) => panel.locator(`#${inputId}`).locator("xpath=..").locator(".field-error");
    await expect(field("cfg-concurrentTasks").allTextContents()).resolves.toEqual(["Concurrent tasks must be a whole number"]);
    await expect(field("cfg-runSchedule").count()).resolves.toBe(1);
    await expect(field("cfg-yield").count()).resolves.toBe(1);
    await expect(panel.getByRole("button", { name: "Apply" }).isDisabled()).resolves.toBe(true);
  });
});
