/**
 * File processors reach only paths below SLUICE_FILE_ROOTS, after resolving symlinks: a literal
 * path outside makes the processor invalid, one from Expression Language routes to failure. The
 * security review's probes (GetFile on /etc, PutFile to /root, FetchFile moving out) are here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Engine, FlowValidationError } from "../../../engine/api/engine";
import { FileRootError, FileRoots } from "../../../engine/sdk";
import { fileRootsFromEnv } from "../../../engine/sdk/file-roots";
import { validateFlow } from "../../../engine/runtime/validate-flow";
import { FetchFile } from "../../../processors/fetch-file";
import { GetFile } from "../../../processors/get-file";
import { ListFile } from "../../../processors/list-file";
import { PutFile } from "../../../processors/put-file";
import { registry } from "../../../processors/registry";
import { testRunner } from "../../../processors/testing/runner";

const ROOT_DIR = path.resolve(__dirname, "../../..");

let base: string;
let root: string;
let outside: string;
beforeEach(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sluice-roots-")));
  root = path.join(base, "root");
  outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.txt"), "top secret");
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

function problem(r: { problems: ReadonlyArray<{ property: string; message: string }> }, property: string): string | undefined {
  return r.problems.find((p) => p.property === property)?.message;
}

describe("FileRoots", () => {
  it("resolves paths inside a root to their real path, the root itself included", () => {
    const roots = new FileRoots([root]);
    expect(roots.resolve(root)).toBe(root);
    expect(roots.resolve(path.join(root, "a", "..", "b.txt"))).toBe(path.join(root, "b.txt"));
    expect(roots.resolve(path.join(root, "not", "yet", "there"))).toBe(path.join(root, "not", "yet", "there"));
    expect(roots.problem(path.join(root, "x"))).toBeNull();
  });

  it("refuses paths outside, a sibling with the same prefix, and .. escapes", () => {
    const roots = new FileRoots([root]);
    expect(() => roots.resolve(outside)).toThrow(FileRootError);
    expect(roots.problem(`${root}-other/x`)).toMatch(/is outside the file roots/);
    expect(roots.problem(path.join(root, "..", "outside", "secret.txt"))).toMatch(/is outside the file roots/);
    expect(roots.problem("/etc")).toMatch(/^\/etc is outside the file roots \(.*\); SLUICE_FILE_ROOTS sets them$/);
  });

  it("follows symlinks: a link inside pointing outside is outside, also for paths below it that do not exist", () => {
    fs.symlinkSync(outside, path.join(root, "link"));
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "secret-link"));
    const roots = new FileRoots([root]);
    expect(roots.problem(path.join(root, "link"))).toMatch(new RegExp(`resolves to ${outside}, which is outside`));
    expect(roots.problem(path.join(root, "secret-link"))).toMatch(/is outside/);
    expect(roots.problem(path.join(root, "link", "new", "file.txt"))).toMatch(/is outside/);
  });

  it("a root that is itself a symlink is resolved, so paths through either name are inside", () => {
    const alias = path.join(base, "alias");
    fs.symlinkSync(root, alias);
    const roots = new FileRoots([alias]);
    expect(roots.dirs).toEqual([root]);
    expect(roots.resolve(path.join(alias, "f"))).toBe(path.join(root, "f"));
    expect(roots.resolve(path.join(root, "f"))).toBe(path.join(root, "f"));
  });

  it("misconfigured roots refuse every path, naming SLUICE_FILE_ROOTS", () => {
    expect(new FileRoots(["relative/dir"]).problem(root)).toBe('SLUICE_FILE_ROOTS entry "relative/dir" is not an absolute path');
    expect(new FileRoots([]).problem(root)).toMatch(/SLUICE_FILE_ROOTS names no directory/);
  });

  it("comes from SLUICE_FILE_ROOTS, else <SLUICE_DATA_DIR or ./data>/files", () => {
    expect(fileRootsFromEnv({}, "/srv/app").dirs).toEqual(["/srv/app/data/files"]);
    expect(fileRootsFromEnv({ SLUICE_DATA_DIR: " " }, "/srv/app").dirs).toEqual(["/srv/app/data/files"]);
    expect(fileRootsFromEnv({ SLUICE_DATA_DIR: "state" }, "/srv/app").dirs).toEqual(["/srv/app/state/files"]);
    expect(fileRootsFromEnv({ SLUICE_DATA_DIR: "/var/sluice" }, "/srv/app").dirs).toEqual(["/var/sluice/files"]);
    expect(fileRootsFromEnv({ SLUICE_FILE_ROOTS: `${root}:${outside}:`, SLUICE_DATA_DIR: "/var/sluice" }, "/srv/app").dirs).toEqual([root, outside]);
    expect(fileRootsFromEnv({ SLUICE_FILE_ROOTS: "in:/abs" }, "/srv/app").problem("/abs/x")).toMatch(/entry "in" is not an absolute path/);
  });
});

describe("file processors stay below the file roots", () => {
  it("GetFile on /etc (keepSourceFile=true) is invalid and cannot start", async () => {
    const r = testRunner(GetFile, { fileRoots: [root], properties: { inputDirectory: "/etc", keepSourceFile: "true" } });
    expect(problem(r, "inputDirectory")).toMatch(/^\/etc is outside the file roots/);
    await expect(r.run()).rejects.toThrow(/invalid and cannot start: \/etc is outside the file roots/);
    expect(testRunner(GetFile, { fileRoots: [root], properties: { inputDirectory: root } }).isValid).toBe(true);
  });

  it("GetFile and ListFile through a symlinked directory pointing outside are invalid; links below the input directory are not followed", async () => {
    fs.symlinkSync(outside, path.join(root, "link"));
    expect(problem(testRunner(GetFile, { fileRoots: [root], properties: { inputDirectory: path.join(root, "link") } }), "inputDirectory")).toMatch(/is outside/);
    expect(problem(testRunner(ListFile, { fileRoots: [root], properties: { inputDirectory: path.join(root, "link") } }), "inputDirectory")).toMatch(/is outside/);

    fs.writeFileSync(path.join(root, "inside.txt"), "ok");
    const get = testRunner(GetFile, { fileRoots: [root], properties: { inputDirectory: root, keepSourceFile: "true" } });
    await get.run();
    expect(get.flowFiles("success").map((f) => f.content)).toEqual(["ok"]);
    const list = testRunner(ListFile, { fileRoots: [root], properties: { inputDirectory: root } });
    await list.run();
    expect(list.flowFiles("success").map((f) => f.attributes.filename)).toEqual(["inside.txt"]);
    expect(fs.existsSync(path.join(outside, "secret.txt"))).toBe(true);
  });

  it("PutFile to /root: a literal directory is invalid, one from Expression Language goes to failure", async () => {
    expect(problem(testRunner(PutFile, { fileRoots: [root], properties: { directory: "/root" } }), "directory")).toMatch(/^\/root is outside the file roots/);
    const r = testRunner(PutFile, { fileRoots: [root], properties: { directory: "${dir}" } });
    expect(r.isValid).toBe(true);
    r.enqueue("planted", { dir: "/root", filename: "planted.txt" });
    r.enqueue("planted", { dir: path.join(root, "..", "outside"), filename: "planted.txt" });
    r.enqueue("fine", { dir: path.join(root, "out"), filename: "fine.txt" });
    await r.run();
    expect(r.flowFiles("failure").map((f) => f.attributes["putfile.error"])).toEqual([
      expect.stringMatching(/^\/root is outside the file roots/),
      expect.stringMatching(/is outside the file roots/),
    ]);
    expect(fs.existsSync(path.join(outside, "planted.txt"))).toBe(false);
    expect(fs.readFileSync(path.join(root, "out", "fine.txt"), "utf8")).toBe("fine");
  });

  it("PutFile does not write through a symlinked directory that points outside", async () => {
    fs.symlinkSync(outside, path.join(root, "link"));
    const r = testRunner(PutFile, { fileRoots: [root], properties: { directory: "${dir}" } });
    r.enqueue("planted", { dir: path.join(root, "link"), filename: "planted.txt" });
    await r.run();
    expect(r.flowFiles("failure")[0]?.attributes["putfile.error"]).toMatch(/resolves to .*, which is outside/);
    expect(fs.readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("FetchFile reads nothing outside: a file from attributes, or through a symlink, goes to failure", async () => {
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "secret-link"));
    const r = testRunner(FetchFile, { fileRoots: [root] });
    r.enqueue("", { "absolute.path": outside, filename: "secret.txt" });
    r.enqueue("", { "absolute.path": root, filename: "secret-link" });
    await r.run();
    const failed = r.flowFiles("failure");
    expect(failed.map((f) => f.attributes["fetchfile.error"])).toEqual([expect.stringMatching(/is outside the file roots/), expect.stringMatching(/is outside the file roots/)]);
    expect(failed.map((f) => f.content)).toEqual(["", ""]);
  });

  it("FetchFile moving outside the roots: a literal destination is invalid, one from Expression Language goes to failure and the file stays", async () => {
    const literal = testRunner(FetchFile, { fileRoots: [root], properties: { completionStrategy: "Move File", moveDestination: outside } });
    expect(problem(literal, "moveDestination")).toMatch(/is outside the file roots/);
    expect(problem(testRunner(FetchFile, { fileRoots: [root], properties: { fileToFetch: "/etc/hostname" } }), "fileToFetch")).toMatch(/is outside/);

    const source = path.join(root, "a.txt");
    fs.writeFileSync(source, "data");
    const r = testRunner(FetchFile, { fileRoots: [root], properties: { fileToFetch: source, completionStrategy: "Move File", moveDestination: "${dest}" } });
    expect(r.isValid).toBe(true);
    r.enqueue("", { dest: outside });
    await r.run();
    expect(r.flowFiles("failure")[0]?.attributes["fetchfile.error"]).toMatch(/is outside the file roots/);
    expect(fs.readFileSync(source, "utf8")).toBe("data");
    expect(fs.readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("the engine shows a file processor with a path outside the roots as invalid, and a strict load refuses it", async () => {
    const previous = process.env.SLUICE_FILE_ROOTS;
    process.env.SLUICE_FILE_ROOTS = root;
    try {
      const flow = {
        sluice: 1,
        id: "probe",
        name: "probe",
        processors: [{ id: "get", type: "GetFile", properties: { inputDirectory: "/etc", keepSourceFile: "true" }, autoTerminate: ["success"] }],
      };
      expect(() => Engine.open(flow, { dataDir: path.join(base, "strict"), mode: "volatile", silent: true })).toThrow(FlowValidationError);
      const e = Engine.open(flow, { dataDir: path.join(base, "lenient"), mode: "volatile", silent: true, lenient: true });
      try {
        const status = e.status().processors[0]!;
        expect(status.state).toBe("invalid");
        expect(status.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^\/etc is outside the file roots/)]);
        await expect(e.startProcessor("get")).rejects.toThrow(/invalid/);
      } finally {
        await e.shutdown();
      }
    } finally {
      if (previous === undefined) delete process.env.SLUICE_FILE_ROOTS;
      else process.env.SLUICE_FILE_ROOTS = previous;
    }
  });

  it("the example flow is valid under the default roots (<data dir>/files)", () => {
    const example: unknown = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, "prisma/seed/example-flow.json"), "utf8"));
    const r = validateFlow(example, registry, { fileRoots: fileRootsFromEnv({}, ROOT_DIR) });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
