import { describe, expect, it } from "vitest";
import { UpdateAttribute } from "../../../processors/update-attribute";
import { testRunner } from "../../../processors/testing/runner";

describe("UpdateAttribute", () => {
  it("sets attributes from Expression Language, all evaluated against the incoming FlowFile", async () => {
    const r = testRunner(UpdateAttribute, { properties: { kind: "order", name: "${filename:toUpper()}", a: "new", b: "${a}" } });
    r.enqueue("body", { filename: "x.csv", a: "old" });
    await r.run();
    const ff = r.flowFiles("success")[0]!;
    expect([ff.attributes.kind, ff.attributes.name, ff.attributes.a, ff.attributes.b]).toEqual(["order", "X.CSV", "new", "old"]);
    expect(ff.content).toBe("body");
    const events = await r.provenance();
    const mod = events.find((e) => e.type === "ATTRIBUTES_MODIFIED");
    expect(mod?.updatedAttributes).toMatchObject({ kind: "order", a: "new" });
    expect(mod?.previousAttributes).toMatchObject({ a: "old", kind: null });
  });

  it("deletes attributes matching the regex (never uuid), before setting new ones", async () => {
    const r = testRunner(UpdateAttribute, { properties: { deleteAttributes: "tmp\\..*|uuid", "tmp.keep": "set after delete" } });
    const input = r.enqueue("", { "tmp.a": "1", "tmp.b": "2", other: "3" });
    await r.run();
    const a = r.flowFiles("success")[0]!.attributes;
    expect(a["tmp.a"]).toBeUndefined();
    expect(a["tmp.b"]).toBeUndefined();
    expect(a["tmp.keep"]).toBe("set after delete");
    expect(a.other).toBe("3");
    expect(a.uuid).toBe(input.uuid);
  });

  it("rolls back and penalizes a FlowFile whose expression fails (no failure relationship, as in NiFi)", async () => {
    const r = testRunner(UpdateAttribute, { properties: { n: "${v:format('yyyy')}" } });
    r.enqueue("", { v: "abc" });
    await r.run();
    r.assertTransferCount("success", 0);
    expect(r.inputFlowFiles()[0]!.penalized).toBe(true);
    expect(r.bulletinList()[0]!.message).toMatch(/rolled back/);
  });

  it("rejects an invalid delete regex and invalid Expression Language", () => {
    expect(testRunner(UpdateAttribute, { properties: { deleteAttributes: "(" } }).isValid).toBe(false);
    expect(testRunner(UpdateAttribute, { properties: { x: "${unclosed b}" } }).problems[0]!.property).toBe("x");
  });
});
