import { describe, expect, it } from "vitest";
import { RouteOnContent } from "../../../processors/route-on-content";
import { testRunner } from "../../../processors/testing/runner";

describe("RouteOnContent", () => {
  it("routes on a whole-content match by default", async () => {
    const r = testRunner(RouteOnContent, { properties: { numbers: "\\d+", words: "[a-z]+" } });
    r.enqueue("12345");
    r.enqueue("abc");
    r.enqueue("abc 123");
    await r.run();
    expect(r.flowFiles("numbers").map((f) => f.content)).toEqual(["12345"]);
    expect(r.flowFiles("words").map((f) => f.content)).toEqual(["abc"]);
    expect(r.flowFiles("unmatched").map((f) => f.content)).toEqual(["abc 123"]);
    expect(r.flowFiles("numbers")[0]!.attributes["RouteOnContent.Route"]).toBe("numbers");
  });

  it("clones to every matching route with 'contains match'", async () => {
    const r = testRunner(RouteOnContent, { properties: { matchRequirement: "content must contain match", error: "(?i)error", db: "database" } });
    const input = r.enqueue("ERROR: database down");
    await r.run();
    r.assertTransferCount("error", 1);
    r.assertTransferCount("db", 1);
    expect(r.flowFiles("error")[0]!.uuid).toBe(input.uuid);
    expect(r.flowFiles("db")[0]!.uuid).not.toBe(input.uuid);
    expect(r.flowFiles("db")[0]!.attributes["RouteOnContent.Route"]).toBe("db");
    const events = await r.provenance();
    expect(events.filter((e) => e.type === "ROUTE").map((e) => e.relationship).sort()).toEqual(["db", "error"]);
    expect(events.some((e) => e.type === "CLONE")).toBe(true);
  });

  it("evaluates Expression Language in expressions per FlowFile", async () => {
    const r = testRunner(RouteOnContent, { properties: { matchRequirement: "content must contain match", mine: "user=${user}" } });
    r.enqueue("user=ann", { user: "ann" });
    r.enqueue("user=bob", { user: "ann" });
    await r.run();
    r.assertTransferCount("mine", 1);
    r.assertTransferCount("unmatched", 1);
  });

  it("examines only the buffered bytes", async () => {
    const r = testRunner(RouteOnContent, { properties: { matchRequirement: "content must contain match", bufferSize: "4 B", tail: "TAIL" } });
    r.enqueue("headTAIL");
    await r.run();
    r.assertTransferCount("unmatched", 1);
  });

  it("routes a FlowFile whose evaluated expression is not a valid regex to failure", async () => {
    const r = testRunner(RouteOnContent, { properties: { dyn: "${pattern}" } });
    r.enqueue("x", { pattern: "(" });
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["routeoncontent.error"]).toBeTruthy();
  });

  it("validates routes", () => {
    expect(testRunner(RouteOnContent, { properties: {} }).isValid).toBe(false);
    expect(testRunner(RouteOnContent, { properties: { bad: "(" } }).problems[0]!.property).toBe("bad");
    expect(testRunner(RouteOnContent, { properties: { unmatched: "x" } }).isValid).toBe(false);
  });
});
