// scripts/setup.mjs on bad input: one line on stderr naming the path, exit code 1, no stack,
// and nothing on disk changed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(path.join(tmpdir(), "sluice-setup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function setup(dataDir: string) {
  const r = spawnSync(process.execPath, [path.join(root, "scripts/setup.mjs")], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SLUICE_DATA_DIR: dataDir },
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr };
}

function expectOneLineError(stderr: string, pathNamed: string) {
  const lines = stderr.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  expect(stderr.endsWith("\n")).toBe(true);
  expect(lines[0]).toMatch(/^sluice: /);
  expect(lines[0]).toContain(pathNamed);
  expect(stderr).not.toContain("    at ");
}

describe("scripts/setup.mjs error reporting", () => {
  it("reports a data directory under /proc that cannot be created", () => {
    const r = setup("/proc/x");
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, "/proc/x");
    expect(r.stderr).toMatch(/^sluice: cannot create data directory \/proc\/x: /);
  });

  it("reports a data directory below a regular file", () => {
    const file = path.join(tmp, "a-file");
    writeFileSync(file, "not a directory");
    const dir = path.join(file, "data");
    const r = setup(dir);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, dir);
    expect(r.stderr).toContain("cannot create data directory");
    expect(readFileSync(file, "utf8")).toBe("not a directory");
  });

  it("reports a corrupt database file and leaves it untouched", () => {
    const dir = mkdtempSync(path.join(tmp, "corrupt-"));
    const db = path.join(dir, "sluice.db");
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    writeFileSync(db, garbage);
    const r = setup(dir);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, db);
    expect(r.stderr).toMatch(/^sluice: database .*sluice\.db is not a valid SQLite database \(.+\)\n$/);
    expect(readFileSync(db).equals(garbage)).toBe(true);
  });
});
