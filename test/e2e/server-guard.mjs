// The e2e tier's server guard: runs one command (the app server) and makes sure it does not
// outlive the test process that started it, however that process ends: its teardown, SIGINT,
// SIGTERM, a crash, or SIGKILL (where no code of the test process runs at all).
//
// Usage: node test/e2e/server-guard.mjs <executable> [args...]
//
// Contract:
// - Start the guard in its own process group (detached) with stdin a pipe from the test
//   process. The command runs in the guard's group, so one signal to the group
//   (process.kill(-guardPid, sig)) reaches the guard, the command and whatever the command forks.
// - The test process counts as gone when the guard's stdin ends (the kernel closes the pipe when
//   its writer dies, SIGKILL included) or when the guard's parent pid changes. The guard then
//   sends SIGTERM to its group, and SIGKILL KILL_AFTER_MS later if anything is still there.
// - SIGINT and SIGTERM sent to the guard go on to the command (with the same SIGKILL deadline).
// - The guard exits when the command does, with its exit code (128 + signal number for a signal).
//   After its parent is gone it instead ends the whole group with SIGKILL, so nothing the
//   command forked and left behind survives either.
import { spawn } from "node:child_process";
import { fstatSync } from "node:fs";
import { constants } from "node:os";

const KILL_AFTER_MS = 5_000;
const PARENT_POLL_MS = 250;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write("usage: node server-guard.mjs <executable> [args...]\n");
  process.exit(2);
}

const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
let stopping = false;
let parentLeft = false;

/** Signals the guard's whole process group, itself included. */
function signalGroup(signal) {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // nothing left to signal
  }
}

function armKill() {
  setTimeout(() => signalGroup("SIGKILL"), KILL_AFTER_MS);
}

function parentGone() {
  if (stopping) return;
  stopping = true;
  parentLeft = true;
  signalGroup("SIGTERM");
  armKill();
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
    armKill();
  });
}

child.on("error", (err) => {
  process.stderr.write(`server-guard: cannot start ${command}: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (parentLeft) signalGroup("SIGKILL");
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});

const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on("data", () => undefined);
  process.stdin.on("end", parentGone);
  process.stdin.on("close", parentGone);
  process.stdin.on("error", parentGone);
  process.stdin.resume();
}
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) parentGone();
}, PARENT_POLL_MS).unref();
