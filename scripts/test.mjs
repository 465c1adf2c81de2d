#!/usr/bin/env node
// The one test command: prepare, lint (with import boundaries), typecheck, then the three
// tiers (unit, integration against real Redis + Kafka, e2e in real Chromium).
// Ends with each failed test named on a line of its own, then one line "Tests: N passed,
// M failed" summed over every tier.
// Usage: node scripts/test.mjs [unit|integration|e2e ...]
//
// Interruption: SIGINT or SIGTERM to this script is passed on to the step running (each signal
// once per step; a Ctrl-C in a terminal reaches the step directly as well). The script waits for
// that step to end, runs no further step and exits 128 + signal number. The e2e tier's app
// servers end with the vitest process however it ends (test/e2e/server-guard.mjs).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { constants } from "node:os";
import { removeRunTmpDir, runTmpDir } from "./run-tmp.mjs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);
const all = ["unit", "integration", "e2e"];
const tiers = process.argv.slice(2).filter((a) => all.includes(a));
const selected = tiers.length ? tiers : all;
const full = tiers.length === 0;

/** The step running now, and the signals already passed on to it. */
let current = null;
let interrupted = null;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted ??= signal;
    if (!current) process.exit(128 + constants.signals[signal]);
    if (current.forwarded.has(signal)) return;
    current.forwarded.add(signal);
    current.child.kill(signal);
  });
}

/** Runs one step with inherited stdio; resolves true when it exits 0. Stops here once interrupted. */
async function run(label, cmd, args, opts = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(" ")}`);
  const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...opts.env } });
  current = { child, forwarded: new Set() };
  const code = await new Promise((resolve) => {
    child.once("error", (err) => {
      console.error(`${label}: ${err.message}`);
      resolve(1);
    });
    child.once("exit", (status) => resolve(status));
  });
  current = null;
  if (interrupted) {
    console.log(`\nInterrupted (${interrupted}) during: ${label}`);
    process.exit(128 + constants.signals[interrupted]);
  }
  return code === 0;
}
const bin = (name) => path.join(root, "node_modules", ".bin", name);

let passed = 0;
let failed = 0;
const problems = [];
/** Each failed test, "tier: file > name: first line of the message". */
const failures = [];

if (!(await run("install check", "node", ["scripts/setup.mjs", "--generate-only"]))) {
  problems.push("setup");
}
if (full) {
  if (!(await run("lint", bin("eslint"), ["."]))) problems.push("lint");
  if (!(await run("typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]))) problems.push("typecheck");
}
if (selected.includes("integration")) {
  if (!(await run("services", "bash", ["scripts/services.sh", "start"]))) problems.push("services");
}
if (selected.includes("e2e")) {
  if (!(await run("build app", bin("next"), ["build"]))) problems.push("next build");
}

mkdirSync("test-results", { recursive: true });
for (const tier of selected) {
  const out = path.join("test-results", `${tier}.json`);
  rmSync(out, { force: true });
  // The tier's processes make their temp dirs (data dirs, test servers' dirs, Chromium's
  // profile) under one dir of its own, removed when the tier ends, or by the next run when this
  // one was killed. Why: many tests leave theirs, and vitest kills its forks, so each run left
  // dozens of dirs in the system's temp dir.
  const tmp = runTmpDir(`sluice-test-${tier}-`);
  await run(`tests (${tier})`, bin("vitest"), ["run", "--project", tier, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], { env: { TMPDIR: tmp } });
  const left = removeRunTmpDir(tmp);
  if (left !== null) console.log(`could not remove ${tmp}: ${left}`);
  if (!existsSync(out)) {
    problems.push(`${tier}: no results`);
    failed += 1;
    continue;
  }
  const res = JSON.parse(readFileSync(out, "utf8"));
  passed += res.numPassedTests;
  failed += res.numFailedTests;
  // A file that fails to load has no tests but is a failure all the same.
  const broken = res.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0);
  for (const f of broken) problems.push(`${tier}: ${path.relative(root, f.name)} failed to run: ${(f.message || "").split("\n")[0]}`);
  failed += broken.length;
  // Named again at the very end, because CI keeps only the tail of a long log.
  for (const f of res.testResults) {
    for (const a of f.assertionResults) {
      if (a.status !== "failed") continue;
      const why = (a.failureMessages?.[0] ?? "").split("\n")[0].slice(0, 300);
      failures.push(`${tier}: ${path.relative(root, f.name)} > ${a.fullName || a.title}: ${why}`);
    }
  }
  if (res.numTotalTests === 0) problems.push(`${tier}: no tests ran`);
}

console.log("");
for (const f of failures) console.log(`failed: ${f}`);
for (const p of problems) console.log(`problem: ${p}`);
const ok = failed === 0 && problems.length === 0;
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
