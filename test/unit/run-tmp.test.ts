// scripts/run-tmp.mjs: a run's temp dir names its pid; the next run removes the dirs of runs
// whose process is gone (a killed test command or benchmark), and leaves live runs' dirs alone.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { removeRunTmpDir, runTmpDir } from "../../scripts/run-tmp.mjs";

/** A pid that was a process a moment ago and is not any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("run temp dirs", () => {
  it("removes the dirs of runs whose process is gone, not those of live runs or other prefixes", () => {
    const prefix = `sluice-run-tmp-test-${process.pid}-`;
    const dead = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${deadPid()}-`));
    fs.writeFileSync(path.join(dead, "left.txt"), "left by a killed run");
    const live = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
    const notOurs = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}not-a-pid-`));
    try {
      const mine = runTmpDir(prefix);
      expect(path.basename(mine).startsWith(`${prefix}${process.pid}-`)).toBe(true);
      expect(fs.existsSync(dead)).toBe(false);
      expect(fs.existsSync(live)).toBe(true);
      expect(fs.existsSync(notOurs)).toBe(true);
      fs.writeFileSync(path.join(mine, "f"), "x");
      expect(removeRunTmpDir(mine)).toBeNull();
      expect(fs.existsSync(mine)).toBe(false);
    } finally {
      for (const d of [dead, live, notOurs]) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
