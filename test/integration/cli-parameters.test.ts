/**
 * `sluice validate` and `sluice run` resolve a flow file's #{name} references against the
 * parameter contexts the file carries (the built CLI, as users run it): a resolved file runs
 * with the parameter's value, and a reference that does not resolve stops the CLI with exit 2
 * and a line naming the property and the parameter.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
let cli = "";
let dir = "";

function flowFile(name: string, parameters: Array<{ name: string; value?: string; sensitive?: boolean }>): string {
  const file = path.join(dir, `${name}.json`);
  const doc = {
    sluice: 1,
    id: name,
    name,
    parameterContext: "ctx",
    parameterContexts: [{ id: "ctx", name: "Ctx", parameters }],
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { customText: "#{greeting}", totalCount: "1" }, state: "running" },
      { id: "put", type: "PutFile", properties: { directory: path.join(dir, "out"), fileName: "out.txt" }, autoTerminate: ["success", "failure"], state: "running" },
    ],
    connections: [{ id: "c", source: "gen", relationships: ["success"], destination: "put" }],
  };
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

function sluice(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SLUICE_FILE_ROOTS: dir }, timeout: 60_000 });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cli-params-"));
  fs.mkdirSync(path.join(dir, "out"));
  const built = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  cli = path.join(built.trim(), "sluice.js");
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("sluice CLI with parameter contexts", () => {
  it("validates and runs a file whose references resolve, with the parameter's value", () => {
    const file = flowFile("ok", [{ name: "greeting", value: "hello from a parameter" }]);
    const v = sluice("validate", file);
    expect(v.stdout + v.stderr).toMatch(/valid \(2 processors, 1 connections\)/);
    expect(v.status).toBe(0);
    const r = sluice("run", file, "--data-dir", path.join(dir, "data"), "--mode", "volatile", "--exit-when-idle", "--idle-ms", "500");
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "out", "out.txt"), "utf8")).toBe("hello from a parameter");
  });

  it("stops with exit 2 naming the property and the parameter when a reference does not resolve", () => {
    for (const [name, params, why] of [
      ["missing", [{ name: "other", value: "x" }], /processors\[0\]\.properties\.customText: .*"greeting".*not in parameter context "Ctx"/],
      ["novalue", [{ name: "greeting", sensitive: true }], /processors\[0\]\.properties\.customText: .*greeting/],
    ] as const) {
      const file = flowFile(name, [...params]);
      for (const args of [["validate", file], ["run", file, "--data-dir", path.join(dir, `data-${name}`), "--exit-when-idle"]]) {
        const r = sluice(...args);
        expect(r.status, `${args[0]} ${name}`).toBe(2);
        expect(r.stderr).toMatch(why);
      }
    }
  });
});
