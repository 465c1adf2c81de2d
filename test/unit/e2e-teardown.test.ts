/**
 * The e2e tier's app servers die with the test process that started them, however it ends
 * (test/e2e/server-guard.mjs). A stand-in server is started exactly as the e2e global setup
 * starts `next start` (spawnGuarded), from a parent process that is then killed; the server's
 * whole process group (guard, server, and a worker the server forked) must be gone soon after.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const globalSetup = pathToFileURL(path.join(root, "test", "e2e", "global-setup.ts")).href;

/** Live (non-zombie) processes whose process group is `pgid` (Linux /proc). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // After "pid (comm) ": state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state !== "Z" && Number(pgrp) === pgid) out.push(Number(name));
  }
  return out;
}

/** A server that forks a worker, says "ready" and runs until killed; `stubborn` ignores SIGTERM. */
function standInServer(stubborn: boolean): string {
  return [
    `require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });`,
    stubborn ? `process.on("SIGTERM", () => {});` : "",
    `console.log("ready");`,
    `setInterval(() => {}, 1000);`,
  ].join("\n");
}

/** A parent that starts the stand-in through spawnGuarded and prints the guard's pid once it is ready. */
function parentScript(stubborn: boolean): string {
  return `
    const { spawnGuarded } = await import(${JSON.stringify(globalSetup)});
    const guard = spawnGuarded(["-e", ${JSON.stringify(standInServer(stubborn))}], { cwd: ${JSON.stringify(root)}, env: process.env });
    guard.stdout.on("data", (d) => {
      if (String(d).includes("ready")) console.log(JSON.stringify({ guard: guard.pid }));
    });
  `;
}

let parent: ChildProcess | undefined;
let group = 0;
afterEach(() => {
  parent?.kill("SIGKILL");
  for (const pid of group ? groupMembers(group) : []) process.kill(pid, "SIGKILL");
  parent = undefined;
  group = 0;
});

/** Starts a parent with a guarded stand-in server; resolves with the guard's pid (= the group id). */
async function startParent(stubborn: boolean): Promise<number> {
  parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", parentScript(stubborn)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  parent.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const pid = await new Promise<number>((resolve, reject) => {
    parent!.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /\{"guard":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    parent!.once("exit", (code) => reject(new Error(`parent exited (${code}) before the server was ready:\n${out}`)));
  });
  group = pid;
  // The guard, the server and the server's worker.
  await expect.poll(() => groupMembers(pid).length, { timeout: 10_000, interval: 50 }).toBe(3);
  return pid;
}

describe("e2e servers die with the test process that started them", () => {
  for (const signal of ["SIGKILL", "SIGTERM", "SIGINT"] as const) {
    it(`when the parent gets ${signal}`, async () => {
      const pgid = await startParent(false);
      parent!.kill(signal);
      await expect.poll(() => groupMembers(pgid), { timeout: 10_000, interval: 50 }).toEqual([]);
    });
  }

  it("even a server that ignores SIGTERM (SIGKILL follows)", async () => {
    const pgid = await startParent(true);
    parent!.kill("SIGKILL");
    await expect.poll(() => groupMembers(pgid), { timeout: 15_000, interval: 100 }).toEqual([]);
  });
});
