#!/usr/bin/env node
// Compares V8 CPU profiles (`node --cpu-prof`) of two runs of a bench bundle, e.g. cluster-hop's
// `--only local` and `--only distributed`, to find what one run does that the other does not.
// Why: the hop's cost is spread over many small functions, and a flame graph of one run does not
// show which of them the other run lacks. Times are the profiler's samples (wall time of the
// sampled thread, so a function after which the thread lost its core looks dear).
//
//   node scripts/cpu-profile-diff.mjs functions A.cpuprofile B.cpuprofile [rows]
//       self time per function, B − A, largest first
//   node scripts/cpu-profile-diff.mjs modules BUNDLE.js A.cpuprofile B.cpuprofile [rows]
//       self time per source module of the esbuild bundle (its "// path" markers), B − A
//   node scripts/cpu-profile-diff.mjs callers PROFILE.cpuprofile NAME [depth]
//       self time of the functions named NAME, by their chain of callers
//
// Example (cluster-hop's bundle is built by `npm run bench -- cluster-hop`):
//   B=$(ls -d .cache/engine/build-* | tail -1)
//   node --cpu-prof --cpu-prof-dir=/tmp/d $B/cluster-hop.js --only distributed
//   node --cpu-prof --cpu-prof-dir=/tmp/l $B/cluster-hop.js --only local
//   node scripts/cpu-profile-diff.mjs modules $B/cluster-hop.js /tmp/l/<main>.cpuprofile /tmp/d/<main>.cpuprofile
// (each worker thread writes a profile of its own; the main thread's is the largest).
import fs from "node:fs";
import path from "node:path";

function load(file) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = profile.samples.map((id, i) => ({ node: byId.get(id), us: profile.timeDeltas[i] ?? 0 }));
  return { byId, parent, samples };
}

/** Self time in ms by `key(callFrame)`. */
function selfTimes(profile, key) {
  const out = new Map();
  for (const { node, us } of profile.samples) {
    const k = key(node.callFrame);
    out.set(k, (out.get(k) ?? 0) + us / 1000);
  }
  return out;
}

function printDiff(a, b, rows) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const lines = [...keys].map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0]).sort((x, y) => y[2] - y[1] - (x[2] - x[1]));
  console.log(`${"B−A".padStart(9)} ${"A".padStart(9)} ${"B".padStart(9)}  (ms)`);
  for (const [k, x, y] of lines.slice(0, rows)) console.log(`${(y - x).toFixed(1).padStart(9)} ${x.toFixed(1).padStart(9)} ${y.toFixed(1).padStart(9)}  ${k}`);
}

const functionKey = (cf) => `${cf.functionName || "(anonymous)"} ${path.basename(cf.url)}:${cf.lineNumber + 1}`;

/** Maps a bundle line to the source module esbuild marked before it ("// engine/core/session.ts"). */
function moduleKeyOf(bundle) {
  const marks = [];
  fs.readFileSync(bundle, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ((?:engine|processors|bench|node_modules)\/\S+)$/.exec(line);
      if (m) marks.push([i + 1, m[1].replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*/, "npm:$1")]);
    });
  const name = path.basename(bundle);
  return (cf) => {
    if (!cf.url) return cf.functionName;
    if (!cf.url.endsWith(name)) return `(${path.basename(cf.url)})`;
    let lo = 0;
    let hi = marks.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= cf.lineNumber + 1) {
        found = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function callers(profile, name, depth) {
  const label = (n) => `${n.callFrame.functionName || "(anonymous)"}:${n.callFrame.lineNumber + 1}`;
  const out = new Map();
  for (const { node, us } of profile.samples) {
    if (node.callFrame.functionName !== name) continue;
    const chain = [];
    for (let id = profile.parent.get(node.id); id !== undefined && chain.length < depth; id = profile.parent.get(id)) chain.push(label(profile.byId.get(id)));
    const k = chain.join(" < ");
    out.set(k, (out.get(k) ?? 0) + us / 1000);
  }
  for (const [k, ms] of [...out].sort((x, y) => y[1] - x[1]).slice(0, 20)) console.log(`${ms.toFixed(1).padStart(9)}  ${k}`);
}

const [command, ...args] = process.argv.slice(2);
if (command === "functions" && args.length >= 2) {
  printDiff(selfTimes(load(args[0]), functionKey), selfTimes(load(args[1]), functionKey), Number(args[2] ?? 40));
} else if (command === "modules" && args.length >= 3) {
  const key = moduleKeyOf(args[0]);
  printDiff(selfTimes(load(args[1]), key), selfTimes(load(args[2]), key), Number(args[3] ?? 40));
} else if (command === "callers" && args.length >= 2) {
  callers(load(args[0]), args[1], Number(args[2] ?? 4));
} else {
  process.stderr.write("usage: cpu-profile-diff.mjs functions A B [rows] | modules BUNDLE A B [rows] | callers PROFILE NAME [depth]\n");
  process.exit(2);
}
