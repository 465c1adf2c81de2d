/**
 * The Redis connections of one cluster member (a node or the coordinator), from one URL:
 * `redis://[user:password@]host:port[/db]` or `rediss://...` for TLS; ioredis reads the password
 * (Redis AUTH, ACL user too) and TLS from the URL.
 *
 * Three kinds of connection, because Redis needs them apart: commands (fail fast during an
 * outage, so loops go on and retry), a subscriber (pub/sub takes its connection over), and
 * BullMQ's (which must retry forever). All of them reconnect by themselves. An outage gives one
 * log line when it starts and one when Redis answers again, whatever the number of connections.
 */
import { Redis, type RedisOptions } from "ioredis";

/** How long a command on the command connection may wait for its reply. */
export const COMMAND_TIMEOUT_MS = 5_000;

/** The URL with its password replaced, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable Redis URL)";
  }
}

export class RedisLink {
  /**
   * For commands: a call fails after one reconnect attempt, or after COMMAND_TIMEOUT_MS
   * (a Redis that accepts connections but does not answer), instead of waiting for Redis.
   */
  readonly commands: Redis;
  private readonly all: Redis[] = [];
  private down = false;
  private readonly readyListeners: Array<() => void> = [];

  constructor(
    readonly url: string,
    private readonly log: (line: string) => void,
  ) {
    this.commands = this.open({ maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
    this.commands.on("ready", () => {
      if (this.down) {
        this.down = false;
        this.log(`Redis at ${redactUrl(this.url)} answers again`);
      }
      for (const l of this.readyListeners) l();
    });
  }

  /** Calls `listener` each time the command connection is (again) ready. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /** A connection for SUBSCRIBE. */
  subscriber(): Redis {
    return this.open({ maxRetriesPerRequest: null });
  }

  /** A connection for the DistributedCache (as RedisDistributedCache.connect configures it). */
  cache(): Redis {
    return this.open({ maxRetriesPerRequest: 3 });
  }

  /** A connection for BullMQ (Queue or Worker), which requires maxRetriesPerRequest: null. */
  bull(): Redis {
    return this.open({ maxRetriesPerRequest: null });
  }

  /** Resolves once the command connection answers (waits through an outage). */
  async ready(): Promise<void> {
    if (this.commands.status === "ready") return;
    await new Promise<void>((resolve) => this.commands.once("ready", () => resolve()));
  }

  private open(extra: RedisOptions): Redis {
    const r = new Redis(this.url, { enableReadyCheck: true, ...extra });
    r.on("error", (e: NodeJS.ErrnoException) => {
      if (this.down) return;
      this.down = true;
      this.log(`Redis at ${redactUrl(this.url)} is unreachable (${e.code ?? e.message}); retrying`);
    });
    this.all.push(r);
    return r;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((r) => r.quit().catch(() => r.disconnect())));
  }
}
