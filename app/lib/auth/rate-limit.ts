/**
 * Failed sign-in limits (rate-limiter-flexible, in this process's memory):
 * - per username: LOGIN_FAILURES_PER_USER failed attempts in 15 minutes, then 429 for the rest
 *   of the window; a successful sign-in clears the count;
 * - per client address: LOGIN_FAILURES_PER_ADDRESS failed attempts in an hour.
 *
 * Every attempt takes a point before the password is checked (so a burst of parallel attempts
 * cannot overrun the limit) and a successful one gives its points back.
 *
 * The client address is the X-Forwarded-For that `next start` sets from the socket, unless the
 * client sent one itself: without a reverse proxy in front that rewrites the header, the
 * per-address limit is best effort; the per-username limit holds regardless.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

export const LOGIN_FAILURES_PER_USER = 10;
export const LOGIN_FAILURES_PER_ADDRESS = 100;

interface Limiters {
  user: RateLimiterMemory;
  address: RateLimiterMemory;
}

// One set per process (route bundles each load this module).
const holder = globalThis as typeof globalThis & { sluiceLoginLimiters?: Limiters };

function limiters(): Limiters {
  holder.sluiceLoginLimiters ??= {
    user: new RateLimiterMemory({ keyPrefix: "login-user", points: LOGIN_FAILURES_PER_USER, duration: 15 * 60 }),
    address: new RateLimiterMemory({ keyPrefix: "login-address", points: LOGIN_FAILURES_PER_ADDRESS, duration: 60 * 60 }),
  };
  return holder.sluiceLoginLimiters;
}

/** The client address used as the per-address key. */
export function clientAddress(req: Request): string {
  const forwarded = req.headers.get("x-forwarded-for");
  return forwarded?.split(",").at(-1)?.trim() || "unknown";
}

/** An attempt under way: settle it with `succeeded()` or leave the points taken. */
export interface Attempt {
  succeeded(): Promise<void>;
}

/**
 * Takes a point from both limits for one attempt. Resolves the attempt, or the seconds to wait
 * when either limit is used up.
 */
export async function beginAttempt(username: string, address: string): Promise<Attempt | { retryAfterSeconds: number }> {
  const { user, address: byAddress } = limiters();
  const userKey = username.toLowerCase();
  const taken: Array<[RateLimiterMemory, string]> = [];
  try {
    await user.consume(userKey);
    taken.push([user, userKey]);
    await byAddress.consume(address);
    taken.push([byAddress, address]);
  } catch (e) {
    for (const [l, k] of taken) await l.reward(k, 1);
    if (e instanceof RateLimiterRes) return { retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
    throw e;
  }
  return {
    async succeeded() {
      await user.delete(userKey);
      await byAddress.reward(address, 1);
    },
  };
}
