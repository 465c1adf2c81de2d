/**
 * linear-5: source → UpdateAttribute → RouteOnAttribute → (big|small) JSON tagger → counting sink.
 * Prints: linear-5 mode=<mode> N=<N> flowfiles/s=<x> peak_rss_mb=<y> wall_ms=<z>
 * Usage: npm run bench -- linear-5 [--mode durable|volatile] [--n 200000] [--profile]
 *
 * On stderr, for reading the result: peak memory by kind, CPU time (process and main thread),
 * a calibration (the rate this machine reaches doing only the benchmark's own content work, i.e.
 * the ceiling if the engine cost nothing), and with --profile the main thread's self time by
 * part of the code base (bench/lib/cpu-profile.ts), sampled over the measured window.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance as nodePerformance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Engine } from "../engine/api/engine";
import { defineProcessor, erase, property, relationship } from "../engine/sdk";
import { CpuProfile, formatCategories } from "./lib/cpu-profile";

/** Shared between the bench's processors and the measurement. */
const run = { first: 0, last: 0, counted: 0, big: 0, expected: 0, done: (): void => {} };

const OrderSource = defineProcessor({
  type: "BenchOrderSource",
  summary: "Emits the linear-5 order records.",
  input: "forbidden",
  properties: { total: property.integer({ displayName: "Total", description: "Records to emit.", required: true, min: 1 }) },
  relationships: { success: relationship("Generated orders.") },
  onScheduled: () => ({ next: 0 }),
  onTrigger({ session, config, context, state }) {
    const n = Math.min(context.batchSize, config.total - state.next);
    if (n <= 0) {
      context.yield();
      return;
    }
    if (state.next === 0) run.first = performance.now();
    for (let k = 0; k < n; k++) {
      const i = state.next++;
      const amount = ((i * 37) % 100) + 0.5;
      let ff = session.create();
      ff = session.putAttribute(ff, "amount", String(amount));
      ff = session.write(ff, JSON.stringify({ id: i, user: "u" + (i % 100), amount, ts: "2024-01-01T00:00:00.000Z" }));
      session.transfer(ff, "success");
    }
  },
});

const TagTier = defineProcessor({
  type: "BenchTagTier",
  summary: "Parses the JSON content, adds a tier, writes it back.",
  input: "required",
  properties: { tier: property.string({ displayName: "Tier", description: "Tier name.", required: true }) },
  relationships: { success: relationship("Tagged."), failure: relationship("Not JSON.") },
  onTrigger({ session, config }) {
    for (const ff of session.getBatch()) {
      try {
        const doc = JSON.parse(session.readText(ff)) as Record<string, unknown>;
        doc.tier = config.tier;
        session.transfer(session.write(ff, JSON.stringify(doc)), "success");
      } catch {
        session.transfer(ff, "failure");
      }
    }
  },
});

const BIG = Buffer.from('"tier":"big"');

const CountingSink = defineProcessor({
  type: "BenchCountingSink",
  summary: "Counts and drops.",
  input: "required",
  properties: {},
  relationships: {},
  onTrigger({ session }) {
    for (const ff of session.getBatch()) {
      run.counted++;
      if (session.read(ff).includes(BIG)) run.big++;
      session.remove(ff);
    }
    if (run.counted >= run.expected) {
      run.last = performance.now();
      run.done();
    }
  },
});

/**
 * CPU time of the calling thread in ms (Linux: /proc/thread-self/stat, 10 ms ticks), or NaN.
 * Why: process.cpuUsage() also counts the provenance index worker, which runs on the other core;
 * the main thread's own time is what bounds the flow's rate.
 */
function threadCpuMs(): number {
  try {
    const stat = fs.readFileSync("/proc/thread-self/stat", "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Records/s doing only what the benchmark's processors do to content (build the JSON at the
 * source, parse it and write it back with a tier, look for the tier at the sink), with the
 * same Buffer conversions and no engine. Best of three passes of up to 100,000 records.
 */
function contentOnlyRate(records: number): number {
  const n = Math.min(records, 100_000);
  let best = Infinity;
  let check = 0;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const amount = ((i * 37) % 100) + 0.5;
      const attr = String(amount);
      const created = Buffer.from(JSON.stringify({ id: i, user: "u" + (i % 100), amount, ts: "2024-01-01T00:00:00.000Z" }));
      const doc = JSON.parse(created.toString("utf8")) as Record<string, unknown>;
      doc.tier = amount > 50 ? "big" : "small";
      const tagged = Buffer.from(JSON.stringify(doc));
      if (tagged.includes(BIG)) check += attr.length;
    }
    best = Math.min(best, performance.now() - t0);
  }
  if (check === 0) throw new Error("calibration did no work");
  return Math.round(n / (best / 1000));
}

export function linear5Flow(n: number): unknown {
  const p = (id: string, type: string, properties: Record<string, string> = {}, autoTerminate: string[] = []) => ({ id, type, properties, autoTerminate });
  return {
    sluice: 1,
    id: "linear-5",
    name: "linear-5 benchmark",
    processors: [
      p("source", "BenchOrderSource", { total: String(n) }),
      p("update", "UpdateAttribute", { kind: "order" }),
      p("route", "RouteOnAttribute", { big: "${amount:toNumber():gt(50)}" }),
      p("big", "BenchTagTier", { tier: "big" }, ["failure"]),
      p("small", "BenchTagTier", { tier: "small" }, ["failure"]),
      p("sink", "BenchCountingSink"),
    ],
    connections: [
      { id: "c1", source: "source", relationships: ["success"], destination: "update" },
      { id: "c2", source: "update", relationships: ["success"], destination: "route" },
      { id: "c3", source: "route", relationships: ["big"], destination: "big" },
      { id: "c4", source: "route", relationships: ["unmatched"], destination: "small" },
      { id: "c5", source: "big", relationships: ["success"], destination: "sink" },
      { id: "c6", source: "small", relationships: ["success"], destination: "sink" },
    ],
  };
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { mode: { type: "string", default: "durable" }, n: { type: "string", default: "200000" }, profile: { type: "boolean", default: false } },
  });
  const mode = values.mode === "volatile" ? "volatile" : "durable";
  const n = Number(values.n);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bench-"));
  run.expected = n;
  const finished = new Promise<void>((resolve) => (run.done = resolve));
  const engine = Engine.open(linear5Flow(n), {
    dataDir,
    mode,
    silent: true,
    extraProcessors: [erase(OrderSource), erase(TagTier), erase(CountingSink)],
  });
  const t0 = performance.now();
  const elu0 = nodePerformance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuMs();
  const peak = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const queueTrace = process.env.SLUICE_BENCH_TRACE_QUEUES === "1";
  const sampler = setInterval(() => {
    if (queueTrace) process.stderr.write(`queues ${engine.status().connections.map((c) => `${c.id}=${c.queued.count}`).join(" ")}\n`);
    const m = process.memoryUsage();
    for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
  }, 100);
  const profiler = values.profile ? new CpuProfile() : null;
  await profiler?.start();
  await engine.start();
  await finished;
  const categories = await profiler?.stop();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainCpu = threadCpuMs() - main0;
  const elu = nodePerformance.eventLoopUtilization(elu0);
  clearInterval(sampler);
  const mb = (v: number) => Math.round(v / 1048576);
  process.stderr.write(
    `linear-5 peak_mb heap_total=${mb(peak.heapTotal)} heap_used=${mb(peak.heapUsed)} external=${mb(peak.external)} array_buffers=${mb(peak.arrayBuffers)} rss=${mb(peak.rss)}\n`,
  );
  // CPU time is steadier than wall time on a shared machine; reported on stderr for profiling.
  process.stderr.write(
    `linear-5 cpu_ms user=${Math.round(cpu.user / 1000)} system=${Math.round(cpu.system / 1000)} main_thread=${Math.round(mainCpu)} event_loop_utilization=${elu.utilization.toFixed(2)}\n`,
  );
  if (categories) {
    process.stderr.write(`linear-5 profile main_thread_us_per_flowfile=${((mainCpu * 1000) / n).toFixed(1)} ${formatCategories(categories)}\n`);
  }
  await engine.shutdown();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.stderr.write(`linear-5 calibration content_only_flowfiles/s=${contentOnlyRate(n)} (the benchmark's own JSON work, no engine)\n`);
  if (run.counted !== n || run.big !== n / 2) {
    throw new Error(`linear-5 check failed: counted ${run.counted} of ${n}, big ${run.big} (expected ${n / 2})`);
  }
  const secs = (run.last - run.first) / 1000;
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `linear-5 mode=${mode} N=${n} flowfiles/s=${Math.round(n / secs)} peak_rss_mb=${Math.round(rss)} wall_ms=${Math.round(wall)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
