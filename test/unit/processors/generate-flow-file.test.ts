import { describe, expect, it } from "vitest";
import { GenerateFlowFile } from "../../../processors/generate-flow-file";
import { testRunner } from "../../../processors/testing/runner";

describe("GenerateFlowFile", () => {
  it("creates a batch with custom text (Expression Language) and dynamic attributes", async () => {
    const r = testRunner(GenerateFlowFile, { properties: { batchSize: "3", customText: "id=${id}", id: "${literal('A'):append('1')}" } });
    await r.run();
    const out = r.flowFiles("success");
    expect(out).toHaveLength(3);
    expect(out.map((f) => f.content)).toEqual(["id=A1", "id=A1", "id=A1"]);
    expect(out[0]!.attributes["mime.type"]).toBe("text/plain");
    expect((await r.provenance()).filter((e) => e.type === "CREATE")).toHaveLength(3);
  });

  it("generates content of the configured size, shared or unique", async () => {
    const shared = testRunner(GenerateFlowFile, { properties: { batchSize: "2", fileSize: "1 KB" } });
    await shared.run();
    const [a, b] = shared.flowFiles("success");
    expect(a!.size).toBe(1024);
    expect(a!.content).toBe(b!.content);
    const unique = testRunner(GenerateFlowFile, { properties: { batchSize: "2", fileSize: "64 B", uniqueFlowFiles: "true", dataFormat: "Binary" } });
    await unique.run();
    const [c, d] = unique.flowFiles("success");
    expect(c!.bytes.equals(d!.bytes)).toBe(false);
  });

  it("stops after Total Count, remembered across restarts", async () => {
    const r = testRunner(GenerateFlowFile, { properties: { batchSize: "2", totalCount: "3" } });
    await r.run(1);
    await r.run(5);
    r.assertTransferCount("success", 3);
  });

  it("validates sizes and counts", () => {
    expect(testRunner(GenerateFlowFile, { properties: { fileSize: "huge" } }).isValid).toBe(false);
    expect(testRunner(GenerateFlowFile, { properties: { batchSize: "0" } }).isValid).toBe(false);
    expect(testRunner(GenerateFlowFile, { properties: { dataFormat: "XML" } }).isValid).toBe(false);
  });
});
