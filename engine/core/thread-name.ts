/**
 * Names the calling thread for the operating system (Linux: /proc/thread-self/comm, at most 15
 * bytes), so that `top -H`, `ps -L` and /proc/<pid>/task/<tid>/comm tell Sluice's threads apart
 * (every thread of a Node process is "node" otherwise). Best effort: on another system, or
 * where /proc is not mounted, it does nothing.
 */
import fs from "node:fs";

export function nameThisThread(name: string): void {
  try {
    fs.writeFileSync("/proc/thread-self/comm", name.slice(0, 15));
  } catch {
    // Not Linux, or no /proc: the thread keeps its name.
  }
}
