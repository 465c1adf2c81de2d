import fs from "node:fs";
import path from "node:path";
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

  it("keeps Total Count progress as one record rewritten in place, and goes on from it after a restart", async () => {
    const r = testRunner(GenerateFlowFile, { properties: { batchSize: "2", totalCount: "7" } });
    const file = path.join(r.processorStateDir, "generate.json");
    await r.run(1, { stop: false });
    const inode = fs.statSync(file).ino;
    for (let i = 0; i < 2; i++) await r.run(1, { stop: false });
    // Written where it was, never truncated: the same file, always one 64-byte record.
    expect(fs.statSync(file).ino).toBe(inode);
    expect(fs.statSync(file).size).toBe(64);
    expect(JSON.parse(fs.readFileSync(file, "utf8").split("\n")[0]!)).toEqual({ emitted: 6 });
    await r.stop();
    await r.run(5);
    r.assertTransferCount("success", 7);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ emitted: 7 });
  });

  it("goes on from a state file written by an older version, and cuts one with more after its record", async () => {
    const old = testRunner(GenerateFlowFile, { properties: { batchSize: "2", totalCount: "5" } });
    const file = path.join(old.processorStateDir, "generate.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ emitted: 4 }));
    await old.run(3);
    old.assertTransferCount("success", 1);
    const long = testRunner(GenerateFlowFile, { properties: { batchSize: "2", totalCount: "5" } });
    const longFile = path.join(long.processorStateDir, "generate.json");
    fs.mkdirSync(path.dirname(longFile), { recursive: true });
    // What a crash between writing the record and cutting the file would leave.
    fs.writeFileSync(longFile, `${JSON.stringify({ emitted: 2 })}\n${"garbage".repeat(20)}`);
    await long.run(3);
    long.assertTransferCount("success", 3);
    expect(fs.statSync(longFile).size).toBe(64);
    expect(JSON.parse(fs.readFileSync(longFile, "utf8"))).toEqual({ emitted: 5 });
  });

  it.runIf(fs.existsSync("/proc/self/fd"))("closes its state file when stopped", async () => {
    const r = testRunner(GenerateFlowFile, { properties: { batchSize: "1", totalCount: "100" } });
    await r.run(1);
    const open = fs.readdirSync("/proc/self/fd").length;
    for (let i = 0; i < 20; i++) await r.run(1);
    expect(fs.readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(open);
    r.assertTransferCount("success", 21);
  });

  it("validates sizes and counts", () => {
    expect(testRunner(GenerateFlowFile, { properties: { fileSize: "huge" } }).isValid).toBe(false);
    expect(testRunner(GenerateFlowFile, { properties: { batchSize: "0" } }).isValid).toBe(false);
    expect(testRunner(GenerateFlowFile, { properties: { dataFormat: "XML" } }).isValid).toBe(false);
  });
});
