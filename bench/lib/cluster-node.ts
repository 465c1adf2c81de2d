/**
 * `sluice node` processes for cluster benchmarks: the bundled CLI beside the benchmark, on its
 * own data dir, its stderr copied to ours with a `[name]` prefix (a node's warnings belong in
 * the benchmark's log, and a crash must say why).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface NodeSpec {
  name: string;
  redisUrl: string;
  cluster: string;
  secret: string;
  dataDir: string;
  /** --shared-content */
  sharedContent?: string;
  /** --inline-max */
  inlineMax?: string;
  /** SLUICE_FILE_ROOTS (PutFile, GetFile). */
  fileRoots?: string;
  /** Extra Node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/x"]. */
  nodeFlags?: string[];
}

export interface NodeProcess {
  readonly spec: NodeSpec;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
}

/** Starts `sluice node` (the bundled CLI, with the 32 MB semi-space `bin/sluice.mjs` uses). */
export function startNode(spec: NodeSpec): NodeProcess {
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "sluice.js");
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: spec.secret, SLUICE_ENGINE_LOG_LEVEL: "warn", SLUICE_LOG_LEVEL: "warn" };
  delete env.SLUICE_REDIS_URL;
  if (spec.fileRoots) env.SLUICE_FILE_ROOTS = spec.fileRoots;
  const args = ["--max-semi-space-size=32", "--enable-source-maps", ...(spec.nodeFlags ?? []), cli, "node"];
  args.push("--redis", spec.redisUrl, "--data-dir", spec.dataDir, "--name", spec.name, "--cluster", spec.cluster);
  if (spec.sharedContent) args.push("--shared-content", spec.sharedContent);
  if (spec.inlineMax) args.push("--inline-max", spec.inlineMax);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let partial = "";
  child.stderr!.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) process.stderr.write(`[${spec.name}] ${l}\n`);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { spec, child, exited };
}

/** Ends nodes still running with SIGTERM (they leave the cluster cleanly) and waits for them. */
export async function stopNodes(nodes: Iterable<NodeProcess>): Promise<void> {
  const all = [...nodes];
  for (const n of all) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill("SIGTERM");
  await Promise.all(all.map((n) => n.exited));
}

/** Polls `probe` every `everyMs` until it returns something other than false/undefined. */
export async function waitFor<T>(what: () => string, timeoutMs: number, probe: () => Promise<T | false | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
