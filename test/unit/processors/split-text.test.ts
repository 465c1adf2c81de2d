import { describe, expect, it } from "vitest";
import { SplitText } from "../../../processors/split-text";
import { testRunner } from "../../../processors/testing/runner";

describe("SplitText", () => {
  it("splits by line count with fragment attributes", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "2" } });
    r.enqueue("1\n2\n3\n4\n5\n", { filename: "in.txt" });
    await r.run();
    const splits = r.flowFiles("splits");
    expect(splits.map((s) => s.content)).toEqual(["1\n2", "3\n4", "5"]);
    const ids = new Set(splits.map((s) => s.attributes["fragment.identifier"]));
    expect(ids.size).toBe(1);
    expect(splits.map((s) => s.attributes["fragment.index"])).toEqual(["1", "2", "3"]);
    for (const s of splits) {
      expect(s.attributes["fragment.count"]).toBe("3");
      expect(s.attributes["segment.original.filename"]).toBe("in.txt");
      expect(s.attributes.filename).toBe("in.txt");
      expect(s.attributes["fragment.size"]).toBe(String(s.size));
    }
    expect(splits.map((s) => s.attributes["text.line.count"])).toEqual(["2", "2", "1"]);
  });

  it("keeps trailing newlines when asked (so the splits can be merged back byte for byte)", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "2", removeTrailingNewlines: "false" } });
    r.enqueue("a\r\nb\r\nc\r\n");
    await r.run();
    expect(r.flowFiles("splits").map((s) => s.content)).toEqual(["a\r\nb\r\n", "c\r\n"]);
  });

  it("copies header lines to every split", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "1", headerLineCount: "1" } });
    r.enqueue("id,name\n1,a\n2,b\n");
    await r.run();
    expect(r.flowFiles("splits").map((s) => s.content)).toEqual(["id,name\n1,a", "id,name\n2,b"]);
    expect(r.flowFiles("splits").map((s) => s.attributes["text.line.count"])).toEqual(["1", "1"]);
  });

  it("finds the header by marker characters", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "2", headerMarker: "#" } });
    r.enqueue("# a\n# b\nx\ny\nz");
    await r.run();
    expect(r.flowFiles("splits").map((s) => s.content)).toEqual(["# a\n# b\nx\ny", "# a\n# b\nz"]);
  });

  it("limits splits by maximum fragment size", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "0", maxFragmentSize: "6 B", removeTrailingNewlines: "false" } });
    r.enqueue("aa\nbb\ncc\ndddddddd\ne\n");
    await r.run();
    expect(r.flowFiles("splits").map((s) => s.content)).toEqual(["aa\nbb\n", "cc\n", "dddddddd\n", "e\n"]);
  });

  it("drops splits made only of empty lines when removing trailing newlines", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "2" } });
    r.enqueue("a\n\n\n\nb\n");
    await r.run();
    const splits = r.flowFiles("splits");
    expect(splits.map((s) => s.content)).toEqual(["a", "b"]);
    expect(splits.map((s) => s.attributes["fragment.count"])).toEqual(["2", "2"]);
  });

  it("records a FORK from the original to every split; original is auto-terminated by default", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "1" } });
    const input = r.enqueue("a\nb");
    await r.run();
    const events = await r.provenance();
    const fork = events.find((e) => e.type === "FORK" && e.flowFileUuid === input.uuid);
    expect(fork?.childUuids).toHaveLength(2);
    expect(events.find((e) => e.type === "DROP" && e.flowFileUuid === input.uuid)).toBeDefined();
  });

  it("routes input with fewer lines than the header to failure", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "1", headerLineCount: "3" } });
    r.enqueue("only\none");
    await r.run();
    r.assertTransferCount("failure", 1);
    r.assertTransferCount("splits", 0);
    expect(r.flowFiles("failure")[0]!.attributes["splittext.error"]).toMatch(/header needs 3 lines/);
  });

  it("emits nothing but the original for empty content", async () => {
    const r = testRunner(SplitText, { properties: { lineSplitCount: "1" } });
    r.enqueue("");
    await r.run();
    r.assertTransferCount("splits", 0);
    r.assertTransferCount("failure", 0);
  });

  it("rejects a zero line count without a size limit, and a header given both ways", () => {
    expect(testRunner(SplitText, { properties: { lineSplitCount: "0" } }).problems[0]!.message).toMatch(/Maximum Fragment Size/);
    expect(testRunner(SplitText, { properties: { lineSplitCount: "1", headerLineCount: "1", headerMarker: "#" } }).isValid).toBe(false);
    expect(testRunner(SplitText, { properties: {} }).isValid).toBe(false);
    expect(testRunner(SplitText, { properties: { lineSplitCount: "-1" } }).isValid).toBe(false);
  });
});
