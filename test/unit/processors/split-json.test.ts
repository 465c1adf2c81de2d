import { describe, expect, it } from "vitest";
import { SplitJson } from "../../../processors/split-json";
import { MergeContent } from "../../../processors/merge-content";
import { testRunner } from "../../../processors/testing/runner";

describe("SplitJson", () => {
  it("splits an array into elements with fragment attributes", async () => {
    const r = testRunner(SplitJson, { properties: { jsonPath: "$.items" } });
    const input = r.enqueue(JSON.stringify({ items: [{ a: 1 }, "text", 3, null, [1, 2]] }), { filename: "f.json" });
    await r.run();
    const splits = r.flowFiles("split");
    expect(splits.map((s) => s.content)).toEqual(['{"a":1}', "text", "3", "", "[1,2]"]);
    expect(splits.map((s) => s.attributes["fragment.index"])).toEqual(["0", "1", "2", "3", "4"]);
    expect(new Set(splits.map((s) => s.attributes["fragment.identifier"])).size).toBe(1);
    expect(splits.every((s) => s.attributes["fragment.count"] === "5" && s.attributes["segment.original.filename"] === "f.json")).toBe(true);
    const fork = (await r.provenance()).find((e) => e.type === "FORK" && e.flowFileUuid === input.uuid);
    expect(fork?.childUuids).toHaveLength(5);
  });

  it("splits the root array and the result of a wildcard path", async () => {
    const r = testRunner(SplitJson, { properties: { jsonPath: "$", nullValueRepresentation: "the string 'null'" } });
    r.enqueue("[1,null]");
    await r.run();
    expect(r.flowFiles("split").map((s) => s.content)).toEqual(["1", "null"]);
    const w = testRunner(SplitJson, { properties: { jsonPath: "$.a[*].b" } });
    w.enqueue('{"a":[{"b":1},{"b":2},{"c":3}]}');
    await w.run();
    expect(w.flowFiles("split").map((s) => s.content)).toEqual(["1", "2"]);
  });

  it("defragments back with MergeContent (with a demarcator)", async () => {
    const r = testRunner(SplitJson, { properties: { jsonPath: "$" } });
    r.enqueue('[{"n":1},{"n":2},{"n":3}]');
    await r.run();
    const m = testRunner(MergeContent, { properties: { mergeStrategy: "Defragment", delimiterStrategy: "Text", header: "[", demarcator: ",", footer: "]" } });
    for (const s of r.flowFiles("split").reverse()) m.enqueue(s.content, { ...s.attributes });
    await m.run();
    expect(JSON.parse(m.flowFiles("merged")[0]!.content)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("routes bad JSON, a missing path and a non-array to failure", async () => {
    const r = testRunner(SplitJson, { properties: { jsonPath: "$.items" } });
    r.enqueue("nope");
    r.enqueue('{"other":[]}');
    r.enqueue('{"items":{"a":1}}');
    await r.run();
    const errors = r.flowFiles("failure").map((f) => f.attributes["splitjson.error"]);
    expect(errors).toEqual([expect.stringMatching(/not valid JSON/), expect.stringMatching(/found nothing/), expect.stringMatching(/did not select an array/)]);
    r.assertTransferCount("split", 0);
  });

  it("rejects a malformed path", () => {
    expect(testRunner(SplitJson, { properties: { jsonPath: "items" } }).isValid).toBe(false);
    expect(testRunner(SplitJson, { properties: {} }).isValid).toBe(false);
  });
});
