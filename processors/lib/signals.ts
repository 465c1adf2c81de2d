/**
 * Release signals shared by Wait and Notify, stored in the engine's DistributedCache.
 *
 * Updates are optimistic, as NiFi's WaitNotifyProtocol does with `replace` and a revision:
 * read the signal, change it, and write it back with the cache's compare-and-set; when another
 * Wait or Notify (on any node) changed it in between, start over. No lock, so a paused or
 * crashed updater cannot block the others or have its update overwritten.
 */
import { ProcessException, type DistributedCache } from "../../engine/sdk";

/** A release signal: counters by name, attributes cached by Notify, releases not yet used. */
export interface Signal {
  counts: Record<string, number>;
  attributes: Record<string, string>;
  releasable: number;
}

export const SIGNAL_PREFIX = "sluice.signal.";
/** How long an update keeps retrying against concurrent updates before giving up. */
const UPDATE_DEADLINE_MS = 5_000;

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
 * back if nobody changed it meanwhile, else runs `update` again on the newer value. Throws
 * ProcessException when concurrent updates keep winning for UPDATE_DEADLINE_MS (the framework
 * then rolls the session back and retries later).
 */
export async function updateSignal<T>(
  cache: DistributedCache,
  id: string,
  update: (current: Signal | null) => { signal: Signal | null; result: T },
): Promise<T> {
  const key = SIGNAL_PREFIX + id;
  const deadline = Date.now() + UPDATE_DEADLINE_MS;
  let delay = 1;
  for (;;) {
    const text = await cache.get(key);
    const { signal, result } = update(parse(text));
    const next = signal === null ? null : JSON.stringify(signal);
    if (next === text || (await cache.replace(key, text, next))) return result;
    if (Date.now() > deadline) throw new ProcessException(`release signal "${id}" kept changing under concurrent updates for ${UPDATE_DEADLINE_MS} ms`);
    // Back off a little (with jitter) so that many updaters of one hot signal do not collide in step.
    await new Promise((r) => setTimeout(r, Math.random() * delay));
    delay = Math.min(delay * 2, 50);
  }
}
