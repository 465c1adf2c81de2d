/**
 * A node that takes batches of one distributed connection and dies on a poison one: a process
 * of its own with a RedisDistributedLink consuming `ref`, for tests of what a crash does to the
 * batches the node held. Run with the TypeScript loader:
 *
 *   node --import tsx test/integration/helpers/crashing-consumer.ts '<Options as JSON>'
 *
 * Each batch it is given is "processed" for `holdMs` and settled done, except one holding a
 * FlowFile with the attribute poison=yes: `crashAfterMs` after taking it (and once it has taken
 * `crashWhenHolding` batches in all, so a test can have it die with others in hand), the process
 * kills itself with SIGKILL (as a processor that brings its node down would), settling nothing.
 * Stdout: "ready" once consuming, then "took <batch id>" and "done <batch id>" lines.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DistributedConnectionRef } from "../../../engine/queue/distributed-queue";
import { RedisDistributedLink } from "../../../engine/cluster/distributed";
import { ClusterKeys } from "../../../engine/cluster/keys";
import { RedisLink } from "../../../engine/cluster/redis-link";
import { ClusterKey } from "../../../engine/cluster/seal";

interface Options {
  url: string;
  cluster: string;
  secret: string;
  nodeId: string;
  ref: DistributedConnectionRef;
  holdMs: number;
  crashAfterMs: number;
  crashWhenHolding: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

const o = JSON.parse(process.argv[2] ?? "{}") as Options;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const redis = new RedisLink(o.url, log);
await redis.ready();
const link = new RedisDistributedLink({
  link: redis,
  keys: new ClusterKeys(o.cluster),
  key: new ClusterKey(o.secret),
  nodeId: o.nodeId,
  sharedContentDir: null,
  lockDurationMs: o.lockDurationMs,
  stalledIntervalMs: o.stalledIntervalMs,
  log,
});
let taken = 0;
let poisoned = false;
const crashWhenDue = (): void => {
  if (poisoned && taken >= o.crashWhenHolding) setTimeout(() => process.kill(process.pid, "SIGKILL"), o.crashAfterMs);
};
link.consume(o.ref, async (batch) => {
  process.stdout.write(`took ${batch.id}\n`);
  taken++;
  if (batch.flowFiles.some((ff) => ff.attributes.poison === "yes")) {
    poisoned = true;
    crashWhenDue();
    return new Promise<never>(() => {});
  }
  crashWhenDue();
  await sleep(o.holdMs);
  process.stdout.write(`done ${batch.id}\n`);
  return "done";
});
process.stdout.write("ready\n");
