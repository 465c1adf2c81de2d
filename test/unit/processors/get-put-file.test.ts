import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GetFile } from "../../../processors/get-file";
import { PutFile } from "../../../processors/put-file";
import { testRunner } from "../../../processors/testing/runner";

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sluice-getput-")));
  process.env.SLUICE_FILE_ROOTS = dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SLUICE_FILE_ROOTS;
});

describe("GetFile", () => {
  it("picks files up with attributes and deletes them after the commit", async () => {
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "a.txt"), "A");
    fs.writeFileSync(path.join(dir, "sub", "b.txt"), "B");
    fs.writeFileSync(path.join(dir, ".hidden"), "H");
    const r = testRunner(GetFile, { properties: { inputDirectory: dir } });
    await r.run();
    const got = r.flowFiles("success");
    expect(got.map((f) => f.content).sort()).toEqual(["A", "B"]);
    const b = got.find((f) => f.content === "B")!;
    expect(b.attributes.path).toBe("sub/");
    expect(b.attributes["absolute.path"]).toBe(path.join(dir, "sub") + "/");
    expect(fs.existsSync(path.join(dir, "a.txt"))).toBe(false);
    expect(fs.existsSync(path.join(dir, ".hidden"))).toBe(true);
    expect((await r.provenance()).filter((e) => e.type === "RECEIVE")).toHaveLength(2);
  });

  it("keeps source files when asked and honours the filter", async () => {
    fs.writeFileSync(path.join(dir, "a.csv"), "A");
    fs.writeFileSync(path.join(dir, "b.txt"), "B");
    const r = testRunner(GetFile, { properties: { inputDirectory: dir, keepSourceFile: "true", fileFilter: ".*\\.csv" } });
    await r.run();
    expect(r.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["a.csv"]);
    expect(fs.existsSync(path.join(dir, "a.csv"))).toBe(true);
  });

  it("validates and refuses to start on a missing directory", async () => {
    expect(testRunner(GetFile, { properties: { inputDirectory: dir, fileFilter: "(" } }).isValid).toBe(false);
    await expect(testRunner(GetFile, { properties: { inputDirectory: path.join(dir, "nope") } }).run()).rejects.toThrow(/does not exist/);
  });
});

describe("PutFile", () => {
  it("writes the content atomically with a SEND event, creating directories", async () => {
    const r = testRunner(PutFile, { properties: { directory: path.join(dir, "${sub}") } });
    r.enqueue("data", { filename: "out.txt", sub: "x" });
    await r.run();
    r.assertTransferCount("success", 1);
    expect(fs.readFileSync(path.join(dir, "x", "out.txt"), "utf8")).toBe("data");
    expect(fs.readdirSync(path.join(dir, "x"))).toEqual(["out.txt"]);
    expect((await r.provenance()).find((e) => e.type === "SEND")?.transitUri).toBe(`file://${path.join(dir, "x", "out.txt")}`);
  });

  it("resolves conflicts: fail, replace, ignore", async () => {
    fs.writeFileSync(path.join(dir, "f.txt"), "old");
    for (const [strategy, expected, rel] of [["fail", "old", "failure"], ["ignore", "old", "success"], ["replace", "new", "success"]] as const) {
      const r = testRunner(PutFile, { properties: { directory: dir, conflictResolution: strategy } });
      r.enqueue("new", { filename: "f.txt" });
      await r.run();
      r.assertTransferCount(rel, 1);
      expect(fs.readFileSync(path.join(dir, "f.txt"), "utf8"), strategy).toBe(expected);
    }
  });

  it("routes unsafe names and directories outside the file roots to failure", async () => {
    process.env.SLUICE_FILE_ROOTS = path.join(dir, "allowed");
    const r = testRunner(PutFile, { properties: { directory: "${d}", createMissingDirectories: "true" } });
    r.enqueue("x", { d: path.join(dir, "elsewhere"), filename: "a" });
    r.enqueue("x", { d: path.join(dir, "allowed"), filename: "../escape" });
    r.enqueue("x", { d: path.join(dir, "allowed"), filename: "ok" });
    await r.run();
    const failed = r.flowFiles("failure");
    expect(failed.map((f) => f.attributes["putfile.error"])).toEqual([expect.stringMatching(/outside/), expect.stringMatching(/not a plain file name/)]);
    expect(failed.every((f) => f.penalized)).toBe(true);
    expect(fs.existsSync(path.join(dir, "allowed", "ok"))).toBe(true);
  });

  it("requires a directory", () => {
    expect(testRunner(PutFile, { properties: {} }).isValid).toBe(false);
  });
});
