import { describe, expect, it } from "vitest";
import { HandleHttpRequest } from "../../../processors/handle-http-request";
import { HandleHttpResponse } from "../../../processors/handle-http-response";
import { testRunner, type TestRunner } from "../../../processors/testing/runner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(properties: Record<string, string> = {}): Promise<{ r: TestRunner; url: string }> {
  const r = testRunner(HandleHttpRequest, { properties: { port: "0", host: "127.0.0.1", ...properties } });
  await r.run(1, { stop: false });
  const port = r.logs.find((l) => l.message.includes("listening"))?.fields?.port as number;
  return { r, url: `http://127.0.0.1:${port}` };
}

async function drain(r: TestRunner, n: number): Promise<void> {
  for (let i = 0; i < 50 && r.flowFiles("success").length < n; i++) await r.run(1, { stop: false });
}

describe("HandleHttpRequest + HandleHttpResponse", () => {
  it("round-trips a request through the flow", async () => {
    const { r: req, url } = await started();
    const reply = fetch(`${url}/api/orders?id=7&id=8&x=y`, { method: "POST", body: '{"n":1}', headers: { "content-type": "application/json", "x-key": "k" } });
    await drain(req, 1);
    const ff = req.flowFiles("success")[0]!;
    expect(ff.content).toBe('{"n":1}');
    expect(ff.attributes["http.method"]).toBe("POST");
    expect(ff.attributes["http.request.uri"]).toBe("/api/orders");
    expect(ff.attributes["http.query.string"]).toBe("id=7&id=8&x=y");
    expect(ff.attributes["http.query.param.id"]).toBe("7");
    expect(ff.attributes["http.headers.x-key"]).toBe("k");
    expect(ff.attributes["mime.type"]).toBe("application/json");
    expect(ff.attributes["http.context.identifier"]).toMatch(/^[0-9a-f-]{36}$/);

    const resp = testRunner(HandleHttpResponse, { properties: { statusCode: "${status}", "X-Order": "${http.query.param.id}", attributesAsHeaders: "reply\\..*" } });
    resp.enqueue("created", { ...ff.attributes, status: "201", "mime.type": "text/plain", "reply.trace": "t1" });
    await resp.run();
    resp.assertTransferCount("success", 1);
    const res = await reply;
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("created");
    expect(res.headers.get("x-order")).toBe("7");
    expect(res.headers.get("reply.trace")).toBe("t1");
    expect(res.headers.get("content-type")).toBe("text/plain");
    const send = (await resp.provenance()).find((e) => e.type === "SEND");
    expect(send?.transitUri).toBe(ff.attributes["http.request.url"]);

    // A second answer for the same context fails: the request was answered.
    const again = testRunner(HandleHttpResponse, { properties: { statusCode: "200" } });
    again.enqueue("", { ...ff.attributes });
    await again.run();
    expect(again.flowFiles("failure")[0]!.attributes["handlehttpresponse.error"]).toMatch(/no request is waiting/);
    await req.stop();
  });

  it("refuses disallowed methods and paths, and expires unanswered requests with 503", async () => {
    const { r, url } = await started({ allowedPaths: "/api/.*", allowGet: "false", requestExpiration: "50 ms" });
    expect((await fetch(`${url}/api/x`)).status).toBe(405);
    expect((await fetch(`${url}/other`, { method: "POST", body: "" })).status).toBe(404);
    const reply = fetch(`${url}/api/x`, { method: "DELETE" });
    await drain(r, 1);
    expect((await reply).status).toBe(503);
    const resp = testRunner(HandleHttpResponse, { properties: { statusCode: "200" } });
    resp.enqueue("", { ...r.flowFiles("success")[0]!.attributes });
    await resp.run();
    resp.assertTransferCount("failure", 1);
    await r.stop();
  });

  it("answers 503 under back pressure", async () => {
    const { r, url } = await started();
    r.setFull("success");
    expect((await fetch(`${url}/`, { method: "POST", body: "x" })).status).toBe(503);
    await r.stop();
  });

  it("HandleHttpResponse routes a missing context or a bad status code to failure", async () => {
    const resp = testRunner(HandleHttpResponse, { properties: { statusCode: "${code}" } });
    resp.enqueue("", { code: "200" });
    resp.enqueue("", { "http.context.identifier": "nope", code: "abc" });
    resp.enqueue("", { "http.context.identifier": "nope", code: "200" });
    await resp.run();
    const errors = resp.flowFiles("failure").map((f) => f.attributes["handlehttpresponse.error"]);
    expect(errors[0]).toMatch(/no http.context.identifier/);
    expect(errors[1]).toMatch(/not an HTTP status code/);
    expect(errors[2]).toMatch(/no request is waiting/);
    await sleep(0);
  });

  it("validates configuration", () => {
    expect(testRunner(HandleHttpResponse, { properties: {} }).isValid).toBe(false);
    expect(testRunner(HandleHttpResponse, { properties: { statusCode: "200", attributesAsHeaders: "(" } }).isValid).toBe(false);
    expect(testRunner(HandleHttpRequest, { properties: { allowedPaths: "(" } }).isValid).toBe(false);
    expect(testRunner(HandleHttpRequest, { properties: { port: "-1" } }).isValid).toBe(false);
  });
});
