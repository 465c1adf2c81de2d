// "Import NiFi flow…" on the flow list, in real Chromium against a real server: real NiFi
// exports (test/fixtures/nifi) become flows and the report is shown; a name in use gets " (2)";
// a file that cannot be imported shows the error with its JSON paths and saves nothing; the
// placeholder shows on the canvas; the list says which flows run.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ApiSession, launchBrowser, processorNode, signedInPage } from "./helpers";

const root = path.resolve(import.meta.dirname, "../..");
const fixture = (f: string) => path.join(root, "test", "fixtures", "nifi", f);
const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;
let api: ApiSession;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, baseUrl, undefined, { viewport: { width: 1400, height: 1000 } });
  api = await ApiSession.signIn(baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

interface FlowSummary {
  id: string;
  name: string;
}
const flowsNamed = async (name: string) => (await api.ok<{ flows: FlowSummary[] }>("GET", "/api/flows")).flows.filter((f) => f.name === name);

async function importNifi(file: string): Promise<void> {
  await page.getByTestId("import-nifi-input").setInputFiles(fixture(file));
}

describe("Import NiFi flow", () => {
  it("imports a flow.json with a processor Sluice lacks and shows the report", async () => {
    await page.goto(`${baseUrl}/`);
    await importNifi("decompression-circular-flow.json");
    const report = page.getByTestId("nifi-report");
    await report.waitFor();
    await expect(report.getByRole("heading", { level: 2 }).textContent()).resolves.toBe("Imported “DecompressionCircularFlow2” from decompression-circular-flow.json");
    await expect(page.getByTestId("nifi-report-summary").textContent()).resolves.toBe("NiFi flow.json: 8 mapped, 14 mapped with changes, 1 not supported.");
    const unsupported = page.getByTestId("nifi-report-unsupported").locator(":scope > li");
    await expect(unsupported.count()).resolves.toBe(1);
    await expect(unsupported.first().textContent()).resolves.toContain('IdentifyMimeType: no Sluice counterpart: kept as a disabled placeholder (type "nifi:org.apache.nifi.processors.standard.IdentifyMimeType")');
    await expect(page.getByTestId("nifi-report-changed").textContent()).resolves.toContain("back pressure object threshold 0 (no limit) becomes 2147483647");
    await expect(report.textContent()).resolves.toContain("1 problem to fix in the designer before it can run (each placeholder is one: replace it with a Sluice processor).");
    // The list shows the new flow, once.
    await page.getByTestId("flow-row").filter({ hasText: "DecompressionCircularFlow2" }).waitFor();
    expect(await flowsNamed("DecompressionCircularFlow2")).toHaveLength(1);
    mkdirSync(path.join(root, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(root, "test-results", "nifi-import-report.png"), fullPage: true });

    // Open flow: the placeholder is on the canvas, named by its NiFi type.
    await report.getByRole("link", { name: "Open flow" }).click();
    await page.waitForURL(/\/flows\/[^/]+$/);
    const node = processorNode(page, "3288c07e-9b07-3186-a980-88f98b987bb1");
    await node.waitFor();
    await expect(node.textContent()).resolves.toContain("nifi:org.apache.nifi.processors.standard.IdentifyMimeType");
    await expect(page.locator(".react-flow__node").count()).resolves.toBe(9);
    // Its configuration panel says the type is unknown, and its comments name the NiFi type.
    // (The NiFi positions put the node outside the first view: the event is sent, not clicked.)
    await node.locator(".processor-type").dispatchEvent("dblclick");
    const panel = page.getByTestId("config-panel");
    await panel.waitFor();
    await expect(panel.textContent()).resolves.toContain("Unknown processor type");
    await expect(panel.getByLabel("Comments").inputValue()).resolves.toMatch(/^Placeholder for NiFi's org\.apache\.nifi\.processors\.standard\.IdentifyMimeType \(minifi-standard-nar 2\.0\.0-SNAPSHOT\): Sluice has no such processor\./);
  });

  it("names a second import of the same flow \"(2)\" and says so", async () => {
    await page.goto(`${baseUrl}/`);
    await importNifi("decompression-circular-flow.json");
    await page.getByTestId("nifi-report").waitFor();
    await expect(page.getByTestId("nifi-report-renamed").textContent()).resolves.toBe(
      "A flow named “DecompressionCircularFlow2” already exists, so this one is named “DecompressionCircularFlow2 (2)”.",
    );
    expect(await flowsNamed("DecompressionCircularFlow2 (2)")).toHaveLength(1);
  });

  it("names a Sluice flow file imported under a name in use \"(2)\" too, and says so", async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByTestId("import-input").setInputFiles(path.join(root, "prisma", "seed", "example-flow.json"));
    await page.getByRole("status").filter({ hasText: "Imported example-flow.json as “Order intake (example) (2)” (a flow named “Order intake (example)” already exists)" }).waitFor();
    expect(await flowsNamed("Order intake (example) (2)")).toHaveLength(1);
    expect(await flowsNamed("Order intake (example)")).toHaveLength(1);
  });

  it("imports a gzip flow.json.gz and lists the sensitive value to enter", async () => {
    await page.goto(`${baseUrl}/`);
    await importNifi("mismatched-flows-flow1.json.gz");
    await page.getByTestId("nifi-report").waitFor();
    await expect(page.getByTestId("nifi-report-summary").textContent()).resolves.toMatch(/^NiFi flow\.json \(gzip\): \d+ mapped, \d+ mapped with changes, \d+ not supported, 1 sensitive value to enter\.$/);
    await expect(page.getByTestId("nifi-report-must-enter").textContent()).resolves.toBe("Count: processors[0].properties.Sensitive (from NiFi “Sensitive”)");
  });

  it("shows what is wrong and where for a file it cannot import, and saves nothing", async () => {
    await page.goto(`${baseUrl}/`);
    const before = (await api.ok<{ flows: FlowSummary[] }>("GET", "/api/flows")).flows.length;
    await importNifi("child-with-external-services.json");
    const alert = page.getByTestId("list-error");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain(
      "NiFi import of child-with-external-services.json failed, nothing was saved: child-with-external-services.json: the NiFi flow references controller services that are not in the file",
    );
    await expect(alert.locator("li").first().textContent()).resolves.toMatch(/^flowContents\.processors\[1\]\.properties\["record-writer"\]: references controller service "MyAvroRecordSetWriter"/);
    await page.getByTestId("import-nifi-input").setInputFiles({ name: "notes.json.gz", mimeType: "application/gzip", buffer: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]) });
    await page.getByTestId("list-error").filter({ hasText: "notes.json.gz is a gzip file that does not decompress" }).waitFor();
    expect((await api.ok<{ flows: FlowSummary[] }>("GET", "/api/flows")).flows.length).toBe(before);
  });

  it("says which flows are running", async () => {
    await page.goto(`${baseUrl}/`);
    await importNifi("generate-to-output-port.json");
    await page.getByTestId("nifi-report").waitFor();
    await expect(page.getByTestId("nifi-report").textContent()).resolves.toContain("The flow validates.");
    const [flow] = await flowsNamed("Generate To Output Port");
    const row = page.getByTestId("flow-row").filter({ hasText: "Generate To Output Port" });
    await row.getByTestId("flow-state").filter({ hasText: "Stopped" }).waitFor();
    await api.ok("POST", `/api/flows/${flow!.id}/run`, { action: "start" });
    await row.getByTestId("flow-state").filter({ hasText: "Running" }).waitFor({ timeout: 15_000 });
    await api.ok("POST", `/api/flows/${flow!.id}/run`, { action: "stop" });
    await row.getByTestId("flow-state").filter({ hasText: "Stopped" }).waitFor({ timeout: 15_000 });
  });
});
