// `next start` on a bad data dir or database stops at once with one line (next.config.js runs
// the same store check as scripts/setup.mjs), instead of serving pages that fail per request.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const tmp = mkdtempSync(path.join(tmpdir(), "sluice-start-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function start(dataDir: string) {
  // Port 0 never gets used: the config check exits before the server handles anything.
  const r = spawnSync(process.execPath, [nextBin, "start", "-p", "0", "-H", "127.0.0.1"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SLUICE_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" },
    timeout: 60_000,
  });
  return { status: r.status, stderrLines: r.stderr.split("\n").filter((l) => l !== ""), stderr: r.stderr };
}

describe("next start with a bad flow store", () => {
  it("refuses a corrupt database with one line and leaves the file alone", () => {
    const dir = mkdtempSync(path.join(tmp, "corrupt-"));
    const db = path.join(dir, "sluice.db");
    writeFileSync(db, "this is not a database, just text that must survive\n".repeat(200));
    const before = readFileSync(db);
    const r = start(dir);
    expect(r.status).toBe(1);
    expect(r.stderrLines).toEqual([`sluice: database ${db} is not a valid SQLite database (file is not a database)`]);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("refuses a data directory that cannot be created", () => {
    const r = start("/proc/x");
    expect(r.status).toBe(1);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^sluice: cannot create data directory \/proc\/x: /);
    expect(r.stderr).not.toContain("    at ");
  });

  it("refuses a data directory that was never set up", () => {
    const dir = mkdtempSync(path.join(tmp, "empty-"));
    const r = start(dir);
    expect(r.status).toBe(1);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toContain(path.join(dir, "sluice.db"));
    expect(r.stderrLines[0]).toContain("npm run setup");
  });
});
