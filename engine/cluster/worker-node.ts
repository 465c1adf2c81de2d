/**
 * A worker node (`sluice node`): a SluiceNode on its own locked data dir, joined to a cluster
 * through Redis. It
 * - serves the node API over Redis (transport.ts);
 * - heartbeats every 5 s (membership.ts);
 * - reconciles to the desired state (desired-state.ts) when it starts, when the desired state
 *   changes, and when Redis answers again after an outage; it never opens the flow store;
 * - competes for the primary lease (primary-lease.ts) and runs primary-only processors while
 *   it holds it, their state following the lease (primary-state.ts);
 * - while the coordinator marks it decommissioned: stops its flows, moves the FlowFiles queued
 *   in them to the other nodes running the same flows, and undeploys each flow it emptied
 *   (offload.ts); its heartbeat reports how far it got (OffloadStatus);
 * - takes the FlowFiles a decommissioned node moves into the flows it runs (offload.ts).
 *
 * Refusals, each a thrown error whose message is one line: a missing or short secret
 * (ClusterSecretError, naming SLUICE_CLUSTER_SECRET), a secret other than the cluster's
 * (ClusterSecretError), a locked data dir (NodeError "data-dir-locked"), a node id in use
 * elsewhere (NodeIdInUseError).
 */
import os from "node:os";
import path from "node:path";
import { SAFE_ID, type OffloadStatus } from "../api/node-api";
import { SluiceNode } from "../api/node";
import { compose, type Composition } from "../runtime/composition-root";
import { RedisDistributedCache } from "./redis-cache";
import { RedisDistributedLink, type RedisDistributedLinkOptions } from "./distributed";
import { DesiredState, reconcile, type DesiredFlow } from "./desired-state";
import { ClusterKeys } from "./keys";
import { checkNodeId, clearHeartbeat, HEARTBEAT_MS, readFlag, readMembers, writeHeartbeat, type Heartbeat, type MemberFlag } from "./membership";
import { OffloadInbox, Offloader, type OffloaderOptions } from "./offload";
import { PrimaryLease } from "./primary-lease";
import { RedisPrimaryState } from "./primary-state";
import { RedisLink, redactUrl } from "./redis-link";
import { CLUSTER_SECRET_ENV, ClusterKey, ClusterSecretError } from "./seal";
import { RedisNodeServer } from "./transport";

/** While something failed to reconcile, retry every this many sync rounds (30 s). */
const RETRY_EVERY = 6;

export interface WorkerNodeOptions {
  /** redis:// or rediss:// URL, with the password for Redis AUTH when it needs one. */
  redisUrl: string;
  /** The cluster secret (SLUICE_CLUSTER_SECRET). */
  secret: string | undefined;
  dataDir: string;
  /** The node's id and display name, unique in the cluster. @default the host name */
  name?: string;
  /** The cluster's name (Redis key namespace). @default "sluice" */
  cluster?: string;
  /** One line per event worth telling an operator. @default stderr, prefixed "sluice: " */
  log?: (line: string) => void;
  /** Engine log level. @default SluiceNode's */
  logLevel?: string;
  /** Called once if the node must stop on its own (the cluster secret changed under it). */
  onFatal?: (e: Error) => void;
  /**
   * A directory every node can read and write: distributed connections put content above
   * `inlineMax` there. Without one, distributed connections are invalid on this node.
   */
  sharedContentDir?: string | null;
  /** Content up to this many bytes travels inline in a distributed connection's batches. @default 256 KiB */
  inlineMax?: number;
  /** Tuning of distributed connections (tests, benchmarks). */
  distributed?: Partial<Omit<RedisDistributedLinkOptions, "link" | "keys" | "key" | "nodeId" | "log" | "sharedContentDir" | "inlineMax">>;
  /** How often the node reads its flag and the desired state (tests make it shorter). @default 5000 */
  reconcileMs?: number;
  /** Tuning of a decommission's move of queued FlowFiles (tests). */
  offload?: Pick<OffloaderOptions, "step" | "pauseMs">;
}

export interface WorkerNode {
  readonly id: string;
  readonly node: SluiceNode;
  /** True while this node's Redis command connection is up (readiness). */
  redisReady(): boolean;
  /** Steps down as primary, stops its flows (checkpointing), leaves the cluster, closes Redis. */
  close(): Promise<void>;
}

/**
 * Compares the secret with the cluster's verifier (set by the coordinator). Resolves false when
 * no coordinator has set one; throws ClusterSecretError on a mismatch.
 */
async function checkSecret(link: RedisLink, keys: ClusterKeys, key: ClusterKey): Promise<boolean> {
  const v = await link.commands.get(keys.verifier);
  if (v === null) return false;
  if (v !== key.verifier()) {
    throw new ClusterSecretError(`${CLUSTER_SECRET_ENV} differs from the secret of cluster "${keys.cluster}" (its coordinator set ${keys.verifier}); this node is refused`);
  }
  return true;
}

/** Starts a worker node; see the module comment. */
export async function startWorkerNode(o: WorkerNodeOptions): Promise<WorkerNode> {
  const log = o.log ?? ((line: string) => process.stderr.write(`sluice: ${line}\n`));
  const key = new ClusterKey(o.secret);
  const id = o.name ?? os.hostname();
  if (!SAFE_ID.test(id)) throw new Error(`node name ${JSON.stringify(id)} must match ${SAFE_ID}; pass --name`);
  const keys = new ClusterKeys(o.cluster);
  const dataDir = path.resolve(o.dataDir);
  const link = new RedisLink(o.redisUrl, log);
  let node: SluiceNode | null = null;
  // The shared cache (DetectDuplicate, Wait/Notify) on a RedisLink connection. Why not
  // compose({ redisUrl }): its connection has no error listener, so an outage would print
  // ioredis's "Unhandled error event" on every reconnect attempt instead of RedisLink's one line.
  const base = compose({ redisUrl: null });
  let cache: RedisDistributedCache | null = null;
  const distributed = new RedisDistributedLink({
    ...o.distributed,
    link,
    keys,
    key,
    nodeId: id,
    sharedContentDir: o.sharedContentDir ?? null,
    inlineMax: o.inlineMax,
    log,
  });
  const composition: Composition = {
    ...base,
    distributed,
    cache: () => (cache ??= new RedisDistributedCache(link.cache())),
    close: async () => {
      await distributed.close();
      await base.close();
    },
  };
  try {
    await link.ready();
    await distributed.ready();
    // Nothing is done before the secret is known to be the cluster's: a node with another
    // secret must not even compete for the primary lease.
    if (!(await checkSecret(link, keys, key))) {
      log(`waiting for a coordinator to set up cluster "${keys.cluster}" (the designer with SLUICE_REDIS_URL and ${CLUSTER_SECRET_ENV})`);
      while (!(await checkSecret(link, keys, key).catch((e: unknown) => (e instanceof ClusterSecretError ? Promise.reject(e) : false)))) {
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    let lease: PrimaryLease | null = null;
    const opened = SluiceNode.open({
      dataDir,
      name: id,
      composition,
      logLevel: o.logLevel,
      primary: false,
      primaryState: new RedisPrimaryState(link.commands, keys, key, () => lease?.current ?? null),
    });
    node = opened;
    await checkNodeId(link.commands, keys, key, id, opened.dataDir);

    const inbox = new OffloadInbox(distributed, (flowId, connectionId, batch) => opened.acceptOffloaded(flowId, connectionId, batch));
    const offloader = new Offloader({ ...o.offload, node: opened, link: distributed, nodeId: id, log });
    const server = new RedisNodeServer(opened, { id, keys, key, link, log });
    await server.start();
    lease = new PrimaryLease({
      redis: link.commands,
      keys,
      key,
      id,
      log,
      onChange: async (primary) => {
        distributed.setPrimary(primary);
        await opened.setPrimary(primary);
        await opened.flushState();
      },
    });
    const desired = new DesiredState(link.commands, keys, key);
    const startedAt = Date.now();
    let cpu = { usage: process.cpuUsage(), at: Date.now() };
    let closed = false;
    let fatal = false;

    const heartbeat = async (): Promise<void> => {
      const info = await opened.info();
      const queued = { count: 0, bytes: 0 };
      for (const f of info.flows) {
        const s = await opened.status(f.flowId).catch(() => null);
        for (const c of s?.connections ?? []) {
          queued.count += c.queued.count;
          queued.bytes += c.queued.bytes;
        }
      }
      const usage = process.cpuUsage(cpu.usage);
      const now = Date.now();
      const cpuPercent = Math.round(((usage.user + usage.system) / 1000 / Math.max(1, now - cpu.at)) * 1000) / 10;
      cpu = { usage: process.cpuUsage(), at: now };
      const mem = process.memoryUsage();
      const hb: Heartbeat = {
        id,
        host: os.hostname(),
        pid: process.pid,
        startedAt,
        dataDir: opened.dataDir,
        at: now,
        flows: info.flows.map((f) => ({ flowId: f.flowId, revision: f.revision, running: f.running })),
        queued,
        cpuPercent,
        heap: { usedBytes: mem.heapUsed, totalBytes: mem.heapTotal },
        ...(decommissioned && offload ? { offload } : {}),
      };
      await writeHeartbeat(link.commands, keys, key, hb);
    };

    let decommissioned = false;
    /** The move of queued FlowFiles while decommissioned, as the last offload round left it. */
    let offload: OffloadStatus | null = null;
    let lastVersion: string | null | undefined;
    let failing = new Map<string, string>();
    let round = 0;
    const refused = new Set<string>();
    const readDesired = async (): Promise<Map<string, DesiredFlow>> =>
      desired.all((flowId) => {
        if (refused.has(flowId)) return;
        refused.add(flowId);
        log(`ignored the desired state of flow ${flowId}: it does not open with the cluster secret`);
      });
    const reconcileNow = async (version: string | null): Promise<void> => {
      const flows = await readDesired();
      const report = await reconcile(opened, id, flows, await desired.removed(), decommissioned);
      lastVersion = version;
      for (const flowId of report.deployed) log(`deployed flow ${flowId} at revision ${flows.get(flowId)?.revision}`);
      for (const flowId of report.undeployed) log(`undeployed flow ${flowId}`);
      for (const [flowId, message] of report.failed) if (failing.get(flowId) !== message) log(`flow ${flowId} could not be brought to its desired state: ${message}`);
      failing = report.failed;
    };

    /** The desired state as of `version`, read again only when it changed (snapshots are decrypted). */
    let desiredCache: { version: string | null; flows: Map<string, DesiredFlow>; removed: Set<string> } | null = null;
    /** One round of a decommission (offload.ts); the heartbeat says at once when its state changed. */
    const offloadRound = async (flag: MemberFlag, force: boolean): Promise<void> => {
      const version = await desired.version();
      if (desiredCache?.version !== version) desiredCache = { version, flows: await readDesired(), removed: await desired.removed() };
      const members = await readMembers(link.commands, keys, key, null, () => {});
      const serving = members.filter((m) => m.id !== id && m.alive && m.state === "connected");
      const status = await offloader.round({
        since: flag.at,
        desired: desiredCache.flows,
        removed: desiredCache.removed,
        servedElsewhere: (flowId) => serving.some((m) => m.flows.some((f) => f.flowId === flowId)),
        stillDecommissioned: async () => !closed && (await readFlag(link.commands, keys, key, id))?.at === flag.at,
      });
      const changed = JSON.stringify(status) !== JSON.stringify(offload);
      offload = status;
      // Emptied: what reconciling a decommissioned node does besides (deleting the data of
      // flows removed with it) is safe now.
      if (status.state === "offloaded" && (changed || force || version !== lastVersion)) await reconcileNow(version);
      if (changed) void beat(true);
    };

    const sync = async (force: boolean): Promise<void> => {
      round++;
      // The coordinator may have been set up again with another secret.
      await checkSecret(link, keys, key);
      const flag = await readFlag(link.commands, keys, key, id);
      const nowDecommissioned = flag?.state === "decommissioned";
      if (nowDecommissioned !== decommissioned) {
        decommissioned = nowDecommissioned;
        log(decommissioned ? "this node is decommissioned: stopping its flows and moving their queued FlowFiles to the other nodes" : "this node is back in service");
        await lease!.pause(decommissioned);
        if (!decommissioned) {
          // Stopped for the move: undeployed (data kept), so reconciling runs them as desired.
          for (const flowId of await offloader.end()) await opened.undeploy(flowId).catch((e: unknown) => log(`flow ${flowId} stays stopped: it could not be undeployed to run again (${e instanceof Error ? e.message : String(e)})`));
          offload = null;
        }
        force = true;
      }
      if (decommissioned) {
        // Takes no FlowFiles, not even its own back.
        await inbox.sync([], false);
        await offloadRound(flag!, force);
        return;
      }
      const version = await desired.version();
      if (force || version !== lastVersion || (failing.size > 0 && round % RETRY_EVERY === 0)) await reconcileNow(version);
      const deployed = (await opened.deployments()).map((d) => d.flowId);
      await inbox.sync(deployed, (await link.commands.hlen(keys.flags)) > 0);
    };

    /** Runs `fn` unless the previous run is still going; a failure (Redis down) waits for the next round. */
    const guarded = (fn: (force: boolean) => Promise<void>) => {
      let running = false;
      let again = false;
      const run = async (force = false): Promise<void> => {
        if (closed) return;
        if (running) {
          again ||= force;
          return;
        }
        running = true;
        try {
          await fn(force);
        } catch (e) {
          if (e instanceof ClusterSecretError && !fatal) {
            fatal = true;
            log(e.message);
            o.onFatal?.(e);
          }
          // Anything else is Redis being unreachable (RedisLink logged it): the next round retries.
        } finally {
          running = false;
          if (again) {
            again = false;
            void run(true);
          }
        }
      };
      return run;
    };
    const beat = guarded(heartbeat);
    const reconcileRound = guarded(sync);
    await beat();
    await reconcileRound(true);
    lease.start();
    const timers = [setInterval(() => void beat(), HEARTBEAT_MS), setInterval(() => void reconcileRound(), o.reconcileMs ?? HEARTBEAT_MS)];
    link.onReady(() => {
      void beat();
      void reconcileRound(true);
    });
    log(`node ${id} joined cluster "${keys.cluster}" at ${redactUrl(o.redisUrl)}; data in ${opened.dataDir}`);

    return {
      id,
      node: opened,
      redisReady: () => link.commands.status === "ready",
      async close() {
        if (closed) return;
        closed = true;
        for (const t of timers) clearInterval(t);
        await lease!.stop();
        await inbox.close();
        await server.close();
        await opened.shutdown();
        await clearHeartbeat(link.commands, keys, id).catch(() => {});
        await composition.close();
        await link.close();
      },
    };
  } catch (e) {
    await node?.shutdown().catch(() => {});
    await composition.close().catch(() => {});
    await link.close();
    throw e;
  }
}
