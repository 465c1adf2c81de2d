/**
 * A thread's CPU priority, for Sluice's background threads (the provenance index, the handover
 * thread): the engine's thread runs the flow, and on a machine with few cores every other
 * thread of the node that wakes up takes turns with it on its core.
 *
 * Contract: `lowerThisThreadPriority(nice)` gives the calling thread (only it, not the process)
 * the nice value `nice` (0-19; higher is lower priority) and returns its thread id, or null
 * where that cannot be done (not Linux, no /proc, not permitted): the thread then keeps its
 * priority and nothing else changes. Raising a thread's nice value needs no privilege.
 */
import fs from "node:fs";
import os from "node:os";

export function lowerThisThreadPriority(nice: number): number | null {
  try {
    // Linux: /proc/thread-self is a link to /proc/<pid>/task/<tid>. setpriority() on a thread id
    // sets that thread's nice value alone (a Linux property; POSIX would say the process).
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    os.setPriority(tid, nice);
    return tid;
  } catch {
    return null;
  }
}

/** The nice value of thread `tid` of this process (Linux, from /proc; null elsewhere). */
export function threadNice(tid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces, inside parentheses): state is the
    // 3rd field of the line, nice the 19th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const nice = Number(fields[16]);
    return Number.isInteger(nice) ? nice : null;
  } catch {
    return null;
  }
}
