/**
 * The cluster's parts on the real Redis, in this process: sealed messages (what a member with
 * another secret, a tampered or a replayed message gets), the node API over Redis (calls,
 * commands through BullMQ, binary content, error codes; bad messages dropped with one line and
 * the node still answering), the primary lease (one holder; a holder that cannot renew steps
 * down before the TTL runs out; a stale holder's fenced write is refused) and the primary-only
 * gate of a node (FlowController through SluiceNode.setPrimary).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openNode, type SluiceNode } from "../../engine/api/node";
import type { NodeClient } from "../../engine/api/node-transport";
import { ClusterKeys } from "../../engine/cluster/keys";
import { decodeId, encodeId, mergeState } from "../../engine/cluster/merge";
import { LEASE_TTL_MS, PrimaryLease, readPrimary } from "../../engine/cluster/primary-lease";
import { RedisPrimaryState } from "../../engine/cluster/primary-state";
import { RedisLink } from "../../engine/cluster/redis-link";
import { ClusterKey, ClusterSecretError, SealError } from "../../engine/cluster/seal";
import { RedisNodeHub, RedisNodeServer } from "../../engine/cluster/transport";
import { uniqueId } from "./helpers/ids";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";

const SECRET = "parts-test-secret-0123456789";
const keys = new ClusterKeys(uniqueId("cluster-parts"));
const key = new ClusterKey(SECRET);
let base = "";
const cleanup: Array<() => Promise<unknown>> = [];

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cluster-parts-"));
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, keys.cluster);
  } finally {
    await redis.quit();
  }
  fs.rmSync(base, { recursive: true, force: true });
});

describe("sealed messages", () => {
  it("carry binary content and undefined, encrypted or not", () => {
    const bytes = new Uint8Array([0, 255, 1, 128, 10, 13]);
    const body = { content: bytes, nested: [Buffer.from("héllo"), undefined, 3], text: "x" };
    for (const encrypt of [false, true]) {
      const text = key.seal("rpc", body, { encrypt });
      expect(text.includes("héllo")).toBe(false);
      const back = key.open("rpc", text) as typeof body;
      expect(back.content).toBeInstanceOf(Uint8Array);
      expect([...back.content]).toEqual([...bytes]);
      expect(Buffer.from(back.nested[0] as Uint8Array).toString()).toBe("héllo");
      expect(back.nested).toHaveLength(3);
      expect(back.nested[1]).toBeUndefined();
      expect(back.text).toBe("x");
    }
    expect(key.seal("rpc", { secret: "s3cr3t" }, { encrypt: true })).not.toContain("s3cr3t");
  });

  it("do not open with another secret, altered, as another kind, or when too old", () => {
    const text = key.seal("heartbeat", { id: "a" });
    expect(() => new ClusterKey("another-secret-0123456789").open("heartbeat", text)).toThrow(SealError);
    expect(() => new ClusterKey("another-secret-0123456789").open("heartbeat", text)).toThrow(/bad MAC/);
    const altered = JSON.parse(text) as { p: string };
    altered.p = altered.p.replace('"a"', '"b"');
    expect(() => key.open("heartbeat", JSON.stringify(altered))).toThrow(/bad MAC/);
    expect(() => key.open("rpc", text)).toThrow(/"heartbeat" message where a "rpc" one/);
    expect(() => key.open("heartbeat", "garbage")).toThrow(/not a sealed message/);
    const moved = JSON.parse(text) as { t: number };
    expect(() => key.open("heartbeat", JSON.stringify({ ...moved, t: moved.t - 1000 }))).toThrow(/bad MAC/);
    expect(key.open("heartbeat", text, { maxAgeMs: 60_000 })).toEqual({ id: "a" });
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now - 10 * 60_000);
    const old = key.seal("heartbeat", { id: "a" });
    vi.restoreAllMocks();
    expect(() => key.open("heartbeat", old, { maxAgeMs: 60_000 })).toThrow(/outside the 60 s window/);
  });

  it("need a cluster secret, named in the error", () => {
    expect(() => new ClusterKey(undefined)).toThrow(ClusterSecretError);
    expect(() => new ClusterKey(undefined)).toThrow(/SLUICE_CLUSTER_SECRET is not set/);
    expect(() => new ClusterKey("short")).toThrow(/SLUICE_CLUSTER_SECRET must be at least 16/);
  });
});

describe("merging", () => {
  it("cluster-wide ids name their node; processor states merge as documented", () => {
    expect(decodeId(encodeId(3, 0))).toEqual({ index: 3, local: 0 });
    expect(decodeId(encodeId(9000, 999_999_999_999))).toEqual({ index: 9000, local: 999_999_999_999 });
    expect(decodeId(42)).toBeNull();
    expect(mergeState(["running", "running"])).toBe("running");
    expect(mergeState(["running", "stopped", "stopped"])).toBe("running");
    expect(mergeState(["stopped", "invalid"])).toBe("invalid");
    expect(mergeState(["disabled", "stopped"])).toBe("stopped");
    expect(mergeState(["disabled", "disabled"])).toBe("disabled");
  });
});

describe("the node API over Redis", () => {
  let node: SluiceNode;
  let client: NodeClient;
  const logs: string[] = [];
  let callerLink: RedisLink;
  let hub: RedisNodeHub;

  beforeAll(async () => {
    node = openNode({ dataDir: path.join(base, "rpc-node") });
    const nodeLink = new RedisLink(redisUrl(), (l) => logs.push(l));
    callerLink = new RedisLink(redisUrl(), (l) => logs.push(l));
    const server = new RedisNodeServer(node, { id: "n1", keys, key, link: nodeLink, log: (l) => logs.push(l) });
    await server.start();
    hub = new RedisNodeHub({ keys, key, link: callerLink, log: (l) => logs.push(l) });
    await hub.start();
    client = hub.connect("n1").client;
    cleanup.push(
      () => hub.close(),
      () => callerLink.close(),
      () => server.close(),
      () => node.shutdown(),
      () => nodeLink.close(),
    );
  });

  it("carries calls, commands, binary content and error codes", async () => {
    const snapshot = {
      sluice: 1,
      id: "bin",
      name: "binary",
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: { dataFormat: "Binary", fileSize: "256 B", uniqueFlowFiles: "true", batchSize: "3", totalCount: "3" }, state: "running" },
        { id: "hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "gen-hold", source: "gen", relationships: ["success"], destination: "hold" }],
    };
    const r = await client.deploy({ flowId: "bin", revision: 1, snapshot: snapshot as never });
    expect([r.outcome, r.revision]).toEqual(["opened", 1]);
    await until("3 queued FlowFiles", 20_000, async () => (await client.status("bin")).connections[0]!.queued.count === 3);
    const [first] = await client.listQueue("bin", "gen-hold");
    const viaRedis = await client.queuedContent("bin", "gen-hold", first!.uuid);
    const direct = await node.queuedContent("bin", "gen-hold", first!.uuid);
    expect(viaRedis.content).toBeInstanceOf(Uint8Array);
    expect(viaRedis.content.length).toBe(256);
    expect(Buffer.from(viaRedis.content).equals(Buffer.from(direct.content))).toBe(true);
    await expect(client.status("missing")).rejects.toMatchObject({ name: "NodeError", code: "not-deployed" });
    await expect(client.startComponent("bin", "nope")).rejects.toMatchObject({ code: "not-found" });
  });

  it("answers a call made while the caller's reply channel is subscribed again after its connection dropped", async () => {
    // The caller's subscriber connection alone goes (as after an outage, when the command
    // connection came back first); ioredis reconnects it after its retry delay.
    const sub = (hub as unknown as { sub: Redis }).sub;
    const observer = testRedis();
    cleanup.push(() => observer.quit());
    const port = (sub as unknown as { stream: { localPort: number } }).stream.localPort;
    const clients = String(await observer.call("CLIENT", "LIST", "TYPE", "pubsub"));
    const id = /id=(\d+) addr=\S+:(\d+) /.exec(clients.split("\n").find((l) => l.includes(`addr=127.0.0.1:${port} `)) ?? "")?.[1];
    expect(id, `the caller's subscriber (port ${port}) in CLIENT LIST`).toBeDefined();
    const down = new Promise<void>((resolve) => sub.once("close", () => resolve()));
    await observer.call("CLIENT", "KILL", "ID", id!);
    await down;
    expect(sub.status).not.toBe("ready");
    // Before: published at once, answered at once, and the answer lost (no subscription yet):
    // the call waited for its 30 s timeout.
    const started = Date.now();
    const status = await client.status("bin");
    expect(status.connections[0]!.queued.count).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("drops bad messages with one line per kind, and keeps answering", async () => {
    const rpc = keys.rpc("n1");
    await callerLink.commands.publish(rpc, "garbage");
    await callerLink.commands.publish(rpc, new ClusterKey("another-secret-0123456789").seal("rpc", { client: "x", hub: "x", node: "n1", msg: { t: "call", id: 1, method: "undeploy", args: ["bin"] } }));
    const queue = new Queue(keys.commandQueue("n1"), { connection: callerLink.bull(), prefix: keys.bullPrefix });
    cleanup.push(() => queue.close());
    await queue.add("undeploy", { env: "not an envelope" }, { removeOnComplete: true });
    await queue.add("undeploy", { something: "else" }, { removeOnComplete: true });
    await until("a line for each kind of bad message", 20_000, () => logs.some((l) => l.startsWith("dropped a job on the command queue")) && logs.some((l) => l.startsWith("dropped a message on the node's RPC channel")));
    expect(logs.filter((l) => l.startsWith("dropped a message on the node's RPC channel"))).toEqual([expect.stringContaining("not a sealed message")]);
    expect(logs.filter((l) => l.startsWith("dropped a job on the command queue"))).toEqual([expect.stringMatching(/^dropped a job on the command queue: job \S+: not a sealed message/)]);
    // Nothing was undeployed, and the node answers.
    expect((await client.deployments()).map((d) => d.flowId)).toEqual(["bin"]);
  });
});

describe("the primary lease", () => {
  it("has one holder; a holder that cannot renew steps down before the TTL runs out, and its fenced writes are refused", async () => {
    const changes: string[] = [];
    const observer = testRedis();
    const connA = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    const connB = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    for (const c of [connA, connB]) c.on("error", () => {});
    const lease = (id: string, redis: Redis) => new PrimaryLease({ redis, keys, key, id, log: () => {}, onChange: async (p) => void changes.push(`${id}:${p}`) });
    const a = lease("a", connA);
    a.start();
    await until("a to hold the lease", 10_000, () => changes.includes("a:true"));
    const b = lease("b", connB);
    b.start();
    cleanup.push(
      () => b.stop(),
      () => connB.quit(),
      () => observer.quit(),
    );
    expect(await readPrimary(observer, keys, key)).toBe("a");
    const tokenA = a.token!;

    // a loses Redis: it must step down while its lease still has time left in Redis.
    const storeA = new RedisPrimaryState(observer, keys, key, () => a.current);
    expect(await storeA.save("f", "p", { "s.json": new TextEncoder().encode("1") })).toBe(true);
    const valueA = a.current!;
    connA.disconnect();
    await until("a to step down", LEASE_TTL_MS, () => changes.includes("a:false"));
    const left = await observer.pttl(keys.primary);
    expect(await observer.get(keys.primary)).toBe(valueA);
    expect(left).toBeGreaterThan(0);

    // Once the lease expired, b takes it with a larger fencing token.
    await until("b to hold the lease", 3 * LEASE_TTL_MS, () => changes.includes("b:true"));
    expect(await readPrimary(observer, keys, key)).toBe("b");
    expect(b.token!).toBeGreaterThan(tokenA);
    // a's stale lease value can no longer write; b's can.
    const stale = new RedisPrimaryState(observer, keys, key, () => valueA);
    expect(await stale.save("f", "p", { "s.json": new TextEncoder().encode("stale") })).toBe(false);
    const storeB = new RedisPrimaryState(observer, keys, key, () => b.current);
    expect(await storeB.save("f", "p", { "s.json": new TextEncoder().encode("2") })).toBe(true);
    expect(new TextDecoder().decode((await storeB.load("f", "p"))!["s.json"])).toBe("2");
    await a.stop();
  }, 60_000);
});

describe("primary-only processors on a node", () => {
  it("run only while the node is primary, and their state follows the primary", async () => {
    const saved = new Map<string, Record<string, Uint8Array>>();
    const store = {
      save: async (flowId: string, processorId: string, files: Record<string, Uint8Array>) => (saved.set(`${flowId}/${processorId}`, files), true),
      load: async (flowId: string, processorId: string) => saved.get(`${flowId}/${processorId}`) ?? null,
    };
    const open = (name: string, primary: boolean) => openNode({ dataDir: path.join(base, name), name, primary, primaryState: store });
    const snapshot = {
      sluice: 1,
      id: "prim",
      name: "primary only",
      processors: [
        { id: "pgen", type: "GenerateFlowFile", properties: { totalCount: "10", batchSize: "1" }, scheduling: { runSchedule: "20 ms", executionNode: "primary" }, state: "running" },
        { id: "hold", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "stopped" },
      ],
      connections: [{ id: "q", source: "pgen", relationships: ["success"], destination: "hold" }],
    };
    const one = open("prim-1", false);
    const two = open("prim-2", false);
    cleanup.push(
      () => one.shutdown(),
      () => two.shutdown(),
    );
    for (const n of [one, two]) await n.deploy({ flowId: "prim", revision: 1, snapshot: snapshot as never });
    const queued = async (n: SluiceNode) => (await n.status("prim")).connections[0]!.queued.count;
    expect((await one.status("prim")).standby).toEqual(["pgen"]);
    expect((await one.status("prim")).processors[0]!.state).toBe("stopped");

    await one.setPrimary(true);
    await until("the primary to make some FlowFiles", 10_000, async () => (await queued(one)) >= 4);
    // Resolved: the processor has stopped (tasks and onStopped done), so nothing more comes.
    await one.setPrimary(false);
    const made = await queued(one);
    expect((await one.status("prim")).processors[0]!.state).toBe("stopped");
    expect((await one.status("prim")).standby).toEqual(["pgen"]);

    // The next primary goes on from the count the last one saved, and stops at the total.
    await two.setPrimary(true);
    await until("the new primary to reach the total", 10_000, async () => made + (await queued(two)) === 10);
    const tasks = (await two.status("prim")).processors[0]!.stats.tasks;
    await until("the new primary's generator to run again after the total", 10_000, async () => (await two.status("prim")).processors[0]!.stats.tasks >= tasks + 2);
    expect(made + (await queued(two))).toBe(10);
    expect(await queued(one)).toBe(made);

    // Stopped while not primary, it stays stopped when the node becomes primary.
    await one.stopFlow("prim");
    expect((await one.status("prim")).standby).toBeUndefined();
    await one.setPrimary(true);
    expect((await one.status("prim")).processors[0]!.state).toBe("stopped");
  });
});
