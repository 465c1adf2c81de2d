import { describe, expect, it } from "vitest";
import { ValidateJson } from "../../../processors/validate-json";
import { testRunner } from "../../../processors/testing/runner";

const schema = JSON.stringify({
  type: "object",
  required: ["id", "email"],
  properties: { id: { type: "integer", minimum: 1 }, email: { type: "string", format: "email" }, when: { type: "string", format: "date-time" } },
  additionalProperties: false,
});

describe("ValidateJson", () => {
  it("routes valid, invalid and non-JSON content", async () => {
    const r = testRunner(ValidateJson, { properties: { schema } });
    r.enqueue('{"id":1,"email":"a@b.io","when":"2024-01-02T03:04:05Z"}');
    r.enqueue('{"id":0,"email":"nope","extra":true}');
    r.enqueue("{oops");
    await r.run();
    r.assertTransferCount("valid", 1);
    r.assertTransferCount("invalid", 1);
    r.assertTransferCount("failure", 1);
    const errors = r.flowFiles("invalid")[0]!.attributes["json.validation.errors"]!;
    expect(errors).toContain("/id must be >= 1");
    expect(errors).toContain('/email must match format "email"');
    expect(errors).toContain("must NOT have additional properties (extra)");
    expect(r.flowFiles("failure")[0]!.attributes["json.validation.errors"]).toMatch(/not valid JSON/);
    expect(r.flowFiles("valid")[0]!.attributes["json.validation.errors"]).toBeUndefined();
  });

  it("limits the number of errors reported", async () => {
    const r = testRunner(ValidateJson, { properties: { schema: JSON.stringify({ type: "array", items: { type: "string" } }), maxErrors: "2" } });
    r.enqueue("[1,2,3,4]");
    await r.run();
    expect(r.flowFiles("invalid")[0]!.attributes["json.validation.errors"]!.split("; ")).toHaveLength(2);
  });

  it("uses the draft named in $schema and supports 2020-12 keywords", async () => {
    const d7 = testRunner(ValidateJson, { properties: { schema: JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", type: "string" }) } });
    d7.enqueue('"x"');
    await d7.run();
    d7.assertTransferCount("valid", 1);
    const d2020 = testRunner(ValidateJson, { properties: { schema: JSON.stringify({ type: "array", prefixItems: [{ type: "number" }], items: false }) } });
    d2020.enqueue("[1]");
    d2020.enqueue("[1,2]");
    await d2020.run();
    d2020.assertTransferCount("valid", 1);
    d2020.assertTransferCount("invalid", 1);
  });

  it("rejects a schema that is not JSON or does not compile", () => {
    expect(testRunner(ValidateJson, { properties: { schema: "{" } }).problems[0]!.message).toMatch(/not valid JSON/);
    expect(testRunner(ValidateJson, { properties: { schema: '{"type":"nonsense"}' } }).problems[0]!.message).toMatch(/schema is invalid/);
    expect(testRunner(ValidateJson, { properties: {} }).isValid).toBe(false);
  });
});
