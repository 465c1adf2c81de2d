// Provenance in real Chromium, as an operator asks "what happened to this record?": a flow
// GenerateFlowFile("hello") → UpdateAttribute (adds greeting=hi) → RouteOnAttribute (two routes
// match, so each FlowFile is cloned) → LogAttribute runs and stops; the provenance page searches
// by component, shows an ATTRIBUTES_MODIFIED event's attributes before → after and its input
// content, draws the lineage with both the original and the clone, and replays the event (a
// REPLAY event then shows up in the search). The API answers 400 with field paths, 404 and 409.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ApiSession, launchBrowser, signedInPage } from "./helpers";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results");
const baseUrl = inject("baseUrl");
const suffix = Date.now().toString(36);

const flow = {
  sluice: 1,
  id: `provenance-e2e-${suffix}`,
  name: `Provenance e2e ${suffix}`,
  processors: [
    { id: "gen", name: "Generate hello", type: "GenerateFlowFile", properties: { customText: "hello", totalCount: "3" }, scheduling: { runSchedule: "200 ms" }, state: "stopped" },
    { id: "upd", name: "Add greeting", type: "UpdateAttribute", properties: { greeting: "hi" }, state: "stopped" },
    {
      id: "route",
      name: "Route twice",
      type: "RouteOnAttribute",
      properties: { first: "${greeting:equals('hi')}", second: "${greeting:equals('hi')}" },
      state: "stopped",
    },
    { id: "log", name: "Log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped" },
  ],
  connections: [
    { id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd" },
    { id: "upd-route", source: "upd", relationships: ["success"], destination: "route" },
    { id: "route-log", source: "route", relationships: ["first", "second", "unmatched"], destination: "log" },
  ],
};

interface Summary {
  eventId: number;
  type: string;
  flowFileUuid: string;
  componentId: string;
  componentName: string;
  relationship: string | null;
  childUuids: string[];
  parentUuids: string[];
}

let browser: Browser;
let page: Page;
let flowId = "";

/** The admin's API session, for Node's fetch. */
let session: ApiSession;
const call = (method: string, url: string, body?: unknown) => session.call(method, url, body);
const ok = <T>(method: string, url: string, body?: unknown): Promise<T> => session.ok<T>(method, url, body);

const search = async (query: string) => (await ok<{ events: Summary[] }>("GET", `/api/flows/${flowId}/provenance?${query}`)).events;
const problemPaths = (body: Record<string, unknown>) => ((body.problems ?? []) as Array<{ path: string }>).map((p) => p.path);

beforeAll(async () => {
  browser = await launchBrowser();
  session = await ApiSession.signIn(baseUrl);
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  if (flowId) await call("POST", `/api/flows/${flowId}/run`, { action: "stop" }).catch(() => undefined);
  await browser?.close();
});

describe("provenance", () => {
  it("records the flow's events: run it until three FlowFiles and their clones were logged, then stop it", async () => {
    ({ id: flowId } = await ok<{ id: string }>("POST", "/api/flows", { import: flow }));
    await ok("POST", `/api/flows/${flowId}/run`, { action: "start" });
    await expect.poll(async () => (await search("component=log&type=DROP")).length, { timeout: 30_000, interval: 300 }).toBe(6);
    await ok("POST", `/api/flows/${flowId}/run`, { action: "stop" });

    const clones = await search("component=route&type=CLONE");
    // Each original names its clone (childUuids) and each clone names its parent.
    expect(clones.filter((e) => e.childUuids.length === 1)).toHaveLength(3);
    expect(clones.filter((e) => e.parentUuids.length === 1)).toHaveLength(3);

    // A ROUTE event's attribute change, through the API: RouteOnAttribute.Route did not exist
    // before the original's ROUTE (a clone got its route when it was cloned).
    const route = (await search("component=route&type=ROUTE")).find((e) => e.relationship === "first");
    const detail = await ok<{ attributeChanges: Array<{ name: string; previous: string | null; current: string | null; changed: boolean }>; relationship: string }>(
      "GET",
      `/api/flows/${flowId}/provenance/events/${route!.eventId}`,
    );
    const change = detail.attributeChanges.find((a) => a.name === "RouteOnAttribute.Route");
    expect(change).toMatchObject({ previous: null, current: detail.relationship, changed: true });
    expect(detail.attributeChanges.find((a) => a.name === "greeting")).toMatchObject({ previous: "hi", current: "hi", changed: false });

    // Search by attribute value and by time.
    expect(await search("component=upd&attr.greeting=hi")).toHaveLength(3);
    expect(await search("component=upd&attr.greeting=hello")).toHaveLength(0);
    expect(await search(`from=${new Date(Date.now() + 3_600_000).toISOString()}`)).toHaveLength(0);
    expect((await search(`type=CREATE&from=0&to=${Date.now()}`)).length).toBe(3);

    // Content: a preview, a download, and a clear 404 for a side that had none.
    const [create] = await search("type=CREATE&limit=1");
    const out = await ok<{ size: number; content: string }>("GET", `/api/flows/${flowId}/provenance/events/${create!.eventId}/content?side=output`);
    expect(out.size).toBe(5);
    expect(Buffer.from(out.content, "base64").toString()).toBe("hello");
    const dl = await session.fetch(`/api/flows/${flowId}/provenance/events/${create!.eventId}/content?side=output&download=1`);
    expect(dl.headers.get("content-disposition")).toMatch(/^attachment; filename=/);
    expect(await dl.text()).toBe("hello");
    const noInput = await call("GET", `/api/flows/${flowId}/provenance/events/${create!.eventId}/content?side=input`);
    expect(noInput.status).toBe(404);
    expect(String(noInput.body.error)).toMatch(/no input content/);
  });

  it("answers 400 naming the field, 404 for an unknown event or flow, 409 for a flow never deployed", async () => {
    const badType = await call("GET", `/api/flows/${flowId}/provenance?type=BOGUS`);
    expect(badType.status).toBe(400);
    expect(problemPaths(badType.body)).toEqual(["type"]);
    expect(String(badType.body.error)).toContain("type");

    const bigLimit = await call("GET", `/api/flows/${flowId}/provenance?limit=5000`);
    expect(bigLimit.status).toBe(400);
    expect(problemPaths(bigLimit.body)).toEqual(["limit"]);
    const wordLimit = await call("GET", `/api/flows/${flowId}/provenance?limit=many&from=yesterday`);
    expect(wordLimit.status).toBe(400);
    expect(problemPaths(wordLimit.body).sort()).toEqual(["from", "limit"]);
    const badSide = await call("GET", `/api/flows/${flowId}/provenance/events/0/content?side=middle`);
    expect(badSide.status).toBe(400);
    expect(problemPaths(badSide.body)).toEqual(["side"]);
    const badId = await call("GET", `/api/flows/${flowId}/provenance/events/abc`);
    expect(badId.status).toBe(400);
    expect(problemPaths(badId.body)).toEqual(["eventId"]);

    const unknownEvent = await call("GET", `/api/flows/${flowId}/provenance/events/99999999`);
    expect(unknownEvent.status).toBe(404);
    expect(String(unknownEvent.body.error)).toContain("no provenance event 99999999");
    expect((await call("POST", `/api/flows/${flowId}/provenance/events/99999999/replay`)).status).toBe(404);
    expect((await call("GET", `/api/flows/${flowId}/provenance/lineage/no-such-flowfile`)).status).toBe(404);
    expect((await call("GET", `/api/flows/no-such-flow/provenance`)).status).toBe(404);

    // A CREATE event was not taken from a queue: nothing to replay into.
    const [create] = await search("type=CREATE&limit=1");
    const replayCreate = await call("POST", `/api/flows/${flowId}/provenance/events/${create!.eventId}/replay`);
    expect(replayCreate.status).toBe(409);
    expect(String(replayCreate.body.error)).toMatch(/cannot be replayed/);

    const { id: idle } = await ok<{ id: string }>("POST", "/api/flows", { import: { ...flow, id: `idle-${suffix}`, name: `Idle ${suffix}` } });
    const notDeployed = await call("GET", `/api/flows/${idle}/provenance`);
    expect(notDeployed.status).toBe(409);
    expect(String(notDeployed.body.error)).toMatch(/not deployed/);
    await ok("DELETE", `/api/flows/${idle}`);
  });

  it("shows what happened to a record: attributes before → after, input content, lineage with the clone, replay", async () => {
    // The designer's toolbar leads here.
    await page.goto(`${baseUrl}/flows/${flowId}`);
    await page.getByTestId("designer").waitFor();
    await page.getByRole("link", { name: "Provenance" }).click();
    await page.waitForURL(/\/provenance$/);
    await page.getByTestId("provenance-row").first().waitFor();

    await page.getByLabel("Component").selectOption("upd");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(async () => [...new Set(await page.getByTestId("provenance-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-type"))))]).toEqual(["ATTRIBUTES_MODIFIED"]);
    expect(await page.getByTestId("provenance-row").count()).toBe(3);

    const row = page.getByTestId("provenance-row").last();
    const eventId = Number(await row.getAttribute("data-event-id"));
    const original = (await row.getAttribute("data-flowfile"))!;
    await row.click();
    const detail = page.locator(`[data-testid=event-detail][data-event-id="${eventId}"]`);
    const greeting = detail.locator('[data-testid=attribute-row][data-name="greeting"]');
    await greeting.waitFor();
    expect(await greeting.getAttribute("data-changed")).toBe("true");
    expect(await greeting.getByTestId("attribute-previous").textContent()).toBe("not set");
    expect(await greeting.getByTestId("attribute-current").textContent()).toContain("hi");
    expect(await detail.locator('[data-testid=attribute-row][data-name="mime.type"]').getAttribute("data-changed")).toBe("false");

    await detail.getByRole("tab", { name: /^Input/ }).click();
    const content = detail.locator('[data-testid=provenance-content][data-side="input"]');
    await content.waitFor();
    expect(await content.textContent()).toBe("hello");

    await detail.getByRole("button", { name: "Show lineage" }).click();
    const graph = page.getByTestId("lineage-graph");
    await graph.locator('[data-testid^="lineage-node-"]').first().waitFor();
    const nodes = await graph.locator('[data-testid^="lineage-node-"]').evaluateAll((els) => els.map((e) => ({ flowFile: e.getAttribute("data-flowfile"), type: e.getAttribute("data-type") })));
    const [cloneEvent] = (await search(`uuid=${original}&type=CLONE`)).filter((e) => e.childUuids.length);
    const clone = cloneEvent!.childUuids[0]!;
    const flowFilesDrawn = new Set(nodes.map((n) => n.flowFile));
    expect(flowFilesDrawn).toEqual(new Set([original, clone]));
    expect(nodes.filter((n) => n.flowFile === original).map((n) => n.type)).toEqual(expect.arrayContaining(["CREATE", "ATTRIBUTES_MODIFIED", "CLONE", "ROUTE", "DROP"]));
    expect(nodes.filter((n) => n.flowFile === clone).map((n) => n.type)).toEqual(expect.arrayContaining(["CLONE", "ROUTE", "DROP"]));
    // Edges: each FlowFile's chain plus the dashed one from the original's CLONE to the clone.
    await expect.poll(() => graph.locator(".react-flow__edge").count()).toBe(nodes.length - 1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(shots, "provenance-lineage.png") });

    // Clicking a node opens that event.
    const cloneDrop = graph.locator(`[data-flowfile="${clone}"][data-type="DROP"]`);
    const cloneDropId = (await cloneDrop.getAttribute("data-testid"))!.replace("lineage-node-", "");
    await cloneDrop.click();
    await page.locator(`[data-testid=event-detail][data-event-id="${cloneDropId}"]`).waitFor();

    // Back to the ATTRIBUTES_MODIFIED event, and replay it.
    await page.locator(`[data-testid=provenance-row][data-event-id="${eventId}"]`).click();
    const again = page.locator(`[data-testid=event-detail][data-event-id="${eventId}"]`);
    await again.getByRole("button", { name: "Replay…" }).click();
    await again.getByRole("dialog", { name: "Confirm replay" }).getByRole("button", { name: "Replay now" }).click();
    const result = again.getByTestId("replay-result");
    await result.waitFor();
    const replayed = (await result.locator("button").textContent())!.trim();
    expect(replayed).toMatch(/^[0-9a-f-]{36}$/);

    await page.getByLabel("Component").selectOption("");
    await page.getByLabel("Event type").selectOption("REPLAY");
    await page.getByRole("button", { name: "Search" }).click();
    const replayRow = page.locator(`[data-testid=provenance-row][data-type="REPLAY"][data-flowfile="${replayed}"]`);
    await replayRow.waitFor();
    const [replayEvent] = await search("type=REPLAY");
    expect(replayEvent).toMatchObject({ flowFileUuid: replayed, parentUuids: [original], componentId: "upd" });

    // A deep link prefills the FlowFile filter.
    await page.goto(`${baseUrl}/flows/${flowId}/provenance?uuid=${clone}`);
    await page.getByTestId("provenance-row").first().waitFor();
    expect(await page.getByLabel("FlowFile uuid").inputValue()).toBe(clone);
    const drawn = await page.getByTestId("provenance-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-flowfile")));
    expect(new Set(drawn)).toEqual(new Set([clone]));
  });
});
