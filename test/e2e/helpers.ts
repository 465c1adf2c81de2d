// Shared parts of the e2e tests: Chromium, the designer's controls as a user reaches them, and
// the flow's live status stream read the way the canvas reads it.
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import type { StatusFrame } from "../../app/lib/live";

/**
 * Chromium from the system (SLUICE_CHROMIUM or /usr/bin/chromium), headless, with flags that work
 * as root. playwright-core gives every launch a fresh temporary profile (it refuses --user-data-dir).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** The canvas node of processor `id`. */
export function processorNode(page: Page, id: string): Locator {
  return page.getByTestId(`processor-node-${id}`);
}

/** Resolves once the designer says every edit is saved. */
export async function waitSaved(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector("[data-testid=save-state]")?.getAttribute("data-state") === "saved", undefined, { timeout: 15_000 });
}

/** Opens processor `id`'s configuration panel (double click on its type line). */
export async function openConfig(page: Page, id: string): Promise<Locator> {
  await processorNode(page, id).locator(".processor-type").dblclick();
  const panel = page.getByTestId("config-panel");
  await panel.waitFor();
  return panel;
}

/** Applies the configuration panel once its validation allows it; resolves when it closed. */
export async function applyConfig(panel: Locator): Promise<void> {
  const apply = panel.getByRole("button", { name: "Apply" });
  await expect.poll(() => apply.isEnabled(), { timeout: 10_000 }).toBe(true);
  await apply.click();
  await panel.waitFor({ state: "detached" });
}

/** The queued count a connection's label shows. */
export async function queuedCount(page: Page, connectionId: string): Promise<number> {
  const text = (await page.getByTestId(`connection-label-${connectionId}`).locator(".queued-count").textContent()) ?? "0";
  return Number(text.replace(/,/g, ""));
}

/** A processor node's 5-minute in or out count as shown. */
export async function statNumber(page: Page, id: string, which: "in" | "out"): Promise<number> {
  const text = (await processorNode(page, id).getByTestId(`stat-${which}`).locator("b").textContent()) ?? "0";
  return Number(text.replace(/,/g, ""));
}

/**
 * Reads a flow's live status stream (GET /api/flows/:id/events) in the background, keeping every
 * `status` frame in arrival order. `ended` turns true if the server ends the stream before
 * close(); `error` holds why reading failed.
 */
export class StatusStream {
  readonly frames: StatusFrame[] = [];
  ended = false;
  error: unknown = undefined;
  private readonly abort = new AbortController();
  private readonly reading: Promise<void>;

  constructor(baseUrl: string, flowId: string) {
    this.reading = this.read(`${baseUrl}/api/flows/${flowId}/events`).catch((e: unknown) => {
      if (!this.abort.signal.aborted) this.error = e;
    });
  }

  /** The newest frame, if any arrived. */
  latest(): StatusFrame | undefined {
    return this.frames.at(-1);
  }

  /** Stops reading; resolves once the reader is done. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(url, { signal: this.abort.signal, headers: { accept: "text/event-stream" } });
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        this.ended = true;
        return;
      }
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split("\n");
        const event = lines.find((l) => l.startsWith("event: "))?.slice("event: ".length);
        const data = lines
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice("data: ".length))
          .join("\n");
        if (event === "status") this.frames.push(JSON.parse(data) as StatusFrame);
      }
    }
  }
}
