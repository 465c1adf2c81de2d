/**
 * One owner per data dir, seen from the command line: while one `sluice run` holds a data dir,
 * a second one on the same dir exits with code 2 and a line naming the dir and the holder's pid,
 * without touching the holder's data; a `kill -9` of the holder frees the dir (the kernel drops
 * the lock), and the next run recovers every FlowFile that was durably queued. The lock is per
 * dir: two runs on two dirs run side by side.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
/** FlowFiles the generator makes in total (its Total Count), all left queued before the stopped sink. */
const N = 2_000;

interface Run {
  child: ChildProcess;
  pid: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
let base = "";
/** The engine bundle every run in this file uses, built once so all runs execute the same code. */
let cli = "";

/**
 * GenerateFlowFile (Total Count N) → PutFile. The queue between them holds all N when PutFile is
 * stopped (back pressure far above N, swap threshold above N so nothing is swapped).
 */
function flow(output: string, states: { gen: "running" | "stopped"; put: "running" | "stopped" }): unknown {
  return {
    sluice: 1,
    id: "lock",
    name: "data dir lock test",
    processors: [
      {
        id: "gen",
        type: "GenerateFlowFile",
        properties: { batchSize: "100", totalCount: String(N), customText: "${uuid}" },
        scheduling: { runSchedule: "0 sec" },
        state: states.gen,
      },
      {
        id: "put",
        type: "PutFile",
        properties: { directory: output, fileName: "${uuid}.txt", conflictResolution: "replace" },
        autoTerminate: ["success", "failure"],
        state: states.put,
      },
    ],
    connections: [
      {
        id: "gen-put",
        source: "gen",
        relationships: ["success"],
        destination: "put",
        backPressure: { objectThreshold: 100_000, dataSizeThreshold: "1 GB" },
        swapThreshold: 100_000,
      },
    ],
  };
}

function writeFlow(name: string, doc: unknown): string {
  const file = path.join(base, name);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

function startSluice(flowFile: string, dataDir: string, extra: string[] = []): Run {
  // PutFile writes below the test's temporary dir: that is the file root.
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_LOG_LEVEL: "warn", SLUICE_FILE_ROOTS: base };
  const child = spawn(process.execPath, ["--max-semi-space-size=32", cli, "run", flowFile, "--data-dir", dataDir, ...extra], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  children.add(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  expect(child.pid, "spawn failed").toBeTypeOf("number");
  return { child, pid: child.pid!, stderr: () => err, exited };
}

function alive(run: Run): boolean {
  return run.child.exitCode === null && run.child.signalCode === null;
}

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with the exit code, or kills the process and fails when it takes longer than `ms`. */
async function exitWithin(run: Run, ms: number, what: string): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  const r = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (r === "timeout") {
    run.child.kill("SIGKILL");
    throw new Error(`${what} did not exit within ${ms} ms; stderr:\n${run.stderr()}`);
  }
  return r;
}

async function waitRunning(run: Run, what: string): Promise<void> {
  await until(() => run.stderr().includes("sluice: running ") || !alive(run), 60_000, () => `${what} to start; stderr:\n${run.stderr()}`);
  expect(alive(run), `${what} exited early; stderr:\n${run.stderr()}`).toBe(true);
}

/** GenerateFlowFile's progress; written in an onCommitted callback, i.e. after the WAL write. */
function emitted(dataDir: string): number {
  try {
    return Number(JSON.parse(fs.readFileSync(path.join(dataDir, "state", "gen", "generate.json"), "utf8")).emitted) || 0;
  } catch {
    return 0;
  }
}

/** path → "size mtime" of every file under `dir`. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = fs.statSync(p);
        out[path.relative(dir, p)] = `${s.size} ${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Waits until nothing under `dir` has changed for `quietMs` (the holder's asynchronous writers,
 * such as the provenance indexer, have caught up) and returns that snapshot.
 */
async function quietSnapshot(dir: string, quietMs: number, timeoutMs: number): Promise<Record<string, string>> {
  const end = Date.now() + timeoutMs;
  let last = snapshot(dir);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = snapshot(dir);
    if (JSON.stringify(now) !== JSON.stringify(last)) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
    if (Date.now() > end) throw new Error(`${dir} kept changing for ${timeoutMs} ms`);
  }
}

function lockedLine(dataDir: string, pid: number): string {
  return `sluice: data dir ${path.resolve(dataDir)} is in use by pid ${pid} (a sluice run, sluice node or app server); stop it or use another data dir`;
}

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-lock-"));
  const out = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"],
    { cwd: ROOT, encoding: "utf8" },
  );
  cli = path.join(out.trim(), "sluice.js");
  expect(fs.existsSync(cli), cli).toBe(true);
}, 120_000);

afterAll(async () => {
  const left = [...children];
  for (const c of left) c.kill("SIGKILL");
  await Promise.all(left.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe("data dir lock (sluice run)", () => {
  it("refuses a second run on a held dir with exit 2 and the holder's pid, and recovers every FlowFile after kill -9", async () => {
    const dataDir = path.join(base, "data");
    const output = path.join(base, "out");
    const producing = writeFlow("producing.json", flow(output, { gen: "running", put: "stopped" }));

    // 1. The holder: generates N FlowFiles into a queue nobody drains.
    const first = startSluice(producing, dataDir);
    await waitRunning(first, "the first run");
    expect(first.stderr()).toContain("recovered 0 FlowFiles");
    await until(() => emitted(dataDir) >= N || !alive(first), 60_000, () => `${N} FlowFiles to be committed (emitted ${emitted(dataDir)}); stderr:\n${first.stderr()}`);
    expect(alive(first), first.stderr()).toBe(true);
    expect(emitted(dataDir)).toBe(N);
    expect(fs.readFileSync(path.join(dataDir, "sluice.lock.owner"), "utf8").trim()).toBe(String(first.pid));

    // 2. A second run on the same dir is refused at once and leaves the holder's files alone.
    const before = await quietSnapshot(dataDir, 1000, 30_000);
    const t0 = Date.now();
    const second = startSluice(producing, dataDir);
    const code = await exitWithin(second, 20_000, "the second run");
    const secondMs = Date.now() - t0;
    const err = second.stderr();
    expect(code, err).toBe(2);
    expect(err).toContain(path.resolve(dataDir));
    expect(err).toContain(`pid ${first.pid}`);
    expect(err).toBe(`${lockedLine(dataDir, first.pid)}\n`);
    expect(secondMs).toBeLessThan(20_000);
    expect(alive(first), `the first run died when the second started; stderr:\n${first.stderr()}`).toBe(true);
    expect(snapshot(dataDir)).toEqual(before);
    expect(emitted(dataDir)).toBe(N);
    // Still refused: the second attempt did not weaken the lock.
    const again = startSluice(producing, dataDir);
    expect(await exitWithin(again, 20_000, "the repeated second run"), again.stderr()).toBe(2);
    expect(again.stderr()).toContain(`pid ${first.pid}`);
    expect(alive(first), first.stderr()).toBe(true);

    // 3. kill -9 the holder: the dir is free again and the queue comes back whole.
    first.child.kill("SIGKILL");
    await first.exited;
    expect(first.child.signalCode).toBe("SIGKILL");
    // The pid file is left behind by a kill -9; it must not block the next run.
    expect(fs.readFileSync(path.join(dataDir, "sluice.lock.owner"), "utf8").trim()).toBe(String(first.pid));

    const draining = writeFlow("draining.json", flow(output, { gen: "stopped", put: "running" }));
    const third = startSluice(draining, dataDir, ["--exit-when-idle", "--idle-ms", "1500"]);
    const thirdCode = await exitWithin(third, 120_000, "the third run");
    const log = third.stderr();
    expect(thirdCode, log).toBe(0);
    expect(log).not.toContain("is in use by");
    const m = /recovered (\d+) FlowFiles in (\d+) ms/.exec(log);
    expect(m, log).not.toBeNull();
    const recovered = Number(m![1]);
    console.log(`data dir lock: second run refused in ${secondMs} ms; after kill -9 recovered ${recovered} of ${N} FlowFiles in ${m![2]} ms`);
    expect(recovered).toBe(N);
    const files = fs.readdirSync(output);
    expect(files.length).toBe(N);
    for (const f of files.slice(0, 20)) expect(fs.readFileSync(path.join(output, f), "utf8")).toBe(path.basename(f, ".txt"));
    // A clean shutdown releases the lock and removes the pid file.
    expect(fs.existsSync(path.join(dataDir, "sluice.lock.owner"))).toBe(false);
  }, 240_000);

  it("is per dir: runs on two different dirs at the same time both run, and a clean stop frees the dir", async () => {
    const dirA = path.join(base, "per-dir-a");
    const dirB = path.join(base, "per-dir-b");
    const a = startSluice(writeFlow("a.json", flow(path.join(base, "out-a"), { gen: "running", put: "stopped" })), dirA);
    await waitRunning(a, "the run on dir A");
    const b = startSluice(writeFlow("b.json", flow(path.join(base, "out-b"), { gen: "running", put: "stopped" })), dirB);
    await waitRunning(b, "the run on dir B");
    expect(b.stderr()).not.toContain("is in use by");
    await until(() => emitted(dirA) >= N && emitted(dirB) >= N, 60_000, () => `both runs to commit ${N} FlowFiles (A ${emitted(dirA)}, B ${emitted(dirB)})`);
    expect(alive(a), a.stderr()).toBe(true);
    expect(alive(b), b.stderr()).toBe(true);
    expect(fs.readFileSync(path.join(dirA, "sluice.lock.owner"), "utf8").trim()).toBe(String(a.pid));
    expect(fs.readFileSync(path.join(dirB, "sluice.lock.owner"), "utf8").trim()).toBe(String(b.pid));

    // SIGTERM is a clean stop: exit 0, lock released, and the dir can be taken again at once.
    a.child.kill("SIGTERM");
    expect(await exitWithin(a, 30_000, "the run on dir A after SIGTERM"), a.stderr()).toBe(0);
    expect(fs.existsSync(path.join(dirA, "sluice.lock.owner"))).toBe(false);
    const a2 = startSluice(writeFlow("a2.json", flow(path.join(base, "out-a"), { gen: "stopped", put: "stopped" })), dirA);
    await waitRunning(a2, "the second run on dir A");
    expect(a2.stderr()).toContain(`recovered ${N} FlowFiles`);
    // B is untouched by all of this.
    expect(alive(b), b.stderr()).toBe(true);
    // And B's dir is still refused while B holds it.
    const b2 = startSluice(writeFlow("b2.json", flow(path.join(base, "out-b"), { gen: "stopped", put: "stopped" })), dirB);
    expect(await exitWithin(b2, 20_000, "a second run on dir B"), b2.stderr()).toBe(2);
    expect(b2.stderr()).toBe(`${lockedLine(dirB, b.pid)}\n`);

    a2.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await exitWithin(a2, 30_000, "the second run on dir A after SIGTERM"), a2.stderr()).toBe(0);
    expect(await exitWithin(b, 30_000, "the run on dir B after SIGTERM"), b.stderr()).toBe(0);
  }, 240_000);
});
