import { describe, expect, it } from "vitest";
import { ReplaceText } from "../../../processors/replace-text";
import { testRunner } from "../../../processors/testing/runner";

async function replace(properties: Record<string, string>, content: string, attrs: Record<string, string> = {}) {
  const r = testRunner(ReplaceText, { properties });
  r.enqueue(content, attrs);
  await r.run();
  return r;
}

describe("ReplaceText", () => {
  it("regex-replaces line by line with back references (defaults)", async () => {
    const r = await replace({ searchValue: "(\\w+)=(\\d+)", replacementValue: "$2:$1" }, "a=1\r\nb=2\nnone\n");
    r.assertTransferCount("success", 1);
    expect(r.flowFiles("success")[0]!.content).toBe("1:a\r\n2:b\nnone\n");
  });

  it("uses back references inside Expression Language", async () => {
    const r = await replace(
      { searchValue: "name=(\\w+)", replacementValue: "name=${'$1':toUpper()}-${suffix}", evaluationMode: "Entire text" },
      "name=alice name=bob",
      // An attribute named "$1" does not hide the back reference.
      { suffix: "x", $1: "attribute" },
    );
    expect(r.flowFiles("success")[0]!.content).toBe("name=ALICE-x name=BOB-x");
  });

  it("treats \\$ as a literal dollar and supports $0", async () => {
    const r = await replace({ searchValue: "(\\d+)", replacementValue: "\\$$1 ($0)", evaluationMode: "Entire text" }, "cost 5");
    expect(r.flowFiles("success")[0]!.content).toBe("cost $5 (5)");
  });

  it("default search value replaces the entire text with $1", async () => {
    const r = await replace({ replacementValue: "[$1]", evaluationMode: "Entire text" }, "multi\nline");
    expect(r.flowFiles("success")[0]!.content).toBe("[multi\nline]");
  });

  it("honours a Java (?i) flag in the search value", async () => {
    const r = await replace({ searchValue: "(?i)error", replacementValue: "E" }, "Error ERROR error");
    expect(r.flowFiles("success")[0]!.content).toBe("E E E");
  });

  it("evaluates Expression Language in the search value per FlowFile", async () => {
    const r = testRunner(ReplaceText, { properties: { searchValue: "${word}", replacementValue: "_" } });
    r.enqueue("cat dog", { word: "cat" });
    r.enqueue("cat dog", { word: "dog" });
    await r.run();
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["_ dog", "cat _"]);
  });

  it("literal replace does not interpret regex characters or $", async () => {
    const r = await replace({ replacementStrategy: "Literal Replace", searchValue: "a.b", replacementValue: "$1" }, "a.b axb a.b");
    expect(r.flowFiles("success")[0]!.content).toBe("$1 axb $1");
  });

  it("prepends and appends per line, keeping line endings", async () => {
    const p = await replace({ replacementStrategy: "Prepend", replacementValue: "> " }, "one\ntwo\n");
    expect(p.flowFiles("success")[0]!.content).toBe("> one\n> two\n");
    const a = await replace({ replacementStrategy: "Append", replacementValue: ";" }, "one\r\ntwo");
    expect(a.flowFiles("success")[0]!.content).toBe("one;\r\ntwo;");
  });

  it("prepends to the entire text once", async () => {
    const r = await replace({ replacementStrategy: "Prepend", replacementValue: "${h}\n", evaluationMode: "Entire text" }, "a\nb", { h: "HDR" });
    expect(r.flowFiles("success")[0]!.content).toBe("HDR\na\nb");
  });

  it("surrounds", async () => {
    const r = await replace({ replacementStrategy: "Surround", prependText: "<", appendText: ">", evaluationMode: "Entire text" }, "x");
    expect(r.flowFiles("success")[0]!.content).toBe("<x>");
  });

  it("always replace replaces content even when empty", async () => {
    const r = await replace({ replacementStrategy: "Always Replace", replacementValue: "${filename}", evaluationMode: "Entire text" }, "", { filename: "f.txt" });
    expect(r.flowFiles("success")[0]!.content).toBe("f.txt");
  });

  it("applies only to the selected lines", async () => {
    const props = { replacementStrategy: "Always Replace", replacementValue: "X" };
    const cases: Array<[string, string]> = [
      ["First-Line", "X\nb\nc"],
      ["Last-Line", "a\nb\nX"],
      ["Except-First-Line", "a\nX\nX"],
      ["Except-Last-Line", "X\nX\nc"],
    ];
    for (const [mode, expected] of cases) {
      const r = await replace({ ...props, lineByLineEvaluationMode: mode }, "a\nb\nc");
      expect(r.flowFiles("success")[0]!.content, mode).toBe(expected);
    }
  });

  it("substitutes ${attribute} references in the content", async () => {
    const r = await replace({ replacementStrategy: "Substitute Variables" }, "hi ${name}, ${missing}", { name: "Ann" });
    expect(r.flowFiles("success")[0]!.content).toBe("hi Ann, ${missing}");
  });

  it("routes content over the buffer size to failure", async () => {
    const r = await replace({ evaluationMode: "Entire text", maxBufferSize: "4 B" }, "0123456789");
    r.assertTransferCount("failure", 1);
    expect(r.flowFiles("failure")[0]!.attributes["replacetext.error"]).toMatch(/Maximum Buffer Size/);
    expect(r.flowFiles("failure")[0]!.content).toBe("0123456789");
  });

  it("routes an Expression Language evaluation error to failure", async () => {
    const r = await replace({ replacementStrategy: "Always Replace", replacementValue: "${n:format('yyyy')}" }, "x", { n: "abc" });
    r.assertTransferCount("failure", 1);
    r.assertTransferCount("success", 0);
  });

  it("decodes and encodes with the configured character set", async () => {
    const r = testRunner(ReplaceText, { properties: { searchValue: "é", replacementValue: "e", characterSet: "ISO-8859-1" } });
    r.enqueue(Buffer.from("café", "latin1"));
    await r.run();
    expect(r.flowFiles("success")[0]!.bytes.equals(Buffer.from("cafe", "latin1"))).toBe(true);
  });

  it("records CONTENT_MODIFIED provenance", async () => {
    const r = await replace({ searchValue: "a", replacementValue: "b" }, "a");
    const types = (await r.provenance()).map((e) => e.type);
    expect(types).toContain("CONTENT_MODIFIED");
  });

  it("rejects an invalid regular expression and an empty literal search", () => {
    expect(testRunner(ReplaceText, { properties: { searchValue: "(unclosed" } }).isValid).toBe(false);
    const r = testRunner(ReplaceText, { properties: { replacementStrategy: "Literal Replace", searchValue: "" } });
    // An empty value falls back to the default, which is valid as a literal.
    expect(r.isValid).toBe(true);
    expect(testRunner(ReplaceText, { properties: { replacementStrategy: "Bogus" } }).problems[0]!.message).toMatch(/not one of/);
  });
});
