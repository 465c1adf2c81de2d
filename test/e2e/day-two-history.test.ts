// Day-two operation (issue 13), in real Chromium against `next start`:
// - item 1: PutFile into a missing directory routes to failure (auto-terminated); the processor
//   shows an error bulletin naming the file and the reason on the canvas, and the flow summary
//   counts it;
// - item 4: GenerateFlowFile with batch 1000 into a connection with threshold 10 never holds more
//   than 10, also right after "Empty queue";
// - item 8: FlowFiles named "☃.txt" and with a control character download (200, RFC 6266
//   filename*=) from the queue and from provenance;
// - the summary page sorted by queued count, and a connection's status history with a chart
//   (screenshots docs/screenshots/summary.png and status-history.png come from here).
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ApiSession, launchBrowser, processorNode, queuedCount, signedInPage } from "./helpers";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results");
const committedShots = path.join(root, "docs", "screenshots");
const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
const suffix = Date.now().toString(36);

let browser: Browser;
let page: Page;
let session: ApiSession;
const flows: string[] = [];

const ok = <T>(method: string, url: string, body?: unknown): Promise<T> => session.ok<T>(method, url, body);

/** Imports `flow` and starts its processors marked running (the others stay stopped); resolves to its id. */
async function startFlow(flow: { processors: Array<{ id: string; state: string } & Record<string, unknown>> } & Record<string, unknown>): Promise<string> {
  const { id } = await ok<{ id: string }>("POST", "/api/flows", { import: { ...flow, processors: flow.processors.map((p) => ({ ...p, state: "stopped" })) } });
  flows.push(id);
  await ok("POST", `/api/flows/${id}/run`, { action: "start", processors: flow.processors.filter((p) => p.state === "running").map((p) => p.id) });
  return id;
}

interface QueueAnswer {
  flowFiles: Array<{ uuid: string; attributes: Record<string, string> }>;
  queued: { count: number; bytes: number };
}
const queue = (flowId: string, cid: string) => ok<QueueAnswer>("GET", `/api/flows/${flowId}/connections/${cid}/queue`);

/** Saves a screenshot to test-results/ and a copy to docs/screenshots/. */
async function shoot(p: Page, name: string): Promise<void> {
  const file = path.join(shots, name);
  await p.screenshot({ path: file });
  copyFileSync(file, path.join(committedShots, name));
}

beforeAll(async () => {
  browser = await launchBrowser();
  session = await ApiSession.signIn(baseUrl);
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1440, height: 900 } });
  mkdirSync(shots, { recursive: true });
  mkdirSync(committedShots, { recursive: true });
});

afterAll(async () => {
  for (const id of flows) await session.call("POST", `/api/flows/${id}/run`, { action: "stop" }).catch(() => undefined);
  await browser?.close();
});

describe("day two: failures, back pressure, downloads", () => {
  it("item 1: a processor routing to an auto-terminated failure shows an error bulletin naming the file and the reason", async () => {
    const missing = path.join(dataDir, "files", `missing-${suffix}`, "deeper");
    const id = await startFlow({
      sluice: 1,
      id: `failures-${suffix}`,
      name: `Failures ${suffix}`,
      processors: [
        { id: "gen", name: "Make files", type: "GenerateFlowFile", properties: { customText: "x", totalCount: "3", filename: "report.txt" }, scheduling: { runSchedule: "200 ms" }, state: "running" },
        { id: "put", name: "Write files", type: "PutFile", properties: { directory: missing, createMissingDirectories: "false" }, autoTerminate: ["success", "failure"], state: "running" },
      ],
      connections: [{ id: "gen-put", source: "gen", relationships: ["success"], destination: "put" }],
    });
    await page.goto(`${baseUrl}/flows/${id}`);
    const icon = processorNode(page, "put").getByTestId("bulletin-icon");
    await icon.waitFor({ timeout: 30_000 });
    const title = (await icon.getAttribute("title")) ?? "";
    expect(title).toMatch(/^error: routed "report\.txt" \([0-9a-f-]{36}\) to failure: /);
    expect(title).toContain("missing-");
    // The bulletin bar under the canvas says it too, with the processor's name.
    await expect.poll(async () => (await page.getByLabel("Bulletins").textContent()) ?? "", { timeout: 10_000 }).toMatch(/ERROR · Write files: routed "report\.txt"/);
    // The summary counts the bulletin on PutFile.
    const summary = await ok<{ rows: Array<{ id: string; bulletins: number }> }>("GET", `/api/flows/${id}/summary`);
    expect(summary.rows.find((r) => r.id === "put")!.bulletins).toBeGreaterThanOrEqual(1);
  });

  it("item 4: a batch of 1000 into a connection with threshold 10 stops at 10, also right after Empty queue", async () => {
    const id = await startFlow({
      sluice: 1,
      id: `backpressure-${suffix}`,
      name: `Back pressure ${suffix}`,
      processors: [
        { id: "gen", name: "Burst", type: "GenerateFlowFile", properties: { customText: "b", batchSize: "1000" }, scheduling: { runSchedule: "100 ms" }, state: "running" },
        { id: "sink", name: "Sink", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "bp", source: "gen", relationships: ["success"], destination: "sink", backPressure: { objectThreshold: 10, dataSizeThreshold: "1 GB" } }],
    });
    await expect.poll(async () => (await queue(id, "bp")).queued.count, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
    expect((await queue(id, "bp")).queued.count).toBe(10);
    for (let round = 0; round < 3; round++) {
      const { dropped } = await ok<{ dropped: number }>("DELETE", `/api/flows/${id}/connections/bp/queue`);
      expect(dropped).toBeLessThanOrEqual(10);
      // The source runs every 100 ms: it refills the queue, by the room left and no more.
      await expect.poll(async () => (await queue(id, "bp")).queued.count, { timeout: 10_000, interval: 100 }).toBe(10);
    }
    // The canvas shows the same figure.
    await page.goto(`${baseUrl}/flows/${id}`);
    await page.getByTestId("connection-label-bp").waitFor();
    await expect.poll(() => queuedCount(page, "bp"), { timeout: 10_000 }).toBe(10);
  });

  it("item 8: FlowFiles named ☃.txt or with a control character download from the queue and from provenance", async () => {
    const names = { snow: "☃.txt", ctrl: "bell\u0007name.txt" };
    const id = await startFlow({
      sluice: 1,
      id: `downloads-${suffix}`,
      name: `Downloads ${suffix}`,
      processors: [
        { id: "snow", name: "Snowman", type: "GenerateFlowFile", properties: { customText: "snow content", totalCount: "1", filename: names.snow }, scheduling: { runSchedule: "1 sec" }, state: "running" },
        { id: "ctrl", name: "Control", type: "GenerateFlowFile", properties: { customText: "ctrl content", totalCount: "1", filename: names.ctrl }, scheduling: { runSchedule: "1 sec" }, state: "running" },
        { id: "hold", name: "Hold", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [
        { id: "q-snow", source: "snow", relationships: ["success"], destination: "hold" },
        { id: "q-ctrl", source: "ctrl", relationships: ["success"], destination: "hold" },
      ],
    });
    for (const [cid, name, content, ascii] of [
      ["q-snow", names.snow, "snow content", /filename\*=UTF-8''%E2%98%83\.txt/],
      ["q-ctrl", names.ctrl, "ctrl content", /filename="?bell_name\.txt"?/],
    ] as const) {
      await expect.poll(async () => (await queue(id, cid)).queued.count, { timeout: 20_000, interval: 200 }).toBe(1);
      const [ff] = (await queue(id, cid)).flowFiles;
      expect(ff!.attributes.filename).toBe(name);
      const fromQueue = await session.fetch(`/api/flows/${id}/connections/${cid}/flowfiles/${ff!.uuid}?download=1`);
      expect(fromQueue.status).toBe(200);
      expect(fromQueue.headers.get("content-disposition")).toMatch(/^attachment; /);
      expect(fromQueue.headers.get("content-disposition")).toMatch(ascii);
      expect(await fromQueue.text()).toBe(content);

      const { events } = await ok<{ events: Array<{ eventId: number }> }>("GET", `/api/flows/${id}/provenance?uuid=${ff!.uuid}&type=CREATE`);
      const fromProvenance = await session.fetch(`/api/flows/${id}/provenance/events/${events[0]!.eventId}/content?side=output&download=1`);
      expect(fromProvenance.status).toBe(200);
      expect(fromProvenance.headers.get("content-disposition")).toMatch(ascii);
      expect(await fromProvenance.text()).toBe(content);
    }
    // The browser takes the header as a file name: Chromium saves the snowman's name.
    await page.goto(`${baseUrl}/flows/${id}`);
    const [ff] = (await queue(id, "q-snow")).flowFiles;
    const download = page.waitForEvent("download");
    await page.evaluate((url) => {
      const a = document.createElement("a");
      a.href = url;
      document.body.append(a);
      a.click();
    }, `/api/flows/${id}/connections/q-snow/flowfiles/${ff!.uuid}?download=1`);
    expect((await download).suggestedFilename()).toBe("☃.txt");
  });
});

describe("summary and status history", () => {
  it("shows the summary page sorted by queued count, and a connection's status history with a chart", async () => {
    const gen = (n: number) => ({ customText: "s".repeat(n), totalCount: String(n) });
    const id = await startFlow({
      sluice: 1,
      id: `summary-${suffix}`,
      name: `Summary ${suffix}`,
      groups: [{ id: "sources", name: "Sources" }],
      processors: [
        { id: "g-small", name: "Small source", type: "GenerateFlowFile", group: "sources", properties: gen(3), scheduling: { runSchedule: "100 ms" }, state: "running" },
        { id: "g-big", name: "Big source", type: "GenerateFlowFile", group: "sources", properties: gen(12), scheduling: { runSchedule: "100 ms" }, state: "running" },
        { id: "g-mid", name: "Middle source", type: "GenerateFlowFile", group: "sources", properties: gen(7), scheduling: { runSchedule: "100 ms" }, state: "running" },
        { id: "sink", name: "Sink", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [
        { id: "c-small", name: "small queue", source: "g-small", relationships: ["success"], destination: "sink" },
        { id: "c-big", name: "big queue", source: "g-big", relationships: ["success"], destination: "sink" },
        { id: "c-mid", name: "middle queue", source: "g-mid", relationships: ["success"], destination: "sink" },
      ],
    });
    await expect.poll(async () => (await queue(id, "c-big")).queued.count + (await queue(id, "c-mid")).queued.count + (await queue(id, "c-small")).queued.count, { timeout: 30_000, interval: 200 }).toBe(22);

    await page.goto(`${baseUrl}/flows/${id}/summary`);
    const table = page.getByRole("table", { name: "Components" });
    await table.getByTestId("summary-row-c-big").waitFor();
    // Every processor, connection and the group.
    expect(await table.locator("tbody tr").count()).toBe(4 + 3 + 1);
    await table.getByRole("button", { name: "Queued" }).click();
    await expect.poll(() => table.getByRole("columnheader", { name: /Queued/ }).getAttribute("aria-sort")).toBe("descending");
    const queuedColumn = async () =>
      (await table.getByTestId("summary-queued").allTextContents()).map((t) => Number(t.replace(/\s*\(.*\)$/, "").replace(/,/g, "")));
    await expect.poll(async () => (await queuedColumn())[0], { timeout: 10_000 }).toBe(22);
    const figures = await queuedColumn();
    expect(figures).toEqual([...figures].sort((a, b) => b - a));
    // The sink holds all 22; then the big, middle and small queues.
    const order = await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")!.slice("summary-row-".length)));
    expect(order.slice(0, 4)).toEqual(["sink", "c-big", "c-mid", "c-small"]);
    // The group's row: its three processors, all running, and bulletins none.
    const group = table.getByTestId("summary-row-sources");
    expect(await group.locator("td").nth(3).textContent()).toBe("3 running");
    // Filtering to connections keeps the order.
    await page.getByLabel("Processors", { exact: true }).uncheck();
    await page.getByLabel("Groups", { exact: true }).uncheck();
    await expect.poll(async () => table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")))).toEqual(["summary-row-c-big", "summary-row-c-mid", "summary-row-c-small"]);
    await page.getByLabel("Processors", { exact: true }).check();
    await page.getByLabel("Groups", { exact: true }).check();
    // Names link to the component on the canvas.
    expect(await table.getByRole("link", { name: "big queue" }).getAttribute("href")).toBe(`/flows/${id}?select=c-big`);
    await shoot(page, "summary.png");

    // Status history of the big queue: a chart (uPlot draws on a canvas) and the last minutes.
    await table.getByRole("button", { name: "Status history of big queue" }).click();
    const panel = page.getByTestId("status-history");
    await panel.waitFor();
    await expect.poll(() => panel.getByRole("heading").textContent()).toBe("Status history: big queue");
    const chart = panel.getByTestId("status-history-chart");
    await expect.poll(async () => Number(await chart.getAttribute("data-points")), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const canvasBox = await chart.locator("canvas").boundingBox();
    expect(canvasBox!.width).toBeGreaterThan(300);
    expect(await chart.locator(".u-legend").textContent()).toMatch(/In.*Out.*Queued/);
    // The newest minute queues all 12; the hour's "in" adds up to 12.
    expect(await panel.getByTestId("history-queued").first().textContent()).toMatch(/^12 /);
    const history = await ok<{ points: Array<{ in: number; queued: number }> }>("GET", `/api/flows/${id}/status-history/c-big`);
    expect(history.points.reduce((n, p) => n + p.in, 0)).toBe(12);
    expect(history.points.at(-1)!.queued).toBe(12);
    // The chart has drawn something: the canvas is not blank.
    const inked = await chart.locator("canvas").evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    await shoot(page, "status-history.png");
    await panel.getByRole("button", { name: "Close" }).click();
    await panel.waitFor({ state: "detached" });

    // Unknown component: 404 naming it.
    const missing = await session.call("GET", `/api/flows/${id}/status-history/no-such`);
    expect(missing.status).toBe(404);
    expect(String(missing.body.error)).toContain("no-such");
  });
});
