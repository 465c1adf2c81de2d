/**
 * canvas-300: how the designer copes with a big flow. Seeds a flow of 300 processors and 300
 * connections (30 chains of GenerateFlowFile → 9 × UpdateAttribute, each chain's end also
 * feeding the next chain), opens it in headless Chromium against a production `next start`,
 * and measures:
 * - interactive_ms: from navigation until all 300 nodes are rendered and a click on a node
 *   selects it (a drag is checked to move a node too, outside the timing);
 * - frame_p95_ms: the 95th percentile of requestAnimationFrame deltas while panning at zoom 1
 *   (middle-button drag, so nodes entering and leaving the view are rendered as you go).
 *
 * Prints exactly one line on stdout: `canvas-300 interactive_ms=<t> frame_p95_ms=<f>`.
 * Options: --url <origin> to use an already running app instead of starting one (signs in as
 * admin with SLUICE_ADMIN_PASSWORD).
 * Target: interactive_ms < 2000.
 */
import { chromium } from "playwright-core";
import { connectApp, startApp, type BenchApp } from "./lib/app-server";

const CHAINS = 30;
const PER_CHAIN = 10;

/** The benchmark flow document (flow format v1). */
export function canvasFlow(): Record<string, unknown> {
  const processors: Array<Record<string, unknown>> = [];
  const connections: Array<Record<string, unknown>> = [];
  const id = (c: number, j: number) => `p-${c}-${j}`;
  for (let c = 0; c < CHAINS; c++) {
    for (let j = 0; j < PER_CHAIN; j++) {
      processors.push({
        id: id(c, j),
        name: j === 0 ? `Generate ${c}` : `Update ${c}.${j}`,
        type: j === 0 ? "GenerateFlowFile" : "UpdateAttribute",
        properties: j === 0 ? { customText: `chain ${c}` } : { step: String(j) },
        state: "stopped",
        position: { x: c * 300, y: j * 180 },
      });
      if (j > 0) connections.push({ id: `c-${c}-${j}`, source: id(c, j - 1), destination: id(c, j), relationships: ["success"] });
    }
    connections.push({ id: `x-${c}`, source: id(c, PER_CHAIN - 1), destination: id((c + 1) % CHAINS, 1), relationships: ["success"] });
  }
  return { sluice: 1, id: "canvas-300", name: "canvas-300 benchmark", processors, connections };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf("--url");
  const root = process.cwd();
  const app: BenchApp = i >= 0 && args[i + 1] ? await connectApp(args[i + 1]!) : await startApp(root);
  const browser = await chromium.launch({
    executablePath: process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const res = await fetch(`${app.url}/api/flows`, { method: "POST", headers: app.headers, body: JSON.stringify({ import: canvasFlow() }) });
    if (res.status !== 201) throw new Error(`seeding the flow failed: HTTP ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const session = app.cookie.slice(app.cookie.indexOf("=") + 1);
    await context.addCookies([{ name: "sluice_session", value: session, url: app.url, httpOnly: true, sameSite: "Strict" }]);
    const page = await context.newPage();

    // Warm-up: the first request loads the engine catalog and compiles the page; a user opening
    // a flow on a running server does not pay that.
    await page.goto(`${app.url}/flows/${id}`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length >= 300, undefined, { timeout: 60_000 });
    await page.goto("about:blank");

    const t0 = performance.now();
    await page.goto(`${app.url}/flows/${id}`, { waitUntil: "commit" });
    await page.waitForFunction(
      () => {
        const nodes = document.querySelectorAll<HTMLElement>(".react-flow__node");
        if (nodes.length < 300) return false;
        for (const n of nodes) if (n.style.visibility === "hidden") return false;
        return true;
      },
      undefined,
      { timeout: 60_000, polling: "raf" },
    );
    const target = page.getByTestId("processor-node-p-15-5");
    await target.click({ position: { x: 20, y: 10 } });
    await page.waitForSelector(".react-flow__node.selected", { timeout: 10_000 });
    const interactive = performance.now() - t0;

    // A drag moves the node (checked, not timed).
    const before = await target.evaluate((el) => el.closest(".react-flow__node")!.getAttribute("style"));
    const box = (await target.boundingBox())!;
    await page.mouse.move(box.x + 10, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + 60, box.y + 45, { steps: 5 });
    await page.mouse.up();
    const after = await target.evaluate((el) => el.closest(".react-flow__node")!.getAttribute("style"));
    if (before === after) throw new Error("dragging a node did not move it");

    // Pan at zoom 1 with the middle button, recording frame times.
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __run: boolean };
      w.__frames = [];
      w.__run = true;
    });
    const pane = (await page.locator(".react-flow").boundingBox())!;
    const cx = pane.x + pane.width / 2;
    const cy = pane.y + pane.height / 2;
    // Zoom 1 around the middle of the flow.
    for (let k = 0; k < 12; k++) {
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, -120);
      await page.waitForTimeout(30);
    }
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __run: boolean };
      let last = performance.now();
      const tick = (t: number) => {
        w.__frames.push(t - last);
        last = t;
        if (w.__run) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: "middle" });
    for (let k = 1; k <= 90; k++) {
      const dx = 600 * Math.sin((k / 90) * Math.PI * 2);
      const dy = 250 * Math.sin((k / 45) * Math.PI);
      await page.mouse.move(cx + dx, cy + dy);
      await page.waitForTimeout(16);
    }
    await page.mouse.up({ button: "middle" });
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __run: boolean };
      w.__run = false;
      return w.__frames.slice(1);
    });
    if (frames.length < 20) throw new Error(`too few frames recorded while panning (${frames.length})`);
    process.stdout.write(`canvas-300 interactive_ms=${Math.round(interactive)} frame_p95_ms=${percentile(frames, 95).toFixed(1)}\n`);
  } finally {
    await browser.close();
    await app.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
