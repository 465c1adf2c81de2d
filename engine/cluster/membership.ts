/**
 * Membership: who is in the cluster, from signed heartbeats (keys in keys.ts).
 *
 * - A node heartbeats every HEARTBEAT_MS: it sets `<c>:node:<id>` with a TTL of three
 *   heartbeats (HEARTBEAT_TTL_MS) and records the same heartbeat in `<c>:cluster:members`.
 * - A member is a node with an entry in the members hash whose heartbeat opens with the
 *   cluster key and names the same id. It is "connected" while its `node:<id>` key exists (and
 *   opens); "disconnected" once that key expired: no heartbeat for three intervals, at most
 *   15 s. A "decommissioned" flag (set by the coordinator) wins over both: the member is
 *   "decommissioning" until its heartbeat reports, for that very flag (its time), that it
 *   offloaded everything, and "decommissioned" from then on (MemberState says what they mean).
 * - An entry or key that does not open (a rogue process with another secret, or tampering) is
 *   no member: it is shown nowhere, and reported with one log line per id.
 * - `removeMember` forgets a disconnected node; it comes back if it heartbeats again.
 */
import os from "node:os";
import type { Redis } from "ioredis";
import type { ClusterMember, MemberState } from "../api/node-api";
import type { ClusterKeys } from "./keys";
import type { ClusterKey } from "./seal";

/** How often a node heartbeats. */
export const HEARTBEAT_MS = 5_000;
/** A node whose last heartbeat is older than this (three intervals) is disconnected. */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS;

/**
 * What a node says about itself every heartbeat (sealed, kind "heartbeat"): the member fields
 * it knows, and when it sent it (`at`, its clock).
 */
export type Heartbeat = Pick<ClusterMember, "id" | "host" | "pid" | "startedAt" | "dataDir" | "flows" | "queued" | "cpuPercent" | "heap" | "offload"> & { at: number };

/** The coordinator's flag on a node (sealed, kind "flag"). */
export interface MemberFlag {
  state: "decommissioned";
  at: number;
}

/** Another live process (not this node's earlier life) uses the node id. */
export class NodeIdInUseError extends Error {
  override name = "NodeIdInUseError";
}

/** Writes a heartbeat: the TTL key and the members entry, in one transaction. */
export async function writeHeartbeat(redis: Redis, keys: ClusterKeys, key: ClusterKey, hb: Heartbeat): Promise<void> {
  const text = key.seal("heartbeat", hb);
  await redis.multi().set(keys.node(hb.id), text, "PX", HEARTBEAT_TTL_MS).hset(keys.members, hb.id, text).exec();
}

/** Deletes a node's TTL key (a clean shutdown shows it disconnected at once). */
export async function clearHeartbeat(redis: Redis, keys: ClusterKeys, id: string): Promise<void> {
  await redis.del(keys.node(id));
}

/**
 * Refuses to start a node whose id a live node on another host or data dir holds. The same
 * host and data dir is this node's own earlier life (its data-dir lock proves that one is gone).
 */
export async function checkNodeId(redis: Redis, keys: ClusterKeys, key: ClusterKey, id: string, dataDir: string): Promise<void> {
  const text = await redis.get(keys.node(id));
  if (!text) return;
  let hb: Heartbeat;
  try {
    hb = key.open("heartbeat", text) as Heartbeat;
  } catch {
    return; // Not a member's: it will be overwritten.
  }
  if (hb.host === os.hostname() && hb.dataDir === dataDir) return;
  throw new NodeIdInUseError(`node id "${id}" is in use by pid ${hb.pid} on ${hb.host} (data dir ${hb.dataDir}); give this node another --name`);
}

/** Reads a node's flag; null when none (or when it does not open). */
export async function readFlag(redis: Redis, keys: ClusterKeys, key: ClusterKey, id: string): Promise<MemberFlag | null> {
  const text = await redis.hget(keys.flags, id);
  if (!text) return null;
  try {
    return key.open("flag", text) as MemberFlag;
  } catch {
    return null;
  }
}

export async function setFlag(redis: Redis, keys: ClusterKeys, key: ClusterKey, id: string, flag: MemberFlag | null): Promise<void> {
  if (flag) await redis.hset(keys.flags, id, key.seal("flag", flag));
  else await redis.hdel(keys.flags, id);
}

/** Forgets a node: its members entry and flag. */
export async function removeMember(redis: Redis, keys: ClusterKeys, id: string): Promise<void> {
  await redis.multi().hdel(keys.members, id).hdel(keys.flags, id).exec();
}

/** A heartbeat that opens and names `id`, or null. */
function openHeartbeat(key: ClusterKey, id: string, text: string | null | undefined): Heartbeat | null {
  if (!text) return null;
  try {
    const hb = key.open("heartbeat", text) as Heartbeat;
    return hb && hb.id === id ? hb : null;
  } catch {
    return null;
  }
}

/**
 * Every member, sorted by id; see the module comment. `primary` is the id holding the primary
 * lease (primary-lease.ts). `refused(id)` is called for each entry that does not open.
 */
export async function readMembers(redis: Redis, keys: ClusterKeys, key: ClusterKey, primary: string | null, refused: (id: string) => void): Promise<ClusterMember[]> {
  const [entries, flags] = await Promise.all([redis.hgetall(keys.members), redis.hgetall(keys.flags)]);
  const ids = Object.keys(entries).sort();
  const pipe = redis.pipeline();
  for (const id of ids) pipe.get(keys.node(id)).pttl(keys.node(id));
  const live = (await pipe.exec()) ?? [];
  const out: ClusterMember[] = [];
  ids.forEach((id, i) => {
    const last = openHeartbeat(key, id, entries[id]);
    if (!last) {
      refused(id);
      return;
    }
    const current = openHeartbeat(key, id, live[2 * i]?.[1] as string | null);
    const pttl = Number(live[2 * i + 1]?.[1] ?? -2);
    const hb = current ?? last;
    let flag: MemberFlag | null = null;
    if (flags[id]) {
      try {
        flag = key.open("flag", flags[id]!) as MemberFlag;
      } catch {
        flag = null;
      }
    }
    const alive = current !== null;
    // A report about an earlier decommission (recommissioned since, then decommissioned again) does not count.
    const offload = flag?.state === "decommissioned" && hb.offload?.since === flag.at ? hb.offload : undefined;
    let state: MemberState = alive ? "connected" : "disconnected";
    if (flag?.state === "decommissioned") state = offload?.state === "offloaded" ? "decommissioned" : "decommissioning";
    out.push({
      id,
      host: hb.host,
      pid: hb.pid,
      startedAt: hb.startedAt,
      dataDir: hb.dataDir,
      state,
      alive,
      // From the key's remaining TTL while alive: no dependence on the node's clock.
      heartbeatAgeMs: alive && pttl > 0 ? Math.max(0, HEARTBEAT_TTL_MS - pttl) : Math.max(0, Date.now() - hb.at),
      primary: alive && primary === id,
      flows: hb.flows,
      queued: hb.queued,
      cpuPercent: hb.cpuPercent,
      heap: hb.heap,
      ...(offload ? { offload } : {}),
    });
  });
  return out;
}
