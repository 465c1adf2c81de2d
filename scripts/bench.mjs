#!/usr/bin/env node
// `npm run bench -- <name> [options]`: builds the engine bundle if sources changed, then runs
// bench/<name> from it in a fresh Node process. Each benchmark prints one result line.
// Node flags: a 32 MB semi-space keeps FlowFiles that wait in queues from being promoted to the
// old generation as often (fewer full collections), without raising peak RSS much.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureEngineBuild } from "./build-engine.mjs";

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
// the system's temp dir, up to gigabytes for cluster-failover. The dir names this process; one
// whose process is gone (this script was killed too) is removed by the next run.
const PREFIX = "sluice-bench-run-";
for (const name of fs.readdirSync(os.tmpdir())) {
  const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split("-")[0] : NaN);
  if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
  try {
    fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  } catch {
    // Not ours to remove (another user's): left alone, the bench runs all the same.
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
const r = spawnSync(process.execPath, ["--max-semi-space-size=32", "--enable-source-maps", file, ...args], { stdio: "inherit", env: { ...process.env, TMPDIR: tmp } });
fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
process.exit(r.status ?? 1);

/** Whether a process `pid` exists (EPERM: it does, someone else's). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}
