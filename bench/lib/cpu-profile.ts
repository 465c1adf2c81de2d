/**
 * In-process CPU profile of the main thread, summarised by part of the code base.
 *
 * Why: an issue may accept "what the profile says costs the time" when a target is missed, and
 * that answer should be one command away and the same every time, not a hand-read flame graph.
 * `start()` begins sampling (V8's profiler through node:inspector); `stop()` ends it and returns
 * self time per category. A sample's category comes from the original source file of its
 * function (through the bundle's source map, so run with --enable-source-maps, as
 * scripts/bench.mjs does); a built-in or native function (Buffer, JSON, writeSync) counts for the
 * nearest caller that has a source file, so `JSON.parse` inside a benchmark processor is the
 * benchmark's time and `writeSync` inside the WAL is the WAL's.
 */
import { findSourceMap } from "node:module";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one category, in ms and as a share of the sampled time. */
export interface CategoryTime {
  category: string;
  ms: number;
  percent: number;
}

/** Path prefix (relative to the repository) → category, first match wins. */
const CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ["bench/", "benchmark"],
  ["engine/repository/provenance/", "provenance"],
  ["engine/core/provenance", "provenance"],
  ["engine/repository/flowfile/", "wal"],
  ["engine/core/flowfile-repository", "wal"],
  ["engine/repository/content/", "content"],
  ["engine/core/content-claim", "content"],
  ["engine/core/el/", "el"],
  ["engine/core/stats", "stats"],
  ["engine/core/", "session"],
  ["engine/queue/", "queues"],
  ["engine/scheduler/", "scheduler"],
  ["engine/runtime/", "scheduler"],
  ["engine/sdk/", "sdk"],
  ["processors/", "processors"],
  ["engine/", "engine-other"],
];

/** Samples taken by V8 itself rather than in a function. */
const SPECIAL: ReadonlyMap<string, string> = new Map([
  ["(garbage collector)", "gc"],
  ["(idle)", "idle"],
  ["(program)", "other"],
  ["(root)", "other"],
]);

export class CpuProfile {
  private readonly session = new Session();

  async start(samplingIntervalUs = 200): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    await this.session.post("Profiler.start");
  }

  /** Stops sampling; categories by descending self time. */
  async stop(): Promise<CategoryTime[]> {
    const { profile } = (await this.session.post("Profiler.stop")) as { profile: Profile };
    this.session.disconnect();
    return summarise(profile);
  }
}

/** Formats categories as `name=percent%` pairs, largest first. */
export function formatCategories(categories: readonly CategoryTime[]): string {
  return categories.map((c) => `${c.category}=${c.percent.toFixed(1)}%`).join(" ");
}

function summarise(profile: Profile): CategoryTime[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const own = new Map<number, string | null>();
  const ownCategory = (node: ProfileNode): string | null => {
    let category = own.get(node.id);
    if (category === undefined) {
      category = SPECIAL.get(node.callFrame.functionName) ?? categoryOfFrame(node.callFrame);
      own.set(node.id, category);
    }
    return category;
  };
  const resolved = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const known = resolved.get(id);
    if (known !== undefined) return known;
    let category: string | null = null;
    for (let at: number | undefined = id; at !== undefined && category === null; at = parent.get(at)) {
      category = ownCategory(byId.get(at)!);
    }
    const result = category ?? "other";
    resolved.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    const category = categoryOf(profile.samples[i]!);
    totals.set(category, (totals.get(category) ?? 0) + us);
    total += us;
  }
  return [...totals]
    .map(([category, us]) => ({ category, ms: us / 1000, percent: total > 0 ? (us * 100) / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

const bundleMaps = new Map<string, ReturnType<typeof findSourceMap>>();

/** The category of a frame's original source file, or null for built-ins and unknown code. */
function categoryOfFrame(frame: CallFrame): string | null {
  if (!frame.url.startsWith("file:")) return null;
  let source = frame.url;
  let map = bundleMaps.get(frame.url);
  if (!bundleMaps.has(frame.url)) {
    try {
      map = findSourceMap(fileURLToPath(frame.url));
    } catch {
      map = undefined;
    }
    bundleMaps.set(frame.url, map);
  }
  if (map !== undefined) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
    if (entry.originalSource !== undefined) source = entry.originalSource;
  }
  for (const [prefix, category] of CATEGORIES) if (source.includes(`/${prefix}`)) return category;
  if (source.includes("/node_modules/")) return "libraries";
  return null;
}
