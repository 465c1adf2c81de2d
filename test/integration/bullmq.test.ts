// A BullMQ job round trip through the real Redis (scripts/services.sh): what cluster mode's
// deploy commands and load-balanced connections will rely on. Each run uses its own key
// prefix and removes it at the end, so runs sharing one Redis never see each other's jobs.
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, testRedis, uniqueBullPrefix } from "./helpers/redis";
import { withTimeout } from "./helpers/timeout";

interface SumJob {
  numbers: number[];
  fail?: boolean;
}
interface SumResult {
  sum: number;
  count: number;
}

describe("bullmq round trip", () => {
  const prefix = uniqueBullPrefix("sluice-bullmq");
  const queueName = "sums";
  const connections: Redis[] = [];
  let queue: Queue<SumJob, SumResult>;
  let worker: Worker<SumJob, SumResult>;
  // One deferred per job id, created by whichever comes first: the test waiting or the worker
  // settling the job, so a job that finishes before the test starts waiting is not missed.
  const settled = new Map<string, { promise: Promise<Job<SumJob, SumResult>>; resolve: (job: Job<SumJob, SumResult>) => void }>();
  function deferred(id: string) {
    let entry = settled.get(id);
    if (!entry) {
      let resolve!: (job: Job<SumJob, SumResult>) => void;
      const promise = new Promise<Job<SumJob, SumResult>>((r) => (resolve = r));
      entry = { promise, resolve };
      settled.set(id, entry);
    }
    return entry;
  }

  /** Resolves when the worker has completed or failed the job with this id. */
  function settledJob(id: string): Promise<Job<SumJob, SumResult>> {
    return withTimeout(deferred(id).promise, 20_000, `job ${id}`);
  }

  beforeAll(async () => {
    const connection = () => {
      const c = testRedis();
      connections.push(c);
      return c;
    };
    queue = new Queue<SumJob, SumResult>(queueName, { connection: connection(), prefix });
    worker = new Worker<SumJob, SumResult>(
      queueName,
      async (job) => {
        if (job.data.fail) throw new Error(`cannot sum ${job.data.numbers.length} numbers on purpose`);
        return { sum: job.data.numbers.reduce((a, b) => a + b, 0), count: job.data.numbers.length };
      },
      { connection: connection(), prefix, concurrency: 1 },
    );
    const notify = (job: Job<SumJob, SumResult> | undefined) => {
      if (job?.id) deferred(job.id).resolve(job);
    };
    worker.on("completed", notify);
    worker.on("failed", notify);
    await worker.waitUntilReady();
  });

  afterAll(async () => {
    // worker.close() waits for active jobs with no limit of its own.
    await withTimeout(worker.close(), 10_000, "worker.close()").catch(async (err) => {
      console.warn(String(err), "- forcing");
      await worker.close(true);
    });
    await withTimeout(queue.close(), 10_000, "queue.close()");
    const cleaner = testRedis();
    try {
      await deleteKeysWithPrefix(cleaner, prefix);
      expect(await cleaner.scan("0", "MATCH", `${prefix}:*`, "COUNT", 1000)).toEqual(["0", []]);
    } finally {
      await cleaner.quit();
      await Promise.all(connections.map((c) => c.quit().catch(() => {})));
    }
  });

  it("runs a job and stores the worker's result with the job", async () => {
    const added = await queue.add("sum", { numbers: [1, 2, 3, 4, 5] });
    expect(added.id).toBeTruthy();
    await settledJob(added.id!);

    // Read it back from Redis rather than trusting the worker's in-memory copy.
    const job = await queue.getJob(added.id!);
    expect(job).toBeDefined();
    expect(await job!.getState()).toBe("completed");
    expect(job!.data).toEqual({ numbers: [1, 2, 3, 4, 5] });
    expect(job!.returnvalue).toEqual({ sum: 15, count: 5 });
    expect(job!.attemptsMade).toBe(1);
  });

  it("moves a throwing job to failed with its error message", async () => {
    const added = await queue.add("sum", { numbers: [7, 8], fail: true }, { attempts: 1 });
    await settledJob(added.id!);

    const job = await queue.getJob(added.id!);
    expect(await job!.getState()).toBe("failed");
    expect(job!.failedReason).toBe("cannot sum 2 numbers on purpose");
    expect(job!.returnvalue).toBeNull();
    const failed = await queue.getFailed();
    expect(failed.map((j) => j.id)).toContain(added.id);
  });
});
