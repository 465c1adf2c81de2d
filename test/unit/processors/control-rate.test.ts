import { describe, expect, it } from "vitest";
import { ControlRate } from "../../../processors/control-rate";
import { testRunner } from "../../../processors/testing/runner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ControlRate", () => {
  it("passes at most N FlowFiles per duration; the rest stay queued, not penalized", async () => {
    const r = testRunner(ControlRate, { properties: { maxRate: "2", timeDuration: "300 ms" } });
    for (let i = 0; i < 5; i++) r.enqueue(`${i}`);
    await r.run(3, { stop: false });
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["0", "1"]);
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["2", "3", "4"]);
    expect(r.inputFlowFiles().every((f) => !f.penalized)).toBe(true);
    await sleep(320);
    await r.run();
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["0", "1", "2", "3"]);
  });

  it("limits the data rate and keeps order", async () => {
    const r = testRunner(ControlRate, { properties: { criteria: "data rate", maxRate: "10 B", timeDuration: "1 min" } });
    for (const c of ["aaaa", "bbbb", "cccc", "d"]) r.enqueue(c);
    await r.run(2, { stop: false });
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["aaaa", "bbbb"]);
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["cccc", "d"]);
    await r.stop();
  });

  it("lets a FlowFile larger than the rate through when the bucket is full", async () => {
    const r = testRunner(ControlRate, { properties: { criteria: "data rate", maxRate: "2 B", timeDuration: "1 min" } });
    r.enqueue("0123456789");
    r.enqueue("x");
    await r.run();
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["0123456789"]);
    expect(r.inputFlowFiles()).toHaveLength(1);
  });

  it("rate-limits each group separately", async () => {
    const r = testRunner(ControlRate, { properties: { maxRate: "1", groupingAttribute: "tenant" } });
    r.enqueue("a1", { tenant: "a" });
    r.enqueue("a2", { tenant: "a" });
    r.enqueue("b1", { tenant: "b" });
    r.enqueue("b2", { tenant: "b" });
    await r.run();
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["a1", "b1"]);
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["a2", "b2"]);
    expect(r.node.yieldUntil).toBeGreaterThan(Date.now());
  });

  it("sums an attribute; a missing or non-numeric value goes to failure", async () => {
    const r = testRunner(ControlRate, { properties: { criteria: "attribute value", rateControlledAttribute: "records", maxRate: "100" } });
    r.enqueue("1", { records: "60" });
    r.enqueue("2", { records: "30" });
    r.enqueue("3", { records: "30" });
    r.enqueue("bad");
    r.enqueue("worse", { records: "many" });
    await r.run();
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["1", "2"]);
    expect(r.flowFiles("failure").map((f) => f.attributes["controlrate.error"])).toEqual([
      "attribute records is missing",
      'attribute records is not a non-negative number: "many"',
    ]);
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["3"]);
  });

  it("validates the rate for the criteria", () => {
    expect(testRunner(ControlRate, { properties: {} }).isValid).toBe(false);
    expect(testRunner(ControlRate, { properties: { maxRate: "1.5" } }).isValid).toBe(false);
    expect(testRunner(ControlRate, { properties: { maxRate: "0" } }).isValid).toBe(false);
    expect(testRunner(ControlRate, { properties: { criteria: "data rate", maxRate: "lots" } }).isValid).toBe(false);
    expect(testRunner(ControlRate, { properties: { criteria: "data rate", maxRate: "1 MB" } }).isValid).toBe(true);
    expect(testRunner(ControlRate, { properties: { criteria: "attribute value", maxRate: "5" } }).isValid).toBe(false);
  });
});
