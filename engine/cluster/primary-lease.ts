/**
 * The primary node: whoever holds the lease key `<c>:cluster:primary` (NiFi's primary node, held
 * by a Redis lease instead of a ZooKeeper election).
 *
 * - Taking it: when no lease exists, INCR a counter (the new lease's fencing token, larger than
 *   every earlier one), then `SET <id>|<token>|<mac> NX PX LEASE_TTL_MS`. The MAC, with the
 *   cluster key, lets members tell a lease set by a process without the secret, which they
 *   delete.
 * - Keeping it: every RENEW_MS the holder extends the TTL, only if the value is still its own.
 * - Losing it: when the value is another's, or when no renewal has succeeded for
 *   LEASE_TTL_MS - STOP_MARGIN_MS (Redis unreachable, the process stalled), the node steps down
 *   on its own clock, so its primary-only processors stop before anyone else can take the lease.
 *   Why measured from when the last successful renewal was *sent*: the TTL started no earlier.
 * - Two holders at once cannot both pass a fenced write: writes that need the primary compare
 *   the lease value in Redis (primary-state.ts), so a stale holder's write is refused.
 */
import type { Redis } from "ioredis";
import type { ClusterKeys } from "./keys";
import type { ClusterKey } from "./seal";

export const LEASE_TTL_MS = 10_000;
export const RENEW_MS = 3_000;
/** Time left for stopping primary-only processors before the TTL runs out. */
const STOP_MARGIN_MS = 3_000;

/** KEYS: lease. ARGV: expected value, TTL. 1 when renewed. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: lease. ARGV: expected value. Deletes it only if it is that value. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Who holds a lease value, if it was set by a member (its MAC checks out). */
export function parseLease(key: ClusterKey, value: string | null): { id: string; token: number } | null {
  if (!value) return null;
  const parts = value.split("|");
  if (parts.length !== 3) return null;
  const [id, token, mac] = parts as [string, string, string];
  if (!key.verify(`lease|${id}|${token}`, mac)) return null;
  return { id, token: Number(token) };
}

/** The primary node's id, or null. */
export async function readPrimary(redis: Redis, keys: ClusterKeys, key: ClusterKey): Promise<string | null> {
  return parseLease(key, await redis.get(keys.primary))?.id ?? null;
}

export interface PrimaryLeaseOptions {
  redis: Redis;
  keys: ClusterKeys;
  key: ClusterKey;
  /** This node's id. */
  id: string;
  log: (line: string) => void;
  /** Called (one call at a time, in order) when the node becomes primary or stops being it. */
  onChange: (primary: boolean) => Promise<void>;
}

/** A node's side of the lease; see the module comment. */
export class PrimaryLease {
  private value: string | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private changes: Promise<void> = Promise.resolve();
  private ticking = false;
  private paused = false;

  constructor(private readonly o: PrimaryLeaseOptions) {}

  /** The fencing token while this node holds the lease. */
  get token(): number | null {
    return this.value ? Number(this.value.split("|")[1]) : null;
  }

  /** The lease value while held (fenced writes compare it). */
  get current(): string | null {
    return this.value;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), RENEW_MS);
    this.watchdog = setInterval(() => this.check(), 250);
    void this.tick();
  }

  /** A paused node (decommissioned) gives the lease up and does not take it. */
  async pause(paused: boolean): Promise<void> {
    this.paused = paused;
    if (paused) await this.release();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.value) await this.renew();
      else if (!this.paused) await this.acquire();
    } catch {
      // Redis unreachable: RedisLink logged it; the watchdog steps down if it lasts.
    } finally {
      this.ticking = false;
    }
  }

  private async acquire(): Promise<void> {
    const { redis, keys, key, id } = this.o;
    const existing = await redis.get(keys.primary);
    if (existing) {
      if (parseLease(key, existing)) return;
      this.o.log(`the primary lease was set by a process without the cluster secret; deleting it`);
      await redis.eval(RELEASE, 1, keys.primary, existing);
    }
    const token = await redis.incr(keys.primaryToken);
    const value = `${id}|${token}|${key.mac(`lease|${id}|${token}`)}`;
    const sent = Date.now();
    const ok = await redis.set(keys.primary, value, "PX", LEASE_TTL_MS, "NX");
    if (ok !== "OK") return;
    this.value = value;
    this.validUntil = sent + LEASE_TTL_MS;
    this.o.log(`this node is now the primary (fencing token ${token})`);
    this.change(true);
  }

  private async renew(): Promise<void> {
    const value = this.value!;
    const sent = Date.now();
    const renewed = Number(await this.o.redis.eval(RENEW, 1, this.o.keys.primary, value, String(LEASE_TTL_MS)));
    if (this.value !== value) return;
    if (renewed === 1) this.validUntil = sent + LEASE_TTL_MS;
    else this.stepDown("another node holds the primary lease");
  }

  /** Steps down when the lease may run out before the next renewal could save it. */
  private check(): void {
    if (this.value && Date.now() > this.validUntil - STOP_MARGIN_MS) this.stepDown("the lease could not be renewed in time");
  }

  private stepDown(why: string): void {
    if (!this.value) return;
    this.value = null;
    this.o.log(`this node is no longer the primary: ${why}`);
    this.change(false);
  }

  private change(primary: boolean): void {
    this.changes = this.changes.then(() => this.o.onChange(primary)).catch((e: unknown) => this.o.log(`could not switch primary-only processors: ${e instanceof Error ? e.message : String(e)}`));
  }

  /**
   * Gives the lease up (if held). The node steps down while still holding it, so the last
   * state of its primary-only processors is saved (fenced writes pass) before the next primary
   * can start them; renewals go on meanwhile.
   */
  private async release(): Promise<void> {
    const value = this.value;
    if (!value) return;
    this.o.log("giving the primary lease up");
    this.change(false);
    await this.changes;
    if (this.value !== value) return;
    this.value = null;
    await this.o.redis.eval(RELEASE, 1, this.o.keys.primary, value).catch(() => {});
  }

  /** Stops renewing and releases the lease, so another node takes over at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    await this.release();
    await this.changes;
  }
}
