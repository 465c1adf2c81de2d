import { describe, expect, it } from "vitest";
import { AttributesToJSON } from "../../../processors/attributes-to-json";
import { testRunner } from "../../../processors/testing/runner";

describe("AttributesToJSON", () => {
  it("writes all attributes to JSONAttributes by default", async () => {
    const r = testRunner(AttributesToJSON);
    const ff = r.enqueue("body", { a: "1", filename: "f" });
    await r.run();
    const out = r.flowFiles("success")[0]!;
    expect(JSON.parse(out.attributes.JSONAttributes!)).toEqual({ filename: "f", a: "1", uuid: ff.uuid });
    expect(out.content).toBe("body");
  });

  it("selects by list and regex, with missing listed attributes empty or null", async () => {
    const r = testRunner(AttributesToJSON, { properties: { attributesList: "a, missing", attributesRegex: "kafka\\..*" } });
    r.enqueue("", { a: "1", b: "2", "kafka.topic": "t", "kafka.key": "k" });
    await r.run();
    expect(JSON.parse(r.flowFiles("success")[0]!.attributes.JSONAttributes!)).toEqual({ a: "1", missing: "", "kafka.topic": "t", "kafka.key": "k" });
    const n = testRunner(AttributesToJSON, { properties: { attributesList: "missing", nullValue: "true" } });
    n.enqueue("");
    await n.run();
    expect(JSON.parse(n.flowFiles("success")[0]!.attributes.JSONAttributes!)).toEqual({ missing: null });
  });

  it("leaves out core attributes and writes nested JSON to the content", async () => {
    const r = testRunner(AttributesToJSON, {
      properties: { destination: "flowfile-content", includeCoreAttributes: "false", jsonHandling: "Nested" },
    });
    r.enqueue("old", { filename: "f", "mime.type": "text/plain", doc: '{"x":[1]}', text: "{not json" });
    await r.run();
    const out = r.flowFiles("success")[0]!;
    expect(JSON.parse(out.content)).toEqual({ doc: { x: [1] }, text: "{not json" });
    expect(out.attributes["mime.type"]).toBe("application/json");
  });

  it("rejects an invalid regular expression", () => {
    expect(testRunner(AttributesToJSON, { properties: { attributesRegex: "[" } }).isValid).toBe(false);
    expect(testRunner(AttributesToJSON, { properties: { destination: "elsewhere" } }).isValid).toBe(false);
  });
});
