// A live edit in real Chromium: GenerateFlowFile (every 100 ms) → UpdateAttribute → LogAttribute
// is imported on the flows page, opened and started from the toolbar. With every processor
// counting, UpdateAttribute's property is changed in its config panel (Apply) while the flow
// runs. The live status stream, read frame by frame in the background for the whole edit, must
// show the other two processors running in every frame with 5-minute counts that never drop,
// and the new value must reach the FlowFiles (provenance) without anyone pressing Start.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { StatusFrame } from "../../app/lib/live";
import { ApiSession, applyConfig, launchBrowser, openConfig, processorNode, signedInPage, StatusStream, waitSaved } from "./helpers";

const baseUrl = inject("baseUrl");
const suffix = Date.now().toString(36);
const FLOW_NAME = `Live edit ${suffix}`;
/** The processors the edit must leave alone. */
const OTHERS = ["gen", "log"] as const;

const flow = {
  sluice: 1,
  id: `live-edit-${suffix}`,
  name: FLOW_NAME,
  processors: [
    { id: "gen", name: "Generate", type: "GenerateFlowFile", properties: { customText: "tick", batchSize: "2" }, scheduling: { runSchedule: "100 ms" }, state: "stopped", position: { x: 0, y: 0 } },
    { id: "tag", name: "Tag", type: "UpdateAttribute", properties: { stage: "before" }, state: "stopped", position: { x: 0, y: 220 } },
    { id: "log", name: "Log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"], state: "stopped", position: { x: 0, y: 440 } },
  ],
  connections: [
    { id: "gen-tag", source: "gen", relationships: ["success"], destination: "tag" },
    { id: "tag-log", source: "tag", relationships: ["success"], destination: "log" },
  ],
};

let browser: Browser;
let page: Page;
let stream: StatusStream | undefined;
let flowId = "";

/** Processor `id` in `frame` (throws when the frame does not have it). */
function proc(frame: StatusFrame, id: string) {
  const p = frame.processors.find((x) => x.id === id);
  if (!p) throw new Error(`processor ${id} is not in the status frame`);
  return p;
}

/** True when every processor of the flow runs and has counted FlowFiles in and/or out. */
function allCounting(frame: StatusFrame | undefined): boolean {
  if (!frame || frame.processors.length !== 3) return false;
  const [gen, tag, log] = ["gen", "tag", "log"].map((id) => proc(frame, id));
  return frame.processors.every((p) => p.state === "running") && gen!.out > 0 && tag!.in > 0 && tag!.out > 0 && log!.in > 0;
}

/** How many ATTRIBUTES_MODIFIED events of the UpdateAttribute processor set stage=`value`. */
async function taggedWith(value: string): Promise<number> {
  const res = await page.request.get(`${baseUrl}/api/flows/${flowId}/provenance?component=tag&type=ATTRIBUTES_MODIFIED&attr.stage=${value}&limit=5`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { events: unknown[] }).events.length;
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1500, height: 950 } });
});

afterAll(async () => {
  await stream?.close();
  if (flowId) await page?.request.post(`${baseUrl}/api/flows/${flowId}/run`, { data: { action: "stop" } }).catch(() => undefined);
  await browser?.close();
});

describe("live edit of a running flow", () => {
  it("imports the three-processor flow on the flows page and opens it", async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByTestId("import-input").setInputFiles({ name: "live-edit.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(flow)) });
    await page.getByRole("status").filter({ hasText: "Imported" }).waitFor();
    await page.getByTestId("flow-link").filter({ hasText: FLOW_NAME }).click();
    await page.waitForURL(/\/flows\/[^/]+$/);
    flowId = new URL(page.url()).pathname.split("/").pop()!;
    for (const id of ["gen", "tag", "log"]) await processorNode(page, id).waitFor();
  });

  it("starts it from the toolbar: every processor runs and counts FlowFiles", async () => {
    stream = new StatusStream(await ApiSession.signIn(baseUrl), flowId);
    await page.getByRole("button", { name: "Start all" }).click();
    await expect.poll(() => allCounting(stream!.latest()), { timeout: 30_000, interval: 200 }).toBe(true);
    for (const id of ["gen", "tag", "log"]) await expect.poll(() => processorNode(page, id).getAttribute("data-state"), { timeout: 10_000 }).toBe("running");
  });

  it("changes UpdateAttribute's property while it runs: the others never stop and keep their counts", async () => {
    const s = stream!;
    const first = s.frames.length - 1;
    const before = s.frames[first]!;
    expect(allCounting(before)).toBe(true);

    // The canvas reads its own stream (another phase of the same 1 s frames): it records any
    // moment it shows one of the others in a state other than running.
    await page.evaluate((ids) => {
      const seen: Array<{ id: string; state: string | null; at: number }> = [];
      (window as unknown as { liveEditStates: typeof seen }).liveEditStates = seen;
      const look = () => {
        for (const id of ids) {
          const state = document.querySelector(`[data-testid=processor-node-${id}]`)?.getAttribute("data-state") ?? null;
          if (state !== "running") seen.push({ id, state, at: Date.now() });
        }
      };
      new MutationObserver(look).observe(document.querySelector(".react-flow")!, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
    }, OTHERS);

    const panel = await openConfig(page, "tag");
    const value = panel.getByLabel("Dynamic property 1 value");
    await expect(value.inputValue()).resolves.toBe("before");
    await value.fill("after");
    await applyConfig(panel);
    await waitSaved(page);
    const saved = (await (await page.request.get(`${baseUrl}/api/flows/${flowId}`)).json()) as { revision: number; document: { processors: Array<{ id: string; properties: Record<string, string> }> } };
    expect(saved.document.processors.find((p) => p.id === "tag")!.properties).toEqual({ stage: "after" });

    // The running engine applied the edit: FlowFiles get the new value, and the stream reports
    // the saved revision with every processor running again.
    await expect.poll(() => taggedWith("after"), { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    await expect.poll(() => (s.latest()?.revision ?? 0) >= saved.revision && allCounting(s.latest()), { timeout: 15_000, interval: 200 }).toBe(true);
    // ...and a few more frames after that, so the samples span the whole edit.
    const applied = s.frames.length;
    await expect.poll(() => s.frames.length, { timeout: 15_000, interval: 200 }).toBeGreaterThanOrEqual(applied + 2);
    await s.close();
    stream = undefined;

    expect(s.error).toBeUndefined();
    expect(s.ended).toBe(false);
    const samples = s.frames.slice(first);
    // Sampled all along: a frame about every second, no long silence in between.
    const gaps = samples.slice(1).map((f, i) => f.at - samples[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(5_000);

    // (b) The other processors were running in every frame, and the canvas never showed otherwise.
    // A frame comes about once a second, so a stop and start quicker than that could slip
    // between two samples; (a) below catches a restart that resets the counts.
    const notRunning = samples.flatMap((f) => OTHERS.map((id) => ({ at: f.at, id, state: proc(f, id).state })).filter((x) => x.state !== "running"));
    expect(notRunning).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { liveEditStates: unknown[] }).liveEditStates)).toEqual([]);

    // (a) Their 5-minute counts never dropped: each frame at least the one before it.
    const drops = samples.slice(1).flatMap((f, i) =>
      OTHERS.flatMap((id) => {
        const was = proc(samples[i]!, id);
        const now = proc(f, id);
        return now.in < was.in || now.out < was.out ? [{ at: f.at, id, was: { in: was.in, out: was.out }, now: { in: now.in, out: now.out } }] : [];
      }),
    );
    expect(drops).toEqual([]);
    const after = samples.at(-1)!;
    for (const id of OTHERS) {
      expect(proc(after, id).in).toBeGreaterThanOrEqual(proc(before, id).in);
      expect(proc(after, id).out).toBeGreaterThanOrEqual(proc(before, id).out);
    }
    expect(proc(after, "gen").out).toBeGreaterThan(proc(before, "gen").out);

    for (const id of ["gen", "tag", "log"]) await expect.poll(() => processorNode(page, id).getAttribute("data-state"), { timeout: 10_000 }).toBe("running");
  });
});
