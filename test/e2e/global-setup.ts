// E2E tier global setup: a fresh data dir prepared by scripts/setup.mjs (migrate + example
// flow), a production `next start` on a free port, and its base URL handed to the tests via
// provide/inject. The build normally comes from scripts/test.mjs; without one we build here.
//
// Every server runs under test/e2e/server-guard.mjs, so it dies with the process that started
// it even when that process never gets to its teardown (Ctrl-C, SIGTERM, a timeout, SIGKILL).
//
// Servers start with SLUICE_ADMIN_PASSWORD = E2E_ADMIN_PASSWORD unless told otherwise, so the
// first-start admin is `admin` with that password (test/e2e/helpers.ts signs in with it).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Origin of the app under test, e.g. "http://127.0.0.1:43123" (no trailing slash). */
    baseUrl: string;
    /** The SLUICE_DATA_DIR the server under test uses. */
    dataDir: string;
  }
}

/** The first-start admin's password on servers started here (SLUICE_ADMIN_PASSWORD). */
export const E2E_ADMIN_PASSWORD = "e2e-admin-password-not-secret";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const serverGuard = path.join(root, "test", "e2e", "server-guard.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function runOrThrow(label: string, args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

async function waitForOk(url: string, server: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`next start exited with ${server.exitCode ?? server.signalCode}:\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Spawns `node <args>` under the server guard: the returned process is the guard, leader of a
 * new process group holding the command and whatever it forks. Signal the group
 * (process.kill(-pid, sig)) to stop it all. The guard's stdin stays an open pipe from this
 * process; when this process dies, however it dies, the guard ends the group.
 */
export function spawnGuarded(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [serverGuard, process.execPath, ...args], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
}

/** A running `next start` on a free port. */
export interface AppServer {
  baseUrl: string;
  output(): string;
  /** SIGTERM (or SIGKILL with `crash`) to the server's process group; resolves once the server exited. */
  stop(opts?: { crash?: boolean }): Promise<void>;
}

/** Prepares `dataDir` with scripts/setup.mjs (migrate + example flow) when asked. */
export function prepareDataDir(dataDir: string): void {
  runOrThrow("scripts/setup.mjs", [path.join(root, "scripts", "setup.mjs")], { ...process.env, SLUICE_DATA_DIR: dataDir });
}

/** How a server is started. */
export interface StartOptions {
  /**
   * SLUICE_ADMIN_PASSWORD for the server (the first-start admin's password); default
   * E2E_ADMIN_PASSWORD. null starts it without one, so a fresh data dir gets a generated
   * password, printed once on the server's stdout.
   */
  adminPassword?: string | null;
  /** Extra environment for the server (e.g. SLUICE_REDIS_URL for cluster mode); wins over this process's. */
  env?: Record<string, string>;
}

/** Starts the built app on `dataDir` and waits until it answers. */
export async function startApp(dataDir: string, opts: StartOptions = {}): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, SLUICE_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" };
  const adminPassword = opts.adminPassword === undefined ? E2E_ADMIN_PASSWORD : opts.adminPassword;
  if (adminPassword === null) delete env.SLUICE_ADMIN_PASSWORD;
  else env.SLUICE_ADMIN_PASSWORD = adminPassword;
  if (!existsSync(path.join(root, process.env.SLUICE_NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
    runOrThrow("next build", [nextBin, "build"], env);
  }
  const port = await freePort();
  const server = spawnGuarded([nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: root, env });
  let output = "";
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));

  const stop = async (opts: { crash?: boolean } = {}) => {
    if (server.exitCode !== null || server.signalCode !== null || !server.pid) return;
    const exited = new Promise((r) => server.once("exit", r));
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-server.pid!, sig);
      } catch {
        // already gone
      }
    };
    signal(opts.crash ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    // Whatever the server forked and left behind in its group goes too.
    signal("SIGKILL");
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    // The sign-in page is the one page that answers without a session.
    await waitForOk(`${baseUrl}/login`, server, () => output, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, output: () => output, stop };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-e2e-"));
  prepareDataDir(dataDir);
  const app = await startApp(dataDir);
  project.provide("baseUrl", app.baseUrl);
  project.provide("dataDir", dataDir);
  return async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
