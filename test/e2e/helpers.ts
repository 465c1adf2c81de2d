// Shared parts of the e2e tests: Chromium, signing in (a browser page, or a session for
// Node's fetch), the designer's controls as a user reaches them, and the flow's live status
// stream read the way the canvas reads it.
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import type { StatusFrame } from "../../app/lib/live";
import { E2E_ADMIN_PASSWORD } from "./global-setup";

/** A username and password. */
export interface Credentials {
  username: string;
  password: string;
}

/** The first-start admin of the servers the e2e tier starts. */
export const ADMIN: Credentials = { username: "admin", password: E2E_ADMIN_PASSWORD };

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

/**
 * A page in a new browser context signed in as `who` (POST /api/auth/login; the session cookie
 * lands in the context). Every request of the context, the page's and `page.request`'s alike,
 * carries `Origin: <baseUrl>`, as a same-origin browser request does: the server refuses a
 * state-changing request without it.
 */
export async function signedInPage(browser: Browser, baseUrl: string, who: Credentials = ADMIN, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ ...options, extraHTTPHeaders: { ...options.extraHTTPHeaders, origin: baseUrl } });
  const res = await context.request.post(`${baseUrl}/api/auth/login`, { data: who });
  if (res.status() !== 200) throw new Error(`sign-in of ${who.username} failed: HTTP ${res.status()} ${await res.text()}`);
  return context.newPage();
}

/** Signs in through the login page of `page` (it must be on /login); resolves once it left /login. */
export async function signInThroughForm(page: Page, who: Credentials): Promise<void> {
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(who.username);
  await form.getByLabel("Password").fill(who.password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname !== "/login", { timeout: 15_000 });
}

/**
 * A signed-in session for Node's fetch: the session cookie and `Origin`, which every call sends.
 * `call` resolves to the status and the parsed JSON body (`{ text }` when it is not JSON);
 * `ok` throws on a status of 400 or more.
 */
export class ApiSession {
  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
  ) {}

  /** Signs in as `who`. */
  static async signIn(baseUrl: string, who: Credentials = ADMIN): Promise<ApiSession> {
    const res = await fetch(`${baseUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: baseUrl }, body: JSON.stringify(who) });
    if (res.status !== 200) throw new Error(`sign-in of ${who.username} failed: HTTP ${res.status} ${await res.text()}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0]!)
      .find((c) => c.startsWith("sluice_session="));
    if (!cookie) throw new Error(`sign-in of ${who.username} set no sluice_session cookie`);
    return new ApiSession(baseUrl, cookie);
  }

  /** The headers that make a request this session's: cookie and origin. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { cookie: this.cookie, origin: this.baseUrl, ...extra };
  }

  /** `fetch(baseUrl + url)` as this session. */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${url}`, { ...init, headers: this.headers((init.headers as Record<string, string> | undefined) ?? {}) });
  }

  async call(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await this.fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  }

  async ok<T>(method: string, url: string, body?: unknown): Promise<T> {
    const r = await this.call(method, url, body);
    if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  }
}

/** The canvas node of processor `id`. */
export function processorNode(page: Page, id: string): Locator {
  return page.getByTestId(`processor-node-${id}`);
}

/** Creates flow `name` with "New flow" on the flow list `page` shows; resolves to its id once the designer is open. */
export async function createFlowInUi(page: Page, name: string): Promise<string> {
  await page.getByRole("button", { name: "New flow" }).click();
  await page.getByLabel("Flow name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/\/flows\/[^/]+$/);
  await page.getByTestId("designer").waitFor();
  return new URL(page.url()).pathname.split("/").pop()!;
}

/**
 * Drags processor type `type` from the palette onto the canvas at (`x`, `y`) and resolves to the
 * new processor's id once its node is on the canvas.
 */
export async function dropFromPalette(page: Page, type: string, x: number, y: number): Promise<string> {
  const before = await page.locator('[data-testid^="processor-node-"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
  await page.getByLabel("Search processors").fill(type);
  const canvas = page.getByRole("region", { name: "Flow canvas" });
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: { x, y } });
  await page.getByLabel("Search processors").fill("");
  const handle = await page.waitForFunction(
    (prev) => {
      const now = [...document.querySelectorAll('[data-testid^="processor-node-"]')].map((e) => e.getAttribute("data-testid"));
      return now.find((t) => !prev.includes(t)) ?? null;
    },
    before,
    { timeout: 10_000 },
  );
  return String(await handle.jsonValue()).slice("processor-node-".length);
}

/** Draws a connection from processor `from` to `to` and adds it for `relationship` in the dialog. */
export async function connect(page: Page, from: string, to: string, relationship: string): Promise<void> {
  const src = processorNode(page, from).locator(".react-flow__handle-bottom");
  const dst = processorNode(page, to).locator(".react-flow__handle-top");
  const a = (await src.boundingBox())!;
  const b = (await dst.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 5, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
  const dialog = page.getByTestId("connect-dialog");
  await dialog.waitFor();
  await dialog.getByLabel(relationship, { exact: true }).check();
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await dialog.waitFor({ state: "detached" });
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

  /** `session` signs the stream's request in. */
  constructor(session: ApiSession, flowId: string) {
    this.reading = this.read(session, `/api/flows/${flowId}/events`).catch((e: unknown) => {
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

  private async read(session: ApiSession, url: string): Promise<void> {
    const res = await session.fetch(url, { signal: this.abort.signal, headers: { accept: "text/event-stream" } });
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
