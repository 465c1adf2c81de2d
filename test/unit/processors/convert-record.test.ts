import { describe, expect, it } from "vitest";
import { ConvertRecord } from "../../../processors/convert-record";
import { testRunner } from "../../../processors/testing/runner";

async function convert(properties: Record<string, string>, content: string) {
  const r = testRunner(ConvertRecord, { properties });
  r.enqueue(content);
  await r.run();
  return r;
}

describe("ConvertRecord", () => {
  it("converts CSV to JSON with inferred numbers, booleans and nulls", async () => {
    const r = await convert(
      { recordReader: "CSV", recordWriter: "JSON" },
      'id,name,amount,active,code,note\n1,"Smith, J",10.5,true,007,\n2,Lee,-3,FALSE,010,"said ""hi"""\n',
    );
    r.assertTransferCount("success", 1);
    const out = r.flowFiles("success")[0]!;
    expect(JSON.parse(out.content)).toEqual([
      { id: 1, name: "Smith, J", amount: 10.5, active: true, code: "007", note: null },
      { id: 2, name: "Lee", amount: -3, active: false, code: "010", note: 'said "hi"' },
    ]);
    expect(out.attributes["record.count"]).toBe("2");
    expect(out.attributes["mime.type"]).toBe("application/json");
  });

  it("keeps CSV values as text without inference, and names columns without a header", async () => {
    const r = await convert({ recordReader: "CSV", recordWriter: "JSON", inferTypes: "false", treatFirstLineAsHeader: "false" }, "1,x\n2,y");
    expect(JSON.parse(r.flowFiles("success")[0]!.content)).toEqual([
      { column_1: "1", column_2: "x" },
      { column_1: "2", column_2: "y" },
    ]);
  });

  it("reads other separators (tab)", async () => {
    const r = await convert({ recordReader: "CSV", recordWriter: "JSON", valueSeparator: "\\t" }, "a\tb\n1\t2\n");
    expect(JSON.parse(r.flowFiles("success")[0]!.content)).toEqual([{ a: 1, b: 2 }]);
  });

  it("converts a JSON array to CSV (union of fields, nested values as JSON, quoting)", async () => {
    const r = await convert(
      { recordReader: "JSON", recordWriter: "CSV" },
      JSON.stringify([{ id: 1, name: "a,b" }, { id: 2, tags: ["x"], name: null }]),
    );
    const out = r.flowFiles("success")[0]!;
    expect(out.content).toBe('id,name,tags\n1,"a,b",\n2,,"[""x""]"\n');
    expect(out.attributes["mime.type"]).toBe("text/csv");
    expect(out.attributes["record.count"]).toBe("2");
  });

  it("reads newline-delimited JSON and a single object; writes JSON lines and CRLF CSV without header", async () => {
    const nd = await convert({ recordReader: "JSON", recordWriter: "JSON", outputGrouping: "One Line Per Object" }, '{"a":1}\n\n{"a":2}\n');
    expect(nd.flowFiles("success")[0]!.content).toBe('{"a":1}\n{"a":2}');
    expect(nd.flowFiles("success")[0]!.attributes["record.count"]).toBe("2");
    const one = await convert({ recordReader: "JSON", recordWriter: "CSV", includeHeaderLine: "false", recordSeparator: "CRLF" }, '{"a":1,"b":"x"}');
    expect(one.flowFiles("success")[0]!.content).toBe("1,x\r\n");
  });

  it("handles empty input as zero records", async () => {
    const r = await convert({ recordReader: "CSV", recordWriter: "JSON" }, "");
    expect(r.flowFiles("success")[0]!.content).toBe("[]");
    expect(r.flowFiles("success")[0]!.attributes["record.count"]).toBe("0");
  });

  it("routes malformed input to failure with the reason, never throwing", async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ recordReader: "CSV", recordWriter: "JSON" }, 'a,b\n1,"unterminated\n', /malformed CSV/],
      [{ recordReader: "CSV", recordWriter: "JSON" }, "a,b\n1,2,3\n", /malformed CSV|3 fields/],
      [{ recordReader: "CSV", recordWriter: "JSON" }, "a,a\n1,2\n", /duplicate column/],
      [{ recordReader: "JSON", recordWriter: "CSV" }, "{bad", /malformed JSON/],
      [{ recordReader: "JSON", recordWriter: "CSV" }, "[1,2]", /array element 0 is not a JSON object/],
      [{ recordReader: "JSON", recordWriter: "CSV" }, '{"a":1}\nnope', /line 2/],
    ];
    for (const [props, content, message] of cases) {
      const r = await convert(props, content);
      r.assertTransferCount("failure", 1);
      const f = r.flowFiles("failure")[0]!;
      expect(f.attributes["convertrecord.error"], content).toMatch(message);
      expect(f.content).toBe(content);
      // A failure is not silent: one error bulletin says which FlowFile and why (issue 13).
      expect(r.bulletinList().map((b) => [b.level, b.message])).toEqual([["error", expect.stringMatching(message)]]);
    }
  });

  it("requires reader and writer and single-character CSV settings", () => {
    expect(testRunner(ConvertRecord, { properties: {} }).problems.map((p) => p.property).sort()).toEqual(["recordReader", "recordWriter"]);
    expect(testRunner(ConvertRecord, { properties: { recordReader: "XML", recordWriter: "JSON" } }).isValid).toBe(false);
    expect(testRunner(ConvertRecord, { properties: { recordReader: "CSV", recordWriter: "JSON", valueSeparator: ";;" } }).isValid).toBe(false);
  });
});
