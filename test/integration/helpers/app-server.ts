/**
 * A production Sluice server for API tests: a fresh data dir prepared by scripts/setup.mjs, then
 * package.json's own `start` command (its last step, `next start -H ${SLUICE_HOST:-127.0.0.1}
 * -p ${PORT:-3000}`, run by /bin/sh exactly as npm runs it) on a free port, under the e2e tier's
 * server guard so it dies with the test process however that ends.
 *
 * The build comes from `next build`; one is made here when there is none or when a source file
 * of the app is newer than it (scripts/test.mjs builds before the tiers run).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const serverGuard = path.join(root, "test", "e2e", "server-guard.mjs");

/** The `start` script of package.json. */
export function startScript(): string {
  return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
}

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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the app when there is no build or an app source is newer than it. */
export function ensureBuild(): void {
  const buildId = path.join(root, process.env.SLUICE_NEXT_DIST_DIR || ".next", "BUILD_ID");
  const sources = Math.max(newestMtime(path.join(root, "app")), ...["proxy.ts", "next.config.js", "instrumentation.ts"].map((f) => statSync(path.join(root, f)).mtimeMs));
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, encoding: "utf8", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/** A running server. */
export interface TestServer {
  baseUrl: string;
  port: number;
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Stops the server's process group and removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Prepares a fresh data dir and starts the server with `env` added (SLUICE_ADMIN_PASSWORD and the
 * like; SLUICE_HOST is removed unless given). `beforeStart` may change the prepared data dir.
 * Resolves once it answers HTTP; rejects with the server's output when it exits first.
 */
export async function startServer(env: Record<string, string | undefined> = {}, beforeStart?: (dataDir: string) => void): Promise<TestServer> {
  ensureBuild();
  const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-auth-"));
  const port = await freePort();
  const fullEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SLUICE_DATA_DIR: dataDir,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
  };
  delete fullEnv.SLUICE_HOST;
  delete fullEnv.SLUICE_ADMIN_PASSWORD;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs")], { cwd: root, env: fullEnv, encoding: "utf8" });
  if (setup.status !== 0) throw new Error(`scripts/setup.mjs failed:\n${setup.stdout}${setup.stderr}`);
  beforeStart?.(dataDir);
  // The start script's last step: setup and build already ran above.
  const command = startScript().split("&&").at(-1)!.trim();
  const server: ChildProcess = spawn(process.execPath, [serverGuard, "/bin/sh", "-c", command], { cwd: root, env: fullEnv, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null && server.pid) {
      const exited = new Promise((r) => server.once("exit", r));
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-server.pid!, sig);
        } catch {
          // already gone
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      signal("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      await stop();
      throw new Error(`the server exited (${server.exitCode ?? server.signalCode}):\n${output}`);
    }
    try {
      await fetch(`${baseUrl}/api/auth/me`, { signal: AbortSignal.timeout(5_000) });
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { baseUrl, port, dataDir, output: () => output, stop };
}
