/**
 * cluster-hop: what one distributed connection costs against a local one, on one node.
 *
 * The flow GenerateFlowFile (Total Count N, 1 KB each unless --size, 1,000 per trigger) → UpdateAttribute →
 * counting sink runs in a durable engine in this process, once with one connection distributed
 * (round-robin over Redis, wired exactly as `sluice node` wires it: a RedisDistributedLink with
 * the default batch size, prefetch, lock and stall settings and a shared content dir, ready
 * before the flow opens) and once
 * with both connections local. Each run has its own data dir and flow id. The distributed runs
 * share one link (its handover thread included) in a cluster namespace of their own in Redis,
 * as a node serves flow after flow; why: with a new link per run, each run paid for loading the
 * thread's code and ran it cold (~100 ms more of that thread's CPU a run), while the local runs'
 * code was compiled by the runs before. A run's rate is N / (time of the N-th FlowFile at the
 * sink − start of the engine).
 *
 * Prints one line: `cluster-hop flowfiles/s=<x> local_flowfiles/s=<y> ratio=<x/y>` (the best
 * of `--rounds` interleaved runs of each, after `--warmup` uncounted runs of each (default 6),
 * which compile the hot paths; every run on stderr). Target: ratio ≥ 0.5.
 * Options: --redis <url> (default SLUICE_REDIS_URL, else redis://127.0.0.1:6379), --n (100000),
 * --rounds (10; the rate of this machine kind swings by half from one minute to the next, and
 * within a minute. A distributed run lasts about twice as long as a local one, so fewer of them
 * fall whole into a fast spell: with four rounds, one invocation's distributed runs were often
 * all slow while a local one was fast (session 8: ratios 0.45-0.66 within the hour, same
 * build); with six, 3 invocations of 20 went under 0.5 in session 13, and in session 14 one at
 * 0.40 had its first two distributed runs' engine thread at 795-837 ms of CPU beside local runs
 * at 280-299 (the same work at 484 ms in its fifth round)),
 * --hop gen-upd|upd-sink
 * (which connection is distributed; default gen-upd, the
 * hop after a source, where NiFi flows load-balance), --profile (the distributed runs' main
 * thread by part of the code base, bench/lib/cpu-profile.ts: "libraries" is BullMQ, ioredis and
 * msgpackr; "idle" is waiting, mostly for Redis), --only distributed|local (one kind of run,
 * e.g. under `node --cpu-prof`; then no result line), --size (each FlowFile's content, "1 KB"),
 * --threads (each run's CPU by thread name/tid, where /proc has them), --batch-count / --batch-bytes / --prefetch (the link's batchMax and prefetch instead of its
 * defaults, to try tuning).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { performance as nodePerformance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Engine } from "../engine/api/engine";
import { RedisDistributedLink } from "../engine/cluster/distributed";
import { deleteClusterKeys, inspectorRedis, redisCpuSeconds } from "../engine/cluster/inspect";
import { ClusterKeys } from "../engine/cluster/keys";
import { RedisLink } from "../engine/cluster/redis-link";
import { ClusterKey } from "../engine/cluster/seal";
import { compose } from "../engine/runtime/composition-root";
import { defineProcessor, erase } from "../engine/sdk";
import { CpuProfile, formatCategories, type CategoryTime } from "./lib/cpu-profile";

const HOPS = ["gen-upd", "upd-sink"] as const;
type Hop = (typeof HOPS)[number];

/** What the distributed runs handed over: batches and FlowFiles (their mean size says how well batching works). */
const handed = { batches: 0, flowFiles: 0 };

/** The link `sluice node` uses, counting the batches it hands over. */
class CountingLink extends RedisDistributedLink {
  override async handover(...args: Parameters<RedisDistributedLink["handover"]>): Promise<void> {
    const batches = args[1];
    handed.batches += batches.length;
    for (const b of batches) handed.flowFiles += b.flowFiles.length;
    return super.handover(...args);
  }
}

/** The sink's count, the times of its first and last FlowFile, for the run in progress. */
const run = { counted: 0, expected: 0, first: 0, last: 0, done: (): void => {} };

const CountingSink = defineProcessor({
  type: "BenchHopSink",
  summary: "Counts and drops.",
  input: "required",
  properties: {},
  relationships: {},
  onTrigger({ session }) {
    if (run.counted === 0) run.first = performance.now();
    for (const ff of session.getBatch()) {
      run.counted++;
      session.remove(ff);
    }
    if (run.counted >= run.expected) {
      run.last = performance.now();
      run.done();
    }
  },
});

function hopFlow(id: string, n: number, hop: Hop | null, size: string) {
  const lb = (id: Hop) => (hop === id ? { loadBalance: { strategy: "round-robin" } } : {});
  return {
    sluice: 1,
    id,
    name: "cluster-hop",
    processors: [
      { id: "gen", type: "GenerateFlowFile", properties: { fileSize: size, batchSize: "1000", totalCount: String(n) }, scheduling: { runSchedule: "0 sec" }, state: "running" },
      { id: "upd", type: "UpdateAttribute", properties: { hop: "upd" }, scheduling: { batchSize: 1000 }, state: "running" },
      { id: "sink", type: "BenchHopSink", properties: {}, scheduling: { batchSize: 1000 }, state: "running" },
    ],
    connections: [
      { id: "gen-upd", source: "gen", relationships: ["success"], destination: "upd", ...lb("gen-upd") },
      { id: "upd-sink", source: "upd", relationships: ["success"], destination: "sink", ...lb("upd-sink") },
    ],
  };
}

interface RunResult {
  rate: number;
  /** From the engine's start to the first FlowFile at the sink (ms): the pipeline's start-up. */
  firstMs: number;
  cpuMs: number;
  /** Share of the machine's CPU time the hypervisor gave to others meanwhile ("steal"; null off Linux). */
  steal: number | null;
  /** Each thread's CPU in the run, "name/tid=ms" (see threadTimes). */
  threads: string;
  /** The engine thread's own CPU and its wait for a core (null off Linux). */
  engineThread: { cpuMs: number; waitMs: number } | null;
  /** CPU the Redis server used meanwhile (it shares the machine; other clients count too). */
  redisCpuMs: number;
  elu: number;
  profile?: CategoryTime[];
}

/** Overrides of the link's defaults (to try tuning without changing them). */
interface Tuning {
  batchMax?: { count: number; bytes: number };
  prefetch?: number;
}

/**
 * The engine thread's (this process's main thread) time on a core and waiting for one, from
 * /proc/self/task/<pid>/schedstat (nanoseconds). Why: on a shared two-core machine the rates
 * swing by half from minute to minute; what the engine thread itself spent per run is steadier,
 * and its wait tells how much the run's other threads (and Redis) took its core.
 */
function engineThreadTimes(): { cpuMs: number; waitMs: number } | null {
  try {
    const [run, wait] = fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ").map(Number);
    return run === undefined || wait === undefined ? null : { cpuMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return null;
  }
}

/**
 * Every thread of this process: its name (/proc comm) and time on a core so far (ms). Why: the
 * distributed run keeps both cores busy, so any thread's CPU is taken from the engine thread's
 * core; this says which ones (--threads).
 */
function threadTimes(): Map<string, { name: string; cpuMs: number }> {
  const out = new Map<string, { name: string; cpuMs: number }>();
  try {
    for (const tid of fs.readdirSync("/proc/self/task")) {
      try {
        const name = fs.readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
        const run = Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        out.set(tid, { name, cpuMs: run / 1e6 });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // No /proc here.
  }
  return out;
}

/** The threads that used at least 10 ms between two threadTimes() snapshots, busiest first. */
function threadDelta(a: Map<string, { name: string; cpuMs: number }>, b: Map<string, { name: string; cpuMs: number }>): string {
  const rows: Array<[string, number]> = [];
  for (const [tid, t] of b) {
    const d = t.cpuMs - (a.get(tid)?.cpuMs ?? 0);
    if (d >= 10) rows.push([`${t.name}/${tid}`, d]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  return rows.map(([k, d]) => `${k}=${Math.round(d)}`).join(" ");
}

/** The machine's CPU time and its steal time so far (/proc/stat, in ticks). */
function cpuStat(): { total: number; steal: number } | null {
  try {
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * The node's side of the cluster, shared by every distributed run, as one `sluice node` serves
 * flow after flow with one link (and one handover thread, whose code the earlier runs have
 * compiled, as the engine's own code is for the local runs). Each run deploys a flow of its own
 * id, so its queues, batch ids and counts are its own.
 */
interface Cluster {
  link: RedisLink;
  distributed: CountingLink;
  name: string;
  sharedDir: string;
}

async function openCluster(redisUrl: string, tuning: Tuning): Promise<Cluster> {
  const name = `bench-hop-${randomBytes(4).toString("hex")}`;
  const sharedDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-hop-shared-"));
  const link = new RedisLink(redisUrl, (l) => process.stderr.write(`cluster-hop: ${l}\n`));
  await link.ready();
  const distributed = new CountingLink({
    link,
    keys: new ClusterKeys(name),
    key: new ClusterKey(randomBytes(24).toString("hex")),
    nodeId: "n1",
    ...tuning,
    sharedContentDir: sharedDir,
    log: (l) => process.stderr.write(`cluster-hop: ${l}\n`),
  });
  // As `sluice node` does before it opens any flow.
  await distributed.ready();
  return { link, distributed, name, sharedDir };
}

async function closeCluster(c: Cluster, redisUrl: string): Promise<void> {
  await c.distributed.close();
  await c.link.close();
  const probe = inspectorRedis(redisUrl);
  try {
    await deleteClusterKeys(probe, c.name);
  } finally {
    await probe.quit();
  }
  fs.rmSync(c.sharedDir, { recursive: true, force: true });
}

let runSeq = 0;

async function once(n: number, hop: Hop | null, size: string, redisUrl: string, profile: boolean, cluster: Cluster | null): Promise<RunResult> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-hop-"));
  const composition = compose({ redisUrl: null, extraProcessors: [erase(CountingSink)] });
  const distributed = hop ? cluster!.distributed : null;
  handed.batches = 0;
  handed.flowFiles = 0;
  run.counted = 0;
  run.first = 0;
  run.expected = n;
  const finished = new Promise<void>((resolve) => (run.done = resolve));
  const engine = Engine.open(hopFlow(`hop-${runSeq++}`, n, hop, size), {
    dataDir: path.join(base, "data"),
    silent: true,
    composition: distributed ? { ...composition, distributed } : composition,
  });
  const profiler = profile ? new CpuProfile() : null;
  const probe = inspectorRedis(redisUrl);
  const redis0 = await redisCpuSeconds(probe);
  await profiler?.start();
  const elu0 = nodePerformance.eventLoopUtilization();
  const thread0 = engineThreadTimes();
  const threads0 = threadTimes();
  const stat0 = cpuStat();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await engine.start();
    await finished;
    const categories = await profiler?.stop();
    const cpu = process.cpuUsage(cpu0);
    const thread1 = engineThreadTimes();
    const threads = threadDelta(threads0, threadTimes());
    const stat1 = cpuStat();
    return {
      threads,
      steal: stat0 && stat1 && stat1.total > stat0.total ? (stat1.steal - stat0.steal) / (stat1.total - stat0.total) : null,
      engineThread: thread0 && thread1 ? { cpuMs: thread1.cpuMs - thread0.cpuMs, waitMs: thread1.waitMs - thread0.waitMs } : null,
      rate: n / ((run.last - t0) / 1000),
      firstMs: run.first - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      redisCpuMs: ((await redisCpuSeconds(probe)) - redis0) * 1000,
      elu: nodePerformance.eventLoopUtilization(elu0).utilization,
      profile: categories,
    };
  } finally {
    await engine.shutdown();
    await probe.quit();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: "string" },
      n: { type: "string", default: "100000" },
      rounds: { type: "string", default: "10" },
      warmup: { type: "string", default: "6" },
      hop: { type: "string", default: "gen-upd" },
      profile: { type: "boolean", default: false },
      threads: { type: "boolean", default: false },
      only: { type: "string" },
      size: { type: "string", default: "1 KB" },
      "batch-count": { type: "string" },
      "batch-bytes": { type: "string" },
      prefetch: { type: "string" },
    },
  });
  const redisUrl = values.redis ?? process.env.SLUICE_REDIS_URL ?? "redis://127.0.0.1:6379";
  const n = Number(values.n);
  const rounds = Math.max(1, Number(values.rounds));
  const warmups = Math.max(0, Number(values.warmup));
  const hop = values.hop as Hop;
  if (!HOPS.includes(hop)) throw new Error(`--hop must be one of ${HOPS.join(", ")}`);
  const tuning: Tuning = {};
  if (values["batch-count"] || values["batch-bytes"]) {
    tuning.batchMax = { count: Number(values["batch-count"] ?? 1000), bytes: Number(values["batch-bytes"] ?? 1024 * 1024) };
  }
  if (values.prefetch) tuning.prefetch = Number(values.prefetch);
  if (Object.keys(tuning).length > 0) process.stderr.write(`cluster-hop: link tuning ${JSON.stringify(tuning)} (not the defaults)\n`);
  const cluster = values.only === "local" ? null : await openCluster(redisUrl, tuning);
  try {
    await runAll();
  } finally {
    if (cluster) await closeCluster(cluster, redisUrl);
  }

  async function runAll(): Promise<void> {
    let best = 0;
    let bestLocal = 0;
    /** Least CPU per FlowFile (µs) of each kind: steadier than rates on a shared machine. */
    let cpu = Infinity;
    let cpuLocal = Infinity;
    const load0 = os.loadavg()[0]!;
    // Warm-up runs of each kind, not counted. Why: the first run in a process pays for
    // compiling the hot paths (and, distributed, for Redis loading BullMQ's scripts); without
    // them the distributed run, which goes first, had one warm sample against the local run's two.
    // Why six: the engine's code meets 100,000 FlowFiles a run and is compiled in the first,
    // but the handover thread's (BullMQ, ioredis) meets 100 batches a run, so it is compiled
    // over several. Session 9, `node --trace-opt`, distributed runs after one warm-up: V8
    // compiled 62 functions (381 ms) in the first counted run, 28 and 22 in the next two, 8-20
    // from the sixth on, as the rate rose from 121k to 146-156k FlowFiles/s; the local runs
    // compiled 3-8 from the first counted run on. Session 14, after three warm-ups: 65, 102 and
    // 65 ms of V8's background compiling in the first three counted distributed runs (BullMQ's
    // addJobs and worker loop, ioredis), 3 ms in the fourth; that compiling runs on the second
    // core, beside the handover thread and Redis, and the engine thread waits for a core.
    for (let w = 0; w < warmups; w++) {
      for (const h of [hop, null]) {
        if ((values.only === "distributed" && h === null) || (values.only === "local" && h !== null)) continue;
        const res = await once(n, h, values.size, redisUrl, false, cluster);
        process.stderr.write(`cluster-hop warm-up ${h ? `distributed ${h}` : "local"}: flowfiles/s=${Math.round(res.rate)} (not counted)\n`);
      }
  }
  for (let r = 0; r < rounds; r++) {
    // Interleaved, the distributed run first in odd rounds and second in even ones, so neither
    // always gets the warmer JIT.
    const order: Array<Hop | null> = r % 2 === 0 ? [hop, null] : [null, hop];
    for (const h of order) {
      if ((values.only === "distributed" && h === null) || (values.only === "local" && h !== null)) continue;
      const res = await once(n, h, values.size, redisUrl, values.profile && h !== null, cluster);
      const what = h ? `distributed ${h}` : "local";
      process.stderr.write(
        `cluster-hop round ${r + 1} ${what}: flowfiles/s=${Math.round(res.rate)} first_ms=${Math.round(res.firstMs)} cpu_ms=${Math.round(res.cpuMs)} (${((res.cpuMs * 1000) / n).toFixed(1)} µs/FlowFile) redis_cpu_ms=${Math.round(res.redisCpuMs)} event_loop_utilization=${res.elu.toFixed(2)}${res.engineThread ? ` engine_thread_cpu_ms=${Math.round(res.engineThread.cpuMs)} engine_thread_wait_ms=${Math.round(res.engineThread.waitMs)}` : ""}${res.steal !== null ? ` steal=${(res.steal * 100).toFixed(0)}%` : ""}\n`,
      );
      if (h) process.stderr.write(`cluster-hop round ${r + 1} ${what}: handed over ${handed.batches} batches, ${(handed.flowFiles / Math.max(1, handed.batches)).toFixed(0)} FlowFiles each\n`);
      if (values.threads) process.stderr.write(`cluster-hop round ${r + 1} ${what}: threads (cpu ms) ${res.threads}\n`);
      if (res.profile) process.stderr.write(`cluster-hop profile ${what}: ${formatCategories(res.profile)}\n`);
      if (h) {
        best = Math.max(best, res.rate);
        cpu = Math.min(cpu, (res.cpuMs * 1000) / n);
      } else {
        bestLocal = Math.max(bestLocal, res.rate);
        cpuLocal = Math.min(cpuLocal, (res.cpuMs * 1000) / n);
      }
    }
  }
  if (Number.isFinite(cpu) && Number.isFinite(cpuLocal)) {
    process.stderr.write(`cluster-hop cpu µs/FlowFile distributed=${cpu.toFixed(1)} local=${cpuLocal.toFixed(1)} cpu_ratio=${(cpuLocal / cpu).toFixed(2)} (this process only; Redis apart)\n`);
  }
  process.stderr.write(`cluster-hop load_avg_1m=${load0.toFixed(1)}→${os.loadavg()[0]!.toFixed(1)} (${os.cpus().length} cores)\n`);
  if (values.only) return;
  process.stdout.write(`cluster-hop flowfiles/s=${Math.round(best)} local_flowfiles/s=${Math.round(bestLocal)} ratio=${(best / bestLocal).toFixed(2)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`cluster-hop: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
