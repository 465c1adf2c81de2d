/**
 * A production Sluice app (`next start`) on a fresh data dir and a free port, for benchmarks
 * that measure the designer from outside (canvas-300, ui-isolation). Builds the app when no
 * build exists; `stop()` ends the server's whole process group and removes the data dir.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

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

/** A production app on a fresh data dir, as the e2e global setup starts one. */
export async function startApp(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-canvas-"));
  const env = { ...process.env, SLUICE_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" };
  const run = (label: string, args: string[]) => {
    const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${label} failed:\n${r.stdout}${r.stderr}`);
  };
  run("setup", [path.join(root, "scripts", "setup.mjs")]);
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) run("next build", [nextBin, "build"]);
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (server.exitCode === null && server.pid) {
      const exited = new Promise((r) => server.once("exit", r));
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`next start exited:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop };
}

