// Issue 13 items 1 and 4 at the processor level: a FlowFile routed to failure raises one error
// bulletin naming it and the reason (rate-limited per processor, with a count of the ones left
// out), and a source's batch is bounded by the room left in its connection (freeRoom).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GenerateFlowFile } from "../../../processors/generate-flow-file";
import { GetFile } from "../../../processors/get-file";
import { ListFile } from "../../../processors/list-file";
import { PutFile } from "../../../processors/put-file";
import { RateLimitedLog } from "../../../processors/lib/failure-log";
import { testRunner } from "../../../processors/testing/runner";

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sluice-fail-room-")));
  process.env.SLUICE_FILE_ROOTS = dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SLUICE_FILE_ROOTS;
});

describe("failure logging", () => {
  it("PutFile into a missing directory routes to failure and raises one error bulletin for the batch, naming the file and the reason", async () => {
    const missing = path.join(dir, "missing");
    const r = testRunner(PutFile, { properties: { directory: missing, createMissingDirectories: "false" }, scheduling: { batchSize: 5 } });
    for (let i = 0; i < 5; i++) r.enqueue(`x${i}`, { filename: `f${i}.txt` });
    await r.run();
    r.assertTransferCount("failure", 5);
    const errors = r.bulletins.list().filter((b) => b.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^routed "f0\.txt" \([0-9a-f-]{36}\) to failure: directory .*missing does not exist$/);
  });

  it("RateLimitedLog logs one message per interval and counts the ones in between", () => {
    let now = 10_000;
    const log = new RateLimitedLog(1000, () => now);
    const out: string[] = [];
    const sink = (m: string) => out.push(m);
    expect(log.log(sink, "a")).toBe(true);
    now += 400;
    expect(log.log(sink, "b")).toBe(false);
    now += 599;
    expect(log.log(sink, "c")).toBe(false);
    now += 1;
    expect(log.log(sink, "d")).toBe(true);
    now += 5000;
    log.log(sink, "e");
    expect(out).toEqual(["a", "d (and 2 more failures since the last report)", "e"]);
  });
});

describe("freeRoom bounds a source's batch", () => {
  it("GenerateFlowFile with batch 1000 fills a connection with threshold 10 up to 10, not 1000", async () => {
    const r = testRunner(GenerateFlowFile, { properties: { batchSize: "1000" } });
    r.outputs.get("success")!.objectThreshold = 10;
    await r.run(1, { force: true });
    r.assertTransferCount("success", 10);
    // Full now: even a forced trigger (Run Once) adds nothing.
    await r.run(1, { force: true });
    r.assertTransferCount("success", 10);
  });

  it("GetFile takes only as many files as the connection has room for, and the rest later", async () => {
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), String(i));
    const r = testRunner(GetFile, { properties: { inputDirectory: dir } });
    const q = r.outputs.get("success")!;
    q.objectThreshold = 3;
    await r.run(1, { force: true });
    r.assertTransferCount("success", 3);
    expect(fs.readdirSync(dir)).toHaveLength(5);
  });

  it("ListFile lists only as many files as fit, oldest first, and the rest on a later trigger", async () => {
    for (let i = 0; i < 6; i++) {
      const f = path.join(dir, `f${i}.txt`);
      fs.writeFileSync(f, String(i));
      fs.utimesSync(f, new Date(Date.now() - 60_000 + i * 1000), new Date(Date.now() - 60_000 + i * 1000));
    }
    const r = testRunner(ListFile, { properties: { inputDirectory: dir } });
    const q = r.outputs.get("success")!;
    q.objectThreshold = 4;
    await r.run(1, { force: true, stop: false });
    expect(r.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["f0.txt", "f1.txt", "f2.txt", "f3.txt"]);
    q.objectThreshold = 100;
    await r.run(1, { force: true });
    expect(r.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt"]);
  });
});
