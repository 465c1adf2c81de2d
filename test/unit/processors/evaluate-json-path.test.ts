import { describe, expect, it } from "vitest";
import { EvaluateJsonPath } from "../../../processors/evaluate-json-path";
import { testRunner } from "../../../processors/testing/runner";

const doc = JSON.stringify({ id: 7, name: "Ann", tags: ["a", "b"], addr: { city: "Oslo" }, gone: null, ok: true });

describe("EvaluateJsonPath", () => {
  it("writes scalar results to attributes", async () => {
    const r = testRunner(EvaluateJsonPath, {
      properties: { destination: "flowfile-attribute", id: "$.id", name: "$.name", city: "$.addr.city", ok: "$.ok", gone: "$.gone", first: "$.tags[0]" },
    });
    r.enqueue(doc);
    await r.run();
    r.assertTransferCount("matched", 1);
    const a = r.flowFiles("matched")[0]!.attributes;
    expect([a.id, a.name, a.city, a.ok, a.gone, a.first]).toEqual(["7", "Ann", "Oslo", "true", "", "a"]);
    expect(r.flowFiles("matched")[0]!.content).toBe(doc);
  });

  it("writes JSON text with return type json, and 'null' when configured", async () => {
    const r = testRunner(EvaluateJsonPath, {
      properties: { destination: "flowfile-attribute", returnType: "json", tags: "$.tags", addr: "$.addr", name: "$.name" },
    });
    r.enqueue(doc);
    await r.run();
    const a = r.flowFiles("matched")[0]!.attributes;
    expect([a.tags, a.addr, a.name]).toEqual(['["a","b"]', '{"city":"Oslo"}', '"Ann"']);
    const n = testRunner(EvaluateJsonPath, {
      properties: { destination: "flowfile-attribute", nullValueRepresentation: "the string 'null'", gone: "$.gone" },
    });
    n.enqueue(doc);
    await n.run();
    expect(n.flowFiles("matched")[0]!.attributes.gone).toBe("null");
  });

  it("handles paths that find nothing: ignore, warn, skip", async () => {
    for (const [behaviour, expected] of [["ignore", ""], ["warn", ""], ["skip", undefined]] as const) {
      const r = testRunner(EvaluateJsonPath, { properties: { destination: "flowfile-attribute", pathNotFoundBehavior: behaviour, x: "$.missing" } });
      r.enqueue(doc);
      await r.run();
      r.assertTransferCount("matched", 1);
      expect(r.flowFiles("matched")[0]!.attributes.x, behaviour).toBe(expected);
      if (behaviour === "warn") expect(r.bulletinList().some((b) => b.message.includes("$.missing"))).toBe(true);
    }
  });

  it("routes a non-scalar result in scalar mode to failure", async () => {
    const r = testRunner(EvaluateJsonPath, { properties: { destination: "flowfile-attribute", tags: "$.tags[*]" } });
    r.enqueue(doc);
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["evaluatejsonpath.error"]).toMatch(/not a scalar/);
  });

  it("replaces the content, or routes to unmatched when the path finds nothing", async () => {
    const r = testRunner(EvaluateJsonPath, { properties: { result: "$.addr" } });
    r.enqueue(doc);
    r.enqueue('{"other":1}');
    await r.run();
    expect(r.flowFiles("matched").map((f) => f.content)).toEqual(['{"city":"Oslo"}']);
    expect(r.flowFiles("unmatched").map((f) => f.content)).toEqual(['{"other":1}']);
  });

  it("routes content that is not JSON to failure", async () => {
    const r = testRunner(EvaluateJsonPath, { properties: { destination: "flowfile-attribute", x: "$.x" } });
    r.enqueue("{not json");
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["evaluatejsonpath.error"]).toMatch(/not valid JSON/);
  });

  it("validates paths and their number", () => {
    expect(testRunner(EvaluateJsonPath, { properties: {} }).problems[0]!.message).toMatch(/at least one/);
    expect(testRunner(EvaluateJsonPath, { properties: { a: "$.a", b: "$.b" } }).problems[0]!.message).toMatch(/exactly one/);
    const bad = testRunner(EvaluateJsonPath, { properties: { destination: "flowfile-attribute", a: "$.a[" } });
    expect(bad.problems).toEqual([expect.objectContaining({ property: "a" })]);
  });
});
