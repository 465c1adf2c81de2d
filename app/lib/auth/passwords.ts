/**
 * Password hashing: argon2id (memory-hard) through @node-rs/argon2, with OWASP's parameters
 * (19 MiB, 2 passes, 1 lane) and a random 16-byte salt per hash, stored as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$...`). Hashing runs on libuv's thread pool, off the event loop.
 */
import { hash, verify } from "@node-rs/argon2";

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Longest password accepted anywhere (a bound on hashing work per request). */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password a user may choose through the API. */
export const MIN_PASSWORD_LENGTH = 12;

/** The argon2id PHC string of `password`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. With `stored` undefined (no such user) it still does the
 * same work against a dummy hash and answers false, so the time taken does not tell an attacker
 * whether a username exists. A malformed stored hash answers false.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  dummy ??= hashPassword("sluice-dummy-password");
  const target = stored ?? (await dummy);
  try {
    const ok = await verify(target, password);
    return stored !== undefined && ok;
  } catch {
    return false;
  }
}
