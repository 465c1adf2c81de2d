import { describe, expect, it } from "vitest";
import { RouteOnAttribute } from "../../../processors/route-on-attribute";
import { testRunner } from "../../../processors/testing/runner";

describe("RouteOnAttribute", () => {
  it("routes to property names; clones to every matching route", async () => {
    const r = testRunner(RouteOnAttribute, { properties: { big: "${amount:toNumber():gt(100)}", eu: "${region:equals('eu')}" } });
    const both = r.enqueue("both", { amount: "500", region: "eu" });
    r.enqueue("big", { amount: "101", region: "us" });
    r.enqueue("none", { amount: "1", region: "us" });
    await r.run();
    expect(r.flowFiles("big").map((f) => f.content)).toEqual(["both", "big"]);
    expect(r.flowFiles("eu").map((f) => f.content)).toEqual(["both"]);
    expect(r.flowFiles("unmatched").map((f) => f.content)).toEqual(["none"]);
    expect(r.flowFiles("big")[0]!.uuid).toBe(both.uuid);
    expect(r.flowFiles("eu")[0]!.uuid).not.toBe(both.uuid);
    expect(r.flowFiles("big")[0]!.attributes["RouteOnAttribute.Route"]).toBe("big");
    expect(r.flowFiles("eu")[0]!.attributes["RouteOnAttribute.Route"]).toBe("eu");
    const events = await r.provenance();
    expect(events.filter((e) => e.type === "CLONE" && e.parentUuids.includes(both.uuid))).toHaveLength(1);
    expect(events.filter((e) => e.type === "ROUTE").map((e) => e.relationship).sort()).toEqual(["big", "big", "eu", "unmatched"]);
  });

  it("'matched if all match' and 'matched if any matches'", async () => {
    const props = { a: "${x:equals('1')}", b: "${y:equals('1')}" };
    const all = testRunner(RouteOnAttribute, { properties: { strategy: "Route to 'matched' if all match", ...props } });
    const any = testRunner(RouteOnAttribute, { properties: { strategy: "Route to 'matched' if any matches", ...props } });
    for (const r of [all, any]) {
      r.enqueue("11", { x: "1", y: "1" });
      r.enqueue("10", { x: "1", y: "0" });
      r.enqueue("00", { x: "0", y: "0" });
      await r.run();
    }
    expect(all.flowFiles("matched").map((f) => f.content)).toEqual(["11"]);
    expect(all.flowFiles("unmatched").map((f) => f.content)).toEqual(["10", "00"]);
    expect(any.flowFiles("matched").map((f) => f.content)).toEqual(["11", "10"]);
    expect(any.flowFiles("unmatched").map((f) => f.content)).toEqual(["00"]);
  });

  it("rolls back and penalizes a FlowFile whose condition fails to evaluate", async () => {
    const r = testRunner(RouteOnAttribute, { properties: { n: "${v:format('yyyy'):equals('2024')}" } });
    r.enqueue("", { v: "abc" });
    await r.run();
    expect(r.inputFlowFiles()[0]!.penalized).toBe(true);
  });

  it("requires at least one condition and valid Expression Language", () => {
    expect(testRunner(RouteOnAttribute, { properties: {} }).isValid).toBe(false);
    expect(testRunner(RouteOnAttribute, { properties: { a: "${x:nope()}" } }).isValid).toBe(false);
    expect(testRunner(RouteOnAttribute, { properties: { strategy: "Random", a: "true" } }).isValid).toBe(false);
  });
});
