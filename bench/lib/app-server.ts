/**
 * A production Sluice app (`next start`) on a fresh data dir and a free port, for benchmarks
 * that measure the designer from outside (canvas-300, ui-isolation). Builds the app when no
 * build exists; `stop()` ends the server's whole process group and removes the data dir.
 *
 * Every API route needs a session (docs/security.md): the app starts with SLUICE_ADMIN_PASSWORD
 * and `startApp` signs in as `admin`; `connectApp` does the same for an app already running
 * (`--url`), with SLUICE_ADMIN_PASSWORD from the environment. `headers` carry the session
 * cookie and the app's own Origin, as the designer's pages send them.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
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

/** A signed-in app. */
export interface BenchApp {
  url: string;
  /** The session cookie as a Cookie header value ("sluice_session=..."). */
  cookie: string;
  /** Headers for API requests: the session cookie, the app's Origin and a JSON content type. */
  headers: Record<string, string>;
  stop: () => Promise<void>;
}

/** Signs in as `admin` with `password`; resolves the session cookie. */
async function signIn(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: url },
    body: JSON.stringify({ username: "admin", password }),
  });
  if (res.status !== 200) throw new Error(`signing in to ${url} as admin failed: HTTP ${res.status} (set SLUICE_ADMIN_PASSWORD)`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

function signedIn(url: string, cookie: string, stop: () => Promise<void>): BenchApp {
  return { url, cookie, headers: { Cookie: cookie, Origin: url, "Content-Type": "application/json" }, stop };
}

/** An app already running at `url`, signed in as admin with SLUICE_ADMIN_PASSWORD. */
export async function connectApp(url: string): Promise<BenchApp> {
  const password = process.env.SLUICE_ADMIN_PASSWORD;
  if (!password) throw new Error("--url needs SLUICE_ADMIN_PASSWORD (the admin's password of that app)");
  const base = url.replace(/\/$/, "");
  return signedIn(base, await signIn(base, password), async () => {});
}

/** A production app on a fresh data dir, as the e2e global setup starts one, signed in as admin. */
export async function startApp(root: string): Promise<BenchApp> {
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  const dataDir = mkdtempSync(path.join(tmpdir(), "sluice-canvas-"));
  const password = `bench-${randomBytes(12).toString("base64url")}`;
  const env = { ...process.env, SLUICE_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1", SLUICE_ADMIN_PASSWORD: password };
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
      // Any answer means it listens (401: the API needs a session).
      await fetch(`${url}/api/auth/me`, { signal: AbortSignal.timeout(5000) });
      break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return signedIn(url, await signIn(url, password), stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

