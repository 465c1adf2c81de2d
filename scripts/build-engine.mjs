#!/usr/bin/env node
// Bundles the headless engine (the `sluice` CLI and the benchmarks) into plain JavaScript
// under .cache/engine/, so they run without the TypeScript loader. Why: loading the engine
// through tsx keeps every transformed module and its source map in memory (~85 MB of RSS) and
// compiles on every start. The bundle is rebuilt only when a source file is newer than it.
//
// Usage: node scripts/build-engine.mjs [--force]   (also used as a module: ensureEngineBuild())
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = path.join(root, ".cache", "engine");

const ENTRIES = [
  "engine/cli/sluice.ts",
  // The designer's local node: the client module it imports, and the worker thread's entry.
  "engine/api/local-node.ts",
  "engine/api/node-worker.ts",
  // The cluster coordinator, for the designer in cluster mode (SLUICE_REDIS_URL).
  "engine/cluster/coordinator.ts",
  "engine/repository/provenance/index-worker.ts",
  // RedisDistributedLink's payload writer thread (started beside whichever bundle uses it).
  "engine/cluster/payload-worker.ts",
  "bench/linear-5.ts",
  "bench/kafka-relay.ts",
  "bench/provenance.ts",
  "bench/el.ts",
  "bench/canvas-300.ts",
  "bench/ui-isolation.ts",
  "bench/cluster-status.ts",
  "bench/cluster-failover.ts",
  "bench/cluster-hop.ts",
];

// Native modules and packages that load files relative to themselves stay external.
const EXTERNAL = ["better-sqlite3", "kafkajs", "pino", "ioredis", "bullmq", "playwright-core", "esbuild", "tsx", "@prisma/*", "prisma"];

function newestMtime(dirs) {
  let newest = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|js|json)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return newest;
}

/**
 * Returns a directory holding a bundle built from the current sources, building it if needed.
 * Each build goes to its own directory (named after the newest source time) and appears by an
 * atomic rename, so processes starting at the same time never see a half-written bundle.
 */
export async function ensureEngineBuild({ force = false } = {}) {
  const sources = newestMtime(["engine", "processors", "bench", "scripts"].map((d) => path.join(root, d)));
  const OUT_DIR = path.join(CACHE, `build-${Math.floor(sources)}`);
  if (!force && fs.existsSync(path.join(OUT_DIR, ".built"))) return OUT_DIR;
  const tmp = path.join(CACHE, `tmp-${process.pid}-${Date.now()}`);
  await build({
    // Flat output, no code splitting: the provenance repository finds its worker files
    // ("./worker-entry.mjs", "./index-worker.js") next to whichever bundle it was built into.
    entryPoints: ENTRIES.filter((e) => fs.existsSync(path.join(root, e))).map((e) => ({ in: path.join(root, e), out: path.basename(e, ".ts") })),
    absWorkingDir: root,
    outdir: tmp,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    external: EXTERNAL,
    logLevel: "error",
    // Bundled CommonJS dependencies call require(); ESM output has none unless we provide it.
    banner: { js: "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);" },
  });
  // The provenance index worker is started through this small plain-JS entry beside it.
  fs.copyFileSync(path.join(root, "engine/repository/provenance/worker-entry.mjs"), path.join(tmp, "worker-entry.mjs"));
  fs.writeFileSync(path.join(tmp, ".built"), new Date().toISOString());
  if (force) fs.rmSync(OUT_DIR, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, OUT_DIR);
  } catch {
    // Another process published the same build first; use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Old builds are garbage once nothing has used them for a day.
  for (const d of fs.readdirSync(CACHE)) {
    const p = path.join(CACHE, d);
    if (p !== OUT_DIR && Date.now() - fs.statSync(p).mtimeMs > 86_400_000) fs.rmSync(p, { recursive: true, force: true });
  }
  return OUT_DIR;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await ensureEngineBuild({ force: process.argv.includes("--force") });
}
