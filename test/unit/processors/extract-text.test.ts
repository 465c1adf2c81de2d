import { describe, expect, it } from "vitest";
import { ExtractText } from "../../../processors/extract-text";
import { testRunner } from "../../../processors/testing/runner";

describe("ExtractText", () => {
  it("writes capture groups as name, name.0, name.1...", async () => {
    const r = testRunner(ExtractText, { properties: { order: "order=(\\w+) qty=(\\d+)", none: "zzz(\\d)" } });
    r.enqueue("x order=A7 qty=3 y");
    await r.run();
    r.assertTransferCount("matched", 1);
    const a = r.flowFiles("matched")[0]!.attributes;
    expect([a.order, a["order.0"], a["order.1"], a["order.2"]]).toEqual(["A7", "order=A7 qty=3", "A7", "3"]);
    expect(a.none).toBeUndefined();
  });

  it("numbers repeated matches continuously and can leave out group 0", async () => {
    const r = testRunner(ExtractText, { properties: { n: "(\\d+)", enableRepeatingCaptureGroup: "true", includeCaptureGroupZero: "false" } });
    r.enqueue("a1 b22 c333");
    await r.run();
    const a = r.flowFiles("matched")[0]!.attributes;
    expect([a.n, a["n.1"], a["n.2"], a["n.3"], a["n.0"]]).toEqual(["1", "1", "22", "333", undefined]);
  });

  it("honours flags, buffer size and capture length", async () => {
    const r = testRunner(ExtractText, { properties: { v: "^value: (.+)$", caseInsensitive: "true", multiline: "true", maxCaptureGroupLength: "3" } });
    r.enqueue("first\nVALUE: abcdef\n");
    await r.run();
    expect(r.flowFiles("matched")[0]!.attributes.v).toBe("abc");
    const b = testRunner(ExtractText, { properties: { v: "(late)", maxBufferSize: "3 B" } });
    b.enqueue("too late");
    await b.run();
    b.assertTransferCount("unmatched", 1);
  });

  it("routes content no expression matches to unmatched, unchanged", async () => {
    const r = testRunner(ExtractText, { properties: { id: "id=(\\d+)" } });
    r.enqueue("nothing here", { keep: "1" });
    await r.run();
    r.assertTransferCount("unmatched", 1);
    expect(r.flowFiles("unmatched")[0]!.attributes.id).toBeUndefined();
    expect((await r.provenance()).some((e) => e.type === "ATTRIBUTES_MODIFIED")).toBe(false);
  });

  it("rejects invalid expressions and a missing one", () => {
    expect(testRunner(ExtractText, { properties: { x: "([a-z]" } }).problems[0]!.property).toBe("x");
    expect(testRunner(ExtractText, { properties: {} }).isValid).toBe(false);
  });
});
