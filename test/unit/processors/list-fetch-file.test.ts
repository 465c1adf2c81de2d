import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FetchFile } from "../../../processors/fetch-file";
import { ListFile } from "../../../processors/list-file";
import { testRunner } from "../../../processors/testing/runner";

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sluice-listfile-")));
  process.env.SLUICE_FILE_ROOTS = dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SLUICE_FILE_ROOTS;
});

function write(rel: string, content: string, mtimeMs?: number): string {
  const full = path.join(dir, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  if (mtimeMs !== undefined) fs.utimesSync(full, mtimeMs / 1000, mtimeMs / 1000);
  return full;
}

describe("ListFile", () => {
  it("lists files once, oldest first, with attributes and no content", async () => {
    write("b.txt", "bbb", 2_000_000);
    write("sub/a.txt", "a", 1_000_000);
    write(".hidden", "h");
    const r = testRunner(ListFile, { properties: { inputDirectory: dir } });
    await r.run(1, { stop: false });
    const listed = r.flowFiles("success");
    expect(listed.map((f) => f.attributes.filename)).toEqual(["a.txt", "b.txt"]);
    expect(listed[0]!.attributes.path).toBe("sub/");
    expect(listed[0]!.attributes["absolute.path"]).toBe(path.join(dir, "sub") + "/");
    expect(listed[1]!.attributes["file.size"]).toBe("3");
    expect(listed[1]!.attributes["file.permissions"]).toMatch(/^[rwx-]{9}$/);
    expect(listed.every((f) => f.size === 0)).toBe(true);
    await r.run(1, { stop: false });
    r.assertTransferCount("success", 2);
    write("c.txt", "new");
    await r.run();
    expect(r.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["a.txt", "b.txt", "c.txt"]);
    const types = (await r.provenance()).map((e) => e.type);
    expect(types.filter((t) => t === "CREATE")).toHaveLength(3);
  });

  it("remembers its state across a restart (saved after commit)", async () => {
    write("a.txt", "a");
    const r = testRunner(ListFile, { properties: { inputDirectory: dir } });
    await r.run();
    await r.run();
    r.assertTransferCount("success", 1);
  });

  it("Tracking Timestamps misses an older file; Tracking Entities lists new and changed files", async () => {
    write("new.txt", "n", 5_000_000);
    const ts = testRunner(ListFile, { properties: { inputDirectory: dir } });
    const en = testRunner(ListFile, { properties: { inputDirectory: dir, listingStrategy: "Tracking Entities" } });
    await ts.run(1, { stop: false });
    await en.run(1, { stop: false });
    write("old.txt", "o", 1_000_000);
    write("new.txt", "changed", 6_000_000);
    await ts.run();
    await en.run();
    expect(ts.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["new.txt", "new.txt"]);
    expect(en.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["new.txt", "old.txt", "new.txt"]);
  });

  it("No Tracking lists everything every time", async () => {
    write("a.txt", "a");
    const r = testRunner(ListFile, { properties: { inputDirectory: dir, listingStrategy: "No Tracking" } });
    await r.run(2);
    r.assertTransferCount("success", 2);
  });

  it("filters by name, path, recursion, age and size", async () => {
    write("keep.csv", "12345");
    write("skip.txt", "12345");
    write("tiny.csv", "1");
    write("deep/x.csv", "12345");
    write("other/y.csv", "12345");
    const r = testRunner(ListFile, { properties: { inputDirectory: dir, fileFilter: ".*\\.csv", pathFilter: "deep", minimumFileSize: "2 B" } });
    await r.run();
    expect(r.flowFiles("success").map((f) => f.attributes.filename).sort()).toEqual(["keep.csv", "x.csv"]);
    const flat = testRunner(ListFile, { properties: { inputDirectory: dir, recurse: "false", minimumFileAge: "1 hour" } });
    await flat.run();
    flat.assertTransferCount("success", 0);
  });

  it("rejects bad regular expressions and fails to start on a missing directory", async () => {
    expect(testRunner(ListFile, { properties: { inputDirectory: dir, fileFilter: "(" } }).isValid).toBe(false);
    expect(testRunner(ListFile, { properties: {} }).isValid).toBe(false);
    const r = testRunner(ListFile, { properties: { inputDirectory: path.join(dir, "missing") } });
    await expect(r.run()).rejects.toThrow(/does not exist/);
  });
});

describe("FetchFile", () => {
  it("fetches content by absolute.path and filename with a FETCH event", async () => {
    write("data.txt", "hello");
    const r = testRunner(FetchFile);
    r.enqueue("", { "absolute.path": dir + "/", filename: "data.txt" });
    await r.run();
    r.assertTransferCount("success", 1);
    expect(r.flowFiles("success")[0]!.content).toBe("hello");
    const fetch = (await r.provenance()).find((e) => e.type === "FETCH");
    expect(fetch?.transitUri).toBe(`file://${path.join(dir, "data.txt")}`);
    expect(fs.existsSync(path.join(dir, "data.txt"))).toBe(true);
  });

  it("works with ListFile output end to end and deletes after commit", async () => {
    write("a.txt", "A");
    const list = testRunner(ListFile, { properties: { inputDirectory: dir } });
    await list.run();
    const fetch = testRunner(FetchFile, { properties: { completionStrategy: "Delete File" } });
    for (const f of list.flowFiles("success")) fetch.enqueue("", { ...f.attributes });
    await fetch.run();
    expect(fetch.flowFiles("success")[0]!.content).toBe("A");
    expect(fs.existsSync(path.join(dir, "a.txt"))).toBe(false);
  });

  it("moves the file, renaming on conflict", async () => {
    const dest = path.join(dir, "done");
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, "a.txt"), "existing");
    write("a.txt", "new");
    const r = testRunner(FetchFile, { properties: { fileToFetch: path.join(dir, "a.txt"), completionStrategy: "Move File", moveDestination: dest } });
    r.enqueue("");
    await r.run();
    expect(fs.existsSync(path.join(dir, "a.txt"))).toBe(false);
    expect(fs.readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("existing");
    expect(fs.readFileSync(path.join(dest, "a-1.txt"), "utf8")).toBe("new");
  });

  it("routes to failure before fetching when the move would conflict with Fail", async () => {
    const dest = path.join(dir, "done");
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, "a.txt"), "existing");
    write("a.txt", "new");
    const r = testRunner(FetchFile, {
      properties: { fileToFetch: path.join(dir, "a.txt"), completionStrategy: "Move File", moveDestination: dest, moveConflictStrategy: "Fail" },
    });
    r.enqueue("");
    await r.run();
    r.assertTransferCount("failure", 1);
    expect(fs.existsSync(path.join(dir, "a.txt"))).toBe(true);
  });

  it("routes missing files to not.found, directories to failure, and unreadable files to permission.denied", async () => {
    const r = testRunner(FetchFile, { properties: { fileToFetch: "${f}" } });
    r.enqueue("", { f: path.join(dir, "nope.txt") });
    r.enqueue("", { f: dir });
    await r.run();
    r.assertTransferCount("not.found", 1);
    expect(r.flowFiles("not.found")[0]!.attributes["fetchfile.error"]).toMatch(/does not exist/);
    r.assertTransferCount("failure", 1);
    expect(r.bulletinList().length).toBeGreaterThan(0);
    if (process.getuid?.() !== 0) {
      const locked = write("locked.txt", "secret");
      fs.chmodSync(locked, 0o000);
      const p = testRunner(FetchFile, { properties: { fileToFetch: locked } });
      p.enqueue("");
      await p.run();
      p.assertTransferCount("permission.denied", 1);
    }
  });

  it("requires a move destination for Move File", () => {
    expect(testRunner(FetchFile, { properties: { completionStrategy: "Move File" } }).isValid).toBe(false);
    expect(testRunner(FetchFile, { properties: { fileToFetch: "${unclosed b}" } }).isValid).toBe(false);
  });
});
