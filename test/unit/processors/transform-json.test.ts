import { describe, expect, it } from "vitest";
import { TransformJson } from "../../../processors/transform-json";
import { testRunner } from "../../../processors/testing/runner";

const order = JSON.stringify({ id: "o1", lines: [{ sku: "a", qty: 2, price: 5 }, { sku: "b", qty: 1, price: 10 }] });

describe("TransformJson", () => {
  it("transforms with JSONata and sets mime.type", async () => {
    const r = testRunner(TransformJson, { properties: { expression: '{ "order": id, "total": $sum(lines.(qty * price)), "skus": lines.sku }' } });
    r.enqueue(order);
    await r.run();
    r.assertTransferCount("success", 1);
    const out = r.flowFiles("success")[0]!;
    expect(JSON.parse(out.content)).toEqual({ order: "o1", total: 20, skus: ["a", "b"] });
    expect(out.attributes["mime.type"]).toBe("application/json");
  });

  it("binds $attributes and dynamic properties (Expression Language)", async () => {
    const r = testRunner(TransformJson, { properties: { expression: '{ "id": id, "file": $attributes.filename, "region": $region }', region: "${r:toUpper()}" } });
    r.enqueue(order, { filename: "x.json", r: "eu" });
    await r.run();
    expect(JSON.parse(r.flowFiles("success")[0]!.content)).toEqual({ id: "o1", file: "x.json", region: "EU" });
  });

  it("pretty prints", async () => {
    const r = testRunner(TransformJson, { properties: { expression: "{ 'a': 1 }", prettyPrint: "true" } });
    r.enqueue("{}");
    await r.run();
    expect(r.flowFiles("success")[0]!.content).toBe('{\n  "a": 1\n}');
  });

  it("routes an undefined result to failure, or writes null when configured", async () => {
    const r = testRunner(TransformJson, { properties: { expression: "missing" } });
    r.enqueue(order);
    await r.run();
    expect(r.flowFiles("failure")[0]!.attributes["transformjson.error"]).toMatch(/no result/);
    const n = testRunner(TransformJson, { properties: { expression: "missing", undefinedResult: "null" } });
    n.enqueue(order);
    await n.run();
    expect(n.flowFiles("success")[0]!.content).toBe("null");
  });

  it("routes bad JSON and evaluation errors to failure", async () => {
    const r = testRunner(TransformJson, { properties: { expression: 'id + 1' } });
    r.enqueue("{broken");
    r.enqueue(order);
    await r.run();
    const errors = r.flowFiles("failure").map((f) => f.attributes["transformjson.error"]);
    expect(errors[0]).toMatch(/not valid JSON/);
    expect(errors[1]).toMatch(/T2001/);
    expect(r.flowFiles("failure")[1]!.content).toBe(order);
  });

  it("stops a runaway expression at the timeout", async () => {
    const r = testRunner(TransformJson, { properties: { expression: "( $f := function($n) { $n > 0 ? $f($n - 1) + 1 : 0 }; $f(1000000) )", timeout: "50 ms" } });
    r.enqueue("{}");
    await r.run();
    r.assertTransferCount("failure", 1);
  });

  it("reports a syntax error at validation", () => {
    const r = testRunner(TransformJson, { properties: { expression: "{ 'a': }" } });
    expect(r.problems[0]!.message).toMatch(/not a valid JSONata expression/);
    expect(testRunner(TransformJson, { properties: { expression: "x", "bad-name": "1" } }).isValid).toBe(false);
  });
});
