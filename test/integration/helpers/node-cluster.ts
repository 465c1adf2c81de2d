/**
 * A cluster on one machine for integration tests: the coordinator (ClusterCoordinator) in the
 * test's process and `sluice node` processes (the bundled CLI), each with its own data dir and
 * all with one shared content directory (`--shared-content`), on the real Redis, under a
 * cluster name of their own. `kill` is `kill -9`; `close` kills what is left, closes the
 * coordinator and deletes the cluster's Redis keys and directories.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ClusterMember } from "../../../engine/api/node-api";
import { ClusterCoordinator } from "../../../engine/cluster/coordinator";
import { uniqueId } from "./ids";
import { deleteKeysWithPrefix, testRedis } from "./redis";
import { redisUrl } from "./services";
import { until } from "./until";

const ROOT = path.resolve(__dirname, "../../..");

/** One `sluice node` process. */
export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export interface NodeClusterOptions {
  /** Prefix of the cluster name and temp dir. @default "sluice-nc" */
  prefix?: string;
  /** Extra environment for every node. */
  env?: NodeJS.ProcessEnv;
  /** `--inline-max` of every node (e.g. "1 KB"); the node's default when unset. */
  inlineMax?: string;
}

/** Builds the engine bundle (cached by source mtime) and returns the path of its CLI. */
export function sluiceCli(): string {
  const built = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('./scripts/build-engine.mjs'); process.stdout.write(await m.ensureEngineBuild());"],
    { cwd: ROOT, encoding: "utf8" },
  );
  return path.join(built.trim(), "sluice.js");
}

export class NodeCluster {
  readonly nodes = new Map<string, NodeProcess>();
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly cluster: string,
    readonly secret: string,
    readonly base: string,
    readonly sharedDir: string,
    readonly coord: ClusterCoordinator,
    private readonly cli: string,
    private readonly opts: NodeClusterOptions,
  ) {}

  /** Builds the CLI, connects a coordinator under a fresh cluster name and starts `names`' nodes. */
  static async start(names: readonly string[], opts: NodeClusterOptions = {}): Promise<NodeCluster> {
    const prefix = opts.prefix ?? "sluice-nc";
    const cluster = uniqueId(prefix);
    const secret = `${prefix}-${uniqueId("secret")}`;
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const sharedDir = path.join(base, "shared");
    fs.mkdirSync(sharedDir);
    const cli = sluiceCli();
    const coord = await ClusterCoordinator.connect({ redisUrl: redisUrl(), secret, cluster, log: () => {} });
    const c = new NodeCluster(cluster, secret, base, sharedDir, coord, cli, opts);
    for (const n of names) c.startNode(n);
    return c;
  }

  dataDir(name: string): string {
    return path.join(this.base, `node-${name}`);
  }

  /** Starts (or restarts) node `name` with its data dir and the shared content dir. */
  startNode(name: string): NodeProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_CLUSTER_SECRET: this.secret, SLUICE_ENGINE_LOG_LEVEL: "warn", ...this.opts.env };
    delete env.SLUICE_REDIS_URL;
    const args = [this.cli, "node", "--redis", redisUrl(), "--data-dir", this.dataDir(name), "--name", name, "--cluster", this.cluster, "--shared-content", this.sharedDir];
    if (this.opts.inlineMax) args.push("--inline-max", this.opts.inlineMax);
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env });
    this.children.add(child);
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        this.children.delete(child);
        resolve(code);
      }),
    );
    const p: NodeProcess = { name, child, stderr: () => err, exited };
    this.nodes.set(name, p);
    return p;
  }

  /** `kill -9` of a node; resolves once the process is gone. */
  async kill(name: string): Promise<void> {
    const p = this.nodes.get(name);
    if (!p) throw new Error(`no node ${name}`);
    p.child.kill("SIGKILL");
    await p.exited;
  }

  /** Every node's stderr, for a failure message. */
  stderrs(): string {
    return [...this.nodes].map(([n, p]) => `${n}: ${p.stderr().trim() || "(nothing)"}`).join(" | ");
  }

  /** Waits until `count` nodes are connected and one of them is primary; resolves with the members. */
  async connected(count: number, timeoutMs = 60_000): Promise<ClusterMember[]> {
    return until(
      () => `${count} connected nodes; stderr: ${this.stderrs()}`,
      timeoutMs,
      async () => {
        const m = await this.coord.members();
        return m.filter((x) => x.state === "connected").length === count && m.some((x) => x.primary) && m;
      },
    );
  }

  /** Kills every node still running, closes the coordinator, deletes the cluster's keys and dirs. */
  async close(): Promise<void> {
    const left = [...this.children];
    for (const c of left) c.kill("SIGKILL");
    await Promise.all(left.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
    await this.coord.close();
    const redis = testRedis();
    try {
      await deleteKeysWithPrefix(redis, this.cluster);
    } finally {
      await redis.quit();
    }
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}
