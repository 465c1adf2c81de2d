/**
 * Release signals shared by Wait and Notify, stored in the engine's DistributedCache.
 *
 * The cache offers putIfAbsent/get/put/remove but no atomic read-modify-write, so updates take
 * a short lock (`<key>.lock`, putIfAbsent with a TTL so a crashed holder cannot block forever)
 * around get → change → put. Atomic across nodes as far as putIfAbsent is.
 */
import { randomUUID } from "node:crypto";
import { ProcessException, type DistributedCache } from "../../engine/sdk";

/** A release signal: counters by name, attributes cached by Notify, releases not yet used. */
export interface Signal {
  counts: Record<string, number>;
  attributes: Record<string, string>;
  releasable: number;
}

export const SIGNAL_PREFIX = "sluice.signal.";
const LOCK_TTL_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

export function emptySignal(): Signal {
  return { counts: {}, attributes: {}, releasable: 0 };
}

function parse(text: string | null): Signal | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<Signal>;
    return { counts: v.counts ?? {}, attributes: v.attributes ?? {}, releasable: v.releasable ?? 0 };
  } catch {
    return null;
  }
}

export function totalCount(s: Signal): number {
  return Object.values(s.counts).reduce((a, b) => a + b, 0);
}

/**
 * Reads the signal `id`, lets `update` change it (or return null to delete it), and writes it
 * back under the lock. Throws ProcessException when the lock stays taken (the framework then
 * rolls the session back and retries later).
 */
export async function updateSignal<T>(
  cache: DistributedCache,
  id: string,
  update: (current: Signal | null) => { signal: Signal | null; result: T },
): Promise<T> {
  const key = SIGNAL_PREFIX + id;
  const lock = `${key}.lock`;
  const token = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  let delay = 1;
  while (!(await cache.putIfAbsent(lock, token, LOCK_TTL_MS))) {
    if (Date.now() > deadline) throw new ProcessException(`could not lock release signal "${id}" within ${LOCK_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
  try {
    const { signal, result } = update(parse(await cache.get(key)));
    if (signal === null) await cache.remove(key);
    else await cache.put(key, JSON.stringify(signal));
    return result;
  } finally {
    // Only release our own lock (it may have expired and been taken by someone else).
    if ((await cache.get(lock)) === token) await cache.remove(lock);
  }
}
