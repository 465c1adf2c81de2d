// Parameter contexts in real Chromium (docs/parameters.md). A context is created on the
// Parameter Contexts page and bound to a flow with the canvas's Parameters selector; two
// UpdateAttribute processors reference its parameter `stage` as #{stage}. With the flow running,
// the parameter is changed on the page: both processors pick the new value up (their FlowFiles
// carry it) without anyone starting anything, while the live status stream, read for the whole
// change, shows the flow's other processors running in every frame and no processor's 5-minute
// counts ever dropping. Bad input: a reference to a missing parameter makes the processor invalid
// naming the parameter; deleting the bound context is refused, naming the flow.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { StatusFrame } from "../../app/lib/live";
import { ApiSession, applyConfig, launchBrowser, openConfig, processorNode, signedInPage, StatusStream, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
const suffix = Date.now().toString(36);
const CONTEXT = `Pipeline settings ${suffix}`;
const FLOW_NAME = `Parameters ${suffix}`;
const SECRET = `e2e-secret-${suffix}`;
const ALL = ["gen", "tagA", "tagB", "log"] as const;
/** The processors that use no parameter: the change must leave them running throughout. */
const OTHERS = ["gen", "log"] as const;
const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

const flow = {
  sluice: 1,
  id: `params-${suffix}`,
  name: FLOW_NAME,
  processors: [
    { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { customText: "tick", batchSize: "2" }, scheduling: { runSchedule: "100 ms" }, state: "stopped", position: { x: 0, y: 0 } },
    { id: "tagA", name: "Tag A", type: "UpdateAttribute", properties: { stage: "#{stage}" }, state: "stopped", position: { x: 0, y: 200 } },
    { id: "tagB", name: "Tag B", type: "UpdateAttribute", properties: { label: "#{stage}-b" }, state: "stopped", position: { x: 0, y: 400 } },
    { id: "log", name: "Log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 600 } },
  ],
  connections: [
    { id: "gen-a", source: "gen", relationships: ["success"], destination: "tagA" },
    { id: "a-b", source: "tagA", relationships: ["success"], destination: "tagB" },
    { id: "b-log", source: "tagB", relationships: ["success"], destination: "log" },
  ],
};

let browser: Browser;
let page: Page;
let settings: Page;
let api: ApiSession;
let stream: StatusStream | undefined;
let flowId = "";

function proc(frame: StatusFrame, id: string) {
  const p = frame.processors.find((x) => x.id === id);
  if (!p) throw new Error(`processor ${id} is not in the status frame`);
  return p;
}

function allCounting(frame: StatusFrame | undefined): boolean {
  if (!frame || frame.processors.length !== ALL.length) return false;
  return frame.processors.every((p) => p.state === "running") && proc(frame, "gen").out > 0 && ALL.slice(1).every((id) => proc(frame, id).in > 0);
}

/** How many FlowFiles processor `component` tagged with `attr`=`value` (provenance). */
async function tagged(component: string, attr: string, value: string): Promise<number> {
  const r = await api.ok<{ events: unknown[] }>("GET", `/api/flows/${flowId}/provenance?component=${component}&type=ATTRIBUTES_MODIFIED&attr.${attr}=${encodeURIComponent(value)}&limit=5`);
  return r.events.length;
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
  settings = await page.context().newPage();
  api = await ApiSession.signIn(baseUrl);
});

afterAll(async () => {
  await stream?.close();
  if (flowId) await api?.call("POST", `/api/flows/${flowId}/run`, { action: "stop" }).catch(() => undefined);
  await browser?.close();
});

describe("parameter contexts", () => {
  it("creates a context with a plain and a sensitive parameter on the Parameter Contexts page", async () => {
    await settings.goto(`${baseUrl}/`);
    await settings.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Parameters" }).click();
    await settings.waitForURL(/\/parameter-contexts$/);
    await settings.getByRole("button", { name: "+ New parameter context" }).click();
    await settings.getByLabel("Context name").fill(CONTEXT);
    await settings.getByRole("button", { name: "+ Add parameter" }).click();
    await settings.getByLabel("Parameter 1 name").fill("stage");
    await settings.getByLabel("Parameter 1 value").fill("alpha");
    await settings.getByRole("button", { name: "+ Add parameter" }).click();
    await settings.getByLabel("Parameter 2 name").fill("token");
    await settings.getByLabel("Parameter 2 sensitive").check();
    await settings.getByLabel("Parameter 2 value").fill(SECRET);
    await settings.getByRole("button", { name: "Create" }).click();
    await settings.getByTestId("context-message").filter({ hasText: `Created parameter context ${CONTEXT}` }).waitFor();
    // The sensitive value is write-only: once the page shows the stored context, it says the
    // value is set, never what it is.
    await expect.poll(() => settings.getByLabel("Parameter 2 value").getAttribute("placeholder"), { timeout: 10_000 }).toBe("Sensitive value set (type to replace)");
    await expect(settings.getByLabel("Parameter 2 value").inputValue()).resolves.toBe("");
    expect(await settings.content()).not.toContain(SECRET);
  });

  it("binds it to an imported flow with the canvas's Parameters selector and starts the flow", async () => {
    const contexts = (await api.ok<{ contexts: Array<{ id: string; name: string }> }>("GET", "/api/parameter-contexts")).contexts;
    const ctx = contexts.find((c) => c.name === CONTEXT)!;
    const imported = await api.ok<{ id: string; problems: Array<{ path: string; message: string }> }>("POST", "/api/flows", { import: flow });
    flowId = imported.id;
    // Not bound yet: each reference is a problem naming its parameter.
    expect(imported.problems.map((p) => p.message)).toContain('stage references parameter "stage", but no parameter context is bound');
    await page.goto(`${baseUrl}/flows/${flowId}`);
    for (const id of ALL) await processorNode(page, id).waitFor();
    await page.getByLabel("Parameter context of the flow").selectOption({ label: CONTEXT });
    await waitSaved(page);
    await expect.poll(async () => processorNode(page, "tagA").getByTestId("problems-icon").count(), { timeout: 10_000 }).toBe(0);
    expect((await api.ok<{ document: { parameterContext?: string } }>("GET", `/api/flows/${flowId}`)).document.parameterContext).toBe(ctx.id);

    stream = new StatusStream(api, flowId);
    await page.getByRole("button", { name: "Start all" }).click();
    await expect.poll(() => allCounting(stream!.latest()), { timeout: 30_000, interval: 200 }).toBe(true);
    await expect.poll(() => tagged("tagA", "stage", "alpha"), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    await expect.poll(() => tagged("tagB", "label", "alpha-b"), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
  });

  it("changes the parameter on the page: both processors pick it up while the flow keeps running", async () => {
    const s = stream!;
    const first = s.frames.length - 1;
    const before = s.frames[first]!;
    const revision = (await api.ok<{ revision: number }>("GET", `/api/flows/${flowId}`)).revision;

    await page.evaluate((ids) => {
      const seen: Array<{ id: string; state: string | null }> = [];
      (window as unknown as { paramStates: typeof seen }).paramStates = seen;
      new MutationObserver(() => {
        for (const id of ids) {
          const state = document.querySelector(`[data-testid=processor-node-${id}]`)?.getAttribute("data-state") ?? null;
          if (state !== "running") seen.push({ id, state });
        }
      }).observe(document.querySelector(".react-flow")!, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
    }, OTHERS);

    await settings.getByLabel("Parameter 1 value").fill("beta");
    await settings.getByRole("button", { name: "Save" }).click();
    await settings.getByTestId("context-message").filter({ hasText: "Applied to 1 running flow" }).waitFor();

    await expect.poll(() => tagged("tagA", "stage", "beta"), { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    await expect.poll(() => tagged("tagB", "label", "beta-b"), { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const applied = s.frames.length;
    await expect.poll(() => s.frames.length > applied + 1 && allCounting(s.latest()), { timeout: 15_000, interval: 200 }).toBe(true);
    await s.close();
    stream = undefined;
    expect(s.error).toBeUndefined();

    const samples = s.frames.slice(first);
    // The flow was never restarted: the processors that use no parameter ran in every frame (and
    // the canvas never showed otherwise), and no processor's 5-minute counts ever dropped.
    expect(samples.flatMap((f) => OTHERS.filter((id) => proc(f, id).state !== "running").map((id) => ({ at: f.at, id })))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { paramStates: unknown[] }).paramStates)).toEqual([]);
    const drops = samples.slice(1).flatMap((f, i) => ALL.filter((id) => proc(f, id).in < proc(samples[i]!, id).in || proc(f, id).out < proc(samples[i]!, id).out));
    expect(drops).toEqual([]);
    // ...and every processor went on counting (LogAttribute only takes in: it auto-terminates).
    const moved = (f: StatusFrame, id: string) => proc(f, id).in + proc(f, id).out;
    for (const id of ALL) expect(moved(samples.at(-1)!, id)).toBeGreaterThan(moved(before, id));
    // Nothing was saved to the flow: the change came from the context alone.
    expect((await api.ok<{ revision: number }>("GET", `/api/flows/${flowId}`)).revision).toBe(revision);
    for (const id of ALL) await expect.poll(() => processorNode(page, id).getAttribute("data-state"), { timeout: 10_000 }).toBe("running");
  });

  it("a reference to a missing parameter makes the processor invalid, naming the parameter", async () => {
    const panel = await openConfig(page, "tagB");
    await expect(panel.getByTestId("parameter-hint").textContent()).resolves.toContain(CONTEXT);
    const value = panel.getByLabel("Dynamic property 1 value");
    await value.fill("#{missing}");
    await panel.locator(".field-error").filter({ hasText: 'references parameter "missing", which is not in parameter context' }).waitFor();
    await applyConfig(panel);
    await waitSaved(page);
    const icon = processorNode(page, "tagB").getByTestId("problems-icon");
    await icon.waitFor();
    await expect(processorNode(page, "tagB").getByTestId("problems-list").textContent()).resolves.toContain(`label references parameter "missing", which is not in parameter context "${CONTEXT}"`);
    // It does not run with the reference as its value.
    await expect.poll(() => processorNode(page, "tagB").getAttribute("data-state"), { timeout: 15_000 }).not.toBe("running");
  });

  it("refuses to delete the context while the flow binds it, naming the flow", async () => {
    await settings.reload();
    await settings.getByRole("button", { name: new RegExp(CONTEXT) }).click();
    await settings.getByTestId("context-bindings").filter({ hasText: FLOW_NAME }).waitFor();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await settings.setViewportSize({ width: 1300, height: 720 });
    await settings.screenshot({ path: path.join(SCREENSHOTS, "parameter-contexts.png") });
    settings.once("dialog", (d) => void d.accept());
    await settings.getByRole("button", { name: "Delete" }).click();
    await settings.getByTestId("context-message").filter({ hasText: `Parameter context "${CONTEXT}" is bound to flow "${FLOW_NAME}"; unbind it first` }).waitFor();
    const contexts = (await api.ok<{ contexts: Array<{ name: string }> }>("GET", "/api/parameter-contexts")).contexts;
    expect(contexts.some((c) => c.name === CONTEXT)).toBe(true);
  });
});
