import fs from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { threadNice } from "../../../engine/core/thread-priority";

const linux = fs.existsSync("/proc/thread-self");

/** Runs lowerThisThreadPriority(nice) in a thread of its own; resolves with what it returned. */
function inThread(nice: number): Promise<number | null> {
  const module = new URL("../../../engine/core/thread-priority.ts", import.meta.url).href;
  const code = `
    const { parentPort } = require("node:worker_threads");
    (async () => {
      const { register } = await import("tsx/esm/api");
      register();
      const m = await import(${JSON.stringify(module)});
      parentPort.postMessage(m.lowerThisThreadPriority(${nice}));
      // Stay alive until told, so the thread's entry in /proc can be read.
      parentPort.once("message", () => process.exit(0));
    })();`;
  const worker = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once("message", (tid: number | null) => {
      resolve(tid);
      // Read before the thread ends: the caller checks /proc, then the thread is let go.
      setTimeout(() => worker.postMessage("exit"), 200).unref();
    });
    worker.once("error", reject);
  });
}

describe.runIf(linux)("lowerThisThreadPriority", () => {
  it("lowers the calling thread's priority only, not the process's", async () => {
    const self = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    const before = threadNice(self);
    expect(before).not.toBeNull();
    const tid = await inThread(Math.min(19, before! + 7));
    expect(tid).not.toBeNull();
    expect(tid).not.toBe(self);
    expect(threadNice(tid!)).toBe(Math.min(19, before! + 7));
    expect(threadNice(self)).toBe(before);
  });

  it("reads no nice value for a thread that is not this process's", () => {
    expect(threadNice(2 ** 22 + 12345)).toBeNull();
  });
});
