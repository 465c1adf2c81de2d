import { describe, expect, it } from "vitest";
import { ListenHTTP } from "../../../processors/listen-http";
import { testRunner, type TestRunner } from "../../../processors/testing/runner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portOf(r: TestRunner): number {
  const line = r.logs.find((l) => l.message.includes("listening"));
  return line?.fields?.port as number;
}

async function started(properties: Record<string, string> = {}): Promise<{ r: TestRunner; url: string }> {
  const r = testRunner(ListenHTTP, { properties: { port: "0", host: "127.0.0.1", ...properties } });
  await r.run(1, { stop: false });
  return { r, url: `http://127.0.0.1:${portOf(r)}` };
}

/** Triggers until `n` FlowFiles were emitted (each idle trigger waits up to 100 ms for a request). */
async function drain(r: TestRunner, n: number): Promise<void> {
  for (let i = 0; i < 50 && r.flowFiles("success").length < n; i++) await r.run(1, { stop: false });
}

describe("ListenHTTP", () => {
  it("turns a POST into a FlowFile and answers 200 only after the commit", async () => {
    const { r, url } = await started({ headersAsAttributes: "x-.*" });
    let status = 0;
    const reply = fetch(`${url}/contentListener?q=1`, {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain", "x-source": "test", filename: "in.txt" },
    }).then((res) => {
      status = res.status;
    });
    await sleep(100);
    expect(status).toBe(0);
    await drain(r, 1);
    await reply;
    expect(status).toBe(200);
    const ff = r.flowFiles("success")[0]!;
    expect(ff.content).toBe("hello");
    expect(ff.attributes["mime.type"]).toBe("text/plain");
    expect(ff.attributes["x-source"]).toBe("test");
    expect(ff.attributes.filename).toBe("in.txt");
    expect(ff.attributes["restlistener.request.uri"]).toBe("/contentListener?q=1");
    expect(ff.attributes["restlistener.remote.source.host"]).toMatch(/127\.0\.0\.1/);
    const receive = (await r.provenance()).find((e) => e.type === "RECEIVE");
    expect(receive?.transitUri).toContain("/contentListener?q=1");
    await r.stop();
  });

  it("uses the configured return code and base path", async () => {
    const { r, url } = await started({ basePath: "/ingest", returnCode: "202" });
    const reply = fetch(`${url}/ingest`, { method: "PUT", body: "x" });
    await drain(r, 1);
    expect((await reply).status).toBe(202);
    expect((await fetch(`${url}/contentListener`, { method: "POST", body: "x" })).status).toBe(404);
    expect((await fetch(`${url}/ingest`)).status).toBe(405);
    expect((await fetch(`${url}/ingest`, { method: "HEAD" })).status).toBe(200);
    await r.stop();
  });

  it("answers 503 under back pressure and 413 for a body over the limit", async () => {
    const { r, url } = await started({ maxRequestSize: "10 B" });
    expect((await fetch(`${url}/contentListener`, { method: "POST", body: "x".repeat(100) })).status).toBe(413);
    r.setFull("success");
    const busy = await fetch(`${url}/contentListener`, { method: "POST", body: "x" });
    expect(busy.status).toBe(503);
    r.setFull("success", false);
    r.assertTransferCount("success", 0);
    await r.stop();
  });

  it("frees the port on stop and answers waiting clients 503", async () => {
    const { r, url } = await started();
    const reply = fetch(`${url}/contentListener`, { method: "POST", body: "late" });
    await sleep(100);
    await r.stop();
    expect((await reply).status).toBe(503);
    await expect(fetch(`${url}/contentListener`, { method: "POST", body: "x" })).rejects.toThrow();
  });

  it("validates port and header regex", () => {
    expect(testRunner(ListenHTTP, { properties: {} }).isValid).toBe(false);
    expect(testRunner(ListenHTTP, { properties: { port: "70000" } }).isValid).toBe(false);
    expect(testRunner(ListenHTTP, { properties: { port: "8080", headersAsAttributes: "(" } }).isValid).toBe(false);
    expect(testRunner(ListenHTTP, { properties: { port: "8080", basePath: "has space" } }).isValid).toBe(false);
  });
});
