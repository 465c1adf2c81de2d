import { describe, expect, it } from "vitest";
import { MergeContent } from "../../../processors/merge-content";
import { SplitText } from "../../../processors/split-text";
import { testRunner } from "../../../processors/testing/runner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MergeContent: bin-packing", () => {
  it("merges a full bin in order and records a JOIN", async () => {
    const r = testRunner(MergeContent, { properties: { minEntries: "3", maxEntries: "3" } });
    const inputs = ["a", "b", "c"].map((c) => r.enqueue(c, { common: "x", own: c }));
    await r.run();
    r.assertTransferCount("merged", 1);
    const m = r.flowFiles("merged")[0]!;
    expect(m.content).toBe("abc");
    expect(m.attributes["merge.count"]).toBe("3");
    expect(m.attributes["merge.reason"]).toBe("MAX_ENTRIES_THRESHOLD_REACHED");
    expect(m.attributes.common).toBe("x");
    expect(m.attributes.own).toBeUndefined();
    const join = (await r.provenance()).find((e) => e.type === "JOIN" && e.flowFileUuid === m.uuid);
    expect([...(join?.parentUuids ?? [])].sort()).toEqual(inputs.map((i) => i.uuid).sort());
  });

  it("keeps an incomplete bin queued (not penalized) until it reaches the minimum", async () => {
    const r = testRunner(MergeContent, { properties: { minEntries: "5" } });
    for (const c of ["1", "2", "3"]) r.enqueue(c);
    await r.run(1, { stop: false });
    r.assertTransferCount("merged", 0);
    const waiting = r.inputFlowFiles();
    expect(waiting.map((f) => f.content)).toEqual(["1", "2", "3"]);
    expect(waiting.every((f) => !f.penalized)).toBe(true);
    // It yields (no busy loop over FlowFiles that cannot be merged yet).
    expect(r.node.yieldUntil).toBeGreaterThan(Date.now());
    r.enqueue("4");
    r.enqueue("5");
    await r.run();
    r.assertTransferCount("merged", 1);
    expect(r.flowFiles("merged")[0]!.content).toBe("12345");
    expect(r.flowFiles("merged")[0]!.attributes["merge.reason"]).toBe("MIN_THRESHOLD_REACHED");
    expect(r.inputFlowFiles()).toHaveLength(0);
  });

  it("splits into several bins at the maximum entries", async () => {
    const r = testRunner(MergeContent, { properties: { maxEntries: "2" } });
    for (const c of ["a", "b", "c", "d", "e"]) r.enqueue(c);
    await r.run();
    expect(r.flowFiles("merged").map((f) => f.content)).toEqual(["ab", "cd", "e"]);
  });

  it("bins by the correlation attribute", async () => {
    const r = testRunner(MergeContent, { properties: { correlationAttribute: "k", minEntries: "2" } });
    r.enqueue("a1", { k: "a" });
    r.enqueue("b1", { k: "b" });
    r.enqueue("a2", { k: "a" });
    r.enqueue("c1", { k: "c" });
    r.enqueue("b2", { k: "b" });
    await r.run(1, { stop: false });
    expect(r.flowFiles("merged").map((f) => f.content)).toEqual(["a1a2", "b1b2"]);
    expect(r.flowFiles("merged").map((f) => f.attributes.k)).toEqual(["a", "b"]);
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["c1"]);
    await r.stop();
  });

  it("respects the maximum group size; a larger FlowFile is merged alone", async () => {
    const r = testRunner(MergeContent, { properties: { maxSize: "8 B" } });
    for (const c of ["1234", "5678", "90", "0123456789ab", "x"]) r.enqueue(c);
    await r.run();
    expect(r.flowFiles("merged").map((f) => f.content)).toEqual(["12345678", "90x", "0123456789ab"]);
  });

  it("merges an incomplete bin once it is older than Max Bin Age", async () => {
    const r = testRunner(MergeContent, { properties: { minEntries: "10", maxBinAge: "50 ms" } });
    r.enqueue("a");
    r.enqueue("b");
    await r.run(1, { stop: false });
    r.assertTransferCount("merged", 0);
    await sleep(80);
    await r.run();
    r.assertTransferCount("merged", 1);
    const m = r.flowFiles("merged")[0]!;
    expect(m.attributes["merge.reason"]).toBe("MAX_BIN_AGE_REACHED");
    expect(Number(m.attributes["merge.bin.age"])).toBeGreaterThanOrEqual(50);
  });

  it("merges the oldest bin when the maximum number of bins is open and none is ready", async () => {
    const r = testRunner(MergeContent, { properties: { correlationAttribute: "k", minEntries: "10", maxBins: "2" } });
    r.enqueue("a", { k: "a" });
    r.enqueue("b", { k: "b" });
    await r.run(1, { stop: false });
    expect(r.flowFiles("merged").map((f) => [f.content, f.attributes["merge.reason"]])).toEqual([["a", "BIN_MANAGER_FULL"]]);
    await r.stop();
  });

  it("adds header, demarcator and footer with Expression Language", async () => {
    const r = testRunner(MergeContent, {
      properties: { minEntries: "2", delimiterStrategy: "Text", header: "[", demarcator: ",", footer: "]${suffix}" },
    });
    r.enqueue('{"a":1}', { suffix: "!" });
    r.enqueue('{"a":2}', { suffix: "?" });
    await r.run();
    expect(r.flowFiles("merged")[0]!.content).toBe('[{"a":1},{"a":2}]!');
  });

  it("keeps all unique attributes when asked", async () => {
    const r = testRunner(MergeContent, { properties: { minEntries: "2", attributeStrategy: "Keep All Unique Attributes" } });
    r.enqueue("1", { a: "1", same: "s", clash: "x" });
    r.enqueue("2", { b: "2", same: "s", clash: "y" });
    await r.run();
    const m = r.flowFiles("merged")[0]!.attributes;
    expect([m.a, m.b, m.same, m.clash]).toEqual(["1", "2", "s", undefined]);
  });

  it("rejects minimums above maximums", () => {
    expect(testRunner(MergeContent, { properties: { minEntries: "5", maxEntries: "2" } }).isValid).toBe(false);
    expect(testRunner(MergeContent, { properties: { minSize: "5 KB", maxSize: "1 KB" } }).isValid).toBe(false);
    expect(testRunner(MergeContent, { properties: { maxBinAge: "soon" } }).isValid).toBe(false);
  });
});

function fragment(id: string, index: number, count: number, extra: Record<string, string> = {}): Record<string, string> {
  return { "fragment.identifier": id, "fragment.index": String(index), "fragment.count": String(count), ...extra };
}

describe("MergeContent: defragment", () => {
  it("rebuilds interleaved groups in fragment.index order and leaves incomplete ones queued", async () => {
    const r = testRunner(MergeContent, { properties: { mergeStrategy: "Defragment" } });
    r.enqueue("B2", fragment("b", 2, 2));
    r.enqueue("A3", fragment("a", 3, 3, { "segment.original.filename": "a.txt" }));
    r.enqueue("A1", fragment("a", 1, 3, { "segment.original.filename": "a.txt" }));
    r.enqueue("A2", fragment("a", 2, 3, { "segment.original.filename": "a.txt" }));
    await r.run(1, { stop: false });
    const merged = r.flowFiles("merged");
    expect(merged.map((f) => f.content)).toEqual(["A1A2A3"]);
    expect(merged[0]!.attributes.filename).toBe("a.txt");
    expect(merged[0]!.attributes["merge.reason"]).toBe("DEFRAGMENTED");
    expect(r.inputFlowFiles().map((f) => f.content)).toEqual(["B2"]);
    r.enqueue("B1", fragment("b", 1, 2));
    await r.run();
    expect(r.flowFiles("merged").map((f) => f.content)).toEqual(["A1A2A3", "B1B2"]);
  });

  it("round-trips SplitText output byte for byte", async () => {
    const original = "h1\nline 1\r\nline 2\n\nline 4\n";
    const split = testRunner(SplitText, { properties: { lineSplitCount: "2", removeTrailingNewlines: "false" } });
    split.enqueue(original, { filename: "orig.txt" });
    await split.run();
    const merge = testRunner(MergeContent, { properties: { mergeStrategy: "Defragment" } });
    for (const s of split.flowFiles("splits").reverse()) merge.enqueue(s.content, { ...s.attributes });
    await merge.run();
    merge.assertTransferCount("merged", 1);
    expect(merge.flowFiles("merged")[0]!.content).toBe(original);
    expect(merge.flowFiles("merged")[0]!.attributes.filename).toBe("orig.txt");
  });

  it("routes FlowFiles without fragment attributes, duplicates and too many fragments to failure", async () => {
    const r = testRunner(MergeContent, { properties: { mergeStrategy: "Defragment" } });
    r.enqueue("no attrs");
    r.enqueue("bad", fragment("x", 1, 2, { "fragment.index": "one" }));
    r.enqueue("d1", fragment("d", 1, 2));
    r.enqueue("d1 again", fragment("d", 1, 2));
    r.enqueue("t1", fragment("t", 1, 1));
    r.enqueue("t2", fragment("t", 2, 1));
    await r.run();
    const failed = r.flowFiles("failure");
    expect(failed.map((f) => f.content).sort()).toEqual(["bad", "d1", "d1 again", "no attrs", "t1", "t2"]);
    expect(failed.find((f) => f.content === "no attrs")!.attributes["merge.error"]).toMatch(/missing attribute fragment.identifier/);
    expect(failed.find((f) => f.content === "d1")!.attributes["merge.error"]).toMatch(/duplicate/);
    r.assertTransferCount("merged", 0);
  });

  it("fails an incomplete group older than Max Bin Age", async () => {
    const r = testRunner(MergeContent, { properties: { mergeStrategy: "Defragment", maxBinAge: "30 ms" } });
    r.enqueue("1", fragment("g", 1, 2));
    await r.run(1, { stop: false });
    r.assertTransferCount("failure", 0);
    await sleep(50);
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["merge.error"]).toMatch(/only 1 of 2 fragments/);
  });
});
