/**
 * RedisDistributedCache: the engine's DistributedCache on Redis, so DetectDuplicate, Wait and
 * Notify see the same entries on every node of a cluster.
 *
 * Each operation is one Redis command: `putIfAbsent` is `SET key value NX [PX ttl]`, which Redis
 * executes atomically, so exactly one of any number of concurrent callers (on any node) wins.
 * TTLs are enforced by Redis (millisecond precision). Keys are namespaced under `prefix`.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { DistributedCache } from "../sdk";

export interface RedisCacheOptions {
  /** Namespace for every key. @default "sluice:cache:" */
  readonly prefix?: string;
}

export class RedisDistributedCache implements DistributedCache {
  private readonly prefix: string;

  /** Uses `redis` (the caller keeps ownership and closes it) or a connection it owns (`close`). */
  constructor(
    private readonly redis: Redis,
    opts: RedisCacheOptions = {},
    private readonly owned = false,
  ) {
    this.prefix = opts.prefix ?? "sluice:cache:";
  }

  /** Opens its own connection to `url` (e.g. redis://127.0.0.1:6379); `close()` ends it. */
  static connect(url: string, opts: RedisCacheOptions & { redis?: RedisOptions } = {}): RedisDistributedCache {
    return new RedisDistributedCache(new Redis(url, { maxRetriesPerRequest: 3, ...opts.redis }), opts, true);
  }

  async putIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.prefix + key;
    const res = ttlMs && ttlMs > 0 ? await this.redis.set(k, value, "PX", Math.ceil(ttlMs), "NX") : await this.redis.set(k, value, "NX");
    return res === "OK";
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async put(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.prefix + key;
    if (ttlMs && ttlMs > 0) await this.redis.set(k, value, "PX", Math.ceil(ttlMs));
    else await this.redis.set(k, value);
  }

  async remove(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  /** Closes the connection if this cache opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}
