import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvokeHTTP } from "../../../processors/invoke-http";
import { testRunner } from "../../../processors/testing/runner";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      const u = new URL(req.url ?? "/", "http://x");
      if (u.pathname === "/status") {
        res.writeHead(Number(u.searchParams.get("code")), { "content-type": "text/plain" });
        res.end(`status ${u.searchParams.get("code")}`);
      } else if (u.pathname === "/slow") {
        setTimeout(() => res.end("late"), 500);
      } else if (u.pathname === "/redirect") {
        res.writeHead(302, { location: "/echo" });
        res.end();
      } else if (u.pathname === "/big") {
        res.end("x".repeat(2048));
      } else {
        res.writeHead(200, { "content-type": "application/json", "x-server": "test" });
        res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString() }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("InvokeHTTP", () => {
  it("GETs a URL built with Expression Language; 2xx: Original + Response with headers and status", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: `${base}/echo?id=\${id}`, "X-Trace": "${trace}" } });
    const input = r.enqueue("ignored for GET", { id: "42", trace: "t-1" });
    await r.run();
    r.assertTransferCount("Original", 1);
    r.assertTransferCount("Response", 1);
    const res = r.flowFiles("Response")[0]!;
    expect(JSON.parse(res.content)).toEqual({ method: "GET", body: "" });
    expect(res.attributes["invokehttp.status.code"]).toBe("200");
    expect(res.attributes["mime.type"]).toBe("application/json");
    expect(res.attributes["x-server"]).toBe("test");
    expect(res.attributes.id).toBe("42");
    expect(r.flowFiles("Original")[0]!.attributes["invokehttp.status.code"]).toBe("200");
    const req = seen.at(-1)!;
    expect(req.url).toBe("/echo?id=42");
    expect(req.headers["x-trace"]).toBe("t-1");
    const events = await r.provenance();
    const fetch = events.find((e) => e.type === "FETCH");
    expect(fetch?.flowFileUuid).toBe(res.uuid);
    expect(fetch?.transitUri).toBe(`${base}/echo?id=42`);
    expect(events.find((e) => e.type === "FORK")?.flowFileUuid).toBe(input.uuid);
  });

  it("POSTs the content with its mime.type and sends matching attributes as headers", async () => {
    const r = testRunner(InvokeHTTP, { properties: { method: "POST", url: `${base}/echo`, attributesToSend: "x-.*" } });
    r.enqueue('{"a":1}', { "mime.type": "application/json", "x-tenant": "acme", other: "no" });
    await r.run();
    const req = seen.at(-1)!;
    expect([req.method, req.body, req.headers["content-type"], req.headers["x-tenant"], req.headers.other]).toEqual([
      "POST",
      '{"a":1}',
      "application/json",
      "acme",
      undefined,
    ]);
    expect((await r.provenance()).some((e) => e.type === "SEND")).toBe(true);
  });

  it("routes 5xx to Retry (penalized) and 4xx to No Retry; Always Output Response emits the body", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: `${base}/status?code=\${code}`, alwaysOutputResponse: "true" } });
    r.enqueue("", { code: "503" });
    r.enqueue("", { code: "404" });
    await r.run();
    const retry = r.flowFiles("Retry");
    expect(retry).toHaveLength(1);
    expect(retry[0]!.penalized).toBe(true);
    expect(retry[0]!.attributes["invokehttp.status.code"]).toBe("503");
    expect(r.flowFiles("No Retry")[0]!.attributes["invokehttp.status.code"]).toBe("404");
    expect(r.flowFiles("No Retry")[0]!.penalized).toBe(false);
    expect(r.flowFiles("Response").map((f) => f.content)).toEqual(["status 503", "status 404"]);
    r.assertTransferCount("Original", 0);
  });

  it("follows redirects, or reports the 3xx as No Retry", async () => {
    const follow = testRunner(InvokeHTTP, { properties: { url: `${base}/redirect` } });
    follow.enqueue("");
    await follow.run();
    expect(follow.flowFiles("Response")[0]!.attributes["invokehttp.response.url"]).toBe(`${base}/echo`);
    const manual = testRunner(InvokeHTTP, { properties: { url: `${base}/redirect`, followRedirects: "false" } });
    manual.enqueue("");
    await manual.run();
    expect(manual.flowFiles("No Retry")[0]!.attributes["invokehttp.status.code"]).toBe("302");
  });

  it("puts the body into an attribute instead of a Response FlowFile", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: `${base}/big`, responseBodyAttribute: "body", responseBodyAttributeSize: "10" } });
    r.enqueue("");
    await r.run();
    r.assertTransferCount("Response", 0);
    expect(r.flowFiles("Original")[0]!.attributes.body).toBe("xxxxxxxxxx");
  });

  it("routes connection errors, timeouts, oversized responses and bad URLs to Failure", async () => {
    const closed = http.createServer();
    await new Promise<void>((res) => closed.listen(0, "127.0.0.1", res));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const r = testRunner(InvokeHTTP, { properties: { url: "${u}", timeout: "100 ms", maxResponseSize: "1 KB" } });
    r.enqueue("", { u: `http://127.0.0.1:${deadPort}/` });
    r.enqueue("", { u: `${base}/slow` });
    r.enqueue("", { u: `${base}/big` });
    r.enqueue("", { u: "not a url" });
    r.enqueue("", { u: "ftp://example.com/x" });
    await r.run();
    const failed = r.flowFiles("Failure");
    expect(failed).toHaveLength(5);
    expect(failed.every((f) => f.penalized)).toBe(true);
    const messages = failed.map((f) => f.attributes["invokehttp.exception.message"]);
    expect(messages[0]).toMatch(/ECONNREFUSED/);
    expect(failed[1]!.attributes["invokehttp.exception.class"]).toMatch(/TimeoutError|AbortError/);
    expect(messages[2]).toMatch(/Maximum Response Size/);
    expect(messages[3]).toMatch(/Invalid URL/);
    expect(messages[4]).toMatch(/unsupported URL scheme/);
  });

  it("runs as a source without an incoming connection", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: `${base}/echo` }, withInput: false });
    await r.run(2);
    r.assertTransferCount("Response", 2);
    expect((await r.provenance()).filter((e) => e.type === "RECEIVE")).toHaveLength(2);
  });

  it("validates the URL and the header regex", () => {
    expect(testRunner(InvokeHTTP, { properties: {} }).isValid).toBe(false);
    expect(testRunner(InvokeHTTP, { properties: { url: "ftp://x" } }).isValid).toBe(false);
    expect(testRunner(InvokeHTTP, { properties: { url: "http://x", attributesToSend: "(" } }).isValid).toBe(false);
    expect(testRunner(InvokeHTTP, { properties: { url: "http://${host}/x" } }).isValid).toBe(true);
  });
});
