/**
 * RedisDistributedCache: the engine's DistributedCache on Redis, so DetectDuplicate, Wait and
 * Notify see the same entries on every node of a cluster.
 *
 * Each operation is one Redis command: `putIfAbsent` is `SET key value NX [PX ttl]`, which Redis
 * executes atomically, so exactly one of any number of concurrent callers (on any node) wins;
 * `replace` is a Lua script (compare, then set or delete), which Redis also runs atomically.
 * TTLs are enforced by Redis (millisecond precision). Keys are namespaced under `prefix`.
 */
import { createHash } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import type { DistributedCache } from "../sdk";

export interface RedisCacheOptions {
  /** Namespace for every key. @default "sluice:cache:" */
  readonly prefix?: string;
}

/**
 * KEYS[1] key; ARGV: "1" if an entry is expected else "0", expected value, "1" to store else "0"
 * (delete), new value, TTL ms (0 = none). Returns 1 when it stored or deleted, else 0.
 */
const REPLACE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1`;

export class RedisDistributedCache implements DistributedCache {
  private readonly prefix: string;
  private readonly replaceSha = createHash("sha1").update(REPLACE_SCRIPT).digest("hex");

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
    const redis = new Redis(url, { maxRetriesPerRequest: 3, ...opts.redis });
    // ioredis reconnects by itself; without a listener every failed reconnect during an outage
    // prints "Unhandled error event". Callers still see each failed command as a rejection.
    redis.on("error", () => {});
    return new RedisDistributedCache(redis, opts, true);
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

  async replace(key: string, expected: string | null, value: string | null, ttlMs?: number): Promise<boolean> {
    const ttl = ttlMs && ttlMs > 0 ? String(Math.ceil(ttlMs)) : "0";
    const args = [expected === null ? "0" : "1", expected ?? "", value === null ? "0" : "1", value ?? "", ttl];
    // EVALSHA first (the script is cached by the server), EVAL when the server does not know it.
    return (await this.redis.evalsha(this.replaceSha, 1, this.prefix + key, ...args).catch((e: Error) => {
      if (!e.message.includes("NOSCRIPT")) throw e;
      return this.redis.eval(REPLACE_SCRIPT, 1, this.prefix + key, ...args);
    })) === 1;
  }

  /** Closes the connection if this cache opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}
