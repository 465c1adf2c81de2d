/**
 * The node API over Redis: the same `serveNode` / `NodeClient` pair as the local worker thread
 * (engine/api/node-transport.ts), with Redis moving the messages.
 *
 * - Commands (COMMAND_METHODS: deploy, undeploy, start, stop...) go through a BullMQ queue per
 *   node (`cmd-<id>`), so one sent while the node's connection is down waits for it instead of
 *   being lost. The node's worker takes them one at a time, in order, and completes a job when
 *   the call has answered. A command carries a deadline (its caller's timeout): one that waited
 *   longer is dropped with a log line, never applied late; the desired state in Redis
 *   (desired-state.ts) is what brings a node that missed deploys up to date.
 * - Reads and phase-one checks (status, queues, provenance, checkDeploy...) go over pub/sub
 *   (`<cluster>:rpc:<id>`): fast, and a lost one is a timeout, which the caller reports.
 * - Replies and events go back over pub/sub to the caller's process (`<cluster>:reply:<hub>`).
 *
 * Every message is a sealed, encrypted envelope (seal.ts); one that does not open (bad MAC,
 * replayed nonce, too old, malformed) is dropped with one log line (repeats within 10 s are
 * counted into the next line). A served client that sends nothing for CLIENT_IDLE_MS (callers
 * say hello every HELLO_MS) is forgotten, its event subscriptions with it; a hello lists the
 * flows the caller watches, so a node that restarted resumes sending their events.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { NodeApi, NodeMethod } from "../api/node-api";
import { NodeClient, serveNode, type ClientMessage, type MessageChannel, type ServerMessage } from "../api/node-transport";
import type { ClusterKeys } from "./keys";
import type { RedisLink } from "./redis-link";
import { SealError, type ClusterKey } from "./seal";

/** Methods that change a node: they travel through its BullMQ command queue. */
export const COMMAND_METHODS: ReadonlySet<NodeMethod> = new Set<NodeMethod>([
  "deploy",
  "undeploy",
  "startFlow",
  "stopFlow",
  "startComponent",
  "stopComponent",
  "runOnce",
  "enableComponent",
  "disableComponent",
  "emptyQueue",
  "replay",
]);

/** A command's deadline: NodeClient's timeout for slow calls, after which nobody waits for it. */
const COMMAND_TTL_MS = 180_000;
/** Pub/sub envelopes sealed longer ago (or ahead, clocks apart) than this are refused. */
const MAX_MESSAGE_AGE_MS = 120_000;
/** How often a caller says hello to each node it talks to. */
const HELLO_MS = 10_000;
/** A served caller silent this long is forgotten (its subscriptions end). */
const CLIENT_IDLE_MS = 45_000;
/** Most callers one node serves at once. */
const MAX_CLIENTS = 256;
/** Most messages a caller holds while its reply channel is not subscribed, and for how long. */
const MAX_HELD = 10_000;
const MAX_HELD_MS = COMMAND_TTL_MS;

/** A caller's keep-alive, with the flows it watches. */
interface HelloMessage {
  t: "hello";
  watches: string[];
}

/** Caller → node. `client` is one NodeClient; `hub` names the reply channel of its process. */
interface CallWire {
  client: string;
  hub: string;
  node: string;
  msg: ClientMessage | HelloMessage;
  /** Commands only: drop it after this time (epoch ms). */
  deadline?: number;
}

/** Node → caller. */
interface ReplyWire {
  client: string;
  node: string;
  msg: ServerMessage;
}

/**
 * Logs dropped messages: one line each, but per kind (`what`) at most one per 10 s, the next
 * line counting those left out, so a flood of bad messages cannot flood the log.
 */
export class DropLog {
  private readonly kinds = new Map<string, { last: number; suppressed: number }>();
  constructor(private readonly log: (line: string) => void) {}

  /** `detail` (e.g. a job id) goes before the reason. */
  drop(what: string, why: unknown, detail = ""): void {
    const now = Date.now();
    const k = this.kinds.get(what) ?? { last: 0, suppressed: 0 };
    this.kinds.set(what, k);
    if (now - k.last < 10_000) {
      k.suppressed++;
      return;
    }
    const more = k.suppressed ? ` (and ${k.suppressed} more like it before)` : "";
    k.last = now;
    k.suppressed = 0;
    this.log(`dropped ${what}: ${detail}${why instanceof Error ? why.message : String(why)}${more}`);
  }
}

/**
 * Logs a BullMQ queue or worker error, except connection errors: RedisLink reports an outage
 * once, and BullMQ repeats its own for every reconnect attempt.
 */
function logQueueError(log: (line: string) => void, e: Error, whose = ""): void {
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|Connection is closed|Stream isn't writeable/.test(e.message)) return;
  log(`${whose}command queue: ${e.message}`);
}

/** Nonces seen within the message window, to refuse a replayed envelope. */
class NonceWindow {
  private readonly seen = new Map<string, number>();

  /** False when `nonce` was seen before (a replay). */
  admit(nonce: string, sentAt: number, windowMs: number): boolean {
    const now = Date.now();
    if (this.seen.size > 10_000) for (const [n, until] of this.seen) if (until < now) this.seen.delete(n);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, Math.max(now, sentAt) + windowMs);
    return true;
  }
}

function isCallWire(w: unknown): w is CallWire {
  const c = w as CallWire;
  return !!c && typeof c === "object" && typeof c.client === "string" && typeof c.hub === "string" && typeof c.node === "string" && !!c.msg && typeof c.msg === "object";
}

interface ServedClient {
  readonly hub: string;
  lastSeen: number;
  readonly listeners: Array<(m: ClientMessage) => void>;
  readonly closeListeners: Array<(reason: string) => void>;
  readonly watches: Set<string>;
  /** Call id → resolves when the call's result was sent (a command's job completes then). */
  readonly waiters: Map<number, () => void>;
}

export interface NodeServerOptions {
  /** The node's id. */
  id: string;
  keys: ClusterKeys;
  key: ClusterKey;
  link: RedisLink;
  log: (line: string) => void;
}

/** Serves a NodeApi over Redis (the node's side); see the module comment. */
export class RedisNodeServer {
  private sub: Redis | null = null;
  private worker: Worker | null = null;
  private readonly clients = new Map<string, ServedClient>();
  private readonly nonces = new NonceWindow();
  private readonly drops: DropLog;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: NodeApi,
    private readonly o: NodeServerOptions,
  ) {
    this.drops = new DropLog(o.log);
  }

  /** Subscribes to the node's RPC channel and starts its command worker. */
  async start(): Promise<void> {
    const { keys, link, id } = this.o;
    this.sub = link.subscriber();
    this.sub.on("messageBuffer", (_channel: Buffer, message: Buffer) => this.onRpc(message));
    await this.sub.subscribe(keys.rpc(id));
    this.worker = new Worker(keys.commandQueue(id), (job: Job) => this.onCommand(job), {
      connection: link.bull(),
      prefix: keys.bullPrefix,
      concurrency: 1,
      // A command interrupted by a crash runs again after the restart, unless its deadline passed.
      maxStalledCount: 1,
    });
    this.worker.on("error", (e) => logQueueError(this.o.log, e));
    this.sweeper = setInterval(() => this.closeIdle(), 10_000);
    this.sweeper.unref();
  }

  private onRpc(message: Buffer): void {
    let wire: unknown;
    try {
      const { body, nonce, sentAt } = this.o.key.openWithMeta("rpc", message, { maxAgeMs: MAX_MESSAGE_AGE_MS });
      if (!this.nonces.admit(nonce, sentAt, MAX_MESSAGE_AGE_MS)) throw new SealError("a replayed message");
      wire = body;
    } catch (e) {
      this.drops.drop("a message on the node's RPC channel", e);
      return;
    }
    if (!isCallWire(wire) || wire.node !== this.o.id) {
      this.drops.drop("a message on the node's RPC channel", "malformed, or addressed to another node");
      return;
    }
    void this.deliver(wire, false);
  }

  private async onCommand(job: Job): Promise<void> {
    const text = (job.data as { env?: unknown } | null)?.env;
    let wire: unknown;
    try {
      if (typeof text !== "string") throw new SealError("no envelope in the job");
      const { body, nonce, sentAt } = this.o.key.openWithMeta("rpc", text, { maxAgeMs: COMMAND_TTL_MS + MAX_MESSAGE_AGE_MS });
      if (!this.nonces.admit(nonce, sentAt, COMMAND_TTL_MS + MAX_MESSAGE_AGE_MS)) throw new SealError("a replayed command");
      wire = body;
    } catch (e) {
      this.drops.drop("a job on the command queue", e, `job ${job.id}: `);
      return;
    }
    if (!isCallWire(wire) || wire.node !== this.o.id || wire.msg.t !== "call" || !COMMAND_METHODS.has(wire.msg.method)) {
      this.drops.drop("a job on the command queue", "malformed, not a command, or addressed to another node", `job ${job.id}: `);
      return;
    }
    if (typeof wire.deadline === "number" && Date.now() > wire.deadline) {
      this.o.log(`dropped command ${wire.msg.method}: it waited past its deadline (its caller gave up); the desired state brings this node up to date`);
      return;
    }
    await this.deliver(wire, true);
  }

  /** Hands a message to the caller's served channel; with `awaitResult`, until the call answered. */
  private async deliver(wire: CallWire, awaitResult: boolean): Promise<void> {
    let c = this.clients.get(wire.client);
    if (!c) {
      if (this.clients.size >= MAX_CLIENTS) {
        this.drops.drop("a message", `more than ${MAX_CLIENTS} callers at once`);
        return;
      }
      c = this.serve(wire.client, wire.hub);
    }
    c.lastSeen = Date.now();
    const m = wire.msg;
    if (m.t === "hello") {
      this.syncWatches(c, Array.isArray(m.watches) ? m.watches.filter((w): w is string => typeof w === "string") : []);
      return;
    }
    if (m.t === "watch") {
      if (m.on) c.watches.add(m.flowId);
      else c.watches.delete(m.flowId);
    }
    let answered: Promise<void> | undefined;
    if (awaitResult && m.t === "call") answered = new Promise<void>((resolve) => c.waiters.set(m.id, resolve));
    for (const l of c.listeners) l(m);
    if (!answered) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, (wire.deadline ?? Date.now()) - Date.now()))))]);
    clearTimeout(timer);
  }

  /** A served channel for one caller: serveNode over it, replies published to the caller's hub. */
  private serve(clientId: string, hub: string): ServedClient {
    const c: ServedClient = { hub, lastSeen: Date.now(), listeners: [], closeListeners: [], watches: new Set(), waiters: new Map() };
    this.clients.set(clientId, c);
    const channel: MessageChannel<ServerMessage, ClientMessage> = {
      send: (msg) => {
        const text = this.o.key.seal("reply", { client: clientId, node: this.o.id, msg } satisfies ReplyWire, { encrypt: true });
        this.o.link.commands.publish(this.o.keys.reply(c.hub), text).catch((e: unknown) => this.drops.drop("a reply (cannot publish)", e));
        if (msg.t === "result") {
          c.waiters.get(msg.id)?.();
          c.waiters.delete(msg.id);
        }
      },
      onMessage: (l) => c.listeners.push(l),
      onClose: (l) => c.closeListeners.push(l),
    };
    serveNode(this.node, channel);
    return c;
  }

  private syncWatches(c: ServedClient, wanted: string[]): void {
    const want = new Set(wanted);
    const inject = (m: ClientMessage) => {
      for (const l of c.listeners) l(m);
    };
    for (const flowId of want) {
      if (c.watches.has(flowId)) continue;
      c.watches.add(flowId);
      inject({ t: "watch", flowId, on: true });
    }
    for (const flowId of [...c.watches]) {
      if (want.has(flowId)) continue;
      c.watches.delete(flowId);
      inject({ t: "watch", flowId, on: false });
    }
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [id, c] of this.clients) {
      if (now - c.lastSeen < CLIENT_IDLE_MS) continue;
      this.clients.delete(id);
      for (const l of c.closeListeners) l("the caller went silent");
    }
  }

  /** Stops taking messages: waits for the command in progress, then ends every subscription. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.worker?.close().catch(() => {});
    await this.sub?.unsubscribe().catch(() => {});
    for (const c of this.clients.values()) for (const l of c.closeListeners) l("the node is stopping");
    this.clients.clear();
  }
}

export interface NodeHubOptions {
  keys: ClusterKeys;
  key: ClusterKey;
  link: RedisLink;
  log: (line: string) => void;
}

/** One NodeClient's channel over Redis (the caller's side). */
class HubChannel implements MessageChannel<ClientMessage, ServerMessage> {
  readonly listeners: Array<(m: ServerMessage) => void> = [];
  readonly closeListeners: Array<(reason: string) => void> = [];
  readonly watches = new Set<string>();
  closed = false;

  constructor(
    private readonly hub: RedisNodeHub,
    readonly clientId: string,
    readonly node: string,
  ) {}

  send(m: ClientMessage): void {
    if (m.t === "watch") {
      if (m.on) this.watches.add(m.flowId);
      else this.watches.delete(m.flowId);
    }
    this.hub.send(this, m);
  }

  onMessage(listener: (m: ServerMessage) => void): void {
    this.listeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(reason);
  }
}

/**
 * The caller's side, one per process (the coordinator): NodeClients for nodes by id, their
 * replies demultiplexed from one subscription.
 */
export class RedisNodeHub {
  /** Names this process's reply channel. */
  readonly hubId = randomBytes(8).toString("hex");
  private sub: Redis | null = null;
  private bullConnection: Redis | null = null;
  private readonly queues = new Map<string, Queue>();
  private readonly channels = new Map<string, HubChannel>();
  private readonly nonces = new NonceWindow();
  private readonly drops: DropLog;
  private seq = 0;
  private helloTimer: NodeJS.Timeout | null = null;
  /**
   * Messages held while the reply channel is not subscribed (its connection is reconnecting
   * after an outage), sent in order once it is again, with when each was held. Why: the command
   * connection often comes back first, and a reply published before the subscription is lost;
   * the call then failed ("no node running it answered") or, for a command the node applied,
   * waited for its whole timeout.
   */
  private held: Array<{ at: number; channel: HubChannel; m: ClientMessage }> = [];

  constructor(private readonly o: NodeHubOptions) {
    this.drops = new DropLog(o.log);
  }

  async start(): Promise<void> {
    this.sub = this.o.link.subscriber();
    this.sub.on("messageBuffer", (_channel: Buffer, message: Buffer) => this.onReply(message));
    // ioredis sets "ready" and writes the SUBSCRIBE again on this connection before any held
    // message goes out, so the subscription is in place before a reply to one can come.
    this.sub.on("ready", () => this.sendHeld());
    await this.sub.subscribe(this.o.keys.reply(this.hubId));
    this.helloTimer = setInterval(() => this.sayHello(), HELLO_MS);
    this.helloTimer.unref();
  }

  /**
   * A NodeApi client for node `id`. Its calls fail with "node-unavailable" after `close(reason)`
   * (the node went away) or their timeout; open a new one for the node's next life.
   */
  connect(nodeId: string): { client: NodeClient; close(reason: string): void } {
    const channel = new HubChannel(this, `${this.hubId}-${++this.seq}`, nodeId);
    this.channels.set(channel.clientId, channel);
    const client = new NodeClient(channel);
    return {
      client,
      close: (reason) => {
        this.channels.delete(channel.clientId);
        channel.close(reason);
      },
    };
  }

  /** Sends one message of `channel`; see the module comment for the routes. */
  send(channel: HubChannel, m: ClientMessage | HelloMessage): void {
    if (m.t !== "hello" && this.sub !== null && this.sub.status !== "ready") {
      // A hello is not held: the next one (every HELLO_MS) says the same.
      if (this.held.length >= MAX_HELD) this.drops.drop("a message (too many wait for Redis)", new Error(`${MAX_HELD} messages wait for the reply channel`));
      else this.held.push({ at: Date.now(), channel, m });
      return;
    }
    this.sendNow(channel, m);
  }

  /** Sends what was held, in order; what waited longer than a caller does, or whose channel closed, goes. */
  private sendHeld(): void {
    const held = this.held;
    this.held = [];
    const oldest = Date.now() - MAX_HELD_MS;
    for (const { at, channel, m } of held) {
      if (at >= oldest && !channel.closed) this.sendNow(channel, m);
    }
  }

  private sendNow(channel: HubChannel, m: ClientMessage | HelloMessage): void {
    const { key, keys, link } = this.o;
    const wire: CallWire = { client: channel.clientId, hub: this.hubId, node: channel.node, msg: m };
    if (m.t === "call" && COMMAND_METHODS.has(m.method)) {
      wire.deadline = Date.now() + COMMAND_TTL_MS;
      const text = key.seal("rpc", wire, { encrypt: true });
      this.queue(channel.node)
        .add(m.method, { env: text }, { jobId: `${channel.clientId}-${m.id}`, removeOnComplete: true, removeOnFail: true, attempts: 1 })
        .catch((e: unknown) => this.drops.drop("a command (cannot queue it)", e, `${m.method} for node ${channel.node}: `));
      return;
    }
    const text = key.seal("rpc", wire, { encrypt: true });
    link.commands.publish(keys.rpc(channel.node), text).catch((e: unknown) => this.drops.drop("a message (cannot publish)", e, `for node ${channel.node}: `));
  }

  private queue(nodeId: string): Queue {
    let q = this.queues.get(nodeId);
    if (!q) {
      this.bullConnection ??= this.o.link.bull();
      q = new Queue(this.o.keys.commandQueue(nodeId), { connection: this.bullConnection, prefix: this.o.keys.bullPrefix });
      q.on("error", (e) => logQueueError(this.o.log, e, `node ${nodeId}'s `));
      this.queues.set(nodeId, q);
    }
    return q;
  }

  /** Deletes node `id`'s command queue (a removed node's). */
  async dropQueue(nodeId: string): Promise<void> {
    const q = this.queue(nodeId);
    this.queues.delete(nodeId);
    await q.obliterate({ force: true }).catch(() => {});
    await q.close().catch(() => {});
  }

  private onReply(message: Buffer): void {
    let wire: ReplyWire;
    try {
      const { body, nonce, sentAt } = this.o.key.openWithMeta("reply", message, { maxAgeMs: MAX_MESSAGE_AGE_MS });
      if (!this.nonces.admit(nonce, sentAt, MAX_MESSAGE_AGE_MS)) throw new SealError("a replayed message");
      wire = body as ReplyWire;
    } catch (e) {
      this.drops.drop("a message on the reply channel", e);
      return;
    }
    const channel = wire && typeof wire.client === "string" ? this.channels.get(wire.client) : undefined;
    // A channel closed meanwhile (the node restarted) has no listener left; its late replies go.
    if (!channel || channel.node !== wire.node || !wire.msg || typeof wire.msg !== "object") return;
    for (const l of channel.listeners) l(wire.msg);
  }

  private sayHello(): void {
    for (const c of this.channels.values()) this.send(c, { t: "hello", watches: [...c.watches] });
  }

  async close(): Promise<void> {
    if (this.helloTimer) clearInterval(this.helloTimer);
    for (const c of this.channels.values()) c.close("the coordinator is stopping");
    this.channels.clear();
    this.held = [];
    await this.sub?.unsubscribe().catch(() => {});
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
  }
}
