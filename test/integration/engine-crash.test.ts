/**
 * Crash safety of the headless runner: kill -9 part way through a GetFile → ... → PutFile flow
 * with 50,000 files, restart on the same data dir, and find every input file in the output.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const N = 50_000;

function flow(input: string, output: string, putSchedule: { runSchedule: string; batchSize: number }): unknown {
  const big = { objectThreshold: 100_000, dataSizeThreshold: "1 GB" };
  return {
    sluice: 1,
    id: "crash",
    name: "crash test",
    processors: [
      { id: "get", type: "GetFile", properties: { inputDirectory: input, batchSize: "1000" }, scheduling: { batchSize: 1000 } },
      { id: "tag", type: "UpdateAttribute", properties: { stage: "tagged", "original.name": "${filename}" } },
      { id: "route", type: "RouteOnAttribute", properties: { numbered: "${filename:startsWith('in-')}" } },
      { id: "put", type: "PutFile", properties: { directory: output, conflictResolution: "replace" }, scheduling: putSchedule, autoTerminate: ["success"] },
      { id: "log", type: "LogAttribute", properties: { logLevel: "debug" }, autoTerminate: ["success"] },
    ],
    connections: [
      { id: "get-tag", source: "get", relationships: ["success"], destination: "tag", backPressure: big },
      { id: "tag-route", source: "tag", relationships: ["success"], destination: "route", backPressure: big },
      { id: "route-put", source: "route", relationships: ["numbered"], destination: "put", backPressure: big },
      { id: "route-log", source: "route", relationships: ["unmatched"], destination: "log" },
      { id: "put-fail", source: "put", relationships: ["failure"], destination: "log" },
    ],
  };
}

function startSluice(flowFile: string, dataDir: string, extra: string[] = []): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/sluice.mjs"), "run", flowFile, "--data-dir", dataDir, ...extra], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    // The flows read and write next to the data dir, below the test's temporary dir: the file root.
    env: { ...process.env, SLUICE_LOG_LEVEL: "warn", SLUICE_FILE_ROOTS: path.dirname(dataDir) },
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("sluice run survives kill -9", () => {
  it("delivers every one of 50,000 files after a crash and restart, and recovers the queue in under 5 s", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-crash-"));
    const input = path.join(base, "in");
    const output = path.join(base, "out");
    const dataDir = path.join(base, "data");
    fs.mkdirSync(input);
    fs.mkdirSync(output);
    for (let i = 0; i < N; i++) fs.writeFileSync(path.join(input, `in-${i}.txt`), `record ${i}\n`);

    // Slow sink first, so tens of thousands of FlowFiles are queued when the process dies.
    const slow = path.join(base, "slow.json");
    fs.writeFileSync(slow, JSON.stringify(flow(input, output, { runSchedule: "100 ms", batchSize: 100 })));
    const first = startSluice(slow, dataDir);
    await until(() => fs.readdirSync(input).length === 0 || first.child.exitCode !== null, 120_000, "GetFile to ingest every file");
    expect(first.child.exitCode, first.stderr()).toBeNull();
    await until(() => fs.readdirSync(output).length > 200, 60_000, "some output");
    first.child.kill("SIGKILL");
    await first.exited;
    const beforeRestart = fs.readdirSync(output).filter((f) => f.startsWith("in-")).length;
    expect(beforeRestart).toBeLessThan(N);

    const fast = path.join(base, "fast.json");
    fs.writeFileSync(fast, JSON.stringify(flow(input, output, { runSchedule: "0 sec", batchSize: 1000 })));
    const second = startSluice(fast, dataDir, ["--exit-when-idle", "--idle-ms", "1500"]);
    const guard = setTimeout(() => second.child.kill("SIGKILL"), 180_000);
    const code = await second.exited;
    clearTimeout(guard);
    const log = second.stderr();
    expect(code, log).toBe(0);
    const m = /recovered (\d+) FlowFiles in (\d+) ms/.exec(log);
    expect(m, log).not.toBeNull();
    const recovered = Number(m![1]);
    const ms = Number(m![2]);
    console.log(`crash test: ${beforeRestart} delivered before kill -9; recovered ${recovered} FlowFiles in ${ms} ms`);
    expect(recovered).toBeGreaterThanOrEqual(N - beforeRestart - 1000);
    expect(ms).toBeLessThan(5000);

    const out = new Set(fs.readdirSync(output).filter((f) => f.startsWith("in-")));
    const missing: string[] = [];
    for (let i = 0; i < N; i++) if (!out.has(`in-${i}.txt`)) missing.push(`in-${i}.txt`);
    expect(missing.slice(0, 10), `${missing.length} missing`).toEqual([]);
    for (const i of [0, 12_345, N - 1]) expect(fs.readFileSync(path.join(output, `in-${i}.txt`), "utf8")).toBe(`record ${i}\n`);
    fs.rmSync(base, { recursive: true, force: true });
  }, 300_000);

  it("rejects an invalid flow before anything runs, listing every problem with its path", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-invalid-"));
    const bad = {
      sluice: 1,
      id: "bad",
      name: "bad",
      processors: [
        { id: "a", type: "NoSuchProcessor" },
        { id: "b", type: "PutFile", properties: {} },
        { id: "c", type: "UpdateAttribute", properties: { x: "${a:noSuchFunction()}" } },
        { id: "d", type: "RouteOnAttribute", properties: { r: "${a:equals('x')}" } },
      ],
      connections: [
        { id: "c1", source: "d", relationships: ["r"], destination: "zzz" },
        { id: "c2", source: "c", relationships: ["success"], destination: "b" },
      ],
    };
    const file = path.join(base, "bad.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const dataDir = path.join(base, "data");
    const run = startSluice(file, dataDir);
    expect(await run.exited).toBe(2);
    const err = run.stderr();
    expect(err).toContain("connections[0].destination");
    expect(err).toContain("processors[0].type: unknown processor type \"NoSuchProcessor\"");
    expect(err).toContain("processors[1].properties.directory");
    expect(err).toMatch(/processors\[2\]\.properties\.x: .*Expression Language/);
    expect(err).toMatch(/processors\[3\]\.relationships\.unmatched: relationship "unmatched" is neither connected nor auto-terminated/);
    expect(err).toMatch(/processors\[2\]: .* requires an incoming connection/);
    expect(fs.existsSync(dataDir)).toBe(false);
    fs.rmSync(base, { recursive: true, force: true });
  });
});
