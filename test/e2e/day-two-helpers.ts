// Shared parts of the day-two e2e tests (issue 13): a browser and an API session for one test
// file, importing a flow document, opening it in the designer, and the designer's right-click
// menu as a user reaches it.
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { ApiSession, launchBrowser, signedInPage } from "./helpers";

/** Where the committed screenshots live. */
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

/** A browser, a signed-in page (admin) and the admin's API session. */
export interface Rig {
  browser: Browser;
  page: Page;
  session: ApiSession;
}

/** Starts Chromium and signs in as admin, with a page of `width` × `height`. */
export async function rig(baseUrl: string, width = 1500, height = 950): Promise<Rig> {
  const browser = await launchBrowser();
  const session = await ApiSession.signIn(baseUrl);
  const page = await signedInPage(browser, baseUrl, undefined, { viewport: { width, height } });
  return { browser, page, session };
}

/** Imports `doc` as a new flow (a unique id and name from `name`); resolves to its id. */
export async function importFlow(session: ApiSession, name: string, doc: Record<string, unknown>): Promise<string> {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const { id } = await session.ok<{ id: string }>("POST", "/api/flows", { import: { sluice: 1, ...doc, id: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${suffix}`, name: `${name} ${suffix}` } });
  return id;
}

/** Opens flow `id` in the designer and waits for its canvas. */
export async function openDesigner(page: Page, baseUrl: string, id: string): Promise<void> {
  await page.goto(`${baseUrl}/flows/${id}`);
  await page.getByTestId("designer").waitFor();
  await page.locator(".react-flow__node").first().waitFor();
}

/** Right-clicks `target` and resolves to the menu that opened. */
export async function contextMenu(page: Page, target: Locator, position?: { x: number; y: number }): Promise<Locator> {
  await target.click({ button: "right", position });
  const menu = page.getByTestId("context-menu");
  await menu.waitFor();
  return menu;
}

/** The labels of a menu's items, in order. */
export async function menuLabels(menu: Locator): Promise<string[]> {
  return (await menu.getByRole("menuitem").allTextContents()).map((t) => t.replace(/(Ctrl\+[A-Z]|Del|\?)$/, "").trim());
}

/** The stored flow document (GET /api/flows/:id). */
export async function storedDoc(session: ApiSession, id: string): Promise<{ processors: Array<{ id: string; name?: string; state: string; autoTerminate: string[]; group?: string }>; connections: Array<{ id: string; source: string; destination: string; relationships: string[]; loadBalance?: { strategy: string; partitionAttribute?: string } }>; groups: Array<{ id: string; name: string; parent?: string }> }> {
  const r = await session.ok<{ document: never }>("GET", `/api/flows/${id}`);
  return r.document;
}
