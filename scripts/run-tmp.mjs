// Temp dirs of one run of a script (the test command, a benchmark): every process the run
// starts gets TMPDIR set to a dir of the run's own, removed when the run ends. A run that was
// killed (Ctrl-C, a CI timeout) cannot remove its dir; the dir names the run's pid, and the next
// run with the same prefix removes the dirs of runs whose process is gone.
//
// Contract: runTmpDir(prefix) sweeps the dead runs' dirs of `prefix` (a dir it may not remove,
// another user's, is left alone) and returns a new dir `<tmp>/<prefix><pid>-XXXXXX` of this
// process; removeRunTmpDir(dir) removes it, returning the error message instead of throwing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function runTmpDir(prefix) {
  sweepDeadRuns(prefix);
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
}

export function removeRunTmpDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    return null;
  } catch (e) {
    return e.message;
  }
}

/** Removes `<tmp>/<prefix><pid>-*` of every pid that is not running. */
function sweepDeadRuns(prefix) {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.startsWith(prefix) ? name.slice(prefix.length).split("-")[0] : NaN);
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Not ours to remove (another user's): left alone.
    }
  }
}

/** Whether a process `pid` exists (EPERM: it does, someone else's). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}
