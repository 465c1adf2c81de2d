// Redis helpers for integration tests: connections to the test Redis and per-run key prefixes,
// so tests from different runs (or engineers) sharing one Redis never see each other's keys.
import { Redis } from "ioredis";
import { uniqueId } from "./ids";
import { redisUrl } from "./services";

/**
 * A new ioredis connection to the test Redis. `maxRetriesPerRequest: null` is what BullMQ
 * requires of a Worker's connection (it throws otherwise) and is harmless for a Queue.
 * The caller owns it and must `quit()` it.
 */
export function testRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}

/** A BullMQ `prefix` unique to this run, e.g. "sluice-test-lx2k3-9f1c0a2b". */
export function uniqueBullPrefix(name = "sluice-test"): string {
  return uniqueId(name);
}

/**
 * Deletes every key under `prefix:` (BullMQ names keys `<prefix>:<queue>:...`).
 * Uses SCAN, never KEYS, so it does not block a shared Redis. Resolves with the number removed.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!prefix || /[*?[\]]/.test(prefix)) throw new Error(`refusing to delete keys for prefix "${prefix}"`);
  let removed = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== "0");
  return removed;
}
