// The flow list and the flow canvas in real Chromium (Debian's, via playwright-core).
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, signedInPage } from "./helpers";

const root = path.resolve(import.meta.dirname, "../..");
const example = JSON.parse(readFileSync(path.join(root, "prisma/seed/example-flow.json"), "utf8")) as {
  name: string;
  processors: { id: string; name: string; type: string }[];
  connections: { id: string }[];
};
const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
});

describe("flows pages", () => {
  it("lists the example flow and opens it on the designer canvas", async () => {
    const res = await page.goto(`${baseUrl}/`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("link", { name: "Sluice" }).isVisible()).resolves.toBe(true);
    // The example itself, not a copy imported under its name by another test ("… (2)").
    const link = page.getByRole("link", { name: new RegExp(`^${example.name.replace(/[()]/g, "\\$&")}(?! \\(\\d+\\))`) });
    await link.waitFor();
    await expect(link.textContent()).resolves.toContain(`${example.processors.length} processors`);

    await link.click();
    await page.waitForURL(/\/flows\/[^/]+$/);
    await page.locator(".react-flow__node").first().waitFor();

    for (const p of example.processors) {
      const node = page.getByTestId(`processor-node-${p.id}`);
      await node.waitFor({ state: "visible" });
      await expect(node.textContent()).resolves.toContain(p.name);
      await expect(node.textContent()).resolves.toContain(p.type);
      await expect(page.locator(".react-flow__node", { hasText: p.name }).isVisible()).resolves.toBe(true);
    }
    await expect(page.locator(".react-flow__node").count()).resolves.toBe(example.processors.length);
    // Edges render after node measurement; wait for every one to have a drawn path.
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__edge path.react-flow__edge-path").length === n, example.connections.length);
    await expect(page.locator(".react-flow__edge").count()).resolves.toBe(example.connections.length);
    // Connection labels (relationships and queue gauge) are HTML drawn over the edges.
    await expect(page.locator(".sluice-edge-label", { hasText: "urgent" }).count()).resolves.toBe(1);
    // The MiniMap draws only measured nodes, so this also checks that sizes reached the store.
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__minimap-node").length === n, example.processors.length);

    mkdirSync(path.join(root, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(root, "test-results", "canvas-readonly.png") });
  });

  it("answers 404 with a readable page for an unknown flow", async () => {
    const res = await page.goto(`${baseUrl}/flows/does-not-exist`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "Back to all flows" }).isVisible()).resolves.toBe(true);
  });
});
