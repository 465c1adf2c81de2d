#!/usr/bin/env node
// `npm run bench -- <name> [options]`: builds the engine bundle if sources changed, then runs
// bench/<name> from it in a fresh Node process. Each benchmark prints one result line.
// Node flags: a 32 MB semi-space keeps FlowFiles that wait in queues from being promoted to the
// old generation as often (fewer full collections), without raising peak RSS much.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureEngineBuild } from "./build-engine.mjs";
import { removeRunTmpDir, runTmpDir } from "./run-tmp.mjs";

const NAMES = ["linear-5", "kafka-relay", "canvas-300", "ui-isolation", "provenance", "el", "cluster-status", "cluster-failover", "cluster-hop"];
const [name, ...args] = process.argv.slice(2);
if (!name || !NAMES.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${NAMES.join("|")}> [options]\n`);
  process.exit(2);
}
const out = await ensureEngineBuild();
const file = path.join(out, `${name}.js`);
if (!fs.existsSync(file)) {
  process.stderr.write(`bench: ${name} is not built (is bench/${name}.ts missing?)\n`);
  process.exit(2);
}
// The bench's temp dirs (data dirs, shared content, its nodes' dirs) go under one dir of its
// own, removed when it ends. Why: a bench killed mid-run (Ctrl-C, a timeout) left its dirs in
// the system's temp dir, up to gigabytes for cluster-failover; the next run removes those.
const tmp = runTmpDir("sluice-bench-run-");
const r = spawnSync(process.execPath, ["--max-semi-space-size=32", "--enable-source-maps", file, ...args], { stdio: "inherit", env: { ...process.env, TMPDIR: tmp } });
const left = removeRunTmpDir(tmp);
if (left !== null) process.stderr.write(`bench: could not remove ${tmp}: ${left}\n`);
process.exit(r.status ?? 1);
