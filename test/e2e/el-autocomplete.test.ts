// Issue 13: the config panel completes Expression Language function names after `:` (and
// standalone ones right after `${`) from the evaluator's own function table, and its EL hint
// links to the in-app reference.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { importFlow, openDesigner, rig, type Rig } from "./day-two-helpers";
import { openConfig } from "./helpers";

const baseUrl = inject("baseUrl");
let r: Rig;

beforeAll(async () => {
  r = await rig(baseUrl);
});
afterAll(async () => {
  await r?.browser.close();
});

describe("Expression Language in the config panel", () => {
  it("offers function names after ':' and inserts the chosen one; the hint links to the reference", async () => {
    const { page, session } = r;
    const id = await importFlow(session, "Completion", {
      processors: [{ id: "gen", name: "Make", type: "GenerateFlowFile", autoTerminate: ["success"], position: { x: 0, y: 0 } }],
    });
    await openDesigner(page, baseUrl, id);
    await openConfig(page, "gen");
    const field = page.getByLabel("Custom Text", { exact: true });
    await field.click();
    await field.pressSequentially("${filename:toU");
    const list = page.getByTestId("el-suggestions");
    await list.waitFor();
    const options = await list.getByRole("option").allInnerTexts();
    expect(options.length).toBeGreaterThan(0);
    expect(options.every((o) => o.startsWith("toU"))).toBe(true);
    expect(options.some((o) => o.startsWith("toUpper()"))).toBe(true);
    await page.keyboard.press("Enter");
    await expect(field.inputValue()).resolves.toBe("${filename:toUpper()");
    await list.waitFor({ state: "detached" });

    // Right after `${`, the standalone functions (now(), UUID()…), not the subject ones.
    await field.fill("");
    await field.pressSequentially("x ${no");
    await list.waitFor();
    const standalone = await list.getByRole("option").allInnerTexts();
    expect(standalone.some((o) => o.startsWith("now()"))).toBe(true);
    await list.getByRole("option").filter({ hasText: /^now\(\)/ }).dispatchEvent("mousedown");
    await expect(field.inputValue()).resolves.toBe("x ${now()");

    // The hint's link goes to the generated reference.
    await page.getByRole("button", { name: "${EL}" }).first().click();
    const href = await page.getByTestId("el-hint").getByRole("link", { name: "Full reference" }).getAttribute("href");
    expect(href).toBe("/docs/expression-language");
    const res = await page.request.get(`${baseUrl}${href}`);
    expect(res.status()).toBe(200);
  });
});
